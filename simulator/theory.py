"""Rosenblatt's A-unit activity P_a (1958), and a chart of it against the simulator.

Rerun the chart with ``python -m simulator.theory --chart docs/images/pa.png``.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from .errors import ConfigError, Mark1Error

#: The chart's settings: (excitatory, inhibitory, threshold), and the lit fractions measured.
CHART_SETTINGS = ((5, 5, 1), (5, 5, 2), (6, 2, 3))
CHART_FRACTIONS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ConfigError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


def a_unit_activity(*, lit_fraction, excitatory, inhibitory, threshold, photocells=None) -> float:
    """Rosenblatt's P_a: the probability that an A-unit fires on a card.

    The machine's A-unit (:mod:`simulator.plugboard`, :mod:`simulator.kernels`) sees binary
    photocells (a photocell fires when its light reaches the photocell threshold) and fires
    when (lit excitatory inputs) - (lit inhibitory inputs) >= ``threshold``. Each of its
    connections is taken here to land on a lit photocell independently with probability
    ``lit_fraction``, so

        P_a = sum over e - i >= threshold of
              C(x, e) R^e (1-R)^(x-e) C(y, i) R^i (1-R)^(y-i).

    The machine wires each A-unit to *distinct* photocells. Given ``photocells`` (400 for
    the 20 x 20 retina) the draw is taken as the machine makes it instead: the card lights
    ``round(R * photocells)`` of them and the x + y connections go to distinct photocells (a
    hypergeometric draw). For 10 connections among 400 photocells the two differ by under
    0.003 (0.0019 at x = y = 5, theta = 1, R = 0.1).

    Parameters
    ----------
    lit_fraction : float
        R, the fraction of photocells the card lights, in [0, 1].
    excitatory, inhibitory : int
        x and y, the A-unit's connections.
    threshold : float
        theta, the net input at or above which the A-unit fires.
    photocells : int, optional
        The retina's photocells, for the machine's distinct-photocell wiring; None (the
        default) for Rosenblatt's independent draws.

    Returns
    -------
    float
        P_a in [0, 1].

    Raises
    ------
    ConfigError
        One line, for a fraction outside [0, 1] or a negative or fractional count.
    """
    x, y = _count("excitatory", excitatory), _count("inhibitory", inhibitory)
    try:
        r = float(lit_fraction)
        theta = float(threshold)
    except (TypeError, ValueError):
        raise ConfigError(f"lit_fraction and threshold must be numbers, got {lit_fraction!r} "
                          f"and {threshold!r}") from None
    if not 0.0 <= r <= 1.0:
        raise ConfigError(f"lit_fraction must lie in [0, 1], got {lit_fraction!r}")
    if math.isnan(theta):
        raise ConfigError("threshold must be a number, got nan")
    if photocells is not None:
        return _distinct(r, x, y, theta, _count("photocells", photocells))
    ex = [math.comb(x, e) * r ** e * (1 - r) ** (x - e) for e in range(x + 1)]
    inh = [math.comb(y, i) * r ** i * (1 - r) ** (y - i) for i in range(y + 1)]
    total = sum(pe * pi for e, pe in enumerate(ex) for i, pi in enumerate(inh) if e - i >= theta)
    return min(max(total, 0.0), 1.0)


def cover_probability(points, features) -> float:
    """Cover's (1965) probability that a random labelling of ``points`` is linearly separable.

    For ``points`` in general position in ``features`` dimensions (a separating hyperplane
    through the origin, as the Mark I's R-unit has no bias), the separable labellings number
    C(P, N) = 2 sum_{k < N} C(P - 1, k), of 2^P in all.

    Parameters
    ----------
    points, features : int
        P >= 0 and N >= 0.

    Returns
    -------
    float
        C(P, N) / 2^P: 1 for P <= N, exactly 1/2 at P = 2N.
    """
    p, n = _count("points", points), _count("features", features)
    if p == 0:
        return 1.0
    count = 2 * sum(math.comb(p - 1, k) for k in range(min(n, p)))
    return count / 2 ** p


def _distinct(r: float, x: int, y: int, theta: float, cells: int) -> float:
    """P_a with x + y connections to distinct photocells, ``round(r * cells)`` of them lit."""
    n = x + y
    if n > cells:
        raise ConfigError(f"{n} connections cannot go to distinct photocells of {cells}")
    lit = round(r * cells)
    total = 0.0
    for k in range(n + 1):
        p_k = math.comb(lit, k) * math.comb(cells - lit, n - k) / math.comb(cells, n)
        for e in range(max(0, k - y), min(x, k) + 1):
            if e - (k - e) >= theta:
                total += p_k * math.comb(x, e) * math.comb(y, k - e) / math.comb(n, k)
    return min(max(total, 0.0), 1.0)


def lit_cards(n: int, lit_fraction: float, rng: np.random.Generator, side: int = 20) -> np.ndarray:
    """``n`` cards, each lighting exactly ``round(lit_fraction * side**2)`` photocells at random."""
    cells = side * side
    k = round(lit_fraction * cells)
    keys = rng.random((n, cells))
    order = np.argsort(keys, axis=1)
    cards = np.zeros((n, cells), np.float32)
    np.put_along_axis(cards, order[:, :k], 1.0, axis=1)
    return cards.reshape(n, side, side)


def measured_activity(*, lit_fraction, excitatory, inhibitory, threshold, a_units=5000,
                      cards=40, seed=0) -> tuple[float, float]:
    """The simulator's P_a on random cards lighting exactly ``lit_fraction`` of the retina.

    Returns
    -------
    (float, float)
        The fraction of A-units fired, over ``cards`` cards, and its standard error (from the
        spread of the per-card fractions: the cards are independent).
    """
    from .machine import MarkI
    ss_wiring, ss_cards = np.random.SeedSequence(seed).spawn(2)
    m = MarkI(wiring_seed=int(ss_wiring.generate_state(1)[0]), seed=seed, a_units=a_units,
              r_units=1, excitatory=excitatory, inhibitory=inhibitory, a_threshold=threshold)
    deck = lit_cards(cards, lit_fraction, np.random.default_rng(ss_cards))
    per_card = m.associate(deck).mean(axis=1)
    return float(per_card.mean()), float(per_card.std(ddof=1) / math.sqrt(cards))


def pa_points(seed: int = 0) -> list[dict]:
    """Measured and predicted P_a over :data:`CHART_SETTINGS` x :data:`CHART_FRACTIONS`."""
    out = []
    for x, y, t in CHART_SETTINGS:
        for r in CHART_FRACTIONS:
            mean, se = measured_activity(lit_fraction=r, excitatory=x, inhibitory=y,
                                         threshold=t, seed=seed)
            out.append({"excitatory": x, "inhibitory": y, "threshold": t, "lit_fraction": r,
                        "measured": mean, "se": se,
                        "predicted": a_unit_activity(lit_fraction=r, excitatory=x,
                                                     inhibitory=y, threshold=t)})
    return out


def pa_curves(points) -> list:
    """The chart's curves: per setting its label, the expression's and the measured [R, P_a]."""
    curves = []
    for x, y, t in CHART_SETTINGS:
        predicted = [[k / 200, a_unit_activity(lit_fraction=k / 200, excitatory=x, inhibitory=y,
                                               threshold=t)] for k in range(201)]
        measured = [[p["lit_fraction"], p["measured"]] for p in points
                    if (p["excitatory"], p["inhibitory"], p["threshold"]) == (x, y, t)]
        curves.append((f"x={x}, y={y}, theta={t}", predicted, measured))
    return curves


def main(argv=None) -> int:
    """``python -m simulator.theory --chart PATH``: draw the P_a chart; errors one line, exit 2."""
    p = argparse.ArgumentParser(prog="python -m simulator.theory",
                                description="Rosenblatt's P_a against the simulator")
    p.add_argument("--chart", required=True, help="PNG to write (measured points, predicted curves)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    from .charts import write_pa
    try:
        write_pa(pa_curves(pa_points(args.seed)), args.chart)
    except Mark1Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
