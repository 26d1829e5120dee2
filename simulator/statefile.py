"""State files: one file holding a machine's config, wiring, weights and counters.

The file is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays) with a JSON header stored as
bytes under ``header``. It is written to a temporary file in the same folder, flushed to disk
and renamed over the target, so a crash leaves either the old file or the new one, never half
of one.

Reading trusts nothing in the file. Only the members the format names are read, never
unpickled; the JSON header is read first (capped in size, no ``NaN``, no ``Infinity``, no
numbers of absurd length), and from it the caller says what shape and kind of array each
member must hold, so the zip directory's sizes and each ``.npy`` header are checked before
a member is decompressed, and no more bytes than expected are ever inflated. Every refusal
is one :class:`~simulator.errors.StateFileError` line naming the file.
"""

from __future__ import annotations

import ast
import io
import json
import logging
import math
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomicfile import write_atomically
from .errors import StateFileError, printable

log = logging.getLogger(__name__)

FORMAT = "mark1-perceptron-state"
VERSION = 1

#: Largest JSON header read: settings, counters, generator state and up to 256 class names
#: take a few kB; the cap only has to stop a header from being a bomb itself.
HEADER_BYTES = 2**20
#: Largest ``.npy`` header of one member (numpy writes about 128 bytes).
NPY_HEADER_BYTES = 4096
#: Longest number in the JSON header: the generator's 128-bit state has 39 digits.
NUMBER_DIGITS = 40
#: Members are inflated this many bytes at a time.
_CHUNK = 2**20
#: What ``np.savez`` and ``np.savez_compressed`` write; zipfile could inflate more (bzip2,
#: lzma), but nothing this program writes needs it.
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
#: Item sizes accepted per dtype kind: real numbers only, as ``save`` writes them.
_ITEMSIZES = {"b": (1,), "i": (1, 2, 4, 8), "u": (1, 2, 4, 8), "f": (4, 8)}
_KIND_WORDS = {"b": "true/false values", "i": "whole numbers", "u": "whole numbers",
               "f": "real numbers"}
#: What zipfile and zlib raise on a damaged archive (zipfile is not hardened: a bad offset
#: can surface as ValueError, OverflowError or struct.error).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, struct.error,
               NotImplementedError, OverflowError, ValueError, OSError)


@dataclass(frozen=True)
class Member:
    """What one array of a state file must be, known from the header before it is read.

    Attributes
    ----------
    shape : tuple of int
        The exact shape.
    kinds : str
        numpy dtype kinds accepted: ``"b"`` booleans, ``"iu"`` integers, ``"f"`` real floats.
    """

    shape: tuple[int, ...]
    kinds: str


def refusal(path, what: str) -> StateFileError:
    """The one-line error for a state file that cannot be used: the file, what is wrong."""
    what = " ".join(what.split())  # one line, whatever a message it quotes held
    return StateFileError(f"{printable(path)}: {what}; use another state file or start a new one")


