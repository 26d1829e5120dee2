"""benchmarks/tune.py: the settings search runs on its own seeds, logs every setting, and refuses
the fidelity table's seeds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
TUNE = ROOT / "benchmarks" / "tune.py"
sys.path.insert(0, str(ROOT / "benchmarks"))

import tune  # noqa: E402

from simulator import experiments as E  # noqa: E402
from simulator.cards import shape_cards  # noqa: E402
from simulator.machine import MarkI  # noqa: E402

SETTING = re.compile(r"^setting (\d+) \[(stage \d|chosen)\] (\S+=\S+( \S+=\S+)*)$")


def _figures(line: str) -> tuple[str, list[float]]:
    """A variant line: its name and per-seed figures (checking median and min against them)."""
    m = re.match(r"^  (\S+) +seeds (\d+)-(\d+): ([\d. ]+) \| median ([\d.]+) \| min ([\d.]+) \| "
                 r"P_a ([\d.]+)$", line)
    assert m, line
    figs = [float(x) for x in m.group(4).split()]
    shown = m.group(5)
    digits = len(shown.partition(".")[2])
    # as printed: to the digits shown (a median of 21 and 22 prints as 22)
    assert float(shown) == pytest.approx(float(np.median(figs)), abs=0.5 * 10 ** -digits + 1e-9)
    assert float(m.group(6)) == min(figs)
    assert len(figs) == int(m.group(3)) - int(m.group(2)) + 1  # one per seed, seeds consecutive
    return m.group(1), figs


def check_log(text: str, searches, n_seeds: int) -> None:
    """The log's shape: a header, then per search its settings, per-seed figures and choice."""
    lines = text.splitlines()
    assert lines[0].startswith("# benchmarks/tune.py")
    assert lines[1].startswith("command: python benchmarks/tune.py")
    assert re.match(r"tuning seeds: .* \(the fidelity table reports seeds 0-19; none of these\)",
                    lines[2])
    sections = text.split("## search ")[1:]
    assert [s.split("\n", 1)[0] for s in sections] == list(searches)
    for sec in sections:
        body = sec.splitlines()
        settings, chosen = {}, None
        for i, line in enumerate(body):
            m = SETTING.match(line)
            if m:
                k, stage = int(m.group(1)), m.group(2)
                variants = []
                for nxt in body[i + 1:]:
                    if not nxt.startswith("  "):
                        break
                    name, figs = _figures(nxt)
                    variants.append(name)
                    if stage != "stage 1":
                        assert len(figs) == n_seeds
                assert variants, line
                if stage != "chosen":
                    assert k == len(settings) + 1     # numbered in order, none skipped
                    settings[k] = m.group(3)
            if line.startswith("chosen: setting "):
                k, text_ = line[len("chosen: setting "):].split(": ", 1)
                chosen = int(k)
                assert settings[chosen] == text_      # the chosen one was tried and logged
        assert chosen is not None and any(x.startswith("why: ") and len(x) > 20 for x in body)


