"""The session's corners pinned by hand: class numbers at their ends, a half trial exactly elapsed,
the retina's edge under the finger, speeds at the bounds, what a reset of the potentiometers clears.

Written against the mutation run's survivors (docs/TESTING.md).
"""

import dataclasses

import numpy as np
import pytest

from simulator import experiments as E
from simulator.errors import ConfigError, Mark1Error
from simulator.session import LEARNED_STREAK, SPEEDS, Session


@pytest.fixture(scope="module")
def session():
    return Session(seed=3)


def _fresh(session):
    session.reset()
    return session


@pytest.mark.parametrize("label, name", [(0, "LEFT"), (1, "RIGHT"), (2, "nothing"), (-1, "nothing"),
                                         (None, "nothing")])
def test_class_numbers_name_a_class_only_from_0_to_the_last(session, label, name):
    assert session.name(label) == name
    assert session.view().name(label) == name


def test_teaching_takes_the_classes_from_0_to_the_last_and_refuses_the_next(session):
    s = _fresh(session)
    for bad in (2, -1):
        with pytest.raises(Mark1Error, match=rf"^no class {bad}; this experiment has 2$"):
            s.teach(bad)
    assert s.machine.presentations_ == 0
    s.teach(1)
    s.teach(0)
    assert s.machine.presentations_ == 2


def test_an_answer_of_class_0_is_shown_as_class_0(session):
    s = _fresh(session)
    for _ in range(60):  # train until the machine answers LEFT on a LEFT card
        s.step()
        s.deal()
        if s.card_label == 0 and s.answer == 0:
            break
    assert s.card_label == 0 and s.answer == 0
    v = s.view()
    assert v.answer == 0 and v.answer_name == "LEFT"
    np.testing.assert_array_equal(v.class_lamps, [True, False])


def test_a_trial_takes_one_period_the_correction_landing_exactly_at_its_half(session):
    s = _fresh(session)
    s.speed = 2.0                   # a period of 0.5 s: 0.25 s to deal, 0.25 s to correct
    s.running = True
    s.update(0.125)
    assert s.card_origin == "blank"   # not yet half a period
    s.update(0.125)                 # exactly half a period: the card is dealt
    assert s.card_origin == "card" and s.machine.presentations_ == 0
    s.update(0.25)                  # exactly the other half: the trainer corrects
    assert s.machine.presentations_ == 1
    s.update(0.5)                   # one whole period: one more trial
    assert s.machine.presentations_ == 2
    s.running = False


def test_the_finger_paints_up_to_the_retinas_edge_and_not_beyond(session):
    s = _fresh(session)
    n = s.machine.retina_size
    s.paint_cells([(n, 0), (0, n), (-1, 0), (0, -1)], 1.0)
    assert s.card.sum() == 0 and s.card_origin == "blank"   # all off the retina: nothing looked
    s.paint_cells([(n - 1, n - 1), (0, 0)], 1.0)
    assert s.card[n - 1, n - 1] == 1.0 and s.card[0, 0] == 1.0 and s.card.sum() == 2.0
    assert s.card_origin == "drawing" and not s.demo
    version = s.version
    s.paint_cells([(0, 0)], 1.0)    # no cell changes: no new look
    assert s.version == version


@pytest.mark.parametrize("speed", [0, -1.0, float("inf"), float("nan"), True, "2"])
def test_speeds_outside_0_to_infinity_are_refused_in_one_line(speed):
    with pytest.raises(ConfigError, match=r"^speed must be a number of trials a second above 0, got "):
        Session(speed=speed)


def test_a_tiny_speed_is_taken(session):
    assert Session(speed=1e-9).speed == 1e-9


def test_faster_and_slower_step_through_the_speeds_and_stop_at_the_ends(session):
    s = _fresh(session)
    s.speed = SPEEDS[0]
    s.faster(-1)
    assert s.speed == SPEEDS[0]
    s.faster(1)
    assert s.speed == SPEEDS[1]
    s.faster(len(SPEEDS) + 3)
    assert s.speed == SPEEDS[-1]
    s.speed = 3.5                   # between 2 and 4, nearer 4: faster from there is 10
    s.faster(1)
    assert s.speed == 10.0
    s.speed = 3.0                   # a tie between 2 and 4 counts as 2: faster is 4
    s.faster(1)
    assert s.speed == 4.0
    s.speed = 2.0


