"""The lecture's worked examples of backpropagation, computed by the general code.

(a) A computational graph, f = (x + y) z at x = -2, y = 5, z = -4: forward q = x + y = 3,
f = q z = -12; backward df/dz = q = 3, df/dq = z = -4, df/dx = df/dy = df/dq * 1 = -4.

(b) The 2-2-2 network, sigmoid everywhere, E = sum 1/2 (target - out)^2:
inputs i1, i2 = 0.05, 0.10, targets 0.01, 0.99; input -> hidden weights w1..w4 = 0.15,
0.20, 0.25, 0.30 (h1 = sigmoid(w1 i1 + w2 i2 + b1), h2 = sigmoid(w3 i1 + w4 i2 + b1)),
hidden -> output weights w5..w8 = 0.40, 0.45, 0.50, 0.55 (o1 = sigmoid(w5 h1 + w6 h2 + b2),
o2 = sigmoid(w7 h1 + w8 h2 + b2)), b1 = 0.35, b2 = 0.60. One forward pass, one backward
pass, one update w_new = w - rate dE/dw with rate 0.5.

Every number of (b) comes out of :class:`simulator.lecture.network.Network` applied to
these values: the worked example is the general code, not a separate formula. As in the
lecture, the biases are not updated (and each layer shares one bias, given here as the
same value for both of its units). The hidden-layer gradients use the weights w5..w8
before their update: all gradients are computed first, then every weight moves at once.
"""

from __future__ import annotations

import numpy as np

from .network import Network
from .validate import positive_number

# ---------------------------------------------------------------- (a) the graph
#: The lecture's point and its graph: each node is (name, operation, inputs), in order.
GRAPH_INPUTS = {"x": -2.0, "y": 5.0, "z": -4.0}
GRAPH = (("q", "add", ("x", "y")), ("f", "mul", ("q", "z")))


def _local_gradients(op: str, a: float, b: float) -> tuple[float, float]:
    # An add gate hands the gradient on unchanged to both inputs; a multiply gate hands
    # each input the gradient times the other input.
    if op == "add":
        return 1.0, 1.0
    return b, a


