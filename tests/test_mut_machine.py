"""Hand-computed small machines: each test names the bug it is there to catch.

Every machine here has a 2 x 2 retina and A-unit i wired to photocell i alone (one excitatory
wire, threshold 1), so a card's lit cells ARE its active A-units and every expected setting
can be worked out on paper; the arithmetic is in the comments. Each test runs on both kernel
engines (numpy for a few cards, numba for batches), so a bug on either path is caught on
every run, whatever the batch size that would normally pick it.
"""

import numpy as np
import pytest

from simulator import ConfigError, MarkI
from simulator.kernels import engine
from simulator.plugboard import Plugboard

ENGINES = pytest.mark.parametrize("eng", ["numpy", "numba"])


def hand_machine(a_units=3, r_units=1, coding="bits", **params):
    """A machine whose A-unit i fires exactly when photocell i (row-major, 2 x 2) is lit."""
    m = MarkI(seed=0, retina_size=2, a_units=a_units, r_units=r_units, excitatory=1, inhibitory=0,
              a_threshold=1.0, coding=coding, **params)
    m.reset_weights()
    m.plugboard_ = Plugboard(np.arange(a_units)[:, None], np.zeros((a_units, 0)),
                             np.ones(a_units), 4)
    return m


def card(*lit):
    """One 2 x 2 card with the given photocells (0-3, row-major) lit."""
    c = np.zeros((1, 2, 2), np.float32)
    c.reshape(-1)[list(lit)] = 1.0
    return c


def train(m, eng, c, targets):
    with engine(eng):
        return m.train(c, np.array(targets, dtype=np.int8).reshape(len(c), -1))


def test_the_hand_wiring_is_what_the_tests_assume():
    m = hand_machine(a_units=4)
    np.testing.assert_array_equal(m.associate(card(0, 2)), [[1, 0, 1, 0]])
    np.testing.assert_array_equal(m.associate(card()), [[0, 0, 0, 0]])


# ------------------------------------------------------------------ end stops (weight_limit)
@ENGINES
def test_alpha_stop_reached_full_wiring_no_ratchet(eng):
    """Bug: the end stop dropped on the fast path. A0, A1 active, target +1, eta 3: the score
    0 is no answer, so wrong; 0 + 3 = 3 goes past the stop at 2 and stays at 2."""
    m = hand_machine(rule="alpha", learning_rate=3.0, weight_limit=2.0)
    trace = train(m, eng, card(0, 1), [1])
    np.testing.assert_array_equal(m.weights_[:, 0], [2.0, 2.0, 0.0])
    assert trace.wrong.tolist() == [1] and trace.moved.tolist() == [2]


@ENGINES
def test_lower_stop_reached_by_the_lecture_rule(eng):
    """The other side of the stop: the lecture rule fires on 0 >= 0, target -1 is a false
    positive, 0 - 3 = -3 stops at -2. The bias is no potentiometer: -3, unclamped."""
    m = hand_machine(rule="lecture", learning_rate=3.0, weight_limit=2.0)
    train(m, eng, card(1, 2), [-1])
    np.testing.assert_array_equal(m.weights_[:, 0], [0.0, -2.0, -2.0])
    assert m.bias_.tolist() == [-3.0]


@ENGINES
def test_forced_rule_pushes_into_the_stop_and_stops_moving(eng):
    """forced reinforces right answers too: 1, 2, then 3 -> stop 2; a pot at its stop pushed
    further does not move, so the trace says 2, 2, 0 moved."""
    m = hand_machine(rule="forced", learning_rate=1.0, weight_limit=2.0)
    trace = train(m, eng, np.concatenate([card(0, 2)] * 3), [1, 1, 1])
    np.testing.assert_array_equal(m.weights_[:, 0], [2.0, 0.0, 2.0])
    assert trace.moved.tolist() == [2, 2, 0]
    assert trace.wrong.tolist() == [1, 0, 0]


