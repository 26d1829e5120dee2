"""The visitor's turn: the same machine with fewer, bigger parts, and four big buttons.

The visitor draws on the eye with a finger (or the mouse; a stroke that starts on a lit cell
erases, as on the engineer's panel), or takes a new card; the machine answers at once, in big
words and on its answer lamps; "Teach: Left" / "Teach: Right" tell it the right answer, and the
dials of the R-unit corrected turn. Every touch is also the flow's ``touch`` (the idle timer
starts again) and every teaching its ``teach`` (counted).
"""

from __future__ import annotations

from ...input import Action
from ...panel import theme
from . import parts

#: The eye's place at the design size: 20 x 20 cells of 21 px, big enough for a finger's stroke.
EYE = (40, 110, 420, 420)
#: The buttons' row at the design size.
BUTTONS_Y, BUTTONS_H = 600, 96


class VisitorScene:
    """A visitor's turn (mode "kiosk": no keys).

    Parameters
    ----------
    session : Session
        The machine, reset to its known state for this visitor by the app.
    flow : object
        Has ``handle(action, value=None)``: the kiosk's flow.
    languages : parts.Languages
        The words shown.
    size : tuple of int
        The screen's size.
    """

    mode = "kiosk"

    def __init__(self, *, session, flow, languages, size):
        self.session = session
        self.flow = flow
        self.languages = languages
        self.frame = parts.Frame(tuple(size))
        self.machine = parts.Machine()
        self.stroke = None           # the paint value while a finger is down on the eye
        # Cells the finger crossed since the machine last looked, and the machine they are for
        # (its generation): a touch screen reports a moving finger 60 to 120 times a second, so
        # the machine looks once a frame (or at the next other action), not once a report.
        self._painted: list[tuple[int, int]] = []
        self._painted_for = None
        self.said = "visitor.start"  # the line of advice shown
        self.first_trial_ = session.view().trials

    # ------------------------------------------------------------------ layout
    def buttons(self) -> list[tuple[str, object, str]]:
        """(action, rect, words) of each button: new card, clear, then one "teach" per class."""
        f, words = self.frame, self.languages.current
        names = parts.class_words(words, self.session.view().class_names)
        teach = words.text("buttons.teach")
        items = [("new card", words.text("buttons.new_card")), ("clear", words.text("buttons.clear"))]
        items += [(f"teach {k}", f"{teach}: {name.capitalize()}") for k, name in enumerate(names)]
        gap = 20
        w = (1200 - gap * (len(items) - 1)) / len(items)
        return [(name, f.rect(40 + i * (w + gap), BUTTONS_Y, w, BUTTONS_H), text)
                for i, (name, text) in enumerate(items)]

    def eye_rect(self):
        return self.frame.rect(*EYE)

    def _cell(self, pos):
        rect, n = self.eye_rect(), self.session.view().retina_size
        if pos is None or not rect.collidepoint(pos):
            return None
        return (min(n - 1, int((pos[1] - rect.y) * n / rect.height)),
                min(n - 1, int((pos[0] - rect.x) * n / rect.width)))

    # ------------------------------------------------------------------ input
    def handle(self, action: Action) -> bool:
        name, pos = action.name, action.pos
        if name != "drag":
            self._look()
        if name == "resize":
            self.frame = parts.Frame(tuple(action.value))
            return True
        if name in ("press", "erase"):
            self.flow.handle("touch")
            cell = self._cell(pos)
            if cell is not None:
                value = 0.0 if name == "erase" else None
                if value is None:
                    value = 0.0 if self.session.view().card[cell] >= 0.5 else 1.0
                self.stroke = value
                self._paint(cell)
                return True
            for act, rect, _ in self.buttons():
                if rect.collidepoint(pos):
                    self.act(act)
                    return True
            return True
        if name == "drag":
            if self.stroke is not None:
                self.flow.handle("touch")
                cell = self._cell(pos)
                if cell is not None:
                    self._paint(cell)
            return True
        if name == "release":
            self.stroke = None
            return True
        return name == "hover"

    def _paint(self, cell) -> None:
        if not self._painted:
            self._painted_for = (self.session.view().generation, self.stroke)
        elif self._painted_for[1] != self.stroke:
            self._look()
            return self._paint(cell)
        self._painted.append(cell)
        self.said = "visitor.teach_prompt"

    def _look(self) -> None:
        """Put the cells painted since the last look on the eye, one look for them all
        (dropped if the machine was replaced since: a reset clears the drawing)."""
        if self._painted:
            cells, (generation, value) = self._painted, self._painted_for
            self._painted = []
            if generation == self.session.view().generation:
                self.session.paint_cells(cells, value)

    def act(self, name: str) -> None:
        """Press the button ``name``: "new card", "clear" or "teach K"."""
        s = self.session
        if name == "new card":
            s.deal()
            self.said = "visitor.teach_prompt"
        elif name == "clear":
            s.clear()
            self.said = "visitor.start"
        elif name.startswith("teach "):
            s.teach(int(name[6:]))
            self.flow.handle("teach")
            self.said = "visitor.taught"

    # ------------------------------------------------------------------ time
    def update(self, dt: float) -> None:
        self._look()
        self.machine.update(self.session.view(), dt)

    def busy(self) -> bool:
        self._look()
        return self.machine.busy(self.session.view())

    def frame_key(self):
        self._look()
        return (self.session.view().version, self.machine.key(), self.said, self.languages.code_,
                self.frame.size)

    # ------------------------------------------------------------------ draw
    def draw(self, surface) -> None:
        self._look()
        if surface.get_size() != self.frame.size:
            self.frame = parts.Frame(surface.get_size())
        f, words, view, m = self.frame, self.languages.current, self.session.view(), self.machine
        surface.fill(parts.BACKGROUND)
        for i, line in enumerate(parts.wrap(words.text(self.said), f.px(28), f.px(1200), 2)):
            parts.text(surface, line, f.at(40, 20 + 38 * i), f.px(28), parts.PROMPT)
        m.draw_eye(surface, self.eye_rect(), view)
        parts.text(surface, words.text("visitor.eye"), f.at(250, 538), f.px(22), theme.DIM_TEXT,
                   anchor="midtop")
        m.draw_a_units(surface, f.rect(510, 110, 320, 160), view)
        parts.text(surface, words.text("visitor.a_units"), f.at(670, 278), f.px(22), theme.DIM_TEXT,
                   anchor="midtop")
        m.draw_dials(surface, f.rect(510, 330, 320, 80), view)
        m.draw_heat(surface, f.rect(510, 430, 320, 60), view)
        parts.text(surface, words.text("visitor.dials"), f.at(670, 500), f.px(22), theme.DIM_TEXT,
                   anchor="midtop")
        names = parts.class_words(words, view.class_names)
        m.draw_answers(surface, f.rect(880, 110, 360, 200), view, names, f.px(32))
        m.draw_answer_words(surface, view, words, names, (f.at(1060, 0)[0], f.at(0, 330)[1]),
                            f.px(40), f.px(360), f.px(28), 1.25)
        tries = view.trials - self.first_trial_
        if tries:
            line = words.text("visitor.mistakes", trials=tries, mistakes=view.mistakes)
            for i, part in enumerate(parts.wrap(line, f.px(24), f.px(360), 2)):
                parts.text(surface, part, f.at(1060, 450 + 32 * i), f.px(24), theme.ENGRAVING,
                           anchor="midtop")
        for _act, rect, text in self.buttons():
            parts.button(surface, rect, text, f.px(30), least=f.px(22))
