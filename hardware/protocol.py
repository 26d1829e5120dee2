"""The rig protocol's codec on the host: messages, ``encode``, a ``Decoder`` and the frame-rate limit.

The wire format is described in ``firmware/PROTOCOL.md``: each packet is ``type | body |
crc16`` (CRC-16/CCITT-FALSE, little-endian), COBS-encoded and ended by a 0x00. The constants
below are the ones in ``firmware/mark1_rig/rig_protocol.h`` (a test checks that they agree),
and this codec and the firmware's C codec are both checked against
``firmware/protocol-vectors.txt``.

Bad input from the wire never raises: :class:`Decoder` drops the frame, counts it under its
reason and goes on at the next 0x00. Bad arguments to :func:`encode` raise
:class:`~simulator.errors.ConfigError`. This module imports neither serial nor pygame, so it can
be used (and tested) anywhere.
"""

from __future__ import annotations

import binascii
import dataclasses
import logging
import struct
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from simulator.errors import ConfigError

log = logging.getLogger(__name__)

# ---- constants (rig_protocol.h) ------------------------------------------------------------

PROTO_MAJOR = 1
PROTO_MINOR = 0

MAX_CELLS = 400
MAX_SIDE = 20
MAX_BODY = 4 + 2 * MAX_CELLS  # 804
MAX_PACKET = 1 + MAX_BODY + 2  # 807
MIN_PACKET = 3
MAX_HOST_PACKET = 16


def cobs_max(n: int) -> int:
    """The most COBS bytes ``n`` packet bytes can take (``RIG_COBS_MAX``)."""
    return n + n // 254 + 1


def wire_max(body_len: int) -> int:
    """The most wire bytes, delimiter included, of a packet with this body (``RIG_WIRE_MAX``)."""
    return cobs_max(1 + body_len + 2) + 1


MAX_ENCODED = cobs_max(MAX_PACKET)  # 811, without the 0x00

MSG_HELLO = 0x01
MSG_FRAME = 0x02
MSG_BUTTON = 0x03
MSG_PONG = 0x04
MSG_CAL_DATA = 0x05
MSG_ERROR = 0x06
MSG_STATS = 0x07
MSG_HELLO_REQ = 0x41
MSG_LAMPS = 0x42
MSG_PING = 0x43
MSG_CAL_CAPTURE = 0x44
MSG_CAL_READ = 0x45
MSG_STREAM = 0x46
MSG_STATS_REQ = 0x47

LEN_HELLO = 24
LEN_BUTTON = 3
LEN_PONG = 8
LEN_ERROR = 3
LEN_STATS = 24
LEN_HELLO_REQ = 0
LEN_LAMPS = 1
LEN_PING = 4
LEN_CAL_CAPTURE = 1
LEN_CAL_READ = 1
LEN_STREAM = 1
LEN_STATS_REQ = 0
GRID_HEADER = 4

BOARD_ATMEGA328P = 1
BOARD_ATMEGA2560 = 2
BOARD_NATIVE = 3
BOARD_NAMES = {BOARD_ATMEGA328P: "atmega328p", BOARD_ATMEGA2560: "atmega2560", BOARD_NATIVE: "native"}

FLAG_DARK_STORED = 0x01
FLAG_BRIGHT_STORED = 0x02
FLAG_WATCHDOG_RESET = 0x04

BUTTON_LEFT = 0
BUTTON_RIGHT = 1
BUTTON_TRAIN = 2
BUTTONS = 3
BUTTON_NAMES = ("LEFT", "RIGHT", "TRAIN")
DEBOUNCE_MS = 20

CAL_DARK = 0
CAL_BRIGHT = 1
CAL_SCANS = 8

LAMPS = 8

ERR_RX_CRC = 1
ERR_RX_LENGTH = 2
ERR_RX_UNKNOWN = 3
ERR_RX_OVERSIZE = 4
ERR_BAD_ARGUMENT = 5
ERR_WATCHDOG = 6
ERR_EEPROM = 7
ERROR_NAMES = {
    ERR_RX_CRC: "RX_CRC",
    ERR_RX_LENGTH: "RX_LENGTH",
    ERR_RX_UNKNOWN: "RX_UNKNOWN",
    ERR_RX_OVERSIZE: "RX_OVERSIZE",
    ERR_BAD_ARGUMENT: "BAD_ARGUMENT",
    ERR_WATCHDOG: "WATCHDOG",
    ERR_EEPROM: "EEPROM",
}

