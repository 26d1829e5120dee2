"""The attract loop: while nobody is there, the machine runs the 1958 left/right task by itself.

Big and calm: the eye, the A-unit lamps, the answer lamps and the dials of a Mark I learning
left from right, the history in short captions that change every :data:`CAPTION_SECONDS`, and
one line saying what to do. A touch anywhere but the language buttons starts a visitor's turn
(the flow's ``touch``); a language button switches the captions at once.

The demonstration stops when the machine has learned (the session's script); the loop then
rests :data:`REST_SECONDS` on the learned machine and starts again from the known state.
"""

from __future__ import annotations

import logging

from ...input import Action
from ...panel import theme
from . import parts

log = logging.getLogger(__name__)

#: Seconds each history caption stays.
CAPTION_SECONDS = 8.0
#: Seconds the learned machine rests before the demonstration starts again.
REST_SECONDS = 10.0
#: Trials after which the demonstration starts again even if the machine has not said it has
#: learned (a pre-trained state file, whose script is off, would otherwise train all day).
LOOP_TRIALS = 300


class AttractScene:
    """The attract loop (mode "kiosk": no keys).

    Parameters
    ----------
    session : Session
        The machine; this scene runs its demonstration.
    flow : object
        Has ``handle(action, value=None)``: the kiosk's flow, whose effects the app carries out.
    languages : parts.Languages
        The captions shown, and the language buttons.
    size : tuple of int
        The screen's size.
    speed : float
        Trials a second (the config's ``speed``).
    state : path or None
        What the machine is reset to when the loop starts again (the config's ``state``).
    """

    mode = "kiosk"

    def __init__(self, *, session, flow, languages, size, speed: float, state=None):
        self.session = session
        self.flow = flow
        self.languages = languages
        self.frame = parts.Frame(tuple(size))
        self.speed = speed
        self.state = state
        self.machine = parts.Machine()
        self.clock_ = 0.0
        self.rest_ = 0.0
        self.started_at_ = None      # the machine's trial count when the loop last started

    # ------------------------------------------------------------------ time
    def update(self, dt: float) -> None:
        s = self.session
        if self.started_at_ is None:
            self._start()
        self.clock_ += dt
        if s.running:
            s.update(dt)
            if s.machine.presentations_ - self.started_at_ >= LOOP_TRIALS:
                s.running = False
        else:
            self.rest_ += dt
            if self.rest_ >= REST_SECONDS:
                s.reset(self.state)
                self._start()
        self.machine.update(s.view(), dt)

    def _start(self) -> None:
        s = self.session
        s.speed = self.speed
        s.running = True
        self.rest_ = 0.0
        self.started_at_ = s.machine.presentations_

    def caption(self) -> str:
        lines = self.languages.current.lines("attract.captions")
        return lines[int(self.clock_ // CAPTION_SECONDS) % len(lines)]

    def busy(self) -> bool:
        return self.session.running or self.machine.busy(self.session.view())

    def frame_key(self):
        return (self.session.view().version, self.machine.key(), self.caption(), self.languages.code_,
                self.frame.size)

    # ------------------------------------------------------------------ input
    def handle(self, action: Action) -> bool:
        if action.name == "resize":
            self.frame = parts.Frame(tuple(action.value))
            return True
        if action.name in ("press", "erase"):
            for code, rect in parts.language_buttons(self.frame, self.languages):
                if rect.collidepoint(action.pos):
                    self.languages.choose(code)
                    log.info("kiosk: language %s", code)
                    return True
            self.flow.handle("touch")
            return True
        return action.name in ("drag", "release", "hover")

    # ------------------------------------------------------------------ draw
    def draw(self, surface) -> None:
        if surface.get_size() != self.frame.size:
            self.frame = parts.Frame(surface.get_size())
        f, words, view = self.frame, self.languages.current, self.session.view()
        surface.fill(parts.BACKGROUND)
        parts.text(surface, words.text("attract.title"), f.at(40, 22), f.px(44), theme.LAMP_HOT)
        parts.text(surface, words.text("attract.subtitle"), f.at(42, 76), f.px(26), theme.ENGRAVING)
        for code, rect in parts.language_buttons(f, self.languages):
            parts.button(surface, rect, self.languages.name(code), f.px(24),
                         lit=code == self.languages.code_, least=f.px(20))
        m = self.machine
        m.draw_eye(surface, f.rect(60, 130, 340, 340), view)
        parts.text(surface, words.text("visitor.eye"), f.at(230, 478), f.px(22), theme.DIM_TEXT,
                   anchor="midtop")
        m.draw_a_units(surface, f.rect(450, 130, 416, 208), view)
        parts.text(surface, words.text("visitor.a_units"), f.at(658, 346), f.px(22), theme.DIM_TEXT,
                   anchor="midtop")
        m.draw_heat(surface, f.rect(450, 400, 416, 70), view)
        parts.text(surface, words.text("visitor.dials"), f.at(658, 478), f.px(22), theme.DIM_TEXT,
                   anchor="midtop")
        names = parts.class_words(words, view.class_names)
        m.draw_answers(surface, f.rect(920, 130, 300, 190), view, names, f.px(30))
        m.draw_answer_words(surface, view, words, names, (f.at(1070, 0)[0], f.at(0, 360)[1]),
                            f.px(30), f.px(320), f.px(22), 1.3)
        box = f.rect(60, 520, 1160, 112)
        for i, line in enumerate(parts.wrap(self.caption(), f.px(27), box.width, 3)):
            parts.text(surface, line, (box.x, box.y + i * f.px(36)), f.px(27), theme.ENGRAVING)
        parts.text(surface, words.text("attract.touch_to_start"), f.at(640, 690), f.px(34),
                   parts.PROMPT, anchor="midbottom")
