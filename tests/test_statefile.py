"""State files: round trip, atomic writes, and clear refusals of bad files."""

import os
import zipfile

import numpy as np
import pytest

from simulator import MarkI, StateFileError
from simulator.statefile import FORMAT


@pytest.fixture
def trained(tmp_path):
    rng = np.random.default_rng(0)
    cards = (rng.random((200, 20, 20)) < 0.2).astype(np.float32)
    labels = rng.integers(0, 4, 200)
    m = MarkI(seed=9, wiring_seed=4, a_units=128, coding="winner", photocell_noise=0.05,
              weight_step=0.5, learning_rate=0.5)
    m.train(cards, labels)
    path = tmp_path / "machine.mark1"
    m.save(path)
    return m, path, cards, labels


def test_round_trip_keeps_everything(trained):
    m, path, cards, labels = trained
    back = MarkI.load(path)
    assert back.get_params() == m.get_params()
    np.testing.assert_array_equal(back.weights, m.weights)
    assert (back.presentations_, back.errors_, back.corrections_, back.n_classes_) == (
        m.presentations_, m.errors_, m.corrections_, m.n_classes_)
    # the generator state travels too: both continue identically, noise included
    t1, t2 = m.train(cards, labels), back.train(cards, labels)
    np.testing.assert_array_equal(t1.wrong, t2.wrong)
    np.testing.assert_array_equal(back.weights, m.weights)


def test_no_pickle_and_no_temp_files_left(trained):
    _, path, _, _ = trained
    with np.load(path, allow_pickle=False) as npz:
        assert "header" in npz.files
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_failed_write_leaves_the_old_file(trained, monkeypatch):
    m, path, _, _ = trained
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(StateFileError, match="No space left"):
        m.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def _check_refused(path, fragment):
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(StateFileError) as info:
        MarkI.load(path)
    msg = str(info.value)
    assert str(path) in msg and fragment in msg and "\n" not in msg
    assert (path.read_bytes() if path.exists() else None) == before


def test_truncated_file(trained):
    _, path, _, _ = trained
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _check_refused(path, "truncated or corrupted")


def test_flipped_byte_is_caught(trained):
    _, path, _, _ = trained
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("weights.npy")
    # a byte inside the compressed weights: the CRC or the inflater must notice
    pos = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[pos] ^= 0xFF
    path.write_bytes(bytes(data))
    _check_refused(path, "state file is truncated or corrupted (")  # the inflater or the CRC


def test_foreign_and_missing_files(tmp_path):
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello")
    _check_refused(foreign, "not a Mark I state file")
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    _check_refused(other, "not a Mark I state file")
    _check_refused(tmp_path / "missing.mark1", "no such state file")


def test_other_version_is_refused(tmp_path):
    import json
    path = tmp_path / "future.mark1"
    header = np.frombuffer(json.dumps({"format": FORMAT, "version": 99}).encode(), np.uint8)
    np.savez(path, header=header)
    os.replace(str(path) + ".npz" if not path.exists() else path, path)
    _check_refused(path, "version 99")


def test_written_files_get_the_usual_mode_not_a_private_one(trained):
    _, path, _, _ = trained
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# ---------------------------------------------------------------- hostile files (issue 7)
# Each test builds a damaged file from a real one and names the words it expects; every
# refusal is one line naming the file. The old loader ended most of these in a traceback or
# took the file as it was.

import io  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import tracemalloc  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

DATA = Path(__file__).parent / "data"
MiB = 2**20


@pytest.fixture
def small(tmp_path):
    """A trained 64-A-unit machine with class names, saved; and its file's members."""
    rng = np.random.default_rng(1)
    cards = (rng.random((40, 20, 20)) < 0.3).astype(np.float32)
    m = MarkI(seed=3, a_units=64)
    m.set_classes(2, ["left", "right"])
    m.train(cards, rng.integers(0, 2, 40))
    path = tmp_path / "small.mark1"
    m.save(path)
    return path


