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
    """x = 2, t = 2 at w = b = 0: error -2, dE/dw = -4, dE/db = -2; rate 0.5: w = 2, b = 1;
    with biases=False the bias stays 0. A second step without backward is refused."""
    net = line()
    g = net.backward([[2.0]], [2.0])
    assert g.weights[0].tolist() == [[-4.0]] and g.biases[0].tolist() == [-2.0]
    assert g.loss == 2.0
    net.step(0.5)
    assert wb(net) == (2.0, 1.0)
    with pytest.raises(ConfigError, match=r"no gradients yet: call backward\(X, Y\) before step\(\)"):
        net.step(0.5)
    net = line()
    net.backward([[2.0]], [2.0])
    net.step(0.5, biases=False)
    assert wb(net) == (2.0, 0.0)


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


# ------------------------------------------------------------------ deeper than two layers
def chain(*ws, acts=None, **kw):
    """1-1-...-1 network with the given weights, identity units unless ``acts`` says."""
    acts = acts or ["identity"] * len(ws)
    return Network(sizes=(1,) * (len(ws) + 1), activations=acts, weights=[[[w]] for w in ws], **kw)


def test_three_layers_feed_each_layer_the_one_before():
    """x = 1 through weights 2, 3, 4: 2, 6, 24 (two-layer nets cannot tell outs[-1] from
    outs[1]). Backward, t = 0: delta3 = 24, dW3 = 24 * 6 = 144; delta2 = 24 * 4 = 96,
    dW2 = 96 * 2 = 192; delta1 = 96 * 3 = 288, dW1 = 288 * 1; E = 24^2 / 2 = 288."""
    net = chain(2.0, 3.0, 4.0)
    fp = net.forward([[1.0]])
    assert [o.tolist() for o in fp.outs] == [[[1.0]], [[2.0]], [[6.0]], [[24.0]]]
    assert net.predict([[1.0]]).tolist() == [[24.0]] and fp.output.tolist() == [[24.0]]
    g = net.backward([[1.0]], [0.0])
    assert [w.tolist() for w in g.weights] == [[[288.0]], [[192.0]], [[144.0]]]
    assert [d.tolist() for d in g.d_out] == [[[288.0]], [[96.0]], [[24.0]]]
    assert g.loss == 288.0


def test_the_output_slope_is_the_output_layers():
    """identity, identity, sigmoid with weights 1, 1, 0: x = 1 gives nets 1, 1, 0 and out 0.5;
    t = 1: dE/dout = -0.5, delta = -0.5 * sigmoid'(0) = -0.5 * 0.25 = -0.125 (an identity
    slope would give -0.5, sigmoid'(1) = 0.19661... another); dW3 = -0.125 * 1."""
    net = chain(1.0, 1.0, 0.0, acts=["identity", "identity", "sigmoid"])
    g = net.backward([[1.0]], [1.0])
    assert g.d_net[-1].tolist() == [[-0.125]] and g.weights[-1].tolist() == [[-0.125]]
    assert g.d_out[-1].tolist() == [[-0.5]]


def test_cross_entropy_reads_the_output_layers_net():
    """identity, identity, sigmoid, weights 2, 3, 0.5: net3 = 6 * 0.5 = 3; t = 1:
    E = log(1 + e^3) - 3 = log(1 + e^-3); t = 0: log(1 + e^3). dE/dout = (out - t) /
    (out (1 - out)) = -1 / out for t = 1, out = sigmoid(3)."""
    net = chain(2.0, 3.0, 0.5, acts=["identity", "identity", "sigmoid"], loss="cross_entropy")
    out = 1 / (1 + np.exp(-3.0))
    assert net.loss_value([[1.0]], [1.0]) == pytest.approx(np.log1p(np.exp(-3.0)), rel=1e-12)
    assert net.loss_value([[1.0]], [0.0]) == pytest.approx(np.log1p(np.exp(3.0)), rel=1e-12)
    g = net.backward([[1.0]], [1.0])
    assert g.d_out[-1][0, 0] == pytest.approx(-1 / out, rel=1e-12)
    assert g.d_net[-1][0, 0] == pytest.approx(out - 1, rel=1e-12)


