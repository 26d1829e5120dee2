"""Tests of reading pictures (simulator.pictures, through simulator.light_levels).

Expected light levels are worked out by hand from the pixels written; "a person sees" means
what an ordinary image viewer shows: EXIF orientation applied, 16-bit levels over their whole
range, transparent parts not drawn.
"""

import io
import os
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulator import light_levels
from simulator import limits as limits_module
from simulator.cards.folder import PICTURE_SUFFIXES
from simulator.errors import CardError

ROOT = Path(__file__).resolve().parents[1]
NOT_READABLE = "not a picture this program can read"


def one_line_error(excinfo):
    message = str(excinfo.value)
    assert message and "\n" not in message
    return message


def block(paper, ink, size=40, where=(slice(0, 20), slice(0, 20)), dtype=np.uint8):
    """A size x size gray picture of ``paper`` with a block of ``ink`` (top-left quarter)."""
    picture = np.full((size, size), paper, dtype=dtype)
    picture[where] = ink
    return picture


def quarters(levels):
    """Mean light of the top-left, top-right, bottom-left, bottom-right quarters of a card."""
    h = levels.shape[0] // 2
    return [float(levels[r, c].mean()) for r in (slice(0, h), slice(h, None))
            for c in (slice(0, h), slice(h, None))]


# --- only the documented formats, and never an external program --------------------------------

EPS_LOOP = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 20 20\n{} loop\n"


def test_postscript_named_png_runs_no_program(tmp_path):
    # A fake `gs` first on PATH records any call; the reader runs in a child with a time-out,
    # so the old code (which handed the file to Ghostscript, looping forever) cannot hang the suite.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "gs-was-run"
    fake_gs = bin_dir / "gs"
    fake_gs.write_text(f"#!/bin/sh\necho \"$@\" >> '{marker}'\nexit 0\n")
    fake_gs.chmod(0o755)
    picture = tmp_path / "x.png"
    picture.write_bytes(EPS_LOOP)
    code = ("import sys\nfrom simulator import light_levels\nfrom simulator.errors import CardError\n"
            "try:\n    light_levels(sys.argv[1])\nexcept CardError as exc:\n    print(exc)\n")
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([sys.executable, "-c", code, str(picture)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert not marker.exists(), f"an external program ran: gs {marker.read_text()!r}"
    assert done.stderr == ""
    assert done.stdout.strip().splitlines() == [done.stdout.strip()]
    assert NOT_READABLE in done.stdout and "x.png" in done.stdout


@pytest.fixture
def no_programs(monkeypatch):
    """Any attempt to start a program fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"tried to run a program: {args!r}")
    for name in ("Popen", "run", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse)


def _foreign(kind):
    """A real picture file of a kind that is not accepted, as bytes."""
    if kind == "eps-loop":
        return EPS_LOOP
    out = io.BytesIO()
    picture = Image.fromarray(block(255, 0)).convert("P" if kind == "BLP" else "RGB")
    picture.save(out, kind)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["eps-loop", "EPS", "ICO", "PDF", "TGA", "PCX", "SGI", "SPIDER",
                                  "DDS", "QOI", "BLP", "JPEG2000", "ICNS"])
def test_other_formats_refused_whatever_their_name(tmp_path, kind, no_programs):
    try:
        data = _foreign(kind)
    except (OSError, KeyError, ValueError) as exc:  # a Pillow built without that writer
        pytest.skip(f"this Pillow cannot write {kind}: {exc}")
    path = tmp_path / f"{kind}.png"
    path.write_bytes(data)
    with pytest.raises(CardError, match=NOT_READABLE) as excinfo:
        light_levels(path)
    assert str(path) in one_line_error(excinfo)


# suffix -> (Pillow format to write, mode to write): every suffix the folder reader takes.
ACCEPTED = {
    ".png": ("PNG", "L"), ".jpg": ("JPEG", "RGB"), ".jpeg": ("JPEG", "L"), ".gif": ("GIF", "P"),
    ".bmp": ("BMP", "RGB"), ".tif": ("TIFF", "L"), ".tiff": ("TIFF", "RGB"), ".webp": ("WEBP", "RGB"),
    ".pgm": ("PPM", "L"), ".ppm": ("PPM", "RGB"),
}


def test_folder_suffixes_are_the_accepted_formats():
    assert PICTURE_SUFFIXES == frozenset(ACCEPTED)


@pytest.mark.parametrize("suffix", sorted(ACCEPTED))
def test_each_accepted_format_is_read(tmp_path, suffix, no_programs):
    fmt, mode = ACCEPTED[suffix]
    path = tmp_path / f"figure{suffix}"
    Image.fromarray(block(255, 0)).convert(mode).save(path, fmt)  # dark ink, top-left, on white
    levels = light_levels(path)
    assert levels.shape == (20, 20) and levels.dtype == np.float32
    top_left, top_right, bottom_left, bottom_right = quarters(levels)
    assert top_left > 0.95 and max(top_right, bottom_left, bottom_right) < 0.05


# --- damaged and oversized files: one line naming the file -------------------------------------

def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width, height):
    """A tiny PNG whose header claims width x height 8-bit gray pixels (valid CRCs, few data)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _png_chunk(b"IEND", b""))


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (10_000, 10_000), (8000, 6000)])
def test_picture_too_large_refused_before_decoding(tmp_path, width, height, capfd):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(width, height))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's DecompressionBombWarning must not get out
        with pytest.raises(CardError, match="more than the 40,000,000 pixels accepted") as excinfo:
            light_levels(path)
    assert "bomb.png" in one_line_error(excinfo)
    assert capfd.readouterr() == ("", "")


