"""The settings search behind docs/FIDELITY.md, in the open: every setting tried, on named seeds.

Each search runs its candidate settings on the tuning seeds (default 1000-1009) and writes
every setting tried, its figure on each seed, the setting chosen and the rule that chose it to
a log (default ``benchmarks/tune.log``, kept in the repository). The fidelity table
(benchmarks/fidelity.py) reports seeds 0..N-1 (N = 20); tuning seeds that overlap those are
refused, so the table is never tuned on.

Searches (``--search``, default all four):

- ``square-circle``: the thick-outline experiment against its solid variant on one machine
  (the equal-area control is run on the chosen setting). Stage 1 screens the A-units'
  connections and threshold on the first half of the tuning seeds with the cards as they
  were registered (stroke 1.8 cells, size 12, photocell threshold 0.5); stage 2 sweeps the
  outline's thickness and the photocell threshold at stage 1's best two machines on every
  tuning seed; stage 3 tries the best of stage 2 at another fixed size. Everything else is
  the record's: a random plugboard, binary A-units, error correction (alpha), 500 A-units,
  10,000 presentations.
- ``square-diamond``: how far the figures' centres may move (``max_shift``).
- ``letters``: photocell noise.
- ``left-right``: the A-unit threshold.

Searches judged on final held-out accuracy skip the learning curve's intermediate
measurements (:func:`final_accuracy_only`): the same cards in the same blocks, the test deck
scored once at the end, so the figure is the one ``mark1 experiment NAME --seed S`` reports.

Run with ``nice -n 19 python benchmarks/tune.py [--search NAME ...] [--seeds 1000-1009]
[--jobs 2] [--quick] [--log PATH]``. Seeds that overlap the table's are one line on stderr and
exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fidelity import TABLE_SEEDS  # noqa: E402

from simulator import experiments as E  # noqa: E402
from simulator import learning  # noqa: E402
from simulator.atomicfile import write_atomically  # noqa: E402
from simulator.cards import Deck  # noqa: E402

#: The seeds every search runs on unless told otherwise.
TUNING_SEEDS = tuple(range(1000, 1010))
DEFAULT_LOG = ROOT / "benchmarks" / "tune.log"
SEARCH_NAMES = ("square-circle", "square-diamond", "letters", "left-right")


class Refused(Exception):
    """A request the search will not run (one line for the person)."""


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"1000-1009"`` or ``"1000,1003,1007"`` -> the seeds, in order, without repeats."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            first, last = int(lo), int(hi) if hi else int(lo)
            if last < first or first < 0:
                raise ValueError
            seeds.extend(range(first, last + 1))
    except ValueError:
        raise Refused(f"--seeds {text!r}: give a range like 1000-1009 or a list like "
                      "1000,1001") from None
    return tuple(dict.fromkeys(seeds))


def check_seeds(seeds: tuple[int, ...], table_seeds: int) -> None:
    """Refuse tuning seeds that the fidelity table reports (0..table_seeds-1)."""
    overlap = sorted(s for s in seeds if s < table_seeds)
    if overlap:
        shown = ", ".join(map(str, overlap[:5])) + (" ..." if len(overlap) > 5 else "")
        raise Refused(f"seeds {shown} overlap the fidelity table's seeds 0-{table_seeds - 1}; "
                      f"tune on others (default {TUNING_SEEDS[0]}-{TUNING_SEEDS[-1]})")


# ------------------------------------------------------------------------- running fast
def memo_deal(deal: Callable[[int, np.random.Generator], Deck]):
    """``deal`` that remembers what it dealt from each generator state.

    A deal is a function of ``n`` and the generator's state, so a second call from the same
    state returns the same deck and leaves the generator where the first call left it: the
    machine settings of a search train on exactly the cards they would have drawn, drawn once.
    """
    store: dict = {}

    def dealt(n: int, rng: np.random.Generator) -> Deck:
        st = rng.bit_generator.state
        key = (n, st["state"]["state"], st["state"]["inc"], st["has_uint32"], st["uinteger"])
        hit = store.get(key)
        if hit is None:
            deck = deal(n, rng)
            store[key] = (deck, rng.bit_generator.state)
            return deck
        rng.bit_generator.state = hit[1]
        return hit[0]
    return dealt


def _learn_to_the_end(machine, next_block, test, trials, *, progress=None):
    """:func:`simulator.learning.learn` without its intermediate test-deck measurements.

    The blocks are the ones ``learn`` asks for (up to each checkpoint, at most BLOCK at a
    time), so the machine sees the same cards in the same order and ends with the same
    potentiometers; only the test deck is scored once, at the end.
    """
    if machine.photocell_noise > 0:
        # noisy photocells draw from the machine's generator at every measurement, so the
        # measurements change the noise the training cards get: only the full run is the run
        return _REAL_LEARN(machine, next_block, test, trials, progress=progress)
    n_classes = len(test.class_names)
    done, wrong, kept = 0, 0, []
    for point in learning.checkpoints(trials):
        while done < point:
            block = next_block(min(point - done, learning.BLOCK))
            kept = (kept + [block])[-(learning.TRAIN_WINDOW + 1):]
            wrong += int(machine.train(block.cards, block.labels, n_classes=n_classes)
                         .mistakes.sum())
            done += len(block)
    cards = np.concatenate([b.cards for b in kept])[-learning.TRAIN_WINDOW:]
    labels = np.concatenate([b.labels for b in kept])[-learning.TRAIN_WINDOW:]
    acc = round(machine.score(test.cards, test.labels), 6)
    return learning.Learning([[done, acc]], [[done, wrong]], acc,
                             done if acc >= learning.CRITERION else None,
                             Deck(cards, labels, test.class_names))


_REAL_LEARN = E.learn


@contextlib.contextmanager
def final_accuracy_only():
    """Within it, :func:`simulator.experiments.run` measures the test deck only at the end.

    Not for machines with photocell noise (they run in full: see :func:`_learn_to_the_end`).
    """
    E.learn = _learn_to_the_end
    try:
        yield
    finally:
        E.learn = _REAL_LEARN


# ------------------------------------------------------------------------- the searches
@dataclass
class Search:
    """One search: the variants it runs, what it measures, and the rule that chooses."""

    name: str
    varies: str
    #: Variant name -> ``make(setting) -> Experiment``.
    variants: dict
    #: The figure logged per seed, ``measure(result)``, and its format.
    measure: Callable
    fmt: str
    choose: Callable
    trials: int | None = None
    test_cards: int | None = None
    #: The variants the choice needs (None: all); the others run once, on the chosen setting.
    search_variants: tuple | None = None
    #: Whether only the final accuracy counts (see :func:`final_accuracy_only`).
    final_only: bool = True


#: The square-circle settings that shape the cards rather than the machine.
SC_CARDS = ("thickness", "size")
#: What a deck depends on: the deck is drawn once per seed while these stay the same.
CARD_KEYS = ("thickness", "size", "max_shift")


def _sc_variant(variant: str):
    base = E.get("square-circle")

    def make(setting: dict) -> E.Experiment:
        machine = {**base.machine, **{k: v for k, v in setting.items() if k not in SC_CARDS}}
        deal = E.square_circle_deal(variant, size=setting["size"], thickness=setting["thickness"])
        return dataclasses.replace(base, name=f"square-circle ({variant})", deal=deal,
                                   machine=machine)
    return make


def _registry_variant(name: str):
    base = E.get(name)

    def make(setting: dict) -> E.Experiment:
        machine = {**base.machine, **{k: v for k, v in setting.items() if k != "max_shift"}}
        deal = base.deal
        if "max_shift" in setting:
            deal = E._shapes("square", "diamond", max_shift=setting["max_shift"])
        return dataclasses.replace(base, deal=deal, machine=machine)
    return make


def _direction(row: dict) -> tuple[bool, int, int]:
    """(outline better than solid, seeds outline is ahead, seeds solid is ahead)."""
    o, s = row["figures"]["outline"], row["figures"]["solid"]
    wins = sum(a > b for a, b in zip(o, s))
    losses = sum(a < b for a, b in zip(o, s))
    return statistics.median(o) > statistics.median(s) and wins > losses, wins, losses


def _sc_key(row: dict):
    """square-circle's choice rule as a sort key: direction first, then outline accuracy."""
    o, s = row["figures"]["outline"], row["figures"]["solid"]
    return (_direction(row)[0], statistics.median(o), statistics.fmean(o),
            statistics.median(o) - statistics.median(s))


