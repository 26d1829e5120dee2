"""The kiosk's staff screens: the PIN keypad, and the maintenance screen behind it.

Both are scenes (:class:`simulator.panel.scene.Scene`) in the kiosk's input mode. They never
change the kiosk's mode themselves: every button is an action of the kiosk's flow
(:meth:`simulator.kiosk.flow.Flow.handle`), and the :class:`~simulator.kiosk.flow.Effect` s the
flow returns are kept for the exhibit to carry out (:meth:`StaffPinScene.take_effects`), as it
does with the effects of its own calls: change the screen, reset the machine, stop.

Laid out for 1280 x 720 and scaled to the window: at that size every button is at least
:data:`MIN_TARGET_PX` pixels each way and no text is under :data:`MIN_TEXT_PX` pixels, for a
member of staff at arm's length on a touch screen. Every word is drawn by :func:`text`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import pygame

from ...panel import readouts, theme
from ..counters import NAMES as _COUNTERS
from ..flow import Mode

log = logging.getLogger(__name__)

#: The size the screens are laid out for; other sizes scale it.
DESIGN = (1280, 720)
#: At :data:`DESIGN` size: the smallest touch target and the smallest text, in pixels.
MIN_TARGET_PX = 72
MIN_TEXT_PX = 20
#: The log's tail: at most this many bytes are read from its end, and this many lines shown.
LOG_TAIL_BYTES = 8 * 1024
LOG_TAIL_LINES = 12
#: How long the lamp test lights every lamp, how often the log is read again, and how long the
#: "stop the kiosk" button waits for its confirming second press (seconds).
LAMP_TEST_SECONDS = 2.0
LOG_REFRESH_SECONDS = 2.0
CONFIRM_SECONDS = 4.0
#: The rig's answer lamps (firmware/PROTOCOL.md: LAMPS, bit i for lamp i).
RIG_LAMPS = 8

_BUTTON = (62, 56, 50)
_BUTTON_DOWN = (96, 86, 74)
_BUTTON_OFF = (40, 37, 34)
_DANGER = (150, 60, 46)


def text(target: pygame.Surface, words: str, pos, px: int, colour=theme.ENGRAVING,
         anchor: str = "topleft", mono: bool = False) -> pygame.Rect:
    """Draw one line of text; every word on the staff and out-of-order screens comes through here.

    Parameters
    ----------
    target : pygame.Surface
        Where to draw.
    words : str
        The line (characters the font cannot take are the caller's to remove).
    pos : tuple of int
        Where ``anchor`` of the text's rectangle goes.
    px : int
        The font size in pixels.

    Returns
    -------
    pygame.Rect
        Where the text went.
    """
    return readouts.label(target, words, pos, px, colour, anchor=anchor, mono=mono)


@dataclass(frozen=True)
class Button:
    """One touch target: its name (what it does), its rectangle and its words."""

    name: str
    rect: pygame.Rect
    words: str


class _Layout:
    """The design's 1280 x 720 coordinates scaled and centred in a window."""

    def __init__(self, size):
        w, h = max(1, int(size[0])), max(1, int(size[1]))
        self.size = (w, h)
        self.scale = min(w / DESIGN[0], h / DESIGN[1])
        self.ox = (w - DESIGN[0] * self.scale) / 2
        self.oy = (h - DESIGN[1] * self.scale) / 2

    def rect(self, x, y, w, h) -> pygame.Rect:
        s = self.scale
        return pygame.Rect(round(self.ox + x * s), round(self.oy + y * s), round(w * s), round(h * s))

    def pos(self, x, y) -> tuple[int, int]:
        return round(self.ox + x * self.scale), round(self.oy + y * self.scale)

    def px(self, design_px) -> int:
        return max(theme.MIN_TEXT_PX, round(design_px * self.scale))


def _draw_button(surface, lay: _Layout, button: Button, *, down=False, enabled=True, colour=None,
                 px=26) -> None:
    fill = _BUTTON_OFF if not enabled else _BUTTON_DOWN if down else (colour or _BUTTON)
    radius = max(2, round(12 * lay.scale))
    pygame.draw.rect(surface, fill, button.rect, border_radius=radius)
    pygame.draw.rect(surface, theme.BEZEL_LIGHT, button.rect, max(1, round(2 * lay.scale)),
                     border_radius=radius)
    colour = theme.ENGRAVING if enabled else theme.DIM_TEXT
    room = button.rect.width - lay.px(16)
    size = lay.px(px)
    if theme.font(size).size(button.words)[0] > room:   # long words (German) take two lines
        size = lay.px(min(px, 24))
        lines = readouts.wrap(button.words, size, room, lines=2)
    else:
        lines = [button.words]
    step = round(size * 1.15)
    y = button.rect.centery - step * (len(lines) - 1) / 2
    for line in lines:
        text(surface, line, (button.rect.centerx, round(y)), size, colour, anchor="center")
        y += step


def _hit(buttons, pos) -> Button | None:
    if pos is None:
        return None
    for button in buttons:
        if button.rect.collidepoint(pos):
            return button
    return None


class _FlowScene:
    """What both staff screens share: the flow's effects kept for the exhibit, the window's size."""

    mode = "kiosk"

    def _do(self, action: str, value=None) -> list:
        out = self.flow.handle(action, value) or []
        self.effects_.extend(out)
        return out

    def take_effects(self) -> list:
        """The flow's effects from this screen's actions since the last call, oldest first.

        The exhibit carries them out as it does the effects of its own calls to the flow.
        """
        out, self.effects_ = self.effects_, []
        return out

    def _staff_mode(self) -> bool:
        return self.flow.mode in (Mode.STAFF_PIN, Mode.STAFF)

    def _resize(self, size) -> None:
        self.size = tuple(size)
        self.layout_ = None

    def buttons(self) -> list[Button]:
        """The touch targets, where they are in the window now."""
        if self.layout_ is None or self.layout_[0] != self.size:
            self.layout_ = (self.size, self._layout())
        return self.layout_[1]

    def handle(self, action) -> bool:
        """Press a button; True for the pointer's actions (all of them stay on this screen)."""
        if action.name == "resize":
            self._resize(action.value)
            return True
        if action.name == "release":
            self.pressed_ = None
            return True
        if action.name not in ("press", "erase"):
            return action.name in ("drag", "hover")
        self._press(_hit(self.buttons(), action.pos))
        return True


class StaffPinScene(_FlowScene):
    """The staff PIN keypad: ten big digits, delete, OK and cancel; the PIN shown as dots.

    Parameters
    ----------
    flow : Flow
        The kiosk's flow: the keys are its ``pin_digit``, ``pin_back``, ``pin_ok`` and
        ``pin_cancel`` actions; it says how many digits are in and how long a lockout lasts.
    captions : Captions
        The words (``staff.*``).
    size : tuple of int
        The window's size.
    """

    def __init__(self, *, flow, captions, size):
        self.flow = flow
        self.captions = captions
        self.size = tuple(size)
        self.effects_ = []
        self.message_ = None       # (caption key, values) of the last answer to a PIN
        self.pressed_ = None       # the button under the finger
        self.layout_ = None

    # ------------------------------------------------------------------ layout
    def _layout(self) -> list[Button]:
        lay = _Layout(self.size)
        t = self.captions.text
        bw, bh, gap = 128, 84, 14
        x0 = (DESIGN[0] - (3 * bw + 2 * gap)) / 2
        y0 = 196
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok"]
        words = {"back": t("staff.pin_delete"), "ok": t("staff.pin_ok")}
        out = []
        for i, key in enumerate(keys):
            r, c = divmod(i, 3)
            out.append(Button(key, lay.rect(x0 + c * (bw + gap), y0 + r * (bh + gap), bw, bh),
                              words.get(key, key)))
        out.append(Button("cancel", lay.rect(x0, y0 + 4 * (bh + gap) + 4, 3 * bw + 2 * gap, 80),
                          t("staff.pin_cancel")))
        return out

    # ------------------------------------------------------------------ input
    def _press(self, button: Button | None) -> None:
        if button is None:
            if self._staff_mode():
                self._do("touch")  # someone is there: the PIN screen does not time out under them
            return
        locked = self.flow.lockout_seconds > 0
        if locked and button.name != "cancel":
            return
        self.pressed_ = button.name
        if button.name == "cancel":
            self._do("pin_cancel")
        elif button.name == "back":
            self._do("pin_back")
        elif button.name == "ok":
            self.message_ = None
            for effect in self._do("pin_ok"):
                if effect.kind == "pin_wrong":
                    self.message_ = ("staff.pin_wrong_left", {"tries": effect.value})
        else:
            self.message_ = None
            self._do("pin_digit", button.name)

    def update(self, dt: float) -> None:
        """Nothing moves here; the lockout's seconds come from the flow."""

    def busy(self) -> bool:
        return False

    def _entered(self) -> int:
        return len(getattr(self.flow, "pin_", ""))

    def frame_key(self):
        return (self.size, self.captions.language, self._entered(), self.message_,
                self.flow.lockout_seconds, self.pressed_)

    # ------------------------------------------------------------------ drawing
    def draw(self, surface: pygame.Surface) -> None:
        """The keypad, the dots of the digits typed, and what the last PIN did."""
        lay = _Layout(surface.get_size())
        if lay.size != self.size:
            self._resize(lay.size)
        t = self.captions.text
        surface.fill(theme.PANEL)
        text(surface, t("staff.pin_title"), lay.pos(640, 30), lay.px(40), anchor="midtop")
        box = lay.rect(440, 92, 400, 64)
        readouts.bezel(surface, box, lay.scale)
        n = self._entered()
        if n:
            step = min(40 * lay.scale, box.width / (n + 1))
            x = box.centerx - step * (n - 1) / 2
            for i in range(n):
                pygame.draw.circle(surface, theme.LAMP_ON, (round(x + i * step), box.centery),
                                   max(3, round(min(12 * lay.scale, step / 3))))
        locked = self.flow.lockout_seconds
        if locked > 0:
            message, colour = t("staff.pin_locked", seconds=locked), theme.WRONG
        elif self.message_ is not None:
            message, colour = t(self.message_[0], **self.message_[1]), theme.WRONG
        else:
            message, colour = t("staff.pin_hint"), theme.DIM_TEXT
        text(surface, readouts.fit(message, lay.px(24), lay.size[0] - lay.px(24)), lay.pos(640, 166),
             lay.px(24), colour, anchor="midtop")
        for button in self.buttons():
            enabled = button.name == "cancel" or locked <= 0
            digit = len(button.name) == 1
            _draw_button(surface, lay, button, down=button.name == self.pressed_, enabled=enabled,
                         px=44 if digit else 26)


def read_log_tail(path, *, max_bytes: int = LOG_TAIL_BYTES, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The last ``lines`` lines of the log at ``path``, safe to draw; never raises.

    At most ``max_bytes`` are read, from the end, however large the file; bytes that are not
    UTF-8 become U+FFFD and control characters escapes (``\\x00``), so a log with binary junk in it shows as
    junk, not as a crash. A missing or unreadable log is one line saying so.
    """
    try:
        with open(path, "rb") as fh:
            end = fh.seek(0, os.SEEK_END)
            start = max(0, end - max_bytes)
            fh.seek(start)
            raw = fh.read(max_bytes)
    except FileNotFoundError:
        return [f"(no log yet: {readouts.shown(str(path))})"]
    except (OSError, ValueError) as exc:
        return [f"(cannot read the log {readouts.shown(str(path))}: {getattr(exc, 'strerror', None) or exc})"]
    found = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    if start > 0 and found:
        found = found[1:]  # the first line read is the tail of a line cut by the 8 KB
    found = [readouts.shown(line).rstrip() for line in found]   # control characters as \x00
    while found and not found[-1]:
        found.pop()
    return found[-lines:] if lines > 0 else []


class StaffScene(_FlowScene):
    """The maintenance screen: counters, uptime, the log's tail, the rig, a lamp test, and the way out.

    Parameters
    ----------
    flow : Flow
        The kiosk's flow: "Reset the machine" is its ``reset`` action, "Back to the exhibit" its
        ``staff_exit``, "Stop the kiosk" its ``staff_quit`` (the exhibit then ends with status 0,
        which the supervisor takes as the staff's exit).
    session : Session
        The machine: how many lamps the visitor's screen has (A-units and answer lamps).
    captions : Captions
        The words (``staff.*``).
    counters : Counters
        Visitors, teachings, resets, staff sessions and crashes.
    config : KioskConfig
        Its ``log_file`` (the tail shown) and ``rig``.
    size : tuple of int
        The window's size.
    rig : hardware.feed.RigFeed, optional
        The sensor rig: its port, board, grid, id, frame rate, bad frames and calibration are
        shown, and the lamp test lights its lamps one after the other.

    Attributes
    ----------
    uptime_ : float
        Seconds the exhibit has run; the exhibit sets it when it shows the screen, and
        :meth:`update` counts on from there.
    """

    def __init__(self, *, flow, session, captions, counters, config, size, rig=None):
        self.rig = rig
        self.flow = flow
        self.session = session
        self.captions = captions
        self.counters = counters
        self.config = config
        self.size = tuple(size)
        self.effects_ = []
        self.uptime_ = 0.0
        self.lamp_test_ = 0.0       # seconds of the lamp test left
        self.confirm_ = 0.0         # seconds left to confirm "stop the kiosk"
        self.log_lines_ = None      # read on the first draw, then every LOG_REFRESH_SECONDS
        self.log_age_ = 0.0
        self.pressed_ = None
        self.layout_ = None

    # ------------------------------------------------------------------ layout
    def _layout(self) -> list[Button]:
        lay = _Layout(self.size)
        t = self.captions.text
        names = [("lamp_test", t("staff.lamp_test")), ("reset", t("staff.reset")),
                 ("quit", t("staff.quit_confirm") if self.confirm_ > 0 else t("staff.quit")),
                 ("back", t("staff.exit"))]
        gap, w = 16, (DESIGN[0] - 64 - 3 * 16) / 4
        return [Button(name, lay.rect(32 + i * (w + gap), 620, w, 84), words)
                for i, (name, words) in enumerate(names)]

    def lamps(self) -> tuple[int, int]:
        """How many lamps the visitor's screen has: (answer lamps, A-unit lamps)."""
        view = self.session.view()
        return len(view.class_names), int(view.a_units)

    def lamps_lit(self) -> bool:
        """Whether the lamp test has every lamp lit now."""
        return self.lamp_test_ > 0

    def rig_lamp(self) -> int | None:
        """The rig lamp the lamp test lights now (each in turn over its seconds), None outside it."""
        if self.lamp_test_ <= 0:
            return None
        done = (LAMP_TEST_SECONDS - self.lamp_test_) / LAMP_TEST_SECONDS
        return min(RIG_LAMPS - 1, max(0, int(done * RIG_LAMPS)))

    def rig_lines(self) -> tuple[str, ...]:
        """The rig's lines: its state and what it is; then, when connected, its port and last button,
        and its figures and calibration (a long by-id port name is cut, never the board's id)."""
        t = self.captions.text
        port = str(self.config.rig or "").strip()
        if port.lower() in ("", "none"):
            return (f"{t('staff.rig')}: {t('staff.no_rig')}",)
        if self.rig is None:
            return (f"{t('staff.rig')}: {t('staff.rig_looking', port=port)}",)
        st = self.rig.status()
        where = st.port or port
        if st.state == "lost":
            return (f"{t('staff.rig')}: {t('staff.rig_lost', port=where)}",)
        if st.state != "connected":
            return (f"{t('staff.rig')}: {t('staff.rig_looking', port=where)}",)
        first = t("staff.rig_connected", board=st.board, rows=st.rows, cols=st.cols,
                  board_id=f"{st.board_id:08x}", firmware=st.firmware)
        second = t("staff.rig_port", port=where)
        if st.last_button:
            second += "; " + t("staff.rig_button", button=st.last_button)
        if st.calibration == "host":
            cal = t("staff.cal_host_board" if st.stored_on_board else "staff.cal_host")
        elif st.calibration == "board":
            cal = t("staff.cal_board")
        elif st.calibration == "reading":
            cal = t("staff.cal_reading")
        else:
            cal = t("staff.cal_none", port=where)
        third = t("staff.rig_figures", fps=f"{st.fps:.0f}", bad=f"{st.bad_frames:,}") + "; " + cal
        return f"{t('staff.rig')}: {first}", second, third

    def lamp_rects(self, size=None) -> tuple[list[pygame.Rect], list[pygame.Rect]]:
        """Where the answer lamps and the A-unit lamps are drawn (for the lamp test, and its test)."""
        lay = _Layout(size or self.size)
        answers, units = self.lamps()
        big = [lay.rect(200 + i * 64, 176, 48, 48) for i in range(answers)]
        x0 = 200 + max(answers, 1) * 64 + 16
        cols = max(1, min(units, 64))
        rows = -(-units // cols)
        pitch = min(1216 - (x0 - 32), 700) / cols if units else 0
        pitch = min(pitch, 72 / max(rows, 1))
        cell = max(1.0, pitch - 1)
        small = [lay.rect(x0 + (k % cols) * pitch, 168 + (k // cols) * pitch, cell, cell)
                 for k in range(units)]
        return big, small

    # ------------------------------------------------------------------ input
    def _press(self, button: Button | None) -> None:
        if self._staff_mode():
            self._do("touch")  # a member of staff is here: the screen does not time out under them
        if button is None:
            return
        self.pressed_ = button.name
        if button.name != "quit" and self.confirm_ > 0:
            self.confirm_ = 0.0
            self.layout_ = None
        if button.name == "lamp_test":
            self.lamp_test_ = LAMP_TEST_SECONDS
        elif button.name == "reset":
            self._do("reset")
        elif button.name == "back":
            self._do("staff_exit")
        elif self.confirm_ > 0:      # the second press of "stop the kiosk"
            self.confirm_ = 0.0
            self.layout_ = None
            self._do("staff_quit")
        else:                        # one press could be a slip: the kiosk would stay dark all day
            self.confirm_ = CONFIRM_SECONDS
            self.layout_ = None

    def update(self, dt: float) -> None:
        """Count the uptime, end the lamp test after its 2 s, read the log again now and then."""
        dt = max(0.0, float(dt)) if dt == dt else 0.0
        self.uptime_ += dt
        self.lamp_test_ = self.lamp_test_ - dt
        if self.lamp_test_ < 1e-6:   # 1.9 s + 0.1 s is 2 s, whatever the floats leave over
            self.lamp_test_ = 0.0
        if self.rig is not None:
            lamp = self.rig_lamp()
            self.rig.lamp_test(None if lamp is None else 1 << lamp)   # the feed sends it this frame
        if self.confirm_ > 0:
            self.confirm_ = self.confirm_ - dt
            if self.confirm_ < 1e-6:
                self.confirm_ = 0.0
                self.layout_ = None
        self.log_age_ += dt
        if self.log_lines_ is not None and self.log_age_ >= LOG_REFRESH_SECONDS:
            self._read_log()

    def _read_log(self) -> None:
        self.log_age_ = 0.0
        self.log_lines_ = tuple(read_log_tail(self.config.log_file))

    def busy(self) -> bool:
        return self.lamp_test_ > 0

    def frame_key(self):
        return (self.size, self.captions.language, tuple(self.counters[k] for k in _COUNTERS),
                int(self.uptime_ // 60), self.log_lines_, self.lamps_lit(), self.confirm_ > 0,
                self.pressed_, self.rig_lines(), self.rig_lamp(),
                None if self.rig is None else self.rig.lamps)

    # ------------------------------------------------------------------ drawing
    def draw(self, surface: pygame.Surface) -> None:
        """Counters, uptime, rig, lamps, the log's tail and the buttons."""
        lay = _Layout(surface.get_size())
        if lay.size != self.size:
            self._resize(lay.size)
        if self.log_lines_ is None:
            self._read_log()
        t = self.captions.text
        surface.fill(theme.PANEL)
        text(surface, t("staff.title"), lay.pos(32, 20), lay.px(36))
        minutes = int(self.uptime_ // 60)
        text(surface, t("staff.uptime", hours=minutes // 60, minutes=minutes % 60), lay.pos(1248, 30),
             lay.px(24), theme.DIM_TEXT, anchor="topright")
        # the counters, one tile each
        w = (DESIGN[0] - 64 - 4 * 16) / 5
        for i, key in enumerate(_COUNTERS):
            tile = lay.rect(32 + i * (w + 16), 76, w, 80)
            readouts.bezel(surface, tile, lay.scale)
            text(surface, readouts.fit(t(f"staff.{key}"), lay.px(20), tile.width - lay.px(8)),
                 (tile.centerx, tile.y + round(6 * lay.scale)), lay.px(20), theme.DIM_TEXT, anchor="midtop")
            text(surface, f"{self.counters[key]:,}", (tile.centerx, tile.bottom - round(4 * lay.scale)),
                 lay.px(36), theme.LAMP_HOT, anchor="midbottom")
        # the lamps, lit by the lamp test
        text(surface, t("staff.lamps"), lay.pos(32, 188), lay.px(22))
        big, small = self.lamp_rects(lay.size)
        lit = self.lamps_lit()
        for r in big:
            pygame.draw.ellipse(surface, theme.LAMP_ON if lit else theme.LAMP_OFF, r)
        for r in small:
            pygame.draw.rect(surface, theme.LAMP_ON if lit else theme.LAMP_OFF, r)
        # the rig: where and what it is; its figures, calibration and lamps
        first, *more = self.rig_lines()
        room = lay.rect(32, 0, 1216, 1).width
        text(surface, readouts.fit(first, lay.px(22), room), lay.pos(32, 246), lay.px(22))
        for i, line in enumerate(more):
            text(surface, readouts.fit(line, lay.px(20), room), lay.pos(32, 274 + 24 * i), lay.px(20),
                 theme.DIM_TEXT)
        if self.rig is not None:
            # the rig's lamps beside the screen's: the answer they show, or the lamp test's one
            text(surface, readouts.fit(t("staff.rig_lamps"), lay.px(20), lay.rect(0, 0, 184, 1).width),
                 lay.pos(1248, 170), lay.px(20), theme.DIM_TEXT, anchor="topright")
            test = self.rig_lamp()
            mask = self.rig.lamps if test is None else 1 << test
            for i in range(RIG_LAMPS):
                centre = lay.pos(1248 - 11 - (RIG_LAMPS - 1 - i) * 23, 216)
                pygame.draw.circle(surface, theme.LAMP_ON if mask >> i & 1 else theme.LAMP_OFF, centre,
                                   max(3, round(9 * lay.scale)))
        # the log's tail, newest at the bottom (below the rig's lines, when it has three)
        top = 278 + 24 * len(more)
        text(surface, t("staff.log_tail"), lay.pos(32, top), lay.px(22))
        box = lay.rect(32, top + 30, 1216, 578 - top)
        pygame.draw.rect(surface, theme.PAPER, box)
        px = lay.px(20)
        step = (box.height - lay.px(6)) / LOG_TAIL_LINES
        lines = list(self.log_lines_ or ())[-LOG_TAIL_LINES:]
        y = box.bottom - lay.px(3) - step * len(lines)
        for line in lines:
            if line:
                text(surface, readouts.fit(line, px, box.width - px, mono=True), (box.x + px // 2, round(y)),
                     px, theme.INK, mono=True)
            y += step
        for button in self.buttons():
            _draw_button(surface, lay, button, down=button.name == self.pressed_,
                         colour=_DANGER if button.name == "quit" else None, px=26)

