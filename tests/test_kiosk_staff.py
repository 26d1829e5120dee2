"""The kiosk's staff screens and the out-of-order card, drawn with the dummy video driver: the PIN
keypad feeds the flow, the maintenance screen shows the counters and a log's tail whatever the
log holds, the lamp test, reset, back and stop do what the flow says, every target and every
text is big enough at 1280 x 720, and the out-of-order card is still and deaf to visitors."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import random  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402

from simulator.input import Action  # noqa: E402
from simulator.kiosk.captions import Captions  # noqa: E402
from simulator.kiosk.config import KioskConfig  # noqa: E402
from simulator.kiosk.counters import Counters  # noqa: E402
from simulator.kiosk.flow import Effect, Flow, Mode  # noqa: E402
from simulator.kiosk.pin import hash_pin  # noqa: E402
from simulator.kiosk.screens import staff  # noqa: E402
from simulator.kiosk.screens.outoforder import OutOfOrderScene  # noqa: E402
from simulator.kiosk.screens.staff import StaffPinScene, StaffScene, read_log_tail  # noqa: E402
from simulator.panel import theme  # noqa: E402
from simulator.session import Session  # noqa: E402

PIN = "4711"
HASH = hash_pin(PIN, salt=b"test-salt-16byte")
SIZE = (1280, 720)


@pytest.fixture(autouse=True, scope="module")
def _pygame():
    # no pygame.quit() after: the panel's fonts are cached for the whole run, and quitting
    # would leave the tests after these with fonts pygame no longer knows
    pygame.init()


@pytest.fixture
def drawn(monkeypatch):
    """Every text drawn through the screens' one text function: (words, px, mono)."""
    seen = []
    original = staff.text

    def spy(target, words, pos, px, colour=theme.ENGRAVING, anchor="topleft", mono=False):
        seen.append((words, px, mono))
        return original(target, words, pos, px, colour, anchor, mono)

    monkeypatch.setattr(staff, "text", spy)
    return seen


@pytest.fixture(scope="module")
def english():
    return Captions(language="en")


@pytest.fixture(scope="module")
def session():
    return Session()


def config(tmp_path, **settings):
    settings.setdefault("log_file", tmp_path / "kiosk.log")
    return KioskConfig(staff_pin_hash=HASH, **settings)


def at_pin(tmp_path):
    flow = Flow(config=config(tmp_path), counters=Counters())
    flow.handle("hold_corner", True)
    flow.update(5.0)
    assert flow.mode is Mode.STAFF_PIN
    return flow


def at_staff(tmp_path, counters=None, **settings):
    flow = Flow(config=config(tmp_path, **settings), counters=counters or Counters())
    flow.handle("hold_corner", True)
    flow.update(5.0)
    for digit in PIN:
        flow.handle("pin_digit", digit)
    flow.handle("pin_ok")
    assert flow.mode is Mode.STAFF
    return flow


def tap(scene, name):
    """Press and release the middle of the button called ``name``."""
    (button,) = [b for b in scene.buttons() if b.name == name]
    scene.handle(Action("press", button.rect.center))
    scene.handle(Action("release", button.rect.center))


def staff_scene(flow, session, english, counters=None, size=SIZE):
    return StaffScene(flow=flow, session=session, captions=english, counters=counters or flow.counters,
                      config=flow.config, size=size)


def draw(scene, size=SIZE):
    surface = pygame.Surface(size)
    scene.draw(surface)
    return surface


# ------------------------------------------------------------------ the PIN keypad
def test_the_right_pin_typed_on_the_keypad_opens_the_staff_screen(tmp_path, english, drawn):
    flow = at_pin(tmp_path)
    pad = StaffPinScene(flow=flow, captions=english, size=SIZE)
    for digit in PIN:
        tap(pad, digit)
    draw(pad)
    assert not any("4" in words and "7" in words for words, _, _ in drawn)  # dots, never the digits
    tap(pad, "ok")
    assert flow.mode is Mode.STAFF
    assert Effect("open_staff") in pad.take_effects()
    assert pad.take_effects() == []


