"""Argument checks shared by the whole project: each failure is one ConfigError line.

The messages say what was given and what is accepted, so ``mark1`` can print them as they
are and exit with status 2.
"""

from __future__ import annotations

import math
import re
from numbers import Integral, Real

import numpy as np

from .errors import ConfigError


def shown(value, width: int = 60) -> str:
    """``repr(value)`` fit for a one-line message: on one line and at most ``width`` characters.

    A numpy array's repr spans lines and a 5,000-digit int's cannot even be made; neither may
    break the one-line promise or hide the error being reported.
    """
    try:
        text = re.sub(r"\s*[\r\n]\s*", " ", repr(value))  # only line breaks: "a  b" stays as it is
    except ValueError:  # an int too long to write out (sys.set_int_max_str_digits)
        text = f"a whole number of about {int(value.bit_length() * 0.30103):,} digits"
    return text if len(text) <= width else text[:width - 3] + "..."


def _finite_real(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    try:
        return math.isfinite(value)
    except (OverflowError, TypeError, ValueError):  # an int beyond any float
        return False


def whole_number(name: str, value, *, lo: int = 1, hi: int = 10**9) -> int:
    """``value`` as an int, if it is a whole number in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {shown(value)}")
    return int(value)


def number(name: str, value, lo: float, hi: float, *, above: bool = False) -> float:
    """``value`` as a float, if it is a finite real number in [lo, hi] ((lo, hi] if ``above``)."""
    if not _finite_real(value) or not (value > lo if above else value >= lo) or value > hi:
        span = f"a finite number above {lo:g} and at most {hi:g}" if above else \
            f"a number from {lo:g} to {hi:g}"
        raise ConfigError(f"{name} must be {span}, got {shown(value)}")
    return float(value)


def positive_number(name: str, value, *, upper: float = 1e6) -> float:
    """``value`` as a float, if it is a finite real number in (0, upper]."""
    return number(name, value, 0.0, upper, above=True)


def non_negative_number(name: str, value, *, upper: float = 1e6) -> float:
    """``value`` as a float, if it is a finite real number in [0, upper]."""
    if not _finite_real(value) or not 0 <= value <= upper:
        raise ConfigError(f"{name} must be a finite number from 0 to {upper:g}, got {shown(value)}")
    return float(value)


def flag(name: str, value) -> bool:
    """``value`` if it is a bool (numpy's too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{name} must be True or False, got {shown(value)}")
    return bool(value)


def generator(rng) -> np.random.Generator:
    """``rng`` if it is a numpy Generator; global random state is never used."""
    if not isinstance(rng, np.random.Generator):
        raise ConfigError("rng must be a numpy.random.Generator, e.g. "
                          f"numpy.random.default_rng(0); got {type(rng).__name__}")
    return rng
