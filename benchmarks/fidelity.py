"""How close the simulator comes to the published Mark I results (docs/FIDELITY.md).

Runs every experiment of :mod:`simulator.experiments` that has a published figure over
seeds 0..N-1 and writes the fidelity table as Markdown: each published figure of
/work/shared/REFERENCE.md beside our median and spread over seeds, whether it is met, and
the command that reproduces one run. Also measures P_a, Rosenblatt's fraction of A-units a
card activates, for each experiment's settings.

The settings were chosen on seeds 1000-1009; the table is reported on seeds 0..N-1, which
were not used for tuning.

Run with ``python benchmarks/fidelity.py [--seeds N | --quick] [--out docs/FIDELITY.md]``.
Progress goes to stderr; without ``--out`` the Markdown goes to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import pickle
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
#: Where a full run keeps its runs, so ``--render`` can remake the Markdown without running.
RUNS_FILE = ROOT / "build" / "fidelity-runs.pickle"

from simulator import experiments as E  # noqa: E402
from simulator import theory  # noqa: E402
from simulator.atomicfile import write_atomically  # noqa: E402
from simulator.machine import MarkI  # noqa: E402

#: The table's seeds are 0..TABLE_SEEDS-1 by default; benchmarks/tune.py refuses to tune on them.
TABLE_SEEDS = 20
#: The first seed benchmarks/tune.py tunes on: the table never reaches it.
FIRST_TUNING_SEED = 1000


@dataclass
class Target:
    """One published figure and how ours is judged against it."""

    experiment: str
    task: str
    published: str
    #: judge(runs) -> (met, ours): "yes"/"partly"/"no" and the text of our figure; with
    #: ``against``, judge(runs, other_runs) (the other experiment's runs on the same seeds).
    judge: Callable[..., tuple[str, str]]
    against: str | None = None


def _spread(values, fmt) -> str:
    v = sorted(values)
    q1, q3 = np.percentile(v, [25, 75])
    return (f"{fmt(statistics.median(v))} (IQR {fmt(q1)}-{fmt(q3)}, "
            f"min-max {fmt(v[0])}-{fmt(v[-1])})")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _acc(runs) -> list[float]:
    return [r.test_accuracy for r in runs]


def _judge_left_right(runs):
    ttc = [r.trials_to_criterion if r.trials_to_criterion is not None else float("inf")
           for r in runs]
    med = statistics.median(ttc)
    hit = sum(t <= 50 for t in ttc)
    shown = [t if t != float("inf") else 10 ** 9 for t in ttc]
    text = (f"trials to 95% on held-out cards: {_spread(shown, lambda x: f'{x:.0f}')}; "
            f"{hit}/{len(runs)} seeds within 50; final test accuracy "
            f"{_spread(_acc(runs), _pct)}")
    met = "yes" if med <= 50 else ("partly" if hit else "no")
    return met, text


def _at_least(level, partly_below=0.01):
    def judge(runs):
        acc = _acc(runs)
        med = statistics.median(acc)
        met = ("yes" if med >= level else "partly" if med >= level - partly_below else "no")
        return met, f"test accuracy {_spread(acc, _pct)}"
    return judge


def _about(level, tol=0.05):
    def judge(runs):
        acc = _acc(runs)
        med = statistics.median(acc)
        if abs(med - level) <= tol:
            met = "yes"
        elif med > level:
            met = "partly (ours higher)"
        else:
            met = "no"
        return met, f"test accuracy {_spread(acc, _pct)}"
    return judge


def _with_template(judge):
    """``judge``, with the nearest-template matcher's figure on the same cards beside ours."""
    def judged(runs):
        met, text = judge(runs)
        nt = [r.details.get("nearest_template") for r in runs]
        if all(x is not None for x in nt):
            text += f"; a nearest-template matcher on the same cards {_spread(nt, _pct)}"
        return met, text
    return judged


def _no_figure(runs, *other):
    acc = _acc(runs)
    nt = [r.details.get("nearest_template") for r in runs]
    text = f"test accuracy {_spread(acc, _pct)}"
    if all(x is not None for x in nt):
        text += f"; a nearest-template matcher on the same cards {_spread(nt, _pct)}"
    return "no published figure", text


