"""XOR on the retina: two halves, each lit or dark.

The four patterns of two-input "exclusive or", (0, 0), (0, 1), (1, 0), (1, 1), shown to the
Mark I as cards: the left 10 x 20 half of the retina is lit for the first input, the right
half for the second. A little photocell noise is added so that no two cards are the same;
it is far too small (default standard deviation 0.05 about light levels 0 and 1) to move a
photocell across its 0.5 threshold, so every card of a pattern excites the same S-units.
"""

from __future__ import annotations

import numpy as np

from ..cards import Deck
from ..cards.render import GRID, check_n, check_number, check_rng

#: Label 1 = an odd number of halves lit (x1 XOR x2), as for the parity cards.
CLASS_NAMES = ("EVEN", "ODD")
HALF = GRID // 2


def xor_cards(n, *, rng: np.random.Generator, noise: float = 0.05) -> Deck:
    """Cards of the two-input XOR: each retina half lit or dark at random.

    Parameters
    ----------
    n : int
        Number of cards.
    rng : numpy.random.Generator
        Source of the patterns and the noise.
    noise : float
        Standard deviation of Gaussian noise on each cell's light, from 0 to 0.2 (more
        would start to flip photocells and change the task); levels are clipped to [0, 1].

    Returns
    -------
    Deck
        Labels 0 = "EVEN" (both halves dark or both lit), 1 = "ODD" (exactly one lit).
    """
    n = check_n(n)
    rng = check_rng(rng)
    noise = check_number(noise, "noise", 0.0, 0.2)
    bits = rng.integers(0, 2, size=(n, 2))
    cards = np.empty((n, GRID, GRID), dtype=np.float64)
    cards[:, :, :HALF] = bits[:, 0, None, None]
    cards[:, :, HALF:] = bits[:, 1, None, None]
    if noise > 0:
        cards = np.clip(cards + rng.normal(0.0, noise, size=cards.shape), 0.0, 1.0)
    return Deck(cards.astype(np.float32), bits[:, 0] ^ bits[:, 1], CLASS_NAMES)


def half_bits(deck_or_cards) -> np.ndarray:
    """Which halves of XOR cards are lit: uint8 (n, 2), left then right."""
    cards = deck_or_cards.cards if isinstance(deck_or_cards, Deck) else np.asarray(deck_or_cards)
    cards = np.asarray(cards, dtype=np.float32).reshape(-1, GRID, GRID)
    means = np.stack([cards[:, :, :HALF].mean(axis=(1, 2)), cards[:, :, HALF:].mean(axis=(1, 2))], 1)
    return (means > 0.5).astype(np.uint8)
