"""One table of limits: the commands, the machine, the experiments and the card decks agree.

Before, ``a_units`` was capped at 100,000 by the commands and at 1,000,000 by the machine and the
experiment runner. Every check now reads :data:`simulator.limits.LIMITS`, and every message
gives a limit's range in the same words.
"""

import argparse
import re
from pathlib import Path

import numpy as np
import pytest

from simulator import ConfigError, MarkI, experiments
from simulator.cards import left_right_cards
from simulator.cli import build_parser, main
from simulator.limits import LIMITS, check, limit

ROOT = Path(__file__).resolve().parents[1]


def limited_options():
    """(command, option, limit name) for every option of every command whose type has a limit."""
    found = []
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                for opt in sub._actions:
                    name = getattr(opt.type, "limit", None)
                    if name is not None:
                        found.append((command, opt.option_strings[-1], name))
    return found


OPTIONS = limited_options()


def test_every_option_with_a_number_reads_the_table():
    assert set(OPTIONS) >= {
        ("experiment", "--seed", "seed"), ("experiment", "--trials", "trials"),
        ("experiment", "--a-units", "a_units"), ("wiring", "--seed", "seed"),
        ("wiring", "--a-units", "a_units"), ("cards", "--count", "contact_sheet_cards"),
        ("cards", "--seed", "seed"), ("train", "--passes", "passes"), ("train", "--seed", "seed"),
        ("train", "--a-units", "a_units"), ("demo", "--seed", "seed"), ("demo", "--speed", "speed"),
        ("demo", "--frames", "frames"),
    }
    # no option parses a number with a range of its own (int/float types would take any value)
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command, p in sub.choices.items():
        for opt in p._actions:
            assert opt.type not in (int, float), (command, opt.option_strings)


def _argv(command, option, value):
    required = {"experiment": ["left-right"], "wiring": ["--seed", "1", "--out", "w.csv"],
                "cards": ["left-right", "--out", "c.png"], "train": ["pictures", "--state", "s.mark1"],
                "demo": []}[command]
    return [command, *required, option, value]


def _outside(lim):
    """Values just outside the limit, as the command line would be given them."""
    if lim.whole:
        return [f"{lim.hi + 1}", f"{lim.lo - 1}"]
    return [repr(lim.hi * 1.001), repr(lim.lo) if lim.above else repr(lim.lo - abs(lim.lo) * 0.001 - 1e-9)]


@pytest.mark.parametrize("command,option,name", OPTIONS)
def test_each_option_takes_its_limits_and_refuses_beyond_them_in_the_tables_words(command, option,
                                                                                   name, capsys):
    lim = limit(name)
    parser = build_parser()
    for edge in (lim.lo, lim.hi) if not lim.above else (lim.hi,):
        args = parser.parse_args(_argv(command, option, str(edge)))
        assert getattr(args, option.lstrip("-").replace("-", "_")) == edge
    for value in _outside(lim):
        with pytest.raises(SystemExit) as info:
            parser.parse_args(_argv(command, option, value))
        assert info.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "out of range" in err and lim.span() in err, err


def test_a_units_beyond_the_limit_is_refused_alike_by_command_machine_and_runner(capsys):
    hi = limit("a_units").hi
    span = "from 1 to 100,000"
    assert limit("a_units").span() == span
    with pytest.raises(SystemExit) as info:
        main(["experiment", "left-right", "--a-units", f"{hi + 1}"])
    assert info.value.code == 2
    assert f"100,001 is out of range: give a number {span}" in capsys.readouterr().err
    with pytest.raises(ConfigError, match=f"a_units must be a whole number {span}, got {hi + 1}"):
        MarkI(a_units=hi + 1).respond(np.zeros((1, 20, 20)))
    with pytest.raises(ConfigError, match=f"a_units must be a whole number {span}, got {hi + 1}"):
        experiments.run("left-right", a_units=hi + 1, trials=1)
    with pytest.raises(ConfigError, match=f"a_units must be a whole number {span}"):
        experiments.run("parity", a_units=hi + 1)
    # and the largest allowed builds (on a small retina, so the test stays small)
    m = MarkI(seed=0, a_units=hi, retina_size=2, excitatory=1, inhibitory=1, a_threshold=1)
    assert m.associate(np.ones((3, 2, 2))).shape == (3, hi)


