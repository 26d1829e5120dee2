"""The serial link to one rig board: handshake, a reader thread, the latest frame, reconnection.

:class:`RigLink` opens a port by path, by ``/dev/serial/by-id/...`` or by any pyserial URL
(``loop://``, ``socket://``, ``rfc2217://``, ``spy://``), waits out the reset an Arduino does on
open, and checks the handshake (firmware/PROTOCOL.md, "A session"). One thread, the link's edge,
reads the port into a :class:`~hardware.protocol.Decoder`; the program's main loop calls
:meth:`RigLink.poll` (never blocks) for the newest photocell frame, the button presses since the
last call and the link's status, and :meth:`RigLink.set_lamps` to show the machine's answer::

    with RigLink(port="/dev/ttyACM0") as link:     # raises DeviceError: one line
        while running:
            got = link.poll()
            if got.frame is not None:
                show(got.frame.values)
            for press in got.buttons:
                teach(press.button)
            link.set_lamps(answer_mask)

Nothing waits on the caller: the newest ``FRAME`` replaces an older one the caller has not taken
(counted in ``frames_dropped``), button presses go into a small bounded queue (an overflow drops
the oldest, counted), and replies (``PONG``, ``CAL_DATA``, ``STATS``) into another.

When the board goes away (a read error, end of file, or no frame for :data:`LOST_AFTER`
seconds) the status becomes ``"lost"`` within that second and the same thread looks for the board
again, with a backoff of 0.2 s doubling to 1 s, logging once per change of state: at the same
path, and for a USB port among the ports with the same USB serial number (or VID:PID), where it
must answer with the same board id. Lamps lit before the loss are lit again.

:attr:`RigLink.wake` is a :class:`threading.Event` the reader thread sets when something arrives
for the main loop (a frame, a press, a change of status) and never waits on; a main loop that
waits on it between its frames (``FrameClock(wake=link.wake)``) answers a frame as it arrives
instead of up to a frame later.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import errno
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from simulator.errors import ConfigError, DeviceError, Mark1Error, printable

from . import ports
from . import protocol as P

log = logging.getLogger(__name__)

AUTO = "auto"   # the port name that means: the first candidate USB port a rig answers on
CONNECTING = "connecting"
CONNECTED = "connected"
LOST = "lost"
CLOSED = "closed"

RESET_WAIT = 2.5      # s: an Arduino's bootloader runs about 1-2 s after the open's DTR reset
HELLO_WAIT = 1.0      # s for the HELLO that answers HELLO_REQ
LOST_AFTER = 1.0      # s without a frame: the rig is lost
READ_TIMEOUT = 0.02   # s a read waits: how often the thread looks at the clock when nothing comes
COALESCE = 0.002      # s to wait for the rest of a frame that is arriving
WRITE_TIMEOUT = 0.1   # s a write may take before it is given up (the main loop must not stall)
BACKOFF_FIRST = 0.2   # s before the second attempt to find a lost board ...
BACKOFF_MAX = 1.0     # ... doubling up to this: a board back is found within about 1 s plus its reset
BUTTONS_KEPT = 16     # presses waiting for poll(); a flood drops the oldest
REPLIES_KEPT = 32     # PONG / CAL_DATA / STATS / ERROR messages kept for request()
PINGS_KEPT = 16       # PINGs whose PONG is awaited
FPS_WINDOW = 1.0      # s of frames the frame rate is measured over
FRAME_TIMES_KEPT = 2048  # arrival times for it: 20x20 frames come at most ~120 a second at 1 Mbaud
RAW_KEPT = 2 * (P.MAX_ENCODED + 1)  # bytes the handshake keeps to read a foreign HELLO's version
DIALOUT = "join the dialout group (sudo usermod -aG dialout $USER) and log in again"

_BOARD_TYPES = range(0x01, 0x40)  # board-to-host message types (PROTOCOL.md)


# ---------------------------------------------------------------- opening a port
def port_error(name: str, exc: BaseException) -> Mark1Error:
    """The one-line error for a port that did not open (no such port, busy, permission...)."""
    code = getattr(exc, "errno", None)
    shown = printable(name)
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return DeviceError(f"no such serial port {shown}: `mark1 rig list` shows the candidates")
    if code in (errno.EACCES, errno.EPERM):
        return DeviceError(f"permission denied on {shown}: {DIALOUT}")
    if code in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY) or "exclusively lock" in str(exc):
        return DeviceError(f"{shown} is busy: another program has it open (a serial monitor, "
                           "another mark1); close that one first")
    if isinstance(exc, ValueError):
        return ConfigError(f"{shown} is not a serial port or pyserial URL ({exc}); give a path "
                           "such as /dev/ttyACM0 or a URL such as socket://host:port")
    why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return DeviceError(f"cannot open {shown}: {why.splitlines()[0][:200]}")


def open_port(url: str, *, baudrate: int = 115200):
    """Open ``url`` (a path, a by-id link or a pyserial URL) exclusively; a one-line error if not.

    Raises
    ------
    DeviceError
        No such port, port busy, permission denied, or another failure, in one line.
    ConfigError
        Not a path nor a URL pyserial knows.
    """
    try:
        # exclusive: two programs reading one rig would each get half of every frame
        return serial.serial_for_url(url, baudrate=baudrate, timeout=READ_TIMEOUT,
                                     write_timeout=WRITE_TIMEOUT, exclusive=True)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise port_error(url, exc) from None


# ---------------------------------------------------------------- the handshake
def foreign_version(raw: bytes) -> tuple[int, int] | None:
    """The protocol version of a HELLO of another major version among whole frames in ``raw``.

    A later major version may change HELLO's length, which this side's decoder drops as
    ``length``; its first two body bytes are still the version, and the CRC still checks.
    """
    for frame in raw.split(b"\x00")[:-1]:
        packet = P.cobs_decode(frame) if frame else None
        if (packet is None or len(packet) < 5 or packet[0] != P.MSG_HELLO
                or P.crc16(packet[:-2]) != int.from_bytes(packet[-2:], "little")):
            continue
        if packet[1] != P.PROTO_MAJOR:
            return packet[1], packet[2]
    return None


def _refuse_version(name: str, major: int, minor: int) -> DeviceError:
    return DeviceError(f"the board at {printable(name)} speaks rig protocol {major}.{minor}, this "
                       f"mark1 speaks {P.PROTO_MAJOR}.{P.PROTO_MINOR}: flash the firmware that "
                       "comes with this mark1 (or update mark1)")


def handshake(port, *, name: str, clock: Callable[[], float] = time.monotonic,
              reset_wait: float = RESET_WAIT, hello_wait: float = HELLO_WAIT,
              stop: threading.Event | None = None) -> tuple[P.Hello, P.Decoder, list]:
    """Wait out the board's reset, ask for its HELLO and check its protocol version.

    The HELLO a board sends after its reset is waited for up to ``reset_wait`` seconds, or until
    any message from a board shows that it did not reset (a pty, a board without auto-reset);
    then the input is flushed, ``0x00 HELLO_REQ`` sent and the answering HELLO awaited.

    Returns
    -------
    (Hello, Decoder, list)
        The board's HELLO, the decoder the stream goes on through (its counts so far include the
        tail of a frame the flush cut, not the board's fault) and the messages that came after
        the HELLO in the same read.

    Raises
    ------
    DeviceError
        One line: another protocol major version, a device that is not a rig (it sent nothing,
        or nothing a rig sends), or the port failed.
    """
    raw = bytearray()
    seen = {"bytes": 0}

    def read_until(deadline: float, decoder: P.Decoder, asked: bool):
        while clock() < deadline:
            if stop is not None and stop.is_set():
                raise DeviceError("the link was closed during the handshake")
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError) as exc:
                raise DeviceError(f"{printable(name)} failed during the handshake: "
                                  f"{str(exc).splitlines()[0][:160]}") from None
            if not data:
                continue
            seen["bytes"] += len(data)
            raw.extend(data)
            foreign = foreign_version(bytes(raw))
            if foreign is not None:
                raise _refuse_version(name, *foreign)
            del raw[:max(0, len(raw) - RAW_KEPT)]
            board_said = False
            messages = decoder.feed(data)
            for k, m in enumerate(messages):
                if isinstance(m, P.Hello):
                    return m, messages[k + 1:]
                board_said = board_said or m.TYPE in _BOARD_TYPES
            if board_said and not asked:
                return True, []
        return False, []

    early, _ = read_until(clock() + reset_wait, P.Decoder(), False)
    if isinstance(early, P.Hello) and early.proto_major != P.PROTO_MAJOR:
        raise _refuse_version(name, early.proto_major, early.proto_minor)
    try:
        port.reset_input_buffer()
        port.write(b"\x00" + P.encode(P.HelloRequest()))
    except (serial.SerialException, OSError) as exc:
        raise DeviceError(f"{printable(name)} failed during the handshake: "
                          f"{str(exc).splitlines()[0][:160]}") from None
    raw.clear()
    decoder = P.Decoder()
    hello, rest = read_until(clock() + hello_wait, decoder, True)
    if isinstance(hello, P.Hello):
        if hello.proto_major != P.PROTO_MAJOR:
            raise _refuse_version(name, hello.proto_major, hello.proto_minor)
        return hello, decoder, rest
    if seen["bytes"] == 0:
        why = "it sent nothing"
    elif early is True:
        why = "it sent rig messages but did not answer HELLO_REQ"
    else:
        why = f"it sent {seen['bytes']} bytes, none of them a rig's message"
    raise DeviceError(f"no rig answered on {printable(name)} ({why}): is it the rig's firmware, "
                      "at the same baud rate?")


# ---------------------------------------------------------------- what the main loop gets
@dataclass(frozen=True)
class RigInput:
    """What :meth:`RigLink.poll` returns.

    Attributes
    ----------
    status : str
        ``"connecting"``, ``"connected"``, ``"lost"`` or ``"closed"``.
    frame : Frame or None
        The newest frame since the last poll (None: no new one).
    buttons : tuple of Button
        The presses since the last poll, oldest first.
    hello : Hello or None
        The board's handshake (its grid, id, ...), None before the first.
    """

    status: str
    frame: P.Frame | None
    buttons: tuple[P.Button, ...]
    hello: P.Hello | None


@dataclass(frozen=True)
class LinkStats:
    """The link's figures (:meth:`RigLink.stats`).

    Attributes
    ----------
    status : str
        As in :class:`RigInput`.
    port : str or None
        Where the board is (it may have moved since the open).
    fps : float
        Frames received per second over the last second (0 when none).
    frames : int
        Frames received in all.
    frames_dropped : int
        Frames replaced by a newer one before :meth:`RigLink.poll` took them.
    buttons_dropped : int
        Presses dropped because :data:`BUTTONS_KEPT` were waiting.
    decoder : DecoderStats
        The decoders' counts over every connection: packets, and bad frames by reason.
    latency_s : float or None
        The last PING's round trip.
    losses, reconnects, board_resets : int
        Times the rig was lost, found again, and sent a HELLO it was not asked for (a reset).
    board_errors : dict
        The board's ERROR reports, name -> its running count.
    """

    status: str
    port: str | None
    fps: float
    frames: int
    frames_dropped: int
    buttons_dropped: int
    decoder: P.DecoderStats
    latency_s: float | None
    losses: int
    reconnects: int
    board_resets: int
    board_errors: dict

    @property
    def bad_frames(self) -> int:
        """Frames the decoders dropped (bad CRC, length, COBS, ...)."""
        return self.decoder.dropped


def _add_stats(a: P.DecoderStats, b: P.DecoderStats) -> P.DecoderStats:
    return P.DecoderStats(**{f.name: getattr(a, f.name) + getattr(b, f.name)
                             for f in dataclasses.fields(P.DecoderStats)})


# ---------------------------------------------------------------- the link
class RigLink:
    """The connection to one rig board (see the module's description).

    Parameters
    ----------
    port : str
        A device path, a ``/dev/serial/by-id/`` link, a pyserial URL, or ``"auto"``: the first
        candidate USB port (:mod:`hardware.ports`) a rig answers on.
    baudrate : int
        The firmware's speed (115200 or 1000000; a pty ignores it).
    clock : callable
        Seconds, monotonic; what the lost-after-one-second rule, the frame rate and the latency
        are measured with (tests pass their own).
    finder : callable, optional
        Returns the ports to try when the board is lost, in order; default: the same port, then
        for a USB port the ports with the same USB serial number (or VID:PID).
    reset_wait, hello_wait : float
        Seconds the handshake waits for the board's reset and for its answer.
    lost_after : float
        Seconds without a frame after which the rig is lost.

    Attributes
    ----------
    wake : threading.Event
        Set by the reader thread whenever :meth:`poll` has something new (a frame, a press, a
        change of status); cleared by whoever waits on it (the main loop's frame clock).
    """

    def __init__(self, *, port: str, baudrate: int = 115200, clock: Callable[[], float] = time.monotonic,
                 finder: Callable[[], list[str]] | None = None, reset_wait: float = RESET_WAIT,
                 hello_wait: float = HELLO_WAIT, lost_after: float = LOST_AFTER):
        self.url = port
        self.baudrate = baudrate
        self.clock = clock
        self.finder = finder
        self.reset_wait = reset_wait
        self.hello_wait = hello_wait
        self.lost_after = lost_after
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port = None
        self._where: str | None = None
        self._usb: ports.Candidate | None = None
        self._status = CLOSED
        self._hello: P.Hello | None = None
        self._decoder: P.Decoder | None = None
        self._baseline = P.DecoderStats()  # the current decoder's counts from its handshake
        self._old_stats = P.DecoderStats()
        self._frame: P.Frame | None = None
        self._buttons: collections.deque[P.Button] = collections.deque(maxlen=BUTTONS_KEPT)
        self._replies: collections.deque[tuple[int, P.Message]] = collections.deque(maxlen=REPLIES_KEPT)
        self._reply_seq = 0
        self._pings: collections.OrderedDict[int, float] = collections.OrderedDict()
        self._tokens = itertools.count(1)
        self._frame_times: collections.deque[float] = collections.deque(maxlen=FRAME_TIMES_KEPT)
        self._last_frame_t = 0.0
        self._frames = self._frames_dropped = self._buttons_dropped = 0
        self._losses = self._reconnects = self._board_resets = 0
        self._board_errors: dict[str, int] = {}
        self._latency: float | None = None
        self._lamps = 0
        self._streaming = True   # a board told STREAM 0 sends no frames, and is not lost for that
        self._write_lock = threading.Lock()
        self.wake = threading.Event()

    # -- life
    def open(self) -> P.Hello:
        """Open the port and shake hands now; then keep the link up in the background.

        With ``port="auto"`` the candidate USB ports (:func:`hardware.ports.candidates`) are tried
        in turn and the first rig that answers is taken.

        Raises
        ------
        DeviceError, ConfigError
            One line: no such port, busy, permission denied, another protocol version, not a rig.
        """
        if self._thread is not None:
            raise DeviceError("this rig link is already open")
        self._status = CONNECTING
        try:
            if self.url == AUTO:
                if not self._find_again():
                    raise DeviceError(self._auto_failure())
            else:
                self._attach(*self._connect(self.url))
        except BaseException:
            self._status = CLOSED
            raise
        self._spawn()
        return self._hello

    def _auto_failure(self) -> str:
        tried = self._candidates()
        if not tried:
            return ("no rig found: no candidate serial port (an Arduino or a USB-serial adapter); "
                    "plug the rig in, or name its port (`mark1 rig list`)")
        return (f"no rig answered on the candidate ports ({', '.join(tried)}): name the rig's "
                "port (`mark1 rig list` shows what answered)")

    def start(self) -> RigLink:
        """Look for the board in the background (status ``"connecting"`` until it answers).

        For a program that carries on without the rig: errors are logged, not raised.
        """
        if self._thread is not None:
            raise DeviceError("this rig link is already open")
        self._status = CONNECTING
        self._spawn()
        return self

    def _spawn(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"rig-link {self.url}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and close the port (idempotent); the status becomes ``"closed"``."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5.0 + self.reset_wait + self.hello_wait)
        self._drop_port()
        with self._cond:
            self._status = CLOSED
            self._cond.notify_all()

    def __enter__(self) -> RigLink:
        if self._thread is None:
            self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        """Whether the link's thread runs (False once closed)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def status(self) -> str:
        """``"connecting"``, ``"connected"``, ``"lost"`` or ``"closed"``."""
        return self._status

    @property
    def hello(self) -> P.Hello | None:
        """The board's last HELLO."""
        return self._hello

    @property
    def where(self) -> str | None:
        """The port the board was last found at."""
        return self._where

    # -- connecting
    def _connect(self, url: str):
        port = open_port(url, baudrate=self.baudrate)
        try:
            hello, decoder, rest = handshake(port, name=url, clock=self.clock, reset_wait=self.reset_wait,
                                             hello_wait=self.hello_wait, stop=self._stop)
        except BaseException:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()
            raise
        return port, url, hello, decoder, rest

    def _decoder_stats(self) -> P.DecoderStats:
        """The current decoder's counts since its handshake (call with the lock held)."""
        if self._decoder is None:
            return P.DecoderStats()
        now, base = self._decoder.stats, self._baseline
        return P.DecoderStats(**{f.name: getattr(now, f.name) - getattr(base, f.name)
                                 for f in dataclasses.fields(P.DecoderStats)})

    def _attach(self, port, url: str, hello: P.Hello, decoder: P.Decoder, rest: list) -> None:
        usb = ports.describe(url) if url.startswith("/") else None
        with self._cond:
            self._old_stats = _add_stats(self._old_stats, self._decoder_stats())
            self._port, self._where, self._hello = port, url, hello
            self._decoder, self._baseline = decoder, decoder.stats
            self._usb = usb or self._usb
            self._last_frame_t = self.clock()
            self._frame_times.clear()
            if self._losses:
                self._reconnects += 1
            self._status = CONNECTED
            self._cond.notify_all()
        self.wake.set()
        # the board may have reset while away (lamps off, streaming on): put them as they were
        self._write(P.encode(P.Stream(on=int(self._streaming))) + P.encode(P.Lamps(mask=self._lamps)))
        if rest:
            self._dispatch(rest, self.clock())

    def _drop_port(self) -> None:
        with self._write_lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # already gone with the device

    def _candidates(self) -> list[str]:
        if self.finder is not None:
            return list(self.finder())
        if self.url == AUTO and self._where is None:
            # never connected yet: every candidate (opening one resets an Arduino on it)
            return [c.path for c in ports.candidates()]
        found = [self._where or self.url]
        if self._usb is not None:
            for c in ports.candidates():
                same = (c.serial_number == self._usb.serial_number if self._usb.serial_number
                        else c.usb_id == self._usb.usb_id)
                if same and c.path not in found and c.device not in found:
                    found.append(c.path)
        return found

    def _find_again(self) -> bool:
        """One round over the candidates; True when the board answered."""
        for url in self._candidates():
            if self._stop.is_set():
                return False
            try:
                port, url, hello, decoder, rest = self._connect(url)
            except Mark1Error as exc:
                log.debug("rig not at %s: %s", url, exc)
                continue
            old = self._hello
            if old is not None and url != (self._where or self.url) and hello.board_id != old.board_id:
                log.debug("%s has another rig (id %08x), not %08x", url, hello.board_id, old.board_id)
                port.close()
                continue
            if old is not None and hello.board_id != old.board_id:
                log.warning("a different rig (id %08x, was %08x) answered at %s", hello.board_id,
                            old.board_id, url)
            self._attach(port, url, hello, decoder, rest)
            return True
        return False

    # -- the thread
    def _run(self) -> None:
        # the edge of the program: whatever goes wrong here is logged and the link carries on
        while not self._stop.is_set():
            try:
                self._loop()
            except Exception:
                log.exception("rig link: unexpected error; looking for the rig again")
                self._lose("unexpected error")
                self._stop.wait(BACKOFF_MAX)

    def _loop(self) -> None:
        delay = BACKOFF_FIRST
        lost_at = None
        while not self._stop.is_set():
            if self._port is None:
                if lost_at is None:
                    lost_at = time.monotonic()
                if self._find_again():
                    if self._losses:
                        log.info("rig found again at %s after %.1f s", self._where,
                                 time.monotonic() - lost_at)
                    else:
                        log.info("rig connected at %s", self._where)
                    delay, lost_at = BACKOFF_FIRST, None
                else:
                    self._stop.wait(delay)
                    delay = min(delay * 2, BACKOFF_MAX)
                continue
            try:
                data = self._port.read(max(1, self._port.in_waiting))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # TypeError/AttributeError: pyserial's posix read on a port closed under it
                why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
                self._lose(f"read failed ({why})")
                continue
            now = self.clock()
            if data:
                self._take(data, now)
                if self._decoder.pending:
                    # mid-frame: let the rest gather instead of waking for every few bytes (a
                    # slow wire trickles; this costs at most COALESCE of latency)
                    time.sleep(COALESCE)
            if self._streaming and now - self._last_frame_t > self.lost_after:
                self._lose(f"no frame for {self.lost_after:g} s")

    def _lose(self, why: str) -> None:
        self._drop_port()
        with self._cond:
            first = self._status != LOST
            self._status = LOST
            self._losses += 1
            self._cond.notify_all()
        self.wake.set()
        if first:
            log.warning("rig lost at %s: %s; looking for it", self._where, why)

    def _take(self, data: bytes, now: float) -> None:
        messages = self._decoder.feed(data)
        if messages:
            self._dispatch(messages, now)

    def _dispatch(self, messages: list, now: float) -> None:
        relamp = news = False
        with self._cond:
            for m in messages:
                if isinstance(m, P.Frame):
                    if self._frame is not None:
                        self._frames_dropped += 1
                    self._frame = m
                    self._frames += 1
                    self._frame_times.append(now)
                    self._last_frame_t = now
                    news = True
                elif isinstance(m, P.Button):
                    if len(self._buttons) == BUTTONS_KEPT:
                        self._buttons_dropped += 1  # the deque drops the oldest
                    self._buttons.append(m)
                    news = True
                elif isinstance(m, P.Hello):
                    # not asked for: the board reset (watchdog, brown-out); it lost its lamps
                    self._hello = m
                    self._board_resets += 1
                    relamp = True
                elif m.TYPE in _BOARD_TYPES:
                    if isinstance(m, P.Pong):
                        sent = self._pings.pop(m.token, None)
                        if sent is not None:
                            self._latency = now - sent
                    elif isinstance(m, P.Error):
                        self._board_errors[P.ERROR_NAMES.get(m.code, f"code {m.code}")] = m.count
                    self._reply_seq += 1
                    self._replies.append((self._reply_seq, m))
            self._cond.notify_all()
        if news:
            self.wake.set()   # the main loop waits on it between frames: it runs now, not next tick
        if relamp:
            log.info("the rig reset itself; its lamps are set again")
            self._write(P.encode(P.Lamps(mask=self._lamps)))

    # -- the main loop's side
    def poll(self) -> RigInput:
        """The newest frame and the presses since the last call, and the status; never blocks."""
        with self._cond:
            frame, self._frame = self._frame, None
            buttons = tuple(self._buttons)
            self._buttons.clear()
            return RigInput(self._status, frame, buttons, self._hello)

    def _write(self, data: bytes) -> bool:
        with self._write_lock:
            port = self._port
            if port is None:
                return False
            try:
                port.write(data)
                return True
            except serial.SerialTimeoutException:
                log.debug("write of %d bytes timed out", len(data))
                return False
            except (serial.SerialException, OSError, TypeError, AttributeError):
                return False  # the reader thread sees the loss and says so

    def send(self, message: P.Message) -> bool:
        """Send one host-to-board message; False when the rig is not connected (not an error).

        After ``Stream(on=0)`` a silent board is not taken for lost (nor one that is unplugged,
        until a read fails); ``Stream(on=1)`` restores the one-second rule.
        """
        data = P.encode(message)
        if isinstance(message, P.Stream):
            with self._cond:
                self._streaming = bool(message.on)
                self._last_frame_t = self.clock()
        return self._write(data)

    def set_lamps(self, mask: int) -> bool:
        """Light answer lamp i for bit i of ``mask`` (0-255); kept and re-sent after a reconnect.

        Returns False when the rig is not connected now (the lamps follow when it is).
        """
        if isinstance(mask, bool) or not isinstance(mask, int) or not 0 <= mask <= 0xFF:
            raise ConfigError(f"lamp mask {mask!r}: give a whole number 0-255 (bit i lights lamp i)")
        self._lamps = mask
        return self._write(P.encode(P.Lamps(mask=mask)))

    def ping(self, *, timeout: float = 1.0) -> float | None:
        """Send a PING; with ``timeout`` > 0 wait for its PONG and return the round trip in seconds.

        With ``timeout`` 0 it returns None at once, and :meth:`stats` shows the latency when the
        PONG comes. None also when no PONG came in time.
        """
        token = next(self._tokens) & 0xFFFFFFFF
        with self._cond:
            while len(self._pings) >= PINGS_KEPT:
                self._pings.popitem(last=False)
            self._pings[token] = self.clock()
        if not self.send(P.Ping(token=token)) or timeout <= 0:
            return None
        got = self.wait_reply(lambda m: isinstance(m, P.Pong) and m.token == token, timeout=timeout)
        return None if got is None else self._latency

    def mark(self) -> int:
        """The number of the last reply so far: :meth:`wait_reply` ``since`` for later ones."""
        with self._cond:
            return self._reply_seq

    def wait_reply(self, want: Callable[[P.Message], bool], *, since: int | None = None,
                   timeout: float = 1.0) -> P.Message | None:
        """The first reply (PONG, CAL_DATA, STATS, ERROR) after ``since`` that ``want`` accepts.

        None when none came within ``timeout`` seconds (a "gave up" limit) or the link closed.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            since = self._reply_seq if since is None else since
            while True:
                for seq, m in self._replies:
                    if seq > since and want(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self._status == CLOSED:
                    return None
                self._cond.wait(left)

    def request(self, message: P.Message, want: Callable[[P.Message], bool], *,
                timeout: float = 2.0) -> P.Message:
        """Send ``message`` and wait for the reply ``want`` accepts.

        Raises
        ------
        DeviceError
            One line when the rig is not connected or did not answer in time.
        """
        since = self.mark()
        name = type(message).__name__
        if not self.send(message):
            raise DeviceError(f"cannot send {name} to the rig: it is {self._status}")
        got = self.wait_reply(want, since=since, timeout=timeout)
        if got is None:
            raise DeviceError(f"the rig at {printable(self._where or self.url)} did not answer "
                              f"{name} within {timeout:g} s")
        return got

    def wait_frame(self, *, timeout: float = 2.0) -> P.Frame | None:
        """Block until a new frame comes (for command-line tools, not the main loop); None: gave up."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._frame is None:
                left = deadline - time.monotonic()
                if left <= 0 or self._status == CLOSED:
                    return None
                self._cond.wait(left)
            frame, self._frame = self._frame, None
            return frame

    def wait_status(self, status: str, *, timeout: float = 5.0) -> bool:
        """Block until the status is ``status``; False when it was not within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._status != status:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def stats(self) -> LinkStats:
        """The link's figures now."""
        now = self.clock()
        with self._cond:
            times = [t for t in self._frame_times if now - t <= FPS_WINDOW]
            span = times[-1] - times[0] if len(times) > 2 else 0.0
            fps = (len(times) - 1) / span if span > 0 else 0.0
            decoder = _add_stats(self._old_stats, self._decoder_stats())
            return LinkStats(status=self._status, port=self._where, fps=fps, frames=self._frames,
                             frames_dropped=self._frames_dropped, buttons_dropped=self._buttons_dropped,
                             decoder=decoder, latency_s=self._latency, losses=self._losses,
                             reconnects=self._reconnects, board_resets=self._board_resets,
                             board_errors=dict(self._board_errors))

    def sizes(self) -> dict[str, int]:
        """How much the link holds now (tests check that nothing grows without bound)."""
        with self._cond:
            return {"buttons": len(self._buttons), "replies": len(self._replies),
                    "pings": len(self._pings), "frame_times": len(self._frame_times),
                    "decoder_pending": self._decoder.pending if self._decoder else 0}