DROP_OVERSIZE = 1
DROP_COBS = 2
DROP_SHORT = 3
DROP_CRC = 4
DROP_UNKNOWN_TYPE = 5
DROP_LENGTH = 6
DROP_REASONS = ("oversize", "cobs", "short", "crc", "unknown_type", "length")  # DROP_* - 1


# ---- messages ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Hello:
    """``HELLO`` (board to host): who the board is, its grid and what bounds its frame rate."""

    TYPE: ClassVar[int] = MSG_HELLO
    proto_major: int
    proto_minor: int
    fw_major: int
    fw_minor: int
    fw_patch: int
    board: int
    rows: int
    cols: int
    adc_bits: int
    flags: int
    board_id: int
    baud: int
    adc_clock_khz: int
    settle_us: int
    settles_per_frame: int


class _Grid:
    """What ``FRAME`` and ``CAL_DATA`` share: a (rows, cols) uint16 array of raw ADC counts.

    Equality compares the values (numpy arrays have no single truth value, so the generated
    ``__eq__`` would not do).
    """

    values: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def cols(self) -> int:
        return int(self.values.shape[1])

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        for f in dataclasses.fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "values":
                a, b = np.asarray(a), np.asarray(b)
                if a.shape != b.shape or not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # mutable contents (an array): not hashable


@dataclass(frozen=True, kw_only=True, eq=False)
class Frame(_Grid):
    """``FRAME`` (board to host): one scan, ``values`` a (rows, cols) uint16 array, row-major."""

    TYPE: ClassVar[int] = MSG_FRAME
    frame_no: int
    values: np.ndarray


@dataclass(frozen=True, kw_only=True)
class Button:
    """``BUTTON`` (board to host): a debounced press; ``presses`` is that button's running count."""

    TYPE: ClassVar[int] = MSG_BUTTON
    button: int
    presses: int


@dataclass(frozen=True, kw_only=True)
class Pong:
    """``PONG`` (board to host): the ``PING``'s token and the board's microsecond clock."""

    TYPE: ClassVar[int] = MSG_PONG
    token: int
    board_us: int


@dataclass(frozen=True, kw_only=True, eq=False)
class CalData(_Grid):
    """``CAL_DATA`` (board to host): a stored calibration (``which`` 0 dark, 1 bright)."""

    TYPE: ClassVar[int] = MSG_CAL_DATA
    which: int
    valid: int
    values: np.ndarray


@dataclass(frozen=True, kw_only=True)
class Error:
    """``ERROR`` (board to host): ``code`` (ERR_*) and the board's running count for it."""

    TYPE: ClassVar[int] = MSG_ERROR
    code: int
    count: int


@dataclass(frozen=True, kw_only=True)
class Stats:
    """``STATS`` (board to host): the board's own counters."""

    TYPE: ClassVar[int] = MSG_STATS
    frames: int
    frames_waited: int
    rx_packets: int
    rx_crc: int
    rx_length: int
    rx_unknown: int
    rx_oversize: int
    tx_dropped: int
    loop_max_us: int


@dataclass(frozen=True, kw_only=True)
class HelloRequest:
    """``HELLO_REQ`` (host to board): asks for a ``HELLO``."""

    TYPE: ClassVar[int] = MSG_HELLO_REQ


@dataclass(frozen=True, kw_only=True)
class Lamps:
    """``LAMPS`` (host to board): bit i of ``mask`` lights answer lamp i."""

    TYPE: ClassVar[int] = MSG_LAMPS
    mask: int


@dataclass(frozen=True, kw_only=True)
class Ping:
    """``PING`` (host to board): answered by a ``PONG`` with the same token."""

    TYPE: ClassVar[int] = MSG_PING
    token: int


@dataclass(frozen=True, kw_only=True)
class CalCapture:
    """``CAL_CAPTURE`` (host to board): average the next scans and store them as ``which``."""

    TYPE: ClassVar[int] = MSG_CAL_CAPTURE
    which: int


@dataclass(frozen=True, kw_only=True)
class CalRead:
    """``CAL_READ`` (host to board): send the stored calibration ``which``."""

    TYPE: ClassVar[int] = MSG_CAL_READ
    which: int


@dataclass(frozen=True, kw_only=True)
class Stream:
    """``STREAM`` (host to board): ``on`` 1 starts ``FRAME``s, 0 stops them."""

    TYPE: ClassVar[int] = MSG_STREAM
    on: int


@dataclass(frozen=True, kw_only=True)
class StatsRequest:
    """``STATS_REQ`` (host to board): asks for a ``STATS``."""

    TYPE: ClassVar[int] = MSG_STATS_REQ


Message = (
    Hello | Frame | Button | Pong | CalData | Error | Stats
    | HelloRequest | Lamps | Ping | CalCapture | CalRead | Stream | StatsRequest
)

