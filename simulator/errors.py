"""The project's exceptions: one base, subclasses that are also built-in errors.

Every message is one line that says what is wrong and what to do, so the command line
can print it as it is and exit with status 2.
"""


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
