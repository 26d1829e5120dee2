"""The exhibit: the kiosk's pygame program, run as the supervisor's child (``mark1 kiosk --child``).

:func:`run` opens the screen (full screen, no cursor, no decorations, the screensaver off), builds
the machine (:class:`~simulator.session.Session`), the flow, the counters, the status file, the
captions and the heartbeat, and runs :class:`KioskApp` on the project's frame clock until it is
told to stop: SIGTERM or SIGINT (exit 0 within a frame or two), the supervisor gone (exit 0), the
staff's "stop the kiosk" (exit 0), or the daily restart (exit 75, which the supervisor takes as
"start me again", :data:`~simulator.kiosk.supervisor.RESTART_EXIT_STATUS`).

The screens follow the flow (:class:`~simulator.kiosk.flow.Flow`): after every input and every
frame the app carries out the flow's effects and makes the stack of scenes match the flow's mode
(:meth:`KioskApp.sync`), so no screen can be left showing a mode the flow has left:

========== =====================================================
attract    the attract loop (:class:`.screens.attract.AttractScene`)
visitor    the visitor's turn (:class:`.screens.visitor.VisitorScene`)
countdown  the countdown over the visitor's turn
staff-pin  the staff PIN keypad over the screen it was asked from
staff      the staff's maintenance screen
out-of-order  the out-of-order card
========== =====================================================

Input: the kiosk's key table has no keys (``allow_keyboard_quit`` adds Esc and q to quit); a
touch held in a top corner (:data:`CORNER_PX`) is the staff gesture and reaches no screen.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # its banner would go to the journal
import pygame  # noqa: E402

from ..errors import DeviceError  # noqa: E402
from ..input import MODES, Action, Bindings  # noqa: E402
from ..panel import app as app_mod  # noqa: E402
from ..panel.app import App, to_record  # noqa: E402
from ..panel.clock import FrameClock  # noqa: E402
from ..session import Session  # noqa: E402
from .captions import offered  # noqa: E402
from .counters import Counters  # noqa: E402
from .flow import Flow, Mode  # noqa: E402
from .heartbeat import Heartbeat  # noqa: E402
from .screens import parts  # noqa: E402
from .screens.attract import AttractScene  # noqa: E402
from .screens.countdown import CountdownScene  # noqa: E402
from .screens.visitor import VisitorScene  # noqa: E402
from .status import StatusFile  # noqa: E402
from .supervisor import RESTART_EXIT_STATUS  # noqa: E402

log = logging.getLogger(__name__)

#: The staff gesture's corners: squares of this many design pixels at the top left and right.
CORNER_PX = 64
#: Frames a second: enough for the needles' motion, cheap on a small computer.
FPS = 30
#: Where the supervisor puts the last crash for the child's status file.
LAST_ERROR_VARIABLE = "MARK1_KIOSK_LAST_ERROR"


def kiosk_bindings(config) -> Bindings:
    """The kiosk's key table: none, or Esc and q to quit when ``allow_keyboard_quit`` is set."""
    base = MODES["kiosk"]
    if not config.allow_keyboard_quit:
        return base
    return Bindings(keys={**base.keys, "escape": "quit", "q": "quit"}, debounce=base.debounce,
                    slop=base.slop, repeat=base.repeat)


class _Port:
    """What the kiosk's own scenes call the flow through: the app carries out the effects."""

    def __init__(self, app: KioskApp):
        self.app = app

    def handle(self, action: str, value=None) -> list:
        return self.app.tell(action, value)

    def __getattr__(self, name):  # the flow's readings (mode, countdown_seconds) as they are
        return getattr(self.app.flow, name)


