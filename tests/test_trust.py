"""What the trust review (issues 10 and 15) found: each test failed on the code it was filed against.

References are closed forms or mpmath, computed here; regions are checked at many --num, since the
README promises they do not depend on it.
"""

from __future__ import annotations

import json
import math
import os

import mpmath as mp
import numpy as np
import pytest

from actplot import evaluate, resolve
from actplot.analysis import analyze, diff
from actplot.cli import cli

NUMS = [2, 3, 10, 11, 101, 10_001]


def one(spec: str, **kwargs):
    (bound,) = resolve(spec)
    return analyze(bound, **kwargs)


def flat(intervals) -> list[float]:
    return [v for i in intervals for v in (i.lo, i.hi)]


def mp_root(f, x0: float) -> float:
    mp.mp.dps = 40
    return float(mp.findroot(f, x0))


# --- regions do not depend on --num ---------------------------------------------------------


@pytest.mark.parametrize("num", NUMS)
def test_sigmoid_and_tanh_saturate_only_in_their_tails_at_any_num(num):
    s = (1 + math.sqrt(1 - 4 * 0.01)) / 2  # sigma(b) (1 - sigma(b)) = 0.01
    b = math.log(s / (1 - s))
    a = one("sigmoid", window=(-50, 50), num=num)
    assert flat(a.saturation_tails) == pytest.approx([-50, -b, b, 50], abs=1e-9)
    assert a.saturation_tails_fraction == pytest.approx(0.908, abs=1e-3)
    t = math.atanh(math.sqrt(0.99))
    assert flat(one("tanh", window=(-50, 50), num=num).saturation_tails) == pytest.approx([-50, -t, t, 50], abs=1e-9)


def _band(spec: str, tau: float, x0: float, sign: float) -> tuple[float, float]:
    """The two x around the minimum of f near x0 where |f'| = tau (f' from mpmath)."""
    mp.mp.dps = 40
    name = spec
    f = {
        "silu": lambda x: x / (1 + mp.exp(-x)),
        "gelu": lambda x: x * mp.ncdf(x),
        "mish": lambda x: x * mp.tanh(mp.log(1 + mp.exp(x))),
    }[name]

    def d(x):
        return mp.diff(f, x)

    lo = mp.findroot(lambda x: d(x) + tau, x0 - 0.005 * sign)
    hi = mp.findroot(lambda x: d(x) - tau, x0 + 0.005 * sign)
    return float(lo), float(hi)


@pytest.mark.parametrize("num", NUMS)
@pytest.mark.parametrize(("spec", "x0"), [("silu", -1.2784645), ("gelu", -0.7517915), ("mish", -1.1924312)])
def test_narrow_near_stationary_bands_are_found_at_any_num(spec, x0, num):
    a = one(spec, window=(-50, 50), num=num, saturation=1e-3)
    lo, hi = _band(spec, 1e-3, x0, 1.0)
    band = [i for i in a.near_stationary if i.lo < x0 < i.hi]
    assert len(band) == 1, a.near_stationary
    assert (band[0].lo, band[0].hi) == pytest.approx((lo, hi), abs=1e-9)
    assert a.stationary_points[0] == pytest.approx(x0, abs=1e-6)


@pytest.mark.parametrize("num", NUMS)
def test_diff_regions_do_not_depend_on_num(num):
    d = diff(*resolve("silu"), *resolve("mish"), num=num)
    # mpmath: where |silu - mish| = 1e-3
    assert flat(d.regions) == pytest.approx([-3.743835016, -0.0100711607, 0.00993112015, 9.117636791], abs=1e-8)
    assert d.regions_fraction == pytest.approx(0.642, abs=1e-3)


@pytest.mark.parametrize("window", [(-10, 10), (-3, 7), (-1000, 1000), (0, 30), (-1e-3, 2e-3)])
@pytest.mark.parametrize("spec", ["sigmoid", "gelu", "hardswish", "sinc", "softplus:threshold=20", "elu:alpha=0.5"])
def test_every_region_is_the_same_at_coarse_and_fine_num(spec, window):
    coarse, fine = one(spec, window=window, num=2), one(spec, window=window, num=10_001)
    for field in ("dead", "flushed", "saturation_tails", "near_stationary", "max_abs_grad_on"):
        assert getattr(coarse, field) == getattr(fine, field), field
    assert coarse.stationary_points == fine.stationary_points


