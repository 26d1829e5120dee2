"""Rig calibrations on the host (hardware.calibration): where, atomic, damaged files in one line."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from hardware import calibration as C
from hardware import protocol as P
from simulator.errors import ConfigError, DeviceError, StateFileError


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(C.ENV, str(tmp_path / "data"))
    return tmp_path / "data"


def _cal(board_id=0x00C0FFEE, rows=8, cols=8):
    rng = np.random.default_rng(3)
    dark = rng.integers(50, 200, (rows, cols)).astype(np.uint16)
    return C.Calibration(board_id=board_id, rows=rows, cols=cols, adc_bits=10, dark=dark,
                         bright=(dark + 600).astype(np.uint16))


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(C.ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert C.path_for(0xAB) == tmp_path / "xdg" / "mark1" / "rigs" / "000000ab.json"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/not/allowed")   # the XDG spec ignores it
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert C.path_for(0xAB) == tmp_path / "home" / ".local" / "share" / "mark1" / "rigs" / "000000ab.json"


def test_save_and_load_round_trip_by_board_id(data_dir):
    cal = _cal()
    path = C.save(cal)
    assert path == data_dir / "rigs" / "00c0ffee.json"
    got = C.load(0x00C0FFEE)
    assert (got.board_id, got.rows, got.cols, got.adc_bits) == (0x00C0FFEE, 8, 8, 10)
    np.testing.assert_array_equal(got.dark, cal.dark)
    np.testing.assert_array_equal(got.bright, cal.bright)
    assert got.complete and got.weak_cells() == 0
    assert C.load(0x1234) is None
    assert [p.name for p in path.parent.iterdir()] == ["00c0ffee.json"]   # no temporary left


def test_save_is_atomic_a_failed_write_keeps_the_old_file(data_dir, monkeypatch):
    C.save(_cal())
    before = (data_dir / "rigs" / "00c0ffee.json").read_bytes()

    monkeypatch.setattr(C, "to_json", lambda cal: "x" * 10)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(ConfigError, match=r"^cannot save the rig's calibration to .*00c0ffee\.json: "
                                          r"No space left on device$"):
        C.save(_cal())
    assert (data_dir / "rigs" / "00c0ffee.json").read_bytes() == before
    assert [p.name for p in (data_dir / "rigs").iterdir()] == ["00c0ffee.json"]


@pytest.mark.parametrize("text, why", [
    ("{not json", r"not JSON"),
    ("", r"not JSON"),
    ('{"format": "something-else"}', r"its format is not mark1-rig-calibration"),
    ('[1, 2]', r"its format is not"),
])
def test_a_damaged_file_is_one_line_naming_it(data_dir, text, why):
    path = data_dir / "rigs" / "00c0ffee.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(StateFileError, match=rf"00c0ffee\.json: not a usable rig calibration \({why}.*"
                                             r"run `mark1 rig calibrate PORT` again$") as got:
        C.load(0x00C0FFEE)
    assert "\n" not in str(got.value)


@pytest.mark.parametrize("change, why", [
    (lambda d: d.update(version=9), r"version 9, this mark1 reads 1"),
    (lambda d: d.update(board_id="12345678"), r"it is for rig 12345678, not 00c0ffee"),
    (lambda d: d["dark"].pop(), r"dark is \(7, 8\), not 8 x 8"),
    (lambda d: d["bright"][0].__setitem__(0, 5000), r"bright has counts outside 0-1023"),
    (lambda d: d.update(rows=30), r"a 30 x 8 grid"),
    (lambda d: d.pop("cols"), r"missing or not numbers"),
])
def test_a_file_damaged_inside_is_one_line(data_dir, change, why):
    path = C.save(_cal())
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(StateFileError, match=why):
        C.load(0x00C0FFEE)


def test_a_half_calibration_is_kept_and_the_map_falls_back_to_full_scale(data_dir):
    cal = C.Calibration(board_id=5, rows=2, cols=2, adc_bits=10, dark=np.full((2, 2), 100, np.uint16))
    C.save(cal)
    got = C.load(5)
    assert got.bright is None and not got.complete
    m = got.retina_map(size=2)
    np.testing.assert_allclose(m(np.full((2, 2), 1023)), 1.0)


class FakeLink:
    """What read_from_board needs of a link: its hello and request()."""

    def __init__(self, hello, answers):
        self.hello = hello
        self.answers = answers
        self.asked = []

    def request(self, message, want, *, timeout):
        self.asked.append(message)
        reply = self.answers[message.which]
        assert want(reply)
        return reply


def _hello(board_id=0x00C0FFEE):
    return P.Hello(proto_major=1, proto_minor=0, fw_major=0, fw_minor=1, fw_patch=0, board=1, rows=8,
                   cols=8, adc_bits=10, flags=3, board_id=board_id, baud=115200, adc_clock_khz=125,
                   settle_us=20, settles_per_frame=16)


def test_when_the_host_has_none_it_is_read_from_the_board_and_kept(data_dir):
    dark = np.full((8, 8), 111, np.uint16)
    bright = np.full((8, 8), 888, np.uint16)
    link = FakeLink(_hello(), {0: P.CalData(which=0, valid=1, values=dark),
                               1: P.CalData(which=1, valid=1, values=bright)})
    cal = C.for_link(link)
    assert link.asked == [P.CalRead(which=0), P.CalRead(which=1)]
    np.testing.assert_array_equal(cal.dark, dark)
    np.testing.assert_array_equal(C.load(0x00C0FFEE).bright, bright)
    link.asked.clear()
    C.for_link(link)            # now the host has it
    assert link.asked == []


def test_a_board_without_calibration_gives_an_empty_one_not_saved(data_dir):
    zeros = np.zeros((8, 8), np.uint16)
    link = FakeLink(_hello(), {0: P.CalData(which=0, valid=0, values=zeros),
                               1: P.CalData(which=1, valid=0, values=zeros)})
    cal = C.for_link(link)
    assert cal.dark is None and cal.bright is None
    assert C.load(0x00C0FFEE) is None


def test_a_board_sending_another_grid_is_one_line():
    link = FakeLink(_hello(), {0: P.CalData(which=0, valid=1, values=np.zeros((4, 4), np.uint16)),
                               1: P.CalData(which=1, valid=1, values=np.zeros((4, 4), np.uint16))})
    with pytest.raises(DeviceError, match=r"sent a 4 x 4 calibration for its 8 x 8 grid"):
        C.read_from_board(link)
