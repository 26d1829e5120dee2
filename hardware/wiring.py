"""Wiring diagrams of the sensor rig, drawn from the firmware's board header.

The pins, the grid and the multiplexer layout are read from ``firmware/mark1_rig/rig_board.h``
(the one place the firmware takes them from), so a drawing can never disagree with the
firmware it goes with: change a pin there, run this again, commit both. The SVG is written by
hand (no drawing library); it is meant for a person with a breadboard, not for a schematic tool.

Command::

    python -m hardware.wiring --board uno|mega|mega-16x16 --out FILE.svg
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from simulator.atomicfile import write_atomically
from simulator.errors import ConfigError, Mark1Error, printable

log = logging.getLogger(__name__)

#: The firmware's board header, the single source of truth this module draws from.
HEADER = Path(__file__).resolve().parent.parent / "firmware" / "mark1_rig" / "rig_board.h"

#: Each board this module draws: the macros its build defines (as the Makefile's -D flags
#: or the compiler's chip macro would) and its title.
BOARDS = {
    "uno": ({"RIG_BOARD_UNO": "1"}, "Arduino Uno / Nano (ATmega328P)"),
    "mega": ({"RIG_BOARD_MEGA": "1"}, "Arduino Mega 2560 (ATmega2560)"),
    "mega-16x16": ({"RIG_BOARD_MEGA": "1", "RIG_GRID_16": "1"}, "Arduino Mega 2560 (ATmega2560)"),
}

# ---------------------------------------------------------------- the chips' pins
# AVR port bit -> Arduino pin number, from the Arduino core's pins_arduino.h (variants
# "standard" and "mega"). Only digital pins; the analog inputs are in _ADC_PINS.
_DIGITAL_PINS = {
    "uno": {
        **{("D", b): b for b in range(8)},          # D0-D7
        **{("B", b): 8 + b for b in range(6)},      # D8-D13
        **{("C", b): 14 + b for b in range(6)},     # A0-A5 used as digital pins D14-D19
    },
    "mega": {
        **{("A", b): 22 + b for b in range(8)},     # D22-D29
        **{("B", b): 53 - b for b in range(4)},     # D53, D52, D51, D50 (the SPI pins)
        **{("B", b): 6 + b for b in range(4, 8)},   # D10-D13
        **{("C", b): 37 - b for b in range(8)},     # D37 .. D30
        **{("D", b): 21 - b for b in range(4)},     # D21 .. D18
        ("D", 7): 38,
        ("E", 0): 0, ("E", 1): 1, ("E", 3): 5, ("E", 4): 2, ("E", 5): 3,
        ("G", 0): 41, ("G", 1): 40, ("G", 2): 39, ("G", 5): 4,
        ("H", 0): 17, ("H", 1): 16, ("H", 3): 6, ("H", 4): 7, ("H", 5): 8, ("H", 6): 9,
        ("J", 0): 15, ("J", 1): 14,
        **{("L", b): 49 - b for b in range(8)},     # D49 .. D42
        **{("F", b): 54 + b for b in range(8)},     # A0-A7 as digital pins D54-D61
        **{("K", b): 62 + b for b in range(8)},     # A8-A15 as digital pins D62-D69
    },
}
# ADC channel -> the port bit it shares (None: an analog-only pin).
_ADC_PINS = {
    "uno": {**{ch: f"PC{ch}" for ch in range(6)}, 6: None, 7: None},   # A6, A7: Nano only
    "mega": {**{ch: f"PF{ch}" for ch in range(8)}, **{ch: f"PK{ch - 8}" for ch in range(8, 16)}},
}

#: The 74HC595's pins (16-pin DIP): output Qi's pin number.
_HC595_Q_PIN = {0: 15, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7}

# ---------------------------------------------------------------- reading the header
_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|'(\\?.)'|([A-Za-z_]\w*)"
                    r"|(\|\||&&|==|!=|<=|>=|<<|>>|[-+*/%<>!~()&|^]))")
_BINARY = {  # operator -> (precedence, function), C's order: higher binds tighter
    "||": (1, lambda a, b: int(bool(a) or bool(b))),
    "&&": (2, lambda a, b: int(bool(a) and bool(b))),
    "|": (3, lambda a, b: a | b), "^": (4, lambda a, b: a ^ b), "&": (5, lambda a, b: a & b),
    "==": (6, lambda a, b: int(a == b)), "!=": (6, lambda a, b: int(a != b)),
    "<": (7, lambda a, b: int(a < b)), ">": (7, lambda a, b: int(a > b)),
    "<=": (7, lambda a, b: int(a <= b)), ">=": (7, lambda a, b: int(a >= b)),
    "<<": (8, lambda a, b: a << b), ">>": (8, lambda a, b: a >> b),
    "+": (9, lambda a, b: a + b), "-": (9, lambda a, b: a - b),
    "*": (10, lambda a, b: a * b),
    "/": (10, lambda a, b: int(a / b)), "%": (10, lambda a, b: a - b * int(a / b)),  # C truncates
}


class _Expression:
    """A C preprocessor integer expression (``#if`` lines, ``#define`` values), evaluated.

    Object-like macros are expanded; an unknown name is 0, as in C's ``#if``; ``'L'`` is the
    character's code.
    """

    def __init__(self, text: str, macros: dict, where: str):
        self.where = where
        self.macros = macros
        self.tokens = self._tokenize(text, depth=0)
        self.pos = 0

    def _tokenize(self, text: str, depth: int) -> list:
        if depth > 32:
            raise ConfigError(f"{self.where}: a macro refers to itself; fix the header")
        tokens, pos, text = [], 0, text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise ConfigError(f"{self.where}: cannot read {text[pos:]!r}; fix the header")
            pos = m.end()
            number, char, name, op = m.groups()
            if number is not None:
                tokens.append(int(number, 0))
            elif char is not None:
                tokens.append(ord(char[-1]))
            elif name == "defined":
                rest = re.match(r"\s*(\(\s*(\w+)\s*\)|(\w+))", text[pos:])
                if rest is None:
                    raise ConfigError(f"{self.where}: 'defined' without a name; fix the header")
                tokens.append(int((rest.group(2) or rest.group(3)) in self.macros))
                pos += rest.end()
            elif name is not None:
                value = self.macros.get(name)
                if value is None:
                    tokens.append(0)
                elif isinstance(value, tuple):  # a function-like macro: not needed here
                    raise ConfigError(f"{self.where}: cannot evaluate the macro {name}(...); fix the header")
                else:
                    tokens.extend(["(", *self._tokenize(value, depth + 1), ")"])
            else:
                tokens.append(op)
        return tokens

    def value(self) -> int:
        result = self._binary(0)
        if self.pos != len(self.tokens):
            raise ConfigError(f"{self.where}: cannot evaluate the expression; fix the header")
        return result

    def _next(self):
        if self.pos >= len(self.tokens):
            raise ConfigError(f"{self.where}: the expression ends too early; fix the header")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _unary(self) -> int:
        token = self._next()
        if isinstance(token, int):
            return token
        if token == "(":
            inner = self._binary(0)
            if self._next() != ")":
                raise ConfigError(f"{self.where}: a ')' is missing; fix the header")
            return inner
        if token == "!":
            return int(not self._unary())
        if token == "-":
            return -self._unary()
        if token == "+":
            return self._unary()
        if token == "~":
            return ~self._unary()
        raise ConfigError(f"{self.where}: unexpected {token!r}; fix the header")

    def _binary(self, least: int) -> int:
        left = self._unary()
        while self.pos < len(self.tokens) and self.tokens[self.pos] in _BINARY:
            precedence, apply = _BINARY[self.tokens[self.pos]]
            if precedence <= least:
                break
            self.pos += 1
            right = self._binary(precedence)
            try:
                left = apply(left, right)
            except ZeroDivisionError:
                raise ConfigError(f"{self.where}: division by zero; fix the header") from None
        return left


def _logical_lines(path: Path):
    """The header's lines with comments removed and continued lines joined: (number, text)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"cannot read the board header {printable(path)}: {reason}; "
                          f"pass --header with the path of firmware/mark1_rig/rig_board.h") from None
    text = re.sub(r"/\*.*?\*/", lambda m: " " + "\n" * m.group().count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    number, pending, start = 0, "", 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def read_macros(path: Path, defined: dict, *, _depth: int = 0) -> dict:
    """The macros ``path`` defines when built with the macros ``defined``, as C would see them.

    Follows ``#include "..."`` in the same folder, the conditional lines (``#if``, ``#ifdef``,
    ``#ifndef``, ``#elif``, ``#else``, ``#endif``) and raises on an ``#error`` that is reached.

    Parameters
    ----------
    path : pathlib.Path
        The header.
    defined : dict
        Macros defined before it (name -> replacement text); updated and returned.

    Returns
    -------
    dict
        Name -> replacement text (a tuple for a function-like macro, which this does not expand).

    Raises
    ------
    ConfigError
        The header cannot be read, is not the C this reads, or stops the build with ``#error``.
    """
    if _depth > 8:
        raise ConfigError(f"{printable(path)}: #include nests too deep; fix the header")
    macros = defined
    stack = []  # per open #if: [this branch active, a branch was taken, the enclosing is active]
    for number, line in _logical_lines(path):
        m = re.match(r"\s*#\s*(\w+)\s*(.*?)\s*$", line)
        if m is None:
            continue
        directive, rest = m.groups()
        where = f"{printable(path.name)}:{number}"
        active = all(frame[0] for frame in stack)
        if directive in ("if", "ifdef", "ifndef"):
            if not active:
                stack.append([False, True, False])
                continue
            if directive == "if":
                truth = bool(_Expression(rest, macros, where).value())
            else:
                truth = (rest.split()[0] in macros) == (directive == "ifdef")
            stack.append([truth, truth, True])
        elif directive in ("elif", "else"):
            if not stack:
                raise ConfigError(f"{where}: #{directive} without #if; fix the header")
            frame = stack[-1]
            if not frame[2] or frame[1]:
                frame[0] = False
            else:
                truth = directive == "else" or bool(_Expression(rest, macros, where).value())
                frame[0] = frame[1] = truth
        elif directive == "endif":
            if not stack:
                raise ConfigError(f"{where}: #endif without #if; fix the header")
            stack.pop()
        elif not active:
            continue
        elif directive == "define":
            d = re.match(r"(\w+)(\([^)]*\))?\s*(.*)$", rest)
            if d is None:
                raise ConfigError(f"{where}: cannot read this #define; fix the header")
            macros[d.group(1)] = (d.group(2), d.group(3)) if d.group(2) else d.group(3)
        elif directive == "undef":
            macros.pop(rest.strip(), None)
        elif directive == "include":
            q = re.match(r'"([^"]+)"', rest)
            if q is not None:  # <system> headers hold nothing the layout needs
                read_macros(path.parent / q.group(1), macros, _depth=_depth + 1)
        elif directive == "error":
            raise ConfigError(f"{where}: {rest.strip(chr(34))}")
    if stack:
        raise ConfigError(f"{printable(path)}: an #if has no #endif; fix the header")
    return macros


# ---------------------------------------------------------------- the layout
@dataclass(frozen=True)
class Pin:
    """One microcontroller pin the rig uses."""

    signal: str      # the net's name on the drawing: "S0", "BANK 0", "A3", "LATCH", ...
    arduino: str     # as printed on the board: "D8", "A3"
    port_bit: str    # the AVR's name: "PB0", "PC3", "ADC6"
    group: str       # what it belongs to (one colour per group)


@dataclass(frozen=True)
class Layout:
    """Everything the drawing shows, as the header gives it for one board."""

    board: str            # "uno" or "mega": the header's RIG_BOARD_NAME
    variant: str          # the --board name
    title: str
    rows: int
    cols: int
    muxes: int
    banks: int
    adc_channels: int
    pins: tuple           # of Pin, in the order the board drawing lists them

    @property
    def cells(self) -> int:
        return self.rows * self.cols

    def pin(self, signal: str) -> Pin:
        """The pin that carries ``signal``."""
        for p in self.pins:
            if p.signal == signal:
                return p
        raise KeyError(signal)

    def adc_signal(self, mux: int) -> str:
        """The net from multiplexer ``mux``'s SIG pin: its ADC input."""
        return f"A{mux % self.adc_channels}"

    def bank_signal(self, mux: int) -> str | None:
        """The net on multiplexer ``mux``'s EN pin, or None when EN goes to ground."""
        name = f"BANK {mux // self.adc_channels}"
        return name if any(p.signal == name for p in self.pins) else None


def _number(macros: dict, name: str, where: str) -> int:
    if name not in macros:
        raise ConfigError(f"{where}: {name} is not defined for this board; fix the header")
    return _Expression(name, macros, where).value()


def layout(variant: str, header: Path = HEADER) -> Layout:
    """Read the board ``variant`` (a key of :data:`BOARDS`) from ``header``.

    Raises
    ------
    ConfigError
        Unknown variant, an unreadable header, a pin the board does not have.
    """
    if variant not in BOARDS:
        raise ConfigError(f"unknown board {variant!r}: choose one of {', '.join(BOARDS)}")
    defined, title = BOARDS[variant]
    where = printable(header.name)
    macros = read_macros(header, dict(defined))

    def num(name):
        return _number(macros, name, where)

    board = macros.get("RIG_BOARD_NAME", "").strip('"')
    if board not in _DIGITAL_PINS:
        raise ConfigError(f"{where}: RIG_BOARD_NAME is {board!r}; this drawing knows 'uno' and 'mega'")
    digital, adc = _DIGITAL_PINS[board], _ADC_PINS[board]

    def digital_pin(signal, port_macro, bit, group):
        port = chr(num(port_macro))
        if not "A" <= port <= "L":
            raise ConfigError(f"{where}: {port_macro} must be a port letter ('B', 'D', ...); fix the header")
        if (port, bit) not in digital:
            raise ConfigError(f"{where}: P{port}{bit} ({signal}) is not a digital pin of the "
                              f"{title}; fix {port_macro} in the header")
        return Pin(signal, f"D{digital[port, bit]}", f"P{port}{bit}", group)

    rows, cols, adc_channels = num("RIG_ROWS"), num("RIG_COLS"), num("RIG_ADC_CHANNELS")
    muxes, banks = num("RIG_MUXES"), num("RIG_BANKS")
    if not 1 <= adc_channels <= len(adc):
        raise ConfigError(f"{where}: RIG_ADC_CHANNELS is {adc_channels}; the {title} has "
                          f"{len(adc)} analog inputs")
    pins = []
    for ch in range(min(muxes, adc_channels)):
        port_bit = adc[ch] or f"ADC{ch}, Nano only"
        pins.append(Pin(f"A{ch}", f"A{ch}", port_bit, "adc"))
    select0 = num("RIG_SELECT_BIT0")
    pins += [digital_pin(f"S{i}", "RIG_SELECT_PORT", select0 + i, "select") for i in range(4)]
    if num("RIG_BANK_PORT"):
        bank0 = num("RIG_BANK_BIT0")
        pins += [digital_pin(f"BANK {b}", "RIG_BANK_PORT", bank0 + b, "bank") for b in range(banks)]
    pins += [digital_pin("LATCH", "RIG_SR_PORT", num("RIG_SR_LATCH_BIT"), "lamps"),
             digital_pin("DATA", "RIG_SR_PORT", num("RIG_SR_DATA_BIT"), "lamps"),
             digital_pin("CLOCK", "RIG_SR_PORT", num("RIG_SR_CLOCK_BIT"), "lamps")]
    button0 = num("RIG_BUTTON_BIT0")
    pins += [digital_pin(name, "RIG_BUTTON_PORT", button0 + i, "buttons")
             for i, name in enumerate(("LEFT", "RIGHT", "TRAIN"))]
    pins.append(digital_pin("LED", "RIG_LED_PORT", num("RIG_LED_BIT"), "led"))
    used = {}
    for p in pins:
        if p.port_bit in used:
            raise ConfigError(f"{where}: {p.port_bit} is used for both {used[p.port_bit]} and "
                              f"{p.signal}; fix the header")
        used[p.port_bit] = p.signal
    return Layout(board=board, variant=variant, title=title, rows=rows, cols=cols, muxes=muxes,
                  banks=banks, adc_channels=adc_channels, pins=tuple(pins))


# ---------------------------------------------------------------- drawing
_FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
_MONO = "DejaVu Sans Mono, Consolas, monospace"
#: Group -> (wire colour, label fill). One colour per kind of wire, as in the legend.
_COLOURS = {
    "adc": ("#1b7f3b", "#d9f2e0"),
    "select": ("#1f5fbf", "#dbe7fb"),
    "bank": ("#7b3fb0", "#ecdff7"),
    "lamps": ("#c4640a", "#fde8d2"),
    "buttons": ("#b3261e", "#f9dcda"),
    "led": ("#8a7300", "#fbf3c4"),
    "power": ("#c0392b", "#ffffff"),
    "ground": ("#222222", "#ffffff"),
}
_GROUP_NAMES = {
    "adc": "analog in (multiplexer SIG)", "select": "select lines S0-S3 (to every multiplexer)",
    "bank": "bank enables (multiplexer EN)", "lamps": "74HC595 (answer lamps)",
    "buttons": "teacher buttons", "led": "status LED",
}
#: Multiplexer colours: neighbouring multiplexers' cells differ; 8 is enough for that.
_MUX_FILL = ("#ffe3a3", "#bfe3ff", "#d2f0c2", "#ffc9d6", "#e0d4ff", "#c8f0ec", "#f5d5b8", "#e8e8b0")


def _width(text: str, size: float, mono: bool = False) -> float:
    """About how wide ``text`` is drawn (no font metrics here: a generous estimate)."""
    return len(text) * size * (0.61 if mono else 0.58)


class _Svg:
    """Collects SVG elements; coordinates in px."""

    def __init__(self):
        self.parts = []

    def add(self, element: str):
        self.parts.append(element)

    def rect(self, x, y, w, h, *, fill="none", stroke="#222", width=1.5, rx=0, cls=None, extra=""):
        c = f' class="{cls}"' if cls else ""
        r = f' rx="{rx:g}"' if rx else ""
        self.add(f'<rect{c} x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}"{r} '
                 f'fill="{fill}" stroke="{stroke}" stroke-width="{width:g}"{extra}/>')

    def line(self, x1, y1, x2, y2, *, stroke="#222", width=2.0, dash=None):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{stroke}" '
                 f'stroke-width="{width:g}" stroke-linecap="round"{d}/>')

    def path(self, d, *, stroke="#222", width=2.0, fill="none"):
        self.add(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{width:g}" '
                 f'stroke-linejoin="round" stroke-linecap="round"/>')

    def circle(self, x, y, r, *, fill="#222", stroke="none", width=1.5):
        self.add(f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="{fill}" stroke="{stroke}" '
                 f'stroke-width="{width:g}"/>')

    def text(self, x, y, text, *, size=13, anchor="start", weight="normal", fill="#222",
             mono=False, cls=None, data=None, style=""):
        attrs = f' class="{cls}"' if cls else ""
        for key, value in (data or {}).items():
            attrs += f' data-{key}="{escape(str(value), {chr(34): "&quot;"})}"'
        # the defaults (sans-serif, start, normal, #222) are the root element's, inherited
        if mono:
            attrs += f' font-family="{_MONO}"'
        attrs += f' x="{x:g}" y="{y:g}" font-size="{size:g}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if weight != "normal":
            attrs += f' font-weight="{weight}"'
        if fill != "#222":
            attrs += f' fill="{fill}"'
        if style:
            attrs += f' font-style="{style}"'
        self.add(f"<text{attrs}>{escape(text)}</text>")

    # ---- symbols
    def tag(self, x, y, name, group, *, side="right"):
        """A net label: every tag with the same name is the same wire. (x, y): the wire's end."""
        stroke, fill = _COLOURS[group]
        w = _width(name, 12, mono=True) + 12
        left = x if side == "right" else x - w
        self.rect(left, y - 10, w, 20, fill=fill, stroke=stroke, width=1.5, rx=9)
        self.text(left + w / 2, y + 4.5, name, size=12, anchor="middle", weight="bold", fill=stroke,
                  mono=True)
        return w

    def ground(self, x, y):
        """Ground symbol hanging below (x, y)."""
        self.line(x, y, x, y + 8, width=1.8)
        for i, half in enumerate((9, 6, 3)):
            self.line(x - half, y + 8 + 4 * i, x + half, y + 8 + 4 * i, width=1.8)

    def resistor(self, x1, y1, x2, y2, label=None, *, stroke="#222", label_side=1):
        """A resistor (a box) on the straight wire from (x1, y1) to (x2, y2)."""
        horizontal = y1 == y2
        length = abs(x2 - x1) if horizontal else abs(y2 - y1)
        body = min(34.0, length * 0.6)
        if horizontal:
            a, b = min(x1, x2), max(x1, x2)
            mid = (a + b) / 2
            self.line(a, y1, mid - body / 2, y1, stroke=stroke)
            self.line(mid + body / 2, y1, b, y1, stroke=stroke)
            self.rect(mid - body / 2, y1 - 6, body, 12, fill="#fff", stroke=stroke, width=1.8)
            if label:
                self.text(mid, y1 - 10 if label_side > 0 else y1 + 20, label, size=11, anchor="middle")
        else:
            a, b = min(y1, y2), max(y1, y2)
            mid = (a + b) / 2
            self.line(x1, a, x1, mid - body / 2, stroke=stroke)
            self.line(x1, mid + body / 2, x1, b, stroke=stroke)
            self.rect(x1 - 6, mid - body / 2, 12, body, fill="#fff", stroke=stroke, width=1.8)
            if label:
                self.text(x1 + 12 * label_side, mid + 4, label, size=11,
                          anchor="start" if label_side > 0 else "end")

    def light_arrows(self, x, y, *, colour="#d99a00"):
        """Two arrows pointing down-left at (x, y): light falling on a part."""
        for dx in (0, 9):
            x0, y0 = x + 14 + dx, y - 16
            x1, y1 = x + 4 + dx, y - 6
            self.line(x0, y0, x1, y1, stroke=colour, width=1.6)
            self.path(f"M{x1:g},{y1:g} l0,-6 M{x1:g},{y1:g} l6,0", stroke=colour, width=1.6)

    def led(self, x, y, *, colour="#d33", out=True):
        """An LED pointing down, its anode at (x, y), cathode at (x, y + 24)."""
        self.path(f"M{x - 8:g},{y + 4:g} L{x + 8:g},{y + 4:g} L{x:g},{y + 18:g} Z", fill=colour,
                  stroke="#222", width=1.5)
        self.line(x - 8, y + 18, x + 8, y + 18, width=1.8)
        self.line(x, y, x, y + 4, width=1.8)
        self.line(x, y + 18, x, y + 24, width=1.8)
        if out:
            for dy in (4, 11):
                self.line(x + 10, y + dy, x + 19, y + dy - 6, stroke="#d99a00", width=1.4)
                self.path(f"M{x + 19:g},{y + dy - 6:g} l-5,0 M{x + 19:g},{y + dy - 6:g} l0,5",
                          stroke="#d99a00", width=1.4)

    def button(self, x1, x2, y):
        """A push button on the horizontal wire from x1 to x2."""
        mid = (x1 + x2) / 2
        self.line(x1, y, mid - 14, y)
        self.line(mid + 14, y, x2, y)
        self.circle(mid - 14, y, 2.5)
        self.circle(mid + 14, y, 2.5)
        self.line(mid - 16, y - 9, mid + 16, y - 9, width=2.2)
        self.line(mid, y - 9, mid, y - 17, width=2.2)
        self.line(mid - 6, y - 17, mid + 6, y - 17, width=2.2)


