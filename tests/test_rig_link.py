"""The rig's serial link (hardware.link) against boards faked on pty pairs, and loop://.

The "board" is the master side of a pty that this file drives itself, writing messages with
:func:`hardware.protocol.encode` (an independent encoder: the link only decodes) and raw bytes
for the faults: garbage, bad CRCs, truncated and oversize frames, silence, a stall, an unplug in
the middle of a frame and a replug under another device name. Expected counts are what the test
injected. Waits are "gave up" limits, never speed requirements; the one-second loss rule is
checked with an injected clock.
"""

from __future__ import annotations

import errno
import random
import threading
import time

import pytest
from rig_fakes import BOARD_ID, _frame, _hello

from hardware import link as L
from hardware import protocol as P
from simulator.errors import ConfigError, DeviceError

serial = pytest.importorskip("serial")

GIVE_UP = 10.0   # s: a "gave up" limit





class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


def wait_until(cond, timeout=GIVE_UP) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.005)
    return cond()


def link_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("rig-link") and t.is_alive()]


# ---------------------------------------------------------------- the handshake
def test_handshake_gives_the_boards_hello_and_frames_flow(boards):
    board = boards()
    with L.RigLink(port=board.path) as link:
        assert link.hello == _hello()
        assert link.status == L.CONNECTED
        frame = link.wait_frame(timeout=GIVE_UP)
        assert frame is not None and frame.values.shape == (8, 8)
        assert link.ping(timeout=GIVE_UP) is not None
        assert link.stats().latency_s is not None
    # the host asked for the HELLO after its 0x00, and put streaming and lamps as they were
    kinds = [type(m) for m in board.received]
    assert kinds[:3] == [P.HelloRequest, P.Stream, P.Lamps]
    assert P.Ping in kinds
    assert link.status == L.CLOSED and link_threads() == []


def test_a_board_that_resets_on_open_is_waited_for(boards):
    """An Arduino sends HELLO by itself once its bootloader is done; the host still asks after."""
    board = boards(stream=False)
    board.write(board.hello)   # the HELLO after the reset, already waiting in the port
    with L.RigLink(port=board.path) as link:
        assert link.hello.board_id == BOARD_ID
    assert [type(m) for m in board.received][:1] == [P.HelloRequest]


@pytest.mark.parametrize("hello", [
    P.encode(_hello(major=2, minor=3)),
    # a later major version with a longer HELLO: the decoder drops it as "length", the link still
    # reads its version and names it
    P.encode_packet(P.MSG_HELLO, bytes([2, 3]) + bytes(range(1, 31))),
], ids=["same-layout", "longer-hello"])
def test_another_protocol_major_is_refused_naming_both(boards, hello):
    board = boards(hello=hello, stream=False)
    with pytest.raises(DeviceError, match=r"speaks rig protocol 2\.3, this mark1 speaks 1\.0"):
        L.RigLink(port=board.path).open()
    assert link_threads() == []


def test_a_later_minor_version_is_accepted(boards):
    board = boards(hello=P.encode(_hello(minor=7)))
    with L.RigLink(port=board.path) as link:
        assert link.hello.proto_minor == 7


@pytest.mark.parametrize("kind", ["silence", "garbage", "echo"])
def test_a_device_that_is_not_a_rig_fails_in_one_line_within_5_s(boards, kind):
    if kind == "echo":
        port = "loop://"   # pyserial's loopback: it sends back the host's own HELLO_REQ
    else:
        port = boards(answer=False, stream=False, garbage=(kind == "garbage")).path
    start = time.monotonic()
    with pytest.raises(DeviceError, match=r"^no rig answered on .*: is it the rig's firmware") as got:
        L.RigLink(port=port).open()
    assert time.monotonic() - start < 5.0   # the promise to a person at the command line
    why = {"silence": "it sent nothing", "garbage": "none of them a rig's message",
           "echo": "none of them a rig's message"}[kind]
    assert why in str(got.value) and "\n" not in str(got.value)


