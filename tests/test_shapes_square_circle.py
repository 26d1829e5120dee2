"""Outline strokes and equal-area circles (issue 11): drawn as the parameters say, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.cards import shape_cards
from simulator.cards.shapes import equal_area_diameter
from simulator.errors import ConfigError


def _squares(**kw):
    deck = shape_cards(40, rng=np.random.default_rng(0), shapes=("square", "circle"),
                       rotate=False, shift=False, **kw)
    return deck.cards[deck.labels == 0], deck.cards[deck.labels == 1]


def _frame(outer: tuple[int, int], inner: tuple[int, int]) -> np.ndarray:
    """Cells lit by a square spanning cells outer[0]..outer[1]-1 less inner[0]..inner[1]-1."""
    card = np.zeros((20, 20), np.float32)
    card[outer[0]:outer[1], outer[0]:outer[1]] = 1.0
    card[inner[0]:inner[1], inner[0]:inner[1]] = 0.0
    return card


@pytest.mark.parametrize("thickness, inner", [(2.0, (8, 12)), (1.0, (7, 13)), (3.0, (9, 11))])
def test_outline_stroke_whole_cells_by_hand(thickness, inner):
    # side 8 centred: the square spans cells 6..13; a stroke t leaves a hole of side 8 - 2t
    squares, _ = _squares(size=8, thickness=thickness)
    for card in squares:
        np.testing.assert_array_equal(card, _frame((6, 14), inner))


def test_outline_stroke_half_cells_by_hand():
    # stroke 1.5: the hole spans 7.5..12.5, so its edge cells are half lit, its corners 3/4
    squares, _ = _squares(size=8, thickness=1.5)
    card = squares[0]
    assert card[6, 6] == 1.0 and card[6, 10] == 1.0         # the outer ring of cells, whole
    assert card[7, 7] == 0.75 and card[12, 12] == 0.75      # a corner of the hole: 1 - 1/4
    assert card[7, 9] == 0.5 and card[9, 12] == 0.5         # an edge of the hole: half
    assert card[8:12, 8:12].max() == 0.0                    # the hole itself, dark
    assert card.sum() == pytest.approx(64 - 25)             # 8 x 8 less the 5 x 5 hole


def test_default_stroke_is_015_of_the_size_within_15_to_2_cells():
    for size, stroke in ((12.0, 1.8), (8.0, 1.5), (16.0, 2.0)):
        a = shape_cards(30, rng=np.random.default_rng(3), size=size, rotate=False)
        b = shape_cards(30, rng=np.random.default_rng(3), size=size, rotate=False, thickness=stroke)
        np.testing.assert_array_equal(a.cards, b.cards)


def test_circle_ring_area_follows_the_stroke():
    _, circles = _squares(size=12, thickness=2.0)
    # pi (6^2 - 4^2): the ring between radius 6 and radius 4
    assert circles[0].sum() == pytest.approx(math.pi * (36 - 16), abs=0.5)


def test_equal_area_diameter_by_hand():
    assert equal_area_diameter(12.0, None) == pytest.approx(13.5406, abs=1e-4)  # 24 / sqrt(pi)
    assert equal_area_diameter(12.0, 2.0) == pytest.approx(40 / math.pi + 2, abs=1e-12)
    assert equal_area_diameter(10.0, 5.0) == pytest.approx(20 / math.pi + 5, abs=1e-12)


@pytest.mark.parametrize("style, thickness, area", [("solid", None, 144.0),
                                                     ("outline", 2.0, 4 * 2 * 10),
                                                     ("outline", 3.0, 4 * 3 * 9)])
def test_equal_area_circle_covers_the_squares_area(style, thickness, area):
    squares, circles = _squares(size=12, style=style, thickness=thickness, equal_area=True)
    np.testing.assert_allclose(squares.sum(axis=(1, 2)), area, atol=0.5)
    np.testing.assert_allclose(circles.sum(axis=(1, 2)), area, atol=1.0)


@pytest.mark.parametrize("style, thickness", [("outline", 1.8), ("outline", 3.0), ("solid", None)])
def test_equal_area_lit_counts_match_and_diameter_side_does_not(style, thickness):
    """The residual stated in docs/FIDELITY.md: mean counts within 1 photocell, spread ~2-4."""
    def counts(equal_area):
        deck = shape_cards(600, rng=np.random.default_rng(7), style=style, thickness=thickness,
                           equal_area=equal_area)
        lit = (deck.cards >= 0.5).sum(axis=(1, 2))
        return lit[deck.labels == 0], lit[deck.labels == 1]
    square, circle = counts(True)
    assert abs(square.mean() - circle.mean()) < 1.0
    assert circle.std() < 4.0 and square.std() < 4.0
    square, circle = counts(False)
    assert square.mean() - circle.mean() > 12        # pi/4 of the area: a cue of 15-30 cells


def test_equal_area_keeps_the_squares_and_moves_only_the_circles():
    plain = shape_cards(50, rng=np.random.default_rng(2), thickness=2.0)
    equal = shape_cards(50, rng=np.random.default_rng(2), thickness=2.0, equal_area=True)
    np.testing.assert_array_equal(plain.labels, equal.labels)
    sq = plain.labels == 0
    np.testing.assert_array_equal(plain.cards[sq], equal.cards[sq])
    assert (equal.cards[~sq].sum(axis=(1, 2)) > plain.cards[~sq].sum(axis=(1, 2)) + 10).all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(thickness=0.2), r"thickness \(an outline's stroke, cells\)"),
    (dict(size=8, thickness=4.5), "thickness"),
    (dict(equal_area="yes"), "equal_area"),
    (dict(style="solid", rotate=False, size=18, equal_area=True),
     "equal-area circle would be 20.3 cells across, wider than the 20-cell retina"),
])
def test_bad_stroke_or_equal_area(kwargs, match):
    with pytest.raises(ConfigError, match=match) as info:
        shape_cards(4, rng=np.random.default_rng(0), **kwargs)
    assert "\n" not in str(info.value)


def test_stroke_at_its_limits_is_taken():
    # 0.5 cells, and half the size (a solid figure drawn as an outline)
    thin, _ = _squares(size=8, thickness=0.5)
    assert thin[0].sum() == pytest.approx(64 - 49)
    full, _ = _squares(size=8, thickness=4.0)
    np.testing.assert_array_equal(full[0], _frame((6, 14), (0, 0)))
