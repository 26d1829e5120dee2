"""The kiosk's flow on an injected clock: timeouts fall exactly where the config puts them, the
staff gesture and PIN, quiet hours and the daily restart; nothing here waits or reads a clock."""

import datetime as dt

import pytest

from simulator.kiosk.config import KioskConfig
from simulator.kiosk.counters import Counters
from simulator.kiosk.flow import LOCKOUT_SECONDS, Effect, Flow, Mode
from simulator.kiosk.pin import hash_pin

PIN = "4711"
HASH = hash_pin(PIN, salt=b"test-salt-16byte")


def flow(**settings):
    settings.setdefault("staff_pin_hash", HASH)
    return Flow(config=KioskConfig(**settings), counters=Counters())


def kinds(effects):
    return [e.kind for e in effects]


def visitor(f):
    f.handle("touch")
    assert f.mode is Mode.VISITOR
    return f


# ------------------------------------------------------------------ visitors
def test_a_touch_starts_a_visitors_turn():
    f = flow()
    effects = f.handle("touch")
    assert effects == [Effect("mode", Mode.VISITOR), Effect("start_visitor")]
    assert f.counters["visitors"] == 1
    f.handle("touch")
    assert f.counters["visitors"] == 1  # the same visitor


def test_idle_timeout_exactly_at_45_s_not_at_44_999():
    f = visitor(flow())
    assert f.update(44.999) == [] and f.mode is Mode.VISITOR
    effects = f.update(0.001)
    assert f.mode is Mode.COUNTDOWN
    assert effects == [Effect("mode", Mode.COUNTDOWN), Effect("show_countdown", 10)]


def test_idle_counts_from_the_last_touch():
    f = visitor(flow())
    f.update(40)
    f.handle("teach")
    f.update(44.9)
    assert f.mode is Mode.VISITOR and f.counters["teachings"] == 1
    f.update(0.1)
    assert f.mode is Mode.COUNTDOWN


def test_countdown_shows_each_second_and_a_touch_at_9_99_cancels_it():
    f = visitor(flow())
    f.update(45)
    shown = []
    for _ in range(999):
        shown += [e.value for e in f.update(0.01) if e.kind == "show_countdown"]
    assert shown == [9, 8, 7, 6, 5, 4, 3, 2, 1] and f.countdown_seconds == 1  # 9.99 s gone
    effects = f.handle("touch")
    assert f.mode is Mode.VISITOR and kinds(effects) == ["hide_countdown", "mode"]
    assert f.update(44.999) == [] and f.counters["resets"] == 0  # idle starts again from zero


def test_countdown_ends_in_a_reset_and_the_attract_loop_at_10_s():
    f = visitor(flow())
    f.update(45)
    for _ in range(999):
        f.update(0.01)
    assert f.mode is Mode.COUNTDOWN
    # the 1000th hundredth: 10 s, though 1000 float additions of 0.01 make 9.999999999999831
    effects = f.update(0.01)
    assert [k for k in kinds(effects) if k != "show_countdown"] == ["hide_countdown", "reset_machine", "mode"]
    assert f.mode is Mode.ATTRACT and f.counters["resets"] == 1


def test_a_long_step_plays_every_transition_in_order():
    f = visitor(flow())
    effects = f.update(3600)
    assert kinds(effects) == ["mode", "hide_countdown", "reset_machine", "mode"]
    assert f.mode is Mode.ATTRACT
    assert f.update(3600) == []  # nobody there: the attract loop runs on


def test_a_clock_that_jumps_back_or_is_not_a_number_changes_nothing():
    f = visitor(flow())
    for bad in (-5.0, float("nan"), float("-inf"), float("inf")):
        assert f.update(bad) == [] and f.mode is Mode.VISITOR


def test_nothing_but_staff_leaves_out_of_order():
    f = visitor(flow())
    effects = f.handle("fault", "crashed 5 times in an hour")
    assert f.mode is Mode.OUT_OF_ORDER and Effect("out_of_order", "crashed 5 times in an hour") in effects
    for action in ("touch", "teach", "reset"):
        assert f.handle(action) == []
    assert f.update(10_000) == [] and f.mode is Mode.OUT_OF_ORDER


def test_an_unknown_action_is_a_bug_not_ignored():
    with pytest.raises(ValueError, match="unknown kiosk action 'tuoch'"):
        flow().handle("tuoch")


# ------------------------------------------------------------------ the staff gesture and PIN
def test_corner_held_exactly_5_s_asks_the_pin():
    f = flow()
    f.handle("hold_corner", True)
    assert f.update(4.999999) == []
    effects = f.update(0.000001)
    assert f.mode is Mode.STAFF_PIN and kinds(effects) == ["mode", "show_pin"]
    assert f.counters["visitors"] == 0  # staff are not visitors


