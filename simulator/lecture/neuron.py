"""One neuron, y = f(w . x + b), and the perceptron as the lecture teaches it.

The lecture's starting point is a single unit: a weighted sum of the inputs plus a bias,
passed through an activation function. With the step function as activation and the
error-correcting rule below it is Rosenblatt's perceptron reduced to one trainable unit on
the raw inputs (no association layer in between, unlike :class:`simulator.machine.MarkI`).
"""

from __future__ import annotations

import numpy as np

from . import activations
from .validate import binary_labels, generator, matrix, positive_number, whole_number


class Neuron:
    """A neuron with fixed weights: out = f(w . x + b).

    Parameters
    ----------
    weights : array_like, shape (n_inputs,)
        The weights w.
    bias : float
        The bias b.
    activation : str
        A name in :data:`simulator.lecture.activations.ACTIVATIONS`.
    """

    def __init__(self, *, weights, bias=0.0, activation="sigmoid"):
        self.weights = weights
        self.bias = bias
        self.activation = activation

    def net(self, X) -> np.ndarray:
        """The weighted sum w . x + b for each row of ``X`` (or one input vector)."""
        w = np.asarray(self.weights, dtype=np.float64).ravel()
        X = np.asarray(X, dtype=np.float64)
        return X @ w + float(self.bias)

    def __call__(self, X) -> np.ndarray:
        """The output f(w . x + b)."""
        return activations.get(self.activation).f(self.net(X))


class Perceptron:
    """The perceptron as taught: a step unit trained by error correction.

    o = 1 if w . x + b >= 0 else 0. After each example, in order: on a false negative
    (target 1, output 0) w += alpha x and b += alpha; on a false positive (target 0,
    output 1) w -= alpha x and b -= alpha; when right, nothing changes. Weights and bias
    start at zero.

    By the perceptron convergence theorem the rule stops making mistakes after finitely
    many corrections when the classes are linearly separable; when they are not (XOR) it
    never settles, and no weights it could reach classify every example.

    Parameters
    ----------
    learning_rate : float
        alpha, above 0.
    epochs : int
        Most passes over the examples; training stops after a pass without a mistake.
    rng : numpy.random.Generator or None
        If given, the examples are presented in a fresh random order each pass;
        otherwise in the order given.

    Attributes
    ----------
    weights_ : numpy.ndarray, shape (n_inputs,)
    bias_ : float
    mistakes_ : list of int
        Mistakes (corrections) made in each pass.
    converged_ : bool
        The last pass made no mistake.
    """

    def __init__(self, *, learning_rate=1.0, epochs=100, rng=None):
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.rng = rng

    def fit(self, X, y) -> Perceptron:
        """Train from zero weights on examples ``X`` (n, d) with labels ``y`` in {0, 1}."""
        epochs = whole_number("epochs", self.epochs, hi=10_000_000)
        X = matrix("X", X)
        self.weights_, self.bias_ = np.zeros(X.shape[1]), 0.0
        self.mistakes_ = []
        for _ in range(epochs):
            self.partial_fit(X, y)
            if self.mistakes_[-1] == 0:
                break
        return self

    def partial_fit(self, X, y) -> Perceptron:
        """One pass over the examples from the current weights (zero on the first call)."""
        alpha = positive_number("learning_rate", self.learning_rate)
        rng = None if self.rng is None else generator(self.rng)
        X = matrix("X", X)
        y = binary_labels("y", y, len(X))
        if getattr(self, "weights_", None) is None:
            self.weights_, self.bias_, self.mistakes_ = np.zeros(X.shape[1]), 0.0, []
        elif self.weights_.size != X.shape[1]:
            X = matrix("X", X, columns=self.weights_.size)
        w, b = self.weights_.copy(), float(self.bias_)
        order = rng.permutation(len(X)) if rng is not None else range(len(X))
        mistakes = 0
        for i in order:
            out = 1 if X[i] @ w + b >= 0 else 0
            if out != y[i]:
                sign = 1.0 if y[i] == 1 else -1.0  # false negative: +, false positive: -
                w += sign * alpha * X[i]
                b += sign * alpha
                mistakes += 1
        self.weights_, self.bias_ = w, b
        self.mistakes_.append(mistakes)
        self.converged_ = mistakes == 0
        return self

    def decision_function(self, X) -> np.ndarray:
        """w . x + b for each row of ``X``."""
        return matrix("X", X, columns=self.weights_.size) @ self.weights_ + self.bias_

    def predict(self, X) -> np.ndarray:
        """0/1 answers: 1 where w . x + b >= 0."""
        return (self.decision_function(X) >= 0).astype(np.int64)

    def score(self, X, y) -> float:
        """Fraction of examples answered correctly."""
        X = matrix("X", X, columns=self.weights_.size)
        return float(np.mean(self.predict(X) == binary_labels("y", y, len(X))))