def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _npy(arr) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asanyarray(arr), allow_pickle=False)
    return out.getvalue()


def _array(path, name) -> np.ndarray:
    return np.load(io.BytesIO(_members(path)[f"{name}.npy"]), allow_pickle=False)


def _header(path) -> dict:
    return json.loads(_array(path, "header").tobytes())


def _rewrite(path, header=None, **arrays):
    """Write ``path`` again with a new header (dict, JSON text or array) and/or arrays (or .npy bytes)."""
    mem = _members(path)
    if isinstance(header, np.ndarray):
        mem["header.npy"] = _npy(header)
    elif header is not None:
        text = header if isinstance(header, str) else json.dumps(header)
        mem["header.npy"] = _npy(np.frombuffer(text.encode(), np.uint8))
    for name, value in arrays.items():
        mem[f"{name}.npy"] = value if isinstance(value, bytes) else _npy(value)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in mem.items():
            z.writestr(name, data)


def _patch_entry(path, name, **fields):
    """Overwrite fields of member ``name`` in both its local header and the central directory."""
    local = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<L"), "csize": (18, "<L"),
             "size": (22, "<L")}
    central = {k: (off + 2, fmt) for k, (off, fmt) in local.items()}
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        offset = z.getinfo(name).header_offset
    for key, value in fields.items():
        struct.pack_into(local[key][1], data, offset + local[key][0], value)
    i = struct.unpack_from("<L", data, len(data) - 22 + 16)[0]  # central directory offset
    while data[i:i + 4] == b"PK\x01\x02":
        n, x, k = struct.unpack_from("<HHH", data, i + 28)
        if data[i + 46:i + 46 + n] == name.encode():
            for key, value in fields.items():
                struct.pack_into(central[key][1], data, i + central[key][0], value)
        i += 46 + n + x + k
    path.write_bytes(bytes(data))


def _npy_header(descr: str, shape, fortran=False) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": descr, "fortran_order": fortran,
                                               "shape": tuple(shape)})
    return out.getvalue()


