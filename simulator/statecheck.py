"""What a Mark I state file must hold, field by field, against what :meth:`MarkI.save` writes.

The JSON header is checked first: each setting has the kind of value the constructor takes
and sizes within the table of limits (:mod:`simulator.limits`), so the shape and kind of every
array are known before any array is read (:func:`members`) and a file declaring a million
A-units is refused before memory is taken for them. Then the arrays are checked against the
machine they describe: wiring inside the retina and distinct per A-unit, finite numbers,
potentiometers within their end stops and only where a potentiometer exists. Each refusal is
one :class:`~simulator.errors.StateFileError` line (:func:`simulator.statefile.refusal`).
"""

from __future__ import annotations

import numpy as np

from . import coding as _coding
from .checks import shown
from .errors import ConfigError, StateFileError
from .limits import limit
from .statefile import Member, refusal

#: Settings that size the arrays: whole numbers within the table of limits.
SIZES = ("retina_size", "a_units", "r_units", "excitatory", "inhibitory")
_NUMBERS = ("a_threshold", "s_threshold", "photocell_noise", "learning_rate")
_OPTIONAL_NUMBERS = ("weight_limit", "weight_step")
_SEEDS = ("seed", "wiring_seed")
_WORDS = ("rule", "coding")
#: Longest word a setting takes ("partitioned"); longer ones are refused before they are shown.
_WORD_CHARS = 32
#: A-units whose wiring is checked at a time.
_BLOCK = 4096
#: Counters are kept as int64 by anything that sums them.
_COUNT_MAX = int(np.iinfo(np.int64).max)


def _is_int(v) -> bool:
    return type(v) is int  # JSON gives int, never bool for a number


def _is_number(v) -> bool:
    # a whole number too large for a float is no setting (and would trip float arithmetic)
    return (type(v) is float and np.isfinite(v)) or (type(v) is int and abs(v) <= 2**53)


def _bad(path, where: str, value, wanted: str) -> StateFileError:
    return refusal(path, f"{where} is {shown(value, 40)}, not {wanted}")


def _section(path, header: dict, key: str) -> dict:
    if key not in header:
        raise refusal(path, f"the state file lacks {key}")
    value = header[key]
    if not isinstance(value, dict):
        raise _bad(path, key, value, "a table of fields")
    return value


def params(path, header: dict, names) -> dict:
    """The constructor's arguments from the header, each of the kind the constructor takes
    and the sizes within the table of limits; the machine checks the rest (``_validate``).

    Parameters
    ----------
    path : path-like
        The state file (for messages).
    header : dict
        The parsed JSON header.
    names : sequence of str
        The constructor's parameter names.
    """
    section = _section(path, header, "params")
    out = {}
    for name in names:
        if name not in section:
            raise refusal(path, f"the state file lacks the setting {name}")
        v = section[name]
        where = f"setting {name}"
        if name in SIZES:
            lim = limit(name)
            if not (_is_int(v) and lim.lo <= v <= lim.hi):
                raise _bad(path, where, v, f"a whole number from {lim.lo:,} to {lim.hi:,}")
        elif name in _SEEDS:
            hi = limit("seed").hi
            if not (v is None or (_is_int(v) and 0 <= v <= hi)):
                raise _bad(path, where, v, f"a whole number from 0 to {hi:,} or null")
        elif name in _NUMBERS:
            if not _is_number(v):
                raise _bad(path, where, v, "a number")
        elif name in _OPTIONAL_NUMBERS:
            if not (v is None or _is_number(v)):
                raise _bad(path, where, v, "a number or null")
        elif name in _WORDS:
            if not (isinstance(v, str) and len(v) <= _WORD_CHARS):
                raise _bad(path, where, v, "a word")
        elif name == "connectivity":
            if not ((isinstance(v, str) and len(v) <= _WORD_CHARS) or _is_number(v)):
                raise _bad(path, where, v, "a word or a fraction")
        elif name == "analog":
            if not isinstance(v, bool):
                raise _bad(path, where, v, "true or false")
        elif not (v is None or isinstance(v, bool) or _is_number(v)
                  or (isinstance(v, str) and len(v) <= _WORD_CHARS)):
            # a setting added since: any plain value, the machine judges it
            raise _bad(path, where, v, "a plain value")
        out[name] = v
    cells = out.get("retina_size", 0) ** 2
    if "excitatory" in out and out["excitatory"] + out.get("inhibitory", 0) > cells:
        raise refusal(path, f"an A-unit cannot take {out['excitatory'] + out['inhibitory']} "
                      f"connections from {cells} photocells")
    return out


def members(p: dict) -> dict[str, Member]:
    """Shape and kind of each array, from checked settings :func:`params`."""
    a, r = p["a_units"], p["r_units"]
    return {"excitatory_idx": Member((a, p["excitatory"]), "iu"),
            "inhibitory_idx": Member((a, p["inhibitory"]), "iu"),
            "a_thresholds": Member((a,), "f"), "mask": Member((a, r), "b"),
            "weights": Member((a, r), "f"), "bias": Member((r,), "f")}


