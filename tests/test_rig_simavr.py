"""The rig's real firmware, run in simavr (firmware/sim/harness.c), talked to as a host would.

Each board variant runs once per module (the ``rig`` fixture) and is driven through
:class:`hardware.simulate.SimulatedRig` (light, buttons, reset; lamp and LED events) and over
its pty with pyserial and :class:`hardware.protocol.Decoder`. Expected values come from outside
the firmware: the protocol's table, the ADC's transfer function (counts = mV * 1024 / 5000,
within 2 counts: simavr divides by 1023) and the light the test itself puts on the cells.

Where the Debian packages (gcc-avr, avr-libc, libsimavr-dev ...) are missing, the tests that
need them skip, loudly, naming the packages; under CI (``CI`` set) they fail instead. The light
file and command line tests that need no simulator always run.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import require_packages, require_simavr

from hardware import protocol as P
from hardware import simulate
from simulator.errors import ConfigError, DeviceError

serial = pytest.importorskip("serial")

GIVE_UP = 15.0        # s: a "gave up" limit, never a speed requirement
MARK1 = Path(sys.executable).parent / "mark1"


@pytest.fixture(scope="module")
def need_simavr():
    """Skip (outside CI) or fail (under CI) when the simavr build's packages are missing."""
    require_simavr()


@pytest.fixture(scope="module")
def need_cc():
    """The same for the native emulator: a C compiler and make."""
    missing = [p for p in ("cc", "make") if shutil.which(p) is None]
    require_packages(missing, "apt-get install gcc libc6-dev make")


def need_board(request, kind: str) -> None:
    request.getfixturevalue("need_cc" if kind == "native" else "need_simavr")


