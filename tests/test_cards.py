"""Tests of the card makers (simulator.cards) and the shipped fonts."""

import random

import numpy as np
import pytest
from PIL import Image

from simulator.assets import MissingAssetError, asset_path
from simulator.cards import (
    Deck,
    folder_cards,
    left_right_cards,
    letter_cards,
    parity_bits,
    parity_cards,
    shape_cards,
    typeface_names,
)
from simulator.errors import CardError, ConfigError, Mark1Error

MAKERS = {
    "left_right": lambda n, rng: left_right_cards(n, rng=rng),
    "left_right_noisy": lambda n, rng: left_right_cards(n, rng=rng, noise=0.2),
    "shapes": lambda n, rng: shape_cards(n, rng=rng),
    "shapes_all": lambda n, rng: shape_cards(n, rng=rng, shapes=("diamond", "circle", "square"),
                                             style="both", size=(6, 12)),
    "letters": lambda n, rng: letter_cards(n, rng=rng, letters="EFT", typefaces=("sans", "serif")),
    "parity": lambda n, rng: parity_cards(n, rng=rng),
}


def rng(seed=0):
    return np.random.default_rng(seed)


def one_line_error(excinfo):
    message = str(excinfo.value)
    assert message and "\n" not in message
    return message


# --- every maker ---------------------------------------------------------------------

@pytest.mark.parametrize("name", MAKERS)
def test_deck_shapes_dtypes_and_ranges(name):
    deck = MAKERS[name](50, rng(1))
    assert isinstance(deck, Deck)
    assert len(deck) == 50
    assert deck.cards.shape == (50, 20, 20) and deck.cards.dtype == np.float32
    assert deck.labels.shape == (50,) and deck.labels.dtype == np.int64
    assert deck.cards.min() >= 0.0 and deck.cards.max() <= 1.0
    assert isinstance(deck.class_names, tuple) and all(isinstance(c, str) for c in deck.class_names)
    assert set(deck.labels.tolist()) <= set(range(len(deck.class_names)))
    # every card shows something (noise aside, a blank card would be a drawing bug)
    assert np.all(deck.cards.reshape(50, -1).max(axis=1) > 0.5)


@pytest.mark.parametrize("name", MAKERS)
def test_same_seed_same_deck_other_seed_other_deck(name):
    a, b, c = MAKERS[name](40, rng(7)), MAKERS[name](40, rng(7)), MAKERS[name](40, rng(8))
    np.testing.assert_array_equal(a.cards, b.cards)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.cards, c.cards)


@pytest.mark.parametrize("name", MAKERS)
def test_global_random_state_untouched(name):
    np_state, py_state = np.random.get_state()[1].copy(), random.getstate()
    MAKERS[name](10, rng(3))
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_state


@pytest.mark.parametrize("name", ["left_right", "shapes_all", "letters", "parity"])
def test_classes_roughly_balanced(name):
    deck = MAKERS[name](1500, rng(5))
    k = len(deck.class_names)
    counts = np.bincount(deck.labels, minlength=k)
    assert np.all(np.abs(counts / 1500 - 1 / k) < 0.05), counts


@pytest.mark.parametrize("bad_n", [0, -3, 2.5, "10", None, True, 10**9])
@pytest.mark.parametrize("name", MAKERS)
def test_bad_n_is_refused(name, bad_n):
    with pytest.raises(ConfigError, match="n ") as excinfo:
        MAKERS[name](bad_n, rng())
    assert "whole number" in one_line_error(excinfo)


def test_numpy_integer_n_accepted():
    assert len(left_right_cards(np.int64(3), rng=rng())) == 3


@pytest.mark.parametrize("maker", [left_right_cards, shape_cards, letter_cards, parity_cards])
def test_rng_must_be_a_generator(maker):
    for bad in (None, 42, np.random.RandomState(0)):
        with pytest.raises(ConfigError, match="numpy.random.Generator"):
            maker(5, rng=bad)


@pytest.mark.parametrize("noise", [-0.1, 1.5, float("nan"), "0.1"])
def test_bad_noise_is_refused(noise):
    with pytest.raises(ConfigError, match="noise"):
        left_right_cards(5, rng=rng(), noise=noise)


