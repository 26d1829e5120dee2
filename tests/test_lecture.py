"""The lecture's models: printed numbers, gradients, the perceptron rule, logistic regression."""

import json
import re
import zlib

import numpy as np
import pytest

from simulator.errors import ConfigError
from simulator.lecture import activations, gradcheck, worked
from simulator.lecture.logistic import LogisticRegression, threshold_metrics
from simulator.lecture.network import Network
from simulator.lecture.neuron import Neuron, Perceptron

# ---------------------------------------------------------------- the printed numbers
#: Every number the lecture prints for the 2-2-2 example, exactly as printed.
LECTURE = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378",
    "net_o1": "1.105905967", "out_o1": "0.75136507", "out_o2": "0.772928465",
    "E_o1": "0.274811083", "E_o2": "0.023560026", "E_total": "0.298371109",
    "dE_dout_o1": "0.74136507", "dout_o1_dnet_o1": "0.186815602",
    "delta_o1": "0.138498562", "dE_o1_dout_h1": "0.055399425",
    "dE_dout_h1": "0.036350306", "dout_h1_dnet_h1": "0.241300709",
    "grad_w5": "0.082167041", "grad_w1": "0.000438568",
    "new_w1": "0.149780716", "new_w2": "0.19956143", "new_w3": "0.24975114",
    "new_w4": "0.29950229", "new_w5": "0.35891648", "new_w6": "0.408666186",
    "new_w7": "0.511301270", "new_w8": "0.561370121",
}


def _decimals(printed: str) -> int:
    return len(printed.split(".")[1])


@pytest.mark.parametrize("name", LECTURE)
def test_worked_example_matches_every_printed_digit(name):
    value = worked.backprop_example()[name]
    printed = LECTURE[name]
    assert f"{value:.{_decimals(printed)}f}" == printed


def test_worked_example_has_every_named_number():
    r = worked.backprop_example()
    names = ["net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2",
             "E_o1", "E_o2", "E_total"] + [f"grad_w{k}" for k in range(1, 9)] + \
            [f"new_w{k}" for k in range(1, 9)]
    assert all(isinstance(r[n], float) and np.isfinite(r[n]) for n in names)
    json.dumps(r)  # the --json object


def test_worked_example_is_the_general_network_and_leaves_biases_alone():
    net = worked.worked_network()
    X, Y = np.array([worked.INPUTS]), np.array([worked.TARGETS])
    net.backward(X, Y)
    net.step(0.5, biases=False)
    r = worked.backprop_example(0.5)
    assert net.weights_[1][0, 0] == r["new_w5"] and net.weights_[0][1, 1] == r["new_w4"]
    assert np.all(net.biases_[0] == 0.35) and np.all(net.biases_[1] == 0.60)
    # the update really is w - rate * dE/dw, for another rate too
    r2 = worked.backprop_example(0.1)
    for k in range(1, 9):
        assert r2[f"new_w{k}"] == pytest.approx(r2[f"w{k}"] - 0.1 * r2[f"grad_w{k}"], abs=1e-15)


def test_worked_gradients_agree_with_finite_differences():
    net = worked.worked_network()
    X, Y = np.array([worked.INPUTS]), np.array([worked.TARGETS])
    assert gradcheck.check_network(net, X, Y) < 1e-7
    r = worked.backprop_example()
    for name, (l, j, i) in worked.WEIGHT_INDEX.items():
        w = net.weights_[l]
        keep = w[j, i]
        w[j, i] = keep + 1e-6
        up = net.loss_value(X, Y)
        w[j, i] = keep - 1e-6
        down = net.loss_value(X, Y)
        w[j, i] = keep
        assert r[f"grad_{name}"] == pytest.approx((up - down) / 2e-6, rel=1e-6)


def test_step_by_step_text_prints_the_lecture_digits():
    text = worked.backprop_steps()
    for line in ("net_h1 = w1 * i1 + w2 * i2 + b1 = 0.15 * 0.05 + 0.2 * 0.1 + 0.35 = 0.3775",
                 "out_h1 = 1 / (1 + e^-net_h1) = 0.593269992",
                 "E_total = E_o1 + E_o2 = 0.274811083 + 0.023560026 = 0.298371109",
                 "dE_total/dw5 = dE_total/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5 = "
                 "0.74136507 * 0.186815602 * 0.593269992 = 0.082167041",
                 "new w5 = 0.4 - 0.5 * 0.082167041 = 0.35891648",
                 "new w8 = 0.55 - 0.5 * (-0.022740242) = 0.561370121"):
        assert line in text, line
    # every printed number, rounded to the lecture's decimals, is the lecture's number
    for name, printed in LECTURE.items():
        shown = re.search(rf"(?:^|\s){re.escape(name.replace('new_', 'new '))} = .* = (-?[\d.]+)$",
                          text, re.M)
        if shown:
            assert f"{float(shown.group(1)):.{_decimals(printed)}f}" == printed, name
    assert "biases are not updated" in text


