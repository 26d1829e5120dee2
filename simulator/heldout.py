"""Held-out cards new to the photocells: a card's photocell pattern, and dealing around a set.

A card's photocell pattern is its light levels thresholded at the photocell threshold, before
any photocell noise (what the retina would report of it); two cards with one pattern are the
same card to the machine. :func:`deal_unseen` deals cards none of whose patterns is in a given
set. Used by :mod:`simulator.experiments` (every Mark I run), :mod:`simulator.lms` and the
lecture's runs (:mod:`simulator.lecture.contrast`), which may not import the experiments.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .cards import Deck
from .errors import ConfigError


def photocell_patterns(cards, threshold: float = 0.5) -> list[bytes]:
    """What the photocells make of each card, as a key: equal keys, the same card to the machine.

    Parameters
    ----------
    cards : numpy.ndarray
        Light levels, shape (n, size, size).
    threshold : float
        The photocell threshold (``MarkI.s_threshold``): a cell fires at or above it, as in
        :meth:`simulator.retina.Retina.sense`, before any photocell noise.

    Returns
    -------
    list of bytes
        One key per card: its firing pattern, packed 8 photocells to a byte.
    """
    light = np.asarray(cards, dtype=np.float32).reshape(len(cards), -1)
    fired = np.packbits(light >= np.float32(threshold), axis=1)
    return [row.tobytes() for row in fired]


def held_out_figures(test_cards, train_keys: set[bytes], threshold: float = 0.5) -> dict:
    """How new a test deck was to the photocells, as every run reports it.

    Returns
    -------
    dict
        ``test_seen_in_training`` (the fraction of test cards whose pattern is in
        ``train_keys``), ``distinct_train_patterns`` and ``distinct_test_patterns``.
    """
    test_list = photocell_patterns(test_cards, threshold)
    return {"test_seen_in_training": round(sum(k in train_keys for k in test_list) / len(test_list), 6),
            "distinct_train_patterns": len(train_keys),
            "distinct_test_patterns": len(set(test_list))}


#: Cards dealt in all, per card wanted, before giving up on finding new patterns.
MAX_DEAL_FACTOR = 200


def deal_unseen(deal: Callable[[int, np.random.Generator], Deck], n: int,
                rng: np.random.Generator, exclude: set[bytes], *, threshold: float = 0.5,
                name: str = "cards") -> Deck:
    """Deal ``n`` cards none of whose photocell patterns is in ``exclude``.

    The first ``n`` cards dealt fix the order of classes; a card whose pattern is excluded is
    replaced, in its place, by the next card dealt of the same class whose pattern is not,
    so dealing again changes neither the class balance nor the order.

    Parameters
    ----------
    deal : callable
        ``deal(k, rng) -> Deck``.
    n : int
        Cards wanted.
    rng : numpy.random.Generator
        Passed to ``deal``.
    exclude : set of bytes
        Patterns (:func:`photocell_patterns`) a dealt card must not have.
    threshold : float
        The photocell threshold the patterns are taken at.
    name : str
        Named in the error.

    Returns
    -------
    Deck

    Raises
    ------
    ConfigError
        When a class yields no new pattern in ``MAX_DEAL_FACTOR`` times ``n`` cards dealt.
    """
    first = deal(n, rng)
    if not exclude:
        return first
    cards, labels = first.cards.copy(), first.labels
    keys = photocell_patterns(cards, threshold)
    holes = [i for i, k in enumerate(keys) if k in exclude]
    dealt = n
    while holes:
        if dealt > MAX_DEAL_FACTOR * n:
            short = sorted({first.class_names[labels[i]] for i in holes})
            raise ConfigError(f"{name}: cannot deal {n} cards whose photocell patterns are new "
                              f"(class {', '.join(short)} has too few distinct patterns); use "
                              "fewer training or test cards")
        more = deal(2 * len(holes) + 8, rng)
        dealt += len(more)
        waiting: dict[int, list[int]] = {}
        for i in holes:
            waiting.setdefault(int(labels[i]), []).append(i)
        for j, key in enumerate(photocell_patterns(more.cards, threshold)):
            slots = waiting.get(int(more.labels[j]))
            if slots and key not in exclude:
                cards[slots.pop(0)] = more.cards[j]
        holes = [i for slots in waiting.values() for i in slots]
    return Deck(cards, labels, first.class_names)
