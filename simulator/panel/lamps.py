"""Lamps: glowing incandescent bulbs, drawn once as sprites and blitted in grids."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pygame

from . import theme


@lru_cache(maxsize=64)
def sprite(diameter: int, level: float, colour=theme.LAMP_ON) -> pygame.Surface:
    """A lamp of ``diameter`` pixels lit to ``level`` (0 dark .. 1 full), with its glow.

    The glow reaches a little past the bulb, so the sprite is 1.5 x the diameter; blit it
    centred on the lamp's place.
    """
    size = max(3, int(diameter * 1.5))
    r = diameter / 2
    yy, xx = np.mgrid[0:size, 0:size] + 0.5 - size / 2
    d = np.hypot(xx, yy) / r                       # 1.0 at the bulb's rim
    off = np.array(theme.LAMP_OFF, np.float32)
    on = np.array(colour, np.float32)
    hot = np.array(theme.LAMP_HOT, np.float32)
    body = off + (on - off) * level
    core = np.clip(1 - d / 0.55, 0, 1)[..., None] * level
    rgb = body + (hot - body) * core
    # a faint specular highlight keeps a dark bulb looking like glass
    spec = np.clip(1 - np.hypot(xx + r * 0.3, yy + r * 0.3) / (r * 0.35), 0, 1)[..., None] * 0.25
    rgb = np.clip(rgb + (255 - rgb) * spec, 0, 255)
    bulb = np.clip((1.0 - d) * r * 1.5, 0, 1)       # anti-aliased rim
    glow = np.clip(1.0 - (d - 1.0) / 0.5, 0, 1) ** 2 * 0.55 * level * (d > 1.0)
    alpha = np.maximum(bulb, glow)
    rgb = np.where((d > 1.0)[..., None], on, rgb)
    surf = pygame.Surface((size, size), pygame.SRCALPHA)
    pygame.surfarray.blit_array(surf, rgb.astype(np.uint8).transpose(1, 0, 2))
    pygame.surfarray.pixels_alpha(surf)[:] = (alpha * 255).astype(np.uint8).T
    return surf


class LampGrid:
    """A grid of lamps whose picture is rebuilt only when the lit pattern changes.

    Parameters
    ----------
    cols, rows : int
        Grid shape; lamps fill it row by row.
    count : int, optional
        Lamps actually present (the last row may be short).
    """

    def __init__(self, cols: int, rows: int, count: int | None = None):
        self.cols, self.rows = cols, rows
        self.count = cols * rows if count is None else count
        self._key = None
        self._surface = None

    def draw(self, target: pygame.Surface, rect: pygame.Rect, levels: np.ndarray) -> None:
        """Draw the lamps lit to ``levels`` (count,) in [0, 1] into ``rect``."""
        q = np.rint(np.clip(levels, 0, 1) * 4).astype(np.uint8)  # 5 brightness steps
        key = (rect.size, q.tobytes())
        if key != self._key:
            self._surface = self._render(rect.size, q)
            self._key = key
        target.blit(self._surface, rect.topleft)

    def _render(self, size, q) -> pygame.Surface:
        surf = pygame.Surface(size, pygame.SRCALPHA)
        cw, ch = size[0] / self.cols, size[1] / self.rows
        diameter = max(3, int(min(cw, ch) * 0.74))
        sprites = [sprite(diameter, lv / 4) for lv in range(5)]
        half = sprites[0].get_width() / 2
        surf.fblits([(sprites[q[i]], ((i % self.cols + 0.5) * cw - half,
                                      (i // self.cols + 0.5) * ch - half))
                     for i in range(self.count)])
        return surf
