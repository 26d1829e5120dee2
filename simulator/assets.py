"""Where the files shipped with the simulator (fonts, sample pictures) are found.

The assets live at the top of the repository, next to the ``simulator`` package, and the
package is installed editable, so the path is found from this file rather than through
importlib.resources (which would need the assets inside the package).
"""

from __future__ import annotations

from pathlib import Path

from .errors import Mark1Error

ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"


class MissingAssetError(Mark1Error, FileNotFoundError):
    """A file that ships with the simulator is missing: the installation is incomplete."""


def asset_path(*parts: str) -> Path:
    """Path of a file shipped in the repository's ``assets`` folder.

    Parameters
    ----------
    *parts : str
        Path components below ``assets``, e.g. ``asset_path("fonts", "DejaVuSans-Bold.ttf")``.

    Returns
    -------
    pathlib.Path
        Absolute path of the existing file.

    Raises
    ------
    MissingAssetError
        When the file does not exist or the parts point outside the assets folder.
    """
    path = ASSETS_DIR.joinpath(*parts).resolve()
    if not path.is_relative_to(ASSETS_DIR):
        raise MissingAssetError(f"{'/'.join(parts)!r} points outside the assets folder {ASSETS_DIR}")
    if not path.is_file():
        raise MissingAssetError(
            f"{path}: asset file missing; the installation is incomplete, "
            "reinstall from the full repository (pip install -e .)"
        )
    return path
