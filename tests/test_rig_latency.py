"""Issue 10's latency path on the host: the rig link wakes the main loop as a frame arrives.

- :class:`simulator.panel.clock.FrameClock` with a ``wake`` event returns before its frame's
  time when woken, still with the seconds since the last tick, and keeps its frame's time (a
  woken tick does not push the next frame back). Time here is a fake clock the test moves, and
  the event a fake one that "arrives" at a time the test chose, so nothing is timed.
- :class:`hardware.link.RigLink` sets its ``wake`` for a frame and a button press (what the main
  loop acts on), not for a reply to a request; against a board faked on a pty (tests/rig_fakes.py).
- The panel's run loop, woken by a rig frame, puts the frame on the eye and sends the lamps in
  that same pass, and draws only at the clock's own frames.
"""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from hardware import protocol as P  # noqa: E402
from hardware.feed import RigFeed, lamp_mask  # noqa: E402
from simulator.panel import clock as clock_mod  # noqa: E402
from simulator.panel import readouts, theme  # noqa: E402
from simulator.panel.app import Panel, run  # noqa: E402
from simulator.panel.clock import FrameClock  # noqa: E402
from simulator.session import Session  # noqa: E402

GIVE_UP = 10.0   # s: a "gave up" limit, never a speed requirement
FRAME = 1 / 60


class FakeTime:
    """``time.perf_counter`` and ``time.sleep`` on a clock only the test moves."""

    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeWake:
    """A threading.Event whose set() "happens" at a fake time: wait() moves the fake clock to it
    when it comes within the timeout, else by the whole timeout."""

    def __init__(self, fake: FakeTime):
        self.fake = fake
        self.at: float | None = None   # fake time the other thread sets it
        self.waits: list[float] = []

    def is_set(self) -> bool:
        return self.at is not None and self.at <= self.fake.now

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        if self.at is not None and self.at <= self.fake.now + timeout:
            self.fake.now = max(self.fake.now, self.at)
            return True
        self.fake.now += timeout
        return False

    def clear(self) -> None:
        if self.is_set():
            self.at = None


@pytest.fixture
def fake(monkeypatch):
    t = FakeTime()
    monkeypatch.setattr(clock_mod, "time", t)
    return t


def test_without_wake_the_clock_sleeps_out_the_frame(fake):
    c = FrameClock(60)
    fake.now += 0.004                       # the frame's work took 4 ms
    assert c.tick() == pytest.approx(FRAME)
    assert fake.slept == [pytest.approx(FRAME - 0.004)] and not c.woken


def test_a_wake_mid_frame_returns_then_and_keeps_the_frames_time(fake):
    wake = FakeWake(fake)
    c = FrameClock(60, wake=wake)
    start = fake.now
    wake.at = start + 0.005                 # a rig frame arrives 5 ms into the frame
    assert c.tick() == pytest.approx(0.005)
    assert c.woken and not wake.is_set()    # cleared for the next arrival
    assert wake.waits == [pytest.approx(FRAME)]
    # nothing more arrives: the next tick ends at the frame's own time, not 1/60 s after the wake
    assert c.tick() == pytest.approx(FRAME - 0.005)
    assert not c.woken and fake.now == pytest.approx(start + FRAME)
    assert fake.slept == []                 # it waited on the event, it did not sleep


def test_a_wake_already_set_returns_at_once(fake):
    wake = FakeWake(fake)
    c = FrameClock(60, wake=wake)
    fake.now += 0.002
    wake.at = fake.now                      # arrived while the loop was busy
    assert c.tick() == pytest.approx(0.002)
    assert c.woken and not wake.is_set()


def test_a_wake_after_the_frames_time_is_a_whole_frame(fake):
    wake = FakeWake(fake)
    c = FrameClock(60, wake=wake)
    fake.now += 0.030                       # a long frame: the next one is due already
    wake.at = fake.now
    assert c.tick() == pytest.approx(0.030)
    assert not c.woken and not wake.is_set()
    assert wake.waits == []