def test_graph_example():
    r = worked.graph_example()
    assert (r["q"], r["f"]) == (3, -12)
    assert (r["df_dz"], r["df_dq"], r["df_dx"], r["df_dy"]) == (3, -4, -4, -4)
    text = worked.graph_steps()
    assert "q = x + y = -2 + 5 = 3" in text and "f = q z = 3 * -4 = -12" in text
    # reverse mode on another point agrees with the derivatives of (x + y) z
    r = worked.graph_example(1.5, -0.5, 2.0)
    assert (r["df_dx"], r["df_dy"], r["df_dz"]) == (2.0, 2.0, 1.0)


# ---------------------------------------------------------------- activations
@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "step"])
def test_activation_derivatives_agree_with_finite_differences(name):
    act = activations.get(name)
    x = np.random.default_rng(1).uniform(-6, 6, 200)
    x = x[np.abs(x) > 1e-3]  # away from the kinks of relu, leaky relu and step
    numeric = (act.f(x + 1e-6) - act.f(x - 1e-6)) / 2e-6
    assert np.allclose(act.df(x), numeric, rtol=1e-6, atol=1e-8)


def test_activation_values():
    x = np.array([-2.0, 0.0, 3.0])
    assert np.array_equal(activations.step(x), [0, 1, 1])
    assert np.array_equal(activations.relu(x), [0, 0, 3])
    assert np.allclose(activations.leaky_relu(x), [-0.02, 0, 3])
    assert activations.sigmoid(0.0) == 0.5
    assert np.allclose(activations.tanh(x), np.tanh(x))


def test_sigmoid_is_stable_for_large_inputs():
    # underflow to 0 is the right answer far out; overflow or nan would be a bug
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = activations.sigmoid(np.array([-1e4, -800.0, -40.0, 40.0, 800.0, 1e4]))
        d = activations.sigmoid_derivative(np.array([-1e4, 1e4]))
    assert s[0] == 0.0 and s[-1] == 1.0 and np.all(np.diff(s) >= 0)
    assert s[2] == pytest.approx(np.exp(-40.0), rel=1e-12)
    assert np.all(d == 0.0)


def test_unknown_activation_names_the_choices():
    with pytest.raises(ConfigError, match="choose one of identity, step, sigmoid, tanh, relu, leaky_relu"):
        activations.get("softsign")


