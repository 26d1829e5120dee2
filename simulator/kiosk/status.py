"""The status file: what the kiosk is doing, for monitoring and ``mark1 kiosk --status``.

One JSON object, written atomically whenever the mode changes and every few seconds otherwise::

    {"format": 1, "mode": "attract", "uptime_s": 3600.0, "visitors": 12, "teachings": 80,
     "resets": 9, "staff_sessions": 0, "crashes": 0, "last_error": null, "pid": 1234,
     "version": "0.1.0", "started_at": "2026-06-01T09:00:00+02:00",
     "updated_at": "2026-06-01T10:00:00+02:00"}

Time is passed in: ``maybe_write(now)`` takes the kiosk clock's seconds, and ``updated_at`` is
the start's wall-clock time plus the uptime, so nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

from .. import __version__
from ..errors import Mark1Error, printable
from .counters import NAMES

log = logging.getLogger(__name__)

FORMAT = 1
#: The exhibit's modes (:class:`simulator.kiosk.flow.Mode`), then the supervisor's own while no
#: exhibit runs (starting, waiting to restart after a crash, stopped).
MODES = ("attract", "visitor", "countdown", "staff-pin", "staff", "out-of-order",
         "running", "backoff", "stopped")
_MAX_BYTES = 64 * 1024


class StatusError(Mark1Error, ValueError):
    """A status file that cannot be read or is not one the kiosk wrote."""


class StatusFile:
    """Writes the status file when the mode changes, and at least every ``interval`` seconds.

    Parameters
    ----------
    path : path
        The status file (the config's ``status_file``).
    started_at : datetime.datetime
        Wall-clock time of the start (aware, in local time), given by the caller.
    start : float
        The kiosk clock's reading at the start; uptime is ``now - start``.
    interval : float
        Most seconds between two writes while the mode stays the same.
    pid : int, optional
        The process shown (default: this one).
    """

    def __init__(self, *, path, started_at: dt.datetime, start: float = 0.0, interval: float = 5.0,
                 pid: int | None = None):
        self.path = Path(path)
        self.started_at = started_at
        self.start = start
        self.interval = interval
        self.pid = pid
        self.written_mode_ = None
        self.written_at_ = None
        self.error_ = None

    def content(self, now: float, *, mode: str, counts: dict, last_error: str | None) -> dict:
        """The object the file holds at the kiosk clock's ``now``."""
        uptime = max(0.0, now - self.start)
        out = {"format": FORMAT, "mode": mode, "uptime_s": round(uptime, 3)}
        out.update({k: int(counts.get(k, 0)) for k in NAMES})
        out.update({"last_error": last_error, "pid": os.getpid() if self.pid is None else self.pid,
                    "version": __version__, "started_at": self.started_at.isoformat(timespec="seconds"),
                    "updated_at": (self.started_at + dt.timedelta(seconds=uptime)).isoformat(
                        timespec="seconds")})
        return out

    def maybe_write(self, now: float, *, mode: str, counts: dict, last_error: str | None = None) -> bool:
        """Write if the mode changed or ``interval`` seconds passed since the last write.

        Returns whether it wrote. A failed write is logged and kept in :attr:`error_`; the
        kiosk goes on (monitoring sees the file grow stale).
        """
        due = (mode != self.written_mode_ or self.written_at_ is None
               or now - self.written_at_ >= self.interval)
        if not due:
            return False
        return self.write(now, mode=mode, counts=counts, last_error=last_error)

    def write(self, now: float, *, mode: str, counts: dict, last_error: str | None = None) -> bool:
        """Write the status now; False (logged) if the file cannot be written."""
        from ..atomicfile import write_atomically

        data = (json.dumps(self.content(now, mode=mode, counts=counts, last_error=last_error),
                           indent=1) + "\n").encode()
        self.written_mode_, self.written_at_ = mode, now
        try:
            write_atomically(self.path, lambda fh: fh.write(data))
        except OSError as exc:
            message = f"{printable(self.path)}: cannot write the status ({exc.strerror or exc})"
            if message != self.error_:
                log.error("%s", message)
            self.error_ = message
            return False
        self.error_ = None
        return True


def read_status(path) -> dict:
    """The status file's object, checked.

    Raises
    ------
    FileNotFoundError
        When there is no status file (the kiosk has not run there).
    StatusError
        One line, when the file cannot be read or is not a status the kiosk wrote.
    """
    where = printable(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise StatusError(f"{where}: cannot read the status file ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw) if len(raw) <= _MAX_BYTES else None
    except (ValueError, RecursionError):
        data = None
    problem = "not a JSON object" if not isinstance(data, dict) else _problem(data)
    if problem:
        raise StatusError(f"{where}: is not a kiosk status file ({problem}); the kiosk rewrites it "
                          "within seconds while it runs, or delete it")
    return data


def _problem(data: dict) -> str | None:
    if data.get("format") != FORMAT:
        return f"format {printable(str(data.get('format')))[:20]}, expected {FORMAT}"
    if data.get("mode") not in MODES:
        return "unknown mode"
    for key in (*NAMES, "pid"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"{key} is not a count"
    uptime = data.get("uptime_s")
    if isinstance(uptime, bool) or not isinstance(uptime, (int, float)) or not 0 <= uptime < 1e12:
        return "uptime_s is not a number of seconds"
    if not (data.get("last_error") is None or isinstance(data.get("last_error"), str)):
        return "last_error is not text"
    for key in ("version", "started_at", "updated_at"):
        if not isinstance(data.get(key), str):
            return f"{key} is missing"
    return None
