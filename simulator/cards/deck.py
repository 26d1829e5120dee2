"""A deck of cards: the pictures shown to the retina and the class of each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CardError


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays has no single truth value
class Deck:
    """Cards and their classes.

    Parameters
    ----------
    cards : numpy.ndarray
        float32 array of shape (n, size, size), light levels in [0, 1], 1 = figure.
    labels : numpy.ndarray
        int64 array of shape (n,), the class of each card, 0 .. len(class_names) - 1.
    class_names : tuple of str
        Name of each class, indexed by label.
    """

    cards: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    def __post_init__(self):
        cards = np.asarray(self.cards, dtype=np.float32)
        labels = np.asarray(self.labels)
        names = tuple(self.class_names)
        if cards.ndim != 3 or cards.shape[1] != cards.shape[2]:
            raise CardError(f"deck cards must have shape (n, size, size), got {cards.shape}")
        if labels.shape != (len(cards),) or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
            raise CardError(
                f"deck labels must be {len(cards)} whole numbers, one per card, "
                f"got shape {labels.shape} of {labels.dtype}"
            )
        if not names or not all(isinstance(name, str) for name in names):
            raise CardError(f"deck class_names must be a non-empty tuple of str, got {self.class_names!r}")
        if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
            raise CardError(f"deck labels must be in 0..{len(names) - 1} (one per class name)")
        # frozen: the dataclass forbids plain assignment, so normalise the fields this way
        object.__setattr__(self, "cards", cards)
        object.__setattr__(self, "labels", labels.astype(np.int64, copy=False))
        object.__setattr__(self, "class_names", names)

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        per_class = ", ".join(f"{name}: {c}" for name, c in zip(self.class_names, counts))
        size = self.cards.shape[1]
        return f"Deck({len(self)} cards of {size} x {size}; {per_class})"

    def subset(self, index) -> Deck:
        """A new deck holding some of the cards.

        Parameters
        ----------
        index : int, slice, array_like of int or bool
            Which cards to keep, as for numpy indexing (a boolean mask or positions).

        Returns
        -------
        Deck
            The chosen cards with their labels and the same class names.
        """
        if not isinstance(index, slice):
            index = np.asarray(index)
            if index.ndim == 0:  # a single card stays a deck of one, not a bare picture
                index = index[None]
        return Deck(self.cards[index], self.labels[index], self.class_names)
