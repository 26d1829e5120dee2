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


# ------------------------------------------------------------------ which engine runs a call
def test_a_call_is_small_up_to_small_work_cards_times_a_units(monkeypatch):
    """Each kernel is dispatched on its cards x A-units; numpy up to SMALL_WORK, numba past it,
    whatever the size inside an ``engine`` block."""
    from simulator import kernels

    assert kernels._compiled(kernels.SMALL_WORK) is None
    assert kernels._compiled(kernels.SMALL_WORK + 1) is not None
    assert kernels._compiled(1) is None
    with engine("numpy"):
        assert kernels._compiled(10 * kernels.SMALL_WORK) is None
    with engine("numba"):
        assert kernels._compiled(1) is not None
    asked = []
    monkeypatch.setattr(kernels, "_compiled", lambda work: asked.append(work))
    m = MarkI(seed=1, a_units=48, r_units=2, coding="bits")
    cards = random_cards(np.random.default_rng(0), 7)
    m.associate(cards)
    m.scores(cards)
    m.train(cards, np.ones((7, 2), np.int8))
    assert asked and set(asked) == {7 * 48}


@pytest.mark.parametrize("eng", ENGINES)
def test_gamma_with_an_r_unit_wired_to_nothing(eng):
    """An R-unit with no A-unit wired (a small fraction can do that) is asked and wrong: it has
    no set to share a gain over, so nothing moves and nothing divides by its zero count."""
    m = MarkI(seed=0, retina_size=2, a_units=3, r_units=2, excitatory=1, inhibitory=0,
              a_threshold=1.0, rule="gamma", coding="bits", weight_limit=None, learning_rate=3.0)
    m.reset_weights()
    m.plugboard_ = Plugboard(np.arange(3)[:, None], np.zeros((3, 0)), np.ones(3), 4)
    m.mask_ = np.array([[True, False], [True, False], [True, False]])
    with engine(eng):
        trace = m.train(cards_of([1, 0, 0, 0]), np.array([[1, 1]], np.int8))
    # R0: A0 active of 3 wired, mean 1/3: +2, -1, -1; R1: wrong, but nothing to turn
    np.testing.assert_allclose(m.weights_, [[2.0, 0.0], [-1.0, 0.0], [-1.0, 0.0]], rtol=0, atol=1e-12)
    assert trace.wrong.tolist() == [2]


@pytest.mark.parametrize("eng", ENGINES)
def test_a_ratchet_set_mid_training_turns_only_the_potentiometers_corrected(eng):
    """forced, eta 0.3, no ratchet: A0's pots go to 0.3, 0.3. Then a ratchet of 1 and a card
    asking R0 only: R0's pot goes to rint(0.6) = 1; R1's stays at 0.3 (it is not corrected,
    so it is not turned; the oracle says the same)."""
    m = MarkI(seed=0, retina_size=2, a_units=3, r_units=2, excitatory=1, inhibitory=0,
              a_threshold=1.0, rule="forced", coding="bits", weight_limit=None, learning_rate=0.3)
    m.reset_weights()
    m.plugboard_ = Plugboard(np.arange(3)[:, None], np.zeros((3, 0)), np.ones(3), 4)
    with engine(eng):
        m.train(cards_of([1, 0, 0, 0]), np.array([[1, 1]], np.int8))
        m.set_params(weight_step=1.0)
        trace = m.train(cards_of([1, 0, 0, 0]), np.array([[1, 0]], np.int8))
    np.testing.assert_array_equal(m.weights_[0], [1.0, 0.3])
    assert trace.moved.tolist() == [1]


@pytest.mark.parametrize("eng", ENGINES)
def test_a_stop_lowered_mid_training_turns_only_the_potentiometers_corrected(eng):
    """forced, eta 1: three cards take A0's pots to 3, 3. Then a stop at 1 and a card asking R0
    only: R0's pot stops at 1; R1's, not corrected, should stay at 3 (with one pot unwired
    elsewhere, so the masked path runs, it does)."""
    m = MarkI(seed=0, retina_size=2, a_units=3, r_units=2, excitatory=1, inhibitory=0,
              a_threshold=1.0, rule="forced", coding="bits", weight_limit=None)
    m.reset_weights()
    m.plugboard_ = Plugboard(np.arange(3)[:, None], np.zeros((3, 0)), np.ones(3), 4)
    lit = cards_of([1, 0, 0, 0])
    with engine(eng):
        m.train(np.concatenate([lit] * 3), np.ones((3, 2), np.int8))
        m.set_params(weight_limit=1.0)
        trace = m.train(lit, np.array([[1, 0]], np.int8))
    np.testing.assert_array_equal(m.weights_[0], [1.0, 3.0])
    assert trace.moved.tolist() == [1]


def test_read_only_light_compiles_no_second_kernel():
    """numba compiles a read-only array as another type: the light is copied instead."""
    from simulator import compiled

    m = MarkI(seed=2, a_units=64)
    cards = random_cards(np.random.default_rng(1), 8)
    with engine("numba"):
        first = m.associate(cards)
        before = len(compiled.active_lists.signatures)
        cards.flags.writeable = False
        np.testing.assert_array_equal(m.associate(cards), first)
    assert len(compiled.active_lists.signatures) == before


def test_warm_up_says_what_it_compiled():
    """In a fresh process warm_up compiles (or loads) two association kernels (int8 and int16
    sums) and one of each other kernel, and says so, one type in the singular."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "from simulator.kernels import warm_up; print(warm_up())"],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    assert out.strip() == str(["active_lists (2 argument types)", "mark (1 argument type)",
                               "sum_rows (1 argument type)", "learn (1 argument type)"])


def test_an_unknown_engine_is_refused_and_blocks_nest():
    from simulator import kernels

    with pytest.raises(ValueError, match=r"^unknown kernel engine 'gpu'; choose one of numpy, numba$"):
        with engine("gpu"):
            pass
    with engine("numba"):
        with engine("numpy"):
            assert kernels._compiled(10 * kernels.SMALL_WORK) is None
        assert kernels._compiled(1) is not None
        with engine(None):
            assert kernels._compiled(1) is None
    assert kernels._compiled(1) is None


@pytest.mark.parametrize("eng", ENGINES)
@pytest.mark.parametrize("analog", [False, True])
def test_a_photocell_wired_twice_into_one_a_unit_counts_twice(eng, analog):
    """A0: +cell0 +cell0 -cell1, netted to 2 cell0 - cell1 (its third wire is no wire at all);
    A1: +cell2 +cell3 -cell0. Threshold 2 (binary) or 1 (analog, light 0.5 where lit)."""
    m = MarkI(seed=0, retina_size=2, a_units=2, r_units=1, excitatory=2, inhibitory=1,
              a_threshold=1.0 if analog else 2.0, analog=analog)
    m.reset_weights()
    m.plugboard_ = Plugboard([[0, 0], [2, 3]], [[1], [0]], np.full(2, 1.0 if analog else 2.0), 4)
    v = 0.5 if analog else 1.0
    cards = cards_of([v, 0, 0, 0], [v, v, 0, 0], [0, 0, v, v], [v, 0, v, v])
    with engine(eng):
        a = m.associate(cards)
    np.testing.assert_array_equal(a, [[1, 0], [0, 0], [0, 1], [1, 0]])