def test_delete_takes_back_a_digit(tmp_path, english):
    flow = at_pin(tmp_path)
    pad = StaffPinScene(flow=flow, captions=english, size=SIZE)
    for digit in PIN + "9":
        tap(pad, digit)
    tap(pad, "back")
    tap(pad, "ok")
    assert flow.mode is Mode.STAFF


def test_three_wrong_pins_show_the_lockout_and_the_keys_stop(tmp_path, english, drawn):
    flow = at_pin(tmp_path)
    pad = StaffPinScene(flow=flow, captions=english, size=SIZE)
    for _ in range(2):
        for digit in "0000":
            tap(pad, digit)
        tap(pad, "ok")
    draw(pad)
    assert "Wrong PIN. 1 tries left." in [w for w, _, _ in drawn]
    for digit in "0000":
        tap(pad, digit)
    tap(pad, "ok")
    drawn.clear()
    draw(pad)
    assert "Too many wrong PINs. Try again in 60 s." in [w for w, _, _ in drawn]
    tap(pad, "1")
    assert flow.pin_ == ""
    flow.update(59.5)
    drawn.clear()
    draw(pad)
    assert "Too many wrong PINs. Try again in 1 s." in [w for w, _, _ in drawn]


def test_cancel_leaves_the_pin_for_the_attract_loop(tmp_path, english):
    flow = at_pin(tmp_path)
    pad = StaffPinScene(flow=flow, captions=english, size=SIZE)
    tap(pad, "cancel")
    assert flow.mode is Mode.ATTRACT
    assert Effect("reset_machine") in pad.take_effects()


# ------------------------------------------------------------------ the maintenance screen
def test_the_staff_screen_shows_the_counters_and_the_uptime(tmp_path, english, session, drawn):
    counters = Counters()
    counters.counts_.update(visitors=1234, teachings=56789, resets=17, crashes=3)
    flow = at_staff(tmp_path, counters)     # one staff session, counted on the way in
    scene = staff_scene(flow, session, english)
    scene.uptime_ = 3 * 3600 + 25 * 60 + 59
    draw(scene)
    texts = [w for w, _, _ in drawn]
    for shown in ("1,234", "56,789", "17", "1", "3", "Running for 3 h 25 min",
                  "Sensor rig: no rig configured"):
        assert shown in texts


def test_a_rig_named_in_the_config_is_looked_for(tmp_path, english, session, drawn):
    scene = staff_scene(at_staff(tmp_path, rig="/dev/ttyACM0"), session, english)
    draw(scene)
    assert ("Sensor rig: looking for it at /dev/ttyACM0; the visitors use the screen meanwhile"
            in [w for w, _, _ in drawn])   # its feed's status: tests/test_rig_kiosk.py


def _junk_log(path):
    rng = random.Random(8)
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)   # 50 MB of NULs, then the last 64 KB of random bytes
        fh.seek(-64 * 1024, os.SEEK_END)
        fh.write(bytes(rng.randrange(256) for _ in range(64 * 1024)))


@pytest.mark.parametrize("log", ["missing", "folder", "junk", "long lines"])
def test_any_log_shows_as_at_most_twelve_lines(tmp_path, english, session, drawn, log):
    path = tmp_path / "kiosk.log"
    if log == "folder":
        path.mkdir()
    elif log == "junk":
        _junk_log(path)
    elif log == "long lines":
        path.write_text("\n".join(f"line {i} " + "x" * 5000 for i in range(100)) + "\n")
    scene = staff_scene(at_staff(tmp_path, log_file=path), session, english)
    draw(scene)
    lines = [w for w, _, mono in drawn if mono]
    assert 1 <= len(lines) <= 12
    if log == "missing":
        assert lines == [f"(no log yet: {path})"]
    if log == "long lines":
        assert lines[-1].startswith("line 99 ")


def test_the_log_tail_reads_at_most_8_kb_and_nothing_the_font_refuses(tmp_path, monkeypatch):
    path = tmp_path / "kiosk.log"
    _junk_log(path)
    asked = []

    class Counted:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def seek(self, *args):
            return self.fh.seek(*args)

        def read(self, n=-1):
            asked.append(n)
            return self.fh.read(n)

    monkeypatch.setattr(staff, "open", lambda *a, **k: Counted(open(*a, **k)), raising=False)
    lines = read_log_tail(path)
    assert asked and all(0 <= n <= 8 * 1024 for n in asked)
    assert 1 <= len(lines) <= 12
    assert all(line.isprintable() for line in lines)
    surface = pygame.Surface((100, 30))
    for line in lines:
        staff.text(surface, line, (0, 0), 20, mono=True)   # the font takes every one


