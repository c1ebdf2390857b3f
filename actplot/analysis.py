"""Pure analysis of activations over a window: ranges, dead, flushed and saturating regions,
stationary points, extremes, Gaussian moments, diffs.

Regions come from :mod:`actplot.regions`, which samples the window with probe points of its own
and refines every boundary to adjacent floats, so they are the same for any ``num``. The user's
grid (``numpy.linspace(lo, hi, num)``) is still streamed in chunks, on a thread pool, for what is
defined on it: the count of non-finite points, and extra candidates for the extremes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actplot import regions
from actplot.numerics import check_grid, evaluate_chunk, is_plugin, resolve_dtype, round_to
from actplot.parallel import default_threads, map_threads
from actplot.regions import Interval
from actplot.spec import BoundActivation

__all__ = ["Analysis", "Comparison", "Difference", "Interval", "analyze", "compare", "diff"]

#: Points per chunk: big enough that numpy's per-call overhead is small, small enough that a
#: dozen temporaries per worker stay in cache (2**16 float64 = 512 KiB).
CHUNK = 1 << 16
#: A run narrower than this fraction of the window is a point, not a region.
POINT_WIDTH = 1e-11
NORMAL, ZERO, SATURATED = 0, 1, 2
#: The smallest normal float64: a gradient that fades below it before reaching 0 has underflowed.
SMALLEST_NORMAL = 2.2250738585072014e-308
#: "Zero-centred": |E[f(z)]| at most this fraction of the RMS output sqrt(E[f(z)^2]), z ~ N(0, 1).
ZERO_CENTRED_RATIO = 0.1


@dataclass(frozen=True)
class Analysis:
    """What matters for training about one activation on one window.

    Every field is defined once, in :data:`actplot.columns.COLUMNS`, which the table, the JSON,
    the README and ``--help`` share.
    """

    name: str
    label: str
    params: tuple[tuple[str, Any], ...]
    output_min: float
    output_max: float
    theoretical_range: tuple[float, float]
    range_text: str
    monotonic: bool
    zero_centered: bool
    gaussian_mean: float
    gaussian_second_moment: float
    gain: float
    continuity: str
    value_at_zero: float
    grad_at_zero: float
    max_abs_grad: float
    argmax_abs_grad: float
    max_abs_grad_attained: bool
    max_abs_grad_on: tuple[Interval, ...]
    zero_gradient: tuple[Interval, ...]
    zero_gradient_fraction: float
    dead: tuple[Interval, ...]
    dead_fraction: float
    flushed: tuple[Interval, ...]
    flushed_fraction: float
    saturation: tuple[Interval, ...]
    saturation_fraction: float
    saturation_tails: tuple[Interval, ...]
    saturation_tails_fraction: float
    near_stationary: tuple[Interval, ...]
    near_stationary_fraction: float
    stationary_points: tuple[float, ...]
    derivative: str
    non_finite: int
    #: f'': its largest magnitude and where, the regions where f'' > 0 (convex) and < 0
    #: (concave), found like every region (independent of the grid), and how f'' was obtained
    max_abs_curvature: float = math.nan
    argmax_abs_curvature: float = math.nan
    convex: tuple[Interval, ...] = ()
    concave: tuple[Interval, ...] = ()
    second_derivative: str = "analytic"
    distinct_outputs: int = 0


@dataclass(frozen=True)
class Comparison:
    """Analyses of several activations on one window."""

    window: tuple[float, float]
    num: int
    saturation_threshold: float
    dtype: str
    analyses: tuple[Analysis, ...]
    #: With --against: the framework, and where its f' is exactly 0 on the window, per analysis
    #: (None where the framework has no such activation).
    framework: str | None = None
    framework_zero_gradient: tuple[tuple[Interval, ...] | None, ...] = ()


@dataclass(frozen=True)
class Difference:
    """How far apart two activations are on a window."""

    label_a: str
    label_b: str
    window: tuple[float, float]
    num: int
    tolerance: float
    max_abs_diff: float
    argmax_abs_diff: float
    max_abs_grad_diff: float
    argmax_abs_grad_diff: float
    mean_abs_diff: float
    regions: tuple[Interval, ...]
    regions_fraction: float


@dataclass
class _Extreme:
    """A running extreme over sampled points."""

    value: float = math.nan
    x: float = math.nan

    def offer(self, values: np.ndarray, xs: np.ndarray, larger: bool) -> None:
        finite = np.isfinite(values)
        if not finite.any():
            return
        masked = np.where(finite, values, -np.inf if larger else np.inf)
        i = int(np.argmax(masked) if larger else np.argmin(masked))
        v = float(masked[i])
        if math.isnan(self.value) or (v > self.value if larger else v < self.value):
            self.value, self.x = v, float(xs[i])

    def merge(self, other: _Extreme, larger: bool) -> None:
        if not math.isnan(other.value):
            self.offer(np.array([other.value]), np.array([other.x]), larger)


@dataclass
class _GridChunk:
    """What one chunk of the user's grid contributes."""

    first_y: float
    last_y: float
    y_min: _Extreme = field(default_factory=_Extreme)
    y_max: _Extreme = field(default_factory=_Extreme)
    grad_max: _Extreme = field(default_factory=_Extreme)
    increasing: bool = True
    decreasing: bool = True
    non_finite: int = 0


