"""The 1958 demonstration: cards marked on the left or on the right.

Rosenblatt's first public demonstration (July 1958) had the perceptron tell punched cards
marked on the left from cards marked on the right. Here the mark is a solid rectangle or
blob of random size anywhere in its half of the retina.
"""

from __future__ import annotations

import numpy as np

from .deck import Deck
from .render import GRID, box, build_deck, to_grid

CLASS_NAMES = ("LEFT", "RIGHT")
MARK_WIDTH = (3.0, 8.0)
MARK_HEIGHT = (3.0, 10.0)
#: Columns kept dark either side of the midline, so no card is ambiguous.
MIDLINE_GAP = 1.0


def _draw_mark(label: int, rng: np.random.Generator) -> np.ndarray:
    width, height = rng.uniform(*MARK_WIDTH), rng.uniform(*MARK_HEIGHT)
    half_room = GRID / 2 - MIDLINE_GAP - width
    x0 = rng.uniform(0.0, half_room) + (0.0 if label == 0 else GRID / 2 + MIDLINE_GAP)
    y0 = rng.uniform(0.0, GRID - height)
    blob = rng.random() < 0.5
    return to_grid(box(x0, y0, x0 + width, y0 + height, ellipse=blob))


def left_right_cards(n, *, rng: np.random.Generator, noise: float = 0.0) -> Deck:
    """Cards with a solid mark in the left or the right half of the retina.

    The mark is a rectangle or an ellipse ("blob"), 3 to 8 cells wide and 3 to 10 high,
    at a random place within its half; the column either side of the midline stays dark.

    Parameters
    ----------
    n : int
        Number of cards.
    rng : numpy.random.Generator
        Source of all randomness (classes, sizes, places, noise).
    noise : float
        Standard deviation of Gaussian noise added to the light levels, from 0 to 1.

    Returns
    -------
    Deck
        Labels 0 = "LEFT", 1 = "RIGHT".

    Raises
    ------
    ConfigError
        When an argument is out of range.
    """
    return build_deck(n, CLASS_NAMES, rng, _draw_mark, noise)
