"""Held-out cards are new to the photocells, and every experiment says how many were not.

A card's photocell pattern is its light levels thresholded at the photocell threshold (a cell
fires at or above it) before any photocell noise. The patterns here are hand-made, or
recomputed by the machine's own retina (``MarkI.retina.sense`` without noise), not by the
key function under test.
"""

import dataclasses
import json

import numpy as np
import pytest

from simulator import experiments as E
from simulator.cards import Deck, letter_cards, shape_cards
from simulator.cli import main
from simulator.errors import ConfigError
from simulator.retina import Retina

NAMES = ("A", "B")


def card(*lit, level=0.9, background=0.0):
    """A 20 x 20 card: ``background`` everywhere, ``level`` at the (row, col) cells given."""
    c = np.full((20, 20), background, np.float32)
    for rc in lit:
        c[rc] = level
    return c


def scripted(*decks):
    """A deal(n, rng) that hands out the given (cards, labels) decks in turn, ignoring n."""
    queue = list(decks)

    def deal(n, rng):
        cards, labels = queue.pop(0)
        return Deck(np.array(cards, np.float32), np.array(labels), NAMES)
    return deal


def keys_of(cards):
    return set(E.photocell_patterns(np.array(cards, np.float32)))


def test_a_card_differing_only_in_light_is_refused_and_replaced_in_place():
    train = [card((3, 3)), card((10, 10))]
    # same pattern as train[0]: lit 0.6 instead of 0.9, background 0.3 instead of 0 (< 0.5)
    twin = card((3, 3), level=0.6, background=0.3)
    new = card((5, 5))                        # a pattern no training card had
    also_twin = card((10, 10), level=0.5)     # 0.5 fires (at the threshold): train[1] again
    replacement_a, replacement_b = card((6, 6)), card((7, 7))
    deal = scripted(([twin, new, also_twin], [0, 1, 1]),
                    # the next deal: a class-B card first, then a twin again, then fresh ones
                    ([replacement_b, card((3, 3), level=1.0), replacement_a], [1, 0, 0]))
    out = E.deal_unseen(deal, 3, np.random.default_rng(0), keys_of(train))
    assert out.labels.tolist() == [0, 1, 1]   # class order kept
    np.testing.assert_array_equal(out.cards[0], replacement_a)
    np.testing.assert_array_equal(out.cards[1], new)
    np.testing.assert_array_equal(out.cards[2], replacement_b)


def test_one_cell_across_the_threshold_is_a_new_card():
    train = [card((3, 3))]
    just_below = card((3, 3), (4, 4), level=0.9)
    just_below[4, 4] = 0.49                   # does not fire: the training pattern again
    just_at = just_below.copy()
    just_at[4, 4] = 0.5                       # fires: a second lit cell, a new pattern
    deal = scripted(([just_below], [0]), ([just_at, just_at], [0, 0]))
    out = E.deal_unseen(deal, 1, np.random.default_rng(0), keys_of(train))
    np.testing.assert_array_equal(out.cards[0], just_at)


def test_the_patterns_follow_the_threshold_given():
    a, b = card((3, 3), level=0.7), card((3, 3), level=0.9)
    assert E.photocell_patterns(np.stack([a, b]))[0] == E.photocell_patterns(np.stack([a, b]))[1]
    high = E.photocell_patterns(np.stack([a, b]), threshold=0.8)
    assert high[0] != high[1]                 # at 0.8 only the 0.9 cell fires


def test_a_class_with_no_new_pattern_is_one_line_error():
    train = [card((3, 3))]
    same = ([card((3, 3))] * 10, [0] * 10)
    deal = scripted(*[same] * 1000)
    with pytest.raises(ConfigError, match=r"too few distinct patterns") as info:
        E.deal_unseen(deal, 1, np.random.default_rng(0), keys_of(train), name="t")
    assert "\n" not in str(info.value) and "class A" in str(info.value)


def _capture(monkeypatch):
    """Record each run's test deck and every training card presented."""
    seen = {}
    real = E.learn

    def learn(machine, next_block, test, trials, **kw):
        seen["test"], seen["train"] = test.cards, []

        def block(k):
            b = next_block(k)
            seen["train"].append(b.cards)
            return b
        seen["threshold"] = machine.s_threshold
        return real(machine, block, test, trials, **kw)
    monkeypatch.setattr(E, "learn", learn)
    return seen


def _seen_fraction(seen):
    """The fraction recomputed with the machine's own retina (no noise), rows as tuples."""
    retina = Retina(threshold=seen["threshold"])
    train = {tuple(r) for r in retina.sense(np.concatenate(seen["train"]))}
    test = [tuple(r) for r in retina.sense(seen["test"])]
    return sum(t in train for t in test) / len(test), len(train), len(set(test))


@pytest.mark.parametrize("name,trials", [("square-diamond", 120), ("square-circle", 300),
                                         ("letters", 26 * 20)])
def test_runs_report_the_fraction_the_cards_show(monkeypatch, name, trials):
    seen = _capture(monkeypatch)
    r = E.run(name, seed=3, trials=trials)
    fraction, n_train, n_test = _seen_fraction(seen)
    assert r.test_seen_in_training == fraction == 0.0
    assert (r.distinct_train_patterns, r.distinct_test_patterns) == (n_train, n_test)
    assert n_test > 0.8 * len(seen["test"]) if name != "letters" else n_test > 400