def test_noise_changes_light_and_stays_in_range():
    clean = left_right_cards(30, rng=rng(2)).cards
    noisy = left_right_cards(30, rng=rng(2), noise=0.1).cards
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    background = clean == 0
    assert noisy[background].mean() > 0.02  # half the noise is clipped away, half lights the card
    assert 0.02 < np.abs(noisy - clean).mean() < 0.1


# --- left / right ----------------------------------------------------------------------

def test_left_right_marks_stay_in_their_half():
    deck = left_right_cards(400, rng=rng(11))
    assert deck.class_names == ("LEFT", "RIGHT")
    left, right = deck.cards[deck.labels == 0], deck.cards[deck.labels == 1]
    # the two columns either side of the midline stay dark: no card is ambiguous
    assert left[:, :, 9:].max() == 0.0
    assert right[:, :, :11].max() == 0.0
    for cards in (left, right):
        lit = cards.sum(axis=(1, 2))
        assert lit.min() > 5.0 and lit.max() < 8 * 10 + 1  # a 3 x 3 blob up to an 8 x 10 block


def test_left_right_marks_vary_in_place_and_size():
    deck = left_right_cards(300, rng=rng(12))
    left = deck.cards[deck.labels == 0]
    lit = left.sum(axis=(1, 2))
    assert lit.max() - lit.min() > 30
    rows_lit = (left > 0.5).any(axis=2)
    assert rows_lit[:, 0].any() and rows_lit[:, 19].any()  # reaches the top and the bottom
    cols_lit = (left > 0.5).any(axis=1)
    assert cols_lit[:, 0].any() and cols_lit[:, 8].any()


# --- shapes ----------------------------------------------------------------------------

def _by_class(deck, name):
    return deck.cards[deck.labels == deck.class_names.index(name)]


def test_square_and_circle_differ():
    deck = shape_cards(60, rng=rng(1), style="solid", rotate=False, shift=False, size=12)
    square, circle = _by_class(deck, "square"), _by_class(deck, "circle")
    assert deck.class_names == ("square", "circle")
    # unturned and centred, every card of a class is the same picture
    assert np.ptp(square, axis=0).max() == 0 and np.ptp(circle, axis=0).max() == 0
    assert square[0, 4, 4] == pytest.approx(1.0)   # the square's corner cell
    assert circle[0, 4, 4] == pytest.approx(0.0)   # lies outside the circle
    assert square[0].sum() == pytest.approx(144, abs=1)
    assert circle[0].sum() == pytest.approx(np.pi * 36, abs=2)


def test_outline_has_a_dark_middle_and_solid_does_not():
    outline = shape_cards(20, rng=rng(2), style="outline", shift=False)
    solid = shape_cards(20, rng=rng(2), style="solid", shift=False)
    assert outline.cards[:, 8:12, 8:12].max() == 0.0
    assert solid.cards[:, 8:12, 8:12].min() == 1.0
    # the stroke is 1.5 to 2 cells: a 12-cell circle's ring holds about pi * (6^2 - 4.2^2) cells
    ring = _by_class(outline, "circle").sum(axis=(1, 2))
    assert np.all((50 < ring) & (ring < 70)), ring


def test_shifted_and_turned_figures_stay_whole_on_the_retina():
    deck = shape_cards(200, rng=rng(3), style="solid", size=12)
    square, circle = _by_class(deck, "square"), _by_class(deck, "circle")
    # a figure cut by the retina's edge would lose light
    np.testing.assert_allclose(square.sum(axis=(1, 2)), 144, atol=1.5)
    np.testing.assert_allclose(circle.sum(axis=(1, 2)), np.pi * 36, atol=2)
    centres = [np.argwhere(card > 0.5).mean(axis=0) for card in circle]
    assert np.ptp(centres, axis=0).min() > 4  # they do move


def test_squares_turn_freely_without_diamonds():
    deck = shape_cards(200, rng=rng(4), shapes=("square", "circle"), style="solid", shift=False)
    square = _by_class(deck, "square")
    # the corner region (5, 5) is covered by an unturned square, uncovered near 45 degrees
    assert square[:, 5, 5].max() > 0.9 and square[:, 5, 5].min() < 0.1


