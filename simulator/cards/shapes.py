"""Geometric figures: squares, circles and diamonds, outlined or solid."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError
from .deck import Deck
from .render import (
    GRID,
    box,
    build_deck,
    check_choices,
    check_flag,
    check_number,
    check_range,
    convex_polygon,
    random_center,
    square_vertices,
    to_grid,
)

SHAPES = ("square", "circle", "diamond")
STYLES = ("outline", "solid", "both")
DEFAULT_SIZE = 12.0
MIN_SIZE = 5.0
#: A square-vs-diamond deck may only wobble this much: any more and the classes blur.
JITTER_DEGREES = 10.0


#: An outline's stroke may be set from this many cells (thinner breaks up on the 20 x 20 grid)
#: up to half the figure's size (a solid figure).
MIN_THICKNESS = 0.5


def _outline_cells(size: float) -> float:
    # 1.5 to 2 cells: thinner outlines break up on the 20 x 20 grid, thicker fill small figures
    return min(2.0, max(1.5, 0.15 * size))


def equal_area_diameter(side: float, thickness: float | None) -> float:
    """The circle's diameter whose figure covers as much area as a square of ``side``.

    Solid (``thickness`` None): pi d^2 / 4 = side^2. Outline with stroke ``thickness`` t:
    the ring pi t (d - t) equals the square's frame 4 t (side - t), so
    d = 4 (side - t) / pi + t.
    """
    if thickness is None:
        return 2.0 * side / math.sqrt(math.pi)
    return 4.0 * (side - thickness) / math.pi + thickness


def _max_size(shapes: tuple[str, ...], rotate: bool) -> float:
    # a diamond, or a square turned 45 degrees, spans its side times sqrt(2)
    turns = "diamond" in shapes or (rotate and "square" in shapes)
    return GRID / math.sqrt(2.0) if turns else float(GRID)


def shape_cards(n, *, rng: np.random.Generator, shapes=("square", "circle"), style: str = "outline",
                size=None, rotate: bool = True, shift: bool = True, noise: float = 0.0,
                max_shift: float | None = None, thickness: float | None = None,
                equal_area: bool = False) -> Deck:
    """Cards showing one geometric figure each; the class is the kind of figure.

    Parameters
    ----------
    n : int
        Number of cards.
    rng : numpy.random.Generator
        Source of all randomness (classes, sizes, turns, places, noise).
    shapes : tuple of str
        Two or more of "square", "circle", "diamond"; the class names, in this order.
        A diamond is a square turned 45 degrees.
    style : str
        "outline" (a stroke ``thickness`` cells thick, inside the figure's edge), "solid",
        or "both" (chosen per card).
    size : float or (float, float), optional
        Side of the square and of the diamond (so both have the same area), diameter of
        the circle, in cells; a (min, max) pair draws a size per card. Default 12.
    rotate : bool
        Turn squares by a random angle in [0, 90) degrees. A diamond turned at will would
        be a square, so diamonds, and squares in a deck that has diamonds, only wobble by
        up to +-10 degrees instead.
    shift : bool
        Place each figure at random, wholly inside the retina; otherwise centred.
    noise : float
        Standard deviation of Gaussian noise added to the light levels, from 0 to 1.
    max_shift : float, optional
        With ``shift``, move the centre by at most this many cells each way (still wholly
        inside the retina); default: anywhere the figure fits.
    thickness : float, optional
        An outline's stroke, in cells, from 0.5 to half the smallest size (measured inward
        from the edge: a square's frame, a circle's ring); default 0.15 x the card's size,
        kept within 1.5 to 2 cells.
    equal_area : bool
        Draw each circle with the diameter at which it covers the same area as the square
        of the card's size (:func:`equal_area_diameter`: the disk for a solid figure, the
        ring for an outline), instead of a diameter equal to the side. With diameter = side
        a circle covers pi/4 of the square's area, and the number of lit photocells alone
        tells the two apart.

    Returns
    -------
    Deck
        Labels index ``shapes``.

    Raises
    ------
    ConfigError
        When an argument is unknown or out of range (e.g. a figure larger than the retina).
    """
    shapes = check_choices(shapes, "shapes", SHAPES, at_least=2)
    if style not in STYLES:
        raise ConfigError(f"unknown style {style!r}; choose from {', '.join(map(repr, STYLES))}")
    rotate, shift = check_flag(rotate, "rotate"), check_flag(shift, "shift")
    max_size = _max_size(shapes, rotate)
    size_name = "size" if max_size == GRID else "size (a diamond or a turned square spans 1.41 x its side)"
    sizes = check_range(size, size_name, (DEFAULT_SIZE, DEFAULT_SIZE), MIN_SIZE,
                        math.floor(max_size * 10) / 10)
    # a diamond turned at will is just a square, so in a deck with diamonds figures only wobble
    wobble = "diamond" in shapes
    room = float(GRID) if max_shift is None else check_number(max_shift, "max_shift", 0.0, GRID / 2)
    if thickness is not None:
        thickness = check_number(thickness, "thickness (an outline's stroke, cells)", MIN_THICKNESS,
                                 sizes[0] / 2)
    equal_area = check_flag(equal_area, "equal_area")
    if equal_area and "circle" in shapes:
        stroke = thickness if thickness is not None else _outline_cells(sizes[1])
        widest = max(equal_area_diameter(sizes[1], None if style == "solid" else stroke),
                     equal_area_diameter(sizes[1], stroke) if style == "both" else 0.0)
        if widest > GRID:
            raise ConfigError(f"size {sizes[1]:g}: an equal-area circle would be {widest:.1f} "
                              f"cells across, wider than the {GRID}-cell retina; use a smaller size")

    def draw_card(label: int, rng: np.random.Generator) -> np.ndarray:
        shape = shapes[label]
        side = rng.uniform(*sizes)
        solid = style == "solid" or (style == "both" and rng.random() < 0.5)
        stroke = thickness if thickness is not None else _outline_cells(side)
        if equal_area and shape == "circle":
            side = equal_area_diameter(side, None if solid else stroke)
        degrees = 45.0 if shape == "diamond" else 0.0
        if rotate and shape != "circle":
            degrees += rng.uniform(-JITTER_DEGREES, JITTER_DEGREES) if wobble else rng.uniform(0.0, 90.0)
        half = side / 2
        if shape == "circle":
            extent = half
        else:
            extent = np.abs(square_vertices((0.0, 0.0), half, degrees)).max()
        cx, cy = random_center(extent, extent, rng, room) if shift else (GRID / 2, GRID / 2)

        def figure(radius: float) -> np.ndarray:
            if shape == "circle":
                return box(cx - radius, cy - radius, cx + radius, cy + radius, ellipse=True)
            return convex_polygon(square_vertices((cx, cy), radius, degrees))

        # an outline is the figure with a smaller copy of it cut out of its middle
        # (a stroke of half the size leaves no middle: the solid figure)
        hole = half - stroke
        mask = figure(half) if solid or hole <= 0 else figure(half) & ~figure(hole)
        return to_grid(mask)

    return build_deck(n, shapes, rng, draw_card, noise)
