"""A multi-layer feed-forward network trained by backpropagation.

Layer l computes net_l = W_l out_{l-1} + b_l and out_l = f_l(net_l), with out_0 the input.
Backpropagation applies the chain rule from the loss back to every weight:

- at the output, delta_L = dE/dout_L * f_L'(net_L);
- going back, dE/dout_{l-1} = W_l^T delta_l and delta_{l-1} = dE/dout_{l-1} * f'(net_{l-1});
- dE/dW_l = delta_l out_{l-1}^T and dE/db_l = delta_l.

Every intermediate quantity is kept (:class:`ForwardPass`, :class:`Gradients`) so that a
lecture can print them; :mod:`.worked` does exactly that for the course's 2-2-2 example.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from ..errors import ConfigError
from . import activations
from .validate import generator, matrix, positive_number, whole_number

LOSSES = ("squared", "cross_entropy")


@dataclass(frozen=True)
class ForwardPass:
    """Everything a forward pass computed.

    Attributes
    ----------
    nets : list of numpy.ndarray
        ``nets[l]``, shape (n, sizes[l + 1]): the weighted sums of layer l + 1 (the first
        hidden layer is ``nets[0]``).
    outs : list of numpy.ndarray
        ``outs[0]`` is the input (n, sizes[0]); ``outs[l]`` = f(``nets[l - 1]``).
    """

    nets: list
    outs: list

    @property
    def output(self) -> np.ndarray:
        """The network's answer, (n, sizes[-1])."""
        return self.outs[-1]


@dataclass(frozen=True)
class Gradients:
    """Everything a backward pass computed, for examples (n) averaged where it says so.

    Attributes
    ----------
    weights : list of numpy.ndarray
        dE/dW per layer, same shapes as the weights, averaged over the examples.
    biases : list of numpy.ndarray
        dE/db per layer (one per unit), averaged over the examples.
    d_out : list of numpy.ndarray
        dE/dout per layer (n, units), per example; ``d_out[l]`` belongs with ``nets[l]``.
    d_net : list of numpy.ndarray
        delta = dE/dnet per layer (n, units), per example.
    loss : float
        The loss E, averaged over the examples.
    """

    weights: list
    biases: list
    d_out: list
    d_net: list
    loss: float


def _check_sizes(sizes) -> tuple[int, ...]:
    ok = isinstance(sizes, (list, tuple)) and len(sizes) >= 2 and all(
        isinstance(s, Integral) and not isinstance(s, bool) and 1 <= s <= 100_000 for s in sizes)
    if not ok:
        raise ConfigError("layer sizes must be two or more whole numbers from 1 to 100,000 "
                          f"(inputs, hidden..., outputs), e.g. (2, 2, 2); got {sizes!r}")
    return tuple(int(s) for s in sizes)


