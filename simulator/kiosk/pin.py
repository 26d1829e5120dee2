"""The staff PIN: only a salted hash of it is kept in the kiosk's config, never the PIN itself.

A hash is one line, ``scrypt$n$r$p$salt$hash`` (salt and hash in base64), made by
``mark1 kiosk --hash-pin`` and pasted into the config as ``staff_pin_hash``. scrypt makes every
guess cost memory and time, so a copied config does not give the PIN away to a quick search of
the 10,000 four-digit PINs; the flow's lockout after three wrong PINs guards the screen itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from ..errors import ConfigError

#: The cost of a new hash: 2**14 rounds of 8 blocks, 16 MB and about 50 ms a try.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
#: PINs are 4 to 12 digits: short enough to type on a touch screen, long enough to guess slowly.
PIN_DIGITS = (4, 12)
# A hostile or mistyped config may not make one verification take gigabytes or minutes.
_MAX_N, _MAX_R, _MAX_P = 2**20, 32, 16
_MAX_MEMORY = 256 * 1024 * 1024
_PIN = re.compile(rf"[0-9]{{{PIN_DIGITS[0]},{PIN_DIGITS[1]}}}")
_KEY = "staff_pin_hash"


def check_pin(pin: str) -> str:
    """``pin`` if it is 4 to 12 digits; else a one-line ConfigError."""
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise ConfigError(f"a staff PIN must be {PIN_DIGITS[0]} to {PIN_DIGITS[1]} digits (0-9), "
                          "nothing else; choose another")
    return pin


def _derive(pin: str, salt: bytes, n: int, r: int, p: int, size: int) -> bytes:
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=size,
                          maxmem=_MAX_MEMORY)


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """The line to keep in the config for ``pin``: ``scrypt$n$r$p$salt_b64$hash_b64``.

    Parameters
    ----------
    pin : str
        4 to 12 digits.
    salt : bytes, optional
        16 random bytes by default; given only by tests that need a fixed hash.

    Raises
    ------
    ConfigError
        When ``pin`` is not 4 to 12 digits.
    """
    check_pin(pin)
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = _derive(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, 32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def parse_hash(stored) -> tuple[int, int, int, bytes, bytes]:
    """The parts of a stored hash: n, r, p, salt, digest; a one-line ConfigError if malformed.

    The message names ``staff_pin_hash`` and the command that makes a good one.
    """
    fix = "make one with 'mark1 kiosk --hash-pin' and paste its line"
    if not isinstance(stored, str):
        raise ConfigError(f"{_KEY} must be a string \"scrypt$...\"; {fix}")
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ConfigError(f"{_KEY} is not a hash made by mark1 (expected scrypt$n$r$p$salt$hash); {fix}")
    try:
        n, r, p = (int(v) for v in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(f"{_KEY} is damaged (a number or the base64 does not read); {fix}") from None
    if (n < 2 or n > _MAX_N or n & (n - 1) or not 1 <= r <= _MAX_R or not 1 <= p <= _MAX_P
            or 128 * r * n > _MAX_MEMORY // 2 or len(salt) < 8 or not 16 <= len(digest) <= 64):
        raise ConfigError(f"{_KEY} has costs or sizes mark1 does not make (n a power of two up to "
                          f"{_MAX_N}, r up to {_MAX_R}, p up to {_MAX_P}); {fix}")
    return n, r, p, salt, digest


def verify(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the PIN ``stored`` was made from (compared in constant time).

    A PIN that is not 4-12 digits is simply wrong. A malformed ``stored`` is a ConfigError
    naming ``staff_pin_hash`` (the config is checked at start-up, so this is not expected here).
    """
    n, r, p, salt, digest = parse_hash(stored)
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        return False
    return hmac.compare_digest(_derive(pin, salt, n, r, p, len(digest)), digest)