def _lit_count_text(runs) -> str:
    """The one-feature classifier on the count of lit photocells (details.lit_count)."""
    lc = [r.details["lit_count"]["accuracy"] for r in runs]
    return f"; the count of lit photocells alone {_spread(lc, _pct)}"


def _with_lit_count(judge):
    """``judge``, with the lit-photocell count's accuracy on the same cards beside ours."""
    def judged(runs, *other):
        met, text = judge(runs, *other)
        return met, text + _lit_count_text(runs)
    return judged


def _worse_than(runs, better):
    """The record's direction: this deck (solid) learned worse than ``better`` (outline)."""
    acc, other = _acc(runs), _acc(better)
    ahead = sum(b > a for a, b in zip(acc, other))
    behind = sum(b < a for a, b in zip(acc, other))
    met = "yes" if statistics.median(other) > statistics.median(acc) else "no"
    return met, (f"test accuracy {_spread(acc, _pct)}; thick outline (square-circle, same "
                 f"machine and seeds) ahead on {ahead} of {len(acc)} seeds, solid ahead on "
                 f"{behind}")


def _capacity(runs):
    """Recall against cards per A-unit beside Cover's probability of a separable labelling.

    *yes* when the median recall is 100% at every load where Cover's probability is at least
    0.99 and below 100% at every load where it is at most 0.01.
    """
    loads = [c for c, _ in runs[0].details["capacity_curve"]]
    cover = dict(runs[0].details["cover_probability"])
    med = {c: statistics.median(dict(r.details["capacity_curve"])[c] for r in runs)
           for c in loads}
    ok = (all(med[c] >= 1.0 for c in loads if cover[c] >= 0.99)
          and all(med[c] < 1.0 for c in loads if cover[c] <= 0.01))
    text = ("median recall (Cover's probability of a separable labelling): "
            + ", ".join(f"{c:g} cards per A-unit {_pct(med[c])} ({cover[c]:.2f})" for c in loads)
            + f"; {runs[0].a_units} A-units")
    return ("yes" if ok else "no"), text


def _never_perfect(runs):
    acc = _acc(runs)
    best = [r.best_test_accuracy for r in runs]
    met = "yes" if max(best) < 1.0 else "no"
    return met, (f"test accuracy {_spread(acc, _pct)}; best at any checkpoint "
                 f"{_pct(max(best))}")


def _rules_compared(runs):
    """The lms row: each rule's trials to 95% and final accuracy, one plugboard and stream."""
    parts = []
    for i, first in enumerate(runs[0].details["machines"]):
        ms = [r.details["machines"][i] for r in runs]
        ttc = sorted(m["trials_to_criterion"] or 10 ** 9 for m in ms)
        acc = sorted(m["test_accuracy"] for m in ms)
        parts.append(f"{first['name']}: to 95% in {statistics.median(ttc):.0f} ({ttc[0]}-"
                     f"{ttc[-1]}), final {_pct(statistics.median(acc))} ({_pct(acc[0])}-"
                     f"{_pct(acc[-1])})")
    return "no published figure", "median (min-max) over seeds; " + "; ".join(parts)


