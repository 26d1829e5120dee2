"""What ``mark1 rig list``, ``mark1 rig check`` and ``mark1 rig calibrate`` do, without argparse.

- :func:`list_ports` -- the candidate USB ports and, for each, what answered the handshake.
- :func:`check` -- a rig's handshake fields, its frame rate beside the limit the wire and the ADC
  set (:func:`hardware.protocol.frame_rate_limit`), error counts, the round trip of a PING, a live
  text view of the grid and a lamp test (each lamp in turn, for a person to watch).
- :func:`calibrate` -- guided: dark, then bright; kept on the board and on the host.

Every mistake a person can make (no such port, port busy, no permission, another protocol
version, not a rig) is a one-line :class:`~simulator.errors.DeviceError` within 5 s.
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from simulator.errors import DeviceError

from . import calibration as C
from . import ports
from . import protocol as P
from .link import RigLink

log = logging.getLogger(__name__)

SHADES = " .:-=+*#%@"   # dark .. bright, for the live text view
CHECK_SECONDS = 3.0
LAMP_STEP = 0.25        # s each lamp is lit in the lamp test
PINGS = 5
CAPTURE_TIMEOUT = 15.0  # s for CAL_CAPTURE's answer: 8 scans, then the EEPROM written byte by byte


def describe_hello(h: P.Hello) -> str:
    """One line: the board, grid, versions and id."""
    board = P.BOARD_NAMES.get(h.board, f"board {h.board}")
    return (f"{board} {h.rows}x{h.cols}, protocol {h.proto_major}.{h.proto_minor}, firmware "
            f"{h.fw_major}.{h.fw_minor}.{h.fw_patch}, id {h.board_id:08x}")


def hello_fields(h: P.Hello) -> dict:
    """The handshake as a dict, board id in hex and board by name."""
    fields = {k: int(v) for k, v in vars(h).items()}
    fields["board_id"] = f"{h.board_id:08x}"
    fields["board_name"] = P.BOARD_NAMES.get(h.board, "unknown")
    fields["calibration_stored"] = {"dark": bool(h.flags & P.FLAG_DARK_STORED),
                                    "bright": bool(h.flags & P.FLAG_BRIGHT_STORED)}
    return fields


# ---------------------------------------------------------------- rig list
def list_ports(*, comports=None, probe: bool = True, baudrate: int = 115200) -> list[dict]:
    """The candidate ports, each with what answered its handshake (when ``probe``).

    Probing opens each port, which resets an Arduino on it (as any serial program does).
    """
    rows = []
    for c in ports.candidates(comports=comports):
        row = {"device": c.device, "by_id": c.by_id, "usb_id": c.usb_id, "chip": c.chip,
               "serial_number": c.serial_number, "description": c.description, "rig": None,
               "answer": "not probed"}
        if probe:
            link = RigLink(port=c.path, baudrate=baudrate)
            try:
                hello = link.open()
                row["rig"] = hello_fields(hello)
                row["answer"] = "rig: " + describe_hello(hello)
            except DeviceError as exc:
                row["answer"] = str(exc)
            finally:
                link.close()
        rows.append(row)
    return rows


def format_list(rows: list[dict]) -> str:
    """The text ``mark1 rig list`` prints."""
    if not rows:
        return ("no candidate serial ports (an Arduino or a USB-serial adapter): is the rig plugged "
                "in? A simulated one: `mark1 rig simulate`, then `mark1 rig check` its pty.")
    lines = []
    for r in rows:
        name = r["by_id"] or r["device"]
        extra = f" ({r['device']})" if r["by_id"] else ""
        lines.append(f"{name}{extra}  {r['usb_id']} {r['chip']}"
                     + (f" serial {r['serial_number']}" if r["serial_number"] else ""))
        lines.append(f"    {r['answer']}")
    return "\n".join(lines)


# ---------------------------------------------------------------- rig check
def grid_text(values: np.ndarray, adc_bits: int = 10) -> list[str]:
    """A frame as text: one character a cell, from ' ' (no light) to '@' (full scale)."""
    full = (1 << adc_bits) - 1
    idx = np.clip(np.asarray(values, dtype=np.int64) * len(SHADES) // (full + 1), 0, len(SHADES) - 1)
    return ["".join(SHADES[i] * 2 for i in row) for row in idx]


def check(port: str, *, seconds: float = CHECK_SECONDS, lamps: bool = True, baudrate: int = 115200,
          show: Callable[[list[str]], None] | None = None, clock=time.monotonic) -> dict:
    """Look at the rig on ``port``: handshake, frame rate, errors, latency, a lamp test.

    Parameters
    ----------
    port : str
        A path, by-id link or pyserial URL.
    seconds : float
        How long the frame rate is measured (and the grid shown).
    lamps : bool
        Light each lamp in turn at the end.
    show : callable, optional
        Called with the grid's text lines about four times a second (the live view).

    Returns
    -------
    dict
        What was found (``mark1 rig check --json`` prints it).

    Raises
    ------
    DeviceError
        One line: the port cannot be opened, or no rig of this protocol answers on it.
    """
    with RigLink(port=port, baudrate=baudrate) as link:
        hello = link.hello
        limit = P.frame_rate_limit(hello)
        first = link.stats()
        start = clock()
        end = start + seconds
        next_show = start
        last = None
        while clock() < end:
            frame = link.wait_frame(timeout=min(0.25, max(0.0, end - clock())))
            if frame is not None:
                last = frame
            if show is not None and last is not None and clock() >= next_show:
                show(grid_text(last.values, hello.adc_bits))
                next_show = clock() + 0.25
        elapsed = clock() - start
        after = link.stats()
        frames = after.frames - first.frames
        fps = frames / elapsed if elapsed > 0 else 0.0
        rtts = [r for r in (link.ping(timeout=1.0) for _ in range(PINGS)) if r is not None]
        try:
            board = link.request(P.StatsRequest(), lambda m: isinstance(m, P.Stats), timeout=1.0)
            board_stats = {k: int(v) for k, v in vars(board).items()}
        except DeviceError:
            board_stats = None
        lamp_steps = []
        if lamps:
            for i in range(P.LAMPS):
                link.set_lamps(1 << i)
                lamp_steps.append(1 << i)
                time.sleep(LAMP_STEP)
            link.set_lamps(0)
        final = link.stats()
    return {
        "port": port,
        "hello": hello_fields(hello),
        "frames": frames,
        "seconds": round(elapsed, 3),
        "fps": round(fps, 2),
        "fps_limit": round(limit.fps, 2),
        "fps_bound": limit.bound,
        "fps_ratio": round(fps / limit.fps, 3) if limit.fps else None,
        "wire_bytes_per_frame": limit.wire_bytes,
        "bad_frames": {k: getattr(final.decoder, k) for k in P.DROP_REASONS},
        "frames_dropped": final.frames_dropped,
        "board_errors": final.board_errors,
        "board_stats": board_stats,
        "latency_ms": round(statistics.median(rtts) * 1000, 2) if rtts else None,
        "pings_answered": f"{len(rtts)}/{PINGS}",
        "lamp_test": [f"0x{m:02x}" for m in lamp_steps],
        "last_frame": None if last is None else np.asarray(last.values).astype(int).tolist(),
    }


def format_check(r: dict) -> str:
    """The text ``mark1 rig check`` prints after its live view."""
    h = r["hello"]
    bad = ", ".join(f"{k} {v}" for k, v in r["bad_frames"].items() if v) or "none"
    lines = [
        f"rig on {r['port']}: {h['board_name']} {h['rows']}x{h['cols']}, protocol "
        f"{h['proto_major']}.{h['proto_minor']}, firmware {h['fw_major']}.{h['fw_minor']}.{h['fw_patch']}, "
        f"id {h['board_id']}",
        f"  serial {h['baud']} baud, ADC {h['adc_bits']} bits at {h['adc_clock_khz']} kHz, settle "
        f"{h['settle_us']} us x {h['settles_per_frame']} a frame",
        f"  calibration stored on the board: dark {'yes' if h['calibration_stored']['dark'] else 'no'}, "
        f"bright {'yes' if h['calibration_stored']['bright'] else 'no'}",
        f"  frame rate {r['fps']:.1f}/s over {r['seconds']:.1f} s; limit {r['fps_limit']:.1f}/s "
        f"(set by the {r['fps_bound']}, {r['wire_bytes_per_frame']} wire bytes a frame): "
        f"{100 * (r['fps_ratio'] or 0):.0f}%",
        f"  bad frames from the board: {bad}",
        f"  PING round trip: {r['latency_ms']} ms (answered {r['pings_answered']})",
    ]
    if r["board_stats"]:
        s = r["board_stats"]
        rx_bad = s["rx_crc"] + s["rx_length"] + s["rx_unknown"] + s["rx_oversize"]
        lines.append(f"  the board counts: {s['frames']} frames sent, {s['frames_waited']} waited for "
                     f"the wire, {rx_bad} bad frames received, {s['tx_dropped']} reports dropped, "
                     f"loop at most {s['loop_max_us']} us")
    if r["board_errors"]:
        lines.append("  board errors: " + ", ".join(f"{k} x{v}" for k, v in r["board_errors"].items()))
    if r["lamp_test"]:
        lines.append(f"  lamp test: lamps 0-{len(r['lamp_test']) - 1} were lit one at a time, then all off")
    return "\n".join(lines)


# ---------------------------------------------------------------- rig calibrate
def capture(link: RigLink, which: int, *, timeout: float = CAPTURE_TIMEOUT) -> P.CalData:
    """``CAL_CAPTURE`` ``which`` and its ``CAL_DATA`` answer."""
    got = link.request(P.CalCapture(which=which),
                       lambda m: isinstance(m, P.CalData) and m.which == which, timeout=timeout)
    if not got.valid:
        raise DeviceError(f"the rig did not store the {('dark', 'bright')[which]} calibration: "
                          "run `mark1 rig check` on it")
    return got


def calibrate(port: str, *, ask: Callable[[str], object] = input, say: Callable[[str], None] = print,
              baudrate: int = 115200) -> C.Calibration:
    """Guide a person through the dark and the bright capture; keep the result on both sides.

    ``ask`` shows a prompt and waits for Enter; ``say`` prints a line.

    Raises
    ------
    DeviceError
        One line: the port, the handshake, or a capture the board did not answer.
    """
    with RigLink(port=port, baudrate=baudrate) as link:
        hello = link.hello
        say(f"rig on {port}: {describe_hello(hello)}")
        ask("Cover every photocell (dark), then press Enter: ")
        dark = capture(link, P.CAL_DARK)
        say(f"  dark: counts {np.min(dark.values)}-{np.max(dark.values)}, stored on the board")
        ask("Now light every photocell fully (bright), then press Enter: ")
        bright = capture(link, P.CAL_BRIGHT)
        say(f"  bright: counts {np.min(bright.values)}-{np.max(bright.values)}, stored on the board")
    cal = C.from_cal_data(hello, dark, bright)
    path = C.save(cal)
    weak = cal.weak_cells()
    if weak:
        say(f"  {weak} of {hello.rows * hello.cols} cells barely changed between dark and bright: "
            "check their wiring and the light (they will use the ADC's full scale)")
    say(f"calibration kept on the host: {path}")
    return cal


def live_printer(stream=None) -> Callable[[list[str]], None]:
    """A ``show`` for :func:`check` that redraws the grid in place on a terminal."""
    stream = stream or sys.stdout
    drawn = [0]

    def show(lines: list[str]) -> None:
        if drawn[0]:
            stream.write(f"\x1b[{drawn[0]}F")   # back to the first line of the last drawing
        stream.write("\n".join(f"|{line}|" for line in lines) + "\n")
        stream.flush()
        drawn[0] = len(lines)

    return show


# ---------------------------------------------------------------- the commands (hardware/commands.py)
def cmd_list(args) -> int:
    """``mark1 rig list``."""
    rows = list_ports(probe=not args.no_probe, baudrate=args.baud)
    if args.json:
        import json
        print(json.dumps(rows, indent=1))
    else:
        print(format_list(rows))
    return 0


def cmd_check(args) -> int:
    """``mark1 rig check PORT``."""
    live = sys.stdout.isatty() and not args.json
    report = check(args.port, seconds=args.seconds, lamps=not args.no_lamps, baudrate=args.baud,
                   show=live_printer() if live else None)
    if args.json:
        import json
        print(json.dumps(report, indent=1))
        return 0
    if not live and report["last_frame"] is not None:
        bits = report["hello"]["adc_bits"]
        print("\n".join(f"|{line}|" for line in grid_text(np.array(report["last_frame"]), bits)))
    print(format_check(report))
    return 0


def cmd_calibrate(args) -> int:
    """``mark1 rig calibrate PORT``."""
    def ask(prompt: str) -> None:
        print(prompt, end="", flush=True)
        if not sys.stdin.readline():
            raise DeviceError("calibration stopped: end of input before Enter was pressed")

    calibrate(args.port, ask=ask, say=lambda line: print(line, flush=True), baudrate=args.baud)
    return 0
