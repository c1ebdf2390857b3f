"""Second derivatives: declared f'' against mpmath (independent formulas), numeric f'' for the
rest, second-order forward mode for expressions, and the CLI's --order 2."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from actplot import evaluate, load_registry, resolve
from actplot.cli import cli
from tests.conftest import BUILTIN_NAMES
from tests.mp_reference import REFERENCES, precision_for
from tests.ulp import SPECIAL_POINTS, grid, ulps

REGISTRY = load_registry(autoload=False)
DECLARED = [n for n in BUILTIN_NAMES if REGISTRY[n].second_derivative is not None]
#: Built-ins whose f'' is still numeric (issue 13 in progress): the list may only shrink.
NUMERIC_FOR_NOW: set[str] = set()
BOUND = 8.0
#: The inflection points of the self-gated units, and the edges of their Taylor series there
INFLECTIONS = np.array(
    [r + d for r in (-2.3994, 2.3994, -1.4185, 1.4185, -2.2564, 1.4906, -2.066, 0.6966, -1.0601, 2.2386, -1.7175,
                     -2.2565, 1.096, -1.41421356, 1.41421356) for d in (-0.46, -0.449, -0.01, 0.0, 0.01, 0.449, 0.46)]
)  # fmt: skip


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


def _gelu_tanh2(x):
    c, k = mp.sqrt(2 / mp.pi), mp.mpf("0.044715")
    u = c * (x + k * x**3)
    w = 1 + 3 * k * x * x
    return mp.sech(u) ** 2 * (c * (1 + 6 * k * x * x) - c * c * x * mp.tanh(u) * w * w)


def _mish2(x):
    sp = mp.log1p(mp.exp(x))
    s = _s(x)
    return mp.sech(sp) ** 2 * (2 * s + x * s * (1 - s) - 2 * x * s * s * mp.tanh(sp))


def _elish2(x):
    if x >= 0:
        return _silu2(x)
    e, s, ds = mp.exp(x), _s(x), _ds(x)
    return e * s + 2 * e * ds + (e - 1) * ds * (_s(-x) - s)


def _serf2(x):
    s = mp.log1p(mp.exp(x))
    sig = _s(x)
    g = 2 / mp.sqrt(mp.pi) * mp.exp(-s * s)
    return 2 * g * sig + x * g * sig * (_s(-x) - 2 * s * sig)


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
    "gelu": lambda x: _phi(x) * (2 - x * x),
    "gelu_tanh": _gelu_tanh2,
    "mish": _mish2,
    "elish": _elish2,
    "aptx": lambda x: 2 * mp.sech(x) ** 2 * (1 - x * mp.tanh(x)) / 2,  # gamma = 1/2, beta = 1
    "snake": lambda x: 2 * mp.cos(2 * x),
    "telu": lambda x: mp.exp(x) * mp.sech(mp.exp(x)) ** 2 * (2 + x * (1 - 2 * mp.exp(x) * mp.tanh(mp.exp(x)))),
    "golu": lambda x: mp.exp(-mp.exp(-x)) * mp.exp(-x) * (2 + x * (mp.exp(-x) - 1)),
    "serf": _serf2,
    "smht": lambda x: -2 * mp.tanh(x) * mp.sech(x) ** 2,  # a = b = c = d = 1: tanh
    "sinc": lambda x: ((2 - x * x) * mp.sin(x) - 2 * x * mp.cos(x)) / x**3 if x != 0 else -mp.mpf(1) / 3,
}  # fmt: skip


#: Beyond these |x| the true f'' is below 1e-40000 (every factor e^-|x| or smaller): 0, without
#: asking mpmath for sech(1e308)
VANISHING_BEYOND = {"smht": 1e5, "gelu": 1e5, "gelu_tanh": 1e5, "mish": 1e5, "elish": 1e5, "aptx": 1e5, "serf": 1e5}
ONE_SIDED = {"telu": (-1e5, 50.0), "golu": (-50.0, 1e5)}  # zero outside (lo, hi)


def reference_second(name: str, x: float) -> mp.mpf:
    if abs(x) > VANISHING_BEYOND.get(name, math.inf):
        return mp.mpf(0)
    lo, hi = ONE_SIDED.get(name, (-math.inf, math.inf))
    if not lo < x < hi:
        return mp.mpf(0)
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
    # every other point of the accuracy grid's even parts, and all its special points (the
    # extremes of the float range, the roots, the inflection points)
    x = np.unique(np.concatenate([grid()[::2], SPECIAL_POINTS, -np.array(SPECIAL_POINTS), INFLECTIONS]))
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


NON_DEFAULT = {
    "leaky_relu": "negative_slope=0.2", "prelu": "init=0.1", "rrelu": "lower=0.1,upper=0.2",
    "hardtanh": "min_val=-2,max_val=3", "hardshrink": "lambd=1", "softshrink": "lambd=1",
    "threshold": "threshold=0.5,value=-1", "elu": "alpha=0.5", "celu": "alpha=2", "softplus": "beta=2",
    "squareplus": "b=0", "isrlu": "alpha=2", "isru": "alpha=2", "smht": "a=2", "silu": "beta=2",
    "star_relu": "scale=2,bias=1", "smelu": "beta=2", "aptx": "alpha=2", "snake": "alpha=2",
    "laplace": "mu=0,sigma=1", "xielu": "eps=0", "gelu": "approximate=tanh",
}  # fmt: skip
SPECS = [*BUILTIN_NAMES, *(f"{n}:{p}" for n, p in NON_DEFAULT.items())]
ORDER = {"C-1": -1, "C0": 0, "C1": 1}  # anything else (C2, C∞) is "at least C2"


def derived_class(bound) -> int:
    """The continuity class the jumps of f, f' and f'' at the declared kinks and jumps show:
    -1 (f jumps), 0 (f' jumps), 1 (f'' jumps) or 2 (none of them jumps)."""
    singular = sorted({float(k) for k in (*bound.field("kinks"), *bound.field("jumps"))})
    worst = 2
    for p in singular:
        h = 1e-10 * max(1.0, abs(p))
        e = evaluate(bound, np.array([p - h, p + h]), order=2)
        for order, values in enumerate((e.y, e.dy, e.d2y)):
            left, right = float(values[0]), float(values[1])
            if abs(left - right) > 1e-8 * (1.0 + abs(left) + abs(right)):
                worst = min(worst, order - 1)
                break
    return worst


@pytest.mark.parametrize("spec", SPECS)
def test_smoothness_column_agrees_with_what_f2_shows(spec):
    (bound,) = resolve(spec)
    declared = str(bound.field("continuity"))
    assert min(ORDER.get(declared, 2), 2) == derived_class(bound), (spec, declared)


# --- the command line ------------------------------------------------------------------------


def test_eval_order_2_json_csv_and_table(runner):
    import json

    out = runner.invoke(cli, ["eval", "silu", "--at", "0,2.399357280515467", "--order", "2", "--format", "json"])
    assert out.exit_code == 0, out.output
    (item,) = json.loads(out.stdout)
    assert item["second_derivative"] == "analytic" and item["d2y"][0] == 0.5
    assert abs(item["d2y"][1]) < 1e-15  # the inflection point
    assert set(item) >= {"x", "y", "dy"}  # the old keys stay
    csv = runner.invoke(cli, ["eval", "relu", "sinc", "--at", "1", "--order", "2", "--format", "csv"]).stdout
    assert csv.splitlines()[0] == "x,relu,drelu,d2relu,sinc,dsinc,d2sinc"
    table = runner.invoke(cli, ["eval", "sinc", "--at", "1", "--order", "2"]).stdout
    assert "d2 sinc" in table and "(numeric)" not in table
    plain = json.loads(runner.invoke(cli, ["eval", "silu", "--at", "1", "--format", "json"]).stdout)
    assert "d2y" not in plain[0]  # order 1 output is unchanged


def test_check_catches_a_wrong_second_derivative(runner, tmp_path):
    plugin = tmp_path / "wrong_second.py"
    plugin.write_text(
        "import numpy as np\nfrom actplot import activation\n"
        "@activation('softish', derivative=lambda x: 1 / (1 + np.exp(-x)),\n"
        "            second_derivative=lambda x: 1 / (1 + np.exp(-x)))  # f'' = f': wrong\n"
        "def softish(x):\n    'softplus, with a wrong f'''\n    return np.logaddexp(0.0, x)\n"
    )
    result = runner.invoke(cli, ["check", "--plugin", str(plugin), "softish"])
    assert result.exit_code == 1
    assert "FAIL  softish: f'' differs" in result.stdout
    good = runner.invoke(cli, ["check", "softplus", "silu", "gelu"])
    assert good.exit_code == 0 and good.stdout.count("ok ") == 3


def test_compare_reports_curvature_and_convexity(runner):
    import json

    out = runner.invoke(cli, ["compare", "gelu", "relu", "sparse_plus", "--range", "-5", "5", "--format", "json"])
    rows = {a["label"]: a for a in json.loads(out.stdout)["activations"]}
    gelu = rows["gelu"]
    assert gelu["max_abs_curvature"] == pytest.approx(1 / math.sqrt(2 * math.pi) * 2, rel=1e-12)
    assert gelu["argmax_abs_curvature"] == 0.0
    (convex,) = gelu["convex"]
    assert convex[0] == pytest.approx(-math.sqrt(2), abs=1e-12) and convex[1] == pytest.approx(math.sqrt(2), abs=1e-12)
    assert len(gelu["concave"]) == 2
    assert rows["relu"]["convex"] == [] and rows["relu"]["concave"] == [] and rows["relu"]["max_abs_curvature"] == 0
    assert rows["sparse_plus"]["convex"] == [[-1.0, 1.0]]
    table = runner.invoke(cli, ["compare", "tanh", "--range", "-5", "5"]).stdout
    assert "convex / concave" in table and "∪ x < 0; ∩ x > 0" in table


@pytest.mark.parametrize("num", ["3", "11", "10001"])
def test_convexity_regions_do_not_depend_on_num(runner, num):
    import json

    out = runner.invoke(cli, ["compare", "silu", "--range", "-6", "6", "--num", num, "--format", "json"])
    (silu,) = json.loads(out.stdout)["activations"]
    (convex,) = silu["convex"]
    assert convex[1] == pytest.approx(2.399357280515467, abs=1e-12)


def test_plot_order_2(tmp_path, runner):
    from actplot.plotting import PlotOptions, make_figure

    fig = make_figure(resolve(["elu:alpha=2", "gelu"]), PlotOptions(layout="stacked", order=2))
    assert len(fig.axes) == 3 and fig.axes[2].get_ylabel() == "f″(x)"
    dotted = [line for line in fig.axes[2].get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 2
    # the jump of elu' at 0 is marked on f'' (the value PyTorch's double backward gives: 0)
    marks = [line for line in fig.axes[2].get_lines() if line.get_marker() == "o"]
    assert marks and list(marks[0].get_xdata()) == [0.0] and list(marks[0].get_ydata()) == [0.0]
    target = tmp_path / "o2.png"
    result = runner.invoke(cli, ["plot", "silu", "--order", "2", "--out", str(target)])
    assert result.exit_code == 0 and target.read_bytes()[:4] == b"\x89PNG"


def test_gallery_order_2_and_its_check(tmp_path, runner):
    out = tmp_path / "g"
    build = ["gallery", "--out", str(out), "--order", "2", "--jobs", "1", "relu", "gelu"]
    assert runner.invoke(cli, build).exit_code == 0
    assert runner.invoke(cli, ["gallery", "--check", "--out", str(out), "--order", "2", "relu", "gelu"]).exit_code == 0
    plain = runner.invoke(cli, ["gallery", "--check", "--out", str(out), "relu", "gelu"])
    assert plain.exit_code == 1 and "built with other options" in plain.stdout


def test_info_and_eval_say_when_f2_is_numeric(runner, tmp_path):
    assert "second derivative  \\varphi(x)\\,(2 - x^{2})" in runner.invoke(cli, ["info", "gelu"]).stdout
    plugin = tmp_path / "no_second.py"
    plugin.write_text(
        "import numpy as np\nfrom actplot import activation\n"
        "@activation('cubic', derivative=lambda x: 3 * x * x)\ndef cubic(x):\n    'x^3'\n    return x ** 3\n"
    )
    info = runner.invoke(cli, ["info", "--plugin", str(plugin), "cubic"]).stdout
    assert "[numeric: the derivative of f'" in info
    table = runner.invoke(cli, ["eval", "--plugin", str(plugin), "cubic", "--at", "2", "--order", "2"]).stdout
    assert "(numeric)" in table and "12" in table
