"""Shared test helpers.

Some tests need a program from a Debian package (Xvfb for the real-window tests). ``make test``
installs those packages when it runs as root (see ``SYSTEM_PACKAGES`` in the Makefile). Where a
program is missing anyway, its tests skip with a loud message naming the package, except under
CI (``CI=true``), where nothing may skip: the would-be skip is a failure.

Golden images: :func:`compare_golden` (the ``golden`` fixture) compares a drawn picture with
``tests/golden/NAME.png`` and, when they differ, leaves the picture it got where the failure
message says (``$MARK1_GOLDEN_OUT``, else under pytest's temporary folder).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def in_ci() -> bool:
    """True under continuous integration (``CI`` set, e.g. ``CI=true``), where no test may skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_packages(missing: list[str], install: str) -> None:
    """Skip (outside CI) or fail (under CI) when Debian packages the tests need are ``missing``.

    Parameters
    ----------
    missing : list of str
        What is missing (packages or programs); nothing happens when empty.
    install : str
        The command that installs them, e.g. ``"apt-get install gcc-avr ..."``.
    """
    if not missing:
        return
    message = f"SYSTEM PACKAGES MISSING: {', '.join(missing)}: {install} (or run `make test` as root)"
    if in_ci():
        pytest.fail(message + " -- CI is set, so this fails instead of skipping", pytrace=False)
    pytest.skip(message)


def require_simavr() -> None:
    """The packages the rig's AVR build in simavr needs (:mod:`hardware.simulate` names them)."""
    from hardware import simulate
    require_packages(simulate.missing_packages(), simulate.APT_LINE)


def _require_program(program: str, *, package: str) -> str:
    """The path of ``program``; skips (outside CI) or fails (under CI) when it is missing.

    Parameters
    ----------
    program : str
        The executable, e.g. ``"Xvfb"``.
    package : str
        The Debian package that provides it, e.g. ``"xvfb"``.
    """
    path = shutil.which(program)
    if path is not None:
        return path
    message = (f"SYSTEM PACKAGE MISSING: {program} not found; install Debian's '{package}' "
               f"(sudo apt-get install -y {package}, or run `make test` as root)")
    if in_ci():
        pytest.fail(message + " -- CI=true, so this fails instead of skipping", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def require_program():
    """``require_program("Xvfb", package="xvfb")``: the program's path, or skip/fail loudly."""
    return _require_program


# ---------------------------------------------------------------- the sensor rig
@pytest.fixture(scope="module", params=["native", "simavr"])
def rig(request):
    """A simulated Uno (8 x 8) running the real firmware: the native emulator, then simavr."""
    from hardware import simulate
    if request.param == "simavr":
        require_simavr()
    with simulate.SimulatedRig(board="uno", native=request.param == "native") as r:
        yield r


@pytest.fixture
def boards():
    """``boards(**kw)`` makes fake rig boards on pty pairs (tests/rig_fakes.py), closed after."""
    from rig_fakes import FakeBoard
    made = []

    def make(**kw):
        board = FakeBoard(**kw)
        made.append(board)
        return board

    yield make
    for board in made:
        board.close()


# ---------------------------------------------------------------- golden images
GOLDEN = Path(__file__).parent / "golden"
#: How far a picture may stray from its golden image: font rasterisation may shift by a
#: version; layout and lamps may not.
GOLDEN_MEAN_DIFF = 2.0
GOLDEN_FAR_PIXELS = 0.01   # ... share of pixels off by more than 48 in a channel


def compare_golden(got, name: str, *, out_dir: Path, golden_dir: Path = GOLDEN) -> None:
    """Assert that the picture ``got`` matches ``golden_dir/name`` within the tolerance.

    On a mismatch the picture it got (``NAME-got.png``) and, when the sizes agree, a picture of
    the differences (``NAME-diff.png``, brighter where it differs more) are written to
    ``out_dir``, and the assertion message names them: a failure in CI can then be looked at.
    ``MARK1_REGEN_GOLDEN=1`` rewrites the golden image instead (look at it before committing).

    Parameters
    ----------
    got : numpy.ndarray, shape (height, width, 3), uint8
        The picture drawn.
    name : str
        The golden image's file name.
    """
    got = np.ascontiguousarray(got, dtype=np.uint8)
    path = golden_dir / name
    if os.environ.get("MARK1_REGEN_GOLDEN"):
        golden_dir.mkdir(parents=True, exist_ok=True)
        Image.fromarray(got).save(path)
        pytest.skip(f"regenerated {path}: look at it before committing")
    assert path.exists(), f"{path} missing: run MARK1_REGEN_GOLDEN=1 make test and look at it"
    want = np.asarray(Image.open(path).convert("RGB"))
    diff = None
    if want.shape != got.shape:
        problem = f"it is {got.shape[1]} x {got.shape[0]}, the golden image {want.shape[1]} x {want.shape[0]}"
    else:
        diff = np.abs(got.astype(np.int16) - want.astype(np.int16)).max(axis=2)
        mean, far = float(diff.mean()), float((diff > 48).mean())
        if mean < GOLDEN_MEAN_DIFF and far < GOLDEN_FAR_PIXELS:
            return
        problem = (f"mean difference {mean:.2f} (allowed < {GOLDEN_MEAN_DIFF}), {far:.2%} of pixels "
                   f"far off (allowed < {GOLDEN_FAR_PIXELS:.0%})")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    saved = [out_dir / f"{stem}-got.png"]
    Image.fromarray(got).save(saved[0])
    if diff is not None:
        saved.append(out_dir / f"{stem}-diff.png")
        Image.fromarray(np.clip(diff * 4, 0, 255).astype(np.uint8)).save(saved[1])
    raise AssertionError(f"{name} differs from {path}: {problem}; the picture it got is "
                         f"{' and the differences '.join(str(p) for p in saved)}")


@pytest.fixture(scope="session")
def golden_out(tmp_path_factory) -> Path:
    """Where failed golden comparisons leave their pictures: ``$MARK1_GOLDEN_OUT`` (set it to a
    folder CI keeps), else ``golden-failed`` in pytest's temporary folder (printed on failure)."""
    given = os.environ.get("MARK1_GOLDEN_OUT")
    return Path(given) if given else tmp_path_factory.getbasetemp() / "golden-failed"


@pytest.fixture
def golden(golden_out):
    """``golden(picture, "name.png")``: :func:`compare_golden` into :func:`golden_out`."""
    return lambda got, name, **kw: compare_golden(got, name, **{"out_dir": golden_out, **kw})
