"""Each rig's dark/bright calibration, kept on the host by board id, and read from the board.

A rig's photocells differ (resistor tolerances, the light in the room), so each rig is
calibrated: its counts with the cells covered (dark) and in full light (bright). The board stores
them in its EEPROM (``CAL_CAPTURE``); the host keeps a copy per board id in the user's data
directory, ``$MARK1_DATA_DIR/rigs`` when that is set (tests), else
``$XDG_DATA_HOME/mark1/rigs`` or ``~/.local/share/mark1/rigs``, one file
``<board id as 8 hex digits>.json``, written atomically. When the host has none for a rig, it is
read from the board (``CAL_READ``) and kept.

No serial here: :func:`read_from_board` is given a link (:class:`hardware.link.RigLink`).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.atomicfile import write_atomically
from simulator.errors import ConfigError, DeviceError, StateFileError, printable

from . import protocol as P
from .retina_map import RetinaMap

log = logging.getLogger(__name__)

ENV = "MARK1_DATA_DIR"
FORMAT = "mark1-rig-calibration"
VERSION = 1
MAX_FILE = 64 * 1024   # bytes: a 20 x 20 calibration is about 5 KB; a bigger file is not one of ours
READ_TIMEOUT = 3.0     # s for a CAL_DATA answer


def data_dir() -> Path:
    """The project's data directory: ``$MARK1_DATA_DIR``, else the XDG data home's ``mark1``."""
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "mark1"


def path_for(board_id: int) -> Path:
    """Where the host keeps the calibration of rig ``board_id``."""
    return data_dir() / "rigs" / f"{board_id:08x}.json"


@dataclass(frozen=True, kw_only=True)
class Calibration:
    """One rig's calibration: raw counts per cell with the cells covered and in full light.

    Attributes
    ----------
    board_id : int
        The rig (its HELLO's board id).
    rows, cols, adc_bits : int
        Its grid and ADC resolution.
    dark, bright : ndarray or None
        (rows, cols) counts; None where that half was never captured.
    """

    board_id: int
    rows: int
    cols: int
    adc_bits: int
    dark: np.ndarray | None = None
    bright: np.ndarray | None = None

    @property
    def complete(self) -> bool:
        """Both halves present."""
        return self.dark is not None and self.bright is not None

    def fits(self, hello: P.Hello) -> bool:
        """Whether it is for the rig and grid ``hello`` describes."""
        return (self.board_id, self.rows, self.cols, self.adc_bits) == (
            hello.board_id, hello.rows, hello.cols, hello.adc_bits)

    def retina_map(self, **kw) -> RetinaMap:
        """A :class:`RetinaMap` applying this calibration (full scale when incomplete)."""
        ok = self.complete
        return RetinaMap(rows=self.rows, cols=self.cols, adc_bits=self.adc_bits,
                         dark=self.dark if ok else None, bright=self.bright if ok else None, **kw)

    def weak_cells(self) -> int:
        """Cells whose bright count is not at least a few counts above the dark one."""
        if not self.complete:
            return 0
        from .retina_map import MIN_SPAN
        return int(np.count_nonzero(self.bright.astype(np.int64) - self.dark.astype(np.int64) < MIN_SPAN))


def to_json(cal: Calibration) -> str:
    """The file's text."""
    def grid(a):
        return None if a is None else np.asarray(a).astype(int).tolist()

    return json.dumps({"format": FORMAT, "version": VERSION, "board_id": f"{cal.board_id:08x}",
                       "rows": cal.rows, "cols": cal.cols, "adc_bits": cal.adc_bits,
                       "dark": grid(cal.dark), "bright": grid(cal.bright)}, indent=1) + "\n"


def save(cal: Calibration, path=None) -> Path:
    """Write ``cal`` atomically (default: :func:`path_for` its board id); return the path.

    Raises
    ------
    ConfigError
        One line when the folder cannot be made or the file written.
    """
    target = Path(path) if path is not None else path_for(cal.board_id)
    text = to_json(cal).encode("utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, lambda f: f.write(text))
    except OSError as exc:
        raise ConfigError(f"cannot save the rig's calibration to {printable(target)}: "
                          f"{exc.strerror or exc}") from None
    return target


def _damaged(path: Path, why: str) -> StateFileError:
    return StateFileError(f"{printable(path)}: not a usable rig calibration ({why}); delete it and "
                          "run `mark1 rig calibrate PORT` again")


def _grid(data: dict, key: str, rows: int, cols: int, adc_bits: int, path: Path) -> np.ndarray | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        a = np.array(value, dtype=np.int64)
    except (ValueError, TypeError, OverflowError):
        raise _damaged(path, f"{key} is not a grid of whole numbers") from None
    if a.shape != (rows, cols):
        raise _damaged(path, f"{key} is {a.shape}, not {rows} x {cols}")
    if a.size and (a.min() < 0 or a.max() >= 1 << adc_bits):
        raise _damaged(path, f"{key} has counts outside 0-{(1 << adc_bits) - 1}")
    return a.astype(np.uint16)


def load(board_id: int, path=None) -> Calibration | None:
    """The host's calibration of rig ``board_id``, or None when there is none.

    Raises
    ------
    StateFileError
        One line naming the file when it is damaged, truncated, or someone else's.
    """
    path = Path(path) if path is not None else path_for(board_id)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateFileError(f"{printable(path)}: cannot read the rig calibration "
                             f"({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE:
        raise _damaged(path, f"over {MAX_FILE // 1024} KB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _damaged(path, f"not JSON: {str(exc).splitlines()[0][:80]}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _damaged(path, f"its format is not {FORMAT}")
    if data.get("version") != VERSION:
        raise _damaged(path, f"version {data.get('version')!r}, this mark1 reads {VERSION}")
    try:
        rows, cols, bits = (int(data[k]) for k in ("rows", "cols", "adc_bits"))
        file_id = int(str(data["board_id"]), 16)
    except (KeyError, ValueError, TypeError):
        raise _damaged(path, "board_id, rows, cols or adc_bits missing or not numbers") from None
    if not (1 <= rows <= P.MAX_SIDE and 1 <= cols <= P.MAX_SIDE and 1 <= bits <= 16):
        raise _damaged(path, f"a {rows} x {cols} grid of {bits}-bit counts")
    if file_id != board_id:
        raise _damaged(path, f"it is for rig {file_id:08x}, not {board_id:08x}")
    return Calibration(board_id=board_id, rows=rows, cols=cols, adc_bits=bits,
                       dark=_grid(data, "dark", rows, cols, bits, path),
                       bright=_grid(data, "bright", rows, cols, bits, path))


def from_cal_data(hello: P.Hello, dark: P.CalData | None, bright: P.CalData | None) -> Calibration:
    """A calibration from the board's ``CAL_DATA`` answers (an invalid or missing one: None)."""
    def take(m: P.CalData | None) -> np.ndarray | None:
        if m is None or not m.valid:
            return None
        if (m.rows, m.cols) != (hello.rows, hello.cols):
            raise DeviceError(f"the rig sent a {m.rows} x {m.cols} calibration for its "
                              f"{hello.rows} x {hello.cols} grid: reflash its firmware")
        return np.array(m.values, dtype=np.uint16)

    return Calibration(board_id=hello.board_id, rows=hello.rows, cols=hello.cols,
                       adc_bits=hello.adc_bits, dark=take(dark), bright=take(bright))


def read_from_board(link, *, timeout: float = READ_TIMEOUT) -> Calibration:
    """Ask the board for its stored calibration (``CAL_READ`` dark, then bright).

    Raises
    ------
    DeviceError
        One line when the board does not answer.
    """
    got = {}
    for which in (P.CAL_DARK, P.CAL_BRIGHT):
        got[which] = link.request(P.CalRead(which=which),
                                  lambda m, w=which: isinstance(m, P.CalData) and m.which == w,
                                  timeout=timeout)
    return from_cal_data(link.hello, got[P.CAL_DARK], got[P.CAL_BRIGHT])


def for_link(link) -> Calibration:
    """The calibration for the rig on ``link``: the host's copy, else the board's (then kept).

    A host file for another grid (the rig was reflashed) is passed over, with a warning.

    Raises
    ------
    StateFileError
        The host's file is damaged (one line).
    DeviceError
        The board did not answer ``CAL_READ``.
    """
    hello = link.hello
    cal = load(hello.board_id)
    if cal is not None and cal.fits(hello):
        return cal
    if cal is not None:
        log.warning("the calibration kept for rig %08x is for a %d x %d grid, the rig has %d x %d; "
                    "reading the board's", hello.board_id, cal.rows, cal.cols, hello.rows, hello.cols)
    cal = read_from_board(link)
    if cal.dark is not None or cal.bright is not None:
        try:
            save(cal)
        except ConfigError as exc:
            log.warning("%s", exc)  # the board keeps it anyway
    return cal
