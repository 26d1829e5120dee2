"""Widrow and Hoff's LMS rule (1960) beside Rosenblatt's error correction, on one Mark I.

Rosenblatt's ``alpha`` rule turns the potentiometers of the active A-units by one fixed step,
only when the machine answers wrongly, and stops as soon as every card is answered right.
Widrow and Hoff's ADALINE rule (``lms``) turns them on every card, right or wrong, by the
size of the error, ``dw = (eta / n) (t - s) a``: it pulls each R-unit's input ``s`` towards
its target ``t`` (+1 or -1), minimising the squared error rather than counting mistakes.

The comparison trains machines that differ only in the rule on the same plugboard (one
wiring seed) and the same card stream, and measures each on the same held-out deck (new to
the photocells) at the same checkpoints: ``mark1 experiment lms`` runs one seed (the run
and the machines compared are :mod:`simulator.experiments`' ``_run_lms`` and
``LMS_MACHINES``); ``python -m simulator.lms --chart docs/images/lms.png`` draws the medians
over seeds 0-19.
"""

from __future__ import annotations

import argparse
import statistics
import sys

import numpy as np

from .errors import Mark1Error
from .experiments import LMS_MACHINES, LMS_TRIALS, run

#: Seeds of the chart (docs/LMS.md).
CHART_SEEDS = range(20)


# ---------------------------------------------------------------------------- the chart
def summarise(results) -> dict:
    """Per machine over seeds: the median curve, its IQR band and the headline figures."""
    out = {}
    for i, (key, _, _) in enumerate(LMS_MACHINES):
        ms = [r.details["machines"][i] for r in results]
        points = [t for t, _ in ms[0]["learning_curve"]]
        acc = np.array([[a for _, a in m["learning_curve"]] for m in ms])
        q1, med, q3 = np.percentile(acc, [25, 50, 75], axis=0)
        ttc = [m["trials_to_criterion"] for m in ms]
        out[key] = {
            "median": [[t, float(a)] for t, a in zip(points, med)],
            "band": ([[t, float(a)] for t, a in zip(points, q1)],
                     [[t, float(a)] for t, a in zip(points, q3)]),
            "to_criterion": statistics.median(t if t is not None else float("inf") for t in ttc),
            "reached": sum(t is not None for t in ttc),
            "final": statistics.median(m["test_accuracy"] for m in ms),
            "final_range": (min(m["test_accuracy"] for m in ms), max(m["test_accuracy"] for m in ms)),
            "mistakes": statistics.median(m["training_mistakes"] for m in ms),
            "squared_error": statistics.median(m["test_squared_error"] for m in ms),
        }
    return out


def main(argv=None) -> int:
    """``python -m simulator.lms --chart PATH [--seeds N]``: run the seeds, draw, summarise."""
    p = argparse.ArgumentParser(prog="python -m simulator.lms",
                                description="Widrow-Hoff LMS beside alpha: median learning curves")
    p.add_argument("--chart", required=True, help="PNG to write")
    p.add_argument("--seeds", type=int, default=len(CHART_SEEDS), help="seeds 0..N-1 (default 20)")
    args = p.parse_args(argv)
    from .charts import write_curves
    try:
        if args.seeds < 1:
            raise Mark1Error("--seeds must be at least 1")
        results = [run("lms", seed=s) for s in range(args.seeds)]
        summary = summarise(results)
        series = [(f"{key}: to 95% in {v['to_criterion']:.0f}, {v['final']:.1%} after "
                   f"{LMS_TRIALS:,}", v["median"], v["band"]) for key, v in summary.items()]
        write_curves(series, args.chart,
                     title="Left/right cards: Rosenblatt's alpha rule and Widrow-Hoff LMS",
                     subtitle=f"held-out cards; median of seeds 0-{args.seeds - 1}, shaded: the "
                              "middle half; one wiring, one card stream a seed")
    except Mark1Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for key, v in summary.items():
        print(f"{key:<12} to 95%: median {v['to_criterion']:.0f} ({v['reached']}/{args.seeds} "
              f"seeds reach it); after {LMS_TRIALS:,}: median {v['final']:.1%} (min-max "
              f"{v['final_range'][0]:.1%}-{v['final_range'][1]:.1%}); training mistakes "
              f"{v['mistakes']:.0f}; squared error on test cards {v['squared_error']:.3g}")
    print(f"wrote {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
