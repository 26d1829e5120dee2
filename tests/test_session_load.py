"""Loading a state file into a running demonstration: a file that does not fit changes nothing.

A visitor (or a kiosk script) can press LOAD with any file at the state path. Whatever is
there, the machine on the panel, its counters, its learning curve and the card in front of the
eye stay as they were, the panel says why in one line, and the next trials run as if the
button had never been pressed: the same run as a twin session that was never asked to load.
"""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import json  # noqa: E402
import logging  # noqa: E402

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from simulator.machine import MarkI  # noqa: E402
from simulator.panel.app import Panel, run  # noqa: E402
from simulator.panel.clock import SteppedClock  # noqa: E402
from simulator.session import Session  # noqa: E402

LEFT_RIGHT = ("LEFT", "RIGHT")
TRIALS_BEFORE = 9     # the demonstration is running when the file is loaded ...
TRIALS_AFTER = 12     # ... and goes on afterwards


def _machine(path, *, classes=LEFT_RIGHT, trained=True, **params):
    """Save a machine for the left/right cards with ``params`` changed; return the path."""
    m = MarkI(seed=5, **{"coding": "winner", **params})
    m._ensure_built()
    if classes is not None:
        # set directly, as a file edited or written by another program may have it
        m.n_classes_, m.class_names_ = len(classes), tuple(classes)
    m.save(path)
    return path


def _grown(source, path):
    """``source`` with one A-unit more, as a program other than this one might write it."""
    with np.load(source) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(arrays["header"].tobytes())
    header["params"]["a_units"] += 1
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    for k in ("excitatory_idx", "inhibitory_idx", "a_thresholds", "mask", "weights"):
        arrays[k] = np.concatenate([arrays[k], arrays[k][-1:]])
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


