"""The state file's advisory lock, so two runs on one state file cannot lose each other's work.

``mark1 train`` holds the lock from loading the state file to saving it; a second run on the
same file meanwhile is refused at once with one line naming the holder (as apt and dpkg
refuse, rather than wait an unknown time). The lock is ``fcntl.flock`` on a separate file
beside the state file, ``.{name}.lock``: the state file itself cannot carry it, because every
save replaces it by a rename. The lock file holds the holder's pid and is removed when the
lock is released; the kernel drops the lock of a process that dies, so a killed run never
blocks the next one. Links are followed, so every link to one state file shares its lock.

Advisory: only programs that take the lock respect it (every ``mark1`` does).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from .atomicfile import NAME_MAX, real_target, short_stem
from .errors import StateFileError

try:
    import fcntl
except ImportError:  # Windows: no flock; runs go unlocked there
    fcntl = None

log = logging.getLogger(__name__)



def lock_path(path) -> Path:
    """The lock file of the state file ``path``: ``.{name}.lock`` beside its real target."""
    target = real_target(path)
    return target.parent / f".{short_stem(target.name, NAME_MAX - 6)}.lock"


def _holder(lock: Path) -> str:
    try:
        pid = lock.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "pid unknown"


def _acquire(path, lock: Path) -> int:
    """Open and lock ``lock`` without waiting; the fd, or -1 when another process holds it."""
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateFileError(f"{path}: cannot create its lock file {lock.name} in {lock.parent} "
                                 f"({exc.strerror or exc}); choose another place") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return -1
            raise StateFileError(f"{path}: cannot lock it ({exc.strerror or exc})") from None
        # The holder before us removes the lock file as it lets go; if we locked that removed
        # file, the lock means nothing: open the file now at that name and lock it instead.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def locked(path) -> Iterator[Path]:
    """Hold the lock of the state file ``path`` for the ``with`` block.

    Parameters
    ----------
    path : str or path
        The state file (it need not exist yet).

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    StateFileError
        "F is in use by another mark1 (pid N); wait for it or use another --state file", or
        the lock file cannot be created.

    Examples
    --------
    >>> with locked("m.mark1"):                      # doctest: +SKIP
    ...     m = MarkI.load("m.mark1"); m.train(cards, labels); m.save("m.mark1")
    """
    try:
        lock = lock_path(path)
    except OSError as exc:
        raise StateFileError(f"{path}: {exc.strerror or exc}") from None
    if fcntl is None:
        yield lock
        return
    fd = _acquire(path, lock)
    if fd < 0:
        raise StateFileError(f"{path} is in use by another mark1 ({_holder(lock)}); wait for it "
                             "or use another --state file")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        log.info("locked %s (%s)", path, lock)
        yield lock
    finally:
        # remove the file while still holding it, so no one locks a file about to vanish unseen
        try:
            os.unlink(lock)
        except OSError:
            pass
        os.close(fd)
