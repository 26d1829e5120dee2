"""Fuzz test of the picture reader: damaged files of every accepted format.

Small valid pictures of each accepted format (and of the variants their decoders take different
paths for: palette, transparency, 16 bits, compressions, animation) are damaged by seeded random
byte flips, truncations and multi-byte overwrites. Each case must read as a (20, 20) float32 card
in [0, 1] or fail with one CardError line naming the file; nothing else may come out: no other
exception, no warning, nothing written to the terminal by the C libraries.
"""

import io

import numpy as np
from PIL import Image

from simulator import light_levels
from simulator.errors import CardError

SEED = 20260707
CASES_PER_ORIGINAL = 110


def _picture(mode, size=24):
    """A gradient with a dark block: something for every decoder to chew on."""
    y, x = np.mgrid[0:size, 0:size]
    gray = ((x * 7 + y * 3) % 256).astype(np.uint8)
    gray[4:12, 6:16] = 0
    rgba = np.stack([gray, np.flipud(gray), gray.T, np.where(gray > 40, 255, 0)], axis=-1).astype(np.uint8)
    img = Image.fromarray(rgba)
    if mode == "I;16":
        return Image.fromarray(gray.astype(np.uint16) * 257)
    if mode == "F":
        return Image.fromarray(gray.astype(np.float32) / 255)
    return img.convert(mode)


def _save(mode, fmt, **options):
    out = io.BytesIO()
    exif = options.pop("orientation", None)
    if exif is not None:
        tags = Image.Exif()
        tags[0x0112] = exif
        options["exif"] = tags
    img = _picture(mode)
    if options.pop("animated", False):
        later = _picture(mode).transpose(Image.Transpose.ROTATE_90)
        img.save(out, fmt, save_all=True, append_images=[later], duration=50, loop=0, **options)
    else:
        img.save(out, fmt, **options)
    return out.getvalue()


def _plain_pgm():
    return b"P2\n# plain\n4 3\n255\n" + b" ".join(str(v).encode() for v in range(0, 240, 20)) + b"\n"


# name -> (suffix, valid bytes)
ORIGINALS = {
    "png-gray": (".png", lambda: _save("L", "PNG")),
    "png-rgba": (".png", lambda: _save("RGBA", "PNG", orientation=6)),
    "png-palette": (".png", lambda: _save("P", "PNG", transparency=3)),
    "png-16bit": (".png", lambda: _save("I;16", "PNG")),
    "png-1bit-interlaced": (".png", lambda: _save("1", "PNG", interlace=True)),
    "jpeg": (".jpg", lambda: _save("RGB", "JPEG", quality=80, orientation=8)),
    "jpeg-progressive": (".jpeg", lambda: _save("L", "JPEG", progressive=True)),
    "jpeg-cmyk": (".jpg", lambda: _save("CMYK", "JPEG")),
    "gif-animated": (".gif", lambda: _save("P", "GIF", animated=True, transparency=0)),
    "bmp": (".bmp", lambda: _save("RGB", "BMP")),
    "bmp-palette": (".bmp", lambda: _save("P", "BMP")),
    "tiff-raw": (".tif", lambda: _save("L", "TIFF")),
    "tiff-lzw": (".tiff", lambda: _save("RGB", "TIFF", compression="tiff_lzw")),
    "tiff-deflate-16bit": (".tif", lambda: _save("I;16", "TIFF", compression="tiff_adobe_deflate")),
    "tiff-packbits-rgba": (".tif", lambda: _save("RGBA", "TIFF", compression="packbits")),
    "tiff-jpeg": (".tif", lambda: _save("RGB", "TIFF", compression="jpeg")),
    "tiff-group4": (".tif", lambda: _save("1", "TIFF", compression="group4")),
    "tiff-float": (".tif", lambda: _save("F", "TIFF")),
    "tiff-cmyk": (".tif", lambda: _save("CMYK", "TIFF")),
    "webp-lossy": (".webp", lambda: _save("RGB", "WEBP", quality=60)),
    "webp-lossless-rgba": (".webp", lambda: _save("RGBA", "WEBP", lossless=True)),
    "webp-animated": (".webp", lambda: _save("RGB", "WEBP", animated=True)),
    "pgm": (".pgm", lambda: _save("L", "PPM")),
    "pgm-16bit": (".pgm", lambda: _save("I;16", "PPM")),
    "pgm-plain": (".pgm", _plain_pgm),
    "ppm": (".ppm", lambda: _save("RGB", "PPM")),
    "pbm": (".ppm", lambda: _save("1", "PPM")),
    "pfm": (".pgm", lambda: _save("F", "PPM")),
}