def _choose_square_circle(rows: list[dict]) -> tuple[int, str]:
    """Outline better than solid, then the best outline, among rows on every tuning seed.

    A setting reproduces the record's direction when its median outline accuracy over the
    tuning seeds is above its median solid accuracy and outline is ahead on more seeds than
    solid is. Among those: the highest median outline accuracy, then the highest mean, then
    the widest margin over solid. Without any: the highest median outline accuracy, said so.
    """
    full = max(len(r["seeds"]) for r in rows)
    pool = [i for i, r in enumerate(rows) if len(r["seeds"]) == full]
    best = max(pool, key=lambda i: _sc_key(rows[i]))
    r = rows[best]
    o, s = r["figures"]["outline"], r["figures"]["solid"]
    good = [i for i in pool if _direction(rows[i])[0]]
    ok, wins, losses = _direction(r)
    figures = (f"outline {statistics.median(o):.2%} (worst seed {min(o):.1%}), solid "
               f"{statistics.median(s):.2%}; outline ahead on {wins} of {len(o)} seeds, "
               f"solid on {losses}")
    if ok:
        return best, (f"{len(good)} of the {len(pool)} settings run on every tuning seed "
                      "reproduce the record's direction (outline's median above solid's and "
                      "outline ahead on more seeds); of those this has the highest median "
                      f"outline accuracy: {figures}")
    return best, ("NO setting tried reproduces the record's direction (outline better than "
                  f"solid); this one has the highest median outline accuracy: {figures}")