def _add_zeros_member(path, name, prefix: bytes, mib: int, *, replace=False):
    """Add member ``name``: ``prefix`` then ``mib`` MiB of zeros, deflated, in about 1 kB per MiB.

    One MiB of zeros is deflated once, ending on a byte boundary with a fresh dictionary
    (a full flush), so the same bytes can follow each other ``mib`` times; the CRC is
    computed over the real contents, so the member is valid, only huge.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(MiB)) + c.flush(zlib.Z_FULL_FLUSH)
    raw = head + block * mib + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc, zeros = zlib.crc32(prefix), bytes(MiB)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    if replace:
        mem = _members(path)
        del mem[name]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for k, v in mem.items():
                z.writestr(k, v)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as z:
        z.writestr(name, raw)  # stored as it is, then marked deflated below
    _patch_entry(path, name, method=zipfile.ZIP_DEFLATED, crc=crc, size=len(prefix) + mib * MiB)


def _refused(path, pattern):
    with pytest.raises(StateFileError, match=pattern) as info:
        MarkI.load(path)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(f"{path}: ")
    return msg


def test_unknown_compression_method(small):
    _patch_entry(small, "weights.npy", method=99)
    _refused(small, "weights is compressed by method 99")


def test_bare_npy_array(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.zeros((512, 8)))
    _refused(path, "a bare .npy array, not a Mark I state file")


@pytest.mark.parametrize("shape", [(10**12, 8), (2**62, 2**62), (64, 8, 2), (-1, 8)])
def test_member_declaring_another_shape(small, shape):
    _rewrite(small, weights=_npy_header("<f8", shape) + bytes(64))
    _refused(small, r"weights has shape .*, the header says \(64, 8\)")


@pytest.mark.parametrize("text, pattern", [
    ('{"format": "mark1-perceptron-state", "version": 1, "x": Infinity}', "Infinity, not a finite"),
    ('{"format": "mark1-perceptron-state", "version": 1, "x": -Infinity}', "-Infinity, not a finite"),
    ('{"format": "mark1-perceptron-state", "version": 1, "x": NaN}', "NaN, not a finite"),
    ('{"format": "mark1-perceptron-state", "version": 1, "x": 1e999}', "1e999, beyond the range"),
    ('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ('{"x": ' + "1" * 5000 + "}", "a number of 5,000 digits"),
    ('{"x": 1', "not valid JSON"),
    ('[1, 2]', "not a Mark I state file"),
    ('{"format": "mark1-perceptron-state", "version": true}', "version True"),
])
def test_header_that_is_not_plain_json(small, text, pattern):
    _rewrite(small, text)
    _refused(small, pattern)


def test_header_not_utf8_or_not_bytes(small):
    _rewrite(small, header=np.frombuffer(b'{"format": "\xff"}', np.uint8))
    _refused(small, "header is not UTF-8 text")
    _rewrite(small, header=np.arange(4, dtype=np.uint16))
    _refused(small, "header is stored as uint16, not bytes")


def _with(header, where, value):
    h = json.loads(json.dumps(header))
    *path, last = where.split(".")
    node = h
    for key in path:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return h


@pytest.mark.parametrize("where, value, pattern", [
    ("n_classes", "two", "n_classes is 'two', not a whole number from 2 to 256"),
    ("n_classes", 1, "n_classes is 1, not a whole number from 2"),
    ("n_classes", -3, "n_classes is -3, not"),
    ("n_classes", 2.5, "n_classes is 2.5, not"),
    ("n_classes", True, "n_classes is True, not"),
    ("n_classes", 300, "n_classes is 300, not"),
    ("n_classes", 3, "class_names is \\['left', 'right'\\], not a list of 3 names"),
    ("n_classes", KeyError, "lacks n_classes"),
    ("class_names", ["left", "right", "up"], "not a list of 2 names"),
    ("class_names", [1, 2], "class_names is \\[1, 2\\], not a list of 2 names"),
    ("class_names", "left right", "not a list of 2 names"),
    ("class_names", ["left", "left"], "not 2 distinct names of one line each"),
    ("class_names", ["left", "ri\nght"], "class_names is \\['left', 'ri\\\\nght'\\], not 2 distinct"),
    ("class_names", ["left", ""], "not 2 distinct names of one line each"),
    ("counters.errors", "5", "counter errors is '5', not a whole number >= 0"),
    ("counters.errors", 5.0, "counter errors is 5.0, not"),
    ("counters.errors", -1, "counter errors is -1, not"),
    ("counters.errors", True, "counter errors is True, not"),
    ("counters.errors", 10**6, "1,000,000 errors in 40 presentations"),
    ("counters.corrections", 0, "0 corrections for"),
    ("counters.presentations", KeyError, "lacks the counter presentations"),
    ("counters", [1, 2, 3], "counters is \\[1, 2, 3\\], not a table"),
    ("params.a_units", "64", "setting a_units is '64', not a whole number from 1 to 100,000"),
    ("params.a_units", 10**6, "setting a_units is 1000000, not a whole number from 1 to 100,000"),
    ("params.a_units", 64.0, "setting a_units is 64.0"),
    ("params.r_units", 0, "setting r_units is 0"),
    ("params.excitatory", 396, "cannot take 401 connections from 400 photocells"),
    ("params.excitatory", 300, r"excitatory_idx has shape \(64, 5\), the header says \(64, 300\)"),
    ("params.retina_size", 2**64, "setting retina_size is"),
    ("params.rule", [], "setting rule is \\[\\], not a word"),
    ("params.rule", "nonsense", "settings are out of range \\(unknown rule 'nonsense'"),
    ("params.rule", "x" * 10_000, "setting rule is 'xxxxxx.*\\.\\.\\., not a word"),
    ("params.coding", None, "setting coding is None, not a word"),
    ("params.analog", 1, "setting analog is 1, not true or false"),
    ("params.seed", 1.5, "setting seed is 1.5, not a whole number"),
    ("params.seed", -1, "setting seed is -1"),
    ("params.learning_rate", "1", "setting learning_rate is '1', not a number"),
    ("params.learning_rate", -5, "settings are out of range \\(learning_rate must be"),
    ("params.weight_step", 2**128 - 1, "setting weight_step is 3402823669.*, not a number or null"),
    ("params.weight_limit", {}, "setting weight_limit is {}, not a number or null"),
    ("params.connectivity", 7, "settings are out of range \\(connectivity must be"),
    ("params.connectivity", [0.5], "setting connectivity is \\[0.5\\], not a word or a fraction"),
    ("params.a_threshold", KeyError, "lacks the setting a_threshold"),
    ("params", None, "params is None, not a table"),
    ("rng_state", 5, "rng_state is 5, not the state of numpy's PCG64 generator"),
    ("rng_state.bit_generator", "MT19937", "rng_state is .*, not the state of numpy's PCG64"),
    ("rng_state.state.state", -1, "not the state of numpy's PCG64"),
    ("rng_state.state.inc", 2**128 + 1, "not the state of numpy's PCG64"),
    ("rng_state.state.inc", 2, "not the state of numpy's PCG64"),
    ("rng_state.has_uint32", "x", "not the state of numpy's PCG64"),
    ("rng_state.uinteger", 2**32, "not the state of numpy's PCG64"),
])
def test_header_fields_of_the_wrong_kind_or_inconsistent(small, where, value, pattern):
    _rewrite(small, _with(_header(small), where, value))
    _refused(small, pattern)


def test_classes_that_do_not_fit_the_coding(small):
    h = _with(_with(_header(small), "params.coding", "winner"), "n_classes", 9)
    _rewrite(small, _with(h, "class_names", None))
    _refused(small, "classes do not fit its R-units .*winner-take-all coding of 9 classes")


def test_wiring_indices_that_wrap_or_repeat(small):
    idx = _array(small, "excitatory_idx").astype(np.int64)
    wrapped = idx.copy()
    wrapped[0, 0] += 2**32  # int32(this) is the old index: a cast would hide it
    _rewrite(small, excitatory_idx=wrapped)
    _refused(small, r"excitatory_idx wires photocells outside 0\.\.399")
    for bad in (-1, 400):
        idx2 = idx.copy()
        idx2[5, 1] = bad
        _rewrite(small, excitatory_idx=idx2)
        _refused(small, "excitatory_idx wires photocells outside")
    # the plugboard draws distinct photocells for an A-unit (excitatory and inhibitory alike)
    twice = idx.copy()
    twice[3, 0] = _array(small, "inhibitory_idx")[3, 2]
    _rewrite(small, excitatory_idx=twice)
    _refused(small, "takes one photocell twice into an A-unit")


@pytest.mark.parametrize("name, change, pattern", [
    ("bias", lambda a: np.full_like(a, np.nan), "bias is not finite"),
    ("a_thresholds", lambda a: np.full_like(a, np.nan), "a_thresholds are not all numbers"),
    ("a_thresholds", lambda a: np.full_like(a, np.inf), "a_thresholds are not all numbers"),
    ("weights", lambda a: np.where(a == a, np.inf, a), "potentiometer settings are not finite"),
    ("weights", lambda a: a.astype(np.complex128) + 1j,
     "weights declares 8,320 bytes, more than a 64 x 8 array of numbers takes"),
    ("weights", lambda a: a.astype(np.complex64), "weights holds complex64 values, not real numbers"),
    ("weights", lambda a: a.astype(np.float16), "weights holds float16 values, not real numbers"),
    ("weights", lambda a: a.astype("<U3"), "weights holds .*U3 values, not real numbers"),
    ("weights", lambda a: a + 100.5, r"beyond their end stops at \+/-100"),
    ("mask", lambda a: a.astype(np.int8), "mask holds int8 values, not true/false values"),
    ("mask", lambda a: np.where(np.arange(a.size).reshape(a.shape) == 7, 7, a).astype(np.uint8)
     .view(np.bool_), "mask holds values other than true and false"),
    ("mask", lambda a: np.zeros_like(a), "mask leaves out potentiometers"),
    ("excitatory_idx", lambda a: a.astype(np.float64), "excitatory_idx holds float64 values, not whole"),
])
def test_arrays_of_the_wrong_kind_or_out_of_range(small, name, change, pattern):
    _rewrite(small, **{name: change(_array(small, name))})
    _refused(small, pattern)


def test_turned_potentiometer_that_is_not_wired(tmp_path):
    m = MarkI(seed=0, a_units=16, connectivity="partitioned")
    m.reset_weights()
    path = tmp_path / "p.mark1"
    m.save(path)
    w = _array(path, "weights")
    w[0, 5] = 1.0  # A-unit 0 is wired to R-unit 0 only
    _rewrite(path, weights=w)
    _refused(path, "potentiometers that are not wired have been turned")


def test_member_missing_duplicated_or_encrypted(small):
    mem = _members(small)
    with zipfile.ZipFile(small, "w") as z:
        for k, v in mem.items():
            if k != "bias.npy":
                z.writestr(k, v)
    _refused(small, "the state file lacks bias")
    with zipfile.ZipFile(small, "a") as z, pytest.warns(UserWarning, match="Duplicate name"):
        z.writestr("bias.npy", mem["bias.npy"])
        z.writestr("bias.npy", mem["bias.npy"])
    _refused(small, "holds bias 2 times")
    _patch_entry(small, "weights.npy", flags=1)  # the encryption flag
    _refused(small, "weights is encrypted")


def test_named_member_declaring_a_huge_size(small):
    _patch_entry(small, "weights.npy", size=2**31)
    _refused(small, r"weights declares 2,147,483,648 bytes, more than a 64 x 8 array of numbers")


def test_folder_and_device_are_not_state_files(tmp_path):
    _refused(tmp_path, "is a folder, not a state file")
    fifo = tmp_path / "pipe.mark1"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")  # opening it would wait for a writer forever


def test_written_before_the_hardening_loads_unchanged():
    """A version 1 file written by the loader's previous version (tests/data), values from then."""
    m = MarkI.load(DATA / "state-v1.mark1")
    assert (m.presentations_, m.errors_, m.corrections_) == (60, 59, 139)
    assert m.class_names_ == ("circle", "square", "caf\udce9") and m.n_classes_ == 3
    assert (m.a_units, m.coding, m.connectivity, m.weight_step) == (64, "winner", "partitioned", 0.5)
    assert m.weights.sum() == -5.5
    assert m.rng_.bit_generator.state["state"]["state"] == 238134212590557043324907278754872384872
    rng = np.random.default_rng(5)
    cards = (rng.random((60, 20, 20)) < 0.25).astype(np.float32)
    assert m.respond(cards[:5])[:, :2].tolist() == [[-1, -1], [-1, -1], [-1, 1], [-1, -1], [-1, -1]]