def test_the_fraction_is_measured_not_assumed(monkeypatch):
    """Dealt without the check (as before), centred squares and diamonds repeat: reported."""
    seen = _capture(monkeypatch)
    monkeypatch.setattr(E, "deal_unseen", lambda deal, n, rng, exclude, **kw: deal(n, rng))
    centred = E._shapes("square", "diamond", shift=False)
    monkeypatch.setitem(E.EXPERIMENTS, "square-diamond",
                        dataclasses.replace(E.EXPERIMENTS["square-diamond"], deal=centred))
    r = E.run("square-diamond", seed=3, trials=60)
    fraction, n_train, n_test = _seen_fraction(seen)
    assert r.test_seen_in_training == pytest.approx(fraction, abs=1e-6)
    assert fraction > 0.5 and n_test <= 40    # ~32 retina images in all (the count)
    assert r.distinct_test_patterns == n_test


@pytest.mark.parametrize("name", list(E.EXPERIMENTS))
def test_every_experiment_json_has_the_keys(capsys, name):
    args = ["experiment", name, "--seed", "1", "--json", "--a-units", "50"]  # small: keys, not accuracy
    if E.EXPERIMENTS[name].trials is not None:
        args += ["--trials", "80"]
    assert main(args) == 0
    r = json.loads(capsys.readouterr().out)
    for key in ("test_seen_in_training", "distinct_train_patterns", "distinct_test_patterns"):
        assert key in r
    if not E.EXPERIMENTS[name].held_out_note:  # measured (the Mark I runner, lms)
        assert r["test_seen_in_training"] == 0.0
        # a fixed training set counts whole; a stream counts the 80 cards presented; a run of
        # its own with no trials to set (logistic) its 500 training cards
        most = E.EXPERIMENTS[name].train_cards or (80 if E.EXPERIMENTS[name].trials else 500)
        assert 1 <= r["distinct_test_patterns"] and 1 <= r["distinct_train_patterns"] <= most
    else:  # a run that deals its own cards: not measured, and the reason given
        assert r["test_seen_in_training"] is None and r["details"]["held_out"]


def _moved(c, dx, dy):
    """Move by whole cells with np.roll, blanking what wrapped round (written independently)."""
    out = np.roll(c, (dy, dx), axis=(0, 1))
    if dy > 0:
        out[:dy] = 0
    elif dy < 0:
        out[dy:] = 0
    if dx > 0:
        out[:, :dx] = 0
    elif dx < 0:
        out[:, dx:] = 0
    return out


def test_shifted_letters_are_the_centred_letters_moved_1_to_3_cells():
    centred = letter_cards(400, rng=np.random.default_rng(0), letters=E.LETTERS, shift=False,
                           size=15.0)
    template = {int(lab): c for c, lab in zip(centred.cards, centred.labels)}
    assert len(template) == 26   # (without noise every card of a letter is the same)
    deck = E.shifted_letter_cards(200, np.random.default_rng(1))
    distances = set()
    for c, lab in zip(deck.cards, deck.labels):
        if int(lab) not in template:
            continue
        t = template[int(lab)]
        err, dx, dy = min((np.abs(_moved(t, dx, dy) - c).mean(), dx, dy)
                          for dx in range(-4, 5) for dy in range(-4, 5))
        assert err < 0.06, (lab, err)         # ink noise s.d. 0.05: mean |noise| ~0.04
        distances.add(max(abs(dx), abs(dy)))
    assert distances == {1, 2, 3}


def test_max_shift_keeps_figures_near_the_centre():
    deck = shape_cards(200, rng=np.random.default_rng(0), style="solid", rotate=False,
                       max_shift=0.5)
    rows, cols = np.indices((20, 20)) + 0.5
    for c in deck.cards:
        w = c.sum()
        assert abs((c * rows).sum() / w - 10) <= 0.5 + 1e-3
        assert abs((c * cols).sum() / w - 10) <= 0.5 + 1e-3
    patterns = {c.tobytes() for c in (deck.cards >= 0.5)}
    assert len(patterns) > 20                 # not one picture per class, as centred
    with pytest.raises(ConfigError, match="max_shift"):
        shape_cards(2, rng=np.random.default_rng(0), max_shift=-1)


def test_nearest_template_matcher_by_hand():
    train = Deck(np.stack([card((3, 3), (3, 4), (3, 5)), card((12, 12), (13, 12))]),
                 np.array([0, 1]), NAMES)
    test = Deck(np.stack([card((3, 3), (3, 4)),          # 1 cell from A, 4 from B: A, right
                          card((13, 12), (14, 12)),      # 2 from B, 5 from A: B, right
                          card((3, 5), (4, 5), level=0.6),  # 3 from A, 4 from B: A, wrong
                          card((3, 3), level=0.4)]),     # nothing fires: 2 from B, 3 from A
                 np.array([0, 1, 1, 0]), NAMES)
    assert E.nearest_template_accuracy(train, test) == 0.5
    # at 0.95 no cell fires anywhere: every distance is 0, the tie goes to the first training
    # card (A), right for the two A cards only
    assert E.nearest_template_accuracy(train, test, threshold=0.95) == 0.5
