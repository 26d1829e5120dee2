"""The kernels at their corners, on both engines, against the reference oracle and by hand.

The property test in test_machine.py draws its settings; a corner it needs (an end stop
reached with no ratchet and full wiring under a non-gamma rule, say) is then met only when
the draws happen to combine it. Here every corner is listed, each runs on the numpy and the
numba engine, and each checks that its corner was really reached (a stop that no weight
touches tests nothing).
"""

import numpy as np
import pytest
from test_machine import random_cards, reference_train

from simulator import MarkI
from simulator.kernels import engine
from simulator.plugboard import Plugboard

RULES = ["alpha", "gamma", "forced", "lecture"]
ENGINES = ["numpy", "numba"]
#: name -> (learning_rate, weight_limit, weight_step, connectivity). A stop of 1.5 with eta 1
#: is passed by any potentiometer turned twice the same way, so the clamp must act.
CORNERS = {
    "stop, no ratchet, full": (1.0, 1.5, None, "full"),
    "stop, ratchet, full": (0.3, 1.5, 0.25, "full"),
    "stop, no ratchet, partitioned": (1.0, 1.5, None, "partitioned"),
    "stop, no ratchet, fraction 0.2": (1.0, 1.5, None, 0.2),
    "ratchet coarser than eta, fraction 0.7": (0.6, None, 1.0, 0.7),
    "no stop, no ratchet, full": (0.5, None, None, "full"),
}


@pytest.mark.parametrize("eng", ENGINES)
@pytest.mark.parametrize("corner", CORNERS)
@pytest.mark.parametrize("rule", RULES)
def test_corners_equal_the_reference_oracle(rule, corner, eng):
    eta, limit, step, connectivity = CORNERS[corner]
    rng = np.random.default_rng(17)
    m = MarkI(seed=17, a_units=64, r_units=3, rule=rule, learning_rate=eta, weight_limit=limit,
              weight_step=step, connectivity=connectivity, a_threshold=1.0)
    cards = random_cards(rng, 60)
    targets = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(60, 3), p=[0.45, 0.1, 0.45])
    cards, targets = np.concatenate([cards, cards]), np.concatenate([targets, targets])
    with engine(eng):
        m.train(cards, targets)
    W, b = reference_train(cards, targets, m, np.zeros((64, 3)), np.zeros(3))
    np.testing.assert_array_equal(m.weights_, W)
    np.testing.assert_array_equal(m.bias_, b if rule == "lecture" else 0.0)
    if limit is not None:
        assert np.abs(W).max() == limit, "the corner's end stop was never reached"
    if step == 1.0:
        assert np.all(W == np.rint(W)) and W.any()
    if connectivity != "full":
        assert not W[~m.mask_].any() and W[m.mask_].any()


@pytest.mark.parametrize("eng", ENGINES)
def test_batches_answer_as_the_oracle_with_the_lecture_bias(eng):
    """scores = bias + the active A-units' potentiometers, summed in A-unit order."""
    rng = np.random.default_rng(5)
    m = MarkI(seed=5, a_units=64, r_units=3, rule="lecture", weight_limit=None, a_threshold=1.0)
    cards = random_cards(rng, 80)
    targets = np.where(rng.random((80, 3)) < 0.5, 1, -1).astype(np.int8)
    with engine(eng):
        m.train(cards, targets)
        s = m.scores(cards)
        r = m.respond(cards)
    assert m.bias_.any()
    A = ((cards.reshape(80, -1) >= 0.5) @ m.plugboard_.matrix(np.float64) >= 1.0)
    expect = np.array([np.vstack([m.bias_, m.weights_[a]]).cumsum(0)[-1] for a in A])
    np.testing.assert_array_equal(s, expect)
    np.testing.assert_array_equal(r, np.where(expect >= 0, 1, -1))


