"""The countdown: "Still there? Resetting in N", shown over the visitor's turn.

Any touch cancels it (the flow's ``touch``: the app takes this scene away and the visitor
carries on); at 0 the flow resets the machine and the attract loop comes back. The seconds
are the flow's (:attr:`simulator.kiosk.flow.Flow.countdown_seconds`), never counted here.
"""

from __future__ import annotations

import pygame

from ...input import Action
from ...panel import theme
from . import parts


class CountdownScene:
    """The idle countdown over the scene below it (mode "kiosk").

    Parameters
    ----------
    below : Scene
        The visitor's turn, drawn dimmed behind the countdown.
    flow : Flow
        The kiosk's flow (its seconds are read; a touch is given to it through ``port``).
    port : object
        Has ``handle(action, value=None)``: where a touch goes (the app applies its effects).
    languages : parts.Languages
        The words shown.
    size : tuple of int
        The screen's size.
    """

    mode = "kiosk"

    def __init__(self, *, below, flow, port, languages, size):
        self.below = below
        self.flow = flow
        self.port = port
        self.languages = languages
        self.frame = parts.Frame(tuple(size))

    def handle(self, action: Action) -> bool:
        if action.name == "resize":
            self.frame = parts.Frame(tuple(action.value))
            return True
        if action.name in ("press", "erase"):
            self.port.handle("touch")
            return True
        return action.name in ("drag", "release", "hover")

    def update(self, dt: float) -> None:
        pass   # the scene below keeps its own time (the stack updates it)

    def busy(self) -> bool:
        return False

    def frame_key(self):
        return (self.flow.countdown_seconds, self.languages.code_, self.frame.size, self.below.frame_key())

    def button(self) -> pygame.Rect:
        return self.frame.rect(440, 470, 400, 96)

    def draw(self, surface) -> None:
        if surface.get_size() != self.frame.size:
            self.frame = parts.Frame(surface.get_size())
        f, words = self.frame, self.languages.current
        self.below.draw(surface)
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 190))
        surface.blit(shade, (0, 0))
        box = f.rect(140, 150, 1000, 450)
        pygame.draw.rect(surface, theme.BEZEL, box, border_radius=f.px(20))
        pygame.draw.rect(surface, theme.LAMP_ON, box, max(2, f.px(4)), border_radius=f.px(20))
        message = words.text("countdown.message", seconds=self.flow.countdown_seconds)
        lines = parts.wrap(message, f.px(56), f.px(920), 2)
        top = 230 if len(lines) == 1 else 195
        for i, line in enumerate(lines):
            parts.text(surface, line, f.at(640, top + 74 * i), f.px(56), theme.LAMP_HOT, anchor="midtop")
        for i, line in enumerate(parts.wrap(words.text("countdown.hint"), f.px(32), f.px(920), 2)):
            parts.text(surface, line, f.at(640, top + 74 * len(lines) + 40 + 42 * i), f.px(32),
                       theme.ENGRAVING, anchor="midtop")
        parts.button(surface, self.button(), words.text("buttons.still_here"), f.px(34), lit=True,
                     least=f.px(24))
