"""Synthesise the front panel's sound effects into ``assets/sounds/``.

The sounds are made here, from numbers, so that the repository owns them outright (no
recordings, no third-party samples) and anyone can regenerate them bit for bit::

    python tools/make_sounds.py            # writes assets/sounds/*.wav and prints an analysis
    python tools/make_sounds.py --out DIR  # writes elsewhere (the tests use this)

Three sounds, 16-bit mono PCM at 22050 Hz, peak -6 dBFS:

``relay.wav``
    A 1950s telephone-exchange relay pulling in: a sharp armature strike, two contact bounces,
    a short inharmonic ring of the spring set and a dull thump of the frame (about 50 ms).
``motor.wav``
    A small DC gear-motor turning a potentiometer: commutator buzz, gear-mesh whine and brush
    hiss, all following a spin-up / run / spin-down speed profile (0.5 s).
``ratchet.wav``
    A pawl stepping a ratchet wheel: four small ticks about 28 ms apart (120 ms).

Only numpy and the standard :mod:`wave` module are used. Randomness comes from a seeded
:class:`numpy.random.Generator`, and the filters are explicit loops, so the output is the same
on every run.
"""

from __future__ import annotations

import argparse
import io
import wave
from pathlib import Path

import numpy as np

from simulator.atomicfile import write_atomically

RATE = 22050
"""Sample rate in Hz (matches the panel's mixer settings)."""

PEAK_DBFS = -6.0
"""Peak level of every file, in dB relative to full scale."""

SEED = 19580707  # the day the Navy announced the Perceptron to the press (7 July 1958)

OUT_DIR = Path(__file__).resolve().parents[1] / "assets" / "sounds"


# --- small signal-processing helpers --------------------------------------------------------

def _t(n: int) -> np.ndarray:
    return np.arange(n) / RATE


def _biquad(x: np.ndarray, kind: str, freq: float, q: float = 0.707) -> np.ndarray:
    """RBJ-cookbook biquad (``"lowpass"``, ``"highpass"`` or ``"bandpass"``), run causally.

    A causal recursive filter rather than FFT masking, because FFT masking smears clicks
    backwards in time (pre-echo) and wraps their tails round to the start of the buffer.
    """
    w0 = 2 * np.pi * freq / RATE
    cw, alpha = np.cos(w0), np.sin(w0) / (2 * q)
    if kind == "lowpass":
        b = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2]
    elif kind == "highpass":
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
    elif kind == "bandpass":
        b = [alpha, 0.0, -alpha]
    else:
        raise ValueError(kind)
    a0, a1, a2 = 1 + alpha, -2 * cw, 1 - alpha
    b0, b1, b2 = (c / a0 for c in b)
    a1, a2 = a1 / a0, a2 / a0
    y = np.zeros_like(x)
    x1 = x2 = y1 = y2 = 0.0
    for i, xi in enumerate(x.tolist()):
        yi = b0 * xi + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2, x1, y2, y1 = x1, xi, y1, yi
        y[i] = yi
    return y


def _ramp(n: int) -> np.ndarray:
    """Raised-cosine rise from 0 to 1 over ``n`` samples."""
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / max(n, 1))


def _fade(x: np.ndarray, fade_in_s: float, fade_out_s: float) -> np.ndarray:
    """Fade both ends to exactly zero so the mixer never starts or stops on a step (a pop)."""
    y = x.copy()
    n_in, n_out = int(fade_in_s * RATE), int(fade_out_s * RATE)
    y[:n_in] *= _ramp(n_in)
    y[len(y) - n_out:] *= _ramp(n_out)[::-1]
    y[0] = y[-1] = 0.0
    return y


def _strike(n: int, at_s: float, amp: float, tau_s: float, rng: np.random.Generator,
            highpass_hz: float) -> np.ndarray:
    """A hard metal-on-metal hit: a very short, exponentially decaying burst of bright noise."""
    out = np.zeros(n)
    start = int(at_s * RATE)
    length = min(int(8 * tau_s * RATE) + 1, n - start)
    burst = rng.standard_normal(length) * np.exp(-np.arange(length) / (tau_s * RATE))
    burst[:2] = [1.5, -1.0]  # the leading edge of the impact: a hard swing before the noise
    out[start:start + length] = amp * burst
    return _biquad(out, "highpass", highpass_hz)


