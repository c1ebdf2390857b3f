"""bfloat16 and float8 (issue 12): correct rounding, underflow boundaries against mpmath, distinct
outputs, the staircase plot and ``actplot precision``."""

from __future__ import annotations

import json
import math

import ml_dtypes
import mpmath as mp
import numpy as np
import pytest

from actplot import evaluate, resolve
from actplot.analysis import analyze
from actplot.cli import cli
from actplot.rounding import get_format, round_to

ENUMERABLE = ["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"]


def all_finite_values(dtype: str) -> np.ndarray:
    """Every finite value of the format, sorted, from its bit patterns (independent of rounding)."""
    fmt = get_format(dtype)
    unsigned = np.uint8 if fmt.dtype.itemsize == 1 else np.uint16
    bits = np.arange(2 ** (8 * fmt.dtype.itemsize), dtype=np.int64).astype(unsigned)
    with np.errstate(invalid="ignore"):  # the NaN patterns
        values = bits.view(fmt.dtype).astype(np.float64)
    return np.unique(values[np.isfinite(values)])


def nearest_even(x: float, table: np.ndarray, dtype: str) -> float:
    """x rounded to the nearest value of the table, ties to the one with an even bit pattern;
    beyond the largest value, inf (or the largest, for float8_e4m3fn which saturates)."""
    fmt = get_format(dtype)
    top = table[-1]
    below_top = table[-2]
    if abs(x) >= top + (top - below_top) / 2:
        return math.copysign(math.inf if fmt.has_inf else top, x)
    if abs(x) > top:  # below the overflow threshold: the largest value
        return math.copysign(top, x)
    i = int(np.searchsorted(table, x))
    if i < table.size and table[i] == x:
        return x
    a, b = table[i - 1], table[i]
    mid = a / 2 + b / 2  # exact: a and b have at most 12 significant bits
    if x < mid:
        return float(a)
    if x > mid:
        return float(b)
    a_bits = int(np.array(abs(a)).astype(fmt.dtype).view(np.uint8 if fmt.dtype.itemsize == 1 else np.uint16))
    return float(a) if a_bits % 2 == 0 else float(b)


@pytest.mark.parametrize("dtype", ENUMERABLE)
def test_rounding_is_correct_against_the_enumerated_format(dtype):
    table = all_finite_values(dtype)
    rng = np.random.default_rng(12)
    positive = table[table > 0]
    mids = positive[:-1] / 2 + positive[1:] / 2  # the ties themselves
    near = np.concatenate([np.nextafter(mids, -np.inf), np.nextafter(mids, np.inf)])
    random = np.exp(rng.uniform(math.log(positive[0] / 4), math.log(positive[-1] * 2), 20_000))
    x = np.concatenate([mids, near, random, [positive[0] / 2, positive[0] / 2 * 1.0000001]])
    x = np.concatenate([x, -x])
    got = round_to(x, dtype)
    expected = np.array([nearest_even(float(v), table, dtype) for v in x])
    assert np.array_equal(got, expected, equal_nan=False), x[got != expected][:5]


def test_the_reported_double_rounding_case():
    v = np.array([2.0**-134 * 1.0000001])
    assert round_to(v, "bfloat16")[0] == 2.0**-133  # above half the smallest subnormal: rounds up
    assert float(np.array(2.0**-133).astype(ml_dtypes.bfloat16)) == 2.0**-133


def test_e4m3fn_saturates_and_e5m2_overflows():
    big = np.array([1e6, -1e6, np.inf])
    assert list(round_to(big, "float8_e4m3fn")) == [448.0, -448.0, 448.0]
    assert list(round_to(big, "float8_e5m2")) == [math.inf, -math.inf, math.inf]


def _mp_grad(name: str):
    mp.mp.dps = 60
    return {
        "sigmoid": lambda x: mp.exp(-abs(x)) / (1 + mp.exp(-abs(x))) ** 2,
        "tanh": lambda x: mp.sech(x) ** 2,
        "elu": lambda x: mp.exp(x),
        "gelu": lambda x: mp.ncdf(x) + x * mp.npdf(x),
        "softplus": lambda x: 1 / (1 + mp.exp(-x)),
    }[name]


