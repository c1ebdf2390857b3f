"""Figures with matplotlib's object-oriented API: never pyplot's global state (except for --show).

Imported lazily by the commands that draw, so ``actplot --help`` and ``actplot list`` never pay
for matplotlib.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np

matplotlib.use("Agg", force=False)  # no display here unless --show asks for one

from matplotlib.figure import Figure

from actplot.errors import UsageError
from actplot.sampling import Curve, sample
from actplot.spec import BoundActivation, format_value

#: Okabe & Ito's colour-blind-safe palette. Their yellow is too faint on white and their black
#: vanishes on black, so each theme leaves one out.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DARK_PALETTE = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#D55E00", "#FFFFFF")
FORMATS = (".png", ".svg", ".pdf")
MAX_DPI = 2400
#: 400 megapixels: 1.6 GB of canvas, far beyond print quality; more is refused up front.
MAX_PIXELS = 4e8
LAYOUTS = ("overlay", "stacked", "grid")
THEMES = ("light", "dark")
GREEK = {"alpha": "α", "beta": "β", "lambd": "λ", "tau": "τ", "init": "a"}
#: Metadata that would change from run to run is left out, so the same input gives the same bytes.
METADATA = {
    ".svg": {"Date": None, "Creator": None},
    ".pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    ".png": {"Software": None},
}
#: zlib level 1 for PNG: 28 ms less a page than the default 6 (of ~200), for files 6% larger (measured)
PIL_OPTIONS: dict[str, dict[str, Any]] = {".png": {"pil_kwargs": {"compress_level": 1}}}


@dataclass(frozen=True)
class PlotOptions:
    """Everything that shapes a figure besides the activations."""

    window: tuple[float, float] = (-5.0, 5.0)
    num: int = 2001
    layout: str = "overlay"
    derivative: bool = True
    shade: bool | None = None  # None: on for one or two activations
    saturation: float = 0.01
    theme: str = "light"
    style: str | None = None
    size: tuple[float, float] = (8.0, 5.0)
    dpi: float = 150.0
    sequential: bool = False  # colour along a sequential colormap (a parameter sweep)
    dtype: str = "float64"  # another format: f and f' drawn as the staircases they are in it
    against: str | None = None  # "torch" or "jax": the framework's f' as a thin line over the exact one
    # grid layout with fixed margins instead of constrained layout (which draws the figure twice,
    # and measured 1.8 s of the gallery overview's 4.4 s for 30 panels)
    fixed_grid: bool = False
    order: int = 1  # 2: f'' dotted in the same colour (a third panel in the stacked layout)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise UsageError(f"--layout {self.layout!r}: must be one of {', '.join(LAYOUTS)}")
        if self.theme not in THEMES:
            raise UsageError(f"--theme {self.theme!r}: must be one of {', '.join(THEMES)}")
        from actplot.rounding import get_format

        get_format(self.dtype)  # a one-line error naming the valid formats
        if self.against is not None:
            from actplot.frameworks import check_format, require

            require(self.against)
            check_format(self.dtype)
        if not (math.isfinite(self.dpi) and 0 < self.dpi <= MAX_DPI):
            raise UsageError(f"--dpi {format_value(float(self.dpi))}: must be a number in (0, {MAX_DPI}] (e.g. 150)")
        w, h = self.size
        if not (math.isfinite(w) and math.isfinite(h) and 0 < w <= 100 and 0 < h <= 100):
            raise UsageError(f"--size {w:g} {h:g}: width and height must be inches in (0, 100]")
        pixels = w * h * self.dpi**2
        if pixels > MAX_PIXELS:
            # a raster canvas this large would not fit in memory (4 bytes a pixel)
            raise UsageError(
                f"--size {w:g} {h:g} at --dpi {self.dpi:g} is {pixels / 1e6:,.0f} megapixels "
                f"(about {4 * pixels / 2**30:,.1f} GiB); at most {MAX_PIXELS / 1e6:,.0f} megapixels"
            )


#: Expressions longer than this are shortened in legends (the full text is in the title).
LABEL_LENGTH = 40


def legend_label(bound: BoundActivation, always: Sequence[str] = ()) -> str:
    """'elu (α=0.5)': the name, and the parameters that differ from the defaults or are in
    ``always`` (the swept ones: a sweep labels its default member 'elu (α=1)', not 'elu'). An
    expression is labelled by its text, shortened with '…' past LABEL_LENGTH characters."""
    from actplot.numerics import EXPRESSION_SOURCE

    if bound.activation.source == EXPRESSION_SOURCE:
        text = bound.label
        return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"
    shown = [(k, v) for k, v in bound.params if k in always or v != bound.activation.defaults[k]]
    if not shown:
        return bound.name
    return f"{bound.name} ({', '.join(f'{GREEK.get(k, k)}={format_value(v)}' for k, v in shown)})"


def swept_parameters(bounds: Sequence[BoundActivation]) -> tuple[str, ...]:
    """The parameters that take more than one value among activations of the same name."""
    values: dict[tuple[str, str], set[Any]] = {}
    for b in bounds:
        for k, v in b.params:
            values.setdefault((b.name, k), set()).add(repr(v))
    return tuple(sorted({k for (_name, k), seen in values.items() if len(seen) > 1}))


def colours(count: int, options: PlotOptions) -> list[str]:
    if options.sequential and count > 1:
        from matplotlib import colormaps
        from matplotlib.colors import to_hex

        cmap = colormaps["viridis"]
        return [to_hex(cmap(0.1 + 0.75 * i / (count - 1))) for i in range(count)]
    palette = PALETTE if options.theme == "light" else DARK_PALETTE
    return [palette[i % len(palette)] for i in range(count)]


def _styles(options: PlotOptions) -> list[Any]:
    styles: list[Any] = ["default"]
    if options.theme == "dark":
        styles.append("dark_background")
    if options.style:
        available = set(matplotlib.style.available)
        if options.style not in available and not Path(options.style).is_file():
            from actplot.registry import did_you_mean

            raise UsageError(
                f"--style {options.style!r}: not a matplotlib style or a file"
                f"{did_you_mean(options.style, available)}; see matplotlib.style.available"
            )
        styles.append(options.style)
    styles.append({"svg.hashsalt": "actplot", "svg.fonttype": "path", "legend.loc": "upper left"})
    return styles


#: Hatches per kind of region, for the first and second shaded activation: hatch lines in the
#: activation's own colour, no fill, so where two regions overlap both patterns stay visible in
#: their legend colours (two translucent fills blended into a grey that matched neither).
HATCHES = {
    "dead": ("///", "\\\\\\"),
    "flushed": ("xx", "++"),
    "saturation": ("..", "oo"),
    "near-stationary": ("||", "--"),
}


def _shade(
    ax: Any,
    curves: Sequence[Curve],
    shade_colours: Sequence[str],
    options: PlotOptions,
    legend: bool,
    labels: Sequence[str] | None = None,
    analyses: Sequence[Any] | None = None,
) -> None:
    from actplot.analysis import analyze

    tau = format_value(options.saturation)
    for index, (curve, colour) in enumerate(zip(curves, shade_colours, strict=True)):
        # Boundaries do not depend on num (see analysis), so a capped grid gives the same spans,
        # and an analysis made for a table (the gallery's index) serves as well.
        result = (
            analyses[index]
            if analyses is not None
            else analyze(curve.bound, options.window, min(options.num, 100_001), options.saturation, options.dtype)
        )
        name = labels[index] if labels is not None else legend_label(curve.bound)
        kinds = (
            ("dead", result.dead, "f′ = 0"),
            ("flushed", result.flushed, "f′ underflows to 0"),
            ("saturation", result.saturation_tails, f"0 < |f′| < {tau}"),
            ("near-stationary", result.near_stationary, f"0 < |f′| < {tau} (near-stationary)"),
        )
        for kind, spans, what in kinds:
            hatch = HATCHES[kind][index % 2]
            for i, span in enumerate(spans):
                label = f"{name}: {what}" if legend and i == 0 else None
                ax.axvspan(
                    span.lo, span.hi, facecolor="none", edgecolor=colour, hatch=hatch, lw=0, alpha=0.55,
                    label=label, zorder=0.5,
                )  # fmt: skip


def _decorate(ax: Any, options: PlotOptions) -> None:
    lo, hi = options.window
    ax.axhline(0.0, color="0.5", lw=0.8, zorder=0)
    if lo < 0 < hi:
        ax.axvline(0.0, color="0.5", lw=0.8, zorder=0)
    ax.grid(True, alpha=0.25, lw=0.6)
    ax.set_xlim(lo, hi)


def _draw(ax: Any, curve: Curve, colour: str, what: str, label: str | None, dtype: str = "float64") -> None:
    x, y = (curve.x, curve.y) if what == "f" else (curve.dy_x, curve.dy)
    style = {"lw": 2.0, "solid_capstyle": "round"} if what == "f" else {"lw": 1.5, "ls": "--"}
    if dtype != "float64":
        from actplot.rounding import round_to

        # the exact curve faint behind, the format's values as the staircase they are
        ax.plot(x, y, color=colour, alpha=0.25, lw=1.0, ls=style.get("ls", "-"))
        label = f"{label} in {dtype}" if label else label
        ax.plot(x, round_to(y, dtype), color=colour, label=label, drawstyle="steps-mid", **style)
    else:
        ax.plot(x, y, color=colour, label=label, **style)
    if what != "f" and curve.dots:
        xs, ys = zip(*curve.dots, strict=True)
        if dtype != "float64":
            from actplot.rounding import round_to

            ys = tuple(round_to(np.array(ys), dtype))
        ax.plot(xs, ys, "o", color=colour, ms=4, zorder=5)


#: f'' is drawn from at most this many evenly spaced points (it is smooth between kinks)
CURVATURE_POINTS = 4001


def _curvature(bound: BoundActivation, options: PlotOptions) -> tuple[np.ndarray, np.ndarray]:
    """(x, f''(x)) for drawing, with a break (NaN) at each kink and jump, where f'' jumps."""
    from actplot.numerics import evaluate, linspace

    x = linspace(options.window[0], options.window[1], min(options.num, CURVATURE_POINTS))
    d2 = np.asarray(evaluate(bound, x, order=2).d2y, dtype=float)
    singular = sorted({float(k) for k in (*bound.field("kinks"), *bound.field("jumps"))})
    for k in singular:
        if options.window[0] < k < options.window[1]:
            # the kink itself leaves the line (a dot marks f'' there), so neither side joins it
            d2 = np.where(x == k, np.nan, d2)
            i = int(np.searchsorted(x, k))
            x = np.insert(x, i, np.nan)
            d2 = np.insert(d2, i, np.nan)
    return x, d2


def _draw_curvature(ax: Any, bound: BoundActivation, colour: str, label: str | None, options: PlotOptions) -> None:
    """f'' dotted; at each kink of f (a jump of f') a dot marks the value PyTorch's double
    backward returns there, as dots on f' mark its value at a kink."""
    from actplot.numerics import evaluate

    x, d2 = _curvature(bound, options)
    ax.plot(x, d2, color=colour, lw=1.4, ls=":", label=label)
    kinks = [float(k) for k in bound.field("kinks") if options.window[0] <= k <= options.window[1]]
    if kinks:
        at = np.array(kinks)
        ax.plot(at, evaluate(bound, at, order=2).d2y, "o", color=colour, ms=3.5, zorder=5, fillstyle="none")


def _draw_framework(ax: Any, curve: Curve, colour: str, label: str, options: PlotOptions) -> None:
    """The framework's autograd f' (in the figure's format) as a thin line over the exact one, so
    a reader sees where it collapses to 0."""
    from actplot.frameworks import framework_function

    assert options.against is not None
    fw = framework_function(curve.bound, options.against, options.dtype)
    if fw is None:
        return
    from actplot.formats import intervals_text
    from actplot.frameworks import zero_gradient_regions

    x = curve.dy_x[np.isfinite(curve.dy_x)]
    ax.plot(x, fw.evaluate(x)[1], color=colour, lw=0.9, ls="-", alpha=0.9, label=f"{label}′ ({options.against})")
    # at the figure's scale a collapse from 1e-8 to 0 is invisible: mark where it happens
    collapsed = zero_gradient_regions(curve.bound, options.against, options.dtype, options.window) or ()
    where = intervals_text(collapsed, options.window)
    for i, span in enumerate(collapsed):
        text = f"{label}′ = 0 in {options.against} ({where})" if i == 0 else None
        ax.axvspan(span.lo, span.hi, ymin=0.0, ymax=0.06, facecolor=colour, alpha=0.5, lw=0, label=text)
        for edge in (span.lo, span.hi):
            if options.window[0] < edge < options.window[1]:
                ax.axvline(edge, color=colour, lw=0.8, ls=":", alpha=0.8)


def _zoom_flat_left(ax: Any, curves: Sequence[Curve], palette: Sequence[str], derivative: bool = True) -> None:
    """An inset on x < 0 when a curve's negative side is too flat to see (leaky_relu's 0.01 slope)."""
    import numpy as np

    total = max(float(np.nanmax(c.y) - np.nanmin(c.y)) for c in curves)
    flat = []
    for c in curves:
        left = c.y[(c.x < 0) & np.isfinite(c.y)]
        spread = float(left.max() - left.min()) if left.size else 0.0
        if 0 < spread < 0.04 * total:
            flat.append(c)
    if not flat or total == 0:
        return
    # inside the axes, clear of the main y tick labels: the inset's own tick labels go on its
    # right-hand side, and its left edge keeps a margin from the main axes' spine
    inset = ax.inset_axes((0.1, 0.52, 0.34, 0.34))
    for c in curves:
        mask = c.x <= 0
        colour = palette[curves.index(c)]
        inset.plot(c.x[mask], c.y[mask], color=colour, lw=1.5)
        if derivative and c in flat:
            # the flat side's f' (leaky_relu's 0.01) is lost against the zero line in the main axes
            dmask = c.dy_x <= 0
            inset.plot(c.dy_x[dmask], c.dy[dmask], color=colour, lw=1.2, ls="--")
    inset.set_title("x < 0, zoomed", fontsize=8)
    inset.tick_params(labelsize=7, left=False, labelleft=False, right=True, labelright=True)
    inset.grid(True, alpha=0.25)


class PageFigure:
    """One overlay figure kept for many pages (a gallery worker draws dozens with the same options).

    Its axes, ticks and Agg renderer outlive each page: a new figure per page made ~20 Tick objects
    (3 lines and 2 texts each) and measured every tick label again (30 gallery pages in one process:
    238 ms a page with a figure each, 200 ms with one kept figure).
    Each page removes what the previous one added (curves, spans, legend, inset) and autoscales
    again, so a page is the same, byte for byte, as on a figure of its own (tested).
    """

    def __init__(self) -> None:
        self.key: tuple[Any, ...] | None = None
        self.figure: Figure | None = None
        self.axes: Any = None
        self.keep: tuple[Any, ...] = ()

    def take(self, key: tuple[Any, ...]) -> tuple[Figure, Any] | None:
        """The kept figure and axes, emptied, if they were made for ``key``; else None."""
        if self.figure is None or self.key != key:
            return None
        ax = self.axes
        for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.child_axes]:
            if artist not in self.keep:
                artist.remove()
        if ax.legend_ is not None:
            ax.legend_.remove()
        ax.set_autoscaley_on(True)  # _finite_limits may have fixed the previous page's y range
        ax.relim()
        return self.figure, ax

    def adopt(self, key: tuple[Any, ...], fig: Figure, ax: Any) -> None:
        """Keep ``fig`` (its decoration drawn) for the next page made with ``key``."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)  # a canvas of its own: savefig keeps its renderer and text cache
        self.key, self.figure, self.axes = key, fig, ax
        self.keep = (*ax.lines, *ax.patches, *ax.collections)


def make_figure(
    bounds: Sequence[BoundActivation],
    options: PlotOptions | None = None,
    figure_factory: Callable[..., Figure] | None = None,
    analyses: Sequence[Any] | None = None,
    page: PageFigure | None = None,
) -> Figure:
    """Draw activations (and their derivatives) into a new Figure.

    Parameters
    ----------
    bounds : sequence of BoundActivation
    options : PlotOptions
    figure_factory : callable, optional
        Makes the Figure (default ``matplotlib.figure.Figure``; pyplot's for an interactive window).
    analyses : sequence of Analysis, optional
        One per activation, on ``options.window`` with ``options.saturation`` and ``options.dtype``
        (any grid): the shaded regions are taken from them instead of analysing again.
    page : PageFigure, optional
        Draw an overlay figure into this kept figure instead of a new one (the figure returned is
        then that figure, emptied of the previous page).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not bounds:
        raise UsageError("nothing to plot: give at least one activation name")
    options = options or PlotOptions()
    from actplot.numerics import check_grid

    check_grid(options.window[0], options.window[1], options.num)
    shade = options.shade if options.shade is not None else len(bounds) <= 2
    columns = int(min(4000, max(200, options.size[0] * options.dpi * 1.2)))
    curves = [sample(b, options.window, options.num, columns) for b in bounds]
    palette = colours(len(curves), options)
    factory = figure_factory or Figure

    with ExitStack() as stack:
        stack.enter_context(matplotlib.style.context(_styles(options)))
        # values near the float64 limit (an expression such as 1e308) overflow in matplotlib's
        # autoscaling: quiet the warnings here and fix the limits below
        stack.enter_context(np.errstate(all="ignore"))
        stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore", RuntimeWarning)
        # constrained layout draws the figure twice; one panel needs only fixed margins
        single = options.layout == "overlay"
        fixed = single or (options.layout == "grid" and options.fixed_grid)
        page_key = (options, len(bounds) == 1)
        kept = page.take(page_key) if page is not None and single else None
        if kept is not None:
            fig, ax = kept
        else:
            fig = factory(figsize=options.size, dpi=options.dpi, layout=None if fixed else "constrained")
            if single:
                fig.subplots_adjust(left=0.08, right=0.98, bottom=0.1, top=0.92 if len(bounds) == 1 else 0.97)
                ax = fig.subplots()
                _decorate(ax, options)
                ax.set_xlabel("x")
                if page is not None:
                    page.adopt(page_key, fig, ax)
            elif fixed:
                _fixed_grid_margins(fig, len(bounds))
        swept = swept_parameters(bounds)
        labels = [
            legend_label(b, swept) + (" (numeric f′)" if c.numeric else "") for b, c in zip(bounds, curves, strict=True)
        ]
        if options.layout == "grid":
            n = len(curves)
            cols = math.ceil(math.sqrt(n))
            rows = math.ceil(n / cols)
            axes = fig.subplots(rows, cols, squeeze=False)
            for i, ax in enumerate(axes.flat):
                if i >= n:
                    ax.set_visible(False)
                    continue
                _decorate(ax, options)
                if shade:
                    _shade(ax, [curves[i]], [palette[i]], options, legend=False)
                _draw(ax, curves[i], palette[i], "f", "f", options.dtype)
                if options.derivative:
                    _draw(ax, curves[i], palette[i], "df", "f′", options.dtype)
                if options.order == 2:
                    _draw_curvature(ax, curves[i].bound, palette[i], "f″", options)
                ax.set_title(labels[i], fontsize=10)
                if i >= n - cols:  # the bottom panel of each column
                    ax.set_xlabel("x")
            # one legend for the figure: which line is f and which f′ (the same in every panel)
            from matplotlib.lines import Line2D

            keys = [Line2D([], [], color="0.35", lw=1.6, label="f")]
            if options.derivative:
                keys.append(Line2D([], [], color="0.35", lw=1.6, ls="--", label="f′"))
            if options.order == 2:
                keys.append(Line2D([], [], color="0.35", lw=1.4, ls=":", label="f″"))
            if fixed:
                fig.legend(handles=keys, loc="lower center", ncols=len(keys), fontsize=8, frameon=False)
            else:
                fig.legend(handles=keys, loc="outside lower center", ncols=len(keys), fontsize=8, frameon=False)
        elif options.layout == "stacked":
            panels = fig.subplots(3 if options.order == 2 else 2, 1, sharex=True)
            top, bottom = panels[0], panels[1]
            for ax in panels:
                _decorate(ax, options)
                if shade:
                    _shade(ax, curves, palette, options, legend=ax is top, labels=labels)
            for curve, colour, label in zip(curves, palette, labels, strict=True):
                _draw(top, curve, colour, "f", label, options.dtype)
                _draw(bottom, curve, colour, "df", f"{label}′", options.dtype)
                if options.against:
                    _draw_framework(bottom, curve, colour, label, options)
                if options.order == 2:
                    _draw_curvature(panels[2], curve.bound, colour, f"{label}″", options)
            top.set_ylabel("f(x)")
            bottom.set_ylabel("f′(x)")
            if options.order == 2:
                panels[2].set_ylabel("f″(x)")
            panels[-1].set_xlabel("x")
            top.legend(fontsize=8)
            if not options.derivative:
                bottom.set_visible(False)
        else:
            if shade:
                _shade(ax, curves, palette, options, legend=True, labels=labels, analyses=analyses)
            for curve, colour, label in zip(curves, palette, labels, strict=True):
                _draw(ax, curve, colour, "f", label, options.dtype)
                if options.derivative:
                    _draw(ax, curve, colour, "df", f"{label}′", options.dtype)
                    if options.against:
                        _draw_framework(ax, curve, colour, label, options)
                if options.order == 2:
                    _draw_curvature(ax, curve.bound, colour, f"{label}″", options)
            ax.legend(fontsize=8, loc="lower right", ncols=1 if len(curves) < 5 else 2)
            _zoom_flat_left(ax, curves, palette, options.derivative)
        if len(bounds) == 1:
            act = bounds[0].activation
            # a vector-valued activation is drawn through its one-dimensional view: its vector
            # formula over that curve would misdescribe it
            trusted = act.source == "built-in"  # built-in formulas are tested to parse (test_registry)
            title = f"{labels[0]}: {act.vector_view}" if act.vector_view else title_for(labels[0], act.formula, trusted)
            fig.suptitle(title, fontsize=11)
        for ax in fig.axes:
            _finite_limits(ax)
    return fig


def _finite_limits(ax: Any) -> None:
    """Keep the y limits finite when the data nearly overflow (matplotlib's margin would not)."""
    lo, hi = ax.get_ylim()
    if np.isfinite(lo) and np.isfinite(hi) and max(abs(lo), abs(hi)) <= 1e300:
        return
    values = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
    finite = np.concatenate([v[np.isfinite(v)] for v in values] or [np.zeros(1)])
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    low, high = max(low, -1e300), min(high, 1e300)  # room for matplotlib's tick arithmetic
    if low >= high:
        low, high = low - abs(low) * 0.1 - 1, high + abs(high) * 0.1 + 1
    ax.set_ylim(low, high)


def _fixed_grid_margins(fig: Figure, count: int) -> None:
    """Margins of a grid of ``count`` panels in inches, as constrained layout would leave them
    for 10-point titles and tick labels, so the figure is laid out once."""
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    width, height = (float(v) for v in fig.get_size_inches())
    left, right, bottom, top, gap_w, gap_h = 0.55, 0.12, 0.62, 0.3, 0.6, 0.5  # inches (tick labels "−0.25")
    panel_w = max((width - left - right - (cols - 1) * gap_w) / cols, 0.1)
    panel_h = max((height - bottom - top - (rows - 1) * gap_h) / rows, 0.1)
    fig.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
        wspace=gap_w / panel_w, hspace=gap_h / panel_h,
    )  # fmt: skip


