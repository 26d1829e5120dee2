"""State files: one file holding a machine's config, wiring, weights and counters.

The file is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays, read with pickling off) with
a JSON header stored as bytes under ``header``. It is written to a temporary file in the same
folder, flushed to disk and renamed over the target, so a crash leaves either the old file or
the new one, never half of one.
"""

from __future__ import annotations

import json
import logging
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .atomicfile import write_atomically
from .errors import StateFileError

log = logging.getLogger(__name__)

FORMAT = "mark1-perceptron-state"
VERSION = 1


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
