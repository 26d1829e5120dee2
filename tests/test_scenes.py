"""Screens as scenes: the stack with fake scenes, and the panel and the After 1958 page as scenes."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pygame  # noqa: E402
import pytest  # noqa: E402

from simulator.input import AFTER_KEYS, MODES, PANEL_KEYS, Action  # noqa: E402
from simulator.panel.after1958 import AfterScene  # noqa: E402
from simulator.panel.app import App, Panel, run  # noqa: E402
from simulator.panel.clock import FrameClock, SteppedClock  # noqa: E402
from simulator.panel.scene import SceneStack  # noqa: E402
from simulator.session import Session  # noqa: E402

APP_ACTIONS = ("quit", "back", "full screen")


class Fake:
    """A scene that records what it got; consumes what ``takes`` names."""

    def __init__(self, *, mode="panel", takes=("press", "key"), busy=False):
        self.mode, self.takes, self._busy = mode, takes, busy
        self.got, self.time, self.picture, self.draws = [], 0.0, 0, 0

    def handle(self, action):
        self.got.append(action)
        return action.name in self.takes

    def update(self, dt):
        self.time += dt

    def draw(self, surface):
        self.draws += 1

    def frame_key(self):
        return self.picture

    def busy(self):
        return self._busy


@pytest.fixture
def display():
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode((1280, 720))
    pygame.display.quit()


def test_input_goes_to_the_top_update_to_all_draw_to_the_top():
    stack = SceneStack()
    below, top = Fake(), Fake(busy=True)
    stack.push(below)
    stack.push(top)
    assert stack.handle(Action("press", (1, 1))) and not stack.handle(Action("hover", (1, 1)))
    assert len(top.got) == 2 and below.got == []
    stack.update(0.5)
    assert below.time == top.time == 0.5
    assert stack.busy()                    # the top animates: no sleeping
    stack.draw(None)
    assert (top.draws, below.draws) == (1, 0)
    stack.broadcast(Action("resize", value=(800, 600)))
    assert below.got == [Action("resize", value=(800, 600))]


def test_frame_key_changes_with_the_top_scene_and_its_own_key():
    stack = SceneStack()
    below, top = Fake(), Fake()
    stack.push(below)
    first = stack.frame_key()
    stack.push(top)
    covered = stack.frame_key()
    assert covered != first
    top.picture = 1
    assert stack.frame_key() != covered
    assert stack.pop() is top and stack.frame_key() == first
    other = Fake()
    assert stack.replace(other) is below and stack.top is other and stack.frame_key() != first
    stack.post(Action("key", value="quit"))
    assert stack.take_posted() == [Action("key", value="quit")] and stack.take_posted() == []


def test_the_app_draws_only_when_the_top_frame_key_changes(display):
    app = App(session=Session(seed=1), surface=display)
    scene = Fake()
    app.stack.push(scene)
    assert app.needs_frame()
    app.draw()
    assert not app.needs_frame()
    app.update(0.1)
    assert not app.needs_frame()
    scene.picture = 2
    assert app.needs_frame()


def test_what_the_top_scene_leaves_is_the_apps(display):
    app = App(session=Session(seed=1), surface=display)
    scene = Fake(takes=())
    app.stack.push(scene)
    app.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=0))
    assert scene.got == [Action("key", value="quit")] and app.quit


def test_a_kiosk_scene_keeps_the_window_whatever_is_typed(display):
    app = App(session=Session(seed=1), surface=display, bindings=MODES["kiosk"])
    scene = Fake(mode="kiosk", takes=("quit",))   # the kiosk decides about the window's close
    app.stack.push(scene)
    for k in (pygame.K_q, pygame.K_ESCAPE, pygame.K_f, pygame.K_F11, pygame.K_a):
        app.handle(pygame.event.Event(pygame.KEYDOWN, key=k, mod=0))
    app.handle(pygame.event.Event(pygame.QUIT))
    assert not app.quit and scene.got == [Action("quit")]
    assert not display.get_flags() & pygame.FULLSCREEN


def test_the_time_an_app_has_run_is_the_clocks(display):
    app = Panel(Session(seed=1), display)
    run(app, SteppedClock(0.25), frames=8)
    assert app.now == 2.0


@pytest.mark.parametrize("mode, table", [("panel", PANEL_KEYS), ("after 1958", AFTER_KEYS)])
def test_every_action_in_a_key_table_is_one_its_scene_or_the_app_knows(display, mode, table):
    """A misspelt action in a table would make its key silently do nothing."""
    for name in sorted(set(table.values())):
        if name in APP_ACTIONS:
            continue
        panel = Panel(Session(seed=1), display)
        scene = panel.front if mode == "panel" else AfterScene(stack=panel.stack, size=(1280, 720))
        panel.stack.push(scene) if mode != "panel" else None
        assert scene.mode == mode
        assert scene.handle(Action("key", value=name)), name
    scene = panel.front if mode == "panel" else AfterScene(stack=panel.stack, size=(1280, 720))
    assert not scene.handle(Action("key", value="no such button"))


def click(panel, pos, button=1):
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button))


def test_the_after_1958_page_is_a_scene_over_the_panel(display):
    panel = Panel(Session(seed=1958), display)
    s, L = panel.session, panel.front.layout
    s.toggle_run()
    click(panel, L.buttons["after 1958"].center)
    page = panel.stack.top
    assert isinstance(page, AfterScene) and panel.stack.scenes == [panel.front, page]
    assert not s.running and page.busy()
    row, col = (L.retina.centery - L.retina.y) * 20 // L.retina.height, \
        (L.retina.centerx - L.retina.x) * 20 // L.retina.width
    s.paint(row, col, 1.0)
    card = s.card.copy()
    # the panel's retina lies under the page: neither button may paint on it (the right one did)
    for button in (1, 3):
        click(panel, L.retina.center, button)
        panel.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=L.retina.midtop, rel=(0, 0),
                                        buttons=(1, 0, 0)))
    assert (s.card == card).all()
    run(panel, SteppedClock(1 / 30), frames=30)
    assert page.lab.epoch > 0
    panel.draw()
    key = panel._drawn_key
    panel.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0))   # pause
    assert not page.lab.running and panel.needs_frame()
    panel.draw()
    assert panel._drawn_key != key
    panel.handle(pygame.event.Event(pygame.KEYUP, key=pygame.K_SPACE, mod=0))
    panel.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0))
    assert panel.stack.top is panel.front and not panel.quit
    panel.handle(pygame.event.Event(pygame.KEYUP, key=pygame.K_ESCAPE, mod=0))
    panel.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0))
    assert panel.quit                       # from the panel, esc leaves


class _IdleClock(FrameClock):
    """A frame clock whose ticks are a fixed quarter second (the longest a frame counts)."""

    def tick(self):
        return 0.25


def test_time_spent_waiting_for_input_counts(display):
    """An idle panel waits for input; that time must reach the scenes (a kiosk's idle timeout,
    the translator's debounce), not be forgotten as it was."""
    app = App(session=Session(seed=1), surface=display)
    scene = Fake()
    app.stack.push(scene)
    app.draw()
    pygame.event.clear()
    run(app, _IdleClock(), frames=2)
    assert scene.time == 0.5 and app.now == 0.5


def test_the_help_card_names_keys_of_the_table():
    from simulator.panel.controls import KEYS
    names = {"esc": "escape", "F11": "f11"}
    shown = set()
    for keys, _, _ in KEYS:
        for part in keys.replace(" or ", " / ").split(" / "):
            part = part.strip()
            if part and part not in ("mouse", "finger", "drop a picture", "1 .. 8"):
                shown.add(names.get(part, part))
    assert shown and shown <= set(PANEL_KEYS), shown - set(PANEL_KEYS)
    assert {str(k) for k in range(1, 9)} <= set(PANEL_KEYS)
