"""MarkI.copy and the session's fresh machine kept for resets: a copy is a fresh build.

The expected values come from machines built from scratch with the same settings.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.machine import MarkI
from simulator.session import Session


def cards(n, seed):
    return (np.random.default_rng(seed).random((n, 20, 20)) < 0.3).astype(np.float32)


def built(**kw):
    m = MarkI(seed=7, coding="winner", **kw)
    m.set_classes(2, ("left", "right"))
    return m


def same(a: MarkI, b: MarkI) -> None:
    assert np.array_equal(a.weights_, b.weights_) and np.array_equal(a.bias_, b.bias_)
    assert np.array_equal(a.mask_, b.mask_)
    assert (a.presentations_, a.errors_, a.corrections_) == (b.presentations_, b.errors_, b.corrections_)
    assert (a.n_classes_, a.class_names_) == (b.n_classes_, b.class_names_)
    assert a.rng_.bit_generator.state == b.rng_.bit_generator.state
    for name in ("excitatory_idx", "inhibitory_idx", "thresholds"):
        assert np.array_equal(getattr(a.plugboard_, name), getattr(b.plugboard_, name))


@pytest.mark.parametrize("kw", [{}, {"photocell_noise": 0.1, "connectivity": 0.5}])
def test_a_copy_trains_and_answers_as_a_fresh_build(kw):
    x, y = cards(60, 1), np.arange(60) % 2
    fresh, original = built(**kw), built(**kw)
    twin = original.copy()
    same(twin, fresh)
    assert np.array_equal(twin.predict(x), fresh.predict(x))
    twin.train(x, y)
    fresh.train(x, y)
    same(twin, fresh)     # noise drawn from the same generator state: the same trials
    assert np.array_equal(twin.scores(x), fresh.scores(x))


def test_training_a_copy_leaves_the_original_alone():
    original = built(photocell_noise=0.1)
    board = original.plugboard_.excitatory_idx.copy()
    twin = original.copy()
    twin.train(cards(40, 2), np.arange(40) % 2)
    assert twin.presentations_ == 40 and np.any(twin.weights_ != 0)
    same(original, built(photocell_noise=0.1))   # still fresh: weights, counters, generator
    assert np.array_equal(original.plugboard_.excitatory_idx, board)
    original.train(cards(5, 3), np.arange(5) % 2)
    assert twin.presentations_ == 40


def test_a_copy_refuses_a_changed_shape_as_its_original_does():
    twin = built().copy()
    twin.a_units = 100
    with pytest.raises(ValueError, match="a_units was changed from 512 to 100"):
        twin.predict(cards(1, 4))


def test_a_session_reset_gives_the_machine_a_new_session_builds():
    s = Session(seed=1958)
    for _ in range(30):
        s.deal()
        s.teach(s.card_label)
    trained = s.machine
    s.reset()
    assert s.machine is not trained
    same(s.machine, Session(seed=1958).machine)
    assert trained.presentations_ > 0          # the old machine is not touched by the reset
    for _ in range(30):
        s.deal()
        s.teach(s.card_label)
    s.reset()
    same(s.machine, Session(seed=1958).machine)   # the kept machine was not trained either
