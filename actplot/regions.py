"""Exact regions of x where a classification of f changes, found independently of any user grid.

The engine behind every region actplot reports (zero gradient, saturation, |A - B| > tol, max |f'|
plateaus, stationary points). It never relies on the caller's ``--num``:

* it samples the window at **probe points of its own**: 8,193 evenly spaced points, a
  geometric ladder of magnitudes (32 a decade, so features near 0 are seen on a window of any
  width), the declared kinks and jumps and the floats either side of them;
* between neighbouring probes whose states differ it **bisects in the ordering of float64
  values** (the integers behind the bits), so every boundary is the first float in its new state,
  whatever bracket it started from, in at most 11 rounds of 63 points;
* between probes of the same state it looks for what could hide there: a sign change of f', or a
  local minimum of |f'| whose parabola dips below the threshold, and refines it.

Every loop has a fixed bound, so no input (a subnormal window, a window of two floats) can make it
run for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: Evenly spaced probes across the window.
EVEN_PROBES = 8193
#: Geometric probes: this many per decade of |x| ...
LADDER_PER_DECADE = 32
#: ... from this magnitude up to the window's largest (smaller features are declared kinks).
LADDER_SMALLEST = 1e-12
#: 64-section in the float ordering: 2**64 floats shrink to adjacent ones in 11 rounds.
SECTIONS = 64
MAX_ROUNDS = 12
#: At most this many state changes are looked for inside one probe cell.
MAX_CHANGES_PER_CELL = 16

StateFunction = Callable[[np.ndarray], np.ndarray]

_SIGN = np.int64(-0x8000000000000000)
_MAGNITUDE = np.int64(0x7FFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class Interval:
    """An interval of x: every float in [lo, hi] has the state it describes.

    An end at a declared kink or jump carries whether the kink itself belongs to the interval
    (``lo_open``/``hi_open`` True or False: relu's f' = 1 for x > 0, but f' = 0 for x <= 0 under
    PyTorch's convention); an end refined to a float elsewhere has None (at printed precision,
    open or closed makes no difference). The flags do not take part in equality.
    """

    lo: float
    hi: float
    lo_open: bool | None = field(default=None, compare=False)
    hi_open: bool | None = field(default=None, compare=False)

    @property
    def width(self) -> float:
        return self.hi - self.lo


def ordered(x: np.ndarray | float) -> np.ndarray:
    """Floats mapped to int64 so that their order (and adjacency) is the integers' order."""
    bits = np.asarray(x, dtype=np.float64).view(np.int64)
    return np.where(bits < 0, -(bits & _MAGNITUDE), bits)


def unordered(i: np.ndarray) -> np.ndarray:
    """The inverse of :func:`ordered`."""
    i = np.asarray(i, dtype=np.int64)
    bits = np.where(i < 0, (-i) | _SIGN, i)
    return bits.view(np.float64)


def float_count(lo: float, hi: float) -> int:
    """How many float64 values lie in [lo, hi] (a -0.0 and +0.0 count once)."""
    a, b = int(ordered(lo)), int(ordered(hi))
    return b - a + 1