def _ring(n: int, at_s: float, amp: float, partials: list[tuple[float, float, float]],
          rng: np.random.Generator) -> np.ndarray:
    """Damped inharmonic partials ``(freq_hz, rel_amp, tau_s)`` excited at ``at_s``."""
    out = np.zeros(n)
    start = int(at_s * RATE)
    t = _t(n - start)
    for freq, rel, tau in partials:
        phase = rng.uniform(0, 2 * np.pi)
        out[start:] += amp * rel * np.sin(2 * np.pi * freq * t + phase) * np.exp(-t / tau)
    # A 0.3 ms rise: a struck spring rings at once, but not with a step.
    rise = min(int(0.0003 * RATE), n - start)
    out[start:start + rise] *= _ramp(rise)
    return out


def _normalise(x: np.ndarray, peak_dbfs: float = PEAK_DBFS) -> np.ndarray:
    return x * (10 ** (peak_dbfs / 20) / np.max(np.abs(x)))


# --- the three sounds -----------------------------------------------------------------------

def relay(rng: np.random.Generator) -> np.ndarray:
    """A telephone-type relay pulling in (about 50 ms), as floats in [-1, 1]."""
    n = int(0.050 * RATE)
    # Spring-set partials: inharmonic, as for a clamped metal strip; higher ones die sooner.
    springs = [(2270, 1.0, 0.009), (3410, 0.7, 0.007), (4870, 0.5, 0.005), (6630, 0.3, 0.003)]
    x = np.zeros(n)
    # The armature strikes the pole face, then the contacts bounce twice, each time weaker.
    for at, amp in [(0.0010, 1.0), (0.0052, 0.45), (0.0086, 0.2)]:
        x += _strike(n, at, amp, 0.0004, rng, highpass_hz=1200)
        x += _ring(n, at, 0.6 * amp, springs, rng)
    # The frame and coil give a dull thump under the metallic click.
    x += _ring(n, 0.0010, 0.45, [(410, 1.0, 0.006), (170, 0.5, 0.008)], rng)
    return _normalise(_fade(x, 0.0005, 0.010))


def motor(rng: np.random.Generator) -> np.ndarray:
    """A small DC gear-motor whirr with spin-up and spin-down (0.5 s), floats in [-1, 1]."""
    n = int(0.50 * RATE)
    t = _t(n)
    # Speed profile (0..1): exponential spin-up, run, then coast down over the last 0.14 s.
    up = 1 - np.exp(-t / 0.035)
    down = np.clip((0.50 - t) / 0.14, 0, 1) ** 0.8
    speed = up * down
    # Slight irregularity of a worn brush motor under load.
    wobble = 1 + 0.03 * np.sin(2 * np.pi * 7.3 * t + rng.uniform(0, 2 * np.pi))
    rot_hz = 55.0 * speed * wobble                 # shaft about 3300 rpm at full speed
    rot_phase = 2 * np.pi * np.cumsum(rot_hz) / RATE
    comm_phase = 6 * rot_phase                     # 3-slot commutator: 6 pulses per turn
    mesh_phase = 12 * rot_phase                    # 12-tooth pinion
    # Commutator buzz: a pulse train with falling harmonics.
    buzz = sum(np.sin(k * comm_phase + rng.uniform(0, 2 * np.pi)) / k ** 1.3 for k in range(1, 9))
    # Gear whine, its level drifting as the teeth mesh unevenly.
    drift = 1 + 0.3 * _biquad(rng.standard_normal(n), "lowpass", 12.0, 0.5) * 8
    whine = (np.sin(mesh_phase) + 0.4 * np.sin(2 * mesh_phase + 1.0)) * np.clip(drift, 0.3, 1.7)
    # Brush hiss, in bursts at each commutation.
    gate = 0.35 + 0.65 * np.maximum(np.sin(comm_phase), 0) ** 4
    hiss = _biquad(rng.standard_normal(n), "bandpass", 2800, 0.9) * gate
    shaft = np.sin(rot_phase)                      # imbalance of the rotor
    x = (0.55 * buzz + 0.30 * whine + 0.15 * hiss + 0.25 * shaft) * speed ** 0.7
    # The motor sits inside the cabinet, whose panels muffle the top end.
    x = _biquad(x, "lowpass", 3500.0)
    return _normalise(_fade(x, 0.010, 0.030))