class Network:
    """A feed-forward network of fully connected layers.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, inputs first, outputs last: (2, 2, 2) is the lecture's network.
    activation : str
        Activation of every hidden layer (see :data:`.activations.ACTIVATIONS`).
    output_activation : str
        Activation of the output layer.
    activations : sequence of str, optional
        One activation per layer (hidden layers then output), overriding the two above.
    loss : {"squared", "cross_entropy"}
        ``squared``: E = sum over outputs of 1/2 (target - out)^2, as in the lecture.
        ``cross_entropy``: E = -sum [t log out + (1 - t) log(1 - out)]; needs a sigmoid
        output layer, and then delta at the output is simply out - target.
        Either way E is summed over the outputs and averaged over the examples.
    weights : sequence of array_like, optional
        Starting weights, ``weights[l]`` of shape (sizes[l + 1], sizes[l]): row j holds the
        weights into unit j of the layer. Given explicitly for the worked example.
    biases : sequence of float or array_like, optional
        Starting biases per layer; a single number gives every unit of the layer that
        bias (the lecture shares one bias per layer). Default zero.
    rng : numpy.random.Generator, optional
        Draws the starting weights when ``weights`` is not given (uniform in +-sqrt(6 /
        (fan_in + fan_out)), Glorot's choice, which keeps sigmoid and tanh units out of
        saturation at the start), and the order of examples in online or mini-batch
        training.

    Attributes
    ----------
    weights_, biases_ : list of numpy.ndarray
        The current parameters.
    grads_ : Gradients or None
        The last :meth:`backward` result, used by :meth:`step`.
    loss_curve_ : list of float
        Loss over the training set after each epoch of :meth:`fit`.
    """

    def __init__(self, *, sizes, activation="sigmoid", output_activation="sigmoid",
                 activations=None, loss="squared", weights=None, biases=None, rng=None):
        self.sizes = sizes
        self.activation = activation
        self.output_activation = output_activation
        self.activations = activations
        self.loss = loss
        self.weights = weights
        self.biases = biases
        self.rng = rng

    # ------------------------------------------------------------------ building
    def _layer_activations(self, sizes) -> list:
        layers = len(sizes) - 1
        names = self.activations
        if names is None:
            names = [self.activation] * (layers - 1) + [self.output_activation]
        elif isinstance(names, str) or len(names) != layers:
            raise ConfigError(f"activations must name one activation per layer ({layers} for "
                              f"sizes {tuple(sizes)}), got {names!r}")
        return [activations.get(n) for n in names]

    def _ensure_built(self) -> None:
        if getattr(self, "weights_", None) is not None:
            return
        sizes = _check_sizes(self.sizes)
        self.f_ = self._layer_activations(sizes)
        if self.loss not in LOSSES:
            raise ConfigError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if self.loss == "cross_entropy" and self.f_[-1].name != "sigmoid":
            raise ConfigError("the cross_entropy loss needs output_activation 'sigmoid', got "
                              f"{self.f_[-1].name!r}; or use loss 'squared'")
        shapes = [(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        if self.weights is not None:
            if len(self.weights) != len(shapes):
                raise ConfigError(f"weights must be {len(shapes)} matrices for sizes {sizes}")
            weights = []
            for l, (w, shape) in enumerate(zip(self.weights, shapes)):
                w = np.array(w, dtype=np.float64)
                if w.shape != shape or not np.all(np.isfinite(w)):
                    raise ConfigError(f"weights[{l}] must be finite numbers of shape {shape} "
                                      f"(units, inputs), got shape {w.shape}")
                weights.append(w)
        else:
            if self.rng is None:
                raise ConfigError("give the starting weights or a seeded rng, e.g. "
                                  "rng=numpy.random.default_rng(0)")
            rng = generator(self.rng)
            weights = [rng.uniform(-1, 1, size=s) * np.sqrt(6.0 / (s[0] + s[1])) for s in shapes]
        biases = []
        given = self.biases if self.biases is not None else [0.0] * len(shapes)
        if len(given) != len(shapes):
            raise ConfigError(f"biases must be {len(shapes)} values or vectors for sizes {sizes}")
        for l, (b, (units, _)) in enumerate(zip(given, shapes)):
            b = np.array(b, dtype=np.float64)
            if b.ndim == 0:
                b = np.full(units, float(b))
            if b.shape != (units,) or not np.all(np.isfinite(b)):
                raise ConfigError(f"biases[{l}] must be a number or {units} finite numbers")
            biases.append(b)
        self.sizes_ = sizes
        self.weights_, self.biases_ = weights, biases
        self.grads_ = None
        self.loss_curve_ = []

    def _xy(self, X, Y=None):
        self._ensure_built()
        X = matrix("X", X, columns=self.sizes_[0])
        if Y is None:
            return X, None
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 1 and self.sizes_[-1] == 1 and Y.size == len(X):
            Y = Y[:, None]  # one output: a plain vector of targets is accepted
        elif Y.ndim == 1 and len(X) == 1:
            Y = Y[None]
        if Y.shape != (len(X), self.sizes_[-1]) or not np.all(np.isfinite(Y)):
            raise ConfigError(f"targets must be finite numbers of shape ({len(X)}, "
                              f"{self.sizes_[-1]}), got {Y.shape}")
        if self.loss == "cross_entropy" and (Y.min() < 0 or Y.max() > 1):
            raise ConfigError("cross_entropy targets must lie in [0, 1]")
        return X, Y

    # ------------------------------------------------------------------ passes
    def forward(self, X) -> ForwardPass:
        """Push examples ``X`` (n, sizes[0]) through, keeping every net and out."""
        X, _ = self._xy(X)
        nets, outs = [], [X]
        for W, b, f in zip(self.weights_, self.biases_, self.f_):
            nets.append(outs[-1] @ W.T + b)
            outs.append(f.f(nets[-1]))
        return ForwardPass(nets, outs)

    def errors(self, fp: ForwardPass, Y) -> np.ndarray:
        """The loss per example and output unit, (n, outputs): E_o1, E_o2, ... of the lecture."""
        Y = np.asarray(Y, dtype=np.float64).reshape(fp.output.shape)
        if self.loss == "squared":
            return 0.5 * (Y - fp.output) ** 2
        net = fp.nets[-1]
        # -[t log s(net) + (1 - t) log(1 - s(net))] = log(1 + e^net) - t net, without overflow
        return np.logaddexp(0.0, net) - Y * net

    def loss_value(self, X, Y) -> float:
        """The loss E: summed over the outputs, averaged over the examples."""
        X, Y = self._xy(X, Y)
        return float(self.errors(self.forward(X), Y).sum(axis=1).mean())

    def backward(self, X, Y, fp: ForwardPass | None = None) -> Gradients:
        """Backpropagate the loss on examples ``X`` with targets ``Y``.

        Parameters
        ----------
        X : array_like, shape (n, sizes[0])
        Y : array_like, shape (n, sizes[-1])
        fp : ForwardPass, optional
            The forward pass of ``X``, if already made.

        Returns
        -------
        Gradients
            Also kept as :attr:`grads_` for :meth:`step`.
        """
        X, Y = self._xy(X, Y)
        fp = self.forward(X) if fp is None else fp
        n, out = len(X), fp.output
        L = len(self.weights_)
        d_out, d_net = [None] * L, [None] * L
        if self.loss == "squared":
            d_out[-1] = -(Y - out)
            d_net[-1] = d_out[-1] * self.f_[-1].df(fp.nets[-1])
        else:
            # The sigmoid's slope cancels against the cross-entropy's: delta = out - target.
            # dE/dout itself is only for display and is infinite where the sigmoid saturates.
            with np.errstate(divide="ignore", invalid="ignore"):
                d_out[-1] = (out - Y) / (out * (1.0 - out))
            d_net[-1] = out - Y
        for l in range(L - 1, 0, -1):
            d_out[l - 1] = d_net[l] @ self.weights_[l]
            d_net[l - 1] = d_out[l - 1] * self.f_[l - 1].df(fp.nets[l - 1])
        gw = [d_net[l].T @ fp.outs[l] / n for l in range(L)]
        gb = [d_net[l].mean(axis=0) for l in range(L)]
        loss = float(self.errors(fp, Y).sum(axis=1).mean())
        self.grads_ = Gradients(gw, gb, d_out, d_net, loss)
        return self.grads_

    def step(self, learning_rate, *, biases: bool = True) -> None:
        """Gradient descent step with the last :meth:`backward`: w <- w - rate dE/dw.

        Parameters
        ----------
        learning_rate : float
            The rate (eta, or alpha in the lecture), above 0.
        biases : bool
            Also move the biases (the lecture's worked example leaves them alone).
        """
        rate = positive_number("learning_rate", learning_rate)
        if getattr(self, "grads_", None) is None:
            raise ConfigError("no gradients yet: call backward(X, Y) before step()")
        for l, g in enumerate(self.grads_.weights):
            self.weights_[l] = self.weights_[l] - rate * g
            if biases:
                self.biases_[l] = self.biases_[l] - rate * self.grads_.biases[l]
        self.grads_ = None  # a step uses its gradients once; stale ones must not be reused

    def fit(self, X, Y, *, epochs=1000, learning_rate=0.5, batch_size=None,
            momentum=0.0, target_loss=None) -> Network:
        """Train by backpropagation and gradient descent, from the current weights.

        Parameters
        ----------
        X : array_like, shape (n, sizes[0])
        Y : array_like, shape (n, sizes[-1]) (or (n,) for one output)
        epochs : int
            Passes over the examples.
        learning_rate : float
            Step size, above 0.
        batch_size : int or None
            None: batch training, one step per epoch on the mean gradient of all examples.
            1: online training, one step per example. Otherwise mini-batches of that size.
            Online and mini-batch training present the examples in a fresh order each epoch
            when the network has an ``rng``, else in the order given.
        momentum : float
            Fraction in [0, 1) of the previous step added to each step (0: plain gradient
            descent, as in the lecture).
        target_loss : float, optional
            Stop early once the epoch's loss is at most this.

        Returns
        -------
        Network
            self.
        """
        X, Y = self._xy(X, Y)
        epochs = whole_number("epochs", epochs, lo=0, hi=10_000_000)
        rate = positive_number("learning_rate", learning_rate)
        if not (isinstance(momentum, (int, float)) and not isinstance(momentum, bool)
                and 0 <= momentum < 1):
            raise ConfigError(f"momentum must be a number in [0, 1), got {momentum!r}")
        n = len(X)
        size = n if batch_size is None else whole_number("batch_size", batch_size)
        rng = None if self.rng is None else generator(self.rng)
        velocity = [np.zeros_like(w) for w in self.weights_] + [np.zeros_like(b) for b in self.biases_]
        for _ in range(epochs):
            order = rng.permutation(n) if rng is not None and size < n else np.arange(n)
            for start in range(0, n, size):
                idx = order[start:start + size]
                g = self.backward(X[idx], Y[idx])
                L = len(self.weights_)
                for l, grad in enumerate(g.weights + g.biases):
                    velocity[l] = momentum * velocity[l] - rate * grad
                    if l < L:
                        self.weights_[l] = self.weights_[l] + velocity[l]
                    else:
                        self.biases_[l - L] = self.biases_[l - L] + velocity[l]
            self.grads_ = None
            loss = self.loss_value(X, Y)
            self.loss_curve_.append(loss)
            if not np.isfinite(loss):
                raise ConfigError(f"training diverged (loss {loss}) at learning_rate {rate:g}; "
                                  "use a smaller learning_rate")
            if target_loss is not None and loss <= target_loss:
                break
        return self

    # ------------------------------------------------------------------ answers
    def predict(self, X) -> np.ndarray:
        """The output layer's values, (n, sizes[-1])."""
        return self.forward(X).output

    def classify(self, X, threshold=0.5) -> np.ndarray:
        """Class labels: one output -> 1 where it reaches ``threshold``; several -> argmax."""
        out = self.predict(X)
        if out.shape[1] == 1:
            return (out[:, 0] >= threshold).astype(np.int64)
        return out.argmax(axis=1)
