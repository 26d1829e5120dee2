"""The kiosk's out-of-order card: a calm, still screen when the exhibit cannot run.

Shown after too many crashes in an hour (the supervisor starts the exhibit with
``--out-of-order``) or after a fault: the Mark I's name and, in every language offered, one
sentence saying the exhibit is resting and to ask a member of staff. Nothing on it moves or
flashes and nothing on it answers a visitor's touch (the staff's corner gesture is the flow's,
not the card's), so that it looks deliberate, not broken. It is drawn once: its frame key only
changes with the window's size.
"""

from __future__ import annotations

import pygame

from ...panel import readouts, theme
from . import staff

#: The card's colours: the panel's dark, a quiet frame, warm lettering.
_FRAME = theme.BEZEL_LIGHT


class OutOfOrderScene:
    """The out-of-order card.

    Parameters
    ----------
    captions : Captions or sequence of Captions
        The words (``out_of_order.*``, ``attract.title``); given several languages, each
        language's sentence is shown, the first one largest.
    size : tuple of int
        The window's size.
    """

    mode = "kiosk"

    def __init__(self, *, captions, size):
        self.captions = captions
        self.size = tuple(size)

    def _languages(self) -> list:
        if hasattr(self.captions, "text"):
            return [self.captions]
        return list(self.captions.values() if hasattr(self.captions, "values") else self.captions)

    def handle(self, action) -> bool:
        """Consume every pointer action and do nothing with it; lay out again on a resize."""
        if action.name == "resize":
            self.size = tuple(action.value)
            return True
        return action.name in ("press", "erase", "drag", "release", "hover")

    def update(self, dt: float) -> None:
        """Nothing moves on the card."""

    def busy(self) -> bool:
        return False

    def frame_key(self):
        return ("out of order", self.size)

    def draw(self, surface: pygame.Surface) -> None:
        """The card: a frame, the machine's name, the message, and a dark lamp."""
        w, h = surface.get_size()
        scale = min(w / staff.DESIGN[0], h / staff.DESIGN[1])

        def px(design):
            return max(theme.MIN_TEXT_PX, round(design * scale))

        def at(x, y):
            return (round((w - staff.DESIGN[0] * scale) / 2 + x * scale),
                    round((h - staff.DESIGN[1] * scale) / 2 + y * scale))

        surface.fill(theme.PANEL)
        card = pygame.Rect(at(120, 110), (round(1040 * scale), round(500 * scale)))
        radius = max(2, round(18 * scale))
        pygame.draw.rect(surface, theme.BEZEL, card, border_radius=radius)
        pygame.draw.rect(surface, _FRAME, card, max(1, round(3 * scale)), border_radius=radius)
        languages = self._languages()
        width = card.width - px(80)
        # what the card says, as (words, design px, colour, design space after); centred as a block
        rows = [(languages[0].text("attract.title"), 28, theme.DIM_TEXT, 22), (None, 52, None, 40)]
        for i, words in enumerate(languages[:2]):   # two fit the card at a size read from afar
            big, small = (44, 28) if i == 0 else (26, 22)
            colour = theme.ENGRAVING if i == 0 else theme.DIM_TEXT
            rows.append((words.text("out_of_order.title"), big, colour, 16))
            rows += [(line, small, colour, 10) for line in
                     readouts.wrap(words.text("out_of_order.message"), px(small), width, lines=2)]
            rows[-1] = rows[-1][:3] + (34,)
        height = sum(size + after for _, size, _, after in rows) - rows[-1][3]
        y = 110 + (500 - height) / 2
        for words, size, colour, after in rows:
            if words is None:   # one lamp, unlit: the machine is at rest, not failing
                centre = at(640, y + size / 2)
                pygame.draw.circle(surface, theme.LAMP_OFF, centre, round(size / 2 * scale))
                pygame.draw.circle(surface, _FRAME, centre, round(size / 2 * scale), max(1, round(2 * scale)))
            else:
                staff.text(surface, readouts.fit(words, px(size), width), at(640, y), px(size), colour,
                           anchor="midtop")
            y += size + after
