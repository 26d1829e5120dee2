"""The exhibit: the attract loop, a visitor's turn, the countdown, light, sizes, and stopping it.

Everything runs under SDL's dummy driver on an off-screen surface, on a stepped clock: a
visitor's minute or an idle spell is simulated in a fraction of a second. The last tests start
``mark1 kiosk`` itself in a subprocess and stop it with SIGTERM.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from simulator.input import Action  # noqa: E402
from simulator.kiosk import exhibit  # noqa: E402
from simulator.kiosk.config import EXAMPLE, KioskConfig  # noqa: E402
from simulator.kiosk.flow import Mode  # noqa: E402
from simulator.kiosk.pin import hash_pin  # noqa: E402
from simulator.kiosk.screens import parts  # noqa: E402
from simulator.kiosk.screens.attract import AttractScene  # noqa: E402
from simulator.kiosk.screens.countdown import CountdownScene  # noqa: E402
from simulator.kiosk.screens.visitor import VisitorScene  # noqa: E402
from simulator.panel import app as app_mod  # noqa: E402
from simulator.panel.clock import SteppedClock  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DT = 1 / 30
SIZE = (1280, 720)


@pytest.fixture(autouse=True, scope="module")
def _pygame():
    pygame.display.init()
    pygame.font.init()
    yield
    app_mod.close_window()


def make_config(tmp_path, **changes) -> KioskConfig:
    base = KioskConfig(status_file=tmp_path / "status.json", counters_file=tmp_path / "counters.json",
                       log_file=tmp_path / "kiosk.log", fullscreen=False, languages=("en", "de"))
    return dataclasses.replace(base, **changes)


def make_app(tmp_path, size=SIZE, **changes) -> exhibit.KioskApp:
    return exhibit.build(make_config(tmp_path, **changes), pygame.Surface(size), environ={})


def run_for(app, seconds: float, *, draw: bool = False) -> None:
    for _ in range(round(seconds / DT)):
        app.update(DT)
        if draw:
            app.draw()


def tap(app, pos) -> None:
    app.act(Action("press", pos))
    app.act(Action("release", pos))


def draw_mark(app, cols, rows=range(4, 16)) -> None:
    """A visitor's stroke down the eye, column by column (a finger pressed, dragged, lifted)."""
    scene = app.stack.top
    r, n = scene.eye_rect(), app.session.view().retina_size
    points = [(r.x + (c + 0.5) * r.width / n, r.y + (row + 0.5) * r.height / n) for c in cols for row in rows]
    app.act(Action("press", points[0]))
    for p in points[1:]:
        app.act(Action("drag", p))
    app.act(Action("release", points[-1]))


def press_button(app, name: str) -> None:
    rect = next(rect for act, rect, _ in app.stack.top.buttons() if act == name)
    tap(app, rect.center)


def start_turn(app) -> None:
    tap(app, (640, 400))
    assert app.flow.mode is Mode.VISITOR


# ---------------------------------------------------------------------- the attract loop
def test_the_exhibit_starts_in_the_attract_loop_with_the_demonstration_running(tmp_path):
    app = make_app(tmp_path)
    run_for(app, 3.0)
    assert app.flow.mode is Mode.ATTRACT
    assert isinstance(app.stack.top, AttractScene)
    assert app.session.running
    # speed 2 trials a second: about 6 trials in 3 s (the first deal comes half a trial in)
    assert 4 <= app.session.view().trials <= 6
    assert app.counters["visitors"] == 0


def test_attract_captions_change_every_eight_seconds_and_follow_the_language_button(tmp_path):
    app = make_app(tmp_path)
    scene = app.stack.top
    english = app.languages.offered["en"].lines("attract.captions")
    assert scene.caption() == english[0]
    run_for(app, 8.1)
    assert scene.caption() == english[1]
    deutsch = next(rect for code, rect in parts.language_buttons(scene.frame, app.languages) if code == "de")
    tap(app, deutsch.center)
    assert app.flow.mode is Mode.ATTRACT, "a language button must not start a visitor's turn"
    assert scene.caption() == app.languages.offered["de"].lines("attract.captions")[1]