def graph_example(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> dict:
    """Forward and backward pass through f = (x + y) z.

    The backward pass is reverse-mode differentiation over :data:`GRAPH`: start with
    df/df = 1 and, node by node from the end, multiply the gradient arriving at a node by
    its local gradients to get the gradients of its inputs (the chain rule).

    Returns
    -------
    dict
        ``x``, ``y``, ``z``, ``q``, ``f`` and ``df_dx``, ``df_dy``, ``df_dz``, ``df_dq``,
        ``df_df``.
    """
    value = {"x": float(x), "y": float(y), "z": float(z)}
    for name, op, (a, b) in GRAPH:
        value[name] = value[a] + value[b] if op == "add" else value[a] * value[b]
    grad = {name: 0.0 for name in value}
    grad[GRAPH[-1][0]] = 1.0
    for name, op, (a, b) in reversed(GRAPH):
        da, db = _local_gradients(op, value[a], value[b])
        grad[a] += grad[name] * da
        grad[b] += grad[name] * db
    return {**value, **{f"df_d{name}": g for name, g in grad.items()}}


def graph_steps(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> str:
    """The graph example step by step, as the lecture lays it out."""
    r = graph_example(x, y, z)
    g = "{:g}".format
    return "\n".join([
        "Computational graph: f = (x + y) z, with q = x + y",
        f"  x = {g(r['x'])}, y = {g(r['y'])}, z = {g(r['z'])}",
        "Forward pass",
        f"  q = x + y = {g(r['x'])} + {g(r['y'])} = {g(r['q'])}",
        f"  f = q z = {g(r['q'])} * {g(r['z'])} = {g(r['f'])}",
        "Backward pass (chain rule, from the output back)",
        "  df/df = 1",
        f"  df/dz = q = {g(r['df_dz'])}",
        f"  df/dq = z = {g(r['df_dq'])}",
        f"  df/dx = df/dq * dq/dx = {g(r['df_dq'])} * 1 = {g(r['df_dx'])}",
        f"  df/dy = df/dq * dq/dy = {g(r['df_dq'])} * 1 = {g(r['df_dy'])}",
    ])


# ---------------------------------------------------------------- (b) the 2-2-2 network
INPUTS = (0.05, 0.10)
TARGETS = (0.01, 0.99)
#: w1..w4: row j is the weights into hidden unit j (h1: w1, w2; h2: w3, w4).
HIDDEN_WEIGHTS = ((0.15, 0.20), (0.25, 0.30))
#: w5..w8: row j is the weights into output unit j (o1: w5, w6; o2: w7, w8).
OUTPUT_WEIGHTS = ((0.40, 0.45), (0.50, 0.55))
B1, B2 = 0.35, 0.60
RATE = 0.5
#: Where each named weight sits: (layer, unit, input).
WEIGHT_INDEX = {f"w{k + 1}": (k // 4, (k % 4) // 2, k % 2) for k in range(8)}


def worked_network() -> Network:
    """The lecture's 2-2-2 network with its starting weights."""
    return Network(sizes=(2, 2, 2), activation="sigmoid", output_activation="sigmoid",
                   loss="squared", weights=[HIDDEN_WEIGHTS, OUTPUT_WEIGHTS], biases=[B1, B2])


def backprop_example(rate: float = RATE) -> dict:
    """One forward pass, backward pass and update of the lecture's network.

    Parameters
    ----------
    rate : float
        The learning rate of the update w_new = w - rate dE/dw (0.5 in the lecture).

    Returns
    -------
    dict
        By name: ``i1``, ``i2``, ``target_o1``, ``target_o2``, ``w1``..``w8``, ``b1``,
        ``b2``, ``rate``; forward ``net_h1``, ``out_h1``, ``net_h2``, ``out_h2``,
        ``net_o1``, ``out_o1``, ``net_o2``, ``out_o2``, ``E_o1``, ``E_o2``, ``E_total``;
        backward, for each output o: ``dE_dout_o`` (= -(target - out)), ``dout_o_dnet_o``
        (= out (1 - out)), ``delta_o`` (= dE/dnet_o); for each hidden h: ``dE_o1_dout_h``
        and ``dE_o2_dout_h`` (what each output's error sends back), ``dE_dout_h``,
        ``dout_h_dnet_h``, ``delta_h``; ``grad_w1``..``grad_w8``; and the updated
        ``new_w1``..``new_w8``. Biases are not updated, as in the lecture.

    Raises
    ------
    ConfigError
        When ``rate`` is not a finite number above 0.
    """
    rate = positive_number("rate", rate)
    net = worked_network()
    X, Y = np.array([INPUTS]), np.array([TARGETS])
    fp = net.forward(X)
    errors = net.errors(fp, Y)[0]
    grads = net.backward(X, Y, fp)
    W = [w.copy() for w in net.weights_]  # before the update
    net.step(rate, biases=False)

    r = {"i1": INPUTS[0], "i2": INPUTS[1], "target_o1": TARGETS[0], "target_o2": TARGETS[1],
         "b1": B1, "b2": B2, "rate": rate}
    for name, (l, j, i) in WEIGHT_INDEX.items():
        r[name] = float(W[l][j, i])
    for layer, prefix in ((0, "h"), (1, "o")):
        for j in range(2):
            unit = f"{prefix}{j + 1}"
            r[f"net_{unit}"] = float(fp.nets[layer][0, j])
            r[f"out_{unit}"] = float(fp.outs[layer + 1][0, j])
            r[f"dE_dout_{unit}"] = float(grads.d_out[layer][0, j])
            r[f"dout_{unit}_dnet_{unit}"] = float(net.f_[layer].df(fp.nets[layer][0, j]))
            r[f"delta_{unit}"] = float(grads.d_net[layer][0, j])
    r["E_o1"], r["E_o2"] = float(errors[0]), float(errors[1])
    r["E_total"] = float(errors.sum())
    for h in range(2):
        for o in range(2):
            # output o's share of dE/dout_h: delta_o times the weight from h to o
            r[f"dE_o{o + 1}_dout_h{h + 1}"] = float(grads.d_net[1][0, o] * W[1][o, h])
    for name, (l, j, i) in WEIGHT_INDEX.items():
        r[f"grad_{name}"] = float(grads.weights[l][j, i])
        r[f"new_{name}"] = float(net.weights_[l][j, i])
    return r


#: Decimal places the lecture prints (0.274811083, 0.023560026, 1.105905967, 0.000438568).
DECIMALS = 9


def _n(v: float) -> str:
    # The lecture prints 9 decimal places and drops trailing zeros (0.75136507):
    # 9 significant digits would print 1.10590597 where it prints net_o1 = 1.105905967.
    text = f"{v:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _p(v: float) -> str:
    # a negative factor in a product is written in parentheses
    return f"({_n(v)})" if v < 0 else _n(v)


def _plus(a: float, b: float) -> str:
    return f"{_n(a)} - {_n(-b)}" if b < 0 else f"{_n(a)} + {_n(b)}"


def backprop_steps(rate: float = RATE) -> str:
    """The worked 2-2-2 example step by step, as the lecture lays it out.

    Every number is printed as the lecture prints it, to 9 decimal places with trailing
    zeros dropped (out_h1 = 0.593269992, out_o1 = 0.75136507, net_o1 = 1.105905967), so
    the lecture's printed digits come out equal. Where the lecture rounded intermediate
    results by hand its last digit can differ (it gives new w2 = 0.19956143; computed
    exactly, 0.199561432).

    Parameters
    ----------
    rate : float
        The learning rate (0.5 in the lecture).

    Returns
    -------
    str
        Lines of text, no trailing newline.
    """
    r = backprop_example(rate)
    n = _n
    lines = [
        "The 2-2-2 network: sigmoid units, E = sum 1/2 (target - out)^2",
        f"  inputs i1 = {n(r['i1'])}, i2 = {n(r['i2'])}; targets {n(r['target_o1'])}, "
        f"{n(r['target_o2'])}",
        "  " + ", ".join(f"w{k} = {n(r[f'w{k}'])}" for k in range(1, 9))
        + f"; b1 = {n(r['b1'])}, b2 = {n(r['b2'])}",
        "",
        "Forward pass",
    ]
    for unit, (wa, wb, xa, xb, b) in (("h1", ("w1", "w2", "i1", "i2", "b1")),
                                      ("h2", ("w3", "w4", "i1", "i2", "b1")),
                                      ("o1", ("w5", "w6", "out_h1", "out_h2", "b2")),
                                      ("o2", ("w7", "w8", "out_h1", "out_h2", "b2"))):
        lines.append(f"  net_{unit} = {wa} * {xa} + {wb} * {xb} + {b} = {n(r[wa])} * {n(r[xa])}"
                     f" + {n(r[wb])} * {n(r[xb])} + {n(r[b])} = {n(r[f'net_{unit}'])}")
        lines.append(f"  out_{unit} = 1 / (1 + e^-net_{unit}) = {n(r[f'out_{unit}'])}")
    lines += ["", "Errors"]
    for o in ("o1", "o2"):
        lines.append(f"  E_{o} = 1/2 (target_{o} - out_{o})^2 = 1/2 ({n(r[f'target_{o}'])} - "
                     f"{n(r[f'out_{o}'])})^2 = {n(r[f'E_{o}'])}")
    lines.append(f"  E_total = E_o1 + E_o2 = {n(r['E_o1'])} + {n(r['E_o2'])} = {n(r['E_total'])}")

    lines += ["", "Backward pass, output layer"]
    for o, hidden_weights in (("o1", (("w5", "h1"), ("w6", "h2"))),
                              ("o2", (("w7", "h1"), ("w8", "h2")))):
        a, b = r[f"dE_dout_{o}"], r[f"dout_{o}_dnet_{o}"]
        lines.append(f"  dE_total/dout_{o} = -(target_{o} - out_{o}) = -({n(r[f'target_{o}'])}"
                     f" - {n(r[f'out_{o}'])}) = {n(a)}")
        lines.append(f"  dout_{o}/dnet_{o} = out_{o} (1 - out_{o}) = {n(b)}")
        for w, h in hidden_weights:
            c = r[f"out_{h}"]
            lines.append(f"  dnet_{o}/d{w} = out_{h} = {n(c)}")
            lines.append(f"  dE_total/d{w} = dE_total/dout_{o} * dout_{o}/dnet_{o} * "
                         f"dnet_{o}/d{w} = {_p(a)} * {n(b)} * {n(c)} = {n(r[f'grad_{w}'])}")
    lines += ["", "Backward pass, hidden layer (with w5..w8 as they were before the update)"]
    for h, input_weights in (("h1", (("w1", "i1"), ("w2", "i2"))),
                             ("h2", (("w3", "i1"), ("w4", "i2")))):
        w_o1, w_o2 = ("w5", "w7") if h == "h1" else ("w6", "w8")
        for o, w in (("o1", w_o1), ("o2", w_o2)):
            lines.append(f"  dE_{o}/dout_{h} = dE_{o}/dnet_{o} * dnet_{o}/dout_{h} = "
                         f"{_p(r[f'delta_{o}'])} * {n(r[w])} = {n(r[f'dE_{o}_dout_{h}'])}")
        a, b = r[f"dE_dout_{h}"], r[f"dout_{h}_dnet_{h}"]
        lines.append(f"  dE_total/dout_{h} = dE_o1/dout_{h} + dE_o2/dout_{h} = "
                     f"{_plus(r[f'dE_o1_dout_{h}'], r[f'dE_o2_dout_{h}'])} = {n(a)}")
        lines.append(f"  dout_{h}/dnet_{h} = out_{h} (1 - out_{h}) = {n(b)}")
        for w, i in input_weights:
            c = r[i]
            lines.append(f"  dnet_{h}/d{w} = {i} = {n(c)}")
            lines.append(f"  dE_total/d{w} = dE_total/dout_{h} * dout_{h}/dnet_{h} * "
                         f"dnet_{h}/d{w} = {n(a)} * {n(b)} * {n(c)} = {n(r[f'grad_{w}'])}")
    lines += ["", f"Update, w_new = w - rate * dE_total/dw with rate {n(r['rate'])} "
                  "(biases are not updated)"]
    for k in range(1, 9):
        w = f"w{k}"
        lines.append(f"  new {w} = {n(r[w])} - {n(r['rate'])} * {_p(r[f'grad_{w}'])} = "
                     f"{n(r[f'new_{w}'])}")
    return "\n".join(lines)
