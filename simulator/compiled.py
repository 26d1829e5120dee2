"""The inner loops compiled with numba, for batches of cards (see :mod:`simulator.kernels`).

Only :mod:`simulator.kernels` imports this module, and only when a call is large enough to
pay for numba (about 125 MB more memory and, on a cold cache, seconds of compiling): a
one-card-at-a-time exhibit never loads it. Every kernel is cached (``cache=True``) in
numba's cache folder, so a warm start compiles nothing (:func:`simulator.kernels.warm_up`).

The A-units' answers to a card do not depend on the potentiometers, so a batch of cards is
associated first, in parallel on every core (:func:`active_lists`); training is sequential
by nature (each correction changes the next answer), so :func:`learn` then walks the cards
in order on one core, touching only each card's active A-units. The A-units' sums are built
from a table: for each group of a few neighbouring photocells and each of their lit/dark
patterns, the sum of those cells' rows of the plugboard matrix (+1 excitatory, -1
inhibitory). A card then costs one dense, vectorised add per group that has light in it,
instead of one per lit cell, or one scattered add per wire.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True, inline="always")
def _associate_one(light, analog, s_threshold, board, table, thresholds, counts, acc, facc,
                   active):
    """Fill ``active`` with the firing A-units of one card; return how many.

    ``board`` is the (cells, a_units) int16 plugboard matrix (used for analog light);
    ``table`` (groups, 2**k, a_units) int8 holds the summed rows per group pattern; binary
    sums are kept in ``acc``, whose integer type fits them, and compared with ``counts``, the
    thresholds rounded up to that type (comparing like types is what vectorises). Firing
    A-units are gathered without a branch (the index is written always, the count advances
    only when the test holds), since which units fire is random and would mispredict.
    """
    n_a = acc.shape[0]
    n = 0
    if analog:
        facc[:] = 0.0
        for p in range(light.shape[0]):
            v = light[p]
            if v != 0.0:
                row = board[p]
                for a in range(n_a):
                    facc[a] += v * row[a]
        for a in range(n_a):
            active[n] = a
            n += facc[a] >= thresholds[a]
        return n
    acc[:] = 0
    k = light.shape[0] // table.shape[0]
    for g in range(table.shape[0]):
        pattern = 0
        for b in range(k):
            pattern |= (light[g * k + b] >= s_threshold) << b
        if pattern:
            row = table[g, pattern]
            for a in range(n_a):
                acc[a] += row[a]
    for a in range(n_a):
        active[n] = a
        n += acc[a] >= counts[a]
    return n


#: Cards are split into this many parts for the cores (more parts than cores evens the load).
PARTS = 64


@njit(cache=True, nogil=True, parallel=True)
def active_lists(L, analog, s_threshold, board, table, thresholds, counts, act, cnt):
    """For each card, the firing A-units: ``act[i, :cnt[i]]``, in increasing order."""
    n, n_a = L.shape[0], thresholds.shape[0]
    per = (n + PARTS - 1) // PARTS
    for part in prange(PARTS):
        acc = np.empty(n_a, counts.dtype)
        facc = np.empty(n_a, np.float32)
        active = np.empty(n_a, np.int32)  # gathered in cache, then only the firing copied out
        for i in range(part * per, min(n, (part + 1) * per)):
            k = _associate_one(L[i], analog, s_threshold, board, table, thresholds, counts, acc,
                               facc, active)
            act[i, :k] = active[:k]
            cnt[i] = k


@njit(cache=True, nogil=True)
def mark(act, cnt, out):
    """A-unit outputs (n, a) uint8 from active lists: 1 where the unit fired."""
    out[:] = 0
    for i in range(act.shape[0]):
        for j in range(cnt[i]):
            out[i, act[i, j]] = 1


@njit(cache=True, nogil=True)
def sum_rows(act, cnt, W, bias, out):
    """R-unit inputs (n, r) float64: each card's active A-units' potentiometers, plus bias.

    Summed in A-unit order, as :func:`learn` does, so an answer and its training agree.
    """
    n_r = W.shape[1]
    for i in range(act.shape[0]):
        for r in range(n_r):
            out[i, r] = bias[r]
        for j in range(cnt[i]):
            a = act[i, j]
            for r in range(n_r):
                out[i, r] += W[a, r]


@njit(cache=True, nogil=True, inline="always")
def _set_pot(W, a, r, value, limit, step):
    """Turn one potentiometer; return 1 if it moved. Stops saturate, ratchets quantize."""
    if step > 0.0:
        value = np.rint(value / step) * step
    if limit > 0.0:
        if value > limit:
            value = limit
        elif value < -limit:
            value = -limit
    if value != W[a, r]:
        W[a, r] = value
        return 1
    return 0


@njit(cache=True, nogil=True)
def learn(act, cnt, targets, W, bias, mask, n_connected, lecture, gamma, forced, lms, eta, limit,
          step, use_bias, wrong_out, moved_out):
    """Present cards in order and correct the R-units, Rosenblatt's way (or Widrow and Hoff's).

    ``targets`` (n, r) int8: +1 / -1 the required response, 0 leaves that R-unit alone.
    An R-unit answers +1 when its input is above zero (the lecture's rule: at or above);
    with the Rosenblatt rules an input of exactly zero is no answer and counts as wrong.
    ``act[i, :cnt[i]]`` are card i's firing A-units (from :func:`active_lists`). Writes
    per card the number of wrong R-units and of potentiometers that moved. ``lms``: every
    asked R-unit's active, wired potentiometers turn by ``eta * (t - s) / n`` on every card
    (``n`` its active wired A-units), as :func:`simulator.kernels.learn` says.
    """
    n_a, n_r = W.shape
    full = True  # every A-unit wired to every R-unit: no mask to consult
    for r in range(n_r):
        full = full and n_connected[r] == n_a
    is_active = np.zeros(n_a, np.uint8)
    score = np.empty(n_r, np.float64)
    delta = np.empty(n_r, np.float64)
    for i in range(act.shape[0]):
        active, n = act[i], cnt[i]
        for r in range(n_r):
            score[r] = bias[r] if use_bias else 0.0
        for j in range(n):
            a = active[j]
            for r in range(n_r):
                score[r] += W[a, r]
        wrong = 0
        n_reinforced = 0
        for r in range(n_r):
            delta[r] = 0.0
            y = targets[i, r]
            if y == 0:
                continue
            if lecture:
                correct = (score[r] >= 0.0) == (y > 0)
            else:
                correct = y * score[r] > 0.0
            if not correct:
                wrong += 1
            if lms:
                n_on = n
                if not full:
                    n_on = 0
                    for j in range(n):
                        n_on += mask[active[j], r]
                if n_on == 0:
                    continue
                delta[r] = (eta * (y - score[r])) / n_on
                if delta[r] == 0.0:  # an answer exactly on its target moves nothing
                    continue
                n_reinforced += 1
                continue
            if correct and not forced:
                continue
            delta[r] = eta * y
            n_reinforced += 1
            if use_bias:
                bias[r] += delta[r]
        moved = 0
        if n_reinforced and gamma:
            # Parasitic gain: active units gain, the inactive ones of the same set pay for
            # it, so the set's total stays constant.
            for j in range(n):
                is_active[active[j]] = 1
            for r in range(n_r):
                if delta[r] == 0.0:
                    continue
                n_on = 0
                for j in range(n):
                    n_on += mask[active[j], r]
                mean = n_on / n_connected[r] if n_connected[r] > 0 else 0.0
                for a in range(n_a):
                    if mask[a, r]:
                        moved += _set_pot(W, a, r, W[a, r] + delta[r] * (is_active[a] - mean),
                                          limit, step)
            for j in range(n):
                is_active[active[j]] = 0
        elif n_reinforced and step == 0.0 and full:
            # The common case, without branches so it vectorises: one A-unit's potentiometers
            # sit side by side in memory, an unreinforced one gets + 0 and does not move. The
            # stop is applied by a select, not to every pot: an unreinforced pot left beyond a
            # stop lowered since (set_params) must stay where it is, as on the masked path.
            for j in range(n):
                a = active[j]
                for r in range(n_r):
                    old = W[a, r]
                    new = old + delta[r]
                    if limit > 0.0:
                        clamped = min(max(new, -limit), limit)
                        new = clamped if delta[r] != 0.0 else old
                    W[a, r] = new
                    moved += new != old
        elif n_reinforced:
            for j in range(n):
                a = active[j]
                for r in range(n_r):
                    if delta[r] != 0.0 and mask[a, r]:
                        moved += _set_pot(W, a, r, W[a, r] + delta[r], limit, step)
        wrong_out[i] = wrong
        moved_out[i] = moved
