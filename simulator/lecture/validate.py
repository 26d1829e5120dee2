"""Checks on the lecture models' settings: each failure is one ConfigError line.

The messages say what was given and what is accepted, so ``mark1`` can print them as they
are and exit with status 2.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from ..errors import ConfigError


def positive_number(name: str, value, *, upper: float = 1e6) -> float:
    """``value`` as a float, if it is a finite real number in (0, upper]."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(value)
    if not ok or not 0 < value <= upper:
        raise ConfigError(f"{name} must be a finite number above 0 and at most {upper:g}, "
                          f"got {value!r}")
    return float(value)


def non_negative_number(name: str, value, *, upper: float = 1e6) -> float:
    """``value`` as a float, if it is a finite real number in [0, upper]."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(value)
    if not ok or not 0 <= value <= upper:
        raise ConfigError(f"{name} must be a finite number from 0 to {upper:g}, got {value!r}")
    return float(value)


def whole_number(name: str, value, *, lo: int = 1, hi: int = 10**9) -> int:
    """``value`` as an int, if it is a whole number in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}")
    return int(value)


def generator(rng) -> np.random.Generator:
    """``rng`` if it is a numpy Generator; global random state is never used."""
    if not isinstance(rng, np.random.Generator):
        raise ConfigError("rng must be a numpy.random.Generator, e.g. "
                          f"numpy.random.default_rng(0); got {type(rng).__name__}")
    return rng


def matrix(name: str, X, *, columns: int | None = None) -> np.ndarray:
    """``X`` as a finite float64 array of shape (n, columns), n >= 1."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1 and columns is not None and columns != 1 and X.size == columns:
        X = X[None]
    if X.ndim != 2 or len(X) == 0 or (columns is not None and X.shape[1] != columns):
        want = f"(n, {columns})" if columns is not None else "(n, features)"
        raise ConfigError(f"{name} must have shape {want} with n >= 1, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ConfigError(f"{name} must hold finite numbers only")
    return X


def binary_labels(name: str, y, n: int) -> np.ndarray:
    """``y`` as an int64 array of n labels, each 0 or 1."""
    y = np.asarray(y)
    if y.shape != (n,) or not np.all(np.isin(y, (0, 1))):
        raise ConfigError(f"{name} must be {n} labels, each 0 or 1")
    return y.astype(np.int64)
