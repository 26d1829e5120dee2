"""The rig in the front panel, end to end against the real firmware (native emulator and simavr).

The board is :class:`hardware.simulate.SimulatedRig`; the host side is what ``mark1 demo --rig``
runs: :class:`hardware.link.RigLink` -> :class:`hardware.feed.RigFeed` -> the session -> the panel.
Expected values come from the light the test puts on the photocells (4600 mV is 942 of 1023
counts, lit; 400 mV is 81, dark; an 8 x 8 rig's two left columns cover retina columns 0-4) and
from the lamp pins the simulation reports. Waits are "gave up" limits, never timed assertions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from hardware import calibration as C  # noqa: E402
from hardware.feed import RigFeed  # noqa: E402
from simulator.panel import layout as layout_mod  # noqa: E402
from simulator.panel import readouts, theme  # noqa: E402
from simulator.panel.app import Panel  # noqa: E402
from simulator.session import Session  # noqa: E402

pytest.importorskip("serial")
from hardware.link import RigLink  # noqa: E402

GIVE_UP = 15.0
ROOT = Path(__file__).resolve().parent.parent
DOCS_SHOT = ROOT / "docs" / "images" / "rig-panel.png"








@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(C.ENV, str(tmp_path / "data"))   # no calibration kept from another test


@pytest.fixture(autouse=True)
def fresh_fonts():
    theme.font.cache_clear()
    theme.mono.cache_clear()
    readouts.rendered.cache_clear()


def marked(rows, cols, side: str) -> np.ndarray:
    mv = np.full((rows, cols), 400)
    if side == "left":
        mv[:, :2] = 4600
    else:
        mv[:, -2:] = 4600
    return mv


def pump(feed, until, what: str, timeout: float = GIVE_UP) -> None:
    """Run the feed as a panel's frames would until ``until()``; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        feed.update(0.02)
        if until():
            return
        time.sleep(0.01)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")


def lit_columns(session) -> list[int]:
    s = session.view().s_activity.reshape(20, 20)
    return [c for c in range(20) if s[:, c].all()]


LEFT, RIGHT = [0, 1, 2, 3, 4], [15, 16, 17, 18, 19]


def test_light_reaches_the_machine_its_answer_lights_the_lamps_and_the_buttons_train_it(rig):
    session = Session(seed=1958)
    with RigLink(port=rig.port) as link:
        feed = RigFeed(link=link, session=session)
        # a left-marked picture, then a right-marked one, reach the machine's retina
        rig.light(marked(rig.rows, rig.cols, "left"))
        pump(feed, lambda: lit_columns(session) == LEFT, "the left bar on the retina")
        assert session.view().card_origin == "rig"
        rig.light(marked(rig.rows, rig.cols, "right"))
        pump(feed, lambda: lit_columns(session) == RIGHT, "the right bar on the retina")
        # RIGHT pressed on the board: one lesson; the machine now says RIGHT on lamp 1 (R-unit 1)
        trials, weights = session.machine.presentations_, session.view().weights_version
        since = rig.mark()
        rig.press("RIGHT", 60, 2)   # with contact bounce: still one press
        pump(feed, lambda: session.machine.presentations_ > trials, "the lesson of RIGHT")
        assert session.view().weights_version != weights
        assert session.view().answer_name == "RIGHT"
        assert rig.wait_event("lamps", value=0b10, since=since, timeout=GIVE_UP) is not None
        # TRAIN teaches the same class again on the next picture: the left bar taught as RIGHT
        rig.light(marked(rig.rows, rig.cols, "left"))
        pump(feed, lambda: lit_columns(session) == LEFT, "the left bar again")
        rig.press("TRAIN", 60)
        pump(feed, lambda: session.machine.presentations_ == trials + 2, "the lesson of TRAIN")
        assert session.view().teletype[-1].split(", ")[0].endswith("card RIGHT")
        # LEFT on the left bar: the answer lamp 0 lights on the board's pins
        since = rig.mark()
        for _ in range(3):          # a few lessons until the machine says LEFT (one may not do)
            n = session.machine.presentations_
            rig.press("LEFT", 60)
            pump(feed, lambda n=n: session.machine.presentations_ == n + 1, "the lesson of LEFT")
            if session.view().answer_name == "LEFT":
                break
        assert session.view().answer_name == "LEFT"
        mask = int(sum(1 << i for i, lit in enumerate(session.view().r_lamps[:8]) if lit))
        assert mask & 1
        assert rig.wait_event("lamps", value=mask, since=since, timeout=GIVE_UP) is not None
        # every press was one lesson, no more
        time.sleep(0.2)
        feed.update(0.02)
        assert feed.lessons == feed.presses == session.machine.presentations_ - trials
        assert link.stats().bad_frames == 0


