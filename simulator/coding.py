"""How classes are read off the 8 R-unit lamps.

The record does not say how the Mark I coded classes on its R-units: the 1958 paper proposes
binary-coded responses (8 units -> up to 256 classes), a secondary source says the most
active unit wins. Both are offered, and ``bits`` for independent yes/no answers.
R-units a coding does not use get target 0: the trainer leaves them alone.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError

CODINGS = ("binary", "winner", "bits")


def units_used(coding: str, n_classes: int, r_units: int) -> int:
    """How many R-units carry the answer for ``n_classes`` classes."""
    if coding == "binary":
        need = max(1, int(np.ceil(np.log2(n_classes)))) if n_classes > 1 else 1
        if need > r_units:
            raise ConfigError(
                f"binary coding of {n_classes} classes needs {need} R-units, the machine has "
                f"{r_units}; use more R-units or fewer classes"
            )
        return need
    if coding == "winner":
        if n_classes > r_units:
            raise ConfigError(
                f"winner-take-all coding of {n_classes} classes needs {n_classes} R-units, the "
                f"machine has {r_units}; use coding='binary' or more R-units"
            )
        return n_classes
    return r_units


def encode(labels: np.ndarray, coding: str, n_classes: int, r_units: int) -> np.ndarray:
    """Class labels -> (n, r_units) int8 targets in {-1, 0, +1}."""
    used = units_used(coding, n_classes, r_units)
    out = np.zeros((labels.shape[0], r_units), dtype=np.int8)
    if coding == "binary":
        bits = (labels[:, None] >> np.arange(used)) & 1
        out[:, :used] = np.where(bits == 1, 1, -1)
    elif coding == "winner":
        out[:, :used] = -1
        out[np.arange(labels.shape[0]), labels] = 1
    else:
        raise ConfigError("coding='bits' takes (n, r_units) targets of -1/+1, not class labels; "
                          "use coding='binary' or 'winner' for class labels")
    return out


def decode(scores: np.ndarray, coding: str, n_classes: int, ties_fire: bool = False) -> np.ndarray:
    """(n, r_units) R-unit inputs -> class labels (int64); -1 where the code names no class."""
    r_units = scores.shape[1]
    used = units_used(coding, n_classes, r_units)
    if coding == "winner":
        return np.argmax(scores[:, :used], axis=1).astype(np.int64)
    if coding == "binary":
        fired = scores[:, :used] >= 0 if ties_fire else scores[:, :used] > 0
        labels = (fired.astype(np.int64) << np.arange(used)).sum(axis=1)
        labels[labels >= n_classes] = -1
        return labels
    raise ConfigError("coding='bits' has no class labels; read respond() instead")
