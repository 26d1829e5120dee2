"""One trainable layer against a hidden layer (XOR, parity), logistic thresholds, the CLI."""

import argparse
import json

import numpy as np
import pytest

from simulator import cli
from simulator.errors import ConfigError
from simulator.experiments import Result
from simulator.lecture import commands
from simulator.lecture.contrast import run_logistic, run_parity, run_xor
from simulator.lecture.xorcards import half_bits, xor_cards

FIELDS = ("experiment", "seed", "a_units", "trials", "trials_to_criterion", "train_accuracy",
          "test_accuracy", "best_test_accuracy", "curve", "settings", "details")


@pytest.fixture(scope="module")
def xor():
    return run_xor(seed=0)


@pytest.fixture(scope="module")
def parity():
    return run_parity(seed=0)


def test_xor_cards():
    deck = xor_cards(200, rng=np.random.default_rng(0))
    bits = half_bits(deck)
    assert np.array_equal(deck.labels, bits[:, 0] ^ bits[:, 1])
    assert len({c.tobytes() for c in deck.cards}) == 200  # noise: no two cards alike
    assert set(map(tuple, bits)) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    with pytest.raises(ConfigError, match="noise must be a number from 0 to 0.2"):
        xor_cards(2, rng=np.random.default_rng(0), noise=0.5)


def test_xor_contrast(xor):
    assert isinstance(xor, Result) and xor.details
    d = xor.details
    # one trainable layer on the raw inputs: never all four patterns
    assert d["perceptron"]["patterns"] == 4 and d["perceptron"]["best_accuracy"] < 1.0
    assert not d["perceptron"]["converged"]
    # a hidden layer trained by backpropagation: all of them, on held-out cards
    assert d["network"]["test_accuracy"] == 1.0 and d["network"]["train_accuracy"] == 1.0
    # the Mark I's A-units already compute conjunctions: measured, and said
    assert d["mark1_reached_100"] == (xor.best_test_accuracy == 1.0)
    if d["mark1_reached_100"]:
        assert "does reach 100%" in d["finding"]


def test_parity_contrast(parity):
    d = parity.details
    assert d["bits"] == 4 and d["a_unit_fan_in"] == 3 and d["theorem_applies"]
    # Minsky & Papert: A-units seeing fewer blocks than the parity's order never get all cards
    assert parity.best_test_accuracy < 1.0 and d["mark1_all_cards_accuracy"] < 1.0
    assert d["perceptron"]["best_accuracy"] < 1.0
    assert d["network"]["test_accuracy"] == 1.0
    # with the default wiring each A-unit sees all 4 blocks: no theorem, and it gets there
    assert not d["mark1_default_wiring"]["theorem_applies"]
    assert d["mark1_default_wiring"]["best_test_accuracy"] == 1.0


def test_results_print_as_json_with_the_usual_fields(xor, parity):
    for r in (xor, parity):
        obj = json.loads(json.dumps(r.as_dict()))
        assert all(k in obj for k in FIELDS)
        assert obj["curve"][-1][0] == obj["trials"]
        assert obj["experiment"] in ("xor", "parity")


def test_same_seed_same_result():
    a, b = run_xor(seed=3, trials=300), run_xor(seed=3, trials=300)
    assert a.as_dict() == b.as_dict()


def test_logistic_thresholds():
    r = run_logistic(seed=0)
    rows = r.details["thresholds"]
    assert [row["threshold"] for row in rows] == [0.3, 0.5, 0.7]
    recall = [row["recall"] for row in rows]
    precision = [row["precision"] for row in rows]
    assert recall == sorted(recall, reverse=True) and recall[0] > recall[-1]
    assert precision == sorted(precision) and precision[0] < precision[-1]
    assert 0.9 < r.test_accuracy < 1.0
    assert "precision" in r.details["trade_off"] and r.details["positive_class"] == "circle"
    json.dumps(r.as_dict())


def test_contrast_bad_settings():
    with pytest.raises(ConfigError, match="unknown task 'e-f'; choose one of square-circle, left-right"):
        run_logistic(task="e-f")
    with pytest.raises(ConfigError, match="unknown features 'pixels'; choose one of a-units, photocells"):
        run_logistic(features="pixels")
    with pytest.raises(ConfigError, match="blocks must divide the 20-cell retina evenly: one of 2, 4, 5, 10"):
        run_parity(blocks=3)
    with pytest.raises(ConfigError, match="learning_rate must be a finite number above 0"):
        run_xor(learning_rate=0)
    with pytest.raises(ConfigError, match="trials must be a whole number"):
        run_xor(trials=0)


# ---------------------------------------------------------------- the command line
def _main(argv):
    """``mark1`` with the lecture commands, whether or not cli.py has wired them in yet."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "lecture" not in sub.choices:
        commands.add_lecture_parser(sub, cli._Parser)
    original = cli.build_parser
    cli.build_parser = lambda: parser
    try:
        return cli.main(argv)
    finally:
        cli.build_parser = original


def test_cli_backprop(capsys):
    assert _main(["lecture", "backprop"]) == 0
    out = capsys.readouterr().out
    assert "out_o1 = 1 / (1 + e^-net_o1) = 0.75136507" in out and "new w1 = " in out
    assert _main(["lecture", "backprop", "--json", "--rate", "0.5"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert f"{r['E_total']:.9f}" == "0.298371109" and f"{r['new_w6']:.9f}" == "0.408666186"


def test_cli_graph(capsys):
    assert _main(["lecture", "graph", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert (r["q"], r["f"], r["df_dz"], r["df_dq"], r["df_dx"], r["df_dy"]) == (3, -12, 3, -4, -4, -4)
    assert _main(["lecture", "graph"]) == 0
    assert "f = q z = 3 * -4 = -12" in capsys.readouterr().out


@pytest.mark.parametrize("rate", ["0", "-1", "abc", "nan", "inf", "1e400"])
def test_cli_bad_rate_is_one_line(rate, capsys):
    assert _main(["lecture", "backprop", f"--rate={rate}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mark1: error: --rate must be") and "above 0" in err[0]
