"""The kiosk's counters (visitors, teachings, resets, staff sessions, crashes), kept across restarts.

The file is a small JSON object rewritten atomically on every change
(:func:`simulator.atomicfile.write_atomically`), so a power cut or a SIGKILL leaves the last
count or the one before, never half a file. A file that does not read as counters (damaged by
hand, by a disk fault, or from something else) is never trusted and never deleted: it is
renamed aside to ``NAME.damaged`` (``.damaged.1`` ... if taken), the reason is logged in one
line, and counting starts again from zero.

Only one process writes the file at a time: the exhibit while it runs; the supervisor adds a
crash only while no exhibit runs (the next exhibit loads that count at its start).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from ..errors import printable

log = logging.getLogger(__name__)

NAMES = ("visitors", "teachings", "resets", "staff_sessions", "crashes")
#: A counters file is a few lines; a larger one is not ours.
MAX_BYTES = 64 * 1024
_MOST = 2**53  # beyond this a JSON reader elsewhere (a monitoring script) loses the count


class Counters:
    """Counts that survive restarts, saved on every change.

    Parameters
    ----------
    path : path or None
        The counters file; None keeps them in memory only (tests, a dry run).

    Attributes
    ----------
    counts_ : dict
        The current counts, by name (:data:`NAMES`).
    error_ : str or None
        The last problem reading or writing the file, one line (for the status file), or None.
    """

    def __init__(self, *, path=None):
        self.path = None if path is None else Path(path)
        self.counts_ = dict.fromkeys(NAMES, 0)
        self.error_ = None

    @classmethod
    def load(cls, path) -> Counters:
        """The counters kept in ``path``; zero if it is missing, and zero after setting aside a
        damaged file (logged, and kept in :attr:`error_`). Never raises for the file's content."""
        self = cls(path=path)
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return self
        except OSError as exc:
            self.error_ = f"{printable(self.path)}: cannot read the counters ({exc.strerror or exc})"
            log.error("%s; counting from zero", self.error_)
            return self
        problem = _problem(raw)
        if problem is None:
            data = json.loads(raw)
            self.counts_.update({k: data.get(k, 0) for k in NAMES})
            return self
        aside = self._set_aside()
        self.error_ = (f"{printable(self.path)}: damaged counters ({problem}); "
                       + (f"kept as {printable(aside.name)}, counting from zero" if aside
                          else "could not set it aside, counting from zero"))
        log.error("%s", self.error_)
        return self

    def _set_aside(self) -> Path | None:
        for k in range(1000):
            aside = self.path.with_name(self.path.name + (".damaged" if k == 0 else f".damaged.{k}"))
            if aside.exists():
                continue
            try:
                os.replace(self.path, aside)
            except OSError:
                return None
            return aside
        return None

    def __getitem__(self, name: str) -> int:
        return self.counts_[name]

    def add(self, name: str, n: int = 1) -> None:
        """Count ``n`` more of ``name`` and save at once (a failed save is logged, not raised)."""
        if name not in self.counts_:
            raise KeyError(f"no counter {name!r}; the counters are {', '.join(NAMES)}")
        self.counts_[name] = min(self.counts_[name] + n, _MOST)
        self.save()

    def save(self) -> bool:
        """Write the file atomically; False (and :attr:`error_` set, logged) if it cannot be."""
        if self.path is None:
            return True
        from ..atomicfile import write_atomically

        data = (json.dumps(self.counts_, indent=1) + "\n").encode()
        try:
            write_atomically(self.path, lambda fh: fh.write(data))
        except OSError as exc:
            message = f"{printable(self.path)}: cannot save the counters ({exc.strerror or exc})"
            if message != self.error_:  # a full disk all day is one log line, not one a visitor
                log.error("%s", message)
            self.error_ = message
            return False
        return True


def _problem(raw: bytes) -> str | None:
    """What is wrong with a counters file's bytes, in a few words; None if it reads."""
    if len(raw) > MAX_BYTES:
        return f"larger than {MAX_BYTES:,} bytes"
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return "not JSON"
    if not isinstance(data, dict):
        return "not a JSON object"
    for key, value in data.items():
        if key not in NAMES:
            return f"unknown counter {printable(key)[:30]!r}"
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MOST:
            return f"{key} is not a count"
    return None
