"""A braille preview of the curves, for terminals and SSH sessions: rich only, no matplotlib.

Each character cell holds 2 x 4 dots (Unicode braille, U+2800), so an 80 x 20 cell canvas has
160 x 80 dots. Written here on rich rather than taking plotext as a dependency: drawing lines on a
dot grid is a few dozen lines, and rich already handles colour and terminal detection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from actplot.sampling import Curve

# Bit of each dot in a braille cell, indexed [row][column].
_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
COLOURS = ("blue", "red", "green", "magenta", "yellow", "cyan", "white")


class BrailleCanvas:
    """A width x height character canvas of braille dots, one colour per cell (the last drawn)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.bits = np.zeros((height, width), dtype=np.int32)
        self.colour = np.full((height, width), -1, dtype=np.int32)

    def plot(self, px: np.ndarray, py: np.ndarray, colour: int) -> None:
        """Set dots at integer dot coordinates (origin bottom left), skipping those outside."""
        inside = (px >= 0) & (px < 2 * self.width) & (py >= 0) & (py < 4 * self.height)
        px, py = px[inside], py[inside]
        row = (4 * self.height - 1 - py) // 4
        col = px // 2
        bit = np.array(_BITS)[(4 * self.height - 1 - py) % 4, px % 2]
        np.bitwise_or.at(self.bits, (row, col), bit)
        self.colour[row, col] = colour

    def line(
        self, x: np.ndarray, y: np.ndarray, window: tuple[float, float], ylim: tuple[float, float], colour: int
    ) -> None:
        """Draw a polyline in data coordinates; NaN breaks it."""
        (x0, x1), (y0, y1) = window, ylim
        dots_x = (x - x0) / (x1 - x0) * (2 * self.width - 1)
        dots_y = (y - y0) / (y1 - y0) * (4 * self.height - 1)
        for a in range(len(x) - 1):
            if not (np.isfinite(dots_y[a]) and np.isfinite(dots_y[a + 1])):
                continue
            steps = int(max(abs(dots_x[a + 1] - dots_x[a]), abs(dots_y[a + 1] - dots_y[a]), 1)) + 1
            t = np.linspace(0.0, 1.0, min(steps, 4 * (self.width + self.height)))
            px = np.rint(dots_x[a] + t * (dots_x[a + 1] - dots_x[a])).astype(np.int64)
            py = np.rint(dots_y[a] + t * (dots_y[a + 1] - dots_y[a])).astype(np.int64)
            self.plot(px, py, colour)

    def rows(self) -> list[list[tuple[str, int]]]:
        return [
            [(chr(0x2800 + int(self.bits[r, c])), int(self.colour[r, c])) for c in range(self.width)]
            for r in range(self.height)
        ]


def render(
    curves: Sequence[Curve], window: tuple[float, float], width: int = 72, height: int = 18, derivative: bool = True
) -> Any:
    """A rich Text: the curves (f solid colour, f' dim) with y-axis labels and a legend."""
    from rich.text import Text

    from actplot.formats import number

    pieces = [(c.x, c.y) for c in curves] + ([(c.dy_x, c.dy) for c in curves] if derivative else [])
    finite = np.concatenate([v[np.isfinite(v)] for _, v in pieces] or [np.zeros(1)])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.05 * (hi - lo)
    ylim = (lo - pad, hi + pad)
    label_width = max(len(number(ylim[1])), len(number(ylim[0]))) + 1
    plot_width = max(10, width - label_width - 1)
    canvas = BrailleCanvas(plot_width, height)
    # the x axis (y = 0) and the y axis (x = 0), faint, drawn first
    axis_colour = len(COLOURS)
    if ylim[0] < 0 < ylim[1]:
        canvas.line(np.array(window), np.zeros(2), window, ylim, axis_colour)
    if window[0] < 0 < window[1]:
        canvas.line(np.zeros(2), np.array(ylim), window, ylim, axis_colour)
    for i, c in enumerate(curves):
        if derivative:
            canvas.line(c.dy_x, c.dy, window, ylim, 100 + i)
        canvas.line(c.x, c.y, window, ylim, i)

    def style(code: int) -> str:
        if code < 0:
            return ""
        if code == axis_colour:
            return "bright_black"
        if code >= 100:
            return "dim " + COLOURS[(code - 100) % len(COLOURS)]
        return "bold " + COLOURS[code % len(COLOURS)]

    text = Text()
    for r, row in enumerate(canvas.rows()):
        label = number(ylim[1]) if r == 0 else number(ylim[0]) if r == height - 1 else ""
        text.append(label.rjust(label_width) + " ")
        for char, code in row:
            text.append(char, style=style(code))
        text.append("\n")
    left, right = number(window[0]), number(window[1])
    text.append(" " * (label_width + 1) + left + right.rjust(plot_width - len(left)) + "\n")
    for i, c in enumerate(curves):
        text.append(" " * (label_width + 1))
        text.append("━━ ", style="bold " + COLOURS[i % len(COLOURS)])
        text.append(c.bound.label)
        if derivative:
            text.append("   ┅┅ f′", style="dim " + COLOURS[i % len(COLOURS)])
        text.append("\n")
    return text
