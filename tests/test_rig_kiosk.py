"""The rig in the kiosk, end to end against the real firmware (native emulator and simavr).

The exhibit is built as ``mark1 kiosk`` builds it (:func:`simulator.kiosk.exhibit.build`) with the
config's ``rig`` set to the simulated board's pty, on an off-screen surface. What is checked comes
from outside the code: the light put on the photocells (4600 mV lit, 400 mV dark; the rig's two
left columns cover the retina's columns 0-4), the board's presses, the lamp pins the simulation
reports, and the board's own HELLO (grid, id, firmware). Waits are "gave up" limits.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from hardware import calibration as C  # noqa: E402
from hardware import protocol as P  # noqa: E402
from simulator.input import Action  # noqa: E402
from simulator.kiosk import exhibit  # noqa: E402
from simulator.kiosk.config import KioskConfig  # noqa: E402
from simulator.kiosk.flow import Mode  # noqa: E402
from simulator.kiosk.logs import LOG_FORMAT  # noqa: E402
from simulator.kiosk.pin import hash_pin  # noqa: E402
from simulator.kiosk.screens import staff  # noqa: E402
from simulator.panel import readouts, theme  # noqa: E402

pytest.importorskip("serial")

GIVE_UP = 15.0
DT = 1 / 30
SIZE = (1280, 720)
PIN = "4711"
ROOT = Path(__file__).resolve().parent.parent
DOCS_SHOT = ROOT / "docs" / "images" / "rig-staff.png"
LEFT = [0, 1, 2, 3, 4]





@pytest.fixture(autouse=True)
def screen(tmp_path, monkeypatch):
    monkeypatch.setenv(C.ENV, str(tmp_path / "data"))
    theme.font.cache_clear()
    theme.mono.cache_clear()
    readouts.rendered.cache_clear()
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


@pytest.fixture
def app(tmp_path, rig):
    config = KioskConfig(status_file=tmp_path / "status.json", counters_file=tmp_path / "counters.json",
                         log_file=tmp_path / "kiosk.log", fullscreen=False, languages=("en", "de"),
                         staff_pin_hash=hash_pin(PIN, salt=b"test-salt-16byte"))
    # the kiosk's log file, as mark1 kiosk writes it: the staff screen shows its tail
    handler = logging.FileHandler(config.log_file)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    loggers = [logging.getLogger(name) for name in ("hardware", "simulator.kiosk")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    try:
        a = exhibit.build(dataclasses.replace(config, rig=rig.port), pygame.Surface(SIZE), environ={})
        yield a
        a.rig.link.close()
    finally:
        for lg, level in zip(loggers, levels):
            lg.removeHandler(handler)
            lg.setLevel(level)
        handler.close()


def run_until(app, until, what: str, dt: float = DT) -> None:
    deadline = time.monotonic() + GIVE_UP
    while not until():
        assert time.monotonic() < deadline, f"gave up after {GIVE_UP:.0f} s waiting for {what}"
        app.update(dt)
        time.sleep(0.01)


def marked(rig) -> np.ndarray:
    mv = np.full((rig.rows, rig.cols), 400)
    mv[:, :2] = 4600
    return mv


def lamp_pins(rig, want: int) -> int:
    """The rig's lamp pins once they show ``want`` (the last ``lamps`` event: the pins change only
    when the mask does); what they show when the wait gives up."""
    deadline = time.monotonic() + GIVE_UP
    while True:
        shown = [e.value for e in rig.events() if e.kind == "lamps"]
        now = shown[-1] if shown else 0
        if now == want or time.monotonic() > deadline:
            return now
        time.sleep(0.01)


def lit_columns(session) -> list[int]:
    s = session.view().s_activity.reshape(20, 20)
    return [c for c in range(20) if s[:, c].all()]


def test_the_rig_in_the_exhibit_and_on_the_staff_screen(app, rig):
    session, feed = app.session, app.rig
    run_until(app, lambda: feed.connected and feed.status().fps > 0, "the rig's frames")
    assert app.busy()                            # frames come without input: the loop keeps polling
    # the attract loop keeps its cards: the rig's light does not take the eye there
    rig.light(marked(rig))
    time.sleep(0.3)
    for _ in range(10):
        app.update(DT)
    assert app.flow.mode is Mode.ATTRACT and session.view().card_origin != "rig"
    # LEFT on the board: a visitor's turn starts, the rig's picture is taught as LEFT, counted
    rig.press("LEFT", 60)
    run_until(app, lambda: app.counters["teachings"] == 1, "the LEFT press counted as a teaching")
    v = session.view()
    assert app.flow.mode is Mode.VISITOR and app.stack.top is app.visitor
    assert v.card_origin == "rig" and lit_columns(session) == LEFT
    assert v.trials == 1 and v.teletype[-1].startswith("trial 1: card LEFT")   # a fresh machine, once
    assert app.visitor.said == "visitor.taught"
    # the visitor's eye shows the photocells: the left five columns of lamps glow, the rest do not
    for _ in range(30):
        app.update(DT)
    app.draw()
    eye, surface = app.visitor.eye_rect(), app.surface
    pic = pygame.surfarray.array3d(surface)

    def glow(col):
        x = int(eye.x + (col + 0.5) * eye.width / 20)
        return np.mean([pic[x, int(eye.y + (r + 0.5) * eye.height / 20)].sum() for r in range(20)])

    assert min(glow(c) for c in LEFT) > max(glow(c) for c in range(5, 20)) + 150
    # the staff screen: the rig's port, board, grid, id, firmware, figures and calibration
    app.tell("hold_corner", True)
    app.update(5.0)
    for digit in PIN:
        app.tell("pin_digit", digit)
    app.tell("pin_ok")
    app.tell("hold_corner", False)
    assert app.flow.mode is Mode.STAFF
    scene = app.stack.top
    hello = app.rig.link.hello
    board = P.BOARD_NAMES[hello.board]
    drawn = []
    original = staff.text

    def spy(target, words, *args, **kw):
        drawn.append(words)
        return original(target, words, *args, **kw)

    staff.text = spy
    try:
        app.update(DT)
        app.draw()
    finally:
        staff.text = original
    first = (f"Sensor rig: connected: {board}, {rig.rows} x {rig.cols} photocells, "
             f"id {hello.board_id:08x}, firmware {hello.fw_major}.{hello.fw_minor}.{hello.fw_patch}")
    lines = scene.rig_lines()
    assert lines[0] == first and lines[1] == f"port {rig.port}; last button: LEFT"
    assert lines[2].endswith(f" frames/s, 0 bad frames; not calibrated (mark1 rig calibrate {rig.port})")
    assert int(lines[2].split()[0]) > 0          # frames per second, measured by the link
    assert all(line in drawn for line in lines)
    assert "Rig lamps" in drawn
    assert any(line.endswith(f"hardware.link: rig connected at {rig.port}") for line in scene.log_lines_)
    assert feed.lamps == int(sum(1 << i for i, lit in enumerate(session.view().r_lamps[:8]) if lit))
    if os.environ.get("MARK1_DOCS_SHOTS"):
        DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(app.surface, str(DOCS_SHOT))
    # the lamp test: every on-screen lamp lit, and the rig's lamps one after the other on its pins
    (button,) = [b for b in scene.buttons() if b.name == "lamp_test"]
    app.act(Action("press", button.rect.center))
    app.act(Action("release", button.rect.center))
    app.update(0.125)
    for lamp in range(P.LAMPS):
        assert scene.lamps_lit() and scene.rig_lamp() == lamp
        assert lamp_pins(rig, 1 << lamp) == 1 << lamp
        app.update(0.25)
    assert not scene.lamps_lit() and scene.rig_lamp() is None
    answer = int(sum(1 << i for i, lit in enumerate(session.view().r_lamps[:8]) if lit))
    assert answer & 1                           # taught LEFT on the left bar: lamp 0 is the answer
    assert lamp_pins(rig, answer) == answer
