"""Speed and memory of the simulator, as ratios against baselines timed in the same run.

Run with ``make bench`` or ``python benchmarks/bench.py [--quick] [--json]``.

The machines this runs on are shared and noisy, so every figure is a ratio against a
baseline measured side by side: each contender is warmed up first (numba compiles on the
first call), then the contenders' repeats are interleaved (A, B, C, A, B, C, ...) so that
load drifts hit them alike, and the median rate is reported. The bench reports; it does not
judge: it exits 0 whether targets are met or not, and only fails if it breaks.

Workload: the full Mark I (20 x 20 retina = 400 S-units, 512 A-units, 8 R-units, seed 1) with
potentiometer end stops off (``weight_limit=None``) so that its weights can be compared with
the baselines'. Cards are outlined squares and circles (:func:`simulator.cards.shape_cards`).
R-unit targets, (n, 8) in {-1, +1}: unit 0 says "circle" (the deck's label), units 1-7 get
independent random bits, fixed per card by a seeded generator, so all 8 R-units learn and err.

The front panel (``panel:`` rows, JSON key ``panel``) is measured in a child process under
SDL's dummy video driver against fixed limits: a full frame while training at 30 trials/s
(median <= 4 ms at 1920 x 1080), a forced redraw and the frames drawn at rest (none), the
process CPU of the real frame loop with the session paused (< 5% of a core), and resident
memory over 100,000 frames (growth < 5 MB).

The kiosk's machine core (``kiosk:`` rows, JSON key ``kiosk``; see ``kiosk_bench.py``): a
one-card session as shipped against the old path (every call through numba), for memory,
start-up with numba's cache empty and warm, and the time of one visitor's trial. The kiosk's
screens, against the issue's targets: the real exhibit's CPU in the attract loop and from launch
to its first attract frame (caches warm and empty), an idle visitor screen's CPU in the real frame
loop, frame times (p99) at 1920 x 1080, and the whole exhibit's memory over a simulated day.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from kiosk_bench import bench_kiosk, bench_screens  # benchmarks/, this script's folder

from simulator.cards import shape_cards
from simulator.machine import MarkI

#: Sizes: (full, --quick).
N_TRAIN = (20_000, 5_000)
N_NAIVE = (3_000, 1_000)
N_RESPOND = (20_000, 5_000)
MEMORY_TRIALS = (100_000, 2_000)
REPEATS = (5, 3)

TARGET_TRAIN_SKLEARN = 2.0
TARGET_TRAIN_NAIVE = 20.0
TARGET_RESPOND = 0.8
TARGET_MEMORY_MB = 300.0

#: Front panel: frames timed per window size, seconds of the idle loop, frames of the memory run.
PANEL_SIZES = ((1280, 720), (1920, 1080))
PANEL_FRAMES = (600, 120)
PANEL_REST_SECONDS = (5.0, 2.0)
PANEL_MEMORY_FRAMES = (100_000, 2_000)
PANEL_SPEED = 30.0               # trials per second while training
TARGET_PANEL_DRAW_MS = 4.0       # a full frame, median
TARGET_PANEL_REST_CPU = 5.0      # % of one core with the session paused
TARGET_PANEL_RSS_GROWTH_MB = 5.0


# ---------------------------------------------------------------------------- timing
@dataclass
class Contender:
    """One way of doing the work under test.

    Attributes
    ----------
    run : callable
        Does the work once; this call alone is timed.
    work : int
        Units of work (cards, presentations) done by one ``run``.
    prepare : callable, optional
        Called, untimed, before every ``run`` (e.g. to centre the potentiometers).
    """

    run: Callable[[], object]
    work: int
    prepare: Callable[[], object] | None = None


def time_interleaved(contenders: dict[str, Contender], repeats: int) -> dict[str, float]:
    """Median rate (work per second) of each contender, repeats interleaved.

    Parameters
    ----------
    contenders : dict of str to Contender
        The contenders, timed in turn: A, B, C, A, B, C, ...
    repeats : int
        Timed runs per contender, after one untimed warm-up run each.

    Returns
    -------
    dict of str to float
        Median of ``work / seconds`` over the repeats.
    """
    for c in contenders.values():  # warm-up: numba compiles, caches fill, pages fault in
        if c.prepare:
            c.prepare()
        c.run()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, c in contenders.items():
            if c.prepare:
                c.prepare()
            t0 = time.perf_counter()
            c.run()
            times[name].append(time.perf_counter() - t0)
    return {name: contenders[name].work / statistics.median(t) for name, t in times.items()}


# ---------------------------------------------------------------------------- workload
def make_workload(n: int, seed: int = 1):
    """Shape cards (n, 20, 20) float32 and R-unit targets (n, 8) int8 in {-1, +1}."""
    rng = np.random.default_rng(seed)
    deck = shape_cards(n, rng=rng)
    targets = np.where(rng.random((n, 8)) < 0.5, 1, -1).astype(np.int8)
    targets[:, 0] = np.where(deck.labels == 1, 1, -1)
    return np.ascontiguousarray(deck.cards, dtype=np.float32), targets


def new_machine() -> MarkI:
    """The bench's machine: the full Mark I, seed 1, no end stops (weights comparable)."""
    m = MarkI(seed=1, weight_limit=None)
    m.reset_weights()  # builds the plugboard
    return m


