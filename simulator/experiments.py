"""Rosenblatt's experiments: decks, machine settings, and a runner with held-out cards.

Each experiment trains a fresh machine on training cards and measures accuracy on test
cards it never saw in training (any test card equal to a training card is dealt again).
Cards are dealt and presented in blocks, so a 100,000-trial run holds only the test deck,
one block and a bounded window of recent training cards in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from .cards import Deck, left_right_cards, letter_cards, parity_cards, shape_cards
from .errors import ConfigError
from .learning import CRITERION as CRITERION  # its old home: the commands read it here
from .learning import Result, build_machine, learn, mean_active
from .limits import check as check_limit

log = logging.getLogger(__name__)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Experiment:
    """One experiment of the record.

    Attributes
    ----------
    name, title : str
        Command-line name and a one-line description.
    deal : callable
        ``deal(n, rng) -> Deck``: ``n`` fresh cards.
    published : str
        The published result this experiment reproduces (REFERENCE.md).
    trials : int or None
        Default number of presentations (None: the runner trains a fixed set its own way).
    train_cards : int or None
        Size of the fixed training set presented over and over; None for a stream of fresh
        cards (each presented once).
    test_cards : int
        Size of the held-out test deck.
    machine : dict
        MarkI settings that differ from the defaults (documented in docs/FIDELITY.md).
    runner : callable or None
        A run of its own (see below); None for the Mark I runner.
    panel : bool
        Whether the front panel offers it.
    extras : callable or None
        ``extras(result) -> dict``: more to report beside the Mark I's run.
    """

    name: str
    title: str
    deal: Callable[[int, np.random.Generator], Deck]
    published: str
    trials: int | None
    train_cards: int | None = None
    test_cards: int = 1000
    machine: dict = field(default_factory=dict)
    #: A run of its own instead of the Mark I runner (the lecture's contrasts); called with
    #: keyword arguments seed, trials, a_units, test_cards (None: its default).
    runner: Callable | None = None
    #: Offered on the front panel's experiment button.
    panel: bool = True
    #: Called with the finished Result; returns its ``details`` (other models, a finding).
    extras: Callable | None = None


def _shapes(*names, style="outline", rotate=True, shift=True, size=None):
    return lambda n, rng: shape_cards(n, rng=rng, shapes=names, style=style, rotate=rotate,
                                      shift=shift, size=size)


def _letters(letters, typefaces=("sans",), shift=True, size=None, noise=0.0):
    return lambda n, rng: letter_cards(n, rng=rng, letters=letters, typefaces=typefaces,
                                       shift=shift, size=size, noise=noise)


# Settings and their reasons are measured in docs/FIDELITY.md (benchmarks/fidelity.py); they
# were chosen on seeds 1000-1009 and are reported on seeds 0-19. Where the record is silent on
# how the cards looked, the deck below is a documented choice, not a claim.

#: Rosenblatt's letters were most likely shown in one place at one size: a fixed height and a
#: little ink noise (as a printed card differs from the next) keep every card distinct, so the
#: held-out cards are new cards, not copies of the training ones.
LETTER_CARDS = dict(shift=False, size=15.0, noise=0.05)
#: Noisy photocells make each presentation of the same card differ, as on the hardware; the
#: trainer then corrects on slightly different views, which widens the margin (letters: 97.7%
#: without it, ~100% with it, on the tuning seeds).
LETTER_MACHINE = dict(photocell_noise=0.05)

def _lecture(name: str):
    """A runner from :mod:`simulator.lecture.contrast`, imported when run.

    Imported when run, not here: the lecture's models are not needed to deal a panel's cards,
    and a kiosk's start-up should not pay for them.
    """
    def run_it(*, seed, trials, a_units, test_cards):
        from .lecture import contrast
        given = {"trials": trials, "a_units": a_units, "test_cards": test_cards}
        kwargs = {k: v for k, v in given.items() if v is not None}
        return getattr(contrast, name)(seed=seed, **kwargs)
    return run_it


def _xor_extras(result: Result) -> dict:
    """The lecture's side of XOR: what one layer of weights and a hidden layer do with it."""
    from .lecture import contrast
    two = contrast.run_xor(seed=result.seed)
    d = two.details
    hidden = d["network"]["sizes"][1]
    return {
        "finding": (
            f"XOR over 16 blocks (Minsky & Papert's generalisation): the Mark I's best "
            f"{result.best_test_accuracy:.1%}, never 100%, as each A-unit sees at most "
            f"{result.settings['excitatory'] + result.settings['inhibitory']} of the 16 "
            "blocks. The "
            f"two-input XOR: one layer of weights on the raw inputs (the lecture's perceptron) "
            f"best {d['perceptron']['best_accuracy']:.0%}; a {hidden}-unit hidden layer trained "
            f"by backpropagation {d['network']['test_accuracy']:.0%}; the Mark I itself on "
            f"cards of two lit or dark halves {two.best_test_accuracy:.0%}, because its random "
            "A-units already are a fixed hidden layer."),
        "two_inputs": {"perceptron": d["perceptron"], "network": d["network"],
                       "mark1_on_two_halves": {"best_test_accuracy": two.best_test_accuracy,
                                               "a_units": two.a_units}},
    }


EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in [
    # The defaults (5 excitatory + 5 inhibitory, threshold 2, P_a ~ 0.04) already learn it in
    # ~25 trials; a lower threshold learns faster but lights a quarter of the A-units.
    Experiment("left-right", "1958 demo: cards marked on the left or on the right",
               lambda n, rng: left_right_cards(n, rng=rng),
               "learned after about 50 trials (IBM 704, 7 July 1958)", trials=200),
    # Solid figures: the record does not say outline or solid, and an outline square and
    # circle share most of their lit cells (97-99% at best). Fewer inhibitory inputs and a
    # threshold of 3 keep P_a modest (~0.18) while each A-unit sees a larger piece of figure.
    Experiment("square-circle", "squares vs circles, varied position and rotation",
               _shapes("square", "circle", style="solid"),
               "99.8% after 10,000 cards, 500 A-units", trials=10_000,
               machine={"a_units": 500, "excitatory": 6, "inhibitory": 2, "a_threshold": 3}),
    # 100% from 60 cards implies the figures were shown in one place: with position varied,
    # 1,000 A-units and 60 cards reach only ~94% (outline) / ~97% (solid). Centred, they still
    # wobble +-10 degrees, so no two cards are alike.
    Experiment("square-diamond", "squares vs diamonds (a square turned 45 degrees), centred",
               _shapes("square", "diamond", shift=False),
               "100% after 60 training cards, 1,000 A-units", trials=600, train_cards=60,
               machine={"a_units": 1000}),
    # Kept jittered (+-2 cells, 14-17 cells high): a published figure well short of 100%
    # suggests varied cards, and the defaults clear >80% with room (~95%).
    Experiment("e-f", "the letters E vs F", _letters("EF"),
               ">80% after 60 training cards, 1,000 A-units", trials=600, train_cards=60,
               machine={"a_units": 1000}),
    Experiment("x-e", "the letters X vs E", _letters("XE"),
               "(no published figure; a pair far apart, for contrast with E vs F)",
               trials=600, train_cards=60, machine={"a_units": 1000}),
    # 26 classes on 5 R-units by binary coding (8 lamps cannot take 26 winner-take-all units).
    Experiment("letters", "the 26 capital letters, one typeface, shown in one place",
               _letters(LETTERS, **LETTER_CARDS),
               "identified without error, 512 A-units", trials=26 * 200, train_cards=26 * 20,
               test_cards=26 * 20, machine=LETTER_MACHINE),
    # Same cards and machine as "letters", only the second typeface added, as the record says.
    Experiment("letters-2", "26 letters, a second typeface added",
               _letters(LETTERS, ("sans", "serif"), **LETTER_CARDS),
               "about 85%, 512 A-units", trials=52 * 200, train_cards=52 * 20, test_cards=52 * 20,
               machine=LETTER_MACHINE),
    # Never 100% whatever the settings while an A-unit has fewer than 16 connections
    # (Minsky & Papert: parity of 16 blocks needs A-units of order 16).
    Experiment("xor", "XOR over 16 retina blocks (parity, Minsky & Papert 1969)",
               lambda n, rng: parity_cards(n, rng=rng, blocks=4),
               "never 100% on one trainable layer", trials=10_000, extras=_xor_extras),
    # The lecture's contrast: A-units of fan-in 3 on 4 blocks, so Minsky & Papert's order
    # argument holds (parity of 4 needs order 4) while a hidden layer of 8 learns it.
    Experiment("parity", "parity of 4 retina blocks: one trainable layer vs a hidden layer",
               lambda n, rng: parity_cards(n, rng=rng, blocks=2),
               "never 100% on one trainable layer (Minsky & Papert 1969); a hidden layer "
               "trained by backpropagation learns it", trials=4000,
               machine={"excitatory": 2, "inhibitory": 1}, runner=_lecture("run_parity")),
    Experiment("logistic", "logistic regression on the A-units, square vs circle",
               _shapes("square", "circle"),
               "(lecture) threshold 0.5 by default; a higher threshold buys precision, a lower "
               "one recall", trials=None, runner=_lecture("run_logistic"), panel=False),
]}


def class_names(exp: Experiment) -> tuple[str, ...]:
    """An experiment's class names (from one card dealt on the side)."""
    return _class_names(exp.name)


@cache
def _class_names(name: str) -> tuple[str, ...]:
    return EXPERIMENTS[name].deal(1, np.random.default_rng(0)).class_names


