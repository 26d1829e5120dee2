"""Where everything sits on the panel, for any window size.

Laid out as the hardware was: sensory units on the left, association units in the middle,
responses and controls on the right. Positions are designed at 1920 x 1080 and scaled
uniformly (centred, letterboxed) so lamps stay round at any aspect ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from .theme import DESIGN_H, DESIGN_W, MIN_H, MIN_W

BUTTONS = ("step", "run", "slower", "faster", "new card", "clear", "reset pots", "rewire",
           "experiment", "save", "load", "after 1958", "full screen", "help", "quit")


@dataclass
class Layout:
    """Rectangles of every part of the panel, in window pixels."""

    size: tuple[int, int]
    scale: float
    header: pygame.Rect
    card: pygame.Rect
    retina: pygame.Rect        # the 20 x 20 photocell lamps (also the drawing surface)
    a_lamps: pygame.Rect       # 512 A-unit lamps
    teletype: pygame.Rect
    curve: pygame.Rect
    r_lamps: pygame.Rect
    answer: pygame.Rect
    dials: pygame.Rect         # the selected R-unit's potentiometers
    heatmap: pygame.Rect       # all potentiometers
    teach: pygame.Rect
    buttons: dict[str, pygame.Rect]
    too_small: bool

    def rect(self, x: float, y: float, w: float, h: float) -> pygame.Rect:
        """A rectangle given at the design size (1920 x 1080), in window pixels."""
        return design_rect(self.size, x, y, w, h)

    def px(self, design: float) -> int:
        """A design length (at 1920 x 1080) in window pixels."""
        return max(1, int(round(design * self.scale)))


def design_rect(size, x: float, y: float, w: float, h: float) -> pygame.Rect:
    """A rectangle given at 1920 x 1080, scaled and centred into a window of ``size``."""
    s = min(size[0] / DESIGN_W, size[1] / DESIGN_H)
    ox, oy = (size[0] - DESIGN_W * s) / 2, (size[1] - DESIGN_H * s) / 2
    return pygame.Rect(round(ox + x * s), round(oy + y * s), round(w * s), round(h * s))


def compute(size: tuple[int, int]) -> Layout:
    """The layout for a window of ``size`` (width, height)."""
    w, h = size
    s = min(w / DESIGN_W, h / DESIGN_H)

    def R(x, y, rw, rh):
        return design_rect(size, x, y, rw, rh)

    bw, gap = 116, 8
    buttons = {name: R(30 + i * (bw + gap), 1000, bw, 56) for i, name in enumerate(BUTTONS)}
    return Layout(
        size=(w, h), scale=s,
        header=R(0, 0, DESIGN_W, 78),
        card=R(40, 120, 200, 200),
        retina=R(40, 380, 520, 520),
        a_lamps=R(660, 120, 576, 288),
        teletype=R(660, 470, 576, 236),
        curve=R(660, 770, 576, 130),
        r_lamps=R(1300, 120, 580, 118),
        answer=R(1300, 250, 580, 60),
        dials=R(1300, 360, 576, 256),
        heatmap=R(1300, 674, 576, 128),   # tall enough to name 5 rows (26 letters, binary)
        teach=R(1300, 830, 580, 72),
        buttons=buttons,
        too_small=w < MIN_W or h < MIN_H,
    )


def grid_cell(rect: pygame.Rect, cols: int, rows: int, pos) -> tuple[int, int] | None:
    """(row, col) of the grid cell under ``pos`` in a cols x rows grid filling ``rect``."""
    if not rect.collidepoint(pos):
        return None
    col = int((pos[0] - rect.x) * cols / rect.width)
    row = int((pos[1] - rect.y) * rows / rect.height)
    return min(row, rows - 1), min(col, cols - 1)


def grid_centres(rect: pygame.Rect, cols: int, rows: int, count: int | None = None):
    """Centres (x, y) of the cells of a cols x rows grid filling ``rect``, row by row."""
    cw, ch = rect.width / cols, rect.height / rows
    n = cols * rows if count is None else count
    return [(rect.x + (i % cols + 0.5) * cw, rect.y + (i // cols + 0.5) * ch) for i in range(n)]
