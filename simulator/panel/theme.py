"""The panel's look: a dark instrument panel with warm lamp glow, sized for two metres."""

from __future__ import annotations

from functools import lru_cache

import pygame

from ..assets import asset_path

PANEL = (24, 22, 20)
BEZEL = (44, 40, 36)
BEZEL_LIGHT = (70, 64, 56)
ENGRAVING = (214, 200, 170)   # label text, like engraved white-filled lettering
DIM_TEXT = (150, 140, 120)
LAMP_OFF = (58, 46, 34)
LAMP_ON = (255, 178, 64)      # incandescent amber
LAMP_HOT = (255, 236, 190)
EXCITE = (255, 170, 60)
INHIBIT = (110, 160, 255)
WRONG = (235, 80, 60)
RIGHT = (120, 220, 120)
PAPER = (236, 228, 206)       # the card in front of the eye
INK = (30, 26, 22)

#: The layout is designed at this size and scaled to the window.
DESIGN_W, DESIGN_H = 1920, 1080
MIN_W, MIN_H = 800, 450
#: No text smaller than this, however small the window: below it captions stop being read.
MIN_TEXT_PX = 12


@lru_cache(maxsize=32)
def font(px: int) -> pygame.font.Font:
    """The panel's typeface (DejaVu Sans Bold, shipped in assets/), never below
    :data:`MIN_TEXT_PX`."""
    return pygame.font.Font(str(asset_path("fonts", "DejaVuSans-Bold.ttf")),
                            max(MIN_TEXT_PX, int(px)))


@lru_cache(maxsize=8)
def mono(px: int) -> pygame.font.Font:
    """The teletype's typeface (DejaVu Sans Mono Bold)."""
    return pygame.font.Font(str(asset_path("fonts", "DejaVuSansMono-Bold.ttf")),
                            max(MIN_TEXT_PX, int(px)))
