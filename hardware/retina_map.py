"""A rig's photocell grid on the machine's 20 x 20 retina: calibration, then resampling.

A rig has any grid its handshake announces (8 x 8 on an Uno, 16 x 16 or 20 x 20 on a Mega). Its
raw ADC counts become light levels 0..1 through the rig's calibration (per cell: the count in
the dark is 0, the count in full light is 1, clipped), and the grid is resampled onto the retina
by area, as :mod:`simulator.retina` resamples a picture: each retina cell takes the mean of the
rig cells under it, weighted by how much of each it covers. An 8 x 8 rig seen on 20 x 20 keeps
every mark where it was: rig column 0 covers retina columns 0 and 1 and half of column 2.

Pure numpy: no serial, no pygame.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import numpy as np

from simulator.errors import ConfigError

log = logging.getLogger(__name__)

RETINA = 20       # the machine's retina side (simulator.retina.RETINA_SIZE)
MIN_SPAN = 8      # ADC counts between dark and bright below which a cell's calibration is unusable
METHODS = ("area", "nearest")


@functools.lru_cache(maxsize=64)
def area_weights(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) matrix that resamples a line of ``n_in`` cells onto ``n_out`` by area.

    Output cell i spans ``[i, i + 1) * n_in / n_out`` in input cells; its weight on input cell j is
    the length of that span inside ``[j, j + 1)``, divided by the span's length, so each row sums
    to 1 (a uniform picture stays uniform).
    """
    if n_in < 1 or n_out < 1:
        raise ConfigError(f"cannot resample {n_in} cells onto {n_out}: both must be at least 1")
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    j = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)
    w = overlap / (n_in / n_out)
    w.flags.writeable = False
    return w


@functools.lru_cache(maxsize=64)
def nearest_weights(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) 0/1 matrix that takes, for each output cell, the input cell under its centre."""
    if n_in < 1 or n_out < 1:
        raise ConfigError(f"cannot resample {n_in} cells onto {n_out}: both must be at least 1")
    w = np.zeros((n_out, n_in))
    w[np.arange(n_out), np.minimum(((np.arange(n_out) + 0.5) * n_in / n_out).astype(int), n_in - 1)] = 1.0
    w.flags.writeable = False
    return w


def to_light(raw, *, dark=None, bright=None, adc_bits: int = 10) -> np.ndarray:
    """Raw ADC counts -> light levels 0..1 (float32), per cell, clipped.

    Parameters
    ----------
    raw : array (rows, cols)
        Counts from a ``FRAME``.
    dark, bright : array (rows, cols), optional
        The calibration's counts in the dark and in full light. Without them (or for a cell whose
        two differ by less than :data:`MIN_SPAN` counts, one that does not respond to light) the
        ADC's full scale is used: 0 is dark, ``2**adc_bits - 1`` full light.
    adc_bits : int
        The board's ADC resolution (its HELLO says).
    """
    raw = np.asarray(raw, dtype=np.float64)
    full = float((1 << adc_bits) - 1)
    lo = np.zeros_like(raw)
    hi = np.full_like(raw, full)
    if dark is not None and bright is not None:
        d, b = np.asarray(dark, dtype=np.float64), np.asarray(bright, dtype=np.float64)
        if d.shape != raw.shape or b.shape != raw.shape:
            raise ConfigError(f"a calibration of {d.shape} cells does not fit a frame of {raw.shape}")
        usable = b - d >= MIN_SPAN
        lo = np.where(usable, d, lo)
        hi = np.where(usable, b, hi)
    return np.clip((raw - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def resample(light, *, size: int = RETINA, method: str = "area") -> np.ndarray:
    """A (rows, cols) grid of levels onto (size, size), by ``"area"`` or ``"nearest"`` (float32)."""
    a = np.asarray(light, dtype=np.float64)
    if a.ndim != 2:
        raise ConfigError(f"a photocell grid must be 2-D (rows, cols), not of shape {a.shape}")
    if method not in METHODS:
        raise ConfigError(f"resampling method {method!r}: give area or nearest")
    weights = area_weights if method == "area" else nearest_weights
    out = weights(a.shape[0], size) @ a @ weights(a.shape[1], size).T
    return out.astype(np.float32)


@dataclass(frozen=True, kw_only=True)
class RetinaMap:
    """From a rig's raw frames to the retina's light levels, for one rig and its calibration.

    Parameters
    ----------
    rows, cols : int
        The rig's grid (its HELLO).
    adc_bits : int
        Its ADC resolution.
    dark, bright : array, optional
        Its calibration (:mod:`hardware.calibration`); full scale without.
    size : int
        The retina's side.
    method : str
        ``"area"`` (default) or ``"nearest"``.
    invert : bool
        Light the retina where the rig is dark (a figure cast as a shadow).
    """

    rows: int
    cols: int
    adc_bits: int = 10
    dark: np.ndarray | None = None
    bright: np.ndarray | None = None
    size: int = RETINA
    method: str = "area"
    invert: bool = False

    def __call__(self, raw) -> np.ndarray:
        """The (size, size) light levels 0..1 for one frame's raw counts.

        Raises
        ------
        ConfigError
            When the frame's grid is not this rig's.
        """
        raw = np.asarray(raw)
        if raw.shape != (self.rows, self.cols):
            raise ConfigError(f"a {raw.shape} frame from a rig announced as {self.rows} x {self.cols}")
        levels = resample(to_light(raw, dark=self.dark, bright=self.bright, adc_bits=self.adc_bits),
                          size=self.size, method=self.method)
        return 1.0 - levels if self.invert else levels
