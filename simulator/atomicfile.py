"""Atomic file writes: a crash or a kill leaves the old file or the new one, never half.

State files, counters, calibration, charts and screenshots all go through
:func:`write_atomically`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import StateFileError


def write_atomically(path, write) -> None:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, fsync, rename over it."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise StateFileError(f"{path}: folder {directory} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private; give it the mode a plain open() would have
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