@ENGINES
def test_stop_then_ratchet_order(eng):
    """Ratchet first, then stop: eta 2.6 -> rint(2.6 / 1) * 1 = 3 -> stop 2 (either order gives
    2 here); eta 0.3, step 0.5: 0.3 -> rint(0.6) * 0.5 = 0.5, then 0.8 -> rint(1.6) * 0.5 = 1.0."""
    m = hand_machine(rule="alpha", learning_rate=2.6, weight_limit=2.0, weight_step=1.0)
    train(m, eng, card(0), [1])
    np.testing.assert_array_equal(m.weights_[:, 0], [2.0, 0.0, 0.0])
    m = hand_machine(rule="forced", learning_rate=0.3, weight_limit=None, weight_step=0.5)
    train(m, eng, np.concatenate([card(0)] * 2), [1, 1])
    np.testing.assert_array_equal(m.weights_[:, 0], [1.0, 0.0, 0.0])


@ENGINES
def test_ratchet_rounds_to_its_step_not_to_whole_numbers(eng):
    """step 0.25, eta 0.3: 0.3 / 0.25 = 1.2 -> 1 -> 0.25 (a ratchet ignored would leave 0.3)."""
    m = hand_machine(rule="alpha", learning_rate=0.3, weight_limit=None, weight_step=0.25)
    train(m, eng, card(2), [1])
    np.testing.assert_array_equal(m.weights_[:, 0], [0.0, 0.0, 0.25])


@ENGINES
def test_gamma_stop_reached_by_the_inactive_units(eng):
    """gamma, 4 A-units all wired, A0 A1 active: mean 2/4 = 0.5; eta 3 gives active units
    3 * (1 - 0.5) = +1.5 and inactive 3 * (0 - 0.5) = -1.5; stops at 1 -> [1, 1, -1, -1]."""
    m = hand_machine(a_units=4, rule="gamma", learning_rate=3.0, weight_limit=1.0)
    trace = train(m, eng, card(0, 1), [1])
    np.testing.assert_array_equal(m.weights_[:, 0], [1.0, 1.0, -1.0, -1.0])
    assert trace.moved.tolist() == [4]
    # without a stop the set's total is kept: [1.5, 1.5, -1.5, -1.5]
    m = hand_machine(a_units=4, rule="gamma", learning_rate=3.0, weight_limit=None)
    train(m, eng, card(0, 1), [1])
    np.testing.assert_array_equal(m.weights_[:, 0], [1.5, 1.5, -1.5, -1.5])


@ENGINES
def test_gamma_mean_counts_only_the_wired_units(eng):
    """gamma with A3 unwired to the R-unit: 3 wired, A0 active: mean 1/3... use eta 3 so the
    numbers stay whole: A0 gets 3 * (1 - 1/3) = 2, A1 and A2 get 3 * (0 - 1/3) = -1, A3 none."""
    m = hand_machine(a_units=4, rule="gamma", learning_rate=3.0, weight_limit=None)
    m.mask_ = np.array([[True], [True], [True], [False]])
    train(m, eng, card(0, 3), [1])  # A3 is active but unwired: it neither counts nor moves
    np.testing.assert_allclose(m.weights_[:, 0], [2.0, -1.0, -1.0, 0.0], rtol=0, atol=1e-12)


