"""Pictures and tables written to files: the plugboard chart and the learning curve.

Drawn with pillow only (no plotting library), and written atomically like state files: a
file that cannot be written (a full disk, a folder that is gone) is a one-line
:class:`~simulator.errors.DeviceError` and leaves the old file, if any, as it was.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .assets import asset_path
from .atomicfile import write_atomically
from .errors import ConfigError, DeviceError
from .plugboard import Plugboard

BACKGROUND = (22, 20, 18)
AMBER = (255, 176, 60)
BLUE = (90, 150, 255)
GRID = (48, 44, 40)
TEXT = (230, 220, 200)
#: Beyond this many tiles a PNG plugboard chart is too big to look at (and to hold in memory).
MAX_CHART_UNITS = 4096


def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(asset_path("fonts", "DejaVuSans-Bold.ttf")), px)


def _suffix(path, allowed) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise ConfigError(f"{path}: output must end in {' or '.join(allowed)}")
    return suffix


def _write(path, write) -> None:
    try:
        write_atomically(path, write)
    except OSError as exc:
        raise DeviceError(f"{path}: cannot write it ({exc.strerror or exc})") from None


def _save_png(image: Image.Image, path) -> None:
    _write(path, lambda fh: image.save(fh, format="PNG"))


def write_wiring(plugboard: Plugboard, path, *, seed=None) -> None:
    """Write the plugboard chart as CSV (one row per connection) or PNG (one tile per A-unit).

    Parameters
    ----------
    plugboard : Plugboard
    path : str or path
        Ends in ``.csv`` or ``.png``.
    seed : int, optional
        Shown in the PNG's title.
    """
    if _suffix(path, (".csv", ".png")) == ".csv":
        _write_wiring_csv(plugboard, path)
    elif plugboard.a_units > MAX_CHART_UNITS:
        raise ConfigError(f"{path}: a PNG chart shows at most {MAX_CHART_UNITS:,} A-units, the "
                          f"plugboard has {plugboard.a_units:,}; write a .csv instead")
    else:
        _save_png(wiring_picture(plugboard, seed=seed), path)


def _write_wiring_csv(pb: Plugboard, path) -> None:
    side = int(round(math.sqrt(pb.n_inputs)))
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["a_unit", "threshold", "kind", "s_unit", "s_row", "s_col"])
    for a in range(pb.a_units):
        for kind, idx in (("excitatory", pb.excitatory_idx[a]), ("inhibitory", pb.inhibitory_idx[a])):
            for s in idx:
                out.writerow([a, f"{pb.thresholds[a]:g}", kind, int(s), int(s) // side, int(s) % side])
    data = buf.getvalue().encode("utf-8")
    _write(path, lambda fh: fh.write(data))


def wiring_picture(pb: Plugboard, *, seed=None, cell: int = 3) -> Image.Image:
    """One small retina per A-unit: amber where it is excited, blue where inhibited."""
    side = int(round(math.sqrt(pb.n_inputs)))
    cols = int(math.ceil(math.sqrt(pb.a_units * 2)))
    rows = int(math.ceil(pb.a_units / cols))
    tile = side * cell + 2
    title_h = 36
    img = np.zeros((title_h + rows * tile + 2, cols * tile + 2, 3), np.uint8)
    img[:] = BACKGROUND
    m = pb.board()
    for a in range(pb.a_units):
        r, c = divmod(a, cols)
        y0, x0 = title_h + r * tile + 2, c * tile + 2
        t = np.empty((side, side, 3), np.uint8)
        t[:] = GRID
        w = m[:, a].reshape(side, side)
        t[w > 0] = AMBER
        t[w < 0] = BLUE
        img[y0:y0 + side * cell, x0:x0 + side * cell] = t.repeat(cell, 0).repeat(cell, 1)
    picture = Image.fromarray(img)
    title = (f"Plugboard: {pb.a_units} A-units x {pb.excitatory_idx.shape[1]} excitatory (amber) "
             f"+ {pb.inhibitory_idx.shape[1]} inhibitory (blue)")
    if seed is not None:
        title += f", wiring seed {seed}"
    ImageDraw.Draw(picture).text((8, 8), title, font=_font(18), fill=TEXT)
    return picture


def _canvas(size):
    """A blank chart: the picture, its drawing context and the title and label fonts."""
    img = Image.new("RGB", size, BACKGROUND)
    return img, ImageDraw.Draw(img), _font(22), _font(15)


def _plot_area(size) -> tuple[int, int, int, int]:
    """left, right, top, bottom of a chart's plot: room for the title above, labels below."""
    w, h = size
    return 80, w - 30, 70, h - 60


