"""The analysis engine against closed forms computed here, independently of the implementation."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from actplot import UsageError, bind, load_registry, resolve
from actplot.analysis import Interval, analyze, chunk_points, compare, diff

TAU = 0.01


def flat(intervals) -> list[float]:
    """Intervals as a flat list of endpoints, for pytest.approx."""
    return [v for i in intervals for v in (i.lo, i.hi)]


def one(spec: str, **kwargs):
    (bound,) = resolve(spec)
    return analyze(bound, **kwargs)


def sigmoid_boundary(tau: float) -> float:
    """The x > 0 where sigma(x)(1 - sigma(x)) = tau: s = (1 + sqrt(1 - 4 tau)) / 2, x = logit(s)."""
    s = (1 + math.sqrt(1 - 4 * tau)) / 2
    return math.log(s / (1 - s))


def test_sigmoid_saturation_boundary_is_the_closed_form():
    a = one("sigmoid")
    b = sigmoid_boundary(TAU)
    assert b == pytest.approx(4.584863339, abs=1e-9)
    assert flat(a.saturation) == pytest.approx([-10, -b, b, 10], abs=1e-9)
    assert a.zero_gradient == ()
    assert a.saturation_fraction == pytest.approx(2 * (10 - b) / 20, abs=1e-9)


def test_tanh_saturation_boundary_is_atanh_of_sqrt_one_minus_tau():
    b = math.atanh(math.sqrt(1 - TAU))
    (left, right) = one("tanh").saturation
    assert (left.hi, right.lo) == pytest.approx((-b, b), abs=1e-9)


def test_elu_left_tail_saturates_below_log_tau():
    (tail,) = one("elu").saturation
    assert (tail.lo, tail.hi) == pytest.approx((-10.0, math.log(TAU)), abs=1e-9)


def test_relu_and_hardtanh_boundaries_are_exact():
    assert one("relu").zero_gradient == (Interval(-10.0, 0.0),)
    assert one("hardtanh").zero_gradient == (Interval(-10.0, -1.0), Interval(1.0, 10.0))
    assert one("hardtanh:min_val=-2,max_val=3").zero_gradient == (Interval(-10.0, -2.0), Interval(3.0, 10.0))


def test_binary_step_is_dead_everywhere():
    a = one("binary_step")
    assert a.zero_gradient == (Interval(-10.0, 10.0),) and a.zero_gradient_fraction == 1.0


@pytest.mark.parametrize(
    "spec", ["sigmoid", "tanh", "elu", "relu", "hardtanh", "gelu", "hardswish", "tanhshrink", "sinusoid"]
)
def test_boundaries_do_not_depend_on_num(spec):
    coarse, fine = one(spec, num=101), one(spec, num=100_001)
    for a, b in ((coarse.zero_gradient, fine.zero_gradient), (coarse.saturation, fine.saturation)):
        assert flat(a) == pytest.approx(flat(b), abs=1e-9)


def test_chunked_and_unchunked_analyses_are_identical():
    (bound,) = resolve("gelu")
    whole = analyze(bound, num=20_001, chunk=20_001, workers=1)
    assert analyze(bound, num=20_001, chunk=999, workers=2) == whole


def test_chunk_points_are_numpys_linspace():
    x = np.concatenate([chunk_points(-3.7, 11.1, 1234, a, min(a + 100, 1234)) for a in range(0, 1234, 100)])
    np.testing.assert_array_equal(x, np.linspace(-3.7, 11.1, 1234))


def test_true_extremes_not_only_the_grids():
    a = one("gelu", num=11)  # the grid misses the minimum at -0.7518 entirely
    assert a.output_min == pytest.approx(-0.16997120747990366, rel=1e-12)
    assert one("silu", num=11).output_min == pytest.approx(-0.2784645427610738, rel=1e-12)


def test_scalar_facts():
    a = one("gelu")
    assert a.value_at_zero == 0.0 and a.grad_at_zero == 0.5
    # E[z Phi(z)] = E[phi(z)] = 1/(2 sqrt(pi)): gelu's outputs are not centred on zero, though
    # gelu(0) = 0 (the old column confused the two)
    assert a.gaussian_mean == pytest.approx(1 / (2 * math.sqrt(math.pi)), rel=1e-13) and not a.zero_centered
    assert not a.monotonic
    # max gelu' is at x = sqrt(2): Phi(x) + x phi(x) has derivative phi(x)(2 - x^2)
    assert a.argmax_abs_grad == pytest.approx(math.sqrt(2), abs=1e-7)
    assert a.max_abs_grad == pytest.approx(float(mp.ncdf(mp.sqrt(2)) + mp.sqrt(2) * mp.npdf(mp.sqrt(2))), rel=1e-14)
    assert one("sigmoid").monotonic and not one("sigmoid").zero_centered


def test_monotonic_sees_a_downward_jump():
    assert not one("threshold:threshold=1,value=5").monotonic
    assert one("hardshrink").monotonic


def test_float32_reports_underflowed_gradient_as_zero():
    a64, a32 = one("sigmoid", window=(-200, 200)), one("sigmoid", window=(-200, 200), dtype="float32")
    assert a64.zero_gradient == ()
    # sigma'(x) = e^-|x| / (1 + e^-|x|)^2 falls below float32's smallest subnormal 2^-149 where
    # |x| > 149 ln 2 (the rounding to float32 flushes what is below half of it).
    (left, right) = a32.zero_gradient
    expected = 149 * math.log(2) + math.log(2)  # below 2^-150 rounds to 0
    assert right.lo == pytest.approx(expected, abs=1e-6) and left.hi == pytest.approx(-expected, abs=1e-6)


def test_compare_all_builtins_runs_and_names_each(registry):
    result = compare([bind(a) for a in registry.values()], num=2001)
    assert [a.name for a in result.analyses] == list(registry)


def test_diff_gelu_and_its_tanh_approximation_against_mpmath():
    a, b = resolve(["gelu", "gelu:approximate=tanh"])
    d = diff(a, b)
    mp.mp.dps = 30

    def gap(x):
        u = mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)
        return x * mp.ncdf(x) - x / 2 * (1 + mp.tanh(u))

    # the extremes of the gap are where its derivative vanishes, near |x| = 2.7
    x_star = mp.findroot(lambda x: mp.diff(gap, x), -2.7)
    assert d.max_abs_diff == pytest.approx(float(abs(gap(x_star))), rel=1e-9)
    assert abs(d.argmax_abs_diff) == pytest.approx(float(abs(x_star)), abs=1e-6)
    assert d.max_abs_diff == pytest.approx(4.73e-4, rel=1e-3)
    assert d.regions == ()


def test_diff_regions_where_they_differ():
    a, b = resolve(["relu", "leaky_relu:negative_slope=0.1"])
    d = diff(a, b, window=(-5, 5), tolerance=0.2)
    assert flat(d.regions) == pytest.approx([-5.0, -2.0], abs=1e-9)
    assert d.max_abs_diff == pytest.approx(0.5) and d.argmax_abs_diff == -5.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": (5, -5)}, "LO must be less than HI"),
        ({"window": (1, 1)}, "LO must be less than HI"),
        ({"window": (0, math.inf)}, "finite"),
        ({"num": 1}, "at least 2"),
        ({"num": 2.5}, "integer"),
        ({"saturation": -1.0}, "> 0"),
        ({"saturation": math.nan}, "> 0"),
    ],
)
def test_bad_analysis_input(kwargs, message):
    (bound,) = resolve("relu")
    with pytest.raises(UsageError, match=message):
        analyze(bound, **kwargs)


def test_every_builtin_analyses_without_non_finite_values():
    registry = load_registry(autoload=False)
    for act in registry.values():
        a = analyze(bind(act), num=1001)
        assert a.non_finite == 0, act.name
