"""The kiosk's supervisor: runs the exhibit as a child process and keeps it running all day.

``mark1 kiosk`` is this supervisor; the exhibit (the screens, the machine) runs in a child
process that it watches:

- **crash**: a child that exits with a non-zero status or is killed by a signal is started
  again after a pause that grows with each crash in a row (``backoff``, by default 1, 2, 4, 8,
  then 30 s) and starts over once a child has run ``healthy_after`` seconds;
- **hang**: the child writes a byte down a pipe about once a second
  (:mod:`simulator.kiosk.heartbeat`); a child silent for ``heartbeat_timeout`` seconds
  (``startup_timeout`` before its first byte) is sent SIGTERM, SIGKILL ``grace`` seconds later,
  and counts as a crash;
- **out of order**: after ``crash_limit`` crashes within ``crash_window`` seconds the
  supervisor starts ``out_of_order_command`` instead (by default the same command with
  ``--out-of-order``: a calm card, never a desktop); if even that crashes it is started again
  after the longest pause, for as long as it takes;
- **staff exit**: a child that exits with status 0 by itself ends the supervisor with 0;
- **restart asked for**: a child that exits with :data:`RESTART_EXIT_STATUS` (75) is started
  again at once, not counted as a crash: the exhibit's own daily restart, which waits for the
  attract loop so that no visitor is cut off (:mod:`simulator.kiosk.flow`);
- **stop**: SIGTERM or SIGINT to the supervisor is passed on to the child as SIGTERM; the
  child gets ``grace`` seconds (1.5 by default, so the whole stops within 2 s), then SIGKILL;
- **daily restart**: at an optional local time (``"HH:MM"``) the child is ended the same way
  and started again, not counted as a crash. It does not wait for the attract loop: give it
  only if the exhibit does not restart itself. Either restart forgets the crashes: an exhibit
  that went out of order is tried again once a day.

The child is started in a process group of its own, so a Ctrl-C in a terminal reaches only the
supervisor (which ends the child in order) and a signal to the group reaches anything the
child started. Its environment carries the heartbeat's pipe (``MARK1_HEARTBEAT_FD``) and, for
its status file, the supervisor's count of crashes in the window (``MARK1_KIOSK_CRASHES``) and
the last error (``MARK1_KIOSK_LAST_ERROR``).

Decisions are made on the injected ``clock`` (a monotonic function) and ``local_time`` (for
the daily restart); :class:`CrashHistory` and :class:`DailyRestart` hold them and are tested
on made-up times. The only waiting in the project outside the clock is here, in
:meth:`Supervisor._wait`: a ``select`` on the heartbeat pipe with a timeout of at most 0.1 s.
"""

from __future__ import annotations

import logging
import os
import re
import select
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from ..checks import positive_number, shown, whole_number
from ..errors import ConfigError
from .heartbeat import HEARTBEAT_FD_VARIABLE

logger = logging.getLogger(__name__)

#: The exit status by which the exhibit asks to be started again (BSD's EX_TEMPFAIL).
RESTART_EXIT_STATUS = 75
#: Added to the exhibit's command to make the out-of-order card's, unless one is given.
OUT_OF_ORDER_FLAG = "--out-of-order"
#: The longest the wait loop sleeps before it looks at the child, the clock and signals again.
_TICK = 0.1
_TIME_OF_DAY = re.compile(r"\A([01]\d|2[0-3]):([0-5]\d)\Z")


