"""The rig's wiring diagrams: drawn from firmware/mark1_rig/rig_board.h, and still in step with it.

The pins a diagram shows are checked against what the header's comments say (read here with
regular expressions, apart from hardware.wiring's own reading of the #defines and its
port-bit -> Arduino pin table), so a pin moved in the header without regenerating the
drawings, or a table entry that is wrong, fails here.
"""

import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hardware import wiring
from simulator.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "firmware" / "mark1_rig" / "rig_board.h"
SVG_NS = "{http://www.w3.org/2000/svg}"
#: --board -> (the committed file, rows, cols), the grids issue 9 asks for.
VARIANTS = {
    "uno": ("wiring-uno.svg", 8, 8),
    "mega": ("wiring-mega.svg", 20, 20),
    "mega-16x16": ("wiring-mega-16x16.svg", 16, 16),
}


def run(*args, cwd=ROOT):
    p = subprocess.run([sys.executable, "-m", "hardware.wiring", *args], capture_output=True, text=True,
                       timeout=120, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def assert_one_line_error(code, err, fragment):
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], err


@pytest.fixture(scope="module")
def drawings():
    """--board -> the SVG text hardware.wiring generates from the header now."""
    return {variant: wiring.generate(variant) for variant in VARIANTS}


@pytest.mark.parametrize("variant", VARIANTS)
def test_committed_drawing_is_what_the_header_gives_now(variant, drawings):
    name = VARIANTS[variant][0]
    committed = (ROOT / "hardware" / name).read_text(encoding="utf-8")
    assert committed == drawings[variant], (
        f"hardware/{name} is out of date with firmware/mark1_rig/rig_board.h: run "
        f".venv/bin/python -m hardware.wiring --board {variant} --out hardware/{name} and commit it")


# ---------------------------------------------------------------- the header's comments
def header_section(board: str) -> str:
    """The text of the header's section for "uno" or "mega" (between its banner and the next)."""
    text = HEADER.read_text(encoding="utf-8")
    banner = {"uno": "---- Arduino Uno", "mega": "---- Arduino Mega"}[board]
    start = text.index(banner)
    ends = [i for i in (text.find("---- Arduino", start + 1), text.find("#error", start)) if i > 0]
    return text[start:min(ends)]


def define_comment(section: str, name: str) -> str:
    m = re.search(rf"#define {name}\s+\S+\s*/\*(.*?)\*/", section)
    assert m, f"rig_board.h: no commented #define {name}"
    return m.group(1)


def d_list(comment: str) -> list[str]:
    """The Arduino pins a comment names in its parentheses: "(D8, D9)" -> ["D8", "D9"]."""
    return re.findall(r"\bD\d+\b", comment)


def expected_pins(board: str, adc_used: int, banks: int) -> dict:
    """Signal -> "D8 (PB0)" as the header's comments give them."""
    sec = header_section(board)
    out = {}
    adc = define_comment(sec, "RIG_ADC_CHANNELS")
    first, last = map(int, re.search(r"A(\d+)-A(\d+)", adc).groups())
    assert first == 0 and last + 1 >= adc_used
    for ch in range(adc_used):
        out[f"A{ch}"] = f"A{ch} ("
    sel = define_comment(sec, "RIG_SELECT_PORT")
    port, bit0 = re.search(r"S0-S3: P([A-L])(\d)-P[A-L]\d", sel).groups()
    for i, d in enumerate(d_list(sel)):
        out[f"S{i}"] = f"{d} (P{port}{int(bit0) + i})"
    bank = define_comment(sec, "RIG_BANK_PORT")
    m = re.search(r"P([A-L])(\d) \+ b", bank)
    if m:
        for b, d in enumerate(d_list(bank)[:banks]):
            out[f"BANK {b}"] = f"{d} (P{m.group(1)}{int(m.group(2)) + b})"
    else:
        assert "tied to ground" in bank
    btn = define_comment(sec, "RIG_BUTTON_PORT")
    port, bit0 = re.search(r"P([A-L])(\d)-P[A-L]\d", btn).groups()
    for i, (name, d) in enumerate(zip(("LEFT", "RIGHT", "TRAIN"), d_list(btn), strict=True)):
        out[name] = f"{d} (P{port}{int(bit0) + i})"
    sr = define_comment(sec, "RIG_SR_PORT")
    for name in ("latch", "data", "clock"):
        pb, d = re.search(rf"{name} (P[A-L]\d) \((D\d+)\)", sr).groups()
        out[name.upper()] = f"{d} ({pb})"
    led = define_comment(sec, "RIG_LED_PORT")
    pb, d = re.search(r"(P[A-L]\d) \((D\d+)", led).groups()
    out["LED"] = f"{d} ({pb})"
    return out