def test_diamonds_and_squares_only_wobble():
    deck = shape_cards(300, rng=rng(5), shapes=("square", "diamond"), style="solid", shift=False)
    square, diamond = _by_class(deck, "square"), _by_class(deck, "diamond")
    assert deck.class_names == ("square", "diamond")
    assert square[:, 5, 5].min() > 0.9      # no square turned far enough to look like a diamond
    assert diamond[:, 5, 5].max() < 0.5     # and every diamond keeps its corner out of there
    assert diamond[:, 2, 7:13].sum(axis=1).min() > 0.5  # while its tip reaches up near the top
    assert square[:, 2].max() == 0.0
    assert np.ptp(square, axis=0).max() > 0.3  # the wobble is there


def test_diamonds_without_squares_still_only_wobble():
    deck = shape_cards(200, rng=rng(6), shapes=("circle", "diamond"), style="solid", shift=False)
    diamond = _by_class(deck, "diamond")
    assert diamond[:, 5, 5].max() < 0.5  # turned freely, some would be squares covering (5, 5)


def test_shape_size_range_varies_size():
    deck = shape_cards(100, rng=rng(6), shapes=("circle", "square"), style="solid", size=(6, 12))
    light = _by_class(deck, "circle").sum(axis=(1, 2))
    assert light.min() < np.pi * 16 and light.max() > np.pi * 25


@pytest.mark.parametrize("kwargs, match", [
    (dict(shapes=("square", "triangle")), "triangle.*'square'"),
    (dict(shapes=("square",)), "at least 2"),
    (dict(shapes=("square", "square")), "at least 2 different"),
    (dict(shapes="square"), "tuple of names"),
    (dict(style="dotted"), "style 'dotted'.*'outline'"),
    (dict(size=25), "size"),
    (dict(size=2), "size"),
    (dict(size=(12, 8)), "min <= max"),
    (dict(size=(1, 2, 3)), "pair"),
    (dict(shapes=("square", "diamond"), size=16), "1.41"),
    (dict(rotate="yes"), "rotate"),
])
def test_bad_shape_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match) as excinfo:
        shape_cards(5, rng=rng(), **kwargs)
    one_line_error(excinfo)


def test_circle_alone_may_be_large():
    deck = shape_cards(5, rng=rng(), shapes=("circle", "square"), rotate=False, size=20)
    assert deck.cards.shape == (5, 20, 20)


# --- letters ---------------------------------------------------------------------------

def _letter(letter, typeface="sans", size=16):
    """One centred letter, drawn in a deck of that letter and another."""
    other = "F" if letter != "F" else "E"
    deck = letter_cards(40, rng=rng(0), letters=letter + other, typefaces=(typeface,), size=size, shift=False)
    return _by_class(deck, letter)[0]


def test_typeface_names():
    assert typeface_names() == ("sans", "serif")
    for name in typeface_names():
        assert asset_path("fonts", {"sans": "DejaVuSans-Bold.ttf", "serif": "DejaVuSerif-Bold.ttf"}[name])
    assert asset_path("fonts", "LICENSE-DejaVu.txt").read_text().count("Bitstream") > 3


def test_e_and_f_differ():
    deck = letter_cards(60, rng=rng(2), letters="EF", size=16, shift=False)
    assert deck.class_names == ("E", "F")
    e, f = _by_class(deck, "E"), _by_class(deck, "F")
    assert np.ptp(e, axis=0).max() == 0 and np.ptp(f, axis=0).max() == 0
    # E has a bottom bar that F lacks; the rest is nearly the same
    assert e[0, 15:18, 11:16].mean() > 0.6 and f[0, 15:18, 11:16].mean() < 0.1
    assert np.abs(e[0] - f[0]).sum() > 10


@pytest.mark.parametrize("typeface", ["sans", "serif"])
def test_letter_fills_most_of_the_retina(typeface):
    card = _letter("E", typeface, 16)
    rows = np.flatnonzero(card.max(axis=1) > 0.3)
    cols = np.flatnonzero(card.max(axis=0) > 0.3)
    assert rows[0] == 2 and rows[-1] == 17  # 16 cells tall, centred
    assert 10 <= cols[-1] - cols[0] + 1 <= 18
    assert abs((cols[0] + cols[-1]) / 2 - 9.5) <= 1