def write_curve(curve, path, *, title: str, published: str = "", criterion: float = 0.95) -> None:
    """Plot test accuracy against presentations (log axis) as a PNG."""
    _suffix(path, (".png",))
    _save_png(curve_picture(curve, title=title, published=published, criterion=criterion), path)


def curve_picture(curve, *, title: str, published: str = "", criterion: float = 0.95,
                  size=(960, 540)) -> Image.Image:
    """The learning curve as a picture: accuracy from 40% to 100% against log trials."""
    return curves_picture([("", curve, None)], title=title,
                          subtitle=f"published: {published}" if published else "",
                          criterion=criterion, size=size)


#: Colours of the curves on one chart, in order: the Mark I's amber lamp first.
CURVE_COLOURS = (AMBER, (120, 210, 120), (220, 110, 180), (200, 200, 200))


def write_curves(series, path, *, title: str, subtitle: str = "", criterion: float = 0.95) -> None:
    """Write several learning curves on one chart (:func:`curves_picture`) as a PNG."""
    _suffix(path, (".png",))
    _save_png(curves_picture(series, title=title, subtitle=subtitle, criterion=criterion), path)


def curves_picture(series, *, title: str, subtitle: str = "", criterion: float = 0.95,
                   size=(960, 540)) -> Image.Image:
    """Learning curves on one chart: accuracy from 40% to 100% against log trials.

    Parameters
    ----------
    series : list of (str, list, tuple or None)
        Per curve: its label (shown in its colour; "" for none), its [presentations,
        accuracy] points, and optionally a band (low points, high points) drawn shaded
        behind it, such as the spread over seeds.
    title, subtitle : str
        The lines above the chart.
    criterion : float
        Accuracy drawn as a line across (the runs' criterion).
    size : (int, int)
        Width and height in pixels.

    Returns
    -------
    PIL.Image.Image
    """
    img, d, font, small = _canvas(size)
    left, right, top, bottom = _plot_area(size)
    tmax = max([10] + [max(1, t) for _, curve, _ in series for t, _ in curve[-1:]])
    decades = int(math.ceil(math.log10(tmax)))

    def x(t):
        return left + (right - left) * math.log10(max(t, 1)) / decades

    def y(acc):
        return bottom - (bottom - top) * (min(max(acc, 0.4), 1.0) - 0.4) / 0.6

    for pct in range(40, 101, 10):
        yy = y(pct / 100)
        d.line([(left, yy), (right, yy)], fill=GRID)
        d.text((left - 10, yy), f"{pct}%", font=small, fill=TEXT, anchor="rm")
    for k in range(decades + 1):
        xx = x(10 ** k)
        d.line([(xx, top), (xx, bottom)], fill=GRID)
        d.text((xx, bottom + 8), f"{10 ** k:,}", font=small, fill=TEXT, anchor="mt")
    d.line([(left, y(criterion)), (right, y(criterion))], fill=BLUE, width=1)
    if len(series) > 1:  # at the left, where curves are still low, so none hides it
        d.text((left + 8, y(criterion) - 4), f"criterion {criterion:.0%}", font=small, fill=BLUE,
               anchor="lb")
    else:
        d.text((right, y(criterion) - 4), f"criterion {criterion:.0%}", font=small, fill=BLUE,
               anchor="rb")
    for n, (_, _, band) in enumerate(series):
        if band is not None:  # translucent, so where bands overlap each still shows
            colour = CURVE_COLOURS[n % len(CURVE_COLOURS)]
            low, high = band
            overlay = Image.new("RGBA", size, (0, 0, 0, 0))
            ImageDraw.Draw(overlay).polygon(
                [(x(t), y(a)) for t, a in low] + [(x(t), y(a)) for t, a in high[::-1]],
                fill=(*colour, 64))
            img = Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")
            d = ImageDraw.Draw(img)
    for n, (label, curve, _) in enumerate(series):
        colour = CURVE_COLOURS[n % len(CURVE_COLOURS)]
        points = [(x(t), y(a)) for t, a in curve]
        if len(points) > 1:
            d.line(points, fill=colour, width=3)
        if label:
            d.text((right - 8, bottom - 12 - 22 * (len(series) - 1 - n)), label, font=small,
                   fill=colour, anchor="rb")
    d.text((left, 20), title, font=font, fill=TEXT)
    d.text((right, size[1] - 22), "presentations (log scale)", font=small, fill=TEXT, anchor="rm")
    if subtitle:
        d.text((left, 48), subtitle, font=small, fill=TEXT)
    return img


