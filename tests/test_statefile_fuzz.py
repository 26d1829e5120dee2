"""Fuzz the state-file loader: whatever a file holds, the load gives a working machine or one line.

Three seeded generators damage a real saved machine (64 A-units, so a case takes about a
millisecond): bytes of the file itself (flips, overwrites, truncations, insertions and
deletions, half of them aimed at the zip headers, since most of a file is compressed data
that the CRC guards), hostile JSON headers inside an otherwise valid zip (every field given
values of the wrong kind), and the arrays' own bytes (``.npy`` headers and numbers) inside a
valid zip. Each case must end in a machine that answers cards and saves, or in a
StateFileError of one line naming the file; any other exception, or a warning, fails the test
and names the case so it can be replayed.
"""

import io
import json
import warnings
import zipfile

import numpy as np
import pytest

from simulator import MarkI, StateFileError

SEED = 20261129


def _cards(size: int) -> np.ndarray:
    """Three cards for a retina of ``size`` (a valid file may hold another retina size)."""
    return (np.random.default_rng(7).random((3, size, size)) < 0.3).astype(np.float32)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A trained machine's state file: its bytes, its members and its header."""
    rng = np.random.default_rng(1)
    cards = (rng.random((40, 20, 20)) < 0.3).astype(np.float32)
    m = MarkI(seed=3, a_units=64, photocell_noise=0.02)
    m.set_classes(2, ["left", "right"])
    m.train(cards, rng.integers(0, 2, 40))
    path = tmp_path_factory.mktemp("fuzz") / "machine.mark1"
    m.save(path)
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    header = json.loads(np.load(io.BytesIO(members["header.npy"])).tobytes())
    return path.read_bytes(), members, header


def _fingerprint(m) -> tuple:
    """Everything a loaded machine holds, so a machine met before is not run and saved again."""
    pb = m.plugboard_
    arrays = (pb.excitatory_idx, pb.inhibitory_idx, pb.thresholds, m.mask_, m.weights_, m.bias_)
    return (repr(m.get_params()), m.presentations_, m.errors_, m.corrections_, m.n_classes_,
            m.class_names_, repr(m.rng_.bit_generator.state)) + tuple(a.tobytes() for a in arrays)


class Run:
    """Loads each case from one path and tallies the outcomes."""

    def __init__(self, folder):
        self.path = folder / "case.mark1"
        self.out = folder / "resaved.mark1"
        self.loaded = self.refused = 0
        self.seen = set()
        self._fh = open(self.path, "wb")  # rewritten in place: opening a file costs more than a load

    def check(self, data: bytes, case: str) -> None:
        self._fh.seek(0)
        self._fh.write(data)
        self._fh.truncate()
        self._fh.flush()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning is an extra line on the terminal
            try:
                m = MarkI.load(self.path)
            except StateFileError as exc:
                msg = str(exc)
                if "\n" in msg or "\r" in msg or not msg.startswith(f"{self.path}: "):
                    pytest.fail(f"{case}: not one line naming the file: {msg!r}")
                self.refused += 1
                return
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: B036 - anything else is the bug sought
                pytest.fail(f"{case}: {type(exc).__name__}: {exc}")
            key = _fingerprint(m)
            if key in self.seen:  # the same machine as an earlier case: it answered and saved
                self.loaded += 1
                return
            self.seen.add(key)
            try:
                answers = m.respond(_cards(m.retina_size))
                assert answers.shape == (3, m.r_units)
                assert set(np.unique(answers)) <= {-1, 1}
                m.save(self.out)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: B036
                pytest.fail(f"{case}: loaded, then {type(exc).__name__}: {exc}")
            self.loaded += 1


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _npy(arr) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asanyarray(arr), allow_pickle=False)
    return out.getvalue()


