"""The project's exceptions: one base, subclasses that are also built-in errors.

Every message is one line that says what is wrong and what to do, so the command line
can print it as it is and exit with status 2. :func:`printable` keeps a file name that goes
into a message on that one line.
"""

import os


def printable(name) -> str:
    """A file name (str, bytes or path) as it can go into a one-line message or onto a screen.

    Bytes that are not UTF-8 (kept by Python as lone surrogates) are shown as ``\\xe9``,
    control characters such as a line break as ``\\n``; anything else as it is.
    """
    text = os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else str(name)
    if text.isprintable():
        return text
    out = []
    for c in text:
        if 0xDC80 <= ord(c) <= 0xDCFF:  # surrogateescape's stand-in for one undecodable byte
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        elif c.isprintable():
            out.append(c)
        else:
            out.append(c.encode("unicode_escape").decode("ascii"))
    return "".join(out)


class Mark1Error(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(Mark1Error, ValueError):
    """A setting or argument is out of range or of the wrong kind."""


class CardError(Mark1Error, ValueError):
    """A picture or a set of cards cannot be used as retina input."""


class StateFileError(Mark1Error, ValueError):
    """A state file is missing, corrupted, truncated, foreign or of another version."""


class DeviceError(Mark1Error, OSError):
    """A device (display, sound, serial port) cannot be used."""
