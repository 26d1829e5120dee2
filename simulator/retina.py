"""The sensory (S) units: a 20 x 20 grid of photocells.

A picture of any size is resampled onto the grid by area averaging, as a photocell
integrates the light falling on its face. By the project's convention a light level of 1
means "fully excited" (the figure), 0 means dark (the background); dark ink on light paper
is inverted so that the figure is what excites the cells.
"""

from __future__ import annotations

import logging

import numpy as np
from PIL import Image

from .errors import CardError, ConfigError
from .pictures import brightness

log = logging.getLogger(__name__)

RETINA_SIZE = 20


def _border_mean(gray: np.ndarray) -> float:
    edge = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(edge.mean())


def light_levels(picture, *, size: int = RETINA_SIZE, invert: bool | str = "auto") -> np.ndarray:
    """Resample a picture onto the photocell grid.

    Parameters
    ----------
    picture : array_like, PIL.Image.Image, str or path
        A 2-D gray or 3-D RGB(A) array (uint8 0-255, uint16 0-65535, or floats in [0, 1]),
        an open pillow image, or the path of a PNG, JPEG, GIF, BMP, TIFF, WebP, PGM or PPM
        file, read as a person sees it (see :mod:`simulator.pictures`).
    size : int
        Cells per side of the grid.
    invert : bool or "auto"
        Whether to invert brightness so that the figure excites the cells. ``"auto"``
        inverts when the picture's border is mostly light (dark ink on light paper).

    Returns
    -------
    numpy.ndarray
        float32 array of shape (size, size), light levels in [0, 1].

    Raises
    ------
    CardError
        When the picture cannot be read or is not an image.
    """
    gray = brightness(picture, least_side=8 * size if isinstance(size, int) else None)
    if invert == "auto":
        invert = _border_mean(gray) > 0.5
    elif not isinstance(invert, bool):
        raise ConfigError(f"invert must be True, False or 'auto', got {invert!r}")
    if gray.shape != (size, size):
        img = Image.fromarray(gray, mode="F")
        gray = np.asarray(img.resize((size, size), Image.Resampling.BOX), dtype=np.float32)
        gray = np.clip(gray, 0.0, 1.0)
    return (1.0 - gray) if invert else gray.astype(np.float32, copy=False)


class Retina:
    """The S-units: photocells that fire when their light passes a threshold.

    Parameters
    ----------
    size : int
        Cells per side (20 on the Mark I).
    threshold : float
        Light level in [0, 1] at or above which a photocell fires.
    noise : float
        Standard deviation of Gaussian noise added to each cell's light before the
        threshold (photocell noise); 0 for none.
    analog : bool
        Pass light levels through instead of 0/1 firing (after noise, clipped to [0, 1]).
    """

    def __init__(self, *, size: int = RETINA_SIZE, threshold: float = 0.5, noise: float = 0.0,
                 analog: bool = False):
        self.size = size
        self.threshold = threshold
        self.noise = noise
        self.analog = analog

    @property
    def n_cells(self) -> int:
        return int(self.size) ** 2

    def check_cards(self, cards) -> np.ndarray:
        """Return cards as a float32 (n, size, size) array or raise CardError.

        Accepted: numbers of any real kind (bool, integers, floats; uint8 read as 0-255), one
        card (size, size) or many (n, size, size), n = 0 too. Refused, each in one line: a
        file name, ragged lists, strings, objects, complex numbers, NaN or infinite values.
        """
        if isinstance(cards, (str, bytes)) or hasattr(cards, "__fspath__"):
            raise CardError(f"cards must be arrays of light levels, not a file name ({cards!r:.60}); "
                            "read pictures with simulator.light_levels first")
        try:
            arr = np.asarray(cards)
        except (ValueError, TypeError):
            raise CardError(f"cards must be an array of light levels of shape (n, {self.size}, "
                            f"{self.size}), got a ragged list (rows of different lengths)") from None
        if arr.dtype.kind not in "biuf":
            raise CardError(f"cards must hold numbers (light levels in [0, 1]), got dtype {arr.dtype}")
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3 or arr.shape[1:] != (self.size, self.size):
            raise CardError(
                f"cards must have shape (n, {self.size}, {self.size}), got {arr.shape}; "
                "resample pictures with simulator.light_levels first"
            )
        if arr.dtype == np.uint8:
            return arr.astype(np.float32) / 255.0
        with np.errstate(over="ignore"):  # beyond float32 is infinite light: refused below
            arr = arr.astype(np.float32, copy=False)
        if arr.size and not np.all(np.isfinite(arr)):
            raise CardError("cards hold NaN or infinite light levels; give values in [0, 1]")
        return arr

    def sense(self, cards, *, rng: np.random.Generator | None = None) -> np.ndarray:
        """S-unit outputs for a batch of cards.

        Parameters
        ----------
        cards : array_like, shape (n, size, size)
            Light levels in [0, 1].
        rng : numpy.random.Generator, optional
            Source of the photocell noise; needed only when ``noise > 0``.

        Returns
        -------
        numpy.ndarray
            (n, size * size) array: uint8 0/1 firing, or float32 light levels when analog.
        """
        light = self.check_cards(cards).reshape(-1, self.n_cells)
        if self.noise > 0:
            if rng is None:
                raise ConfigError("photocell noise needs a random generator (pass rng=)")
            light = light + rng.normal(0.0, self.noise, size=light.shape).astype(np.float32)
        if self.analog:
            return np.clip(light, 0.0, 1.0).astype(np.float32, copy=False)
        return (light >= np.float32(self.threshold)).astype(np.uint8)
