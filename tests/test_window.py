"""The front panel in a real X11 window (under Xvfb), and the fallback when there is no display.

The tests start their own Xvfb on a free display number and run the real command,
``python -m simulator demo``, without ``--headless`` and without ``SDL_VIDEODRIVER``, so SDL
opens an ordinary X11 window. The screenshot is then checked against the layout: lamps sit
where :func:`simulator.panel.layout.compute` says they do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulator.panel import layout as layout_mod
from simulator.panel import theme

SIZE = (1600, 900)
FRAMES = 300
DISPLAYS = range(90, 141)


def _display_free(n: int) -> bool:
    return not (Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists())


@pytest.fixture(scope="module")
def xvfb(require_program):
    """A running Xvfb; yields its DISPLAY (":N") and stops it afterwards."""
    xvfb_bin = require_program("Xvfb", package="xvfb")
    last_error = ""
    for n in DISPLAYS:
        if not _display_free(n):
            continue
        proc = subprocess.Popen([xvfb_bin, f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        socket = Path(f"/tmp/.X11-unix/X{n}")
        deadline = time.monotonic() + 10
        while proc.poll() is None and not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is not None:  # lost a race for this display number: try the next
            last_error = proc.stderr.read().decode(errors="replace").strip()[-500:]
            continue
        if not socket.exists():
            proc.kill()
            proc.wait()
            pytest.fail(f"Xvfb :{n} did not start listening within 10 s")
        try:
            yield f":{n}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return
    pytest.fail(f"could not start Xvfb on any of :{DISPLAYS.start}..:{DISPLAYS.stop - 1}; "
                f"last error: {last_error or 'every display number was taken'}")


def _x11_env(display: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SDL_VIDEODRIVER", "WAYLAND_DISPLAY", "XAUTHORITY")}
    env.update(DISPLAY=display, SDL_AUDIODRIVER="dummy")
    return env


@pytest.fixture(scope="module")
def window_run(xvfb, tmp_path_factory):
    """The real demo in an X11 window for 300 frames; (completed process, screenshot path)."""
    tmp = tmp_path_factory.mktemp("window")
    shot = tmp / "shot.png"
    proc = subprocess.run([sys.executable, "-m", "simulator", "demo", "--frames", str(FRAMES),
                           "--screenshot", str(shot), "--size", f"{SIZE[0]}x{SIZE[1]}"],
                          env=_x11_env(xvfb), cwd=tmp, capture_output=True, text=True, timeout=60)
    return proc, shot


@pytest.fixture(scope="module")
def pixels(window_run):
    proc, shot = window_run
    assert proc.returncode == 0, proc.stderr
    return np.asarray(Image.open(shot).convert("RGB")).astype(int)


def test_sdl_uses_x11(xvfb):
    code = ("import pygame; pygame.display.init(); pygame.display.set_mode((64, 48)); "
            "print(pygame.display.get_driver())")
    proc = subprocess.run([sys.executable, "-c", code], env=_x11_env(xvfb), capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "x11", proc.stdout + proc.stderr


def test_demo_window_exits_cleanly_and_saves_the_frame(window_run):
    proc, shot = window_run
    assert proc.returncode == 0, proc.stderr
    assert "no display found" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert shot.is_file() and f"panel written to {shot}" in proc.stdout
    with Image.open(shot) as im:
        assert im.format == "PNG" and im.size == SIZE


def test_frame_is_not_blank(pixels):
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 200, f"only {len(colours)} distinct colours"


def _near(rgb, ref, tol=12) -> np.ndarray:
    return np.abs(rgb - np.array(ref)).max(axis=-1) <= tol


def _lit(rgb) -> np.ndarray:
    """Amber lamp light: red channel > 200, warm (blue well below red)."""
    return (rgb[..., 0] > 200) & (rgb[..., 1] > 120) & (rgb[..., 2] < rgb[..., 0] - 40)


def _luma(rgb) -> np.ndarray:
    return rgb @ np.array([0.299, 0.587, 0.114])


def _sample(pixels, points) -> np.ndarray:
    xy = np.array(points)
    return pixels[xy[:, 1].astype(int), xy[:, 0].astype(int)]


@pytest.mark.parametrize("part,cols,rows", [("retina", 20, 20), ("a_lamps", 32, 16)])
def test_lamps_where_the_layout_says(pixels, part, cols, rows):
    L = layout_mod.compute(SIZE)
    rect = getattr(L, part)
    centres = _sample(pixels, layout_mod.grid_centres(rect, cols, rows))
    off, lit = _near(centres, theme.LAMP_OFF), _lit(centres)
    assert (off | lit).mean() > 0.9, f"{part}: only {(off | lit).mean():.0%} of centres look like lamps"
    assert lit.sum() >= 1, f"{part}: no lamp lit after {FRAMES} frames of the demo"
    assert off.sum() >= 1, f"{part}: every lamp lit"
    # Midway between four neighbouring lamps (inner corners only): the darker panel.
    cw, ch = rect.width / cols, rect.height / rows
    corners = [(rect.x + (c + 1) * cw, rect.y + (r + 1) * ch)
               for r in range(rows - 1) for c in range(cols - 1)]
    between = _luma(_sample(pixels, corners))
    assert (between < _luma(np.array(theme.LAMP_OFF)) - 5).mean() > 0.9, \
        f"{part}: the gaps between lamps are not darker than an unlit lamp"


def test_header_has_the_amber_title(pixels):
    L = layout_mod.compute(SIZE)
    h = L.header
    header = pixels[h.top:h.bottom, h.left:h.left + h.width // 3]
    amber = _near(header, theme.LAMP_ON, tol=30)
    assert amber.sum() > 500, f"only {amber.sum()} amber title pixels in the header"


def test_demo_without_a_display_falls_back_to_headless(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    proc = subprocess.run([sys.executable, "-m", "simulator", "demo", "--frames", "30"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "no display found" in proc.stderr
    said = [line for line in proc.stdout.splitlines() if line.startswith("panel written to ")]
    assert said, proc.stdout
    shot = tmp_path / said[-1].removeprefix("panel written to ")
    assert shot.is_file()
    with Image.open(shot) as im:
        assert im.format == "PNG" and im.size == (1920, 1080)


def test_full_screen_fills_the_screen_and_comes_back(xvfb, tmp_path):
    """The f key fills the X screen (no window manager, as on a kiosk) and restores the window."""
    code = (
        "import pygame\n"
        "from simulator.session import Session\n"
        "from simulator.panel.app import Panel, open_window\n"
        "p = Panel(Session(), open_window((1280, 720), headless=False, fullscreen=False))\n"
        "key = lambda: [p.handle(pygame.event.Event(t, key=pygame.K_f, mod=0))\n"
        "               for t in (pygame.KEYDOWN, pygame.KEYUP)]\n"
        "key(); p.draw(); pygame.display.flip()\n"
        "print(*pygame.display.get_surface().get_size(), *p.front.layout.size)\n"
        "key(); print(*pygame.display.get_surface().get_size(), *p.front.layout.size)\n")
    proc = subprocess.run([sys.executable, "-c", code], env=_x11_env(xvfb), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    full, back = proc.stdout.strip().splitlines()[-2:]
    assert full.split() == ["1920", "1080", "1920", "1080"]
    assert back.split() == ["1280", "720", "1280", "720"]