def title_for(label: str, formula: str, trusted: bool = False) -> str:
    """'label:  $f(x) = formula$' when the formula is valid mathtext; else the label alone, with
    any '$' escaped (a plugin's text must not be able to break the figure). ``trusted`` skips
    the check (a parse: 45 ms a page) for built-in formulas, which the tests parse."""
    safe_label = label.replace("$", r"\$")
    if not formula:
        return safe_label
    if trusted:
        return f"{safe_label}:  $f(x) = {formula}$"
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(f"$f(x) = {formula}$")
    except Exception:
        return safe_label
    return f"{safe_label}:  $f(x) = {formula}$"


def check_output(path: str | os.PathLike[str]) -> Path:
    """The output path, validated: a known suffix and an existing folder."""
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise UsageError(
            f"--out {str(path)!r}: unknown format {target.suffix or '(no suffix)'!r}; use .png, .svg or .pdf"
        )
    return target


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write a figure atomically, with no run-dependent metadata (same input, same bytes)."""
    from actplot.files import write_with

    target = check_output(path)
    suffix = target.suffix.lower()

    def writer(handle: Any) -> None:
        with (
            matplotlib.rc_context({"svg.hashsalt": "actplot", "svg.fonttype": "path"}),
            np.errstate(all="ignore"),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore", RuntimeWarning)  # autoscaling values near 1e308
            fig.savefig(
                handle,
                format=suffix[1:],
                metadata=METADATA[suffix],
                facecolor=fig.get_facecolor(),
                bbox_inches=None,
                **PIL_OPTIONS.get(suffix, {}),
            )

    try:
        write_with(target, writer)
    except (ValueError, OverflowError) as exc:
        # matplotlib gives up on data it cannot scale (values near the float64 limit)
        from actplot.errors import ActplotError

        raise ActplotError(f"cannot draw {target}: matplotlib failed: {exc}") from exc
    return target


def default_output(bounds: Sequence[BoundActivation]) -> Path:
    """``<names>.png`` in the current directory: relu_elu.png, elu-alpha-0.5.png."""
    from actplot.files import file_stem

    stem = "_".join(file_stem(b.label) for b in bounds)
    if len(stem) > 150:  # still one name per list of labels when shortened
        import hashlib

        stem = stem[:141] + "-" + hashlib.sha256(stem.encode()).hexdigest()[:8]
    return Path((stem or "activations") + ".png")
