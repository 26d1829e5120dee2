"""The backpropagation network against numbers worked out by hand.

Most cases use the smallest network there is: one input, one output, identity activation,
squared loss. Then out = w x + b, dE/dnet = out - t, dE/dw = (out - t) x and dE/db = out - t
(averaged over a batch), and each step can be followed on paper; the arithmetic is in the
comments. The 2-2-2 cases take their expected values from the lecture's printed numbers.
"""

import numpy as np
import pytest

from simulator.errors import ConfigError
from simulator.lecture import worked
from simulator.lecture.network import Network


def line(w=0.0, b=0.0, **kw):
    """out = w x + b: one input, one identity output unit."""
    return Network(sizes=(1, 1), activations=["identity"], weights=[[[w]]], biases=[b], **kw)


def wb(net):
    return float(net.weights_[0][0, 0]), float(net.biases_[0][0])


def test_one_online_epoch_steps_on_every_example_in_order():
    """Bug: an online epoch skipping its last example. x = 1, 2; t = 1, 1; rate 0.1.
    Example 1: out 0, error -1: w = 0 + 0.1 * 1 * 1 = 0.1, b = 0.1.
    Example 2: out 0.1 * 2 + 0.1 = 0.3, error -0.7: w = 0.1 + 0.1 * 0.7 * 2 = 0.24,
    b = 0.1 + 0.07 = 0.17. (Skipping example 2 leaves 0.1, 0.1; the other order gives
    example 1 first at w = 0.2, b = 0.1: out 0.3, so w = 0.27, b = 0.17.)"""
    net = line().fit([[1.0], [2.0]], [1.0, 1.0], epochs=1, learning_rate=0.1, batch_size=1)
    assert wb(net) == pytest.approx((0.24, 0.17), abs=1e-12)
    # the loss after the epoch: outs 0.41 and 0.65, E = (0.59^2 / 2 + 0.35^2 / 2) / 2 = 0.11765
    assert net.loss_curve_ == [pytest.approx(0.11765, abs=1e-12)]


def test_batch_training_takes_one_step_on_the_mean_gradient():
    """x = 1, 2; t = 1, 1; at w = b = 0 the errors are -1, -1: dE/dw = mean(-1, -2) = -1.5,
    dE/db = -1; rate 0.1: w = 0.15, b = 0.1."""
    net = line().fit([[1.0], [2.0]], [1.0, 1.0], epochs=1, learning_rate=0.1)
    assert wb(net) == pytest.approx((0.15, 0.1), abs=1e-12)


def test_mini_batches_include_the_short_last_batch():
    """x = 1, 2, 3; t = 1; batches of 2: (1, 2) at zero: w = 0.15, b = 0.1 (as above);
    then (3): out 0.45 + 0.1 = 0.55, error -0.45: w = 0.15 + 0.1 * 0.45 * 3 = 0.285,
    b = 0.1 + 0.045 = 0.145."""
    net = line().fit([[1.0], [2.0], [3.0]], [1.0, 1.0, 1.0], epochs=1, learning_rate=0.1,
                     batch_size=2)
    assert wb(net) == pytest.approx((0.285, 0.145), abs=1e-12)


def test_epochs_repeat_the_pass():
    """Two batch epochs of the case above: at w 0.15, b 0.1 the outs are 0.25, 0.4, errors
    -0.75, -0.6: dE/dw = (-0.75 - 1.2) / 2 = -0.975, dE/db = -0.675:
    w = 0.15 + 0.0975 = 0.2475, b = 0.1 + 0.0675 = 0.1675."""
    net = line().fit([[1.0], [2.0]], [1.0, 1.0], epochs=2, learning_rate=0.1)
    assert wb(net) == pytest.approx((0.2475, 0.1675), abs=1e-12)
    assert len(net.loss_curve_) == 2 and net.loss_curve_[1] < net.loss_curve_[0]


def test_momentum_adds_the_previous_step():
    """Online, momentum 0.5, rate 0.1, x = 1, 2, t = 1, 1.
    Example 1: v_w = 0.1, v_b = 0.1: w = b = 0.1.
    Example 2: out 0.3, error -0.7: v_w = 0.5 * 0.1 + 0.1 * 1.4 = 0.19, v_b = 0.05 + 0.07 = 0.12:
    w = 0.29, b = 0.22."""
    net = line().fit([[1.0], [2.0]], [1.0, 1.0], epochs=1, learning_rate=0.1, batch_size=1,
                     momentum=0.5)
    assert wb(net) == pytest.approx((0.29, 0.22), abs=1e-12)


def test_target_loss_exactly_met_stops_after_that_epoch():
    """w = 1, b = 0 already fits t = x: the loss is exactly 0, which meets target 0."""
    net = line(1.0).fit([[1.0], [2.0]], [1.0, 2.0], epochs=5, learning_rate=0.1, target_loss=0.0)
    assert net.loss_curve_ == [0.0]
    net = line().fit([[1.0], [2.0]], [1.0, 1.0], epochs=3, learning_rate=0.1, target_loss=0.0)
    assert len(net.loss_curve_) == 3


