"""Panel sounds: the shipped WAVs, their regeneration, and a SoundBoard that never fails."""

import json
import logging
import os
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import numpy as np
import pytest

from simulator.assets import MissingAssetError
from simulator.panel import sound
from simulator.panel.sound import SoundBoard

ROOT = Path(__file__).resolve().parents[1]
SOUNDS_DIR = ROOT / "assets" / "sounds"
DURATIONS = {"relay.wav": (0.040, 0.060), "motor.wav": (0.40, 0.60), "ratchet.wav": (0.100, 0.140)}


def read_wav(path):
    with wave.open(str(path)) as w:
        params = (w.getnchannels(), w.getsampwidth(), w.getframerate())
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    return params, pcm


def exercise(board):
    """Every public call, as the panel would make them."""
    board.relay()
    board.ratchet()
    for _ in range(5):
        board.motor(0.4)
    board.set_volume(0.5)
    board.set_volume(7)
    board.stop()


@pytest.fixture
def no_mixer():
    """The mixer is closed before and after, so tests do not see each other's state."""
    import pygame
    pygame.mixer.quit()
    yield pygame
    pygame.mixer.quit()


# --- the SoundBoard, silent -----------------------------------------------------------------

def test_dummy_driver_is_silent_with_one_warning(monkeypatch, caplog, no_mixer):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    board = SoundBoard()
    with caplog.at_level(logging.WARNING, logger=sound.__name__):
        assert board.start() is False
        assert board.start() is False  # a second start neither retries nor logs again
        exercise(board)
        board.close()
    assert not board.active
    assert "dummy" in board.reason
    assert len(caplog.records) == 1 and "dummy" in caplog.records[0].getMessage()
    assert no_mixer.mixer.get_init() is None  # the dummy device was never even opened


def test_quiet_is_silent_and_never_touches_the_mixer(caplog, no_mixer):
    board = SoundBoard(enabled=False)
    assert board.reason == "sound off (--quiet)"
    with caplog.at_level(logging.WARNING, logger=sound.__name__):
        assert board.start() is False
        exercise(board)
    assert not board.active and board.reason == "sound off (--quiet)"
    assert not caplog.records  # asked for: nothing to warn about
    assert no_mixer.mixer.get_init() is None


def test_missing_wav_is_silent_with_a_reason(monkeypatch, caplog, no_mixer):
    def missing(*parts):
        raise MissingAssetError(f"{'/'.join(parts)}: asset file missing")

    monkeypatch.setattr(sound, "asset_path", missing)
    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")  # would work, were the files there
    board = SoundBoard()
    with caplog.at_level(logging.WARNING, logger=sound.__name__):
        assert board.start() is False
        exercise(board)
    assert "missing" in board.reason and "make_sounds" in board.reason
    assert len(caplog.records) == 1
    assert no_mixer.mixer.get_init() is None


def test_volume_is_clipped_and_kept_while_silent():
    board = SoundBoard(enabled=False)
    board.set_volume(-1)
    assert board.volume == 0.0
    board.set_volume(0.25)
    assert board.volume == 0.25


# --- the SoundBoard, playing (SDL's disk driver writes the mix to a file) --------------------

DISK_SCRIPT = textwrap.dedent("""
    import json, time
    import pygame
    from simulator.panel.sound import SoundBoard
    board = SoundBoard()
    out = {"started": board.start(), "reason": board.reason}
    if out["started"]:
        out["format"] = pygame.mixer.get_init()
        channels = [pygame.mixer.Channel(i) for i in range(pygame.mixer.get_num_channels())]
        board.motor(0.5)
        for _ in range(60):            # called every frame, asking for the same end
            board.motor(0.5)
        out["busy_after_frames"] = sum(c.get_busy() for c in channels)
        out["queued_after_frames"] = channels[0].get_queue() is not None
        board.motor(1.5)               # a longer wish extends the run
        out["queued_after_longer"] = channels[0].get_queue() is not None
        time.sleep(0.2)
        board.stop()                   # must also drop the queued turn
        time.sleep(0.2)                # silence, then one relay click
        board.relay()
        time.sleep(0.3)
        board.close()
    print(json.dumps(out))
""")


def test_disk_driver_plays_motor_and_relay(tmp_path):
    raw = tmp_path / "mix.raw"
    env = dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=str(raw))
    p = subprocess.run([sys.executable, "-c", DISK_SCRIPT], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    if not out["started"]:
        pytest.skip(f"SDL disk audio driver unavailable here: {out['reason']}")
    assert "ALSA" not in p.stderr and "CRITICAL" not in p.stderr  # the C chatter is muted
    assert out["busy_after_frames"] == 1 and not out["queued_after_frames"]  # no stacking
    assert out["queued_after_longer"]
    rate, size, channels = out["format"]
    assert size == -16, out["format"]
    mix = np.frombuffer(raw.read_bytes(), "<i2").reshape(-1, channels)[:, 0].astype(int)
    # The file should hold: motor (~0.2 s), silence (~0.2 s), a click (~50 ms), silence.
    loud = np.flatnonzero(np.abs(mix) > 0.01 * 32768) / rate
    assert loud.size, "the mixer wrote only silence"
    gaps = np.flatnonzero(np.diff(loud) > 0.1)
    assert len(gaps) == 1, f"expected motor, silence, click; loud spans split at {loud[gaps]}"
    motor, click = loud[:gaps[0] + 1], loud[gaps[0] + 1:]
    # heard, and stopped: a queued turn not dropped would run on to about 0.7 s; the margin
    # above the 0.2 s asked for absorbs a busy machine's late wake-up
    assert 0.1 < motor[-1] - motor[0] < 0.55
    assert click[-1] - click[0] < 0.08
    _, relay = read_wav(SOUNDS_DIR / "relay.wav")
    click_peak = np.abs(mix[int(click[0] * rate):int(click[-1] * rate) + 1]).max()
    assert click_peak > 0.5 * np.abs(relay.astype(int)).max()  # at about its made level


# --- the shipped WAV files ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(DURATIONS))
def test_shipped_wav_format_and_levels(name):
    path = SOUNDS_DIR / name
    assert path.stat().st_size < 50_000
    (channels, width, rate), pcm = read_wav(path)
    assert (channels, width, rate) == (1, 2, 22050)
    lo, hi = DURATIONS[name]
    assert lo <= len(pcm) / rate <= hi
    peak = np.abs(pcm.astype(int)).max()
    assert peak < 32767  # no clipping
    assert 20 * np.log10(peak / 32768) > -20
    assert pcm[0] == 0 and pcm[-1] == 0  # faded to zero: no pop at start or end
    assert abs(int(pcm[1])) < 0.01 * 32768 and abs(int(pcm[-2])) < 0.01 * 32768


def test_relay_is_brighter_than_the_motor():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_sounds
    finally:
        sys.path.remove(str(ROOT / "tools"))
    centroid = {n: make_sounds.analyse(read_wav(SOUNDS_DIR / n)[1])["centroid_hz"]
                for n in DURATIONS}
    assert centroid["relay.wav"] > centroid["motor.wav"]
    assert centroid["ratchet.wav"] > centroid["motor.wav"]


def test_make_sounds_regenerates_the_shipped_files_exactly(tmp_path):
    p = subprocess.run([sys.executable, str(ROOT / "tools" / "make_sounds.py"), "--out",
                        str(tmp_path), "--quiet"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    for name in DURATIONS:
        assert (tmp_path / name).read_bytes() == (SOUNDS_DIR / name).read_bytes(), name