def test_both_typefaces_render_and_differ():
    sans, serif = _letter("E", "sans"), _letter("E", "serif")
    assert sans.sum() > 30 and serif.sum() > 30
    assert np.abs(sans - serif).sum() > 5


@pytest.mark.parametrize("typeface", ["sans", "serif"])
def test_wide_letters_are_narrowed_and_stay_whole_when_shifted(typeface):
    deck = letter_cards(100, rng=rng(3), letters="MW", typefaces=typeface, size=17)
    for label, letter in enumerate("MW"):
        cards = deck.cards[deck.labels == label]
        centred = _letter(letter, typeface, 17)
        assert centred.max(axis=0).nonzero()[0].size <= 19  # at most 18 cells, plus a part cell
        # a letter cut by the retina's edge would lose light
        np.testing.assert_allclose(cards.sum(axis=(1, 2)), centred.sum(), rtol=0.002)


def test_letters_shift_and_change_size():
    deck = letter_cards(100, rng=rng(4), letters="IO")
    light = deck.cards[deck.labels == 1].sum(axis=(1, 2))
    assert np.ptp(light) > 5  # size jitter
    centres = np.array([np.argwhere(c > 0.5).mean(axis=0) for c in deck.cards[deck.labels == 0]])
    assert np.ptp(centres[:, 1]) > 2  # horizontal shift


def test_letters_as_a_list_and_single_typeface_string():
    deck = letter_cards(10, rng=rng(), letters=["X", "O"], typefaces="serif")
    assert deck.class_names == ("X", "O")


@pytest.mark.parametrize("kwargs, match", [
    (dict(letters="Ef"), "'f'.*A-Z"),
    (dict(letters="E1"), "'1'.*A-Z"),
    (dict(letters="E"), "at least 2"),
    (dict(letters="EE"), "at least 2 different"),
    (dict(typefaces=("comic",)), "typeface 'comic'.*'sans', 'serif'"),
    (dict(typefaces=()), "at least 1"),
    (dict(size=30), "size"),
    (dict(shift=1), "shift"),
])
def test_bad_letter_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match) as excinfo:
        letter_cards(5, rng=rng(), **kwargs)
    one_line_error(excinfo)


def test_missing_asset_is_a_clear_error():
    with pytest.raises(MissingAssetError, match="nope.ttf") as excinfo:
        asset_path("fonts", "nope.ttf")
    assert isinstance(excinfo.value, Mark1Error) and isinstance(excinfo.value, FileNotFoundError)
    with pytest.raises(MissingAssetError, match="outside"):
        asset_path("..", "pyproject.toml")


# --- parity ----------------------------------------------------------------------------

@pytest.mark.parametrize("blocks", [2, 4, 5, 10])
def test_parity_labels_are_the_parity_of_lit_blocks(blocks):
    deck = parity_cards(300, rng=rng(blocks), blocks=blocks)
    assert deck.class_names == ("EVEN", "ODD")
    cell = 20 // blocks
    # read the blocks independently of parity_bits: the top-left cell of each block
    corners = deck.cards[:, ::cell, ::cell]
    assert corners.shape == (300, blocks, blocks)
    expanded = np.repeat(np.repeat(corners, cell, axis=1), cell, axis=2)
    np.testing.assert_array_equal(deck.cards, expanded)  # every block is uniform
    assert set(np.unique(deck.cards)) <= {0.0, 1.0}
    np.testing.assert_array_equal(deck.labels, corners.sum(axis=(1, 2)).astype(int) % 2)
    bits = parity_bits(deck, blocks)
    np.testing.assert_array_equal(bits, corners.astype(np.uint8))
    np.testing.assert_array_equal(parity_bits(deck.cards, blocks), bits)
    assert 0.4 < bits.mean() < 0.6


def test_parity_bits_of_one_card():
    deck = parity_cards(1, rng=rng(), blocks=2)
    assert parity_bits(deck.cards[0], 2).shape == (1, 2, 2)


@pytest.mark.parametrize("blocks", [3, 1, 20, 4.0, "4", True])
def test_parity_blocks_must_divide_the_retina(blocks):
    with pytest.raises(ConfigError, match="2, 4, 5, 10") as excinfo:
        parity_cards(5, rng=rng(), blocks=blocks)
    one_line_error(excinfo)