def _choose_diamond(rows):
    """The largest move of the centre at which the median over the tuning seeds is 100%."""
    def med(i):
        return statistics.median(rows[i]["figures"]["square-diamond"])
    ok = [i for i in range(len(rows)) if med(i) >= 1.0]
    if not ok:
        return max(range(len(rows)), key=med), "no move keeps a median of 100%: the most accurate"
    best = max(ok, key=lambda i: rows[i]["setting"]["max_shift"])
    f = rows[best]["figures"]["square-diamond"]
    return best, ("the largest move whose median over the tuning seeds is 100% (the record's "
                  f"100% from 60 cards), so position varies as much as it can: worst seed "
                  f"{min(f):.1%}")


def _choose_letters(rows):
    """The photocell noise with the highest median recall (then mean; then the least noise)."""
    def key(i):
        f = rows[i]["figures"]["letters"]
        return statistics.median(f), statistics.fmean(f), -rows[i]["setting"]["photocell_noise"]
    best = max(range(len(rows)), key=key)
    f = rows[best]["figures"]["letters"]
    none = [r for r in rows if r["setting"]["photocell_noise"] == 0.0]
    without = (f"; without noise {statistics.median(none[0]['figures']['letters']):.1%}"
               if none else "")
    return best, (f"the highest median recall on the tuning seeds, {statistics.median(f):.1%} "
                  f"(mean {statistics.fmean(f):.2%}){without}")


def _choose_left_right(rows):
    """Among thresholds learning within 50 trials (median), the one lighting fewest A-units."""
    def med(i):
        return statistics.median(rows[i]["figures"]["left-right"])
    ok = [i for i in range(len(rows)) if med(i) <= 50]
    if not ok:
        return min(range(len(rows)), key=med), "no threshold learns within 50 trials: the fastest"
    best = min(ok, key=lambda i: rows[i]["p_a"]["left-right"])
    return best, (f"learns to 95% within 50 trials on the median (the record's \"after 50 "
                  f"trials\": {med(best):.0f}) with the smallest P_a "
                  f"({rows[best]['p_a']['left-right']:.3f}) of those that do: Rosenblatt's "
                  "analysis favours a small P_a")


