"""``mark1 rig list``, ``check`` and ``calibrate``: their output and their one-line errors (exit 2).

The boards are fakes on pty pairs (tests/rig_fakes.py); the commands run as a person runs them,
in a child process, except ``list``, whose candidate ports come from ``serial.tools.list_ports``
and are given here as a fake table pointing at the ptys.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from rig_fakes import BOARD_ID, _hello

from hardware import checkup
from hardware import link as L
from hardware import protocol as P

pytest.importorskip("serial")

GIVE_UP = 60.0   # s for a whole command (a "gave up" limit; the errors come within 5 s)





def mark1(*args, stdin: str = "", env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulator.cli", "rig", *args], input=stdin,
                          capture_output=True, text=True, timeout=GIVE_UP, env=env)


def one_error_line(done: subprocess.CompletedProcess, pattern: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert re.fullmatch(r"mark1: error: " + pattern, lines[0]), lines[0]
    assert "Traceback" not in done.stderr


def test_check_no_such_port():
    one_error_line(mark1("check", "/dev/ttyNOPE9"),
                   r"no such serial port /dev/ttyNOPE9: `mark1 rig list` shows the candidates")


def test_check_a_busy_port(boards):
    board = boards()
    with L.RigLink(port=board.path):
        one_error_line(mark1("check", board.path), rf"{board.path} is busy: another program has it open.*")


def test_check_another_protocol_version(boards):
    board = boards(hello=P.encode(_hello(major=3, minor=1)), stream=False)
    one_error_line(mark1("check", board.path),
                   rf"the board at {board.path} speaks rig protocol 3\.1, this mark1 speaks 1\.0: .*")


@pytest.mark.parametrize("garbage", [False, True], ids=["silent", "garbage"])
def test_check_a_device_that_is_not_a_rig(boards, garbage):
    board = boards(answer=False, stream=False, garbage=garbage)
    one_error_line(mark1("check", board.path), rf"no rig answered on {board.path} \(it sent .*\): is it "
                                               r"the rig's firmware, at the same baud rate\?")


@pytest.mark.parametrize("seconds", ["nan", "0", "-1", "3601", "three"])
def test_check_refuses_a_bad_seconds_before_opening_anything(seconds):
    done = mark1("check", "/dev/nonexistent", "--seconds", seconds)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "argument --seconds:" in lines[0]
    assert re.search(r"out of range: give a number from 0.1 to 3600|is not a number", lines[0])


def test_check_json_reports_the_fake_board(boards):
    board = boards()
    done = mark1("check", board.path, "--json", "--seconds", "0.5")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["hello"]["board_id"] == f"{BOARD_ID:08x}"
    assert report["hello"]["rows"] == 8 and report["frames"] > 0
    assert report["fps_limit"] == pytest.approx(P.frame_rate_limit(_hello()).fps, abs=0.01)
    assert report["pings_answered"] == "5/5"
    assert report["board_stats"] is None     # this fake does not answer STATS_REQ
    assert report["lamp_test"] == [f"0x{1 << i:02x}" for i in range(8)]
    lamps = [m.mask for m in board.received if isinstance(m, P.Lamps)]
    assert lamps[-9:] == [1, 2, 4, 8, 16, 32, 64, 128, 0]


def test_check_text_shows_the_grid_and_the_rate(boards):
    board = boards()
    done = mark1("check", board.path, "--seconds", "0.3", "--no-lamps")
    assert done.returncode == 0, done.stderr
    assert f"id {BOARD_ID:08x}" in done.stdout and "frame rate" in done.stdout
    grid = [ln for ln in done.stdout.splitlines() if ln.startswith("|")]
    assert len(grid) == 8 and all(len(ln) == 2 + 16 for ln in grid)
    assert "lamp test" not in done.stdout


def test_calibrate_stops_in_one_line_at_end_of_input(boards, tmp_path):
    board = boards()
    env = dict(os.environ, MARK1_DATA_DIR=str(tmp_path))
    done = mark1("calibrate", board.path, stdin="", env=env)
    assert "Cover every photocell" in done.stdout
    one_error_line(done, r"calibration stopped: end of input before Enter was pressed")
    assert not (tmp_path / "rigs").exists()


def test_list_probes_the_candidates_and_says_what_answered(boards):
    rig, silent = boards(), boards(answer=False, stream=False)
    def port(device, vid, pid, serial_number, description):
        return SimpleNamespace(device=device, vid=vid, pid=pid, serial_number=serial_number,
                               description=description)

    table = [
        port(rig.path, 0x2341, 0x0043, "A1", "Arduino Uno"),
        port(silent.path, 0x1A86, 0x7523, None, "USB2.0-Ser!"),
        port("/dev/ttyS0", None, None, None, "n/a"),                    # not USB: not a candidate
        port("/dev/ttyUSB9", 0x046D, 0xC52B, None, "a mouse"),          # USB, but no rig chip
    ]
    rows = checkup.list_ports(comports=lambda: table)
    assert [r["device"] for r in rows] == sorted([rig.path, silent.path])
    by = {r["device"]: r for r in rows}
    assert by[rig.path]["answer"] == f"rig: native 8x8, protocol 1.0, firmware 0.1.0, id {BOARD_ID:08x}"
    assert by[rig.path]["chip"] == "Arduino" and by[rig.path]["usb_id"] == "2341:0043"
    assert by[silent.path]["chip"] == "CH340" and by[silent.path]["rig"] is None
    assert by[silent.path]["answer"].startswith("no rig answered")
    text = checkup.format_list(rows)
    assert f"{rig.path}  2341:0043 Arduino serial A1" in text


def test_list_without_candidates_says_what_to_do():
    assert checkup.format_list([]).startswith("no candidate serial ports")
    assert checkup.list_ports(comports=lambda: []) == []