def counters(path, header: dict, r_units: int) -> tuple[int, int, int]:
    """(presentations, errors, corrections), whole numbers that agree with each other.

    Each wrong card is one error and between 1 and ``r_units`` corrections.
    """
    section = _section(path, header, "counters")
    out = []
    for name in ("presentations", "errors", "corrections"):
        if name not in section:
            raise refusal(path, f"the state file lacks the counter {name}")
        v = section[name]
        if not (_is_int(v) and 0 <= v <= _COUNT_MAX):
            raise _bad(path, f"counter {name}", v, "a whole number >= 0")
        out.append(v)
    presentations, errors, corrections = out
    if errors > presentations:
        raise refusal(path, f"{errors:,} errors in {presentations:,} presentations")
    if not errors <= corrections <= errors * r_units:
        raise refusal(path, f"{corrections:,} corrections for {errors:,} errors on {r_units} R-units")
    return presentations, errors, corrections


def classes(path, header: dict, coding: str, r_units: int) -> tuple[int | None, tuple | None]:
    """(n_classes, class names): a class count that fits the coding, one name per class."""
    if "n_classes" not in header:
        raise refusal(path, "the state file lacks n_classes")
    n = header["n_classes"]
    names = header.get("class_names")
    if n is None:
        if names is not None:
            raise _bad(path, "class_names", names, "null for a machine without classes")
        return None, None
    lim = limit("class_count")
    if not (_is_int(n) and lim.lo <= n <= lim.hi):
        raise _bad(path, "n_classes", n, f"a whole number from {lim.lo:,} to {lim.hi:,} or null")
    try:
        _coding.units_used(coding, n, r_units)
    except ConfigError as exc:
        raise refusal(path, f"its classes do not fit its R-units ({exc})") from None
    if names is None:
        return n, None
    if not (isinstance(names, list) and len(names) == n and all(isinstance(s, str) for s in names)):
        raise _bad(path, "class_names", names, f"a list of {n} names")
    # as the machine takes them (set_classes): messages show names, each must be one line
    if not all(s and s.splitlines() == [s] for s in names) or len(set(names)) != n:
        raise _bad(path, "class_names", names, f"{n} distinct names of one line each")
    return n, tuple(names)


def rng_state(path, header: dict) -> dict:
    """The training generator's state, as numpy's PCG64 writes it."""
    s = header.get("rng_state")
    state = s.get("state") if isinstance(s, dict) else None
    ok = (isinstance(s, dict) and s.get("bit_generator") == "PCG64" and isinstance(state, dict)
          and all(_is_int(state.get(k)) and 0 <= state[k] < 2**128 for k in ("state", "inc"))
          and state["inc"] % 2 == 1  # PCG64 keeps its increment odd
          and s.get("has_uint32") in (0, 1) and _is_int(s.get("has_uint32"))
          and _is_int(s.get("uinteger")) and 0 <= s["uinteger"] < 2**32)
    if not ok:
        raise _bad(path, "rng_state", s, "the state of numpy's PCG64 generator")
    return s


def arrays(path, p: dict, arr: dict[str, np.ndarray]) -> None:
    """Check the arrays (of the shapes :func:`members` gave) against the settings ``p``.

    Indices are compared before any cast, so an int64 index cannot wrap into range.
    """
    cells = p["retina_size"] ** 2
    for name in ("excitatory_idx", "inhibitory_idx"):
        idx = arr[name]
        if idx.size and (idx.min() < 0 or idx.max() >= cells):
            raise refusal(path, f"{name} wires photocells outside 0..{cells - 1}")
    # the plugboard draws distinct photocells per A-unit; the kernels' tables count on it.
    # Checked a block of A-units at a time, so the check costs no copy of the whole wiring.
    e, i = arr["excitatory_idx"], arr["inhibitory_idx"]
    for start in range(0, e.shape[0], _BLOCK):
        wires = np.sort(np.concatenate([e[start:start + _BLOCK].astype(np.int64),
                                        i[start:start + _BLOCK].astype(np.int64)], axis=1), axis=1)
        if np.any(wires[:, 1:] == wires[:, :-1]):
            raise refusal(path, "the wiring takes one photocell twice into an A-unit")
    lim = limit("a_threshold")
    t = arr["a_thresholds"]
    if not (np.all(np.isfinite(t)) and np.all(t >= lim.lo) and np.all(t <= lim.hi)):
        raise refusal(path, f"a_thresholds are not all numbers from {lim.lo:g} to {lim.hi:g}")
    mask = arr["mask"]
    if np.any(mask.view(np.uint8) > 1):
        raise refusal(path, "mask holds values other than true and false")
    mask = mask.astype(np.bool_)
    a, r = mask.shape
    if p["connectivity"] == "full" and not mask.all():
        raise refusal(path, "mask leaves out potentiometers of a fully connected machine")
    if p["connectivity"] == "partitioned" and not np.array_equal(
            mask, np.arange(r)[None, :] == (np.arange(a) % r)[:, None]):
        raise refusal(path, "mask is not the partitioned wiring")
    w = arr["weights"]
    if not np.all(np.isfinite(w)):
        raise refusal(path, "potentiometer settings are not finite numbers")
    stop = p["weight_limit"]
    if stop is not None and np.any(np.abs(w) > stop):
        raise refusal(path, f"potentiometers are turned beyond their end stops at +/-{stop:g}")
    if np.any(w[~mask] != 0):
        raise refusal(path, "potentiometers that are not wired have been turned")
    if not np.all(np.isfinite(arr["bias"])):
        raise refusal(path, "bias is not finite numbers")