TARGETS = [
    Target("left-right", "cards marked left vs right (1958, IBM 704)",
           "learned \"after 50 trials\"", _judge_left_right),
    Target("square-circle", "square vs circle, varied position and rotation (1958, fig. 11; "
           "unconfirmed), thick outlines", ">95%", _with_lit_count(_at_least(0.95))),
    Target("square-circle", "square vs circle, sizes fixed, thick outlines", "99.8%",
           _with_lit_count(_at_least(0.998, 0.005))),
    Target("square-circle-solid", "square vs circle, solid figures, the same machine and seeds",
           "worse than thick outlines", _with_lit_count(_worse_than), against="square-circle"),
    Target("square-circle-equal-area", "square vs circle in outline, the circle as large in "
           "area as the square (a control: no lit-count cue)", "none", _with_lit_count(_no_figure)),
    Target("square-diamond", "square vs diamond", "100%", _at_least(1.0, 0.005)),
    Target("e-f", "E vs F", ">80%", _at_least(0.80, 0.05)),
    Target("letters", "26 letters, one typeface: recall of 26 fixed images under ink and "
           "photocell noise (the test cards differ from the training cards only by noise)",
           "identified without error", _with_template(_at_least(1.0, 0.01))),
    Target("letters-2", "26 letters, a second typeface added (recall, as above)", "about 85%",
           _with_template(_about(0.85))),
    Target("letters-shifted", "letters shifted by 1-3 photocells (trained centred, as "
           "\"letters\"; a documented limit of the machine)", "none", _no_figure),
    Target("xor", "XOR / parity of 16 retina blocks (Minsky & Papert 1969)", "never 100%",
           _never_perfect),
    Target("capacity", "random cards with random labels: recall against cards per A-unit "
           "(Cover 1965)", "N features separate a random labelling of 2N cards with "
           "probability 1/2", _capacity),
    Target("lms", "Widrow-Hoff LMS (1960) beside alpha: machines differing only in the rule, "
           "on one plugboard and the same left/right card stream per seed", "none (a comparison)",
           _rules_compared),
]


def seen_text(runs) -> str:
    """test_seen_in_training over seeds, and the distinct test patterns (medians)."""
    seen = [r.test_seen_in_training for r in runs]
    if any(x is None for x in seen):
        return "not measured"
    d = statistics.median(r.distinct_test_patterns for r in runs)
    return f"{_pct(statistics.median(seen))} (max {_pct(max(seen))}); {d:.0f} distinct"


def cards_text(exp) -> str:
    if exp.name == "capacity":
        loads = E.CAPACITY_LOADS
        return (f"{loads[0]:g}-{loads[-1]:g} cards per A-unit, up to {E.CAPACITY_EPOCHS} "
                "passes each")
    if exp.trials is None:
        return "its own run"
    if exp.train_cards is None:
        return f"stream of fresh cards, {exp.trials:,} presentations"
    return f"{exp.train_cards:,} cards, {exp.trials:,} presentations"


def settings_text(exp) -> str:
    defaults = MarkI().get_params()
    m = {**{k: defaults[k] for k in ("a_units", "excitatory", "inhibitory", "a_threshold",
                                       "s_threshold", "photocell_noise", "rule", "coding",
                                       "weight_limit")}, **exp.machine}
    return ", ".join(f"{k}={v}" for k, v in m.items())


def _one_run(job):
    """One experiment on one seed, and the seconds it took (run in a worker with --jobs)."""
    name, seed = job
    t0 = time.time()
    r = E.run(name, seed=seed)
    return r, time.time() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=TABLE_SEEDS,
                    help=f"seeds 0..N-1 (default {TABLE_SEEDS}; at most {FIRST_TUNING_SEED}, "
                         "below the tuning seeds)")
    ap.add_argument("--quick", action="store_true", help="3 seeds")
    ap.add_argument("--jobs", type=int, default=1,
                    help="worker processes for the runs (default 1; the figures are the same)")
    ap.add_argument("--out", type=Path, help="write the Markdown here (default: stdout)")
    ap.add_argument("--runs", type=Path, default=RUNS_FILE,
                    help=f"where the runs are kept for --render (default {RUNS_FILE.relative_to(ROOT)})")
    ap.add_argument("--render", action="store_true",
                    help="write the Markdown from the runs kept by the last full run, without "
                         "running anything (after editing the notes)")
    args = ap.parse_args(argv)
    n_seeds = 3 if args.quick else args.seeds
    if not 1 <= n_seeds <= FIRST_TUNING_SEED:
        ap.error(f"--seeds must be 1 to {FIRST_TUNING_SEED} (seeds from {FIRST_TUNING_SEED} on "
                 "are benchmarks/tune.py's)")
    seeds = list(range(n_seeds))

    names = list(dict.fromkeys(t.experiment for t in TARGETS))
    runs, pas, secs = {}, {}, {}
    t_all = time.time()
    jobs = [(name, s) for name in names + list(HELD_OUT_ONLY) for s in seeds]
    if args.render:
        try:
            with open(args.runs, "rb") as fh:
                kept = pickle.load(fh)
        except OSError as exc:
            ap.error(f"--render: cannot read {args.runs} ({exc.strerror}); run without --render first")
        if kept["jobs"] != jobs:
            ap.error(f"--render: {args.runs} holds other runs (other seeds or rows); run without "
                     "--render")
        runs, pas, secs, pa_gaps, elapsed = (kept[k] for k in ("runs", "pas", "secs", "pa_gaps",
                                                                 "elapsed"))
        return _write(args, render(runs, pas, secs, pa_gaps, n_seeds, elapsed, names))
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.jobs) if args.jobs > 1 else contextlib.nullcontext() as pool:
        done = pool.imap(_one_run, jobs) if pool else map(_one_run, jobs)
        for (name, s), (r, took) in zip(jobs, done):
            runs.setdefault(name, []).append(r)
            pas.setdefault(name, []).append(r.mean_active)
            secs[name] = secs.get(name, 0.0) + took
            print(f"[{time.time() - t_all:6.0f}s] {name} seed {s}: test "
                  f"{r.test_accuracy:.3f}, to 95% {r.trials_to_criterion}", file=sys.stderr,
                  flush=True)
    pa_gaps = [pa_gap(s) for s in seeds[:PA_SEEDS]]
    elapsed = time.time() - t_all
    args.runs.parent.mkdir(parents=True, exist_ok=True)
    blob = pickle.dumps({"jobs": jobs, "runs": runs, "pas": pas, "secs": secs,
                         "pa_gaps": pa_gaps, "elapsed": elapsed})
    write_atomically(args.runs, lambda fh: fh.write(blob))
    return _write(args, render(runs, pas, secs, pa_gaps, n_seeds, elapsed, names))


