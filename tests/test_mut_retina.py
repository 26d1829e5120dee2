"""The photocells with hand-computed values: scaling, the threshold exactly met, noise, refusals.

Written against the mutation run's survivors (docs/TESTING.md): each test names the bug it catches.
"""

import numpy as np
import pytest

from simulator.errors import CardError, ConfigError
from simulator.retina import Retina, light_levels


def test_uint8_cards_are_scaled_to_0_1():
    # bug caught: uint8 cards passed through as 0-255 (every lit cell then far above any threshold)
    cards = np.zeros((1, 2, 2), dtype=np.uint8)
    cards[0] = [[0, 51], [255, 102]]  # 51 = 0.2 * 255
    got = Retina(size=2).check_cards(cards)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got[0], [[0.0, 0.2], [1.0, 0.4]], atol=1e-7)


def test_uint8_half_light_is_below_a_threshold_of_0_6_and_full_light_above():
    cards = np.array([[[153, 152], [255, 0]]], dtype=np.uint8)  # 153/255 = 0.6 exactly
    fired = Retina(size=2, threshold=0.6).sense(cards)
    np.testing.assert_array_equal(fired, [[1, 0, 1, 0]])


def test_light_exactly_at_the_threshold_fires():
    # bug caught: `light > threshold` instead of `>=` ("at or above which a photocell fires")
    cards = np.array([[[0.5, 0.49999997], [0.25, 1.0]]], dtype=np.float32)
    np.testing.assert_array_equal(Retina(size=2, threshold=0.5).sense(cards), [[1, 0, 0, 1]])
    np.testing.assert_array_equal(Retina(size=2, threshold=0.25).sense(cards), [[1, 1, 1, 1]])


def test_sense_returns_one_row_per_card_of_size_squared_cells():
    r = Retina(size=3)
    assert r.n_cells == 9
    out = r.sense(np.ones((4, 3, 3)))
    assert out.shape == (4, 9) and out.dtype == np.uint8


def test_no_noise_needs_no_generator_and_noise_does():
    # bug caught: noise drawn (and a generator demanded) when noise is exactly 0
    cards = np.full((1, 2, 2), 0.7)
    np.testing.assert_array_equal(Retina(size=2, noise=0.0).sense(cards), [[1, 1, 1, 1]])
    with pytest.raises(ConfigError, match=r"photocell noise needs a random generator \(pass rng=\)"):
        Retina(size=2, noise=0.1).sense(cards)


def test_noise_is_added_before_the_threshold():
    # light 0.45 under threshold 0.5: only the cells whose noise draw is >= 0.05 fire
    cards = np.full((50, 2, 2), 0.45, dtype=np.float32)
    draws = np.random.default_rng(7).normal(0.0, 0.2, size=(50, 4)).astype(np.float32)
    fired = Retina(size=2, noise=0.2).sense(cards, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(fired, (np.float32(0.45) + draws >= np.float32(0.5)).astype(np.uint8))
    assert 0 < fired.sum() < fired.size


def test_analog_cells_pass_light_through_clipped_to_0_1():
    cards = np.array([[[1.5, 0.3], [-0.2, 0.0]]])
    got = Retina(size=2, analog=True).sense(cards)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [[1.0, 0.3, 0.0, 0.0]], atol=1e-7)


def test_one_card_is_a_batch_of_one_and_an_empty_batch_is_fine():
    r = Retina(size=2)
    assert r.check_cards(np.ones((2, 2))).shape == (1, 2, 2)
    assert r.check_cards(np.zeros((0, 2, 2))).shape == (0, 2, 2)
    np.testing.assert_array_equal(r.check_cards(np.array([[True, False], [False, True]]))[0],
                                  [[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("cards, match", [
    ("card.png", r"not a file name \('card.png'\)"),
    ([[0, 1], [0]], r"got a ragged list \(rows of different lengths\)"),
    (np.array([["a", "b"], ["c", "d"]]), r"must hold numbers \(light levels in \[0, 1\]\), got dtype <U1"),
    (np.ones((2, 3)), r"must have shape \(n, 2, 2\), got \(1, 2, 3\)"),
    (np.ones((2, 2, 2, 2)), r"must have shape \(n, 2, 2\), got \(2, 2, 2, 2\)"),
    (np.array([[[0.0, np.nan], [0.0, 0.0]]]), r"NaN or infinite light levels"),
    (np.array([[[0.0, 1e300], [0.0, 0.0]]]), r"NaN or infinite light levels"),
])
def test_bad_cards_are_refused_each_with_its_own_message(cards, match):
    with pytest.raises(CardError, match=match):
        Retina(size=2).check_cards(cards)


def test_light_levels_averages_each_cells_area():
    # a 4 x 4 picture onto a 2 x 2 grid: each cell is the mean of its 2 x 2 block (hand-computed)
    pic = np.array([[0.0, 0.0, 1.0, 1.0],
                    [0.0, 0.4, 1.0, 0.6],
                    [0.2, 0.2, 0.0, 0.0],
                    [0.2, 0.2, 0.0, 0.8]], dtype=np.float32)
    got = light_levels(pic, size=2, invert=False)
    np.testing.assert_allclose(got, [[0.1, 0.9], [0.2, 0.2]], atol=1e-6)
    np.testing.assert_allclose(light_levels(pic, size=2, invert=True), [[0.9, 0.1], [0.8, 0.8]], atol=1e-6)


def test_light_levels_auto_inverts_only_a_mostly_light_border():
    dark = np.zeros((4, 4), dtype=np.float32)
    dark[1:3, 1:3] = 1.0  # a lit figure on a dark ground: kept
    np.testing.assert_allclose(light_levels(dark, size=4), dark)
    paper = 1.0 - dark  # dark ink on light paper: inverted, so the figure excites
    np.testing.assert_allclose(light_levels(paper, size=4), dark)
    half = np.zeros((4, 4), dtype=np.float32)
    half[:2] = 1.0  # border mean exactly 0.5: "mostly light" is more than half, so kept
    np.testing.assert_allclose(light_levels(half, size=4), half)


def test_light_levels_refuses_a_bad_invert():
    with pytest.raises(ConfigError, match=r"invert must be True, False or 'auto', got 'yes'"):
        light_levels(np.zeros((4, 4)), size=4, invert="yes")


def test_settings_are_keyword_only():
    # bug caught: the `*` of a signature lost (a positional 20 then silently means the size)
    with pytest.raises(TypeError):
        Retina(20)
    with pytest.raises(TypeError):
        light_levels(np.zeros((4, 4)), 4)
    with pytest.raises(TypeError):
        Retina(size=2).sense(np.zeros((1, 2, 2)), np.random.default_rng(0))


def test_the_border_is_all_four_edges_the_last_row_and_column_too():
    pic = np.zeros((4, 4), dtype=np.float32)
    pic[-1, :] = 1.0
    pic[:, -1] = 1.0  # border mean (1 + 4 + 1 + 4) / 16 = 0.625: light paper, inverted
    np.testing.assert_allclose(light_levels(pic, size=4), 1.0 - pic)
