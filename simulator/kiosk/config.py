"""The kiosk's config: one TOML file of top-level keys, checked whole before anything runs.

Every key has a default (:data:`DEFAULTS`); a file sets only what a museum changes. Anything
wrong in it (an unknown key, a wrong type, a number outside the table of limits, a file that
is missing or is not TOML) is a one-line :class:`~simulator.errors.ConfigError` naming the key
and the fix, raised before the exhibit starts: never half-running. Paths in the file are read
relative to the file's folder (without a file, relative to the current folder).

``assets/kiosk/kiosk.toml`` is the example with every key explained.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType

from ..assets import ASSETS_DIR
from ..atomicfile import check_writable
from ..checks import shown
from ..errors import ConfigError, Mark1Error, printable
from ..limits import check, limit
from .pin import parse_hash

#: Where the captions shipped with the simulator are; English there is the reference.
CAPTIONS_DIR = ASSETS_DIR / "kiosk" / "captions"
EXAMPLE = ASSETS_DIR / "kiosk" / "kiosk.toml"
#: The example config's hash, of the PIN 1958: a kiosk running with it is warned about.
EXAMPLE_PIN_HASH = ("scrypt$16384$8$1$bWFyazEta2lvc2stZXhhbXBsZQ==$65Cx3UtaExTj2V"
                    "/WWmbVU/514chFmKUcG4mP0RVmSZs=")
#: A config is a page of settings; a larger file is a mistake (a log or a picture named by error).
MAX_CONFIG_BYTES = 1_000_000
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})?")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class KioskConfig:
    """Every setting of the kiosk, checked; made by :func:`load_config` (or with its defaults).

    Attributes
    ----------
    idle_timeout : float
        Seconds without a touch before the "still there?" countdown.
    countdown : float
        Seconds of that countdown before the machine is reset and the attract loop comes back.
    experiment : str
        The cards of the attract loop and of the visitors' turns (an experiment shown on the panel).
    seed : int
        The plugboard's and the cards' seed.
    state : Path or None
        A (pre-trained) state file the machine is reset to; None for a fresh machine.
    language : str
        The language the exhibit starts in and comes back to after each visitor.
    languages : tuple of str
        The languages offered on screen; empty for every caption file found.
    captions_dir : Path
        The folder of caption files, one ``CODE.toml`` per language.
    speed : float
        Trials a second in the attract loop.
    quiet_hours : tuple of (int, int)
        Spans of the day with the sound off, as (start, end) minutes after midnight; a span
        may cross midnight (start > end).
    volume : float
        Sound volume outside quiet hours, 0 to 1.
    staff_pin_hash : str or None
        The staff PIN's salted hash (``mark1 kiosk --hash-pin``); None: no staff screen.
    staff_hold_seconds : float
        How long a corner is held before the PIN is asked.
    status_file, counters_file, log_file : Path
        The status file for monitoring, the counters kept across restarts, the log.
    log_max_bytes, log_backups : int
        When the log is rotated, and how many old logs are kept.
    crash_limit : int
        Crashes in an hour after which the supervisor shows "out of order".
    heartbeat_timeout : float
        Seconds without a heartbeat from the exhibit before the supervisor restarts it.
    restart_backoff : float
        Seconds before the first restart; doubled for each crash in a row.
    daily_restart : tuple of (int, int) or None
        Hour and minute of a planned restart each day; None for none.
    allow_keyboard_quit : bool
        Whether a key quits (off for visitors; on for staff testing at a desk).
    fullscreen : bool
        Full screen (on an exhibit) or a window of ``size``.
    size : tuple of (int, int)
        The window's width and height when not full screen.
    after1958 : bool
        Whether visitors may open the After 1958 page.
    rig : str
        The sensor rig, coming with the rig: "none", "auto" or a serial port.
    path : Path or None
        The config file read; None for the defaults alone.
    origin : mapping
        For each key, "file" or "default": where its value came from.
    """

    idle_timeout: float = 45.0
    countdown: float = 10.0
    experiment: str = "left-right"
    seed: int = 1958
    state: Path | None = None
    language: str = "en"
    languages: tuple[str, ...] = ()
    captions_dir: Path = CAPTIONS_DIR
    speed: float = 2.0
    quiet_hours: tuple[tuple[int, int], ...] = ()
    volume: float = 0.8
    staff_pin_hash: str | None = None
    staff_hold_seconds: float = 5.0
    status_file: Path = Path("kiosk-status.json")
    counters_file: Path = Path("kiosk-counters.json")
    log_file: Path = Path("kiosk.log")
    log_max_bytes: int = 1_000_000
    log_backups: int = 5
    crash_limit: int = 5
    heartbeat_timeout: float = 10.0
    restart_backoff: float = 2.0
    daily_restart: tuple[int, int] | None = None
    allow_keyboard_quit: bool = False
    fullscreen: bool = True
    size: tuple[int, int] = (1280, 720)
    after1958: bool = True
    rig: str = "none"
    path: Path | None = field(default=None, compare=False)
    origin: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)

    def quiet_at(self, minute: int) -> bool:
        """Whether ``minute`` (after local midnight, 0..1439) falls in the quiet hours."""
        return any((a <= minute < b) if a < b else (minute >= a or minute < b)
                   for a, b in self.quiet_hours)

    def shown(self) -> list[tuple[str, str, str]]:
        """Each key, its value as the config file would write it, and "file" or "default"."""
        return [(k, _as_toml(getattr(self, k), k), self.origin.get(k, "default")) for k in KEYS]


#: The keys a config file may set, in the example's order.
KEYS = tuple(f.name for f in fields(KioskConfig) if f.name not in ("path", "origin"))
DEFAULTS = {f.name: f.default for f in fields(KioskConfig) if f.name in KEYS}
_PATH_KEYS = ("state", "captions_dir", "status_file", "counters_file", "log_file")


def _as_toml(value, key) -> str:
    if value is None:
        return '"none"'
    if key == "quiet_hours":
        return "[" + ", ".join(f'"{_hhmm(a)}-{_hhmm(b)}"' for a, b in value) + "]"
    if key == "daily_restart":
        return f'"{value[0]:02d}:{value[1]:02d}"'
    if key == "size":
        return f'"{value[0]}x{value[1]}"'
    if key == "staff_pin_hash":
        return '"scrypt$..." (set; the staff screen opens with its PIN)'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Path, str)):
        return '"' + printable(value).replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class _Checker:
    """Turns the raw TOML table into checked values; each failure names the file and the key."""

    def __init__(self, where: str, folder: Path):
        self.where = where
        self.folder = folder

    def fail(self, key: str, what: str, fix: str | None = None) -> ConfigError:
        default = _as_toml(DEFAULTS[key], key)
        fix = fix or f"correct it, or remove the line for the default ({default})"
        return ConfigError(f"{self.where}{key} {what}; {fix}")

    def typed(self, key, value, kinds, words):
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            raise self.fail(key, f"must be {words}, got {shown(value, 40)}")
        return value

    def limited(self, key, value, name=None):
        name = name or key
        lim = limit(name)
        self.typed(key, value, (int,) if lim.whole else (int, float),
                   "a whole number" if lim.whole else "a number")
        try:
            return check(name, value, label=key)
        except ConfigError as exc:
            raise self.fail(key, str(exc)[len(key) + 1:]) from None

    def text(self, key, value):
        return self.typed(key, value, (str,), 'a string in quotes, like "..."')

    def flag(self, key, value):
        return self.typed(key, value, (bool,), "true or false")

    def path(self, key, value) -> Path:
        text = self.text(key, value)
        if not text.strip() or "\0" in text:
            raise self.fail(key, "must name a file")
        return self.folder / Path(os.path.expanduser(text))

    def clock(self, key, value) -> tuple[int, int]:
        if isinstance(value, dt.time):  # TOML's own local time: 04:30:00
            return value.hour, value.minute
        m = _CLOCK.fullmatch(self.text(key, value).strip())
        if not m:
            raise self.fail(key, f"must be a time of day like \"04:30\" (24-hour), got {shown(value, 40)}")
        return int(m.group(1)), int(m.group(2))


def _quiet_hours(c: _Checker, value) -> tuple[tuple[int, int], ...]:
    spans = [value] if isinstance(value, str) else value
    c.typed("quiet_hours", spans, (list, str), 'a span "18:00-09:00" or a list of them')
    out = []
    for span in spans:
        parts = span.split("-") if isinstance(span, str) else []
        if len(parts) != 2 or not all(_CLOCK.fullmatch(p.strip()) for p in parts):
            raise c.fail("quiet_hours", f'must be spans like "18:00-09:00", got {shown(span, 40)}')
        a, b = ((int(p.strip()[:2]) * 60 + int(p.strip()[3:])) for p in parts)
        if a == b:
            raise c.fail("quiet_hours", f"span {span!r} starts and ends at the same minute",
                         'give two different times, e.g. "18:00-09:00", or [] for no quiet hours')
        out.append((a, b))
    return tuple(out)


def _read_table(path: Path) -> dict:
    where = printable(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such config file; give an existing file (an example with "
                          f"every key is {printable(EXAMPLE)})") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a folder; give the config file itself") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the config file ({exc.strerror or exc}); "
                          "check its permissions") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{where}: is larger than {MAX_CONFIG_BYTES:,} bytes, not a kiosk config; "
                          "give the config file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = " ".join(str(exc).split())
        raise ConfigError(f"{where}: is not valid TOML: {msg}; correct that line") from None


def load_config(path=None, *, check_files: bool = True) -> KioskConfig:
    """Read and check the kiosk's config.

    Parameters
    ----------
    path : str or path, optional
        The TOML file; None for the defaults alone (paths then relative to the current folder).
    check_files : bool
        Also check that the files it names can be used: the state file and caption files
        exist, and the status, counters and log files can be written in their folders.
        ``mark1 kiosk --status`` only reads, and skips this.

    Returns
    -------
    KioskConfig

    Raises
    ------
    ConfigError
        One line naming the file, the key and the fix.
    """
    if path is None:
        table, folder, where = {}, Path.cwd(), ""
    else:
        path = Path(path)
        table = _read_table(path)
        folder = path.resolve().parent
        where = f"{printable(path)}: "
    c = _Checker(where, folder)
    for key, value in table.items():
        if key not in DEFAULTS:
            near = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]!r}?" if near else f"the keys are listed in {printable(EXAMPLE)}"
            kind = "table" if isinstance(value, dict) else "key"
            raise ConfigError(f"{where}unknown {kind} {printable(key)!r}; {hint} "
                              "(every key is top-level; remove or correct it)")
    v = dict(DEFAULTS)
    v["status_file"], v["counters_file"], v["log_file"] = (
        folder / DEFAULTS[k] for k in ("status_file", "counters_file", "log_file"))
    for key in ("idle_timeout", "countdown", "staff_hold_seconds", "volume", "log_max_bytes",
                "log_backups", "crash_limit", "heartbeat_timeout", "restart_backoff", "speed", "seed"):
        if key in table:
            v[key] = c.limited(key, table[key])
    if "experiment" in table:
        v["experiment"] = _experiment(c, table["experiment"])
    for key in _PATH_KEYS:
        if key in table:
            if key == "state" and table[key] in ("", "none"):
                v[key] = None
            else:
                v[key] = c.path(key, table[key])
    if "language" in table:
        v["language"] = _language(c, "language", table["language"])
    if "languages" in table:
        langs = c.typed("languages", table["languages"], (list,),
                        'a list of language codes, like ["en", "de"]')
        v["languages"] = tuple(_language(c, "languages", x) for x in langs)
        if len(set(v["languages"])) != len(v["languages"]):
            raise c.fail("languages", "names a language twice")
    if "quiet_hours" in table:
        v["quiet_hours"] = _quiet_hours(c, table["quiet_hours"])
    if "staff_pin_hash" in table:
        stored = table["staff_pin_hash"]
        if stored in ("", "none"):
            v["staff_pin_hash"] = None
        else:
            try:
                parse_hash(stored)
            except ConfigError as exc:
                raise ConfigError(f"{where}{exc}") from None
            v["staff_pin_hash"] = stored
    if "daily_restart" in table:
        raw = table["daily_restart"]
        v["daily_restart"] = None if raw in ("", "none") else c.clock("daily_restart", raw)
    for key in ("allow_keyboard_quit", "fullscreen", "after1958"):
        if key in table:
            v[key] = c.flag(key, table[key])
    if "size" in table:
        v["size"] = _size(c, table["size"])
    if "rig" in table:
        v["rig"] = c.text("rig", table["rig"]).strip() or "none"
    if v["languages"] and v["language"] not in v["languages"]:
        raise c.fail("language", f"{v['language']!r} is not one of languages {list(v['languages'])}",
                     "add it to languages or choose one of them")
    origin = {k: ("file" if k in table else "default") for k in KEYS}
    config = KioskConfig(**v, path=path, origin=MappingProxyType(origin))
    if check_files:
        _check_files(c, config)
    return config


def _experiment(c: _Checker, value) -> str:
    from .. import experiments  # the cards' catalogue: the kiosk shows what the panel can show

    name = c.text("experiment", value)
    shown_ones = [e.name for e in experiments.EXPERIMENTS.values() if e.panel]
    if name not in shown_ones:
        near = difflib.get_close_matches(name, shown_ones, n=1)
        raise c.fail("experiment", f"{name!r} is not an experiment the kiosk can show",
                     (f"did you mean {near[0]!r}? " if near else "")
                     + f"choose one of {', '.join(shown_ones)}")
    return name


def _language(c: _Checker, key, value) -> str:
    code = c.text(key, value)
    if not _LANGUAGE.fullmatch(code):
        raise c.fail(key, f"has {shown(code, 30)}, not a language code like \"en\" or \"de\"",
                     "use the name of a caption file without .toml")
    return code


def _size(c: _Checker, value) -> tuple[int, int]:
    if isinstance(value, str):
        parts = value.lower().split("x")
        try:
            value = [int(p) for p in parts]
        except ValueError:
            value = None
    if not isinstance(value, list) or len(value) != 2:
        raise c.fail("size", f'must be a size like "1280x720", got {shown(value, 40)}')
    w = c.limited("size", value[0], "window_width")  # the message names the range: width or height
    h = c.limited("size", value[1], "window_height")
    return w, h


def _check_files(c: _Checker, config: KioskConfig) -> None:
    if config.state is not None:
        if not config.state.is_file():
            raise c.fail("state", f"names {printable(config.state)}, which is not a file",
                         "give a state file made by mark1 (or \"none\" for a fresh machine)")
        from ..machine import MarkI  # every reset goes back to it: it must load now, not at 17:00

        try:
            MarkI.load(config.state)
        except Mark1Error as exc:
            raise c.fail("state", f"cannot be used ({exc})",
                         "give a state file saved by this mark1 (or \"none\" for a fresh machine)") from None
    folder = config.captions_dir
    if not folder.is_dir():
        raise c.fail("captions_dir", f"names {printable(folder)}, which is not a folder",
                     f"give the folder of caption files (the shipped one is {printable(CAPTIONS_DIR)})")
    for code in config.languages or (config.language,):
        if code != "en" and not (folder / f"{code}.toml").is_file():
            key = "languages" if config.languages else "language"
            raise c.fail(key, f"offers {code!r} but {printable(folder / (code + '.toml'))} does not exist",
                         "add that caption file or remove the language")
    for key in ("status_file", "counters_file", "log_file"):
        try:
            check_writable(getattr(config, key))  # creates and removes a file: the right to write
        except OSError as exc:
            raise c.fail(key, f"{printable(getattr(config, key))}: {exc.strerror or exc}",
                         "choose a file in a folder the kiosk may write to") from None