@pytest.mark.parametrize("name,kwargs", [
    ("retina_size", {"excitatory": 1, "inhibitory": 1}), ("r_units", {}), ("a_threshold", {}),
    ("s_threshold", {}),
    ("photocell_noise", {}), ("learning_rate", {}), ("weight_limit", {}), ("weight_step", {}),
    ("excitatory", {"retina_size": 32, "a_units": 2, "inhibitory": 0}),
    ("inhibitory", {"retina_size": 32, "a_units": 2, "excitatory": 0}),
    ("seed", {"a_units": 2}), ("connectivity", {"a_units": 2}),
])
def test_the_machine_takes_each_limit_and_refuses_beyond_it(name, kwargs):
    lim = limit(name)
    small = {"a_units": 4, **kwargs}
    for edge in (lim.lo, lim.hi) if not lim.above else (lim.hi,):
        if name in ("excitatory", "inhibitory") and edge == 0:
            continue  # the other kind is 0 here: an A-unit needs a connection
        MarkI(**{**small, name: edge}).reset_weights()
    beyond = [lim.hi + 1 if lim.whole else lim.hi * 1.001, lim.lo if lim.above else lim.lo - 1]
    for value in beyond:
        with pytest.raises(ConfigError, match=re.escape(lim.span())) as info:
            MarkI(**{**small, name: value}).reset_weights()
        assert "\n" not in str(info.value)


def test_experiments_read_the_table():
    for name in ("trials", "test_cards", "a_units", "seed"):
        lim = limit(name)
        with pytest.raises(ConfigError, match=re.escape(lim.span())):
            experiments.run("left-right", **{name: lim.hi + 1})


def test_a_deck_beyond_the_card_limit_is_refused_before_drawing():
    hi = limit("cards").hi
    with pytest.raises(ConfigError, match=re.escape(limit("cards").span())):
        left_right_cards(hi + 1, rng=np.random.default_rng(0))


def test_check_is_the_one_call_for_a_named_value():
    assert check("a_units", np.int64(7)) == 7 and type(check("a_units", np.int8(7))) is int
    assert check("speed", 2) == 2.0 and type(check("speed", 2)) is float
    with pytest.raises(ConfigError, match=r"^a_units must be a whole number from 1 to 100,000, got 0$"):
        check("a_units", 0)
    with pytest.raises(ConfigError, match=r"^--speed must be a number from 0.5 to 100, got 0.1$"):
        check("speed", 0.1, label="--speed")
    with pytest.raises(ConfigError, match="learning_rate must be a finite number above 0"):
        check("learning_rate", 0)
    for bad in (True, "5", None, float("nan"), 10**5000, np.array([1, 2])):
        with pytest.raises(ConfigError) as info:
            check("a_units", bad)
        assert "\n" not in str(info.value) and len(str(info.value)) < 200
    with pytest.raises(ConfigError, match="got a whole number of about 5,000 digits$"):
        check("seed", -10**5000)  # too long for repr(): the message must still be made
    with pytest.raises(KeyError):
        check("no such setting", 1)


def test_every_limit_is_a_sane_range():
    for name, lim in LIMITS.items():
        assert lim.lo < lim.hi, name
        if lim.whole:
            assert isinstance(lim.lo, int) and isinstance(lim.hi, int), name
        assert lim.what, name


BOUNDS = re.compile(r"(?<![\w.])(100_000|1_000_000|10_000_000|10\s*\*\*\s*6|2\s*\*\*\s*63|1e6|1e12)(?![\w.])")


@pytest.mark.parametrize("path", ["simulator/machine.py", "simulator/experiments.py", "simulator/cli.py",
                                  "simulator/cards/render.py", "simulator/lecture/contrast.py"])
def test_no_literal_bound_of_a_tabled_setting_is_left_outside_the_table(path):
    """A second check: the places that once disagreed keep no number of their own."""
    text = (ROOT / path).read_text()
    assert not BOUNDS.findall(text), (path, BOUNDS.findall(text))


def test_all_the_wires_of_a_machine_are_limited_together():
    # each setting alone is within its limit; their product is what memory pays for
    most = limit("connections").hi
    MarkI(a_units=100_000, excitatory=50, inhibitory=50, retina_size=20)._validate()  # exactly the most
    assert 100_000 * 100 == most
    with pytest.raises(ConfigError, match=r"100,000 A-units of 101 connections make 10,100,000 plugboard "
                                          r"connections; the most is 10,000,000"):
        MarkI(a_units=100_000, excitatory=51, inhibitory=50)._validate()


@pytest.mark.parametrize("size,ok", [("320x240", True), ("8192x8192", True), ("319x240", False),
                                     ("320x239", False), ("8193x900", False)])
def test_window_sizes_come_from_the_table(size, ok, capsys):
    from simulator.cli import build_parser
    if ok:
        assert build_parser().parse_args(["demo", "--size", size]).size == tuple(map(int, size.split("x")))
    else:
        with pytest.raises(SystemExit) as info:
            build_parser().parse_args(["demo", "--size", size])
        assert info.value.code == 2
        assert "give 320x240 to 8192x8192" in capsys.readouterr().err