def test_the_attract_loop_starts_again_after_the_machine_has_learned(tmp_path):
    from simulator.kiosk.screens.attract import REST_SECONDS

    app = make_app(tmp_path, speed=100.0)
    s = app.session
    run_for(app, 0.1)
    for _ in range(30 * 20):   # learned within a few hundred trials at 100 a second
        if not s.running:
            break
        app.update(DT)
    assert not s.running and s.learned_at is not None
    generation = s.view().generation
    run_for(app, REST_SECONDS - 0.5)
    assert not s.running, "the learned machine rests"
    run_for(app, 0.6)
    assert s.running and s.view().generation > generation, "then the loop starts again, reset"


# ---------------------------------------------------------------------- the visitor
def test_a_tap_starts_the_visitors_turn_with_a_fresh_machine(tmp_path):
    app = make_app(tmp_path)
    run_for(app, 5.0)
    assert app.session.view().trials > 0
    start_turn(app)
    assert isinstance(app.stack.top, VisitorScene)
    assert not app.session.running
    view = app.session.view()
    assert view.trials == 0 and not view.card.any(), "every visitor teaches the known state, eye blank"
    assert app.counters["visitors"] == 1


def test_a_scripted_visitor_teaches_the_machine_their_own_marks_within_ten_teachings(tmp_path):
    app = make_app(tmp_path)
    run_for(app, 2.0)
    start_turn(app)
    left, right = range(2, 6), range(14, 18)   # a bar on the left of the eye, one on the right

    def answers() -> tuple[int | None, int | None]:
        said = []
        for cols in (left, right):
            press_button(app, "clear")
            draw_mark(app, cols)
            said.append(app.session.view().answer)
        return tuple(said)

    learned_after = None
    for teaching in range(1, 11):
        cols, label = (left, 0) if teaching % 2 else (right, 1)
        press_button(app, "clear")
        draw_mark(app, cols)
        press_button(app, f"teach {label}")
        run_for(app, 0.5)
        if answers() == (0, 1):
            learned_after = teaching
            break
    print(f"the machine answered both marks right after {learned_after} teachings")
    assert learned_after is not None and learned_after <= 10
    assert app.counters["teachings"] == learned_after
    assert app.flow.mode is Mode.VISITOR
    # the big words follow the steady answer lamps once they have settled
    press_button(app, "clear")
    draw_mark(app, right)
    run_for(app, 1.0)
    assert app.stack.top.machine.answer(app.session.view()) == 1


def test_new_card_shows_a_card_and_teach_counts(tmp_path):
    app = make_app(tmp_path)
    start_turn(app)
    press_button(app, "new card")
    view = app.session.view()
    assert view.card_origin == "card" and view.card.any()
    press_button(app, f"teach {view.card_label}")
    assert app.session.view().trials == 1
    assert app.counters["teachings"] == 1


# ---------------------------------------------------------------------- idle and the countdown
def test_idle_brings_the_countdown_at_idle_timeout_then_the_attract_loop(tmp_path):
    app = make_app(tmp_path, idle_timeout=45.0, countdown=10.0)
    start_turn(app)
    draw_mark(app, range(2, 6))
    run_for(app, 44.9)
    assert app.flow.mode is Mode.VISITOR
    run_for(app, 0.2)
    assert app.flow.mode is Mode.COUNTDOWN
    assert isinstance(app.stack.top, CountdownScene)
    assert app.flow.countdown_seconds == 10
    run_for(app, 9.8)
    assert app.flow.mode is Mode.COUNTDOWN
    run_for(app, 0.4)
    assert app.flow.mode is Mode.ATTRACT
    assert isinstance(app.stack.top, AttractScene)
    assert app.counters["resets"] == 1
    view = app.session.view()
    assert view.card_origin != "drawing", "the visitor's drawing is gone with the reset"
    run_for(app, 1.0)
    assert app.session.running, "the demonstration runs again"


def test_a_touch_during_the_countdown_cancels_it_and_keeps_the_drawing(tmp_path):
    app = make_app(tmp_path, idle_timeout=45.0, countdown=10.0)
    start_turn(app)
    draw_mark(app, range(2, 6))
    drawing = app.session.view().card.copy()
    run_for(app, 50.0)
    assert isinstance(app.stack.top, CountdownScene)
    tap(app, (200, 650))
    assert app.flow.mode is Mode.VISITOR
    assert isinstance(app.stack.top, VisitorScene)
    assert np.array_equal(app.session.view().card, drawing)
    run_for(app, 44.0)
    assert app.flow.mode is Mode.VISITOR, "the idle time starts again at the touch"
    assert app.counters["resets"] == 0 and app.counters["visitors"] == 1


