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

from ..checks import shown, whole_number
from ..errors import ConfigError, DeviceError, printable

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
        How many old files are kept; the oldest beyond them is deleted.
    level : int or str
        The root logger's level, e.g. ``logging.INFO`` or ``"WARNING"``.

    Returns
    -------
    list of logging.Handler
        The handlers added.

    Raises
    ------
    ConfigError
        ``max_bytes`` or ``backups`` is not a whole number in range, or ``level`` is unknown.
    DeviceError
        The file or its folder cannot be made or written (one line naming the path).
    """
    # at least one backup: with none, RotatingFileHandler never rotates and the file grows
    max_bytes = whole_number("log_max_bytes", max_bytes)
    backups = whole_number("log_backups", backups)
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
            handlers.append(logging.handlers.RotatingFileHandler(
                path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"))
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
