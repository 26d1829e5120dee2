"""The sensory (S) units: a 20 x 20 grid of photocells.

A picture of any size is resampled onto the grid by area averaging, as a photocell
integrates the light falling on its face. By the project's convention a light level of 1
means "fully excited" (the figure), 0 means dark (the background); dark ink on light paper
is inverted so that the figure is what excites the cells.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import CardError, ConfigError

log = logging.getLogger(__name__)

RETINA_SIZE = 20
#: Pictures larger than this many pixels are refused rather than decoded (a "decompression
#: bomb" or a mistaken file would otherwise eat the memory).
MAX_PICTURE_PIXELS = 40_000_000


def _border_mean(gray: np.ndarray) -> float:
    edge = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(edge.mean())


def _as_gray_array(picture) -> np.ndarray:
    """Any accepted picture -> 2-D float32 array of brightness in [0, 1]."""
    if isinstance(picture, (str, os.PathLike)):
        return _read_picture_file(Path(picture))
    if isinstance(picture, Image.Image):
        return np.asarray(picture.convert("L"), dtype=np.float32) / 255.0
    arr = np.asarray(picture)
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        rgb = arr[..., :3].astype(np.float32)
        if arr.dtype == np.uint8:
            rgb /= 255.0
        arr = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if arr.ndim != 2 or arr.size == 0:
        raise CardError(
            f"a picture must be a 2-D gray or 3-D RGB array, got shape {arr.shape}; "
            "pass one image at a time"
        )
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    if arr.dtype == bool:
        return arr.astype(np.float32)
    if not np.issubdtype(arr.dtype, np.number):
        raise CardError(f"a picture array must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise CardError("a picture array holds NaN or infinite values; give light levels in [0, 1]")
    return np.clip(arr, 0.0, 1.0)


def _read_picture_file(path: Path) -> np.ndarray:
    if not path.is_file():
        raise CardError(f"{path}: no such picture file")
    try:
        with Image.open(path) as img:
            w, h = img.size
            if w * h > MAX_PICTURE_PIXELS:
                raise CardError(
                    f"{path}: picture is {w} x {h} pixels, more than the {MAX_PICTURE_PIXELS:,} "
                    "accepted; scale it down first"
                )
            img.draft("L", (RETINA_SIZE * 8, RETINA_SIZE * 8))  # JPEG: decode small, fast
            return np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    except CardError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise CardError(f"{path}: not a picture this program can read ({exc.__class__.__name__})") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise CardError(f"{path}: cannot read the picture: {exc}") from None


def light_levels(picture, *, size: int = RETINA_SIZE, invert: bool | str = "auto") -> np.ndarray:
    """Resample a picture onto the photocell grid.

    Parameters
    ----------
    picture : array_like, PIL.Image.Image, str or path
        A 2-D gray or 3-D RGB(A) array (uint8 0-255, or floats in [0, 1]), an open
        pillow image, or the path of any file pillow reads.
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
    gray = _as_gray_array(picture)
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
        """Return cards as a float32 (n, size, size) array or raise CardError."""
        arr = np.asarray(cards)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3 or arr.shape[1:] != (self.size, self.size):
            raise CardError(
                f"cards must have shape (n, {self.size}, {self.size}), got {arr.shape}; "
                "resample pictures with simulator.light_levels first"
            )
        if arr.dtype == np.uint8:
            return arr.astype(np.float32) / 255.0
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
