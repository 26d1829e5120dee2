"""The kiosk's flow: which screen a visitor or the staff sees, as a state machine with no display.

Modes (:class:`Mode`)::

    ATTRACT --touch--> VISITOR --idle_timeout s without input--> COUNTDOWN --countdown s--> ATTRACT
                          ^                                          |           (machine reset)
                          +------------------ any touch -------------+
    any mode but the staff's --corner held staff_hold_seconds--> STAFF_PIN --right PIN--> STAFF
    STAFF_PIN --cancel or idle--> where it came from (ATTRACT or OUT_OF_ORDER); 3 wrong PINs lock
    the keypad for 60 s (it stays, saying so); STAFF --exit or idle--> ATTRACT (machine reset)
    any mode --fault--> OUT_OF_ORDER (only the staff gesture leads out)

The app feeds it plain actions (:meth:`Flow.handle`) and the time that passed
(:meth:`Flow.update`), and carries out the :class:`Effect` list each returns: change the screen,
reset the machine, set the volume, restart. Time is counted in whole microseconds, so a timeout
falls exactly where the config puts it whatever steps the clock took (44.999 s + 0.001 s is
45 s), and a step longer than a timeout plays out every transition inside it in order.

Rules the config does not set (documented here and in docs/KIOSK.md):

- three wrong PINs in a row lock the PIN for :data:`LOCKOUT_SECONDS` (60 s): the keypad stays,
  its keys dead but Cancel, and says how long is left; the corner gesture made during the
  lockout opens that locked keypad again (so the staff see the seconds count down);
- without ``staff_pin_hash`` there is no staff screen: the gesture is ignored (and logged);
- the staff screens time out after ``idle_timeout`` like a visitor's turn;
- every way back to ATTRACT resets the machine to its known state and counts a reset;
- the daily restart is signalled once a calendar day, when the local time passes the set time,
  and waits for the attract loop (or out of order): a visitor is never cut off.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
from dataclasses import dataclass

from .counters import Counters
from .pin import PIN_DIGITS, verify

log = logging.getLogger(__name__)

#: Wrong PINs in a row before the lockout, and the lockout's length in seconds.
MAX_PIN_TRIES = 3
LOCKOUT_SECONDS = 60
_US = 1_000_000


class Mode(enum.StrEnum):
    """What the kiosk shows; the value is the word in the status file."""

    ATTRACT = "attract"
    VISITOR = "visitor"
    COUNTDOWN = "countdown"
    STAFF_PIN = "staff-pin"
    STAFF = "staff"
    OUT_OF_ORDER = "out-of-order"


@dataclass(frozen=True)
class Effect:
    """One thing the app must do.

    ``kind`` is one of: ``"mode"`` (value: the new :class:`Mode`), ``"start_visitor"``,
    ``"show_countdown"`` (value: whole seconds left, each time the number shown changes),
    ``"hide_countdown"``, ``"reset_machine"`` (the known state, the config's language),
    ``"show_pin"``, ``"pin_wrong"`` (value: tries left), ``"pin_locked"`` (value: seconds left),
    ``"open_staff"``, ``"staff_unavailable"`` (no PIN configured), ``"volume"`` (value: 0..1;
    0 in quiet hours), ``"out_of_order"`` (value: the error), ``"restart"``, ``"quit"`` (the
    staff stopped the kiosk: the exhibit ends with status 0, and the supervisor with it).
    """

    kind: str
    value: object = None


def _us(seconds: float) -> int:
    return round(seconds * _US)


def _ceil_s(us: int) -> int:
    return -(-us // _US)


class Flow:
    """The kiosk's state machine.

    Parameters
    ----------
    config : KioskConfig
        Its timeouts, the PIN hash, quiet hours, volume and daily restart.
    counters : Counters, optional
        Where visitors, teachings, resets and staff sessions are counted (default: in memory).
    """

    def __init__(self, *, config, counters: Counters | None = None):
        self.config = config
        self.counters = Counters() if counters is None else counters
        self.mode_ = Mode.ATTRACT
        self.idle_us_ = 0
        self.countdown_us_ = 0
        self.shown_seconds_ = None
        self.hold_us_ = None            # None: no corner held
        self.pin_ = ""
        self.tries_ = 0
        self.lockout_us_ = 0
        self.before_staff_ = Mode.ATTRACT
        self.last_error_ = None
        self.quiet_ = None              # unknown until the first local time is given
        self.last_local_ = None
        self.restarted_on_ = None
        self.restart_pending_ = False

    # ------------------------------------------------------------------ reading
    @property
    def mode(self) -> Mode:
        """The current mode."""
        return self.mode_

    @property
    def countdown_seconds(self) -> int:
        """Whole seconds the countdown shows (0 outside the countdown)."""
        return _ceil_s(self.countdown_us_) if self.mode_ is Mode.COUNTDOWN else 0

    @property
    def lockout_seconds(self) -> int:
        """Whole seconds before a PIN may be tried again."""
        return _ceil_s(self.lockout_us_)

    @property
    def volume(self) -> float:
        """The volume to play at: the config's, or 0 in quiet hours."""
        return 0.0 if self.quiet_ else self.config.volume

    # ------------------------------------------------------------------ transitions
    def _to(self, mode: Mode, out: list) -> None:
        if mode is not self.mode_:
            log.info("kiosk: %s -> %s", self.mode_.value, mode.value)
            self.mode_ = mode
            out.append(Effect("mode", mode))
        self.idle_us_ = 0

    def _reset_to_attract(self, out: list) -> None:
        if self.mode_ is Mode.COUNTDOWN:
            out.append(Effect("hide_countdown"))
        self.countdown_us_ = 0
        self.shown_seconds_ = None
        self.pin_ = ""
        out.append(Effect("reset_machine"))
        self.counters.add("resets")
        self._to(Mode.ATTRACT, out)
        self._maybe_restart(out)

    def _leave_pin(self, out: list) -> None:
        self.pin_ = ""
        if self.before_staff_ is Mode.OUT_OF_ORDER:
            self._to(Mode.OUT_OF_ORDER, out)
        else:
            self._reset_to_attract(out)

    def _corner_held(self, out: list) -> None:
        self.hold_us_ = None
        if self.config.staff_pin_hash is None:
            log.warning("kiosk: the staff gesture was made, but the config has no staff_pin_hash")
            out.append(Effect("staff_unavailable"))
        else:
            self.before_staff_ = Mode.OUT_OF_ORDER if self.mode_ is Mode.OUT_OF_ORDER else Mode.ATTRACT
            if self.mode_ is Mode.COUNTDOWN:
                out.append(Effect("hide_countdown"))
            self.pin_ = ""
            self._to(Mode.STAFF_PIN, out)
            out.append(Effect("show_pin"))
            if self.lockout_us_ > 0:   # the keypad opens locked, saying how long is left
                out.append(Effect("pin_locked", self.lockout_seconds))

    def _visitor_input(self, teach: bool, out: list) -> None:
        if self.mode_ is Mode.ATTRACT:
            self.counters.add("visitors")
            self._to(Mode.VISITOR, out)
            out.append(Effect("start_visitor"))
            return  # a teach from the attract screen only starts the turn
        if self.mode_ is Mode.COUNTDOWN:
            self.countdown_us_ = 0
            self.shown_seconds_ = None
            out.append(Effect("hide_countdown"))
            self._to(Mode.VISITOR, out)
        if self.mode_ is Mode.VISITOR and teach:
            self.counters.add("teachings")
        self.idle_us_ = 0

    def handle(self, action: str, value=None) -> list[Effect]:
        """Apply one input action; the effects for the app to carry out.

        Parameters
        ----------
        action : str
            ``"touch"`` (any touch, drag or button press of a visitor), ``"teach"`` (a visitor
            taught the machine), ``"hold_corner"`` (value True when a corner is pressed, False
            when released), ``"pin_digit"`` (value: "0".."9"), ``"pin_back"``, ``"pin_ok"``,
            ``"pin_cancel"``, ``"staff_exit"``, ``"staff_quit"`` (stop the kiosk), ``"reset"``
            (reset the machine: on the staff screen it stays there), ``"fault"`` (value: the
            error; out of order).
        value
            The action's value, as above.

        Raises
        ------
        ValueError
            For an action name not listed (a bug in the caller, not a visitor's doing).
        """
        out: list[Effect] = []
        mode = self.mode_
        staff = mode in (Mode.STAFF_PIN, Mode.STAFF)
        if action in ("touch", "teach"):
            if staff:
                self.idle_us_ = 0
            elif mode is not Mode.OUT_OF_ORDER:
                self._visitor_input(action == "teach", out)
        elif action == "hold_corner":
            if staff:
                self.idle_us_ = 0
            elif value:
                self.hold_us_ = 0
                if mode in (Mode.VISITOR, Mode.COUNTDOWN):
                    self.idle_us_ = 0  # a hand on the screen is someone there
            else:
                self.hold_us_ = None
        elif action in ("pin_digit", "pin_back", "pin_ok", "pin_cancel"):
            if mode is Mode.STAFF_PIN:
                self._pin(action, value, out)
        elif action == "staff_exit":
            if mode is Mode.STAFF:
                self._reset_to_attract(out)
        elif action == "staff_quit":
            if mode is Mode.STAFF:
                log.info("kiosk: stopped from the staff screen")
                out.append(Effect("quit"))
        elif action == "reset":
            if mode is Mode.STAFF:
                self.idle_us_ = 0
                out.append(Effect("reset_machine"))
                self.counters.add("resets")
            elif mode is not Mode.OUT_OF_ORDER:
                self._reset_to_attract(out)
        elif action == "fault":
            self.last_error_ = None if value is None else str(value)
            self.hold_us_ = None
            if mode is Mode.COUNTDOWN:
                out.append(Effect("hide_countdown"))
            self._to(Mode.OUT_OF_ORDER, out)
            out.append(Effect("out_of_order", self.last_error_))
        else:
            raise ValueError(f"unknown kiosk action {action!r}")
        return out

    def _pin(self, action: str, value, out: list) -> None:
        self.idle_us_ = 0
        if self.lockout_us_ > 0 and action != "pin_cancel":
            return   # locked: only Cancel works until the lockout is over
        if action == "pin_digit":
            digit = str(value)
            if len(digit) == 1 and digit in "0123456789" and len(self.pin_) < PIN_DIGITS[1]:
                self.pin_ += digit
        elif action == "pin_back":
            self.pin_ = self.pin_[:-1]
        elif action == "pin_cancel":
            self._leave_pin(out)
        elif verify(self.pin_, self.config.staff_pin_hash):
            self.pin_ = ""
            self.tries_ = 0
            self.counters.add("staff_sessions")
            self._to(Mode.STAFF, out)
            out.append(Effect("open_staff"))
        else:
            self.pin_ = ""
            self.tries_ += 1
            log.warning("kiosk: wrong staff PIN (%d of %d)", self.tries_, MAX_PIN_TRIES)
            if self.tries_ >= MAX_PIN_TRIES:
                self.tries_ = 0
                self.lockout_us_ = _us(LOCKOUT_SECONDS)
                out.append(Effect("pin_locked", LOCKOUT_SECONDS))   # the keypad stays, locked
            else:
                out.append(Effect("pin_wrong", MAX_PIN_TRIES - self.tries_))

    # ------------------------------------------------------------------ time
    def _next_deadline(self) -> int | None:
        """Microseconds until the next timed transition, or None."""
        mode = self.mode_
        waits = []
        if mode in (Mode.VISITOR, Mode.STAFF_PIN, Mode.STAFF):
            waits.append(_us(self.config.idle_timeout) - self.idle_us_)
        if mode is Mode.COUNTDOWN:
            waits.append(self.countdown_us_)
        if self.hold_us_ is not None:
            waits.append(_us(self.config.staff_hold_seconds) - self.hold_us_)
        return max(0, min(waits)) if waits else None

    def _advance(self, us: int) -> None:
        self.idle_us_ += us
        if self.mode_ is Mode.COUNTDOWN:
            self.countdown_us_ -= us
        if self.hold_us_ is not None:
            self.hold_us_ += us
        self.lockout_us_ = max(0, self.lockout_us_ - us)

    def _fire(self, out: list) -> None:
        mode = self.mode_
        if self.hold_us_ is not None and self.hold_us_ >= _us(self.config.staff_hold_seconds):
            self._corner_held(out)
        elif mode is Mode.COUNTDOWN and self.countdown_us_ <= 0:
            self._reset_to_attract(out)
        elif mode is Mode.VISITOR and self.idle_us_ >= _us(self.config.idle_timeout):
            self.countdown_us_ = _us(self.config.countdown)
            self._to(Mode.COUNTDOWN, out)
        elif mode is Mode.STAFF_PIN and self.idle_us_ >= _us(self.config.idle_timeout):
            self._leave_pin(out)
        elif mode is Mode.STAFF and self.idle_us_ >= _us(self.config.idle_timeout):
            self._reset_to_attract(out)

    def update(self, dt_seconds: float, *, local: dt.datetime | None = None) -> list[Effect]:
        """Let ``dt_seconds`` pass; the effects of every transition inside it, in order.

        Parameters
        ----------
        dt_seconds : float
            Seconds since the last update (a negative or non-finite step counts as 0: a clock
            that jumped must not stop the exhibit).
        local : datetime.datetime, optional
            The local wall-clock time now, for quiet hours and the daily restart; without it
            they are left as they were.
        """
        out: list[Effect] = []
        remaining = _us(dt_seconds) if math.isfinite(dt_seconds) and dt_seconds > 0 else 0
        for _ in range(64):  # each pass fires one transition; a few at most per step
            wait = self._next_deadline()
            if wait is None or wait > remaining:
                self._advance(remaining)
                break
            self._advance(wait)
            remaining -= wait
            self._fire(out)
        if self.mode_ is Mode.COUNTDOWN and self.countdown_seconds != self.shown_seconds_:
            self.shown_seconds_ = self.countdown_seconds
            out.append(Effect("show_countdown", self.shown_seconds_))
        if local is not None:
            self._clock(local, out)
        return out

    def _clock(self, local: dt.datetime, out: list) -> None:
        quiet = self.config.quiet_at(local.hour * 60 + local.minute)
        if quiet != self.quiet_:
            self.quiet_ = quiet
            out.append(Effect("volume", self.volume))
        at = self.config.daily_restart
        if at is not None and self.last_local_ is not None:
            for day in (local.date() - dt.timedelta(days=1), local.date()):
                instant = dt.datetime.combine(day, dt.time(*at), tzinfo=local.tzinfo)
                if self.last_local_ < instant <= local and self.restarted_on_ != day:
                    self.restarted_on_ = day
                    self.restart_pending_ = True
        self.last_local_ = local
        self._maybe_restart(out)

    def _maybe_restart(self, out: list) -> None:
        if self.restart_pending_ and self.mode_ in (Mode.ATTRACT, Mode.OUT_OF_ORDER):
            self.restart_pending_ = False
            log.info("kiosk: the daily restart is due")
            out.append(Effect("restart"))
