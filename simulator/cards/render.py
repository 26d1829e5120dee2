"""Drawing helpers shared by the card makers.

Figures are drawn in cell coordinates (0..20 across the retina, x to the right, y down)
on a canvas ``SUPERSAMPLE`` times finer than the retina, then area-averaged down to the
grid (pillow's BOX filter), so a cell half covered by the figure gets light level 0.5 as
a real photocell would.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw

from ..checks import flag, generator, number, whole_number
from ..errors import ConfigError
from ..limits import limit
from ..retina import RETINA_SIZE
from .deck import Deck

GRID = RETINA_SIZE
SUPERSAMPLE = 8
#: More cards than this would take minutes to draw and gigabytes to hold: surely a typo.
MAX_CARDS = int(limit("cards").hi)


#: Centre of each fine pixel, in cell coordinates.
_CENTRES = (np.arange(GRID * SUPERSAMPLE, dtype=np.float64) + 0.5) / SUPERSAMPLE


def canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A dark supersampled pillow canvas and a pen for it (fill 255 = lit), for text."""
    img = Image.new("L", (GRID * SUPERSAMPLE, GRID * SUPERSAMPLE), 0)
    return img, ImageDraw.Draw(img)


# Geometric figures are rasterised here rather than with ImageDraw: pillow floors vertex
# coordinates and fills edge pixels on both sides, which makes a figure's light vary by a
# few percent with its position and angle. Lighting exactly the fine pixels whose centres
# lie inside keeps every card of a figure the same total light, wherever it is.

def _span(lo: float, hi: float) -> slice:
    """Fine pixels whose centres may lie in [lo, hi] (cell coordinates), a pixel of margin."""
    n = _CENTRES.size
    return slice(max(0, int(np.floor(lo * SUPERSAMPLE)) - 1),
                 min(n, int(np.ceil(hi * SUPERSAMPLE)) + 1))


def convex_polygon(vertices: np.ndarray) -> np.ndarray:
    """Supersampled mask of a convex polygon with (k, 2) vertices in cell coordinates."""
    vertices = np.asarray(vertices, dtype=np.float64)
    # Only the polygon's bounding box can hold pixels inside it: test those alone.
    rows = _span(vertices[:, 1].min(), vertices[:, 1].max())
    cols = _span(vertices[:, 0].min(), vertices[:, 0].max())
    x, y = _CENTRES[None, cols], _CENTRES[rows, None]
    following = np.roll(vertices, -1, axis=0)
    turn = np.sign(np.sum(vertices[:, 0] * following[:, 1] - following[:, 0] * vertices[:, 1]))
    inside = np.ones((y.size, x.size), dtype=bool)
    for (x0, y0), (x1, y1) in zip(vertices, following):
        inside &= turn * ((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)) >= 0
    mask = np.zeros((_CENTRES.size, _CENTRES.size), dtype=bool)
    mask[rows, cols] = inside
    return mask


def box(x0: float, y0: float, x1: float, y1: float, *, ellipse: bool = False) -> np.ndarray:
    """Supersampled mask of the rectangle, or of the ellipse inscribed in it, in cells."""
    x, y = _CENTRES[None, :], _CENTRES[:, None]
    if ellipse:
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0
    return (x0 <= x) & (x <= x1) & (y0 <= y) & (y <= y1)


def square_vertices(center: Sequence[float], half: float, degrees: float) -> np.ndarray:
    """Corners of a square of half-side ``half`` turned by ``degrees`` (45 = a diamond)."""
    start = math.radians(degrees + 45.0)  # the first corner of an unturned square is at 45 deg
    angles = start + np.arange(4) * (math.pi / 2)
    radius = half * math.sqrt(2.0)
    return np.column_stack([center[0] + radius * np.cos(angles), center[1] + radius * np.sin(angles)])


def to_grid(picture: Image.Image | np.ndarray) -> np.ndarray:
    """Area-average a supersampled canvas (pillow "L" image or 0/1 mask) to (GRID, GRID) light."""
    if isinstance(picture, Image.Image):
        fine = picture.convert("F")
        small = np.asarray(fine.resize((GRID, GRID), Image.Resampling.BOX), dtype=np.float32)
        return np.clip(small / 255.0, 0.0, 1.0)
    # A 0/1 mask: count the lit fine pixels of each cell (exact: a count over 64)
    counts = np.asarray(picture).reshape(GRID, SUPERSAMPLE, GRID, SUPERSAMPLE).sum(axis=(1, 3))
    return (counts / SUPERSAMPLE ** 2).astype(np.float32)