def _write(args, text: str) -> int:
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(args.out, lambda fh: fh.write(text.encode("utf-8")))
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def render(runs, pas, secs, pa_gaps, n_seeds, elapsed, names) -> str:
    """The Markdown of docs/FIDELITY.md from the runs (``runs[name]``: one Result per seed)."""
    pa_seeds = list(range(len(pa_gaps)))
    out = []
    w = out.append
    w("# Fidelity: the simulator against the published Mark I results\n")
    w(f"Generated by `python benchmarks/fidelity.py --seeds {n_seeds}` "
      f"({elapsed:.0f} s). Figures are over seeds 0-{n_seeds - 1}: median, "
      "inter-quartile range and min-max over seeds, each seed a fresh random plugboard, fresh "
      "cards and a fresh held-out test deck. Held out means new to the photocells: a test "
      "card whose photocell pattern (its light levels thresholded at the photocell threshold, "
      "before photocell noise) equals a training card's is dealt again; the column \"test "
      "cards seen in training\" measures, after each run, the fraction of test cards whose "
      "pattern any training card presented had (`test_seen_in_training` of `mark1 experiment "
      "--json`), median and max over seeds, and the median number of distinct patterns among "
      "the test cards. Targets are from REFERENCE.md (\"Published results usable as "
      "targets\").\n")
    w("**Tuning used other seeds.** Every setting below was chosen on seeds 1000-1009 and never "
      "on these seeds' test cards; the table reports seeds 0 onwards, unused in tuning. The "
      "search is `nice -n 19 python benchmarks/tune.py` (`make tune`), on seeds 1000-1009 "
      "only (it refuses seeds of this table): square-circle's connections, thresholds, "
      "outline thickness and photocell threshold, square-diamond's move of the centre, the "
      "letters' photocell noise and left-right's threshold. Its committed log, "
      "[benchmarks/tune.log](../benchmarks/tune.log), has every square-circle setting tried "
      "with its figure on each seed, the one chosen and why (that run was stopped after "
      "square-circle's choice, on a shared machine); the other three searches ran on their "
      "own (`benchmarks/tune.py --search square-diamond --search letters --search "
      "left-right`), and their log, [benchmarks/tune-others.log](../benchmarks/tune-others.log), "
      "chose the settings these rows use: a move of the centre of up to 0.5 cell, photocell "
      "noise 0.05 and an A-unit threshold of 2. `make tune` reruns all four.\n")
    w("| task | A-units | training cards / presentations | published | ours | met? | "
      "test cards seen in training | one run |")
    w("|---|---|---|---|---|---|---|---|")
    for t in TARGETS:
        exp = E.get(t.experiment)
        other = (runs[t.against],) if t.against else ()
        met, ours = t.judge(runs[t.experiment], *other)
        a = runs[t.experiment][0].a_units
        a_text = f"{a} (record: ?)" if t.experiment == "left-right" else str(a)
        w(f"| {t.task} | {a_text} | {cards_text(exp)} | {t.published} | {ours} | {met} | "
          f"{seen_text(runs[t.experiment])} | `mark1 experiment {t.experiment} --seed 0` |")
    gap = max(pa_gaps)
    w(f"| A-unit activity P_a against Rosenblatt's binomial expression (1958): "
      f"{len(theory.CHART_SETTINGS)} settings of (excitatory, inhibitory, threshold) x "
      f"{len(theory.CHART_FRACTIONS)} lit fractions R | 5000 | random cards lighting exactly R "
      f"of the photocells, 40 per point | P_a = sum over e - i >= theta of C(x,e) R^e (1-R)^(x-e) "
      f"C(y,i) R^i (1-R)^(y-i) | largest gap between measured and predicted P_a over the "
      f"{len(theory.CHART_SETTINGS) * len(theory.CHART_FRACTIONS)} points: median "
      f"{statistics.median(pa_gaps):.4f}, max {gap:.4f} over seeds 0-{pa_seeds[-1]} | "
      f"{'yes' if gap < PA_DIGITS else 'no'} | - (no training) | "
      "`python -m simulator.theory --chart docs/images/pa.png` |")
    w("")
    w("\"met?\": *yes* when the median over seeds meets the published figure; *partly* when it "
      "is within a point (half a point for 99.8% and 100%, 5 points for E vs F) or, for "
      "\"about 85%\", above it; for left-right *yes* when the median trials to 95% on held-out "
      "cards is at most 50; for XOR *yes* when no seed ever reaches 100% at any checkpoint; "
      "letters-shifted has no published figure to meet; square-circle-solid *yes* when its median "
      "is below thick outline's (square-circle's) on the same seeds and machine; capacity *yes* "
      "when recall is 100% wherever Cover's probability is at least 0.99 and below 100% "
      f"wherever it is at most 0.01; P_a *yes* when no point is off by {PA_DIGITS} or more "
      "(the third digit).\n")

    w("## Held-out cards, new to the photocells\n")
    w("Distinct photocell patterns per run, medians over seeds: among the training cards (a "
      "fixed set counted whole, a stream as presented) and among the test cards. Before this "
      "check the test cards were kept apart from the training cards by their 8-bit light "
      "levels only, and many were the same card to the photocells (\"before\", measured by "
      "dealing as the old code did, seeds 0-2).\n")
    w("| experiment | distinct training patterns | distinct test patterns (of test cards) | "
      "test cards seen in training | before |")
    w("|---|---|---|---|---|")
    for name in names + list(HELD_OUT_ONLY):
        rs = runs[name]
        if rs[0].distinct_train_patterns is None:
            continue  # its own run says why (below)
        w(f"| {name} | {statistics.median(r.distinct_train_patterns for r in rs):.0f} | "
          f"{statistics.median(r.distinct_test_patterns for r in rs):.0f} "
          f"({E.get(name).test_cards:,}) | {seen_text(rs).split(';')[0]} | {BEFORE[name]} |")
    for name, exp in E.EXPERIMENTS.items():
        if exp.held_out_note:
            kind = "its own run" if name == "capacity" else "a lecture run"
            w(f"| {name} ({kind}) | - | - | {exp.held_out_note} | - |")
    w("")

    w("## Settings and P_a\n")
    w("P_a is Rosenblatt's fraction of A-units a card activates (measured as "
      "`m.associate(cards).mean()` on each seed's held-out test cards, with that seed's "
      "wiring; the `mean_active` field of `mark1 experiment --json`). His analysis says a small "
      "P_a helps: each correction then moves few potentiometers, so learning one card disturbs "
      "others little.\n")
    w("| experiment | settings (MarkI) | P_a median (min-max) | run time per seed |")
    w("|---|---|---|---|")
    for name in names + list(HELD_OUT_ONLY):
        exp = E.get(name)
        p = pas[name]
        w(f"| {name} | {settings_text(exp)} | {statistics.median(p):.3f} "
          f"({min(p):.3f}-{max(p):.3f}) | {secs[name] / n_seeds:.1f} s |")
    w("")
    w(area_cue_section(runs))
    w(NOTES)
    return "\n".join(out) + "\n"