def parse_time_of_day(name: str, text) -> tuple[int, int]:
    """``"HH:MM"`` (24-hour clock) as ``(hour, minute)``; else a one-line ConfigError.

    An ``(hour, minute)`` pair (the kiosk config's form) is accepted as it is, if in range.
    """
    if isinstance(text, tuple) and len(text) == 2 and all(type(x) is int for x in text):
        text = f"{text[0]:02d}:{text[1]:02d}"
    match = _TIME_OF_DAY.match(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(f"{name} must be a time of day as HH:MM from 00:00 to 23:59 "
                          f"(e.g. \"06:30\"), got {shown(text)}")
    return int(match.group(1)), int(match.group(2))


def describe_exit(returncode: int) -> str:
    """How a child ended, in words: ``"exit status 3"`` or ``"killed by signal SIGKILL"``."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"number {-returncode}"
    return f"killed by signal {name}"


class CrashHistory:
    """The crashes the supervisor has seen: how long to wait, and when to give up.

    Times are passed in (seconds on any monotonic clock), so the decisions are tested
    without waiting.

    Parameters
    ----------
    window : float
        Crashes older than this many seconds no longer count towards the limit.
    backoff : sequence of float
        The pause after the 1st, 2nd, ... crash in a row; the last one repeats.
    healthy_after : float
        A child that runs this long makes the next crash count as the first in a row.

    Attributes
    ----------
    times_ : deque of float
        When each crash within the window happened.
    in_a_row_ : int
        Crashes since the last healthy run.
    total_ : int
        Every crash since the supervisor started.
    """

    def __init__(self, *, window: float, backoff: Sequence[float], healthy_after: float):
        self.window = window
        self.backoff = backoff
        self.healthy_after = healthy_after
        self.times_ = deque()
        self.in_a_row_ = 0
        self.total_ = 0

    def record(self, now: float) -> None:
        """Count a crash that happened at ``now``."""
        self.times_.append(now)
        self.in_a_row_ += 1
        self.total_ += 1

    def in_window(self, now: float) -> int:
        """How many crashes happened within the last ``window`` seconds before ``now``."""
        while self.times_ and now - self.times_[0] >= self.window:
            self.times_.popleft()
        return len(self.times_)

    def delay(self) -> float:
        """The pause before the next start: grows with the crashes in a row (0 after none)."""
        if self.in_a_row_ == 0:
            return 0.0
        return float(self.backoff[min(self.in_a_row_, len(self.backoff)) - 1])

    def running(self, started: float, now: float) -> None:
        """A child started at ``started`` is still running at ``now``: healthy after a while."""
        if self.in_a_row_ and now - started >= self.healthy_after:
            logger.info("the exhibit has run %.0f s since the last crash: the pauses start over",
                        now - started)
            self.in_a_row_ = 0

    def forget(self) -> None:
        """Forget every crash in the window (the daily restart's fresh start)."""
        self.times_.clear()
        self.in_a_row_ = 0


class DailyRestart:
    """Says when the daily restart is due: once on each day, in the minute ``at``.

    Due in that minute only, not after it: a clock set forward past it at boot (a Raspberry Pi
    without a real-time clock learns the time from the network) skips a day rather than
    restarting the exhibit just after it started. Not due in the minute the supervisor first
    looks, for the same reason. In a daylight-saving change, a time in the skipped hour is
    skipped that day; a repeated hour restarts once.

    Parameters
    ----------
    at : tuple of int
        ``(hour, minute)``, local time.
    """

    def __init__(self, *, at: tuple[int, int]):
        self.at = at
        self.done_on_ = None   # (year, day of the year) of the last restart
        self._looked = False

    def due(self, local: time.struct_time) -> bool:
        """Whether to restart now; True at most once a day (each True counts as done)."""
        day = (local.tm_year, local.tm_yday)
        now_at = (local.tm_hour, local.tm_min) == tuple(self.at)
        first, self._looked = not self._looked, True
        if not now_at or day == self.done_on_:
            return False
        self.done_on_ = day
        return not first


class Supervisor:
    """Runs ``command`` as a child process, restarts it after a crash or a hang, and shows the
    out-of-order card when it keeps crashing. :meth:`run` does the work.

    Parameters
    ----------
    command : list of str
        The exhibit's command line, e.g. ``[sys.executable, "-m", "simulator", "kiosk", ...]``.
    heartbeat_timeout : float
        Seconds without a heartbeat byte after which a running child counts as hung.
    crash_limit : int
        Crashes within ``crash_window`` after which the out-of-order card is shown.
    crash_window : float
        Seconds over which crashes are counted (an hour).
    backoff : sequence of float
        Pauses in seconds before starting the child again after the 1st, 2nd, ... crash in a
        row; the last repeats, and is also the pause between tries of the out-of-order card.
    healthy_after : float
        Seconds of running after which the pauses start over from the first.
    startup_timeout : float
        Seconds a new child may take to send its first heartbeat (imports, a cold cache on a
        fresh install) before it counts as hung.
    grace : float
        Seconds between SIGTERM and SIGKILL when the supervisor ends a child.
    out_of_order_command : list of str, optional
        The out-of-order card's command line; default ``command + ["--out-of-order"]``.
    daily_restart : str or tuple of int, optional
        ``"HH:MM"`` or ``(hour, minute)``, local time, at which the child is restarted once a
        day; None for never.
    local_time : callable, optional
        Returns the local time as a :class:`time.struct_time` (default :func:`time.localtime`).
    clock : callable, optional
        A monotonic clock in seconds (default :func:`time.monotonic`).
    on_status : callable, optional
        Called with a dict at every change (a start, a crash, the out-of-order card, the end):
        ``mode`` ("running", "backoff", "out-of-order", "stopped"), ``pid`` (the child's, or
        None), ``starts`` (children started), ``crashes`` (within the window), ``crash_limit``,
        ``crashes_total``, ``backoff`` (seconds until the next start, or None) and
        ``last_error`` (e.g. "exit status 1", "killed by signal SIGSEGV", "no heartbeat for
        10 s", or None). An exception it raises is logged, never stops the supervisor.

    Attributes
    ----------
    starts_ : int
        Children started so far.
    child_ : subprocess.Popen or None
        The child now running.
    last_error_ : str or None
        How the last crash happened.
    """

    def __init__(self, command: Sequence[str], *, heartbeat_timeout: float, crash_limit: int,
                 crash_window: float = 3600.0, backoff: Sequence[float] = (1, 2, 4, 8, 30),
                 healthy_after: float = 60.0, startup_timeout: float = 60.0, grace: float = 1.5,
                 out_of_order_command: Sequence[str] | None = None,
                 daily_restart: str | tuple[int, int] | None = None,
                 local_time: Callable[[], time.struct_time] = time.localtime,
                 clock: Callable[[], float] = time.monotonic,
                 on_status: Callable[[dict], None] | None = None):
        self.command = command
        self.heartbeat_timeout = heartbeat_timeout
        self.crash_limit = crash_limit
        self.crash_window = crash_window
        self.backoff = backoff
        self.healthy_after = healthy_after
        self.startup_timeout = startup_timeout
        self.grace = grace
        self.out_of_order_command = out_of_order_command
        self.daily_restart = daily_restart
        self.local_time = local_time
        self.clock = clock
        self.on_status = on_status
        self.starts_ = 0
        self.child_ = None
        self.last_error_ = None
        self._stop_signal = None   # set by stop(), from a signal handler or another thread

    # ------------------------------------------------------------------ public
    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Ask :meth:`run` to end the child and return (safe from a signal handler or a thread)."""
        self._stop_signal = signum

    def run(self) -> int:
        """Supervise until the child exits by itself with 0 or the supervisor is told to stop.

        SIGTERM and SIGINT call :meth:`stop` while it runs (when called from the main thread).

        Returns
        -------
        int
            0: the child's own clean exit (staff exit) or a stop on request.

        Raises
        ------
        ConfigError
            A setting is out of range (one line, before any child is started).
        """
        commands = self._checked()
        history = CrashHistory(window=self.crash_window, backoff=self.backoff,
                               healthy_after=self.healthy_after)
        daily = DailyRestart(at=parse_time_of_day("daily_restart", self.daily_restart)) \
            if self.daily_restart is not None else None
        previous = self._install_signal_handlers()
        try:
            return self._supervise(commands, history, daily)
        finally:
            if self.child_ is not None:   # an exception on the way: never leave the child behind
                self._end(self.child_)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    # ------------------------------------------------------------------ the loop
    def _supervise(self, commands, history: CrashHistory, daily: DailyRestart | None) -> int:
        out_of_order = False
        while self._stop_signal is None:
            command = commands[1] if out_of_order else commands[0]
            outcome, error = self._run_child(command, history, daily, out_of_order)
            if outcome == "stopped":
                break
            if outcome == "exited":
                logger.info("the exhibit exited by itself with status 0 (staff exit): stopping")
                break
            if outcome in ("daily", "asked"):
                if out_of_order:
                    logger.info("a restart: trying the exhibit again after the out-of-order card")
                history.forget()
                out_of_order = False
                continue
            now = self.clock()
            history.record(now)
            self.last_error_ = error
            crashes = history.in_window(now)
            if not out_of_order and crashes >= self.crash_limit:
                logger.error("the exhibit crashed %d times in %g s (last: %s): showing the "
                             "out-of-order card", crashes, self.crash_window, error)
                out_of_order = True
                continue   # the card at once: no pause in front of a visitor
            delay = float(max(self.backoff)) if out_of_order else history.delay()
            logger.warning("the %s crashed (%s; %d in the last %g s): starting it again in %g s",
                           "out-of-order card" if out_of_order else "exhibit", error, crashes,
                           self.crash_window, delay)
            self._status("out-of-order" if out_of_order else "backoff", history, backoff=delay)
            if self._pause(delay, daily) == "daily":
                history.forget()
                out_of_order = False
        if self._stop_signal is not None:
            logger.info("stopped by signal %s", signal.Signals(self._stop_signal).name)
        self._status("stopped", history)
        return 0

    def _run_child(self, command, history: CrashHistory, daily, out_of_order: bool):
        """Start ``command`` and watch it until it ends or is ended: ``(outcome, error)``.

        The outcome is "exited" (status 0 by itself), "crashed" (``error`` says how),
        "stopped" (on request), "daily" (the daily restart) or "asked" (the child asked to be
        restarted).
        """
        read_end, write_end = os.pipe()
        env = dict(os.environ)
        env[HEARTBEAT_FD_VARIABLE] = str(write_end)
        env["MARK1_KIOSK_CRASHES"] = str(history.in_window(self.clock()))
        env["MARK1_KIOSK_LAST_ERROR"] = self.last_error_ or ""
        try:
            child = subprocess.Popen(command, env=env, pass_fds=(write_end,), process_group=0,
                                     stdin=subprocess.DEVNULL)
        except OSError as exc:
            os.close(read_end)
            return "crashed", f"could not start {command[0]}: {exc.strerror or exc}"
        finally:
            os.close(write_end)   # only the child holds it now: its end of file is the child's end
        self.child_ = child
        self.starts_ += 1
        logger.info("started the %s (pid %d): %s", "out-of-order card" if out_of_order else "exhibit",
                    child.pid, " ".join(command))
        self._status("out-of-order" if out_of_order else "running", history)
        started = last_beat = self.clock()
        beaten, reading = False, True
        try:
            while (returncode := child.poll()) is None:
                now = self.clock()
                if self._stop_signal is not None:
                    self._end(child)
                    return "stopped", None
                if daily is not None and daily.due(self.local_time()):
                    logger.info("daily restart at %02d:%02d", *daily.at)
                    self._end(child)
                    return "daily", None
                allowed = self.heartbeat_timeout if beaten else self.startup_timeout
                if now - last_beat >= allowed:
                    logger.warning("no heartbeat from pid %d for %g s: ending it", child.pid, allowed)
                    self._end(child)
                    return "crashed", f"no heartbeat for {allowed:g} s"
                history.running(started, now)
                if self._wait(allowed - (now - last_beat), read_end if reading else None):
                    try:
                        data = os.read(read_end, 4096)
                    except OSError:
                        data = b""
                    if data:
                        last_beat, beaten = self.clock(), True
                    else:
                        reading = False   # the child closed its end; its exit follows, or silence
        finally:
            os.close(read_end)
            if child.returncode is not None:
                self.child_ = None
        if returncode == 0:
            return "exited", None
        if returncode == RESTART_EXIT_STATUS:
            logger.info("pid %d asked to be restarted (exit status %d)", child.pid, returncode)
            return "asked", None
        return "crashed", describe_exit(returncode)

    def _pause(self, seconds: float, daily) -> str | None:
        """Wait ``seconds`` before the next start: None, or "stopped" / "daily" if cut short."""
        deadline = self.clock() + seconds
        while (left := deadline - self.clock()) > 0:
            if self._stop_signal is not None:
                return "stopped"
            if daily is not None and daily.due(self.local_time()):
                logger.info("daily restart at %02d:%02d", *daily.at)
                return "daily"
            self._wait(left)
        return None

    def _end(self, child: subprocess.Popen) -> None:
        """SIGTERM to the child's process group, SIGKILL after ``grace`` seconds; reaped."""
        self._signal(child, signal.SIGTERM)
        deadline = self.clock() + self.grace
        while child.poll() is None and self.clock() < deadline:
            self._wait(deadline - self.clock())
        if child.poll() is None:
            logger.warning("pid %d still running %g s after SIGTERM: SIGKILL", child.pid, self.grace)
            self._signal(child, signal.SIGKILL)
            try:
                child.wait(timeout=max(self.grace, 1.0))
            except subprocess.TimeoutExpired:   # stuck in the kernel; nothing more can be done
                logger.error("pid %d survived SIGKILL", child.pid)
        self.child_ = None

    @staticmethod
    def _signal(child: subprocess.Popen, signum: int) -> None:
        if child.returncode is not None:
            return   # reaped: its number may belong to someone else by now
        try:
            os.killpg(child.pid, signum)
        except (ProcessLookupError, PermissionError):
            # no such group (the child left it) or its number reused: the child alone
            child.send_signal(signum)

    @staticmethod
    def _wait(seconds: float, fd: int | None = None) -> bool:
        """The one wait: until ``fd`` is readable or ``seconds`` (at most 0.1) have passed."""
        readable, _, _ = select.select([] if fd is None else [fd], [], [], min(max(seconds, 0.0), _TICK))
        return bool(readable)

    # ------------------------------------------------------------------ odds and ends
    def _checked(self) -> tuple[list[str], list[str]]:
        """The exhibit's and the card's command lines, after checking every setting."""
        def command_line(name, value):
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value \
                    or not all(isinstance(part, str) for part in value):
                raise ConfigError(f"{name} must be a non-empty list of strings, got {shown(value)}")
            return list(value)

        command = command_line("command", self.command)
        card = command + [OUT_OF_ORDER_FLAG] if self.out_of_order_command is None else \
            command_line("out_of_order_command", self.out_of_order_command)
        for name in ("heartbeat_timeout", "crash_window", "startup_timeout"):
            positive_number(name, getattr(self, name))
        positive_number("grace", self.grace, upper=60.0)
        positive_number("healthy_after", self.healthy_after)
        whole_number("crash_limit", self.crash_limit)
        if isinstance(self.backoff, (str, bytes)) or not isinstance(self.backoff, Sequence) \
                or not self.backoff:
            raise ConfigError(f"backoff must be a non-empty list of seconds, got {shown(self.backoff)}")
        for pause in self.backoff:
            positive_number("each backoff pause", pause)
        return command, card

    def _status(self, mode: str, history: CrashHistory, *, backoff: float | None = None) -> None:
        if self.on_status is None:
            return
        status = {"mode": mode, "pid": None if self.child_ is None else self.child_.pid,
                  "starts": self.starts_, "crashes": history.in_window(self.clock()),
                  "crash_limit": self.crash_limit, "crashes_total": history.total_,
                  "backoff": backoff, "last_error": self.last_error_}
        try:
            self.on_status(status)
        except Exception:   # a status file on a full card must not take the exhibit down
            logger.exception("the status callback failed; supervising on")

    def _install_signal_handlers(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}   # signal.signal works only there; stop() is the way in from a thread
        previous = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda signum, frame: self.stop(signum))
        return previous
