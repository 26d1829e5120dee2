"""Widrow and Hoff's LMS rule (1960) beside Rosenblatt's error correction, on one Mark I.

Rosenblatt's ``alpha`` rule turns the potentiometers of the active A-units by one fixed step,
only when the machine answers wrongly, and stops as soon as every card is answered right.
Widrow and Hoff's ADALINE rule (``lms``) turns them on every card, right or wrong, by the
size of the error, ``dw = (eta / n) (t - s) a``: it pulls each R-unit's input ``s`` towards
its target ``t`` (+1 or -1), minimising the squared error rather than counting mistakes.

The comparison trains machines that differ only in the rule on the same plugboard (one
wiring seed) and the same card stream, and measures each on the same held-out deck (new to
the photocells) at the same checkpoints. ``mark1 experiment lms`` runs one seed;
``python -m simulator.lms --chart docs/images/lms.png`` draws the medians over seeds 0-19.
"""

from __future__ import annotations

import argparse
import statistics
import sys

import numpy as np

from . import coding as _coding
from .errors import Mark1Error

#: The task: the 1958 demonstration's left/right cards, a fresh card every presentation.
TASK = "left-right"
#: Presentations: five times left-right's 200, so the curves show where each rule settles.
TRIALS = 1000
#: The machines compared: (key, rule, learning rate). eta 1 removes each card's whole error
#: (the largest share that never overshoots); eta 0.1 a tenth, so a correction averages over
#: about ten cards, the settling least-mean-squares fit of the theory. Both are chosen on
#: principle, not tuned; the headline run (:data:`HEADLINE`) is the averaging one.
MACHINES = (("alpha", "alpha", 1.0), ("lms eta 1", "lms", 1.0), ("lms eta 0.1", "lms", 0.1))
HEADLINE = "lms eta 0.1"
#: Seeds of the chart and of docs/FIDELITY.md's row.
CHART_SEEDS = range(20)


def squared_error(machine, deck) -> float:
    """Mean of (t - s)^2 over ``deck``'s cards and the R-units that code a class."""
    k = len(deck.class_names)
    t = _coding.encode(deck.labels.astype(np.int64), machine.coding, k, machine.r_units)
    s = machine.scores(deck.cards)
    asked = t != 0
    return round(float(np.mean((t[asked] - s[asked]) ** 2)), 6)


def run_lms(*, seed, trials, a_units, test_cards):
    """Train the :data:`MACHINES` on one plugboard and one card stream; a Result.

    The plugboard, test deck and training stream are drawn exactly as
    :func:`simulator.experiments.run` draws them for :data:`TASK` on ``seed``, so the
    ``alpha`` machine's run is ``mark1 experiment left-right --seed S --trials N``'s. The
    training blocks dealt for it are kept and presented, in the same order, to the others.

    Returns
    -------
    Result
        The :data:`HEADLINE` machine's figures, with ``details["machines"]`` holding each
        machine's rule, learning rate, ``learning_curve``, trials to criterion, final and
        best test accuracy, mistakes made in training and squared error on the test cards.
    """
    from . import experiments as E
    from .learning import Result, build_machine, learn, mean_active

    exp = E.get(TASK)
    trials = TRIALS if trials is None else trials
    settings = dict(exp.machine)
    if a_units is not None:
        settings["a_units"] = a_units
    wiring_ss, test_ss, train_ss = np.random.SeedSequence(seed).spawn(3)
    base = build_machine(seed, wiring_ss, **settings)
    train_rng, test_rng = np.random.default_rng(train_ss), np.random.default_rng(test_ss)
    threshold = float(base.s_threshold)
    test = exp.deal(test_cards or exp.test_cards, test_rng)
    test_keys = set(E.photocell_patterns(test.cards, threshold))
    train_keys: set[bytes] = set()
    blocks = []

    def deal_block(k):
        block = E.deal_unseen(exp.deal, k, train_rng, test_keys, threshold=threshold,
                              name=f"{TASK} training cards")
        train_keys.update(E.photocell_patterns(block.cards, threshold))
        blocks.append(block)
        return block

    runs = {}
    for key, rule, eta in MACHINES:
        m = base.copy()  # the same plugboard, potentiometers centred, noise in the same state
        m.set_params(rule=rule, learning_rate=eta)
        if not runs:
            learned = learn(m, deal_block, test, trials)
        else:
            replay = iter(list(blocks))
            learned = learn(m, lambda k, replay=replay: _same(next(replay), k), test, trials)
        runs[key] = (m, learned)
    m, learned = runs[HEADLINE]
    train_acc = m.score(learned.recent.cards, learned.recent.labels)
    params = {k: v for k, v in m.get_params().items() if k not in ("seed", "wiring_seed")}
    result = Result("lms", seed, m.a_units, trials, learned.to_criterion, round(train_acc, 6),
                    round(learned.curve[-1][1], 6), round(learned.best, 6), learned.curve,
                    learned.errors, "", test.class_names, params, mean_active(base, test))
    test_list = E.photocell_patterns(test.cards, threshold)
    result.test_seen_in_training = round(sum(k in train_keys for k in test_list) / len(test_list), 6)
    result.distinct_train_patterns = len(train_keys)
    result.distinct_test_patterns = len(set(test_list))
    machines = []
    for key, rule, eta in MACHINES:
        mk, lk = runs[key]
        machines.append({
            "name": key, "rule": rule, "learning_rate": eta, "learning_curve": lk.curve,
            "trials_to_criterion": lk.to_criterion, "test_accuracy": lk.curve[-1][1],
            "best_test_accuracy": round(lk.best, 6),
            "training_mistakes": int(sum(e for _, e in lk.errors)),
            "test_squared_error": squared_error(mk, test)})
    result.details = {"task": TASK, "machines": machines, "finding": _finding(machines, trials)}
    return result


