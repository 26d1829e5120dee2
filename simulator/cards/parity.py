"""The parity card of Minsky and Papert: is an odd number of blocks lit?

Parity is "exclusive or" generalised to many inputs. Minsky and Papert's *Perceptrons*
(1969) proved that a perceptron whose association units each see only part of the retina
cannot compute it; this deck lets that be seen in the simulator.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .deck import Deck
from .render import GRID, check_n, check_rng

CLASS_NAMES = ("EVEN", "ODD")
BLOCK_CHOICES = tuple(b for b in range(2, GRID + 1) if GRID % b == 0 and b < GRID)


def _check_blocks(blocks) -> int:
    if isinstance(blocks, bool) or not isinstance(blocks, (int, np.integer)) or blocks not in BLOCK_CHOICES:
        raise ConfigError(
            f"blocks must divide the {GRID}-cell retina evenly: one of "
            f"{', '.join(map(str, BLOCK_CHOICES))}; got {blocks!r}"
        )
    return int(blocks)


def parity_cards(n, *, rng: np.random.Generator, blocks: int = 4) -> Deck:
    """Cards of blocks lit or dark at random, labelled by the parity of the lit count.

    The retina is divided into ``blocks`` x ``blocks`` equal square blocks, each lit fully
    (light 1) or left dark, independently with probability 1/2. Block edges fall on cell
    edges, so there are no partly lit cells.

    Parameters
    ----------
    n : int
        Number of cards.
    rng : numpy.random.Generator
        Source of the block patterns.
    blocks : int
        Blocks per side: 2, 4, 5 or 10.

    Returns
    -------
    Deck
        Labels 0 = "EVEN", 1 = "ODD" number of lit blocks; the classes come out balanced
        at random as the parity of fair coin flips is itself a fair coin.

    Raises
    ------
    ConfigError
        When an argument is out of range.
    """
    n = check_n(n)
    rng = check_rng(rng)
    blocks = _check_blocks(blocks)
    bits = rng.integers(0, 2, size=(n, blocks, blocks), dtype=np.uint8)
    cell = GRID // blocks
    cards = np.repeat(np.repeat(bits, cell, axis=1), cell, axis=2).astype(np.float32)
    labels = bits.reshape(n, -1).sum(axis=1, dtype=np.int64) % 2
    return Deck(cards, labels, CLASS_NAMES)


def parity_bits(deck_or_cards, blocks: int = 4) -> np.ndarray:
    """Which blocks of parity cards are lit.

    Parameters
    ----------
    deck_or_cards : Deck or array_like
        A deck, or cards of shape (n, 20, 20) (or one card of shape (20, 20)).
    blocks : int
        Blocks per side the cards were made with.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (n, blocks, blocks): 1 where the block is mostly lit.
    """
    blocks = _check_blocks(blocks)
    cards = np.asarray(deck_or_cards.cards if isinstance(deck_or_cards, Deck) else deck_or_cards,
                       dtype=np.float32)
    if cards.ndim == 2:
        cards = cards[None]
    if cards.ndim != 3 or cards.shape[1:] != (GRID, GRID):
        raise ConfigError(f"parity_bits needs cards of shape (n, {GRID}, {GRID}), got {cards.shape}")
    cell = GRID // blocks
    means = cards.reshape(len(cards), blocks, cell, blocks, cell).mean(axis=(2, 4))
    return (means > 0.5).astype(np.uint8)
