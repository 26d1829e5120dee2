"""The exhibit's side of the supervisor's heartbeat: one byte down a pipe about once a second.

The supervisor (:mod:`simulator.kiosk.supervisor`) starts the exhibit with the write end of a
pipe left open and its number in the environment variable ``MARK1_HEARTBEAT_FD``. The exhibit
calls :meth:`Heartbeat.beat` from its frame loop with the time it already has; when the loop
freezes, the bytes stop and the supervisor restarts the exhibit. A pipe rather than a file
whose time stamp changes: nothing is written to the SD card.

When the supervisor is gone (killed, or stopped without taking the exhibit with it) the next
write fails with a broken pipe: :meth:`Heartbeat.beat` then returns False, once and for all,
and the exhibit should end its loop and exit cleanly; an exhibit left running without its
supervisor would never be restarted. Without ``MARK1_HEARTBEAT_FD`` (an engineer running the
kiosk by hand, the tests) :meth:`Heartbeat.from_environment` gives a heartbeat that does nothing.
"""

from __future__ import annotations

import logging
import os
import stat

logger = logging.getLogger(__name__)

#: The environment variable that carries the pipe's file descriptor number to the exhibit.
HEARTBEAT_FD_VARIABLE = "MARK1_HEARTBEAT_FD"


class Heartbeat:
    """Writes one byte to the supervisor's pipe at most once every ``interval`` seconds.

    Parameters
    ----------
    fd : int or None
        The write end of the supervisor's pipe; None for a heartbeat that does nothing.
    interval : float
        Seconds between beats (the supervisor's ``heartbeat_timeout`` should be several times
        longer, 10 s for the usual 1 s).

    Attributes
    ----------
    beats_ : int
        Bytes written so far.
    gone_ : bool
        True once a write found the supervisor gone (broken pipe, closed descriptor).
    """

    def __init__(self, *, fd: int | None = None, interval: float = 1.0):
        self.fd = fd
        self.interval = interval
        self.beats_ = 0
        self.gone_ = False
        self._last = None

    @classmethod
    def from_environment(cls, environ=None, *, interval: float = 1.0) -> Heartbeat:
        """The heartbeat the supervisor set up for this process, or one that does nothing.

        The variable is removed from ``environ`` and the descriptor made non-inheritable, so
        a program the exhibit starts in turn does not keep the pipe open (the supervisor would
        then not see the exhibit end). A variable that does not name an open pipe is logged
        and ignored: the exhibit runs, unsupervised, rather than not at all.

        Parameters
        ----------
        environ : mapping, optional
            The environment to read (default ``os.environ``).
        interval : float
            Seconds between beats.
        """
        environ = os.environ if environ is None else environ
        text = environ.pop(HEARTBEAT_FD_VARIABLE, None)
        if text is None:
            return cls(fd=None, interval=interval)
        try:
            fd = int(text)
            if fd < 0 or not stat.S_ISFIFO(os.fstat(fd).st_mode):
                raise ValueError("not a pipe")
            os.set_inheritable(fd, False)
            # never wait on a full pipe: a frame loop must not block on its supervisor
            os.set_blocking(fd, False)
        except (ValueError, OSError) as exc:
            logger.warning("%s=%r is not an open pipe (%s); running without a heartbeat",
                           HEARTBEAT_FD_VARIABLE, text, exc)
            return cls(fd=None, interval=interval)
        return cls(fd=fd, interval=interval)

    @property
    def supervised(self) -> bool:
        """Whether there is a supervisor to beat for (and it was still there at the last beat)."""
        return self.fd is not None and not self.gone_

    def beat(self, now: float) -> bool:
        """Tell the supervisor the exhibit is alive, if ``interval`` has passed since the last beat.

        Parameters
        ----------
        now : float
            The caller's clock, in seconds (any monotonic clock; only differences count).

        Returns
        -------
        bool
            False once the supervisor is gone: the exhibit should then exit cleanly. True
            otherwise, also when unsupervised or when no byte was due.
        """
        if self.gone_:
            return False
        if self.fd is None or (self._last is not None and now - self._last < self.interval):
            return True
        self._last = now
        try:
            os.write(self.fd, b".")
        except BlockingIOError:
            # 64 KB of beats unread: the supervisor is there but not reading; it will see a
            # beat again once it reads, so skipping this one is harmless
            return True
        except OSError as exc:  # BrokenPipeError above all; EBADF if someone closed the fd
            self.gone_ = True
            logger.warning("the supervisor is gone (%s); the exhibit should end", exc.strerror or exc)
            return False
        self.beats_ += 1
        return True

    def close(self) -> None:
        """Close the pipe (the supervisor then sees end of file, as when the process ends)."""
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None
