"""The front panel: the Mark I drawn as it stood, reading a :class:`~simulator.session.Session`.

The window is an :class:`App` running a stack of scenes (see :mod:`.scene`); :class:`Panel` is
the app with the engineer's panel, :class:`PanelScene`, at the bottom of its stack, and the
"After 1958" page pushed over it when asked for. Pygame events become plain actions through
:func:`to_record` and a :class:`~simulator.input.Translator` (debounce, auto-repeat, one
pointer), with the key table the top scene's mode names.

Update and draw are separate: ``update`` advances the session and the needle motors by ``dt``;
``draw`` paints the frame from their state. A frame is painted only when the top scene's frame
key changes, so an idle panel costs next to nothing.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygame

from ..atomicfile import write_atomically
from ..coding import units_used
from ..errors import ConfigError, DeviceError
from ..input import MODES, Action, Bindings, Record, Translator
from ..session import CURVE_BLOCK, Session, SessionView
from . import controls, lamps, potentiometers, readouts, rigstatus, theme
from . import layout as layout_mod
from .clock import FrameClock
from .scene import SceneStack
from .sound import SoundBoard

ALERT_SECONDS = 8.0
#: A-unit lamps and dials drawn at most: a bigger machine shows its first ones and says so. More
#: would be smaller than a few pixels at 1280 x 720, a dot rather than a lamp or a dial.
MAX_A_LAMPS = 2048
MAX_DIALS = 1024
#: R-unit lamps in one row at most; more go on further rows, without names (too small for them).
R_LAMPS_PER_ROW = 16
#: The heat map's parts, at the design size: the column of R-unit names, their text, and the
#: strip the unused R-units collapse into (its caption at the panel's smallest text).
HEAT_NAMES = 110
HEAT_TEXT = 18
HEAT_STRIP = 22


@dataclass(frozen=True)
class HeatRows:
    """Where the heat map draws what (see :meth:`PanelScene.heat_rows`).

    Attributes
    ----------
    units : numpy.ndarray of int
        The R-units drawn, one row each, top to bottom.
    rows, names : pygame.Rect
        The rows' box, and the column left of it where they are named.
    strip : pygame.Rect or None
        The dim strip standing for the unused R-units (None when every one is in use).
    unused : int
        How many R-units the strip stands for.
    """

    units: np.ndarray
    rows: pygame.Rect
    names: pygame.Rect
    strip: pygame.Rect | None
    unused: int


class PanelScene:
    """The engineer's panel: every part of the machine, 15 buttons, the keyboard (mode "panel").

    It reads the session only through :meth:`Session.view` and the plugboard's wires through
    :meth:`Session.wires_of_photocell` and :meth:`Session.wires_of_a_unit`, and changes it
    only through the session's actions: never the machine behind it.

    Parameters
    ----------
    session : Session
        The machine and its trainer.
    stack : SceneStack
        The app's stack: the "After 1958" page is pushed on it; quit and full screen posted.
    size : tuple of int
        The window's size, for the first layout (a ``resize`` action brings later ones).
    sound : SoundBoard, optional
        Relay clicks and motor whirr; silent if None.
    state_path : str or path
        Where save and load go.
    rig : hardware.feed.RigFeed, optional
        The sensor rig: updated every frame, its status drawn beside the card.
    """

    mode = "panel"

    def __init__(self, *, session: Session, stack: SceneStack, size, sound: SoundBoard | None = None,
                 state_path="mark1-state.mark1", rig=None):
        self.session = session
        self.rig = rig
        self.stack = stack
        self.sound = sound
        self.state_path = Path(state_path)
        self.surface = None          # the surface being drawn on, during draw()
        self.layout = layout_mod.compute(tuple(size))
        v = session.view()
        self.retina_lamps = lamps.LampGrid(v.retina_size, v.retina_size)
        self.needles = potentiometers.Needles()        # the dials: first A-units x R-units
        self.heat_needles = potentiometers.Needles()   # the heat map's columns x R-units
        self.dials = potentiometers.DialStrip(*self._dial_shape())
        self.heatmap = potentiometers.HeatMap()
        self.selected_r = 0
        self.show_help = False
        self.show_wires = True
        self.hover = None            # ("s", index) or ("a", index) under the pointer
        self.hover_button = None
        self.stroke = None           # paint value while the pointer is down on the retina
        self.teach_class = 0
        self.alert_left = 0.0
        self._seen_alerts = 0        # the view's alert count last shown: an alert there is shown
        self._generation = v.generation
        self._moving = False
        self._moved_frames = 0       # counts frames while needles turn: each one is drawn
        self._last_answer = v.answer
        self._a_lamps = None
        self._background = None
        self._pots = None            # full scale and needle targets, see _pot_targets()
        self._pots_key = None

    def _view(self) -> SessionView:
        """The session's view; what was kept for a machine since replaced is forgotten."""
        v = self.session.view()
        if v.generation != self._generation:
            self._generation = v.generation
            self._machine_changed(v)
        return v

    # ------------------------------------------------------------------ update
    def update(self, dt: float) -> None:
        """Advance the trainer and the potentiometer motors by ``dt`` seconds."""
        before = self._view()
        self.session.update(dt)
        if self.rig is not None:
            self.rig.update(dt)
        v = self._view()
        if v.alerts != self._seen_alerts:
            self._seen_alerts = v.alerts
            self.alert_left = ALERT_SECONDS if v.alert else 0.0
        self.alert_left = max(0.0, self.alert_left - dt)
        _, dials, heat = self._pot_targets(v)
        dials_moving = self.needles.update(dials, dt)
        self._moving = self.heat_needles.update(heat, dt) or dials_moving
        self._moved_frames += self._moving
        if self.sound is not None:
            if v.answer != self._last_answer:
                self.sound.relay()
            if v.trials != before.trials and v.correction is not None and v.correction.moved:
                self.sound.ratchet()
            if self._moving:
                self.sound.motor(0.2)
        self._last_answer = v.answer

    def _pot_targets(self, v: SessionView | None = None):
        """Full scale, and where the dials' (n, r) and heat map's (columns, r) needles go.

        Only what is shown is followed by needles, and it is recomputed only when the
        weights may have changed (the view's weights version, or another machine): a pass
        over 100,000 x 64 settings in every frame would cost more than the rest of the frame.
        """
        v = v or self._view()
        w = v.weights
        width = self.heat_rows(v).rows.width
        key = (v.generation, v.weights_version, w.shape, width)
        if key != self._pots_key:
            peaks = potentiometers.condense(w, width)
            scale = potentiometers.full_scale(peaks, v.weight_limit)
            self._pots = (scale, w[:self._dials_shown(v)] / scale, peaks / scale)
            self._pots_key = key
        return self._pots

    def _machine_changed(self, v: SessionView | None = None) -> None:
        """Forget what was drawn for the machine before (load, rewire, another experiment)."""
        v = v or self.session.view()
        self.needles = potentiometers.Needles()
        self.heat_needles = potentiometers.Needles()
        self._a_lamps = None
        self._background = None      # its captions name the number of A-units
        self.hover = None            # may name an A-unit the new machine does not have
        self.teach_class = min(self.teach_class, len(v.class_names) - 1)
        self.selected_r = min(self.selected_r, v.r_units - 1)
        if v.retina_size != self.retina_lamps.cols:
            self.retina_lamps = lamps.LampGrid(v.retina_size, v.retina_size)

    def busy(self) -> bool:
        """Whether frames must keep coming (trainer running, needles turning, alert fading)."""
        rig = self.rig is not None and self.rig.connected   # its frames come without input events
        return self.session.view().running or self._moving or self.alert_left > 0 or rig

    def frame_key(self):
        v = self.session.view()
        rig = None if self.rig is None else self.rig.lines()
        return (v.version, self.selected_r, self.show_help, self.show_wires, self.hover,
                self.hover_button, self.teach_class, self.alert_left > 0, v.running,
                self.layout.size, self._moved_frames, rig)

    # ------------------------------------------------------------------ input
    def resize(self, size) -> None:
        self.layout = layout_mod.compute(tuple(size))
        self._background = None

    def handle(self, action: Action) -> bool:
        """Act on one action; quitting and full screen are left to the app."""
        name, pos = action.name, action.pos
        if name == "resize":
            self.resize(action.value)
        elif name in ("press", "erase"):
            self._press(pos, erase=name == "erase")
        elif name == "drag":
            if self.stroke is not None:
                self._on_retina(pos, self.stroke)
            self._hover(pos)
        elif name == "release":
            self.stroke = None
        elif name == "hover":
            self._hover(pos)
        elif name == "drop file":
            self.session.load_picture(action.value)
        elif name == "key":
            return self._key(action.value)
        else:
            return False
        return True

    def _press(self, pos, *, erase: bool) -> None:
        if self.show_help:
            self.show_help = False
        elif not self._on_retina(pos, 0.0 if erase else None):
            self._click(pos)

    def _key(self, name: str) -> bool:
        s = self.session
        if name == "back" and self.show_help:
            self.show_help = False
        elif name in ("back", "quit", "full screen"):
            return False    # the app's: "back" from the bottom scene leaves
        elif name == "plugboard":
            self.show_wires = not self.show_wires
        elif name.startswith("teach "):
            label = int(name[6:]) - 1
            if label < len(self._view().class_names):
                s.teach(label)
        elif name in layout_mod.BUTTONS:
            self.act(name)
        else:
            return False    # not this scene's: a table naming an unknown action shows in the tests
        return True

    def act(self, name: str) -> None:
        """Press the button called ``name`` (see :data:`layout.BUTTONS`)."""
        s = self.session
        if name == "step":
            s.running = False
            s.step()
        elif name == "run":
            s.toggle_run()
        elif name == "faster":
            s.faster(1)
        elif name == "slower":
            s.faster(-1)
        elif name == "new card":
            s.deal()
        elif name == "clear":
            s.clear()
        elif name == "reset pots":
            s.reset_weights()
        elif name == "rewire":
            s.rewire()
        elif name == "experiment":
            from .. import experiments
            names = [e.name for e in experiments.EXPERIMENTS.values() if e.panel]
            current = self._view().experiment
            here = names.index(current) if current in names else -1
            s.select(names[(here + 1) % len(names)])
            self.selected_r = self.teach_class = 0
        elif name == "save":
            s.save(self.state_path)
        elif name == "load":
            s.load(self.state_path)
        elif name == "after 1958":
            from .after1958 import AfterScene
            self.session.running = False
            self.stack.push(AfterScene(stack=self.stack, size=self.layout.size))
        elif name == "help":
            self.show_help = not self.show_help
        elif name in ("full screen", "quit"):
            self.stack.post(Action("key", value=name))
        self._view()    # a machine replaced (rewire, experiment, load) is forgotten at once

    def _click(self, pos) -> None:
        L, s, v = self.layout, self.session, self._view()
        for name, rect in L.buttons.items():
            if rect.collidepoint(pos):
                self.act(name)
                return
        for k, rect in self._teach_buttons():
            if rect.collidepoint(pos):
                if k == "prev":
                    self.teach_class = (self.teach_class - 1) % len(v.class_names)
                elif k == "next":
                    self.teach_class = (self.teach_class + 1) % len(v.class_names)
                else:
                    s.teach(k)
                return
        cols, rows = self._r_grid()
        cell = layout_mod.grid_cell(L.r_lamps, cols, rows, pos)
        if cell is not None and cell[0] * cols + cell[1] < v.r_units:
            self.selected_r = cell[0] * cols + cell[1]
        heat = self.heat_rows(v)     # a row of the heat map, or its name, selects its R-unit
        band = pygame.Rect(L.heatmap.x, heat.rows.y, L.heatmap.width, heat.rows.height)
        cell = layout_mod.grid_cell(band, 1, heat.units.size, pos)
        if cell is not None:
            self.selected_r = int(heat.units[cell[0]])

    def _on_retina(self, pos, value) -> bool:
        """Paint on the retina (the lamps or the card); False if ``pos`` is elsewhere."""
        v = self._view()
        size = v.retina_size
        for rect in (self.layout.retina, self.layout.card):
            cell = layout_mod.grid_cell(rect, size, size, pos)
            if cell is not None:
                if value is None:  # a stroke starting on a lit cell erases
                    value = 0.0 if v.card[cell] >= 0.5 else 1.0
                self.stroke = value
                self.session.paint(cell[0], cell[1], value)
                return True
        return False

    def _hover(self, pos) -> None:
        L = self.layout
        size = self._view().retina_size
        hover = None
        cell = layout_mod.grid_cell(L.retina, size, size, pos)
        if cell is not None:
            hover = ("s", cell[0] * size + cell[1])
        else:
            cols, rows = self._a_shape()
            cell = layout_mod.grid_cell(L.a_lamps, cols, rows, pos)
            if cell is not None and cell[0] * cols + cell[1] < self._a_shown():
                hover = ("a", cell[0] * cols + cell[1])
        hb = next((n for n, r in L.buttons.items() if r.collidepoint(pos)), None)
        self.hover, self.hover_button = hover, hb

    # ------------------------------------------------------------------ draw
    def _a_shown(self, v: SessionView | None = None) -> int:
        """A-unit lamps drawn: every A-unit up to :data:`MAX_A_LAMPS`, else the first ones."""
        return min((v or self.session.view()).a_units, MAX_A_LAMPS)

    def _dials_shown(self, v: SessionView | None = None) -> int:
        """Dials drawn for the selected R-unit: as for the lamps, up to :data:`MAX_DIALS`."""
        return min((v or self.session.view()).a_units, MAX_DIALS)

    def _a_shape(self) -> tuple[int, int]:
        return _grid(self._a_shown())

    def _dial_shape(self) -> tuple[int, int]:
        return _grid(self._dials_shown())

    def heat_rows(self, v: SessionView | None = None) -> HeatRows:
        """Where the heat map draws what: the R-units in use as rows, their names, the rest.

        Only the R-units that carry the answer (:func:`~simulator.coding.units_used` of the
        coding and the class count: 2 of 8 for left/right with a lamp per class, 1 with binary
        coding) get rows, and they share the box; the unused ones collapse into a dim strip
        at its foot that says how many they are.
        """
        v = v or self._view()
        box, px = self.layout.heatmap, self.layout.px
        try:
            used = units_used(v.coding, len(v.class_names), v.r_units)
        except ConfigError:    # a machine whose classes do not fit its coding: show them all
            used = v.r_units
        used = max(1, min(used, v.r_units))
        strip = None
        bottom = box.bottom
        if used < v.r_units:
            strip = pygame.Rect(box.x, box.bottom - px(HEAT_STRIP), box.width, px(HEAT_STRIP))
            bottom = strip.y - px(4)
        names = pygame.Rect(box.x, box.y, px(HEAT_NAMES), bottom - box.y)
        rows = pygame.Rect(names.right + px(6), box.y, box.right - names.right - px(6), bottom - box.y)
        return HeatRows(units=np.arange(used), rows=rows, names=names, strip=strip,
                        unused=v.r_units - used)

    def _teach_buttons(self):
        L = self.layout
        k = len(self._view().class_names)
        r = L.teach
        if k <= 4:
            w = (r.width - (k - 1) * L.px(10)) / k
            return [(i, pygame.Rect(int(r.x + i * (w + L.px(10))), r.y, int(w), r.height)) for i in range(k)]
        if k <= 8:
            w = (r.width - 3 * L.px(8)) / 4
            h = (r.height - L.px(6)) / 2
            return [(i, pygame.Rect(int(r.x + (i % 4) * (w + L.px(8))), int(r.y + (i // 4) * (h + L.px(6))),
                                    int(w), int(h))) for i in range(k)]
        arrow = L.px(70)
        return [("prev", pygame.Rect(r.x, r.y, arrow, r.height)),
                (self.teach_class, pygame.Rect(r.x + arrow + L.px(10), r.y,
                                               r.width - 2 * arrow - L.px(20), r.height)),
                ("next", pygame.Rect(r.right - arrow, r.y, arrow, r.height))]

    def draw(self, surface: pygame.Surface) -> None:
        """Paint the whole panel onto ``surface``."""
        if surface.get_size() != self.layout.size:
            self.resize(surface.get_size())
        self.surface = surface
        target, L, v = surface, self.layout, self._view()
        if self._background is None:
            self._background = self._paint_background(v)
        target.blit(self._background, (0, 0))
        self._draw_header(v)
        self._draw_card(v)
        self.retina_lamps.draw(target, L.retina, v.s_activity.astype(np.float32))
        cols, rows = self._a_shape()
        shown = self._a_shown(v)
        if self._a_lamps is None or (self._a_lamps.cols, self._a_lamps.rows, self._a_lamps.count) != \
                (cols, rows, shown):
            self._a_lamps = lamps.LampGrid(cols, rows, shown)
        self._a_lamps.draw(target, L.a_lamps, v.a_activity[:shown].astype(np.float32))
        readouts.teletype(target, L.teletype, v.teletype, L.scale)
        readouts.error_curve(target, L.curve, v.curve, CURVE_BLOCK, L.scale)
        self._draw_responses(v)
        self._draw_potentiometers(v)
        self._draw_teach(v)
        for name, rect in L.buttons.items():
            controls.button(target, rect, "pause" if name == "run" and v.running else name, L.scale,
                            lit=(name == "run" and v.running) or (name == "help" and self.show_help),
                            hover=name == self.hover_button)
        self._draw_banner(v)
        if self.show_wires and self.hover is not None:
            self._draw_wires(v)
        if self.show_help:
            controls.help_card(target, L.scale)

    def _paint_background(self, v: SessionView) -> pygame.Surface:
        L = self.layout
        bg = pygame.Surface(L.size)
        bg.fill(theme.PANEL)
        px = L.px
        for rect in (L.card, L.retina, L.a_lamps, L.teletype, L.curve, L.r_lamps, L.dials, L.heatmap):
            readouts.bezel(bg, rect, L.scale)
        captions = [
            (L.card, "THE CARD BEFORE THE EYE"),
            (L.retina, f"SENSORY UNITS: {v.retina_size ** 2} PHOTOCELLS"),
            (L.a_lamps, f"ASSOCIATION UNITS: {v.a_units:,}"),
            (L.teletype, "TELETYPE"),
            (L.curve, f"MISTAKES PER {CURVE_BLOCK} TRIALS"),
            (L.r_lamps, "RESPONSE UNITS"),
            (L.heatmap, "ALL POTENTIOMETERS (A x R)"),
        ]
        for rect, text in captions:
            readouts.label(bg, text, (rect.x, rect.y - px(34)), px(22))
        a = v.a_units
        if self._a_shown(v) < a:  # a big machine: say that these are only its first lamps
            readouts.label(bg, f"lamps of the first {self._a_shown(v):,} of {a:,}",
                           (L.a_lamps.right, L.a_lamps.bottom + px(12)), px(17), theme.DIM_TEXT,
                           anchor="topright")
        readouts.label(bg, "drag to draw (start on a lit cell to erase)",
                       (L.retina.x, L.retina.bottom + px(12)), px(17), theme.DIM_TEXT)
        readouts.label(bg, "press H for the controls", (L.size[0] - px(30), L.header.bottom - px(14)),
                       px(17), theme.DIM_TEXT, anchor="bottomright")
        pygame.draw.line(bg, theme.BEZEL_LIGHT, (0, L.header.bottom), (L.size[0], L.header.bottom),
                         max(1, px(2)))
        return bg

    def _draw_header(self, v: SessionView) -> None:
        px = self.layout.px
        readouts.label(self.surface, "MARK I PERCEPTRON", (px(30), px(14)), px(40), theme.LAMP_ON)
        state = "RUNNING" if v.running else "PAUSED"
        text = (f"{v.experiment.upper()}   TRIALS {v.trials}   MISTAKES {v.mistakes}   "
                f"STREAK {v.streak}   {v.speed:g} TRIALS/S   {state}")
        readouts.label(self.surface, text, (px(560), px(24)), px(24), theme.ENGRAVING)

    def _draw_card(self, v: SessionView) -> None:
        L = self.layout
        light = np.clip(v.card, 0, 1)[..., None]
        paper, ink = np.array(theme.PAPER, np.float32), np.array(theme.INK, np.float32)
        rgb = (paper + (ink - paper) * light).astype(np.uint8)
        small = pygame.Surface(light.shape[1::-1])
        pygame.surfarray.blit_array(small, rgb.transpose(1, 0, 2))
        self.surface.blit(pygame.transform.scale(small, L.card.size), L.card.topleft)
        origin = {"card": f"card: {v.name(v.card_label)}", "drawing": "your drawing",
                  "picture": "a picture file", "blank": "no card", "rig": "the sensor rig"}
        text = origin.get(v.card_origin, v.card_origin)
        px = L.px
        x, width = L.card.right + px(30), L.a_lamps.x - L.card.right - px(60)
        readouts.label(self.surface, readouts.fit(text, px(26), width), (x, L.card.y + px(6)), px(26))
        y = L.card.y + px(50)
        for line in readouts.wrap(v.title, px(18), width) + [f"plugboard seed {v.wiring_seed}"]:
            readouts.label(self.surface, line, (x, y), px(18), theme.DIM_TEXT)
            y += px(28)
        if self.rig is not None:
            rigstatus.draw(self.surface, self.rig, (x, y + px(4)), width, px)

    def _r_names(self) -> list[str]:
        return list(self._view().r_names)

    def _r_grid(self) -> tuple[int, int]:
        """(cols, rows) of the R-unit lamps: one row of up to :data:`R_LAMPS_PER_ROW`, else more."""
        n = self._view().r_units
        rows = -(-n // R_LAMPS_PER_ROW)
        return -(-n // rows), rows

    def _draw_responses(self, v: SessionView) -> None:
        L, px = self.layout, self.layout.px
        rect = L.r_lamps
        cols, rows = self._r_grid()
        cw, rh = rect.width / cols, rect.height / rows
        named = rows == 1
        d = max(3, int(min(cw * 0.7, rect.height * 0.55) if named else min(cw, rh) * 0.7))
        names = v.r_names
        for i in range(v.r_units):
            cx = rect.x + (i % cols + 0.5) * cw
            cy = rect.y + rect.height * 0.38 if named else rect.y + (i // cols + 0.5) * rh
            spr = lamps.sprite(d, 1.0 if v.r_lamps[i] else 0.0)
            self.surface.blit(spr, spr.get_rect(center=(int(cx), int(cy))))
            if i == self.selected_r:
                pygame.draw.circle(self.surface, theme.LAMP_HOT, (int(cx), int(cy)),
                                   d // 2 + px(6 if named else 3), max(1, px(2)))
            if named:
                readouts.label(self.surface, readouts.fit(names[i], px(15), int(cw) - 2),
                               (cx, rect.bottom - px(6)), px(15), theme.ENGRAVING, anchor="midbottom")
        colour = theme.ENGRAVING
        if v.card_label is not None:   # saying nothing to a card of a known class is wrong too
            colour = theme.RIGHT if v.answer == v.card_label else theme.WRONG
        readouts.label(self.surface, f"MACHINE SAYS: {v.answer_name}", L.answer.midleft, px(40), colour,
                       anchor="midleft")

    def _draw_potentiometers(self, v: SessionView) -> None:
        L, px = self.layout, self.layout.px
        r = min(self.selected_r, v.r_units - 1)
        name = v.r_names[r]
        scale, dial_target, heat_target = self._pot_targets(v)
        n = self._dials_shown(v)
        caption = f"POTENTIOMETERS OF R{r + 1} ({name}), full scale +/-{scale:g}"
        readouts.label(self.surface, readouts.fit(caption, px(22), L.size[0] - L.dials.x - px(10)),
                       (L.dials.x, L.dials.y - px(34)), px(22))
        dials = self.needles.shown if _same_shape(self.needles.shown, dial_target) else dial_target
        heat = self.heat_needles.shown if _same_shape(self.heat_needles.shown, heat_target) else heat_target
        moving = None
        if v.correction is not None and r in v.correction.r_units and self._moving:
            moving = np.zeros(n, bool)
            turned = v.correction.a_units
            moving[turned[turned < n]] = True
        if (self.dials.cols, self.dials.rows) != self._dial_shape():  # one dial per A-unit shown
            self.dials = potentiometers.DialStrip(*self._dial_shape())
        rect = L.dials
        if n < v.a_units:  # a big machine: a strip at the bottom says these are its first dials
            rect = pygame.Rect(rect.x, rect.y, rect.width, rect.height - px(26))
            readouts.label(self.surface, f"dials of the first {n:,} of {v.a_units:,} A-units",
                           (rect.right, L.dials.bottom), px(17), theme.DIM_TEXT, anchor="bottomright")
        self.dials.draw(self.surface, rect, dials[:, r], moving)
        self._draw_heatmap(v, heat, r)

    def _draw_heatmap(self, v: SessionView, heat: np.ndarray, selected: int) -> None:
        """The R-units in use as rows filling the box, each named; the others as a dim strip."""
        px, target = self.layout.px, self.surface
        h = self.heat_rows(v)
        self.heatmap.draw(target, h.rows, heat, selected, units=h.units)
        rh = h.rows.height / h.units.size
        size = px(HEAT_TEXT)
        stride = max(1, int(np.ceil(theme.font(size).get_linesize() * 0.8 / rh)))  # names never overlap
        for k, unit in enumerate(h.units.tolist()):
            if k % stride and unit != selected:
                continue
            colour = theme.LAMP_HOT if unit == selected else theme.ENGRAVING
            text = readouts.fit(f"R{unit + 1} {v.r_names[unit]}", size, h.names.width)
            readouts.label(target, text, (h.names.x, h.rows.y + (k + 0.5) * rh), size, colour,
                           anchor="midleft")
        if h.strip is not None:
            pygame.draw.rect(target, theme.BEZEL, h.strip)
            unused = f"{h.unused} R-unit{'s' if h.unused != 1 else ''} unused"
            readouts.label(target, unused, (h.strip.x + px(6), h.strip.centery), px(17), theme.DIM_TEXT,
                           anchor="midleft")

    def _draw_teach(self, v: SessionView) -> None:
        L = self.layout
        for k, rect in self._teach_buttons():
            text = {"prev": "<", "next": ">"}.get(k) or f"teach {v.class_names[k]}"
            controls.button(self.surface, rect, text, L.scale,
                            lit=isinstance(k, int) and v.card_label == k and v.card_origin == "card")

    def _draw_banner(self, v: SessionView) -> None:
        L, px = self.layout, self.layout.px
        if self.alert_left > 0 and v.alert:
            text, colour = v.alert, theme.WRONG
        elif v.message:
            text, colour = v.message, theme.RIGHT
        else:
            return
        rect = pygame.Rect(px(30), L.buttons["step"].y - px(52), L.size[0] - px(60), px(44))
        pygame.draw.rect(self.surface, theme.BEZEL, rect, border_radius=px(8))
        pygame.draw.rect(self.surface, colour, rect, max(1, px(2)), border_radius=px(8))
        readouts.label(self.surface, readouts.fit(text, px(22), rect.width - px(20)), rect.center,
                       px(22), colour, anchor="center")

    def _draw_wires(self, v: SessionView) -> None:
        L, s = self.layout, self.session
        size = v.retina_size
        s_centres = layout_mod.grid_centres(L.retina, size, size)
        cols, rows = self._a_shape()
        shown = self._a_shown(v)
        a_centres = layout_mod.grid_centres(L.a_lamps, cols, rows, shown)
        kind, i = self.hover
        if kind == "s":  # the wires to the A-units whose lamps are drawn
            a_units, excite = s.wires_of_photocell(i)
            drawn = a_units < shown
            pairs = [(i, a, e) for a, e in zip(a_units[drawn].tolist(), excite[drawn].tolist())]
        else:
            excitatory, inhibitory = s.wires_of_a_unit(i)
            pairs = [(p, i, True) for p in excitatory.tolist()] + [(p, i, False) for p in inhibitory.tolist()]
        width = max(1, L.px(2))
        for p, a, excite in pairs:
            colour = theme.EXCITE if excite else theme.INHIBIT
            pygame.draw.line(self.surface, colour, s_centres[p], a_centres[a], width)
            pygame.draw.circle(self.surface, colour, s_centres[p], L.px(6), width)
            pygame.draw.circle(self.surface, colour, a_centres[a], L.px(6), width)


def _grid(n: int) -> tuple[int, int]:
    """(cols, rows) of a grid of ``n`` lamps or dials: 32 x 16 as on the Mark I, else 2:1."""
    cols = 32 if n <= 512 else int(np.ceil(np.sqrt(n * 2)))
    return cols, int(np.ceil(n / cols))


def _same_shape(a, b) -> bool:
    return a is not None and a.shape == b.shape


# ---------------------------------------------------------------------- the app
def to_record(event, size) -> Record | None:
    """A pygame event as a plain :class:`~simulator.input.Record` (None for the ones not used).

    A finger's position comes as fractions of the window: scaled here to ``size``.
    """
    t = event.type
    if t == pygame.QUIT:
        return Record("quit")
    if t in (pygame.KEYDOWN, pygame.KEYUP):
        return Record("key down" if t == pygame.KEYDOWN else "key up", key=pygame.key.name(event.key),
                      ctrl=bool(getattr(event, "mod", 0) & pygame.KMOD_CTRL),
                      repeat=bool(getattr(event, "repeat", False)))
    if t in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION):
        kind = {pygame.MOUSEBUTTONDOWN: "mouse down", pygame.MOUSEBUTTONUP: "mouse up"}.get(t, "mouse move")
        return Record(kind, pos=tuple(event.pos), button=getattr(event, "button", 0),
                      touch=bool(getattr(event, "touch", False)))
    if t in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP):
        kind = {pygame.FINGERDOWN: "finger down", pygame.FINGERUP: "finger up"}.get(t, "finger move")
        return Record(kind, pos=(event.x * size[0], event.y * size[1]),
                      finger=(getattr(event, "touch_id", 0), getattr(event, "finger_id", 0)))
    if t == pygame.DROPFILE:
        return Record("drop file", value=event.file)
    if t in (pygame.WINDOWRESIZED, pygame.WINDOWSIZECHANGED, pygame.VIDEORESIZE):
        return Record("resize", value=size)
    if t == pygame.WINDOWFOCUSLOST:
        return Record("focus lost")
    return None


class App:
    """A window running a stack of scenes: the clock's time, input, quitting, full screen.

    Parameters
    ----------
    session : Session
        The machine the scenes show.
    surface : pygame.Surface
        Where to draw (the display surface, or any surface off screen).
    bindings : Bindings, optional
        The key table and debounce when the top scene names no mode of :data:`MODES`.
    """

    def __init__(self, *, session: Session, surface: pygame.Surface, bindings: Bindings = MODES["panel"]):
        self.session = session
        self.surface = surface
        self.stack = SceneStack()
        self.translator = Translator(bindings=bindings)
        self.now = 0.0               # seconds of the frame clock: the translator's time
        self.quit = False
        self._drawn_key = None
        self._windowed = None        # the window's size before going full screen

    def update(self, dt: float) -> None:
        """Advance time, and every scene, by ``dt`` seconds."""
        self.now += dt
        self.stack.update(dt)

    def busy(self) -> bool:
        """Whether frames must keep coming (some scene animates)."""
        return self.stack.busy()

    def _frame_key(self):
        return (self.surface.get_size(), self.stack.frame_key())

    def needs_frame(self) -> bool:
        """Whether the picture on screen is out of date."""
        return self._frame_key() != self._drawn_key

    def resize(self, surface: pygame.Surface) -> None:
        """Draw on ``surface`` from now on; every scene lays itself out for its size."""
        self.surface = surface
        self.stack.broadcast(Action("resize", value=surface.get_size()))
        self._drawn_key = None

    def handle(self, event) -> None:
        """Act on one pygame event (keys, mouse, touch, dropped files, window changes)."""
        record = to_record(event, self.surface.get_size())
        if record is not None:
            top = self.stack.top
            mode = MODES.get(getattr(top, "mode", None)) if top is not None else None
            for action in self.translator.translate(record, self.now, mode):
                self.act(action)
        if event.type != pygame.MOUSEMOTION:
            self._drawn_key = None   # any other event, window ones too, may change the picture

    def act(self, action: Action) -> None:
        """Give ``action`` to the top scene; what it leaves, and what scenes post, is the app's."""
        if action.name == "resize":
            self.resize(pygame.display.get_surface() or self.surface)
            return
        todo = [] if self.stack.handle(action) else [action]
        for left in todo + self.stack.take_posted():
            if left.name == "quit" or (left.name == "key" and left.value in ("quit", "back")):
                self.quit = True   # "back" with nothing under it to go back to: leave
            elif left.name == "key" and left.value == "full screen":
                self._toggle_fullscreen()
        self._drawn_key = None if action.name != "hover" else self._drawn_key

    def _toggle_fullscreen(self) -> None:
        if pygame.display.get_surface() is not self.surface:
            return  # drawing off screen: nothing to toggle
        # set_mode rather than toggle_fullscreen: the latter keeps the window's size on X11
        # without a window manager (a kiosk), so the panel would not fill the screen
        try:
            if self.surface.get_flags() & pygame.FULLSCREEN:
                screen = pygame.display.set_mode(self._windowed or (1600, 900), pygame.RESIZABLE)
            else:
                self._windowed = self.surface.get_size()
                screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        except pygame.error as exc:
            self.session.alert = f"full screen is not available here: {exc}"
            return
        self.resize(screen)

    def draw(self) -> None:
        """Paint the top scene onto the surface (or say that the window is too small)."""
        w, h = self.surface.get_size()
        if w < theme.MIN_W or h < theme.MIN_H:
            self.surface.fill(theme.PANEL)
            readouts.label(self.surface, f"Window too small: make it at least {theme.MIN_W} x {theme.MIN_H}",
                           (w // 2, h // 2), 16, theme.LAMP_ON, anchor="center")
        else:
            self.stack.draw(self.surface)
        self._drawn_key = self._frame_key()

    def screenshot(self, path) -> None:
        """Save the surface as a PNG, atomically."""
        self.draw()
        write_atomically(path, lambda fh: pygame.image.save(self.surface, fh, "panel.png"))


class Panel(App):
    """The Mark I front panel on a pygame surface: the app with :class:`PanelScene` at the bottom.

    Parameters
    ----------
    session : Session
        The machine and its trainer.
    surface : pygame.Surface
        Where to draw (the display surface, or any surface off screen).
    sound : SoundBoard, optional
        Relay clicks and motor whirr; silent if None.
    state_path : str or path
        Where save and load go.
    rig : hardware.feed.RigFeed, optional
        The sensor rig (``mark1 demo --rig``).
    """

    def __init__(self, session: Session, surface: pygame.Surface, *, sound: SoundBoard | None = None,
                 state_path="mark1-state.mark1", rig=None):
        super().__init__(session=session, surface=surface)
        self.front = PanelScene(session=session, stack=self.stack, size=surface.get_size(), sound=sound,
                                state_path=state_path, rig=rig)
        self.stack.push(self.front)

    @property
    def state_path(self) -> Path:
        return self.front.state_path


# ---------------------------------------------------------------------- running it
def no_display() -> bool:
    """True where no screen can be opened (Linux without X11 or Wayland)."""
    return sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                      or os.environ.get("WAYLAND_DISPLAY"))


def open_window(size, *, headless: bool, fullscreen: bool) -> pygame.Surface:
    """Start pygame and open the window (or an off-screen display under the dummy driver)."""
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    try:
        pygame.display.init()
        pygame.font.init()
        flags = pygame.FULLSCREEN if fullscreen and not headless else pygame.RESIZABLE
        screen = pygame.display.set_mode((0, 0) if flags == pygame.FULLSCREEN else size, flags)
    except pygame.error as exc:
        raise DeviceError(f"cannot open a window ({exc}); run with --headless to draw off screen") from None
    pygame.display.set_caption("Mark I Perceptron")
    return screen


def close_window() -> None:
    """Stop pygame, and forget the fonts and text opened under it (they die with it: a panel
    opened later in the same process would otherwise draw with dead fonts)."""
    theme.font.cache_clear()
    theme.mono.cache_clear()
    readouts.rendered.cache_clear()
    pygame.quit()


def run(panel: App, clock, *, frames: int | None = None, stop_when_learned: bool = False,
        progress=None) -> int:
    """The frame loop; returns the number of frames run.

    An idle panel waits for input instead of drawing, so it costs almost no processor. The
    time waited is counted (up to the clock's :data:`~.clock.MAX_DT` a frame) before the input
    is handled, so timers and the translator's debounce see the time that passed. A
    :class:`~.clock.FrameClock` with a ``wake`` event (the rig link's) returns between frames
    when a rig frame arrives: the panel updates at once (its answer goes out to the rig's
    lamps) and draws at the next frame.
    """
    n = 0
    said = panel.session.view().lines_said
    while not panel.quit and (frames is None or n < frames):
        idle = not panel.busy() and not panel.needs_frame() and isinstance(clock, FrameClock)
        if idle:
            event = pygame.event.wait(250)
            events = [event] + pygame.event.get() if event.type != pygame.NOEVENT else []
        else:
            events = pygame.event.get()
        panel.update(clock.tick())
        for event in events:
            panel.handle(event)
        # a tick woken early by the rig's link has sent the answer to the lamps in update();
        # the screen waits for the clock's next frame, so drawing stays at the clock's rate
        if panel.needs_frame() and not getattr(clock, "woken", False):
            panel.draw()
            if pygame.display.get_surface() is panel.surface:
                pygame.display.flip()
        n += 1
        v = panel.session.view()
        if progress is not None and v.lines_said > said:
            for line in v.teletype[-min(v.lines_said - said, len(v.teletype)):]:
                progress(line)
            said = v.lines_said
        if stop_when_learned and v.learned_at is not None:
            break
    return n
