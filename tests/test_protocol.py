"""The rig protocol's Python codec (hardware/protocol.py).

Checked against firmware/protocol-vectors.txt, the file the C codec's tests read too (both
directions, every line), against the constants of firmware/mark1_rig/rig_protocol.h, and with
hypothesis: round trips, arbitrary bytes, arbitrary splits, resynchronisation.
"""

from __future__ import annotations

import ast
import operator
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hardware import protocol as P
from simulator.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "firmware" / "protocol-vectors.txt"
HEADER = ROOT / "firmware" / "mark1_rig" / "rig_protocol.h"

NAME_TO_CLASS = {
    "HELLO": P.Hello, "FRAME": P.Frame, "BUTTON": P.Button, "PONG": P.Pong, "CAL_DATA": P.CalData,
    "ERROR": P.Error, "STATS": P.Stats, "HELLO_REQ": P.HelloRequest, "LAMPS": P.Lamps, "PING": P.Ping,
    "CAL_CAPTURE": P.CalCapture, "CAL_READ": P.CalRead, "STREAM": P.Stream, "STATS_REQ": P.StatsRequest,
}


# ---- the vectors file ----------------------------------------------------------------------


def _hex(text: str) -> bytes:
    return b"" if text == "-" else bytes.fromhex(text)


def _vector_lines() -> list[tuple[int, list[str]]]:
    lines = []
    for number, line in enumerate(VECTORS.read_text().splitlines(), 1):
        if line and not line.startswith("#"):
            lines.append((number, line.split(" ")))
    return lines


VECTOR_LINES = _vector_lines()


def _of_kind(kind: str):
    return [pytest.param(fields, id=f"line{n}") for n, fields in VECTOR_LINES if fields[0] == kind]


def test_vectors_file_is_complete():
    """Every line is one of the five kinds; every type and every drop reason has a vector."""
    kinds = [fields[0] for _, fields in VECTOR_LINES]
    assert set(kinds) == {"crc", "cobs", "packet", "drop", "stream"}
    assert {fields[1] for _, fields in VECTOR_LINES if fields[0] == "packet"} == set(NAME_TO_CLASS)
    assert {fields[1] for _, fields in VECTOR_LINES if fields[0] == "drop"} == set(P.DROP_REASONS)
    # all eleven of Wikipedia's COBS examples and the empty string
    assert kinds.count("cobs") == 12


@pytest.mark.parametrize("fields", _of_kind("crc"))
def test_crc_vector(fields):
    _, data, want = fields
    assert P.crc16(_hex(data)) == int(want, 16)


def test_crc_check_value():
    # the catalogue's check value for CRC-16/CCITT-FALSE, written here apart from the file
    assert P.crc16(b"123456789") == 0x29B1


@pytest.mark.parametrize("fields", _of_kind("cobs"))
def test_cobs_vector(fields):
    _, decoded, encoded = fields
    assert P.cobs_encode(_hex(decoded)) == _hex(encoded)
    assert P.cobs_decode(_hex(encoded)) == _hex(decoded)


def _expected_fields(cls, text: str) -> dict:
    if text == "-":
        return {}
    fields = {}
    for item in text.split(","):
        name, value = item.split("=")
        fields[name] = [int(v) for v in value.split(";")] if name == "values" else int(value)
    if cls in (P.Frame, P.CalData):
        rows, cols = fields.pop("rows"), fields.pop("cols")
        fields["values"] = np.array(fields["values"], dtype=np.uint16).reshape(rows, cols)
    return fields


@pytest.mark.parametrize("fields", _of_kind("packet"))
def test_packet_vector(fields):
    _, name, type_hex, body_hex, wire_hex, field_text = fields
    cls = NAME_TO_CLASS[name]
    wire = _hex(wire_hex)
    assert cls.TYPE == int(type_hex, 16)

    decoder = P.Decoder()
    [message] = decoder.feed(wire)
    assert type(message) is cls
    assert message == cls(**_expected_fields(cls, field_text))
    if cls in (P.Frame, P.CalData):
        assert message.values.dtype == np.uint16
        assert (message.rows, message.cols) == message.values.shape
    assert decoder.stats == P.DecoderStats(packets=1)

    assert P.encode(message) == wire
    assert P.encode(cls(**_expected_fields(cls, field_text))) == wire
    assert P.encode_packet(cls.TYPE, _hex(body_hex)) == wire