@pytest.mark.parametrize("dtype", ENUMERABLE)
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "gelu", "softplus"])
def test_underflow_boundaries_against_mpmath(name, dtype):
    # f' rounds to 0 where |f'| is at most half the smallest subnormal (a tie goes to 0, the even one)
    half = mp.mpf(get_format(dtype).smallest_subnormal) / 2
    grad = _mp_grad(name)
    x = mp.mpf(0)
    while abs(grad(x)) > half:  # bracket the boundary between two integers, then solve
        x -= 1
    root = float(mp.findroot(lambda t: abs(grad(t)) - half, (x, x + 1), solver="anderson"))
    a = analyze(resolve(name)[0], (-200.0, 0.0), 2, dtype=dtype)
    assert a.flushed, (name, dtype)
    assert a.flushed[0].lo == -200.0 and a.flushed[0].hi == pytest.approx(root, abs=1e-9 * 200)


def test_distinct_outputs_of_relu_in_float8():
    table = all_finite_values("float8_e4m3fn")
    expected = int(np.count_nonzero((table >= 0) & (table <= 4)))  # 0 and every positive value up to 4
    assert analyze(resolve("relu")[0], (-4, 4), 2, dtype="float8_e4m3fn").distinct_outputs == expected
    steps = analyze(resolve("binary_step")[0], (-4, 4), 2, dtype="bfloat16").distinct_outputs
    assert steps == 2


def test_staircase_plot_draws_the_formats_values():
    from actplot.plotting import PlotOptions, make_figure

    fig = make_figure(resolve(["gelu"]), PlotOptions(window=(-4, 4), dtype="float8_e4m3fn"))
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_drawstyle() == "steps-mid"]
    assert len(lines) == 2  # f and f'
    for line in lines:
        y = np.asarray(line.get_ydata(), dtype=float)
        y = y[np.isfinite(y)]
        assert np.array_equal(round_to(y, "float8_e4m3fn"), y)  # every vertex is a float8 value
        assert len(np.unique(y)) < 130
    assert any("float8_e4m3fn" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


def test_eval_in_bfloat16_is_correctly_rounded():
    x = np.linspace(-5, 5, 101)
    e = evaluate(resolve("sigmoid")[0], x, dtype="bfloat16")
    assert e.y.dtype == np.dtype(ml_dtypes.bfloat16)
    mp.mp.dps = 40
    table = all_finite_values("bfloat16")
    for xi, yi in zip(e.x.astype(float), e.y.astype(float), strict=True):
        truth = float(1 / (1 + mp.exp(-mp.mpf(float(xi)))))
        assert yi == nearest_even(truth, table, "bfloat16")


def test_precision_command_json_contract(runner):
    result = runner.invoke(cli, ["precision", "sigmoid", "relu", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"window", "activations"}
    (sigmoid, relu) = data["activations"]
    dtypes = [f["dtype"] for f in sigmoid["formats"]]
    assert dtypes == ["float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"]
    for f in sigmoid["formats"]:
        assert set(f) == {"dtype", "grad_flush_left", "grad_flush_right", "zero_gradient_fraction",
                          "max_relative_error", "distinct_outputs"}  # fmt: skip
    e4m3 = sigmoid["formats"][4]
    half = mp.mpf(2.0**-9) / 2
    root = float(mp.findroot(lambda x: mp.exp(-abs(x)) / (1 + mp.exp(-abs(x))) ** 2 - half, -7))
    assert e4m3["grad_flush_left"] == pytest.approx(root, abs=1e-8) and e4m3["grad_flush_right"] == pytest.approx(-root)
    assert sigmoid["formats"][0]["grad_flush_left"] is None  # never on [-10, 10] in float64
    # relu' = 0 for x <= 0: from 0 on the left, never on the right
    assert relu["formats"][0]["grad_flush_left"] == 0.0 and relu["formats"][0]["grad_flush_right"] is None


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_precision_formats(runner, fmt):
    result = runner.invoke(cli, ["precision", "tanh", "--format", fmt], env={"COLUMNS": "120"})
    assert result.exit_code == 0 and "float8_e5m2" in result.stdout


@pytest.mark.parametrize("command", ["eval", "compare", "plot", "gallery"])
def test_unknown_format_names_get_the_valid_list(runner, command):
    result = runner.invoke(cli, [command, "relu", "--dtype", "bfloat8"])
    assert result.exit_code == 2 and "float8_e4m3fn" in result.stderr and "Traceback" not in result.output


def test_propagate_in_a_format_rounds_what_it_averages(runner):
    from actplot import moments

    exact, coarse = moments("relu"), moments("relu", dtype="float8_e4m3fn")
    assert coarse.second_moment != exact.second_moment
    assert coarse.second_moment == pytest.approx(exact.second_moment, rel=0.01)  # 3 mantissa bits
    result = runner.invoke(cli, ["propagate", "tanh", "--dtype", "bfloat16", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["dtype"] == "bfloat16"