def between(left: float, right: float, count: int = SECTIONS - 1) -> np.ndarray:
    """Up to ``count`` floats strictly between left and right, evenly spaced in the float ordering."""
    a, b = int(ordered(left)), int(ordered(right))
    if b - a <= 1:
        return np.empty(0)
    # exact integer arithmetic: float64 cannot hold the (up to 2**63) ordinals or their spans
    n = count + 1
    steps = np.unique(np.array([a + (k * (b - a)) // n for k in range(1, n)], dtype=np.int64))
    steps = steps[(steps > a) & (steps < b)]
    return unordered(steps)


def probe_points(lo: float, hi: float, singular: tuple[float, ...] = ()) -> np.ndarray:
    """The engine's own sample of [lo, hi], sorted and unique (see the module docstring)."""
    even = np.linspace(lo, hi, EVEN_PROBES)
    top = max(abs(lo), abs(hi))
    parts = [even, np.array([lo, hi])]
    if top > LADDER_SMALLEST:
        decades = np.log10(top) - np.log10(LADDER_SMALLEST)
        magnitudes = np.geomspace(LADDER_SMALLEST, top, int(decades * LADDER_PER_DECADE) + 2)
        parts += [magnitudes, -magnitudes, np.zeros(1)]
    for p in singular:
        if np.isfinite(p):
            parts.append(np.array([np.nextafter(p, -np.inf), p, np.nextafter(p, np.inf)]))
    points = np.unique(np.concatenate(parts))
    return points[(points >= lo) & (points <= hi)] + 0.0  # + 0.0 turns -0.0 into 0.0


def first_change(state_at: StateFunction, left: float, right: float, old: int) -> tuple[float, float]:
    """Adjacent floats (a, b) in [left, right] with state(a) == old and b the first float after
    ``left`` whose state differs, assuming state(right) != old. Bounded: MAX_ROUNDS rounds."""
    for _ in range(MAX_ROUNDS):
        inner = between(left, right)
        if inner.size == 0:
            break
        changed = np.flatnonzero(state_at(inner) != old)
        if changed.size:
            i = int(changed[0])
            right = float(inner[i])
            if i:
                left = float(inner[i - 1])
        else:
            left = float(inner[-1])
    return left, right


def changes_in_cell(state_at: StateFunction, left: float, right: float, old: int, new: int) -> list[tuple[float, int]]:
    """Every state change in the probe cell [left, right] as (first float of the new state, state).

    A cell may hold several changes (normal -> saturated -> zero -> saturated -> normal); each is
    found in turn, up to MAX_CHANGES_PER_CELL.
    """
    changes: list[tuple[float, int]] = []
    for _ in range(MAX_CHANGES_PER_CELL):
        _a, b = first_change(state_at, left, right, old)
        after = int(state_at(np.array([b]))[0])
        changes.append((b, after))
        if after == new or b >= right:
            break
        left, old = b, after
    return changes


def transitions(points: np.ndarray, states: np.ndarray) -> list[tuple[float, float, int, int]]:
    """(left, right, old, new) for every pair of neighbouring probes whose states differ."""
    change = np.flatnonzero(states[1:] != states[:-1])
    return [(float(points[i]), float(points[i + 1]), int(states[i]), int(states[i + 1])) for i in change]


def boundaries(state_at: StateFunction, points: np.ndarray, states: np.ndarray) -> list[tuple[float, int]]:
    """All state changes on the probes, refined to adjacent floats."""
    found = []
    for left, right, old, new in transitions(points, states):
        found += changes_in_cell(state_at, left, right, old, new)
    return found


def runs(first_state: int, changes: list[tuple[float, int]], lo: float, hi: float, state: int) -> list[Interval]:
    """The maximal runs of ``state`` given the sorted change list [(first x of new state, state)]."""
    out = []
    current, start = first_state, lo
    for x, new in sorted(changes):
        if new == current:
            continue
        if current == state:
            out.append(Interval(start, float(np.nextafter(x, -np.inf))))
        if new == state:
            start = x
        current = new
    if current == state:
        out.append(Interval(start, hi))
    return out


def refine_minimum(
    f: Callable[[np.ndarray], np.ndarray], a: float, b: float, larger: bool = False
) -> tuple[float, float] | None:
    """(x, f(x)) at the extreme of f in [a, b]: a zoom that keeps the cells around the best of 65
    points, for at most 40 rounds or until the bracket is a few floats wide."""
    best: tuple[float, float] | None = None
    for _ in range(40):
        xs = np.unique(np.concatenate([np.linspace(a, b, 65), [a, b]]))
        with np.errstate(all="ignore"):
            values = np.asarray(f(xs), dtype=float)
        finite = np.isfinite(values)
        if not finite.any():
            return best
        masked = np.where(finite, values, -np.inf if larger else np.inf)
        i = int(np.argmax(masked) if larger else np.argmin(masked))
        if best is None or (values[i] > best[1] if larger else values[i] < best[1]):
            best = (float(xs[i]), float(values[i]))
        a, b = float(xs[max(i - 1, 0)]), float(xs[min(i + 1, xs.size - 1)])
        if float_count(a, b) <= 3:
            break
    return best


def sign_changes(points: np.ndarray, values: np.ndarray) -> list[tuple[float, float]]:
    """Cells of neighbouring probes where ``values`` has strictly opposite signs."""
    with np.errstate(invalid="ignore"):
        s = np.sign(values)
    cells = np.flatnonzero(s[:-1] * s[1:] < 0)
    return [(float(points[i]), float(points[i + 1])) for i in cells]


def root(g: Callable[[np.ndarray], np.ndarray], a: float, b: float) -> float:
    """The first float in [a, b] where sign(g) differs from sign(g(a)) (g(a) != 0)."""
    side = float(np.sign(g(np.array([a]))[0]))

    def state(x: np.ndarray) -> np.ndarray:
        return (np.sign(g(x)) != side).astype(int)

    left, right = first_change(state, a, b, 0)
    # of the two floats around the sign change, the one where |g| is smaller is the root
    ga, gb = np.abs(g(np.array([left, right])))
    return left if ga < gb else right


def local_minima(points: np.ndarray, magnitude: np.ndarray, threshold: float) -> list[tuple[float, float]]:
    """Probe pairs (x[i-1], x[i+1]) around a strict local minimum of ``magnitude`` (beyond rounding
    noise) whose parabola through the three points dips below ``threshold``, or comes within a
    factor 4 of it: where a narrow region could hide between probes."""
    if points.size < 3:
        return []
    m0, m1, m2 = magnitude[:-2], magnitude[1:-1], magnitude[2:]
    with np.errstate(all="ignore"):
        noise = 1e-9 * m1
        low = (m1 < m0 - noise) & (m1 < m2 - noise)
        curvature = 0.5 * (m0 - 2 * m1 + m2)
        vertex = m1 - (0.5 * (m2 - m0)) ** 2 / (4 * curvature)
        low &= (vertex < threshold) | (m1 < 4 * threshold)
    return [(float(points[i]), float(points[i + 2])) for i in np.flatnonzero(low)]
