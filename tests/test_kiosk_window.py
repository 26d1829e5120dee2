"""The kiosk in a real X server: ``mark1 kiosk`` under Xvfb, as a museum would run it.

The test starts its own Xvfb (the fixture of tests/test_window.py), runs the real command (the
supervisor and its exhibit child) with DISPLAY set and no SDL_VIDEODRIVER, and looks at it as
a person would: the window fills the screen, a click (xdotool) starts a visitor's turn, the
idle reset brings the attract loop back, SIGTERM ends both processes. Screenshots of the X
screen (Pillow's ImageGrab) are compared roughly and left in pytest's temporary folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import ImageGrab
from test_kiosk_exhibit import example_config, wait_for_status
from test_window import xvfb  # noqa: F401  (the fixture: a running Xvfb, 1920 x 1080)

ROOT = Path(__file__).resolve().parent.parent
SCREEN = (1920, 1080)
IDLE, COUNTDOWN = 5, 2   # the shortest idle_timeout the config takes, and a short countdown


def kiosk_config(tmp_path) -> Path:
    """The example config, its files in ``tmp_path``, with a short idle timeout and countdown."""
    path = example_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("idle_timeout = 45", f"idle_timeout = {IDLE}").replace(
        "countdown = 10", f"countdown = {COUNTDOWN}").replace('daily_restart = "04:30"', "")
    assert f"idle_timeout = {IDLE}" in text and f"countdown = {COUNTDOWN}" in text
    path.write_text(text, encoding="utf-8")
    return path


def shot(display: str, path: Path) -> np.ndarray:
    image = ImageGrab.grab(xdisplay=display)
    image.save(path)
    return np.asarray(image.convert("RGB")).astype(np.int16)


def mean_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def window_geometry(display: str, xdotool: str) -> tuple[str, tuple[int, int, int, int]]:
    """The focused window's name and (x, y, width, height). (``xdotool search`` misses SDL's
    window without a window manager; the exhibit takes the focus, so ask for that.)"""
    env = dict(os.environ, DISPLAY=display)

    def ask(*args) -> str:
        return subprocess.run([xdotool, *args], env=env, capture_output=True, text=True, timeout=10,
                              check=True).stdout

    wid = ask("getwindowfocus").split()[0]
    v = dict(line.split("=", 1) for line in ask("getwindowgeometry", "--shell", wid).split())
    return ask("getwindowname", wid).strip(), (int(v["X"]), int(v["Y"]), int(v["WIDTH"]), int(v["HEIGHT"]))


def test_the_kiosk_in_a_real_x_server(xvfb, tmp_path, require_program):  # noqa: F811
    xdotool = require_program("xdotool", package="xdotool")
    config = kiosk_config(tmp_path)
    status_file = tmp_path / "kiosk-status.json"
    env = {k: v for k, v in os.environ.items()
           if k not in ("SDL_VIDEODRIVER", "WAYLAND_DISPLAY", "XAUTHORITY", "MARK1_HEARTBEAT_FD")}
    env.update(DISPLAY=xvfb, SDL_AUDIODRIVER="dummy")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "kiosk", "--config", str(config)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        status = wait_for_status(status_file, "attract", proc)
        up = time.monotonic() - started
        child = status["pid"]
        assert child != proc.pid and status["visitors"] == 0
        time.sleep(1.0)   # a few frames of the attract loop on the screen

        # full screen: the window is the X screen, and the screen shows it from corner to corner
        assert window_geometry(xvfb, xdotool) == ("Mark I Perceptron", (0, 0, *SCREEN))
        attract = shot(xvfb, tmp_path / "1-attract.png")
        assert attract.shape == (SCREEN[1], SCREEN[0], 3)
        for edge in (attract[:8], attract[-8:], attract[:, :8], attract[:, -8:]):
            assert edge.std() < 40 and edge.mean() > 5, "an edge of the screen is not the exhibit's"

        # a tap starts the visitor's turn
        tapped = time.monotonic()
        subprocess.run([xdotool, "mousemove", str(SCREEN[0] // 2), str(SCREEN[1] // 2), "click", "1"],
                       env=dict(env), check=True, timeout=10)
        status = wait_for_status(status_file, "visitor", proc, timeout=10)
        to_visitor = time.monotonic() - tapped
        assert status["visitors"] == 1 and status["pid"] == child
        time.sleep(0.5)
        visitor = shot(xvfb, tmp_path / "2-visitor.png")

        # nobody touches it: the countdown, then the attract loop again
        wait_for_status(status_file, "countdown", proc, timeout=IDLE + 5)
        time.sleep(0.3)
        countdown = shot(xvfb, tmp_path / "3-countdown.png")
        status = wait_for_status(status_file, "attract", proc, timeout=COUNTDOWN + 5)
        to_attract = time.monotonic() - tapped
        assert status["visitors"] == 1 and status["resets"] >= 1
        time.sleep(1.0)
        after = shot(xvfb, tmp_path / "4-attract-again.png")

        away, back = mean_diff(attract, visitor), mean_diff(attract, after)
        print(f"kiosk under Xvfb: attract after {up:.2f} s, visitor {to_visitor:.2f} s after the click, "
              f"attract again {to_attract:.2f} s after it (idle {IDLE} s + countdown {COUNTDOWN} s); "
              f"mean difference from the attract loop: visitor {away:.1f}, "
              f"countdown {mean_diff(attract, countdown):.1f}, after the reset {back:.1f}; "
              f"screenshots in {tmp_path}")
        assert away > 10, f"the visitor's screen looks like the attract loop (mean difference {away:.1f})"
        assert mean_diff(visitor, countdown) > 3, "the countdown does not show"
        assert back < away / 3, f"after the reset it does not look like the attract loop ({back:.1f})"

        # SIGTERM ends the supervisor and its exhibit
        stop = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        took = time.monotonic() - stop
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"supervisor and exhibit ended {took:.2f} s after SIGTERM")
    assert code == 0, proc.stderr.read().decode(errors="replace")[-2000:]
    assert took < 5.0
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    assert json.loads(status_file.read_text())["mode"] == "stopped"
    assert "Traceback" not in proc.stderr.read().decode(errors="replace")
