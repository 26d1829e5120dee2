"""The ``capacity`` experiment (random cards, random labels) and Cover's (1965) formula."""

import json
import math

import pytest

from simulator import experiments as E
from simulator.cli import main
from simulator.errors import ConfigError
from simulator.theory import cover_probability


def _cover_by_hand(p, n):
    """C(P, N) / 2^P with C(P, N) = 2 sum_{k<N} comb(P-1, k), summed here independently."""
    total = 0
    for k in range(n):
        total += math.comb(p - 1, k)
    return 2 * total / 2 ** p


@pytest.mark.parametrize("n", [1, 2, 5, 10, 50, 100])
def test_cover_half_at_twice_the_features(n):
    assert cover_probability(2 * n, n) == 0.5


@pytest.mark.parametrize("p,n", [(3, 2), (7, 3), (150, 100), (250, 100), (60, 20)])
def test_cover_matches_the_sum(p, n):
    assert cover_probability(p, n) == pytest.approx(_cover_by_hand(p, n), rel=1e-12)


def test_cover_small_cases_by_counting():
    # P <= N: every labelling separable. 3 points in the plane through the origin:
    # C(3, 2) = 2 (1 + 2) = 6 of 8 labellings.
    assert cover_probability(4, 4) == 1.0
    assert cover_probability(3, 2) == 6 / 8
    assert cover_probability(0, 3) == 1.0


@pytest.mark.parametrize("p,n", [(-1, 3), (3, -2), (2.5, 3), ("x", 3)])
def test_cover_bad_input(p, n):
    with pytest.raises(ConfigError) as info:
        cover_probability(p, n)
    assert "\n" not in str(info.value)


@pytest.fixture(scope="module")
def seed0():
    return E.run("capacity", seed=0)


def test_json_shape(capsys):
    assert main(["experiment", "capacity", "--seed", "0", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    d = r["details"]
    assert r["experiment"] == "capacity" and r["a_units"] == 100
    loads = [c for c, _ in d["capacity_curve"]]
    assert loads == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert all(len(row) == 2 and 0.0 <= row[1] <= 1.0 for row in d["capacity_curve"])
    assert [c for c, _ in d["cover_probability"]] == loads
    assert dict(d["cover_probability"])[2.0] == 0.5
    assert r["test_seen_in_training"] is None and d["held_out"]


def test_recall_near_one_below_capacity_and_falling_above(seed0):
    recall = dict(seed0.details["capacity_curve"])
    # Cover: near 1 well below 2 cards per feature (binary A-units are not in general
    # position, so a margin); above 2 a random labelling cannot all be stored.
    assert recall[0.5] >= 0.97 and recall[1.0] >= 0.95
    assert recall[2.5] < 0.95 and recall[3.0] < 0.95
    assert recall[3.0] < recall[1.0] - 0.1
    assert recall[3.0] <= recall[2.0] + 0.02


def test_same_seed_same_curve(seed0):
    assert E.run("capacity", seed=0).details["capacity_curve"] == seed0.details["capacity_curve"]


def test_random_cards_are_random_labels():
    import numpy as np
    deck = E.random_cards(400, np.random.default_rng(2))
    assert deck.cards.shape == (400, 20, 20) and set(np.unique(deck.cards)) <= {0.0, 1.0}
    assert 150 < deck.labels.sum() < 250
