"""Text and charts on the panel: engraved labels, the teletype, the learning curve."""

from __future__ import annotations

from functools import lru_cache

import pygame

from ..errors import printable
from . import theme


def shown(text: str) -> str:
    """``text`` as it can be drawn: a file name's bytes that are not UTF-8 (kept by Python as
    lone surrogates, which the font renderer refuses) become ``\\xe9`` escapes."""
    return printable(text)


@lru_cache(maxsize=2048)
def rendered(text: str, px: int, colour, mono: bool = False) -> pygame.Surface:
    # Most of a frame's text is the same as the last frame's: render each string once.
    f = theme.mono(px) if mono else theme.font(px)
    return f.render(shown(text), True, colour)


def label(target: pygame.Surface, text: str, pos, px: int, colour=theme.ENGRAVING,
          anchor: str = "topleft", mono: bool = False) -> pygame.Rect:
    """Draw one line of text anchored at ``pos``; return its rectangle."""
    surf = rendered(text, int(px), tuple(colour), mono)
    r = surf.get_rect(**{anchor: (int(pos[0]), int(pos[1]))})
    target.blit(surf, r)
    return r


def bezel(target: pygame.Surface, rect: pygame.Rect, scale: float) -> None:
    """A recessed instrument frame around ``rect``."""
    pad = max(2, int(8 * scale))
    outer = rect.inflate(pad * 2, pad * 2)
    pygame.draw.rect(target, theme.BEZEL, outer, border_radius=max(2, int(10 * scale)))
    pygame.draw.rect(target, theme.BEZEL_LIGHT, outer, max(1, int(2 * scale)),
                     border_radius=max(2, int(10 * scale)))
    pygame.draw.rect(target, theme.PANEL, rect)


def fit(text: str, px: int, width: int, mono: bool = False) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    f = theme.mono(px) if mono else theme.font(px)
    text = shown(text)
    if f.size(text)[0] <= width:
        return text
    while text and f.size(text + "...")[0] > width:
        text = text[:-1]
    return text + "..."


def wrap(text: str, px: int, width: int, lines: int = 2) -> list[str]:
    """``text`` broken into at most ``lines`` lines of ``width`` pixels (the last one cut)."""
    f = theme.font(px)
    out, words = [], shown(text).split()
    while words and len(out) < lines:
        line = words.pop(0)
        while words and f.size(line + " " + words[0])[0] <= width:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out[-1] = fit(out[-1] + " " + " ".join(words), px, width)
    return out


def teletype(target: pygame.Surface, rect: pygame.Rect, lines, scale: float) -> None:
    """The latest log lines, newest at the bottom, like paper coming out of a teleprinter."""
    pygame.draw.rect(target, theme.PAPER, rect)
    px = max(8, int(19 * scale))
    step = int(px * 1.35)
    n = max(1, (rect.height - px // 2) // step)
    per_line = max(8, (rect.width - px) // theme.mono(px).size("M")[0])
    rows = []
    for line in list(lines)[-n:]:
        colour = (150, 30, 20) if "corrected" in line else theme.INK
        while len(line) > per_line:  # wrap as a teleprinter would, at a space if it can
            cut = line.rfind(" ", 0, per_line)
            cut = cut if cut > per_line // 2 else per_line
            rows.append((line[:cut], colour))
            line = "    " + line[cut:].lstrip()
        rows.append((line, colour))
    rows = rows[-n:]
    y = rect.bottom - step * len(rows) - px // 3
    for text, colour in rows:
        label(target, text, (rect.x + px // 2, y), px, colour, mono=True)
        y += step


def error_curve(target: pygame.Surface, rect: pygame.Rect, blocks, block: int,
                scale: float) -> None:
    """Errors per block of trials as bars, the newest on the right."""
    pygame.draw.rect(target, theme.PANEL, rect)
    shown = list(blocks)[-60:]
    n = max(20, len(shown))
    bw = rect.width / n
    for i, e in enumerate(shown):
        h = rect.height * e / block
        colour = theme.WRONG if e > block / 3 else theme.LAMP_ON if e else theme.RIGHT
        bar = pygame.Rect(int(rect.x + i * bw + 1), int(rect.bottom - max(h, 2)),
                          max(1, int(bw) - 2), int(max(h, 2)))
        pygame.draw.rect(target, colour, bar)
    px = max(8, int(15 * scale))
    for e in (0, block // 2, block):
        y = rect.bottom - rect.height * e / block
        pygame.draw.line(target, theme.BEZEL_LIGHT, (rect.x, y), (rect.right, y))
        label(target, str(e), (rect.x - 6, y), px, theme.DIM_TEXT, anchor="midright")
