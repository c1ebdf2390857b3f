"""Hypothesis properties over every built-in: finite where it should be; f' agrees with a numeric f'."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from actplot import bind, evaluate, load_registry
from actplot.numerics import numeric_derivative, step_size
from tests.conftest import BUILTIN_NAMES

REGISTRY = load_registry(autoload=False)
finite_x = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
@given(x=finite_x)
def test_values_and_derivatives_are_finite(name, x):
    ev = evaluate(bind(REGISTRY[name]), np.array([x]))
    # where the true value exceeds the largest float64: e^x above 709.78, s x^2 above ~1.3e154
    squares = {"relu2": 1.0, "star_relu": 0.8944, "xielu": 0.8}
    overflows = (name == "exponential" and x > 709.78) or (
        name in squares and x > 0 and 2 * math.log(x) + math.log(squares[name]) > math.log(1.7976931348623157e308)
    )
    assert np.isfinite(ev.y[0]) or overflows
    assert np.isfinite(ev.dy[0]) or overflows


@pytest.mark.parametrize("name", BUILTIN_NAMES)
@given(x=st.floats(min_value=-60, max_value=60, allow_nan=False))
@settings(deadline=None)
def test_derivative_matches_numeric_away_from_kinks(name, x):
    bound = bind(REGISTRY[name])
    singular = (*bound.field("kinks"), *bound.field("jumps"))
    margin = 4 * float(step_size(np.array(x)))
    assume(all(abs(x - k) > margin for k in singular))
    point = np.array([x])
    numeric = numeric_derivative(bound, point, "central")[0]
    analytic = evaluate(bound, point).dy[0]
    scale = max(1.0, abs(float(bound(point)[0])))
    assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-9 * scale)