def _oneline(text, most: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= most else text[:most - 3] + "..."


def save_state(path, header: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write a state file atomically."""
    header = {"format": FORMAT, "version": VERSION, **header}
    blob = np.frombuffer(json.dumps(header, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    if "header" in arrays:
        raise ValueError("'header' is reserved")

    def write(fh):
        np.savez_compressed(fh, header=blob, **arrays)

    try:
        write_atomically(path, write)
    except OSError as exc:
        raise StateFileError(f"{printable(path)}: cannot write the state file: "
                             f"{_oneline(exc.strerror or exc, 200)}") from None


def load_state(path, members: Callable[[dict], Mapping[str, Member]]
               ) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check a state file; return (header, arrays).

    Parameters
    ----------
    path : str or os.PathLike
        The state file.
    members : callable
        Given the JSON header (format and version already checked), returns the arrays to
        read, each with the :class:`Member` it must be; it raises :class:`StateFileError`
        (see :func:`refusal`) for a header it cannot use. Other members are never read.

    Raises
    ------
    StateFileError
        One line naming the file and what is wrong with it.
    """
    try:
        path = Path(os.fsdecode(path))
    except TypeError:
        raise StateFileError(f"a state file is named by a str or os.PathLike, got {path!r:.60}") \
            from None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise StateFileError(f"{printable(path)}: no such state file") from None
    except (OSError, ValueError) as exc:
        raise StateFileError(f"{printable(path)}: cannot read the state file "
                             f"({_oneline(getattr(exc, 'strerror', None) or exc)})") from None
    if stat.S_ISDIR(st.st_mode):
        raise StateFileError(f"{printable(path)}: is a folder, not a state file")
    if not stat.S_ISREG(st.st_mode):
        # opening a pipe or a device could block forever or read without end
        raise StateFileError(f"{printable(path)}: not a regular file, so not a state file")
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise StateFileError(f"{printable(path)}: cannot read the state file "
                             f"({_oneline(exc.strerror or exc)})") from None
    with fh:
        return _read(path, fh, members)


def _read(path: Path, fh, members) -> tuple[dict, dict[str, np.ndarray]]:
    try:
        start = fh.read(4)
    except OSError as exc:
        raise StateFileError(f"{printable(path)}: cannot read the state file "
                             f"({_oneline(exc.strerror or exc)})") from None
    try:
        zf = zipfile.ZipFile(fh)
    except _ZIP_ERRORS as exc:
        if start.startswith(b"\x93NUM"):
            raise StateFileError(f"{printable(path)}: a bare .npy array, not a Mark I state file") from None
        if start.startswith(b"PK"):
            raise _damaged(path, exc) from None
        raise StateFileError(f"{printable(path)}: not a Mark I state file") from None
    with zf:
        infos: dict[str, list[zipfile.ZipInfo]] = {}
        for info in zf.infolist():
            infos.setdefault(info.filename, []).append(info)
        if "header.npy" not in infos:
            raise StateFileError(f"{printable(path)}: not a Mark I state file (no header)")
        header = _read_header(path, zf, infos)
        plan = members(header)
        missing = [name for name in plan if f"{name}.npy" not in infos]
        if missing:
            raise refusal(path, f"the state file lacks {', '.join(missing)}")
        arrays = {name: _read_member(path, zf, infos, name, m.shape, m.kinds)
                  for name, m in plan.items()}
    return header, arrays


def _damaged(path, exc) -> StateFileError:
    return StateFileError(f"{printable(path)}: state file is truncated or corrupted ({_oneline(exc)}); "
                          "use another state file or start a new one")


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > NUMBER_DIGITS:
        raise ValueError(f"a number of {len(text):,} digits")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {_oneline(text, 30)}, beyond the range of a float")
    return value


def _json_constant(text: str):
    raise ValueError(f"{text}, not a finite number")


def _read_header(path, zf, infos) -> dict:
    raw = _read_member(path, zf, infos, "header", None, "u")
    if raw.dtype.itemsize != 1:
        raise refusal(path, f"its header is stored as {raw.dtype.name}, not bytes")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"), parse_int=_json_int,
                            parse_float=_json_float, parse_constant=_json_constant)
    except UnicodeDecodeError:
        raise refusal(path, "its header is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise refusal(path, f"its header is not valid JSON ({exc.msg} at character {exc.pos})") \
            from None
    except ValueError as exc:
        raise refusal(path, f"its header holds {_oneline(exc, 60)}") from None
    except RecursionError:
        raise refusal(path, "its header is nested too deeply") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        fmt = header.get("format") if isinstance(header, dict) else None
        raise StateFileError(f"{printable(path)}: not a Mark I state file"
                             + (f" (format {_oneline(repr(fmt), 40)})" if fmt is not None else ""))
    version = header.get("version")
    if type(version) is not int or version != VERSION:
        raise StateFileError(
            f"{printable(path)}: state file version {_oneline(repr(version), 40)}, this program reads "
            f"version {VERSION}; use the program version that wrote it, or start a new state"
        )
    return header


def _read_member(path, zf, infos, name, shape, kinds) -> np.ndarray:
    """Member ``name`` as an array of exactly ``shape`` (None: 1-D, at most HEADER_BYTES items)
    and one of ``kinds``, checked before anything of its size is inflated or allocated."""
    found = infos.get(f"{name}.npy")
    if not found:
        raise refusal(path, f"the state file lacks {name}")
    if len(found) > 1:
        raise refusal(path, f"the state file holds {name} {len(found)} times")
    info = found[0]
    if info.compress_type not in _METHODS:
        raise refusal(path, f"{name} is compressed by method {info.compress_type}, which state "
                      "files do not use")
    if info.flag_bits & 0x1:
        raise refusal(path, f"{name} is encrypted")
    most_items = HEADER_BYTES if shape is None else math.prod(shape)
    most_item = max(max(_ITEMSIZES[k]) for k in kinds)
    most = 8 + 4 + NPY_HEADER_BYTES + most_items * most_item
    if info.file_size > most:
        what = "a header" if shape is None else f"a {' x '.join(map(str, shape))} array of numbers"
        raise refusal(path, f"{name} declares {info.file_size:,} bytes, more than {what} takes "
                      f"({most:,} at most)")
    try:
        with zf.open(info) as stream:
            return _read_npy(path, stream, info, name, shape, kinds)
    except StateFileError:
        raise
    except _ZIP_ERRORS as exc:
        raise _damaged(path, exc) from None


def _read_exactly(path, stream, n: int, name: str, into=None):
    """``n`` bytes of the member, inflated a chunk at a time; short means truncated."""
    out = memoryview(into) if into is not None else memoryview(bytearray(n))
    got = 0
    while got < n:
        chunk = stream.read(min(_CHUNK, n - got))
        if not chunk:
            raise refusal(path, f"{name} is truncated ({got:,} of {n:,} bytes)")
        out[got:got + len(chunk)] = chunk
        got += len(chunk)
    return out


def _read_npy(path, stream, info, name, shape, kinds) -> np.ndarray:
    pre = bytes(_read_exactly(path, stream, 8, name))
    try:
        version = np.lib.format.read_magic(io.BytesIO(pre))
    except ValueError:
        raise refusal(path, f"{name} is not a NumPy array") from None
    if version not in ((1, 0), (2, 0)):
        raise refusal(path, f"{name} is a NumPy array of format {version}, state files use 1.0")
    size_format = "<H" if version == (1, 0) else "<I"
    size_bytes = bytes(_read_exactly(path, stream, struct.calcsize(size_format), name))
    header_len = struct.unpack(size_format, size_bytes)[0]
    if header_len > NPY_HEADER_BYTES:
        raise refusal(path, f"{name} has an array header of {header_len:,} bytes")
    text = bytes(_read_exactly(path, stream, header_len, name))
    try:
        # Parsed here first so numpy never falls back on its Python 2 header repair, which
        # runs the tokenizer and warns.
        ast.literal_eval(text.decode("latin1"))
        reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                  else np.lib.format.read_array_header_2_0)
        got_shape, fortran, dtype = reader(io.BytesIO(size_bytes + text),
                                           max_header_size=NPY_HEADER_BYTES)
    except (SyntaxError, ValueError, TypeError, OverflowError, RecursionError, MemoryError):
        raise refusal(path, f"{name} has a damaged array header") from None
    if (dtype.kind not in kinds or dtype.itemsize not in _ITEMSIZES[dtype.kind]
            or dtype.fields is not None or dtype.subdtype is not None):
        wanted = " or ".join(dict.fromkeys(_KIND_WORDS[k] for k in kinds))
        raise refusal(path, f"{name} holds {_oneline(str(dtype), 40)} values, not {wanted}")
    if shape is None:
        if len(got_shape) != 1 or got_shape[0] > HEADER_BYTES:
            raise refusal(path, f"{name} has shape {_oneline(got_shape, 60)}, expected a "
                          f"row of at most {HEADER_BYTES:,} bytes")
    elif got_shape != tuple(shape):
        raise refusal(path, f"{name} has shape {_oneline(got_shape, 60)}, the header says {shape}")
    nbytes = math.prod(got_shape) * dtype.itemsize
    expected = len(pre) + len(size_bytes) + header_len + nbytes
    if info.file_size != expected:
        raise refusal(path, f"{name} declares {info.file_size:,} bytes, its array takes {expected:,}")
    buf = np.empty(nbytes, dtype=np.uint8)
    _read_exactly(path, stream, nbytes, name, into=buf)
    # zipfile stops at the declared size (which checks the CRC); a byte more would be a lie
    if stream.read(1):
        raise refusal(path, f"{name} is longer than it declares")
    flat = buf.view(dtype)
    return flat.reshape(got_shape[::-1]).T if fortran else flat.reshape(got_shape)
