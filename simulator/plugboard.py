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

#: Largest lookup table the kernels may use (see :meth:`Plugboard.table`).
TABLE_BYTES = 16 * 2**20


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
        self._board = None
        self._table = None
        self._counts = None

    @classmethod
    def random(cls, *, n_inputs: int, a_units: int, excitatory: int, inhibitory: int,
               threshold: float, rng: np.random.Generator) -> Plugboard:
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

    def board(self) -> np.ndarray:
        """The matrix as the kernels use it: (n_inputs, a_units) int16, computed once."""
        if self._board is None:
            self._board = self.matrix(np.int16)
        return self._board

    def table(self) -> np.ndarray:
        """Summed plugboard rows per group of neighbouring photocells and lit pattern.

        Shape (groups, 2**k, a_units) int8, where groups of ``k`` cells tile the retina in
        reading order; the entry for a pattern is the sum of its lit cells' rows. ``k`` is
        the largest of 5..1 that divides the cell count and keeps the table within
        :data:`TABLE_BYTES`.
        """
        if self._table is None:
            board = self.board()
            k = next(k for k in (5, 4, 3, 2, 1) if self.n_inputs % k == 0 and (
                k == 1 or self.n_inputs // k * 2 ** k * self.a_units <= TABLE_BYTES))
            groups = board.reshape(self.n_inputs // k, k, self.a_units)
            bits = (np.arange(2 ** k)[:, None] >> np.arange(k)) & 1          # (patterns, k)
            self._table = np.einsum("pk,gka->gpa", bits, groups).astype(np.int8)
        return self._table

    def counts(self) -> np.ndarray:
        """Thresholds as whole counts of lit inputs, in the narrowest integer type that holds
        every A-unit's sum (int8 up to 126 connections of a kind, else int16).

        A binary A-unit's net input is a whole number, so ``net >= theta`` is
        ``net >= ceil(theta)``; a threshold beyond every reachable sum is clipped to one just
        beyond it, which no sum reaches either.
        """
        if self._counts is None:
            most = max(self.excitatory_idx.shape[1], self.inhibitory_idx.shape[1])
            dtype = np.int8 if most <= 126 else np.int16
            top = np.iinfo(dtype).max
            self._counts = np.clip(np.ceil(self.thresholds), -top, top).astype(dtype)
        return self._counts

    def fan_out_counts(self) -> np.ndarray:
        """How many A-units each S-unit feeds (the record: "up to 40")."""
        return np.count_nonzero(self.board(), axis=1)
