"""What one trainable layer cannot learn and a hidden layer trained by backpropagation can.

Three runs, each returning a ``learning.Result`` whose ``details`` dict holds what the
other models did, so ``--json`` prints the same fields as every other experiment:

``run_xor``
    Two-input XOR on cards (:mod:`.xorcards`). Measured honestly, the Mark I *does* reach
    100% here: its A-units take excitatory and inhibitory connections from both halves, so
    an A-unit such as "left lit AND right dark" is a fixed hidden unit computing a
    conjunction, and with both halves lit excitation and inhibition cancel, so (0, 0) and
    (1, 1) leave the same A-units silent. The record's "never 100%" concerns one trainable
    layer on the raw inputs: the run also trains the lecture's :class:`.neuron.Perceptron`
    on the two half bits, which can never be right on all four patterns (no line separates
    them: the best any line does is 3 of 4, and the rule, cycling, measured 2 of 4), and a
    network with one hidden layer, which reaches 100%.

``run_parity``
    Parity of the lit blocks of :func:`simulator.cards.parity_cards`. Minsky and Papert's
    order theorem: if every A-unit depends on fewer than all N blocks, no threshold on a
    weighted sum of A-units (what the trainable layer computes) equals N-bit parity on
    every card, whatever the weights. (Proof sketch: on the 2^N patterns, parity is
    uncorrelated with every function of fewer than N blocks, so the weighted sum is too,
    and it cannot then have parity's sign everywhere.) The choice of default:

    - 16 blocks (``blocks=4``): the default wiring (5 excitatory + 5 inhibitory photocells
      per A-unit) sees at most 10 blocks, so the theorem applies and the Mark I stays near
      50%. But backpropagation from random weights does not learn 16-bit parity either in
      any reasonable time (measured: 50% after 60 epochs over all 65,536 patterns, 64 tanh
      hidden units, mini-batches of 64, momentum 0.9, ~30 s; training time grows roughly
      as 4^N, Tesauro and Janssens 1988), and trained on 2,000 cards it fits some of them
      but answers unseen cards at chance (measured, seed 0: Mark I 53% best, 50.1% on all
      65,536 cards; network 66% on its training cards, 51% on test cards). No contrast to
      show: offered as an option, reported as measured.
    - 4 blocks (``blocks=2``) with the default wiring: most A-units (about 78%) touch all
      four quadrants, the theorem does not apply, and the Mark I reaches 100% (measured on
      seeds 0-4). Reported in ``details["mark1_default_wiring"]``.
    - 4 blocks with A-units of fan-in 3 (2 excitatory + 1 inhibitory; the record does not
      give the fan-in, see REFERENCE.md): the theorem applies, the Mark I never reaches
      100% (measured best 75-81% over seeds 0-4), and a 4-8-1 network learns all 16
      patterns in well under a second. **This is the default**: the one setting where the
      contrast is real.

``run_logistic``
    Logistic regression (:mod:`.logistic`) as the Mark I's response unit: a sigmoid neuron
    on the Mark I's A-unit activity (or on the raw photocells), trained by gradient
    descent, with accuracy, precision and recall at several decision thresholds.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from ..cards import Deck, left_right_cards, parity_bits, parity_cards, shape_cards
from ..cards.parity import CLASS_NAMES as PARITY_NAMES
from ..errors import ConfigError
from ..heldout import deal_unseen, held_out_figures, photocell_patterns
from ..learning import CRITERION, Result, build_machine, checkpoints, learn, mean_active
from ..limits import check as check_limit
from ..machine import MarkI
from .logistic import LogisticRegression, threshold_metrics
from .network import Network
from .neuron import Perceptron
from .validate import positive_number
from .xorcards import half_bits, xor_cards

PUBLISHED = "never 100% on one trainable layer (Minsky & Papert 1969)"
LOGISTIC_TASKS = ("square-circle", "left-right")
LOGISTIC_FEATURES = ("a-units", "photocells")
TRADE_OFF = ("A higher threshold answers 1 only when the model is surer: fewer false "
             "positives, so higher precision, but more positives missed, so lower recall. A "
             "lower threshold catches more positives (higher recall) at the price of more "
             "false alarms (lower precision). 0.5 is the default, not a law.")


def _result(**values) -> Result:
    """A Result by field name; values for fields ``Result`` lacks are left out.

    By name, not position, because ``Result`` may gain fields (it did: ``mean_active``).
    """
    names = {f.name for f in fields(Result)}
    return Result(**{k: v for k, v in values.items() if k in names})


# ---------------------------------------------------------------- shared steps
def _check_common(seed, trials, a_units):
    check_limit("seed", seed)
    check_limit("trials", trials)
    check_limit("a_units", a_units)


def _train_mark1(machine: MarkI, deal, test: Deck, trials: int, rng) -> dict:
    """Present ``trials`` fresh cards, measured as :func:`simulator.learning.learn` does."""
    learned = learn(machine, lambda k: deal(k, rng), test, trials)
    return {"curve": learned.curve, "errors": learned.errors, "best": learned.best,
            "to_criterion": learned.to_criterion,
            "train_accuracy": machine.score(learned.recent.cards, learned.recent.labels),
            "mean_active": mean_active(machine, test)}


def _perceptron(X, y, epochs: int) -> dict:
    """The lecture perceptron on the distinct raw input patterns (the truth table).

    Accuracy is measured on the distinct patterns after each pass; the best and the last
    are reported. Non-separable data keeps the rule cycling, so its best is not
    necessarily the best a single line could do (3 of 4 for XOR).
    """
    X, first = np.unique(X, axis=0, return_index=True)
    y = y[first]
    p = Perceptron(learning_rate=1.0, epochs=epochs)
    scores = []
    for _ in range(epochs):
        p.partial_fit(X, y)
        scores.append(p.score(X, y))
        if p.converged_:
            break
    return {"inputs": X.shape[1], "patterns": len(X), "passes": len(scores), "converged": bool(p.converged_),
            "accuracy": round(scores[-1], 6), "best_accuracy": round(max(scores), 6),
            "weights": [round(float(w), 6) for w in p.weights_], "bias": round(float(p.bias_), 6)}


def _network(X, y, X_test, y_test, *, hidden, epochs, learning_rate, rng) -> dict:
    """A one-hidden-layer network (tanh hidden, sigmoid output, cross-entropy), batch GD."""
    net = Network(sizes=(X.shape[1], hidden, 1), activation="tanh", output_activation="sigmoid",
                  loss="cross_entropy", rng=rng)
    # Inputs as -1/+1: tanh units then start centred, which speeds learning; same information.
    net.fit(2.0 * X - 1.0, y, epochs=epochs, learning_rate=learning_rate, target_loss=1e-3)
    return {"sizes": list(net.sizes_), "activation": "tanh", "output_activation": "sigmoid",
            "loss": "cross_entropy", "learning_rate": learning_rate,
            "epochs_run": len(net.loss_curve_), "final_loss": round(net.loss_curve_[-1], 6),
            "train_accuracy": round(float(np.mean(net.classify(2.0 * X - 1.0) == y)), 6),
            "test_accuracy": round(float(np.mean(net.classify(2.0 * X_test - 1.0) == y_test)), 6)}


def _params(machine: MarkI) -> dict:
    return {k: v for k, v in machine.get_params().items() if k not in ("seed", "wiring_seed")}


def _machine(seed: int, wiring_ss, a_units: int, **settings) -> MarkI:
    return build_machine(seed, wiring_ss, a_units=a_units, **settings)


# ---------------------------------------------------------------- XOR
def run_xor(seed: int = 0, trials: int = 2000, *, a_units: int = 512, test_cards: int = 400,
            noise: float = 0.05, network_cards: int = 200, hidden: int = 4,
            epochs: int = 2000, learning_rate: float = 0.5,
            perceptron_epochs: int = 100) -> Result:
    """Two-input XOR: the Mark I, the lecture perceptron and a hidden-layer network.

    Parameters
    ----------
    seed : int
        Seeds the wiring, the cards and the network's starting weights.
    trials : int
        Cards presented to the Mark I (a fresh card each time).
    a_units : int
        The Mark I's association units.
    test_cards : int
        Held-out cards (fresh noisy cards; with noise no card repeats).
    noise : float
        Photocell noise on the cards (see :func:`.xorcards.xor_cards`).
    network_cards : int
        Cards whose half bits train the perceptron and the network.
    hidden : int
        Hidden units of the network (2 can do, but from random weights sometimes ends in a
        local minimum; 4 reached 100% on every seed tried).
    epochs, learning_rate : int, float
        Batch gradient descent for the network.
    perceptron_epochs : int
        Passes of the lecture perceptron over its cards (it never converges on XOR).

    Returns
    -------
    Result
        The Mark I's figures in the usual fields; ``details`` holds ``perceptron`` (on the
        two raw half bits), ``network`` and ``mark1_reached_100``, and a ``finding``.
    """
    _check_common(seed, trials, a_units)
    for name, value, table in (("test_cards", test_cards, "test_cards"),
                               ("network_cards", network_cards, "cards"),
                               ("hidden", hidden, "hidden_units"), ("epochs", epochs, "epochs"),
                               ("perceptron_epochs", perceptron_epochs, "epochs")):
        check_limit(table, value, label=name)
    positive_number("learning_rate", learning_rate)
    wiring_ss, test_ss, train_ss, net_ss = np.random.SeedSequence(seed).spawn(4)
    m = _machine(seed, wiring_ss, a_units)
    train_rng, test_rng = np.random.default_rng(train_ss), np.random.default_rng(test_ss)
    net_rng = np.random.default_rng(net_ss)

    def deal(n, rng):
        return xor_cards(n, rng=rng, noise=noise)

    test = deal(test_cards, test_rng)
    run = _train_mark1(m, deal, test, trials, train_rng)

    cards = deal(network_cards, net_rng)
    X, y = half_bits(cards).astype(np.float64), cards.labels
    X_test = half_bits(test).astype(np.float64)
    perceptron = _perceptron(X, y, perceptron_epochs)
    network = _network(X, y, X_test, test.labels, hidden=hidden, epochs=epochs,
                       learning_rate=learning_rate, rng=net_rng)
    reached = run["best"] >= 1.0
    finding = (
        f"Mark I best held-out accuracy {run['best']:.1%}"
        + (" -- it does reach 100%: its A-units, wired to both halves with excitation and "
           "inhibition, already compute conjunctions (a fixed hidden layer), so two-input XOR "
           "is within its reach" if reached else "")
        + f". The lecture perceptron on the two raw inputs: best {perceptron['best_accuracy']:.0%} "
          "(one line cannot separate XOR). "
        + f"A {network['sizes'][1]}-unit hidden layer trained by backpropagation: "
          f"{network['test_accuracy']:.0%} on the held-out cards."
    )
    details = {"finding": finding, "mark1_reached_100": reached, "perceptron": perceptron,
               "network": network, "inputs": "network and perceptron: the two half bits "
               "(left, right lit) read off the same kind of cards"}
    return _result(
        experiment="xor", seed=seed, a_units=m.a_units, trials=trials,
        trials_to_criterion=run["to_criterion"], train_accuracy=round(run["train_accuracy"], 6),
        test_accuracy=run["curve"][-1][1], best_test_accuracy=round(run["best"], 6),
        curve=run["curve"], errors=run["errors"], published=PUBLISHED,
        class_names=test.class_names,
        settings={**_params(m), "noise": noise, "test_cards": test_cards},
        mean_active=run["mean_active"], details=details)


# ---------------------------------------------------------------- parity
def _all_parity_cards(blocks: int) -> Deck:
    """Every card of ``blocks`` x ``blocks`` parity, in binary order (2^(blocks^2) cards)."""
    bits = blocks * blocks
    patterns = ((np.arange(2 ** bits)[:, None] >> np.arange(bits)) & 1).astype(np.uint8)
    cell = 20 // blocks
    grid = patterns.reshape(-1, blocks, blocks)
    cards = np.repeat(np.repeat(grid, cell, axis=1), cell, axis=2).astype(np.float32)
    return Deck(cards, patterns.sum(axis=1).astype(np.int64) % 2, PARITY_NAMES)


def _score_all(machine: MarkI, blocks: int) -> float | None:
    """Mark I accuracy on every possible card, when there are at most 2^16 of them."""
    if blocks * blocks > 16:
        return None
    every = _all_parity_cards(blocks)
    right = 0
    for start in range(0, len(every), 8192):  # slices keep the cards' memory small
        part = every.subset(slice(start, start + 8192))
        right += int(np.sum(machine.predict(part.cards) == part.labels))
    return right / len(every)


def run_parity(seed: int = 0, trials: int = 4000, *, blocks: int = 2, a_units: int = 512,
               excitatory: int = 2, inhibitory: int = 1, a_threshold: float = 2.0,
               test_cards: int = 2000, network_cards: int = 500, hidden: int = 8,
               epochs: int = 3000, learning_rate: float = 0.5, perceptron_epochs: int = 100,
               compare_default_wiring: bool = True) -> Result:
    """Parity of lit blocks: the Mark I against a hidden-layer network.

    See the module docstring for why the default is 4 blocks (``blocks=2``) with A-units of
    fan-in 3: it is the setting in which Minsky and Papert's theorem applies to the Mark I
    and backpropagation still learns the task in seconds.

    Parameters
    ----------
    seed : int
        Seeds the wiring, the cards and the network's starting weights.
    trials : int
        Cards presented to the Mark I (a fresh card each time).
    blocks : int
        Blocks per side (2, 4, 5 or 10): parity of blocks^2 bits.
    a_units, excitatory, inhibitory, a_threshold
        The Mark I's A-layer. An A-unit depends on at most ``excitatory + inhibitory``
        blocks; when that is fewer than blocks^2 the Mark I cannot be right on every card.
    test_cards : int
        Held-out cards when there are more than 2^12 possible cards; otherwise the test deck
        is every possible card once (with 16 possible cards none can be held out).
    network_cards : int
        Cards whose block bits train the perceptron and the network.
    hidden : int
        Hidden units of the network.
    epochs, learning_rate : int, float
        Batch gradient descent for the network.
    perceptron_epochs : int
        Passes of the lecture perceptron over its cards.
    compare_default_wiring : bool
        Also train a Mark I with the default wiring (5 + 5 connections) on the same cards
        and report it in ``details["mark1_default_wiring"]``.

    Returns
    -------
    Result
        The Mark I's figures in the usual fields; ``details`` holds
        ``mark1_all_cards_accuracy`` (every possible card, up to 2^16 of them),
        ``theorem_applies``, ``perceptron``, ``network``, optionally
        ``mark1_default_wiring``, and a ``finding``.
    """
    _check_common(seed, trials, a_units)
    for name, value, table in (("test_cards", test_cards, "test_cards"),
                               ("network_cards", network_cards, "cards"),
                               ("hidden", hidden, "hidden_units"), ("epochs", epochs, "epochs"),
                               ("perceptron_epochs", perceptron_epochs, "epochs")):
        check_limit(table, value, label=name)
    positive_number("learning_rate", learning_rate)
    parity_cards(1, rng=np.random.default_rng(0), blocks=blocks)  # validates blocks
    n_bits = blocks * blocks
    wiring_ss, test_ss, train_ss, net_ss = np.random.SeedSequence(seed).spawn(4)
    m = _machine(seed, wiring_ss, a_units, excitatory=excitatory, inhibitory=inhibitory,
                 a_threshold=a_threshold)
    test_rng, net_rng = np.random.default_rng(test_ss), np.random.default_rng(net_ss)

    def deal(n, rng):
        return parity_cards(n, rng=rng, blocks=blocks)

    test = _all_parity_cards(blocks) if n_bits <= 12 else deal(test_cards, test_rng)
    run = _train_mark1(m, deal, test, trials, np.random.default_rng(train_ss))
    fan_in = excitatory + inhibitory
    details = {"bits": n_bits, "a_unit_fan_in": fan_in, "theorem_applies": fan_in < n_bits,
               "mark1_all_cards_accuracy": _score_all(m, blocks),
               "test_deck": "every possible card" if n_bits <= 12 else f"{test_cards} random cards"}
    if compare_default_wiring:
        d = _machine(seed, wiring_ss, a_units)
        drun = _train_mark1(d, deal, test, trials, np.random.default_rng(train_ss))
        details["mark1_default_wiring"] = {
            "a_unit_fan_in": d.excitatory + d.inhibitory,
            "theorem_applies": d.excitatory + d.inhibitory < n_bits,
            "best_test_accuracy": round(drun["best"], 6), "test_accuracy": drun["curve"][-1][1]}

    cards = deal(network_cards, net_rng)
    X = parity_bits(cards, blocks).reshape(len(cards), -1).astype(np.float64)
    X_test = parity_bits(test, blocks).reshape(len(test), -1).astype(np.float64)
    details["perceptron"] = _perceptron(X, cards.labels, perceptron_epochs)
    details["network"] = net = _network(X, cards.labels, X_test, test.labels, hidden=hidden,
                                        epochs=epochs, learning_rate=learning_rate,
                                        rng=net_rng)
    finding = (f"{n_bits}-bit parity. Mark I with A-units of fan-in {fan_in} "
               f"({'<' if fan_in < n_bits else '>='} {n_bits} blocks): best test accuracy "
               f"{run['best']:.1%}")
    if compare_default_wiring:
        dw = details["mark1_default_wiring"]
        finding += (f"; with the default fan-in {dw['a_unit_fan_in']}: "
                    f"{dw['best_test_accuracy']:.1%}")
    finding += (f". Lecture perceptron on the raw bits: best {details['perceptron']['best_accuracy']:.1%}. "
                f"{hidden}-unit hidden layer by backpropagation: {net['test_accuracy']:.1%} on the "
                f"test deck.")
    details["finding"] = finding
    return _result(
        experiment="parity", seed=seed, a_units=m.a_units, trials=trials,
        trials_to_criterion=run["to_criterion"], train_accuracy=round(run["train_accuracy"], 6),
        test_accuracy=run["curve"][-1][1], best_test_accuracy=round(run["best"], 6),
        curve=run["curve"], errors=run["errors"], published=PUBLISHED,
        class_names=test.class_names, settings={**_params(m), "blocks": blocks},
        mean_active=run["mean_active"], details=details)


# ---------------------------------------------------------------- logistic regression
def run_logistic(seed: int = 0, *, task: str = "square-circle", features: str = "a-units",
                 a_units: int = 512, train_cards: int = 500, test_cards: int = 1000,
                 epochs: int = 500, learning_rate: float = 0.5, l2: float = 0.0,
                 thresholds=(0.3, 0.5, 0.7)) -> Result:
    """Logistic regression as the Mark I's response unit, at several decision thresholds.

    The default reads the 512 A-units of a Mark I (default wiring) on square-vs-circle
    cards, the 1958 paper's task: the A-layer stays fixed, and the trainable layer becomes
    one sigmoid neuron trained by gradient descent on cross-entropy instead of the
    perceptron rule. On raw photocells these tasks are nearly separable (measured about
    99% with recall 100% at every threshold), which leaves little for the thresholds to
    trade; through the A-units a few percent of errors remain (96-98% over seeds 0-4), and
    the trade-off shows.

    Parameters
    ----------
    seed : int
        Seeds the wiring and the cards.
    task : {"square-circle", "left-right"}
        The cards; class 1 (the "positive" class) is circle, or right.
    features : {"a-units", "photocells"}
        What the neuron sees: the A-units' 0/1 activity, or the 400 photocells' light.
    a_units : int
        Association units (for ``features="a-units"``).
    train_cards, test_cards : int
        Training cards, and held-out cards to measure on.
    epochs, learning_rate, l2 : int, float, float
        Gradient descent (see :class:`.logistic.LogisticRegression`).
    thresholds : sequence of float
        Decision thresholds to report.

    Returns
    -------
    Result
        ``trials`` counts gradient steps (epochs) and ``curve`` is test accuracy at
        threshold 0.5 against epochs; ``details["thresholds"]`` holds accuracy, precision
        and recall per threshold, ``details["trade_off"]`` the explanation.
    """
    if task not in LOGISTIC_TASKS:
        raise ConfigError(f"unknown task {task!r}; choose one of {', '.join(LOGISTIC_TASKS)}")
    if features not in LOGISTIC_FEATURES:
        raise ConfigError(f"unknown features {features!r}; choose one of "
                          f"{', '.join(LOGISTIC_FEATURES)}")
    _check_common(seed, 1, a_units)
    check_limit("epochs", epochs)
    check_limit("cards", train_cards, label="train_cards")
    check_limit("test_cards", test_cards)
    wiring_ss, test_ss, train_ss = np.random.SeedSequence(seed).spawn(3)

    def deal(n, rng):
        if task == "square-circle":
            return shape_cards(n, rng=rng, shapes=("square", "circle"))
        return left_right_cards(n, rng=rng)

    model = LogisticRegression(learning_rate=learning_rate, epochs=epochs, l2=l2)
    m = _machine(seed, wiring_ss, a_units) if features == "a-units" else None
    # held out as the Mark I runs are: no test card repeats a training card's photocell pattern
    threshold = float(m.s_threshold if m is not None else MarkI().s_threshold)
    train = deal(train_cards, np.random.default_rng(train_ss))
    train_keys = set(photocell_patterns(train.cards, threshold))
    test = deal_unseen(deal, test_cards, np.random.default_rng(test_ss), train_keys,
                       threshold=threshold, name="logistic test cards")
    if m is not None:
        X, X_test = (m.associate(d.cards).astype(np.float64) for d in (train, test))
        settings = _params(m)
    else:
        X, X_test = (d.cards.reshape(len(d), -1).astype(np.float64) for d in (train, test))
        settings = {}
    settings.update(task=task, features=features, learning_rate=learning_rate, l2=l2,
                    train_cards=train_cards, test_cards=test_cards)

    curve, best, to_criterion, done = [], 0.0, None, 0
    for point in checkpoints(epochs):
        model.partial_fit(X, train.labels, epochs=point - done)
        done = point
        acc = float(np.mean(model.predict(X_test) == test.labels))
        best = max(best, acc)
        curve.append([done, round(acc, 6)])
        if to_criterion is None and acc >= CRITERION:
            to_criterion = done
    proba = model.predict_proba(X_test)[:, 1]
    rows = threshold_metrics(test.labels, proba, thresholds)
    details = {
        "positive_class": test.class_names[1],
        "thresholds": [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}
                       for r in rows],
        "trade_off": TRADE_OFF,
        "final_loss": round(model.loss_curve_[-1], 6),
        "finding": "; ".join(f"threshold {r['threshold']:g}: accuracy {r['accuracy']:.1%}, "
                             f"precision {r['precision']:.1%}, recall {r['recall']:.1%}"
                             for r in rows),
    }
    extra = {"mean_active": round(float(X_test.mean()), 6)} if features == "a-units" else {}
    return _result(
        experiment="logistic", seed=seed, a_units=a_units if features == "a-units" else 0,
        trials=epochs, trials_to_criterion=to_criterion,
        train_accuracy=round(float(np.mean(model.predict(X) == train.labels)), 6),
        test_accuracy=curve[-1][1], best_test_accuracy=round(best, 6), curve=curve, errors=[],
        published="(lecture) threshold 0.5 by default; higher threshold -> precision, "
                  "lower -> recall",
        class_names=test.class_names, settings=settings, details=details,
        **held_out_figures(test.cards, train_keys, threshold), **extra)