def test_uncompressed_and_fortran_order_members_load(small):
    """np.savez (stored, not deflated) and Fortran-order arrays are .npz too: same machine."""
    before = MarkI.load(small)
    mem = _members(small)
    w = np.asfortranarray(_array(small, "weights"))
    mem["weights.npy"] = _npy(w)
    assert b"'fortran_order': True" in mem["weights.npy"][:128]
    with zipfile.ZipFile(small, "w", zipfile.ZIP_STORED) as z:
        for k, v in mem.items():
            z.writestr(k, v)
    after = MarkI.load(small)
    np.testing.assert_array_equal(after.weights, before.weights)
    assert after.weights.flags.c_contiguous


# ---------------------------------------------------------------- decompression bombs


def test_extra_member_is_never_inflated(small):
    """A GiB of zeros beside the named members: loaded without reading it (the old loader
    inflated every member, 2.2 GB of memory for a 2 GB one)."""
    _add_zeros_member(small, "zeros.npy", _npy_header("|u1", (1024 * MiB,)), 1024)
    assert small.stat().st_size < 3 * MiB
    tracemalloc.start()
    try:
        m = MarkI.load(small)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert m.a_units == 64
    assert peak < 32 * MiB


def test_only_named_members_are_opened(small, monkeypatch):
    with zipfile.ZipFile(small, "a") as z:
        z.writestr("extra.npy", _npy(np.zeros(1000)))
        z.writestr("notes.txt", b"hello")
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    MarkI.load(small)
    assert sorted(opened) == sorted(f"{n}.npy" for n in (
        "header", "excitatory_idx", "inhibitory_idx", "a_thresholds", "mask", "weights", "bias"))


