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
from actplot.numerics import evaluate_chunk, is_plugin, numeric_method
from actplot.parallel import map_threads
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


def envelope(x: np.ndarray, values: np.ndarray, lo: float, hi: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel column, four points: the first, the lowest, the highest and the last.

    The lowest and highest are placed at the column's middle: within one pixel their exact x is
    invisible, and it spares a segmented arg-min (reduceat gives the values directly). A column
    holding a non-finite value gets NaN for its low point, so the line breaks there as it should.
    """
    column = np.clip(((x - lo) / (hi - lo) * columns).astype(np.int64), 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    ends = np.r_[starts[1:], x.size] - 1
    finite = np.isfinite(values)
    low = np.minimum.reduceat(np.where(finite, values, np.inf), starts)
    high = np.maximum.reduceat(np.where(finite, values, -np.inf), starts)
    broken = np.logical_or.reduceat(~finite, starts)
    low = np.where(broken, np.nan, low)
    high = np.where(np.isinf(high), np.nan, high)
    middle = 0.5 * (x[starts] + x[ends])
    xs = np.column_stack([x[starts], middle, middle, x[ends]]).ravel()
    vs = np.column_stack([values[starts], low, high, values[ends]]).ravel()
    return xs, vs


def _eval(bound: BoundActivation, x: np.ndarray, method: str | None) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(all="ignore"):
        return evaluate_chunk(bound, x, method)


def sample(bound: BoundActivation, window: tuple[float, float], num: int, columns: int = COLUMNS) -> Curve:
    """Sample f and f' for drawing (see :func:`_sample`); values near the float64 limit may
    overflow in the differences taken here, which is harmless for drawing."""
    with np.errstate(all="ignore"):
        return _sample(bound, window, num, columns)


def _sample(bound: BoundActivation, window: tuple[float, float], num: int, columns: int) -> Curve:
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

    decimate = num > 4 * columns

    def work(span: tuple[int, int]) -> tuple[np.ndarray, ...]:
        x = chunk_points(lo, hi, num, *span)
        y, dy = _eval(bound, x, method)
        if not decimate:
            return x, y, x, dy
        return (*envelope(x, y, lo, hi, columns), *envelope(x, dy, lo, hi, columns))

    spans = list(chunk_ranges(num, CHUNK))
    pieces = map_threads(work, spans, 1 if is_plugin(bound) or len(spans) < 4 else None)
    fx, fy, gx, gy = (np.concatenate([p[i] for p in pieces]) for i in range(4))

    # Breakpoints and their one-sided neighbours, so each piece reaches the break.
    extra = np.array(sorted({p + s for p in (*jumps, *kinks) for s in (-delta, 0.0, delta) if lo <= p + s <= hi}))
    if extra.size:
        ey, edy = _eval(bound, extra, method)
        fx, fy = _merge(fx, fy, extra, ey)
        gx, gy = _merge(gx, gy, extra, edy)

    fx, fy = _break(fx, fy, jumps)
    dx, ddy = _break(gx, gy, sorted({*jumps, *kinks}))
    dots = []
    for k in sorted({*jumps, *kinks}):
        left, at, right = _eval(bound, np.array([k - delta, k, k + delta]), method)[1]
        if abs(left - right) > 1e-6 * max(1.0, abs(left), abs(right)):  # f' jumps here
            dots.append((k, float(at)))
    return Curve(bound, fx, fy, dx, ddy, tuple(dots), method is not None)


def _merge(x: np.ndarray, v: np.ndarray, extra: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Insert points in order; a grid point equal to an inserted one is dropped (a duplicate
    would hide the discontinuity from _break)."""
    keep = ~np.isin(x, extra)
    x, v = x[keep], v[keep]
    at = np.searchsorted(x, extra)
    return np.insert(x, at, extra), np.insert(v, at, ev)


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