def random_center(half_w: float, half_h: float, rng: np.random.Generator,
                  max_shift: float = GRID) -> tuple[float, float]:
    """A figure centre, shifted at random by up to ``max_shift`` cells, keeping the figure inside."""
    room_x = max(0.0, min(max_shift, GRID / 2 - half_w))
    room_y = max(0.0, min(max_shift, GRID / 2 - half_h))
    return GRID / 2 + rng.uniform(-room_x, room_x), GRID / 2 + rng.uniform(-room_y, room_y)


def add_noise(cards: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian noise of standard deviation ``noise`` to the light levels, kept in [0, 1]."""
    if noise == 0:
        return cards
    noisy = cards + rng.normal(0.0, noise, size=cards.shape).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0, out=noisy)


# --- argument checks shared by the makers -------------------------------------------

def check_n(n) -> int:
    """``n`` as an int, or ConfigError."""
    return whole_number("n (number of cards)", n, lo=1, hi=MAX_CARDS)


def check_rng(rng) -> np.random.Generator:
    """``rng`` if it is a numpy Generator, or ConfigError."""
    return generator(rng)


def check_number(value, name: str, lo: float, hi: float) -> float:
    """``value`` as a float in [lo, hi], or ConfigError."""
    return number(name, value, lo, hi)


def check_flag(value, name: str) -> bool:
    """``value`` if it is a bool (numpy's too), or ConfigError."""
    return flag(name, value)


def check_range(size, name: str, default: tuple[float, float], lo: float, hi: float) -> tuple[float, float]:
    """A size given as None (the default), a number, or a (min, max) pair -> (min, max)."""
    if size is None:
        return default
    if isinstance(size, (tuple, list)) and len(size) == 2:
        low, high = (check_number(v, name, lo, hi) for v in size)
        if low > high:
            raise ConfigError(f"{name} range must be (min, max) with min <= max, got {tuple(size)!r}")
        return low, high
    if isinstance(size, (tuple, list)):
        raise ConfigError(f"{name} must be a number or a (min, max) pair, got {size!r}")
    value = check_number(size, name, lo, hi)
    return value, value


def check_choices(values, name: str, allowed: Sequence[str], *, at_least: int = 1,
                  valid: str | None = None) -> tuple[str, ...]:
    """A sequence of distinct names, each one of ``allowed``, or ConfigError.

    ``valid`` describes the allowed names in messages (default: lists them all).
    """
    valid = valid or ", ".join(repr(a) for a in allowed)
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ConfigError(f"{name} must be a tuple of names from {valid}, got {values!r}")
    for value in values:
        if value not in allowed:
            kind = name[:-1] if name.endswith('s') else name
            raise ConfigError(f"unknown {kind} {value!r}; choose from {valid}")
    if len(set(values)) != len(values) or len(values) < at_least:
        raise ConfigError(f"{name} must be at least {at_least} different names from {valid}, "
                          f"got {tuple(values)!r}")
    return tuple(values)


def build_deck(n, class_names: Sequence[str], rng,
               draw_card: Callable[[int, np.random.Generator], np.ndarray],
               noise: float = 0.0) -> Deck:
    """Draw a deck: a class for each card uniformly at random, then the card for that class.

    Parameters
    ----------
    n : int
        Number of cards.
    class_names : sequence of str
        The classes; labels index into it.
    rng : numpy.random.Generator
        The only source of randomness, used in a fixed order so a seed gives one deck.
    draw_card : callable
        ``draw_card(label, rng)`` returns one (GRID, GRID) float32 card of that class.
    noise : float
        Standard deviation of Gaussian noise added to every light level (0 for none).

    Returns
    -------
    Deck
    """
    n = check_n(n)
    rng = check_rng(rng)
    noise = check_number(noise, "noise", 0.0, 1.0)
    labels = rng.integers(0, len(class_names), size=n, dtype=np.int64)
    cards = np.empty((n, GRID, GRID), dtype=np.float32)
    for i, label in enumerate(labels):
        cards[i] = draw_card(int(label), rng)
    return Deck(add_noise(cards, noise, rng), labels, tuple(class_names))
