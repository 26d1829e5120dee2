"""The front panel under SDL's dummy video driver: pictures, and every control by event.

Golden images are compared with a tolerance (``golden`` in conftest.py, which keeps the picture
it got when they differ); regenerate them only on purpose with ``MARK1_REGEN_GOLDEN=1 make test``
and look at them before committing.
"""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from simulator.machine import MarkI  # noqa: E402
from simulator.panel import layout as layout_mod  # noqa: E402
from simulator.panel import potentiometers, readouts, theme  # noqa: E402
from simulator.panel.app import MAX_A_LAMPS, MAX_DIALS, Panel, run  # noqa: E402
from simulator.panel.clock import SteppedClock  # noqa: E402
from simulator.session import Session  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_fonts():
    """Fonts opened under a pygame another test quit are dead ("Invalid font"): forget them."""
    theme.font.cache_clear()
    theme.mono.cache_clear()
    readouts.rendered.cache_clear()


@pytest.fixture
def screen():
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode((1280, 720))
    pygame.display.quit()


@pytest.fixture
def panel(screen, tmp_path):
    return Panel(Session(seed=1958), screen, state_path=tmp_path / "state.mark1")


def click(panel, pos, button=1):
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button))


def key(panel, k, mod=0):
    panel.handle(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=""))
    panel.handle(pygame.event.Event(pygame.KEYUP, key=k, mod=mod, unicode=""))


def cell_centre(rect, row, col, size=20):
    cols, rows = (size, size) if isinstance(size, int) else size
    return (rect.x + (col + 0.5) * rect.width / cols, rect.y + (row + 0.5) * rect.height / rows)


# ---------------------------------------------------------------- pictures
def picture(surface) -> np.ndarray:
    """The surface as an (height, width, 3) array, as an image file holds it."""
    return pygame.surfarray.array3d(surface).transpose(1, 0, 2)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_panel_matches_golden_image(size, tmp_path, golden):
    pygame.display.init()
    pygame.font.init()
    surface = pygame.Surface(size)
    session = Session(seed=1958)
    for _ in range(25):
        session.step()
    panel = Panel(session, surface, state_path=tmp_path / "s")
    panel.update(10.0)  # needles settle
    panel.draw()
    golden(picture(surface), f"panel_{size[0]}x{size[1]}.png")
    pygame.display.quit()


def test_a_failed_golden_comparison_keeps_the_picture_it_got(tmp_path, golden):
    want = np.zeros((30, 40, 3), np.uint8)
    (tmp_path / "golden").mkdir()
    Image.fromarray(want).save(tmp_path / "golden" / "lamps.png")
    out = tmp_path / "failed"
    golden(want.copy(), "lamps.png", golden_dir=tmp_path / "golden", out_dir=out)   # alike: passes
    assert not out.exists()
    got = want.copy()
    got[:, :20] = (255, 178, 64)           # half the lamps lit that should be dark
    with pytest.raises(AssertionError, match=r"lamps.png differs .*the picture it got is \S*lamps-got") as e:
        golden(got, "lamps.png", golden_dir=tmp_path / "golden", out_dir=out)
    assert str(out / "lamps-got.png") in str(e.value) and str(out / "lamps-diff.png") in str(e.value)
    np.testing.assert_array_equal(np.asarray(Image.open(out / "lamps-got.png")), got)
    diff = np.asarray(Image.open(out / "lamps-diff.png"))
    assert diff[:, :20].min() == 255 and diff[:, 20:].max() == 0
    # a picture of another size is kept too
    with pytest.raises(AssertionError, match="40 x 30"):
        golden(got[:10], "lamps.png", golden_dir=tmp_path / "golden", out_dir=tmp_path / "again")
    assert (tmp_path / "again" / "lamps-got.png").exists()