def test_the_language_comes_back_to_the_configs_after_a_visitor(tmp_path):
    app = make_app(tmp_path)
    scene = app.stack.top
    deutsch = next(rect for code, rect in parts.language_buttons(scene.frame, app.languages) if code == "de")
    tap(app, deutsch.center)
    start_turn(app)
    assert app.languages.code_ == "de"
    run_for(app, 60.0)
    assert app.flow.mode is Mode.ATTRACT and app.languages.code_ == "en"


# ---------------------------------------------------------------------- sizes for two metres
@pytest.fixture
def spied(monkeypatch):
    """Every text (words, px) and every button (rect) the kiosk's screens draw."""
    texts, buttons = [], []
    text, button = parts.text, parts.button

    def spy_text(surface, words, pos, px, *args, **kw):
        texts.append((words, px))
        return text(surface, words, pos, px, *args, **kw)

    def spy_button(surface, rect, words, px, **kw):
        buttons.append((words, pygame.Rect(rect)))
        return button(surface, rect, words, px, **kw)

    monkeypatch.setattr(parts, "text", spy_text)
    monkeypatch.setattr(parts, "button", spy_button)
    return texts, buttons


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_text_under_20_px_and_no_button_under_72_px_at_1280x720(tmp_path, spied, language):
    texts, buttons = spied
    app = make_app(tmp_path, language=language)
    run_for(app, 9.0)
    app.draw()
    start_turn(app)
    draw_mark(app, range(2, 6))
    press_button(app, "teach 0")
    run_for(app, 1.0)
    app.draw()
    run_for(app, 50.0)
    assert isinstance(app.stack.top, CountdownScene)
    app.draw()
    words = app.languages.current
    shown = {w for w, _ in texts}
    for key in ("attract.touch_to_start", "buttons.new_card", "buttons.clear", "buttons.still_here"):
        assert words.text(key) in shown, f"{key} was not drawn"
    assert len(texts) > 20 and len(buttons) >= 7
    small = [(w, px) for w, px in texts if px < parts.MIN_TEXT_PX]
    assert not small, f"text under {parts.MIN_TEXT_PX} px: {small[:5]}"
    tiny = [(w, r.size) for w, r in buttons if min(r.size) < parts.MIN_TARGET_PX]
    assert not tiny, f"buttons under {parts.MIN_TARGET_PX} px: {tiny}"


def test_the_staff_corners_are_clear_of_every_button(tmp_path, spied):
    _, buttons = spied
    app = make_app(tmp_path)
    app.draw()
    start_turn(app)
    app.draw()
    for words, rect in buttons:
        for corner in ((0, 0), (SIZE[0] - 1, 0)):
            c = exhibit.CORNER_PX
            zone = pygame.Rect(0 if corner[0] == 0 else SIZE[0] - c, 0, c, c)
            assert not zone.colliderect(rect), f"{words!r} reaches into the staff corner"


# ---------------------------------------------------------------------- light
def flashes_per_second(frames: list[np.ndarray], per_second: int) -> int:
    """The most on-to-off changes of any one lamp within any one second of ``frames``."""
    a = np.array(frames, bool)
    offs = (a[:-1] & ~a[1:]).astype(int)              # (frames - 1, lamps)
    window = np.cumsum(np.vstack([np.zeros((1, a.shape[1]), int), offs]), axis=0)
    per = window[per_second:] - window[:-per_second]
    return int(per.max())


def test_no_lamp_flashes_more_than_three_times_a_second_at_speed_100(tmp_path):
    app = make_app(tmp_path, speed=100.0)
    fps = 60
    drawn = {"eye": [], "a_units": [], "answers": []}
    truth = {"eye": [], "a_units": [], "answers": []}
    for _ in range(fps * 8):
        app.update(1 / fps)
        app.draw()
        machine = app.stack.top.machine
        view = app.session.view()
        for name in drawn:
            drawn[name].append(machine.drawn_[name].copy())
        truth["eye"].append(view.s_activity)
        truth["a_units"].append(view.a_activity.astype(bool))
        truth["answers"].append(view.class_lamps)
    # the machine itself changes far faster: the test would catch lamps drawn as they are
    assert max(flashes_per_second(truth[name], fps) for name in truth) > 3
    for name, frames in drawn.items():
        assert flashes_per_second(frames, fps) <= 3, f"{name} flashes more than 3 times a second"


