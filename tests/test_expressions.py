"""Inline expressions: parsing, refusal of everything outside the grammar, exact derivatives."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from actplot import UsageError, check_derivative, evaluate, load_registry, resolve
from actplot.cli import cli
from actplot.expressions import ExpressionError, is_expression
from actplot.numerics import numeric_derivative
from tests.mp_reference import reference, second_derivative
from tests.ulp import mixed_ulps, ulps


@pytest.mark.parametrize(
    ("text", "expected"),
    [("relu", False), ("elu:alpha=0.5", False), ("leaky-relu", False), ("x", True), ("x*sigmoid(x)", True),
     ("expr:relu(x)", True), ("sigmoid(x)", True), ("2 * x", True)],
)  # fmt: skip
def test_what_counts_as_an_expression(text, expected):
    assert is_expression(text) is expected


def test_label_is_the_normalised_expression():
    (bound,) = resolve("x*sigmoid(1.702*x)")
    assert bound.label == "x * sigmoid(1.702 * x)"
    assert bound.derivative_kind == "analytic"


REFUSED = [
    ("x.__class__", "attribute access 'x.__class__' at column 1"),
    ("().__class__.__bases__[0]", "subscripting"),
    ("(1).__class__.__mro__", "attribute access"),
    ("__import__('os').system('true')", "calling anything but a function name"),
    ("__import__('os')", "unknown function '__import__'"),
    ("eval('1')", "unknown function 'eval'"),
    ("open('f')", "unknown function 'open'"),
    ("x[0]", "subscripting 'x[0]'"),
    ("(lambda y: y)(x)", "calling anything but a function name"),
    ("expr:lambda: 1", "a lambda"),  # without expr: this reads as the name 'lambda' with parameters
    ("[v for v in (x,)]", "a comprehension"),
    ("(y := x)", "assignment"),
    ("y + 1", "unknown name 'y'"),
    ("X * 2", "unknown name 'X' (did you mean 'x'?)"),
    ("'abc'", "a constant other than a real number"),
    ("True * x", "a constant other than a real number"),
    ("1j * x", "a constant other than a real number"),
    ("f'{x}'", "an f-string"),
    ("x if x > 0 else 0", "use where"),
    ("x > 0 and x < 1", "use where"),
    ("x % 2", "the operator Mod"),
    ("x // 2", "the operator FloorDiv"),
    ("~x", "the operator Invert"),
    ("x @ x", "the operator MatMult"),
    ("x in x", "the comparison In"),
    ("elu(x, alpah=2)", "elu() has no parameter 'alpah' (did you mean 'alpha'?)"),
    ("relu(x, alpha=1)", "relu() has no parameter 'alpha'; valid: none"),
    ("elu(x, alpha=x)", "a non-constant value for alpha"),
    ("elu(x, **{'alpha': 1})", "elu() has no parameter '**'"),
    ("elu(x, alpha=-1)", "out of range"),
    ("exp(x, 2)", "exp() takes 1 argument"),
    ("where(x > 0, x)", "where() takes 3 arguments"),
    ("exp(x=1)", "exp() takes 1 argument"),
    ("x +* 2", "cannot parse"),
    ("x\x00", "control characters"),
    ("exp(" * 60 + "x" + ")" * 60, "too deeply nested"),
    ("+".join(["x"] * 1500), "characters; at most 2000"),
    ("x" + " + x" * 400, "too deeply nested or too long"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED, ids=[t[:30] for t, _ in REFUSED])
def test_forbidden_constructs_are_refused_with_a_pointer(text, message):
    with pytest.raises(UsageError) as info:
        resolve(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_huge_exponents_are_inf_at_once():
    start = time.perf_counter()
    (bound,) = resolve("9**9**9**9")
    ev = evaluate(bound, np.array([0.0, 1.0]))
    assert time.perf_counter() - start < 5
    assert ev.y.tolist() == [np.inf, np.inf] and ev.dy.tolist() == [0.0, 0.0]


def test_inline_mish_matches_mpmath_and_the_builtin():
    (inline,) = resolve("x * tanh(softplus(x))")
    x = np.concatenate([np.linspace(-40, 40, 801), [-700.0, -100.0, 1e-300, 100.0, 1000.0]])
    ev = evaluate(inline, x)
    worst_f = worst_d = 0.0
    for xi, y, dy in zip(x, ev.y, ev.dy, strict=True):
        fv, dv = reference("mish", float(xi))
        worst_f = max(worst_f, ulps(float(y), fv))
        error = ulps(float(dy), dv)
        if error > 4:  # near mish's minimum f' is ill-conditioned: the mixed measure, as for built-ins
            error = mixed_ulps(float(dy), dv, float(xi), second_derivative("mish", float(xi)))
        worst_d = max(worst_d, error)
    assert worst_f <= 4 and worst_d <= 5
    (builtin,) = resolve("mish")
    np.testing.assert_allclose(ev.y, evaluate(builtin, x).y, rtol=4e-16, atol=0)


def test_derivative_uses_each_activations_own_derivative():
    (bound,) = resolve("relu(x - 1) + 2 * leaky_relu(x, negative_slope=0.2)")
    ev = evaluate(bound, np.array([-1.0, 0.0, 1.0, 2.0]))
    # relu'(0) = 0 at x = 1 and leaky_relu'(0) = 0.2 at x = 0: PyTorch's conventions, chained
    assert ev.dy.tolist() == [0.4, 0.4, 2.0, 3.0]
    assert bound.field("jumps") == (0.0,)  # kinks of activations applied to x itself


def test_where_and_comparisons():
    (bound,) = resolve("where(x > 0, x, 0.1 * x)")
    ev = evaluate(bound, np.array([-2.0, 0.0, 3.0]))
    assert ev.y.tolist() == [-0.2, 0.0, 3.0] and ev.dy.tolist() == [0.1, 0.1, 1.0]
    (chained,) = resolve("where(-1 < x < 1, x * x, 1)")
    assert evaluate(chained, np.array([-2.0, 0.5])).y.tolist() == [1.0, 0.25]


def test_check_confirms_expression_derivatives():
    texts = ["x * sigmoid(1.702 * x)", "x * tanh(softplus(x))", "log1p(exp(-abs(x))) + maximum(x, 0)", "erf(x) * x**2"]
    for text in texts:
        (bound,) = resolve(text)
        assert check_derivative(bound).ok, text


def test_python_api_accepts_expressions():
    bound = resolve("x * sigmoid(x)")[0]
    assert bound.activation.source == "expression"


def test_plugins_are_callable_from_expressions():
    from tests.conftest import PLUGINS

    registry = load_registry(plugins=[str(PLUGINS / "good_plugin.py")])
    (bound,) = resolve("2 * cube_root_unit(x, k=2)", registry)
    x = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(evaluate(bound, x).y, 2 * np.tanh(2 * x) * np.exp(-0.1 * x * x))


# --- every command ---------------------------------------------------------------------------


def test_expressions_in_eval_compare_diff_check_and_info(runner):
    result = runner.invoke(cli, ["eval", "x * sigmoid(1.702 * x)", "gelu", "--at", "0,1", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["label"] == "x * sigmoid(1.702 * x)"
    result = runner.invoke(cli, ["compare", "x * tanh(softplus(x))", "mish", "--format", "json"])
    assert result.exit_code == 0
    first, second = json.loads(result.stdout)["activations"]
    flat = [v for interval in first["saturation"] for v in interval]
    assert flat == pytest.approx([v for interval in second["saturation"] for v in interval], abs=1e-9)
    result = runner.invoke(cli, ["diff", "x * sigmoid(1.702*x)", "gelu", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["max_abs_diff"] == pytest.approx(0.0203, abs=1e-4)
    assert runner.invoke(cli, ["check", "x * tanh(softplus(x))"]).exit_code == 0
    assert "x * tanh(softplus(x))" in runner.invoke(cli, ["info", "x * tanh(softplus(x))"]).stdout


def test_expressions_in_plot_and_gallery(runner, tmp_path):
    result = runner.invoke(cli, ["plot", "x * sigmoid(1.702 * x)", "gelu", "--out", str(tmp_path / "p.svg")])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(cli, ["gallery", "--out", str(tmp_path / "g"), "--jobs", "1", "where(x > 0, x, 0.1 * x)"])
    assert result.exit_code == 0, result.stderr
    # readable, plus a hash: the label has characters ('>', '*', '(') the file name cannot keep
    (page,) = (tmp_path / "g").glob("where-x-0-x-0.1-x-*.svg")
    assert len(page.stem) == len("where-x-0-x-0.1-x-") + 8


def test_bad_expression_exits_2(runner):
    result = runner.invoke(cli, ["plot", "x.__class__"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: expression: attribute access")


# --- generated expressions -------------------------------------------------------------------

SMOOTH_UNARY = ["exp", "tanh", "sin", "cos", "arctan", "sigmoid", "softplus", "gelu", "silu", "erf", "square"]
leaf = st.one_of(st.just("x"), st.floats(min_value=-3, max_value=3, allow_nan=False).map(lambda v: f"{v:.3g}"))


def _combine(children):
    unary = st.builds(lambda f, a: f"{f}({a})", st.sampled_from(SMOOTH_UNARY), children)
    binary = st.builds(lambda a, op, b: f"({a} {op} {b})", children, st.sampled_from(["+", "-", "*"]), children)
    return unary | binary


expressions = st.recursive(leaf, _combine, max_leaves=6)


@given(text=expressions, x=st.floats(min_value=-3, max_value=3, allow_nan=False))
@settings(deadline=None)
def test_generated_expressions_have_derivatives_matching_numeric_ones(text, x):
    (bound,) = resolve(text)
    point = np.array([x])
    ev = evaluate(bound, point)
    numeric = numeric_derivative(bound, point, "central")[0]
    assume(np.isfinite(ev.y[0]) and np.isfinite(numeric) and abs(ev.y[0]) < 1e6 and abs(numeric) < 1e6)
    assert ev.dy[0] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@given(data=st.binary(max_size=80))
@settings(deadline=None)
def test_random_bytes_never_give_a_traceback(data):
    text = data.decode("utf-8", errors="replace")
    try:
        bounds = resolve("expr:" + text)
    except UsageError as exc:  # the only exception allowed, and it is one line
        assert str(exc) and "\n" not in str(exc)
    else:
        assert len(bounds) == 1


@given(text=st.text(alphabet="x0123456789+-*/().,<>=! abceilmnoprstwxhq_", max_size=60))
@settings(deadline=None)
def test_random_grammar_soup_never_gives_a_traceback(text):
    try:
        (bound,) = resolve("expr:" + text)
        ev = evaluate(bound, np.linspace(-2, 2, 5))
    except (UsageError, ExpressionError) as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert ev.y.shape == (5,)
