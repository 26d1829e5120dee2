"""The machine's inner loops: S -> A association, R-unit sums and trial-by-trial training.

Each loop comes in two forms that give the same bits: numpy, for a few cards, and numba
(:mod:`simulator.compiled`), for batches. A call is small when its cards times A-units are at
most :data:`SMALL_WORK`; a small call runs in numpy and never imports numba. So a session
that shows and teaches one card at a time (the panel, the kiosk) needs no compiler, no
compiled code and no worker threads: importing numba alone costs about 125 MB of memory and,
with its cache cold, seconds of compiling; one card through a parallel kernel costs more in
waking its threads than in the work. Batches (experiments, the bench, ``train`` on thousands
of cards) import numba on their first large call and run as before.

Why the two agree to the bit: association sums whole numbers (binary light) or adds each
A-unit's light in photocell order in float32, as the compiled loop does (analog light); an
R-unit's input adds the active A-units' potentiometers in A-unit order (``np.add.accumulate``
is sequential, where ``sum`` would pair terms); the corrections are the same elementwise
arithmetic on the same numbers. ``tests/test_frugal.py`` holds the two paths to it.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import numpy as np

log = logging.getLogger(__name__)

#: Rule codes, as :class:`~simulator.machine.MarkI` names them in ``RULES``.
ALPHA, GAMMA, FORCED, LECTURE, LMS = 0, 1, 2, 3, 4

#: The most (cards x A-units) a call runs in numpy: 256 cards of the 512-A-unit machine, one
#: card of a 100,000-A-unit one. Larger calls go to the compiled kernels.
SMALL_WORK = 2**17

ENGINES = ("numpy", "numba")
_forced: str | None = None


@contextmanager
def engine(name: str | None):
    """Run every kernel call inside the ``with`` block in one engine, whatever its size.

    Parameters
    ----------
    name : {"numpy", "numba"} or None
        None goes back to choosing by size. For tests, the bench and :func:`warm_up`.
    """
    global _forced
    if name is not None and name not in ENGINES:
        raise ValueError(f"unknown kernel engine {name!r}; choose one of {', '.join(ENGINES)}")
    before, _forced = _forced, name
    try:
        yield
    finally:
        _forced = before


def _compiled(work: int):
    """The numba module when ``work`` (cards x A-units) is large, else None (numpy)."""
    if _forced == "numpy" or (_forced is None and work <= SMALL_WORK):
        return None
    from . import compiled  # numba: imported on the first large call only

    return compiled


def numba_loaded() -> bool:
    """Whether this process has imported numba (and so holds its memory)."""
    import sys

    return "numba" in sys.modules


# ---------------------------------------------------------------------------- association
def active_lists(light, analog, s_threshold, plugboard, act, cnt) -> None:
    """For each card, the firing A-units: ``act[i, :cnt[i]]``, in increasing order.

    Parameters
    ----------
    light : numpy.ndarray of float32, shape (n, cells)
        The light on each photocell.
    analog : bool
        Photocells pass their light (else they fire when it reaches ``s_threshold``).
    s_threshold : numpy.float32
        The photocells' threshold.
    plugboard : Plugboard
        The S->A wiring.
    act : numpy.ndarray of int32, shape (n, a_units)
        Filled with the firing A-units of each card (the rest of a row is left as it was).
    cnt : numpy.ndarray of int64, shape (n,)
        Filled with how many A-units fired on each card.
    """
    jit = _compiled(light.shape[0] * plugboard.a_units)
    if jit is not None:
        # The compiled loop reads the table for binary light and the board for analog: the
        # other is not built (the board of a 100,000-A-unit machine is 80 MB).
        board = plugboard.board() if analog else _NO_BOARD
        table = _NO_TABLE if analog else plugboard.table()
        if not light.flags.writeable:  # numba compiles read-only arrays apart: one type less
            light = light.copy()
        jit.active_lists(light, analog, s_threshold, board, table, plugboard.thresholds,
                         plugboard.counts(), act, cnt)
        return
    cells, signs = plugboard.wires()                         # (m, a_units) each
    if analog:
        # float32 products added one photocell after another, as the compiled loop adds them
        terms = light[:, cells] * signs                      # (n, m, a_units) float32
        sums = (np.add.accumulate(terms, axis=1, dtype=np.float32)[:, -1] if terms.shape[1]
                else np.zeros((light.shape[0], plugboard.a_units), dtype=np.float32))
        fired = sums >= plugboard.thresholds
    else:
        lit = (light >= s_threshold).view(np.int8)
        sums = np.add.reduce(lit[:, cells] * signs, axis=1, dtype=np.int32)  # whole numbers
        fired = sums >= plugboard.counts()
    _lists_of(fired, act, cnt)


def _lists_of(fired, act, cnt) -> None:
    """Active lists from a (n, a_units) boolean array of firing A-units."""
    if fired.shape[0] == 1:  # the common case, a card at a time, in fewer steps
        units = np.flatnonzero(fired[0])
        act[0, :units.size] = units
        cnt[0] = units.size
        return
    cnt[:] = np.count_nonzero(fired, axis=1)
    rows, units = np.nonzero(fired)                          # row by row, units increasing
    starts = np.cumsum(cnt) - cnt
    act[rows, np.arange(rows.size) - np.repeat(starts, cnt)] = units


# Stand-ins for the board or table a compiled call does not read: the same types, no memory.
_NO_BOARD = np.zeros((1, 1), dtype=np.int16)
_NO_TABLE = np.zeros((1, 1, 1), dtype=np.int8)


def mark(act, cnt, out) -> None:
    """A-unit outputs (n, a) uint8 from active lists: 1 where the unit fired."""
    jit = _compiled(act.size)
    if jit is not None:
        jit.mark(act, cnt, out)
        return
    out[:] = 0
    if act.shape[0] == 1:
        out[0, act[0, :cnt[0]]] = 1
        return
    listed = np.arange(act.shape[1]) < cnt[:, None]
    out[np.nonzero(listed)[0], act[listed]] = 1


# ---------------------------------------------------------------------------- R-units
def _sums(active, W, start) -> np.ndarray:
    """``start`` plus the rows ``W[active]``, added one after another in A-unit order."""
    rows = np.empty((active.shape[0] + 1, W.shape[1]), dtype=np.float64)
    rows[0] = start
    rows[1:] = W[active]
    return np.add.accumulate(rows, axis=0)[-1]


def sum_rows(act, cnt, W, bias, out) -> None:
    """R-unit inputs (n, r) float64: each card's active A-units' potentiometers, plus bias.

    Summed in A-unit order, as :func:`learn` does, so an answer and its training agree.
    """
    jit = _compiled(act.size)
    if jit is not None:
        jit.sum_rows(act, cnt, W, bias, out)
        return
    for i in range(act.shape[0]):
        out[i] = _sums(act[i, :cnt[i]], W, bias)


def _turned(value, old, limit, step):
    """Where each potentiometer goes when turned toward ``value``: ratchet, then end stops."""
    if step > 0.0:
        value = np.rint(value / step) * step
    if limit > 0.0:
        value = np.where(value > limit, limit, np.where(value < -limit, -limit, value))
    return value


def learn(act, cnt, targets, W, bias, mask, n_connected, rule, eta, limit, step, use_bias,
          wrong_out, moved_out) -> None:
    """Present cards in order and correct the R-units, Rosenblatt's way (or Widrow and Hoff's).

    ``targets`` (n, r) int8: +1 / -1 the required response, 0 leaves that R-unit alone.
    An R-unit answers +1 when its input is above zero (the lecture's rule: at or above);
    with the Rosenblatt rules an input of exactly zero is no answer and counts as wrong.
    ``act[i, :cnt[i]]`` are card i's firing A-units (from :func:`active_lists`); ``rule`` is
    one of :data:`ALPHA`, :data:`GAMMA`, :data:`FORCED`, :data:`LECTURE`, :data:`LMS`;
    ``limit`` and ``step`` are 0.0 for none. Writes per card the number of wrong R-units and
    of potentiometers that moved.

    :data:`LMS` turns every asked R-unit's active, wired potentiometers by
    ``eta * (t - s) / n`` on every card, right or wrong: ``s`` the R-unit's input, ``n`` how
    many of its wired A-units are active (none: nothing moves). So ``eta = 1`` brings ``s``
    to ``t`` on that card, end stops and ratchet allowing, and ``0 < eta < 2`` keeps a card
    from being overcorrected into a larger error.
    """
    jit = _compiled(act.size)
    if jit is not None:
        jit.learn(act, cnt, targets, W, bias, mask, n_connected, rule == LECTURE, rule == GAMMA,
                  rule == FORCED, rule == LMS, eta, limit, step, use_bias, wrong_out, moved_out)
        return
    n_a, n_r = W.shape
    full = bool(np.all(n_connected == n_a))
    no_bias = np.zeros(n_r)
    for i in range(act.shape[0]):
        active = act[i, :cnt[i]]
        score = _sums(active, W, bias if use_bias else no_bias)
        y = targets[i].astype(np.float64)
        asked = y != 0
        correct = (score >= 0.0) == (y > 0) if rule == LECTURE else y * score > 0.0
        wrong = asked & ~correct
        if rule == LMS:
            on = (np.full(n_r, active.size) if full
                  else np.count_nonzero(mask[active], axis=0))  # active A-units wired to each
            with np.errstate(divide="ignore", invalid="ignore"):
                delta = np.where(asked & (on > 0), (eta * (y - score)) / on, 0.0)
            reinforced = delta != 0.0  # an answer exactly on its target moves nothing
        else:
            reinforced = wrong | (asked & correct) if rule == FORCED else wrong
            delta = np.where(reinforced, eta * y, 0.0)
        if use_bias:
            np.add(bias, delta, out=bias, where=reinforced)
        moved = 0
        if reinforced.any() and rule == GAMMA:
            # Parasitic gain: active units gain, the inactive ones of the same set pay for it.
            is_active = np.zeros(n_a)
            is_active[active] = 1.0
            for r in np.flatnonzero(delta != 0.0):
                wired = np.flatnonzero(mask[:, r])
                n_on = int(np.count_nonzero(mask[active, r]))
                mean = n_on / float(n_connected[r]) if n_connected[r] > 0 else 0.0
                old = W[wired, r]
                new = _turned(old + delta[r] * (is_active[wired] - mean), old, limit, step)
                turned = new != old
                W[wired[turned], r] = new[turned]
                moved += int(np.count_nonzero(turned))
        elif reinforced.any():
            old = W[active]
            new = _turned(old + delta, old, limit, step)
            # only the reinforced, wired potentiometers turn (with full wiring and no ratchet
            # only the stops could move an unreinforced one: one lowered since it was set)
            new = np.where(mask[active] & (delta != 0.0), new, old)
            moved = int(np.count_nonzero(new != old))
            W[active] = new
        wrong_out[i] = np.count_nonzero(wrong)
        moved_out[i] = moved


# ---------------------------------------------------------------------------- warm-up
def warm_up() -> list[str]:
    """Compile every numba kernel for the argument types the machine passes, or load it
    from numba's cache; run once after installing, so no visitor waits for a compiler.

    The compiled code goes to numba's cache: the folder ``NUMBA_CACHE_DIR`` names when it is
    set, else the package's ``__pycache__`` folder when it is writable, else the user's cache
    folder (``~/.cache/numba``); entries are checked against a hash of the source. Run it as
    the user (and with the ``NUMBA_CACHE_DIR``) the machine will run as: a read-only install
    warmed by root is cold for another user. It imports numba into this process: call it from
    a short-lived process (``make venv`` does), not from a one-card exhibit that otherwise
    never loads numba.

    Returns
    -------
    list of str
        The kernels warmed, each with the number of argument types it holds.
    """
    from . import compiled

    n, a, r, cells = 2, 8, 2, 25
    light = np.ones((n, cells), dtype=np.float32)
    act = np.zeros((n, a), dtype=np.int32)
    cnt = np.zeros(n, dtype=np.int64)
    for counts in (np.zeros(a, np.int8), np.zeros(a, np.int16)):  # up to 126 wires of a kind, more
        compiled.active_lists(light, False, np.float32(0.5), _NO_BOARD, np.zeros((5, 32, a), np.int8),
                              np.zeros(a, np.float32), counts, act, cnt)
    compiled.mark(act, cnt, np.empty((n, a), dtype=np.uint8))
    W, bias = np.zeros((a, r)), np.zeros(r)
    compiled.sum_rows(act, cnt, W, bias, np.empty((n, r)))
    compiled.learn(act, cnt, np.ones((n, r), dtype=np.int8), W, bias, np.ones((a, r), dtype=np.bool_),
                   np.full(r, a, dtype=np.int64), False, False, False, False, 1.0, 0.0, 0.0, False,
                   np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32))
    kernels = (compiled.active_lists, compiled.mark, compiled.sum_rows, compiled.learn)
    done = [f"{k.__name__} ({len(k.signatures)} argument type{'s' * (len(k.signatures) != 1)})"
            for k in kernels]
    log.info("numba kernels ready: %s", ", ".join(done))
    return done