def _structure(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the zip's own records: local headers, the central directory, its end."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        spans = [(i.header_offset, i.header_offset + 30 + len(i.filename) + 16) for i in z.infolist()]
        start = min(i.header_offset + 30 + len(i.filename) + i.compress_size for i in z.infolist()
                    if i.header_offset == max(j.header_offset for j in z.infolist()))
    return spans + [(start, len(data))]


def _damage(rng, data: bytes, spans) -> tuple[bytes, str]:
    """One random damage to ``data``; half aimed at the zip's records."""
    if rng.random() < 0.5:
        lo, hi = spans[rng.integers(len(spans))]
    else:
        lo, hi = 0, len(data)
    pos = int(rng.integers(lo, hi))
    kind = int(rng.integers(5))
    b = bytearray(data)
    if kind == 0:
        for _ in range(int(rng.integers(1, 5))):
            p = min(len(b) - 1, pos + int(rng.integers(0, 8)))
            b[p] ^= 1 << int(rng.integers(8))
        return bytes(b), f"bit flips near {pos}"
    n = int(rng.integers(1, 17))
    junk = bytes(rng.choice([0x00, 0xFF, 0x7F, 0x80, int(rng.integers(256))]) for _ in range(n))
    if kind == 1:
        b[pos:pos + n] = junk
        return bytes(b[:len(data)]), f"{n} bytes overwritten at {pos}"
    if kind == 2:
        return bytes(b[:pos]), f"truncated at {pos}"
    if kind == 3:
        return bytes(b[:pos] + junk + b[pos:]), f"{n} bytes inserted at {pos}"
    return bytes(b[:pos] + b[pos + n:]), f"{n} bytes deleted at {pos}"


def test_damaged_bytes_load_or_fail_in_one_line(saved, tmp_path):
    data, _, _ = saved
    spans = _structure(data)
    rng = np.random.default_rng(SEED)
    run = Run(tmp_path)
    run.check(data, "the file as saved")
    for i in range(2000):
        damaged, how = _damage(rng, data, spans)
        run.check(damaged, f"case {i} (seed {SEED}): {how}")
    # both outcomes are reached, so the generator exercises the loader and not only the zip reader
    assert run.loaded > 20 and run.refused > 1000


HOSTILE = [None, True, False, 0, 1, -1, 2, 3, 7, 64, 255, 256, 2**31, 2**63, -(2**63), 2**64,
           2**128 - 1, 2**128 + 1, 10**39, 0.0, -0.0, 0.5, 2.5, 1e-308, 1e308, float("nan"),
           float("inf"), float("-inf"), "", "x", "two", "alpha", "lecture", "winner", "bits",
           "full", "partitioned", "PCG64", "MT19937", "mark1-perceptron-state", "\n", "caf\udce9",
           "a" * 5000, [], {}, [1, 2], ["left", "right"], ["left", "right", "up"], [None],
           {"state": 1, "inc": 3}, {"bit_generator": "PCG64"}]


def _hostile(rng, depth=0):
    r = rng.random()
    if depth < 3 and r < 0.1:
        return [_hostile(rng, depth + 1) for _ in range(int(rng.integers(0, 4)))]
    if depth < 3 and r < 0.2:
        return {str(_hostile(rng, 3)): _hostile(rng, depth + 1) for _ in range(int(rng.integers(0, 3)))}
    if r < 0.22:
        return [[[]]] * 2 if rng.random() < 0.5 else json.loads("[" * 300 + "]" * 300)
    return HOSTILE[int(rng.integers(len(HOSTILE)))]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _hostile_header(rng, header: dict) -> tuple[str, str]:
    h = json.loads(json.dumps(header))
    done = []
    for _ in range(int(rng.integers(1, 4))):
        paths = [p for p in _paths(h) if p]
        where = paths[int(rng.integers(len(paths)))] if paths else ()
        if not where:
            break
        parent = h
        for key in where[:-1]:
            parent = parent[key]
        if rng.random() < 0.15 and isinstance(parent, dict):
            del parent[where[-1]]
            done.append(f"del {'.'.join(map(str, where))}")
        else:
            value = _hostile(rng)
            parent[where[-1]] = value
            done.append(f"{'.'.join(map(str, where))}={json.dumps(value)[:40]}")
    text = json.dumps(h)
    if rng.random() < 0.1:  # and a few raw edits of the text
        b = bytearray(text.encode())
        for _ in range(int(rng.integers(1, 4))):
            b[int(rng.integers(len(b)))] = int(rng.integers(256))
        text = b.decode("latin1")
        done.append("text edited")
    return text, "; ".join(done)


def test_hostile_json_headers_load_or_fail_in_one_line(saved, tmp_path):
    _, members, header = saved
    rng = np.random.default_rng(SEED + 1)
    run = Run(tmp_path)
    for i in range(600):
        text, how = _hostile_header(rng, header)
        raw = text.encode("latin1") if "text edited" in how else text.encode()
        case = dict(members, **{"header.npy": _npy(np.frombuffer(raw, np.uint8))})
        run.check(_zip(case), f"header case {i} (seed {SEED + 1}): {how}")
    assert run.loaded > 10 and run.refused > 300


def test_damaged_arrays_in_a_valid_zip_load_or_fail_in_one_line(saved, tmp_path):
    """Bytes of the .npy members themselves, headers and numbers, with the zip's CRC made right."""
    _, members, _ = saved
    names = [n for n in members if n != "header.npy"]
    rng = np.random.default_rng(SEED + 2)
    run = Run(tmp_path)
    for i in range(600):
        name = names[int(rng.integers(len(names)))]
        data = members[name]
        # the .npy header (the first 128 bytes) or the numbers after it
        spans = [(0, 128)] if rng.random() < 0.5 or len(data) <= 128 else [(128, len(data))]
        damaged, how = _damage(rng, data, spans * 2)
        run.check(_zip(dict(members, **{name: damaged})), f"array case {i} (seed {SEED + 2}): "
                  f"{name}: {how}")
    assert run.loaded > 10 and run.refused > 300
