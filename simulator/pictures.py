"""Pictures read as a person sees them: files, pillow images and arrays -> brightness in [0, 1].

Only these raster formats are read, whatever a file is called, and only pillow's own decoders
for them are asked, so no external program (Ghostscript for PostScript) ever runs: PNG, JPEG,
GIF, BMP, TIFF, WebP and the netpbm family (PGM, PPM). The suffixes that name them,
:data:`SUFFIXES`, are the ones a folder of pictures is searched for.

A picture is read as an ordinary image viewer shows it:

- the EXIF orientation is applied, so a phone photo is upright;
- 16-bit pictures are scaled over their whole range (65535 is white), floats are levels in [0, 1];
- transparent parts are drawn on the colour that stands out from the figure: white behind a
  dark figure, black behind a light one (the opaque pixels' mean brightness decides), so that
  with :func:`simulator.light_levels`'s ``invert="auto"`` the figure is what lights the cells;
- only the first frame of an animation is read.

Every failure is one :class:`~simulator.errors.CardError` line naming the file. Pictures with
more pixels than ``limit("picture_pixels")`` are refused from their header, before decoding.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import CardError, printable
from .limits import limit

log = logging.getLogger(__name__)

#: Pillow's name of each format read -> the file suffixes that name it. The one list.
FORMATS: dict[str, tuple[str, ...]] = {
    "PNG": (".png",),
    "JPEG": (".jpg", ".jpeg"),
    "GIF": (".gif",),
    "BMP": (".bmp",),
    "TIFF": (".tif", ".tiff"),
    "WEBP": (".webp",),
    "PPM": (".pgm", ".ppm"),
}
#: Suffixes (lower case, with the dot) of the picture files read.
SUFFIXES = frozenset(suffix for suffixes in FORMATS.values() for suffix in suffixes)
_READ = "PNG, JPEG, GIF, BMP, TIFF, WebP, PGM and PPM"
#: Luma weights (ITU-R 601), as pillow's own conversion to gray uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")


def _why(exc: BaseException) -> str:
    """An exception as a short one-line reason."""
    text = " ".join(str(exc).split())
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


@functools.cache
def _silence_libtiff() -> None:
    """Stop libtiff printing its errors on damaged TIFF files to the terminal, once.

    Pillow already silences libtiff's warnings (``TIFFSetWarningHandler(NULL)`` on every decode)
    but not its errors, which its default handler writes to stderr before Pillow raises: a second
    line under the one-line message. Pillow still raises, so nothing is lost but the noise.
    """
    try:
        from PIL import _imaging  # its libtiff: dlsym searches the library's dependencies

        set_handler = ctypes.CDLL(_imaging.__file__).TIFFSetErrorHandler
        set_handler.restype = ctypes.c_void_p
        set_handler.argtypes = [ctypes.c_void_p]
        set_handler(None)
    except (OSError, AttributeError) as exc:  # a Pillow without libtiff: nothing to silence
        log.debug("libtiff's error handler left as it is: %s", exc)


class _Demote(logging.Filter):
    """Pillow's log records about a file's contents, demoted to debug records of this module."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG:
            return True
        log.debug("%s: %s", record.name, record.getMessage())
        return False


#: Pillow's loggers that speak while the accepted formats are read (TIFF logs damaged headers as
#: errors; with no logging set up Python would print them under the one-line message).
_PILLOW_LOGGERS = ["PIL.Image", "PIL.ImageFile", "PIL.ImageOps", "PIL.PngImagePlugin", "PIL.JpegImagePlugin",
                   "PIL.MpoImagePlugin", "PIL.GifImagePlugin", "PIL.BmpImagePlugin", "PIL.TiffImagePlugin",
                   "PIL.WebPImagePlugin", "PIL.PpmImagePlugin"]


@contextlib.contextmanager
def _quiet_pillow():
    """Pillow's warnings and log records go to this module's debug log, not the terminal."""
    _silence_libtiff()
    demote = _Demote()
    loggers = [logging.getLogger(name) for name in _PILLOW_LOGGERS]
    for logger in loggers:
        logger.addFilter(demote)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        for logger in loggers:
            logger.removeFilter(demote)
        for warning in caught:
            log.debug("%s", warning.message)