def test_a_heat_map_column_shows_the_strongest_of_its_a_units_even_the_last():
    w = np.zeros((100_000, 2))
    w[12_345, 1] = 2.0
    w[12_346, 1] = -1.5
    w[99_999, 0] = -3.0          # the very last A-unit, in the last (shorter) run
    w[:10, 0] = 0.5
    peaks = potentiometers.condense(w, 576)
    assert 500 < peaks.shape[0] <= 576
    assert peaks[-1, 0] == -3.0 and peaks[0, 0] == 0.5
    assert sorted(peaks[:, 1][peaks[:, 1] != 0]) == [2.0]
    assert np.count_nonzero(peaks) == 3
    assert potentiometers.condense(w[:300], 576).shape == (300, 2)   # narrow enough: as it is


@pytest.mark.parametrize("a_units, r_units", [(1, 8), (7, 2), (512, 64), (1000, 1), (100_000, 64),
                                              (100_000, 1)])
def test_the_panel_draws_every_machine_the_limits_allow(a_units, r_units, screen, tmp_path):
    """Large machines used to crash the potentiometers' drawing; any size must draw, and say
    when only its first lamps and dials are shown."""
    m = MarkI(seed=2, a_units=a_units, r_units=r_units, excitatory=3, inhibitory=2,
              coding="winner" if r_units >= 2 else "binary")
    m.set_classes(2, ("LEFT", "RIGHT"))
    m.save(tmp_path / "m.mark1")
    s = Session(seed=1958)
    panel = Panel(s, screen, state_path=tmp_path / "m.mark1")
    panel.front.act("load")
    assert s.machine.a_units == a_units and s.machine.r_units == r_units, s.alert
    cols, rows = panel.front._r_grid()      # the last R-unit's lamp, clicked, selects its potentiometers
    assert cols * rows >= r_units and cols <= 16
    last = divmod(r_units - 1, cols)
    click(panel, cell_centre(panel.front.layout.r_lamps, *last, size=(cols, rows)))
    assert panel.front.selected_r == r_units - 1
    for size in ((1280, 720), (1920, 1080)):
        panel.resize(pygame.Surface(size))
        s.toggle_run()
        run(panel, SteppedClock(1 / 30), frames=30 * 3)   # trials, corrections, needles turning
        s.toggle_run()
        L = panel.front.layout
        panel.front._hover(L.a_lamps.center)
        panel.draw()
        panel.front._hover(cell_centre(L.retina, 10, 10))
        panel.draw()
        panel.front.hover = None
        panel.draw()
        rgb = picture(panel.surface)
        heat = rgb[L.heatmap.y:L.heatmap.bottom, L.heatmap.x:L.heatmap.right].astype(int)
        assert (np.abs(heat - theme.PANEL).sum(axis=2) > 30).any()   # the trained pots show
    assert s.machine.presentations_ >= 10
    assert panel.front.dials.cols * panel.front.dials.rows >= min(a_units, MAX_DIALS)
    assert panel.front._a_lamps.count == min(a_units, MAX_A_LAMPS)
    # a big machine says so: the dim caption below the lamps has text in it
    below = rgb[L.a_lamps.bottom + L.px(14):L.a_lamps.bottom + L.px(28), L.a_lamps.centerx:L.a_lamps.right]
    assert (below.max(axis=2) > 100).any() == (a_units > MAX_A_LAMPS)


def test_lamps_light_where_the_layout_says(panel):
    s = panel.session
    s.step()
    panel.draw()
    L = panel.front.layout
    rgb = pygame.surfarray.array3d(panel.surface).transpose(1, 0, 2)
    for idx in range(400):
        x, y = layout_mod.grid_centres(L.retina, 20, 20)[idx]
        lit = rgb[int(y), int(x), 0] > 200
        assert lit == bool(s.s_activity[idx]), f"photocell {idx}"
    centres = layout_mod.grid_centres(L.a_lamps, 32, 16, 512)
    for idx in range(512):
        x, y = centres[idx]
        assert (rgb[int(y), int(x), 0] > 200) == bool(s.a_activity[idx]), f"A-unit {idx}"