# ------------------------------------------------------------------ A->R wiring
@ENGINES
def test_unwired_potentiometers_never_turn(eng):
    """A mask by hand: R0 wired to A0 only, R1 to A1 and A2. A card lighting all three, both
    targets +1 (both wrong at 0): R0 moves A0 only; R1 moves A1 and A2."""
    m = hand_machine(r_units=2, rule="alpha", weight_limit=None)
    m.mask_ = np.array([[True, False], [False, True], [False, True]])
    trace = train(m, eng, card(0, 1, 2), [[1, 1]])
    np.testing.assert_array_equal(m.weights_, [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert trace.moved.tolist() == [3]


def test_partitioned_wiring_is_a_unit_i_to_r_unit_i_mod_r():
    m = MarkI(seed=0, retina_size=4, a_units=5, r_units=2, connectivity="partitioned")
    m.reset_weights()
    np.testing.assert_array_equal(m.mask_, [[1, 0], [0, 1], [1, 0], [0, 1], [1, 0]])


@pytest.mark.parametrize("c", [0.1, 0.25, 0.9])
def test_fractional_connectivity_wires_that_fraction(c):
    """Bug: c read as 1 - c (at 0.5, the only value tested before, the two look alike).
    512 x 8 = 4096 pairs: the binomial's standard deviation is at most 0.008 of a fraction,
    so 0.04 is five of them; each seed is fixed, so the check gives one answer every run."""
    m = MarkI(seed=3, connectivity=c)
    m.reset_weights()
    assert abs(m.mask_.mean() - c) < 0.04
    assert 0 < m.mask_.sum() < m.mask_.size


# ------------------------------------------------------------------ the lecture rule's bias
@ENGINES
def test_lecture_bias_counts_in_scores_respond_predict_and_look(eng):
    """Bug: the bias left out of the answers after training. A1 active, target -1: 0 >= 0
    fires, a false positive: w1 = -1, b = -1. A blank card then sums to the bias alone, -1,
    and answers -1 (with the bias left out: 0, which fires, +1). Cell 2 (w2 = 0): -1 too."""
    m = hand_machine(rule="lecture", weight_limit=None, coding="binary")
    with engine(eng):
        m.train(card(1), [0])                      # binary coding: class 0 is R-unit -1
        blank = card()
        assert m.scores(blank).tolist() == [[-1.0]]
        assert m.scores(card(2)).tolist() == [[-1.0]]
        assert m.scores(card(1)).tolist() == [[-2.0]]
        assert m.respond(blank).tolist() == [[-1]]
        assert m.predict(np.concatenate([blank, card(2)])).tolist() == [0, 0]
        assert m.look(blank)[2].tolist() == [-1.0]
    assert m.bias_.tolist() == [-1.0] and m.weights_[:, 0].tolist() == [0.0, -1.0, 0.0]


@ENGINES
def test_lecture_bias_counts_while_training(eng):
    """After b = -1, a blank card with target -1 sums to -1 < 0: right, nothing changes (a
    training loop that forgot the bias would see 0 >= 0, wrong, and take b to -2)."""
    m = hand_machine(rule="lecture", weight_limit=None)
    train(m, eng, card(1), [-1])
    trace = train(m, eng, card(), [-1])
    assert trace.wrong.tolist() == [0] and m.bias_.tolist() == [-1.0]
    trace = train(m, eng, card(), [1])   # -1 < 0 does not fire: a false negative, b back to 0
    assert trace.wrong.tolist() == [1] and m.bias_.tolist() == [0.0]


@ENGINES
def test_rosenblatt_rules_ignore_a_bias_left_from_the_lecture_rule(eng):
    """The rule may change after training; only the lecture rule reads the bias."""
    m = hand_machine(rule="lecture", weight_limit=None)
    train(m, eng, card(1), [-1])
    m.set_params(rule="alpha")
    with engine(eng):
        assert m.scores(card()).tolist() == [[0.0]]
        assert m.respond(card()).tolist() == [[-1]]  # alpha: 0 is no answer
    trace = train(m, eng, card(0), [1])
    assert trace.wrong.tolist() == [1] and m.bias_.tolist() == [-1.0]
    assert m.weights_[:, 0].tolist() == [1.0, -1.0, 0.0]


@ENGINES
def test_ties_at_zero(eng):
    """alpha: y * 0 > 0 is false, so a zero sum is wrong for either target and answers -1;
    the lecture rule: 0 >= 0 fires, right for +1 and wrong for -1."""
    m = hand_machine(r_units=2, rule="alpha", weight_limit=None)
    trace = train(m, eng, card(0), [[1, -1]])
    assert trace.wrong.tolist() == [2]
    np.testing.assert_array_equal(m.weights_[0], [1.0, -1.0])
    m = hand_machine(r_units=2, rule="lecture", weight_limit=None)
    with engine(eng):
        assert m.respond(card(0)).tolist() == [[1, 1]]
    trace = train(m, eng, card(0), [[1, -1]])
    assert trace.wrong.tolist() == [1]
    np.testing.assert_array_equal(m.weights_[0], [0.0, -1.0])
    assert m.bias_.tolist() == [0.0, -1.0]


@ENGINES
def test_zero_target_leaves_a_unit_alone_even_under_forced(eng):
    m = hand_machine(r_units=2, rule="forced", weight_limit=None)
    trace = train(m, eng, card(0, 1), [[0, 1]])
    np.testing.assert_array_equal(m.weights_, [[0.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    assert trace.wrong.tolist() == [1] and trace.moved.tolist() == [2]


@ENGINES
def test_alpha_moves_nothing_when_right(eng):
    """alpha after w0 = 1: A0 sums to 1 > 0, target +1 is right: no move (forced would)."""
    m = hand_machine(rule="alpha", weight_limit=None)
    train(m, eng, card(0), [1])
    trace = train(m, eng, card(0), [1])
    assert trace.wrong.tolist() == [0] and trace.moved.tolist() == [0]
    assert m.weights_[:, 0].tolist() == [1.0, 0.0, 0.0]


# ------------------------------------------------------------------ counters and resets
@ENGINES
def test_counters_then_reset_weights_zeroes_them_and_keeps_wiring_and_classes(eng):
    """Bug: resetting the potentiometers keeps a counter. Lecture rule, binary coding of 3
    classes on 2 R-units: label 1 = (+1, -1), label 2 = (-1, +1). Zero start, 0 >= 0 fires.
    Card 1 (A0, label 1): answers (+1, +1), R1 wrong: w[0, 1] = -1, b1 = -1 (1 correction).
    Card 2 (A0, label 1): sums (0, -2) answer (+1, -1): right.
    Card 3 (A2, label 2): sums (0, -1) answer (+1, -1): both wrong (2 corrections).
    So presentations 3, errors 2 (cards), corrections 3 (R-units)."""
    m = hand_machine(r_units=2, rule="lecture", weight_limit=None, coding="binary")
    m.set_classes(3)
    with engine(eng):
        m.train(np.concatenate([card(0), card(0), card(2)]), [1, 1, 2])
    np.testing.assert_array_equal(m.weights_, [[0.0, -1.0], [0.0, 0.0], [-1.0, 1.0]])
    assert m.bias_.tolist() == [-1.0, 0.0]
    assert (m.presentations_, m.errors_, m.corrections_) == (3, 2, 3)
    wiring = m.plugboard_
    m.reset_weights()
    assert (m.presentations_, m.errors_, m.corrections_) == (0, 0, 0)
    assert not m.weights_.any() and not m.bias_.any()
    assert m.plugboard_ is wiring and m.n_classes_ == 3


# ------------------------------------------------------------------ the public surface, by hand
def test_a_trace_reads_mistakes_off_the_wrong_counts():
    """Card 1 (sum 0): wrong; card 2 (same card, now w0 = 1): right."""
    m = hand_machine(rule="alpha", weight_limit=None)
    trace = train(m, "numpy", np.concatenate([card(0), card(0)]), [1, 1])
    assert trace.mistakes.tolist() == [True, False]


def test_as_many_wires_as_photocells_and_one_more():
    """A 2 x 2 retina has 4 photocells: 2 + 2 wires per A-unit fit, 3 + 2 do not."""
    m = MarkI(seed=0, retina_size=2, a_units=3, excitatory=2, inhibitory=2, a_threshold=0.0)
    assert m.associate(card(0, 1, 2, 3)).tolist() == [[1, 1, 1]]  # 2 lit - 2 lit = 0 >= 0
    with pytest.raises(ConfigError, match=r"^an A-unit cannot take 5 connections from 4 photocells$"):
        MarkI(seed=0, retina_size=2, excitatory=3, inhibitory=2).reset_weights()


def test_noise_free_presentations_draw_nothing_and_noise_is_added():
    """Without noise the generator is not touched. With it, look's S-units are the card plus
    the generator's next normal draws (float32), thresholded: worked out here from a copy of
    the generator, so the sign and the size of the noise are both checked."""
    m = MarkI(seed=3)
    m.reset_weights()
    state = m.rng_.bit_generator.state
    m.associate(np.full((2, 20, 20), 0.5, np.float32))
    assert m.rng_.bit_generator.state == state
    m = MarkI(seed=3, photocell_noise=0.2)
    m.reset_weights()
    twin = np.random.default_rng()
    twin.bit_generator.state = m.rng_.bit_generator.state
    c = np.zeros((20, 20), np.float32)
    c[:10] = 0.6
    s, _, _ = m.look(c)
    light = c.ravel() + twin.normal(0.0, 0.2, size=400).astype(np.float32)
    np.testing.assert_array_equal(s, (light >= np.float32(0.5)).astype(np.float32))
    assert 0 < s[:200].sum() < 200 and 0 < s[200:].sum() < 200


def test_look_shows_a_photocell_lit_exactly_at_its_threshold():
    m = hand_machine()
    c = np.array([[0.5, 0.49], [0.0, 1.0]], np.float32)
    s, a, r = m.look(c)
    assert s.tolist() == [1.0, 0.0, 0.0, 1.0] and a.tolist() == [1, 0, 0]


def test_labels_up_to_the_most_classes_and_one_past_the_classes_set():
    """class_count is at most 256: labels up to 255 make 256 classes (binary on 8 R-units);
    after set_classes(2), a label 2 is refused, naming it."""
    m = MarkI(seed=0, a_units=16)
    cards = np.zeros((2, 20, 20), np.float32)
    m.train(cards, [0, 255])
    assert m.n_classes_ == 256
    with pytest.raises(ConfigError, match=r"^labels go up to 256: 257 classes, more than the 256 allowed$"):
        MarkI(seed=0, a_units=16).train(cards, [0, 256])
    m = MarkI(seed=0, a_units=16)
    m.set_classes(2)
    with pytest.raises(ConfigError, match=r"^label 2 but the machine was trained on 2 classes; reset it"):
        m.train(cards, [1, 2])
    m.train(cards, [1, 1])


def test_score_names_the_shape_of_labels_given_as_a_table():
    m = hand_machine(coding="binary")
    m.set_classes(2)
    with pytest.raises(ConfigError, match=r"^need one label per card: 2 cards, labels of shape \(1, 2\)$"):
        m.score(np.concatenate([card(0), card(1)]), [[0, 1]])
    with pytest.raises(ConfigError, match=r"^need one label per card: 2 cards, 3 labels$"):
        m.score(np.concatenate([card(0), card(1)]), [0, 1, 1])


def test_cards_go_through_in_chunks_of_bounded_cells():
    """Chunks of CHUNK cards, or of CHUNK_CELLS (card, A-unit) pairs for wide machines:
    4096 cards of 512 A-units, 2048 of 2048 (4 x 2**20 / 2048)."""
    cards = np.zeros((5000, 20, 20), np.float32)
    assert [s for s, _ in MarkI(seed=0)._light(cards)] == [0, 4096]
    wide = MarkI(seed=0, a_units=2048)
    assert [(s, len(x)) for s, x in wide._light(cards)] == [(0, 2048), (2048, 2048), (4096, 904)]


def test_settings_are_keyword_only():
    with pytest.raises(TypeError):
        MarkI(1)
    m = hand_machine(coding="binary")
    with pytest.raises(TypeError):
        m.train(card(0), [1], 2)
    with pytest.raises(TypeError):
        m.fit(card(0), [1], 2)


def test_partial_fit_classes_are_zero_to_k_minus_one_in_any_order():
    """Two classes are the fewest: [0, 1] (or [1, 0]) declares them; [0] and [0, 2] are refused."""
    for classes in ([0, 1], [1, 0]):
        m = hand_machine(coding="binary").partial_fit(card(0), [0], classes=classes)
        assert m.n_classes_ == 2 and m.presentations_ == 1
    m = hand_machine(r_units=2, coding="binary").partial_fit(card(0), [0], classes=np.arange(3))
    assert m.n_classes_ == 3
    refused = r"^classes must be the labels 0 to k-1 \(k >= 2\), e\.g\. \[0, 1\]"
    for bad in ([0], [0, 2], [[0, 1]], [0.0, 1.0]):
        with pytest.raises(ConfigError, match=refused):
            hand_machine(coding="binary").partial_fit(card(0), [0], classes=bad)


@pytest.mark.parametrize("rule,label", [("lecture", 1), ("alpha", 0)])
def test_predict_reads_a_tie_at_zero_as_the_rule_does(rule, label):
    """binary coding, zero start: the R-unit's input is 0; the lecture rule fires on it
    (class 1), Rosenblatt's rules do not (class 0)."""
    m = hand_machine(rule=rule, coding="binary")
    m.set_classes(2)
    assert m.scores(card(0)).tolist() == [[0.0]]
    assert m.predict(card(0)).tolist() == [label]


def test_set_params_rebuilds_only_for_what_shapes_the_machine():
    """Trained on R-unit targets (no classes yet), the coding may change and what was learned
    stays; trained on labels, a changed coding rebuilds, an unchanged one does not."""
    m = hand_machine(r_units=2, weight_limit=None)
    train(m, "numpy", card(0), [[1, 1]])
    m.set_params(coding="winner")
    assert m.weights_[0].tolist() == [1.0, 1.0]
    m = hand_machine(r_units=2, weight_limit=None, coding="winner")
    m.train(card(0), [1])
    assert m.n_classes_ == 2 and m.weights_.any()
    m.set_params(coding="winner", learning_rate=0.5)
    assert m.weights_.any() and m.n_classes_ == 2
    m.set_params(coding="binary")
    assert not m.weights_.any() and m.n_classes_ is None


def test_unpickled_arrays_become_plain_writable_arrays(tmp_path):
    """joblib may hand back memory-mapped arrays: they are copied into plain ones."""
    m = hand_machine(weight_limit=None)
    train(m, "numpy", card(0), [1])
    state = dict(m.__dict__)
    mapped = np.memmap(tmp_path / "w", dtype=np.float64, mode="w+", shape=m.weights_.shape)
    mapped[:] = m.weights_
    frozen = m.bias_.copy()
    frozen.flags.writeable = False
    state["weights_"], state["bias_"] = mapped, frozen
    back = MarkI.__new__(MarkI)
    back.__setstate__(state)
    assert type(back.weights_) is np.ndarray and back.bias_.flags.writeable
    assert back.weights_.tolist() == [[1.0], [0.0], [0.0]]
    assert back.mask_ is m.mask_  # a plain writable array is kept as it is


def test_classes_appear_with_the_first_labels():
    m = hand_machine(coding="binary")
    with pytest.raises(AttributeError, match="classes_: the machine has not been trained on class labels"):
        _ = m.classes_
    m.train(card(0), [1])
    assert m.classes_.tolist() == [0, 1]


def test_class_names_are_kept_with_the_classes():
    m = hand_machine(coding="binary")
    m.set_classes(2, names=["left", "right"])
    assert m.class_names_ == ("left", "right")
    m.set_classes(2)
    assert m.class_names_ == ("left", "right")


def test_too_many_plugboard_connections_are_counted_in_the_message():
    with pytest.raises(ConfigError, match=r"^100,000 A-units of 101 connections make 10,100,000 plugboard "
                       r"connections; the most is 10,000,000: use fewer A-units or connections$"):
        MarkI(a_units=100_000, excitatory=100, inhibitory=1).reset_weights()


def _wiring(n_inputs=4, a=3, e=1, i=0, thresholds=None):
    return Plugboard(np.zeros((a, e), int), np.zeros((a, i), int),
                     np.ones(a) if thresholds is None else thresholds, n_inputs)


@pytest.mark.parametrize("what,plugboard", [
    ("another retina", lambda: _wiring(n_inputs=9)),
    ("fewer A-units", lambda: _wiring(a=2)),
    ("more excitatory wires", lambda: _wiring(e=2)),
    ("inhibitory wires", lambda: _wiring(i=1)),
    ("not a plugboard", lambda: "plugboard"),
])
def test_a_plugboard_replaced_by_one_that_does_not_fit_is_refused(what, plugboard):
    """hand_machine: 3 A-units of one excitatory wire on 4 photocells."""
    m = hand_machine()
    m.plugboard_ = plugboard()
    with pytest.raises(ConfigError, match=r"^plugboard_ does not fit the machine \(3 A-units, 1 R-units, "
                       r"a 2 x 2 retina\): it was replaced by hand; call reset\(\) or fit\(\) to rebuild$"):
        m.respond(card(0))
    m.plugboard_ = _wiring()
    assert m.respond(card(0)).shape == (1, 1)


def test_a_pickled_unbuilt_machine_comes_back_unbuilt():
    import pickle

    back = pickle.loads(pickle.dumps(MarkI(seed=4)))
    assert not any(hasattr(back, name) for name in ("weights_", "bias_", "mask_", "plugboard_"))
    np.testing.assert_array_equal(back.weights, MarkI(seed=4).weights)


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("name,value", [
    ("rng_", lambda m: np.random.RandomState(0)),
    ("n_classes_", lambda m: 2.0),
    ("n_classes_", lambda m: True),
    ("n_classes_", lambda m: 300),
    ("n_classes_", lambda m: 1),
    ("class_names_", lambda m: ["a", "b"]),
    ("class_names_", lambda m: ("a", "b", "c")),
    ("class_names_", lambda m: ("a", 2)),
    ("weights_", lambda m: m.weights_.astype(np.float32)),
    ("weights_", lambda m: np.asfortranarray(np.zeros((3, 2)))),
    ("weights_", lambda m: _readonly(m.weights_)),
    ("bias_", lambda m: np.zeros(3)),
    ("mask_", lambda m: m.mask_.astype(np.int8)),
])
def test_learned_state_replaced_by_hand_is_refused_naming_it(name, value):
    m = hand_machine(r_units=2, coding="binary")
    m.set_classes(2, names=["a", "b"])
    setattr(m, name, value(m))
    with pytest.raises(ConfigError, match=rf"^{name} does not fit the machine \(3 A-units, 2 R-units"):
        m.respond(card(0))


def test_the_first_misfit_is_named():
    m = hand_machine()
    m.weights_ = np.zeros((1, 1))
    m.rng_ = None
    with pytest.raises(ConfigError, match=r"^weights_ does not fit"):
        m.respond(card(0))


def test_a_training_trace_is_kept_as_it_was():
    import dataclasses

    trace = train(hand_machine(), "numpy", card(0), [1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.wrong = np.zeros(1)


def test_scikit_learn_reads_a_classifier_of_three_dimensional_cards():
    tags = MarkI().__sklearn_tags__()  # scikit-learn is a test dependency: no skip
    assert tags.estimator_type == "classifier" and tags.target_tags.required is True
    assert tags.input_tags.three_d_array is True and tags.input_tags.two_d_array is False


@pytest.mark.parametrize("name", ["weights_", "rng_", "plugboard_"])
def test_learned_state_deleted_by_hand_is_named_not_a_crash(name):
    m = hand_machine()
    m.respond(card(0))
    delattr(m, name)
    if name == "plugboard_":  # no wiring at all: the machine is built again from its settings
        assert m.respond(card(0)).shape == (1, 1)
        return
    with pytest.raises(ConfigError, match=rf"^{name} does not fit the machine"):
        m.respond(card(0))
