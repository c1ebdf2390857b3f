"""``actplot check``: compare each declared derivative with a numeric one over a wide grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actplot.numerics import evaluate_chunk, numeric_derivative, numeric_method, step_size
from actplot.spec import BoundActivation

# Loose enough for the numeric derivative's own rounding (complex step cancels too where the
# function's formula does), tight enough that a wrong hand-written derivative never passes.
RTOL = 1e-5
ATOL = 1e-7


@dataclass(frozen=True)
class DerivativeCheck:
    """The outcome of checking one declared derivative."""

    label: str
    checked: bool  # False when there is no declared derivative to check
    points: int
    mismatches: int
    worst_x: float | None = None
    declared: float | None = None
    numeric: float | None = None

    @property
    def ok(self) -> bool:
        return self.mismatches == 0


def check_grid() -> np.ndarray:
    """Dense near 0, logarithmic out to ±1000, with tiny magnitudes for the behaviour near 0."""
    dense = np.linspace(-20.0, 20.0, 4001)
    wide = np.logspace(-8, 3, 441)
    return np.unique(np.concatenate([dense, wide, -wide]))


def _away_from(x: np.ndarray, points: tuple[float, ...]) -> np.ndarray:
    # The numeric stencil spans 2h: keep it clear of every kink and jump.
    keep = np.ones(x.shape, dtype=bool)
    margin = 4 * step_size(x)
    for p in points:
        keep &= np.abs(x - p) > margin
    return keep


def check_derivative(bound: BoundActivation, x: np.ndarray | None = None) -> DerivativeCheck:
    """Compare ``bound``'s declared derivative with a numeric one away from its kinks and jumps.

    A point mismatches when |declared - numeric| > 1e-5 |numeric| + 1e-7 max|numeric|.
    """
    if bound.activation.derivative is None:
        return DerivativeCheck(bound.label, False, 0, 0)
    grid = _points(bound, x)
    with np.errstate(all="ignore"):
        y, declared = evaluate_chunk(bound, grid)
        numeric = numeric_derivative(bound, grid, numeric_method(bound))
    return _verdict(bound.label, grid, y, declared, numeric, RTOL)


def _points(bound: BoundActivation, x: np.ndarray | None) -> np.ndarray:
    """The check grid (or ``x``) without the points whose stencil would reach a kink or jump."""
    grid = check_grid() if x is None else np.asarray(x, dtype=float)
    return grid[_away_from(grid, (*bound.field("kinks"), *bound.field("jumps")))]


def _verdict(
    label: str, grid: np.ndarray, y: np.ndarray, declared: np.ndarray, numeric: np.ndarray, rtol: float
) -> DerivativeCheck:
    """Mismatches where |declared - numeric| > rtol |numeric| + ATOL max|numeric| (finite points)."""
    with np.errstate(all="ignore"):
        usable = np.isfinite(y) & np.isfinite(numeric)
        scale = np.max(np.abs(numeric[usable]), initial=1.0)
        error = np.abs(declared - numeric)
        bad = usable & ~(error <= rtol * np.abs(numeric) + ATOL * scale)
    count = int(bad.sum())
    if not count:
        return DerivativeCheck(label, True, int(usable.sum()), 0)
    worst = int(np.argmax(np.where(bad, error / (np.abs(numeric) + 1e-300), -1.0)))
    return DerivativeCheck(
        label, True, int(usable.sum()), count, float(grid[worst]), float(declared[worst]), float(numeric[worst])
    )


def check_second_derivative(bound: BoundActivation, x: np.ndarray | None = None) -> DerivativeCheck:
    """Compare the declared f'' with the numeric derivative of the declared f' (complex step where
    f' allows it, else central differences), away from kinks and jumps, at ten times f''s
    relative tolerance (a numeric f'' is a difference of f')."""
    from actplot.numerics import numeric_second_derivative, second_derivative_chunk

    if bound.activation.second_derivative is None:
        return DerivativeCheck(bound.label, False, 0, 0)
    grid = _points(bound, x)
    with np.errstate(all="ignore"):
        y, _slope = evaluate_chunk(bound, grid)
        declared = second_derivative_chunk(bound, grid)
        numeric = numeric_second_derivative(bound, grid, checked=False)
    # a numeric f'' (a difference of f') is a few digits short of f': 1e-4 relative
    return _verdict(bound.label, grid, y, declared, numeric, 10 * RTOL)
