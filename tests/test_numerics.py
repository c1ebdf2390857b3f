"""evaluate(): chunking, dtypes, numeric derivatives for plugins, and checks on plugin output."""

from __future__ import annotations

import numpy as np
import pytest

from actplot import PluginError, UsageError, bind, evaluate, linspace, load_registry
from actplot.numerics import numeric_method
from tests.conftest import PLUGINS


def test_chunked_and_unchunked_results_are_identical(registry):
    x = linspace(-30, 30, 10_001)
    for name in ("gelu", "mish", "hardswish"):
        bound = bind(registry[name])
        whole, chunked = evaluate(bound, x, chunk=x.size), evaluate(bound, x, chunk=97)
        np.testing.assert_array_equal(whole.y, chunked.y)
        np.testing.assert_array_equal(whole.dy, chunked.dy)


def test_float64_points_are_returned_uncopied_and_read_only(registry):
    """evaluate() does not copy a float64 grid (800 MB at 1e8 points): the result's x is a view
    of it that cannot be written through; other formats return their own rounded points."""
    x = linspace(-3, 3, 101)
    ev = evaluate(bind(registry["relu"]), x)
    assert np.shares_memory(ev.x, x) and not ev.x.flags.writeable and x.flags.writeable
    with pytest.raises(ValueError):
        ev.x[0] = 1.0
    x[0] = -2.5  # still the caller's to write, and the result's x is a view of it (as documented)
    assert ev.x[0] == -2.5
    lists = evaluate(bind(registry["relu"]), [-1.0, 2.0])
    np.testing.assert_array_equal(lists.x, [-1.0, 2.0])
    low = evaluate(bind(registry["relu"]), x, dtype="bfloat16")
    assert not np.shares_memory(low.x, x)


def test_default_parameter_shortcuts_agree_with_the_general_formulas(registry):
    """celu at alpha = 1 and softplus at beta = 1 skip the low part of x / alpha and beta x (exact
    there). Their accuracy is test_accuracy's (mpmath, at the defaults); here they agree with the
    general path at the next float above 1, whose exact values differ by a relative |x| 2^-52
    (up to 2|x| ulps), and give zeros the same sign."""
    from actplot import resolve

    x = np.concatenate([linspace(-40, 40, 4001), [-0.0, 0.0, -5e-324, -1e-300, -700.0, 700.0]])
    for fast, general in (("celu", "celu:alpha=1.0000000000000002"), ("softplus", "softplus:beta=1.0000000000000002")):
        a, b = (evaluate(bound, x, order=2) for bound in resolve([fast, general]))
        for name in ("y", "dy", "d2y"):
            u, v = getattr(a, name), getattr(b, name)
            ulps = np.abs(u - v) / np.spacing(np.maximum(np.abs(u), np.abs(v)))
            assert np.all(np.where(u == v, 0.0, ulps) <= 4 + 2 * np.abs(x)), (fast, name)
            assert np.array_equal(np.signbit(u), np.signbit(v)), (fast, name)


def test_linspace_is_numpys():
    np.testing.assert_array_equal(linspace(-1, 2, 7), np.linspace(-1, 2, 7))


@pytest.mark.parametrize(("lo", "hi", "num"), [(5, -5, 10), (1, 1, 10), (0, float("inf"), 10), (0, 1, 1), (0, 1, 2.5)])
def test_bad_grids_are_usage_errors(lo, hi, num):
    with pytest.raises(UsageError):
        linspace(lo, hi, num)


def test_huge_grid_is_refused_up_front_with_an_estimate():
    with pytest.raises(UsageError, match="GiB"):
        linspace(0, 1, 10**10)


def test_plugin_without_derivative_gets_a_labelled_numeric_one():
    registry = load_registry(plugins=[str(PLUGINS / "good_plugin.py")])
    bound = bind(registry["cube_root_unit"])
    ev = evaluate(bound, np.linspace(-3, 3, 61))
    assert ev.derivative_kind == "numeric" and ev.method == "complex-step"
    k = 1.0
    x = ev.x
    exact = k * (1 - np.tanh(k * x) ** 2) * np.exp(-0.1 * x * x) - 0.2 * x * np.tanh(k * x) * np.exp(-0.1 * x * x)
    np.testing.assert_allclose(ev.dy, exact, rtol=1e-12, atol=1e-15)


def test_central_differences_when_complex_step_does_not_apply(tmp_path):
    plugin = tmp_path / "absplug.py"
    plugin.write_text(
        "import numpy as np\nfrom actplot import activation\n"
        "@activation('softabs')\ndef softabs(x):\n    'Not analytic in a complex argument.'\n"
        "    return np.sqrt(np.abs(x) ** 2 + 1.0)\n"
    )
    bound = bind(load_registry(plugins=[str(plugin)])["softabs"])
    assert numeric_method(bound) == "central"
    x = np.linspace(-4, 4, 33)
    np.testing.assert_allclose(evaluate(bound, x).dy, x / np.sqrt(x * x + 1), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("wrong_shape", r"returned shape \(4,\) for input shape \(5,\)"),
        ("wrong_dtype", r"returned dtype <U1"),
        ("nan_inside", r"returned nan at finite x"),
        ("raises_on_call", r"raised RuntimeError: boom"),
    ],
)
def test_misbehaving_plugin_output_names_plugin_and_activation(name, message):
    registry = load_registry(plugins=[str(PLUGINS / "misbehaving_plugin.py")])
    with pytest.raises(PluginError, match=message) as info:
        evaluate(bind(registry[name]), np.linspace(-1, 1, 5))
    assert f"activation {name!r}" in str(info.value) and "misbehaving_plugin.py" in str(info.value)


def test_unknown_dtype_is_a_usage_error(registry):
    with pytest.raises(UsageError, match="float64, float32, float16"):
        evaluate(bind(registry["relu"]), np.zeros(3), dtype="float8")
