"""The user's own pictures: one subfolder per class."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..errors import CardError
from ..pictures import SUFFIXES
from ..retina import light_levels
from .deck import Deck

log = logging.getLogger(__name__)

#: The suffixes of the picture files read (:data:`simulator.pictures.SUFFIXES`, the one list).
PICTURE_SUFFIXES = SUFFIXES


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _pictures(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if _visible(p) and p.suffix.lower() in PICTURE_SUFFIXES and p.is_file())


def folder_cards(path) -> Deck:
    """Cards from a folder of pictures, one subfolder per class.

    Each picture is resampled onto the retina by :func:`simulator.retina.light_levels`,
    dark ink on light paper being inverted so the figure is lit. Hidden files and files
    without a picture extension (:data:`simulator.pictures.SUFFIXES`: png, jpg, jpeg, gif,
    bmp, tif, tiff, webp, pgm, ppm) are skipped, as are class folders with no pictures.

    Parameters
    ----------
    path : str or path
        The folder; its subfolders' names, sorted, are the class names.

    Returns
    -------
    Deck
        Cards class by class, each class's files in sorted order (not shuffled).

    Raises
    ------
    CardError
        When the folder is missing, has fewer than two class folders with pictures, or
        holds a picture that cannot be read.
    """
    root = Path(path)
    if not root.is_dir():
        raise CardError(f"{root}: no such folder; give a folder with one subfolder of pictures per class")
    classes: list[tuple[str, list[Path]]] = []
    for sub in sorted(p for p in root.iterdir() if _visible(p) and p.is_dir()):
        files = _pictures(sub)
        if files:
            classes.append((sub.name, files))
        else:
            log.warning("%s: no pictures in it, class skipped", sub)
    if len(classes) < 2:
        found = ", ".join(repr(name) for name, _ in classes)
        raise CardError(
            f"{root}: needs at least two class folders with pictures, found {len(classes)}"
            + (f": {found}" if found else "")
        )
    cards, labels = [], []
    for label, (_, files) in enumerate(classes):
        for file in files:
            cards.append(light_levels(file))  # raises CardError naming the file
            labels.append(label)
    return Deck(np.stack(cards), np.array(labels, dtype=np.int64), tuple(name for name, _ in classes))