def cards_picture(deck, *, per_row: int = 8, cell: int = 6) -> Image.Image:
    """A contact sheet of cards as the photocells see them, labelled with their class."""
    n = len(deck)
    side = deck.cards.shape[1]
    rows = int(math.ceil(n / per_row))
    tile_w, tile_h = side * cell + 12, side * cell + 34
    img = Image.new("RGB", (per_row * tile_w + 12, rows * tile_h + 12), BACKGROUND)
    d = ImageDraw.Draw(img)
    font = _font(14)
    amber = np.array(AMBER, np.float32)
    dark = np.array(GRID, np.float32)
    for i in range(n):
        r, c = divmod(i, per_row)
        x0, y0 = 12 + c * tile_w, 12 + r * tile_h
        light = deck.cards[i][..., None]
        rgb = (dark + (amber - dark) * light).astype(np.uint8)
        tile = Image.fromarray(rgb.repeat(cell, 0).repeat(cell, 1))
        img.paste(tile, (x0, y0))
        d.text((x0, y0 + side * cell + 4), deck.class_names[deck.labels[i]], font=font, fill=TEXT)
    return img


def write_cards(deck, path) -> None:
    """Write a contact sheet of ``deck`` as a PNG."""
    _suffix(path, (".png",))
    _save_png(cards_picture(deck), path)



#: One colour per (excitatory, inhibitory, threshold) setting on the P_a chart.
PA_COLOURS = (AMBER, BLUE, (120, 210, 120), (220, 110, 180))


def write_pa(curves, path) -> None:
    """Write the P_a chart (:func:`pa_picture`) as a PNG."""
    _suffix(path, (".png",))
    _save_png(pa_picture(curves), path)


def pa_picture(curves, *, size=(960, 600)) -> Image.Image:
    """Rosenblatt's P_a curves against lit fraction R, with the simulator's measured points.

    Parameters
    ----------
    curves : list of (str, list, list)
        One per setting (from :func:`simulator.theory.pa_curves`): its label, the
        expression's [R, P_a] pairs (drawn as a line) and the measured [R, P_a] pairs (drawn
        as circles).
    size : (int, int)
        Width and height in pixels.

    Returns
    -------
    PIL.Image.Image
    """
    img, d, font, small = _canvas(size)
    left, right, top, bottom = _plot_area(size)

    def x(r):
        return left + (right - left) * r

    def y(p):
        return bottom - (bottom - top) * p

    for k in range(11):
        d.line([(left, y(k / 10)), (right, y(k / 10))], fill=GRID)
        d.text((left - 10, y(k / 10)), f"{k / 10:.1f}", font=small, fill=TEXT, anchor="rm")
        d.line([(x(k / 10), top), (x(k / 10), bottom)], fill=GRID)
        d.text((x(k / 10), bottom + 8), f"{k / 10:.1f}", font=small, fill=TEXT, anchor="mt")
    for n, (label, predicted, measured) in enumerate(curves):
        colour = PA_COLOURS[n % len(PA_COLOURS)]
        d.line([(x(r), y(p)) for r, p in predicted], fill=colour, width=2)
        for r, p in measured:
            d.ellipse([x(r) - 5, y(p) - 5, x(r) + 5, y(p) + 5], outline=colour, width=2)
        d.text((left + 12, top + 8 + 22 * n), label, font=small, fill=colour)
    d.text((left, 20), "A-unit activity P_a: Rosenblatt's expression (lines), simulator "
           "(circles)", font=font, fill=TEXT)
    d.text((right, size[1] - 22), "fraction of retina lit, R", font=small, fill=TEXT, anchor="rm")
    d.text((left, 48), "5,000 A-units, 40 random cards per point, seed 0", font=small, fill=TEXT)
    return img
