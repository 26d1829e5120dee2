"""What the kiosk's screens share: text and buttons sized for two metres, steady lamps, the machine.

Every word a kiosk screen shows goes through :func:`text`, and every button through
:func:`button`, so the two rules for visitors hold in one place and a test can watch them:

- no text under :data:`MIN_TEXT_PX` (20 px) at the design size, 1280 x 720 (larger screens
  scale everything up by :class:`Frame`'s ``scale``);
- no touch target under :data:`MIN_TARGET_PX` (72 px) either way.

Light (:class:`Steady`): no lamp changes more often than every :data:`MIN_LAMP_PERIOD`
seconds, whatever the trainer's speed, so nothing flashes more than three times a second (the
usual photosensitivity guideline, WCAG 2.3.1). The lamps show the machine's true state as soon
as that is allowed: a visitor's stroke lights its cell at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from ...panel import lamps, potentiometers, readouts, theme

#: The kiosk's design size: sizes in the screens are pixels at this size, scaled to the screen.
DESIGN = (1280, 720)
#: The smallest text at the design size (readable from two metres).
MIN_TEXT_PX = 20
#: The smallest touch target at the design size, both ways (a fingertip with room to spare).
MIN_TARGET_PX = 72
#: Shortest time between two changes of one lamp: at most 1.5 on-off flashes a second, well
#: under the guideline's three.
MIN_LAMP_PERIOD = 1 / 3

BACKGROUND = theme.PANEL
PROMPT = theme.LAMP_ON


@dataclass(frozen=True)
class Frame:
    """The design size fitted into the screen: scale and the offset that centres it.

    Parameters
    ----------
    size : tuple of int
        The screen's width and height.
    """

    size: tuple[int, int]

    @property
    def scale(self) -> float:
        return min(self.size[0] / DESIGN[0], self.size[1] / DESIGN[1])

    @property
    def offset(self) -> tuple[int, int]:
        s = self.scale
        return (int((self.size[0] - DESIGN[0] * s) / 2), int((self.size[1] - DESIGN[1] * s) / 2))

    def px(self, v: float) -> int:
        """A length of ``v`` design pixels on this screen."""
        return int(round(v * self.scale))

    def rect(self, x: float, y: float, w: float, h: float) -> pygame.Rect:
        """A rectangle given in design pixels, on this screen."""
        ox, oy = self.offset
        s = self.scale
        return pygame.Rect(ox + int(round(x * s)), oy + int(round(y * s)),
                           int(round(w * s)), int(round(h * s)))

    def at(self, x: float, y: float) -> tuple[int, int]:
        ox, oy = self.offset
        return ox + int(round(x * self.scale)), oy + int(round(y * self.scale))


def text(surface: pygame.Surface, words: str, pos, px: int, colour=theme.ENGRAVING,
         anchor: str = "topleft") -> pygame.Rect:
    """Draw one line of a kiosk screen's text (the one way they draw text)."""
    return readouts.label(surface, words, pos, px, colour, anchor=anchor)


def wrap(words: str, px: int, width: int, lines: int) -> list[str]:
    """``words`` broken into at most ``lines`` lines of ``width`` pixels."""
    return readouts.wrap(words, px, width, lines)


def wrap_fitting(words: str, px: int, width: int, lines: int, least: int) -> tuple[int, list[str]]:
    """The largest size from ``px`` down to ``least`` at which ``words`` fit ``lines`` lines of
    ``width`` pixels whole (cut with an ellipsis only at ``least``), and those lines."""
    while True:
        out = wrap(words, px, width, lines)
        if px <= least or " ".join(out) == " ".join(readouts.shown(words).split()):
            return px, out
        px = max(least, px - 2)


def fitting(words: str, px: int, width: int, least: int) -> int:
    """The largest size from ``px`` down to ``least`` at which ``words`` fit ``width``."""
    while px > least and theme.font(px).size(readouts.shown(words))[0] > width:
        px -= 1
    return px