# Fixed-length messages: the struct layout of their body, in field order.
_FIXED: dict[type, struct.Struct] = {
    Hello: struct.Struct("<10BIIHHH"),
    Button: struct.Struct("<BH"),
    Pong: struct.Struct("<II"),
    Error: struct.Struct("<BH"),
    Stats: struct.Struct("<IIIHHHHHH"),
    HelloRequest: struct.Struct("<"),
    Lamps: struct.Struct("<B"),
    Ping: struct.Struct("<I"),
    CalCapture: struct.Struct("<B"),
    CalRead: struct.Struct("<B"),
    Stream: struct.Struct("<B"),
    StatsRequest: struct.Struct("<"),
}
_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _FIXED}
_GRID_HEAD = struct.Struct("<HBB")  # FRAME: frame_no, rows, cols
_CAL_HEAD = struct.Struct("<BBBB")  # CAL_DATA: which, valid, rows, cols
_BY_TYPE: dict[int, type] = {
    cls.TYPE: cls
    for cls in (Hello, Frame, Button, Pong, CalData, Error, Stats,
                HelloRequest, Lamps, Ping, CalCapture, CalRead, Stream, StatsRequest)
}
# The body length each type must have; None for the grid messages (checked from rows, cols).
BODY_LENGTH: dict[int, int | None] = {
    t: (None if cls in (Frame, CalData) else _FIXED[cls].size) for t, cls in _BY_TYPE.items()
}
_ZERO = b"\x00"