def test_window_too_small_says_so(panel):
    small = pygame.Surface((640, 360))
    panel.resize(small)
    panel.draw()
    rgb = pygame.surfarray.array3d(small)
    assert panel.front.layout.too_small and (rgb[..., 0] > 200).sum() > 100  # the message is there


# ---------------------------------------------------------------- input
def test_drawing_paints_and_erases_on_the_retina(panel):
    L, s = panel.front.layout, panel.session
    s.clear()
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=cell_centre(L.retina, 5, 5), button=1))
    for col in range(6, 10):
        panel.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=cell_centre(L.retina, 5, col),
                                        rel=(1, 0), buttons=(1, 0, 0)))
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=cell_centre(L.retina, 5, 9), button=1))
    assert s.card[5, 5:10].tolist() == [1.0] * 5 and s.card.sum() == 5
    assert s.card_origin == "drawing" and s.s_activity[5 * 20 + 7]
    # a stroke that starts on a lit cell erases; so does the right button
    click(panel, cell_centre(L.retina, 5, 5))
    assert s.card[5, 5] == 0.0
    click(panel, cell_centre(L.retina, 5, 6), button=3)
    assert s.card[5, 6] == 0.0 and s.card.sum() == 3


def test_touch_draws_too(panel):
    L, s = panel.front.layout, panel.session
    s.clear()
    w, h = panel.surface.get_size()
    x, y = cell_centre(L.retina, 10, 3)
    panel.handle(pygame.event.Event(pygame.FINGERDOWN, x=x / w, y=y / h, touch_id=1, finger_id=0,
                                    dx=0, dy=0, pressure=1))
    x2, y2 = cell_centre(L.retina, 11, 3)
    panel.handle(pygame.event.Event(pygame.FINGERMOTION, x=x2 / w, y=y2 / h, touch_id=1, finger_id=0,
                                    dx=0, dy=0, pressure=1))
    panel.handle(pygame.event.Event(pygame.FINGERUP, x=x2 / w, y=y2 / h, touch_id=1, finger_id=0,
                                    dx=0, dy=0, pressure=0))
    assert s.card[10, 3] == 1.0 and s.card[11, 3] == 1.0 and s.card.sum() == 2
    # SDL's mouse copy of the same touch must not paint twice (it would erase)
    panel.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1, touch=True))
    assert s.card[10, 3] == 1.0


def test_teach_buttons_and_number_keys_correct_the_machine(panel):
    s = panel.session
    s.clear()
    for row in range(4, 14):
        for col in range(2, 8):
            s.paint(row, col, 1.0)
    assert s.a_activity.any()
    before = s.machine.presentations_
    rects = dict(panel.front._teach_buttons())
    click(panel, rects[1].center)          # TEACH RIGHT
    assert s.machine.presentations_ == before + 1
    assert s.log[-1].startswith(f"trial {before + 1}: card RIGHT")
    assert s.machine.weights.any() and s.correction.moved > 0
    key(panel, pygame.K_1)                 # teach LEFT: the same card, undone
    assert s.machine.presentations_ == before + 2 and "card LEFT" in s.log[-1]
    assert not s.machine.weights.any()