def dense_wiring(m: MarkI):
    """(photocell threshold, S->A matrix (400, 512) float32, A thresholds (512,) float32)."""
    return np.float32(m.s_threshold), m.plugboard_.matrix(), m.plugboard_.thresholds


def naive_train(cards, targets, thr, M, thresholds, W) -> None:
    """Per-card numpy loop: S -> A -> R, and the alpha rule on the R-units that erred."""
    for card, t in zip(cards, targets):
        s = (card.ravel() >= thr).astype(np.float32)
        a = (s @ M >= thresholds).astype(np.float64)
        y = a @ W
        err = t * y <= 0
        W[:, err] += a[:, None] * t[err]


def sklearn_train(A, targets) -> np.ndarray:
    """One pass of scikit-learn's Perceptron per R-unit on A-unit activity; weights (512, 8)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Perceptron

    W = np.empty((A.shape[1], targets.shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for r in range(targets.shape[1]):
            p = Perceptron(penalty=None, eta0=1.0, shuffle=False, tol=None, max_iter=1,
                           fit_intercept=False)
            p.fit(A, targets[:, r])
            W[:, r] = p.coef_[0]
    return W


# ---------------------------------------------------------------------------- measurements
def row(name, unit, ours, baseline_name, baseline, target, higher_is_better=True) -> dict:
    """One result row: ratio ours / baseline, and whether the target is met."""
    ratio = ours / baseline if baseline else float("nan")
    if higher_is_better:
        ok, target_s = ratio >= target, f">= {target:g}x"
    else:
        ok, target_s = ours < target, f"< {target:g} {unit}"
    return {"name": name, "unit": unit, "ours": ours, "baseline_name": baseline_name,
            "baseline": baseline, "ratio": ratio, "target": target, "target_text": target_s,
            "pass": bool(ok)}


def bench_training(n: int, n_naive: int, repeats: int) -> tuple[list[dict], dict]:
    """Training presentations/s: MarkI.train vs scikit-learn's Perceptron vs a numpy loop.

    Returns the result rows and the checks ``same_weights_naive`` and
    ``same_weights_sklearn`` (the contenders do the same arithmetic).
    """
    cards, targets = make_workload(n)
    m = new_machine()
    thr, M, thresholds = dense_wiring(m)
    A = {"float64": m.associate(cards).astype(np.float64)}
    A["float32"] = A["float64"].astype(np.float32)
    A["uint8"] = A["float64"].astype(np.uint8)
    t_float = targets.astype(np.float64)
    naive_cards, naive_targets = cards[:n_naive], t_float[:n_naive]
    W_naive = np.zeros((m.a_units, m.r_units))

    def reset_naive():
        W_naive[:] = 0.0

    contenders = {"ours": Contender(lambda: m.train(cards, targets), n, m.reset_weights)}
    for dtype, a in A.items():
        contenders[f"sklearn {dtype}"] = Contender(lambda a=a: sklearn_train(a, targets), n)
    contenders["naive"] = Contender(
        lambda: naive_train(naive_cards, naive_targets, thr, M, thresholds, W_naive),
        n_naive, reset_naive)
    rates = time_interleaved(contenders, repeats)

    # Correctness: same cards, same wiring -> same potentiometer settings.
    m.reset_weights()
    m.train(naive_cards, targets[:n_naive])
    reset_naive()
    naive_train(naive_cards, naive_targets, thr, M, thresholds, W_naive)
    same_naive = bool(np.array_equal(m.weights_, W_naive))
    m.reset_weights()
    m.train(cards, targets)
    same_sklearn = bool(np.array_equal(m.weights_, sklearn_train(A["float64"], targets)))

    best = max((k for k in rates if k.startswith("sklearn")), key=rates.get)
    rows = [
        row("train: ours / scikit-learn", "cards/s", rates["ours"], best, rates[best],
            TARGET_TRAIN_SKLEARN),
        row("train: ours / numpy loop", "cards/s", rates["ours"], "numpy per-card loop",
            rates["naive"], TARGET_TRAIN_NAIVE),
    ]
    rows[0]["all_baselines"] = {k: v for k, v in rates.items() if k.startswith("sklearn")}
    checks = {"same_weights_naive": same_naive, "same_weights_sklearn": same_sklearn}
    return rows, checks


def bench_respond(n: int, repeats: int) -> tuple[list[dict], dict]:
    """Batch respond cards/s: MarkI.respond vs a bare numpy float32 matmul pipeline.

    Returns the result row and the check ``same_answers``.
    """
    cards, targets = make_workload(n, seed=2)
    m = new_machine()
    m.train(cards, targets)
    thr, M, thresholds = dense_wiring(m)
    W32 = m.weights_.astype(np.float32)
    cells = m.retina_size ** 2

    def bare():
        s = (cards.reshape(n, cells) >= thr).astype(np.float32)
        a = (s @ M >= thresholds).astype(np.float32)
        return np.where(a @ W32 > 0, 1, -1)

    rates = time_interleaved({"ours": Contender(lambda: m.respond(cards), n),
                              "bare": Contender(bare, n)}, repeats)
    same = bool(np.array_equal(m.respond(cards), bare()))
    return [row("respond: ours / numpy matmul", "cards/s", rates["ours"], "numpy float32 matmul",
                rates["bare"], TARGET_RESPOND)], {"same_answers": same}


#: Runs the command in argv, prints its exit code, wall time, peak RSS and last stderr line.
#: A child's peak RSS counts what it inherited when it was forked (Linux keeps the high-water
#: mark across exec), so a child of this big process would report at least this process's
#: size; a small wrapper process in between keeps that floor at about 10 MB.
_RSS_WRAPPER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = p.stderr.read().decode(errors="replace").strip().splitlines()
_, status, usage = os.wait4(p.pid, 0)
print(json.dumps({"returncode": os.waitstatus_to_exitcode(status),
                  "wall_s": time.perf_counter() - t0,
                  "peak_rss_mb": usage.ru_maxrss / 1024.0,
                  "stderr_last": err[-1] if err else ""}))
"""


