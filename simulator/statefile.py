"""State files: one file holding a machine's config, wiring, weights and counters.

The file is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays, read with pickling off) with
a JSON header stored as bytes under ``header``. It is written to a temporary file in the same
folder, flushed to disk and renamed over the target, so a crash leaves either the old file or
the new one, never half of one.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .errors import StateFileError

log = logging.getLogger(__name__)

FORMAT = "mark1-perceptron-state"
VERSION = 1


def write_atomically(path, write) -> None:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, fsync, rename over it."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise StateFileError(f"{path}: folder {directory} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private; give it the mode a plain open() would have
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


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
        raise StateFileError(f"{path}: cannot write the state file: {exc.strerror or exc}") from None


def load_state(path, required: tuple[str, ...]) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check a state file; return (header, arrays).

    Raises
    ------
    StateFileError
        One line naming the file and what is wrong with it.
    """
    path = Path(path)
    if not path.is_file():
        raise StateFileError(f"{path}: no such state file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if "header" not in npz.files:
                raise StateFileError(f"{path}: not a Mark I state file (no header)")
            # Reading every member checks each one's CRC: a flipped byte shows up here.
            arrays = {name: npz[name] for name in npz.files}
    except StateFileError:
        raise
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise StateFileError(f"{path}: state file is truncated or corrupted ({exc})") from None
    except ValueError:
        # numpy's own words here suggest unpickling the file: never advise that
        raise StateFileError(f"{path}: not a Mark I state file") from None
    except OSError as exc:
        raise StateFileError(f"{path}: cannot read the state file ({exc.strerror or exc})") from None
    try:
        header = json.loads(arrays.pop("header").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise StateFileError(f"{path}: state file header is corrupted") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StateFileError(f"{path}: not a Mark I state file (format {header.get('format')!r})"
                             if isinstance(header, dict) else f"{path}: not a Mark I state file")
    version = header.get("version")
    if version != VERSION:
        raise StateFileError(
            f"{path}: state file version {version!r}, this program reads version {VERSION}; "
            "use the program version that wrote it, or start a new state"
        )
    missing = [name for name in required if name not in arrays]
    if missing:
        raise StateFileError(f"{path}: state file lacks {', '.join(missing)}")
    return header, arrays