def test_corner_released_at_4_9_s_cancels():
    f = visitor(flow())
    f.handle("hold_corner", True)
    f.update(4.9)
    f.handle("hold_corner", False)
    f.update(0.2)
    f.handle("hold_corner", True)  # a new hold starts from zero
    f.update(4.9)
    assert f.mode is Mode.VISITOR


def test_right_pin_opens_the_staff_screen_and_exit_resets():
    f = flow()
    f.handle("hold_corner", True)
    f.update(5)
    for d in "4719":
        f.handle("pin_digit", d)
    f.handle("pin_back")
    f.handle("pin_digit", "1")
    effects = f.handle("pin_ok")
    assert f.mode is Mode.STAFF and kinds(effects) == ["mode", "open_staff"]
    assert f.counters["staff_sessions"] == 1
    assert kinds(f.handle("reset")) == ["reset_machine"] and f.mode is Mode.STAFF
    effects = f.handle("staff_exit")
    assert f.mode is Mode.ATTRACT and kinds(effects) == ["reset_machine", "mode"]
    assert f.counters["resets"] == 2


def enter_pin(f, pin):
    for d in pin:
        f.handle("pin_digit", d)
    return f.handle("pin_ok")


def test_three_wrong_pins_lock_for_60_s_and_the_keypad_stays_to_say_so():
    f = flow()
    f.handle("hold_corner", True)
    f.update(5)
    assert enter_pin(f, "0000") == [Effect("pin_wrong", 2)]
    assert enter_pin(f, "1111") == [Effect("pin_wrong", 1)]
    effects = enter_pin(f, "2222")
    assert effects == [Effect("pin_locked", LOCKOUT_SECONDS)] and LOCKOUT_SECONDS == 60
    assert f.mode is Mode.STAFF_PIN and f.lockout_seconds == 60   # the keypad stays, locked
    assert enter_pin(f, PIN) == [] and f.mode is Mode.STAFF_PIN    # even the right PIN waits
    f.update(10)
    assert f.lockout_seconds == 50
    assert kinds(f.handle("pin_cancel")) == ["reset_machine", "mode"] and f.mode is Mode.ATTRACT
    f.handle("hold_corner", True)          # the gesture during the lockout shows the locked keypad
    assert f.update(5) == [Effect("mode", Mode.STAFF_PIN), Effect("show_pin"), Effect("pin_locked", 45)]
    f.update(44.999)
    assert f.lockout_seconds == 1 and enter_pin(f, PIN) == []
    f.update(0.001)
    assert f.lockout_seconds == 0
    assert kinds(enter_pin(f, PIN)) == ["mode", "open_staff"]  # and the tries start again


def test_extra_digits_and_non_digits_are_ignored():
    f = flow()
    f.handle("hold_corner", True)
    f.update(5)
    for d in ("x", "12", None, *"4711"):
        f.handle("pin_digit", d)
    assert f.pin_ == "4711"
    for d in "99999999999":
        f.handle("pin_digit", d)
    assert len(f.pin_) == 12


def test_staff_screens_time_out_to_the_attract_loop():
    f = flow()
    f.handle("hold_corner", True)
    f.update(5)
    f.update(44.999)
    assert f.mode is Mode.STAFF_PIN
    assert kinds(f.update(0.001)) == ["reset_machine", "mode"] and f.mode is Mode.ATTRACT
    f.handle("hold_corner", True)
    f.update(5)
    enter_pin(f, PIN)
    f.update(30)
    f.handle("touch")  # staff reading the counters
    f.update(44.999)
    assert f.mode is Mode.STAFF
    f.update(0.001)
    assert f.mode is Mode.ATTRACT


def test_a_failed_or_cancelled_pin_from_out_of_order_goes_back_to_out_of_order():
    f = flow()
    f.handle("fault", "hung")
    f.handle("hold_corner", True)
    f.update(5)
    assert f.mode is Mode.STAFF_PIN
    f.handle("pin_cancel")
    assert f.mode is Mode.OUT_OF_ORDER  # a visitor's guess never clears out of order
    f.handle("hold_corner", True)
    f.update(5)
    enter_pin(f, PIN)
    f.handle("staff_exit")
    assert f.mode is Mode.ATTRACT


def test_no_pin_configured_means_no_staff_screen():
    f = flow(staff_pin_hash=None)
    f.handle("hold_corner", True)
    assert f.update(5) == [Effect("staff_unavailable")] and f.mode is Mode.ATTRACT