@pytest.mark.parametrize("fields", _of_kind("drop"))
def test_drop_vector(fields):
    _, reason, wire_hex = fields
    decoder = P.Decoder()
    assert decoder.feed(_hex(wire_hex)) == []
    stats = decoder.stats
    assert getattr(stats, reason) == 1
    assert stats.dropped == 1 and stats.packets == 0
    assert decoder.pending == 0


def _garbage(seed: int, zero_in: int, n: int) -> bytes:
    """The vectors file's seeded garbage (xorshift32; its header says how a byte is drawn)."""
    x = seed
    out = bytearray(n)
    for i in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        byte = x & 0xFF
        if zero_in:
            x ^= (x << 13) & 0xFFFFFFFF
            x ^= x >> 17
            x ^= (x << 5) & 0xFFFFFFFF
            byte = 0 if x % zero_in == 0 else (byte or 0x80)
        out[i] = byte
    return bytes(out)


@pytest.mark.parametrize("fields", _of_kind("stream"))
def test_stream_vector(fields):
    """The Python decoder counts a garbage stream as the C one does, fed whole or in pieces."""
    _, seed, zero_in, n, counts = fields
    data = _garbage(int(seed), int(zero_in), int(n))
    want = P.DecoderStats(**{k: int(v) for k, v in (item.split("=") for item in counts.split(","))})
    whole = P.Decoder()
    whole.feed(data)
    assert whole.stats == want
    pieces = P.Decoder()
    for i in range(0, len(data), 997):
        pieces.feed(data[i:i + 997])
    assert pieces.stats == want


def _packet_wires() -> list[bytes]:
    return [_hex(fields[4]) for _, fields in VECTOR_LINES if fields[0] == "packet"]


def test_vector_stream_fed_whole_and_byte_by_byte():
    wires = _packet_wires()
    stream = b"".join(wires)
    whole = P.Decoder().feed(stream)
    one_by_one = P.Decoder()
    bytewise = [m for i in range(len(stream)) for m in one_by_one.feed(stream[i:i + 1])]
    assert [P.encode(m) for m in whole] == wires
    assert bytewise == whole
    assert P.decode(stream) == whole


def test_every_vector_cut_at_every_byte_is_dropped_and_the_next_frame_kept():
    for wire in _packet_wires():
        for cut in range(1, len(wire) - 1):
            decoder = P.Decoder()
            assert decoder.feed(wire[:cut] + b"\x00") == []
            assert decoder.stats.dropped == 1
            assert [P.encode(m) for m in decoder.feed(wire)] == [wire]


# ---- constants agree with rig_protocol.h ---------------------------------------------------

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.floordiv}


