"""The kiosk process's logs: a rotating file of bounded size, and standard error (the journal).

:func:`setup_kiosk_logging` is called from the kiosk's entry point only, never on import: the
library modules just use ``logging.getLogger(__name__)``, and a test or another command that
imports them keeps its own logging.

The file is bounded so that an exhibit running for months cannot fill its SD card: at most
``max_bytes`` x (``backups`` + 1) bytes. One file per process: Python's
:class:`~logging.handlers.RotatingFileHandler` is not safe with two processes rotating the same
file, so the supervisor and the exhibit must not be given the same path (the supervisor can log
to standard error alone, ``path=None``: under systemd that is the journal, which bounds itself).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from ..checks import shown
from ..errors import ConfigError, DeviceError, printable
from ..limits import check

#: How each line of the kiosk's log looks: time, level, module, message.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "_mark1_kiosk"   # set on the handlers made here, so a second call replaces them


def setup_kiosk_logging(path, max_bytes: int, backups: int, level=logging.INFO) -> list[logging.Handler]:
    """Send the root logger's records to a rotating file and to standard error.

    Calling it again replaces the handlers it added before (and only those).

    Parameters
    ----------
    path : str or path-like or None
        The log file; its folder is created if missing. None: standard error only.
    max_bytes : int
        The size at which the file is renamed ``path.1`` (``path.1`` to ``path.2`` ...) and a
        new one begun.
    backups : int
        How many old files are kept; the oldest beyond them is deleted. With 0 the file starts
        over, empty, at ``max_bytes``.
    level : int or str
        The root logger's level, e.g. ``logging.INFO`` or ``"WARNING"``.

    Returns
    -------
    list of logging.Handler
        The handlers added.

    Raises
    ------
    ConfigError
        ``max_bytes`` or ``backups`` is outside its limit (:mod:`simulator.limits`:
        ``log_max_bytes``, ``log_backups``), or ``level`` is unknown.
    DeviceError
        The file or its folder cannot be made or written (one line naming the path).
    """
    max_bytes = check("log_max_bytes", max_bytes)
    backups = check("log_backups", backups)
    root = logging.getLogger()
    try:
        root.setLevel(level.upper() if isinstance(level, str) else level)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL, "
                          f"got {shown(level)}") from exc
    handlers: list[logging.Handler] = []
    if path is not None:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            kind = logging.handlers.RotatingFileHandler if backups else _StartingOver
            handlers.append(kind(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"))
        except OSError as exc:
            raise DeviceError(f"cannot write the kiosk's log {printable(os.fspath(path))}: "
                              f"{exc.strerror or exc}; make its folder writable by the kiosk's "
                              f"user or name another log file in the config") from exc
    handlers.append(logging.StreamHandler(sys.stderr))
    formatter = logging.Formatter(LOG_FORMAT)
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    return handlers


class _StartingOver(logging.handlers.RotatingFileHandler):
    """A log file that starts over, empty, at ``maxBytes``: no old files kept.

    RotatingFileHandler with ``backupCount=0`` reopens the same file for appending at each
    rollover, so the file would grow without bound.
    """

    def doRollover(self):
        if self.stream:
            self.stream.close()
            self.stream = None
        with open(self.baseFilename, "w", encoding=self.encoding):
            pass
        if not self.delay:
            self.stream = self._open()
