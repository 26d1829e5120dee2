"""State files built byte by byte: each refusal with its own message, each limit at and past its edge.

A file that is refused for the wrong reason (a missing array reported as a bad version, a foreign
format passed on to fail later) fails these tests. Written against the mutation run's survivors
(docs/TESTING.md).
"""

import errno
import io
import json
import zipfile

import numpy as np
import pytest

from simulator import statefile
from simulator.errors import StateFileError
from simulator.statefile import FORMAT, HEADER_BYTES, NPY_HEADER_BYTES, Member, load_state, save_state

PLAN = {"a": Member((2,), "f"), "b": Member((3,), "iu")}
A = np.array([0.25, -1.5])
B = np.array([1, 2, 3], dtype=np.int16)


def _npy(arr) -> bytes:
    out = io.BytesIO()
    np.save(out, np.asarray(arr))
    return out.getvalue()


def _header(obj=None, text=None, dtype=np.uint8) -> bytes:
    if text is None:
        text = json.dumps({"format": FORMAT, "version": 1} if obj is None else obj)
    return _npy(np.frombuffer(text.encode("utf-8") if isinstance(text, str) else text, np.uint8)
                .astype(dtype))


def _write(path, members, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _file(tmp_path, header=None, **arrays):
    members = {"header.npy": header if header is not None else _header()}
    members.update({f"{k}.npy": v for k, v in arrays.items()})
    return _write(tmp_path / "s.mark1", members)


def _load(path, plan=PLAN):
    return load_state(path, lambda header: plan)


def _refused(path, message, plan=PLAN):
    with pytest.raises(StateFileError, match=message) as info:
        _load(path, plan)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_save_and_load_keep_header_and_arrays(tmp_path):
    path = tmp_path / "s.mark1"
    save_state(path, {"counter": 7, "names": ["x"]}, {"a": A, "b": B})
    header, arrays = _load(path)
    assert header == {"format": FORMAT, "version": 1, "counter": 7, "names": ["x"]}
    np.testing.assert_array_equal(arrays["a"], A)
    np.testing.assert_array_equal(arrays["b"], B)
    assert arrays["b"].dtype == np.int16


def test_header_is_a_reserved_array_name(tmp_path):
    with pytest.raises(ValueError, match=r"^'header' is reserved$"):
        save_state(tmp_path / "s.mark1", {}, {"header": A})
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_place_is_one_line(tmp_path):
    with pytest.raises(StateFileError,
                       match=r"missing.*: cannot write the state file: folder .* does not exist"):
        save_state(tmp_path / "missing" / "s.mark1", {}, {"a": A})


# ------------------------------------------------------------------ format, version, members
@pytest.mark.parametrize("header, message", [
    ({"format": "other-program", "version": 1}, r": not a Mark I state file \(format 'other-program'\)$"),
    ({"version": 1}, r": not a Mark I state file$"),
    ([FORMAT, 1], r": not a Mark I state file$"),
    ({"format": 7, "version": 1}, r": not a Mark I state file \(format 7\)$"),
])
def test_a_foreign_format_is_refused_as_not_a_state_file(tmp_path, header, message):
    # bug caught: the format name not checked (the file then fails later, or loads)
    _refused(_file(tmp_path, _header(header), a=_npy(A), b=_npy(B)), message)


@pytest.mark.parametrize("name, shown", [
    ("f" * 38, "'" + "f" * 38 + "'"),                  # its repr is exactly 40 characters
    ("f" * 39, "'" + "f" * 36 + "..."),                # 41: cut to 37 and "..."
])
def test_a_long_format_name_is_cut_at_40_characters(tmp_path, name, shown):
    msg = _refused(_file(tmp_path, _header({"format": name, "version": 1})), "not a Mark I state file")
    assert msg.endswith(f"(format {shown})")


@pytest.mark.parametrize("version, shown", [(0, "0"), (2, "2"), ("1", "'1'"), (True, "True"), (1.0, "1.0"),
                                            (None, "None")])
def test_every_version_but_1_is_refused_with_the_version_message(tmp_path, version, shown):
    # bug caught: version 0 (or "1", or true) taken for 1, or refused through another error
    header = {"format": FORMAT} if version is None else {"format": FORMAT, "version": version}
    _refused(_file(tmp_path, _header(header), a=_npy(A), b=_npy(B)),
             rf": state file version {shown}, this program reads version 1; use the program version "
             r"that wrote it, or start a new state$")


def test_missing_arrays_are_named_together(tmp_path):
    # bug caught: the missing arrays not checked up front (each then fails alone, or not at all)
    _refused(_file(tmp_path), r": the state file lacks a, b; use another state file or start a new one$")
    _refused(_file(tmp_path, a=_npy(A)), r": the state file lacks b; use another")


def test_members_the_plan_does_not_name_are_not_needed(tmp_path):
    header, arrays = _load(_file(tmp_path, a=_npy(A)), {"a": PLAN["a"]})
    assert list(arrays) == ["a"]


def test_a_file_without_a_header_member_is_not_a_state_file(tmp_path):
    _refused(_write(tmp_path / "s.mark1", {"a.npy": _npy(A)}), r": not a Mark I state file \(no header\)$")


# ------------------------------------------------------------------------------------ header
@pytest.mark.parametrize("text, message", [
    ("[" * 50_000 + "]" * 50_000, "its header is nested too deeply"),
    ('{"format": NaN}', "its header holds NaN, not a finite number"),
    ('{"format": -Infinity}', "its header holds -Infinity, not a finite number"),
    ('{"x": 1e999}', "its header holds the number 1e999, beyond the range of a float"),
    ('{"x": ' + "1" * 41 + "}", "its header holds a number of 41 digits"),
    ("{'x': 1}", r"its header is not valid JSON \(Expecting property name enclosed in double quotes at "
                 r"character 1\)"),
    (b"\xff\xfe", "its header is not UTF-8 text"),
])
def test_a_bad_header_is_refused_with_its_own_message(tmp_path, text, message):
    _refused(_file(tmp_path, _header(text=text)), message)


@pytest.mark.parametrize("number", ["1" * 40, "-" + "1" * 40])
def test_a_number_of_40_digits_is_read(tmp_path, number):
    # the generator's 128-bit state has 39 digits; 40 are allowed, 41 refused (above)
    header = json.dumps({"format": FORMAT, "version": 1})[:-1] + f', "x": {number}}}'
    got, _ = _load(_file(tmp_path, _header(text=header), a=_npy(A), b=_npy(B)))
    assert got["x"] == int(number)


def test_a_header_stored_as_wider_numbers_is_refused(tmp_path):
    _refused(_file(tmp_path, _header(dtype=np.uint16)), r"its header is stored as uint16, not bytes")


def test_a_header_of_two_rows_is_refused(tmp_path):
    _refused(_file(tmp_path, _npy(np.zeros((2, 2), np.uint8))),
             r"header has shape \(2, 2\), expected a row of at most 1,048,576 bytes")
    assert HEADER_BYTES == 1_048_576


# ------------------------------------------------------------------------------ the archive
def test_files_that_are_not_state_files_are_told_apart(tmp_path):
    bare = tmp_path / "bare.npy"
    bare.write_bytes(_npy(A))
    _refused(bare, r"bare\.npy: a bare \.npy array, not a Mark I state file$")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    _refused(text, r"notes\.txt: not a Mark I state file$")
    broken = tmp_path / "broken.mark1"
    broken.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    _refused(broken, r"broken\.mark1: state file is truncated or corrupted \(.+\); use another state file")


def test_paths_that_cannot_be_state_files(tmp_path):
    with pytest.raises(StateFileError, match=r"^a state file is named by a str or os\.PathLike, got 3$"):
        _load(3)
    _refused(tmp_path / "none.mark1", r"none\.mark1: no such state file$")
    _refused(tmp_path, r": is a folder, not a state file$")
    _refused("/dev/null", r"^/dev/null: not a regular file, so not a state file$")
    _refused("bad\0name", r"cannot read the state file \(embedded null byte\)$")


# ---------------------------------------------------------------------------------- members
@pytest.mark.parametrize("member, message", [
    (np.array([1.0, 2.0, 3.0]), r"b holds float64 values, not whole numbers"),
    (np.array([1, 2, 3], dtype=np.complex64), r"b holds complex64 values, not whole numbers"),
    (np.zeros(3, dtype=[("x", "i4")]), r"b holds .*'x'.* values, not whole numbers"),
    (np.array([1, 2], dtype=np.int16), r"b has shape \(2,\), the header says \(3,\)"),
    (np.array([[1, 2, 3]], dtype=np.int16), r"b has shape \(1, 3\), the header says \(3,\)"),
])
def test_a_member_of_the_wrong_kind_or_shape_is_refused(tmp_path, member, message):
    _refused(_file(tmp_path, a=_npy(A), b=_npy(member)), message)


def test_half_precision_is_not_a_kind_state_files_hold(tmp_path):
    _refused(_file(tmp_path, a=_npy(A.astype(np.float16)), b=_npy(B)),
             r"a holds float16 values, not real numbers")


def test_every_integer_and_float_width_is_read(tmp_path):
    for a_type in (np.float32, np.float64):
        for b_type in (np.int8, np.uint8, np.int32, np.uint64, np.bool_):
            plan = {"a": Member((2,), "f"), "b": Member((3,), "iub")}
            header, arrays = _load(_file(tmp_path, a=_npy(A.astype(a_type)), b=_npy(B.astype(b_type))), plan)
            assert arrays["a"].dtype == a_type and arrays["b"].dtype == b_type


def _npy_v2(arr, header_len):
    # a .npy of format 2.0 whose header is padded to ``header_len`` bytes
    text = f"{{'descr': '{arr.dtype.str}', 'fortran_order': False, 'shape': {arr.shape!r}, }}"
    text = text + " " * (header_len - len(text) - 1) + "\n"
    return b"\x93NUMPY\x02\x00" + len(text).to_bytes(4, "little") + text.encode("latin1") + arr.tobytes()


def test_an_array_header_of_exactly_the_limit_is_read_and_one_byte_more_refused(tmp_path):
    # the limit's edge also makes the member exactly as large as the zip check allows
    a = A.astype(np.float64)
    header, arrays = _load(_file(tmp_path, a=_npy_v2(a, NPY_HEADER_BYTES), b=_npy(B)))
    np.testing.assert_array_equal(arrays["a"], a)
    _refused(_file(tmp_path, a=_npy_v2(a, NPY_HEADER_BYTES + 1), b=_npy(B)),
             r"a declares 4,125 bytes, more than a 2 array of numbers takes \(4,124 at most\)")
    _refused(_file(tmp_path, a=_npy_v2(a[:1], NPY_HEADER_BYTES + 1), b=_npy(B)),
             r"a has an array header of 4,097 bytes")


@pytest.mark.parametrize("data, message", [
    (b"\x93NUMPY\x03\x00" + b"\0" * 60, r"a is a NumPy array of format \(3, 0\), state files use 1\.0"),
    (b"not an array at all", r"a is not a NumPy array"),
    (b"\x93NUMPY\x01\x00\x10\x00{'descr': <f8} \n", r"a has a damaged array header"),
    (b"\x93NUMPY\x01\x00\x40\x00", r"a is truncated \(0 of 64 bytes\)"),
    (_npy(A)[:-3], r"a declares 141 bytes, its array takes 144"),
])
def test_a_damaged_member_is_refused_with_its_own_message(tmp_path, data, message):
    _refused(_file(tmp_path, a=data, b=_npy(B)), message)


def test_a_member_stored_uncompressed_loads(tmp_path):
    members = {"header.npy": _header(), "a.npy": _npy(A), "b.npy": _npy(B)}
    header, arrays = _load(_write(tmp_path / "s.mark1", members, zipfile.ZIP_STORED))
    np.testing.assert_array_equal(arrays["a"], A)


def test_a_header_of_exactly_the_size_limit_is_read_and_one_byte_more_refused(tmp_path):
    text = json.dumps({"format": FORMAT, "version": 1})
    exact = text + " " * (HEADER_BYTES - len(text))     # JSON allows trailing white space
    header, _ = _load(_file(tmp_path, _header(text=exact), a=_npy(A), b=_npy(B)))
    assert header == {"format": FORMAT, "version": 1}
    _refused(_file(tmp_path, _header(text=exact + " "), a=_npy(A), b=_npy(B)),
             r"header has shape \(1048577,\), expected a row of at most 1,048,576 bytes")


class _Unreadable:
    """A file that opens but cannot be read (a failing disk)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, n=-1):
        raise OSError(errno.EIO, "Input/output error")


@pytest.mark.parametrize("fails_at, reason", [("open", "Permission denied"), ("read", "Input/output error")])
def test_a_file_that_cannot_be_opened_or_read_says_why_in_one_line(tmp_path, monkeypatch, fails_at, reason):
    path = _file(tmp_path, a=_npy(A), b=_npy(B))

    def fake_open(p, mode="r", *args, **kwargs):
        if fails_at == "open":
            raise OSError(errno.EACCES, "Permission denied")
        return _Unreadable()
    monkeypatch.setattr(statefile, "open", fake_open, raising=False)
    _refused(path, rf"s\.mark1: cannot read the state file \({reason}\)$")


def test_a_member_plan_cannot_be_changed_once_made():
    import dataclasses
    with pytest.raises(dataclasses.FrozenInstanceError):
        PLAN["a"].shape = (3,)


def test_the_same_header_makes_the_same_bytes_whatever_the_order_of_its_keys(tmp_path):
    # sorted keys: two saves of one machine are byte-for-byte the same header (diffable, hashable)
    save_state(tmp_path / "1", {"b": 1, "a": [2, 3]}, {"a": A})
    save_state(tmp_path / "2", {"a": [2, 3], "b": 1}, {"a": A})
    with zipfile.ZipFile(tmp_path / "1") as one, zipfile.ZipFile(tmp_path / "2") as two:
        first = one.read("header.npy")
        assert first == two.read("header.npy")
    assert first.endswith(json.dumps({"a": [2, 3], "b": 1, "format": FORMAT, "version": 1}).encode())