def svg_tree(text: str):
    return ET.fromstring(text)   # also proves the file is well-formed XML


def drawn_pins(root) -> dict:
    """Signal -> the board's pin label as drawn."""
    return {t.get("data-signal"): "".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")
            if t.get("class") == "pin"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_pins_drawn_are_the_headers(variant, drawings):
    _, rows, cols = VARIANTS[variant]
    board = variant.split("-")[0]
    muxes = math.ceil(rows * cols / 16)
    adc_channels = 4 if board == "uno" else 16          # the Uno reads A0-A3, the Mega A0-A15
    banks = math.ceil(muxes / adc_channels)
    drawn = drawn_pins(svg_tree(drawings[variant]))
    expected = expected_pins(board, min(muxes, adc_channels), banks)
    assert set(drawn) == set(expected), (sorted(drawn), sorted(expected))
    for signal, label in expected.items():
        if label.endswith("("):   # an analog input: the header names only the A-number
            assert drawn[signal].startswith(label), (signal, drawn[signal])
        else:
            assert drawn[signal] == label, (
                f"{variant}: {signal} is drawn on {drawn[signal]} but rig_board.h's comment says {label}: "
                "fix the comment or hardware.wiring's pin table, then regenerate the drawings")


def test_the_mega_uses_two_banks_only_for_more_than_16_multiplexers(drawings):
    assert "BANK 1" in drawn_pins(svg_tree(drawings["mega"]))
    assert "BANK 1" not in drawn_pins(svg_tree(drawings["mega-16x16"]))
    assert not any(s.startswith("BANK") for s in drawn_pins(svg_tree(drawings["uno"])))


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_cell_has_one_photoresistor_on_its_own_multiplexer_channel(variant, drawings):
    _, rows, cols = VARIANTS[variant]
    root = svg_tree(drawings[variant])
    assert (root.get("data-rows"), root.get("data-cols")) == (str(rows), str(cols))
    cells = [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "ldr"]
    muxes = [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "mux"]
    assert len(cells) == rows * cols
    assert len(muxes) == math.ceil(rows * cols / 16)
    seen = set()
    for g in cells:
        r, c, m, ch = (int(g.get(k)) for k in ("data-row", "data-col", "data-mux", "data-channel"))
        i = r * cols + c                       # row-major, as PROTOCOL.md's FRAME
        assert (m, ch) == (i // 16, i % 16), (r, c)
        # the cell's own label says the same, so a maker reads what the firmware scans
        assert [t.text for t in g.iter(f"{SVG_NS}text")] == [f"M{m}", f"C{ch}"]
        seen.add((r, c))
    assert seen == {(r, c) for r in range(rows) for c in range(cols)}


def test_a_multiplexer_box_names_its_cells_and_its_inputs(drawings):
    root = svg_tree(drawings["mega"])
    box = next(g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "mux" and g.get("data-mux") == "17")
    text = [t.text for t in box.iter(f"{SVG_NS}text")]
    # MUX 17 reads cells 272-287: row 13 col 12-19 and row 14 col 0-7; its SIG goes to A1 (17 mod 16),
    # its EN to bank 1 (the second 16)
    assert "row 13: col 12-19" in text and "row 14: col 0-7" in text
    assert "A1" in text and "BANK 1" in text


# ---------------------------------------------------------------- it follows the header
def copy_header(tmp_path, edit):
    """A copy of the firmware headers in tmp_path with rig_board.h changed by ``edit``."""
    for src in HEADER.parent.glob("*.h"):
        (tmp_path / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    board = tmp_path / "rig_board.h"
    board.write_text(edit(board.read_text(encoding="utf-8")), encoding="utf-8")
    return board


def test_a_pin_moved_in_the_header_moves_in_the_drawing(tmp_path):
    header = copy_header(tmp_path, lambda t: t.replace("#define RIG_LED_BIT 5", "#define RIG_LED_BIT 4"))
    pins = drawn_pins(svg_tree(wiring.generate("uno", header)))
    assert pins["LED"] == "D12 (PB4)"
    assert drawn_pins(svg_tree(wiring.generate("mega", header)))["LED"] == "D13 (PB7)"


def test_a_pin_the_board_lacks_is_one_line(tmp_path):
    header = copy_header(tmp_path, lambda t: t.replace("#define RIG_LED_BIT 5", "#define RIG_LED_BIT 6"))
    with pytest.raises(ConfigError, match=r"PB6 \(LED\) is not a digital pin of the Arduino Uno"):
        wiring.generate("uno", header)


def test_a_pin_used_twice_is_refused(tmp_path):
    header = copy_header(tmp_path, lambda t: t.replace("#define RIG_LED_BIT 5", "#define RIG_LED_BIT 0"))
    with pytest.raises(ConfigError, match="PB0 is used for both S0 and LED"):
        wiring.generate("uno", header)


def test_the_headers_own_error_is_reported(tmp_path):
    header = copy_header(tmp_path, lambda t: t.replace("#define RIG_ROWS 8", "#define RIG_ROWS 24"))
    with pytest.raises(ConfigError, match="larger than the protocol allows"):
        wiring.generate("uno", header)


@pytest.mark.parametrize("expr,value", [
    ("(400 + 16 - 1) / 16", 25), ("-7 / 2", -3), ("-7 % 2", -1), ("1 || 0 && 0", 1), ("(1 || 0) && 0", 0),
    ("!defined(X) + 2 * 3", 7), ("defined Y", 1), ("'L'", 76), ("0x10 << 2 | 1", 65), ("3 > 2 == 1", 1),
    ("UNKNOWN + 1", 1), ("115200UL / 100", 1152),
])
def test_preprocessor_arithmetic_is_cs(expr, value):
    assert wiring._Expression(expr, {"Y": "1"}, "t").value() == value


# ---------------------------------------------------------------- the command
def test_command_writes_the_drawing(tmp_path):
    out = tmp_path / "uno.svg"
    code, _, err = run("--board", "uno", "--out", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == wiring.generate("uno")


def test_bad_board_is_one_line():
    code, _, err = run("--board", "nano", "--out", "x.svg")
    assert_one_line_error(code, err, "invalid choice: 'nano'")


def test_missing_header_is_one_line(tmp_path):
    code, _, err = run("--board", "uno", "--out", str(tmp_path / "x.svg"), "--header", str(tmp_path / "no.h"))
    assert_one_line_error(code, err, "cannot read the board header")
    assert not (tmp_path / "x.svg").exists()


def test_unwritable_output_is_one_line(tmp_path):
    code, _, err = run("--board", "uno", "--out", str(tmp_path / "missing" / "x.svg"))
    assert_one_line_error(code, err, "cannot write")


# ---------------------------------------------------------------- the builder's guide agrees
README = ROOT / "hardware" / "README.md"


def readme_table(marker: str) -> list[list[str]]:
    """The rows of the Markdown table that starts at the first line containing ``marker``."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    rows = []
    for line in lines[start:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]   # past the header and its rule


def test_readme_pin_table_is_the_headers():
    uno, mega = wiring.layout("uno"), wiring.layout("mega")
    rows = readme_table("pin table: tests/test_wiring.py")
    named = set()
    for wire, on_uno, on_mega, _ in rows:
        for lay, text in ((uno, on_uno), (mega, on_mega)):
            if text.startswith("-"):
                assert all(p.signal != wire for p in lay.pins), (lay.variant, wire)
            else:
                p = lay.pin(wire)
                assert text == f"{p.arduino} ({p.port_bit})", (lay.variant, wire, text)
        named.add(wire)
    digital = {p.signal for lay in (uno, mega) for p in lay.pins if p.group != "adc"}
    assert digital <= named, digital - named


def test_readme_parts_list_follows_from_the_grids():
    builds = [wiring.layout(v) for v in ("uno", "mega-16x16", "mega")]   # the table's column order
    rows = {row[0].split(",")[0].split(" (")[0]: row[1:] for row in readme_table("| part |")}
    cells = [str(lay.cells) for lay in builds]
    assert rows["photoresistor"] == cells
    assert rows["resistor 10 kΩ"] == cells
    assert rows["CD74HC4067 16-channel analog multiplexer"] == [str(lay.muxes) for lay in builds]
    assert rows["capacitor 100 nF ceramic"] == [f"1 + {lay.muxes}" for lay in builds]
