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
#: Random keys drawn at a time when wiring (8 MB of float64): a 100,000-A-unit machine drew
#: all 40 million at once, 320 MB, and argpartition's int64 answer as much again.
DRAW_KEYS = 2**20


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
        self._wires = None

    @classmethod
    def random(cls, *, n_inputs: int, a_units: int, excitatory: int, inhibitory: int,
               threshold: float, rng: np.random.Generator) -> Plugboard:
        """Draw a wiring: distinct photocells per A-unit, uniformly at random."""
        k = excitatory + inhibitory
        if k > n_inputs:
            raise ConfigError(f"an A-unit cannot take {k} connections from {n_inputs} S-units")
        # One row of random keys per A-unit; the k smallest pick k distinct photocells. Drawn
        # a block of rows at a time: the generator gives the same numbers in blocks as at once,
        # and each row is partitioned on its own, so the wiring is the same, in less memory.
        chosen = np.empty((a_units, k), dtype=np.int32)
        rows = max(1, DRAW_KEYS // n_inputs)
        for start in range(0, a_units, rows) if k else ():
            keys = rng.random((min(rows, a_units - start), n_inputs))
            chosen[start:start + keys.shape[0]] = np.argpartition(keys, k - 1, axis=1)[:, :k]
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
        """The matrix as the kernels use it: (n_inputs, a_units) int16, computed once.

        Only the analog kernels and the screens read it; binary cards go through
        :meth:`table` or :meth:`wires`, so a big binary machine never holds it.
        """
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
            a, n = self.a_units, self.n_inputs
            k = next(k for k in (5, 4, 3, 2, 1) if n % k == 0 and (
                k == 1 or n // k * 2 ** k * a <= TABLE_BYTES))
            # Each wire adds its +1 / -1 to every pattern of its group in which its cell is
            # lit: the sum of the board's rows, without the dense board (or einsum's int64
            # copy of the table, eight times its size).
            table = np.zeros((n // k, 2 ** k, a), dtype=np.int8)
            patterns = np.arange(2 ** k)
            with_bit = np.stack([patterns[(patterns >> b) & 1 == 1] for b in range(k)])
            units = np.arange(a)[:, None]
            for idx, sign in ((self.excitatory_idx, 1), (self.inhibitory_idx, -1)):
                for j in range(idx.shape[1]):
                    group, bit = np.divmod(idx[:, j], k)
                    np.add.at(table, (group[:, None], with_bit[bit], units), np.int8(sign))
            self._table = table
        return self._table

    def wires(self) -> tuple[np.ndarray, np.ndarray]:
        """Each A-unit's wires in the order of its photocells: the sparse form of the board.

        Returns
        -------
        cells : numpy.ndarray of int32, shape (m, a_units)
            Row ``j`` holds each A-unit's ``j``-th photocell; down a column they increase.
        signs : numpy.ndarray of int16, shape (m, a_units)
            The board's entry for each: +1 excitatory, -1 inhibitory. ``m`` is the
            connections per A-unit; a hand-made wiring that takes one photocell twice into an
            A-unit is netted as the board nets it, and short columns padded with sign 0.

        Adding light times sign down a column, in this order, adds what the compiled kernel
        adds, in its order (it walks the photocells in turn), so the two agree to the bit.
        """
        if self._wires is None:
            e, i = self.excitatory_idx.shape[1], self.inhibitory_idx.shape[1]
            idx = np.concatenate([self.excitatory_idx, self.inhibitory_idx], axis=1)
            order = np.argsort(idx, axis=1, kind="stable")
            cells = np.take_along_axis(idx, order, axis=1)
            signs = np.repeat(np.array([1, -1], dtype=np.int16), [e, i])[order]
            if np.any(cells[:, 1:] == cells[:, :-1]):
                cells, signs = self._netted()
            self._wires = (np.ascontiguousarray(cells.T), np.ascontiguousarray(signs.T))
        return self._wires

    def _netted(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`wires` read off the board, A-unit by A-unit: a photocell taken twice is one
        entry (shape (a_units, m) here)."""
        board = self.board().T                              # (a_units, n_inputs)
        units, cells = np.nonzero(board)                    # row by row, cells increasing
        per_unit = np.bincount(units, minlength=self.a_units)
        m = int(per_unit.max()) if units.size else 0
        pos = np.arange(units.size) - np.repeat(np.cumsum(per_unit) - per_unit, per_unit)
        out_cells = np.zeros((self.a_units, m), dtype=np.int32)
        out_signs = np.zeros((self.a_units, m), dtype=np.int16)
        out_cells[units, pos] = cells
        out_signs[units, pos] = board[units, cells]
        return out_cells, out_signs

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