#: trials_to_criterion of a run that never reached 95%.
NEVER = 10 ** 9


def _trials_to_95(result) -> float:
    return float(result.trials_to_criterion if result.trials_to_criterion is not None else NEVER)


def make_search(name: str, quick: bool) -> Search:
    """The search called ``name`` (``quick``: short runs)."""
    if name == "square-circle":
        return Search(
            name, "excitatory, inhibitory, a_threshold (stage 1), thickness and s_threshold "
            "(stage 2), size (stage 3)",
            {v: _sc_variant(v) for v in E.SQUARE_CIRCLE_VARIANTS},
            lambda r: r.test_accuracy, "{:.4f}", _choose_square_circle,
            trials=200 if quick else None, test_cards=100 if quick else None,
            search_variants=("outline", "solid"))
    if name == "square-diamond":
        return Search(name, "max_shift (cells the centre may move each way)",
                      {name: _registry_variant(name)}, lambda r: r.test_accuracy, "{:.4f}",
                      _choose_diamond, trials=60 if quick else None,
                      test_cards=100 if quick else None)
    if name == "letters":
        return Search(name, "photocell_noise (standard deviation of light per presentation)",
                      {name: _registry_variant(name)}, lambda r: r.test_accuracy, "{:.4f}",
                      _choose_letters, trials=260 if quick else None,
                      test_cards=52 if quick else None, final_only=False)
    return Search(name, "a_threshold", {name: _registry_variant(name)}, _trials_to_95, "{:.0f}",
                  _choose_left_right, trials=60 if quick else None,
                  test_cards=100 if quick else None, final_only=False)


#: The machine and cards square-circle had before this search (issue 11's starting point).
SC_START = {"excitatory": 6, "inhibitory": 2, "a_threshold": 3, "thickness": 1.8, "size": 12.0,
            "s_threshold": 0.5}


def stage_settings(name: str, stage: int, rows: list[dict], quick: bool) -> list[dict]:
    """The settings of ``stage`` (1, 2, ...) given the rows so far; [] when the search is done."""
    if name != "square-circle":
        if stage > 1:
            return []
        values = {"square-diamond": ("max_shift", [0.5, 2.0] if quick else [0.0, 0.5, 1.0, 2.0]),
                  "letters": ("photocell_noise", [0.0, 0.05] if quick else [0.0, 0.02, 0.05, 0.1]),
                  "left-right": ("a_threshold", [1.0, 2.0] if quick else [1.0, 2.0, 3.0])}[name]
        return [{values[0]: v} for v in values[1]]
    cards = {k: SC_START[k] for k in ("thickness", "size", "s_threshold")}
    if stage == 1:
        if quick:
            return [SC_START, {**SC_START, "excitatory": 5, "inhibitory": 5, "a_threshold": 2}]
        return [{"excitatory": e, "inhibitory": i, "a_threshold": t, **cards}
                for e in (4, 6, 8, 10) for i in (0, 2, 5) for t in (1, 2, 3, 4) if t <= e]
    ranked = sorted(rows, key=_sc_key, reverse=True)
    if stage == 2 and not quick:
        machines = [{k: r["setting"][k] for k in ("excitatory", "inhibitory", "a_threshold")}
                    for r in ranked[:2]]
        return [{**m, "thickness": th, "size": 12.0, "s_threshold": st} for m in machines
                for th in (1.5, 2.0, 2.5, 3.0) for st in (0.3, 0.5, 0.7)]
    if stage == 3 and not quick:
        best = ranked[0]["setting"]
        return [{**best, "size": 10.0}]
    return []


