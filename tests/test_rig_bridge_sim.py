"""The bridge end to end against the real firmware: the native emulator and the AVR build in simavr.

The board is :class:`hardware.simulate.SimulatedRig`; the host side is what the panel and the
``mark1 rig`` commands use: :class:`hardware.link.RigLink`, :class:`hardware.retina_map.RetinaMap`,
:mod:`hardware.calibration` and :mod:`hardware.checkup`. Expected values come from the light the
test puts on the cells (counts = mV * 1024 / 5000, within 2 counts) and the lamp pins the
simulation reports. Waits are "gave up" limits.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from hardware import calibration as C
from hardware import checkup
from hardware import link as L
from hardware import protocol as P

pytest.importorskip("serial")

GIVE_UP = 15.0





@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(C.ENV, str(tmp_path / "data"))


def _counts(mv) -> np.ndarray:
    return np.asarray(mv, dtype=np.int64) * 1024 // 5000


def _marked(rows, cols, side: str) -> np.ndarray:
    mv = np.full((rows, cols), 400)
    if side == "left":
        mv[:, : cols // 4] = 4600
    else:
        mv[:, -(cols // 4):] = 4600
    return mv


def _frame_like(link, expected, timeout=GIVE_UP):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = link.poll().frame
        if got is not None and np.abs(got.values.astype(int) - expected).max() <= 2:
            return got
        time.sleep(0.01)
    raise AssertionError(f"no frame matching the light came in {timeout:.0f} s")


def test_frames_follow_the_light_onto_the_retina(rig):
    with L.RigLink(port=rig.port) as link:
        h = link.hello
        assert (h.rows, h.cols) == (rig.rows, rig.cols)
        # no calibration yet: the ADC's full scale
        retina = C.Calibration(board_id=h.board_id, rows=h.rows, cols=h.cols,
                               adc_bits=h.adc_bits).retina_map()
        for side in ("left", "right", "left"):
            mv = _marked(h.rows, h.cols, side)
            rig.light(mv)
            frame = _frame_like(link, _counts(mv))
            seen = retina(frame.values)
            left, right = seen[:, :5].mean(), seen[:, -5:].mean()
            # 400 mV -> 81 counts -> 0.08 of full scale; 4600 mV -> 942 -> 0.92
            lit, unlit = (left, right) if side == "left" else (right, left)
            assert lit == pytest.approx(942 / 1023, abs=0.01)
            assert unlit == pytest.approx(81 / 1023, abs=0.01)
        assert link.stats().bad_frames == 0


def test_set_lamps_lights_the_lamp_pins(rig):
    with L.RigLink(port=rig.port) as link:
        for mask in (0x5A, 0x81, 0x00):
            since = rig.mark()
            assert link.set_lamps(mask)
            assert rig.wait_event("lamps", value=mask, since=since, timeout=GIVE_UP) is not None


def test_a_button_press_arrives_once(rig):
    with L.RigLink(port=rig.port) as link:
        link.poll()
        rig.press("TRAIN", 60, 3)   # with contact bounce
        presses = []
        deadline = time.monotonic() + GIVE_UP
        while not presses and time.monotonic() < deadline:
            presses += link.poll().buttons
            time.sleep(0.01)
        assert link.ping(timeout=GIVE_UP) is not None   # everything the board sent before is in
        time.sleep(0.2)
        presses += link.poll().buttons
        assert [p.button for p in presses] == [P.BUTTON_TRAIN]


def test_calibrate_keeps_it_on_board_and_host_and_reads_it_back(rig):
    lights = iter([300, 4700])

    def ask(prompt):
        rig.light(np.full((rig.rows, rig.cols), next(lights)))
        time.sleep(0.1)

    lines = []
    cal = checkup.calibrate(rig.port, ask=ask, say=lines.append)
    assert np.abs(cal.dark.astype(int) - 61).max() <= 2      # 300 mV
    assert np.abs(cal.bright.astype(int) - 962).max() <= 2   # 4700 mV
    assert lines[-1] == f"calibration kept on the host: {C.path_for(cal.board_id)}"
    np.testing.assert_array_equal(C.load(cal.board_id).dark, cal.dark)
    # the host forgets it: it is read back from the board's EEPROM
    C.path_for(cal.board_id).unlink()
    with L.RigLink(port=rig.port) as link:
        assert link.hello.flags & (P.FLAG_DARK_STORED | P.FLAG_BRIGHT_STORED) == 3
        again = C.for_link(link)
    np.testing.assert_array_equal(again.dark, cal.dark)
    np.testing.assert_array_equal(again.bright, cal.bright)
    assert C.path_for(cal.board_id).is_file()


def test_check_reports_the_handshake_rate_latency_and_lamp_test(rig):
    since = rig.mark()
    report = checkup.check(rig.port, seconds=1.0)
    assert report["hello"]["rows"] == rig.rows and report["hello"]["board_name"] in ("native", "atmega328p")
    fields = {f.name: report["hello"][f.name] for f in dataclasses.fields(P.Hello) if f.name != "board_id"}
    hello = P.Hello(**fields, board_id=int(report["hello"]["board_id"], 16))
    assert report["frames"] > 0
    assert report["fps_limit"] == pytest.approx(P.frame_rate_limit(hello).fps, abs=0.01)
    assert sum(report["bad_frames"].values()) == 0
    assert report["pings_answered"] == "5/5" and report["latency_ms"] > 0
    last = rig.wait_event("lamps", value=0x80, since=since, timeout=GIVE_UP)
    assert rig.wait_event("lamps", value=0, since=last.seq, timeout=GIVE_UP) is not None
    masks = [e.value for e in rig.events(since) if e.kind == "lamps"]
    assert masks[-9:] == [1, 2, 4, 8, 16, 32, 64, 128, 0]
