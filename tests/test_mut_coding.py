"""How classes are read off the R-units, by hand-computed examples (binary, winner-take-all, bits).

Written against the mutation run's survivors (docs/TESTING.md): the corners are pinned here, a tie
at zero, a code that names no class, exactly as many R-units as needed.
"""

import numpy as np
import pytest

from simulator.coding import decode, encode, units_used
from simulator.errors import ConfigError


@pytest.mark.parametrize("n_classes, need",
                         [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (9, 4), (256, 8)])
def test_binary_coding_uses_ceil_log2_units(n_classes, need):
    assert units_used("binary", n_classes, 8) == need


def test_binary_coding_takes_exactly_as_many_units_as_it_needs_and_refuses_one_more():
    assert units_used("binary", 4, 2) == 2  # 4 classes in exactly 2 units
    with pytest.raises(ConfigError, match=r"^binary coding of 5 classes needs 3 R-units, the machine has 2; "
                                          r"use more R-units or fewer classes$"):
        units_used("binary", 5, 2)


def test_winner_coding_takes_one_unit_a_class_up_to_the_machines():
    assert units_used("winner", 8, 8) == 8
    assert units_used("winner", 2, 8) == 2
    with pytest.raises(ConfigError, match=r"^winner-take-all coding of 9 classes needs 9 R-units, the "
                                          r"machine has 8; use coding='binary' or more R-units$"):
        units_used("winner", 9, 8)


def test_bits_coding_uses_every_unit():
    assert units_used("bits", 2, 5) == 5


def test_binary_encoding_by_hand():
    got = encode(np.array([0, 1, 2, 3]), "binary", 4, 3)
    # bit 0 on unit 0, bit 1 on unit 1, the unused unit 2 left at 0
    np.testing.assert_array_equal(got, [[-1, -1, 0], [1, -1, 0], [-1, 1, 0], [1, 1, 0]])
    assert got.dtype == np.int8


def test_winner_encoding_by_hand():
    got = encode(np.array([2, 0]), "winner", 3, 4)
    np.testing.assert_array_equal(got, [[-1, -1, 1, 0], [1, -1, -1, 0]])


def test_bits_has_no_class_labels_to_encode_or_decode():
    with pytest.raises(ConfigError, match=r"coding='bits' takes \(n, r_units\) targets of -1/\+1"):
        encode(np.array([0, 1]), "bits", 2, 2)
    with pytest.raises(ConfigError, match=r"coding='bits' has no class labels; read respond\(\) instead"):
        decode(np.zeros((1, 2)), "bits", 2)


def test_winner_decoding_looks_only_at_the_units_in_use():
    scores = np.array([[0.1, 0.5, 0.2, 9.0], [3.0, -1.0, 3.0, 0.0]])
    np.testing.assert_array_equal(decode(scores, "winner", 3), [1, 0])  # unit 3 unused; a tie: the first


def test_binary_decoding_by_hand_with_a_tie_at_zero():
    scores = np.array([[1.0, -1.0, 5.0], [0.0, 2.0, 5.0], [-3.0, 0.0, 5.0]])
    # a unit exactly at zero does not fire unless ties_fire (the default is not to)
    np.testing.assert_array_equal(decode(scores, "binary", 4), [1, 2, 0])
    np.testing.assert_array_equal(decode(scores, "binary", 4, ties_fire=False), [1, 2, 0])
    np.testing.assert_array_equal(decode(scores, "binary", 4, ties_fire=True), [1, 3, 2])


def test_binary_decoding_of_a_code_beyond_the_classes_names_no_class():
    scores = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    # 3 classes in 2 units: code 3 names none (-1); code 2 is the last class, kept
    np.testing.assert_array_equal(decode(scores, "binary", 3), [-1, 2, 1])
