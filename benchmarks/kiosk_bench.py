"""The kiosk's machine core: memory, start-up and the one-card trial, as shipped and the old way.

Run alone with ``python benchmarks/kiosk_bench.py [--quick] [--json]``; ``make bench`` runs it
as the ``kiosk:`` rows of ``benchmarks/bench.py``.

A museum's exhibit shows and teaches one card at a time. "Ours" is the machine as shipped:
a call of a few cards runs in numpy and numba is never imported. The baseline, "old path",
is the same session with every call forced through the compiled numba kernels
(``simulator.kernels.engine("numba")``), which is what every call did before: numba imported,
compiled or loaded from its cache, its worker threads started for one card.

What is measured, each in a fresh process of its own (no pygame: the session alone, the part
of the kiosk process that is the machine's; the screens' share is the ``panel:`` rows):

* RSS: peak resident memory of a session dealing and teaching ``trials`` cards (deal, the
  machine's answer, teach: a visitor's trial), and VmRSS at 10% and at 100% of them (flat?).
* Start-up: wall time from launching the process to the first trial taught, with numba's
  cache folder empty (``NUMBA_CACHE_DIR`` pointed at a new temporary folder: a fresh install)
  and warm (the same folder after one run).

Each figure is the median of the repeats, the contenders' processes interleaved.
* The one-card trial: milliseconds of CPU (every thread) and of wall time a deal + teach
  takes, over the trials after the first of the memory run. CPU is the kiosk's budget
  (the issue's targets are in % of one core); numba spreads one card over every core, so its
  wall time can be the shorter while it spends more CPU.

Targets are the issue's: RSS under 200 MB, under 2 s to the first frame with caches warm and
under 5 s without. The start-up here stops at the first trial, not at the first frame (the
screens are not drawn here).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Sizes: (full, --quick).
TRIALS = (1000, 200)
START_REPEATS = (3, 1)

TARGET_RSS_MB = 200.0
TARGET_START_WARM_S = 2.0
TARGET_START_COLD_S = 5.0
#: A Raspberry Pi 4/5 has about a quarter of this machine's speed per core (the issue).
PI_SLOWER = 4.0

ENGINES = {"ours": None, "old path": "numba"}


# ---------------------------------------------------------------------------- the child
def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def trial(session) -> None:
    """One visitor's trial: a card dealt (the machine answers), then taught its label."""
    session.deal()
    session.teach(session.card_label)


def child(engine: str | None, trials: int) -> None:
    """A session dealing and teaching ``trials`` cards; prints ``first`` after the first."""
    from simulator import kernels

    forced = kernels.engine(engine)  # for the whole process (kept: its end would undo it)
    forced.__enter__()
    from simulator.session import Session

    session = Session(seed=1958)
    trial(session)
    print("first", flush=True)
    at_10 = None
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(2, trials + 1):
        trial(session)
        if i == max(1, trials // 10):
            at_10 = _rss_mb()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    print(json.dumps({"trials": int(session.machine.presentations_), "rss_10pct_mb": at_10,
                      "rss_100pct_mb": _rss_mb(), "numba_loaded": kernels.numba_loaded(),
                      "trial_cpu_ms": 1000 * cpu / max(1, trials - 1),
                      "trial_wall_ms": 1000 * wall / max(1, trials - 1)}), flush=True)


#: Runs the command in argv; prints the time to its ``first`` line, its last line and its peak
#: RSS. A wrapper in between, as in bench.py: a child forked from this big process would
#: inherit its high-water mark.
_WRAPPER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
first, last = None, ""
for line in p.stdout:
    if line.strip() == "first" and first is None:
        first = time.perf_counter() - t0
    last = line.strip() or last
err = p.stderr.read().strip().splitlines()
_, status, usage = os.wait4(p.pid, 0)
print(json.dumps({"returncode": os.waitstatus_to_exitcode(status), "first_s": first,
                  "wall_s": time.perf_counter() - t0, "peak_rss_mb": usage.ru_maxrss / 1024.0,
                  "last": last, "stderr_last": err[-1] if err else ""}))
"""


def run_child(name: str, trials: int, cache_dir: str) -> dict:
    """One fresh process of the contender ``name``; its figures, or an error."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child",
           json.dumps([ENGINES[name], trials])]
    env = os.environ | {"NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True,
                         env=env, check=True)
    res = json.loads(out.stdout)
    if res["returncode"] != 0 or res["first_s"] is None:
        raise RuntimeError(f"{name}: {res['stderr_last'] or 'exit status ' + str(res['returncode'])}")
    if trials > 1:
        res.update(json.loads(res["last"]))
    return res


