"""The Mark I's run loop: cards presented in blocks, accuracy measured on held-out cards.

What :mod:`simulator.experiments` (the record's experiments) and
:mod:`simulator.lecture.contrast` (the lecture's side-by-side runs) both train with, and
the :class:`Result` both return. It imports neither of them, so neither imports the other
for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .cards import Deck
from .machine import MarkI

#: Held-out accuracy at which a run counts as learned (``trials_to_criterion``).
CRITERION = 0.95
#: How many of the latest training cards are kept to report training accuracy on a stream.
TRAIN_WINDOW = 2000
#: Cards dealt at a time: bounds memory however long the run.
BLOCK = 2048


def checkpoints(trials: int) -> list[int]:
    """When to measure test accuracy: every trial to 100, then ever coarser, and the end."""
    points, step, t = [], 1, 0
    while t < trials:
        t += step
        points.append(min(t, trials))
        if t >= 100 * step:
            step *= 10
    return sorted(set(points))


@dataclass
class Result:
    """What an experiment run measured; :meth:`as_dict` is the ``--json`` object."""

    experiment: str
    seed: int
    a_units: int
    trials: int
    trials_to_criterion: int | None
    train_accuracy: float
    test_accuracy: float
    best_test_accuracy: float
    curve: list
    errors: list
    published: str
    class_names: tuple
    settings: dict
    mean_active: float = float("nan")
    #: What other models did on the same task, and a one-line finding (the lecture's runs).
    details: dict = field(default_factory=dict)
    #: Fraction of test cards whose photocell pattern (thresholded, before photocell noise)
    #: a training card had; None where the run deals its own cards (a lecture contrast).
    test_seen_in_training: float | None = None
    #: Distinct photocell patterns in the training set (a fixed set, whole) or among the
    #: training cards presented (a stream of fresh cards), and among the test cards.
    distinct_train_patterns: int | None = None
    distinct_test_patterns: int | None = None

    def as_dict(self) -> dict:
        return {
            "experiment": self.experiment, "seed": self.seed, "a_units": self.a_units,
            "trials": self.trials, "trials_to_criterion": self.trials_to_criterion,
            "train_accuracy": self.train_accuracy, "test_accuracy": self.test_accuracy,
            "best_test_accuracy": self.best_test_accuracy, "curve": self.curve,
            "errors_per_block": self.errors, "published": self.published,
            "classes": list(self.class_names), "settings": self.settings,
            "mean_active": self.mean_active,
            "test_seen_in_training": self.test_seen_in_training,
            "distinct_train_patterns": self.distinct_train_patterns,
            "distinct_test_patterns": self.distinct_test_patterns,
            **({"details": self.details} if self.details else {}),
        }


def build_machine(seed: int, wiring_ss: np.random.SeedSequence, **settings) -> MarkI:
    """A machine for a run: its plugboard from ``wiring_ss``, built and checked at once.

    Built now, so bad settings fail before any card is dealt.
    """
    m = MarkI(seed=seed, wiring_seed=int(wiring_ss.generate_state(1)[0]), **settings)
    m.reset_weights()
    return m


def mean_active(machine: MarkI, cards: Deck) -> float:
    """Rosenblatt's P_a: the fraction of A-units a card lights, over ``cards``.

    Measure it last: with noisy photocells it draws from the machine's generator, and must
    not change a run's other figures.
    """
    return round(float(machine.associate(cards.cards).mean()), 6)


@dataclass
class Learning:
    """What :func:`learn` saw: the curve, mistakes per stretch, and the latest cards."""

    curve: list          # [presentations, test accuracy] at each checkpoint
    errors: list         # [presentations, mistakes since the previous checkpoint]
    best: float
    to_criterion: int | None
    recent: Deck         # the last TRAIN_WINDOW training cards presented


def learn(machine: MarkI, next_block: Callable[[int], Deck], test: Deck, trials: int, *,
          progress: Callable[[int], None] | None = None) -> Learning:
    """Present ``trials`` cards, ``next_block(k)`` at a time, and measure as it learns.

    Test accuracy is taken at :func:`checkpoints`; cards come in blocks of at most
    :data:`BLOCK`, so memory stays flat however long the run.
    """
    n_classes = len(test.class_names)
    curve, errors, done, best, to_criterion = [], [], 0, 0.0, None
    recent = Deck(np.empty((0,) + test.cards.shape[1:], np.float32), np.empty(0, np.int64),
                  test.class_names)
    for point in checkpoints(trials):
        wrong = 0
        while done < point:
            block = next_block(min(point - done, BLOCK))
            recent = Deck(np.concatenate([recent.cards, block.cards])[-TRAIN_WINDOW:],
                          np.concatenate([recent.labels, block.labels])[-TRAIN_WINDOW:],
                          test.class_names)
            wrong += int(machine.train(block.cards, block.labels, n_classes=n_classes)
                         .mistakes.sum())
            done += len(block)
            if progress:
                progress(done)
        acc = machine.score(test.cards, test.labels)
        best = max(best, acc)
        curve.append([done, round(acc, 6)])
        errors.append([done, wrong])
        if to_criterion is None and acc >= CRITERION:
            to_criterion = done
    return Learning(curve, errors, best, to_criterion, recent)


