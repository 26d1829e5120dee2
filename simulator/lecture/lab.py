"""The XOR lab: a small network learning XOR, the state the "After 1958" page shows.

One trainable layer cannot separate XOR (no line puts (0, 1) and (1, 0) on one side and
(0, 0) and (1, 1) on the other); a hidden layer trained by backpropagation can. The lab
trains a 2-4-1 network a few epochs at a time and walks through the four patterns, a forward
pass then a backward pass for each, so the page can animate both. No display code here.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .network import Network

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)
#: Hidden activations the page offers, each with a rate that learns XOR in a few hundred
#: epochs (measured over seeds 0-9: sigmoid and tanh always; ReLU units can die, and then
#: about half the starts stay stuck: a lesson too, reset draws new weights).
RATES = {"sigmoid": 4.0, "tanh": 0.5, "relu": 0.3, "leaky_relu": 0.3}
#: Seconds each half (forward, backward) of a pattern's pass is shown.
PHASE_SECONDS = 0.9


class XorLab:
    """A 2-``hidden``-1 network learning XOR, trained and shown step by step.

    Parameters
    ----------
    hidden : int
        Hidden units.
    activation : str
        Hidden activation, one of :data:`RATES`; the output is a sigmoid.
    seed : int
        Seeds the starting weights.
    epochs_per_second : float
        Training speed while running.
    """

    def __init__(self, *, hidden: int = 4, activation: str = "sigmoid", seed: int = 0,
                 epochs_per_second: float = 60.0):
        self.hidden = hidden
        self.activation = activation
        self.seed = seed
        self.epochs_per_second = epochs_per_second
        self.reset()

    def reset(self, *, seed: int | None = None) -> None:
        """Fresh random weights (the next seed unless given); the loss curve starts over."""
        if self.activation not in RATES:
            raise ConfigError(f"unknown activation {self.activation!r} for the XOR lab; choose "
                              f"one of {', '.join(RATES)}")
        if seed is not None:
            self.seed = seed
        self.net = Network(sizes=(2, self.hidden, 1), activation=self.activation,
                           output_activation="sigmoid", rng=np.random.default_rng(self.seed))
        self.net.forward(X)  # builds the weights
        self.rate = RATES[self.activation]
        self.epoch = 0
        self.losses: list[float] = [self.loss()]
        self.running = True
        self.pattern = 0
        self.phase = "forward"
        self._clock = 0.0
        self._owed = 0.0
        self._look()

    def set_activation(self, name: str) -> None:
        """Switch the hidden activation; training starts again from new weights."""
        if name not in RATES:
            raise ConfigError(f"unknown activation {name!r}; choose one of {', '.join(RATES)}")
        self.activation = name
        self.reset()

    def loss(self) -> float:
        """Squared error over the four patterns (the lecture's E, averaged)."""
        return self.net.loss_value(X, Y)

    def outputs(self) -> np.ndarray:
        """The network's answer to each of the four patterns, (4,)."""
        return self.net.predict(X)[:, 0]

    def solved(self) -> bool:
        """All four patterns on the right side of 0.5."""
        return bool(np.all((self.outputs() > 0.5) == (Y[:, 0] > 0.5)))

    def train(self, epochs: int = 1) -> None:
        """Batch gradient descent on all four patterns, ``epochs`` steps."""
        for _ in range(epochs):
            self.net.backward(X, Y)
            self.net.step(self.rate)
            self.epoch += 1
        self.losses.append(self.loss())
        del self.losses[:-2000]  # the curve shows the latest stretch; memory stays flat
        self._look()

    def _look(self) -> None:
        x, y = X[self.pattern:self.pattern + 1], Y[self.pattern:self.pattern + 1]
        self.forward = self.net.forward(x)
        self.grads = self.net.backward(x, y, self.forward)
        self.net.grads_ = None  # shown, not applied: training takes its own

    def update(self, dt: float) -> None:
        """Advance training and the pass animation by ``dt`` seconds."""
        self._clock += dt
        if self._clock >= PHASE_SECONDS:
            self._clock = 0.0
            if self.phase == "forward":
                self.phase = "backward"
            else:
                self.phase, self.pattern = "forward", (self.pattern + 1) % 4
            self._look()
        if self.running:
            self._owed += dt * self.epochs_per_second
            n = int(self._owed)
            if n:
                self._owed -= n
                self.train(n)