# --- what each column means -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "mean", "centred"),
    [
        ("relu", 1 / math.sqrt(2 * math.pi), False),  # E[max(z, 0)]
        ("relu6", None, False),
        ("threshold", None, False),
        ("sigmoid", 0.5, False),  # symmetric about (0, 1/2)
        ("tanh", 0.0, True),  # odd
        ("identity", 0.0, True),
        ("gelu", 1 / (2 * math.sqrt(math.pi)), False),
    ],
)
def test_zero_centred_is_measured_from_the_gaussian_mean(spec, mean, centred):
    a = one(spec)
    if mean is not None:
        assert a.gaussian_mean == pytest.approx(mean, rel=1e-12, abs=1e-15)
    assert a.zero_centered is centred


def test_gain_is_he_et_al_for_relu():
    assert one("relu").gain == pytest.approx(math.sqrt(2), rel=1e-13)


def test_a_maximum_is_not_saturation():
    a = one("gaussian")
    (band,) = a.near_stationary
    assert band.lo < 0 < band.hi and a.stationary_points == (0.0,)
    # the tails are: e^-x^2 2|x| = 0.01 beyond |x| = 2.4917...
    edge = mp_root(lambda x: 2 * x * mp.exp(-x * x) - mp.mpf("0.01"), 2.5)
    assert flat(a.saturation_tails) == pytest.approx([-10, -edge, edge, 10], abs=1e-9)


def test_dead_and_flushed_are_told_apart():
    a = one("sigmoid", window=(-1000, 1000))
    assert a.dead == () and len(a.flushed) == 2
    # sigma'(x) ~ e^-|x| rounds to 0 below half the smallest subnormal, 2^-1075
    edge = 1075 * math.log(2)
    assert a.flushed[1].lo == pytest.approx(edge, abs=1e-6)
    r = one("relu", window=(-1000, 1000))
    assert r.flushed == () and flat(r.dead) == [-1000, 0]


def test_relu_plateau_is_an_interval_and_hardswish_sup_is_not_attained(runner):
    result = runner.invoke(cli, ["compare", "relu", "hardswish", "elu", "sigmoid"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert "0.25 at 0" in result.stdout  # a smooth maximum, not the first float rounding lifts to it
    assert "1 on x > 0" in result.stdout
    assert "sup 1.5 as x → 3 (not attained)" in result.stdout
    assert "1 on x ≥ 0" in result.stdout  # elu' = 1 at 0 too (alpha e^0)
    h = one("hardswish")
    assert h.max_abs_grad == 1.5 and not h.max_abs_grad_attained


def test_compare_has_an_f0_column_and_says_what_each_column_means(runner):
    from actplot.columns import COLUMNS

    result = runner.invoke(cli, ["compare", "--help"])
    assert result.exit_code == 0
    flat_help = " ".join(result.stdout.split())
    for column in COLUMNS:
        assert " ".join(column.definition.split()) in flat_help, column.header
    assert "f(0)" in [c.header for c in COLUMNS]


def test_monotonic_checks_across_the_softplus_cut_over():
    # f(20) = 20.000000002061153 > f(20.000000000000004) = 20.000000000000004 (PyTorch's shortcut)
    assert not one("softplus:threshold=20", window=(0, 30)).monotonic
    assert one("softplus", window=(0, 30)).monotonic


@pytest.mark.parametrize("spec", ["leaky_relu:negative_slope=1", "prelu:init=1", "rrelu:lower=1,upper=1"])
def test_identity_in_disguise_is_smooth(spec):
    assert one(spec).continuity == "C∞"


# --- inputs that hung or printed nonsense ---------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "relu", "--range", "0", "5e-324"],
        ["plot", "relu", "--range", "0", "5e-324", "--out", "d.png"],
        ["compare", "relu", "--range", "1", "1.0000000000000002", "--num", "11"],
        ["eval", "relu", "--range", "1", "1.0000000000000002", "--num", "11"],
        ["compare", "relu", "--range", "-1e308", "1e308", "--num", "11"],
        ["diff", "relu", "elu", "--range", "-1.7e308", "1.7e308"],
    ],
)
def test_degenerate_windows_are_refused_in_one_line(runner, tmp_path, args):
    os.chdir(tmp_path)
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "window" in line or "width" in line
    assert "nan" not in result.stdout and not (tmp_path / "d.png").exists()