def _cell_ranges(layout: Layout, mux: int) -> list[str]:
    """The cells multiplexer ``mux`` reads, row by row: ["row 0: col 16-19", "row 1: col 0-11"]."""
    first = mux * 16
    last = min(first + 16, layout.cells) - 1
    out = []
    for row in range(first // layout.cols, last // layout.cols + 1):
        a = max(first, row * layout.cols) - row * layout.cols
        b = min(last, (row + 1) * layout.cols - 1) - row * layout.cols
        out.append(f"row {row}: col {a}-{b}" if a != b else f"row {row}: col {a}")
    return out


def _draw_board(svg: _Svg, lay: Layout, x: float, y: float) -> tuple[float, float]:
    """The microcontroller board with its used pins along the right edge; returns (w, h)."""
    row_h, head = 24, 64
    rows = []  # (pin or None for a group heading, heading text)
    group = None
    for p in lay.pins:
        if p.group != group:
            group = p.group
            rows.append((None, _GROUP_NAMES[group]))
        rows.append((p, None))
    rows += [(None, "power"), (Pin("+5V", "5V", "", "power"), None), (Pin("GND", "GND", "", "ground"), None)]
    w = 300
    h = head + len(rows) * row_h + 16
    svg.rect(x, y, w, h, fill="#1f6f8b", stroke="#0e3c4d", width=2, rx=10)
    svg.rect(x - 10, y + 24, 34, 40, fill="#b8b8b8", stroke="#555", width=1.5, rx=3)   # USB socket
    svg.text(x + 32, y + 38, "USB", size=11, fill="#fff")
    svg.text(x + w / 2 + 10, y + 26, lay.title.split(" (")[0], size=15, anchor="middle", weight="bold",
             fill="#fff")
    svg.text(x + w / 2 + 10, y + 44, lay.title.split(" (")[1].rstrip(")"), size=12, anchor="middle",
             fill="#d6eef5")
    cy = y + head
    for pin, heading in rows:
        cy += row_h
        if pin is None:
            svg.text(x + w - 14, cy - 4, heading, size=11, anchor="end", fill="#bfe3ee", style="italic")
            continue
        label = f"{pin.arduino} ({pin.port_bit})" if pin.port_bit else pin.arduino
        stroke, _ = _COLOURS[pin.group]
        data, cls = ({"signal": pin.signal}, "pin") if pin.port_bit else (None, "power")
        svg.text(x + w - 16, cy - 4, label, size=13, anchor="end", weight="bold", fill="#fff", mono=True,
                 cls=cls, data=data)
        svg.rect(x + w - 6, cy - 14, 12, 12, fill="#e9c46a", stroke="#6b5a1f", width=1)
        svg.line(x + w + 6, cy - 8, x + w + 34, cy - 8, stroke=stroke, width=2.5)
        svg.tag(x + w + 34, cy - 8, pin.signal, pin.group)
    return w + 110, h


def _draw_grid(svg: _Svg, lay: Layout, x: float, y: float, size: float) -> tuple[float, float]:
    """The photoresistor grid seen from the light, each cell with its multiplexer and channel."""
    cell = min(64.0, size / max(lay.rows, lay.cols))
    svg.text(x, y + 16, f"The photoresistor grid: {lay.rows} x {lay.cols} = {lay.cells} photoresistors",
             size=16, weight="bold")
    notes = ("Seen from the side the light comes from: row 0 at the top, column 0 on the left,",
             "as the host shows the frame. In each cell: its multiplexer (M) and that",
             "multiplexer's channel pin (C); one colour for each multiplexer's 16 cells.")
    for i, t in enumerate(notes):
        svg.text(x, y + 36 + 16 * i, t, size=12, fill="#444")
    gx, gy = x + 34, y + 110
    font = max(8.0, min(13.0, cell * 0.27))
    for c in range(lay.cols):
        svg.text(gx + (c + 0.5) * cell, gy - 8, str(c), size=10, anchor="middle", fill="#666")
    for r in range(lay.rows):
        svg.text(gx - 8, gy + (r + 0.5) * cell + 4, str(r), size=10, anchor="end", fill="#666")
        for c in range(lay.cols):
            index = r * lay.cols + c
            mux, channel = divmod(index, 16)
            cx, cy = gx + c * cell, gy + r * cell
            svg.add(f'<g class="ldr" data-row="{r}" data-col="{c}" data-mux="{mux}" '
                    f'data-channel="{channel}">')
            svg.rect(cx, cy, cell, cell, fill=_MUX_FILL[mux % len(_MUX_FILL)], stroke="#777", width=0.8)
            # the photoresistor's face: a disc with its zig-zag track
            svg.circle(cx + cell / 2, cy + cell / 2, cell * 0.42, fill="#fbf4e4", stroke="#8a6d3b",
                       width=0.8)
            svg.text(cx + cell / 2, cy + cell / 2 - 1, f"M{mux}", size=font, anchor="middle", weight="bold")
            svg.text(cx + cell / 2, cy + cell / 2 + font, f"C{channel}", size=font, anchor="middle",
                     fill="#333")
            svg.add("</g>")
    svg.text(gx + lay.cols * cell / 2, gy - 24, "column", size=11, anchor="middle", fill="#666")
    svg.text(gx - 26, gy - 8, "row", size=11, anchor="middle", fill="#666")
    return max(lay.cols * cell + 34, 520), 110 + lay.rows * cell


def _draw_cell_detail(svg: _Svg, x: float, y: float) -> tuple[float, float]:
    """One cell's voltage divider, drawn in full."""
    svg.text(x, y + 16, "Every cell is wired like this", size=16, weight="bold")
    svg.text(x, y + 34, "one photoresistor and one 10 k\u03a9 resistor per cell", size=12, fill="#444")
    top, px = y + 60, x + 60
    svg.tag(px, top, "+5V", "power", side="left")
    svg.line(px, top, px + 40, top)
    svg.line(px + 40, top, px + 40, top + 20)
    svg.resistor(px + 40, top + 20, px + 40, top + 90, "photoresistor", label_side=1)
    svg.text(px + 52, top + 70, "GL5528 or similar", size=10, fill="#555")
    svg.light_arrows(px + 47, top + 44)
    node = top + 112
    svg.line(px + 40, top + 90, px + 40, node)
    svg.circle(px + 40, node, 3.5)
    svg.line(px + 40, node, px + 150, node, stroke=_COLOURS["adc"][0], width=2.5)
    svg.text(px + 156, node + 4, "to its multiplexer's", size=11)
    svg.text(px + 156, node + 18, "channel pin Cn", size=11)
    svg.resistor(px + 40, node, px + 40, node + 70, "10 k\u03a9 to ground", label_side=1)
    svg.ground(px + 40, node + 70)
    lines = ("A voltage divider: more light -> less resistance in",
             "the photoresistor -> a higher voltage -> a higher ADC",
             "count (0-1023). Dark GL5528: about 1 M\u03a9 -> near 0 V;",
             "lit: about 10 k\u03a9 -> about 2.5 V or more.",
             "Both legs of the photoresistor are alike (no polarity).")
    for i, t in enumerate(lines):
        svg.text(x, node + 110 + 17 * i, t, size=12, fill="#333")
    return 440, node + 110 + 17 * len(lines) - y


def _draw_legend(svg: _Svg, lay: Layout, x: float, y: float) -> tuple[float, float]:
    svg.text(x, y + 16, "Legend", size=16, weight="bold")
    cy = y + 44
    svg.tag(x, cy, "S0", "select")
    svg.tag(x + 40, cy, "S0", "select")
    svg.text(x + 90, cy + 4, "a name tag: tags with the same name are one wire", size=12)
    cy += 26
    for group in ("adc", "select", "bank", "lamps", "buttons", "led"):
        if group == "bank" and lay.bank_signal(0) is None:
            continue
        svg.line(x, cy, x + 36, cy, stroke=_COLOURS[group][0], width=3)
        svg.text(x + 46, cy + 4, _GROUP_NAMES[group], size=12)
        cy += 20
    svg.line(x, cy, x + 36, cy, stroke=_COLOURS["power"][0], width=3)
    svg.text(x + 46, cy + 4, "+5V: the board's 5V pin", size=12)
    cy += 20
    svg.line(x, cy, x + 36, cy, stroke="#222", width=3)
    svg.text(x + 46, cy + 4, "GND: every ground joined to the board's GND", size=12)
    cy += 14
    svg.ground(x + 18, cy)
    svg.text(x + 46, cy + 16, "ground", size=12)
    cy += 36
    svg.text(x, cy, "Pins: Arduino name (AVR port bit), e.g. D8 (PB0).", size=12, fill="#333")
    return 440, cy - y + 6


def _draw_mux(svg: _Svg, lay: Layout, m: int, x: float, y: float):
    """Multiplexer ``m``: a breakout board with its pins, tagged with what each goes to."""
    w, h = 176, 168
    fill = _MUX_FILL[m % len(_MUX_FILL)]
    svg.add(f'<g class="mux" data-mux="{m}">')
    svg.rect(x, y, w, h, fill="#fafafa", stroke="#333", width=1.8, rx=6)
    svg.rect(x, y, w, 28, fill=fill, stroke="#333", width=1.8, rx=6)
    svg.text(x + w / 2, y + 19, f"MUX {m}  CD74HC4067", size=13, anchor="middle", weight="bold")
    left = ("S0", "S1", "S2", "S3", "EN")
    for i, name in enumerate(left):
        py = y + 46 + 20 * i
        svg.text(x + 8, py + 4, name, size=12, mono=True)
        svg.line(x - 14, py, x, py, stroke="#333", width=2)
        if name == "EN":
            bank = lay.bank_signal(m)
            if bank is None:
                svg.line(x - 14, py, x - 14, py + 4, width=1.8)
                svg.ground(x - 14, py + 4)
            else:
                svg.tag(x - 14, py, bank, "bank", side="left")
        else:
            svg.tag(x - 14, py, name, "select", side="left")
    right = (("SIG", lay.adc_signal(m), "adc"), ("VCC", "+5V", "power"), ("GND", None, "ground"))
    for i, (name, net, group) in enumerate(right):
        py = y + 46 + 20 * i
        svg.text(x + w - 8, py + 4, name, size=12, anchor="end", mono=True)
        svg.line(x + w, py, x + w + 14, py, stroke="#333", width=2)
        if net is None:
            svg.line(x + w + 14, py, x + w + 14, py + 4, width=1.8)
            svg.ground(x + w + 14, py + 4)
        else:
            svg.tag(x + w + 14, py, net, group)
    ranges = _cell_ranges(lay, m)
    channels = min(16, lay.cells - 16 * m)
    svg.text(x + w - 8, y + 112, f"C0-C{channels - 1} <- cells", size=11, anchor="end", fill="#1b7f3b",
             weight="bold")
    for i, t in enumerate(ranges):
        svg.text(x + w - 8, y + 128 + 14 * i, t, size=11, anchor="end", fill="#333")
    svg.add("</g>")


def _draw_lamps(svg: _Svg, x: float, y: float) -> tuple[float, float]:
    """The 74HC595 and the 8 answer lamps."""
    svg.text(x, y + 16, "Answer lamps: a 74HC595 shift register and 8 LEDs", size=16, weight="bold")
    svg.text(x, y + 34, "lamp i lights when the machine's R-unit i answers 1 (LAMPS message, bit i)",
             size=12, fill="#444")
    cx, cy, cw, ch = x + 110, y + 60, 150, 276
    svg.rect(cx, cy, cw, ch, fill="#2b2b2b", stroke="#000", width=2, rx=4)
    svg.circle(cx + cw / 2, cy, 8, fill="#fff", stroke="#000")   # the notch: pin 1 is left of it
    svg.text(cx + cw / 2, cy + 26, "74HC595", size=14, anchor="middle", weight="bold", fill="#fff")
    svg.text(cx + cw / 2, cy + 42, "(16-pin DIP: pin numbers)", size=10, anchor="middle", fill="#ccc")
    inputs = (("DS", 14, "DATA", "lamps"), ("SHCP", 11, "CLOCK", "lamps"), ("STCP", 12, "LATCH", "lamps"),
              ("MR", 10, "+5V", "power"), ("OE", 13, None, "ground"), ("VCC", 16, "+5V", "power"),
              ("GND", 8, None, "ground"))
    for i, (name, number, net, group) in enumerate(inputs):
        py = cy + 72 + 28 * i
        svg.text(cx + 8, py + 4, f"{number} {name}", size=12, fill="#fff", mono=True)
        svg.line(cx - 24, py, cx, py, width=2)
        if net is None:
            svg.line(cx - 24, py, cx - 24, py + 4, width=1.8)
            svg.ground(cx - 24, py + 4)
        else:
            svg.tag(cx - 24, py, net, group, side="left")
    for i in range(8):
        py = cy + 68 + 26 * i
        svg.text(cx + cw - 8, py + 4, f"Q{i} {_HC595_Q_PIN[i]:>2}", size=12, anchor="end", fill="#fff",
                 mono=True)
        svg.line(cx + cw, py, cx + cw + 20, py, stroke=_COLOURS["lamps"][0], width=2)
        svg.resistor(cx + cw + 20, py, cx + cw + 100, py, "470 \u03a9" if i == 0 else None,
                     stroke=_COLOURS["lamps"][0])
        # LED lying on its side, pointing right, then ground
        lx = cx + cw + 100
        svg.path(f"M{lx:g},{py - 8:g} L{lx + 14:g},{py:g} L{lx:g},{py + 8:g} Z", fill="#e33", width=1.5)
        svg.line(lx + 14, py - 8, lx + 14, py + 8, width=1.8)
        svg.line(lx + 14, py, lx + 30, py, width=2)
        svg.line(lx + 30, py, lx + 30, py + 4, width=1.8)
        svg.ground(lx + 30, py + 4)
        svg.text(lx + 46, py + 4, f"lamp {i}", size=12, weight="bold")
    notes = ("Q7' (pin 9) stays free. A 100 nF capacitor from VCC to GND, close to the chip.",
             "Each lamp: 470 \u03a9 and an LED, its long leg (+) towards the resistor.")
    for i, t in enumerate(notes):
        svg.text(x, cy + ch + 24 + 16 * i, t, size=12, fill="#333")
    note = ("Real bulbs instead of LEDs: never from the 74HC595 itself. Put a ULN2803 (8 drivers)",
            "between Q0-Q7 and the bulbs, or one NPN transistor per lamp (e.g. BC337, 1 k\u03a9 to",
            "its base); the bulbs on their own supply, its ground joined to the board's GND.")
    for i, t in enumerate(note):
        svg.text(x, cy + ch + 64 + 16 * i, t, size=12, fill="#8a3b00")
    return 640, 60 + ch + 64 + 16 * len(note)


def _draw_buttons_led(svg: _Svg, lay: Layout, x: float, y: float) -> tuple[float, float]:
    svg.text(x, y + 16, "Teacher buttons", size=16, weight="bold")
    svg.text(x, y + 34, "each closes its pin to ground; the board's own pull-ups hold it high",
             size=12, fill="#444")
    svg.text(x, y + 50, "(no resistor needed)", size=12, fill="#444")
    for i, name in enumerate(("LEFT", "RIGHT", "TRAIN")):
        py = y + 86 + 42 * i
        pin = lay.pin(name)
        svg.tag(x + 90, py, name, "buttons", side="left")
        svg.button(x + 90, x + 190, py)
        svg.line(x + 190, py, x + 190, py + 4, width=1.8)
        svg.ground(x + 190, py + 4)
        svg.text(x + 214, py + 4, f"{pin.arduino}: {name.lower()}", size=12)
    sy = y + 86 + 42 * 3 + 20
    led = lay.pin("LED")
    svg.text(x, sy, "Status LED", size=16, weight="bold")
    svg.text(x, sy + 18, f"the board's own LED 'L' on {led.arduino} ({led.port_bit}): nothing to wire.",
             size=12, fill="#444")
    svg.text(x, sy + 34, "To see it from outside a case, add one:", size=12, fill="#444")
    py = sy + 62
    svg.tag(x + 60, py, "LED", "led", side="left")
    svg.resistor(x + 60, py, x + 140, py, "330 \u03a9", stroke=_COLOURS["led"][0])
    svg.path(f"M{x + 140:g},{py - 8:g} L{x + 154:g},{py:g} L{x + 140:g},{py + 8:g} Z", fill="#2c2", width=1.5)
    svg.line(x + 154, py - 8, x + 154, py + 8, width=1.8)
    svg.line(x + 154, py, x + 170, py, width=2)
    svg.line(x + 170, py, x + 170, py + 4, width=1.8)
    svg.ground(x + 170, py + 4)
    return 420, py + 30 - y


def render(lay: Layout) -> str:
    """The wiring diagram of ``lay`` as an SVG document (deterministic: the same layout gives
    the same bytes)."""
    svg = _Svg()
    margin = 24
    # ---- top band: board | grid | detail and legend
    board_w, board_h = _draw_board(svg, lay, margin + 10, 110)
    grid_x = margin + board_w + 40
    grid_w, grid_h = _draw_grid(svg, lay, grid_x, 96, 760)
    side_x = grid_x + grid_w + 50
    detail_w, detail_h = _draw_cell_detail(svg, side_x, 96)
    _, legend_h = _draw_legend(svg, lay, side_x, 96 + detail_h + 30)
    width = side_x + max(detail_w, 440) + margin
    top_h = max(110 + board_h, 96 + grid_h, 96 + detail_h + 30 + legend_h)
    # ---- the multiplexers
    my = top_h + 50
    per_row = max(1, int((width - 2 * margin) // 330))
    svg.text(margin, my, f"The {lay.muxes} multiplexers (CD74HC4067 breakouts, 16 channels each)", size=16,
             weight="bold")
    notes = ["S0-S3 of every multiplexer go to the same four pins. Channel Cn reads the n-th of the "
             "multiplexer's cells in reading order (left to right, then down)."]
    if lay.bank_signal(0) is None:
        notes.append("SIG of multiplexer m to A(m); EN of every multiplexer to GND: all are always on.")
    elif lay.banks == 1:
        notes.append("SIG of multiplexer m to A(m). EN of every multiplexer to BANK 0: the firmware drives "
                     "it low (on), and high only while it moves the select lines.")
    else:
        notes.append(f"SIG of multiplexer m to A(m mod {lay.adc_channels}): MUX m and MUX "
                     f"m+{lay.adc_channels} share one analog input. EN of the multiplexers of bank b "
                     f"(MUX {lay.adc_channels}b to {lay.adc_channels}b+{lay.adc_channels - 1}) to BANK b;")
        notes.append("EN is active low, and the firmware turns on one bank at a time, so only one "
                     "multiplexer drives each analog input.")
    for i, t in enumerate(notes):
        svg.text(margin, my + 20 + 16 * i, t, size=12, fill="#444")
    my += 16 * (len(notes) - 1)
    for m in range(lay.muxes):
        row, col = divmod(m, per_row)
        _draw_mux(svg, lay, m, margin + 80 + col * 330, my + 44 + row * 196)
    mux_rows = (lay.muxes + per_row - 1) // per_row
    by = my + 44 + mux_rows * 196 + 20
    # ---- bottom band: lamps | buttons and status LED
    lamps_w, lamps_h = _draw_lamps(svg, margin, by)
    _, bl_h = _draw_buttons_led(svg, lay, margin + lamps_w + 80, by)
    height = by + max(lamps_h, bl_h) + margin
    # ---- title last in the list but drawn first: put it at the front
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" font-family="{_FONT}" fill="#222" '
        f'data-board="{lay.variant}" data-rows="{lay.rows}" data-cols="{lay.cols}">',
        "<!-- Generated by hardware/wiring.py from firmware/mark1_rig/rig_board.h: do not edit; "
        f"remake with: python -m hardware.wiring (board {lay.variant}) -->",
        f'<rect x="0" y="0" width="{width:g}" height="{height:g}" fill="#ffffff"/>',
    ]
    title = _Svg()
    title.text(margin, 40, f"Mark I sensor rig: wiring, {lay.title}, {lay.rows} x {lay.cols} grid", size=24,
               weight="bold")
    title.text(margin, 66, f"{lay.cells} photoresistors, {lay.muxes} multiplexers, 8 answer lamps, "
               "3 teacher buttons, a status LED. Drawn from firmware/mark1_rig/rig_board.h by "
               f"hardware/wiring.py (--board {lay.variant}).", size=13, fill="#444")
    return "\n".join(head + title.parts + svg.parts + ["</svg>", ""])


def generate(variant: str, header: Path = HEADER) -> str:
    """The SVG wiring diagram of the board ``variant``, read from ``header``."""
    return render(layout(variant, header))


# ---------------------------------------------------------------- command line
class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, like every other error here."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def main(argv=None) -> int:
    parser = _Parser(prog="hardware.wiring",
                     description="Draw the rig's wiring diagram (SVG) from the firmware's board header.")
    parser.add_argument("--board", required=True, choices=list(BOARDS),
                        help="uno (8 x 8), mega (20 x 20) or mega-16x16")
    parser.add_argument("--out", required=True, help="the SVG file to write ('-': standard output)")
    parser.add_argument("--header", type=Path, default=HEADER,
                        help="the board header (default: firmware/mark1_rig/rig_board.h)")
    args = parser.parse_args(argv)
    try:
        text = generate(args.board, args.header)
        if args.out == "-":
            sys.stdout.write(text)
        else:
            write_atomically(args.out, lambda fh: fh.write(text.encode("utf-8")))
    except Mark1Error as exc:
        print(f"hardware.wiring: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"hardware.wiring: error: cannot write {printable(args.out)}: {reason}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
