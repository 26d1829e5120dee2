"""Input as plain actions: one table from keys to named actions, and the translator.

The display's adapter (``simulator.panel.app``) turns each pygame event into a :class:`Record`
of plain values; a :class:`Translator` turns records into :class:`Action` s for the scenes. Here
live the rules that make input robust, testable without pygame (this module imports none):

- a second identical tap (the same key, or the pointer down again within ``slop`` pixels of
  the last tap) within the mode's ``debounce`` seconds is ignored (a bouncing switch, a touch
  screen that reports one tap twice); quick taps at different places all count;
- a held key does not repeat (the system's auto-repeat, or a KEYDOWN for a key already down),
  except for the actions a mode lists in ``repeat``;
- one pointer at a time: the first button or finger down draws, a second finger (or a palm)
  is ignored until the first is lifted; SDL's mouse copy of a touch is ignored, so a touch
  counts once;
- time is passed in (the frame clock's sum of ``dt``), never read here.

Action names: ``press``, ``erase`` (the other mouse button), ``drag``, ``release``, ``hover``
(each with ``pos``), ``key`` (``value`` the name from the mode's table), ``quit``, ``resize``
(``value`` the window size), ``drop file`` (``value`` the path), ``focus lost``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Action:
    """One thing the person did, as a scene sees it.

    Parameters
    ----------
    name : str
        ``press``, ``erase``, ``drag``, ``release``, ``hover``, ``key``, ``quit``, ``resize``,
        ``drop file`` or ``focus lost``.
    pos : tuple of float, optional
        Window pixels, for the pointer's actions.
    value : object, optional
        The key's action name, the window size or the dropped file's path.
    """

    name: str
    pos: tuple[float, float] | None = None
    value: object = None


@dataclass(frozen=True)
class Record:
    """One input event in plain values (what the adapter makes of a pygame event).

    Parameters
    ----------
    kind : str
        ``key down``, ``key up``, ``mouse down``, ``mouse up``, ``mouse move``, ``finger down``,
        ``finger move``, ``finger up``, ``drop file``, ``resize``, ``quit``, ``focus lost``.
    pos : tuple of float, optional
        Window pixels (the adapter scales a finger's fractions to the window).
    button : int
        The mouse button (1 left, 3 right).
    key : str
        The key's name as pygame names it (``"space"``, ``"f11"``, ``"[+]"``).
    ctrl : bool
        A control key is held: the table's name is ``"ctrl+"`` and the key's.
    repeat : bool
        The system's auto-repeat of a held key.
    touch : bool
        A mouse event SDL made from a touch (the finger events carry the touch itself).
    finger : object
        Which finger (touch device and finger ids).
    value : object
        The dropped file's path, or the window's size.
    """

    kind: str
    pos: tuple[float, float] | None = None
    button: int = 0
    key: str = ""
    ctrl: bool = False
    repeat: bool = False
    touch: bool = False
    finger: object = None
    value: object = None


@dataclass(frozen=True)
class Bindings:
    """How a mode reads input: its keys, its debounce, the actions that repeat when held.

    Parameters
    ----------
    keys : mapping of str to str
        Key name (see :class:`Record`) to action name; keys not in it do nothing.
    debounce : float
        Seconds within which a second identical tap is ignored; 0 for none.
    slop : float
        Window pixels within which a second tap counts as the same place.
    repeat : frozenset of str
        Key actions that a held key repeats (the system's auto-repeat); none by default.
    """

    keys: Mapping[str, str]
    debounce: float = 0.0
    slop: float = 24.0
    repeat: frozenset = field(default_factory=frozenset)


#: The engineer's panel (listed for people by the help card, ``controls.KEYS``).
PANEL_KEYS = {
    "space": "run", "n": "step", "right": "step",
    "+": "faster", "=": "faster", "[+]": "faster", "-": "slower", "[-]": "slower",
    "c": "new card", "x": "clear", "r": "reset pots", "w": "rewire", "e": "experiment",
    "a": "after 1958", "f": "full screen", "f11": "full screen", "p": "plugboard",
    "h": "help", "?": "help", "/": "help", "ctrl+s": "save", "ctrl+o": "load", "ctrl+l": "load",
    "q": "quit", "escape": "back",
    **{str(k): f"teach {k}" for k in range(1, 9)},
}
#: The "After 1958" page: its own buttons; quitting and full screen as on the panel.
AFTER_KEYS = {
    "space": "run", "n": "step", "right": "step", "r": "reset",
    "1": "sigmoid", "2": "tanh", "3": "relu", "4": "leaky_relu", "a": "back", "escape": "back",
    "q": "quit", "f": "full screen", "f11": "full screen",
}
#: Every mode, by name: a scene names its mode (``Scene.mode``). The kiosk has no keys at all
#: (no quitting, no shortcuts: a visitor's keyboard, if any, does nothing) and debounces taps.
MODES: dict[str, Bindings] = {
    "panel": Bindings(keys=PANEL_KEYS),
    "after 1958": Bindings(keys=AFTER_KEYS),
    "kiosk": Bindings(keys={}, debounce=0.25),
}


class Translator:
    """Plain input records in, actions out; holds what is down (keys, the pointer).

    Parameters
    ----------
    bindings : Bindings
        The mode used when :meth:`translate` is given none.
    """

    def __init__(self, *, bindings: Bindings = MODES["panel"]):
        self.bindings = bindings
        self.keys_down_: set[str] = set()
        self.pointer_ = None          # ("mouse", button) or ("finger", id) while down
        self.pointer_since_ = None    # when it went down
        self._last_tap = None         # (what, time) of the last tap let through

    def held_for(self, now: float) -> float:
        """Seconds the pointer has been held down (0 when up): for hold gestures."""
        return 0.0 if self.pointer_ is None else now - self.pointer_since_

    def translate(self, record: Record, now: float, bindings: Bindings | None = None) -> list[Action]:
        """The actions ``record`` makes at time ``now`` (seconds, from the frame clock)."""
        b = bindings or self.bindings
        kind = record.kind
        if kind == "key down":
            return self._key(record, now, b)
        if kind == "key up":
            self.keys_down_.discard(record.key)
            return []
        if kind in ("mouse down", "mouse up", "mouse move"):
            if record.touch:
                return []   # SDL's mouse copy of a touch: the finger records carry it
            return self._pointer(kind.split()[1], ("mouse", record.button), record, now, b)
        if kind in ("finger down", "finger up", "finger move"):
            return self._pointer(kind.split()[1], ("finger", record.finger), record, now, b)
        if kind == "focus lost":
            # no key-up or button-up comes for what was held while the window lost the focus
            self.keys_down_.clear()
            was = self.pointer_
            self.pointer_ = None
            return [Action("release", record.pos)] if was is not None else [Action("focus lost")]
        if kind == "drop file":
            return [Action("drop file", value=record.value)]
        if kind == "resize":
            return [Action("resize", value=record.value)]
        if kind == "quit":
            return [Action("quit")]
        return []

    def _key(self, record: Record, now: float, b: Bindings) -> list[Action]:
        name = b.keys.get(("ctrl+" if record.ctrl else "") + record.key)
        held = record.repeat or record.key in self.keys_down_
        self.keys_down_.add(record.key)
        if name is None or (held and name not in b.repeat):
            return []
        if not held and self._bounced(("key", name), None, now, b):
            return []
        return [Action("key", value=name)]

    def _pointer(self, what: str, who, record: Record, now: float, b: Bindings) -> list[Action]:
        if what == "down":
            if who[0] == "mouse" and who[1] not in (1, 3):
                return []   # the wheel, the middle button: nothing on this machine
            if self.pointer_ is not None:
                return []   # one pointer at a time: a second finger or a palm is ignored
            if self._bounced(("tap", who == ("mouse", 3)), record.pos, now, b):
                return []
            self.pointer_, self.pointer_since_ = who, now
            return [Action("erase" if who == ("mouse", 3) else "press", record.pos)]
        if what == "up":
            if self.pointer_ != who:
                return []
            self.pointer_ = None
            return [Action("release", record.pos)]
        if self.pointer_ == who or (who[0] == "mouse" and self.pointer_ and self.pointer_[0] == "mouse"):
            return [Action("drag", record.pos)]   # a mouse move names no button
        if who[0] == "mouse" and self.pointer_ is None:
            return [Action("hover", record.pos)]
        return []

    def _bounced(self, what, pos, now: float, b: Bindings) -> bool:
        """True for a second identical tap within the debounce time (then it is dropped)."""
        last = self._last_tap
        if b.debounce > 0 and last is not None and last[0] == what and now - last[2] < b.debounce:
            if pos is None or last[1] is None or \
                    (pos[0] - last[1][0]) ** 2 + (pos[1] - last[1][1]) ** 2 <= b.slop ** 2:
                log.debug("debounced %s at %.3f s", what, now)
                return True
        self._last_tap = (what, pos, now)
        return False