def test_online_order_is_shuffled_with_an_rng_and_kept_without():
    """With an rng the examples come in a fresh order each epoch: over 20 epochs of two
    examples, some epoch takes example 2 first, which no fixed order reproduces."""
    X, Y = [[1.0], [2.0]], [1.0, 1.0]
    fixed = line().fit(X, Y, epochs=20, learning_rate=0.1, batch_size=1)
    again = line().fit(X, Y, epochs=20, learning_rate=0.1, batch_size=1)
    assert wb(fixed) == wb(again)
    shuffled = line(rng=np.random.default_rng(0)).fit(X, Y, epochs=20, learning_rate=0.1,
                                                      batch_size=1)
    assert wb(shuffled) != wb(fixed)


def test_step_moves_weights_and_biases_against_the_gradient():
    """x = 2, t = 1 at w = b = 0: error -1, dE/dw = -2, dE/db = -1; rate 0.5: w = 1, b = 0.5;
    with biases=False the bias stays 0. A second step without backward is refused."""
    net = line()
    g = net.backward([[2.0]], [1.0])
    assert g.weights[0].tolist() == [[-2.0]] and g.biases[0].tolist() == [-1.0]
    assert g.loss == 0.5
    net.step(0.5)
    assert wb(net) == (1.0, 0.5)
    with pytest.raises(ConfigError, match=r"no gradients yet: call backward\(X, Y\) before step\(\)"):
        net.step(0.5)
    net = line()
    net.backward([[2.0]], [1.0])
    net.step(0.5, biases=False)
    assert wb(net) == (1.0, 0.0)


def test_cross_entropy_delta_is_out_minus_target():
    """One sigmoid unit at w = b = 0: out 0.5; t = 1: delta = 0.5 - 1 = -0.5, dE/dw = -0.5 x
    (x = 2: -1), E = -log 0.5 = 0.6931...; squared loss instead: delta = (0.5 - 1) * 0.25."""
    ce = Network(sizes=(1, 1), weights=[[[0.0]]], loss="cross_entropy")
    g = ce.backward([[2.0]], [1.0])
    assert g.d_net[0].tolist() == [[-0.5]] and g.weights[0].tolist() == [[-1.0]]
    assert g.loss == pytest.approx(np.log(2.0), abs=1e-15)
    sq = Network(sizes=(1, 1), weights=[[[0.0]]])
    g = sq.backward([[2.0]], [1.0])
    assert g.d_net[0].tolist() == [[-0.125]] and g.loss == 0.125


def test_two_layers_chain_the_hidden_delta_through_the_weights():
    """identity 1-1-1, w1 = 2, w2 = 3, x = 1, t = 0: hidden 2, out 6, delta_out 6,
    dE/dw2 = 6 * 2 = 12, hidden dE/dout = 6 * 3 = 18 = delta_hidden, dE/dw1 = 18 * 1."""
    net = Network(sizes=(1, 1, 1), activations=["identity", "identity"],
                  weights=[[[2.0]], [[3.0]]])
    g = net.backward([[1.0]], [0.0])
    assert [w.tolist() for w in g.weights] == [[[18.0]], [[12.0]]]
    assert [d.tolist() for d in g.d_net] == [[[18.0]], [[6.0]]]
    assert g.loss == 18.0


# ------------------------------------------------------------------ the lecture's 2-2-2
#: dE/dw from the lecture's printed updates: (w - new_w) / 0.5, for the weights the printed
#: table gives no gradient of its own (w2-w4, w6-w8).
PRINTED_GRADS = {
    "w2": (0.20 - 0.19956143) / 0.5, "w3": (0.25 - 0.24975114) / 0.5,
    "w4": (0.30 - 0.29950229) / 0.5, "w6": (0.45 - 0.408666186) / 0.5,
    "w7": (0.50 - 0.511301270) / 0.5, "w8": (0.55 - 0.561370121) / 0.5,
}


def test_worked_example_numbers_not_printed_as_gradients_follow_from_printed_updates():
    """The values test_lecture only checked to be finite floats, checked against the lecture:
    net_h2 = 0.25 * 0.05 + 0.30 * 0.10 + 0.35 = 0.3925 and net_o2 = 0.50 out_h1 + 0.55
    out_h2 + 0.60 with the printed out_h1, out_h2; the gradients from the printed new weights
    (printed to 8-9 decimals, so 2e-8 after dividing by the rate)."""
    r = worked.backprop_example()
    assert r["net_h2"] == pytest.approx(0.3925, abs=1e-15)
    assert r["net_o2"] == pytest.approx(0.50 * 0.593269992 + 0.55 * 0.596884378 + 0.60, abs=1e-8)
    for name, grad in PRINTED_GRADS.items():
        assert r[f"grad_{name}"] == pytest.approx(grad, abs=2e-8), name