# ---------------------------------------------------------------------------- measurements
def measure_processes(trials: int, repeats: int) -> dict:
    """Start-up (numba cache empty, then warm), memory and the one-card trial's time, of each
    contender, in fresh processes, interleaved; medians of the repeats."""
    keys = ("cold_s", "warm_s", "peak_rss_mb", "trial_cpu_ms", "trial_wall_ms")
    out = {name: {key: [] for key in keys} for name in ENGINES}
    with tempfile.TemporaryDirectory(prefix="mark1-bench-") as tmp:
        for rep in range(repeats):
            for name in ENGINES:  # interleaved: load drifts hit both alike
                cache = Path(tmp, f"{name}-{rep}")
                cache.mkdir()
                out[name]["cold_s"].append(run_child(name, 1, str(cache))["first_s"])
                run = run_child(name, trials, str(cache))
                out[name]["warm_s"].append(run["first_s"])
                for key in keys[2:]:
                    out[name][key].append(run[key])
                out[name].update({k: run[k] for k in ("rss_10pct_mb", "rss_100pct_mb",
                                                      "numba_loaded", "trials")})
    for name in ENGINES:
        for key in keys:
            out[name][key + "_median"] = statistics.median(out[name][key])
    return out


def bench_kiosk(quick: bool = False) -> tuple[list[dict], dict]:
    """The ``kiosk:`` rows and the figures behind them.

    Returns
    -------
    rows : list of dict
        In the format of ``bench.py``'s rows: ours, baseline (the old path), ratio, target.
    info : dict
        Every figure, per contender.
    """
    q = int(quick)
    procs = measure_processes(TRIALS[q], START_REPEATS[q])
    ours, old = procs["ours"], procs["old path"]
    rows = []

    def limit(name, unit, key, target, note, than_old=False):
        """A row, lower is better: below ``target``, or (``than_old``) at most the old path's."""
        ok = ours[key] <= old[key] if than_old else ours[key] < target
        rows.append({"name": name, "unit": unit, "ours": ours[key], "baseline_name": "old path",
                     "baseline": old[key], "ratio": ours[key] / old[key], "target": target,
                     "target_text": "<= old" if than_old else f"< {target:g} {unit}",
                     "pass": bool(ok), "note": note})

    growth = ours["rss_100pct_mb"] - ours["rss_10pct_mb"]
    limit(f"kiosk: session RSS, {ours['trials']:,} trials", "MB", "peak_rss_mb_median",
          TARGET_RSS_MB, f"peak, session alone (no pygame); growth 10%->100% {growth:+.2f} MB (old path "
          f"{old['rss_100pct_mb'] - old['rss_10pct_mb']:+.2f}); numba loaded: "
          f"{'yes' if ours['numba_loaded'] else 'no'} (old path: "
          f"{'yes' if old['numba_loaded'] else 'no'})")
    for key, target, what in (("warm_s_median", TARGET_START_WARM_S, "warm"),
                              ("cold_s_median", TARGET_START_COLD_S, "cold")):
        limit(f"kiosk: start to first trial, {what}", "s", key, target,
              f"launch to first trial taught, numba cache {'warm' if what == 'warm' else 'empty'}; "
              f"median of {len(ours[key[:6]])}; on a Pi (x{PI_SLOWER:g}) about "
              f"{ours[key] * PI_SLOWER:.1f} s (old path {old[key] * PI_SLOWER:.1f} s)")
    limit("kiosk: one-card trial, CPU", "ms", "trial_cpu_ms_median", 1.0,
          f"deal + teach, CPU of every thread (the budget is % of a core); wall "
          f"{ours['trial_wall_ms_median']:.2f} ms (old path {old['trial_wall_ms_median']:.2f} ms "
          f"on {os.cpu_count()} cores); at 30 trials/s on a Pi (x{PI_SLOWER:g}) about "
          f"{ours['trial_cpu_ms_median'] * 30 * PI_SLOWER / 10:.1f}% of a core (old path "
          f"{old['trial_cpu_ms_median'] * 30 * PI_SLOWER / 10:.1f}%)", than_old=True)
    return rows, {"processes": procs, "available": True}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer trials and repeats")
    p.add_argument("--json", action="store_true", help="print one JSON object instead")
    p.add_argument("--child", metavar="JSON", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(*json.loads(args.child))
        return 0
    rows, info = bench_kiosk(args.quick)
    if args.json:
        print(json.dumps({"results": rows, "kiosk": info}, indent=1))
        return 0
    for r in rows:
        print(f"{r['name']:<36} {r['ours']:>10.3g} {r['baseline']:>10.3g} {r['ratio']:>7.2f}x "
              f"{r['target_text']:>10}  {'PASS' if r['pass'] else 'MISS'}")
        print(f"    {r['unit']}; baseline: {r['baseline_name']}; {r['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
