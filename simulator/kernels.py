"""Compiled inner loops: S -> A association and trial-by-trial training.

Training is sequential by nature (each correction changes the next answer), so it runs as a
compiled loop over cards. Each card costs what it lights: the loop walks only the lit
photocells' fan-out lists and only the active A-units' potentiometers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Rule codes shared with machine.py.
ALPHA, GAMMA, FORCED, LECTURE = 0, 1, 2, 3


@njit(cache=True, nogil=True, inline="always")
def _associate_one(light, analog, s_threshold, fan_ptr, fan_to, fan_sign, thresholds, acc, active):
    # The photocell threshold is applied here, fused, rather than in a numpy pass before.
    for a in range(acc.shape[0]):
        acc[a] = 0.0
    for p in range(light.shape[0]):
        if analog:
            v = light[p]
            if v != 0.0:
                for k in range(fan_ptr[p], fan_ptr[p + 1]):
                    acc[fan_to[k]] += v * fan_sign[k]
        elif light[p] >= s_threshold:
            for k in range(fan_ptr[p], fan_ptr[p + 1]):
                acc[fan_to[k]] += fan_sign[k]
    n = 0
    for a in range(acc.shape[0]):
        if acc[a] >= thresholds[a]:
            active[n] = a
            n += 1
    return n


@njit(cache=True, nogil=True)
def associate(L, analog, s_threshold, fan_ptr, fan_to, fan_sign, thresholds, out):
    """A-unit outputs (0/1) for a batch of light levels (n, cells) into ``out`` (n, a_units) uint8."""
    n_a = thresholds.shape[0]
    acc = np.empty(n_a, np.float32)
    active = np.empty(n_a, np.int64)
    for i in range(L.shape[0]):
        n = _associate_one(L[i], analog, s_threshold, fan_ptr, fan_to, fan_sign, thresholds, acc, active)
        row = out[i]
        row[:] = 0
        for j in range(n):
            row[active[j]] = 1


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
def train(L, analog, s_threshold, fan_ptr, fan_to, fan_sign, thresholds, targets, W, bias, mask,
          n_connected, rule, eta, limit, step, use_bias, wrong_out, moved_out):
    """Present cards in order and correct the R-units, Rosenblatt's way.

    ``targets`` (n, r) int8: +1 / -1 the required response, 0 leaves that R-unit alone.
    An R-unit answers +1 when its input is above zero (the lecture's rule: at or above);
    with the Rosenblatt rules an input of exactly zero is no answer and counts as wrong.
    ``L`` holds light levels (n, cells): photocells fire at ``s_threshold``, or pass their
    light through when ``analog``. Writes per card the number of wrong R-units and of potentiometers that moved.
    """
    n_a, n_r = W.shape
    acc = np.empty(n_a, np.float32)
    active = np.empty(n_a, np.int64)
    is_active = np.zeros(n_a, np.uint8)
    score = np.empty(n_r, np.float64)
    for i in range(L.shape[0]):
        n = _associate_one(L[i], analog, s_threshold, fan_ptr, fan_to, fan_sign, thresholds, acc, active)
        for r in range(n_r):
            score[r] = bias[r] if use_bias else 0.0
        for j in range(n):
            a = active[j]
            for r in range(n_r):
                score[r] += W[a, r]
        wrong = 0
        moved = 0
        for r in range(n_r):
            y = targets[i, r]
            if y == 0:
                continue
            if rule == LECTURE:
                correct = (score[r] >= 0.0) == (y > 0)
            else:
                correct = y * score[r] > 0.0
            if not correct:
                wrong += 1
            elif rule != FORCED:
                continue
            d = eta * y
            if rule == GAMMA:
                # Parasitic gain: active units gain, the inactive ones of the same set pay for
                # it, so the set's total stays constant.
                n_on = 0
                for j in range(n):
                    if mask[active[j], r]:
                        n_on += 1
                mean = n_on / n_connected[r] if n_connected[r] > 0 else 0.0
                for j in range(n):
                    is_active[active[j]] = 1
                for a in range(n_a):
                    if mask[a, r]:
                        moved += _set_pot(W, a, r, W[a, r] + d * (is_active[a] - mean), limit, step)
                for j in range(n):
                    is_active[active[j]] = 0
            else:
                for j in range(n):
                    a = active[j]
                    if mask[a, r]:
                        moved += _set_pot(W, a, r, W[a, r] + d, limit, step)
            if use_bias:
                bias[r] += d
        wrong_out[i] = wrong
        moved_out[i] = moved


@njit(cache=True, nogil=True)
def scores(L, analog, s_threshold, fan_ptr, fan_to, fan_sign, thresholds, W, bias, out):
    """R-unit inputs (n, r) float64 for a batch of light levels (no training)."""
    n_a, n_r = W.shape
    acc = np.empty(n_a, np.float32)
    active = np.empty(n_a, np.int64)
    for i in range(L.shape[0]):
        n = _associate_one(L[i], analog, s_threshold, fan_ptr, fan_to, fan_sign, thresholds, acc, active)
        for r in range(n_r):
            out[i, r] = bias[r]
        for j in range(n):
            a = active[j]
            for r in range(n_r):
                out[i, r] += W[a, r]