def test_every_control_does_what_it_says(panel, tmp_path):
    s, L = panel.session, panel.front.layout
    key(panel, pygame.K_SPACE)
    assert s.running
    click(panel, L.buttons["run"].center)
    assert not s.running
    n = s.machine.presentations_
    key(panel, pygame.K_n)
    click(panel, L.buttons["step"].center)
    assert s.machine.presentations_ == n + 2
    speed = s.speed
    key(panel, pygame.K_PLUS)
    assert s.speed > speed
    click(panel, L.buttons["slower"].center)
    click(panel, L.buttons["slower"].center)
    assert s.speed < speed
    key(panel, pygame.K_c)
    assert s.card_origin == "card" and s.card.sum() > 0
    key(panel, pygame.K_x)
    assert s.card.sum() == 0
    click(panel, L.buttons["new card"].center)
    assert s.card.sum() > 0
    click(panel, L.buttons["clear"].center)
    assert s.card.sum() == 0
    assert s.machine.weights.any()
    key(panel, pygame.K_s, pygame.KMOD_CTRL)
    assert panel.state_path.exists()
    saved = s.machine.weights.copy()
    key(panel, pygame.K_r)
    assert not s.machine.weights.any()
    key(panel, pygame.K_o, pygame.KMOD_CTRL)
    np.testing.assert_array_equal(s.machine.weights, saved)
    click(panel, L.buttons["reset pots"].center)
    assert not s.machine.weights.any()
    click(panel, L.buttons["save"].center)
    click(panel, L.buttons["load"].center)
    assert not s.alert
    seed = s.wiring_seed
    key(panel, pygame.K_w)
    assert s.wiring_seed == seed + 1
    click(panel, L.buttons["rewire"].center)
    assert s.wiring_seed == seed + 2
    key(panel, pygame.K_e)
    assert s.experiment.name == "square-circle"
    click(panel, L.buttons["experiment"].center)
    assert s.experiment.name == "square-diamond"
    wires = panel.front.show_wires
    key(panel, pygame.K_p)
    assert panel.front.show_wires != wires
    key(panel, pygame.K_h)
    assert panel.front.show_help
    panel.draw()
    key(panel, pygame.K_ESCAPE)
    assert not panel.front.show_help and not panel.quit
    click(panel, L.buttons["help"].center)
    assert panel.front.show_help
    click(panel, (5, 5))                   # a click anywhere closes the card
    assert not panel.front.show_help
    click(panel, L.buttons["full screen"].center)
    assert panel.surface.get_flags() & pygame.FULLSCREEN
    assert panel.front.layout.size == panel.surface.get_size()
    key(panel, pygame.K_f)                 # and back to the window it was
    assert panel.surface.get_size() == (1280, 720) and panel.front.layout.size == (1280, 720)
    key(panel, pygame.K_q)
    assert panel.quit
    panel.quit = False
    click(panel, L.buttons["quit"].center)
    assert panel.quit


def test_hover_shows_the_wires_of_a_photocell_and_an_a_unit(panel):
    L = panel.front.layout
    panel.front._hover(cell_centre(L.retina, 3, 4))
    assert panel.front.hover == ("s", 3 * 20 + 4)
    panel.draw()
    centres = layout_mod.grid_centres(L.a_lamps, 32, 16, 512)
    fed = np.flatnonzero(panel.session.machine.plugboard_.board()[3 * 20 + 4])
    assert fed.size > 0
    rgb = pygame.surfarray.array3d(panel.surface).transpose(1, 0, 2)
    x, y = centres[fed[0]]
    ring = rgb[int(y) - panel.front.layout.px(6), int(x)]
    assert ring.max() > 90  # a wire's end ring is drawn round the A-unit it feeds
    panel.front._hover(centres[7])
    assert panel.front.hover == ("a", 7)


def test_bad_pictures_and_state_files_show_an_alert_and_the_demo_goes_on(panel, tmp_path):
    s = panel.session
    bad = tmp_path / "bad.png"
    bad.write_text("not a picture")
    panel.handle(pygame.event.Event(pygame.DROPFILE, file=str(bad)))
    assert "bad.png" in s.alert
    panel.update(0.1)
    panel.draw()  # the alert banner is drawn, nothing breaks
    from PIL import Image
    good = tmp_path / "good.png"
    img = np.full((100, 100), 255, np.uint8)
    img[20:80, 10:30] = 0
    Image.fromarray(img).save(good)
    panel.handle(pygame.event.Event(pygame.DROPFILE, file=str(good)))
    assert s.card_origin == "picture" and s.card[:, :7].sum() > 10
    panel.state_path.write_bytes(b"PK\x03\x04 truncated")
    before = s.machine.weights.copy()
    key(panel, pygame.K_o, pygame.KMOD_CTRL)
    assert "truncated or corrupted" in s.alert
    np.testing.assert_array_equal(s.machine.weights, before)