# ---- CRC and COBS --------------------------------------------------------------------------


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (poly 0x1021, init 0xFFFF): ``crc16(b"123456789") == 0x29B1``."""
    return binascii.crc_hqx(data, 0xFFFF)


def cobs_encode(data: bytes) -> bytes:
    """COBS-encode ``data`` (no delimiter), the standard form PROTOCOL.md describes."""
    out = bytearray()
    segments = bytes(data).split(_ZERO)
    last = len(segments) - 1
    for k, seg in enumerate(segments):
        i = 0
        while len(seg) - i >= 254:  # a full block: code 0xFF, no implied zero
            out.append(0xFF)
            out += seg[i:i + 254]
            i += 254
        if k == last and seg and i == len(seg):
            break  # a final full block has no code byte after it
        out.append(len(seg) - i + 1)
        out += seg[i:]
    return bytes(out)


def cobs_decode(data: bytes) -> bytes | None:
    """COBS-decode ``data`` (no delimiter); ``None`` when a code byte is 0 or points past the end."""
    out = bytearray()
    n = len(data)
    i = 0
    while i < n:
        code = data[i]
        end = i + code
        if code == 0 or end > n:
            return None
        out += data[i + 1:end]
        i = end
        if code != 0xFF and i < n:
            out.append(0)
    return bytes(out)


# ---- encoding ------------------------------------------------------------------------------


def encode_packet(type_: int, body: bytes) -> bytes:
    """Wire bytes of any packet: COBS(type | body | crc16 little-endian) then 0x00.

    No check of the type or of the body against the message table, so that tests can build
    frames a receiver must refuse; :func:`encode` is the checked way.
    """
    if not 0 <= type_ <= 0xFF:
        raise ConfigError(f"packet type {type_!r} is not a byte; give 0-255")
    body = bytes(body)
    if len(body) > MAX_BODY:
        raise ConfigError(f"a packet body of {len(body)} bytes is over the protocol's {MAX_BODY}; send less")
    packet = bytes((type_,)) + body
    packet += crc16(packet).to_bytes(2, "little")
    return cobs_encode(packet) + _ZERO


def _check_int(cls: type, name: str, value, low: int, high: int) -> int:
    # bool is an int, and a numpy integer is fine; a float or a string is not
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise ConfigError(f"{cls.__name__}.{name} is {value!r}; it must be a whole number {low}-{high}")
    return int(value)


def _expand(fmt: str) -> str:
    """A struct format with its counts spelled out: ``"<10BIH"`` -> ``"BBBBBBBBBBIH"``."""
    out, count = [], ""
    for c in fmt.lstrip("<"):
        if c.isdigit():
            count += c
        else:
            out.append(c * int(count or 1))
            count = ""
    return "".join(out)


_WIDTH = {"B": 0xFF, "H": 0xFFFF, "I": 0xFFFFFFFF}
# Fields whose protocol meaning is narrower than their bytes: which, on and valid are 0 or 1, a
# button is one of three, a grid side is 1-20.
_NARROW = {
    (CalCapture, "which"): (0, 1), (CalRead, "which"): (0, 1), (Stream, "on"): (0, 1),
    (Button, "button"): (0, BUTTONS - 1), (Hello, "rows"): (1, MAX_SIDE), (Hello, "cols"): (1, MAX_SIDE),
}
# The (lowest, highest) value each field of a fixed-length message may take.
_RANGES = {
    cls: tuple(_NARROW.get((cls, name), (0, _WIDTH[code]))
               for name, code in zip(_FIELDS[cls], _expand(layout.format)))
    for cls, layout in _FIXED.items()
}


def _grid_values(cls: type, values) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim != 2 or not (1 <= a.shape[0] <= MAX_SIDE and 1 <= a.shape[1] <= MAX_SIDE):
        raise ConfigError(
            f"{cls.__name__}.values has shape {a.shape}; it must be (rows, cols), each 1-{MAX_SIDE}")
    if a.dtype.kind not in "ui" or (a.size and (a.min() < 0 or a.max() > 0xFFFF)):
        raise ConfigError(f"{cls.__name__}.values must be whole numbers 0-65535 (raw ADC counts)")
    return a


def encode(message: Message) -> bytes:
    """The wire bytes of ``message``, its 0x00 delimiter included.

    Raises
    ------
    ConfigError
        When a field is out of range for its type (a lamp mask of 256, a grid of 21 rows, ...).
    """
    cls = type(message)
    if cls in _FIXED:
        fields = [_check_int(cls, name, getattr(message, name), low, high)
                  for name, (low, high) in zip(_FIELDS[cls], _RANGES[cls])]
        return encode_packet(cls.TYPE, _FIXED[cls].pack(*fields))
    if cls is Frame:
        a = _grid_values(cls, message.values)
        head = _GRID_HEAD.pack(_check_int(cls, "frame_no", message.frame_no, 0, 0xFFFF), *a.shape)
    elif cls is CalData:
        a = _grid_values(cls, message.values)
        head = _CAL_HEAD.pack(_check_int(cls, "which", message.which, 0, 1),
                              _check_int(cls, "valid", message.valid, 0, 1), *a.shape)
    else:
        raise ConfigError(f"a {cls.__name__} is not a rig message; give one of hardware.protocol's classes")
    return encode_packet(cls.TYPE, head + a.astype("<u2", copy=False).tobytes())


# ---- decoding ------------------------------------------------------------------------------


def _grid_ok(body: bytes) -> bool:
    if len(body) < GRID_HEADER:
        return False
    rows, cols = body[2], body[3]
    return 1 <= rows <= MAX_SIDE and 1 <= cols <= MAX_SIDE and len(body) == GRID_HEADER + 2 * rows * cols


def decode_packet(packet: bytes) -> tuple[Message | None, int]:
    """A decoded packet (``type | body | crc``) as ``(message, 0)`` or ``(None, DROP_*)``."""
    if len(packet) < MIN_PACKET:
        return None, DROP_SHORT
    if crc16(packet[:-2]) != int.from_bytes(packet[-2:], "little"):
        return None, DROP_CRC
    type_ = packet[0]
    cls = _BY_TYPE.get(type_)
    if cls is None:
        return None, DROP_UNKNOWN_TYPE
    body = packet[1:-2]
    layout = _FIXED.get(cls)
    if layout is not None:
        if len(body) != layout.size:
            return None, DROP_LENGTH
        return cls(**dict(zip(_FIELDS[cls], layout.unpack(body)))), 0
    if not _grid_ok(body):
        return None, DROP_LENGTH
    rows, cols = body[2], body[3]
    # a read-only view of the packet's own bytes: no copy, and a frozen message stays frozen
    values = np.frombuffer(body, dtype="<u2", offset=GRID_HEADER).reshape(rows, cols)
    if cls is Frame:
        return Frame(frame_no=body[0] | body[1] << 8, values=values), 0
    return CalData(which=body[0], valid=body[1], values=values), 0


@dataclass
class DecoderStats:
    """What a :class:`Decoder` has accepted and dropped, by reason (PROTOCOL.md's table)."""

    packets: int = 0
    oversize: int = 0
    cobs: int = 0
    short: int = 0
    crc: int = 0
    unknown_type: int = 0
    length: int = 0

    @property
    def dropped(self) -> int:
        """All frames dropped, whatever the reason."""
        return self.oversize + self.cobs + self.short + self.crc + self.unknown_type + self.length


class Decoder:
    """Turns a byte stream into messages, dropping and counting bad frames.

    Parameters
    ----------
    max_encoded : int
        The longest COBS frame (without its 0x00) accepted; longer ones are counted as
        ``oversize`` once and discarded as they arrive, up to the next 0x00. The decoder
        never holds more than this many bytes.

    Notes
    -----
    Bytes from the wire never raise: a bad frame is counted in :attr:`stats` under one reason and
    decoding goes on after the next 0x00. An empty frame (two 0x00 in a row) is not counted.
    """

    def __init__(self, *, max_encoded: int = MAX_ENCODED):
        self.max_encoded = max_encoded
        self._buf = bytearray()
        self._discarding = False
        self._stats = DecoderStats()

    @property
    def stats(self) -> DecoderStats:
        """A copy of the counts so far."""
        return dataclasses.replace(self._stats)

    @property
    def pending(self) -> int:
        """Bytes held of a frame not yet ended (at most ``max_encoded``)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Message]:
        """Take the next bytes of the stream; return the messages of the frames they complete."""
        if not isinstance(data, bytes | bytearray):
            data = bytes(data)  # a memoryview has no find()
        out: list[Message] = []
        n = len(data)
        pos = 0
        while pos < n:
            end = data.find(_ZERO, pos)
            stop = n if end < 0 else end
            if stop > pos and not self._discarding:
                if len(self._buf) + stop - pos > self.max_encoded:
                    # counted once, when the limit is passed, as the C parser does
                    self._discarding = True
                    self._buf.clear()
                    self._stats.oversize += 1
                else:
                    self._buf += data[pos:stop]
            if end < 0:
                break
            pos = end + 1
            if self._discarding:
                self._discarding = False
            elif self._buf:
                message = self._end_frame(bytes(self._buf))
                self._buf.clear()
                if message is not None:
                    out.append(message)
        return out

    def _end_frame(self, frame: bytes) -> Message | None:
        packet = cobs_decode(frame)
        if packet is None:
            self._stats.cobs += 1
            return None
        message, reason = decode_packet(packet)
        if message is None:
            name = DROP_REASONS[reason - 1]
            setattr(self._stats, name, getattr(self._stats, name) + 1)
            log.debug("dropped a %d-byte frame: %s", len(frame), name)
            return None
        self._stats.packets += 1
        return message


def decode(data: bytes) -> list[Message]:
    """All the messages in ``data`` (whole frames), as a fresh :class:`Decoder` gives them."""
    return Decoder().feed(data)


# ---- the fastest frame rate ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FrameRateLimit:
    """The fastest frame rate a board can keep up (PROTOCOL.md, "The fastest frame rate").

    Attributes
    ----------
    wire_bytes : int
        Wire bytes of one ``FRAME`` at most (COBS overhead and delimiter included).
    wire_s : float
        Seconds to send them.
    scan_s : float
        Seconds to scan the grid (settling plus conversions).
    fps : float
        ``1 / max(wire_s, scan_s)``.
    bound : str
        ``"wire"`` or ``"scan"``: the one that sets the limit.
    """

    wire_bytes: int
    wire_s: float
    scan_s: float
    fps: float
    bound: str


def frame_rate_limit(hello: Hello, *, bits_per_byte: int = 10) -> FrameRateLimit:
    """The frame-rate limit the wire and the ADC set for the board ``hello`` describes.

    Parameters
    ----------
    hello : Hello
        The board's handshake (grid, baud, ADC clock, settle time and count).
    bits_per_byte : int
        Bit-times a byte takes on the wire: 10 for 8N1 (simavr counts 11).

    Raises
    ------
    ConfigError
        When the grid, the baud rate or the ADC clock is zero or out of range.
    """
    if not (1 <= hello.rows <= MAX_SIDE and 1 <= hello.cols <= MAX_SIDE):
        raise ConfigError(f"a {hello.rows} x {hello.cols} grid is not 1-{MAX_SIDE} x 1-{MAX_SIDE}")
    if hello.baud <= 0 or hello.adc_clock_khz <= 0 or bits_per_byte <= 0:
        raise ConfigError(
            f"baud {hello.baud}, ADC clock {hello.adc_clock_khz} kHz and {bits_per_byte} bits a byte"
            " must all be above zero")
    n = hello.rows * hello.cols
    wire_bytes = wire_max(GRID_HEADER + 2 * n)
    wire_s = wire_bytes * bits_per_byte / hello.baud
    scan_s = hello.settles_per_frame * hello.settle_us / 1e6 + n * 13 / (hello.adc_clock_khz * 1000)
    slowest = max(wire_s, scan_s)
    return FrameRateLimit(wire_bytes=wire_bytes, wire_s=wire_s, scan_s=scan_s, fps=1 / slowest,
                          bound="wire" if wire_s >= scan_s else "scan")