def test_centring_the_potentiometers_starts_the_count_again(session):
    # bug caught (issue 13): the reset keeping the streak counter, so "Learned!" came early
    s = _fresh(session)
    for _ in range(40):
        s.step()
    assert s.streak > 0 or s.mistakes > 0
    s.reset_weights()
    assert (s.streak, s.mistakes, s.curve, s.learned_at, s.demo, s.message) == (0, 0, [], None, True, "")
    assert not s.machine.weights.any() and s.correction is None
    assert s.log[-1] == "potentiometers centred: the machine has forgotten everything"
    assert s.view().weights_version == s.weights_version and not s.view().weights.any()


def test_learned_after_exactly_the_streak(session):
    s = _fresh(session)
    said = []
    for _ in range(400):
        s.step()
        said.append(s.streak)
        if s.learned_at is not None:
            break
    assert s.learned_at == s.machine.presentations_ and said[-1] == LEARNED_STREAK
    assert max(said[:-1]) < LEARNED_STREAK
    assert s.message.startswith(f"Learned! No mistake in {LEARNED_STREAK} trials (trial {s.learned_at}).")
    assert not s.demo and not s.running


def test_the_curve_counts_mistakes_per_block_of_ten_trials(session):
    s = _fresh(session)
    wrong = []
    for _ in range(25):
        before = s.mistakes
        s.step()
        wrong.append(s.mistakes - before)
    assert s.curve == [sum(wrong[:10]), sum(wrong[10:20])]


@pytest.mark.parametrize("classes, coding", [(8, "winner"), (9, "binary")])
def test_one_lamp_per_class_up_to_eight_classes_then_binary(monkeypatch, classes, coding):
    letters = E.LETTERS[:classes]
    exp = dataclasses.replace(E.EXPERIMENTS["letters"], name="some-letters", deal=E._letters(letters))
    monkeypatch.setitem(E.EXPERIMENTS, "some-letters", exp)
    s = Session(seed=1, experiment="some-letters")
    assert s.view().coding == coding and s.class_names == tuple(letters)
    names = s.view().r_names
    assert names == (tuple(letters) if coding == "winner" else tuple(f"bit {i}" for i in range(8)))


def test_the_wires_of_the_last_photocell_and_the_last_a_unit_are_given_and_no_further(session):
    s = _fresh(session)
    n, a = s.machine.retina_size ** 2, s.machine.a_units
    s.wires_of_photocell(n - 1)
    s.wires_of_a_unit(a - 1)
    with pytest.raises(IndexError, match=rf"^no photocell {n}; the retina has {n}$"):
        s.wires_of_photocell(n)
    with pytest.raises(IndexError, match=r"^no photocell -1"):
        s.wires_of_photocell(-1)
    with pytest.raises(IndexError, match=rf"^no A-unit {a}; the machine has {a}$"):
        s.wires_of_a_unit(a)


@pytest.mark.parametrize("params", [{"a_units": 1}, {"r_units": 64}, {"a_units": 1, "r_units": 1}])
def test_a_machine_at_the_limits_of_the_table_loads(session, tmp_path, params):
    # the panel takes 1 to 100,000 A-units and 1 to 64 R-units: both ends included
    from simulator.machine import MarkI
    m = MarkI(seed=5, coding="winner", **params) if params.get("r_units", 8) > 1 else \
        MarkI(seed=5, coding="binary", **params)
    m._ensure_built()
    m.n_classes_, m.class_names_ = 2, ("LEFT", "RIGHT")
    path = tmp_path / "m.mark1"
    m.save(path)
    s = _fresh(session)
    assert s.load(path), s.alert
    assert (s.machine.a_units, s.machine.r_units) == (params.get("a_units", 512), params.get("r_units", 8))


def test_a_step_of_no_time_does_nothing_even_after_the_speed_went_up(session):
    s = _fresh(session)
    s.speed = 0.5                   # half a period is 1 s
    s.running = True
    s.update(0.9)
    s.speed = 100.0                 # now 0.9 s is 180 half periods
    s.update(0.0)                   # not a step forward: ignored
    assert s.card_origin == "blank" and s.machine.presentations_ == 0
    s.running = False


def test_under_the_lecture_rule_a_score_of_exactly_zero_lights_its_lamp(session):
    s = _fresh(session)
    s.clear()                                   # a blank card on centred potentiometers: scores 0
    assert not s.scores.any()
    assert not s.view().r_lamps.any()           # Rosenblatt's rule: a tie does not fire
    s.machine.rule = "lecture"
    s.clear()
    assert s.view().r_lamps.all()               # the lecture's step function: 0 fires
    s.machine.rule = "alpha"


