"""The controls: on-screen buttons and the keyboard, listed by the help card (h)."""

from __future__ import annotations

import pygame

from . import theme
from .readouts import label, rendered

#: (keys shown, action, what it does) for the help card; the keys themselves are in
#: :data:`simulator.input.PANEL_KEYS`.
KEYS = [
    ("space", "run", "run / pause the trainer"),
    ("n  or  right", "step", "one trial: next card, answer, correction"),
    ("+  /  -", "faster / slower", "speed of the trainer"),
    ("c", "new card", "deal a new card of the experiment"),
    ("x", "clear", "blank the retina, to draw your own"),
    ("mouse / finger", "draw", "paint on the photocells; start on a lit cell to erase"),
    ("1 .. 8", "teach", "teach the card as class 1 .. 8 (the buttons at right)"),
    ("r", "reset pots", "centre every potentiometer: forget"),
    ("w", "rewire", "a new random plugboard"),
    ("e", "experiment", "next experiment's cards"),
    ("p", "plugboard", "show wires of the photocell or A-unit under the pointer"),
    ("a", "after 1958", "the page where a hidden layer learns XOR"),
    ("ctrl+s  /  ctrl+o", "save / load", "the machine's state file"),
    ("drop a picture", "picture", "show a picture file to the eye"),
    ("f  or  F11", "full screen", "full screen on / off"),
    ("h  or  ?", "help", "this card"),
    ("q  or  esc", "quit", "leave (esc closes this card first)"),
]


def button(target: pygame.Surface, rect: pygame.Rect, text: str, scale: float, *,
           lit: bool = False, hover: bool = False) -> None:
    """A square panel push-button with an engraved caption; ``lit`` for a latched button."""
    face = (92, 74, 48) if lit else (62, 56, 50) if hover else (50, 45, 40)
    pygame.draw.rect(target, face, rect, border_radius=max(2, int(6 * scale)))
    pygame.draw.rect(target, theme.LAMP_ON if lit else theme.BEZEL_LIGHT, rect,
                     max(1, int(2 * scale)), border_radius=max(2, int(6 * scale)))
    px = max(theme.MIN_TEXT_PX, int(17 * scale))
    words = text.upper()
    room = rect.width - 6
    while theme.font(px).size(words)[0] > room and px > theme.MIN_TEXT_PX:
        px -= 1
    lines = [words]
    if theme.font(px).size(words)[0] > room and " " in words:
        # rather two lines than letters too small to read
        cut = min((i for i, ch in enumerate(words) if ch == " "),
                  key=lambda i: abs(i - len(words) / 2))
        lines = [words[:cut], words[cut + 1:]]
    colour = theme.LAMP_HOT if lit else theme.ENGRAVING
    step = theme.font(px).get_linesize()
    top = rect.centery - step * (len(lines) - 1) / 2
    for i, line in enumerate(lines):
        surf = rendered(line, px, colour)
        if surf.get_width() > room:  # one long word: condensed, like a narrow panel label
            surf = pygame.transform.smoothscale(surf, (room, surf.get_height()))
        target.blit(surf, surf.get_rect(center=(rect.centerx, int(top + i * step))))


def help_card(target: pygame.Surface, scale: float) -> None:
    """The list of controls, over the panel."""
    w, h = target.get_size()
    card = pygame.Rect(0, 0, int(1180 * scale), int(900 * scale))
    card.center = (w // 2, h // 2)
    shade = pygame.Surface((w, h), pygame.SRCALPHA)
    shade.fill((0, 0, 0, 170))
    target.blit(shade, (0, 0))
    pygame.draw.rect(target, theme.BEZEL, card, border_radius=int(14 * scale))
    pygame.draw.rect(target, theme.LAMP_ON, card, max(1, int(3 * scale)), border_radius=int(14 * scale))
    px = max(8, int(24 * scale))
    label(target, "CONTROLS", (card.x + 40 * scale, card.y + 28 * scale), int(px * 1.3), theme.LAMP_ON)
    y = card.y + 90 * scale
    for keys, _, what in KEYS:
        label(target, keys, (card.x + 40 * scale, y), px, theme.LAMP_HOT)
        label(target, what, (card.x + 360 * scale, y), px, theme.ENGRAVING)
        y += px * 1.55
    label(target, "press h or esc to close", (card.centerx, card.bottom - 30 * scale),
          max(8, int(18 * scale)), theme.DIM_TEXT, anchor="center")
