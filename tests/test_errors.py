"""The one-line promise: a file name in a message never breaks the line or the terminal."""

import pytest

from simulator.errors import CardError, ConfigError, DeviceError, Mark1Error, StateFileError, printable


@pytest.mark.parametrize("name,expected", [
    ("cards/left.png", "cards/left.png"),
    ("caf\udce9.png", "caf\\xe9.png"),            # a Latin-1 byte kept by surrogateescape
    (b"caf\xe9.png", "caf\\xe9.png"),             # the same name as bytes
    ("two\nlines.mark1", "two\\nlines.mark1"),
    ("tab\there", "tab\\there"),
    ("café.png", "café.png"),                     # printable Unicode stays as it is
])
def test_printable_escapes_only_what_would_break_a_line(name, expected):
    assert printable(name) == expected


def test_every_error_is_a_mark1_error_and_a_builtin_one():
    for cls, builtin in ((ConfigError, ValueError), (CardError, ValueError),
                         (StateFileError, ValueError), (DeviceError, OSError)):
        assert issubclass(cls, Mark1Error) and issubclass(cls, builtin)
