"""The sensor rig driving a session: photocells onto the retina, answers onto the lamps, buttons teach.

:class:`RigFeed` sits between a rig link (:class:`hardware.link.RigLink`, or anything with its
``poll()`` and ``set_lamps()``) and a :class:`~simulator.session.Session`. The panel and the kiosk
call :meth:`RigFeed.update` once a frame with the time passed; nothing here waits, reads a clock,
opens a port or draws::

    feed = RigFeed(link=link, session=session)
    while running:
        session.update(dt)
        feed.update(dt)
        draw(session.view(), feed.status_line())

What one update does:

- the newest frame -> the rig's calibration -> 20 x 20 light -> ``session.show(light,
  origin="rig")``. A frame is put in front of the eye when it differs from the last one shown by
  more than :data:`CHANGE` (a tenth of the light range) anywhere, and always after a (re)connect:
  a drawing made on the screen or a card dealt stays until the rig's picture changes, so a
  visitor can still draw while the rig is plugged in, and the ADC's noise does not make the
  machine look again sixty times a second.
- the first frame shown pauses the trainer's automatic dealing (the rig has the eye; a teletype
  line says so). Pressing "run" again deals cards, and a change on the rig takes the eye back.
  When the rig is lost, a run it paused carries on, and a rig picture still on the eye is
  cleared: the session goes on with the on-screen retina.
- the machine's answer -> ``set_lamps``: bit i is R-unit i's lamp, sent only when it changes
  (the link keeps it and lights it again after a reconnect).
- the teacher's buttons, one lesson per press, on the rig's picture (shown again first if a
  drawing or a card replaced it). With two classes (left / right, square / circle ...):
  LEFT teaches the first, RIGHT the second, at once, as the panel's teach keys do; TRAIN
  teaches the class last taught again, so a teacher can put the next figure of the same class
  on the rig and press TRAIN. With more classes (the letters) two buttons cannot name them:
  LEFT and RIGHT step the class chosen (shown in the status), TRAIN teaches it -- the Mark I's
  own way, where the operator set the right answer on switches and a switch applied it.

Calibration: the host's file for the rig's board id (:mod:`hardware.calibration`); else, when
the board's HELLO says it stores one, its ``CAL_DATA`` asked for without waiting (and kept on
the host); else the ADC's full scale, said in the status.

No serial and no pygame are imported here (a test says so).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.errors import Mark1Error

from . import calibration as C
from . import protocol as P

log = logging.getLogger(__name__)

#: The change of light (0..1) in some retina cell that makes a new rig frame worth a new look.
CHANGE = 0.1
#: Seconds the board has to answer CAL_READ before the feed gives up and uses full scale.
CAL_WAIT = 3.0
#: Seconds between two readings of the link's figures (frames per second, bad frames).
STATS_EVERY = 0.5
NO_RIG = "none"


@dataclass(frozen=True)
class RigStatus:
    """What a screen shows about the rig (:meth:`RigFeed.status`).

    Attributes
    ----------
    state : str
        ``"none"`` (no rig configured), ``"connecting"``, ``"connected"``, ``"lost"``, ``"closed"``.
    port : str or None
        Where the rig is, or was asked for.
    board : str or None
        The board's chip ("atmega328p", "atmega2560", "native").
    rows, cols : int
        Its photocell grid (0 before the handshake).
    board_id : int or None
        Its id (the calibration's key).
    firmware : str or None
        Its firmware version.
    fps : float
        Frames a second over the last second.
    bad_frames : int
        Frames the bridge dropped (bad CRC, length, COBS ...).
    calibration : str
        ``"host"`` (the host's file), ``"board"`` (read from the board, now kept on the host too),
        ``"reading"`` (asked for), or ``"none"`` (the ADC's full scale).
    calibration_note : str
        Why there is none, or "" when there is one.
    stored_on_board : bool
        The board's HELLO says it keeps a dark and a bright calibration.
    label : str
        The class TRAIN teaches.
    paused_run : bool
        The feed paused the trainer's automatic dealing.
    last_button : str or None
        The last button pressed on the rig ("LEFT", "RIGHT", "TRAIN").
    """

    state: str
    port: str | None = None
    board: str | None = None
    rows: int = 0
    cols: int = 0
    board_id: int | None = None
    firmware: str | None = None
    fps: float = 0.0
    bad_frames: int = 0
    calibration: str = "none"
    calibration_note: str = ""
    stored_on_board: bool = False
    label: str = ""
    paused_run: bool = False
    last_button: str | None = None


def lamp_mask(r_lamps) -> int:
    """The rig's lamp byte for the R-units' lamps: bit i for R-unit i (the first 8)."""
    lit = np.asarray(r_lamps, dtype=bool)[:P.LAMPS]
    return int(sum(1 << i for i in np.flatnonzero(lit).tolist()))


class RigFeed:
    """A rig link driving a session (see the module's description).

    Parameters
    ----------
    link : RigLink or None
        The rig (duck-typed: ``poll()``, ``set_lamps(mask)``; ``stats()``, ``send()``,
        ``mark()``, ``wait_reply()``, ``where`` and ``url`` are used when present). None: no rig.
    session : Session
        The machine the rig's light goes to.
    on_input : callable, optional
        Told ``"touch"`` before a button's lesson and whenever the rig's picture changes, and
        ``"teach"`` after a lesson (the kiosk's flow counts and times visitors by them).
    active : bool
        Whether frames go to the eye (the kiosk's attract loop keeps its cards: passive there,
        buttons still work, lamps still follow the answer).
    """

    def __init__(self, *, link, session, on_input: Callable[[str], None] | None = None, active: bool = True):
        self.link = link
        self.session = session
        self.on_input = on_input
        self._active = active
        self.choice = 0                 # the class TRAIN teaches (the Mark I's answer switches)
        self.lessons = 0                # lessons the rig's buttons gave
        self.presses = 0                # button presses taken
        self.last_button: str | None = None   # the last one's name (the staff screen shows it)
        self._state = NO_RIG if link is None else "connecting"
        self._hello: P.Hello | None = None
        self._key = None                # (board id, rows, cols, adc bits) the map is for
        self._map = None
        self._cal = "none"
        self._cal_note = "no calibration yet"
        self._cal_wait = None           # (mark, seconds left) while CAL_DATA is awaited
        self._light: np.ndarray | None = None    # the last frame's retina light
        self._shown = None              # the session's card when the feed last showed one
        self._fresh = True              # the next frame is shown whatever it is (a (re)connect)
        self._paused_run = False
        self._lamps_sent: int | None = None
        self._lamp_test: int | None = None
        self._stats = None
        self._stats_age = STATS_EVERY

    @property
    def active(self) -> bool:
        """Whether the rig's frames go to the eye (set False, buttons and lamps still work)."""
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        if value and not self._active:
            self._fresh = True   # the eye gets the rig's picture as it is now, changed or not
        self._active = bool(value)

    # ------------------------------------------------------------------ the frame's work
    def update(self, dt: float) -> None:
        """Take what the rig sent since the last call and act on it; ``dt``: seconds passed."""
        if self.link is None:
            return
        dt = dt if 0.0 <= dt < float("inf") else 0.0
        got = self.link.poll()
        was = self._state
        self._state = got.status
        if got.hello is not None and self._key_of(got.hello) != self._key:
            self._new_board(got.hello)
        self._wait_calibration(dt)
        if got.status == "connected" and was != "connected":
            self._fresh = True
        elif got.status != "connected" and was == "connected":
            self._lost()
        if got.frame is not None and self._map is not None:
            self._take_frame(got.frame)
        for press in got.buttons:
            self._press(press.button)
        self._stats_age += dt
        self._send_lamps()

    @staticmethod
    def _key_of(hello: P.Hello):
        return (hello.board_id, hello.rows, hello.cols, hello.adc_bits)

    def _new_board(self, hello: P.Hello) -> None:
        self._hello, self._key = hello, self._key_of(hello)
        self._fresh = True
        cal = None
        self._cal, self._cal_note, self._cal_wait = "none", "", None
        try:
            cal = C.load(hello.board_id)
        except Mark1Error as exc:
            log.warning("%s", exc)
            self._cal_note = "the host's calibration file is damaged"
        if cal is not None and cal.fits(hello) and cal.complete:
            self._cal = "host"
        elif self._stored_on_board(hello) and hasattr(self.link, "send"):
            cal = None
            mark = self.link.mark()
            for which in (P.CAL_DARK, P.CAL_BRIGHT):
                self.link.send(P.CalRead(which=which))
            self._cal, self._cal_wait = "reading", (mark, CAL_WAIT)
        else:
            cal = None
            self._cal_note = self._cal_note or "not calibrated: `mark1 rig calibrate PORT`"
        self._use(cal, hello)
        log.info("rig %08x, %d x %d: calibration %s", hello.board_id, hello.rows, hello.cols, self._cal)

    @staticmethod
    def _stored_on_board(hello: P.Hello) -> bool:
        both = P.FLAG_DARK_STORED | P.FLAG_BRIGHT_STORED
        return hello.flags & both == both

    def _use(self, cal: C.Calibration | None, hello: P.Hello) -> None:
        if cal is None:
            cal = C.Calibration(board_id=hello.board_id, rows=hello.rows, cols=hello.cols,
                                adc_bits=hello.adc_bits)
        self._map = cal.retina_map()

    def _wait_calibration(self, dt: float) -> None:
        """Look for the board's CAL_DATA answers (never waits); give up after :data:`CAL_WAIT` s."""
        if self._cal_wait is None:
            return
        mark, left = self._cal_wait
        got = {}
        for which in (P.CAL_DARK, P.CAL_BRIGHT):
            got[which] = self.link.wait_reply(
                lambda m, w=which: isinstance(m, P.CalData) and m.which == w, since=mark, timeout=0)
        if all(m is not None for m in got.values()):
            self._cal_wait = None
            try:
                cal = C.from_cal_data(self._hello, got[P.CAL_DARK], got[P.CAL_BRIGHT])
            except Mark1Error as exc:
                self._cal, self._cal_note = "none", str(exc)
                return
            if not cal.complete:
                self._cal, self._cal_note = "none", "the board's calibration is incomplete"
                return
            try:
                C.save(cal)
            except Mark1Error as exc:
                log.warning("%s", exc)   # the board keeps it anyway
            self._cal, self._cal_note = "board", ""
            self._use(cal, self._hello)
            self._fresh = True           # the same light, calibrated: look again
            return
        left -= dt
        if left <= 0:
            self._cal_wait = None
            self._cal, self._cal_note = "none", "the board did not send its calibration"
        else:
            self._cal_wait = (mark, left)

    def _take_frame(self, frame: P.Frame) -> None:
        try:
            light = self._map(frame.values)
        except Mark1Error as exc:   # a frame of another grid than the HELLO said: not shown
            log.debug("rig frame not shown: %s", exc)
            return
        changed = self._light is None or float(np.abs(light - self._light).max()) > CHANGE
        self._light = light
        if not self.active or not (changed or self._fresh):
            return
        self._fresh = False
        if changed and self.on_input is not None:
            self.on_input("touch")   # someone is at the rig: the kiosk's idle timer starts again
        self._show()

    def _show(self) -> None:
        s = self.session
        s.show(self._light, origin="rig")
        self._shown = s.view().card
        if s.running:
            s.running = False
            self._paused_run = True
            s.say("the sensor rig has the eye: the cards wait (press run to deal them anyway)")

    def _ours(self) -> bool:
        """Whether the picture in front of the eye is the last one the feed showed."""
        return self._shown is not None and self.session.view().card is self._shown

    def _lost(self) -> None:
        s = self.session
        self._fresh = True
        if self._ours():
            s.show(np.zeros_like(self._light), origin="blank")
        self._shown = None
        if self._paused_run and not s.running:
            s.running = True
            s.say("the sensor rig is lost: the cards carry on")
        self._paused_run = False

    # ------------------------------------------------------------------ the teacher's buttons
    def _press(self, button: int) -> None:
        self.presses += 1
        self.last_button = P.BUTTON_NAMES[button] if 0 <= button < len(P.BUTTON_NAMES) else str(button)
        k = len(self.session.view().class_names)
        if k < 1:
            return
        if button in (P.BUTTON_LEFT, P.BUTTON_RIGHT) and k > 2:
            step = -1 if button == P.BUTTON_LEFT else 1
            self.choice = (self.choice + step) % k
            if self.on_input is not None:
                self.on_input("touch")
            return
        if button == P.BUTTON_LEFT:
            self.choice = 0
        elif button == P.BUTTON_RIGHT:
            self.choice = min(1, k - 1)
        elif button != P.BUTTON_TRAIN:
            return
        self._teach(min(self.choice, k - 1))

    def _teach(self, label: int) -> None:
        if self.on_input is not None:
            self.on_input("touch")   # the kiosk: may start a visitor's turn (a fresh machine)
        s = self.session
        if self.active and self._light is not None and self._state == "connected" and not self._ours():
            self._show()             # the rig's button teaches the rig's picture
        s.teach(label)
        self.lessons += 1
        if self.on_input is not None:
            self.on_input("teach")

    # ------------------------------------------------------------------ lamps
    def lamp_test(self, mask: int | None) -> None:
        """Light ``mask`` on the rig's lamps instead of the answer (None: the answer again)."""
        self._lamp_test = mask

    def _send_lamps(self) -> None:
        if self._lamp_test is not None:
            mask = self._lamp_test
        else:
            mask = lamp_mask(self.session.view().r_lamps)
        if mask != self._lamps_sent:
            self.link.set_lamps(mask)   # kept by the link when the rig is away, sent when back
            self._lamps_sent = mask

    # ------------------------------------------------------------------ what screens show
    @property
    def lamps(self) -> int:
        """The lamp byte last sent to the rig (what its lamps show, or will when it is back)."""
        return self._lamps_sent or 0

    @property
    def connected(self) -> bool:
        """Whether the rig is connected now (a screen keeps drawing frames while it is)."""
        return self._state == "connected"

    def _figures(self):
        stats = getattr(self.link, "stats", None)
        if stats is None:
            return None
        if self._stats is None or self._stats_age >= STATS_EVERY:
            self._stats, self._stats_age = stats(), 0.0
        return self._stats

    def status(self) -> RigStatus:
        """The rig's state, board, figures and calibration now."""
        if self.link is None:
            return RigStatus(state=NO_RIG)
        h, fig = self._hello, self._figures()
        names = self.session.view().class_names
        label = names[min(self.choice, len(names) - 1)] if names else ""
        port = (getattr(fig, "port", None) or getattr(self.link, "where", None)
                or getattr(self.link, "url", None))
        return RigStatus(
            state=self._state, port=port,
            board=None if h is None else P.BOARD_NAMES.get(h.board, f"board {h.board}"),
            rows=0 if h is None else h.rows, cols=0 if h is None else h.cols,
            board_id=None if h is None else h.board_id,
            firmware=None if h is None else f"{h.fw_major}.{h.fw_minor}.{h.fw_patch}",
            fps=float(getattr(fig, "fps", 0.0) or 0.0),
            bad_frames=int(getattr(fig, "bad_frames", 0) or 0),
            calibration=self._cal, calibration_note=self._cal_note,
            stored_on_board=h is not None and self._stored_on_board(h), label=label,
            paused_run=self._paused_run, last_button=self.last_button)

    def lines(self) -> tuple[str, str, str]:
        """The status, detail and help lines (a screen redraws when they change)."""
        return self.status_line(), self.detail_line(), self.help_line()

    def status_line(self) -> str:
        """One line for the panel: "rig 8x8 connected, 78 fps", "rig lost - on-screen retina"..."""
        st = self.status()
        if st.state == NO_RIG:
            return "no rig"
        if st.state == "connected":
            return f"rig {st.rows}x{st.cols} connected, {st.fps:.0f} fps"
        if st.state == "lost":
            return "rig lost - on-screen retina"
        return f"rig: looking for it at {st.port} - on-screen retina"

    def detail_line(self) -> str:
        """The calibration in use, and that the cards wait while the rig has the eye."""
        if self.link is None:
            return ""
        st = self.status()
        parts = []
        if st.state == "connected":
            parts.append({"host": "calibrated", "board": "calibrated (read from the board)",
                          "reading": "reading its calibration"}.get(st.calibration, "not calibrated"))
        if st.paused_run and not self.session.view().running:
            parts.append("cards paused")
        return "; ".join(parts)

    def help_line(self) -> str:
        """What the rig's buttons do now."""
        if self.link is None:
            return ""
        names = self.session.view().class_names
        label = self.status().label
        if len(names) == 2:
            return f"LEFT/RIGHT teach; TRAIN: {label}"
        return f"LEFT/RIGHT choose; TRAIN: {label}"