def test_the_log_is_read_again_while_the_screen_is_open(tmp_path, english, session, drawn):
    path = tmp_path / "kiosk.log"
    path.write_text("first\n")
    scene = staff_scene(at_staff(tmp_path, log_file=path), session, english)
    draw(scene)
    path.write_text("first\nsecond\n")
    scene.update(staff.LOG_REFRESH_SECONDS)
    drawn.clear()
    draw(scene)
    assert [w for w, _, mono in drawn if mono] == ["first", "second"]


def test_the_lamp_test_lights_every_lamp_for_two_seconds(tmp_path, english, session):
    scene = staff_scene(at_staff(tmp_path), session, english)
    view = session.view()
    big, small = scene.lamp_rects(SIZE)
    assert (len(big), len(small)) == (len(view.class_names), view.a_units)

    def colours():
        surface = draw(scene)
        return {tuple(surface.get_at(r.center))[:3] for r in big + small}

    assert colours() == {theme.LAMP_OFF}
    tap(scene, "lamp_test")
    assert colours() == {theme.LAMP_ON}
    scene.update(1.9)
    assert colours() == {theme.LAMP_ON}
    scene.update(0.1)
    assert colours() == {theme.LAMP_OFF}
    assert not scene.busy()


def test_reset_keeps_staff_and_resets_the_machine(tmp_path, english, session):
    flow = at_staff(tmp_path)
    scene = staff_scene(flow, session, english)
    resets = flow.counters["resets"]
    tap(scene, "reset")
    assert scene.take_effects() == [Effect("reset_machine")]
    assert flow.mode is Mode.STAFF and flow.counters["resets"] == resets + 1


def test_back_returns_to_the_attract_loop(tmp_path, english, session):
    flow = at_staff(tmp_path)
    scene = staff_scene(flow, session, english)
    tap(scene, "back")
    assert flow.mode is Mode.ATTRACT
    assert {Effect("reset_machine"), Effect("mode", Mode.ATTRACT)} <= set(scene.take_effects())


def test_stopping_the_kiosk_takes_a_second_press(tmp_path, english, session, drawn):
    flow = at_staff(tmp_path)
    scene = staff_scene(flow, session, english)
    tap(scene, "quit")
    assert scene.take_effects() == []
    draw(scene)
    assert "Press again to stop" in [w for w, _, _ in drawn]
    scene.update(staff.CONFIRM_SECONDS)       # too late: the first press is forgotten
    tap(scene, "quit")
    assert scene.take_effects() == []
    tap(scene, "quit")
    assert scene.take_effects() == [Effect("quit")]


def test_staff_quit_does_nothing_outside_the_staff_screen(tmp_path):
    flow = at_pin(tmp_path)
    assert flow.handle("staff_quit") == []
    flow.handle("pin_cancel")
    assert flow.handle("staff_quit") == []


def test_a_touch_on_the_staff_screen_keeps_it_open(tmp_path, english, session):
    flow = at_staff(tmp_path, idle_timeout=45)
    scene = staff_scene(flow, session, english)
    flow.update(40)
    scene.handle(Action("press", (640, 300)))
    flow.update(40)
    assert flow.mode is Mode.STAFF


# ------------------------------------------------------------------ sizes at 1280 x 720
def _screens(tmp_path, english, session):
    pad = StaffPinScene(flow=at_pin(tmp_path), captions=english, size=SIZE)
    locked = StaffPinScene(flow=at_pin(tmp_path / "b"), captions=english, size=SIZE)
    for _ in range(3):
        tap(locked, "0"), tap(locked, "ok")
    confirm = staff_scene(at_staff(tmp_path), session, english)
    tap(confirm, "quit")
    return [pad, locked, staff_scene(at_staff(tmp_path), session, english), confirm]


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_touch_target_and_every_text_is_big_enough(tmp_path, session, drawn, language):
    (tmp_path / "b").mkdir()
    words = Captions(language=language)
    for scene in _screens(tmp_path, words, session):
        draw(scene)
        rects = [b.rect for b in scene.buttons()]
        for i, r in enumerate(rects):
            assert r.width >= 72 and r.height >= 72, (type(scene).__name__, scene.buttons()[i])
            assert pygame.Rect((0, 0), SIZE).contains(r)
            assert r.collidelist(rects[:i]) == -1   # no two buttons overlap
    draw(OutOfOrderScene(captions={"en": Captions(language="en"), "de": Captions(language="de")}, size=SIZE))
    assert drawn and min(px for _, px, _ in drawn) >= 20