def ratchet(rng: np.random.Generator) -> np.ndarray:
    """A pawl stepping a ratchet wheel: four ticks in 120 ms, floats in [-1, 1]."""
    n = int(0.120 * RATE)
    pawl = [(3900, 1.0, 0.0022), (6100, 0.6, 0.0014), (1750, 0.4, 0.0030)]
    x = np.zeros(n)
    for i in range(4):
        at = 0.006 + 0.028 * i + rng.uniform(-0.0015, 0.0015)
        amp = rng.uniform(0.8, 1.0)
        x += _strike(n, at, amp, 0.00025, rng, highpass_hz=2000)
        x += _ring(n, at, 0.7 * amp, pawl, rng)
        # The pawl drops off the tooth's crest just after it lands: a fainter second tick.
        x += _strike(n, at + 0.0013, 0.3 * amp, 0.0002, rng, highpass_hz=2500)
    return _normalise(_fade(x, 0.002, 0.012))


SOUNDS = {"relay.wav": relay, "motor.wav": motor, "ratchet.wav": ratchet}
"""File name -> synthesis function; each function takes the shared Generator."""


# --- output and analysis --------------------------------------------------------------------

def to_pcm16(x: np.ndarray) -> np.ndarray:
    """Round floats in [-1, 1] to little-endian 16-bit samples (no dither: keeps it exact)."""
    return np.clip(np.round(x * 32767), -32767, 32767).astype("<i2")


def write_wav(path: Path, pcm: np.ndarray) -> None:
    """Write 16-bit mono PCM at :data:`RATE` (the header holds no date, so bytes are stable)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    data = buf.getvalue()
    write_atomically(path, lambda fh: fh.write(data))


def analyse(pcm: np.ndarray) -> dict[str, float]:
    """Duration (s), peak and RMS (dBFS) and spectral centroid (Hz) of 16-bit samples.

    Parameters
    ----------
    pcm : numpy.ndarray
        16-bit samples at :data:`RATE`.

    Returns
    -------
    dict
        Keys ``duration_s``, ``peak_dbfs``, ``rms_dbfs``, ``centroid_hz``.
    """
    x = pcm.astype(float) / 32768
    mag = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    return {
        "duration_s": len(x) / RATE,
        "peak_dbfs": 20 * np.log10(np.max(np.abs(x))),
        "rms_dbfs": 20 * np.log10(np.sqrt(np.mean(x ** 2))),
        "centroid_hz": float(np.sum(freqs * mag) / np.sum(mag)),
    }


def make_all(out_dir: Path) -> dict[str, np.ndarray]:
    """Synthesise every sound and write it to ``out_dir``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write the WAV files into (created if missing).

    Returns
    -------
    dict
        File name -> the 16-bit samples written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    written = {}
    for name, synth in SOUNDS.items():
        pcm = to_pcm16(synth(rng))
        write_wav(out_dir / name, pcm)
        written[name] = pcm
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: write the sounds, then print one analysis line per file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR,
                        help=f"folder to write into (default: {OUT_DIR})")
    parser.add_argument("--quiet", action="store_true", help="do not print the analysis")
    args = parser.parse_args(argv)
    written = make_all(args.out)
    if not args.quiet:
        for name, pcm in written.items():
            a = analyse(pcm)
            size = (args.out / name).stat().st_size
            print(f"{name:12s} {a['duration_s'] * 1000:6.1f} ms  peak {a['peak_dbfs']:6.2f} dBFS  "
                  f"RMS {a['rms_dbfs']:6.2f} dBFS  centroid {a['centroid_hz']:6.0f} Hz  "
                  f"{size / 1024:5.1f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