def test_pixel_limit_comes_from_the_table_and_is_checked_on_the_header(tmp_path, monkeypatch):
    monkeypatch.setitem(limits_module.LIMITS, "picture_pixels",
                        limits_module.Limit(1, 110, "pixels in one picture"))
    path = tmp_path / "big.png"
    path.write_bytes(png_claiming(11, 11))  # 121 pixels, and too few data to decode them
    with pytest.raises(CardError, match=r"big.png: picture is 11 x 11 pixels, more than the 110 pixels"):
        light_levels(path)
    Image.fromarray(block(0, 255, size=10, where=(slice(0, 5), slice(0, 5)))).save(path)
    assert light_levels(path, size=10)[:5, :5].min() == 1.0  # 100 pixels: read


def test_pixel_limit_holds_for_images_and_arrays_too(monkeypatch):
    monkeypatch.setitem(limits_module.LIMITS, "picture_pixels",
                        limits_module.Limit(1, 110, "pixels in one picture"))
    for picture in (np.zeros((11, 11, 3)), Image.new("L", (11, 11))):
        with pytest.raises(CardError, match="picture is 11 x 11 pixels, more than the 110 pixels") as excinfo:
            light_levels(picture)
        one_line_error(excinfo)


def test_picture_with_no_pixels(tmp_path):
    path = tmp_path / "empty.pgm"
    path.write_bytes(b"P5 0 7 255\n")
    with pytest.raises(CardError, match="empty.pgm") as excinfo:
        light_levels(path)
    one_line_error(excinfo)


