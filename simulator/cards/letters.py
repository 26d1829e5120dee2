"""Capital letters in the typefaces shipped with the simulator."""

from __future__ import annotations

import string
from functools import lru_cache

import numpy as np
from PIL import ImageFont

from ..assets import asset_path
from .deck import Deck
from .render import (
    GRID,
    SUPERSAMPLE,
    build_deck,
    canvas,
    check_choices,
    check_flag,
    check_range,
    random_center,
    to_grid,
)

TYPEFACES = {"sans": "DejaVuSans-Bold.ttf", "serif": "DejaVuSerif-Bold.ttf"}
LETTERS = tuple(string.ascii_uppercase)
#: Letter height in cells: tall enough to fill most of the retina, short enough to move.
DEFAULT_SIZE = (14.0, 17.0)
#: Wide letters (M, W) are shrunk to this width so they stay on the retina.
MAX_WIDTH = 18.0
MAX_SHIFT = 2.0
_REFERENCE_PX = 200


def typeface_names() -> tuple[str, ...]:
    """Names of the typefaces :func:`letter_cards` can use.

    Returns
    -------
    tuple of str
        ``("sans", "serif")``: DejaVu Sans Bold and DejaVu Serif Bold.
    """
    return tuple(TYPEFACES)


@lru_cache(maxsize=512)
def _font(typeface: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(asset_path("fonts", TYPEFACES[typeface])), size=px)


@lru_cache(maxsize=256)
def _glyph_ratio(typeface: str, letter: str) -> tuple[float, float]:
    """Ink width and height of a letter per pixel of font size."""
    left, top, right, bottom = _font(typeface, _REFERENCE_PX).getbbox(letter)
    return (right - left) / _REFERENCE_PX, (bottom - top) / _REFERENCE_PX


def _draw_letter(letter: str, typeface: str, height: float, shift: bool,
                 rng: np.random.Generator) -> np.ndarray:
    ratio_w, ratio_h = _glyph_ratio(typeface, letter)
    # size the font by the letter's own ink, not the font's em, so every letter is `height` tall
    px = max(1, round(SUPERSAMPLE * min(height / ratio_h, MAX_WIDTH / ratio_w)))
    font = _font(typeface, px)
    left, top, right, bottom = font.getbbox(letter)
    half_w, half_h = (right - left) / SUPERSAMPLE / 2, (bottom - top) / SUPERSAMPLE / 2
    center = random_center(half_w, half_h, rng, MAX_SHIFT) if shift else (GRID / 2, GRID / 2)
    cx, cy = (c * SUPERSAMPLE for c in center)
    img, draw = canvas()
    # whole fine pixels: pillow renders a glyph a little differently at each sub-pixel offset
    draw.text((round(cx - (left + right) / 2), round(cy - (top + bottom) / 2)), letter, font=font, fill=255)
    return to_grid(img)


def letter_cards(n, *, rng: np.random.Generator, letters="EF", typefaces=("sans",), size=None,
                 shift: bool = True, noise: float = 0.0) -> Deck:
    """Cards showing one capital letter each; the class is the letter.

    Parameters
    ----------
    n : int
        Number of cards.
    rng : numpy.random.Generator
        Source of all randomness (classes, typefaces, sizes, places, noise).
    letters : str or sequence of str
        Two or more different capital letters A-Z, e.g. "EF"; the class names, in order.
    typefaces : tuple of str
        Typefaces to choose from at random for each card; see :func:`typeface_names`.
    size : float or (float, float), optional
        Height of the letter's ink in cells (5 to 20), or a (min, max) pair drawn per
        card. Default (14, 17). Wide letters are shrunk to at most 18 cells across.
    shift : bool
        Move each letter off centre by up to 2 cells at random, keeping it on the retina.
    noise : float
        Standard deviation of Gaussian noise added to the light levels, from 0 to 1.

    Returns
    -------
    Deck
        Labels index ``letters``.

    Raises
    ------
    ConfigError
        When a letter or typeface is unknown or an argument is out of range.
    MissingAssetError
        When a font file is missing from the installation.
    """
    letters = check_choices(list(letters) if isinstance(letters, str) else letters, "letters", LETTERS,
                            at_least=2, valid="the capital letters A-Z")
    if isinstance(typefaces, str):  # typefaces="serif" surely means that one typeface
        typefaces = (typefaces,)
    typefaces = check_choices(typefaces, "typefaces", typeface_names())
    heights = check_range(size, "size", DEFAULT_SIZE, 5.0, float(GRID))
    shift = check_flag(shift, "shift")
    for typeface in typefaces:  # fail on a missing font now, not after drawing half a deck
        _font(typeface, _REFERENCE_PX)

    def draw_card(label: int, rng: np.random.Generator) -> np.ndarray:
        typeface = typefaces[rng.integers(len(typefaces))]
        height = rng.uniform(*heights)
        return _draw_letter(letters[label], typeface, height, shift, rng)

    return build_deck(n, letters, rng, draw_card, noise)
