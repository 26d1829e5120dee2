"""The potentiometers: motor-driven dials that turn when the trainer corrects the machine.

Displayed needles follow the machine's settings at a limited slew rate, as the Mark I's
motors did, so a correction is seen as dials turning rather than jumping.
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from . import theme

#: Full-scale travel of a needle, each side of centre (a real pot turns about 270 degrees).
SWEEP = math.radians(135)
#: Needle slew rate, in fractions of full scale per second.
SLEW = 1.5


def full_scale(weights: np.ndarray, limit: float | None) -> float:
    """The settings a needle's full deflection stands for: a round number above the largest."""
    top = float(np.abs(weights).max()) if weights.size else 0.0
    for nice in (4, 8, 16, 32, 64, 128, 256, 512, 1024):
        if top <= nice:
            return float(min(nice, limit)) if limit else float(nice)
    return float(limit) if limit else top


def condense(values: np.ndarray, bins: int) -> np.ndarray:
    """Rows of ``values`` (n, r) in at most ``bins`` runs of neighbours, each shown by its peak.

    A heat map narrower than the machine has A-units cannot give each its own pixel column;
    each column then stands for a run of neighbouring A-units and shows the setting farthest
    from centre among them, sign kept. The peak rather than the mean: averaged over hundreds
    of potentiometers a correction is a change of a few thousandths, too faint to see, while
    a peak stays as bright as one potentiometer and moves when a correction makes a new one.
    The peaks also keep the largest setting, so :func:`full_scale` of them is that of all.

    Returns
    -------
    numpy.ndarray, shape (min(n, bins) or a little fewer, r)
        ``values`` itself when it already fits.
    """
    n, r = values.shape
    bins = max(1, int(bins))
    if n <= bins:
        return values
    run = -(-n // bins)                      # A-units per column (runs of equal length: a
    whole = n // run                         # reshape, many times faster than reduceat)
    head = values[:whole * run].reshape(whole, run, r)
    hi, lo = head.max(axis=1), head.min(axis=1)
    if whole * run < n:                      # the last, shorter run
        tail = values[whole * run:]
        hi, lo = np.vstack([hi, tail.max(axis=0)]), np.vstack([lo, tail.min(axis=0)])
    return np.where(hi >= -lo, hi, lo)


class Needles:
    """Displayed needle positions (fractions of full scale) chasing the true settings."""

    def __init__(self):
        self.shown: np.ndarray | None = None

    def update(self, target: np.ndarray, dt: float) -> bool:
        """Move toward ``target`` (same shape); return True while any needle moves."""
        if self.shown is None or self.shown.shape != target.shape:
            self.shown = target.astype(np.float64).copy()
            return True
        gap = target - self.shown
        if not np.any(np.abs(gap) > 1e-4):
            return False
        self.shown += np.clip(gap, -SLEW * dt, SLEW * dt)
        return True


class DialStrip:
    """The selected R-unit's potentiometers as a grid of small dials with needles.

    Needles are sprites, one per colour and per step of angle, blitted in one batch: drawing
    512 lines one call at a time was the slowest part of a frame.
    """

    #: Needle positions a dial can show across its sweep (a 4.5 degree step).
    STEPS = 61
    COLOURS = (theme.DIM_TEXT, theme.EXCITE, theme.INHIBIT, theme.LAMP_HOT)

    def __init__(self, cols: int = 32, rows: int = 16):
        self.cols, self.rows = cols, rows
        self._faces = None
        self._faces_key = None
        self._needles = None
        self._needles_key = None

    def _face_surface(self, size) -> pygame.Surface:
        if self._faces_key != size:
            surf = pygame.Surface(size, pygame.SRCALPHA)
            cw, ch = size[0] / self.cols, size[1] / self.rows
            r = max(2, int(min(cw, ch) * 0.44))
            for i in range(self.cols * self.rows):
                c = (int((i % self.cols + 0.5) * cw), int((i // self.cols + 0.5) * ch))
                pygame.draw.circle(surf, theme.BEZEL_LIGHT, c, r)
                pygame.draw.circle(surf, theme.PANEL, c, max(1, r - 1))
            self._faces, self._faces_key = surf, size
        return self._faces

    def _needle_sprites(self, radius: float) -> list[list[pygame.Surface]]:
        key = round(radius, 2)
        if self._needles_key != key:
            half = int(np.ceil(radius)) + 2
            width = max(1, int(radius / 5))
            sprites = []
            for colour in self.COLOURS:
                row = []
                for step in range(self.STEPS):
                    ang = (step / (self.STEPS - 1) * 2 - 1) * SWEEP
                    surf = pygame.Surface((2 * half, 2 * half), pygame.SRCALPHA)
                    end = (half + radius * math.sin(ang), half - radius * math.cos(ang))
                    pygame.draw.line(surf, colour, (half, half), end, width)
                    row.append(surf)
                sprites.append(row)
            self._needles, self._needles_key = sprites, key
        return self._needles

    def draw(self, target: pygame.Surface, rect: pygame.Rect, fractions: np.ndarray,
             moving: np.ndarray | None = None) -> None:
        """Draw needles at ``fractions`` (-1..1 of full scale), highlighting ``moving`` units."""
        target.blit(self._face_surface(rect.size), rect.topleft)
        cw, ch = rect.width / self.cols, rect.height / self.rows
        radius = max(2.0, min(cw, ch) * 0.40)
        sprites = self._needle_sprites(radius)
        half = sprites[0][0].get_width() // 2
        n = min(len(fractions), self.cols * self.rows)
        f = np.clip(fractions[:n], -1, 1)
        step = np.rint((f + 1) / 2 * (self.STEPS - 1)).astype(int)
        colour = np.where(f > 0.004, 1, np.where(f < -0.004, 2, 0))
        if moving is not None:
            colour[moving[:n]] = 3
        idx = np.arange(n)
        xs = (rect.x + (idx % self.cols + 0.5) * cw).astype(int) - half
        ys = (rect.y + (idx // self.cols + 0.5) * ch).astype(int) - half
        target.fblits([(sprites[c][k], (x, y))
                       for c, k, x, y in zip(colour.tolist(), step.tolist(), xs.tolist(), ys.tolist())])


class HeatMap:
    """All potentiometers at once: one row per R-unit, amber positive, blue negative.

    More A-units than the map is pixels wide are condensed (see :func:`condense`), so a
    machine of 100,000 A-units draws as a few hundred columns.
    """

    def draw(self, target: pygame.Surface, rect: pygame.Rect, fractions: np.ndarray,
             selected: int, *, units=None) -> None:
        """Draw the potentiometers as rows filling ``rect``.

        Parameters
        ----------
        fractions : numpy.ndarray, shape (a_units or fewer columns, r_units)
            Settings in -1..1 of full scale.
        selected : int
            The R-unit whose row gets a frame (none if it is not drawn).
        units : sequence of int, optional
            The R-units drawn, one row each, in this order: all of them by default. A task
            using 2 of 8 R-units draws 2 rows as tall as the box allows, not 8 of which 6
            stay dark.
        """
        units = np.arange(fractions.shape[1]) if units is None else np.asarray(units, int)
        fractions = fractions[:, units]
        selected = int(np.flatnonzero(units == selected)[0]) if selected in units else None
        f = np.clip(condense(fractions, rect.width).T, -1, 1)[..., None]   # (r, columns, 1)
        zero = np.array(theme.PANEL, np.float32)
        pos = np.array(theme.EXCITE, np.float32)
        neg = np.array(theme.INHIBIT, np.float32)
        rgb = np.where(f >= 0, zero + (pos - zero) * f, zero + (neg - zero) * -f)
        small = pygame.Surface((rgb.shape[1], rgb.shape[0]))
        pygame.surfarray.blit_array(small, rgb.astype(np.uint8).transpose(1, 0, 2))
        target.blit(pygame.transform.scale(small, rect.size), rect.topleft)
        if selected is None:
            return
        rows = fractions.shape[1]
        rh = rect.height / rows
        sel = pygame.Rect(rect.x - 2, int(rect.y + selected * rh) - 1, rect.width + 4, int(rh) + 2)
        pygame.draw.rect(target, theme.LAMP_HOT, sel, 1)