# ------------------------------------------------------------------ quiet hours and the daily restart
def at(h, m, day=1):
    return dt.datetime(2026, 6, day, h, m)


def test_quiet_hours_across_midnight():
    f = flow(quiet_hours=((18 * 60, 9 * 60),), volume=0.6)
    assert f.update(0, local=at(17, 59)) == [Effect("volume", 0.6)]
    assert f.update(0, local=at(18, 0)) == [Effect("volume", 0.0)]
    assert f.update(0, local=at(23, 59)) == []
    assert f.update(0, local=at(0, 0, day=2)) == [] and f.volume == 0.0
    assert f.update(0, local=at(8, 59, day=2)) == []
    assert f.update(0, local=at(9, 0, day=2)) == [Effect("volume", 0.6)]


def test_quiet_hours_within_a_day_and_several_spans():
    c = KioskConfig(quiet_hours=((12 * 60, 13 * 60), (22 * 60, 6 * 60)))
    assert [c.quiet_at(m) for m in (719, 720, 779, 780, 1319, 1320, 0, 359, 360)] == \
        [False, True, True, False, False, True, True, True, False]


def test_daily_restart_once_a_day_and_only_when_passing_the_time():
    f = flow(daily_restart=(4, 30))
    assert "restart" not in kinds(f.update(0, local=at(10, 0)))  # started after 04:30: not today
    restarts = []
    t = at(10, 0)
    for _ in range(3 * 24 * 60):  # three days, a minute at a time
        t += dt.timedelta(minutes=1)
        if "restart" in kinds(f.update(60, local=t)):
            restarts.append(t)
    assert restarts == [at(4, 30, day=2), at(4, 30, day=3), at(4, 30, day=4)]


def test_daily_restart_once_even_if_the_clock_goes_back_over_it():
    f = flow(daily_restart=(2, 0))
    f.update(0, local=at(1, 59))
    assert kinds(f.update(0, local=at(2, 30))) == ["restart"]
    f.update(0, local=at(1, 30))  # summer time ends: the same hour again
    assert f.update(0, local=at(2, 30)) == []


def test_daily_restart_waits_for_the_visitor_to_leave():
    f = visitor(flow(daily_restart=(4, 30)))
    f.update(0, local=at(4, 29))
    assert "restart" not in kinds(f.update(1, local=at(4, 30)))
    effects = f.update(60, local=at(4, 31))  # idle: countdown, reset, attract, then the restart
    assert kinds(effects)[-1] == "restart"
    assert kinds(effects).index("reset_machine") < kinds(effects).index("restart")
    assert f.update(0, local=at(4, 32)) == []


def test_the_flow_module_imports_no_display_and_reads_no_clock():
    import inspect

    import simulator.kiosk.flow as module

    source = inspect.getsource(module)
    for forbidden in ("import pygame", "time.time(", "sleep(", "datetime.now(", ".today("):
        assert forbidden not in source, forbidden


def test_a_seeded_day_of_random_input_keeps_the_rules():
    """Thousands of random actions and clock steps (seeded): no exception, the counters agree with
    the transitions seen, and every quiet spell longer than idle_timeout + countdown ends in the
    attract loop (or out of order)."""
    import random

    rng = random.Random(1958)
    f = flow(daily_restart=(4, 0), quiet_hours=((18 * 60, 9 * 60),))
    actions = ["touch"] * 6 + ["teach"] * 3 + ["hold_corner", "pin_digit", "pin_ok", "pin_back",
                                                "pin_cancel", "staff_exit", "reset"]
    starts = teaches = 0
    local = at(9, 0)
    quiet = 0.0
    for _ in range(20_000):
        if rng.random() < 0.5:
            action = rng.choice(actions)
            value = {"hold_corner": rng.random() < 0.7, "pin_digit": rng.choice("0123456789")}.get(action)
            before = f.mode
            effects = f.handle(action, value)
            starts += "start_visitor" in kinds(effects)
            teaches += action == "teach" and before in (Mode.VISITOR, Mode.COUNTDOWN)
            quiet = 0.0
        else:
            step = rng.choice([0.016, 0.1, 1.0, 7.0, 30.0, 90.0])
            local += dt.timedelta(seconds=step)
            f.update(step, local=local)
            quiet += step
            if quiet > 45 + 10 + 45 and f.hold_us_ is None:  # the staff screens time out too
                assert f.mode in (Mode.ATTRACT, Mode.OUT_OF_ORDER), f.mode
    assert f.counters["visitors"] == starts > 100
    assert f.counters["teachings"] == teaches > 100
