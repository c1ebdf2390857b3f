"""Measuring actplot's built-ins against the mpmath references, in units in the last place."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import mpmath as mp
import numpy as np

from actplot import load_registry
from tests.mp_reference import reference, second_derivative

SMALLEST_NORMAL = 2.2250738585072014e-308
SPECIAL_POINTS = [
    0.0, 5e-324, 1e-300, 1e-100, 1e-15, 1e-10, 1e-5, 1e-3, 0.5, 1.0, 2.0, 3.0, 6.0,
    19.5, 20.0, 20.000000000000004, 20.5, 36.0, 36.75, 37.0, 40.0, 400.0,
    708.0, 709.78, 710.0, 720.0, 745.0, 800.0, 1000.0,
    0.7517915246935645, 0.7524614220710163, 1.278464542761074, 1.1924312145154952, 0.881373587019543,
    4.493409457909064, 8.374388923067457, 7.15, 11.2, 21.2, 37.6,
    # the trust review's points: gelu's tail (18.2, 37.7), gelu_tanh' through subnormals (21.2),
    # mish' (1.65), the floats nearest the roots of gelu', elish', mish' and around them
    18.2, 37.7, 1.6499999999999986, 0.751625, 0.78738, 0.881375, 1.1925, 169.23, 5.93, 0.56,
    # the whole float range
    1e300, 1e308, 1.7976931348623157e308,
]  # fmt: skip


def grid() -> np.ndarray:
    """The points every built-in is measured at: dense over [-1000, 1000] and [-40, 40], plus specials."""
    special = np.array(SPECIAL_POINTS)
    points = np.concatenate(
        [
            np.linspace(-1000, 1000, 2001),
            np.linspace(-40, 40, 1601),
            np.linspace(-1.6, -0.6, 201),  # around the roots of f' of the self-gated units
            special,
            -special,
        ]
    )
    return np.unique(points)


def ulps(got: float, true: mp.mpf) -> float:
    """|got - true| in units of the spacing of floats at the true value (normal range only).

    Returns 0 for a true value below the normal range when |got - true| is below the smallest
    normal float; such values are checked by ``underflow_error`` instead.
    """
    rounded = float(true)
    if math.isinf(rounded):
        return 0.0 if got == rounded else math.inf
    if math.isnan(got) or math.isinf(got):
        return math.inf
    error = abs(mp.mpf(got) - true)
    if abs(rounded) < SMALLEST_NORMAL:
        return 0.0 if error < SMALLEST_NORMAL else math.inf
    return float(error / mp.mpf(math.ulp(rounded)))


def mixed_ulps(got: float, true: mp.mpf, x: float, slope: mp.mpf) -> float:
    """The error in units of ulp(true) + ulp(x) |slope|: the mixed forward-backward measure.

    A result within B of these units is within B ulp of the true value at a point within B ulp
    of x. It differs from plain ULPs only where the quantity is ill-conditioned: at the float
    nearest a stationary point f' ~ 1e-17 is the difference of two terms ~0.2, and no float64
    algorithm resolves it to 4 ulp without extended precision.
    """
    rounded = float(true)
    if math.isinf(rounded) or abs(rounded) < SMALLEST_NORMAL or math.isnan(got) or math.isinf(got):
        return ulps(got, true)
    unit = mp.mpf(math.ulp(rounded)) + mp.mpf(math.ulp(x)) * abs(slope)
    return float(abs(mp.mpf(got) - true) / unit)


@dataclass(frozen=True)
class Measurement:
    name: str
    x: np.ndarray
    value_ulps: np.ndarray
    derivative_ulps: np.ndarray
    value_mixed: np.ndarray
    derivative_mixed: np.ndarray

    def worst(self, which: str) -> tuple[float, float]:
        errors = self.value_ulps if which == "value" else self.derivative_ulps
        i = int(np.argmax(errors))
        return float(errors[i]), float(self.x[i])


@cache
def measure(name: str) -> Measurement:
    """Evaluate the declared function and derivative (warnings are errors) and compare."""
    act = load_registry(autoload=False)[name]
    x = grid()
    y = np.asarray(act.function(x, **act.defaults), dtype=float)
    dy = np.asarray(act.derivative(x, **act.defaults), dtype=float)
    value_ulps, derivative_ulps = np.empty(x.size), np.empty(x.size)
    value_mixed, derivative_mixed = np.empty(x.size), np.empty(x.size)
    for i, xi in enumerate(x):
        fv, dv = reference(name, float(xi))
        value_ulps[i] = ulps(float(y[i]), fv)
        derivative_ulps[i] = ulps(float(dy[i]), dv)
        value_mixed[i] = min(value_ulps[i], mixed_ulps(float(y[i]), fv, float(xi), dv))
        derivative_mixed[i] = derivative_ulps[i]
        if derivative_ulps[i] > 4:  # only then is f'' worth its cost
            derivative_mixed[i] = min(
                derivative_ulps[i], mixed_ulps(float(dy[i]), dv, float(xi), second_derivative(name, float(xi)))
            )
    return Measurement(name, x, value_ulps, derivative_ulps, value_mixed, derivative_mixed)


if __name__ == "__main__":  # python -m tests.ulp: the table for the closing note
    print("| activation | worst f ULP (at x) | worst f' ULP (at x) | worst f' mixed |")
    print("|---|---|---|---|")
    for n in load_registry(autoload=False):
        m = measure(n)
        (fv, fx), (dv, dx) = m.worst("value"), m.worst("derivative")
        print(f"| {n} | {fv:.3g} ({fx:g}) | {dv:.3g} ({dx:g}) | {m.derivative_mixed.max():.3g} |")