class KioskApp(App):
    """The exhibit's app: the scenes the flow asks for, on one screen.

    Parameters
    ----------
    session : Session
        The machine.
    surface : pygame.Surface
        Where to draw.
    config : KioskConfig
        The checked config.
    flow : Flow
        The kiosk's state machine.
    languages : parts.Languages
        The captions offered.
    counters : Counters
        Visitors, teachings, resets... (the flow's).
    status : StatusFile
        Written on every change of mode and every few seconds.
    heartbeat : Heartbeat
        Beaten every frame (it writes about once a second).
    sound : SoundBoard, optional
        The relay's click when the answer changes; its volume follows the flow.
    local_time : callable, optional
        The local wall-clock time (an aware datetime), for quiet hours and the daily restart;
        None leaves them alone (tests).
    last_error : str, optional
        The supervisor's last error, shown in the status file until the flow has its own.
    rig : hardware.feed.RigFeed, optional
        The sensor rig (the config's ``rig``): its photocells on the visitor's eye, its buttons
        teach (a press in the attract loop starts a visitor's turn), its lamps show the answer;
        the staff screen shows its status and tests its lamps.
    """

    def __init__(self, *, session: Session, surface, config, flow: Flow, languages, counters,
                 status: StatusFile, heartbeat: Heartbeat, sound=None, local_time=None, last_error=None,
                 rig=None):
        super().__init__(session=session, surface=surface, bindings=kiosk_bindings(config))
        self.rig = rig
        self.config = config
        self.flow = flow
        self.languages = languages
        self.counters = counters
        self.status = status
        self.heartbeat = heartbeat
        self.sound = sound
        self.local_time = local_time
        self.last_error = last_error
        self.port = _Port(self)
        self.exit_status = None
        self.stop_requested = False   # set by the signal handler; the loop looks every frame
        self.corner_ = False          # a finger held in a corner (the staff gesture)
        self.shown_mode_ = None
        self.out_of_order = False     # the supervisor's card: leaving it asks for a fresh start
        self.attract = AttractScene(session=session, flow=self.port, languages=languages,
                                    size=surface.get_size(), speed=config.speed, state=config.state)
        self.visitor = None
        self._answer = None
        self.sync()

    # ------------------------------------------------------------------ the flow
    def tell(self, action: str, value=None) -> list:
        """Give the flow one input; carry out its effects; the effects."""
        effects = self.flow.handle(action, value)
        self.apply(effects)
        return effects

    def apply(self, effects) -> None:
        """Carry out the flow's effects, then show the scenes of its mode."""
        for e in effects:
            kind = e.kind
            if kind == "start_visitor":
                self.session.reset(self.config.state)   # every visitor teaches the same machine
                self.visitor = VisitorScene(session=self.session, flow=self.port, languages=self.languages,
                                            size=self.surface.get_size())
            elif kind == "reset_machine":
                if self.flow.mode is not Mode.STAFF:
                    self.languages.choose(self.languages.start)
                self.session.reset(self.config.state)
                self.attract.started_at_ = None         # the demonstration starts again
                self.visitor = None
            elif kind == "volume":
                if self.sound is not None:
                    self.sound.set_volume(e.value)
            elif kind == "restart":
                log.info("kiosk: restarting (exit status %d)", RESTART_EXIT_STATUS)
                self.finish(RESTART_EXIT_STATUS)
            elif kind == "quit":
                self.finish(0)
            elif kind in ("staff_unavailable", "pin_locked", "out_of_order"):
                log.info("kiosk: %s %s", kind, "" if e.value is None else e.value)
        self.sync()

    def sync(self) -> None:
        """Make the stack of scenes the one of the flow's mode (see the module's table)."""
        mode = self.flow.mode
        if self.rig is not None:
            # the rig's light takes the eye in a visitor's turn only: the attract loop keeps its cards
            self.rig.active = mode in (Mode.VISITOR, Mode.COUNTDOWN)
            if mode is not Mode.STAFF:
                self.rig.lamp_test(None)   # a lamp test left half way ends with the staff screen
        if mode is self.shown_mode_:
            return
        if self.out_of_order and mode is Mode.ATTRACT:
            self.finish(RESTART_EXIT_STATUS)   # the staff let the exhibit try again: a fresh start
        size = self.surface.get_size()
        if mode in (Mode.VISITOR, Mode.COUNTDOWN) and self.visitor is None:
            self.visitor = VisitorScene(session=self.session, flow=self.port, languages=self.languages,
                                        size=size)
        captions = self.languages.current
        if mode is Mode.ATTRACT:
            scenes = [self.attract]
        elif mode is Mode.VISITOR:
            scenes = [self.visitor]
        elif mode is Mode.COUNTDOWN:
            scenes = [self.visitor, CountdownScene(below=self.visitor, flow=self.flow, port=self.port,
                                                   languages=self.languages, size=size)]
        elif mode is Mode.STAFF_PIN:
            from .screens.staff import StaffPinScene

            base = self.stack.scenes[0] if self.stack.scenes else self.attract
            scenes = [base, StaffPinScene(flow=self.flow, captions=captions, size=size)]
        elif mode is Mode.STAFF:
            from .screens.staff import StaffScene

            staff = StaffScene(flow=self.flow, session=self.session, captions=captions,
                               counters=self.counters, config=self.config, size=size, rig=self.rig)
            staff.uptime_ = self.now
            scenes = [staff]
        else:
            from .screens.outoforder import OutOfOrderScene

            scenes = [OutOfOrderScene(captions=self.languages.offered, size=size)]
        if mode is not Mode.ATTRACT and self.session.running:
            self.session.running = False   # the demonstration is the attract loop's alone
        self.stack.scenes[:] = scenes
        self.shown_mode_ = mode
        self._drawn_key = None

    def _take_effects(self) -> None:
        """Carry out the effects the staff screens' own calls to the flow returned."""
        for scene in list(self.stack.scenes):
            take = getattr(scene, "take_effects", None)
            if take is not None:
                effects = take()
                if effects:
                    self.apply(effects)

    def finish(self, status: int) -> None:
        """End the loop with exit ``status`` (the first reason given stands)."""
        if self.exit_status is None:
            self.exit_status = status
        self.quit = True

    def request_stop(self, *_args) -> None:
        """The signal handler: only sets a flag (the loop ends at its next frame)."""
        self.stop_requested = True

    # ------------------------------------------------------------------ time
    def update(self, dt_seconds: float) -> None:
        """Advance the flow, the scenes, the heartbeat and the status file by ``dt_seconds``."""
        self.now += dt_seconds
        if self.stop_requested:
            log.info("kiosk: stopped by a signal")
            self.finish(0)
        local = self.local_time() if self.local_time is not None else None
        self.apply(self.flow.update(dt_seconds, local=local))
        self.stack.update(dt_seconds)
        if self.rig is not None:
            self.rig.update(dt_seconds)
        self._take_effects()
        self._click()
        if not self.heartbeat.beat(self.now):
            self.finish(0)   # the supervisor is gone: nobody would restart us; end cleanly
        self.write_status()

    def write_status(self, *, force: bool = False) -> None:
        error = self.flow.last_error_ or self.counters.error_ or self.last_error
        write = self.status.write if force else self.status.maybe_write
        write(self.now, mode=self.flow.mode.value, counts=self.counters.counts_, last_error=error)

    def _click(self) -> None:
        top = self.stack.top
        machine = getattr(top, "machine", None)
        answer = None if machine is None else machine.answer(self.session.view())
        if self.sound is not None and answer is not None and answer != self._answer:
            self.sound.relay()
        self._answer = answer

    def rig_input(self, action: str) -> None:
        """The rig's feed says someone is at the rig ("touch") or taught the machine ("teach")."""
        self.tell(action)   # a touch in the attract loop starts a visitor's turn (a fresh machine)
        if action == "teach" and self.visitor is not None and self.flow.mode is Mode.VISITOR:
            self.visitor.said = "visitor.taught"

    def busy(self) -> bool:
        # a corner held counts its seconds in frames; so does the flow's countdown; a rig's
        # frames come without any input event
        return self.stack.busy() or self.corner_ or (self.rig is not None and self.rig.connected)

    # ------------------------------------------------------------------ input
    def handle(self, event) -> None:
        """Act on one pygame event with the kiosk's key table."""
        record = to_record(event, self.surface.get_size())
        if record is not None:
            for action in self.translator.translate(record, self.now):
                self.act(action)
        if event.type != pygame.MOUSEMOTION:
            self._drawn_key = None

    def in_corner(self, pos) -> bool:
        if pos is None:
            return False
        w, _ = self.surface.get_size()
        c = parts.Frame(self.surface.get_size()).px(CORNER_PX)
        return pos[1] < c and (pos[0] < c or pos[0] >= w - c)

    def act(self, action: Action) -> None:
        """One action: the staff gesture, quitting (if allowed), else the top scene's."""
        name = action.name
        if name == "resize":
            super().act(action)
            return
        if name == "quit" or (name == "key" and action.value == "quit"):
            if name == "key" or self.config.allow_keyboard_quit:
                log.info("kiosk: quit from the keyboard")
                self.finish(0)
            else:
                log.info("kiosk: the window was asked to close; a kiosk stays (allow_keyboard_quit is off)")
            return
        staff = self.flow.mode in (Mode.STAFF_PIN, Mode.STAFF)
        if name in ("press", "erase") and not staff and self.in_corner(action.pos):
            self.corner_ = True
            self.tell("hold_corner", True)
            return
        if self.corner_ and name in ("release", "focus lost"):
            self.corner_ = False
            self.tell("hold_corner", False)
            return
        if self.corner_ and name == "drag":
            return
        self.stack.handle(action)
        self._take_effects()
        self.sync()
        self._drawn_key = None