# --- deck ------------------------------------------------------------------------------

def test_deck_subset_and_validation():
    deck = left_right_cards(10, rng=rng())
    part = deck.subset(deck.labels == 1)
    assert len(part) == int((deck.labels == 1).sum()) and np.all(part.labels == 1)
    assert part.class_names == deck.class_names
    one = deck.subset(3)
    assert one.cards.shape == (1, 20, 20)
    np.testing.assert_array_equal(one.cards[0], deck.cards[3])
    np.testing.assert_array_equal(deck.subset([2, 0]).labels, deck.labels[[2, 0]])
    assert len(deck.subset(slice(0, 4))) == 4
    with pytest.raises(AttributeError):
        deck.labels = deck.labels  # frozen
    with pytest.raises(CardError, match="labels must be in 0..1"):
        Deck(np.zeros((2, 20, 20)), np.array([0, 2]), ("A", "B"))
    with pytest.raises(CardError, match="shape"):
        Deck(np.zeros((2, 20)), np.array([0, 1]), ("A", "B"))
    with pytest.raises(CardError, match="one per card"):
        Deck(np.zeros((2, 20, 20)), np.array([0]), ("A", "B"))
    assert "LEFT" in repr(deck)


# --- folder ----------------------------------------------------------------------------

def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)


def _block_picture(paper, ink, rows, cols, size=100):
    picture = np.full((size, size), paper, dtype=np.uint8)
    picture[rows, cols] = ink
    return picture


@pytest.fixture
def picture_folder(tmp_path):
    root = tmp_path / "pictures"
    # light figure on black: top-left block
    _save(root / "up" / "b.png", _block_picture(0, 255, slice(0, 50), slice(0, 50)))
    # dark ink on white paper: also a top-left block, must come out the same way round
    _save(root / "up" / "a.png", _block_picture(255, 0, slice(0, 50), slice(0, 50)))
    _save(root / "down" / "c.png", _block_picture(0, 255, slice(50, 100), slice(50, 100)))
    (root / "down" / "notes.txt").write_text("not a picture")
    (root / "down" / ".hidden.png").write_bytes(b"not even a picture")
    (root / "empty").mkdir()
    (root / ".git").mkdir()
    _save(root / ".git" / "x.png", np.zeros((5, 5)))
    return root


def test_folder_cards_reads_classes_in_order(picture_folder):
    deck = folder_cards(picture_folder)
    assert deck.class_names == ("down", "up")
    np.testing.assert_array_equal(deck.labels, [0, 1, 1])
    assert deck.cards.shape == (3, 20, 20) and deck.cards.dtype == np.float32
    down, up_inverted, up = deck.cards
    assert down[10:, 10:].min() == pytest.approx(1.0) and down[:10].max() == 0.0
    assert up[:10, :10].min() == pytest.approx(1.0) and up[10:].max() == 0.0
    np.testing.assert_allclose(up_inverted, up)  # a.png, dark ink on white, was inverted


def test_folder_cards_accepts_str_path(picture_folder):
    assert len(folder_cards(str(picture_folder))) == 3


def test_folder_missing(tmp_path):
    with pytest.raises(CardError, match="no such folder") as excinfo:
        folder_cards(tmp_path / "nowhere")
    assert "nowhere" in one_line_error(excinfo)


def test_folder_with_one_class(tmp_path):
    _save(tmp_path / "cats" / "1.png", np.zeros((8, 8)))
    (tmp_path / "dogs").mkdir()  # no pictures: does not count
    with pytest.raises(CardError,
                       match="needs at least two class folders with pictures, found 1: 'cats'") as excinfo:
        folder_cards(tmp_path)
    assert str(tmp_path) in one_line_error(excinfo)


def test_folder_with_no_class(tmp_path):
    _save(tmp_path / "1.png", np.zeros((8, 8)))  # pictures at the top level are not a class
    with pytest.raises(CardError, match="found 0$"):
        folder_cards(tmp_path)


def test_folder_with_unreadable_picture(picture_folder):
    (picture_folder / "down" / "broken.png").write_bytes(b"\x89PNG but not really")
    with pytest.raises(CardError, match="broken.png") as excinfo:
        folder_cards(picture_folder)
    one_line_error(excinfo)
