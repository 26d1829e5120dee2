"""Experiments: held-out cards never share a photocell pattern with training, checked independently.

Decks of centred squares and diamonds have about 32 photocell patterns in all, so a run that
dropped the exclusion would show a test card to training almost surely. Patterns are recomputed
here with the retina itself (``Retina.sense`` without noise), not with the key function under
test. Written against the mutation run's survivors (docs/TESTING.md).
"""

import dataclasses

import numpy as np
import pytest

from simulator import experiments as E
from simulator.cards import Deck
from simulator.errors import ConfigError
from simulator.retina import Retina

CENTRED = E._shapes("square", "diamond", shift=False)


def _experiment(**kw):
    settings = dict(name="t", title="centred squares and diamonds", deal=CENTRED, published="",
                    trials=60, test_cards=4, machine={"a_units": 100})
    return E.Experiment(**{**settings, **kw})


def _capture(monkeypatch):
    seen = {"train": []}
    real = E.learn

    def learn(machine, next_block, test, trials, **kw):
        seen["test"], seen["threshold"] = test.cards, machine.s_threshold

        def block(k):
            b = next_block(k)
            seen["train"].append(b.cards)
            return b
        return real(machine, block, test, trials, **kw)
    monkeypatch.setattr(E, "learn", learn)
    return seen


def _patterns(cards, threshold):
    return [tuple(row) for row in Retina(threshold=threshold).sense(cards)]


@pytest.mark.parametrize("train_cards", [None, 20])  # a stream of new cards; a fixed set of 20
def test_no_test_card_shows_the_photocells_a_training_card_showed(monkeypatch, train_cards):
    # bug caught: the held-out deck dealt without excluding training's patterns (or training
    # dealt without excluding the test's), which centred figures make certain to show
    seen = _capture(monkeypatch)
    r = E.run(_experiment(train_cards=train_cards), seed=2)
    train = set(_patterns(np.concatenate(seen["train"]), seen["threshold"]))
    test = _patterns(seen["test"], seen["threshold"])
    assert not train & set(test)
    assert r.test_seen_in_training == 0.0
    assert (r.distinct_train_patterns, r.distinct_test_patterns) == (len(train), len(set(test)))
    assert len(test) == 4 and sum(len(c) for c in seen["train"]) == 60


@pytest.mark.parametrize("train_cards", [None, 20])
def test_the_fraction_seen_is_counted_when_cards_do_repeat(monkeypatch, train_cards):
    seen = _capture(monkeypatch)
    monkeypatch.setattr(E, "deal_unseen", lambda deal, n, rng, exclude, **kw: deal(n, rng))
    r = E.run(_experiment(train_cards=train_cards, test_cards=40), seed=2)
    train = set(_patterns(np.concatenate(seen["train"]), seen["threshold"]))
    test = _patterns(seen["test"], seen["threshold"])
    fraction = sum(t in train for t in test) / len(test)
    assert fraction > 0.5                        # about 32 pictures in all: they repeat
    assert r.test_seen_in_training == pytest.approx(fraction, abs=1e-6)
    assert r.distinct_test_patterns == len(set(test))


def test_a_fixed_training_set_is_presented_in_whole_shuffled_passes(monkeypatch):
    seen = _capture(monkeypatch)
    E.run(_experiment(train_cards=20, trials=60), seed=2)
    shown = np.concatenate(seen["train"])
    assert len(shown) == 60
    passes = [shown[i:i + 20] for i in (0, 20, 40)]
    for p in passes[1:]:  # each pass is the same 20 cards, in its own order
        assert sorted(map(bytes, passes[0].reshape(20, -1))) == sorted(map(bytes, p.reshape(20, -1)))


def test_an_unknown_experiment_names_the_known_ones():
    with pytest.raises(ConfigError, match=r"^unknown experiment 'nope'; choose one of left-right, "
                                          r".*capacity.* \(or see 'mark1 experiment --list'\)$"):
        E.get("nope")