class Link:
    """The host's end of the board's serial port: pyserial and the protocol's Decoder."""

    def __init__(self, port: str):
        self.serial = serial.Serial(port, 115200, timeout=0.05, exclusive=True)
        self.decoder = P.Decoder()
        self.seen: collections.deque = collections.deque(maxlen=20000)
        self.serial.write(b"\x00")   # ends any half frame the board holds (PROTOCOL.md)

    def close(self) -> None:
        self.serial.close()

    def send(self, message) -> None:
        self.serial.write(P.encode(message))

    def read(self) -> list:
        got = self.decoder.feed(self.serial.read(max(1, self.serial.in_waiting)))
        self.seen.extend(got)
        return got

    def wait_for(self, kind, predicate=lambda m: True, timeout: float = GIVE_UP):
        """The first message of class ``kind`` that satisfies ``predicate``, read from now on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.read():
                if isinstance(m, kind) and predicate(m):
                    return m
        raise AssertionError(f"no {kind.__name__} came in {timeout:.0f} s")

    def hello(self) -> P.Hello:
        """Ask until the board answers: a request sent while it restarts is lost, as on a board."""
        deadline = time.monotonic() + GIVE_UP
        while time.monotonic() < deadline:
            self.send(P.HelloRequest())
            with contextlib.suppress(AssertionError):
                return self.wait_for(P.Hello, timeout=0.5)
        raise AssertionError(f"no HELLO came in {GIVE_UP:.0f} s")

    def board_us(self, token: int) -> int:
        """The board's microsecond clock now (a PING's PONG), after every message queued before."""
        self.send(P.Ping(token=token))
        return self.wait_for(P.Pong, lambda m: m.token == token).board_us


KINDS = {"uno": {"board": "uno"}, "mega": {"board": "mega"},
         "native": {"board": "uno", "native": True}}       # the native emulator, 8 x 8


@pytest.fixture(scope="module", params=list(KINDS))
def rig(request):
    """A simulated board per variant, with a Link on its port: (rig, link)."""
    need_board(request, request.param)
    with simulate.SimulatedRig(**KINDS[request.param]) as r:
        link = Link(r.port)
        try:
            yield r, link
        finally:
            link.close()


def expected_counts(mv) -> np.ndarray:
    """What a 10-bit ADC with a 5 V reference reads for ``mv`` millivolts."""
    return np.asarray(mv, dtype=np.int64) * 1024 // 5000


def scrambled_light(rows: int, cols: int, *, seed: int) -> np.ndarray:
    """Millivolts 100-4900 spread over the grid so that neighbouring cells differ a lot: a
    transposed, shifted or mirrored scan cannot match it by accident."""
    n = rows * cols
    order = (np.arange(n) * 7919 + seed * 131) % n          # 7919 is prime: a permutation
    return (100 + order * 4800 // n).reshape(rows, cols)


def frames_follow(link: Link, mv: np.ndarray, *, settled: int = 3) -> P.Frame:
    """Wait until frames show ``mv`` (within 2 counts), then check the next ``settled`` frames do
    too. Frames queued before the light changed, and the one scanned while it did, may differ."""
    want = expected_counts(mv)

    def close(frame) -> bool:
        return frame.values.shape == want.shape and np.abs(frame.values.astype(np.int64) - want).max() <= 2

    link.wait_for(P.Frame, close)
    last = None
    for _ in range(settled):
        last = link.wait_for(P.Frame)
        worst = np.abs(last.values.astype(np.int64) - want).max()
        assert worst <= 2, f"frame {last.frame_no} strays {worst} counts from the light once it had shown it"
    return last


# ---------------------------------------------------------------- the board, in simavr
def test_hello_names_the_board_and_its_grid(rig):
    r, link = rig
    hello = link.hello()
    assert (hello.proto_major, hello.proto_minor) == (1, 0)                  # PROTOCOL.md's title
    assert hello.board == (P.BOARD_NATIVE if r.native else
                           {"uno": P.BOARD_ATMEGA328P, "mega": P.BOARD_ATMEGA2560}[r.board])
    assert (hello.rows, hello.cols) == {"uno": (8, 8), "mega": (20, 20)}[r.board]
    assert hello.adc_bits == 10
    assert hello.baud == 115200
    assert hello.board_id not in (0, 0xFFFFFFFF)
    assert hello.adc_clock_khz == 16000 // 64           # 16 MHz / prescaler 64 (ADCSRA's ADPS2:0 = 110)
    # the same board answers the same
    again = link.hello()
    assert again.board_id == hello.board_id


def test_frames_follow_the_light(rig):
    r, link = rig
    first = scrambled_light(r.rows, r.cols, seed=1)
    r.light(first)
    a = frames_follow(link, first)
    second = 5000 - scrambled_light(r.rows, r.cols, seed=2)
    assert np.abs(expected_counts(first) - expected_counts(second)).max() > 100
    r.light(second)
    b = frames_follow(link, second)
    assert (b.frame_no - a.frame_no) % 65536 >= 3                             # numbered scans


def test_lamps_light_exactly_the_lamp_pins(rig):
    r, link = rig
    lit = [e.value for e in r.events() if e.kind == "lamps"]
    masks = [0x01, 0xA5, 0x80, 0x00, 0xFF, 0x5A]
    if lit and lit[-1] == masks[0]:       # an unchanged latch makes no event: start elsewhere
        masks.reverse()
    for mask in masks:
        since = r.mark()
        link.send(P.Lamps(mask=mask))
        event = r.wait_event("lamps", since=since, timeout=GIVE_UP)
        assert event is not None, f"no lamps event after LAMPS 0x{mask:02x}"
        assert event.value == mask, f"LAMPS 0x{mask:02x} lit 0x{event.value:02x}"


@pytest.mark.parametrize("button, hold_ms, bounces", [("TRAIN", 120, 0), ("LEFT", 60, 6),
                                                      ("RIGHT", 40, 3)])
def test_a_press_is_reported_once(rig, button, hold_ms, bounces):
    r, link = rig
    index = P.BUTTON_NAMES.index(button)
    sentinel = P.BUTTON_NAMES[(index + 1) % P.BUTTONS]
    start = link.board_us(1)
    count_before = len(link.seen)
    r.press(button, hold_ms, bounces)
    # Once the board's own clock has passed the release plus the debounce time, another button
    # is pressed: BUTTONs go out in the order the presses were seen, so every report of the
    # first press precedes the sentinel's. (A PONG alone is no barrier: it may overtake.)
    span_us = (2 * bounces + hold_ms + 3 * P.DEBOUNCE_MS + 20) * 1000
    deadline = time.monotonic() + GIVE_UP
    token = 2
    while (link.board_us(token) - start) % 2**32 < span_us:
        assert time.monotonic() < deadline, "the board's clock did not pass the press"
        token += 1
    r.press(sentinel, 40)
    link.wait_for(P.Button, lambda m: m.button == P.BUTTON_NAMES.index(sentinel))
    presses = [m.button for m in list(link.seen)[count_before:] if isinstance(m, P.Button)]
    assert presses == [index, P.BUTTON_NAMES.index(sentinel)], f"{button}: {presses}"


def test_ping_is_answered_with_its_token(rig):
    _, link = rig
    for token in (0, 1, 0xDEADBEEF, 0xFFFFFFFF):
        link.send(P.Ping(token=token))
        assert link.wait_for(P.Pong, lambda m, t=token: m.token == t).token == token


def test_bad_frames_are_answered_counted_and_streaming_goes_on(rig):
    _, link = rig
    link.send(P.StatsRequest())
    before = link.wait_for(P.Stats)
    good = P.encode(P.Ping(token=7))
    packet = bytes((P.MSG_PING,)) + (7).to_bytes(4, "little")
    bad_crc = P.cobs_encode(packet + ((P.crc16(packet) ^ 0x0101).to_bytes(2, "little"))) + b"\x00"
    assert bad_crc != good
    unknown = P.encode_packet(0x50, b"")                      # a host type the table lacks
    link.serial.write(bad_crc)
    link.wait_for(P.Error, lambda m: m.code == P.ERR_RX_CRC)
    link.serial.write(unknown)
    link.wait_for(P.Error, lambda m: m.code == P.ERR_RX_UNKNOWN)
    link.send(P.StatsRequest())
    after = link.wait_for(P.Stats)
    assert after.rx_crc - before.rx_crc == 1
    assert after.rx_unknown - before.rx_unknown == 1
    first = link.wait_for(P.Frame)
    later = link.wait_for(P.Frame, lambda m: (m.frame_no - first.frame_no) % 65536 >= 2)
    assert later is not None                                  # still streaming


@pytest.mark.parametrize("kind", list(KINDS))
def test_calibration_survives_a_reset(request, kind):
    need_board(request, kind)
    # a board of its own: a fresh EEPROM, so nothing is stored at first
    with simulate.SimulatedRig(**KINDS[kind]) as r:
        link = Link(r.port)
        try:
            assert link.hello().flags & (P.FLAG_DARK_STORED | P.FLAG_BRIGHT_STORED) == 0
            link.send(P.CalRead(which=P.CAL_DARK))
            none = link.wait_for(P.CalData, lambda m: m.which == P.CAL_DARK)
            assert none.valid == 0 and not none.values.any()
            stored = {}
            for which, seed in ((P.CAL_DARK, 3), (P.CAL_BRIGHT, 4)):
                mv = scrambled_light(r.rows, r.cols, seed=seed) // (3 if which == P.CAL_DARK else 1)
                r.light(mv)
                frames_follow(link, mv)
                link.send(P.CalCapture(which=which))
                data = link.wait_for(P.CalData, lambda m, w=which: m.which == w, timeout=GIVE_UP)
                assert data.valid == 1
                assert np.abs(data.values.astype(np.int64) - expected_counts(mv)).max() <= 2
                stored[which] = data.values.copy()
            since = r.mark()
            r.reset()
            assert r.wait_event("reset", since=since, timeout=GIVE_UP) is not None
            hello = link.hello()
            assert hello.flags & (P.FLAG_DARK_STORED | P.FLAG_BRIGHT_STORED) == 3
            assert not hello.flags & P.FLAG_WATCHDOG_RESET                # a reset line, not the dog
            for which in (P.CAL_DARK, P.CAL_BRIGHT):
                link.send(P.CalRead(which=which))
                back = link.wait_for(P.CalData, lambda m, w=which: m.which == w)
                assert back.valid == 1
                assert np.array_equal(back.values, stored[which])
        finally:
            link.close()


def test_two_fresh_boards_draw_different_ids(need_simavr):
    ids = []
    for _ in range(2):
        with simulate.SimulatedRig(board="uno") as r:
            link = Link(r.port)
            try:
                ids.append(link.hello().board_id)
            finally:
                link.close()
    assert ids[0] != ids[1]


# ---------------------------------------------------------------- mark1 rig simulate
def test_mark1_rig_simulate_prints_a_pty_a_host_can_talk_to(need_simavr):
    proc = subprocess.Popen([str(MARK1), "rig", "simulate", "--board", "uno"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("/dev/"), first
        assert stat.S_ISCHR(os.stat(first).st_mode)
        link = Link(first)
        try:
            hello = link.hello()
            assert (hello.board, hello.rows, hello.cols) == (P.BOARD_ATMEGA328P, 8, 8)
            proc.stdin.write("press TRAIN 50\n")          # a terminal user's command
            proc.stdin.flush()
            assert link.wait_for(P.Button).button == P.BUTTON_TRAIN
            link.send(P.Lamps(mask=0x42))
            lines = []
            while "lamps 0x42" not in lines:
                line = proc.stdout.readline()
                assert line, f"mark1 ended without the lamps event; it printed {lines}"
                lines.append(line.strip())
        finally:
            link.close()
        proc.stdin.close()                                # end of input: it stops
        assert proc.wait(GIVE_UP) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_mark1_rig_simulate_plays_a_light_script_in_a_loop(need_simavr, tmp_path):
    square = ["00000000", "00000000", "00999900", "00999900", "00999900", "00999900", "00000000",
              "00000000"]
    frame = ["99999999", "90000009", "90000009", "90000009", "90000009", "90000009", "90000009",
             "99999999"]
    script = tmp_path / "blink.txt"
    script.write_text("\n".join(square) + "\nhold 400\n" + "\n".join(frame) + "\nhold 400\n")

    def mv(picture):   # digit d lights a cell with 300 + d * 4400 / 9 mV (hardware.simulate)
        return np.array([[300 + round(int(c) * 4400 / 9) for c in row] for row in picture])

    proc = subprocess.Popen([str(MARK1), "rig", "simulate", "--light", str(script)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        link = Link(proc.stdout.readline().strip())
        try:
            # in this order: the second square shows that it loops. (Only that a frame shows each
            # picture: the frame after one may be scanned while the script turns the page.)
            for picture in (square, frame, square):
                frames_follow(link, mv(picture), settled=0)
        finally:
            link.close()
    finally:
        proc.stdin.close()
        try:
            proc.wait(GIVE_UP)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_mark1_rig_simulate_names_missing_packages_in_one_line(tmp_path):
    # a PATH with none of make, avr-gcc or pkg-config on it
    env = {**os.environ, "PATH": str(tmp_path)}
    done = subprocess.run([str(MARK1), "rig", "simulate"], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("mark1: error: ")
    assert "apt-get install gcc-avr avr-libc simavr libsimavr-dev libsimavrparts1 libelf-dev pkg-config" \
        in lines[0]
    assert "gcc-avr" in lines[0].split(":")[2]              # named among the missing, too


def test_check_packages_raises_one_line(monkeypatch):
    monkeypatch.setattr(simulate.shutil, "which", lambda name: None)
    with pytest.raises(DeviceError, match=r"missing \(make, gcc-avr, pkg-config\): apt-get install gcc-avr"):
        simulate.check_packages()


@pytest.mark.parametrize("args, message", [
    (["--board", "mega", "--grid", "8x8"], "the mega has no 8x8 build: give --grid 20x20 or 16x16"),
    (["--board", "uno", "--grid", "20x20"], "the uno has no 20x20 build: give --grid 8x8"),
    (["--light", "/nonexistent/light.txt"], "no such light file"),
    (["--native", "--baud", "1000000"], "the native emulator runs at 115200 baud only"),
])
def test_mark1_rig_simulate_refuses_bad_options_in_one_line(args, message):
    done = subprocess.run([str(MARK1), "rig", "simulate", *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and message in done.stderr, done.stderr
    assert done.stdout == ""


# ---------------------------------------------------------------- light files
SCRIPT = """\
# two pictures, drawn 4 x 4
0000
0990
0990
0000
hold 250
9999   # a comment after a row
9 0 0 9
9009
9999
hold 100
"""


def test_a_light_script_is_read_as_drawn(tmp_path):
    path = tmp_path / "blink.txt"
    path.write_text(SCRIPT)
    steps = simulate.load_light(path, rows=4, cols=4)
    assert [s.hold_ms for s in steps] == [250, 100]
    dark, bright = 300, 4700                             # digit 0 and digit 9
    assert steps[0].mv.tolist() == [[dark] * 4, [dark, bright, bright, dark],
                                    [dark, bright, bright, dark], [dark] * 4]
    assert steps[1].mv[1].tolist() == [bright, dark, dark, bright]


def test_a_light_script_is_resampled_to_the_grid(tmp_path):
    path = tmp_path / "half.txt"
    path.write_text("0099\n0099\n0099\n0099\n")          # left half dark, right half bright
    (step,) = simulate.load_light(path, rows=8, cols=8)
    assert step.mv.shape == (8, 8) and step.hold_ms == 1000
    assert (step.mv[:, :4] == 300).all() and (step.mv[:, 4:] == 4700).all()
    five = tmp_path / "five.txt"
    five.write_text("5\n")
    assert simulate.load_light(five, rows=8, cols=8)[0].mv.tolist() == [[300 + round(5 * 4400 / 9)] * 8] * 8


def test_a_picture_is_light(tmp_path):
    from PIL import Image
    picture = np.zeros((40, 40), dtype=np.uint8)
    picture[:, 20:] = 255                                  # right half white
    path = tmp_path / "half.png"
    Image.fromarray(picture).save(path)
    (step,) = simulate.load_light(path, rows=20, cols=20)
    assert step.hold_ms == 0
    assert (step.mv[:, :10] == 300).all() and (step.mv[:, 10:] == 4700).all()


@pytest.mark.parametrize("text, message", [
    ("0000\n000\n", r"line 2: a row of 3 cells, the rows above have 4"),
    ("00\n00\nhold 100\n000\n000\n000\n", r"line 4: a 3 x 3 picture, the first is 2 x 2"),
    ("00\nhold soon\n", r"line 2: 'hold soon': give milliseconds 1-3600000"),
    ("00\nhold 0\n", r"line 2: 'hold 0'"),
    ("hold 100\n", r"line 1: 'hold' without a picture above it"),
    ("01\n0x\n", r"line 2: '0x' is neither a row of digits 0-9 nor 'hold MS'"),
    ("# nothing but a comment\n", r"no picture in the light script"),
    ("0" * 101 + "\n", r"a row of 101 cells; at most 100"),
])
def test_bad_light_scripts_are_one_line(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        simulate.load_light(path, rows=8, cols=8)
    assert "\n" not in str(info.value) and str(info.value).startswith(str(path))


def test_a_file_that_is_neither_is_one_line(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ConfigError, match=r"noise.bin: .*a light file is a picture or a light script"):
        simulate.load_light(path, rows=8, cols=8)


def test_the_control_language_events_parse():
    assert simulate.parse_event("lamps 0xa5", 3) == simulate.Event(3, "lamps", 0xA5, "lamps 0xa5")
    assert simulate.parse_event("lamps 0xFF").value == 0xFF
    assert simulate.parse_event("led 1").value == 1
    assert simulate.parse_event("reset").kind == "reset"
    assert simulate.parse_event("lamps purple").kind == "?"