def test_the_handshake_deadlines_are_read_from_the_given_clock(boards):
    """A silent device: the handshake gives up when ITS clock passes reset_wait + hello_wait."""
    board = boards(answer=False, stream=False)
    seen = []

    def clock():
        seen.append(len(seen) * 0.25)  # a quarter second a look
        return seen[-1]

    with pytest.raises(DeviceError, match="it sent nothing"):
        L.RigLink(port=board.path, clock=clock).open()
    assert L.RESET_WAIT + L.HELLO_WAIT < 4.0
    assert L.RESET_WAIT + L.HELLO_WAIT <= seen[-1] <= L.RESET_WAIT + L.HELLO_WAIT + 0.5


# ---------------------------------------------------------------- opening errors
def test_no_such_port_is_one_line():
    with pytest.raises(DeviceError, match=r"^no such serial port /dev/ttyNOPE9: `mark1 rig list`"):
        L.RigLink(port="/dev/ttyNOPE9").open()


def test_a_busy_port_is_one_line(boards):
    board = boards()
    with L.RigLink(port=board.path), pytest.raises(DeviceError, match=r"is busy: another program"):
        L.RigLink(port=board.path).open()


def test_permission_denied_names_the_dialout_group(monkeypatch):
    # as pyserial raises it for a port the user may not open (the tests run as root here)
    def refuse(url, **kw):
        raise serial.SerialException(errno.EACCES, f"could not open port {url}: [Errno 13] "
                                     f"Permission denied: '{url}'")

    monkeypatch.setattr(serial, "serial_for_url", refuse)
    with pytest.raises(DeviceError, match=r"^permission denied on /dev/ttyACM0: join the dialout "
                                          r"group \(sudo usermod -aG dialout \$USER\) and log in again$"):
        L.open_port("/dev/ttyACM0")


def test_an_unknown_url_is_a_config_error():
    with pytest.raises(ConfigError, match=r"is not a serial port or pyserial URL"):
        L.open_port("nosuchscheme://x")


def test_a_bad_lamp_mask_is_refused(boards):
    with L.RigLink(port=boards().path) as link, pytest.raises(ConfigError, match=r"lamp mask 256: give"):
        link.set_lamps(256)


# ---------------------------------------------------------------- faults on the wire
def _bad_crc(frame: P.Frame) -> bytes:
    packet = bytearray(P.encode(frame))
    packet = bytearray(P.cobs_decode(bytes(packet[:-1])))
    packet[-1] ^= 0x5A
    return P.cobs_encode(bytes(packet)) + b"\x00"


def test_garbage_bad_crcs_truncated_and_oversize_frames_between_good_ones(boards):
    board = boards(stream=False)
    rng = random.Random(11)
    with L.RigLink(port=board.path) as link:
        good = bad_crc = truncated = oversize = garbage = 0
        # frame values 0x0101 .. and frame_no from 0x0101: a packet with no 0x00 but perhaps its
        # CRC, so its COBS form starts with a code byte near 136 and a cut at 50 bytes is "cobs"
        for k in range(60):
            no = 0x0101 + k
            frame = _frame(no, fill=0x0101 + k)
            wire = P.encode(frame)
            fault = k % 5
            if fault == 0:
                board.write(_bad_crc(frame))
                bad_crc += 1
            elif fault == 1:
                assert wire[0] > 50   # the first code byte points past the cut
                board.write(wire[:50] + b"\x00")
                truncated += 1
            elif fault == 2:
                board.write(bytes([1]) * (P.MAX_ENCODED + 100) + b"\x00")
                oversize += 1
            elif fault == 3:
                board.write(bytes(rng.randrange(1, 256) for _ in range(rng.randrange(5, 300))) + b"\x00")
                garbage += 1
            board.write(wire)
            good += 1
        assert wait_until(lambda: link.stats().frames >= good)
        board.write(b"\x00")
        assert wait_until(lambda: link.stats().decoder.dropped >= bad_crc + truncated + oversize + garbage)
        s = link.stats()
        assert s.frames == good
        assert s.decoder.packets == good
        assert s.decoder.crc >= bad_crc and s.decoder.cobs >= truncated
        assert s.decoder.oversize == oversize
        assert s.decoder.dropped == bad_crc + truncated + oversize + garbage
        got = link.poll()
        assert got.frame is not None and got.frame.frame_no == 0x0101 + 59
        assert s.frames_dropped == good - 1   # the newest wins; the rest were replaced, counted
        assert link.sizes()["decoder_pending"] <= P.MAX_ENCODED
        assert link.status == L.CONNECTED