def peak_rss(cmd: list[str]) -> dict:
    """Run ``cmd``; return its exit code, wall time, peak RSS (MB) and last stderr line.

    A wrapper process reaps the command with ``os.wait4``, which gives that one child's
    resource usage (``ru_maxrss`` is in KiB on Linux).
    """
    out = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *cmd], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def bench_memory(trials: int) -> tuple[list[dict], dict]:
    """Peak RSS and wall time of a ``trials``-card experiment, and of ``import simulator``."""
    base = peak_rss([sys.executable, "-c", "import simulator"])
    run = peak_rss([sys.executable, "-m", "simulator", "experiment", "square-circle",
                    "--trials", str(trials), "--seed", "1", "--json"])
    info = {"trials": trials, "import_peak_rss_mb": base["peak_rss_mb"],
            "available": run["returncode"] == 0}
    if not info["available"]:
        info["error"] = run["stderr_last"] or f"exit status {run['returncode']}"
        return [], info
    info.update(peak_rss_mb=run["peak_rss_mb"], wall_s=run["wall_s"])
    return [row(f"memory: {trials:,}-card experiment", "MB", run["peak_rss_mb"],
                "import simulator", base["peak_rss_mb"], TARGET_MEMORY_MB,
                higher_is_better=False)], info


# ---------------------------------------------------------------------------- front panel
def _rss_mb() -> float:
    """This process's resident set size now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _ms_stats(seconds: list[float]) -> dict:
    ms = np.array(seconds) * 1000.0
    return {"median_ms": float(np.median(ms)), "p99_ms": float(np.percentile(ms, 99)),
            "frames": len(ms)}


def panel_child(frames: int, rest_seconds: float, memory_frames: int) -> dict:
    """The panel measurements; runs in a child process with SDL's dummy drivers (see bench_panel).

    Training: the left/right demonstration running at PANEL_SPEED trials/s, the scripted stop
    on learning turned off, ``panel.update(1/60)`` untimed then ``panel.draw()`` timed; at 60
    frames/s every frame deals a card or corrects one, so every frame changes. At rest: the
    session paused and the needles settled; one iteration of the frame loop's logic (events,
    update, ``needs_frame``) is timed, and a forced full redraw. CPU at rest: the real
    ``run(panel, FrameClock(60))`` loop for ``rest_seconds``. Memory: ``memory_frames``
    update + draw iterations at 1280 x 720 while training, VmRSS at 10% and at 100%.
    """
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    import pygame

    from simulator.panel.app import Panel, run
    from simulator.panel.clock import FrameClock
    from simulator.session import Session

    pygame.init()
    dt = 1 / 60

    def training_panel(size):
        screen = pygame.display.set_mode(size)
        session = Session(seed=1958, speed=PANEL_SPEED)
        session.toggle_run()
        session.demo = False  # keep training: the demonstration would stop once learned
        return Panel(session, screen, sound=None)

    def settle(panel):
        for _ in range(60 * 60):
            pygame.event.get()
            panel.update(dt)
            if not panel.busy():
                break
        panel.draw()

    out: dict = {"sizes": {}, "speed": PANEL_SPEED}
    for size in PANEL_SIZES:
        panel = training_panel(size)
        for _ in range(30):  # warm-up: fonts, sprites, background
            panel.update(dt)
            panel.draw()
        times, changed = [], 0
        for _ in range(frames):
            panel.update(dt)
            changed += panel.needs_frame()
            t0 = time.perf_counter()
            panel.draw()
            times.append(time.perf_counter() - t0)
        training = _ms_stats(times) | {"frames_changed": changed}

        panel.session.running = False
        settle(panel)
        loop, drawn = [], 0
        for _ in range(frames):
            t0 = time.perf_counter()
            for event in pygame.event.get():
                panel.handle(event)
            panel.update(0.0)
            if panel.needs_frame():
                panel.draw()
                drawn += 1
            loop.append(time.perf_counter() - t0)
        forced = []
        for _ in range(frames):
            t0 = time.perf_counter()
            panel.draw()
            forced.append(time.perf_counter() - t0)
        out["sizes"][f"{size[0]}x{size[1]}"] = {
            "training": training,
            "rest": {"loop_iteration": _ms_stats(loop), "forced_redraw": _ms_stats(forced),
                     "frames_drawn": drawn, "frames": frames,
                     "fraction_drawn": drawn / frames}}

    # CPU at rest: the real frame loop, session paused, stopped after rest_seconds by a timer
    # thread setting ``panel.quit`` (an event would count as input and force a redraw).
    panel = training_panel(PANEL_SIZES[-1])
    panel.session.running = False
    settle(panel)
    run(panel, FrameClock(60), frames=10)  # any window events left over from set_mode
    drawn = [0]
    draw = panel.draw

    def counted_draw():
        drawn[0] += 1
        draw()

    panel.draw = counted_draw
    stop = threading.Timer(rest_seconds, setattr, (panel, "quit", True))
    c0, w0 = time.process_time(), time.perf_counter()
    stop.start()
    iterations = run(panel, FrameClock(60), frames=None)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    out["rest_cpu"] = {"cpu_s": cpu, "wall_s": wall, "percent_of_core": 100.0 * cpu / wall,
                       "loop_iterations": iterations, "frames_drawn": drawn[0]}

    # Memory over a long training run at 1280 x 720.
    panel = training_panel(PANEL_SIZES[0])
    mark = max(1, memory_frames // 10)
    rss = {}
    t0 = time.perf_counter()
    for i in range(1, memory_frames + 1):
        panel.update(dt)
        panel.draw()
        if i == mark:
            rss["at_10pct_mb"] = _rss_mb()
    rss["at_100pct_mb"] = _rss_mb()
    m = panel.session.machine
    out["memory"] = rss | {"frames": memory_frames, "wall_s": time.perf_counter() - t0,
                           "growth_mb": rss["at_100pct_mb"] - rss["at_10pct_mb"],
                           "trials": int(m.presentations_), "curve_len": len(panel.session.curve),
                           "log_len": len(panel.session.log)}
    pygame.quit()
    return out


def limit_row(name, unit, ours, target, note="") -> dict:
    """A row judged against a fixed limit (lower is better): the target stands as the baseline."""
    return {"name": name, "unit": unit, "ours": ours, "baseline_name": f"target {target:g} {unit}",
            "baseline": target, "ratio": ours / target, "target": target,
            "target_text": f"<= {target:g} {unit}", "pass": bool(ours <= target), "note": note}


def bench_panel(frames: int, rest_seconds: float, memory_frames: int) -> tuple[list[dict], dict]:
    """The front panel's frame time, idle CPU and memory, measured in a child process.

    A child keeps SDL's video driver choice clean (``SDL_VIDEODRIVER=dummy`` is set before
    pygame starts there) and keeps the panel's memory apart from the other measurements'.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--panel-child",
           json.dumps([frames, rest_seconds, memory_frames])]
    env = os.environ | {"PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        err = p.stderr.strip().splitlines()
        return [], {"available": False,
                    "error": err[-1] if err else f"exit status {p.returncode}"}
    info = json.loads(p.stdout.strip().splitlines()[-1]) | {"available": True}
    rows = []
    for size, r in info["sizes"].items():
        t, rest = r["training"], r["rest"]
        rows.append(limit_row(f"panel: frame {size}, training", "ms", t["median_ms"],
                              TARGET_PANEL_DRAW_MS,
                              f"median; p99 {t['p99_ms']:.2f} ms; {t['frames_changed']} of "
                              f"{t['frames']} frames changed"))
        rows.append(limit_row(f"panel: redraw {size}, at rest", "ms",
                              rest["forced_redraw"]["median_ms"], TARGET_PANEL_DRAW_MS,
                              f"forced full redraw, median; p99 "
                              f"{rest['forced_redraw']['p99_ms']:.2f} ms; idle loop iteration "
                              f"{rest['loop_iteration']['median_ms'] * 1000:.0f} us; frames drawn "
                              f"at rest {rest['frames_drawn']} of {rest['frames']} "
                              f"({rest['fraction_drawn']:.0%})"))
    c = info["rest_cpu"]
    rows.append(limit_row(f"panel: CPU at rest ({c['wall_s']:.0f} s)", "%",
                          c["percent_of_core"], TARGET_PANEL_REST_CPU,
                          f"% of one core; run() loop, paused: {c['cpu_s'] * 1000:.0f} ms CPU in "
                          f"{c['wall_s']:.1f} s; {c['loop_iterations']} iterations, "
                          f"{c['frames_drawn']} frames drawn"))
    mem = info["memory"]
    growth = mem["growth_mb"]
    rows.append({"name": f"panel: RSS after {mem['frames']:,} frames", "unit": "MB",
                 "ours": mem["at_100pct_mb"], "baseline_name": "RSS at 10% of the run",
                 "baseline": mem["at_10pct_mb"], "ratio": mem["at_100pct_mb"] / mem["at_10pct_mb"],
                 "target": TARGET_PANEL_RSS_GROWTH_MB,
                 "target_text": f"< +{TARGET_PANEL_RSS_GROWTH_MB:g} MB",
                 "pass": bool(growth < TARGET_PANEL_RSS_GROWTH_MB),
                 "note": f"growth {growth:+.2f} MB over {mem['trials']:,} trials at 1280x720 "
                         f"({mem['wall_s']:.0f} s); log bounded ({mem['log_len']} lines), the "
                         f"error curve grows one int per {10} trials ({mem['curve_len']:,} now)"})
    return rows, info


# ---------------------------------------------------------------------------- report
def machine_setup() -> dict:
    """CPU count, library versions, BLAS in use, OPENBLAS_CORETYPE."""
    import numba

    setup = {"python": platform.python_version(), "platform": platform.platform(),
             "cpu_count": os.cpu_count(),
             "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count(),
             "numpy": np.__version__, "numba": numba.__version__,
             "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    try:
        import sklearn
        from threadpoolctl import threadpool_info

        setup["sklearn"] = sklearn.__version__
        np_dir = Path(np.__file__).resolve().parent.parent
        setup["blas"] = [f"{i['internal_api']} {i.get('version')} {i.get('architecture')}, "
                         f"{i['num_threads']} threads"
                         for i in threadpool_info() if i["user_api"] == "blas"
                         and Path(i["filepath"]).resolve().is_relative_to(np_dir / "numpy.libs")]
    except ImportError:
        setup["sklearn"] = None
        setup["blas"] = []
    return setup


def fmt(x) -> str:
    """A number for the table: thousands separators, three significant figures."""
    if x >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def print_table(report: dict) -> None:
    """The human-readable report."""
    s = report["setup"]
    print(f"Mark I simulator bench ({'quick' if report['quick'] else 'full'})")
    print(f"  Python {s['python']} on {s['platform']}")
    print(f"  CPUs: {s['cpu_count']} ({s['cpus_usable']} usable); numpy {s['numpy']}, "
          f"numba {s['numba']}, scikit-learn {s['sklearn']}")
    print(f"  BLAS (numpy): {'; '.join(s['blas']) or 'unknown'}; "
          f"OPENBLAS_CORETYPE={s['OPENBLAS_CORETYPE'] or '(unset)'}")
    z = report["sizes"]
    print(f"  cards: train {z['train']:,}, numpy loop {z['naive']:,}, respond {z['respond']:,}; "
          f"{z['repeats']} interleaved repeats, median")
    print()
    head = f"{'measurement':<36} {'ours':>12} {'baseline':>12} {'ratio':>8} {'target':>10}  result"
    print(head)
    print("-" * len(head))
    for r in report["results"]:
        print(f"{r['name']:<36} {fmt(r['ours']):>12} {fmt(r['baseline']):>12} "
              f"{r['ratio']:>7.2f}x {r['target_text']:>10}  {'PASS' if r['pass'] else 'MISS'}")
        print(f"{'':<4}{r['unit']}; baseline: {r['baseline_name']}")
        if r.get("note"):
            print(f"{'':<4}{r['note']}")
        for k, v in r.get("all_baselines", {}).items():
            print(f"{'':<6}{k:<18} {fmt(v):>12} cards/s")
        if r["name"].startswith("memory:"):
            print(f"{'':<4}wall time {report['memory']['wall_s']:.1f} s")
    mem = report["memory"]
    if not mem.get("available"):
        print(f"memory: {mem['trials']:,}-card experiment: not available yet: {mem['error']}")
    print(f"memory: bare `import simulator`: peak RSS {mem['import_peak_rss_mb']:.0f} MB")
    if not report["panel"].get("available"):
        print(f"panel: not measured: {report['panel']['error']}")
    print()
    c = report["checks"]
    print(f"same weights: {_yes_no(c['same_weights_naive'])} (numpy loop), "
          f"{_yes_no(c['same_weights_sklearn'])} (scikit-learn)")
    print(f"same answers: {_yes_no(c['same_answers'])} (respond vs numpy matmul)")
    print(report["summary"])


def main(argv=None) -> int:
    """Run every measurement; print a table, or one JSON object with ``--json``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    p.add_argument("--json", action="store_true", help="print one JSON object instead")
    p.add_argument("--memory-trials", type=int, default=None,
                   help="cards in the memory experiment (default 100000, 2000 with --quick)")
    p.add_argument("--panel-child", metavar="JSON", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.panel_child:  # the child process of bench_panel
        print(json.dumps(panel_child(*json.loads(args.panel_child))))
        return 0
    q = int(args.quick)
    trials = args.memory_trials if args.memory_trials is not None else MEMORY_TRIALS[q]

    train_rows, checks = bench_training(N_TRAIN[q], N_NAIVE[q], REPEATS[q])
    respond_rows, respond_checks = bench_respond(N_RESPOND[q], REPEATS[q])
    memory_rows, memory = bench_memory(trials)
    panel_rows, panel = bench_panel(PANEL_FRAMES[q], PANEL_REST_SECONDS[q], PANEL_MEMORY_FRAMES[q])
    kiosk_rows, kiosk = bench_kiosk(args.quick)
    screen_rows, kiosk["screens"] = bench_screens(args.quick)
    kiosk_rows += screen_rows
    results = train_rows + respond_rows + memory_rows + panel_rows + kiosk_rows
    checks.update(respond_checks)
    checks["same_weights"] = checks["same_weights_naive"] and checks["same_weights_sklearn"]
    met = sum(r["pass"] for r in results)
    summary = (f"summary: {met}/{len(results)} targets met"
               f"{'' if memory['available'] else ' (memory not measured)'}"
               f"{'' if panel['available'] else ' (panel not measured)'}; correctness checks "
               f"{'all passed' if all(checks.values()) else 'FAILED'}")
    report = {"quick": args.quick, "setup": machine_setup(),
              "sizes": {"train": N_TRAIN[q], "naive": N_NAIVE[q], "respond": N_RESPOND[q],
                        "repeats": REPEATS[q]},
              "results": results, "checks": checks, "memory": memory, "panel": panel,
              "kiosk": kiosk, "summary": summary}
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
