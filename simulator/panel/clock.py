"""Frame clocks: each tick yields ``dt``, the seconds since the last frame.

The panel's update takes ``dt`` from a clock, never from the wall directly, so tests and
headless runs step time exactly with :class:`SteppedClock`.
"""

from __future__ import annotations

import time

#: A frame that took longer than this (a stall, a breakpoint) counts as this long.
MAX_DT = 0.25


class FrameClock:
    """Real time, paced to ``fps`` frames per second."""

    def __init__(self, fps: int = 60):
        self.fps = fps
        self._last = time.perf_counter()

    def tick(self) -> float:
        """Sleep out the rest of the frame; return the seconds since the previous tick."""
        target = self._last + 1.0 / self.fps
        now = time.perf_counter()
        if now < target:
            time.sleep(target - now)
            now = time.perf_counter()
        dt, self._last = now - self._last, now
        return min(dt, MAX_DT)

    def reset(self) -> None:
        """Forget the time spent idle, so the next tick is not one huge step."""
        self._last = time.perf_counter()


class SteppedClock:
    """Simulated time: every tick is ``dt`` seconds and takes no wall time."""

    def __init__(self, dt: float = 1 / 30):
        self.dt = dt
        self.now = 0.0

    def tick(self) -> float:
        self.now += self.dt
        return self.dt

    def reset(self) -> None:
        pass