def get(name: str) -> Experiment:
    """The experiment called ``name``, or a ConfigError listing the valid names."""
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise ConfigError(f"unknown experiment {name!r}; choose one of "
                          f"{', '.join(EXPERIMENTS)} (or see 'mark1 experiment --list')") from None


def _card_key_list(cards: np.ndarray) -> list[bytes]:
    # Quantised to 8 bits, as a card would be printed: equal keys mean the same card.
    q = np.rint(np.clip(cards, 0, 1) * 255).astype(np.uint8)
    return [row.tobytes() for row in q.reshape(len(q), -1)]


def _card_keys(cards: np.ndarray) -> set[bytes]:
    return set(_card_key_list(cards))


def _deal_unseen(exp: Experiment, n: int, rng, exclude: set[bytes]) -> Deck:
    """Deal ``n`` cards none of which is in ``exclude`` (dealing again where needed)."""
    parts, have = [], 0
    for _ in range(1000):
        deck = exp.deal(max(n - have, 1) + 8, rng)
        fresh = np.array([k not in exclude for k in _card_key_list(deck.cards)])
        parts.append(deck.subset(np.flatnonzero(fresh)[: n - have]))
        have += len(parts[-1])
        if have >= n:
            break
    else:
        raise ConfigError(f"{exp.name}: cannot deal {n} test cards unlike the training cards; "
                          "use fewer training or test cards")
    return Deck(np.concatenate([p.cards for p in parts]), np.concatenate([p.labels for p in parts]),
                parts[0].class_names)


def run(name: str, *, seed: int = 0, trials: int | None = None, a_units: int | None = None,
        test_cards: int | None = None, machine: dict | None = None,
        progress: Callable[[int], None] | None = None) -> Result:
    """Run an experiment.

    Parameters
    ----------
    name : str
        One of :data:`EXPERIMENTS`.
    seed : int
        Seeds everything: the wiring, the cards dealt and their order.
    trials : int, optional
        Presentations (default: the experiment's).
    a_units : int, optional
        Association units (default: the experiment's).
    test_cards : int, optional
        Held-out cards to measure on.
    machine : dict, optional
        Further MarkI settings, over the experiment's.
    progress : callable, optional
        Called with the number of presentations made so far.

    Returns
    -------
    Result
    """
    exp = get(name)
    if exp.runner is not None and exp.trials is None and trials is not None:
        raise ConfigError(f"{exp.name} trains a fixed set by gradient descent: --trials does not "
                          "apply to it")
    given_trials, trials = trials, exp.trials if trials is None else trials
    check_limit("seed", seed)
    for name, value in (("trials", trials), ("test_cards", test_cards), ("a_units", a_units)):
        if value is not None:
            check_limit(name, value)
    if exp.runner is not None:
        result = exp.runner(seed=seed, trials=given_trials, a_units=a_units,
                            test_cards=test_cards)
        result.published = exp.published  # the registry's words, one place
        return result
    settings = {**exp.machine, **(machine or {})}
    if a_units is not None:
        settings["a_units"] = a_units
    root = np.random.SeedSequence(seed)
    wiring_ss, test_ss, train_ss = root.spawn(3)
    m = build_machine(seed, wiring_ss, **settings)
    train_rng, test_rng = np.random.default_rng(train_ss), np.random.default_rng(test_ss)

    n_test = test_cards or exp.test_cards
    if exp.train_cards is not None:
        pool = exp.deal(exp.train_cards, train_rng)
        test = _deal_unseen(exp, n_test, test_rng, _card_keys(pool.cards))
    else:
        pool = None
        test = exp.deal(n_test, test_rng)
    test_keys = _card_keys(test.cards) if pool is None else set()
    order = np.empty(0, dtype=np.int64)

    def next_block(k: int) -> Deck:
        nonlocal order
        if pool is None:
            return _deal_unseen(exp, k, train_rng, test_keys)
        while len(order) < k:  # one shuffled pass after another, as a trainer deals
            order = np.concatenate([order, train_rng.permutation(len(pool))])
        block, order = pool.subset(order[:k]), order[k:]
        return block

    learned = learn(m, next_block, test, trials, progress=progress)
    train_set = pool if pool is not None else learned.recent
    train_acc = m.score(train_set.cards, train_set.labels)
    p_a = mean_active(m, test)
    params = {k: v for k, v in m.get_params().items() if k not in ("seed", "wiring_seed")}
    result = Result(exp.name, seed, m.a_units, trials, learned.to_criterion,
                    round(train_acc, 6), round(learned.curve[-1][1], 6), round(learned.best, 6),
                    learned.curve, learned.errors, exp.published, test.class_names, params,
                    p_a)
    if exp.extras is not None:
        result.details = exp.extras(result)
    return result