def _bad_file(kind, tmp_path):
    """A state file the left/right demonstration cannot use, of the given kind."""
    path = tmp_path / f"{kind}.mark1"
    if kind == "retina 16":          # cards are 20 x 20: the next trial used to crash
        return _machine(path, retina_size=16)
    if kind == "bits coding":        # no class answers on the lamps: the next trial used to crash
        return _machine(path, coding="bits")
    if kind == "winner on 1 R-unit":  # two classes cannot each have a lamp
        return _machine(path, r_units=1)
    if kind == "a_units over the limit":  # the machine refuses to be built so: edit a file
        return _grown(_machine(tmp_path / "top.mark1", a_units=100_000, excitatory=1, inhibitory=0), path)
    if kind == "no classes":
        return _machine(path, classes=None)
    if kind == "classes of no experiment":
        return _machine(path, classes=("cat", "dog"))
    if kind == "truncated":
        good = _machine(tmp_path / "good.mark1").read_bytes()
        path.write_bytes(good[: len(good) // 2])
        return path
    if kind == "not a state file":
        path.write_text("a shopping list\nmilk\n")
        return path
    if kind == "missing":
        return path
    raise AssertionError(kind)


BAD_KINDS = ["retina 16", "bits coding", "winner on 1 R-unit", "a_units over the limit", "no classes",
             "classes of no experiment", "truncated", "not a state file", "missing"]


def _running_demo() -> Session:
    s = Session(seed=1958)
    s.toggle_run()
    for _ in range(TRIALS_BEFORE):
        s.update(0.5)   # two trials a second: one whole trial per half second
    return s


def _state(s: Session) -> dict:
    return {"machine": s.machine, "experiment": s.experiment.name, "wiring": s.wiring_seed,
            "trials": s.machine.presentations_, "weights": s.machine.weights.copy(),
            "mistakes": s.mistakes, "streak": s.streak, "curve": list(s.curve),
            "card": s.card.copy(), "label": s.card_label, "origin": s.card_origin,
            "answer": s.answer, "running": s.running, "demo": s.demo, "message": s.message,
            "log": list(s.log)}


def _assert_same(got: dict, want: dict) -> None:
    for k, v in want.items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(got[k], v, err_msg=k)
        else:
            assert got[k] == v if k != "machine" else got[k] is v, k


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_a_file_that_does_not_fit_leaves_the_running_demo_as_it_was(kind, tmp_path):
    s, twin = _running_demo(), _running_demo()
    before = _state(s)
    assert before["trials"] == TRIALS_BEFORE and s.running

    assert s.load(_bad_file(kind, tmp_path)) is False

    assert s.alert and "\n" not in s.alert, s.alert
    assert s.log[-1] == f"not loaded: {s.alert}"
    after = _state(s)
    after["log"] = after["log"][:-1]          # the one line saying why
    _assert_same(after, before)
    # the demonstration goes on from where it was, exactly as if LOAD had never been pressed
    for _ in range(TRIALS_AFTER):
        s.update(0.5)
        twin.update(0.5)
    assert s.machine.presentations_ == TRIALS_BEFORE + TRIALS_AFTER
    got, want = _state(s), _state(twin)
    got["log"].remove(f"not loaded: {s.alert}")
    del got["machine"], want["machine"]
    _assert_same(got, want)


def test_the_reasons_name_what_does_not_fit(tmp_path):
    s = Session(seed=1958)
    expected = {"retina 16": "16 x 16 retina", "bits coding": "coding", "winner on 1 R-unit": "R-unit",
                "classes of no experiment": "cat, dog", "truncated": "truncated"}
    for kind, words in expected.items():
        assert not s.load(_bad_file(kind, tmp_path))
        assert words in s.alert, (kind, s.alert)


def test_a_file_that_fits_is_swapped_in(tmp_path):
    """The other side of the checks: machines of any size the limits allow still load."""
    for params in ({"r_units": 64}, {"r_units": 1, "coding": "binary"}, {"a_units": 7},
                   {"a_units": 100_000, "excitatory": 2, "inhibitory": 1}):
        path = _machine(tmp_path / "fits.mark1", **params)
        s = _running_demo()
        assert s.load(path), s.alert
        assert all(getattr(s.machine, k) == v for k, v in params.items())
        s.running = True
        for _ in range(4):
            s.update(0.5)
        assert s.machine.presentations_ == 4


def test_an_unexpected_failure_while_trying_out_a_machine_keeps_the_old_one(tmp_path, monkeypatch, caplog):
    s = _running_demo()
    before = _state(s)
    path = _machine(tmp_path / "m.mark1")
    real_load = MarkI.load

    def load_a_machine_that_breaks(p):
        m = real_load(p)

        def boom(*args, **kwargs):
            raise RuntimeError("kernel said no\nsecond line")
        m.look = boom
        return m

    monkeypatch.setattr(MarkI, "load", load_a_machine_that_breaks)
    with caplog.at_level(logging.ERROR, logger="simulator.session"):
        assert s.load(path) is False
    assert "m.mark1" in s.alert and "kernel said no" in s.alert and "\n" not in s.alert
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)
    after = _state(s)
    after["log"] = after["log"][:-1]
    _assert_same(after, before)
    s.update(0.5)
    assert s.machine.presentations_ == TRIALS_BEFORE + 1


# ---------------------------------------------------------------- the panel's LOAD button
@pytest.fixture
def screen():
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode((1280, 720))
    pygame.display.quit()


@pytest.mark.parametrize("kind", ["retina 16", "bits coding", "truncated"])
def test_the_load_button_with_a_bad_file_shows_why_and_the_panel_runs_on(kind, screen, tmp_path):
    s = Session(seed=1958)
    state = _bad_file(kind, tmp_path)
    panel = Panel(s, screen, state_path=state)
    s.toggle_run()
    run(panel, SteppedClock(1 / 30), frames=30 * 3)      # three seconds of the demonstration
    trials, weights = s.machine.presentations_, s.machine.weights.copy()
    assert trials >= 5
    rect = panel.front.layout.buttons["load"]
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=rect.center, button=1))
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=rect.center, button=1))
    assert s.alert and s.machine.presentations_ == trials
    np.testing.assert_array_equal(s.machine.weights, weights)
    panel.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_o, mod=pygame.KMOD_CTRL, unicode=""))
    assert s.running
    run(panel, SteppedClock(1 / 30), frames=30 * 3)
    assert panel.front.alert_left > 0                            # the banner is up
    assert s.machine.presentations_ >= trials + 5 and not panel.quit


def test_the_load_button_swaps_in_a_big_machine_and_the_panel_draws_it(screen, tmp_path):
    state = _machine(tmp_path / "big.mark1", a_units=100_000, r_units=64, excitatory=2, inhibitory=1)
    s = Session(seed=1958)
    panel = Panel(s, screen, state_path=state)
    panel.front.selected_r = 7
    panel.draw()
    panel.front.act("load")
    assert s.machine.a_units == 100_000 and not s.alert
    s.toggle_run()
    run(panel, SteppedClock(1 / 30), frames=30 * 2)
    panel.draw()
    assert s.machine.presentations_ >= 3


def test_save_while_a_training_run_holds_the_state_file_is_refused_and_changes_nothing(tmp_path):
    # mark1 train holds this lock from load to save: a panel save in between would be lost
    from simulator.filelock import locked
    path = _machine(tmp_path / "shared.mark1")
    before = path.read_bytes()
    session = Session(seed=3)
    with locked(path):
        session.save(path)
    assert path.read_bytes() == before
    assert "is in use by another mark1" in session.alert and "\n" not in session.alert
    session.alert = ""
    session.save(path)                      # the run is over: the save goes through
    assert session.alert == "" and path.read_bytes() != before
