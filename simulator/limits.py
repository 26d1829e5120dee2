"""The one table of limits: the machine, the experiments, the commands, the state files and the
kiosk's config all check against these numbers, so they cannot disagree.

Each limit is the closed range a setting may take. The largest machine allowed is one the
front panel can still draw and a state file can hold without gigabytes of memory.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """A closed range [lo, hi] for one setting, and the words that name the setting."""

    lo: float
    hi: float
    what: str


LIMITS: dict[str, Limit] = {
    "retina_size": Limit(2, 256, "photocells per side"),
    "a_units": Limit(1, 100_000, "association units"),
    "r_units": Limit(1, 64, "response units"),
    "excitatory": Limit(0, 1000, "excitatory connections per A-unit"),
    "inhibitory": Limit(0, 1000, "inhibitory connections per A-unit"),
    "seed": Limit(0, 2**63 - 1, "seed"),
    "trials": Limit(1, 10_000_000, "presentations"),
    "test_cards": Limit(1, 1_000_000, "held-out test cards"),
    "cards": Limit(1, 1_000_000, "cards in one deck"),
    "passes": Limit(1, 10_000, "passes over the pictures"),
    "contact_sheet_cards": Limit(1, 1000, "cards on one contact sheet"),
    "frames": Limit(1, 10_000_000, "frames"),
    "speed": Limit(0.5, 100, "trials a second"),
    "a_threshold": Limit(-1000, 1000, "A-unit threshold"),
    "learning_rate": Limit(0, 1e6, "learning rate"),
    "weight_limit": Limit(0, 1e12, "potentiometer end stop"),
    "weight_step": Limit(0, 1e12, "potentiometer ratchet step"),
    "class_count": Limit(2, 256, "classes"),
    "picture_pixels": Limit(1, 40_000_000, "pixels in one picture"),
}


def limit(name: str) -> Limit:
    """The limit called ``name`` (a KeyError names a missing one, a bug, not bad input)."""
    return LIMITS[name]
