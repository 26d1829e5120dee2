"""The simulated sensor rig: the real firmware in simavr (or the native emulator), run from Python.

:class:`SimulatedRig` builds what is missing (``make -C firmware``, quietly, into
``build/firmware``), starts the board and hands out the path of its serial port, a pty that a
host program opens like a USB serial port. The light on the photocells, the teacher's buttons
and the reset line are driven through the board's control language; the answer lamps, the
status LED and restarts come back as :class:`Event` objects::

    with SimulatedRig(board="uno") as rig:
        port = serial.Serial(rig.port, 115200)   # then the rig protocol, firmware/PROTOCOL.md
        rig.light(np.full((8, 8), 2500))         # millivolts on every photocell
        rig.press("TRAIN", 50)
        rig.wait_event("lamps", timeout=2.0)

The control language (firmware/control/control.h, shared by firmware/sim/harness.c and the
native emulator firmware/host/native.c): the board's stdout gives the pty's path on line 1, then
one event a line (``lamps 0xHH``, ``led 0|1``, ``reset``); its stdin takes ``light V0 ..
V(n-1)`` (millivolts 0-5000, row-major), ``press NAME MS [BOUNCES]``, ``reset`` and ``quit``; a
refused command is a ``? ...`` line on its stderr.

Light files (``mark1 rig simulate --light FILE``, :func:`load_light`): a picture in any format
:mod:`simulator.pictures` reads, resampled to the rig's grid (black 300 mV, white 4700 mV), or a
*light script*, a text file of pictures drawn in digits that is played in a loop::

    # a light script: '#' starts a comment
    # one picture: a line per row, a digit per cell, 0 dark .. 9 bright (spaces ignored)
    00000000
    00999900
    00999900
    00000000
    hold 500        # show the picture above 500 ms (1000 when no hold follows it)
    99999999
    99000099
    99000099
    99999999
    hold 250

Every picture of a script has the same size, any size up to 100 x 100; it is resampled to the
rig's grid as pictures are, so one script serves every board.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import logging
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np

from simulator.errors import CardError, ConfigError, DeviceError, printable

log = logging.getLogger(__name__)

#: The repository's top folder (the firmware sources and ``build/`` live there).
ROOT = Path(__file__).resolve().parent.parent
FIRMWARE_DIR = ROOT / "firmware"
BUILD_DIR = ROOT / "build" / "firmware"
NATIVE = BUILD_DIR / "host" / "mark1-rig-native"

#: What the simavr build needs, as Debian names it (the top-level Makefile's list too).
APT_PACKAGES = "gcc-avr avr-libc simavr libsimavr-dev libsimavrparts1 libelf-dev pkg-config"
APT_LINE = f"apt-get install {APT_PACKAGES}"

BAUDS = (115200, 1000000)
MV_DARK = 300        # a photocell's divider in the dark ...
MV_BRIGHT = 4700     # ... and in full light, as the light files map them
MV_MAX = 5000
MV_DEFAULT = 500     # every cell before the first ``light`` command
BUTTONS = ("LEFT", "RIGHT", "TRAIN")

START_TIMEOUT = 20.0     # s for the board to name its pty (it takes milliseconds)
BUILD_TIMEOUT = 600.0    # s for make (a first build of everything takes about half a minute)
EVENTS_KEPT = 4096       # events remembered for wait_event; older ones are forgotten


@dataclasses.dataclass(frozen=True)
class Variant:
    """One buildable board: its chip, grid and the file names of its builds.

    Attributes
    ----------
    board : str
        ``"uno"`` or ``"mega"``.
    rows, cols : int
        The photocell grid.
    mcu : str
        The chip, as avr-gcc names it.
    harness : str
        The simavr harness binary's name under ``build/firmware/sim``.
    elf_stem : str
        The firmware's ELF name without the baud suffix and ``.elf``.
    """

    board: str
    rows: int
    cols: int
    mcu: str
    harness: str
    elf_stem: str

    @property
    def grid(self) -> str:
        """The grid as ``"ROWSxCOLS"``."""
        return f"{self.rows}x{self.cols}"

    def elf(self, baud: int) -> Path:
        """The firmware ELF built for ``baud``."""
        suffix = "" if baud == 115200 else f"-{baud}baud"
        return BUILD_DIR / f"{self.elf_stem}{suffix}.elf"


VARIANTS = {
    ("uno", "8x8"): Variant("uno", 8, 8, "atmega328p", "mark1-rig-sim-uno", "mark1-rig-atmega328p"),
    ("mega", "20x20"): Variant("mega", 20, 20, "atmega2560", "mark1-rig-sim-mega", "mark1-rig-atmega2560"),
    ("mega", "16x16"): Variant("mega", 16, 16, "atmega2560", "mark1-rig-sim-mega-16x16",
                               "mark1-rig-atmega2560-16x16"),
}
DEFAULT_GRID = {"uno": "8x8", "mega": "20x20"}


def variant(board: str = "uno", grid: str | None = None) -> Variant:
    """The board variant for ``board`` and ``grid`` (the board's own grid when None).

    Raises
    ------
    ConfigError
        For a board or grid there is no build of (one line listing those there are).
    """
    if board not in DEFAULT_GRID:
        raise ConfigError(f"unknown board {board!r}: give uno or mega")
    grid = DEFAULT_GRID[board] if grid is None else str(grid).lower().replace(" ", "")
    found = VARIANTS.get((board, grid))
    if found is None:
        grids = " or ".join(g for b, g in VARIANTS if b == board)
        raise ConfigError(f"the {board} has no {grid} build: give --grid {grids}")
    return found


# ---------------------------------------------------------------- building
def missing_packages() -> list[str]:
    """The Debian packages the simavr build needs that this computer lacks (empty: none)."""
    missing = []
    if shutil.which("make") is None:
        missing.append("make")
    if shutil.which("avr-gcc") is None:
        missing.append("gcc-avr")
    elif not any(Path(d, "avr/include/avr/io.h").is_file() for d in ("/usr/lib", "/usr/local/avr")):
        missing.append("avr-libc")
    if shutil.which("pkg-config") is None:
        missing.append("pkg-config")
    else:
        found = subprocess.run(["pkg-config", "--exists", "simavr", "simavrparts"],
                               capture_output=True, check=False)
        if found.returncode != 0:
            missing.append("libsimavr-dev")
    return missing


def check_packages() -> None:
    """Raise :class:`DeviceError`, one line naming the packages, when the build cannot run."""
    missing = missing_packages()
    if missing:
        raise DeviceError(f"the simulated rig needs Debian packages that are missing "
                          f"({', '.join(missing)}): {APT_LINE}")


@contextlib.contextmanager
def _build_lock():
    """One build at a time in build/firmware (two makes writing one file would corrupt it)."""
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover -- no flock: build unlocked
        yield
        return
    with open(BUILD_DIR / ".simulate-build.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _make(*targets: str, baud: int | None = None) -> None:
    """``make -C firmware TARGETS`` with its output kept; a failure is one line."""
    if not (FIRMWARE_DIR / "Makefile").is_file():
        raise ConfigError(f"no firmware sources at {printable(FIRMWARE_DIR)}: the simulated rig "
                          "is built from a checkout of the project")
    cmd = ["make", "--no-print-directory", "-C", str(FIRMWARE_DIR), *targets]
    if baud is not None:
        cmd.append(f"BAUD={baud}")
    log.info("building: %s", " ".join(cmd))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                              timeout=BUILD_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise DeviceError(f"building the simulated rig took over {BUILD_TIMEOUT:.0f} s; "
                          f"run `{' '.join(cmd[1:])}` to see why") from None
    if done.returncode != 0:
        lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        errors = [ln for ln in lines if "error" in ln.lower()] or lines or ["(no output)"]
        raise DeviceError(f"building the simulated rig failed ({errors[0][:200]}); run "
                          f"`make -C firmware {' '.join(cmd[5:])}` to see all of it")


def build(board: str = "uno", grid: str | None = None, *, baud: int = 115200,
          native: bool = False) -> list[str]:
    """Build what the simulated board needs, if it is missing or stale; return its command.

    Parameters
    ----------
    board, grid : str
        See :func:`variant`.
    baud : int
        115200 or 1000000: the firmware build's serial speed.
    native : bool
        The native emulator (firmware/host) instead of the AVR build in simavr.

    Returns
    -------
    list of str
        The command line that starts the board.

    Raises
    ------
    DeviceError
        A Debian package is missing (one line naming them), or the build failed.
    ConfigError
        No such board, grid or baud rate.
    """
    v = variant(board, grid)
    if baud not in BAUDS:
        raise ConfigError(f"baud rate {baud} is not built: give 115200 or 1000000")
    if native and baud != 115200:
        raise ConfigError("the native emulator runs at 115200 baud only: leave --baud out")
    with _build_lock():
        if native:
            if shutil.which("make") is None or shutil.which("cc") is None:
                raise DeviceError("the native rig emulator needs a C compiler and make: "
                                  "apt-get install gcc libc6-dev make")
            _make(os.path.relpath(NATIVE, FIRMWARE_DIR))
            return native_command(v, baud)
        check_packages()
        _make("sim", "avr", baud=baud)
    harness, elf = BUILD_DIR / "sim" / v.harness, v.elf(baud)
    for path in (harness, elf):
        if not path.is_file():
            raise DeviceError(f"the build did not make {printable(path)}: run "
                              f"`make -C firmware sim avr BAUD={baud}` and look")
    return [str(harness), str(elf)]


def native_command(v: Variant, baud: int = 115200) -> list[str]:
    """The native emulator's command line for the variant's grid (firmware/host/host.mk)."""
    if not NATIVE.is_file():
        raise DeviceError(f"the build did not make {printable(NATIVE)}: run `make -C firmware host`")
    return [str(NATIVE), "--grid", v.grid]


# ---------------------------------------------------------------- light files
_HOLD = re.compile(r"hold\s+(\S+)\s*$", re.IGNORECASE)
SCRIPT_MAX_SIDE = 100
SCRIPT_MAX_PICTURES = 1000
HOLD_MAX_MS = 3_600_000


@dataclasses.dataclass(frozen=True)
class LightStep:
    """One picture of a light script: millivolts per cell and how long it is shown."""

    mv: np.ndarray   # (rows, cols) int
    hold_ms: int     # 0: for good (a still picture)


def levels_to_mv(levels) -> np.ndarray:
    """Light levels in [0, 1] -> photocell millivolts (MV_DARK .. MV_BRIGHT), as int."""
    levels = np.clip(np.asarray(levels, dtype=np.float64), 0.0, 1.0)
    return np.rint(MV_DARK + levels * (MV_BRIGHT - MV_DARK)).astype(np.int64)


def _resample(levels: np.ndarray, rows: int, cols: int) -> np.ndarray:
    from simulator.retina import light_levels
    if levels.shape == (rows, cols):
        return levels
    if rows != cols:  # pragma: no cover -- every rig's grid is square
        raise ConfigError(f"cannot resample onto a {rows} x {cols} grid")
    return light_levels(levels.astype(np.float32), size=rows, invert=False)


def _is_script(data: bytes) -> bool:
    """A light script is text whose first line that says anything is digits or a hold."""
    if b"\0" in data[:4096]:
        return False
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            return bool(re.fullmatch(r"[0-9 \t]+", line) or _HOLD.match(line))
    return True  # only comments: a script, and an empty one (refused with a line)


def _parse_script(text: str, name: str) -> list[tuple[np.ndarray, int]]:
    pictures: list[tuple[np.ndarray, int]] = []
    rows: list[list[int]] = []
    first_line = 0

    def finish(hold: int, lineno: int) -> None:
        nonlocal rows
        if not rows:
            raise ConfigError(f"{name} line {lineno}: 'hold' without a picture above it")
        shape = (len(rows), len(rows[0]))
        if pictures and pictures[0][0].shape != shape:
            want = pictures[0][0].shape
            raise ConfigError(f"{name} line {first_line}: a {shape[0]} x {shape[1]} picture, the "
                              f"first is {want[0]} x {want[1]}: draw them all the same size")
        if shape[0] > SCRIPT_MAX_SIDE:
            raise ConfigError(f"{name} line {first_line}: a picture of {shape[0]} rows; at most "
                              f"{SCRIPT_MAX_SIDE}")
        if len(pictures) == SCRIPT_MAX_PICTURES:
            raise ConfigError(f"{name}: more than {SCRIPT_MAX_PICTURES} pictures")
        pictures.append((np.array(rows, dtype=np.float64) / 9.0, hold))
        rows = []

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        hold = _HOLD.match(line)
        if hold:
            try:
                ms = int(hold.group(1).replace("_", ""))
            except ValueError:
                ms = -1
            if not 1 <= ms <= HOLD_MAX_MS:
                raise ConfigError(f"{name} line {lineno}: 'hold {hold.group(1)}': give "
                                  f"milliseconds 1-{HOLD_MAX_MS}")
            finish(ms, lineno)
        elif not line:
            if rows:
                finish(1000, lineno)
        elif re.fullmatch(r"[0-9 \t]+", line):
            cells = [int(c) for c in line if c.isdigit()]
            if not rows:
                first_line = lineno
            elif len(cells) != len(rows[0]):
                raise ConfigError(f"{name} line {lineno}: a row of {len(cells)} cells, the rows "
                                  f"above have {len(rows[0])}")
            if len(cells) > SCRIPT_MAX_SIDE:
                raise ConfigError(f"{name} line {lineno}: a row of {len(cells)} cells; at most "
                                  f"{SCRIPT_MAX_SIDE}")
            rows.append(cells)
        else:
            raise ConfigError(f"{name} line {lineno}: {line[:30]!r} is neither a row of digits "
                              "0-9 nor 'hold MS'")
    if rows:
        finish(1000, len(text.splitlines()))
    if not pictures:
        raise ConfigError(f"{name}: no picture in the light script (rows of digits 0-9)")
    return pictures


def load_light(path, *, rows: int, cols: int) -> list[LightStep]:
    """Read a light file for a rows x cols rig: a picture, or a light script (module docstring).

    Returns
    -------
    list of LightStep
        One step of ``hold_ms`` 0 for a picture; a script's steps, to be played in a loop.

    Raises
    ------
    ConfigError
        One line naming the file (and the line of a script) when it cannot be used.
    """
    path = Path(path)
    name = printable(path)
    if not path.is_file():
        raise ConfigError(f"{name}: no such light file (a picture or a light script)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the light file ({exc.strerror})") from None
    if _is_script(data):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{name}: a light script must be UTF-8 text") from None
        return [LightStep(levels_to_mv(_resample(levels, rows, cols)), hold)
                for levels, hold in _parse_script(text, name)]
    from simulator.retina import light_levels
    try:
        levels = light_levels(path, size=rows, invert=False)
    except CardError as exc:
        raise ConfigError(f"{exc} (a light file is a picture or a light script)") from None
    return [LightStep(levels_to_mv(levels), 0)]


# ---------------------------------------------------------------- the running board
@dataclasses.dataclass(frozen=True)
class Event:
    """Something the simulated board did: ``kind`` ``"lamps"`` (value: the 8-bit mask),
    ``"led"`` (0/1) or ``"reset"`` (None); ``seq`` counts events from 0."""

    seq: int
    kind: str
    value: int | None
    line: str


def parse_event(line: str, seq: int = 0) -> Event:
    """An event line of the control language as an :class:`Event` (kind ``"?"`` if unknown)."""
    words = line.split()
    kind = words[0] if words else ""
    try:
        if kind == "lamps" and len(words) == 2:
            return Event(seq, kind, int(words[1], 16), line)
        if kind == "led" and len(words) == 2 and words[1] in ("0", "1"):
            return Event(seq, kind, int(words[1]), line)
        if kind == "reset" and len(words) == 1:
            return Event(seq, kind, None, line)
    except ValueError:
        pass
    return Event(seq, "?", None, line)


class SimulatedRig:
    """A simulated rig board: started, driven and stopped from Python (a context manager).

    Parameters
    ----------
    board : str
        ``"uno"`` (ATmega328P, 8 x 8) or ``"mega"`` (ATmega2560).
    grid : str, optional
        ``"20x20"`` or ``"16x16"`` for the mega; the board's own grid when None.
    baud : int
        The firmware's serial speed, 115200 or 1000000 (the pty itself ignores speeds).
    native : bool
        Run the native emulator (firmware/host) instead of the AVR build in simavr.
    light : list of LightStep, optional
        Played from the start, in a loop when it has several steps (see :func:`load_light`).
    on_event : callable, optional
        Called with each :class:`Event`, from the reader thread, as it comes.
    on_complaint : callable, optional
        Called with each ``? ...`` line the board writes on stderr (default: logged).
    build : bool
        Build what is missing first (``make -C firmware``); False: use what is built.
    """

    def __init__(self, *, board: str = "uno", grid: str | None = None, baud: int = 115200,
                 native: bool = False, light: list[LightStep] | None = None, on_event=None,
                 on_complaint=None, build: bool = True):
        self.board = board
        self.grid = grid
        self.baud = baud
        self.native = native
        self.light_steps = light
        self.on_event = on_event
        self.on_complaint = on_complaint
        self.build = build
        self.port: str | None = None
        self._proc: subprocess.Popen | None = None
        self._events: collections.deque[Event] = collections.deque(maxlen=EVENTS_KEPT)
        self._complaints: collections.deque[str] = collections.deque(maxlen=256)
        self._seq = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._send_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # -- life
    @property
    def variant(self) -> Variant:
        """The board variant run."""
        return variant(self.board, self.grid)

    @property
    def rows(self) -> int:
        """Photocell rows."""
        return self.variant.rows

    @property
    def cols(self) -> int:
        """Photocell columns."""
        return self.variant.cols

    def command(self) -> list[str]:
        """The command line that starts the board (building it first when ``build``)."""
        if self.build:
            return build(self.board, self.grid, baud=self.baud, native=self.native)
        v = self.variant
        if self.native:
            return native_command(v, self.baud)
        return [str(BUILD_DIR / "sim" / v.harness), str(v.elf(self.baud))]

    def start(self) -> SimulatedRig:
        """Start the board; return once its pty's path is known (:attr:`port`).

        Raises
        ------
        DeviceError
            When it cannot be built or started, or names no pty in time.
        """
        if self._proc is not None:
            raise DeviceError("this simulated rig is already running")
        cmd = self.command()
        log.info("starting the simulated rig: %s", " ".join(cmd))
        try:
            # its own session: a Ctrl-C meant for the program using it does not kill it first
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True, bufsize=1,
                                          errors="replace", start_new_session=True)
        except OSError as exc:
            raise DeviceError(f"cannot start the simulated rig {printable(cmd[0])}: "
                              f"{exc.strerror}") from None
        first: list[str] = []
        got = threading.Event()

        def read_first() -> None:
            first.append(self._proc.stdout.readline())
            got.set()

        threading.Thread(target=read_first, daemon=True).start()
        if not got.wait(START_TIMEOUT) or not first[0].strip():
            why = self._stop_process() or f"nothing in {START_TIMEOUT:.0f} s"
            raise DeviceError(f"the simulated rig did not start: {why}")
        self.port = first[0].strip()
        self._spawn(self._read_events, "rig-events")
        self._spawn(self._read_complaints, "rig-stderr")
        if self.light_steps:
            self._spawn(self._play_light, "rig-light")
        return self

    def _spawn(self, target, name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def _stop_process(self) -> str:
        """Stop the process (quit, then terminate, then kill); return its last stderr line."""
        proc, self._proc = self._proc, None
        if proc is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            proc.stdin.write("quit\n")
            proc.stdin.close()
        try:
            proc.wait(2.0)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(2.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        last = ""
        with contextlib.suppress(OSError, ValueError):
            lines = [ln.strip() for ln in proc.stderr.read().splitlines() if ln.strip()]
            last = lines[-1] if lines else ""
        return last

    def close(self) -> None:
        """Stop the board (idempotent)."""
        self._stop.set()
        proc = self._proc
        self._stop_process()
        for t in self._threads:
            t.join(timeout=2.0)
        self._threads.clear()
        if proc is not None:
            for stream in (proc.stdout, proc.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.close()

    def __enter__(self) -> SimulatedRig:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """True while the board's process is alive."""
        return self._proc is not None and self._proc.poll() is None

    # -- reader threads
    def _read_events(self) -> None:
        proc = self._proc
        for raw in proc.stdout:
            line = raw.strip()
            if not line:
                continue
            with self._cond:
                event = parse_event(line, self._seq)
                self._seq += 1
                self._events.append(event)
                self._cond.notify_all()
            if self.on_event is not None:
                self.on_event(event)
        with self._cond:
            self._cond.notify_all()

    def _read_complaints(self) -> None:
        for raw in self._proc.stderr:
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            with self._cond:
                self._complaints.append(line)
            if self.on_complaint is not None:
                self.on_complaint(line)
            else:
                log.warning("simulated rig: %s", line)

    def _play_light(self) -> None:
        steps = self.light_steps
        while not self._stop.is_set():
            for step in steps:
                if self._stop.is_set():
                    return
                try:
                    self.light(step.mv)
                except DeviceError:
                    return
                if not step.hold_ms:
                    return
                self._stop.wait(step.hold_ms / 1000)
            if len(steps) == 1 and steps[0].hold_ms:
                return  # one picture: set once, no need to repeat it

    # -- control
    def send(self, line: str) -> None:
        """Send one control line as it is (the harness answers a bad one with a ``? `` line)."""
        if "\n" in line.rstrip("\n"):
            raise ConfigError("one control command at a time (no line breaks inside)")
        proc = self._proc
        if proc is None or proc.poll() is not None:
            raise DeviceError("the simulated rig is not running")
        try:
            with self._send_lock:
                proc.stdin.write(line.rstrip("\n") + "\n")
                proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise DeviceError("the simulated rig stopped") from None

    def light(self, mv) -> None:
        """Set the light on every photocell, in millivolts 0-5000, shape (rows, cols).

        Raises
        ------
        ConfigError
            For another shape or values out of range.
        """
        arr = np.asarray(mv)
        if arr.shape != (self.rows, self.cols):
            raise ConfigError(f"light: {arr.shape} values, the rig's grid is {self.rows} x {self.cols}")
        if arr.size and (not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > MV_MAX):
            raise ConfigError(f"light: millivolts must be 0-{MV_MAX}")
        self.send("light " + " ".join(str(int(round(v))) for v in arr.ravel()))

    def press(self, button: str, ms: int = 50, bounces: int = 0) -> None:
        """Hold ``button`` (LEFT, RIGHT or TRAIN) down for ``ms`` ms after ``bounces`` bounces."""
        name = str(button).upper()
        if name not in BUTTONS:
            raise ConfigError(f"unknown button {button!r}: give LEFT, RIGHT or TRAIN")
        if not 1 <= int(ms) <= 60000 or not 0 <= int(bounces) <= 50:
            raise ConfigError("press: hold 1-60000 ms, 0-50 bounces")
        self.send(f"press {name} {int(ms)} {int(bounces)}")

    def reset(self) -> None:
        """Reset the board as the USB adapter's DTR line does (RAM lost, EEPROM kept)."""
        self.send("reset")

    # -- events
    def mark(self) -> int:
        """The number of the next event: pass it as ``since`` to wait only for later ones."""
        with self._cond:
            return self._seq

    def events(self, since: int = 0) -> list[Event]:
        """The events remembered, from number ``since`` on."""
        with self._cond:
            return [e for e in self._events if e.seq >= since]

    def complaints(self) -> list[str]:
        """The ``? ...`` lines (and any other stderr lines) the board wrote, oldest first."""
        with self._cond:
            return list(self._complaints)

    def wait_event(self, kind: str, *, value: int | None = None, since: int = 0,
                   timeout: float = 5.0) -> Event | None:
        """The first event of ``kind`` (and ``value``, if given) numbered ``since`` or later.

        Returns None when none came within ``timeout`` seconds (a "gave up" limit).
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self._events:
                    if e.seq >= since and e.kind == kind and (value is None or e.value == value):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or (self._proc is None):
                    return None
                self._cond.wait(min(left, 0.5))