def _c_value(expr: str, known: dict[str, int], macros: dict[str, tuple[str, str]]) -> int:
    """An integer #define's value: numbers, other defines, the function-like macros, + - * /
    (C's integer division: every operand here is unsigned)."""

    def walk(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            return known[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Call) and node.func.id in macros and len(node.args) == 1:
            param, body = macros[node.func.id]
            return _c_value(body, known | {param: walk(node.args[0])}, macros)
        raise ValueError(f"cannot read {expr!r}")

    return walk(ast.parse(expr.strip(), mode="eval").body)


def _header_defines() -> tuple[dict[str, int], dict[str, tuple[str, str]]]:
    """rig_protocol.h's defines, without their RIG_ prefix: values, and macros as (param, body)."""
    values, macros = {}, {}
    for line in HEADER.read_text().splitlines():
        line = re.sub(r"/\*.*?\*/", "", line)
        m = re.match(r"#define\s+RIG_(\w+)(?:\((\w+)\))?\s+(.+)$", line)
        if not m:
            continue
        name, param, body = m.groups()
        body = re.sub(r"\bRIG_", "", body)
        if param:
            macros[name] = (param, body)
        else:
            values[name] = _c_value(body, values, macros)
    return values, macros


def test_constants_agree_with_the_c_header():
    values, macros = _header_defines()
    assert len(values) > 60  # the header was read, not silently skipped
    for name, value in values.items():
        assert getattr(P, name) == value, f"RIG_{name} is {value} in rig_protocol.h, {getattr(P, name)} here"
    assert P.MAX_ENCODED == 811 and P.MAX_PACKET == 807
    assert set(macros) == {"COBS_MAX", "WIRE_MAX"}
    for n in range(2000):
        assert P.cobs_max(n) == _c_value(f"COBS_MAX({n})", values, macros)
        assert P.wire_max(n) == _c_value(f"WIRE_MAX({n})", values, macros)


def test_message_table_agrees_with_the_header():
    values, _ = _header_defines()
    for name, cls in NAME_TO_CLASS.items():
        assert cls.TYPE == values[f"MSG_{name}"]
        want = None if name in ("FRAME", "CAL_DATA") else values[f"LEN_{name}"]
        assert P.BODY_LENGTH[cls.TYPE] == want
    for i, reason in enumerate(P.DROP_REASONS, 1):
        assert values[f"DROP_{reason.upper()}"] == i
    assert len(P.BODY_LENGTH) == 14


def test_protocol_imports_neither_serial_nor_pygame():
    code = ("import sys, hardware.protocol\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('pygame', 'serial'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


# ---- encode refuses bad arguments ----------------------------------------------------------


def _hello(**kw) -> P.Hello:
    base = dict(proto_major=1, proto_minor=0, fw_major=0, fw_minor=1, fw_patch=0, board=1, rows=8,
                cols=8, adc_bits=10, flags=0, board_id=1, baud=115200, adc_clock_khz=125, settle_us=50,
                settles_per_frame=8)
    return P.Hello(**(base | kw))


@pytest.mark.parametrize(("message", "match"), [
    (P.Lamps(mask=256), r"Lamps\.mask is 256; it must be a whole number 0-255"),
    (P.Lamps(mask=-1), r"Lamps\.mask is -1"),
    (P.Lamps(mask=1.0), r"Lamps\.mask is 1\.0"),
    (P.Lamps(mask=True), r"Lamps\.mask is True"),
    (P.Ping(token=2**32), r"Ping\.token is 4294967296; it must be a whole number 0-4294967295"),
    (P.CalRead(which=2), r"CalRead\.which is 2; it must be a whole number 0-1"),
    (P.Stream(on=2), r"Stream\.on is 2"),
    (P.Button(button=3, presses=1), r"Button\.button is 3; it must be a whole number 0-2"),
    (_hello(rows=21), r"Hello\.rows is 21; it must be a whole number 1-20"),
    (_hello(cols=0), r"Hello\.cols is 0; it must be a whole number 1-20"),
    (_hello(board_id=2**32), r"Hello\.board_id is 4294967296"),
    (P.Frame(frame_no=0, values=np.zeros((21, 1), np.uint16)), r"Frame\.values has shape \(21, 1\)"),
    (P.Frame(frame_no=0, values=np.zeros((0, 4), np.uint16)), r"Frame\.values has shape \(0, 4\)"),
    (P.Frame(frame_no=0, values=np.zeros(4, np.uint16)), r"Frame\.values has shape \(4,\)"),
    (P.Frame(frame_no=0, values=np.full((2, 2), 65536)), r"Frame\.values must be whole numbers 0-65535"),
    (P.Frame(frame_no=0, values=np.full((2, 2), 0.5)), r"Frame\.values must be whole numbers 0-65535"),
    (P.Frame(frame_no=65536, values=np.zeros((2, 2), np.uint16)), r"Frame\.frame_no is 65536"),
    (P.CalData(which=0, valid=2, values=np.zeros((2, 2), np.uint16)), r"CalData\.valid is 2"),
])
def test_encode_refuses_bad_arguments(message, match):
    with pytest.raises(ConfigError, match=match):
        P.encode(message)


def test_encode_refuses_what_is_not_a_message():
    with pytest.raises(ConfigError, match=r"a bytes is not a rig message"):
        P.encode(b"\x42\x01")


def test_encode_packet_refuses_an_oversize_body_and_a_bad_type():
    with pytest.raises(ConfigError, match=r"a packet body of 805 bytes is over the protocol's 804"):
        P.encode_packet(P.MSG_FRAME, bytes(805))
    with pytest.raises(ConfigError, match=r"packet type 256 is not a byte"):
        P.encode_packet(256, b"")


# ---- frame-rate limit (PROTOCOL.md's formula, figures worked by hand) -----------------------


def test_frame_rate_limit_uno_8x8_is_wire_bound():
    # packet 1 + 132 + 2 = 135 bytes, COBS at most 136, one delimiter: 137 bytes of 10 bits
    limit = P.frame_rate_limit(_hello())
    assert limit.wire_bytes == 137
    assert limit.wire_s == pytest.approx(1370 / 115200)
    assert limit.scan_s == pytest.approx(8 * 50e-6 + 64 * 13 / 125_000)  # 0.007056 s
    assert limit.bound == "wire"
    assert limit.fps == pytest.approx(115200 / 1370)  # 84.1 frames/s
    assert P.frame_rate_limit(_hello(), bits_per_byte=11).fps == pytest.approx(115200 / 1507)


def test_frame_rate_limit_mega_20x20_at_1mbaud_is_scan_bound():
    # packet 807 bytes, COBS at most 811, delimiter: 812 bytes = 8.12 ms at 1 Mbaud; the scan
    # 25 x 20 us + 400 x 13 / 250 kHz = 0.5 + 20.8 ms
    limit = P.frame_rate_limit(_hello(rows=20, cols=20, baud=1_000_000, adc_clock_khz=250, settle_us=20,
                                      settles_per_frame=25))
    assert limit.wire_bytes == 812
    assert limit.wire_s == pytest.approx(0.00812)
    assert limit.scan_s == pytest.approx(0.0213)
    assert limit.bound == "scan"
    assert limit.fps == pytest.approx(1 / 0.0213)


@pytest.mark.parametrize(("kw", "match"), [
    ({"baud": 0}, r"baud 0, ADC clock 125 kHz and 10 bits a byte must all be above zero"),
    ({"adc_clock_khz": 0}, r"ADC clock 0 kHz"),
    ({"rows": 21}, r"a 21 x 8 grid is not 1-20 x 1-20"),
    ({"cols": 0}, r"a 8 x 0 grid is not 1-20 x 1-20"),
])
def test_frame_rate_limit_refuses_a_hello_it_cannot_use(kw, match):
    with pytest.raises(ConfigError, match=match):
        P.frame_rate_limit(_hello(**kw))


# ---- property tests ------------------------------------------------------------------------

u8, u16, u32 = (st.integers(0, 2**k - 1) for k in (8, 16, 32))
bit = st.integers(0, 1)


def _grid():
    shapes = st.tuples(st.integers(1, 20), st.integers(1, 20))
    return shapes.flatmap(lambda shape: arrays(np.uint16, shape))


MESSAGES = st.one_of(
    st.builds(P.Hello, proto_major=u8, proto_minor=u8, fw_major=u8, fw_minor=u8, fw_patch=u8, board=u8,
              rows=st.integers(1, 20), cols=st.integers(1, 20), adc_bits=u8, flags=u8, board_id=u32,
              baud=u32, adc_clock_khz=u16, settle_us=u16, settles_per_frame=u16),
    st.builds(P.Frame, frame_no=u16, values=_grid()),
    st.builds(P.Button, button=st.integers(0, 2), presses=u16),
    st.builds(P.Pong, token=u32, board_us=u32),
    st.builds(P.CalData, which=bit, valid=bit, values=_grid()),
    st.builds(P.Error, code=u8, count=u16),
    st.builds(P.Stats, frames=u32, frames_waited=u32, rx_packets=u32, rx_crc=u16, rx_length=u16,
              rx_unknown=u16, rx_oversize=u16, tx_dropped=u16, loop_max_us=u16),
    st.builds(P.HelloRequest),
    st.builds(P.Lamps, mask=u8),
    st.builds(P.Ping, token=u32),
    st.builds(P.CalCapture, which=bit),
    st.builds(P.CalRead, which=bit),
    st.builds(P.Stream, on=bit),
    st.builds(P.StatsRequest),
)

# the corners: the longest FRAME (807-byte packet, 811 COBS bytes when no byte is zero), packets
# of 259 bytes with no zero in their first 257 (a full 254-byte COBS block, then more), and the
# smallest grid
LONGEST = P.Frame(frame_no=0x0101, values=np.full((20, 20), 0x0101, np.uint16))
RUN_254 = P.Frame(frame_no=0x0101, values=np.full((7, 18), 0x0101, np.uint16))
CAL_RUN = P.CalData(which=1, valid=1, values=np.full((9, 14), 0x0202, np.uint16))


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
@example(LONGEST)
@example(RUN_254)
@example(CAL_RUN)
@example(P.Frame(frame_no=0, values=np.zeros((1, 1), np.uint16)))
@example(P.HelloRequest())
def test_round_trip(message):
    wire = P.encode(message)
    assert wire.endswith(b"\x00") and b"\x00" not in wire[:-1]
    body_len = len(P.cobs_decode(wire[:-1])) - 3
    assert len(wire) <= P.wire_max(body_len)
    decoder = P.Decoder()
    assert decoder.feed(wire) == [message]
    assert decoder.stats == P.DecoderStats(packets=1)
    assert len(wire) - 1 <= P.MAX_ENCODED


def test_the_longest_frame_is_exactly_the_limit():
    wire = P.encode(LONGEST)
    assert len(wire) == P.MAX_ENCODED + 1
    assert P.Decoder().feed(wire) == [LONGEST]
    tight = P.Decoder(max_encoded=P.MAX_ENCODED - 1)
    assert tight.feed(wire) == [] and tight.stats.oversize == 1


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=3000), st.integers(1, P.MAX_ENCODED + 50), st.lists(st.integers(0, 3000)))
@example(b"", P.MAX_ENCODED, [])
@example(b"\x00\x00\x00", P.MAX_ENCODED, [1])
@example(b"\x01" * 254 + b"\x00", P.MAX_ENCODED, [])
@example(b"\xff" * 255 + b"\x00", P.MAX_ENCODED, [100])
@example(b"\x11" * P.MAX_ENCODED + b"\x00", P.MAX_ENCODED, [P.MAX_ENCODED])
@example(b"\x11" * (P.MAX_ENCODED + 1) + b"\x00", P.MAX_ENCODED, [P.MAX_ENCODED, P.MAX_ENCODED + 1])
def test_arbitrary_bytes_never_raise_and_never_grow_the_buffer(data, max_encoded, cuts):
    decoder = P.Decoder(max_encoded=max_encoded)
    edges = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    got = []
    for a, b in zip(edges, edges[1:]):
        got += decoder.feed(data[a:b])
        assert decoder.pending <= max_encoded
    # the counts add up to the frames the data holds, counted here apart from the decoder
    runs = data.split(b"\x00")
    ended, tail = runs[:-1], runs[-1]
    stats = decoder.stats
    assert stats.packets == len(got)
    assert stats.oversize == sum(len(r) > max_encoded for r in runs)
    assert stats.packets + stats.dropped - stats.oversize == sum(0 < len(r) <= max_encoded for r in ended)
    assert decoder.pending == (len(tail) if len(tail) <= max_encoded else 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(MESSAGES.map(P.encode), st.binary(max_size=40)), max_size=12),
       st.lists(st.integers(0, 20000), max_size=20))
def test_a_stream_split_anywhere_gives_what_it_gives_whole(pieces, cuts):
    stream = b"".join(pieces)
    whole = P.Decoder()
    want = whole.feed(stream)
    split = P.Decoder()
    edges = sorted({0, len(stream), *(c for c in cuts if c <= len(stream))})
    got = [m for a, b in zip(edges, edges[1:]) for m in split.feed(stream[a:b])]
    assert got == want
    assert split.stats == whole.stats


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), MESSAGES)
@example(b"\x11" * 5000, LONGEST)
@example(b"\xff" * 255, P.Ping(token=7))
@example(b"", P.HelloRequest())
def test_a_good_frame_after_any_garbage_and_a_zero_is_recovered(garbage, message):
    decoder = P.Decoder()
    decoder.feed(garbage + b"\x00")
    assert decoder.pending == 0
    assert decoder.feed(P.encode(message)) == [message]


def test_decoded_grids_are_read_only():
    [frame] = P.Decoder().feed(P.encode(P.Frame(frame_no=1, values=np.ones((2, 3), np.uint16))))
    with pytest.raises(ValueError, match="read-only"):
        frame.values[0, 0] = 5