#: Run on the table's seeds for the held-out and settings sections only (no published figure).
HELD_OUT_ONLY = ("logistic",)
#: The P_a row's seeds: the first few of the table's (each measures 30 points on 5,000 A-units).
PA_SEEDS = 5
#: "Matches to the third digit": every point off by less than this.
PA_DIGITS = 0.005


def pa_gap(seed: int) -> float:
    """The largest |measured - Rosenblatt's P_a| over the chart's points on ``seed``."""
    return max(abs(p["measured"] - p["predicted"]) for p in theory.pa_points(seed))


#: The three square-circle decks, one machine.
SQUARE_CIRCLE = ("square-circle", "square-circle-solid", "square-circle-equal-area")


def area_cue_section(runs) -> str:
    """The lit-photocell count against the shapes, for the three square-circle decks."""
    out = ["## Square vs circle: the area cue\n",
           "With the circle's diameter equal to the square's side, a circle covers pi/4 of the "
           "square's area, so the number of lit photocells alone separates the two shapes. The "
           "one-feature classifier below calls a card a circle when its count of lit photocells "
           "is below a cut (the cut and its direction fitted on each run's latest 2,000 "
           "training cards, measured on its held-out test cards: `details.lit_count` of "
           "`mark1 experiment NAME --json`). The equal-area control draws each circle with the "
           "diameter at which it covers the square's area (outline: the ring pi t (d - t) "
           "equals the square frame 4 t (s - t)), so the count no longer tells them apart and "
           "the machine must use the shapes.\n",
           "| deck | mean lit photocells, square / circle (seed 0's test cards) | count alone: "
           "test accuracy | the Mark I: test accuracy |",
           "|---|---|---|---|"]
    for name in SQUARE_CIRCLE:
        rs = runs.get(name)
        if not rs:
            continue
        mean = rs[0].details["lit_count"]["mean_lit"]
        lc = [r.details["lit_count"]["accuracy"] for r in rs]
        out.append(f"| {name} | {mean['square']:.1f} / {mean['circle']:.1f} | "
                   f"{_spread(lc, _pct)} | {_spread(_acc(rs), _pct)} |")
    out.append("")
    return "\n".join(out)


