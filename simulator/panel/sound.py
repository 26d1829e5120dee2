"""The panel's sound effects: relay clicks, the ratchet and the potentiometer motors.

Sound is an optional extra. Whenever it cannot be had -- ``--quiet``, SDL's ``dummy`` audio
driver, no audio device, a sound file missing -- the :class:`SoundBoard` logs the reason once,
keeps it in :attr:`SoundBoard.reason` for the panel to show, and every method becomes a no-op.
It never raises and never lets the audio library print to the terminal.

The WAV files are made by ``tools/make_sounds.py`` into ``assets/sounds/``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterator

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # pygame's banner would go to stdout
import pygame  # noqa: E402

from simulator.assets import MissingAssetError, asset_path  # noqa: E402

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
"""Mixer rate in Hz; the WAVs are made at this rate so nothing is resampled."""

BUFFER_SAMPLES = 512
"""Mixer buffer: about 23 ms at 22050 Hz, short enough that a click lands with its lamp."""

SOUND_FILES = {"relay": "relay.wav", "motor": "motor.wav", "ratchet": "ratchet.wav"}
"""Sound name -> file name under ``assets/sounds``."""

QUIET_REASON = "sound off (--quiet)"


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the duration.

    ALSA (and SDL's disk driver) write straight to fd 2 from C when there is no sound card, so
    redirecting ``sys.stderr`` is not enough. If fd 2 cannot be duplicated, nothing is done.
    """
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class SoundBoard:
    """Plays the panel's sounds through ``pygame.mixer``, or stays silent and says why.

    Construct it, call :meth:`start` once (before or after ``pygame.init()``), then call
    :meth:`relay`, :meth:`ratchet` and :meth:`motor` as things happen on the panel. All of them
    are cheap and safe to call every frame, and do nothing while the board is silent.

    Parameters
    ----------
    enabled : bool, optional
        False for ``--quiet``: the board stays silent and never touches the audio device.

    Examples
    --------
    >>> board = SoundBoard(enabled=False)
    >>> board.start()
    False
    >>> board.reason
    'sound off (--quiet)'
    >>> board.relay()  # a no-op
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self._enabled = bool(enabled)
        self._sounds: dict[str, pygame.mixer.Sound] = {}
        self._motor_channel: pygame.mixer.Channel | None = None
        self._silence: pygame.mixer.Sound | None = None
        self._motor_length_s = 0.0
        self._motor_end = 0.0  # clock time at which the motor sound already queued runs out
        self._volume = 1.0
        self._started = False
        self._owns_mixer = False
        self._reason: str | None = QUIET_REASON if not self._enabled else "sound not started"
        self._clock: Callable[[], float] = time.monotonic

    # --- state ------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """bool : True when sounds are actually played."""
        return bool(self._sounds)

    @property
    def reason(self) -> str | None:
        """str or None : Why the board is silent (e.g. ``"sound off: no audio device"``).

        None while sound is playing normally.
        """
        return None if self.active else self._reason

    @property
    def volume(self) -> float:
        """float : The volume last set with :meth:`set_volume`, 0 to 1."""
        return self._volume

    # --- starting and stopping --------------------------------------------------------------

    def start(self) -> bool:
        """Open the mixer and load the sounds, or settle into silence with a reason.

        Calling it again does nothing. If the mixer is already open (``pygame.init()`` opens
        it), it is used as it is; otherwise it is opened at 22050 Hz, 16-bit mono with a small
        buffer. Failures are logged once as a warning and never raised.

        Returns
        -------
        bool
            True when sound is on.
        """
        if self._started:
            return self.active
        self._started = True
        if not self._enabled:
            log.debug("%s", QUIET_REASON)
            return False
        driver = os.environ.get("SDL_AUDIODRIVER", "").strip().lower()
        if driver == "dummy":
            # The dummy driver accepts everything and plays nothing: don't even open it.
            return self._go_silent("sound off: dummy audio driver (SDL_AUDIODRIVER=dummy)")
        try:
            paths = {name: asset_path("sounds", file) for name, file in SOUND_FILES.items()}
        except MissingAssetError as exc:
            return self._go_silent(
                f"sound off: sound file missing ({exc}); run python tools/make_sounds.py")
        if not self._open_mixer():
            return False
        try:
            sounds = {name: pygame.mixer.Sound(str(path)) for name, path in paths.items()}
        except (pygame.error, OSError, ValueError) as exc:
            self._close_mixer()
            return self._go_silent(f"sound off: cannot load the sounds ({exc})")
        # One channel kept for the motor, so its whirr can be extended without stacking and
        # clicks never steal it.
        pygame.mixer.set_reserved(1)
        self._motor_channel = pygame.mixer.Channel(0)
        self._motor_length_s = sounds["motor"].get_length()
        self._silence = pygame.mixer.Sound(buffer=bytes(64))  # zero bytes: silent in any format
        self._sounds = sounds
        self.set_volume(self._volume)
        self._reason = None
        log.debug("sound on: mixer %s", pygame.mixer.get_init())
        return True

    def _open_mixer(self) -> bool:
        """Open ``pygame.mixer`` if nobody has; False (silent, with reason) if impossible."""
        if pygame.mixer.get_init():
            return self._check_driver()
        try:
            # pre_init too, so a later pygame.init() asks for the same format.
            pygame.mixer.pre_init(SAMPLE_RATE, -16, 1, BUFFER_SAMPLES)
            with _stderr_silenced():
                pygame.mixer.init(SAMPLE_RATE, -16, 1, BUFFER_SAMPLES)
        except pygame.error as exc:
            return self._go_silent(f"sound off: no audio device ({exc})")
        if not pygame.mixer.get_init():
            return self._go_silent("sound off: no audio device (the mixer did not start)")
        self._owns_mixer = True
        return self._check_driver()

    def _check_driver(self) -> bool:
        get_driver = getattr(pygame.mixer, "get_driver", None)
        if get_driver is not None and get_driver() == "dummy":
            self._close_mixer()
            return self._go_silent("sound off: dummy audio driver")
        return True

    def _close_mixer(self) -> None:
        if self._owns_mixer:
            with contextlib.suppress(pygame.error):
                pygame.mixer.quit()
            self._owns_mixer = False

    def _go_silent(self, reason: str) -> bool:
        """Drop all sounds, remember why and log it once; returns False for :meth:`start`."""
        self._sounds = {}
        self._motor_channel = None
        self._reason = reason
        log.warning("%s; the panel goes on without sound", reason)
        return False

    def stop(self) -> None:
        """Silence everything that is playing now (the board stays ready for more)."""
        self._motor_end = 0.0
        if not self.active:
            return
        try:
            if self._motor_channel is not None and self._motor_channel.get_queue() is not None:
                # Halting a channel starts its queued sound, and only play() empties the
                # queue: so play a few samples of silence first, then halt.
                self._motor_channel.play(self._silence)
            pygame.mixer.stop()
        except pygame.error as exc:
            self._lost(exc)

    def close(self) -> None:
        """Stop, and close the mixer if :meth:`start` opened it. The board becomes silent."""
        self.stop()
        was_active = self.active
        self._sounds = {}
        self._motor_channel = None
        self._close_mixer()
        if was_active:
            self._reason = "sound closed"

    # --- the sounds -------------------------------------------------------------------------

    def set_volume(self, volume: float) -> None:
        """Set the volume of every sound.

        Parameters
        ----------
        volume : float
            0 (mute) to 1 (as made); values outside are clipped. Kept while silent.
        """
        v = float(volume)
        self._volume = 0.0 if math.isnan(v) else min(1.0, max(0.0, v))
        for sound in self._sounds.values():
            sound.set_volume(self._volume)

    def relay(self) -> None:
        """Click a relay: the R-unit answer lamps switching, or a trainer's key."""
        self._play("relay")

    def ratchet(self) -> None:
        """Tick a ratchet: a potentiometer stepped by one notch."""
        self._play("ratchet")

    def motor(self, duration_s: float) -> None:
        """Run the potentiometer motor for about ``duration_s`` seconds from now.

        Safe to call every frame: while the motor is already running, the call only extends
        the run (by queueing one more turn of the whirr when the request outlasts what is
        queued) and never restarts or layers it.

        Parameters
        ----------
        duration_s : float
            How long the motor should still be heard, in seconds.
        """
        channel = self._motor_channel
        if channel is None or not (duration_s > 0):
            return
        sound = self._sounds["motor"]
        length = self._motor_length_s
        now = self._clock()
        try:
            if channel.get_busy():
                # Extend only when the wish outlasts what is queued by half a turn, so that
                # frame-by-frame calls asking for "the same" end do not pile up.
                if now + duration_s > self._motor_end + length / 2 and channel.get_queue() is None:
                    channel.queue(sound)
                    self._motor_end += length
            else:
                turns = max(1, round(duration_s / length))
                channel.play(sound, loops=turns - 1)
                self._motor_end = now + turns * length
        except pygame.error as exc:
            self._lost(exc)

    def _play(self, name: str) -> None:
        sound = self._sounds.get(name)
        if sound is None:
            return
        try:
            sound.play()  # on any free channel; dropped if all are busy, which is fine
        except pygame.error as exc:
            self._lost(exc)

    def _lost(self, exc: pygame.error) -> None:
        """The mixer went away under us (closed elsewhere): go silent rather than raise."""
        self._owns_mixer = False
        self._go_silent(f"sound off: the mixer stopped ({exc})")