@pytest.fixture(scope="module")
def quick_log(tmp_path_factory):
    log = tmp_path_factory.mktemp("tune") / "tune.log"
    out = subprocess.run([sys.executable, str(TUNE), "--quick", "--search", "square-circle",
                          "--search", "left-right", "--log", str(log)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return log.read_text()


def test_quick_run_writes_a_log_of_every_setting(quick_log):
    check_log(quick_log, ["square-circle", "left-right"], 2)
    assert "tuning seeds: 1000, 1001 " in quick_log
    # square-circle logs the equal-area deck on the chosen setting, on the same machine
    sc = quick_log.split("## search square-circle")[1].split("## search")[0]
    chosen = sc.split("[chosen]")[1]
    assert "outline" in chosen and "solid" in chosen and "equal-area" in chosen


def test_the_committed_log_is_a_run_on_1000_1009():
    text = (ROOT / "benchmarks" / "tune.log").read_text()
    # the committed run was stopped after square-circle's choice, and says so at its end
    check_log(text, ["square-circle"], 10)
    assert "--quick" not in text.splitlines()[1]
    assert text.splitlines()[2].startswith("tuning seeds: 1000-1009 ")
    *_, stopped, later = text.rstrip().splitlines()
    assert stopped.startswith("STOPPED HERE by hand")
    assert "benchmarks/tune-others.log" in later
    # the registry holds the setting it chose
    chosen = re.search(r"^chosen: setting \d+: (.*)$", text, re.M).group(1)
    registered = {**E.SQUARE_CIRCLE_MACHINE, **E.SQUARE_CIRCLE_CARDS}
    for pair in chosen.split():
        key, value = pair.split("=")
        assert float(registered.get(key, 0.5 if key == "s_threshold" else None)) == float(value)


@pytest.mark.parametrize("seeds, shown", [("5-7", "5, 6, 7"), ("19", "19"),
                                          ("1000,3", "3"), ("0-1005", "0, 1, 2, 3, 4 ...")])
def test_seeds_of_the_table_are_refused_in_one_line(seeds, shown, tmp_path):
    log = tmp_path / "never.log"
    out = subprocess.run([sys.executable, str(TUNE), "--quick", "--seeds", seeds, "--log",
                          str(log)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr == (f"tune.py: error: seeds {shown} overlap the fidelity table's seeds "
                          "0-19; tune on others (default 1000-1009)\n")
    assert not log.exists()


def test_seed_corners():
    tune.check_seeds((20, 1000), 20)               # just past the table: taken
    with pytest.raises(tune.Refused, match="seeds 19 overlap"):
        tune.check_seeds((19,), 20)
    assert tune.parse_seeds("1000-1002,1001,7") == (1000, 1001, 1002, 7)
    for bad in ("abc", "9-3", "-4", ""):
        with pytest.raises(tune.Refused, match="give a range like 1000-1009"):
            tune.parse_seeds(bad)


def test_memo_deal_gives_the_deal_and_leaves_the_generator_as_it_would():
    def deal(n, rng):
        return shape_cards(n, rng=rng)
    memo = tune.memo_deal(deal)
    a, b = np.random.default_rng(4), np.random.default_rng(4)
    first = memo(5, a)
    again_rng = np.random.default_rng(4)
    again = memo(5, again_rng)                     # from the remembered state
    direct = deal(5, b)
    np.testing.assert_array_equal(first.cards, direct.cards)
    np.testing.assert_array_equal(again.cards, direct.cards)
    assert a.random() == b.random() == again_rng.random()


@pytest.mark.parametrize("name", ["square-circle", "square-diamond"])
def test_final_accuracy_only_is_the_full_runs_figure(name):
    full = E.run(name, seed=1003, trials=400, test_cards=150)
    with tune.final_accuracy_only():
        lean = E.run(name, seed=1003, trials=400, test_cards=150)
    assert E.learn is tune._REAL_LEARN                # put back
    assert lean.test_accuracy == full.test_accuracy
    assert lean.train_accuracy == full.train_accuracy
    assert lean.curve == [full.curve[-1]]


def test_the_other_searches_log_chose_what_the_registry_uses():
    """square-diamond's move, the letters' noise and left-right's threshold: the settings the
    fidelity table runs are the ones benchmarks/tune-others.log chose on seeds 1000-1009."""
    text = (ROOT / "benchmarks" / "tune-others.log").read_text()
    check_log(text, ["square-diamond", "letters", "left-right"], 10)
    assert "--quick" not in text.splitlines()[1]
    assert text.splitlines()[2].startswith("tuning seeds: 1000-1009 ")
    chosen = dict(pair.split("=") for pair in
                  re.findall(r"^chosen: setting \d+: (\S+=\S+)$", text, re.M))
    assert float(chosen["max_shift"]) == E.DIAMOND_MAX_SHIFT == 0.5
    assert float(chosen["photocell_noise"]) == E.LETTER_MACHINE["photocell_noise"] == 0.05
    assert float(chosen["a_threshold"]) == MarkI().a_threshold == 2.0   # left-right: defaults