def test_a_state_file_brings_the_experiment_whose_classes_it_was_trained_on(tmp_path):
    from simulator.machine import MarkI
    m = MarkI(seed=5, coding="winner")
    m._ensure_built()
    m.n_classes_, m.class_names_ = 2, ("LEFT", "RIGHT")
    m.save(tmp_path / "lr.mark1")
    s = Session(seed=1, experiment="square-circle")
    assert s.load(tmp_path / "lr.mark1"), s.alert
    assert s.experiment.name == "left-right" and s.class_names == ("LEFT", "RIGHT")
    assert s.wiring_seed == 5                  # no wiring seed of its own: its seed wired it
    assert s.demo is False and s.view().demo is False   # a loaded machine: the script is off
    m = MarkI(seed=6, coding="winner")
    m._ensure_built()
    m.n_classes_, m.class_names_ = 2, ("square", "circle")
    m.save(tmp_path / "sc.mark1")
    assert s.load(tmp_path / "sc.mark1"), s.alert
    assert s.experiment.name.startswith("square-circle") and s.class_names == ("square", "circle")


def test_another_experiment_gets_a_machine_for_its_own_classes(session):
    s = _fresh(session)
    s.select("square-circle")
    assert s.machine.class_names_ == s.class_names == ("square", "circle")
    s.select("left-right")
    assert s.machine.class_names_ == ("LEFT", "RIGHT")


def test_rewiring_takes_the_next_seed_unless_given_one(session):
    s = _fresh(session)
    start = s.wiring_seed
    s.rewire()
    assert s.wiring_seed == start + 1 and s.log[-1] == f"plugboard rewired with seed {start + 1}"
    s.rewire(40)
    assert s.wiring_seed == 40


def test_session_settings_are_keyword_only(session):
    with pytest.raises(TypeError):
        Session(3)
    with pytest.raises(TypeError):
        session.show(np.zeros((20, 20)), 1)


def test_a_correction_is_frozen_and_equal_only_to_itself(session):
    s = _fresh(session)
    s.deal()
    c = s.teach(s.card_label)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.moved = 0
    assert c == c and (c == dataclasses.replace(c)) is False   # arrays inside: identity, not values


def test_load_picture_says_whether_it_showed_the_picture(session, tmp_path):
    from PIL import Image
    s = _fresh(session)
    picture = np.zeros((40, 40), np.uint8)
    picture[:, :20] = 255
    Image.fromarray(picture).save(tmp_path / "half.png")
    assert s.load_picture(tmp_path / "half.png") is True
    assert s.card_origin == "picture" and s.log[-1] == "showing the picture half.png"
    (tmp_path / "bad.png").write_bytes(b"not a picture")
    alerts = s.alerts
    assert s.load_picture(tmp_path / "bad.png") is False
    assert s.card_origin == "picture" and s.alerts == alerts + 1
    assert s.log[-1].startswith("cannot show bad.png: ")


def test_a_view_is_equal_only_to_itself_and_a_new_session_is_paused(session):
    v = Session(seed=3).view()
    assert v.running is False and v.demo is True
    assert v == v and (v == dataclasses.replace(v)) is False


@pytest.mark.parametrize("names, said", [(("cat", "dog"), "cat, dog"), (None, "(unnamed)")])
def test_a_machine_for_classes_no_experiment_has_is_refused_naming_them(tmp_path, names, said):
    from simulator.machine import MarkI
    m = MarkI(seed=5, coding="winner")
    m._ensure_built()
    m.n_classes_, m.class_names_ = 2, names
    m.save(tmp_path / "m.mark1")
    s = Session(seed=1)
    assert not s.load(tmp_path / "m.mark1")
    assert s.alert.endswith(f"a machine for classes {said}; no experiment on the panel has those")


def test_a_machine_that_fails_in_an_unforeseen_way_is_not_loaded_and_says_so(tmp_path, monkeypatch):
    from simulator.machine import MarkI

    def broken(path):
        raise RuntimeError("the disk said no")
    monkeypatch.setattr(MarkI, "load", staticmethod(broken))
    s = Session(seed=1)
    machine = s.machine
    assert not s.load(tmp_path / "x.mark1")
    assert s.alert.endswith("x.mark1: the machine in it does not run here (RuntimeError: the disk said no)")
    assert s.machine is machine