def _same(block, k):
    """A replayed block, which must be the size the run asks for (else the runs diverged)."""
    if len(block) != k:
        raise AssertionError(f"replayed block of {len(block)} cards where {k} were asked")
    return block


def _finding(machines, trials) -> str:
    def to(m):
        t = m["trials_to_criterion"]
        return "not reached" if t is None else f"{t:,}"
    parts = [f"{m['name']} {to(m)}" for m in machines]
    finals = [f"{m['name']} {m['test_accuracy']:.1%} (squared error {m['test_squared_error']:.3g})"
              for m in machines]
    return (f"Same plugboard, same {TASK} cards. Presentations to 95% on held-out cards: "
            + ", ".join(parts) + f". After {trials:,}: " + ", ".join(finals) + ". LMS turns "
            "the active potentiometers on every card by the size of the error; alpha only when "
            "wrong, by a fixed step.")


# ---------------------------------------------------------------------------- the chart
def summarise(results) -> dict:
    """Per machine over seeds: the median curve, its IQR band and the headline figures."""
    out = {}
    for i, (key, _, _) in enumerate(MACHINES):
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
    from .experiments import run
    try:
        if args.seeds < 1:
            raise Mark1Error("--seeds must be at least 1")
        results = [run("lms", seed=s) for s in range(args.seeds)]
        summary = summarise(results)
        series = [(f"{key}: to 95% in {v['to_criterion']:.0f}, {v['final']:.1%} after "
                   f"{TRIALS:,}", v["median"], v["band"]) for key, v in summary.items()]
        write_curves(series, args.chart,
                     title="Left/right cards: Rosenblatt's alpha rule and Widrow-Hoff LMS",
                     subtitle=f"held-out cards; median of seeds 0-{args.seeds - 1}, shaded: the "
                              "middle half; one wiring, one card stream a seed")
    except Mark1Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for key, v in summary.items():
        print(f"{key:<12} to 95%: median {v['to_criterion']:.0f} ({v['reached']}/{args.seeds} "
              f"seeds reach it); after {TRIALS:,}: median {v['final']:.1%} (min-max "
              f"{v['final_range'][0]:.1%}-{v['final_range'][1]:.1%}); training mistakes "
              f"{v['mistakes']:.0f}; squared error on test cards {v['squared_error']:.3g}")
    print(f"wrote {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