def test_header_declaring_a_million_a_units_is_refused_before_reading(small):
    """The weights member really holds 10**6 x 8 zeros (64 MB); nothing of it is inflated."""
    h = _with(_header(small), "params.a_units", 10**6)
    _rewrite(small, h)
    _add_zeros_member(small, "weights.npy", _npy_header("<f8", (10**6, 8)), 61, replace=True)
    tracemalloc.start()
    try:
        _refused(small, "setting a_units is 1000000, not a whole number from 1 to 100,000")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MiB


def test_member_larger_than_its_array_is_refused(small):
    """A named member whose data runs on past its array: refused, not inflated to its end."""
    w = _npy(_array(small, "weights"))
    _rewrite(small)
    _add_zeros_member(small, "weights.npy", w, 64, replace=True)
    _refused(small, r"weights declares 67,113,088 bytes, more than a 64 x 8 array of numbers takes "
                    r"\(8,204 at most\)")


def test_member_whose_crc_disagrees_is_refused(small):
    """Members are read in chunks now; the CRC is still checked at the end of each one."""
    with zipfile.ZipFile(small) as z:
        crc = z.getinfo("weights.npy").CRC
    _patch_entry(small, "weights.npy", crc=crc ^ 1)
    _refused(small, "truncated or corrupted .*Bad CRC-32 for file 'weights.npy'")


