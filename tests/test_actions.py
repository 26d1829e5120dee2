"""Input as plain actions: the key tables and the translator, without pygame.

Records are what the panel's adapter makes of pygame events; times are the frame clock's
seconds, passed in.
"""

import subprocess
import sys

import pytest

from simulator.input import MODES, Action, Bindings, Record, Translator

KIOSK = MODES["kiosk"]


def key(name, ctrl=False, repeat=False):
    return Record("key down", key=name, ctrl=ctrl, repeat=repeat)


def up(name):
    return Record("key up", key=name)


def finger(kind, pos, which=0):
    return Record(f"finger {kind}", pos=pos, finger=(1, which))


def mouse(kind, pos, button=1, touch=False):
    return Record(f"mouse {kind}", pos=pos, button=button, touch=touch)


def test_the_input_module_imports_no_pygame():
    code = "import sys, simulator.input; print('pygame' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_keys_become_the_named_actions_of_the_mode():
    t = Translator()
    assert t.translate(key("space"), 0.0) == [Action("key", value="run")]
    assert t.translate(key("3"), 0.0) == [Action("key", value="teach 3")]
    assert t.translate(key("3"), 0.0, MODES["after 1958"]) == []        # still held
    t.translate(up("3"), 0.0)
    assert t.translate(key("3"), 0.0, MODES["after 1958"]) == [Action("key", value="relu")]
    assert t.translate(key("o", ctrl=True), 0.0) == [Action("key", value="load")]
    assert t.translate(key("j"), 0.0) == []


def test_ctrl_let_go_before_the_key_does_not_leave_the_key_held():
    t = Translator()
    assert t.translate(key("o", ctrl=True), 0.0) == [Action("key", value="load")]
    t.translate(up("o"), 0.1)              # ctrl was released first: the key comes up bare
    assert t.translate(key("o", ctrl=True), 0.2) == [Action("key", value="load")]


def test_the_kiosk_has_no_keys_at_all():
    t = Translator(bindings=KIOSK)
    for name in ("q", "escape", "f", "f11", "space", "h"):
        assert t.translate(key(name), 0.0) == [], name
        t.translate(up(name), 0.0)
    assert "quit" not in KIOSK.keys.values()


def test_auto_repeat_of_a_held_key_is_ignored():
    t = Translator()
    assert t.translate(key("n"), 0.0) == [Action("key", value="step")]
    assert t.translate(key("n", repeat=True), 0.5) == []      # SDL's repeat flag
    assert t.translate(key("n"), 0.6) == []                   # a second key-down, no key-up between
    t.translate(up("n"), 0.7)
    assert t.translate(key("n"), 0.8) == [Action("key", value="step")]


def test_a_mode_may_let_chosen_keys_repeat():
    b = Bindings(keys={"n": "step", "x": "clear"}, repeat=frozenset({"step"}))
    t = Translator(bindings=b)
    assert len(t.translate(key("n"), 0.0)) == 1
    assert t.translate(key("n", repeat=True), 0.5) == [Action("key", value="step")]
    assert len(t.translate(key("x"), 0.6)) == 1
    assert t.translate(key("x", repeat=True), 0.9) == []


@pytest.mark.parametrize("gap, counted", [(0.25, True), (0.249, False)])
def test_a_second_tap_within_the_debounce_is_ignored(gap, counted):
    assert KIOSK.debounce == 0.25
    t = Translator(bindings=KIOSK)
    assert t.translate(finger("down", (10, 10)), 1.0) == [Action("press", (10, 10))]
    assert t.translate(finger("up", (10, 10)), 1.01) == [Action("release", (10, 10))]
    second = t.translate(finger("down", (12, 11)), 1.0 + gap)
    assert second == ([Action("press", (12, 11))] if counted else [])
    # the bounced tap's drag and lift are dropped with it
    assert bool(t.translate(finger("move", (20, 11)), 1.0 + gap)) == counted
    assert bool(t.translate(finger("up", (20, 11)), 1.0 + gap)) == counted


def test_quick_taps_at_different_places_all_count():
    t = Translator(bindings=KIOSK)
    got = []
    for i, x in enumerate((100, 100 + KIOSK.slop + 1, 100 + 2 * (KIOSK.slop + 1))):
        got += t.translate(finger("down", (x, 50)), i * 0.05)
        got += t.translate(finger("up", (x, 50)), i * 0.05 + 0.01)
    assert [a.name for a in got] == ["press", "release"] * 3