# ---------------------------------------------------------------------- keys, staff gesture, out of order
def key_event(key):
    return pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, repeat=False)


def test_no_key_quits_unless_the_config_allows_it(tmp_path):
    app = make_app(tmp_path)
    for key in (pygame.K_ESCAPE, pygame.K_q, pygame.K_F4):
        app.handle(key_event(key))
    app.handle(pygame.event.Event(pygame.QUIT))
    assert not app.quit
    allowed = make_app(tmp_path, allow_keyboard_quit=True)
    allowed.handle(key_event(pygame.K_ESCAPE))
    assert allowed.quit and allowed.exit_status == 0


def test_holding_a_top_corner_opens_the_staff_pin(tmp_path):
    from simulator.kiosk.screens.staff import StaffPinScene

    app = make_app(tmp_path, staff_pin_hash=hash_pin("4711", salt=b"test-salt-16byte"))
    app.act(Action("press", (5, 5)))
    run_for(app, 4.9)
    assert app.flow.mode is Mode.ATTRACT and app.counters["visitors"] == 0
    run_for(app, 0.2)
    assert app.flow.mode is Mode.STAFF_PIN
    assert isinstance(app.stack.top, StaffPinScene)
    app.act(Action("release", (5, 5)))


def test_out_of_order_shows_only_the_card(tmp_path):
    from simulator.kiosk.screens.outoforder import OutOfOrderScene

    app = exhibit.build(make_config(tmp_path), pygame.Surface(SIZE), out_of_order=True,
                        environ={"MARK1_KIOSK_LAST_ERROR": "exit status 1"})
    assert app.flow.mode is Mode.OUT_OF_ORDER
    assert [type(s) for s in app.stack.scenes] == [OutOfOrderScene]
    tap(app, (640, 400))
    run_for(app, 60.0)
    assert app.flow.mode is Mode.OUT_OF_ORDER and not app.session.running
    app.write_status(force=True)
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["mode"] == "out-of-order" and status["last_error"] == "exit status 1"


def test_the_run_loop_writes_the_status_and_a_signal_ends_it(tmp_path):
    app = make_app(tmp_path)
    app_mod.run(app, SteppedClock(DT), frames=30)
    assert json.loads((tmp_path / "status.json").read_text())["mode"] == "attract"
    app.request_stop()
    assert app_mod.run(app, SteppedClock(DT), frames=30) == 1
    assert app.exit_status == 0


