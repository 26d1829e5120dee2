"""The session as the screens' seam: reset to a known state, and a read-only view of what is shown.

The panel, the kiosk's visitor screen and (later) the rig bridge read :meth:`Session.view` and
call the session's actions. These tests import no display code: expected values come from the
machine's own public calls (``respond``, ``predict``, ``plugboard_.matrix``) or from a twin
session driven another way, never from the view's code.
"""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from simulator.machine import MarkI
from simulator.session import CURVE_BLOCK, Session

ARRAYS = ("card", "s_activity", "a_activity", "r_lamps", "class_lamps", "weights")


def _trained(seed=1958, trials=30, **kw) -> Session:
    s = Session(seed=seed, **kw)
    for _ in range(trials):
        s.step()
    return s


def _deals(s: Session, n: int) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        s.deal()
        out.append((s.view().card.copy(), s.view().card_label))
    return out


def test_importing_the_session_imports_no_display_or_serial_code():
    code = ("import sys, simulator.session\n"
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('pygame', 'serial'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ---------------------------------------------------------------------- reset
def test_reset_gives_the_machine_and_cards_the_session_started_with():
    s = _trained(seed=11, speed=4.0)
    s.rewire()                      # another plugboard: reset goes back to the starting seed
    for _ in range(5):
        s.step()
    s.alert, s.running = "something went wrong", True
    assert s.reset() is True
    v, twin = s.view(), Session(seed=11).view()
    assert v.wiring_seed == 11 and v.trials == 0 and v.mistakes == 0 and v.streak == 0
    assert v.curve == () and v.learned_at is None and v.correction is None and v.demo
    assert not v.running and v.alert == "" and v.message == "" and v.answer is None
    assert v.card_origin == "blank" and not v.card.any()
    assert not v.weights.any()
    assert len(v.teletype) == 2 and v.teletype[-1].startswith("reset: a fresh machine")
    assert v.speed == 4.0           # kept
    np.testing.assert_array_equal(s.machine.plugboard_.matrix(), Session(seed=11).machine.plugboard_.matrix())
    assert v.experiment == twin.experiment
    # the same cards come again, as from a session just made
    for (a, la), (b, lb) in zip(_deals(s, 5), _deals(Session(seed=11), 5)):
        np.testing.assert_array_equal(a, b)
        assert la == lb


def test_reset_deals_the_held_out_cards_once(monkeypatch):
    """A reset (the kiosk's, on every visitor's first touch) reuses the held-out deal: drawing
    200 cards again cost most of a reset. The cards after it are tested above."""
    from simulator import experiments

    s = Session(seed=11)
    dealt = []
    real = experiments.left_right_cards
    monkeypatch.setattr(experiments, "left_right_cards", lambda n, **kw: dealt.append(n) or real(n, **kw))
    for _ in range(3):
        s.reset()
    assert 200 not in dealt
    with pytest.raises(ValueError):
        s.held_out.cards[0, 0, 0] = 1.0   # kept, so never changed


def test_reset_keeps_the_experiment():
    s = Session(seed=3)
    s.select("square-circle")
    s.step()
    s.reset()
    twin = Session(seed=3, experiment="square-circle")
    assert s.view().experiment == "square-circle" and s.view().class_names == twin.view().class_names
    assert [la for _, la in _deals(s, 8)] == [la for _, la in _deals(twin, 8)]


def test_reset_to_a_state_file(tmp_path):
    source = _trained(seed=5, trials=40)
    path = tmp_path / "trained.mark1"
    source.save(path)
    s = _trained(seed=9, trials=12)
    assert s.reset(path) is True
    v = s.view()
    np.testing.assert_array_equal(v.weights, source.machine.weights)
    assert v.trials == 40 and v.mistakes == 0 and v.streak == 0 and v.curve == ()
    assert not v.demo and v.alert == "" and v.card_origin == "blank"
    assert len(v.teletype) == 2 and "reset to the state in" in v.teletype[-1]


@pytest.mark.parametrize("content", [None, b"not a state file", b"PK\x03\x04broken zip"])
def test_reset_to_a_bad_file_changes_nothing_but_the_alert(tmp_path, content):
    path = tmp_path / "bad.mark1"
    if content is not None:
        path.write_bytes(content)
    s = _trained(seed=9, trials=12)
    s.show(np.eye(20, dtype=np.float32), origin="drawing")
    machine, before = s.machine, s.view()
    assert s.reset(path) is False
    after = s.view()
    assert s.machine is machine
    assert after.alert and "\n" not in after.alert and "bad.mark1" in after.alert
    assert after.teletype[:-1] == before.teletype[-len(after.teletype) + 1:]
    assert after.teletype[-1].startswith("not loaded:")
    for name in ("trials", "mistakes", "streak", "curve", "card_origin", "answer", "demo", "wiring_seed"):
        assert getattr(after, name) == getattr(before, name), name
    np.testing.assert_array_equal(after.card, before.card)
    np.testing.assert_array_equal(after.weights, before.weights)


# ---------------------------------------------------------------------- the view's contents
def test_the_view_shows_what_the_machine_says():
    s = _trained(seed=4, trials=25)
    s.deal()
    v, m = s.view(), s.machine
    respond = m.respond(v.card[None])[0]           # no photocell noise: a second look agrees
    np.testing.assert_array_equal(v.r_lamps, respond > 0)
    np.testing.assert_array_equal(v.class_lamps, respond[:2] > 0)   # winner coding: a lamp a class
    assert v.answer == (int(m.predict(v.card[None])[0]) if (respond[:2] > 0).any() else None)
    assert v.answer_name == (v.class_names[v.answer] if v.answer is not None else "nothing")
    s_on = (v.card >= m.s_threshold).ravel()
    np.testing.assert_array_equal(v.s_activity, s_on)
    lit = s_on.astype(np.float32) @ m.plugboard_.matrix()
    np.testing.assert_array_equal(v.a_activity, (lit >= m.a_threshold).astype(np.uint8))
    np.testing.assert_array_equal(v.weights, m.weights)
    assert v.trials == 25 and v.trials == m.presentations_
    assert v.card.shape == (20, 20) and v.card.dtype == np.float32
    assert v.a_units == m.a_units and v.r_units == m.r_units and v.retina_size == 20
    assert len(v.curve) == 25 // CURVE_BLOCK and sum(v.curve) <= v.mistakes
    assert v.r_names[:2] == ("LEFT", "RIGHT") and v.coding == "winner"


def test_a_noisy_binary_coded_view_agrees_with_itself():
    """26 letters on 8 R-units (binary code) with photocell noise: S, A and R from one look."""
    s = _trained(seed=4, trials=40, experiment="letters")
    s.deal()
    v, m = s.view(), s.machine
    assert m.coding == "binary" and m.photocell_noise > 0
    lit = v.s_activity.astype(np.float32) @ m.plugboard_.matrix()
    np.testing.assert_array_equal(v.a_activity, (lit >= m.a_threshold).astype(np.uint8))
    lamps = v.a_activity.astype(np.float64) @ v.weights > 0     # integer settings: exact sums
    np.testing.assert_array_equal(v.r_lamps, lamps)
    code = int(sum(1 << i for i in range(5) if lamps[i]))        # 5 bits name 26 classes
    assert v.answer == (code if code < 26 else None)
    np.testing.assert_array_equal(v.class_lamps, np.arange(26) == code)
    assert v.r_names[0] == "bit 0"


def test_the_correction_names_the_potentiometers_that_moved():
    s = Session(seed=2)
    while True:
        s.deal()
        before = s.view()
        s.teach(1 - before.answer if before.answer is not None else before.card_label)
        after = s.view()
        if after.correction.moved:
            break
    diff = before.weights != after.weights
    np.testing.assert_array_equal(after.correction.a_units, np.flatnonzero(diff.any(axis=1)))
    np.testing.assert_array_equal(after.correction.r_units, np.flatnonzero(diff.any(axis=0)))
    assert after.weights_version != before.weights_version


def test_the_wiring_read_through_the_session_matches_the_plugboard():
    s = Session(seed=6)
    board = s.machine.plugboard_.matrix()           # (photocells, A-units): +1 / -1 / 0
    for i in (0, 45, 210, 399):
        a, excite = s.wires_of_photocell(i)
        np.testing.assert_array_equal(a, np.flatnonzero(board[i]))
        np.testing.assert_array_equal(excite, board[i][a] > 0)
    for j in (0, 100, 511):
        exc, inh = s.wires_of_a_unit(j)
        col = board[:, j]
        assert set(exc) == set(np.flatnonzero(col > 0)) and set(inh) == set(np.flatnonzero(col < 0))
    with pytest.raises(IndexError, match="no photocell 400; the retina has 400"):
        s.wires_of_photocell(400)
    with pytest.raises(IndexError, match="no A-unit 512; the machine has 512"):
        s.wires_of_a_unit(512)


# ---------------------------------------------------------------------- read-only
def test_the_view_cannot_be_written():
    s = _trained(trials=12)
    s.deal()
    v = s.view()
    for name in ARRAYS:
        arr = getattr(v, name)
        with pytest.raises(ValueError, match="read-only"):
            arr.flat[0] = 1
    for arr in (v.correction.a_units, v.correction.r_units, *s.wires_of_photocell(3), *s.wires_of_a_unit(3)):
        if arr.size:
            with pytest.raises(ValueError, match="read-only"):
                arr[0] = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.answer = 0
    assert isinstance(v.teletype, tuple) and isinstance(v.curve, tuple)


def test_a_view_kept_by_a_screen_does_not_change_afterwards():
    s = Session(seed=1958)
    light = np.zeros((20, 20), np.float32)
    light[5:15, 3:6] = 1
    s.show(light, origin="drawing")
    old = s.view()
    card, weights = old.card.copy(), old.weights.copy()
    light[:] = 1                    # the caller's array changed afterwards: nothing shown changes
    for _ in range(20):             # trains the weights in place inside the machine
        s.step()
    np.testing.assert_array_equal(old.card, card)
    np.testing.assert_array_equal(old.weights, weights)
    assert s.view().weights.any() and not weights.any()


def test_asking_for_the_view_every_frame_copies_nothing():
    s = _trained(trials=3)
    v = s.view()
    assert s.view() is v
    assert v.weights is s.view().weights and np.shares_memory(v.weights, s.view().weights)


# ---------------------------------------------------------------------- version
def test_the_version_changes_with_everything_shown_and_not_otherwise(tmp_path):
    s = Session(seed=1958, speed=2.0)
    changes = {
        "deal": s.deal,
        "teach": lambda: s.teach(0),
        "paint": lambda: s.paint(3, 3, 1.0 - float(s.card[3, 3])),
        "clear": s.clear,
        "run": s.toggle_run,
        "pause by attribute": lambda: setattr(s, "running", False),
        "faster": s.faster,
        "alert by attribute": lambda: setattr(s, "alert", "full screen is not available here"),
        "message by attribute": lambda: setattr(s, "message", "hello"),
        "save fails": lambda: s.save(tmp_path / "no-such-dir" / "x.mark1"),
        "load fails": lambda: s.load(tmp_path / "missing.mark1"),
        "reset": s.reset,
        "reset pots": s.reset_weights,
        "rewire": s.rewire,
    }
    for what, act in changes.items():
        if what == "save fails":
            s.alert = ""
        before = s.view().version
        act()
        assert s.view().version != before, what
    unchanged = {
        "view again": s.view,
        "paused update": lambda: s.update(10.0),
        "pause when paused": lambda: setattr(s, "running", False),
        "same alert": lambda: setattr(s, "alert", s.alert),
        "paint a cell as it is": lambda: s.paint(0, 0, float(s.card[0, 0])),
        "out-of-range paint": lambda: s.paint(-1, 50, 1.0),
        "wires": lambda: s.wires_of_photocell(5),
    }
    for what, act in unchanged.items():
        before = s.view()
        act()
        assert s.view() is before, what
    s.toggle_run()
    before = s.view().version
    s.update(0.1)                   # less than half a trial at 2 trials a second: nothing yet
    assert s.view().version == before
    s.update(0.15)                  # the card is dealt
    assert s.view().version != before


def test_the_weights_version_stays_when_a_right_answer_moves_nothing():
    s = _trained(seed=1958, trials=60)
    for _ in range(200):
        s.deal()
        v = s.view()
        if v.answer == v.card_label:
            s.teach(v.card_label)
            if s.correction.moved == 0:
                assert s.view().weights_version == v.weights_version
                assert s.view().weights is v.weights
                return
    pytest.fail("no right answer without a trim in 200 cards")


# ---------------------------------------------------------------------- scripted trials on a clock
def test_running_on_an_injected_clock_is_the_same_run_as_stepping():
    by_clock, by_step = Session(seed=8, speed=4.0), Session(seed=8, speed=4.0)
    by_clock.toggle_run()
    seen = []
    for _ in range(2 * 37):         # 1/8 s ticks: a card every other tick, a teaching between
        by_clock.update(0.125)
        v = by_clock.view()
        seen.append((v.trials, v.card_origin))
    for _ in range(37):
        by_step.step()
    a, b = by_clock.view(), by_step.view()
    assert a.trials == b.trials == 37
    assert (a.mistakes, a.streak, a.curve) == (b.mistakes, b.streak, b.curve)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.teletype[1:] == b.teletype[1:]
    # the answer shows half a trial before the correction lands
    assert seen[0] == (0, "card") and seen[1] == (1, "card") and seen[2] == (1, "card")


def test_a_long_stall_is_caught_up_in_bounded_work():
    s = Session(seed=8, speed=100.0)
    s.toggle_run()
    s.update(3.0)                   # 300 trials due
    assert s.view().trials == 300 or s.view().learned_at is not None


def test_a_bad_speed_is_refused_in_one_line():
    s = Session(seed=1)
    with pytest.raises(ValueError, match="speed must be a number of trials a second above 0, got 0"):
        s.speed = 0
    with pytest.raises(ValueError, match="got True"):
        Session(speed=True)
    assert s.view().speed == 2.0


def test_a_machine_trained_elsewhere_and_loaded_shows_its_own_counters(tmp_path):
    m = MarkI(seed=5, coding="winner")
    m.set_classes(2, ("LEFT", "RIGHT"))
    path = tmp_path / "m.mark1"
    m.save(path)
    s = Session(seed=1)
    assert s.load(path)
    v = s.view()
    assert v.trials == 0 and v.generation > 1 and not v.weights.any()


def test_the_same_failure_twice_is_shown_twice(tmp_path):
    s = Session(seed=1)
    bad = tmp_path / "no-such-dir" / "x.mark1"
    s.save(bad)
    first = s.view()
    s.save(bad)                     # the same line again: a screen must still see a new alert
    second = s.view()
    assert second.alert == first.alert and "no-such-dir" in second.alert
    assert second.alerts == first.alerts + 1 and second.version != first.version
    s.alert = ""
    assert s.view().alerts == second.alerts and s.view().alert == ""


def test_news_of_a_machine_replaced_is_not_shown_for_the_next_one():
    s = Session(seed=1958, speed=100.0)
    for _ in range(500):
        s.step()
        if s.view().learned_at is not None:
            break
    assert s.view().message.startswith("Learned!")
    s.rewire()                      # a fresh, untrained machine: "Learned!" is not true of it
    assert s.view().message == "" and s.view().learned_at is None


@pytest.mark.parametrize("dt", [float("nan"), -1.0, float("inf"), 0.0])
def test_a_clock_gone_wrong_runs_no_trials(dt):
    s = Session(seed=8, speed=4.0)
    s.toggle_run()
    s.update(0.1)                   # part way into the first half-trial
    before = s.view()
    s.update(dt)
    assert s.view() is before
    s.update(0.05)                  # and the clock goes on from where it was
    assert s.view().version != before.version and s.view().card_origin == "card"
