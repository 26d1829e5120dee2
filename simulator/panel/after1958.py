"""The "After 1958" page: a hidden layer trained by backpropagation learns XOR.

"After 1958": after Rosenblatt's perceptron was first shown (an IBM 704 program, 7 July
1958; the Mark I hardware followed on 23 June 1960). The page's text keeps the record
straight: one trainable layer on the raw inputs cannot get XOR's four patterns, the Mark I's
fixed random A-units make two-input XOR learnable (``mark1 experiment xor --json``,
``details.two_inputs``: 100%), and parity over more inputs than an A-unit sees stays out of
reach.

It draws a :class:`~simulator.lecture.lab.XorLab`: the network with its weights as lines
(thickness for size, amber positive, blue negative), one of the four patterns going forward
(units light up with their outputs) and the error coming back (each weight's gradient
glows), the truth table, and the loss falling. It is a scene (see :mod:`.scene`), pushed over
the engineer's panel; "back" pops it.
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from ..input import Action
from ..lecture.lab import RATES, X, XorLab, Y
from . import controls, lamps, readouts, theme
from . import layout as layout_mod
from .layout import Layout

ACTIVATION_LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU"}
BUTTONS = ("run", "step", "reset") + tuple(RATES) + ("back",)


class AfterScene:
    """The page as a scene (mode "after 1958"); ``act`` takes its buttons' names.

    Parameters
    ----------
    stack : SceneStack
        The stack it is shown on: "back" pops it.
    size : tuple of int
        The window's size, for the first layout.
    lab : XorLab, optional
        The network; a fresh one, running, if None.
    """

    mode = "after 1958"

    def __init__(self, *, stack, size, lab: XorLab | None = None):
        self.stack = stack
        self.layout = layout_mod.compute(tuple(size))
        self.lab = lab or XorLab()

    # ------------------------------------------------------------------ the scene
    def handle(self, action: Action) -> bool:
        """Its buttons and keys; every other pointer action is taken and does nothing here."""
        if action.name == "resize":
            self.layout = layout_mod.compute(tuple(action.value))
        elif action.name == "press":
            name = self.hit(self.layout, action.pos)
            if name is not None:
                self.act(name)
        elif action.name == "key":
            if action.value not in BUTTONS:
                return False      # the app's (quit, full screen), or none of this page's
            self.act(action.value)
        elif action.name not in ("erase", "drag", "release", "hover"):
            return False
        return True

    def update(self, dt: float) -> None:
        self.lab.update(dt)

    def busy(self) -> bool:
        return True    # the pattern walks forward and back even while paused

    def frame_key(self):
        lab = self.lab
        return (lab.epoch, lab.phase, lab.pattern, lab.running, lab.activation, self.layout.size)

    def draw(self, surface: pygame.Surface) -> None:
        """Paint the whole page onto ``surface``."""
        if surface.get_size() != self.layout.size:
            self.layout = layout_mod.compute(surface.get_size())
        self.paint(surface, self.layout)

    # ------------------------------------------------------------------ geometry
    def rects(self, L: Layout) -> dict[str, pygame.Rect]:
        """Where the page's parts and buttons are, for the window's layout."""
        R = L.rect
        out = {"network": R(40, 130, 1000, 700), "table": R(1120, 130, 760, 300),
               "loss": R(1120, 500, 760, 300), "text": R(40, 860, 1840, 100)}
        for i, name in enumerate(BUTTONS):
            out["button:" + name] = R(30 + i * 236, 1000, 224, 56)
        return out

    def hit(self, L: Layout, pos) -> str | None:
        """The name of the button under ``pos``, if any."""
        for name, rect in self.rects(L).items():
            if name.startswith("button:") and rect.collidepoint(pos):
                return name[7:]
        return None

    def act(self, name: str) -> None:
        """Press a button; "back" goes back to the scene below (the machine)."""
        lab = self.lab
        if name == "back":
            if self.stack.top is self:
                self.stack.pop()
        elif name == "run":
            lab.running = not lab.running
        elif name == "step":
            lab.running = False
            lab.train(1)
        elif name == "reset":
            lab.reset(seed=lab.seed + 1)
        elif name in RATES:
            lab.set_activation(name)

    # ------------------------------------------------------------------ drawing
    def paint(self, target: pygame.Surface, L: Layout) -> None:
        """Paint the whole page for the layout ``L``."""
        target.fill(theme.PANEL)
        px, lab = L.px, self.lab
        r = self.rects(L)
        readouts.label(target, "AFTER 1958: A HIDDEN LAYER LEARNS XOR", (px(30), px(14)), px(40),
                       theme.LAMP_ON)
        readouts.label(target, f"EPOCH {lab.epoch}   LOSS {lab.losses[-1]:.4f}   "
                       f"{ACTIVATION_LABELS[lab.activation].upper()} HIDDEN UNITS   "
                       f"RATE {lab.rate:g}   {'RUNNING' if lab.running else 'PAUSED'}",
                       (px(30), px(70)), px(22), theme.ENGRAVING)
        pygame.draw.line(target, theme.BEZEL_LIGHT, (0, px(108)), (L.size[0], px(108)), max(1, px(2)))
        for key in ("network", "table", "loss"):
            readouts.bezel(target, r[key], L.scale)
        self._draw_network(target, r["network"], L)
        self._draw_table(target, r["table"], L)
        self._draw_loss(target, r["loss"], L)
        lines = [
            "One trainable layer on the raw inputs x1, x2 gets at most 3 of the 4: no single "
            "line puts (0,1) and (1,0) on one side and (0,0), (1,1) on the other. The Mark I's "
            "fixed random A-units are already a hidden layer, untrained: on cards of two lit or "
            "dark halves it gets all 4 (mark1 experiment xor --json: two_inputs, 100%).",
            "Parity over more inputs than one A-unit sees stays out of its reach (Minsky & "
            "Papert, 1969). A hidden layer trained by backpropagation (the chain rule, from the "
            "error back to every weight) learns the features it needs.",
        ]
        y = r["text"].y
        for line in lines:
            for part in readouts.wrap(line, px(20), r["text"].width, lines=2):
                readouts.label(target, part, (r["text"].x, y), px(20), theme.DIM_TEXT)
                y += px(28)
        for name in BUTTONS:
            text = {"run": "pause" if lab.running else "run", "back": "back to the machine"}.get(
                name, ACTIVATION_LABELS.get(name, name))
            controls.button(target, r["button:" + name], text, L.scale,
                            lit=name == lab.activation or (name == "run" and lab.running))

    def _positions(self, rect: pygame.Rect):
        sizes = self.lab.net.sizes_
        cols = len(sizes)
        pos = []
        for l, n in enumerate(sizes):
            x = rect.x + rect.width * (0.12 + 0.76 * l / (cols - 1))
            pos.append([(x, rect.y + rect.height * (i + 1) / (n + 1)) for i in range(n)])
        return pos

    def _draw_network(self, target, rect, L: Layout) -> None:
        lab, px = self.lab, L.px
        pos = self._positions(rect)
        weights = lab.net.weights_
        biggest = max(float(np.abs(w).max()) for w in weights) or 1.0
        grads = lab.grads.weights
        gbig = max(float(np.abs(g).max()) for g in grads) or 1.0
        backward = lab.phase == "backward"
        for l, w in enumerate(weights):
            for j in range(w.shape[0]):
                for i in range(w.shape[1]):
                    a, b = pos[l][i], pos[l + 1][j]
                    width = max(1, int(px(14) * abs(w[j, i]) / biggest))
                    colour = theme.EXCITE if w[j, i] >= 0 else theme.INHIBIT
                    pygame.draw.line(target, colour, a, b, width)
                    if backward:
                        glow = abs(grads[l][j, i]) / gbig
                        if glow > 0.05:
                            pygame.draw.line(target, theme.LAMP_HOT, a, b, max(1, int(px(5) * glow)))
        outs = lab.forward.outs
        d = px(70)
        names = [["x1", "x2"], [f"h{k + 1}" for k in range(len(pos[1]))], ["out"]]
        for l, layer in enumerate(pos):
            values = outs[l][0]
            for i, (x, y) in enumerate(layer):
                v = float(values[i])
                level = v if l != 1 or lab.activation in ("sigmoid",) else min(1.0, abs(v))
                spr = lamps.sprite(d, max(0.0, min(1.0, level)))
                target.blit(spr, spr.get_rect(center=(int(x), int(y))))
                readouts.label(target, f"{v:.2f}", (x, y + d * 0.62), px(20), theme.ENGRAVING,
                               anchor="midtop")
                readouts.label(target, names[min(l, 2)][i] if l != 1 else names[1][i],
                               (x, y - d * 0.62), px(18), theme.DIM_TEXT, anchor="midbottom")
        k = lab.pattern
        x1, x2 = int(X[k, 0]), int(X[k, 1])
        if backward:
            text = (f"backward: error {float(lab.forward.output[0, 0]) - Y[k, 0]:+.3f} flows back; "
                    "bright lines have the largest dE/dw")
        else:
            text = (f"forward: x = ({x1}, {x2}) gives out = {float(lab.forward.output[0, 0]):.3f}, "
                    f"target {int(Y[k, 0])}")
        readouts.label(target, text, (rect.x + px(16), rect.y + px(12)), px(22),
                       theme.LAMP_HOT if backward else theme.ENGRAVING)

    def _draw_table(self, target, rect, L: Layout) -> None:
        lab, px = self.lab, L.px
        outs = lab.outputs()
        cols = (0.06, 0.22, 0.40, 0.62)
        y = rect.y + px(16)
        for c, head in zip(cols, ("x1", "x2", "XOR", "network")):
            readouts.label(target, head, (rect.x + rect.width * c, y), px(24), theme.LAMP_ON)
        for k in range(4):
            y += px(58)
            right = (outs[k] > 0.5) == (Y[k, 0] > 0.5)
            colour = theme.LAMP_HOT if k == lab.pattern else theme.ENGRAVING
            for c, v in zip(cols[:3], (X[k, 0], X[k, 1], Y[k, 0])):
                readouts.label(target, f"{int(v)}", (rect.x + rect.width * c, y), px(30), colour)
            readouts.label(target, f"{outs[k]:.3f}", (rect.x + rect.width * cols[3], y), px(30),
                           theme.RIGHT if right else theme.WRONG)
        solved = bool(np.all((outs > 0.5) == (Y[:, 0] > 0.5)))
        readouts.label(target, "all four right" if solved else "still learning",
                       (rect.right - px(16), rect.bottom - px(12)), px(22),
                       theme.RIGHT if solved else theme.DIM_TEXT, anchor="bottomright")

    def _draw_loss(self, target, rect, L: Layout) -> None:
        lab, px = self.lab, L.px
        readouts.label(target, "LOSS (squared error, log scale)", (rect.x, rect.y - px(34)), px(22))
        losses = np.maximum(np.array(lab.losses[-600:]), 1e-6)
        if len(losses) < 2:
            return
        top, bottom = math.log10(0.5), -4.0
        ys = rect.bottom - (np.clip(np.log10(losses), bottom, top) - bottom) / (top - bottom) * rect.height
        xs = rect.x + np.arange(len(losses)) * rect.width / max(len(losses) - 1, 1)
        pygame.draw.lines(target, theme.LAMP_ON, False, list(zip(xs.tolist(), ys.tolist())),
                          max(1, px(3)))
        for dec in range(-4, 0):
            y = rect.bottom - (dec - bottom) / (top - bottom) * rect.height
            pygame.draw.line(target, theme.BEZEL_LIGHT, (rect.x, y), (rect.right, y))
            readouts.label(target, f"1e{dec}", (rect.x - px(6), y), px(15), theme.DIM_TEXT,
                           anchor="midright")