def _truncated(fmt, **options):
    out = io.BytesIO()
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    picture.save(out, fmt, **options)
    data = out.getvalue()
    return data[: len(data) * 2 // 3]


@pytest.mark.parametrize("fmt, options", [("PNG", {}), ("JPEG", {}), ("GIF", {}), ("BMP", {}),
                                          ("TIFF", {}), ("TIFF", {"compression": "tiff_lzw"}),
                                          ("WEBP", {}), ("PPM", {})])
def test_truncated_picture_is_one_line(tmp_path, fmt, options, capfd):
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(_truncated(fmt, **options))
    with pytest.raises(CardError, match=r"cut\.") as excinfo:
        light_levels(path)
    one_line_error(excinfo)
    assert capfd.readouterr().err == ""


def test_missing_file(tmp_path):
    with pytest.raises(CardError, match="nowhere.png: no such picture file"):
        light_levels(tmp_path / "nowhere.png")


def test_control_characters_in_a_name_stay_on_one_line(tmp_path):
    path = tmp_path / "two\nlines.png"
    path.write_bytes(b"not a picture")
    with pytest.raises(CardError, match=NOT_READABLE) as excinfo:
        light_levels(path)
    assert "two\\nlines.png" in one_line_error(excinfo)


# --- read as a person sees it ------------------------------------------------------------------

@pytest.mark.parametrize("suffix, fmt", [(".png", "PNG"), (".tif", "TIFF"), (".pgm", "PPM")])
def test_16_bit_pictures_scaled_over_their_range(tmp_path, suffix, fmt):
    path = tmp_path / f"deep{suffix}"
    picture = np.full((20, 20), 13107, dtype=np.uint16)  # 13107 / 65535 = 0.2 exactly
    picture[:10, :10] = 65535
    picture[10:, 10:] = 0
    Image.fromarray(picture).save(path, fmt)
    levels = light_levels(path, invert=False)
    np.testing.assert_allclose(levels[:10, 10:], 0.2, rtol=1e-6)
    np.testing.assert_allclose(levels[:10, :10], 1.0)
    np.testing.assert_allclose(levels[10:, 10:], 0.0)


def test_pgm_with_10_bit_levels(tmp_path):
    path = tmp_path / "ten.pgm"
    path.write_bytes(b"P5 2 1 1023\n" + struct.pack(">HH", 1023, 512))
    levels = light_levels(path, size=2, invert=False)
    np.testing.assert_allclose(levels[0], [1.0, 512 / 1023], atol=1e-4)


def test_16_bit_image_in_memory():
    picture = Image.fromarray(np.full((20, 20), 13107, dtype=np.uint16))
    assert picture.mode == "I;16"
    np.testing.assert_allclose(light_levels(picture, invert=False), 0.2, rtol=1e-6)


# EXIF orientation -> where a figure stored in the top-left quarter is seen (EXIF 2.3, tag 0x0112):
# 3 = turned half round, 6 = to be turned a quarter clockwise, 8 = a quarter anticlockwise.
SEEN_AT = {1: 0, 3: 3, 6: 1, 8: 2}  # index into quarters(): top-left, top-right, bottom-left, ...


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP"])
@pytest.mark.parametrize("orientation", sorted(SEEN_AT))
def test_exif_orientation_applied(tmp_path, fmt, orientation):
    path = tmp_path / f"phone.{fmt.lower()}"
    exif = Image.Exif()
    exif[0x0112] = orientation
    picture = np.zeros((40, 60), dtype=np.uint8)  # landscape as stored, figure top-left
    picture[:20, :30] = 255
    Image.fromarray(picture).convert("RGB").save(path, fmt, exif=exif)
    seen = quarters(light_levels(path, invert=False))
    lit = SEEN_AT[orientation]
    assert seen[lit] > 0.9, seen
    assert max(level for i, level in enumerate(seen) if i != lit) < 0.1, seen


def _rgba(figure, background):
    picture = np.empty((40, 40, 4), dtype=np.uint8)
    picture[...] = background
    picture[:20, :20] = figure
    return picture


# (figure, transparent background, light level of the figure): the background is not lit
@pytest.mark.parametrize("figure, background, lit", [
    ((0, 0, 0, 255), (0, 0, 0, 0), 1.0),  # dark ink on "transparent black", as most editors save it
    ((0, 0, 0, 255), (255, 255, 255, 0), 1.0),  # dark ink on transparent white
    # dark green ink on a transparent red: ink luma 0.299*20 + 0.587*40 + 0.114*30 = 32.88
    ((20, 40, 30, 255), (200, 0, 0, 0), 1 - 32.88 / 255),
    ((255, 255, 255, 255), (255, 255, 255, 0), 1.0),  # light figure on transparent white
    ((255, 255, 255, 255), (0, 0, 0, 0), 1.0),  # light figure on transparent black
])
@pytest.mark.parametrize("how", ["PNG file", "WEBP file", "image", "array"])
def test_figure_on_transparent_background_is_lit(tmp_path, figure, background, lit, how):
    picture = _rgba(figure, background)
    if how == "array":
        levels = light_levels(picture)
    elif how == "image":
        levels = light_levels(Image.fromarray(picture))
    else:
        fmt = how.split()[0]
        path = tmp_path / f"cutout.{fmt.lower()}"
        Image.fromarray(picture).save(path, fmt, lossless=True)
        levels = light_levels(path)
    top_left, *rest = quarters(levels)
    assert top_left == pytest.approx(lit, abs=0.02) and max(rest) == pytest.approx(0.0, abs=0.02)


@pytest.mark.parametrize("mode, fmt", [("LA", "PNG"), ("P", "PNG"), ("P", "GIF")])
def test_transparency_in_gray_and_palette_pictures(tmp_path, mode, fmt):
    rgba = Image.fromarray(_rgba((0, 0, 0, 255), (0, 0, 0, 0)))
    path = tmp_path / f"cutout.{fmt.lower()}"
    if mode == "LA":
        rgba.convert("LA").save(path, fmt)
    else:  # index 0 black (the ink), index 1 transparent
        palette = Image.new("P", (40, 40), 1)
        palette.putpalette([0, 0, 0, 0, 0, 0])
        palette.paste(0, (0, 0, 20, 20))
        palette.save(path, fmt, transparency=1)
    top_left, *rest = quarters(light_levels(path))
    assert top_left == pytest.approx(1.0) and max(rest) == pytest.approx(0.0)


@pytest.mark.parametrize("mode, fmt", [("CMYK", "JPEG"), ("CMYK", "TIFF"), ("1", "PNG"), ("1", "BMP"),
                                       ("1", "TIFF"), ("P", "PNG"), ("P", "BMP"), ("F", "TIFF")])
def test_other_modes_read_as_seen(tmp_path, mode, fmt):
    path = tmp_path / f"ink.{fmt.lower()}"
    Image.fromarray(block(255, 0)).convert(mode).save(path, fmt)
    if mode == "F":  # floats are light levels in [0, 1]
        Image.fromarray(block(1.0, 0.0, dtype=np.float32)).save(path, fmt)
    top_left, *rest = quarters(light_levels(path))
    assert top_left > 0.95 and max(rest) < 0.05


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "WEBP"])
def test_animation_reads_its_first_frame_only(tmp_path, fmt):
    path = tmp_path / f"moving.{fmt.lower()}"
    frames = [Image.fromarray(block(0, 255, where=where)).convert("RGB") for where in
              [(slice(0, 20), slice(0, 20)), (slice(20, 40), slice(20, 40))]]
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0, lossless=True)
    top_left, *rest = quarters(light_levels(path))
    assert top_left == pytest.approx(1.0) and max(rest) == pytest.approx(0.0)
    if fmt == "GIF":  # the last frame cut short: never decoded, so no harm
        path.write_bytes(path.read_bytes()[:-12])
        assert quarters(light_levels(path))[0] == pytest.approx(1.0)


