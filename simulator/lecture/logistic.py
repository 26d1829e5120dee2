"""Logistic regression: a sigmoid neuron trained by gradient descent on cross-entropy.

p(y = 1 | x) = sigmoid(w . x + b). The answer is 1 when p reaches a decision threshold,
0.5 by default. Moving the threshold trades one kind of error for the other: a higher
threshold says "1" only when sure, so fewer false positives (higher precision) but more
missed positives (lower recall); a lower threshold catches more positives (higher recall)
at the price of more false alarms (lower precision).
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .activations import sigmoid
from .validate import binary_labels, matrix, non_negative_number, positive_number, whole_number


def _threshold(value) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if not ok or not 0.0 <= value <= 1.0:
        raise ConfigError(f"threshold must be a number from 0 to 1, got {value!r}")
    return float(value)


class LogisticRegression:
    """Logistic regression by batch gradient descent.

    Minimises the mean cross-entropy
    L = -(1/n) sum [y log p + (1 - y) log(1 - p)] + (l2 / 2) |w|^2
    from zero weights; each epoch is one step along the full-batch gradient
    dL/dw = (1/n) X^T (p - y) + l2 w, dL/db = mean(p - y). The bias is not penalised.

    Parameters
    ----------
    learning_rate : float
        Step size, above 0.
    epochs : int
        Gradient steps.
    l2 : float
        Weight of the L2 penalty (0: none).

    Attributes
    ----------
    weights_ : numpy.ndarray, shape (n_features,)
    bias_ : float
    loss_curve_ : list of float
        The loss L before each step, then after the last.
    """

    def __init__(self, *, learning_rate=0.1, epochs=1000, l2=0.0):
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.l2 = l2

    @staticmethod
    def _loss(X, y, w, b, l2) -> float:
        z = X @ w + b
        # log(1 + e^z) - y z, written so that exp never overflows
        ce = np.mean(np.logaddexp(0.0, z) - y * z)
        return float(ce + 0.5 * l2 * (w @ w))

    def fit(self, X, y) -> LogisticRegression:
        """Fit from zero weights to examples ``X`` (n, d) with labels ``y`` in {0, 1}."""
        epochs = whole_number("epochs", self.epochs, lo=0, hi=10_000_000)
        X = matrix("X", X)
        self.weights_, self.bias_, self.loss_curve_ = np.zeros(X.shape[1]), 0.0, []
        return self.partial_fit(X, y, epochs=epochs)

    def partial_fit(self, X, y, *, epochs=1) -> LogisticRegression:
        """``epochs`` more gradient steps from the current weights (zero on the first call)."""
        rate = positive_number("learning_rate", self.learning_rate)
        epochs = whole_number("epochs", epochs, lo=0, hi=10_000_000)
        l2 = non_negative_number("l2", self.l2)
        X = matrix("X", X)
        y = binary_labels("y", y, len(X)).astype(np.float64)
        if getattr(self, "weights_", None) is None:
            self.weights_, self.bias_, self.loss_curve_ = np.zeros(X.shape[1]), 0.0, []
        X = matrix("X", X, columns=self.weights_.size)
        n = len(X)
        w, b = self.weights_.copy(), float(self.bias_)
        if self.loss_curve_:
            self.loss_curve_.pop()  # the last entry is the loss now, about to be recomputed
        for _ in range(epochs):
            p = sigmoid(X @ w + b)
            self.loss_curve_.append(self._loss(X, y, w, b, l2))
            grad_w = X.T @ (p - y) / n + l2 * w
            grad_b = float(np.mean(p - y))
            w -= rate * grad_w
            b -= rate * grad_b
        self.loss_curve_.append(self._loss(X, y, w, b, l2))
        self.weights_, self.bias_ = w, b
        return self

    def decision_function(self, X) -> np.ndarray:
        """w . x + b for each row of ``X``."""
        return matrix("X", X, columns=self.weights_.size) @ self.weights_ + self.bias_

    def predict_proba(self, X) -> np.ndarray:
        """(n, 2) probabilities of class 0 and class 1, as scikit-learn gives them."""
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X, threshold=0.5) -> np.ndarray:
        """0/1 answers: 1 where p(y = 1 | x) >= ``threshold``."""
        return (self.predict_proba(X)[:, 1] >= _threshold(threshold)).astype(np.int64)


def threshold_metrics(y_true, proba, thresholds=(0.3, 0.5, 0.7)) -> list[dict]:
    """Accuracy, precision and recall of answering 1 where ``proba`` >= each threshold.

    Parameters
    ----------
    y_true : array_like of {0, 1}, shape (n,)
        The true classes.
    proba : array_like, shape (n,)
        p(y = 1 | x) for each example (column 1 of ``predict_proba``).
    thresholds : sequence of float
        Decision thresholds in [0, 1].

    Returns
    -------
    list of dict
        One dict per threshold: ``threshold``, ``accuracy``, ``precision`` (of the examples
        answered 1, the fraction truly 1; 0.0 when none is answered 1, as scikit-learn's
        default), ``recall`` (of the examples truly 1, the fraction answered 1; 0.0 when
        there are none), and the counts ``tp``, ``fp``, ``fn``, ``tn``.
    """
    proba = np.asarray(proba, dtype=np.float64).ravel()
    y = binary_labels("y_true", y_true, proba.size)
    rows = []
    for t in thresholds:
        guess = proba >= _threshold(t)
        tp = int(np.sum(guess & (y == 1)))
        fp = int(np.sum(guess & (y == 0)))
        fn = int(np.sum(~guess & (y == 1)))
        tn = int(np.sum(~guess & (y == 0)))
        rows.append({
            "threshold": float(t),
            "accuracy": (tp + tn) / max(len(y), 1),
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        })
    return rows