def test_the_screens_lay_out_again_at_another_size(tmp_path, english, session):
    scene = staff_scene(at_staff(tmp_path), session, english)
    scene.handle(Action("resize", value=(1920, 1080)))
    draw(scene, (1920, 1080))
    assert min(b.rect.height for b in scene.buttons()) >= 72 * 1.5 - 1
    assert pygame.Rect(0, 0, 1920, 1080).contains(scene.buttons()[-1].rect)


# ------------------------------------------------------------------ out of order
def test_out_of_order_is_drawn_once_and_ignores_visitors(english, drawn):
    card = OutOfOrderScene(captions=english, size=SIZE)
    key = card.frame_key()
    first = pygame.image.tobytes(draw(card), "RGB")
    for action in (Action("press", (640, 360)), Action("drag", (10, 10)), Action("release", (10, 10)),
                   Action("press", (5, 5)), Action("key", value="quit")):
        card.update(0.4)
        card.handle(action)
    assert card.frame_key() == key and not card.busy()
    assert pygame.image.tobytes(draw(card), "RGB") == first
    texts = [w for w, _, _ in drawn]
    assert "This exhibit is resting" in texts and "The Mark I Perceptron" in texts
    assert not card.handle(Action("quit"))     # the window's close still reaches the app


def test_out_of_order_speaks_every_language_given(drawn):
    both = {"en": Captions(language="en"), "de": Captions(language="de")}
    draw(OutOfOrderScene(captions=both, size=SIZE))
    texts = [w for w, _, _ in drawn]
    assert "This exhibit is resting" in texts and "Dieses Exponat macht eine Pause" in texts


def test_the_lockout_is_seen_on_the_exhibit_and_counts_down(tmp_path, drawn):
    """Through the real app: the keypad stays after the third wrong PIN, saying how long is left;
    Cancel leaves it; the corner held during the lockout shows the locked keypad again."""
    from simulator.kiosk import exhibit

    cfg = config(tmp_path, status_file=tmp_path / "status.json", counters_file=tmp_path / "counters.json",
                 fullscreen=False)
    app = exhibit.build(cfg, pygame.Surface(SIZE), environ={})

    def hold_corner():
        app.act(Action("press", (5, 5)))
        for _ in range(51):
            app.update(0.1)
        app.act(Action("release", (5, 5)))
        assert isinstance(app.stack.top, StaffPinScene)

    def press(name):
        (button,) = [b for b in app.stack.top.buttons() if b.name == name]
        app.act(Action("press", button.rect.center))
        app.act(Action("release", button.rect.center))

    def shown():
        drawn.clear()
        app.draw()
        return [w for w, _, _ in drawn]

    hold_corner()
    for pin in ("0000", "1111", "2222"):
        for digit in pin:
            press(digit)
        press("ok")
    assert app.flow.mode is Mode.STAFF_PIN and isinstance(app.stack.top, StaffPinScene)
    assert "Too many wrong PINs. Try again in 60 s." in shown()
    app.update(20.0)
    assert "Too many wrong PINs. Try again in 40 s." in shown()
    press("cancel")
    assert app.flow.mode is Mode.ATTRACT
    hold_corner()
    assert "Too many wrong PINs. Try again in 35 s." in shown()
    for digit in PIN:
        press(digit)
    press("ok")
    assert app.flow.mode is Mode.STAFF_PIN   # locked: the right PIN waits too
    app.update(35.0)
    assert "Too many wrong PINs" not in " ".join(shown())
    for digit in PIN:
        press(digit)
    press("ok")
    assert app.flow.mode is Mode.STAFF