def two_wire_machine(threshold, inhibitory=False, analog=False):
    """3 A-units on a 2 x 2 retina, each wired to two photocells: (0, 1), (1, 2), (2, 3);
    with ``inhibitory`` the second wire of each is inhibitory."""
    m = MarkI(seed=0, retina_size=2, a_units=3, r_units=1, excitatory=1 if inhibitory else 2,
              inhibitory=1 if inhibitory else 0, a_threshold=threshold, analog=analog)
    m.reset_weights()
    first, second = np.array([[0], [1], [2]]), np.array([[1], [2], [3]])
    if inhibitory:
        m.plugboard_ = Plugboard(first, second, np.full(3, threshold), 4)
    else:
        m.plugboard_ = Plugboard(np.hstack([first, second]), np.zeros((3, 0)), np.full(3, threshold), 4)
    return m


def cards_of(*rows):
    return np.array(rows, dtype=np.float32).reshape(-1, 2, 2)


@pytest.mark.parametrize("eng", ENGINES)
def test_an_a_unit_fires_when_its_threshold_is_exactly_met(eng):
    """Threshold 2, two excitatory wires: fires with both lit (2 >= 2), not with one."""
    m = two_wire_machine(2.0)
    cards = cards_of([1, 1, 0, 0], [0, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0], [1, 0, 1, 1])
    with engine(eng):
        a = m.associate(cards)
    np.testing.assert_array_equal(a, [[1, 0, 0], [0, 0, 0], [1, 1, 1], [0, 0, 0], [0, 0, 1]])


@pytest.mark.parametrize("eng", ENGINES)
def test_inhibitory_wires_subtract(eng):
    """Threshold 1, wire one +1, wire two -1: A0 (cells 0, 1) fires on cell 0 alone only;
    threshold 0: also when neither or both are lit (0 >= 0)."""
    cards = cards_of([1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0])
    with engine(eng):
        a1 = two_wire_machine(1.0, inhibitory=True).associate(cards)
        a0 = two_wire_machine(0.0, inhibitory=True).associate(cards)
    np.testing.assert_array_equal(a1[:, 0], [1, 0, 0, 0])
    np.testing.assert_array_equal(a0[:, 0], [1, 1, 0, 1])
    # A1 (cells 1, 2) on the same cards: +cell1 - cell2 = 0, 1, 1, 0
    np.testing.assert_array_equal(a1[:, 1], [0, 1, 1, 0])


@pytest.mark.parametrize("eng", ENGINES)
def test_photocell_fires_when_light_exactly_meets_its_threshold(eng):
    """s_threshold 0.5: light 0.5 fires the cell, 0.49 does not (binary photocells)."""
    m = two_wire_machine(2.0)
    cards = cards_of([0.5, 0.5, 0, 0], [0.5, 0.49, 0, 0], [0.49, 0.49, 0.49, 0.49])
    with engine(eng):
        a = m.associate(cards)
    np.testing.assert_array_equal(a[:, 0], [1, 0, 0])


@pytest.mark.parametrize("eng", ENGINES)
def test_analog_photocells_sum_their_light(eng):
    """analog: A0 = 0.75 + 0.25 = 1.0 (exact in float32) meets threshold 1; 0.75 + 0.125 not."""
    m = two_wire_machine(1.0, analog=True)
    cards = cards_of([0.75, 0.25, 0, 0], [0.75, 0.125, 0, 0], [0, 0.5, 0.5, 0.5])
    with engine(eng):
        a = m.associate(cards)
    np.testing.assert_array_equal(a, [[1, 0, 0], [0, 0, 0], [0, 1, 1]])
    with engine(eng):
        inhib = two_wire_machine(0.5, inhibitory=True, analog=True).associate(cards)
    # +cell0 - cell1: 0.5 >= 0.5 fires, 0.625 fires; A1 +cell1 - cell2: 0.25, 0.125, 0
    np.testing.assert_array_equal(inhib, [[1, 0, 0], [1, 0, 0], [0, 0, 0]])


@pytest.mark.parametrize("eng", ENGINES)
def test_a_rows_marked_from_lists_of_several_cards(eng):
    """associate over a batch: each card's row from its own list, none leaking into the next."""
    m = two_wire_machine(1.0)
    cards = cards_of([1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0])
    with engine(eng):
        a = m.associate(cards)
    np.testing.assert_array_equal(a, [[1, 0, 0], [0, 0, 0], [0, 0, 1], [1, 1, 0]])
