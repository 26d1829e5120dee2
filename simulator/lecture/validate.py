"""Checks on the lecture models' data (the generic ones live in :mod:`simulator.checks`)."""

from __future__ import annotations

import numpy as np

from ..checks import generator, non_negative_number, positive_number, whole_number  # noqa: F401
from ..errors import ConfigError


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
