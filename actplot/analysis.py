"""Pure analysis of activations over a window: ranges, dead and saturating regions, extremes, diffs.

The grid is streamed in chunks (identical points to ``numpy.linspace``), so memory stays bounded
whatever ``num`` is; chunks are evaluated on a thread pool (numpy releases the GIL). Region
boundaries found between grid points are refined by k-section on the scalar function to within
1e-10 of the window's width, and snapped to a declared kink or jump when one lies inside the
final bracket, so they do not depend on ``num``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from actplot.numerics import check_num, check_window, evaluate_chunk, is_plugin, resolve_dtype
from actplot.parallel import default_threads, map_threads
from actplot.spec import BoundActivation

T = TypeVar("T")

#: Points per chunk: big enough that numpy's per-call overhead is small, small enough that a
#: dozen temporaries per worker stay in cache (2**16 float64 = 512 KiB).
CHUNK = 1 << 16
#: Boundaries are refined to this fraction of the window's width (the promise is 1e-9).
RESOLUTION = 1e-11
NORMAL, ZERO, SATURATED = 0, 1, 2


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi] of x."""

    lo: float
    hi: float

    @property
    def width(self) -> float:
        return self.hi - self.lo


@dataclass(frozen=True)
class Analysis:
    """What matters for training about one activation on one window."""

    name: str
    label: str
    params: tuple[tuple[str, Any], ...]
    output_min: float
    output_max: float
    theoretical_range: tuple[float, float]
    monotonic: bool
    zero_centered: bool
    continuity: str
    value_at_zero: float
    grad_at_zero: float
    max_abs_grad: float
    argmax_abs_grad: float
    zero_gradient: tuple[Interval, ...]
    zero_gradient_fraction: float
    saturation: tuple[Interval, ...]
    saturation_fraction: float
    derivative: str
    non_finite: int


@dataclass(frozen=True)
class Comparison:
    """Analyses of several activations on one window."""

    window: tuple[float, float]
    num: int
    saturation_threshold: float
    dtype: str
    analyses: tuple[Analysis, ...]


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
    """A running extreme over the grid, keeping the grid neighbours for refinement."""

    value: float = math.nan
    x: float = math.nan
    index: int = -1

    def offer(self, values: np.ndarray, xs: np.ndarray, start: int, larger: bool) -> None:
        finite = np.isfinite(values)
        if not finite.any():
            return
        masked = np.where(finite, values, -np.inf if larger else np.inf)
        i = int(np.argmax(masked) if larger else np.argmin(masked))
        v = float(masked[i])
        better = math.isnan(self.value) or (v > self.value if larger else v < self.value)
        if better:
            self.value, self.x, self.index = v, float(xs[i]), start + i


@dataclass
class _Chunk:
    """What one chunk contributes; small, so that all of them can be held."""

    start: int
    first_x: float
    last_x: float
    first_state: int
    last_state: int
    first_y: float
    last_y: float
    transitions: list[tuple[float, float, int, int]] = field(default_factory=list)
    dips: list[tuple[float, float]] = field(default_factory=list)
    y_min: _Extreme = field(default_factory=_Extreme)
    y_max: _Extreme = field(default_factory=_Extreme)
    grad_max: _Extreme = field(default_factory=_Extreme)
    increasing: bool = True
    decreasing: bool = True
    non_finite: int = 0


@dataclass
class _DiffChunk:
    first_x: float
    last_x: float
    first_state: int
    last_state: int
    value: _Extreme = field(default_factory=_Extreme)
    grad: _Extreme = field(default_factory=_Extreme)
    total: float = 0.0
    transitions: list[tuple[float, float, int, int]] = field(default_factory=list)


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