@pytest.mark.parametrize("gap, counted", [(0.25, True), (0.249, False)])
def test_a_bouncing_key_is_debounced_too(gap, counted):
    t = Translator(bindings=Bindings(keys={"space": "run"}, debounce=0.25))
    assert len(t.translate(key("space"), 2.0)) == 1
    t.translate(up("space"), 2.001)
    assert len(t.translate(key("space"), 2.0 + gap)) == counted


def test_without_debounce_two_quick_clicks_both_count():
    t = Translator()
    for _ in range(2):
        assert t.translate(mouse("down", (5, 5)), 0.0) == [Action("press", (5, 5))]
        assert t.translate(mouse("up", (5, 5)), 0.0) == [Action("release", (5, 5))]


def test_a_touch_and_the_mouse_copy_sdl_makes_of_it_count_once():
    t = Translator()
    got = []
    for r in (finger("down", (100, 50)), mouse("down", (100, 50), touch=True),
              finger("move", (110, 50)), mouse("move", (110, 50), touch=True),
              mouse("up", (110, 50), touch=True), finger("up", (110, 50))):
        got += t.translate(r, 0.0)
    assert got == [Action("press", (100, 50)), Action("drag", (110, 50)), Action("release", (110, 50))]


def test_a_second_finger_or_a_palm_is_ignored_while_the_first_draws():
    t = Translator()
    assert t.translate(finger("down", (10, 10), 0), 0.0) == [Action("press", (10, 10))]
    assert t.translate(finger("down", (300, 300), 1), 0.1) == []
    assert t.translate(finger("move", (310, 300), 1), 0.1) == []
    assert t.translate(mouse("down", (50, 50)), 0.1) == []           # nor a mouse meanwhile
    assert t.translate(finger("move", (12, 10), 0), 0.2) == [Action("drag", (12, 10))]
    assert t.translate(finger("up", (310, 300), 1), 0.3) == []
    assert t.translate(finger("up", (12, 10), 0), 0.4) == [Action("release", (12, 10))]
    assert t.translate(finger("down", (40, 40), 1), 0.5) == [Action("press", (40, 40))]


def test_mouse_moves_hover_or_drag_and_other_buttons_do_nothing():
    t = Translator()
    assert t.translate(mouse("move", (1, 2), button=0), 0.0) == [Action("hover", (1, 2))]
    assert t.translate(mouse("down", (1, 2), button=2), 0.0) == []    # middle button
    assert t.translate(mouse("down", (1, 2), button=4), 0.0) == []    # the wheel
    assert t.translate(mouse("down", (1, 2), button=3), 0.0) == [Action("erase", (1, 2))]
    assert t.translate(mouse("move", (3, 2), button=0), 0.0) == [Action("drag", (3, 2))]
    assert t.translate(mouse("up", (3, 2), button=1), 0.0) == []      # not the button held
    assert t.translate(mouse("up", (3, 2), button=3), 0.0) == [Action("release", (3, 2))]


def test_held_for_counts_the_time_a_pointer_is_down():
    t = Translator(bindings=KIOSK)
    assert t.held_for(3.0) == 0.0
    t.translate(finger("down", (0, 0)), 3.0)
    assert t.held_for(8.0) == 5.0
    t.translate(finger("up", (0, 0)), 8.0)
    assert t.held_for(9.0) == 0.0


def test_losing_the_focus_lets_go_of_what_was_held():
    t = Translator()
    t.translate(key("n"), 0.0)
    t.translate(mouse("down", (5, 5)), 0.0)
    assert t.translate(Record("focus lost"), 1.0) == [Action("release")]
    assert t.translate(key("n"), 2.0) == [Action("key", value="step")]   # no key-up came
    assert t.translate(mouse("down", (6, 6)), 2.0) == [Action("press", (6, 6))]


def test_window_records_pass_as_actions():
    t = Translator(bindings=KIOSK)
    assert t.translate(Record("quit"), 0.0) == [Action("quit")]
    assert t.translate(Record("resize", value=(800, 600)), 0.0) == [Action("resize", value=(800, 600))]
    assert t.translate(Record("drop file", value="a.png"), 0.0) == [Action("drop file", value="a.png")]
    assert t.translate(Record("window shown"), 0.0) == []
