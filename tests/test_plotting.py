"""Figures checked by content: lines and labels, shaded spans, breaks, decimation, SVG output."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from matplotlib.figure import Figure

import actplot
from actplot import resolve
from actplot.analysis import analyze
from actplot.cli import cli
from actplot.plotting import PageFigure, PlotOptions, legend_label, make_figure, save_figure
from actplot.sampling import envelope, sample


def labelled_lines(ax):
    return [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_overlay_draws_f_solid_and_f_prime_dashed_per_activation():
    fig = actplot.plot(["relu", "elu:alpha=0.5"])
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert labelled_lines(ax) == ["relu", "relu′", "elu (α=0.5)", "elu (α=0.5)′"]
    styles = {line.get_label(): line.get_linestyle() for line in ax.get_lines()}
    assert styles["relu"] == "-" and styles["relu′"] == "--"


def test_no_derivative_hides_f_prime():
    fig = actplot.plot(["tanh"], derivative=False)
    assert labelled_lines(fig.axes[0]) == ["tanh"]


def test_single_activation_title_carries_the_formula():
    fig = actplot.plot("gelu")
    assert fig.get_suptitle().startswith("gelu:  $f(x) = x\\,\\Phi(x)")


def test_shaded_spans_equal_the_analysis_regions():
    (sigmoid,) = resolve("sigmoid")
    fig = make_figure([sigmoid], PlotOptions(window=(-8, 8)))
    spans = sorted((p.get_x(), p.get_x() + p.get_width()) for p in fig.axes[0].patches)
    expected = analyze(sigmoid, (-8, 8), 2001).saturation
    assert [v for span in spans for v in span] == pytest.approx([v for i in expected for v in (i.lo, i.hi)], abs=1e-12)
    assert "sigmoid: 0 < |f′| < 0.01" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_relu_zero_gradient_span_is_hatched():
    fig = actplot.plot("relu")
    (patch,) = fig.axes[0].patches
    assert (patch.get_x(), patch.get_x() + patch.get_width()) == (-5.0, 0.0) and patch.get_hatch() == "///"


def test_shading_is_off_by_default_for_many_and_can_be_forced():
    assert not actplot.plot(["relu", "elu", "tanh"]).axes[0].patches
    assert actplot.plot(["relu", "elu", "tanh"], shade=True).axes[0].patches


@pytest.mark.parametrize(("layout", "visible"), [("stacked", 2), ("grid", 5)])
def test_layouts(layout, visible):
    fig = actplot.plot(["sigmoid", "tanh", "relu", "elu", "gelu"], layout=layout)
    assert sum(ax.get_visible() for ax in fig.axes) == visible


def test_flat_negative_side_gets_a_zoomed_inset():
    fig = actplot.plot("leaky_relu")
    (inset,) = fig.axes[0].child_axes
    y = np.concatenate([line.get_ydata() for line in inset.get_lines()])
    assert y.min() == pytest.approx(-0.05)  # the 0.01 slope, visible at its own scale
    assert not actplot.plot("relu").axes[0].child_axes


def test_lines_break_at_jumps_and_f_prime_at_kinks():
    (step,) = resolve("binary_step")
    curve = sample(step, (-1, 1), 101)
    i = int(np.flatnonzero(np.isnan(curve.y))[0])
    assert curve.x[i - 1] < 0 and curve.y[i - 1] == 0.0 and curve.x[i + 1] == 0.0 and curve.y[i + 1] == 1.0
    (relu,) = resolve("relu")
    curve = sample(relu, (-1, 1), 100)  # 0 is not a grid point: it is inserted
    assert 0.0 in curve.x and not np.isnan(curve.y).any()  # f is continuous: drawn through
    assert np.isnan(curve.dy).sum() == 1  # f' jumps at the kink
    assert curve.dots == ((0.0, 0.0),)  # PyTorch's relu'(0) = 0, marked


def test_decimation_keeps_extremes_and_kinks():
    (hardtanh,) = resolve("hardtanh")
    full = sample(hardtanh, (-3, 3), 4001, columns=10_000)
    thin = sample(hardtanh, (-3, 3), 2_000_000, columns=500)
    assert thin.x.size < 20 * 500
    assert np.nanmin(thin.y) == np.nanmin(full.y) == -1 and np.nanmax(thin.y) == 1
    assert {-1.0, 1.0} <= set(thin.x.tolist())


def test_envelope_keeps_first_last_min_and_max_of_each_column():
    x = np.linspace(0, 1, 1000)
    y = np.sin(40 * x)
    xs, ys = envelope(x, y, 0.0, 1.0, 10)
    assert xs.size == ys.size == 40 and np.all(np.diff(xs) >= 0)
    for column in range(10):
        inside = (x >= column / 10) & (x < (column + 1) / 10) if column < 9 else x >= 0.9
        values = y[inside]
        mine = ys[4 * column : 4 * column + 4]
        assert mine.tolist() == [values[0], values.min(), values.max(), values[-1]]


def test_envelope_breaks_the_line_at_non_finite_values():
    x = np.linspace(0, 1, 100)
    y = np.where((x > 0.5) & (x < 0.52), np.inf, x)
    xs, ys = envelope(x, y, 0.0, 1.0, 10)
    assert np.isnan(ys).sum() >= 1 and xs.size == ys.size


def test_sweep_colours_follow_a_sequential_colormap(runner, tmp_path):
    out = tmp_path / "sweep.svg"
    result = runner.invoke(cli, ["plot", "elu", "--sweep", "alpha=0.5,1,2", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    bounds = resolve(["elu:alpha=0.5", "elu", "elu:alpha=2"])
    assert [legend_label(b) for b in bounds] == ["elu (α=0.5)", "elu", "elu (α=2)"]
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    fig = make_figure(bounds, PlotOptions(sequential=True, shade=False))
    drawn = [
        line.get_color()
        for line in fig.axes[0].get_lines()
        if line.get_label() in ("elu (α=0.5)", "elu (α=1)", "elu (α=2)")  # a sweep names its default value
    ]
    assert drawn == [to_hex(colormaps["viridis"](v)) for v in (0.1, 0.475, 0.85)]


def test_svg_parses_and_carries_the_labels(tmp_path):
    path = save_figure(actplot.plot(["relu", "hardtanh:min_val=-2,max_val=2"]), tmp_path / "f.svg")
    text = path.read_text()
    ET.fromstring(text)
    comments = re.findall(r"<!-- (.*?) -->", text)
    assert "relu" in comments and "hardtanh (min_val=-2, max_val=2)" in comments


def test_same_figure_same_bytes(tmp_path):
    for suffix in ("svg", "png", "pdf"):
        a = save_figure(actplot.plot(["relu", "elu"]), tmp_path / f"a.{suffix}").read_bytes()
        b = save_figure(actplot.plot(["relu", "elu"]), tmp_path / f"b.{suffix}").read_bytes()
        assert a == b, suffix


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_a_page_in_a_kept_figure_is_the_page_on_its_own(tmp_path, suffix):
    """PageFigure (the gallery's one figure per worker): whatever was drawn before, a page has
    the bytes of the same page on a figure of its own. The sequence covers a hatched dead region
    (relu), the inset (leaky_relu), y limits fixed near the float64 limit (an expression), a
    staircase-free smooth curve (gelu), then relu again after all of them."""
    registry = actplot.load_registry(autoload=False)
    from actplot.spec import parse_spec

    options = PlotOptions(size=(5.0, 3.5), dpi=60)
    page = PageFigure()
    for i, name in enumerate(["relu", "leaky_relu", "1e300*x", "gelu", "relu"]):
        bound = parse_spec(name, registry)
        alone = save_figure(make_figure([bound], options), tmp_path / f"alone{i}.{suffix}").read_bytes()
        kept = save_figure(make_figure([bound], options, page=page), tmp_path / f"kept{i}.{suffix}").read_bytes()
        assert kept == alone, name
    assert page.figure is not None and len(page.figure.axes) == 1  # no inset left behind
    # other options: a figure of their own, not the kept one
    other = make_figure([parse_spec("relu", registry)], PlotOptions(size=(4.0, 3.0), dpi=60), page=page)
    assert other is page.figure and other.get_size_inches().tolist() == [4.0, 3.0]


def test_figures_can_be_made_in_parallel_threads():
    with ThreadPoolExecutor(4) as pool:
        figures = list(pool.map(lambda name: actplot.plot(name, num=501), ["relu", "elu", "gelu", "tanh"]))
    assert [labelled_lines(f.axes[0])[0] for f in figures] == ["relu", "elu", "gelu", "tanh"]


def test_plot_default_output_name(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["plot", "relu", "elu:alpha=0.5"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "relu_elu-alpha-0.5.png"
    assert (tmp_path / "relu_elu-alpha-0.5.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_terminal_preview_draws_braille_without_a_file(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["plot", "relu", "tanh", "--terminal"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert any("\u2800" < ch <= "\u28ff" for ch in result.stdout)
    assert "━━ relu" in result.stdout and "━━ tanh" in result.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["relu", "--out", "f.bmp"], 2, "unknown format '.bmp'"),
        (["relu", "--dpi", "0"], 2, "--dpi 0"),
        (["relu", "--size", "0", "5"], 2, "--size"),
        (["elu", "--sweep", "beta=1,2"], 2, "elu has no parameter 'beta'"),
        (["elu", "--sweep", "alpha"], 2, "expected KEY=V1,V2"),
        (["relu", "--style", "nonexistent-style"], 2, "not a matplotlib style"),
        (["relu", "--out", "/nonexistent-dir/f.png"], 1, "does not exist"),
        (["relu", "--show"], 1, "needs a display"),
    ],
)
def test_bad_plot_input(runner, monkeypatch, tmp_path, args, code, message):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["plot", *args])
    assert result.exit_code == code
    assert message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_unwritable_folder_is_an_io_error(runner, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = runner.invoke(cli, ["plot", "relu", "--out", str(folder / "f.png")])
        import os

        if os.geteuid() == 0:  # root ignores permission bits; a path under a file fails for anyone
            result = runner.invoke(cli, ["plot", "relu", "--out", str(tmp_path / "f.png" / "g.png")])
        assert result.exit_code == 1 and result.stderr.startswith("Error: cannot write")
    finally:
        folder.chmod(0o700)