def test_the_widest_finite_window_is_analysed_without_nan(runner):
    result = runner.invoke(cli, ["compare", "relu", "--range", "-8e307", "8e307", "--format", "json"])
    assert result.exit_code == 0 and "Warning" not in result.stderr
    (row,) = json.loads(result.stdout)["activations"]
    assert row["dead"] == [[-8e307, 0.0]] and row["max_abs_grad"] == 1.0 and row["monotonic"]


# --- machine-readable output stays machine-readable ----------------------------------------

NOISY = """
import numpy as np
from actplot import activation
print("hello from import")

@activation("noisy", derivative=lambda x: (print("grad called"), np.ones_like(x))[1])
def noisy(x):
    print("called with", x.shape)
    return x
"""


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "noisy", "--at", "1", "--format", "json"],
        ["eval", "noisy", "--at", "1", "--format", "csv"],
        ["compare", "noisy", "--format", "json", "--num", "11"],
        ["compare", "noisy", "--format", "csv", "--num", "11"],
        ["compare", "noisy", "--format", "markdown", "--num", "11"],
        ["list", "--format", "json"],
        ["diff", "noisy", "relu", "--format", "json", "--num", "11"],
    ],
)
def test_plugin_prints_never_reach_stdout(runner, tmp_path, args):
    plugin = tmp_path / "noisy.py"
    plugin.write_text(NOISY)
    result = runner.invoke(cli, [*args, "--plugin", str(plugin)])
    assert result.exit_code == 0, result.output
    assert "hello from import" not in result.stdout and "called with" not in result.stdout
    assert "hello from import" in result.stderr
    if "json" in args:
        json.loads(result.stdout)


