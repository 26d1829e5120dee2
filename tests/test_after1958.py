"""The "After 1958" page and its XOR lab: a hidden layer learns what one layer cannot."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from simulator.errors import ConfigError  # noqa: E402
from simulator.lecture.lab import XorLab  # noqa: E402
from simulator.panel.after1958 import AfterScene  # noqa: E402
from simulator.panel.app import Panel, run  # noqa: E402
from simulator.panel.clock import SteppedClock  # noqa: E402
from simulator.session import Session  # noqa: E402


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_lab_learns_xor_in_a_few_hundred_epochs(activation):
    lab = XorLab(activation=activation, seed=0)
    assert not lab.solved()
    lab.train(600)
    assert lab.solved() and lab.loss() < lab.losses[0] / 5
    assert np.all(np.abs(lab.outputs() - [0, 1, 1, 0]) < 0.5)


def test_lab_walks_forward_then_backward_through_the_patterns():
    lab = XorLab(seed=1)
    lab.running = False
    seen = []
    for _ in range(8 * 30):
        lab.update(1 / 30)
        seen.append((lab.pattern, lab.phase))
    assert ("forward" in {p for _, p in seen}) and ("backward" in {p for _, p in seen})
    assert {k for k, _ in seen} == {0, 1, 2, 3}
    assert lab.epoch == 0  # paused: nothing trained


def test_lab_refuses_unknown_activations():
    with pytest.raises(ConfigError, match="sigmoid, tanh, relu, leaky_relu"):
        XorLab().set_activation("softmax")


@pytest.fixture
def panel():
    pygame.display.init()
    pygame.font.init()
    yield Panel(Session(seed=1958), pygame.display.set_mode((1280, 720)))
    pygame.display.quit()


def key(panel, k):
    panel.handle(pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode=""))
    panel.handle(pygame.event.Event(pygame.KEYUP, key=k, mod=0, unicode=""))


def test_page_opens_runs_switches_and_goes_back(panel):
    def click(pos):
        panel.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
        panel.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
    click(panel.front.layout.buttons["after 1958"].center)
    page = panel.stack.top
    assert isinstance(page, AfterScene) and page.lab.running
    run(panel, SteppedClock(1 / 30), frames=30 * 12)
    assert page.lab.solved(), page.lab.outputs()
    rects = page.rects(page.layout)
    click(rects["button:tanh"].center)
    assert page.lab.activation == "tanh" and page.lab.epoch == 0
    key(panel, pygame.K_SPACE)
    assert not page.lab.running
    key(panel, pygame.K_n)
    assert page.lab.epoch == 1
    seed = page.lab.seed
    click(rects["button:reset"].center)
    assert page.lab.seed == seed + 1 and page.lab.epoch == 0
    panel.draw()
    rgb = pygame.surfarray.array3d(panel.surface)
    assert (rgb[..., 0] > 200).sum() > 2000  # lamps and lines are drawn
    click(rects["button:back"].center)
    assert panel.stack.top is panel.front
    key(panel, pygame.K_a)
    assert isinstance(panel.stack.top, AfterScene)
    key(panel, pygame.K_ESCAPE)
    assert panel.stack.top is panel.front and not panel.quit
