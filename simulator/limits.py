"""The one table of limits: the machine, the experiments, the commands, the state files and the
kiosk's config all check against these numbers, so they cannot disagree.

Each limit is the closed range a setting may take (or half-open, for a rate that must be above
zero). The largest machine allowed is one the front panel can still draw and a state file can
hold without gigabytes of memory.

To check a value, call :func:`check` with the limit's name::

    a_units = check("a_units", value)          # an int, or a one-line ConfigError
    rate = check("learning_rate", value)       # a float

Every message about a limit gives its range in the same words (:meth:`Limit.span`), so the
command line and the machine say the same thing about the same setting.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from .checks import number, whole_number


@dataclass(frozen=True)
class Limit:
    """A closed range [lo, hi] for one setting, and the words that name the setting.

    Attributes
    ----------
    lo, hi : int or float
        The smallest and the largest value accepted.
    what : str
        What the setting counts or measures, in words.
    whole : bool
        Whether only whole numbers are accepted (else any finite real number).
    above : bool
        Whether ``lo`` itself is refused (a rate must be above zero).
    """

    lo: float
    hi: float
    what: str
    whole: bool = True
    above: bool = False

    def span(self) -> str:
        """The range in words, as every message about this limit gives it."""
        if self.whole:
            return f"from {self.lo:,} to {self.hi:,}"
        if self.above:
            return f"above {self.lo:g} and at most {self.hi:g}"
        return f"from {self.lo:g} to {self.hi:g}"

    def accepts(self, value) -> bool:
        """Whether a number (already of the right kind) lies within the range."""
        return (value > self.lo if self.above else value >= self.lo) and value <= self.hi


def _number(lo, hi, what, *, above=False) -> Limit:
    return Limit(lo, hi, what, whole=False, above=above)


LIMITS: dict[str, Limit] = {
    "retina_size": Limit(2, 256, "photocells per side"),
    "a_units": Limit(1, 100_000, "association units"),
    "r_units": Limit(1, 64, "response units"),
    "excitatory": Limit(0, 1000, "excitatory connections per A-unit"),
    "inhibitory": Limit(0, 1000, "inhibitory connections per A-unit"),
    # all the plugboard's wires (a_units x (excitatory + inhibitory)): caps the wiring arrays a
    # state file may declare at 80 MB, far above the Mark I's 512 x 10
    "connections": Limit(1, 10_000_000, "plugboard connections in all"),
    "seed": Limit(0, 2**63 - 1, "seed"),
    "trials": Limit(1, 10_000_000, "presentations"),
    "test_cards": Limit(1, 1_000_000, "held-out test cards"),
    "cards": Limit(1, 1_000_000, "cards in one deck"),
    "passes": Limit(1, 10_000, "passes over the pictures"),
    "contact_sheet_cards": Limit(1, 1000, "cards on one contact sheet"),
    "frames": Limit(1, 10_000_000, "frames"),
    "window_width": Limit(320, 8192, "window width in pixels"),
    "window_height": Limit(240, 8192, "window height in pixels"),
    "hidden_units": Limit(1, 1_000_000, "hidden units"),
    "epochs": Limit(1, 10_000_000, "passes over the training cards"),
    "speed": _number(0.5, 100, "trials a second"),
    "a_threshold": _number(-1000, 1000, "A-unit threshold"),
    "s_threshold": _number(0, 1, "photocell threshold (light level)", above=True),
    "photocell_noise": _number(0, 1, "photocell noise (standard deviation of light)"),
    "learning_rate": _number(0, 1e6, "learning rate", above=True),
    # rule "lms" (Widrow and Hoff): the share of a card's error one correction removes; the
    # rule converges for shares below 2, and above 1 it overshoots each card's target
    "lms_rate": _number(0, 1, "share of a card's error one LMS correction removes", above=True),
    "weight_limit": _number(0, 1e12, "potentiometer end stop", above=True),
    "weight_step": _number(0, 1e12, "potentiometer ratchet step", above=True),
    "connectivity": _number(0, 1, "fraction of A->R pairs wired", above=True),
    "class_count": Limit(2, 256, "classes"),
    "picture_pixels": Limit(1, 40_000_000, "pixels in one picture"),
    # the sensor rig's commands (hardware/commands.py)
    "rig_check_seconds": _number(0.1, 3600, "seconds `mark1 rig check` watches the rig"),
    # the kiosk's config (simulator/kiosk/config.py); times in seconds
    "idle_timeout": _number(5, 3600, "seconds without a touch before the countdown"),
    "countdown": _number(1, 120, "seconds of the still-there countdown"),
    "staff_hold_seconds": _number(1, 60, "seconds a corner is held for the staff PIN"),
    "volume": _number(0, 1, "sound volume"),
    "log_max_bytes": Limit(10_000, 1_000_000_000, "bytes in one log file"),
    "log_backups": Limit(0, 100, "old log files kept"),
    "crash_limit": Limit(1, 1000, "crashes in an hour before out of order"),
    "heartbeat_timeout": _number(1, 600, "seconds without a heartbeat before a restart"),
    "restart_backoff": _number(0, 600, "seconds before the first restart", above=True),
}


def limit(name: str) -> Limit:
    """The limit called ``name`` (a KeyError names a missing one, a bug, not bad input)."""
    return LIMITS[name]


def check(name: str, value, *, label: str | None = None):
    """``value`` if it lies within the limit called ``name``; else a one-line ConfigError.

    Parameters
    ----------
    name : str
        A key of :data:`LIMITS`.
    value
        The value to check. Numpy numbers are accepted and returned as Python ones, so no
        narrow integer type reaches arithmetic that could overflow.
    label : str, optional
        How the message names the setting (default: ``name``), e.g. ``"--a-units"``.

    Returns
    -------
    int or float
        An int for a whole-number limit, a float otherwise.

    Raises
    ------
    ConfigError
        ``"<label> must be a whole number from 1 to 100,000, got 0"`` and the like.
    """
    lim = LIMITS[name]
    label = name if label is None else label
    if lim.whole:
        return whole_number(label, value, lo=int(lim.lo), hi=int(lim.hi))
    return number(label, value, lim.lo, lim.hi, above=lim.above)


def option_type(name: str):
    """An argparse type for the setting called ``name`` in :data:`simulator.limits.LIMITS`.

    Its range and the words of its message are the table's, as the machine's and the
    experiments' are. The parse function carries the name (``.limit``) so a test can find
    every option that has a limit.
    """
    lim = limit(name)

    def parse(text: str):
        try:
            value = int(text.replace("_", "").replace(",", "")) if lim.whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a {'whole ' if lim.whole else ''}number") from None
        if not lim.accepts(value):  # also refuses nan
            shown = f"{value:,}" if lim.whole else text
            raise argparse.ArgumentTypeError(f"{shown} is out of range: give a number {lim.span()} "
                                             f"({lim.what})")
        return value
    parse.limit = name
    return parse