# ---------------------------------------------------------------- the network
@pytest.mark.parametrize("hidden", ["identity", "sigmoid", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
def test_backprop_agrees_with_finite_differences(hidden, loss):
    rng = np.random.default_rng(zlib.crc32(f"{hidden} {loss}".encode()))
    for _ in range(3):
        sizes = tuple(int(s) for s in rng.integers(1, 5, size=rng.integers(2, 5)))
        out = "sigmoid" if loss == "cross_entropy" else str(rng.choice(["sigmoid", "tanh", "identity"]))
        net = Network(sizes=sizes, activation=hidden, output_activation=out, loss=loss, rng=rng,
                      biases=[rng.normal(size=s) for s in sizes[1:]])
        X = rng.normal(size=(4, sizes[0]))
        Y = rng.uniform(0, 1, size=(4, sizes[-1]))
        assert gradcheck.check_network(net, X, Y) < 1e-5, (sizes, hidden, out, loss)


def test_gradient_check_can_fail():
    net = Network(sizes=(3, 4, 2), activation="tanh", rng=np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(5, 3))
    Y = np.random.default_rng(2).uniform(size=(5, 2))
    net.forward(X)  # builds the layers
    # a tanh layer whose backward pass uses the sigmoid's slope: a wrong derivative...
    net.f_[0] = activations.Activation("broken", "", activations.tanh, activations.sigmoid_derivative)
    assert gradcheck.check_network(net, X, Y) > 1e-2  # ...and the check says so


def test_network_learns_xor_batch_and_online():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = np.array([0, 1, 1, 0])
    batch = Network(sizes=(2, 4, 1), activation="tanh", loss="cross_entropy",
                    rng=np.random.default_rng(0)).fit(X, y, epochs=2000, learning_rate=0.5)
    assert np.array_equal(batch.classify(X), y)
    online = Network(sizes=(2, 3, 1), activation="sigmoid", loss="squared",
                     rng=np.random.default_rng(3)).fit(X, y, epochs=3000, learning_rate=1.0,
                                                       batch_size=1)
    assert np.array_equal(online.classify(X), y)
    assert online.loss_curve_[-1] < online.loss_curve_[0]


def test_forward_keeps_every_layer():
    net = Network(sizes=(3, 5, 4, 2), activation="relu", output_activation="identity",
                  rng=np.random.default_rng(0))
    fp = net.forward(np.ones((6, 3)))
    assert [n.shape for n in fp.nets] == [(6, 5), (6, 4), (6, 2)]
    assert [o.shape for o in fp.outs] == [(6, 3), (6, 5), (6, 4), (6, 2)]
    assert np.array_equal(fp.outs[1], np.maximum(fp.nets[0], 0))


def test_same_seed_same_network():
    a = Network(sizes=(4, 3, 1), rng=np.random.default_rng(7))
    b = Network(sizes=(4, 3, 1), rng=np.random.default_rng(7))
    X = np.random.default_rng(0).normal(size=(10, 4))
    assert np.array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("sizes", [(2,), (2, 0, 1), (2, 2.5, 1), "2,2", (True, 2)])
def test_bad_layer_sizes_are_config_errors(sizes):
    with pytest.raises(ConfigError,
                       match=r"layer sizes must be two or more whole numbers .*e\.g\. \(2, 2, 2\)"):
        Network(sizes=sizes, rng=np.random.default_rng(0)).forward(np.zeros((1, 2)))


def test_bad_network_settings_are_config_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ConfigError, match="unknown activation 'sigmoidal'; choose one of"):
        Network(sizes=(2, 2, 1), activation="sigmoidal", rng=rng).predict([[0, 0]])
    with pytest.raises(ConfigError, match="unknown loss 'hinge'; choose one of squared, cross_entropy"):
        Network(sizes=(2, 2, 1), loss="hinge", rng=rng).predict([[0, 0]])
    with pytest.raises(ConfigError, match="cross_entropy loss needs output_activation 'sigmoid'"):
        Network(sizes=(2, 2, 1), output_activation="tanh", loss="cross_entropy", rng=rng).predict([[0, 0]])
    with pytest.raises(ConfigError, match="seeded rng"):
        Network(sizes=(2, 2, 1)).predict([[0, 0]])
    net = Network(sizes=(2, 2, 1), rng=rng)
    for rate in (0, -1, float("nan"), float("inf"), "0.5", True):
        with pytest.raises(ConfigError, match="learning_rate must be a finite number above 0"):
            net.fit([[0, 0]], [0], epochs=1, learning_rate=rate)
    with pytest.raises(ConfigError, match="call backward"):
        net.step(0.5)
    with pytest.raises(ConfigError, match=r"weights\[0\] must be finite numbers of shape \(2, 2\)"):
        Network(sizes=(2, 2, 1), weights=[np.zeros((2, 3)), np.zeros((1, 2))]).predict([[0, 0]])
    with pytest.raises(ConfigError, match="rate must be a finite number above 0"):
        worked.backprop_example(-0.5)


# ---------------------------------------------------------------- neuron and perceptron
def test_neuron():
    n = Neuron(weights=[0.5, -1.0], bias=0.25, activation="step")
    assert np.array_equal(n([[1, 0], [0, 1], [0.5, 0.5]]), [1, 0, 1])
    assert Neuron(weights=[1.0], bias=0.0)([[0.0]])[0] == 0.5


def test_perceptron_rule_as_taught():
    # o = 1 at w.x + b = 0, so the first example of class 0 is a false positive
    p = Perceptron(learning_rate=0.5, epochs=1).fit([[1.0, 2.0]], [0])
    assert np.array_equal(p.weights_, [-0.5, -1.0]) and p.bias_ == -0.5
    # then a false negative adds alpha x and alpha
    p.partial_fit([[0.0, 4.0]], [1])
    assert np.array_equal(p.weights_, [-0.5, 1.0]) and p.bias_ == 0.0
    # a right answer changes nothing
    p.partial_fit([[0.0, 4.0]], [1])
    assert np.array_equal(p.weights_, [-0.5, 1.0]) and p.mistakes_[-1] == 0


def test_perceptron_learns_and_but_never_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    p = Perceptron(epochs=100).fit(X, [0, 0, 0, 1])
    assert p.converged_ and p.score(X, [0, 0, 0, 1]) == 1.0
    xor = np.array([0, 1, 1, 0])
    p = Perceptron(epochs=1, rng=np.random.default_rng(0))
    for _ in range(300):
        p.partial_fit(X, xor)
        assert p.score(X, xor) < 1.0 and p.mistakes_[-1] > 0
    # and no line at all does it: every threshold on a grid of weights misses a pattern
    grid = np.linspace(-3, 3, 25)
    w1, w2, b = np.meshgrid(grid, grid, grid)
    out = (X[:, 0, None] * w1.ravel() + X[:, 1, None] * w2.ravel() + b.ravel() >= 0)
    assert (out == xor[:, None]).all(axis=0).sum() == 0
    assert (out == xor[:, None]).mean(axis=0).max() == 0.75


def test_perceptron_bad_settings():
    with pytest.raises(ConfigError, match="learning_rate must be a finite number above 0"):
        Perceptron(learning_rate=0).fit([[0.0]], [1])
    with pytest.raises(ConfigError, match="y must be 1 labels, each 0 or 1"):
        Perceptron().fit([[0.0]], [2])


# ---------------------------------------------------------------- logistic regression
def _data(seed, n=400, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    p = 1 / (1 + np.exp(-(X @ rng.normal(size=d) * 1.5 + 0.3)))
    return X, (rng.random(n) < p).astype(int)


def _sklearn(**kw):
    import sklearn
    from sklearn.linear_model import LogisticRegression as SkLogistic
    if tuple(int(v) for v in sklearn.__version__.split(".")[:2]) < (1, 8) and kw.get("C") == np.inf:
        kw = {**kw, "penalty": None}
        kw.pop("C")
    return SkLogistic(tol=1e-12, max_iter=10_000, **kw)


def test_logistic_regression_agrees_with_scikit_learn():
    X, y = _data(0)
    ours = LogisticRegression(learning_rate=1.0, epochs=3000).fit(X, y)
    sk = _sklearn(C=np.inf).fit(X, y)
    assert np.allclose(ours.weights_, sk.coef_[0], atol=1e-4)
    assert ours.bias_ == pytest.approx(sk.intercept_[0], abs=1e-4)
    assert np.abs(ours.predict_proba(X) - sk.predict_proba(X)).max() < 1e-4
    assert np.array_equal(ours.predict(X), sk.predict(X))
    # too few steps stops short of the optimum: the comparison can fail
    short = LogisticRegression(learning_rate=1.0, epochs=3).fit(X, y)
    assert np.abs(short.predict_proba(X) - sk.predict_proba(X)).max() > 1e-2


def test_logistic_regression_l2_agrees_with_scikit_learn():
    X, y = _data(1)
    l2 = 0.05
    ours = LogisticRegression(learning_rate=1.0, epochs=3000, l2=l2).fit(X, y)
    # scikit-learn minimises C * sum(cross-entropy) + |w|^2 / 2: C = 1 / (n * l2)
    sk = _sklearn(C=1 / (len(X) * l2)).fit(X, y)
    assert np.allclose(ours.weights_, sk.coef_[0], atol=1e-5)
    assert np.abs(ours.predict_proba(X) - sk.predict_proba(X)).max() < 1e-5


def test_logistic_loss_falls_and_partial_fit_continues():
    X, y = _data(2)
    a = LogisticRegression(learning_rate=0.5, epochs=50).fit(X, y)
    assert np.all(np.diff(a.loss_curve_) <= 1e-12)
    b = LogisticRegression(learning_rate=0.5, epochs=20).fit(X, y).partial_fit(X, y, epochs=30)
    assert np.allclose(a.weights_, b.weights_) and len(b.loss_curve_) == 51


def test_threshold_trades_precision_for_recall():
    X, y = _data(3, n=2000, d=2)
    p = LogisticRegression(learning_rate=1.0, epochs=500).fit(X, y).predict_proba(X)[:, 1]
    rows = threshold_metrics(y, p, (0.3, 0.5, 0.7))
    assert [r["threshold"] for r in rows] == [0.3, 0.5, 0.7]
    assert rows[0]["precision"] < rows[1]["precision"] < rows[2]["precision"]
    assert rows[0]["recall"] > rows[1]["recall"] > rows[2]["recall"]
    from sklearn.metrics import accuracy_score, precision_score, recall_score
    for r in rows:
        guess = (p >= r["threshold"]).astype(int)
        assert r["accuracy"] == pytest.approx(accuracy_score(y, guess))
        assert r["precision"] == pytest.approx(precision_score(y, guess))
        assert r["recall"] == pytest.approx(recall_score(y, guess))


def test_logistic_bad_settings():
    X, y = _data(0, n=10)
    with pytest.raises(ConfigError, match="learning_rate must be a finite number above 0"):
        LogisticRegression(learning_rate=float("nan")).fit(X, y)
    with pytest.raises(ConfigError, match="threshold must be a number from 0 to 1"):
        LogisticRegression(epochs=1).fit(X, y).predict(X, threshold=1.5)
    with pytest.raises(ConfigError, match="l2 must be a finite number from 0"):
        LogisticRegression(l2=-1).fit(X, y)