def chunk_points(lo: float, hi: float, num: int, start: int, stop: int) -> np.ndarray:
    """Points start..stop-1 of numpy.linspace(lo, hi, num), bit for bit."""
    step = (hi - lo) / (num - 1)
    x = np.arange(start, stop, dtype=np.float64) * step + lo
    if stop == num:
        x[-1] = hi
    return x


def chunk_ranges(num: int, chunk: int) -> Iterator[tuple[int, int]]:
    for start in range(0, num, chunk):
        yield start, min(start + chunk, num)


class _Evaluator:
    """f and f' of one bound activation in float64 and rounded to the analysis format."""

    def __init__(self, bound: BoundActivation, dtype: str) -> None:
        from actplot.numerics import numeric_method

        self.bound = bound
        self.dtype = dtype
        self.method = None if bound.activation.derivative is not None else numeric_method(bound)

    def exact(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):
            return evaluate_chunk(self.bound, np.asarray(x, dtype=np.float64), self.method)

    def rounded(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y, dy = self.exact(x)
        return round_to(y, self.dtype), round_to(dy, self.dtype)

    def value(self, x: np.ndarray) -> np.ndarray:
        return self.rounded(x)[0]

    def grad(self, x: np.ndarray) -> np.ndarray:
        return self.rounded(x)[1]

    def at(self, t: float) -> tuple[float, float]:
        y, dy = self.rounded(np.array([t]))
        return float(y[0]), float(dy[0])

    def curvature(self, x: np.ndarray) -> np.ndarray:
        from actplot.numerics import second_derivative_chunk

        with np.errstate(all="ignore"):
            return round_to(second_derivative_chunk(self.bound, np.asarray(x, dtype=np.float64)), self.dtype)


def _states(dy: np.ndarray, tau: float) -> np.ndarray:
    magnitude = np.abs(dy)
    return np.where(magnitude == 0, ZERO, np.where(magnitude < tau, SATURATED, NORMAL))


def _fraction(intervals: tuple[Interval, ...], width: float) -> float:
    return sum(i.width for i in intervals) / width


def _is_flushed(ev: _Evaluator, run: Interval, probes: np.ndarray, lo: float, hi: float) -> bool:
    """A zero-gradient run is flushed (the true f' is not 0 but rounds to 0 in the format) when
    f' in float64 is nonzero somewhere in it, or fades through float64's subnormals at its edge;
    it is dead (f' is 0 as mathematics) otherwise."""
    inside = probes[(probes >= run.lo) & (probes <= run.hi)]
    inside = np.concatenate([inside, [run.lo, run.hi, 0.5 * (run.lo + run.hi)]])
    if np.any(ev.exact(inside)[1] != 0):
        return True
    edges = []
    if run.lo > lo:
        edges.append(float(np.nextafter(run.lo, -np.inf)))
    if run.hi < hi:
        edges.append(float(np.nextafter(run.hi, np.inf)))
    if not edges:
        # the whole window: look outside it, towards 0, for where f' stops being 0
        nearest = run.lo if abs(run.lo) < abs(run.hi) else run.hi
        if nearest == 0:
            return False
        scan = np.geomspace(abs(nearest), max(abs(nearest) * 1e-6, 1e-300), 400) * math.copysign(1.0, nearest)
        grads = np.abs(ev.exact(scan)[1])
        nonzero = np.flatnonzero(grads != 0)
        return bool(nonzero.size and grads[nonzero[0]] < SMALLEST_NORMAL)
    grads = np.abs(ev.exact(np.array(edges))[1])
    return bool(np.any((grads > 0) & (grads < SMALLEST_NORMAL)))


def _merge_touching(runs: list[Interval], gap: float) -> list[Interval]:
    """Runs merged where less than ``gap`` separates them."""
    merged: list[Interval] = []
    for run in sorted(runs, key=lambda r: r.lo):
        if merged and run.lo - merged[-1].hi <= gap:
            merged[-1] = Interval(merged[-1].lo, max(merged[-1].hi, run.hi))
        else:
            merged.append(run)
    return merged


def _stationary_points(
    ev: _Evaluator,
    probes: np.ndarray,
    dy: np.ndarray,
    point_width: float,
    zero_points: list[Interval],
    zero_runs: tuple[Interval, ...],
) -> list[float]:
    """Where f' changes sign, where |f'| touches 0 between probes without changing sign, and
    where f' is 0 at isolated floats (not next to a zero-gradient region)."""
    points = [regions.root(ev.grad, a, b) for a, b in regions.sign_changes(probes, dy)]
    for z in zero_points:
        if not any(r.lo - point_width <= z.lo and z.hi <= r.hi + point_width for r in zero_runs):
            points.append(0.5 * (z.lo + z.hi))
    scale = float(np.nanmax(np.abs(dy))) if dy.size and np.isfinite(dy).any() else 1.0
    for a, b in regions.local_minima(probes, np.abs(dy), 1e-9 * scale):
        found = regions.refine_minimum(lambda t: np.abs(ev.grad(t)), a, b)
        if found is not None and found[1] <= 1e-12 * scale:
            points.append(found[0])
    points.sort()
    merged: list[float] = []
    for p in points:
        if not merged or p - merged[-1] > point_width:
            merged.append(p)
    return merged


def _state_boundaries(
    ev: _Evaluator, probes: np.ndarray, states: np.ndarray, dy: np.ndarray, tau: float
) -> list[tuple[float, int]]:
    """Every change of state, including narrow regions hidden between normal probes."""

    def state_at(points: np.ndarray) -> np.ndarray:
        return _states(ev.grad(points), tau)

    found = regions.boundaries(state_at, probes, states)
    normal = states == NORMAL
    # a sign change of f' between two normal probes passes through 0 (and through the band)
    hidden = [
        (a, b)
        for a, b in regions.sign_changes(probes, dy)
        if normal[np.searchsorted(probes, a)] and normal[np.searchsorted(probes, b)]
    ]
    magnitude = np.where(normal, np.abs(dy), np.inf)
    hidden += [
        (a, b)
        for a, b in regions.local_minima(probes, magnitude, tau)
        if normal[np.searchsorted(probes, a)] and normal[np.searchsorted(probes, b)]
    ]
    for a, b in hidden:
        bottom = regions.refine_minimum(lambda t: np.abs(ev.grad(t)), a, b)
        if bottom is None:
            continue
        inside = int(state_at(np.array([bottom[0]]))[0])
        if inside == NORMAL:
            continue
        found += regions.changes_in_cell(state_at, a, bottom[0], NORMAL, inside)
        found += regions.changes_in_cell(state_at, bottom[0], b, inside, NORMAL)
    return sorted(set(found))


def _neighbour_state(state_at: Callable[[np.ndarray], np.ndarray], x: float, direction: float) -> int | None:
    return int(state_at(np.array([float(np.nextafter(x, direction))]))[0])


def _split_saturation(
    runs: list[Interval],
    state_at: Callable[[np.ndarray], np.ndarray],
    lo: float,
    hi: float,
    stationary: list[float],
    zero_runs: tuple[Interval, ...] = (),
    gap: float = 0.0,
) -> tuple[list[Interval], list[Interval]]:
    """Near-stationary bands (holding a stationary point, or with larger gradients on both sides:
    |f'| dips through or towards 0 and rises again) and tails (the rest: a stretch reaching the
    window's edge or a zero-gradient region, where the gradient vanishes).

    Each run is judged with the zero-gradient runs it touches: in float8, gelu' rounds to 0 on
    [-0.7541, -0.7495] around its minimum, and the low stretches either side are still the band
    around that stationary point, not tails."""
    tails: list[Interval] = []
    bands: list[Interval] = []
    for low in _merge_touching(list(runs) + list(zero_runs), gap):
        members = [r for r in runs if low.lo <= r.lo and r.hi <= low.hi]
        if not members:
            continue
        left = _neighbour_state(state_at, low.lo, -np.inf) if low.lo > lo else None
        right = _neighbour_state(state_at, low.hi, np.inf) if low.hi < hi else None
        holds_point = any(low.lo <= p <= low.hi for p in stationary)
        (bands if holds_point or (left == NORMAL and right == NORMAL) else tails).extend(members)
    return tails, bands


def _drop_points(runs: list[Interval], point_width: float) -> tuple[Interval, ...]:
    return tuple(r for r in runs if r.width > point_width)


def _snap(
    runs: tuple[Interval, ...],
    singular: tuple[float, ...],
    inside: Callable[[float], bool] | None = None,
    tolerance: float = 0.0,
) -> tuple[Interval, ...]:
    """Ends at a declared kink or jump are that kink, with whether it belongs to the run: relu's
    f' = 1 is reported on x > 0 (open: the run starts one float after 0), not from 5e-324.

    With ``inside`` (does a point belong to the run?) an end up to ``tolerance`` from a kink is
    moved there too: elu's f' rounds to 1 from x = -5.6e-17, but the plateau is x >= 0.
    """

    def near(x: float, toward: float) -> tuple[float, bool | None]:
        for p in singular:
            if x == p:
                return p, False
            if x == float(np.nextafter(p, toward)):
                return p, True
            if inside is not None and abs(x - p) <= tolerance:
                return p, not inside(p)
        return x, None

    out = []
    for r in runs:
        lo, lo_open = near(r.lo, -np.inf)
        hi, hi_open = near(r.hi, np.inf)
        out.append(Interval(lo, hi, lo_open, hi_open))
    return tuple(out)


def _plateaus(runs: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """Runs where |f'| equals its maximum that are plateaus, not the handful of floats around a
    smooth maximum where f' rounds to the same value (sigmoid' = 0.25 for |x| < 2e-8)."""
    return tuple(r for r in runs if r.width > 1e-6 * max(1.0, abs(r.lo), abs(r.hi)))


def _one_sided_limits(ev: _Evaluator, p: float, lo: float, hi: float) -> list[tuple[float, float]]:
    """|f'| extrapolated to a declared kink p from each side (the supremum there when f'(p)
    itself, by convention, takes another value), as (value, side)."""
    out = []
    h = 2.0**-20 * max(1.0, abs(p))
    for side in (-1.0, 1.0):
        a, b = p + side * h, p + side * 2 * h
        if not lo <= min(a, b) or not max(a, b) <= hi:
            continue
        g1, g2 = np.abs(ev.grad(np.array([a, b])))
        out.append((float(2 * g1 - g2), side))
    return out


def _improves(candidate: float, current: float, larger: bool) -> bool:
    """True when candidate beats current by more than rounding noise (4 ulp)."""
    if math.isnan(current):
        return not math.isnan(candidate)
    margin = 4 * math.ulp(abs(current)) if math.isfinite(current) else 0.0
    return candidate > current + margin if larger else candidate < current - margin


def _refined_extreme(
    f: Callable[[np.ndarray], np.ndarray], probes: np.ndarray, extreme: _Extreme, larger: bool, lo: float, hi: float
) -> _Extreme:
    """The extreme of f, refined between the probes either side of where it was sampled."""
    if math.isnan(extreme.x):
        return extreme
    i = int(np.searchsorted(probes, extreme.x))
    a = float(probes[max(i - 1, 0)]) if probes.size else lo
    b = float(probes[min(i + 1, probes.size - 1)]) if probes.size else hi
    a, b = max(lo, min(a, extreme.x)), min(hi, max(b, extreme.x))
    better = regions.refine_minimum(f, a, b, larger=larger)
    out = _Extreme(extreme.value, extreme.x)
    if better is not None and _improves(better[1], out.value, larger):
        out.value, out.x = better[1], better[0]
    return out


def _grid_pass(ev: _Evaluator, window: tuple[float, float], num: int, chunk: int, workers: int) -> list[_GridChunk]:
    lo, hi = window

    def work(span: tuple[int, int]) -> _GridChunk:
        x = chunk_points(lo, hi, num, *span)
        y, dy = ev.rounded(x)
        part = _GridChunk(float(y[0]), float(y[-1]))
        part.y_min.offer(y, x, larger=False)
        part.y_max.offer(y, x, larger=True)
        part.grad_max.offer(np.abs(dy), x, larger=True)
        with np.errstate(all="ignore"):  # inf - inf where a function overflows: not evidence
            steps = np.diff(y)
        part.increasing = bool(np.all(dy >= 0) and np.all(steps >= 0))
        part.decreasing = bool(np.all(dy <= 0) and np.all(steps <= 0))
        part.non_finite = int(np.count_nonzero(~(np.isfinite(y) & np.isfinite(dy))))
        return part

    return map_threads(work, list(chunk_ranges(num, chunk)), workers)


def analyze(
    bound: BoundActivation,
    window: tuple[float, float] = (-10.0, 10.0),
    num: int = 10_001,
    saturation: float = 0.01,
    dtype: str = "float64",
    chunk: int = CHUNK,
    workers: int | None = None,
) -> Analysis:
    """Analyse one bound activation on the window ``[lo, hi]``.

    Parameters
    ----------
    bound : BoundActivation
    window : (float, float)
        LO < HI, both finite, with a finite width (see :func:`actplot.numerics.check_grid`).
    num : int
        Points of the user's grid, at least 2; it adds candidates for the extremes and counts
        non-finite values, but no region depends on it. Memory does not grow with it.
    saturation : float
        tau: |f'| in (0, tau) is saturating; f' == 0 exactly is a zero gradient.
    dtype : str
        Values and derivatives are the float64 results correctly rounded to this format: the
        best any implementation in it can do (frameworks may do worse: ``check --against``).
    chunk, workers : int
        Chunk size and thread count for the grid (default: the machine's cores).

    Returns
    -------
    Analysis
    """
    lo, hi = float(window[0]), float(window[1])
    check_grid(lo, hi, num)
    check_saturation(saturation)
    resolve_dtype(dtype)
    ev = _Evaluator(bound, dtype)
    width = hi - lo
    point_width = POINT_WIDTH * width
    singular = tuple(float(p) for p in (*bound.field("kinks"), *bound.field("jumps")))

    probes = regions.probe_points(lo, hi, singular)
    y, dy = ev.rounded(probes)
    states = _states(dy, saturation)

    def state_at(points: np.ndarray) -> np.ndarray:
        return _states(ev.grad(points), saturation)

    changes = _state_boundaries(ev, probes, states, dy, saturation)
    first = int(states[0])
    all_zero = regions.runs(first, changes, lo, hi, ZERO)
    # f' == 0 at a point (gaussian's maximum at 0) is a stationary point inside a low band, not
    # a zero-gradient region: it joins the band around it
    zero_points = [r for r in all_zero if r.width <= point_width]
    zero_runs = _drop_points(all_zero, point_width)
    low = _merge_touching(regions.runs(first, changes, lo, hi, SATURATED) + zero_points, point_width)
    saturated_runs = _drop_points(low, point_width)
    flushed = tuple(r for r in zero_runs if _is_flushed(ev, r, probes, lo, hi))
    dead = tuple(r for r in zero_runs if r not in flushed)
    stationary = _stationary_points(ev, probes, dy, point_width, zero_points, zero_runs)
    tail_runs, band_runs = _split_saturation(list(saturated_runs), state_at, lo, hi, stationary, zero_runs, point_width)
    zero_runs, saturated_runs, flushed, dead, tails, bands = (
        _snap(tuple(r), singular) for r in (zero_runs, saturated_runs, flushed, dead, tail_runs, band_runs)
    )

    # extremes: the probes and the user's grid offer candidates; each is refined around itself
    threads = 1 if is_plugin(bound) else workers or default_threads()  # plugins: main thread only
    parts = _grid_pass(ev, (lo, hi), num, chunk, threads)
    y_min, y_max, grad_max = _Extreme(), _Extreme(), _Extreme()
    y_min.offer(y, probes, larger=False)
    y_max.offer(y, probes, larger=True)
    grad_max.offer(np.abs(dy), probes, larger=True)
    increasing = bool(np.all(dy >= 0))
    decreasing = bool(np.all(dy <= 0))
    with np.errstate(all="ignore"):
        steps = np.diff(y)
    finite_steps = steps[np.isfinite(steps)]
    increasing &= bool(np.all(finite_steps >= 0))
    decreasing &= bool(np.all(finite_steps <= 0))
    previous: _GridChunk | None = None
    non_finite = 0
    for part in parts:
        y_min.merge(part.y_min, False)
        y_max.merge(part.y_max, True)
        grad_max.merge(part.grad_max, True)
        increasing &= part.increasing and (previous is None or part.first_y >= previous.last_y)
        decreasing &= part.decreasing and (previous is None or part.first_y <= previous.last_y)
        non_finite += part.non_finite
        previous = part
    y_min = _refined_extreme(ev.value, probes, y_min, False, lo, hi)
    y_max = _refined_extreme(ev.value, probes, y_max, True, lo, hi)

    def grad_magnitude(t: np.ndarray) -> np.ndarray:
        return np.abs(ev.grad(t))

    grad_max = _refined_extreme(grad_magnitude, probes, grad_max, True, lo, hi)
    plateau: tuple[Interval, ...] = ()
    attained = True
    if math.isfinite(grad_max.value):
        # within 4 ulp of the largest |f'|: rounding lifts a float or two near a smooth maximum
        # above the true maximum (sigmoid' = 0.25000000000000006 at x = -1.4e-8)
        top = grad_max.value - 4 * math.ulp(grad_max.value)

        def at_top(points: np.ndarray) -> np.ndarray:
            return (grad_magnitude(points) >= top).astype(int)

        top_states = (np.abs(dy) >= top).astype(int)
        top_changes = regions.boundaries(at_top, probes, top_states)
        top_runs = tuple(regions.runs(int(top_states[0]), top_changes, lo, hi, 1))

        def on_top(t: float) -> bool:
            return bool(at_top(np.array([t]))[0])

        plateau = _plateaus(_snap(top_runs, singular, on_top, 1e-9 * width))
        if not plateau:
            # a smooth maximum: f' rounds to its largest value on a few floats around it (sigmoid'
            # = 0.25 for |x| < 1.4e-8); the middle of that run is the maximum, not its first float
            for run in top_runs:
                if run.lo <= grad_max.x <= run.hi:
                    grad_max.x = 0.5 * run.lo + 0.5 * run.hi
    if not plateau:
        # a supremum approached at a kink, where f' by convention takes another value (hardswish'
        # tends to 1.5 as x -> 3 from below, but f'(3) = 1), is not attained
        for p in singular:
            if not lo <= p <= hi:
                continue
            at_p = float(np.abs(ev.grad(np.array([p])))[0])
            for value, _side in _one_sided_limits(ev, p, lo, hi):
                close = abs(value - grad_max.value) <= 1e-9 * abs(grad_max.value)
                if (close or value > grad_max.value) and at_p < value * (1 - 1e-9):
                    grad_max.value, grad_max.x, attained = max(value, grad_max.value), p, False
    curvature = _curvature(ev, probes, lo, hi, singular)
    distinct = _distinct_outputs(ev, probes, y, (lo, hi), tuple(float(p) for p in bound.field("jumps")))
    moments = _gaussian_moments(bound)
    rms = math.sqrt(moments[1]) if moments[1] > 0 else 0.0
    zero_centred = bool(math.isfinite(moments[0]) and abs(moments[0]) <= ZERO_CENTRED_RATIO * rms)
    value_at_zero, grad_at_zero = ev.at(0.0)
    declared = bound.output_range()
    return Analysis(
        name=bound.name,
        label=bound.label,
        params=bound.params,
        output_min=y_min.value,
        output_max=y_max.value,
        theoretical_range=(declared.lo, declared.hi),
        range_text=declared.text(),
        monotonic=bool(increasing or decreasing),
        zero_centered=zero_centred,
        gaussian_mean=moments[0],
        gaussian_second_moment=moments[1],
        gain=1.0 / rms if rms > 0 else math.inf,
        continuity=str(bound.field("continuity")),
        value_at_zero=value_at_zero,
        grad_at_zero=grad_at_zero,
        max_abs_grad=grad_max.value,
        argmax_abs_grad=plateau[0].lo if plateau else grad_max.x,
        max_abs_grad_attained=attained,
        max_abs_grad_on=plateau,
        zero_gradient=zero_runs,
        zero_gradient_fraction=_fraction(zero_runs, width),
        dead=dead,
        dead_fraction=_fraction(dead, width),
        flushed=flushed,
        flushed_fraction=_fraction(flushed, width),
        saturation=saturated_runs,
        saturation_fraction=_fraction(saturated_runs, width),
        saturation_tails=tuple(tails),
        saturation_tails_fraction=_fraction(tuple(tails), width),
        near_stationary=tuple(bands),
        near_stationary_fraction=_fraction(tuple(bands), width),
        stationary_points=tuple(stationary),
        derivative=bound.derivative_kind,
        non_finite=non_finite,
        distinct_outputs=distinct,
        max_abs_curvature=curvature[0],
        argmax_abs_curvature=curvature[1],
        convex=curvature[2],
        concave=curvature[3],
        second_derivative=bound.second_derivative_kind,
    )


def _curvature(
    ev: _Evaluator, probes: np.ndarray, lo: float, hi: float, singular: tuple[float, ...]
) -> tuple[float, float, tuple[Interval, ...], tuple[Interval, ...]]:
    """max |f''| and where, and the convex (f'' > 0) and concave (f'' < 0) regions: sign changes
    of f'' on the probes refined to adjacent floats, as the other regions are; f'' == 0 (a
    linear piece) is neither, and an isolated point of either sign (a kink's value) is dropped."""
    d2 = ev.curvature(probes)
    magnitude = np.where(np.isfinite(d2), np.abs(d2), -1.0)
    best = _Extreme()
    best.offer(magnitude, probes, larger=True)

    def curvature_magnitude(t: np.ndarray) -> np.ndarray:
        v = np.abs(ev.curvature(t))
        return np.where(np.isfinite(v), v, -1.0)

    best = _refined_extreme(curvature_magnitude, probes, best, True, lo, hi)

    def sign_at(points: np.ndarray) -> np.ndarray:
        return np.sign(np.nan_to_num(ev.curvature(points))).astype(int)

    states = np.sign(np.nan_to_num(d2)).astype(int)
    changes: list[tuple[float, int]] = []
    cells = regions.transitions(probes, states)
    for left, right, old, new in cells:
        if len(cells) > MAX_REFINED_INFLECTIONS:
            # sinc on [-1000, 1000] changes curvature 640 times: each boundary is then given to
            # the probes' resolution (1/8192 of the window, the same at every --num), unrefined
            changes.append((right, new))
            continue
        found = regions.changes_in_cell(sign_at, left, right, old, new)
        if found[-1][1] != new:  # a noisy (numeric) f'' flipping more often than the cell allows
            found.append((right, new))
        changes += found
    width = hi - lo
    point_width = POINT_WIDTH * width

    def kind(state: int) -> tuple[Interval, ...]:
        runs = _drop_points(regions.runs(int(states[0]), changes, lo, hi, state), point_width)
        return tuple(_snap_to_zero(_snap_adjacent(r, singular)) for r in runs)

    value = best.value if best.value >= 0 else math.nan
    argmax = best.x
    if math.isfinite(value) and value > 0:
        # a smooth maximum: |f''| rounds to its largest value on a run of floats around it
        # (gelu'' for |x| < 1e-8); the middle of that run is the maximum, not its first float
        top = value - 4 * math.ulp(value)

        def at_top(points: np.ndarray) -> np.ndarray:
            return (curvature_magnitude(points) >= top).astype(int)

        top_states = (magnitude >= top).astype(int)
        top_runs = regions.runs(int(top_states[0]), regions.boundaries(at_top, probes, top_states), lo, hi, 1)
        for run in top_runs:
            if run.lo <= best.x <= run.hi and run.width < 1e-6 * width:
                argmax = 0.5 * run.lo + 0.5 * run.hi
    argmax = 0.0 if abs(argmax) < TINY else argmax
    return value, argmax, kind(1), kind(-1)


#: Beyond this many sign changes of f'' on the probes, their boundaries are not refined.
MAX_REFINED_INFLECTIONS = 64
#: A region's end or an extreme this close to 0 is at 0 (f'' of an odd function changes sign
#: between the floats -5e-324 and 5e-324; 0 itself has f'' = 0 and belongs to neither side).
TINY = 1e-300


def _snap_adjacent(run: Interval, singular: tuple[float, ...]) -> Interval:
    """An end on a kink, or one float beside it, is that kink (open when the kink's own value,
    PyTorch's convention, is not in the run): sparse_plus is convex on (-1, 1)."""
    lo, hi, lo_open, hi_open = run.lo, run.hi, run.lo_open, run.hi_open
    for p in singular:
        if lo == p or lo == float(np.nextafter(p, np.inf)):
            lo, lo_open = p, lo != p
        if hi == p or hi == float(np.nextafter(p, -np.inf)):
            hi, hi_open = p, hi != p
    return Interval(lo, hi, lo_open, hi_open)


def _snap_to_zero(run: Interval) -> Interval:
    lo_zero, hi_zero = abs(run.lo) < TINY and run.lo != 0, abs(run.hi) < TINY and run.hi != 0
    if not (lo_zero or hi_zero):
        return run
    return Interval(
        0.0 if lo_zero else run.lo, 0.0 if hi_zero else run.hi,
        True if lo_zero else run.lo_open, True if hi_zero else run.hi_open,
    )  # fmt: skip


def _distinct_outputs(
    ev: _Evaluator, probes: np.ndarray, y: np.ndarray, window: tuple[float, float], jumps: tuple[float, ...]
) -> int:
    """How many values of the format f takes on the window: on each piece between declared jumps
    f is continuous, so it takes every value of the format between its rounded minimum and
    maximum there; the pieces' ranges (and the values at the jumps themselves) are united."""
    from actplot.rounding import ordinal

    lo, hi = window
    cuts = sorted(p for p in jumps if lo < p < hi)
    edges = [lo, *cuts, hi]
    spans: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(edges):
        inside = (probes > a) & (probes < b) if (a, b) != (lo, hi) else np.ones(probes.size, bool)
        values = y[inside & np.isfinite(y)]
        if not values.size:
            continue
        low = _Extreme(
            float(values.min()), float(probes[inside][np.argmin(np.where(np.isfinite(y[inside]), y[inside], np.inf))])
        )
        high = _Extreme(
            float(values.max()), float(probes[inside][np.argmax(np.where(np.isfinite(y[inside]), y[inside], -np.inf))])
        )
        piece = probes[inside]
        low = _refined_extreme(ev.value, piece, low, False, a, b)
        high = _refined_extreme(ev.value, piece, high, True, a, b)
        first, last = ordinal(np.array([low.value, high.value]), ev.dtype)
        spans.append((int(first), int(last)))
    for p in cuts:
        value = ev.value(np.array([p]))
        if np.isfinite(value[0]):
            k = int(ordinal(value, ev.dtype)[0])
            spans.append((k, k))
    spans.sort()
    total, reach = 0, None
    for first, last in spans:
        if reach is None or first > reach:
            total += last - first + 1
            reach = last
        elif last > reach:
            total += last - reach
            reach = last
    return total


def _gaussian_moments(bound: BoundActivation) -> tuple[float, float]:
    """(E[f(z)], E[f(z)^2]) for z ~ N(0, 1), by quadrature, in float64 (actplot.propagation)."""
    from actplot.propagation import _Gaussian

    mean, second, _ = _Gaussian(bound).moments(1.0)
    return mean, second


def check_saturation(tau: float) -> None:
    from actplot.errors import UsageError

    if not (isinstance(tau, (int, float)) and math.isfinite(tau) and tau > 0):
        raise UsageError(f"--saturation {tau}: must be a finite number > 0 (e.g. 0.01)")


def compare(
    bounds: list[BoundActivation],
    window: tuple[float, float] = (-10.0, 10.0),
    num: int = 10_001,
    saturation: float = 0.01,
    dtype: str = "float64",
    workers: int | None = None,
    progress: Callable[[BoundActivation], None] | None = None,
) -> Comparison:
    """Analyse each activation on the same window (see :func:`analyze`)."""
    analyses = []
    for bound in bounds:
        analyses.append(analyze(bound, window, num, saturation, dtype, workers=workers))
        if progress is not None:
            progress(bound)
    return Comparison((float(window[0]), float(window[1])), num, saturation, dtype, tuple(analyses))


def diff(
    a: BoundActivation,
    b: BoundActivation,
    window: tuple[float, float] = (-10.0, 10.0),
    num: int = 10_001,
    tolerance: float = 1e-3,
    chunk: int = CHUNK,
    workers: int | None = None,
) -> Difference:
    """max |A - B| and max |A' - B'| with where, the mean |A - B| over the grid, and the
    intervals where |A - B| > tolerance (found as :func:`analyze` finds regions: independent of
    ``num``)."""
    lo, hi = float(window[0]), float(window[1])
    check_grid(lo, hi, num)
    if not (math.isfinite(tolerance) and tolerance >= 0):
        from actplot.errors import UsageError

        raise UsageError(f"--tol {tolerance}: must be a finite number >= 0")
    width = hi - lo
    ea, eb = _Evaluator(a, "float64"), _Evaluator(b, "float64")

    def both(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ya, da = ea.exact(x)
        yb, db = eb.exact(x)
        with np.errstate(all="ignore"):
            return np.abs(ya - yb), np.abs(da - db)

    def state_at(points: np.ndarray) -> np.ndarray:
        return (both(points)[0] > tolerance).astype(int)

    singular = tuple(float(p) for s in (a, b) for p in (*s.field("kinks"), *s.field("jumps")))
    probes = regions.probe_points(lo, hi, singular)
    gap, grad_gap = both(probes)
    states = (gap > tolerance).astype(int)
    changes = regions.boundaries(state_at, probes, states)
    # a peak of |A - B| between two probes below the tolerance can rise above it
    below = np.where(states == 0, -gap, -np.inf)
    for left, right in regions.local_minima(probes, below, -tolerance):
        peak = regions.refine_minimum(lambda t: both(t)[0], left, right, larger=True)
        if peak is not None and peak[1] > tolerance:
            changes += regions.changes_in_cell(state_at, left, peak[0], 0, 1)
            changes += regions.changes_in_cell(state_at, peak[0], right, 1, 0)
    found = _drop_points(regions.runs(int(states[0]), sorted(set(changes)), lo, hi, 1), POINT_WIDTH * width)

    def work(span: tuple[int, int]) -> tuple[_Extreme, _Extreme, float]:
        x = chunk_points(lo, hi, num, *span)
        g, gg = both(x)
        value, grad = _Extreme(), _Extreme()
        value.offer(g, x, larger=True)
        grad.offer(gg, x, larger=True)
        return value, grad, float(np.sum(g))

    threads = 1 if is_plugin(a) or is_plugin(b) else workers or default_threads()
    parts = map_threads(work, list(chunk_ranges(num, chunk)), threads)
    value_max, grad_max = _Extreme(), _Extreme()
    value_max.offer(gap, probes, larger=True)
    grad_max.offer(grad_gap, probes, larger=True)
    for value, grad, _total in parts:
        value_max.merge(value, True)
        grad_max.merge(grad, True)
    mean = sum(p[2] for p in parts) / num
    value_max = _refined_extreme(lambda t: both(t)[0], probes, value_max, True, lo, hi)
    grad_max = _refined_extreme(lambda t: both(t)[1], probes, grad_max, True, lo, hi)
    return Difference(
        a.label, b.label, (lo, hi), num, tolerance, value_max.value, value_max.x, grad_max.value, grad_max.x,
        mean, found, _fraction(found, width),
    )  # fmt: skip