# values that make sizes, offsets and counts absurd when they land on a header field
EXTREMES = [b"\x00", b"\xff", b"\x7f", b"\x80", b"\x00\x00", b"\xff\xff", b"\x7f\xff\xff\xff",
            b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x80\x00\x00\x00", b"\x00\x01\x00\x00"]


def damage(data: bytes, rng: np.random.Generator) -> bytes:
    """One seeded random damage: flips, a truncation, an overwrite, a cut or a repeat."""
    buf = bytearray(data)
    # half the damage lands in the first 128 bytes, where the headers are
    def where(width=1):
        top = min(len(buf), 128) if rng.random() < 0.5 else len(buf)
        return int(rng.integers(0, max(1, top - width + 1)))

    kind = int(rng.integers(0, 6))
    if kind == 0:  # a few flipped bytes
        for _ in range(int(rng.integers(1, 9))):
            buf[where()] ^= int(rng.integers(1, 256))
    elif kind == 1:  # truncated anywhere
        del buf[int(rng.integers(0, len(buf))):]
    elif kind == 2:  # a run of random bytes
        width = int(rng.integers(2, 33))
        at = where(width)
        buf[at:at + width] = rng.integers(0, 256, width, dtype=np.uint8).tobytes()
    elif kind == 3:  # an extreme value over a header field
        value = EXTREMES[int(rng.integers(0, len(EXTREMES)))]
        at = where(len(value))
        buf[at:at + len(value)] = value
    elif kind == 4:  # a piece cut out
        at, width = where(), int(rng.integers(1, 64))
        del buf[at:at + width]
    else:  # a piece repeated
        at, width = where(), int(rng.integers(1, 64))
        buf[at:at] = buf[at:at + width]
    return bytes(buf)


def test_damaged_pictures_read_or_fail_in_one_line(tmp_path, capfd, recwarn):
    rng = np.random.default_rng(SEED)
    cases = read = 0
    wrong = []
    for name, (suffix, make) in ORIGINALS.items():
        original = make()
        path = tmp_path / f"fuzz-{name}{suffix}"
        path.write_bytes(original)
        assert light_levels(path).shape == (20, 20), f"{name}: the undamaged picture must read"
        for case in range(CASES_PER_ORIGINAL):
            # a new file each time: rewriting one in place is slow on ext4 (flushed on truncation)
            path = tmp_path / f"fuzz-{name}-{case}{suffix}"
            path.write_bytes(damage(original, rng))
            cases += 1
            try:
                levels = light_levels(path)
            except CardError as exc:
                message = str(exc)
                if "\n" in message or str(path) not in message:
                    wrong.append(f"{name} #{case}: CardError {message!r}")
            except Exception as exc:  # noqa: BLE001 -- the very thing under test
                wrong.append(f"{name} #{case}: {exc.__class__.__name__}: {exc}")
            else:
                read += 1
                ok = (levels.shape == (20, 20) and levels.dtype == np.float32
                      and bool(np.all((levels >= 0) & (levels <= 1))))
                if not ok:
                    wrong.append(f"{name} #{case}: read as {levels.dtype} {levels.shape}")
            path.unlink()
    printed = capfd.readouterr()
    assert not wrong, f"{len(wrong)} of {cases} cases went wrong, e.g.:\n" + "\n".join(wrong[:15])
    assert printed.err == "" and printed.out == "", f"printed: {printed.err[:2000]!r}"
    assert [str(w.message) for w in recwarn] == []
    assert 0 < read < cases  # both outcomes were exercised