def _rounded(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return values if dtype == np.float64 else values.astype(dtype).astype(np.float64)


def _evaluate(
    bound: BoundActivation, x: np.ndarray, dtype: np.dtype, method: str | None
) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(all="ignore"):
        y, dy = evaluate_chunk(bound, x, method)
    return _rounded(y, dtype), _rounded(dy, dtype)


def _states(dy: np.ndarray, tau: float) -> np.ndarray:
    magnitude = np.abs(dy)
    return np.where(magnitude == 0, ZERO, np.where(magnitude < tau, SATURATED, NORMAL))


def _transitions(x: np.ndarray, states: np.ndarray) -> list[tuple[float, float, int, int]]:
    change = np.flatnonzero(states[1:] != states[:-1])
    return [(float(x[i]), float(x[i + 1]), int(states[i]), int(states[i + 1])) for i in change]


def refine_boundary(
    state_at: Callable[[np.ndarray], np.ndarray], left: float, right: float, old: int, tol: float
) -> tuple[float, float]:
    """The bracket (a, b), b - a <= tol, where state_at first changes away from ``old`` in [left, right].

    k-section with 63 interior points a round: one vectorised evaluation divides the bracket by 64.
    When nothing inside changes, the change is at ``right`` itself.
    """
    while right - left > tol:
        inner = np.linspace(left, right, 65)[1:-1]
        changed = np.flatnonzero(state_at(inner) != old)
        if changed.size:
            i = int(changed[0])
            left, right = (float(inner[i - 1]) if i else left), float(inner[i])
        else:
            left = float(inner[-1])
        if not inner[0] < inner[-1]:  # the bracket is down to adjacent floats
            break
    return left, right


def refine_cell(
    state_at: Callable[[np.ndarray], np.ndarray],
    left: float,
    right: float,
    old: int,
    new: int,
    tol: float,
    snap: tuple[float, ...],
) -> list[tuple[float, int]]:
    """Every state change in the grid cell [left, right], as (x, state after x), in order.

    A cell may hold several (normal -> saturated -> zero at a point -> saturated -> normal); each
    is refined in turn. A boundary is snapped to a declared kink or jump inside its final bracket.
    """
    changes: list[tuple[float, int]] = []
    for _ in range(16):  # more changes than this inside one grid cell is noise at this resolution
        a, b = refine_boundary(state_at, left, right, old, tol)
        after = int(state_at(np.array([b]))[0])
        x = next((float(p) for p in snap if a - tol <= p <= b + tol), 0.5 * (a + b))
        changes.append((x, after))
        if after == new or b >= right:
            break
        left, old = b, after
    return changes


def _dip_candidates(x: np.ndarray, dy: np.ndarray, states: np.ndarray, tau: float) -> list[tuple[float, float]]:
    """Brackets where a region narrower than the grid spacing could hide between normal points:
    f' changing sign, or a strict local minimum of |f'| (beyond rounding noise) whose parabola
    through the three points dips below tau, or that is already within 4 tau of it."""
    with np.errstate(all="ignore"):  # overflowed values (inf - inf) are simply not candidates
        return _dip_brackets(x, dy, states == NORMAL, tau)


def _dip_brackets(x: np.ndarray, dy: np.ndarray, normal: np.ndarray, tau: float) -> list[tuple[float, float]]:
    brackets = []
    crossing = np.flatnonzero(normal[:-1] & normal[1:] & (np.sign(dy[:-1]) * np.sign(dy[1:]) < 0))
    brackets += [(float(x[i]), float(x[i + 1])) for i in crossing]
    if x.size >= 3:
        m0, m1, m2 = np.abs(dy[:-2]), np.abs(dy[1:-1]), np.abs(dy[2:])
        noise = 1e-9 * m1
        low = (m1 < m0 - noise) & (m1 < m2 - noise) & normal[:-2] & normal[1:-1] & normal[2:]
        curvature = 0.5 * (m0 - 2 * m1 + m2)
        vertex = m1 - (0.5 * (m2 - m0)) ** 2 / (4 * curvature)
        low &= (vertex < tau) | (m1 < 4 * tau)
        brackets += [(float(x[i]), float(x[i + 2])) for i in np.flatnonzero(low)]
    return brackets


def _dip(
    state_at: Callable[[np.ndarray], np.ndarray],
    magnitude: Callable[[np.ndarray], np.ndarray],
    left: float,
    right: float,
    tol: float,
    snap: tuple[float, ...],
) -> list[tuple[float, int]]:
    """A region narrower than the grid spacing, hidden in a local minimum of |f'| between two
    normal grid points: found by minimising |f'| in the cell pair, then refined on each side."""
    found = _refine_extreme(magnitude, left, right, False, tol)
    if found is None:
        return []
    bottom = found[0]
    inside = int(state_at(np.array([bottom]))[0])
    if inside == NORMAL:
        return []
    return refine_cell(state_at, left, bottom, NORMAL, inside, tol, snap) + refine_cell(
        state_at, bottom, right, inside, NORMAL, tol, snap
    )


def _intervals(
    first_state: int, boundaries: list[tuple[float, int]], lo: float, hi: float, state: int, tol: float
) -> tuple[Interval, ...]:
    """Runs of ``state`` from the boundary list [(x, new_state), ...].

    Runs no wider than the refinement tolerance are isolated points (a stationary point the grid
    happened to hit exactly): they have no width, are dropped, and the runs either side of them merge.
    """
    runs = []
    current, start = first_state, lo
    for x, new in boundaries:
        if current == state and new != state:
            runs.append(Interval(start, x))
        if new == state and current != state:
            start = x
        current = new
    if current == state:
        runs.append(Interval(start, hi))
    merged: list[Interval] = []
    for run in runs:
        if run.width <= 2 * tol:
            continue
        if merged and run.lo - merged[-1].hi <= 2 * tol:
            merged[-1] = Interval(merged[-1].lo, max(run.hi, merged[-1].hi))
        else:
            merged.append(run)
    return tuple(merged)


def _refine_extreme(
    f: Callable[[np.ndarray], np.ndarray], a: float, b: float, larger: bool, tol: float
) -> tuple[float, float] | None:
    """(x, f(x)) of the extreme of f in [a, b], by vectorised k-section zoom.

    Each round evaluates 65 points and keeps the two cells around the best one, shrinking the
    bracket 32-fold, so ~6 rounds reach 1e-11 of the window from a grid cell. (scipy.optimize would
    do it too, but importing it costs 0.25 s, which plot and compare would pay at every start.)
    """
    best: tuple[float, float] | None = None
    for _ in range(16):
        xs = np.linspace(a, b, 65)
        with np.errstate(all="ignore"):
            values = np.asarray(f(xs), dtype=float)
        finite = np.isfinite(values)
        if not finite.any():
            return best
        masked = np.where(finite, values, -np.inf if larger else np.inf)
        i = int(np.argmax(masked) if larger else np.argmin(masked))
        best = (float(xs[i]), float(values[i]))
        a, b = float(xs[max(i - 1, 0)]), float(xs[min(i + 1, 64)])
        if b - a <= tol:
            break
    return best


def _improves(candidate: float, current: float, larger: bool) -> bool:
    """True when candidate beats current by more than rounding noise (4 ulp)."""
    margin = 4 * math.ulp(abs(current)) if math.isfinite(current) else 0.0
    return candidate > current + margin if larger else candidate < current - margin


def _map_chunks(work: Callable[[tuple[int, int]], T], ranges: list[tuple[int, int]], workers: int) -> list[T]:
    return map_threads(work, ranges, workers)


def analyze(
    bound: BoundActivation,
    window: tuple[float, float] = (-10.0, 10.0),
    num: int = 10_001,
    saturation: float = 0.01,
    dtype: str = "float64",
    chunk: int = CHUNK,
    workers: int | None = None,
) -> Analysis:
    """Analyse one bound activation on ``numpy.linspace(*window, num)``.

    Parameters
    ----------
    bound : BoundActivation
    window : (float, float)
        LO < HI, both finite.
    num : int
        Grid points, at least 2; memory does not grow with it.
    saturation : float
        tau: |f'| in (0, tau) is a saturation region; f' == 0 exactly is a zero-gradient region.
    dtype : {"float64", "float32", "float16"}
        Values and derivatives are rounded to this precision before classification, so a
        gradient that underflows to 0 there is reported as zero-gradient.
    chunk, workers : int
        Chunk size and thread count (default: the machine's cores).

    Returns
    -------
    Analysis
    """
    lo, hi = float(window[0]), float(window[1])
    check_window(lo, hi)
    check_num(num, streaming=True)
    check_saturation(saturation)
    target = resolve_dtype(dtype)
    from actplot.numerics import numeric_method

    method = None if bound.activation.derivative is not None else numeric_method(bound)
    width = hi - lo
    tol = RESOLUTION * width
    singular = tuple(float(p) for p in (*bound.field("kinks"), *bound.field("jumps")))

    def work(span: tuple[int, int]) -> _Chunk:
        start, stop = span
        x = chunk_points(lo, hi, num, start, stop)
        y, dy = _evaluate(bound, x, target, method)
        states = _states(dy, saturation)
        part = _Chunk(start, float(x[0]), float(x[-1]), int(states[0]), int(states[-1]), float(y[0]), float(y[-1]))
        part.transitions = _transitions(x, states)
        part.dips = _dip_candidates(x, dy, states, saturation)
        part.y_min.offer(y, x, start, larger=False)
        part.y_max.offer(y, x, start, larger=True)
        part.grad_max.offer(np.abs(dy), x, start, larger=True)
        with np.errstate(all="ignore"):  # inf - inf where a function overflows: not monotonic evidence
            steps = np.diff(y)
        part.increasing = bool(np.all(dy >= 0) and np.all(steps >= 0))
        part.decreasing = bool(np.all(dy <= 0) and np.all(steps <= 0))
        part.non_finite = int(np.count_nonzero(~(np.isfinite(y) & np.isfinite(dy))))
        return part

    threads = 1 if is_plugin(bound) else workers or default_threads()  # plugins: main thread only
    parts = _map_chunks(work, list(chunk_ranges(num, chunk)), threads)

    def state_at(points: np.ndarray) -> np.ndarray:
        return _states(_evaluate(bound, points, target, method)[1], saturation)

    def values(points: np.ndarray) -> np.ndarray:
        return _evaluate(bound, points, target, method)[0]

    def grad_magnitudes(points: np.ndarray) -> np.ndarray:
        return np.abs(_evaluate(bound, points, target, method)[1])

    def value_at(t: float) -> float:
        return float(values(np.array([t]))[0])

    def grad_at(t: float) -> float:
        return float(_evaluate(bound, np.array([t]), target, method)[1][0])

    # Stitch the chunks: transitions inside chunks, and across their seams.
    raw: list[tuple[float, float, int, int]] = []
    dips: list[tuple[float, float]] = []
    increasing = decreasing = True
    y_min, y_max, grad_max = _Extreme(), _Extreme(), _Extreme()
    non_finite = 0
    previous: _Chunk | None = None
    for part in parts:
        if previous is not None:
            if previous.last_state != part.first_state:
                raw.append((previous.last_x, part.first_x, previous.last_state, part.first_state))
            increasing &= part.first_y >= previous.last_y
            decreasing &= part.first_y <= previous.last_y
        raw.extend(part.transitions)
        dips.extend(part.dips)
        increasing &= part.increasing
        decreasing &= part.decreasing
        non_finite += part.non_finite
        for mine, theirs, larger in (
            (y_min, part.y_min, False),
            (y_max, part.y_max, True),
            (grad_max, part.grad_max, True),
        ):
            if not math.isnan(theirs.value) and (
                math.isnan(mine.value) or (theirs.value > mine.value if larger else theirs.value < mine.value)
            ):
                mine.value, mine.x, mine.index = theirs.value, theirs.x, theirs.index
        previous = part

    boundaries = [change for a, b, old, new in raw for change in refine_cell(state_at, a, b, old, new, tol, singular)]
    for a, b in dips:
        boundaries += _dip(state_at, grad_magnitudes, a, b, tol, singular)
    boundaries.sort(key=lambda change: change[0])
    first_state = parts[0].first_state
    zero = _intervals(first_state, boundaries, lo, hi, ZERO, tol)
    saturated = _intervals(first_state, boundaries, lo, hi, SATURATED, tol)

    step = width / (num - 1)
    output_min, output_max = y_min.value, y_max.value
    max_grad, argmax_grad = grad_max.value, grad_max.x
    # The grid's extremes are refined in the cells around them: the true extreme of a smooth
    # function lies between the grid neighbours of the grid extreme.
    for extreme, larger in ((y_min, False), (y_max, True)):
        if extreme.index < 0:
            continue
        a, b = max(lo, extreme.x - step), min(hi, extreme.x + step)
        better = _refine_extreme(values, a, b, larger, tol)
        candidates = [better[1]] if better else []
        candidates += [value_at(p) for p in singular if lo <= p <= hi]
        for value in candidates:
            if larger and _improves(value, output_max, True):
                output_max = value
            if not larger and _improves(value, output_min, False):
                output_min = value
    if grad_max.index >= 0:
        a, b = max(lo, grad_max.x - step), min(hi, grad_max.x + step)
        better = _refine_extreme(grad_magnitudes, a, b, True, tol)
        if better and _improves(better[1], max_grad, True):
            argmax_grad, max_grad = better

    theoretical = tuple(float(v) for v in bound.field("output_range"))
    return Analysis(
        name=bound.name,
        label=bound.label,
        params=bound.params,
        output_min=output_min,
        output_max=output_max,
        theoretical_range=(theoretical[0], theoretical[1]),
        monotonic=bool(increasing or decreasing),
        zero_centered=value_at(0.0) == 0.0,
        continuity=str(bound.field("continuity")),
        value_at_zero=value_at(0.0),
        grad_at_zero=grad_at(0.0),
        max_abs_grad=max_grad,
        argmax_abs_grad=argmax_grad,
        zero_gradient=zero,
        zero_gradient_fraction=sum(i.width for i in zero) / width,
        saturation=saturated,
        saturation_fraction=sum(i.width for i in saturated) / width,
        derivative=bound.derivative_kind,
        non_finite=non_finite,
    )


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
    intervals where |A - B| > tolerance (boundaries refined as in :func:`analyze`)."""
    lo, hi = float(window[0]), float(window[1])
    check_window(lo, hi)
    check_num(num, streaming=True)
    if not (math.isfinite(tolerance) and tolerance >= 0):
        from actplot.errors import UsageError

        raise UsageError(f"--tol {tolerance}: must be a finite number >= 0")
    f64 = np.dtype(np.float64)
    width, tol = hi - lo, RESOLUTION * (hi - lo)
    methods = [None if s.activation.derivative is not None else _method(s) for s in (a, b)]

    def both(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ya, da = _evaluate(a, x, f64, methods[0])
        yb, db = _evaluate(b, x, f64, methods[1])
        with np.errstate(all="ignore"):
            return np.abs(ya - yb), np.abs(da - db)

    def work(span: tuple[int, int]) -> _DiffChunk:
        start, stop = span
        x = chunk_points(lo, hi, num, start, stop)
        with np.errstate(all="ignore"):
            gap, grad_gap = both(x)
        part = _DiffChunk(float(x[0]), float(x[-1]), int(gap[0] > tolerance), int(gap[-1] > tolerance))
        part.value.offer(gap, x, start, larger=True)
        part.grad.offer(grad_gap, x, start, larger=True)
        part.total = float(np.sum(gap))
        part.transitions = _transitions(x, (gap > tolerance).astype(int))
        return part

    threads = 1 if is_plugin(a) or is_plugin(b) else workers or default_threads()
    parts = _map_chunks(work, list(chunk_ranges(num, chunk)), threads)
    value_max, grad_max = _Extreme(), _Extreme()
    raw: list[tuple[float, float, int, int]] = []
    previous: _DiffChunk | None = None
    for part in parts:
        for mine, theirs in ((value_max, part.value), (grad_max, part.grad)):
            if not math.isnan(theirs.value) and (math.isnan(mine.value) or theirs.value > mine.value):
                mine.value, mine.x, mine.index = theirs.value, theirs.x, theirs.index
        if previous is not None and previous.last_state != part.first_state:
            raw.append((previous.last_x, part.first_x, previous.last_state, part.first_state))
        raw.extend(part.transitions)
        previous = part
    mean = sum(p.total for p in parts) / num

    def state_at(points: np.ndarray) -> np.ndarray:
        return (both(points)[0] > tolerance).astype(int)

    singular = tuple(float(p) for s in (a, b) for p in (*s.field("kinks"), *s.field("jumps")))
    boundaries = [change for l, r, old, new in raw for change in refine_cell(state_at, l, r, old, new, tol, singular)]
    regions = _intervals(parts[0].first_state, boundaries, lo, hi, 1, tol)

    step = width / (num - 1)
    best_value, best_x = value_max.value, value_max.x
    refined = _refine_extreme(lambda t: both(t)[0], max(lo, best_x - step), min(hi, best_x + step), True, tol)
    if refined and _improves(refined[1], best_value, True):
        best_x, best_value = refined
    best_grad, best_grad_x = grad_max.value, grad_max.x
    grad_bracket = max(lo, best_grad_x - step), min(hi, best_grad_x + step)
    refined = _refine_extreme(lambda t: both(t)[1], *grad_bracket, True, tol)
    if refined and _improves(refined[1], best_grad, True):
        best_grad_x, best_grad = refined
    return Difference(
        a.label, b.label, (lo, hi), num, tolerance, best_value, best_x, best_grad, best_grad_x,
        mean, regions, sum(i.width for i in regions) / width,
    )  # fmt: skip


def _method(bound: BoundActivation) -> str:
    from actplot.numerics import numeric_method

    return numeric_method(bound)