def button(surface: pygame.Surface, rect: pygame.Rect, words: str, px: int, *, lit: bool = False,
           least: int | None = None) -> None:
    """A big push-button: a plain word or two, never smaller than ``least`` (one or two lines)."""
    least = px if least is None else least
    face = (96, 76, 46) if lit else (58, 52, 46)
    radius = max(4, rect.height // 6)
    pygame.draw.rect(surface, face, rect, border_radius=radius)
    pygame.draw.rect(surface, theme.LAMP_ON if lit else theme.BEZEL_LIGHT, rect,
                     max(2, rect.height // 30), border_radius=radius)
    room = rect.width - max(8, rect.height // 5)
    size = fitting(words, px, room, least)
    lines = [words]
    if theme.font(size).size(words)[0] > room and " " in words:
        cut = min((i for i, ch in enumerate(words) if ch == " "), key=lambda i: abs(i - len(words) / 2))
        lines = [words[:cut], words[cut + 1:]]
        size = min(fitting(line, px, room, least) for line in lines)
    step = theme.font(size).get_linesize()
    top = rect.centery - step * (len(lines) - 1) / 2
    for i, line in enumerate(lines):
        text(surface, line, (rect.centerx, int(top + i * step)), size,
             theme.LAMP_HOT if lit else theme.ENGRAVING, anchor="center")


class Steady:
    """Lamps that show a changing pattern without flashing: each lamp changes at most every
    ``period`` seconds, and follows the true state as soon as that allows.

    Parameters
    ----------
    period : float
        Seconds between two changes of one lamp.

    Attributes
    ----------
    shown_ : numpy.ndarray of bool or None
        What the lamps show now.
    """

    def __init__(self, *, period: float = MIN_LAMP_PERIOD):
        self.period = period
        self.shown_ = None
        self.since_ = None     # seconds since each lamp last changed

    def update(self, target, dt: float) -> np.ndarray:
        """Move the shown lamps toward ``target`` after ``dt`` seconds; returns :attr:`shown_`."""
        target = np.asarray(target, bool)
        if self.shown_ is None or self.shown_.shape != target.shape:
            self.shown_ = target.copy()
            self.since_ = np.full(target.shape, self.period)
            return self.shown_
        self.since_ += max(0.0, dt)
        change = (target != self.shown_) & (self.since_ >= self.period)
        if change.any():
            self.shown_ = self.shown_.copy()   # drawn frames may keep the old array
            self.shown_[change] = target[change]
            self.since_[change] = 0.0
        return self.shown_

    def settled(self, target) -> bool:
        """Whether the lamps show ``target`` (else frames must keep coming until they do)."""
        return self.shown_ is not None and np.array_equal(self.shown_, np.asarray(target, bool))


class Machine:
    """The machine drawn for visitors: the eye, the A-unit lamps, the answer lamps, the dials.

    One per screen; each holds the steady lamps and the needles it draws, advanced by
    :meth:`update` and drawn into rectangles the screen chooses.
    """

    def __init__(self):
        self.eye = Steady()
        self.a_units = Steady()
        self.answers = Steady()
        self.needles = potentiometers.Needles()
        self.heat_needles = potentiometers.Needles()
        self.eye_grid = None
        self.a_grid = None
        self.dials = potentiometers.DialStrip(12, 3)
        self.heatmap = potentiometers.HeatMap()
        self.r_unit = 0            # whose dials are shown: the last one corrected
        self.moving = False
        self.drawn_ = {}           # what the last draw lit: "eye", "a_units", "answers"
        self._pots_key = None
        self._pots = None

    def _targets(self, view):
        key = (view.generation, view.weights_version)
        if key != self._pots_key:
            k = len(view.class_names)
            w = view.weights[:, :k]
            scale = potentiometers.full_scale(w, view.weight_limit)
            self._pots = (w[:self.dials.cols * self.dials.rows] / scale,
                          potentiometers.condense(w, 128) / scale)
            self._pots_key = key
        return self._pots

    def update(self, view, dt: float) -> None:
        """Advance the lamps and the needle motors by ``dt`` seconds toward ``view``."""
        self.eye.update(view.s_activity, dt)
        self.a_units.update(view.a_activity.astype(bool), dt)
        self.answers.update(view.class_lamps, dt)
        if view.correction is not None and len(view.correction.r_units):
            first = int(view.correction.r_units[0])
            if first < len(view.class_names):
                self.r_unit = first
        dials, heat = self._targets(view)
        moving = self.needles.update(dials, dt)
        self.moving = self.heat_needles.update(heat, dt) or moving

    def busy(self, view) -> bool:
        """Lamps still catching up, or needles turning."""
        return (self.moving or not self.eye.settled(view.s_activity)
                or not self.a_units.settled(view.a_activity.astype(bool))
                or not self.answers.settled(view.class_lamps))

    def key(self):
        """Changes whenever the drawing would."""
        return (self.eye.shown_.tobytes() if self.eye.shown_ is not None else None,
                self.a_units.shown_.tobytes() if self.a_units.shown_ is not None else None,
                self.answers.shown_.tobytes() if self.answers.shown_ is not None else None,
                None if self.needles.shown is None else self.needles.shown.tobytes(), self.r_unit)

    def answer(self, view) -> int | None:
        """The answer the steady lamps show: the one class lit, else None."""
        lit = np.flatnonzero(self.answers.shown_) if self.answers.shown_ is not None else []
        return int(lit[0]) if len(lit) == 1 else None

    def draw_answer_words(self, surface, view, words, names, at, px: int, width: int, least: int,
                          spacing: float) -> None:
        """"The machine says: LEFT" (what the lamps show) in up to two lines centred on ``at``,
        shrunk from ``px`` toward ``least`` until it fits ``width``."""
        said = self.answer(view)
        answer = words.text("visitor.answer", answer=names[said] if said is not None
                            else words.text("visitor.answer_none"))
        px, lines = wrap_fitting(answer, px, width, 2, least)
        for i, line in enumerate(lines):
            text(surface, line, (at[0], at[1] + int(px * spacing) * i), px, theme.LAMP_HOT,
                 anchor="midtop")

    def _ready(self, view) -> None:
        """Lamps and needles for ``view`` even if no time has passed yet (a first frame)."""
        if self.eye.shown_ is None or self.needles.shown is None:
            self.update(view, 0.0)

    def draw_eye(self, surface, rect: pygame.Rect, view) -> None:
        self._ready(view)
        n = view.retina_size
        if self.eye_grid is None or self.eye_grid.cols != n:
            self.eye_grid = lamps.LampGrid(n, n)
        readouts.bezel(surface, rect, rect.width / 400)
        self.eye_grid.draw(surface, rect, self.eye.shown_.astype(np.float32))
        self.drawn_["eye"] = self.eye.shown_

    def draw_a_units(self, surface, rect: pygame.Rect, view) -> None:
        self._ready(view)
        n = view.a_units
        cols = 32 if n <= 512 else int(np.ceil(np.sqrt(n * 2)))
        rows = int(np.ceil(n / cols))
        if self.a_grid is None or (self.a_grid.cols, self.a_grid.count) != (cols, n):
            self.a_grid = lamps.LampGrid(cols, rows, n)
        readouts.bezel(surface, rect, rect.width / 500)
        self.a_grid.draw(surface, rect, self.a_units.shown_.astype(np.float32))
        self.drawn_["a_units"] = self.a_units.shown_

    def draw_answers(self, surface, rect: pygame.Rect, view, names, px: int) -> None:
        self._ready(view)
        """One big lamp per class with its name under it, side by side in ``rect``."""
        k = len(names)
        cw = rect.width / k
        d = int(min(cw * 0.55, rect.height - px * 1.6))
        for i, name in enumerate(names):
            lit = bool(self.answers.shown_[i])
            spr = lamps.sprite(d, 1.0 if lit else 0.0)
            cx = int(rect.x + (i + 0.5) * cw)
            surface.blit(spr, spr.get_rect(center=(cx, rect.y + d // 2 + d // 8)))
            text(surface, name, (cx, rect.bottom), px, theme.LAMP_HOT if lit else theme.DIM_TEXT,
                 anchor="midbottom")
        self.drawn_["answers"] = self.answers.shown_

    def draw_dials(self, surface, rect: pygame.Rect, view) -> None:
        self._ready(view)
        readouts.bezel(surface, rect, rect.width / 500)
        shown = self.needles.shown
        if shown is None:
            return
        r = min(self.r_unit, shown.shape[1] - 1)
        moving = None
        if self.moving and view.correction is not None and r in view.correction.r_units:
            moving = np.zeros(len(shown), bool)
            a = view.correction.a_units
            moving[a[a < len(shown)]] = True
        self.dials.draw(surface, rect, shown[:, r], moving)

    def draw_heat(self, surface, rect: pygame.Rect, view) -> None:
        self._ready(view)
        shown = self.heat_needles.shown
        if shown is not None:
            readouts.bezel(surface, rect, rect.width / 500)
            self.heatmap.draw(surface, rect, shown, min(self.r_unit, shown.shape[1] - 1))


class Languages:
    """The languages offered, and the one shown now (switched live by the visitor's buttons).

    Parameters
    ----------
    offered : dict of str to Captions
        Every language offered (:func:`simulator.kiosk.captions.offered`), the default first.
    start : str
        The language shown first, and again after each visitor.
    """

    def __init__(self, *, offered: dict, start: str):
        self.offered = offered
        self.start = start
        self.code_ = start if start in offered else next(iter(offered))

    @property
    def codes(self) -> list[str]:
        return list(self.offered)

    @property
    def current(self):
        """The :class:`~simulator.kiosk.captions.Captions` shown now."""
        return self.offered[self.code_]

    def choose(self, code: str) -> None:
        if code in self.offered:
            self.code_ = code

    def name(self, code: str) -> str:
        """A language's own name for itself ("Deutsch"), for its button."""
        try:
            return self.offered[code].text("language_name")
        except KeyError:
            return code.upper()


def language_buttons(frame: Frame, languages: Languages) -> list[tuple[str, pygame.Rect]]:
    """The language buttons, top right, right to left: (code, rect)."""
    out = []
    x = 1200   # clear of the top right corner, which is the staff's gesture
    for code in reversed(languages.codes):
        w = max(MIN_TARGET_PX, 24 + theme.font(frame.px(24)).size(languages.name(code))[0] / frame.scale)
        x -= w
        out.append((code, frame.rect(x, 24, w, MIN_TARGET_PX)))
        x -= 12
    return list(reversed(out))


def class_words(captions, names) -> list[str]:
    """The classes in the visitor's language: LEFT and RIGHT translated, other names as they are."""
    said = {"LEFT": "visitor.answer_left", "RIGHT": "visitor.answer_right"}
    return [captions.text(said[n]) if n in said else n for n in names]
