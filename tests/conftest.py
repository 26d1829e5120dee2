"""Shared test helpers.

Some tests need a program from a Debian package (Xvfb for the real-window tests). ``make test``
installs those packages when it runs as root (see ``SYSTEM_PACKAGES`` in the Makefile). Where a
program is missing anyway, its tests skip with a loud message naming the package, except under
CI (``CI=true``), where nothing may skip: the would-be skip is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    """True under continuous integration (``CI=true``), where no test may skip."""
    return os.environ.get("CI") == "true"


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
