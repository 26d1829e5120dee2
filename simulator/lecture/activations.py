"""Activation functions of the lecture, each with its derivative.

A neuron computes y = f(net) with net = w . x + b; backpropagation needs f'(net) too, so
every activation here is a pair (f, f') of vectorised numpy functions of ``net``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

#: Slope of leaky ReLU for negative inputs, as in the lecture (0.01 x).
LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An activation function and its derivative.

    Attributes
    ----------
    name : str
        Registry name.
    formula : str
        f(x) as the lecture writes it.
    f : callable
        ``f(net) -> out``, elementwise.
    df : callable
        ``df(net) -> f'(net)``, elementwise.
    """

    name: str
    formula: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]

    def __call__(self, x):
        return self.f(x)


def identity(x):
    """f(x) = x."""
    return np.asarray(x, dtype=np.float64) * 1.0


def identity_derivative(x):
    """f'(x) = 1."""
    return np.ones_like(np.asarray(x, dtype=np.float64))


def step(x):
    """f(x) = 1 if x >= 0 else 0 (the perceptron's threshold)."""
    return (np.asarray(x, dtype=np.float64) >= 0).astype(np.float64)


def step_derivative(x):
    """f'(x) = 0 wherever it exists.

    The step has no useful gradient, which is why backpropagation needed smooth units:
    a network of steps trained by gradient descent never moves.
    """
    return np.zeros_like(np.asarray(x, dtype=np.float64))


def sigmoid(x):
    """f(x) = 1 / (1 + e^-x), computed without overflow for any x.

    For x < 0 the equivalent form e^x / (1 + e^x) is used, so exp never sees a large
    positive argument.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_derivative(x):
    """f'(x) = f(x) (1 - f(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    """f(x) = tanh(x)."""
    return np.tanh(np.asarray(x, dtype=np.float64))


def tanh_derivative(x):
    """f'(x) = 1 - tanh(x)^2."""
    return 1.0 - np.tanh(np.asarray(x, dtype=np.float64)) ** 2


def relu(x):
    """f(x) = max(0, x)."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def relu_derivative(x):
    """f'(x) = 1 for x > 0, else 0 (0 taken at the kink)."""
    return (np.asarray(x, dtype=np.float64) > 0).astype(np.float64)


def leaky_relu(x):
    """f(x) = x for x > 0, else 0.01 x."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, LEAKY_SLOPE * x)


def leaky_relu_derivative(x):
    """f'(x) = 1 for x > 0, else 0.01 (0.01 taken at the kink)."""
    return np.where(np.asarray(x, dtype=np.float64) > 0, 1.0, LEAKY_SLOPE)


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in [
    Activation("identity", "x", identity, identity_derivative),
    Activation("step", "1 if x >= 0 else 0", step, step_derivative),
    Activation("sigmoid", "1 / (1 + e^-x)", sigmoid, sigmoid_derivative),
    Activation("tanh", "tanh(x)", tanh, tanh_derivative),
    Activation("relu", "max(0, x)", relu, relu_derivative),
    Activation("leaky_relu", f"x if x > 0 else {LEAKY_SLOPE} x", leaky_relu, leaky_relu_derivative),
]}


def get(name) -> Activation:
    """The activation called ``name``.

    Parameters
    ----------
    name : str or Activation
        A key of :data:`ACTIVATIONS` (an :class:`Activation` is passed through).

    Returns
    -------
    Activation

    Raises
    ------
    ConfigError
        When there is no such activation; the message lists the valid names.
    """
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown activation {name!r}; choose one of "
                          f"{', '.join(ACTIVATIONS)}") from None