def test_random_bytes_with_zeros_never_stop_the_link(boards):
    board = boards(stream=False)
    rng = random.Random(5)
    with L.RigLink(port=board.path) as link:
        for k in range(20):
            board.write(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))))
            board.write(b"\x00" + P.encode(_frame(k)))
        assert wait_until(lambda: link.stats().frames == 20)
        assert link.status == L.CONNECTED and link.alive


def test_buttons_and_replies_are_bounded_and_drops_counted(boards):
    board = boards(stream=False)
    with L.RigLink(port=board.path) as link:
        for k in range(100):
            board.write(P.encode(P.Button(button=k % 3, presses=k + 1)))
        for k in range(50):
            board.write(P.encode(P.Error(code=P.ERR_RX_CRC, count=k + 1)))
        assert wait_until(lambda: link.stats().decoder.packets == 150)
        got = link.poll()
        assert len(got.buttons) == L.BUTTONS_KEPT
        assert [b.presses for b in got.buttons] == list(range(100 - L.BUTTONS_KEPT + 1, 101))
        assert link.stats().buttons_dropped == 100 - L.BUTTONS_KEPT
        assert link.stats().board_errors == {"RX_CRC": 50}
        assert link.sizes()["replies"] == L.REPLIES_KEPT
        assert link.poll().buttons == ()   # taken once


def test_a_button_press_arrives_once(boards):
    board = boards()
    with L.RigLink(port=board.path) as link:
        board.write(P.encode(P.Button(button=P.BUTTON_TRAIN, presses=1)))
        presses = []
        wait_until(lambda: presses.extend(link.poll().buttons) or presses)
        time.sleep(0.05)
        presses.extend(link.poll().buttons)
        assert presses == [P.Button(button=P.BUTTON_TRAIN, presses=1)]


def test_an_unasked_hello_is_a_board_reset_and_the_lamps_are_set_again(boards):
    board = boards()
    with L.RigLink(port=board.path) as link:
        link.set_lamps(0x81)
        board.write(board.hello)
        assert wait_until(lambda: link.stats().board_resets == 1)
        assert wait_until(lambda: [m for m in board.received if isinstance(m, P.Lamps)][-2:]
                          == [P.Lamps(mask=0x81)] * 2)


# ---------------------------------------------------------------- loss and reconnection
def test_a_stalled_board_is_lost_after_one_second_of_its_clock_and_found_again(boards):
    board = boards()
    clock = Clock()
    with L.RigLink(port=board.path, clock=clock) as link:
        assert link.wait_frame(timeout=GIVE_UP) is not None
        board.streaming.clear()
        time.sleep(0.05)   # let the last frame in flight arrive
        clock.advance(0.9)
        time.sleep(0.1)
        assert link.poll().status == L.CONNECTED   # 0.9 s without a frame: still there
        clock.advance(0.2)
        assert link.wait_status(L.LOST, timeout=GIVE_UP)
        assert link.poll().status == L.LOST
        assert link.stats().losses == 1
        board.streaming.set()   # it wakes up: the reconnect loop takes it back
        assert link.wait_status(L.CONNECTED, timeout=GIVE_UP)
        assert link.stats().reconnects == 1
        assert link.wait_frame(timeout=GIVE_UP) is not None
    assert link_threads() == []