def test_a_file_name_with_a_line_break_is_shown_on_one_line(small):
    odd = small.with_name("two\nlines.mark1")
    small.rename(odd)
    odd.write_bytes(odd.read_bytes()[:100])
    with pytest.raises(StateFileError, match=r"two\\nlines\.mark1.*truncated or corrupted") as info:
        MarkI.load(odd)
    assert "\n" not in str(info.value)


def test_a_repeated_photocell_far_down_the_wiring_is_found(tmp_path):
    """The wiring is checked in blocks of A-units; a repeat in a late block counts as well."""
    m = MarkI(seed=0, a_units=9000)
    m.reset_weights()
    path = tmp_path / "big.mark1"
    m.save(path)
    idx = _array(path, "excitatory_idx")
    idx[8999, 1] = idx[8999, 0]
    _rewrite(path, excitatory_idx=idx)
    _refused(path, "takes one photocell twice into an A-unit")


def test_a_header_within_each_limit_but_declaring_too_many_wires_is_refused_before_reading(small):
    """100,000 A-units of 2,000 connections each: every setting is within its own limit, but
    the wiring arrays it declares would be 1.6 GB (an 800 KB file of zeros inflates to that)."""
    header = _header(small)
    header["params"].update(a_units=100_000, excitatory=1000, inhibitory=1000, retina_size=64)
    _rewrite(small, header)
    tracemalloc.start()
    try:
        with pytest.raises(StateFileError, match=r"200,000,000 plugboard connections; the most is "
                                                 r"10,000,000") as info:
            MarkI.load(small)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "\n" not in str(info.value) and str(small) in str(info.value)
    assert peak < 32 * MiB