def open_screen(config) -> pygame.Surface:
    """Start pygame and open the exhibit's screen: full screen (or a window of ``config.size``),
    no decorations, no cursor, the screensaver off."""
    try:
        pygame.display.init()
        pygame.font.init()
        if config.fullscreen:
            screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN | pygame.NOFRAME)
        else:
            screen = pygame.display.set_mode(config.size, pygame.NOFRAME)
    except pygame.error as exc:
        raise DeviceError(f"cannot open the exhibit's screen ({exc}); set SDL_VIDEODRIVER (kmsdrm "
                          "without a desktop, x11 or wayland with one), see docs/KIOSK.md") from None
    pygame.display.set_caption("Mark I Perceptron")
    pygame.display.set_allow_screensaver(False)
    pygame.mouse.set_visible(False)
    return screen


def build(config, surface, *, local_time=None, sound=None, heartbeat=None, started_at=None,
          out_of_order: bool = False, environ=None) -> KioskApp:
    """The exhibit's app on ``surface``: the session, flow, counters, status and captions from
    ``config`` (the tests build it on an off-screen surface)."""
    environ = os.environ if environ is None else environ
    session = Session(seed=config.seed, experiment=config.experiment, speed=config.speed)
    if config.state is not None:
        session.reset(config.state)
    counters = Counters.load(config.counters_file)
    flow = Flow(config=config, counters=counters)
    languages = parts.Languages(offered=offered(config), start=config.language)
    status = StatusFile(path=config.status_file,
                        started_at=started_at or dt.datetime.now().astimezone(), start=0.0)
    app = KioskApp(session=session, surface=surface, config=config, flow=flow, languages=languages,
                   counters=counters, status=status,
                   heartbeat=heartbeat if heartbeat is not None else Heartbeat(fd=None),
                   sound=sound, local_time=local_time,
                   last_error=environ.get(LAST_ERROR_VARIABLE) or None)
    port = str(config.rig or "").strip()
    if port.lower() not in ("", "none"):
        app.rig = start_rig(app, port)
        app.sync()
    if out_of_order:
        app.out_of_order = True
        app.apply(flow.handle("fault", app.last_error or "too many crashes"))
    return app