def _check_pixels(name: str, width: int, height: int) -> None:
    most = int(limit("picture_pixels").hi)
    if width <= 0 or height <= 0:
        raise CardError(f"{name}: the picture has no pixels ({width} x {height}); give a real picture")
    if width * height > most:
        raise CardError(f"{name}: picture is {width:,} x {height:,} pixels, more than the {most:,} pixels "
                        "accepted; scale it down first")


def _flatten(gray: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Draw a picture with transparency on the colour that stands out from its figure."""
    if alpha is None or bool(np.all(alpha >= 1.0)):
        return gray
    opacity = float(alpha.sum())
    figure = float((gray * alpha).sum()) / opacity if opacity > 0 else 0.0
    paper = np.float32(1.0 if figure < 0.5 else 0.0)  # white behind dark ink, black behind light
    return (gray * alpha + paper * (1.0 - alpha)).astype(np.float32)


def _image_brightness(img: Image.Image) -> np.ndarray:
    """A pillow image as a person sees it -> 2-D float32 brightness in [0, 1].

    Pillow errors are left to the caller, which names the picture.
    """
    img = ImageOps.exif_transpose(img)
    transparency = img.info.get("transparency")
    if img.mode in _SIXTEEN_BIT or img.mode == "I":
        raw = np.asarray(img)
        if img.mode != "I":
            gray = raw.astype(np.float32) / np.float32(65535)
        elif raw.size and raw.min() >= 0 and raw.max() <= 65535:
            # pillow holds 16-bit netpbm and some 16-bit PNG and TIFF pictures in 32-bit "I"
            gray = raw.astype(np.float32) / np.float32(65535)
        else:  # genuinely 32-bit signed levels: their whole range, as viewers show them
            gray = ((raw.astype(np.float64) + 2.0**31) / (2.0**32 - 1)).astype(np.float32)
        alpha = (raw != transparency).astype(np.float32) if isinstance(transparency, int) else None
        return _flatten(gray, alpha)
    if img.mode == "F":
        return _float_levels(np.asarray(img, dtype=np.float32))
    if img.mode == "LAB":  # its first band is the lightness a person sees
        return np.asarray(img.getchannel("L"), dtype=np.float32) / np.float32(255)
    alpha = None
    if "A" in img.getbands() or "a" in img.getbands() or transparency is not None:
        img = img.convert("RGBA")
        alpha = np.asarray(img.getchannel("A"), dtype=np.float32) / np.float32(255)
    gray = np.asarray(img.convert("L"), dtype=np.float32) / np.float32(255)
    return _flatten(gray, alpha)


def _float_levels(arr: np.ndarray) -> np.ndarray:
    if arr.size and not np.all(np.isfinite(arr)):
        raise CardError("a picture holds NaN or infinite values; give light levels in [0, 1]")
    return np.clip(arr.astype(np.float32, copy=False), 0.0, 1.0)


def _levels(arr: np.ndarray) -> np.ndarray:
    """Numbers of any type -> float32 light levels in [0, 1], by the type's range."""
    if arr.dtype == bool:
        return arr.astype(np.float32)
    if np.issubdtype(arr.dtype, np.unsignedinteger):
        return (arr.astype(np.float64) / np.iinfo(arr.dtype).max).astype(np.float32)
    if np.issubdtype(arr.dtype, np.signedinteger):
        # Python lists arrive as int64: 0/1 masks are levels as they are, 0-255 are 8-bit levels.
        lo, hi = (int(arr.min()), int(arr.max())) if arr.size else (0, 0)
        if lo < 0 or hi > 255:
            raise CardError(f"a picture array of {arr.dtype} must hold levels from 0 to 255 (or 0/1), "
                            f"got {lo} to {hi}; give uint16 for 16-bit levels or floats in [0, 1]")
        return arr.astype(np.float32) / np.float32(255 if hi > 1 else 1)
    if not np.issubdtype(arr.dtype, np.floating):
        raise CardError(f"a picture array must be numeric (integers, bool or floats), got dtype {arr.dtype}")
    return _float_levels(arr)


def _array_brightness(picture) -> np.ndarray:
    try:
        arr = np.asarray(picture)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise CardError(f"a picture must be a rectangular array of numbers ({_why(exc)})") from None
    if arr.ndim in (2, 3) and arr.size:
        _check_pixels("the picture array", arr.shape[1], arr.shape[0])
    if arr.ndim == 3 and arr.shape[2] in (2, 3, 4) and arr.size:
        levels = _levels(arr)
        colour = levels[..., :-1] if arr.shape[2] in (2, 4) else levels
        gray = colour[..., 0] if colour.shape[2] == 1 else colour @ _LUMA
        alpha = levels[..., -1] if arr.shape[2] in (2, 4) else None
        return _flatten(gray.astype(np.float32), alpha)
    if arr.ndim != 2 or arr.size == 0:
        raise CardError(
            f"a picture must be a 2-D gray or 3-D RGB(A) array, got shape {arr.shape}; "
            "pass one image at a time"
        )
    return _levels(arr)


def read_picture(path, *, least_side: int | None = None) -> np.ndarray:
    """Read a picture file as a person sees it.

    Parameters
    ----------
    path : str or path
        A PNG, JPEG, GIF, BMP, TIFF, WebP, PGM or PPM file (recognised by content, not name).
    least_side : int, optional
        JPEG pictures may be decoded at a reduced scale no smaller than this many pixels a side
        (fast); the whole picture otherwise.

    Returns
    -------
    numpy.ndarray
        2-D float32 brightness in [0, 1] (1 white), upright, at the picture's own size.

    Raises
    ------
    CardError
        One line naming the file: missing, not of a format read, too large, or damaged.
    """
    path = Path(path)
    name = printable(path)
    if not path.is_file():  # missing, a folder, or a device or pipe that could block
        raise CardError(f"{name}: no such picture file")
    try:
        stream = open(path, "rb")  # closed by the with below
    except OSError as exc:
        raise CardError(f"{name}: cannot open the picture ({exc.strerror or _why(exc)})") from None
    # Pillow reports damaged files with almost any exception class (OSError, SyntaxError,
    # struct.error, IndexError, zlib.error, MemoryError...), and warns of others (EXIF, bombs):
    # all become the one line; the warnings go to the log, not the terminal.
    with stream, _quiet_pillow():
        try:
            with Image.open(stream, formats=list(FORMATS)) as img:
                _check_pixels(name, *img.size)  # from the header, before any decoding
                if least_side:
                    img.draft("L", (least_side, least_side))  # JPEG only: decode small, fast
                gray = _image_brightness(img)
        except CardError as exc:
            if str(exc).startswith(name):
                raise
            raise CardError(f"{name}: {exc}") from None
        except UnidentifiedImageError:
            raise CardError(f"{name}: not a picture this program can read (it reads {_READ}); "
                            "the file is of another kind, or damaged") from None
        except Image.DecompressionBombError:
            raise CardError(f"{name}: picture has more than the {int(limit('picture_pixels').hi):,} "
                            "pixels accepted; scale it down first") from None
        except Exception as exc:  # noqa: BLE001 -- see above: any class, one line
            raise CardError(f"{name}: cannot read the picture, it is damaged ({_why(exc)})") from None
    return gray


def brightness(picture, *, least_side: int | None = None) -> np.ndarray:
    """Any accepted picture as a person sees it -> 2-D float32 brightness in [0, 1].

    Parameters
    ----------
    picture : array_like, PIL.Image.Image, str or path
        A picture file (see :func:`read_picture`); a pillow image; or a 2-D gray, 3-D RGB or
        RGBA (or gray and alpha) array. Arrays are scaled by their type: uint8 by 255, uint16
        by 65535, other unsigned integers by their largest value; bool and floats are levels
        in [0, 1]; signed integers (Python lists) are 0/1 masks or 0-255 levels.
    least_side : int, optional
        Passed to :func:`read_picture` for files.

    Returns
    -------
    numpy.ndarray
        2-D float32 brightness in [0, 1].

    Raises
    ------
    CardError
        When the picture cannot be read or is not an image.
    """
    if isinstance(picture, (str, os.PathLike)):
        return read_picture(picture, least_side=least_side)
    if isinstance(picture, Image.Image):
        _check_pixels("the pillow image", *picture.size)
        with _quiet_pillow():
            try:
                return _image_brightness(picture)
            except CardError:
                raise
            except Exception as exc:  # noqa: BLE001 -- a lazily loaded image may be damaged
                raise CardError(f"cannot read the picture ({_why(exc)})") from None
    return _array_brightness(picture)
