"""The plugboard: fixed random wiring from S-units to A-units.

On the Mark I the S->A connections were patched by hand "according to a table of random
numbers", so that no intentional bias was built in. Here a seeded generator plays the
table: each A-unit takes ``excitatory`` + ``inhibitory`` connections from distinct
photocells drawn uniformly at random, and fires when (lit excitatory inputs) - (lit
inhibitory inputs) reaches its threshold.
"""

from __future__ import annotations

import logging

import numpy as np

from .errors import ConfigError

log = logging.getLogger(__name__)


class Plugboard:
    """A fixed random S->A wiring.

    Parameters
    ----------
    excitatory_idx, inhibitory_idx : numpy.ndarray of int, shape (a_units, k)
        For each A-unit the S-units wired to its excitatory and inhibitory inputs.
    thresholds : numpy.ndarray of float, shape (a_units,)
        Net input at or above which each A-unit fires.
    n_inputs : int
        Number of S-units (400 for the 20 x 20 retina).

    Use :meth:`random` to draw a wiring the way the Mark I's was made.
    """

    def __init__(self, excitatory_idx, inhibitory_idx, thresholds, n_inputs: int):
        self.excitatory_idx = np.ascontiguousarray(excitatory_idx, dtype=np.int32)
        self.inhibitory_idx = np.ascontiguousarray(inhibitory_idx, dtype=np.int32)
        self.thresholds = np.ascontiguousarray(thresholds, dtype=np.float32)
        self.n_inputs = int(n_inputs)
        a = self.thresholds.shape[0]
        if (self.excitatory_idx.ndim != 2 or self.inhibitory_idx.ndim != 2
                or self.excitatory_idx.shape[0] != a or self.inhibitory_idx.shape[0] != a):
            raise ConfigError("plugboard arrays disagree on the number of A-units")
        for idx in (self.excitatory_idx, self.inhibitory_idx):
            if idx.size and (idx.min() < 0 or idx.max() >= self.n_inputs):
                raise ConfigError(f"plugboard connects to S-units outside 0..{self.n_inputs - 1}")
        self._fan_out = None

    @classmethod
    def random(cls, *, n_inputs: int, a_units: int, excitatory: int, inhibitory: int,
               threshold: float, rng: np.random.Generator) -> "Plugboard":
        """Draw a wiring: distinct photocells per A-unit, uniformly at random."""
        k = excitatory + inhibitory
        if k > n_inputs:
            raise ConfigError(f"an A-unit cannot take {k} connections from {n_inputs} S-units")
        # One row of random keys per A-unit; the k smallest pick k distinct photocells.
        keys = rng.random((a_units, n_inputs))
        chosen = np.argpartition(keys, k - 1, axis=1)[:, :k] if k else np.empty((a_units, 0), int)
        thresholds = np.full(a_units, threshold, dtype=np.float32)
        return cls(chosen[:, :excitatory], chosen[:, excitatory:], thresholds, n_inputs)

    @property
    def a_units(self) -> int:
        return int(self.thresholds.shape[0])

    def matrix(self, dtype=np.float32) -> np.ndarray:
        """Dense (n_inputs, a_units) matrix: +1 excitatory, -1 inhibitory, 0 unwired."""
        m = np.zeros((self.n_inputs, self.a_units), dtype=dtype)
        cols = np.arange(self.a_units)
        for j in range(self.excitatory_idx.shape[1]):
            m[self.excitatory_idx[:, j], cols] += 1
        for j in range(self.inhibitory_idx.shape[1]):
            m[self.inhibitory_idx[:, j], cols] -= 1
        return m

    def fan_out(self):
        """Wiring seen from the photocells, as compressed rows.

        Returns ``(ptr, to, sign)``: the A-units fed by S-unit ``p`` are
        ``to[ptr[p]:ptr[p+1]]`` with signs ``sign[...]`` (+1 or -1). The training kernel
        walks only the lit photocells, so a card costs what it lights, not 400 x 512.
        """
        if self._fan_out is None:
            src = np.concatenate([self.excitatory_idx.ravel(), self.inhibitory_idx.ravel()])
            dst = np.concatenate([
                np.repeat(np.arange(self.a_units, dtype=np.int32), self.excitatory_idx.shape[1]),
                np.repeat(np.arange(self.a_units, dtype=np.int32), self.inhibitory_idx.shape[1]),
            ])
            sign = np.concatenate([
                np.ones(self.excitatory_idx.size, np.float32),
                -np.ones(self.inhibitory_idx.size, np.float32),
            ])
            order = np.argsort(src, kind="stable")
            ptr = np.zeros(self.n_inputs + 1, dtype=np.int64)
            np.cumsum(np.bincount(src, minlength=self.n_inputs), out=ptr[1:])
            self._fan_out = (ptr, dst[order].astype(np.int32), sign[order])
        return self._fan_out

    def fan_out_counts(self) -> np.ndarray:
        """How many A-units each S-unit feeds (the record: "up to 40")."""
        ptr = self.fan_out()[0]
        return np.diff(ptr)