def test_demo_runs_by_itself_until_it_stops_erring(panel):
    s = panel.session
    s.toggle_run()
    frames = run(panel, SteppedClock(1 / 30), frames=30 * 600, stop_when_learned=True)
    assert s.learned_at is not None and s.learned_at <= 200, s.learned_at
    assert not s.running and "Learned" in s.message
    assert frames < 30 * 600
    # the last 20 trials were all right
    assert all(line.endswith("right") for line in list(s.log)[-21:-1])


def test_loading_a_state_switches_to_its_experiment_and_wiring(tmp_path):
    other = Session(seed=7, experiment="square-circle")
    other.step()
    other.save(tmp_path / "sc.mark1")
    s = Session(seed=1958)
    assert s.load(tmp_path / "sc.mark1")
    assert s.experiment.name == "square-circle" and s.class_names == ("square", "circle")
    assert s.wiring_seed == 7 and s.machine.presentations_ == 1


def test_a_noisy_machine_shows_one_view_of_the_card():
    s = Session(seed=3, experiment="letters")  # photocells with noise
    s.deal()
    m = s.machine
    lit = s.s_activity.astype(np.float32) @ m.plugboard_.matrix()
    np.testing.assert_array_equal(s.a_activity, (lit >= m.a_threshold).astype(np.uint8))


# ---------------------------------------------------------------- the R-units in use
def _machine_for(tmp_path, experiment, coding, r_units=32, a_units=512):
    """A state file of ``experiment``'s classes under ``coding``: each R-unit's potentiometers all
    at one end stop, even R-units positive, odd ones negative (the unused ones too)."""
    from simulator import experiments
    names = experiments.class_names(experiments.get(experiment))
    m = MarkI(seed=3, a_units=a_units, r_units=r_units, coding=coding)
    m.set_classes(len(names), names)
    m.weights_[:] = np.where(np.arange(r_units) % 2 == 0, 1.0, -1.0) * 4
    m.save(tmp_path / "m.mark1")
    return tmp_path / "m.mark1"


@pytest.mark.parametrize("experiment, coding, used", [
    ("left-right", "winner", 2), ("left-right", "binary", 1),
    ("letters", "winner", 26), ("letters", "binary", 5)])   # log2(26) rounded up: 5 bits
def test_the_heat_map_draws_the_r_units_in_use_as_rows_that_fill_its_box(experiment, coding, used, screen,
                                                                         tmp_path):
    """In two-class tasks the heat map's 8 rows had 2 (winner) or 1 (binary) that ever moved, a
    sliver of the box; the units in use now share the box, each named, the rest a dim strip."""
    s = Session(seed=1958)
    panel = Panel(s, screen, state_path=_machine_for(tmp_path, experiment, coding))
    panel.front.act("load")
    assert s.view().coding == coding and s.view().r_units == 32, s.alert
    panel.draw()
    h = panel.front.heat_rows()
    L = panel.front.layout
    assert h.units.tolist() == list(range(used)) and h.unused == 32 - used
    assert h.rows.y == L.heatmap.y and h.rows.height >= 0.75 * L.heatmap.height   # they fill the box
    assert h.strip is not None and h.strip.bottom == L.heatmap.bottom
    rgb = picture(panel.surface).astype(int)
    rh = h.rows.height / used
    for k in range(used):                 # each row shows its own R-unit's settings
        y = int(h.rows.y + (k + 0.5) * rh)
        want = theme.EXCITE if k % 2 == 0 else theme.INHIBIT
        assert np.abs(rgb[y, h.rows.centerx] - want).sum() < 40, (k, rgb[y, h.rows.centerx])
    strip = rgb[h.strip.y:h.strip.bottom, h.strip.x:h.strip.right]
    assert (np.abs(strip - theme.EXCITE).sum(axis=2) > 100).all()   # no unused unit's pots in it
    assert (strip.max(axis=2) > 100).any()                          # its caption is written
    if used <= 5:                          # a name per row, at 12 px or more at 1280 x 720
        assert rh >= theme.MIN_TEXT_PX
        for k in range(used):
            y0, y1 = int(h.rows.y + k * rh), int(h.rows.y + (k + 1) * rh)
            assert (rgb[y0:y1, h.names.x:h.names.right].max(axis=2) > 150).any(), k
    click(panel, (h.rows.centerx, int(h.rows.y + (used - 0.5) * rh)))   # the last row selects its unit
    assert panel.front.selected_r == used - 1