def test_targets_as_a_plain_vector():
    """One output: t as a vector of n. One example of several outputs: t as a vector of them.
    3 layers, last 1 unit, middle 2: the shapes read the last layer, not the second."""
    net = Network(sizes=(1, 2, 1), activations=["identity", "identity"],
                  weights=[[[1.0], [1.0]], [[1.0, 1.0]]])
    assert net.loss_value([[1.0], [2.0]], [2.0, 4.0]) == 0.0
    wide = Network(sizes=(1, 2), activations=["identity"], weights=[[[1.0], [2.0]]])
    assert wide.loss_value([[1.0]], [1.0, 2.0]) == 0.0
    assert wide.loss_value([[1.0]], [0.0, 0.0]) == 2.5   # (1 + 4) / 2
    with pytest.raises(ConfigError, match=r"targets must be finite numbers of shape \(2, 1\), got \(2, 2\)"):
        net.loss_value([[1.0], [2.0]], [[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ConfigError, match=r"targets must be finite numbers of shape \(1, 1\)"):
        net.loss_value([[1.0]], [np.nan])


# ------------------------------------------------------------------ settings and their edges
def test_cross_entropy_targets_from_zero_to_one_inclusive():
    net = Network(sizes=(1, 1), weights=[[[0.0]]], loss="cross_entropy")
    assert net.loss_value([[1.0], [1.0]], [0.0, 1.0]) == pytest.approx(np.log(2.0), rel=1e-12)
    for bad in (-0.01, 1.01):
        with pytest.raises(ConfigError, match=r"cross_entropy targets must lie in \[0, 1\]"):
            net.loss_value([[1.0]], [bad])
    # the squared loss takes any finite target
    assert Network(sizes=(1, 1), weights=[[[0.0]]]).loss_value([[1.0]], [2.0]) == pytest.approx(1.125)


@pytest.mark.parametrize("momentum", [1, 1.0, -0.1, True, "0.5"])
def test_momentum_outside_zero_to_one_is_refused(momentum):
    with pytest.raises(ConfigError, match=rf"momentum must be a number in \[0, 1\), got {momentum!r}"):
        line().fit([[1.0]], [1.0], epochs=1, momentum=momentum)


def test_momentum_zero_and_just_below_one_are_taken():
    assert wb(line().fit([[1.0]], [1.0], epochs=1, learning_rate=0.1, momentum=0)) == (0.1, 0.1)
    line().fit([[1.0]], [1.0], epochs=1, learning_rate=0.1, momentum=0.99)


def test_batch_training_draws_nothing_from_the_rng():
    """The order only matters for online and mini-batch training: a batch epoch leaves the
    network's generator as it was (the next draw is a fresh generator's first)."""
    rng = np.random.default_rng(4)
    line(rng=rng).fit([[1.0], [2.0]], [1.0, 1.0], epochs=3, learning_rate=0.1)
    assert rng.random() == np.random.default_rng(4).random()
    rng = np.random.default_rng(4)
    line(rng=rng).fit([[1.0], [2.0]], [1.0, 1.0], epochs=3, learning_rate=0.1, batch_size=1)
    assert rng.random() != np.random.default_rng(4).random()


@pytest.mark.parametrize("sizes", [(1, 1), (100_000, 1), (1, 100_000)])
def test_layer_sizes_at_their_limits_are_taken(sizes):
    net = Network(sizes=sizes, activations=["identity"], weights=[np.zeros((sizes[1], sizes[0]))])
    assert net.predict(np.zeros((1, sizes[0]))).shape == (1, sizes[1])


@pytest.mark.parametrize("sizes", [(0, 1), (1, 100_001), (1,), [], (1, True)])
def test_layer_sizes_past_their_limits_are_refused(sizes):
    with pytest.raises(ConfigError, match=r"layer sizes must be two or more whole numbers from 1 to 100,000"):
        Network(sizes=sizes, rng=np.random.default_rng(0)).predict([[0.0]])


def test_classify_at_the_threshold_and_by_argmax():
    """out = b: 0.5 meets threshold 0.5 (class 1), 0.49 does not; several outputs: argmax."""
    assert line(0.0, 0.5).classify([[3.0]]).tolist() == [1]
    assert line(0.0, 0.49).classify([[3.0]]).tolist() == [0]
    assert line(1.0, 0.0).classify([[0.7]], threshold=0.7).tolist() == [1]
    wide = Network(sizes=(1, 3), activations=["identity"], weights=[[[1.0], [3.0], [2.0]]])
    assert wide.classify([[1.0], [-1.0]]).tolist() == [1, 0]


def test_starting_weights_and_biases_given_or_drawn():
    """Glorot's bound sqrt(6 / (fan_in + fan_out)): 50 inputs, 100 units -> sqrt(6 / 150)
    = 0.2; 5,000 uniform draws come within 1% of it. A single bias fills its layer."""
    net = Network(sizes=(50, 100, 1), biases=[0.25, [0.5]], rng=np.random.default_rng(1))
    net.predict(np.zeros((1, 50)))
    W = net.weights_[0]
    assert W.shape == (100, 50) and 0.198 < np.abs(W).max() <= 0.2 and W.min() < 0 < W.max()
    assert net.biases_[0].tolist() == [0.25] * 100 and net.biases_[1].tolist() == [0.5]
    assert net.weights_[1].shape == (1, 100) and np.abs(net.weights_[1]).max() <= np.sqrt(6 / 101)
    assert net.f_[0].name == "sigmoid" and net.f_[1].name == "sigmoid"
    mixed = Network(sizes=(2, 2, 2, 1), activation="relu", output_activation="identity",
                    rng=np.random.default_rng(0))
    mixed.predict([[0.0, 0.0]])
    assert [f.name for f in mixed.f_] == ["relu", "relu", "identity"]


def test_bad_weights_biases_and_activations_each_say_what():
    with pytest.raises(ConfigError, match=r"weights must be 2 matrices for sizes \(1, 1, 1\)"):
        Network(sizes=(1, 1, 1), weights=[[[1.0]]]).predict([[0.0]])
    with pytest.raises(ConfigError, match=r"weights\[0\] must be finite numbers of shape \(1, 1\)"):
        Network(sizes=(1, 1), weights=[[[np.inf]]]).predict([[0.0]])
    with pytest.raises(ConfigError, match=r"biases must be 1 values or vectors for sizes \(1, 1\)"):
        Network(sizes=(1, 1), weights=[[[1.0]]], biases=[0.0, 0.0]).predict([[0.0]])
    with pytest.raises(ConfigError, match=r"biases\[0\] must be a number or 2 finite numbers"):
        Network(sizes=(1, 2), rng=np.random.default_rng(0), biases=[[1.0, 2.0, 3.0]]).predict([[0.0]])
    with pytest.raises(ConfigError, match=r"biases\[0\] must be a number or 1 finite numbers"):
        Network(sizes=(1, 1), weights=[[[1.0]]], biases=[np.nan]).predict([[0.0]])
    for acts in (["identity"], "identity"):
        with pytest.raises(ConfigError, match=r"activations must name one activation per layer \(2 for"):
            Network(sizes=(1, 1, 1), activations=acts, rng=np.random.default_rng(0)).predict([[0.0]])


def test_a_diverging_fit_says_so():
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(ConfigError,
                           match=r"training diverged \(loss (inf|nan)\) at learning_rate 1e\+06"):
            line().fit([[100.0]], [1.0], epochs=100, learning_rate=1e6)


def test_arguments_after_the_data_are_keyword_only():
    with pytest.raises(TypeError):
        Network((1, 1))
    with pytest.raises(TypeError):
        line().fit([[1.0]], [1.0], 5)
    net = line()
    net.backward([[1.0]], [1.0])
    with pytest.raises(TypeError):
        net.step(0.5, False)


def test_passes_are_kept_as_given():
    import dataclasses

    net = line(1.0)
    fp = net.forward([[1.0]])
    with pytest.raises(dataclasses.FrozenInstanceError):
        fp.nets = []
    g = net.backward([[1.0]], [1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.loss = 0.0


def test_cross_entropy_refusal_names_the_output_layers_activation():
    """Three layers: the message names the output's tanh, not the hidden layers' sigmoid."""
    with pytest.raises(ConfigError, match=r"needs output_activation 'sigmoid', got 'tanh'; or use loss"):
        Network(sizes=(1, 2, 2, 1), output_activation="tanh", loss="cross_entropy",
                rng=np.random.default_rng(0)).predict([[0.0]])