def start_rig(app: KioskApp, port: str):
    """The rig's feed for ``app``, its link looking for the board in the background (never raises:
    the exhibit runs on its own screen until the rig answers, and again whenever it is lost)."""
    from hardware.feed import RigFeed
    from hardware.link import RigLink

    link = RigLink(port=port)
    link.start()
    log.info("kiosk: looking for the sensor rig at %s", port)
    return RigFeed(link=link, session=app.session, on_input=app.rig_input, active=False)


def run(config, *, out_of_order: bool = False, frames: int | None = None) -> int:
    """Run the exhibit until it is stopped; the exit status (0, or 75 to be started again).

    Parameters
    ----------
    config : KioskConfig
        The checked config.
    out_of_order : bool
        Show only the out-of-order card (the supervisor's ``--out-of-order``, after too many
        crashes); the staff gesture still opens the staff screen, whose way back to the
        exhibit exits with 75 so that the supervisor tries the exhibit again.
    frames : int, optional
        Stop after this many frames (tests, benchmarks).
    """
    from ..panel.sound import SoundBoard

    heartbeat = Heartbeat.from_environment()
    screen = open_screen(config)
    sound = SoundBoard(enabled=config.volume > 0)
    sound.start()
    sound.set_volume(config.volume)
    app = build(config, screen, local_time=lambda: dt.datetime.now().astimezone(), sound=sound,
                heartbeat=heartbeat, out_of_order=out_of_order)
    previous = {s: signal.signal(s, app.request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    log.info("kiosk: the exhibit runs (pid %d, %dx%d, %s)", os.getpid(), *screen.get_size(),
             "out of order" if out_of_order else "attract loop")
    try:
        # the rig's link wakes the loop as a frame arrives, so its answer reaches the lamps at once
        wake = getattr(app.rig.link, "wake", None) if app.rig is not None else None
        app_mod.run(app, FrameClock(fps=FPS, wake=wake), frames=frames)
    finally:
        app.write_status(force=True)
        if app.rig is not None:
            app.rig.link.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
        sound.close()
        heartbeat.close()
        app_mod.close_window()
    status = app.exit_status if app.exit_status is not None else 0
    log.info("kiosk: the exhibit ends (exit status %d)", status)
    return status