def stage_seeds(name: str, stage: int, seeds: tuple[int, ...]) -> tuple[int, ...]:
    """square-circle's stage 1 screens on the first half of the seeds; the rest use all."""
    if name == "square-circle" and stage == 1 and len(seeds) > 2:
        return seeds[:len(seeds) // 2]
    return seeds


def _setting_text(setting: dict) -> str:
    return " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in setting.items())


def _one_seed(job) -> list[dict]:
    """Every (setting, variant) of ``job`` on one seed: [{figure, p_a}] in order.

    Runs in a worker; decks are drawn once per card setting and variant, then reused.
    """
    name, quick, seed, pairs = job
    search = make_search(name, quick)
    memos: dict = {}
    out = []
    with final_accuracy_only() if search.final_only else contextlib.nullcontext():
        for setting, variant in pairs:
            exp = search.variants[variant](setting)
            cards = tuple((k, setting.get(k)) for k in CARD_KEYS
                          if not (variant == "solid" and k == "thickness"))
            memo = memos.get((variant, cards))
            if memo is None:
                for old in [k for k in memos if k[0] == variant]:
                    del memos[old]  # one card setting per variant in memory at a time
                memo = memos[(variant, cards)] = memo_deal(exp.deal)
            r = E.run(dataclasses.replace(exp, deal=memo), seed=seed, trials=search.trials,
                      test_cards=search.test_cards)
            out.append({"figure": float(search.measure(r)), "p_a": r.mean_active})
    return out


def evaluate(name: str, quick: bool, settings: list[dict], variants, seeds, pool) -> list[dict]:
    """Rows for ``settings``: each variant's figure on each seed and its median P_a.

    A solid figure ignores the outline's thickness, so settings that differ only in it share
    the solid runs.
    """
    order = sorted(range(len(settings)),
                   key=lambda i: tuple(str(settings[i].get(c)) for c in CARD_KEYS))
    pairs, index = [], {}
    for i in order:
        for v in variants:
            s = settings[i]
            key = (v, _setting_text({k: x for k, x in s.items()
                                     if not (v == "solid" and k == "thickness")}))
            if key not in index:
                index[key] = len(pairs)
                pairs.append((s, v))
    jobs = [(name, quick, seed, pairs) for seed in seeds]
    # one seed per task: the workers share the seeds out evenly however many there are
    per_seed = pool.map(_one_seed, jobs, chunksize=1) if pool else [_one_seed(j) for j in jobs]
    rows = []
    for s in settings:
        figures, p_a = {}, {}
        for v in variants:
            j = index[(v, _setting_text({k: x for k, x in s.items()
                                         if not (v == "solid" and k == "thickness")}))]
            figures[v] = [per_seed[n][j]["figure"] for n in range(len(seeds))]
            p_a[v] = statistics.median(per_seed[n][j]["p_a"] for n in range(len(seeds)))
        rows.append({"setting": s, "figures": figures, "p_a": p_a, "seeds": tuple(seeds)})
    return rows


def _log_row(out: list[str], k: int, stage: str, row: dict, fmt: str) -> None:
    seeds = row["seeds"]
    out.append(f"setting {k} [{stage}] {_setting_text(row['setting'])}")
    for variant, figs in row["figures"].items():
        per = " ".join(fmt.format(x) for x in figs)
        out.append(f"  {variant:<14} seeds {seeds[0]}-{seeds[-1]}: {per} | median "
                   f"{fmt.format(statistics.median(figs))} | min {fmt.format(min(figs))} | "
                   f"P_a {row['p_a'][variant]:.3f}")


def run_search(name: str, quick: bool, seeds, out: list[str], pool,
               save: Callable[[], None] = lambda: None) -> dict:
    """Run one search, appending its section of the log to ``out``; returns the chosen row.

    ``save()`` is called after each stage, so a long search's log can be read as it goes.
    """
    search = make_search(name, quick)
    variants = search.search_variants or tuple(search.variants)
    out.append(f"## search {name}")
    out.append(f"varies: {search.varies}")
    out.append("measure: " + ("presentations until 95% on held-out cards (10^9: never)"
                              if name == "left-right" else "held-out test accuracy at the end")
               + f"; trials {search.trials or 'as registered'}, test cards "
               f"{search.test_cards or 'as registered'}")
    t0, rows, stage = time.time(), [], 1
    while True:
        settings = stage_settings(name, stage, rows, quick)
        if not settings:
            break
        tried = {_setting_text(r["setting"]) for r in rows if len(r["seeds"]) == len(seeds)}
        settings = [s for s in settings if _setting_text(s) not in tried]
        st_seeds = stage_seeds(name, stage, seeds)
        out.append(f"stage {stage}: {len(settings)} settings on seeds {st_seeds[0]}-{st_seeds[-1]}")
        new = evaluate(name, quick, settings, variants, st_seeds, pool)
        for row in new:
            rows.append(row)
            _log_row(out, len(rows), f"stage {stage}", row, search.fmt)
        print(f"[{time.time() - t0:6.0f}s] {name} stage {stage}: {len(new)} settings", file=sys.stderr,
              flush=True)
        save()
        stage += 1
    best, why = search.choose(rows)
    out.append(f"chosen: setting {best + 1}: {_setting_text(rows[best]['setting'])}")
    out.append(f"why: {why}")
    rest = [v for v in search.variants if v not in variants]
    if rest:
        row = evaluate(name, quick, [rows[best]["setting"]], tuple(search.variants), seeds,
                       pool)[0]
        out.append(f"the chosen setting with every variant, one machine ({', '.join(rest)} "
                   "does not enter the choice):")
        _log_row(out, best + 1, "chosen", row, search.fmt)
    out.append(f"took {time.time() - t0:.0f} s for {len(rows)} settings")
    out.append("")
    return rows[best]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="tune.py", description=__doc__.splitlines()[0])
    ap.add_argument("--search", action="append", choices=SEARCH_NAMES,
                    help="a search to run (repeat for more; default all)")
    ap.add_argument("--seeds", default=None,
                    help=f"tuning seeds (default {TUNING_SEEDS[0]}-{TUNING_SEEDS[-1]}; "
                         f"--quick: {TUNING_SEEDS[0]}-{TUNING_SEEDS[1]})")
    ap.add_argument("--table-seeds", type=int, default=TABLE_SEEDS,
                    help=f"the fidelity table's seed count N; seeds 0..N-1 are refused "
                         f"(default {TABLE_SEEDS})")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--quick", action="store_true",
                    help="a short check: 2 seeds, 2 settings per search, short runs")
    ap.add_argument("--log", type=Path, default=None,
                    help=f"where the log goes (default {DEFAULT_LOG.relative_to(ROOT)})")
    args = ap.parse_args(argv)
    try:
        default = f"{TUNING_SEEDS[0]}-{TUNING_SEEDS[1] if args.quick else TUNING_SEEDS[-1]}"
        seeds = parse_seeds(args.seeds or default)
        check_seeds(seeds, args.table_seeds)
    except Refused as e:
        print(f"tune.py: error: {e}", file=sys.stderr)
        return 2
    log_path = args.log or DEFAULT_LOG
    names = args.search or list(SEARCH_NAMES)
    started, t0, out = datetime.now(UTC), time.time(), []
    shown = ", ".join(map(str, seeds)) if len(seeds) < 4 else f"{seeds[0]}-{seeds[-1]}"
    given = " ".join(argv if argv is not None else sys.argv[1:])

    def save(done: bool = False) -> None:
        took = f"took {time.time() - t0:.0f} s" if done else "STILL RUNNING"
        head = [
            "# benchmarks/tune.py: the settings search behind docs/FIDELITY.md",
            f"command: python benchmarks/tune.py {given}".rstrip(),
            f"tuning seeds: {shown} (the fidelity table reports seeds 0-{args.table_seeds - 1}; "
            "none of these)",
            f"started {started:%Y-%m-%d %H:%M} UTC; {took}",
            "each setting: one line, then per variant its figure on each seed in order, the "
            "median, the worst and the median P_a",
            "",
        ]
        text = "\n".join(head + out)
        write_atomically(log_path, lambda fh: fh.write(text.encode("utf-8")))

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.jobs) if args.jobs > 1 else contextlib.nullcontext() as pool:
        for name in names:
            run_search(name, args.quick, seeds, out, pool, save)
    save(done=True)
    print(f"wrote {log_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
