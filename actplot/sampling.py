"""Curves ready to draw: breakpoints inserted, lines broken at jumps, decimated per pixel column.

Pure numpy (no matplotlib), so the terminal preview and the figures share it. The decimator keeps,
per pixel column, the first, last, lowest and highest point (a min/max envelope), so kinks and
steps stay sharp while drawing cost stops growing with ``num``; evaluation streams through it in
chunks, so memory does not grow either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actplot.analysis import chunk_points, chunk_ranges
from actplot.numerics import evaluate_chunk, numeric_method
from actplot.spec import BoundActivation

CHUNK = 1 << 16
#: Pixel columns the envelope keeps per curve: a little more than a wide figure has.
COLUMNS = 2000


@dataclass(frozen=True)
class Curve:
    """Points to draw for f and f' (NaN separates pieces); ``dots`` mark f' at its kinks."""

    bound: BoundActivation
    x: np.ndarray
    y: np.ndarray
    dy_x: np.ndarray
    dy: np.ndarray
    dots: tuple[tuple[float, float], ...]
    numeric: bool


def envelope_indices(x: np.ndarray, values: np.ndarray, lo: float, hi: float, columns: int) -> np.ndarray:
    """Indices of the first, last, min and max (and first non-finite) point of each pixel column."""
    column = np.clip(((x - lo) / (hi - lo) * columns).astype(np.int64), 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    ends = np.r_[starts[1:], x.size] - 1
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, x.size]))
    finite = np.isfinite(values)
    low = np.where(finite, values, np.inf)
    high = np.where(finite, values, -np.inf)
    mins = np.minimum.reduceat(low, starts)
    maxs = np.maximum.reduceat(high, starts)
    picks = [starts, ends]
    for target, extreme in ((low, mins), (high, maxs)):
        hit = np.flatnonzero(target == extreme[group])
        _, first = np.unique(group[hit], return_index=True)
        picks.append(hit[first])
    bad = np.flatnonzero(~finite)
    if bad.size:
        _, first = np.unique(group[bad], return_index=True)
        picks.append(bad[first])
    return np.unique(np.concatenate(picks))


def _eval(bound: BoundActivation, x: np.ndarray, method: str | None) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(all="ignore"):
        return evaluate_chunk(bound, x, method)


def sample(bound: BoundActivation, window: tuple[float, float], num: int, columns: int = COLUMNS) -> Curve:
    """Sample f and f' on ``numpy.linspace(*window, num)`` for drawing.

    Kinks and jumps are inserted into the grid; f is broken at jumps and f' at kinks where it
    is discontinuous, so no false vertical segments are drawn; the side a breakpoint's own value
    belongs to (the PyTorch convention for f') is kept, and marked with a dot for f'.
    """
    lo, hi = window
    method = None if bound.activation.derivative is not None else numeric_method(bound)
    jumps = [float(j) for j in bound.field("jumps") if lo < j < hi]
    kinks = [float(k) for k in bound.field("kinks") if lo < k < hi]
    delta = 1e-9 * (hi - lo)

    xs, ys, dys = [], [], []
    for start, stop in chunk_ranges(num, CHUNK):
        x = chunk_points(lo, hi, num, start, stop)
        y, dy = _eval(bound, x, method)
        if num > 4 * columns:
            picks = [envelope_indices(x, v, lo, hi, columns) for v in (y, dy)]
            keep = np.unique(np.concatenate(picks))
            x, y, dy = x[keep], y[keep], dy[keep]
        xs.append(x)
        ys.append(y)
        dys.append(dy)
    x, y, dy = np.concatenate(xs), np.concatenate(ys), np.concatenate(dys)

    # Breakpoints and their one-sided neighbours, so each piece reaches the break.
    extra = np.array(sorted({p + s for p in (*jumps, *kinks) for s in (-delta, 0.0, delta) if lo <= p + s <= hi}))
    if extra.size:
        ey, edy = _eval(bound, extra, method)
        # np.unique sorts and drops grid points the breakpoints duplicate (a duplicate would
        # hide the discontinuity from _break).
        x, first = np.unique(np.r_[extra, x], return_index=True)
        y, dy = np.r_[ey, y][first], np.r_[edy, dy][first]

    fx, fy = _break(x, y, jumps)
    dx, ddy = _break(x, dy, sorted({*jumps, *kinks}))
    dots = []
    for k in sorted({*jumps, *kinks}):
        left, at, right = _eval(bound, np.array([k - delta, k, k + delta]), method)[1]
        if abs(left - right) > 1e-6 * max(1.0, abs(left), abs(right)):  # f' jumps here
            dots.append((k, float(at)))
    return Curve(bound, fx, fy, dx, ddy, tuple(dots), method is not None)


def _break(x: np.ndarray, v: np.ndarray, points: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Insert a NaN where v is discontinuous at a breakpoint, keeping the point with its own side."""
    x, v = x.astype(float), v.astype(float)
    for p in points:
        i = int(np.searchsorted(x, p))
        if i >= x.size or x[i] != p or i == 0 or i + 1 >= x.size:
            continue
        left, at, right = v[i - 1], v[i], v[i + 1]
        scale = max(1.0, abs(left), abs(right))
        if abs(left - right) <= 1e-6 * scale:
            continue  # continuous here: draw through
        cut = i if abs(at - right) < abs(at - left) else i + 1  # the breakpoint stays with its own side
        x = np.insert(x, cut, np.nan)
        v = np.insert(v, cut, np.nan)
    return x, v