def test_out_writes_through_a_symlink(runner, tmp_path):
    os.chdir(tmp_path)
    (tmp_path / "real.png").write_bytes(b"old")
    (tmp_path / "link.png").symlink_to("real.png")
    result = runner.invoke(cli, ["plot", "relu", "--out", "link.png"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link.png").is_symlink()
    assert (tmp_path / "real.png").read_bytes()[:4] == b"\x89PNG"


# --- the whole float range ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "x", "value", "grad"),
    [
        ("gaussian", 1e308, 0.0, 0.0),
        ("smht", 1e308, 1.0, 0.0),
        ("smht", -1e308, -1.0, 0.0),
        ("bent_identity", -1e308, -5e307, 0.5),
        ("bent_identity", 1e308, 1.5e308, 1.5),
        ("squareplus", 9e307, 9e307, 1.0),
        ("softplus:beta=2", 9e307, 9e307, 1.0),
        ("isru:alpha=1e-300", 1e200, 1e150, 1e-150),
    ],
)
def test_huge_inputs(spec, x, value, grad):
    e = evaluate(resolve(spec)[0], np.array([x]))
    assert float(e.y[0]) == pytest.approx(value, rel=1e-15, abs=0)
    assert float(e.dy[0]) == pytest.approx(grad, rel=1e-14, abs=0)


def test_eval_vector_prints_softmax_and_its_jacobian(runner):
    result = runner.invoke(cli, ["eval", "softmax", "--vector", "1,2,3", "--format", "json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    mp.mp.dps = 30
    e = [mp.exp(k) for k in (1, 2, 3)]
    s = [float(t / sum(e)) for t in e]
    assert row["y"] == pytest.approx(s, rel=1e-15)
    assert row["jacobian"][0][1] == pytest.approx(-s[0] * s[1], rel=1e-14)
    bad = runner.invoke(cli, ["eval", "relu", "--vector", "1,2"])
    assert bad.exit_code == 2 and "elementwise" in bad.stderr


# --- output that is right as text -----------------------------------------------------------


def _gfm_tables(text: str) -> list[tuple[int, list[int]]]:
    """(header cells, [cells per body row]) of every table a GFM parser finds in ``text``."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables, header, rows, cells, in_head = [], 0, [], 0, False
    for t in tokens:
        if t.type == "table_open":
            header, rows = 0, []
        elif t.type == "thead_open":
            in_head = True
        elif t.type == "thead_close":
            in_head = False
        elif t.type == "tr_open":
            cells = 0
        elif t.type in ("th_open", "td_open"):
            cells += 1
        elif t.type == "tr_close":
            if in_head:
                header = cells
            else:
                rows.append(cells)
        elif t.type == "table_close":
            tables.append((header, rows))
    return tables


def test_compare_markdown_is_a_gfm_table(runner):
    from actplot.columns import COLUMNS

    result = runner.invoke(cli, ["compare", "relu", "sigmoid", "hardtanh", "--format", "markdown"])
    assert result.exit_code == 0
    ((header, rows),) = _gfm_tables(result.stdout)
    assert header == len(COLUMNS) and rows == [len(COLUMNS)] * 3


def test_committed_gallery_index_is_a_gfm_table():
    from pathlib import Path

    index = Path(__file__).parent.parent / "gallery" / "index.md"
    tables = _gfm_tables(index.read_text(encoding="utf-8"))
    assert tables, "no table parsed"
    for header, rows in tables:
        assert rows and all(r == header for r in rows)


# --- figures and names ----------------------------------------------------------------------


def _figure(specs, **options):
    from actplot.plotting import PlotOptions, make_figure

    bounds = [resolve(s)[0] if isinstance(s, str) else s for s in specs]
    return make_figure(bounds, PlotOptions(**options))


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_expression_legends_name_the_expression():
    texts = _legend_texts(_figure(["x*sigmoid(x)", "x*tanh(softplus(x))"]))
    assert "x * sigmoid(x)" in texts and "x * tanh(softplus(x))" in texts and "expression" not in texts


def test_a_sweep_labels_its_default_member_with_the_parameter():
    from actplot.cli import expand_sweep

    bounds, _ = expand_sweep(resolve(["elu"]), "alpha=0.5,1,2")
    texts = _legend_texts(_figure(bounds, sequential=True))
    assert {"elu (α=0.5)", "elu (α=1)", "elu (α=2)"} <= set(texts)


@pytest.mark.parametrize(
    "pair",
    [
        ("threshold:threshold=0.5,value=1", "threshold:threshold=0.5,value=-1"),
        ("x*sigmoid(x)", "x*sigmoid(-x)"),
        ("x*2", "x*(-2)"),
    ],
)
def test_default_file_names_are_injective(pair):
    from actplot.gallery import page_name
    from actplot.plotting import default_output

    a, b = (resolve(s)[0] for s in pair)
    assert default_output([a]) != default_output([b])
    assert page_name(a, "svg") != page_name(b, "svg")
    assert page_name(resolve("elu:alpha=0.5")[0], "svg") == "elu-alpha-0.5.svg"  # plain labels stay readable


def test_gallery_never_overwrites_a_page_of_the_same_run(tmp_path):
    from actplot.gallery import GalleryOptions, build_gallery

    bounds = resolve(["x*sigmoid(x)", "x*sigmoid(-x)", "relu", "relu"])
    build_gallery(bounds, tmp_path, GalleryOptions(fmt="png"), jobs=1)
    pages = sorted(p.name for p in tmp_path.glob("*.png") if p.name != "overview.png")
    assert len(pages) == 3


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("spec", ["leaky_relu", "leaky_relu:negative_slope=0.02", "leaky_relu:negative_slope=0.001"])
def test_the_inset_overlaps_no_tick_label(spec):
    fig = _figure([spec], size=(7.0, 4.4), dpi=110)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    main = fig.axes[0]
    (inset,) = main.child_axes
    box = inset.get_tightbbox(renderer)
    labels = [t for t in main.get_yticklabels() + main.get_xticklabels() if t.get_text() and t.get_visible()]
    for label in labels:
        assert not _overlaps(box, label.get_window_extent(renderer)), label.get_text()


def test_the_inset_shows_the_flat_derivative_too():
    fig = _figure(["leaky_relu"])
    (inset,) = fig.axes[0].child_axes
    ys = [np.asarray(line.get_ydata(), dtype=float) for line in inset.get_lines()]
    assert any(np.allclose(y[np.isfinite(y)], 0.01) for y in ys)  # leaky_relu' = 0.01 on x < 0


def test_overlapping_regions_keep_their_own_colours():
    from matplotlib.colors import to_rgba

    fig = _figure(["relu", "elu"])
    ax = fig.axes[0]
    patches = [p for p in ax.patches if p.get_hatch()]
    assert patches and all(to_rgba(p.get_facecolor())[3] == 0 for p in patches)  # hatch lines, no fill
    hatches = {(p.get_hatch(), to_rgba(p.get_edgecolor())[:3]) for p in patches}
    assert len({h for h, _ in hatches}) == len(hatches)  # each activation its own hatch


def test_grid_layout_has_a_legend_and_x_labels():
    fig = _figure(["sigmoid", "tanh", "gelu", "silu"], layout="grid")
    assert fig.legends and [t.get_text() for t in fig.legends[0].get_texts()] == ["f", "f′"]
    assert sum(ax.get_xlabel() == "x" for ax in fig.axes) == 2


def test_a_vector_valued_activation_is_titled_by_its_view():
    title = _figure(["softmax"])._suptitle.get_text()
    assert "first component" in title and "_j" not in title


def test_swish_takes_beta():
    (bound,) = resolve("swish:beta=2")
    x = np.array([-1.0, 0.3, 2.0])
    e = evaluate(bound, x)
    mp.mp.dps = 30
    for xi, yi, di in zip(x, e.y, e.dy, strict=True):
        s = 1 / (1 + mp.exp(-2 * mp.mpf(xi)))
        assert yi == pytest.approx(float(mp.mpf(xi) * s), rel=1e-15)
        assert di == pytest.approx(float(s * (1 + 2 * mp.mpf(xi) * (1 - s))), rel=1e-15)


def test_check_on_an_expression_raises_no_complex_warning(runner):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.invoke(cli, ["check", "x*sigmoid(x)"])
    assert result.exit_code == 0, result.output
    assert not [w for w in caught if "complex" in str(w.message).lower()]
    assert "ComplexWarning" not in result.output


# --- formats: correct rounding at ties ------------------------------------------------------


def _correctly_rounded_float32(true: mp.mpf) -> np.float32:
    """The float32 nearest to ``true`` (ties to even), decided by exact comparison with the
    midpoint of the two float32 neighbours, not by casting a rounded float64."""
    from fractions import Fraction

    # exact: (-1)**sign * mantissa * 2**exp (mpmath 1.3 has no as_integer_ratio)
    sign, man, exp, _ = mp.mpf(true)._mpf_
    t = (-1) ** sign * Fraction(int(man)) * Fraction(2) ** int(exp)
    below = np.float32(float(t))
    if Fraction(float(below)) > t:
        below = np.nextafter(below, np.float32(-np.inf))
    above = np.nextafter(below, np.float32(np.inf))
    mid = (Fraction(float(below)) + Fraction(float(above))) / 2
    if t < mid:
        return below
    if t > mid:
        return above
    return below if int(below.view(np.int32)) % 2 == 0 else above


@pytest.mark.parametrize("spec", ["silu", "gelu", "gelu_tanh", "mish", "elish", "softplus", "sigmoid"])
def test_float32_subnormal_results_are_correctly_rounded_at_ties(spec):
    mp.mp.dps = 200
    refs = {
        "silu": lambda x: x / (1 + mp.exp(-x)),
        "gelu": lambda x: x * mp.ncdf(x),
        "gelu_tanh": lambda x: x / 2 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3))),
        "mish": lambda x: x * mp.tanh(mp.log1p(mp.exp(x))),
        "elish": lambda x: x / (1 + mp.exp(-x)) if x >= 0 else (mp.exp(x) - 1) / (1 + mp.exp(-x)),
        "softplus": lambda x: mp.log1p(mp.exp(x)),
        "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
    }
    # odd multiples of float32's smallest subnormal: f(x) ~ x/2 lands on a float32 tie in float64
    k = np.arange(1, 200, 2, dtype=np.float64)
    x = np.concatenate([k, -k]) * 2.0**-149
    e = evaluate(resolve(spec)[0], x, dtype="float32")
    for xi, yi in zip(x, e.y, strict=True):
        expected = _correctly_rounded_float32(refs[spec](mp.mpf(float(xi))))
        assert yi == expected, (spec, float(xi), float(yi), float(expected))


def test_silu_at_the_reported_tie():
    e = evaluate(resolve("silu")[0], np.array([8.5e-44]), dtype="float32")
    assert float(e.y[0]) == 31 * 2.0**-149  # 4.34e-44, not 30 * 2^-149 = 4.2e-44


def test_snake_reports_isolated_stationary_points_not_regions():
    # f' = 1 + sin 2x >= 0 touches 0 at x = -pi/4 + k pi: points, never dead or flushed regions
    a = one("snake", window=(-10, 10), num=11)
    expected = [-math.pi / 4 + k * math.pi for k in range(-2, 4)]
    assert a.dead == () and a.flushed == () and a.monotonic
    assert list(a.stationary_points) == pytest.approx(expected, abs=1e-7)
    assert all(b.width < 0.2 for b in a.near_stationary) and len(a.near_stationary) == len(expected)