def test_the_panel_shows_the_rigs_photocells_and_its_status(rig):
    pygame.display.init()
    pygame.font.init()
    try:
        screen = pygame.display.set_mode((1920, 1080))
        session = Session(seed=1958)
        session.toggle_run()            # the demo's cards are running, as mark1 demo starts
        with RigLink(port=rig.port) as link:
            feed = RigFeed(link=link, session=session)
            panel = Panel(session, screen, rig=feed)
            rig.light(marked(rig.rows, rig.cols, "left"))
            deadline = time.monotonic() + GIVE_UP
            while lit_columns(session) != LEFT or feed.status().fps == 0:
                assert time.monotonic() < deadline, "the left bar never reached the panel"
                panel.update(1 / 30)
                time.sleep(0.02)
            assert not session.view().running          # the rig has the eye: the cards wait
            panel.draw()
            L = panel.front.layout
            centres = layout_mod.grid_centres(L.retina, 20, 20)
            pic = pygame.surfarray.array3d(screen)
            bright = [int(pic[int(x), int(y)].sum()) for x, y in centres]
            lit = [bright[r * 20 + c] for r in range(20) for c in LEFT]
            unlit = [bright[r * 20 + c] for r in range(20) for c in range(5, 20)]
            assert min(lit) > max(unlit) + 150, (min(lit), max(unlit))
            line = feed.status_line()
            assert line.startswith(f"rig {rig.rows}x{rig.cols} connected, ") and "fps" in line
            # LEFT pressed on the board: the panel says LEFT (the docs' picture shows it answering)
            rig.press("LEFT", 60)
            deadline = time.monotonic() + GIVE_UP
            while session.machine.presentations_ == 0:
                assert time.monotonic() < deadline, "the LEFT press never taught the machine"
                panel.update(1 / 30)
                time.sleep(0.02)
            assert session.view().answer_name == "LEFT" and lit_columns(session) == LEFT
            if os.environ.get("MARK1_DOCS_SHOTS"):
                DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
                panel.screenshot(DOCS_SHOT)
    finally:
        pygame.display.quit()


def test_demo_with_a_rig_that_is_not_there_says_one_line_and_runs(tmp_path):
    shot = tmp_path / "panel.png"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    out = subprocess.run([sys.executable, "-m", "simulator", "demo", "--rig", "/dev/nonexistent",
                          "--headless", "--frames", "30", "--screenshot", str(shot)],
                         capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("mark1: no such serial port /dev/nonexistent")
    assert "keeps looking for the rig" in lines[0]
    assert "30 frames" in out.stdout and shot.is_file()
    assert "rig: looking for it at /dev/nonexistent - on-screen retina; 0 button presses" in out.stdout


def test_demo_with_a_rig_port_that_can_never_be_one_stops_with_one_line(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    out = subprocess.run([sys.executable, "-m", "simulator", "demo", "--rig", "foo://x", "--headless",
                          "--frames", "3"], capture_output=True, text=True, env=env, timeout=120,
                         cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.splitlines() == [out.stderr.strip()]
    assert out.stderr.startswith("mark1: error: foo://x is not a serial port or pyserial URL")
    assert not list(tmp_path.iterdir())         # nothing written: it stopped before the panel