def test_unplug_mid_frame_then_replug_under_another_name_recovers_each_time(boards):
    first = boards()
    where = [first.path]
    with L.RigLink(port=first.path, finder=lambda: list(where)) as link:
        link.set_lamps(0x21)
        assert link.wait_frame(timeout=GIVE_UP) is not None
        board = first
        for round_ in range(3):
            # made while the old one still holds its name, so that both get new ones
            stranger, again = boards(board_id=0x0BAD0BAD), boards()
            board.unplug(midframe=True)
            assert link.wait_status(L.LOST, timeout=GIVE_UP)
            got = link.poll()   # the caller carries on
            assert got.status == L.LOST
            assert link.set_lamps(0x21) is False   # kept for when it is back
            # another rig under a new name is not taken for this one
            where[0] = stranger.path
            time.sleep(0.3)
            assert link.status == L.LOST
            assert again.path != board.path   # the board comes back under another name
            board = again
            where[0] = board.path
            assert link.wait_status(L.CONNECTED, timeout=GIVE_UP)
            assert link.where == board.path
            assert link.wait_frame(timeout=GIVE_UP) is not None
            assert wait_until(lambda b=board: P.Lamps(mask=0x21) in b.received)
            stranger.close()
            s = link.stats()
            assert (s.losses, s.reconnects) == (round_ + 1, round_ + 1)
            sizes = link.sizes()
            assert sizes["decoder_pending"] <= P.MAX_ENCODED
            assert sizes["buttons"] <= L.BUTTONS_KEPT and sizes["replies"] <= L.REPLIES_KEPT
            assert sizes["pings"] <= L.PINGS_KEPT and sizes["frame_times"] <= L.FRAME_TIMES_KEPT
    assert link_threads() == []


def test_start_connects_in_the_background_when_the_board_comes(boards):
    where: list[str] = []
    link = L.RigLink(port="/dev/ttyNOPE9", finder=lambda: list(where)).start()
    try:
        time.sleep(0.2)
        got = link.poll()
        assert got.status == L.CONNECTING and got.frame is None and got.hello is None
        board = boards()
        where.append(board.path)
        assert link.wait_status(L.CONNECTED, timeout=GIVE_UP)
        assert link.hello.board_id == BOARD_ID
    finally:
        link.close()
    assert link_threads() == []


def test_auto_takes_the_first_candidate_a_rig_answers_on(boards, monkeypatch):
    from hardware import ports
    silent, rig = boards(answer=False, stream=False), boards()

    def fake(paths):
        return lambda **kw: [ports.Candidate(device=p, by_id=None, serial_number=None, description="",
                                             vid=0x2341, pid=0x0043, chip="Arduino") for p in paths]

    monkeypatch.setattr(ports, "candidates", fake([silent.path, rig.path]))
    with L.RigLink(port=L.AUTO, reset_wait=0.3, hello_wait=0.3) as link:
        assert link.where == rig.path and link.hello.board_id == BOARD_ID
    monkeypatch.setattr(ports, "candidates", fake([]))
    with pytest.raises(DeviceError, match=r"^no rig found: no candidate serial port .*plug the rig in"):
        L.RigLink(port=L.AUTO).open()
    monkeypatch.setattr(ports, "candidates", fake([silent.path]))
    with pytest.raises(DeviceError, match=rf"^no rig answered on the candidate ports \({silent.path}\)"):
        L.RigLink(port=L.AUTO, reset_wait=0.3, hello_wait=0.3).open()


def test_a_board_told_to_stop_streaming_is_not_lost(boards):
    board = boards()
    clock = Clock()
    with L.RigLink(port=board.path, clock=clock) as link:
        assert link.send(P.Stream(on=0))
        board.streaming.clear()
        clock.advance(5.0)
        time.sleep(0.2)
        assert link.status == L.CONNECTED
        board.streaming.set()
        assert link.send(P.Stream(on=1))
        clock.advance(0.5)
        assert link.wait_frame(timeout=GIVE_UP) is not None
        board.streaming.clear()
        time.sleep(0.05)
        clock.advance(1.5)
        assert link.wait_status(L.LOST, timeout=GIVE_UP)


def test_an_unexpected_error_in_the_thread_is_logged_and_the_link_carries_on(boards, caplog):
    board = boards()
    with L.RigLink(port=board.path) as link:
        assert link.wait_frame(timeout=GIVE_UP) is not None
        feed = link._decoder.feed
        calls = []

        def broken(data):
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("a bug")
            return feed(data)

        link._decoder.feed = broken
        assert link.wait_status(L.LOST, timeout=GIVE_UP)
        assert link.wait_status(L.CONNECTED, timeout=GIVE_UP)
        assert link.alive and link.wait_frame(timeout=GIVE_UP) is not None
    assert "rig link: unexpected error" in caplog.text
