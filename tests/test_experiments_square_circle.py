"""square-circle as the record has it: thick outlines, a solid and an equal-area deck, one machine;
the lit-photocell count as a one-feature classifier (issue 11)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import experiments as E
from simulator.cards import Deck
from simulator.errors import ConfigError

NAMES = ("square-circle", "square-circle-solid", "square-circle-equal-area")


def test_three_decks_one_machine_as_published():
    exps = [E.get(n) for n in NAMES]
    for exp in exps:
        assert exp.machine == exps[0].machine
        assert exp.machine["a_units"] == 500 and exp.trials == 10_000
        assert exp.train_cards is None                     # a stream of fresh cards
    # the record's settings: a random plugboard, binary A-units, error correction
    assert not {"rule", "analog", "r_units"} & set(exps[0].machine)


def test_decks_differ_only_as_named():
    rng = np.random.default_rng
    outline = E.get("square-circle").deal(200, rng(5))
    solid = E.get("square-circle-solid").deal(200, rng(5))
    equal = E.get("square-circle-equal-area").deal(200, rng(5))
    assert outline.class_names == solid.class_names == equal.class_names == ("square", "circle")
    np.testing.assert_array_equal(outline.labels, equal.labels)
    sq = outline.labels == 0
    # the equal-area deck draws the same squares; only its circles are larger
    np.testing.assert_array_equal(outline.cards[sq], equal.cards[sq])
    assert not np.array_equal(outline.cards[~sq], equal.cards[~sq])
    # sizes fixed: every square of a deck lets through the same light (turned and moved)
    for deck in (outline, solid):
        light = deck.cards[deck.labels == 0].sum(axis=(1, 2))
        assert np.ptp(light) < 1.5
    # solid squares are whole, outline squares are not
    side = E.SQUARE_CIRCLE_CARDS["size"]
    assert solid.cards[solid.labels == 0].sum(axis=(1, 2)).mean() == pytest.approx(side ** 2, abs=1)
    t = E.SQUARE_CIRCLE_CARDS["thickness"]
    assert outline.cards[sq].sum(axis=(1, 2)).mean() == pytest.approx(4 * t * (side - t), abs=1)


def test_unknown_variant_is_one_line():
    with pytest.raises(ConfigError, match="unknown square-circle variant 'hollow'; choose one of "
                                          "outline, solid, equal-area"):
        E.square_circle_deal("hollow")


def _deck(counts, labels):
    """Cards lighting the first ``count`` photocells each (whole cells)."""
    cards = np.zeros((len(counts), 20, 20), np.float32)
    for card, c in zip(cards, counts):
        card.reshape(-1)[:c] = 1.0
    return Deck(cards, np.array(labels, np.int64), ("square", "circle"))


def test_lit_count_classifier_by_hand():
    train = _deck([3, 4, 5, 6, 7], [0, 0, 0, 1, 1])
    test = _deck([5, 6, 2, 9], [0, 1, 1, 1])
    got = E.lit_count_accuracy(train, test)
    # fitted: circle iff at least 6 lit; on the test cards right, right, wrong, right
    assert got["cut"] == 6 and got["class_1_at_or_above"] is True
    assert got["train_accuracy"] == 1.0 and got["accuracy"] == 0.75
    assert got["mean_lit"] == {"square": 5.0, "circle": pytest.approx(17 / 3, abs=0.05)}


def test_lit_count_classifier_the_other_way_and_overlapping():
    # circles light fewer: circle iff below 5
    got = E.lit_count_accuracy(_deck([5, 6, 7, 2, 3], [0, 0, 0, 1, 1]),
                               _deck([4, 5], [1, 0]))
    assert (got["cut"], got["class_1_at_or_above"], got["accuracy"]) == (5, False, 1.0)
    # overlap: squares 4, 4, 6; circles 5, 6, 6. "circle iff >= 5" is right on 5 of 6
    # (cuts 4: 3/6, 6: 4/6, 7: 3/6; the other way at most 3/6)
    got = E.lit_count_accuracy(_deck([4, 4, 6, 5, 6, 6], [0, 0, 0, 1, 1, 1]), _deck([5], [1]))
    assert got["cut"] == 5 and got["class_1_at_or_above"] is True
    assert got["train_accuracy"] == pytest.approx(5 / 6, abs=1e-6)


def test_lit_count_threshold_is_the_photocells():
    # half-lit cells count only when the photocell threshold lets them through
    cards = np.full((2, 20, 20), 0.0, np.float32)
    cards[0].reshape(-1)[:10] = 0.6
    cards[1].reshape(-1)[:4] = 1.0
    deck = Deck(cards, np.array([0, 1]), ("square", "circle"))
    assert E.lit_count_accuracy(deck, deck, 0.5)["mean_lit"] == {"square": 10.0, "circle": 4.0}
    assert E.lit_count_accuracy(deck, deck, 0.7)["mean_lit"] == {"square": 0.0, "circle": 4.0}


@pytest.fixture(scope="module")
def short_runs():
    return {n: E.run(n, seed=1, trials=300, test_cards=300) for n in NAMES}


def test_the_count_alone_separates_side_equal_diameter_and_not_equal_area(short_runs):
    for name in ("square-circle", "square-circle-solid"):
        assert short_runs[name].details["lit_count"]["accuracy"] >= 0.99, name
    lc = short_runs["square-circle-equal-area"].details["lit_count"]
    assert lc["accuracy"] <= 0.75
    assert abs(lc["mean_lit"]["square"] - lc["mean_lit"]["circle"]) < 1.5


def test_short_runs_are_held_out_and_on_one_machine(short_runs):
    settings = [short_runs[n].settings for n in NAMES]
    assert settings[0] == settings[1] == settings[2]
    for r in short_runs.values():
        assert r.test_seen_in_training == 0.0


def test_lit_count_only_for_two_classes():
    r = E.run("letters", seed=1, trials=52, test_cards=52)
    assert "lit_count" not in r.details
