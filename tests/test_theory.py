"""Rosenblatt's P_a expression against hand sums and against the simulator."""

import itertools
import math

import pytest

from simulator.errors import ConfigError
from simulator.theory import a_unit_activity, lit_cards, main, measured_activity


def _by_enumeration(x, y, theta, r):
    """P_a by enumerating every on/off pattern of the x + y connections (not the formula)."""
    total = 0.0
    for pattern in itertools.product((0, 1), repeat=x + y):
        e, i = sum(pattern[:x]), sum(pattern[x:])
        if e - i >= theta:
            total += r ** sum(pattern) * (1 - r) ** (x + y - sum(pattern))
    return total


def test_hand_value_x5_y5_theta1_half():
    # At R = 1/2 every one of the 2^10 patterns weighs 1/1024; e - i >= 1 is
    # sum_{e > i} C(5,e) C(5,i) = (1024 - C(10,5)) / 2 = 386 of them.
    assert (1024 - math.comb(10, 5)) // 2 == 386
    assert a_unit_activity(lit_fraction=0.5, excitatory=5, inhibitory=5, threshold=1) == \
        pytest.approx(386 / 1024, abs=1e-12)


@pytest.mark.parametrize("x,y,theta,r", [(5, 5, 1, 0.5), (5, 5, 2, 0.1), (6, 2, 3, 0.3),
                                         (3, 4, 0, 0.7), (4, 0, 2, 0.25)])
def test_matches_enumeration(x, y, theta, r):
    assert a_unit_activity(lit_fraction=r, excitatory=x, inhibitory=y, threshold=theta) == \
        pytest.approx(_by_enumeration(x, y, theta, r), abs=1e-12)


def test_corners():
    assert a_unit_activity(lit_fraction=0, excitatory=5, inhibitory=5, threshold=1) == 0
    assert a_unit_activity(lit_fraction=0, excitatory=5, inhibitory=5, threshold=0) == 1
    assert a_unit_activity(lit_fraction=0, excitatory=5, inhibitory=5, threshold=-1) == 1
    # R = 1: every input lit, net x - y
    assert a_unit_activity(lit_fraction=1, excitatory=5, inhibitory=2, threshold=3) == 1
    assert a_unit_activity(lit_fraction=1, excitatory=5, inhibitory=2, threshold=4) == 0
    # a threshold above x can never be reached
    assert a_unit_activity(lit_fraction=0.7, excitatory=5, inhibitory=5, threshold=6) == 0


@pytest.mark.parametrize("kwargs", [dict(lit_fraction=1.5), dict(lit_fraction=-0.1),
                                    dict(lit_fraction="a"), dict(excitatory=-1),
                                    dict(inhibitory=2.5), dict(threshold=float("nan"))])
def test_bad_input_is_one_line_config_error(kwargs):
    args = dict(lit_fraction=0.5, excitatory=5, inhibitory=5, threshold=1, **{})
    args.update(kwargs)
    with pytest.raises(ConfigError) as info:
        a_unit_activity(**args)
    assert "\n" not in str(info.value)


def test_lit_cards_light_exactly_the_fraction():
    import numpy as np
    cards = lit_cards(7, 0.3, np.random.default_rng(1))
    assert cards.shape == (7, 20, 20)
    assert (cards.reshape(7, -1).sum(axis=1) == 120).all()


@pytest.mark.parametrize("r", [0.1, 0.3, 0.5])
@pytest.mark.parametrize("x,y,theta", [(5, 5, 1), (5, 5, 2), (6, 2, 3)])
def test_simulator_matches_expression(x, y, theta, r):
    mean, se = measured_activity(lit_fraction=r, excitatory=x, inhibitory=y, threshold=theta,
                                 a_units=5000, cards=40, seed=3)
    # The machine's wiring: distinct photocells of 400, within 3 standard errors ...
    exact = a_unit_activity(lit_fraction=r, excitatory=x, inhibitory=y, threshold=theta,
                            photocells=400)
    assert abs(mean - exact) <= 3 * se
    # ... and Rosenblatt's independent draws to the third digit (the two differ by < 0.003).
    rosenblatt = a_unit_activity(lit_fraction=r, excitatory=x, inhibitory=y, threshold=theta)
    assert abs(mean - rosenblatt) <= 3 * se + 0.003


def _distinct_by_enumeration(x, y, theta, lit, cells):
    """Hypergeometric P_a by counting: ordered draws of x then y distinct photocells."""
    total = 0.0
    for e in range(x + 1):
        for i in range(y + 1):
            if e - i >= theta:
                ways = math.comb(lit, e + i) * math.comb(cells - lit, x + y - e - i) \
                    * math.comb(e + i, e) * math.comb(x + y - e - i, x - e)
                total += ways / (math.comb(cells, x + y) * math.comb(x + y, x))
    return total


@pytest.mark.parametrize("x,y,theta,r", [(5, 5, 1, 0.1), (6, 2, 3, 0.5), (3, 3, 0, 0.25)])
def test_distinct_photocells_by_counting(x, y, theta, r):
    assert a_unit_activity(lit_fraction=r, excitatory=x, inhibitory=y, threshold=theta,
                           photocells=400) == \
        pytest.approx(_distinct_by_enumeration(x, y, theta, round(400 * r), 400), abs=1e-12)
    # 3 connections on a retina of 4 photocells, 2 lit: enumerate the 4*3*2 ordered wirings
    hits = sum(1 for w in itertools.permutations(range(4), 3)
               if (w[0] < 2) + (w[1] < 2) - (w[2] < 2) >= 1)
    assert a_unit_activity(lit_fraction=0.5, excitatory=2, inhibitory=1, threshold=1,
                           photocells=4) == pytest.approx(hits / 24, abs=1e-12)


def test_chart_command(tmp_path, capsys):
    out = tmp_path / "pa.png"
    assert main(["--chart", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["--chart", str(tmp_path / "pa.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1
