"""Gradient checking: backpropagation's gradients against central finite differences.

For each weight w the loss is evaluated at w + eps and w - eps; (E+ - E-) / (2 eps) agrees
with dE/dw to about eps^2. The comparison uses the relative error
|analytic - numeric| / max(|analytic| + |numeric|, tiny), so that large and small
gradients are judged alike; around 1e-7 or less means backpropagation is right.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .network import Network
from .validate import positive_number

#: Below this, both gradients count as zero and their relative error as 0.
TINY = 1e-12


def numerical_gradient(f: Callable[[np.ndarray], float], x, *, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar function at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; must not keep ``x`` (it is changed in place and restored).
    x : numpy.ndarray
        The point; float64.
    eps : float
        Half the difference step.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.
    """
    eps = positive_number("eps", eps)
    x = np.asarray(x, dtype=np.float64)
    if not x.flags.c_contiguous or not x.flags.writeable:
        raise ValueError("numerical_gradient needs a writeable C-contiguous float64 array")
    grad = np.zeros_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        up = f(x)
        flat[i] = keep - eps
        down = f(x)
        flat[i] = keep
        g[i] = (up - down) / (2 * eps)
    return grad


def relative_error(analytic, numeric) -> np.ndarray:
    """Elementwise |a - n| / max(|a| + |n|, TINY), 0 where both are (nearly) zero."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), TINY)


def check_network(net: Network, X, Y, *, eps: float = 1e-6) -> float:
    """Largest relative error between backpropagation and finite differences.

    Parameters
    ----------
    net : Network
        The network; its parameters are perturbed during the check and restored.
    X, Y : array_like
        Examples and targets, as for :meth:`Network.backward`.
    eps : float
        Half the difference step.

    Returns
    -------
    float
        The worst relative error over every weight and bias.
    """
    grads = net.backward(X, Y)
    worst = 0.0
    params = net.weights_ + net.biases_
    for param, analytic in zip(params, grads.weights + grads.biases):
        numeric = numerical_gradient(lambda _p: net.loss_value(X, Y), param, eps=eps)
        worst = max(worst, float(relative_error(analytic, numeric).max(initial=0.0)))
    net.grads_ = None
    return worst
