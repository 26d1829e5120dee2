"""Screens as scenes: one small protocol, and the stack of them that the app runs.

A scene is one screen (the engineer's panel, the "After 1958" page, each kiosk screen): it
takes input as :class:`~simulator.input.Action` s, advances by ``dt``, draws itself, and says
through :meth:`Scene.frame_key` when its picture is out of date. The app (``app.App``) keeps a
:class:`SceneStack`:

- input goes to the top scene only; what it does not consume goes to the app (quit, full
  screen), never to the scenes below;
- ``update(dt)`` goes to every scene, bottom first: a covered scene keeps its time (needles
  settle, alerts fade, a kiosk's idle timer counts) and decides itself whether to pause;
- only the top scene draws; a scene shown over another (a card, a dialog) draws the one
  below itself first if it wants it seen;
- the loop may sleep only when no scene is busy.

Scenes reach the app through the stack: :meth:`SceneStack.post` asks it for an app-level
action (``Action("key", value="quit")``, ``"full screen"``), done once the input is handled.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

from ..input import Action


class Scene(Protocol):
    """One screen. ``mode`` names its key table in :data:`simulator.input.MODES`."""

    mode: str

    def handle(self, action: Action) -> bool:
        """Act on one action; True if it was consumed."""

    def update(self, dt: float) -> None:
        """Advance by ``dt`` seconds."""

    def draw(self, surface) -> None:
        """Paint the whole screen onto ``surface``."""

    def frame_key(self) -> Hashable:
        """A value that changes whenever the picture would; a frame is drawn only then."""

    def busy(self) -> bool:
        """Whether frames must keep coming (animating): the loop must not sleep."""


class SceneStack:
    """The scenes on screen, the last one on top."""

    def __init__(self):
        self.scenes: list[Scene] = []
        self.posted: list[Action] = []

    @property
    def top(self) -> Scene | None:
        return self.scenes[-1] if self.scenes else None

    def push(self, scene: Scene) -> None:
        """Show ``scene`` over the others."""
        self.scenes.append(scene)

    def pop(self) -> Scene:
        """Take the top scene away (the one below shows again); returns it."""
        return self.scenes.pop()

    def replace(self, scene: Scene) -> Scene:
        """Put ``scene`` in place of the top one; returns the one replaced."""
        old = self.scenes.pop()
        self.scenes.append(scene)
        return old

    def post(self, action: Action) -> None:
        """Ask the app for an action scenes cannot do themselves (quit, full screen)."""
        self.posted.append(action)

    def take_posted(self) -> list[Action]:
        """The actions posted since the last call, oldest first."""
        out, self.posted = self.posted, []
        return out

    def handle(self, action: Action) -> bool:
        """Give ``action`` to the top scene; True if it consumed it."""
        return self.top is not None and bool(self.top.handle(action))

    def broadcast(self, action: Action) -> None:
        """Give ``action`` to every scene, bottom first (a window resize: each lays itself out)."""
        for scene in list(self.scenes):
            scene.handle(action)

    def update(self, dt: float) -> None:
        """Advance every scene, bottom first."""
        for scene in list(self.scenes):
            scene.update(dt)

    def busy(self) -> bool:
        return any(scene.busy() for scene in self.scenes)

    def frame_key(self) -> Hashable:
        """The top scene's frame key, with which scene it is (a pop shows another picture)."""
        top = self.top
        return None if top is None else (len(self.scenes), id(top), top.frame_key())

    def draw(self, surface) -> None:
        if self.top is not None:
            self.top.draw(surface)