def test_trials_are_refused_for_a_run_that_trains_fixed_sets_its_own_way():
    with pytest.raises(ConfigError, match=r"^capacity trains fixed sets its own way \(see its title\): "
                                          r"--trials does not apply to it$"):
        E.run("capacity", trials=10)


def test_moved_cards_lose_what_leaves_the_grid():
    card = np.arange(1, 10, dtype=np.float32).reshape(3, 3)
    np.testing.assert_array_equal(E._moved(card, 1, 0), [[0, 1, 2], [0, 4, 5], [0, 7, 8]])
    np.testing.assert_array_equal(E._moved(card, -1, 1), [[0, 0, 0], [2, 3, 0], [5, 6, 0]])
    np.testing.assert_array_equal(E._moved(card, 0, -2), [[7, 8, 9], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(E._moved(card, 0, 0), card)


def test_random_cards_light_half_the_photocells_and_label_a_or_b():
    deck = E.random_cards(400, np.random.default_rng(0))
    assert deck.cards.shape == (400, 20, 20) and deck.class_names == ("A", "B")
    assert set(np.unique(deck.cards)) == {0.0, 1.0}
    assert 0.48 < deck.cards.mean() < 0.52        # 160,000 cells at p = 1/2: sd 0.00125
    assert set(deck.labels.tolist()) == {0, 1} and 150 < deck.labels.sum() < 250


def test_nearest_template_reads_every_block_of_512_test_cards():
    a, b = np.zeros((20, 20), np.float32), np.zeros((20, 20), np.float32)
    a[0, :5] = 1.0
    b[10:15, 10] = 1.0
    train = Deck(np.stack([a, b]), np.array([0, 1]), ("A", "B"))
    labels = np.array([0, 1] * 300 + [1] * 100)   # 700 cards: a block of 512 and one of 188
    cards = np.stack([a if k == 0 else b for k in labels[:600]] + [a] * 100)
    assert E.nearest_template_accuracy(train, Deck(cards, labels, ("A", "B"))) == pytest.approx(600 / 700,
                                                                                               abs=1e-6)


def _lit(*counts, level=1.0):
    """Cards lighting their first ``count`` photocells (reading order) at ``level``."""
    cards = np.zeros((len(counts), 20, 20), np.float32)
    for card, k in zip(cards, counts):
        card.reshape(-1)[:k] = level
    return cards


def test_lit_count_rule_by_hand_class_1_at_or_above_the_cut():
    train = Deck(_lit(1, 2, 3, 4), np.array([0, 0, 1, 1]), ("A", "B"))
    test = Deck(_lit(2, 3, 5, 3), np.array([0, 1, 1, 0]), ("A", "B"))
    got = E.lit_count_accuracy(train, test)
    assert got == {"accuracy": 0.75, "cut": 3, "class_1_at_or_above": True, "train_accuracy": 1.0,
                   "mean_lit": {"A": 2.5, "B": 4.0}}


def test_lit_count_rule_by_hand_class_1_below_the_cut():
    train = Deck(_lit(3, 4, 1, 2), np.array([0, 0, 1, 1]), ("A", "B"))
    test = Deck(_lit(1, 3), np.array([1, 0]), ("A", "B"))
    got = E.lit_count_accuracy(train, test)
    assert (got["cut"], got["class_1_at_or_above"]) == (3, False)
    assert (got["accuracy"], got["train_accuracy"]) == (1.0, 1.0)


def test_lit_count_counts_a_photocell_exactly_at_the_threshold():
    train = Deck(_lit(1, 2, 3, 4, level=0.5), np.array([0, 0, 1, 1]), ("A", "B"))
    test = Deck(_lit(3, 2, level=0.5), np.array([1, 0]), ("A", "B"))
    got = E.lit_count_accuracy(train, test, threshold=0.5)
    assert (got["cut"], got["accuracy"], got["mean_lit"]) == (3, 1.0, {"A": 2.0, "B": 3.0})
    assert E.lit_count_accuracy(train, Deck(_lit(3), np.array([0]), ("A", "B")))["mean_lit"] == {"A": 3.0}


def test_nearest_template_counts_light_exactly_at_the_threshold_as_lit():
    a, b = np.zeros((20, 20), np.float32), np.zeros((20, 20), np.float32)
    a[0, :2] = 0.5                                   # A lights two cells, exactly at the threshold
    b[5, 5] = 1.0
    train = Deck(np.stack([a, b]), np.array([0, 1]), ("A", "B"))
    dark = Deck(np.zeros((1, 20, 20), np.float32), np.array([1]), ("A", "B"))
    assert E.nearest_template_accuracy(train, dark) == 1.0   # 2 cells from A, 1 from B: B
    train = Deck(np.stack([np.zeros((20, 20), np.float32), b]), np.array([0, 1]), ("A", "B"))
    half = np.zeros((1, 20, 20), np.float32)
    half[0, 5, 5] = 0.5                              # B's cell, exactly at the threshold: B
    assert E.nearest_template_accuracy(train, Deck(half, np.array([1]), ("A", "B"))) == 1.0


@pytest.mark.parametrize("variant, squares_lit, circle_to_square", [
    ("outline", (60, 90), (0.70, 0.85)),    # a ring of diameter d against a frame of side d: pi/4
    ("solid", (120, 170), (0.70, 0.85)),    # filled: about twice the outline's cells
    ("equal-area", (60, 90), (0.95, 1.05)),  # the ring widened to the frame's area
])
def test_square_circle_variants_deal_the_figures_they_name(variant, squares_lit, circle_to_square):
    # size and stroke given, not the experiment's defaults (tuned): the ranges are for these
    deck = E.square_circle_deal(variant, size=12.0, thickness=1.8)(400, np.random.default_rng(0))
    assert deck.class_names == ("square", "circle")
    lit = (deck.cards >= 0.5).sum(axis=(1, 2))
    squares, circles = lit[deck.labels == 0].mean(), lit[deck.labels == 1].mean()
    assert squares_lit[0] < squares < squares_lit[1]
    assert circle_to_square[0] < circles / squares < circle_to_square[1]


def test_an_unknown_square_circle_variant_names_the_known_ones():
    with pytest.raises(ConfigError, match=r"^unknown square-circle variant 'dotted'; choose one of outline, "
                                          r"solid, equal-area$"):
        E.square_circle_deal("dotted")


def test_lit_count_tie_between_directions_goes_to_at_least():
    # every training card lights 2 cells, one of each class: both rules score 1/2
    train = Deck(_lit(2, 2), np.array([1, 0]), ("A", "B"))
    got = E.lit_count_accuracy(train, Deck(_lit(2), np.array([1]), ("A", "B")))
    assert (got["cut"], got["class_1_at_or_above"]) == (2, True)
    assert (got["train_accuracy"], got["accuracy"]) == (0.5, 1.0)


def test_the_lit_count_yardstick_is_given_for_two_classes_only(monkeypatch):
    assert "lit_count" in E.run(_experiment(), seed=2).details
    three = _experiment(deal=E._shapes("square", "circle", "diamond", shift=False))
    assert "lit_count" not in E.run(three, seed=2).details


def test_capacity_stops_at_its_most_epochs(monkeypatch):
    monkeypatch.setattr(E, "CAPACITY_EPOCHS", 3)
    monkeypatch.setattr(E, "CAPACITY_LOADS", (1.0, 2.0))
    r = E.run("capacity", seed=1, a_units=20)
    # 40 randomly labelled random cards on 20 A-units are not learned in 3 passes: it stops there
    assert r.details["epochs"][1] == 3 and max(r.details["epochs"]) == r.details["max_epochs"] == 3
    # presentations are counted: every pass shows the whole set (20, then 40 cards)
    e = r.details["epochs"]
    assert r.trials == 20 * e[0] + 40 * e[1]
    assert [x for x, _ in r.curve] == [20 * e[0], 20 * e[0] + 40 * e[1]]


def test_a_lecture_run_is_given_the_settings_that_were_set_and_no_others(monkeypatch):
    from simulator.lecture import contrast
    got = {}

    def run_parity(**kwargs):
        got.update(kwargs)
        return dataclasses.replace(E.run(_experiment(), seed=2), test_seen_in_training=None)
    monkeypatch.setattr(contrast, "run_parity", run_parity)
    E.run("parity", seed=4, trials=50)
    assert got == {"seed": 4, "trials": 50}


def test_shifted_letters_move_every_way_by_1_to_3_cells(monkeypatch):
    monkeypatch.setattr(E, "add_noise", lambda cards, noise, rng: cards)   # the moves alone
    deck = E.shifted_letter_cards(400, np.random.default_rng(0))
    plain = {k: v for k, v in E.LETTER_CARDS.items() if k != "noise"}
    centred = E.letter_cards(400, rng=np.random.default_rng(0), letters=E.LETTERS, **plain)
    template = {int(label): card for card, label in zip(centred.cards, centred.labels)}
    assert len(template) == 26
    moves = set()
    for card, label in zip(deck.cards, deck.labels):
        found = [(dx, dy) for dx in range(-4, 5) for dy in range(-4, 5)
                 if np.array_equal(E._moved(template[int(label)], dx, dy), card)]
        assert found, "a card that is no move of its letter"
        moves.update(found)
    steps = {max(abs(dx), abs(dy)) for dx, dy in moves}
    assert steps == {1, 2, 3}
    xs, ys = {dx for dx, _ in moves}, {dy for _, dy in moves}
    assert min(xs) == min(ys) == -3 and max(xs) == max(ys) == 3    # left, right, up and down


def test_the_xor_finding_names_how_many_blocks_an_a_unit_sees(monkeypatch):
    from types import SimpleNamespace

    from simulator.lecture import contrast
    two = SimpleNamespace(best_test_accuracy=1.0, a_units=8, details={
        "network": {"sizes": [2, 4, 1], "test_accuracy": 1.0},
        "perceptron": {"best_accuracy": 0.75}})
    monkeypatch.setattr(contrast, "run_xor", lambda seed: two)
    result = SimpleNamespace(seed=1, best_test_accuracy=0.7, settings={"excitatory": 2, "inhibitory": 1})
    finding = E._xor_extras(result)["finding"]
    assert "each A-unit sees at most 3 of the 16 blocks" in finding
    assert "a 4-unit hidden layer trained by backpropagation 100%" in finding


def test_shifted_letters_take_a_move_that_pushes_the_fewest_lit_cells_off(monkeypatch):
    # "lit" is light at or above 0.5, as everywhere: the rendered letters have cells at exactly 0.5
    monkeypatch.setattr(E, "add_noise", lambda cards, noise, rng: cards)
    deck = E.shifted_letter_cards(600, np.random.default_rng(3))
    plain = {k: v for k, v in E.LETTER_CARDS.items() if k != "noise"}
    centred = E.letter_cards(400, rng=np.random.default_rng(0), letters=E.LETTERS, **plain)
    template = {int(label): card for card, label in zip(centred.cards, centred.labels)}

    def lost(card, dx, dy):
        return int((card >= 0.5).sum()) - int((E._moved(card, dx, dy) >= 0.5).sum())

    for card, label in zip(deck.cards, deck.labels):
        t = template[int(label)]
        found = [(dx, dy) for dx in range(-3, 4) for dy in range(-3, 4)
                 if max(abs(dx), abs(dy)) > 0 and np.array_equal(E._moved(t, dx, dy), card)]
        d = max(abs(found[0][0]), abs(found[0][1]))
        fewest = min(lost(t, dx, dy) for dx in range(-d, d + 1) for dy in range(-d, d + 1)
                     if max(abs(dx), abs(dy)) == d)
        assert min(lost(t, dx, dy) for dx, dy in found) == fewest


def test_lit_count_train_accuracy_of_a_below_the_cut_rule_by_hand():
    # counts 3, 1, 2, 2 with classes 0, 1, 1, 0: the best rule is "class 1 below 2", right on 3 of 4
    train = Deck(_lit(3, 1, 2, 2), np.array([0, 1, 1, 0]), ("A", "B"))
    got = E.lit_count_accuracy(train, Deck(_lit(1, 3), np.array([1, 0]), ("A", "B")))
    assert (got["cut"], got["class_1_at_or_above"]) == (2, False)
    assert (got["train_accuracy"], got["accuracy"]) == (0.75, 1.0)


@pytest.mark.parametrize("name, classes", [("letters", 26), ("letters-shifted", 26), ("letters-2", 52)])
def test_the_letters_runs_show_each_letter_200_times_from_20_cards(name, classes):
    # the protocol: 20 training cards per letter (and per typeface), 200 presentations each
    exp = E.EXPERIMENTS[name]
    assert (exp.trials, exp.train_cards, exp.test_cards) == (200 * classes, 20 * classes, 20 * classes)


def test_square_circle_deal_takes_its_sizes_by_keyword_only():
    with pytest.raises(TypeError):
        E.square_circle_deal("solid", 12.0)


def test_a_run_that_measured_what_its_test_cards_share_gets_no_held_out_note():
    measured = dataclasses.replace(E.run(_experiment(), seed=2), test_seen_in_training=0.0, details={})
    own = _experiment(runner=lambda **kw: measured, held_out_note="(a note for unmeasured runs)")
    assert "held_out" not in E.run(own, seed=2).details
    unmeasured = dataclasses.replace(measured, test_seen_in_training=None, details={})
    own = _experiment(runner=lambda **kw: unmeasured, held_out_note="(a note for unmeasured runs)")
    assert E.run(own, seed=2).details["held_out"] == "(a note for unmeasured runs)"


def test_run_settings_are_checked_against_the_table_of_limits():
    with pytest.raises(ConfigError, match=r"^trials must be a whole number from 1 to 10,000,000, got 0$"):
        E.run("left-right", trials=0)


def test_the_test_accuracy_is_the_curves_last_point():
    r = E.run(_experiment(trials=60), seed=2)
    assert len(r.curve) > 2 and r.test_accuracy == r.curve[-1][1]


def test_runners_and_run_take_their_settings_by_keyword_only():
    for call in (lambda: E.run("left-right", 1), lambda: E._run_capacity(1, None, 20, None),
                 lambda: E._run_lms(1, None, 20, None), lambda: E._lecture("run_xor")(1, None, 20, None)):
        with pytest.raises(TypeError):
            call()


def test_experiments_are_frozen_and_on_the_panel_unless_said():
    with pytest.raises(dataclasses.FrozenInstanceError):
        E.EXPERIMENTS["left-right"].trials = 1
    assert _experiment().panel is True


def test_the_registrys_figures_move_and_turn_unless_told_not_to():
    rng = np.random.default_rng(0)
    for deal in (E._shapes("square", "circle"), E._letters("EF")):
        deck = deal(60, rng)
        assert len({c.tobytes() for c in deck.cards >= 0.5}) > 30   # moved: not one picture a class
    centred = E._shapes("square", "circle", shift=False)(60, rng)
    squares = centred.cards[centred.labels == 0]
    assert len({c.tobytes() for c in squares >= 0.5}) > 3           # centred, yet turned


def test_capacity_stops_a_set_as_soon_as_a_pass_makes_no_mistake(monkeypatch):
    monkeypatch.setattr(E, "CAPACITY_EPOCHS", 3)
    monkeypatch.setattr(E, "CAPACITY_LOADS", (0.05, 1.0, 2.0))
    r = E.run("capacity", seed=1, a_units=20)
    assert r.details["epochs"][0] < 3          # one card: learned and stopped before the most


def test_the_lms_comparisons_test_accuracies_are_each_curves_last_point():
    r = E.run("lms", seed=1, trials=40)
    assert len(r.curve) > 2 and r.test_accuracy == r.curve[-1][1]
    for m in r.details["machines"]:
        assert len(m["learning_curve"]) > 2 and m["test_accuracy"] == m["learning_curve"][-1][1]