#: test_seen_in_training with the old dealing (test cards apart from training cards by 8-bit
#: light levels only), seeds 0-2, measured when the check was added (issue 11).
BEFORE = {
    "left-right": "0.5-1.1%", "square-circle": "22.8-26.0%",
    "square-diamond": "88.0-90.3% (centred: ~32 patterns in all)", "e-f": "0.9-1.9%",
    "letters": "7.3-9.4%", "letters-2": "8.6-8.7%", "letters-shifted": "(new)",
    "xor": "11.0-15.6%", "lms": "(new)",
    "square-circle-solid": "22.8-26.0% (then square-circle)", "square-circle-equal-area": "(new)",
    "logistic": "not measured (dealt its cards independently)",
}


NOTES = """\
## Why these settings (each a documented choice where the record is silent)

What the record fixes and we keep everywhere: a 20 x 20 retina of binary photocells; a
uniformly random plugboard, fixed per experiment (per seed); binary A-units firing when lit
excitatory minus lit inhibitory inputs reach the threshold; error correction (alpha rule,
fixed increment, only on error) on the A->R potentiometers; 8 R-units. The published
A-unit counts (500, 1,000, 512) are used as published.

- **Defaults: 5 excitatory + 5 inhibitory connections, A-unit threshold 2, photocell
  threshold 0.5, alpha rule, binary coding.** "Several excitatory and several inhibitory"
  (Rosenblatt 1958); the fan-in is unconfirmed. These give P_a of 0.04-0.17 depending on how
  much of the retina a card lights, and meet left-right, square-diamond, E vs F and the
  letters without change. A threshold of 1 learns left/right faster (median ~19 trials on the
  tuning seeds) but lights a quarter of the A-units; 3 lights so few (P_a ~0.004) that
  left/right is never learned to 95%.
- **left-right**: defaults. In 1958 this task was learned by a program on an IBM 704 (shown
  on 7 July 1958 at the Office of Naval Research, Washington); the Mark I hardware was first
  shown on 23 June 1960. Here the 1958 task runs on the simulated Mark I. The card
  resolution is not documented: the 20 x 20 retina is a
  choice; the mark is a solid rectangle or blob of random size and place in its half.
  512 A-units is our choice (the record gives no count for the IBM 704 run).
- **square-circle** (three decks, one machine, the same seeds): *thick outlines*, a stroke of
  3 cells on figures 12 cells across (side = diameter, sizes fixed as the record says),
  anywhere on the retina, squares turned at random; `square-circle-solid` shows the same
  figures solid; `square-circle-equal-area` the outlines with each circle 14.5 cells across,
  so that its ring covers the square frame's area (the area cue is measured below). The
  machine: 500 A-units, *6 excitatory and no inhibitory connections, threshold 1, photocell
  threshold 0.3*, chosen by `benchmarks/tune.py` on seeds 1000-1009 as the best outline
  figure among the settings where outline beats solid: outline 99.90%, solid 99.85%
  (medians), outline ahead on 7 of the 10 tuning seeds, solid on 2. That is the record's
  direction, by a small margin, and it has a price, stated here: with no inhibitory
  connections and threshold 1 an A-unit fires whenever any of its 6 photocells is lit, so a
  card lights 85-92% of the A-units, where Rosenblatt's analysis favours a small P_a, and his
  1958 A-units have "several inhibitory" connections (the Mark I's fan-in is unconfirmed).
  *With inhibitory connections the direction was not reproduced*: none of the 36 machines
  with 2 or 5 inhibitory connections screened on seeds 1000-1004 (stroke 1.8, photocell
  threshold 0.5) put outline above solid; the closest, 4 excitatory + 2 inhibitory,
  threshold 1, gave outline 99.0% against solid 99.3%, and the setting used before (solid
  figures, 6 + 2, threshold 3) outline 97.9% against solid 99.9%. Thicker strokes and other
  photocell thresholds were searched only at stage 1's two best machines, both without
  inhibition (every figure is in [benchmarks/tune.log](../benchmarks/tune.log)). 10,000
  fresh cards, each shown once, as published; the test deck is 1,000 cards.
- **square-diamond**: figures *centred to half a cell* (size 12, outline, wobbling +-10
  degrees, the centre moved by up to 0.5 cell each way). Exactly centred, the cards make only
  about 32 distinct photocell patterns in all: 60 training cards and 1,000 test cards could
  not be new to the photocells (88-90% of the test cards were a training card's pattern). The
  half-cell move (sub-cell positions, within the record's "vary position") gives ~945
  distinct patterns per 1,000 cards; on the tuning seeds it keeps a median of 100% (a move of
  up to 1 cell: 99.8%, worst seed 96.2%). With position varied anywhere, 1,000 A-units and 60
  training cards reach only ~94% (outline) or ~97% (solid), so the published 100% implies
  the figures were shown nearly in one place.
- **E vs F**: the letter cards keep their default jitter (+-2 cells, 14-17 cells high): a
  published figure well short of 100% suggests varied cards; the defaults clear >80% with room.
- **letters / letters-2**: letters shown *in one place at one size* (15 cells high, no shift)
  with a little ink noise on each card (s.d. 0.05), and *photocell noise* (s.d. 0.05) on each
  presentation. The test is therefore *recall of 26 fixed images under noise*, which fits
  the record's wording ("recall of the trained letters"): a held-out card's photocell pattern
  differs from every training card's, but only by the few cells the ink noise flips, and a
  nearest-template matcher (the class of the training card with the nearest photocell
  pattern, `details.nearest_template` in `--json`) scores 100% (its figure is in the table
  beside ours). It is not generalisation to new letters or new places.
  With the default +-2-cell jitter and 14-17 cell heights, 512 A-units reach only ~45%. The
  26 classes are binary-coded on 5 of the 8 R-units (winner-take-all would need 26). Both
  letters experiments use the same cards and machine; only the second typeface (DejaVu Serif
  Bold beside DejaVu Sans Bold) is added, as the record says.
- **letters-shifted** (no published figure): the letters run's training cards and machine;
  the test letters are the same centred letters moved by 1, 2 or 3 whole photocells (the
  larger of the moves across and down, drawn uniformly; a direction that pushes no lit
  photocell off the retina where there is one) with the same ink noise. Nothing in the
  Mark I is shift-invariant: each A-unit watches fixed photocells, so a letter moved by a
  cell or more lights mostly other A-units. The figure is a documented limit of the machine,
  not a claim about the record; the nearest-template matcher beside it shows that matching
  photocell patterns does not survive the move either.
- **xor**: defaults; nothing to tune (see below).

## What could not be met, and why

- **Letters, a second typeface: "about 85%".** Ours is far higher (~99%). With the cards
  drawn alike for both typefaces, two clean bold typefaces are barely harder than one for
  512 A-units. Rosenblatt's 85% may reflect typefaces far apart, fewer training cards, or
  training on one typeface and testing on both; the record does not say, so we did not lower
  our figure by inventing such a condition. Our test is recall (see above), which is easier
  than any test on new letters. With the jittered cards (the old default) both
  letters experiments fall to ~40-48%.
- **Letters, one typeface: "identified without error"** is met only in part: the median is
  about 99.8% (about one held-out card in 520 wrong). The errors come from the ink and
  photocell noise that make held-out cards differ from training cards: a
  letter misread is one whose 5-bit binary code has one R-unit near zero. Rosenblatt's
  "without error" may well have been measured on the training letters themselves,
  which ours also gets right all but a fraction of a percent of the time.
- **Square vs circle, "thick outline figures did better than solid ones"** is reproduced only
  by A-units without inhibitory connections (above, and the square-circle-solid row: how
  many of seeds 0-19 outline leads on). With Rosenblatt's mixed excitatory and inhibitory
  A-units every setting tried learned solid figures better. Both figures are close to 100%
  and the margin is a few tenths of a point, so single seeds go either way.
- **Square vs circle 99.8%**: the median is met, not every seed: the stream of fresh cards is
  learned by error correction with a fixed increment, so the last corrections before the end
  of a run move the boundary, and with a card lighting most A-units (P_a ~0.85) a correction
  moves most potentiometers; single seeds end lower (the worst outline seed 94.5%; one
  equal-area seed ended at 51.4%, near chance, not yet looked into).
- **The area cue.** With side = diameter the count of lit photocells alone separates squares
  from circles (the area-cue table above), on outlines and solid figures alike, so neither
  row shows by itself that the machine tells the shapes apart. The equal-area control takes
  the cue away; its row is the figure for the shapes themselves.
- **XOR / parity: never 100%, and guaranteed.** The parity cards light whole blocks of a 4 x 4
  division of the retina, so each A-unit computes a function of the at most 10 blocks its 10
  photocells fall in (5 + 5 connections). Minsky & Papert's order argument: parity of 16
  blocks has order 16, so no weighting of A-units each depending on fewer than 16 blocks
  computes it. Stronger still, with fair random blocks any such A-unit is uncorrelated with
  the parity, so the machine stays at chance (~50%), whatever the threshold, rule or number
  of trials. Only A-units of at least 16 connections, one in each block, could help.

## Recommended global defaults

The MarkI defaults (5 + 5 connections, threshold 2, photocell threshold 0.5, alpha,
binary coding) can stay: only square-circle needs other machine settings, and the letters
need photocell noise 0.05 (a default of 0.05 would be a reasonable, faithful choice: real
photocells were noisy; it leaves the other experiments essentially unchanged on the tuning
seeds, but was not swept for them).
"""


if __name__ == "__main__":
    sys.exit(main())