def test_reset_starts_a_new_frame(fake):
    wake = FakeWake(fake)
    c = FrameClock(60, wake=wake)
    fake.now += 5.0                         # idle
    c.reset()
    wake.at = fake.now + 0.010
    assert c.tick() == pytest.approx(0.010) and c.woken


# ---------------------------------------------------------------- the link sets its wake
serial = pytest.importorskip("serial")
from rig_fakes import FakeBoard, _hello  # noqa: E402

from hardware import link as L  # noqa: E402


def test_the_link_wakes_for_frames_and_presses_not_for_replies():
    board = FakeBoard(stream=False)
    try:
        with L.RigLink(port=board.path) as link:
            assert link.wake.is_set()       # connected: a change of status the loop must see
            link.wake.clear()
            mark = link.mark()
            board.write(P.encode(P.Pong(token=77, board_us=5)))
            assert link.wait_reply(lambda m: isinstance(m, P.Pong), since=mark, timeout=GIVE_UP)
            assert not link.wake.is_set()   # a reply is the asker's, not the loop's
            board.write(P.encode(P.Button(button=P.BUTTON_LEFT, presses=1)))
            assert link.wake.wait(GIVE_UP)
            link.wake.clear()
            assert link.poll().buttons == (P.Button(button=P.BUTTON_LEFT, presses=1),)
            board.streaming.set()
            assert link.wake.wait(GIVE_UP)
            link.wake.clear()
            assert link.poll().frame is not None
    finally:
        board.close()


# ---------------------------------------------------------------- the panel's loop
class Input:
    def __init__(self, status, frame, buttons, hello):
        self.status, self.frame, self.buttons, self.hello = status, frame, buttons, hello


class ArrivingLink:
    """A link whose frame arrives when the script's clock says the link woke the loop."""

    def __init__(self):
        self.hello = _hello()
        self.frame = None
        self.lamps: list[int] = []

    def poll(self):
        got = Input("connected", self.frame, (), self.hello)
        self.frame = None
        return got

    def set_lamps(self, mask):
        self.lamps.append(mask)
        return True


class ScriptClock:
    """Ticks from a script of (dt, woken); a woken tick is a rig frame arriving (put on the link)."""

    def __init__(self, link, script, frame):
        self.link, self.script, self.frame_ = link, list(script), frame
        self.woken = False

    def tick(self) -> float:
        dt, self.woken = self.script.pop(0)
        if self.woken:
            self.link.frame = self.frame_
        return dt

    def reset(self) -> None:
        pass


def test_a_woken_pass_shows_the_frame_and_lights_the_lamps_and_draws_at_the_next_frame(monkeypatch):
    theme.font.cache_clear()
    theme.mono.cache_clear()
    readouts.rendered.cache_clear()
    pygame.display.init()
    pygame.font.init()
    try:
        session = Session(seed=0)
        link = ArrivingLink()
        feed = RigFeed(link=link, session=session)
        panel = Panel(session, pygame.Surface((1600, 900)), rig=feed)
        draws = []
        real_draw = panel.draw
        monkeypatch.setattr(panel, "draw", lambda: (draws.append(1), real_draw()))
        values = np.zeros((8, 8), dtype=np.uint16)
        values[:, :4] = 1000                # the left half lit
        frame = P.Frame(frame_no=1, values=values)
        clock = ScriptClock(link, [(FRAME, False), (0.004, True), (FRAME - 0.004, False)], frame)
        run(panel, clock, frames=1)         # a whole frame: the panel as it starts
        assert len(draws) == 1 and session.view().card_origin != "rig"
        run(panel, clock, frames=1)         # woken by the frame, 4 ms later
        v = session.view()
        assert v.card_origin == "rig"       # the frame is on the eye in this very pass ...
        assert link.lamps and link.lamps[-1] == lamp_mask(v.r_lamps)   # ... and its answer sent
        assert len(draws) == 1              # ... but the screen waits for its frame
        run(panel, clock, frames=1)
        assert len(draws) == 2
    finally:
        pygame.quit()
