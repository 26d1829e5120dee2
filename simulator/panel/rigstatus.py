"""The sensor rig's status on the panel: a small part drawn beside the card (``mark1 demo --rig``).

The words come from :class:`hardware.feed.RigFeed` (pygame-free); this only paints them: the
link's state beside a dot of its colour (green: connected, red: lost, dim: looking), under it
the calibration and whether the cards wait, and what the rig's buttons do now.
"""

from __future__ import annotations

import pygame

from . import readouts, theme


def draw(surface: pygame.Surface, rig, pos, width: int, px) -> None:
    """The rig's status line and its buttons' line at ``pos`` (top left), ``width`` pixels wide."""
    state = rig.status().state
    colour = {"connected": theme.RIGHT, "lost": theme.WRONG}.get(state, theme.DIM_TEXT)
    x, y = int(pos[0]), int(pos[1])
    r = px(7)
    pygame.draw.circle(surface, colour, (x + r, y + px(11)), r)
    readouts.label(surface, readouts.fit(rig.status_line(), px(20), width - 3 * r), (x + 3 * r, y),
                   px(20), colour)
    for i, line in enumerate(t for t in (rig.detail_line(), rig.help_line()) if t):
        readouts.label(surface, readouts.fit(line, px(17), width), (x, y + px(27) + i * px(22)), px(17),
                       theme.DIM_TEXT)