def test_32_bit_levels_over_their_whole_range():
    # signed 32-bit levels, as viewers show them: the lowest black, 0 mid-gray, the highest white
    picture = Image.fromarray(np.array([[-2**31, 0, 2**31 - 1]] * 3, dtype=np.int32))
    assert picture.mode == "I"
    np.testing.assert_allclose(light_levels(picture, size=3, invert=False)[0], [0.0, 0.5, 1.0], atol=1e-6)


# --- arrays in memory --------------------------------------------------------------------------

@pytest.mark.parametrize("array, expected", [
    (np.full((4, 4), 13107, dtype=np.uint16), 0.2),
    (np.full((4, 4), 51, dtype=np.uint8), 0.2),
    (np.full((4, 4), 858993459, dtype=np.uint32), 0.2),  # (2**32 - 1) / 5
    (np.full((4, 4), 51, dtype=np.int64), 0.2),  # a Python list of 0-255 levels
    (np.full((4, 4), 255, dtype=np.int32), 1.0),
    (np.ones((4, 4), dtype=np.int64), 1.0),  # 0/1 masks stay 0/1
    (np.ones((4, 4), dtype=bool), 1.0),
    (np.full((4, 4, 3), 13107, dtype=np.uint16), 0.2),
    (np.full((4, 4), 0.2, dtype=np.float64), 0.2),
])
def test_arrays_scaled_by_their_type(array, expected):
    np.testing.assert_allclose(light_levels(array, size=4, invert=False), expected, rtol=1e-6)


@pytest.mark.parametrize("array, message", [
    (np.full((4, 4), 256, dtype=np.int64), "from 0 to 255"),
    (np.full((4, 4), -1, dtype=np.int16), "from 0 to 255"),
    (np.full((4, 4), 1 + 1j), "numeric"),
    (np.full((4, 4), "a"), "numeric"),
    (np.full((4, 4), np.nan), "NaN"),
])
def test_arrays_that_are_not_light_levels(array, message):
    with pytest.raises(CardError, match=message) as excinfo:
        light_levels(array, size=4)
    one_line_error(excinfo)