# ---------------------------------------------------------------------- the real command
def example_config(tmp_path) -> Path:
    """The example config, with its files (status, counters, log) in ``tmp_path``."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('captions_dir = "captions"', f'captions_dir = "{EXAMPLE.parent / "captions"}"')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def kiosk_env() -> dict:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    env.pop("MARK1_HEARTBEAT_FD", None)
    return env


def wait_for_status(path: Path, mode: str, proc, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-2000:]
        try:
            status = json.loads(path.read_text())
            if status["mode"] == mode:
                return status
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"no status {mode!r} in {path} after {timeout} s")


def test_sigterm_ends_the_exhibit_child_within_2_seconds(tmp_path):
    config = example_config(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "kiosk", "--config", str(config), "--child"],
                            cwd=ROOT, env=kiosk_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_status(tmp_path / "kiosk-status.json", "attract", proc)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=2.0)
        took = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"the exhibit ended {took:.2f} s after SIGTERM")
    assert code == 0
    assert "Traceback" not in proc.stderr.read().decode(errors="replace")


def test_mark1_kiosk_runs_under_its_supervisor_and_stops_on_sigterm(tmp_path):
    config = example_config(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "kiosk", "--config", str(config)],
                            cwd=ROOT, env=kiosk_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        status = wait_for_status(tmp_path / "kiosk-status.json", "attract", proc)
        child = status["pid"]
        assert child != proc.pid, "the exhibit runs in a child process"
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=5.0)
        took = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"supervisor and exhibit ended {took:.2f} s after SIGTERM")
    assert code == 0
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    assert json.loads((tmp_path / "kiosk-status.json").read_text())["mode"] == "stopped"
    assert (tmp_path / "kiosk.log").read_text().count("the exhibit runs") == 1
    out = proc.stdout.read().decode(errors="replace")
    assert "pygame" not in out, "nothing on standard output (the journal) but the logs on stderr"


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_machines_answer_is_never_cut_short(tmp_path, spied, language):
    texts, _ = spied
    app = make_app(tmp_path, language=language)
    start_turn(app)       # a blank eye: the machine says nothing, the longest answer
    app.draw()
    words = app.languages.current
    answer = words.text("visitor.answer", answer=words.text("visitor.answer_none"))
    drawn = " ".join(w for w, _ in texts if w in answer)
    assert drawn.split() == answer.split() and not any(w.endswith("...") for w, _ in texts)


def test_the_daily_restart_waits_for_the_attract_loop_and_exits_75(tmp_path):
    import datetime as dt

    clock = {"now": dt.datetime(2026, 6, 1, 4, 29, 50)}
    app = exhibit.build(make_config(tmp_path, daily_restart=(4, 30)), pygame.Surface(SIZE), environ={},
                        local_time=lambda: clock["now"])
    run_for(app, 1.0)
    start_turn(app)
    clock["now"] = dt.datetime(2026, 6, 1, 4, 30, 5)
    run_for(app, 1.0)
    assert not app.quit, "a visitor is never cut off"
    run_for(app, 60.0)   # idle, countdown, back to the attract loop: now it restarts
    assert app.quit and app.exit_status == 75


def test_leaving_the_staff_screen_from_out_of_order_asks_for_a_fresh_start(tmp_path):
    app = exhibit.build(make_config(tmp_path, staff_pin_hash=hash_pin("4711", salt=b"test-salt-16byte")),
                        pygame.Surface(SIZE), out_of_order=True, environ={})
    app.act(Action("press", (SIZE[0] - 5, 5)))
    run_for(app, 5.1)
    app.act(Action("release", (SIZE[0] - 5, 5)))
    assert app.flow.mode is Mode.STAFF_PIN
    for digit in "4711":
        app.tell("pin_digit", digit)
    app.tell("pin_ok")
    assert app.flow.mode is Mode.STAFF and not app.quit
    app.tell("staff_exit")
    assert app.quit and app.exit_status == 75


def test_the_supervisor_counts_crashes_and_writes_the_status_between_children(tmp_path, monkeypatch):
    from simulator import cli
    from simulator.kiosk import supervisor

    class FakeSupervisor:
        def __init__(self, command, **kw):
            self.command, self.on_status = command, kw["on_status"]
            seen["command"], seen["backoff"] = command, kw["backoff"]

        def run(self):
            base = {"pid": None, "starts": 1, "crash_limit": 5, "backoff": None}
            self.on_status({**base, "mode": "running", "crashes": 0, "crashes_total": 0, "last_error": None})
            self.on_status({**base, "mode": "backoff", "crashes": 1, "crashes_total": 1,
                            "last_error": "exit status 1"})
            seen["after one"] = json.loads((tmp_path / "status.json").read_text())
            self.on_status({**base, "mode": "running", "crashes": 1, "crashes_total": 1, "last_error": None})
            self.on_status({**base, "mode": "stopped", "crashes": 1, "crashes_total": 1, "last_error": None})
            return 0

    seen = {}
    monkeypatch.setattr(supervisor, "Supervisor", FakeSupervisor)
    config = make_config(tmp_path, restart_backoff=2.0)
    assert cli._kiosk_supervise(config) == 0
    assert seen["command"][-1] == "--child" and seen["backoff"] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert seen["after one"]["mode"] == "backoff" and seen["after one"]["crashes"] == 1
    assert seen["after one"]["last_error"] == "exit status 1"
    assert json.loads((tmp_path / "counters.json").read_text())["crashes"] == 1, "counted once"
    assert json.loads((tmp_path / "status.json").read_text())["mode"] == "stopped"


def test_mark1_kiosk_without_any_display_says_so_in_one_line_and_starts_nothing(tmp_path):
    config = example_config(tmp_path)
    env = {k: v for k, v in kiosk_env().items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    proc = subprocess.run([sys.executable, "-m", "simulator", "kiosk", "--config", str(config)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.startswith("mark1: error: no display to show the kiosk on (DISPLAY is not set")
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "kiosk-status.json").exists(), "no supervisor was started"