def test_a_heat_map_of_every_r_unit_in_use_has_no_strip(screen, tmp_path):
    s = Session(seed=1958)
    panel = Panel(s, screen, state_path=_machine_for(tmp_path, "left-right", "winner", r_units=2))
    panel.front.act("load")
    h = panel.front.heat_rows()
    assert h.units.tolist() == [0, 1] and h.strip is None and h.unused == 0
    assert h.rows.bottom == panel.front.layout.heatmap.bottom
    panel.draw()


# ---------------------------------------------------------------- the session's view only
def panel_offenders(source: str, where: str = "") -> list[str]:
    """Reads of the machine (``.machine``, whatever comes after) or of a session's private
    attributes (``session._x``, ``s._x``) in ``source``. (The After 1958 page reads the learned
    state of its own network, not the session's machine: trailing underscores are allowed.)"""
    import ast
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
        if node.attr == "machine" or (owner in ("session", "s") and node.attr.startswith("_")):
            found.append(f"{where}:{node.lineno}: .{node.attr}")
    return found


def test_the_panel_reads_the_session_view_not_the_machine():
    """Screens read Session.view() and the wires through the session: the panel once read the
    machine's weights, counters and plugboard behind the session's back."""
    from pathlib import Path

    import simulator.panel
    assert sorted(panel_offenders("s.machine.presentations_ + self.session._alert + s._view + self._x",
                                  "x")) == ["x:1: ._alert", "x:1: ._view", "x:1: .machine"]
    folder = Path(simulator.panel.__file__).parent
    offenders = [hit for f in sorted(folder.glob("*.py")) for hit in panel_offenders(f.read_text(), f.name)]
    assert offenders == []


def test_a_machine_replaced_behind_the_panel_is_forgotten(panel, tmp_path):
    """The hover named A-unit 500 of 512; a 7 A-unit machine loaded by another screen (not the
    panel's button) crashed the wires' drawing."""
    L = panel.front.layout
    panel.front._hover(layout_mod.grid_centres(L.a_lamps, 32, 16, 512)[500])
    assert panel.front.hover == ("a", 500)
    m = MarkI(seed=2, a_units=7, r_units=2, excitatory=3, inhibitory=2, coding="winner")
    m.set_classes(2, ("LEFT", "RIGHT"))
    m.save(tmp_path / "small.mark1")
    assert panel.session.load(tmp_path / "small.mark1"), panel.session.alert
    panel.update(0.0)
    panel.draw()
    assert panel.front.hover is None


def test_the_same_alert_twice_is_shown_twice(panel):
    s = panel.session
    s.alert = "cannot read x.png"
    panel.update(0.1)
    assert panel.front.alert_left > 0
    panel.update(60.0)
    assert panel.front.alert_left == 0
    s.alert = "cannot read x.png"       # the same failure again
    panel.update(0.1)
    assert panel.front.alert_left > 0


def test_a_machine_that_says_nothing_to_a_known_card_is_shown_wrong(panel):
    s = panel.session
    s.deal()                             # fresh potentiometers: no lamp lights, the machine says nothing
    assert s.view().answer is None and s.view().card_label is not None
    panel.draw()
    L = panel.front.layout
    rgb = picture(panel.surface)[L.answer.y:L.answer.bottom, L.answer.x:L.answer.right].astype(int)
    assert (np.abs(rgb - theme.WRONG).sum(axis=2) < 30).any()
