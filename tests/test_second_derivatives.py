"""Second derivatives: declared f'' against mpmath (independent formulas), numeric f'' for the
rest, second-order forward mode for expressions, and the CLI's --order 2."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from actplot import evaluate, load_registry, resolve
from tests.conftest import BUILTIN_NAMES
from tests.mp_reference import REFERENCES, precision_for
from tests.ulp import grid, ulps

REGISTRY = load_registry(autoload=False)
DECLARED = [n for n in BUILTIN_NAMES if REGISTRY[n].second_derivative is not None]
#: Built-ins whose f'' is still numeric (issue 13 in progress): the list may only shrink.
NUMERIC_FOR_NOW = {
    "sinc", "gelu", "gelu_tanh", "mish", "elish", "smht", "aptx", "snake", "telu", "golu", "serf",
}  # fmt: skip
BOUND = 8.0


def _s(x):
    return 1 / (1 + mp.exp(-x))


def _ds(x):  # sigma'(x) = sigma(x) sigma(-x), without the cancellation of sigma (1 - sigma)
    return _s(x) * _s(-x)


def _silu2(x, k=1):
    z = k * x
    return k * _ds(z) * (2 + z * (_s(-z) - _s(z)))


def _phi(t):
    return mp.exp(-t * t / 2) / mp.sqrt(2 * mp.pi)


def _xielu2(x):
    ap, an, e = mp.mpf(0.8), mp.mpf(0.8), mp.mpf(-1e-6)
    if x > 0:
        return 2 * ap
    return an * mp.exp(x) if x < e else (an * mp.exp(e) / 4 if x == e else mp.mpf(0))


ZERO = lambda x: mp.mpf(0)  # noqa: E731
MU, SIGMA = mp.mpf(0.707107), mp.mpf(0.282095)  # the float64 parameters, exactly
#: f'' written out from the textbook definitions (each checked against mpmath's numerical
#: differentiation of the independent f or f' of tests/mp_reference.py below): mpmath's second
#: differences of f cannot see f'' where it is 1e-300 of f (silu' at x = 217).
SECOND = {
    "identity": ZERO, "binary_step": ZERO, "exponential": mp.exp,
    "gaussian": lambda x: (4 * x * x - 2) * mp.exp(-x * x),
    "sinusoid": lambda x: -mp.sin(x),
    "bent_identity": lambda x: 1 / (2 * (x * x + 1) ** mp.mpf(1.5)),
    "relu": ZERO, "relu6": ZERO, "leaky_relu": ZERO, "prelu": ZERO, "rrelu": ZERO, "hardtanh": ZERO,
    "hardshrink": ZERO, "softshrink": ZERO, "threshold": ZERO,
    "elu": lambda x: mp.exp(x) if x < 0 else mp.mpf(0),
    "selu": lambda x: mp.mpf(1.0507009873554805) * mp.mpf(1.6732632423543772) * mp.exp(x) if x < 0 else mp.mpf(0),
    "celu": lambda x: mp.exp(x) if x < 0 else mp.mpf(0),
    "softplus": _ds,
    "squareplus": lambda x: 4 / (2 * (x * x + 4) ** mp.mpf(1.5)),
    "sparse_plus": lambda x: mp.mpf(0.5) if -1 < x < 1 else mp.mpf(0),
    "isrlu": lambda x: -3 * x * (1 + x * x) ** mp.mpf(-2.5) if x < 0 else mp.mpf(0),
    "sigmoid": lambda x: _ds(x) * (_s(-x) - _s(x)),
    "tanh": lambda x: -2 * mp.tanh(x) * mp.sech(x) ** 2,
    "arctan": lambda x: -2 * x / (1 + x * x) ** 2,
    "softsign": lambda x: -2 * mp.sign(x) / (1 + abs(x)) ** 3,
    "hardsigmoid": ZERO,
    "logsigmoid": lambda x: -_ds(x),
    "sparse_sigmoid": ZERO,
    "isru": lambda x: -3 * x * (1 + x * x) ** mp.mpf(-2.5),
    "sqnl": lambda x: -mp.sign(x) / 2 if abs(x) <= 2 else mp.mpf(0),
    "tanhshrink": lambda x: 2 * mp.tanh(x) * mp.sech(x) ** 2,
    "silu": _silu2,
    "hardswish": lambda x: mp.mpf(1) / 3 if -3 < x < 3 else mp.mpf(0),
    "softmax": lambda x: _ds(x) * (_s(-x) - _s(x)),
    "log_softmax": lambda x: -_ds(x),
    "softmin": lambda x: _ds(x) * (_s(x) - _s(-x)),
    "sparsemax": ZERO,
    "quick_gelu": lambda x: _silu2(x, mp.mpf("1.702")),
    "relu2": lambda x: mp.mpf(2) if x > 0 else mp.mpf(0),
    "star_relu": lambda x: 2 * mp.mpf(0.8944) if x > 0 else mp.mpf(0),
    "smelu": lambda x: mp.mpf(0.5) if -1 < x < 1 else mp.mpf(0),
    "laplace": lambda x: -((x - MU) / SIGMA) * _phi((x - MU) / SIGMA) / SIGMA**2,
    "xielu": _xielu2,
}  # fmt: skip


def reference_second(name: str, x: float) -> mp.mpf:
    with mp.workdps(precision_for(x, REFERENCES[name]) + 20):
        return +SECOND[name](mp.mpf(x))


@pytest.mark.parametrize("name", sorted(SECOND))
def test_written_out_second_derivatives_agree_with_mpmath_differentiation(name):
    """The written-out f'' against mpmath's numerical derivative of the independent f' (or f)."""
    ref = REFERENCES[name]
    act = REGISTRY[name]
    singular = {float(k) for k in (*act.resolve_field("kinks"), *act.resolve_field("jumps"))}
    for x in (-7.3, -2.4, -1.1, -0.37, 0.29, 0.8, 1.6, 2.9, 5.5, 11.0):
        if any(abs(x - k) < 1e-3 for k in singular):
            continue
        with mp.workdps(50):
            xm = mp.mpf(x)
            numeric = mp.diff(ref.d, xm) if ref.d is not None else mp.diff(ref.f, xm, 2)
            assert abs(SECOND[name](xm) - numeric) <= mp.mpf(10) ** -30 * (1 + abs(numeric)), (name, x)


def test_the_numeric_list_is_exactly_the_undeclared():
    assert set(BUILTIN_NAMES) - set(DECLARED) == NUMERIC_FOR_NOW
    assert set(DECLARED) == set(SECOND)


@pytest.mark.parametrize("name", DECLARED)
def test_declared_second_derivative_matches_mpmath(name):
    act = REGISTRY[name]
    x = grid()
    singular = {float(k) for k in (*act.resolve_field("kinks"), *act.resolve_field("jumps"))}
    x = x[[float(v) not in singular for v in x]]  # at a kink f'' follows PyTorch (tested below)
    got = np.asarray(act.second_derivative(x, **act.defaults), dtype=float)
    worst, at = 0.0, math.nan
    for xi, gi in zip(x, got, strict=True):
        error = ulps(float(gi), reference_second(name, float(xi)))
        if error > worst:
            worst, at = error, float(xi)
    assert worst <= BOUND, f"{name}''(x) is {worst:.3g} ulp off at x = {at!r}"


@pytest.mark.parametrize(
    ("spec", "x", "expected"),
    [
        ("relu", 0.0, 0.0),  # torch: relu'' = 0 everywhere, 0 included
        ("elu", 0.0, 0.0),  # torch's double backward takes x < 0 strictly (its f' takes x <= 0)
        ("elu:alpha=0.5", -1e-300, 0.5),
        ("celu", 0.0, 0.0),
        ("hardswish", 3.0, 0.0),  # torch: 1/3 strictly inside (-3, 3) only
        ("hardswish", 2.999, 1 / 3),
        ("softsign", 0.0, 0.0),  # sign(0) = 0
        ("relu2", 0.0, 0.0),
        ("xielu", -1e-6, 0.25 * 0.8 * math.exp(-1e-6)),  # torch.minimum's half gradient, twice
        ("sparse_plus", 1.0, 0.0),
    ],
)
def test_kink_conventions(spec, x, expected):
    (bound,) = resolve(spec)
    e = evaluate(bound, np.array([x]), order=2)
    assert float(e.d2y[0]) == pytest.approx(expected, rel=1e-15, abs=0.0)


def test_kink_conventions_match_torch_double_backward():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    cases = {
        "relu": F.relu, "elu": F.elu, "hardswish": F.hardswish, "softsign": F.softsign, "selu": F.selu,
        "celu": F.celu, "relu6": F.relu6, "hardtanh": F.hardtanh, "leaky_relu": F.leaky_relu,
        "relu2": lambda t: F.relu(t) ** 2, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": F.silu,
    }  # fmt: skip
    points = [-3.0, -1.0, 0.0, 0.5, 3.0, 6.0]
    for name, fn in cases.items():
        x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(fn(x).sum(), x, create_graph=True)
        (h,) = torch.autograd.grad(g.sum(), x, allow_unused=True)
        torch_h = np.zeros(len(points)) if h is None else h.detach().numpy()
        (bound,) = resolve(name)
        ours = evaluate(bound, np.array(points), order=2).d2y
        np.testing.assert_allclose(ours, torch_h, rtol=1e-13, atol=1e-16, err_msg=name)


@pytest.mark.parametrize(
    ("spec", "reference"),
    [
        ("x * sigmoid(x)", lambda t: t / (1 + mp.exp(-t))),
        ("exp(-x**2) * cos(3 * x)", lambda t: mp.exp(-t * t) * mp.cos(3 * t)),
        ("x**x", lambda t: t**t),
        ("log1p(exp(x)) / (1 + x * x)", lambda t: mp.log1p(mp.exp(t)) / (1 + t * t)),
        ("tanh(elu(x, alpha=0.5))", lambda t: mp.tanh(t if t > 0 else (mp.exp(t) - 1) / 2)),
        ("sqrt(1 + x * x) - arctan(x) + erf(x)", lambda t: mp.sqrt(1 + t * t) - mp.atan(t) + mp.erf(t)),
    ],
)
def test_expressions_have_exact_second_derivatives(spec, reference):
    (bound,) = resolve(spec)
    x = np.array([0.3, 0.7, 1.3, 2.9]) if "x**x" in spec else np.array([-2.7, -0.4, 0.3, 1.9])
    e = evaluate(bound, x, order=2)
    assert e.second_derivative_kind == "analytic"
    for xi, got in zip(x, e.d2y, strict=True):
        with mp.workdps(40):
            true = mp.diff(reference, mp.mpf(float(xi)), 2)
        assert float(got) == pytest.approx(float(true), rel=1e-12), (spec, xi)


def test_a_plugin_without_f2_gets_a_numeric_one(tmp_path):
    plugin = tmp_path / "plug_second.py"
    plugin.write_text(
        "import numpy as np\nfrom actplot import activation\n"
        "@activation('cube_root_ish', derivative=lambda x: 1 + 3 * x * x)\n"
        "def cube_root_ish(x):\n    'x + x^3'\n    return x + x ** 3\n"
    )
    registry = load_registry(plugins=[str(plugin)], autoload=False)
    (bound,) = resolve(["cube_root_ish"], registry)
    e = evaluate(bound, np.array([-1.5, 0.0, 2.0]), order=2)
    assert e.second_derivative_kind == "numeric"
    np.testing.assert_allclose(e.d2y, [-9.0, 0.0, 12.0], atol=1e-7)
