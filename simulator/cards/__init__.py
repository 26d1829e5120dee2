"""Card makers: decks of 20 x 20 pictures for the retina, with their classes.

Every maker returns a :class:`Deck`; the random ones take a ``numpy.random.Generator``
as ``rng`` and give the same deck for the same generator state.
"""

from .deck import Deck
from .folder import folder_cards
from .leftright import left_right_cards
from .letters import letter_cards, typeface_names
from .parity import parity_bits, parity_cards
from .shapes import shape_cards

__all__ = [
    "Deck",
    "folder_cards",
    "left_right_cards",
    "letter_cards",
    "parity_bits",
    "parity_cards",
    "shape_cards",
    "typeface_names",
]
