"""Frame clocks: each tick yields ``dt``, the seconds since the last frame.

The panel's update takes ``dt`` from a clock, never from the wall directly, so tests and
headless runs step time exactly with :class:`SteppedClock`.
"""

from __future__ import annotations

import time

#: A frame that took longer than this (a stall, a breakpoint) counts as this long.
MAX_DT = 0.25


class FrameClock:
    """Real time, paced to ``fps`` frames per second, woken early by ``wake``.

    Parameters
    ----------
    fps : int
        Frames a second when nothing wakes the clock.
    wake : threading.Event, optional
        Set from another thread when the main loop has work that should not wait for the next
        frame (the rig link's: a photocell frame arrived). :meth:`tick` then returns at once,
        still with the seconds since the previous tick, and says so in :attr:`woken`; the frame's
        own time is kept, so a woken tick does not move the next frame's. Without it the clock
        only sleeps.

    Attributes
    ----------
    woken : bool
        The last tick returned before its frame's time because ``wake`` was set: the loop should
        update (the answer goes out now) but need not draw (drawing stays at ``fps``).
    """

    def __init__(self, fps: int = 60, *, wake=None):
        self.fps = fps
        self.wake = wake
        self.woken = False
        self._last = time.perf_counter()
        self._frame = self._last     # when the last frame not woken early began

    def tick(self) -> float:
        """Wait out the rest of the frame, or until woken; return the seconds since the previous tick."""
        target = self._frame + 1.0 / self.fps
        now = time.perf_counter()
        if now < target:
            if self.wake is None:
                time.sleep(target - now)
            else:
                self.wake.wait(target - now)
            now = time.perf_counter()
        if self.wake is not None:
            # cleared before the caller looks: what arrives after this sets it again for the next tick
            self.wake.clear()
        self.woken = now < target
        if not self.woken:
            self._frame = now
        dt, self._last = now - self._last, now
        return min(dt, MAX_DT)

    def reset(self) -> None:
        """Forget the time spent idle, so the next tick is not one huge step."""
        self._last = self._frame = time.perf_counter()


class SteppedClock:
    """Simulated time: every tick is ``dt`` seconds and takes no wall time."""

    woken = False   # never woken early: every tick is a whole frame

    def __init__(self, dt: float = 1 / 30):
        self.dt = dt
        self.now = 0.0

    def tick(self) -> float:
        self.now += self.dt
        return self.dt

    def reset(self) -> None:
        pass
