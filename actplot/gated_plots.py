"""Figures of gated units: f(a, b) and its two partial derivatives as heatmaps over the plane.

Each panel is a heatmap on a diverging colormap centred at 0 (blue below, red above, white at 0)
with contour lines; ``slices`` adds a panel of f(a, b) against the gate input b at a few fixed
values of a, which is the one-dimensional view the unit does have.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from actplot.gated_units import GatedUnit, evaluate_gated

#: values of a drawn by the slice panel
SLICE_VALUES = (-2.0, -1.0, 0.5, 1.0, 2.0)


def gated_figure(
    unit: GatedUnit,
    window: tuple[float, float] = (-5.0, 5.0),
    num: int = 201,
    slices: bool = False,
    size: tuple[float, float] | None = None,
    dpi: float = 150,
    registry: object | None = None,
) -> Any:
    """The figure of ``unit`` over (a, b) in window x window, ``num`` points a side."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    from actplot.plotting import PALETTE

    lo, hi = window
    axis = np.linspace(lo, hi, num)
    a, b = np.meshgrid(axis, axis, indexing="xy")  # rows follow b (vertical), columns follow a
    e = evaluate_gated(unit, a, b, registry)
    panels = [
        (e.y, f"f(a, b) = a·{unit.gate}(b)"),
        (e.dy_da, f"∂f/∂a = {unit.gate}(b)"),
        (e.dy_db, f"∂f/∂b = a·{unit.gate}′(b)"),
    ]
    count = len(panels) + (1 if slices else 0)
    width, height = size if size is not None else (4.2 * count, 4.0)
    # fixed margins in inches (constrained layout drew the figure twice: 1.0 of its 1.4 s)
    fig = Figure(figsize=(width, height), dpi=dpi)
    fig.subplots_adjust(
        left=0.55 / width, right=1 - (0.15 if slices else 0.55) / width, bottom=0.5 / height, top=1 - 0.75 / height,
        wspace=0.45,
    )  # fmt: skip
    axes = fig.subplots(1, count)
    for ax, (values, title) in zip(axes, panels, strict=False):
        finite = values[np.isfinite(values)]
        top = float(np.max(np.abs(finite))) if finite.size else 1.0
        top = top if top > 0 else 1.0
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-top, vmax=top)
        image = ax.imshow(
            values, origin="lower", extent=(lo, hi, lo, hi), cmap="RdBu_r", norm=norm, aspect="auto",
            interpolation="nearest",
        )  # fmt: skip
        levels = np.linspace(-top, top, 13)[1:-1]
        levels = levels[np.abs(levels) > 1e-12 * top]
        if finite.size and np.ptp(finite) > 0:
            ax.contour(a, b, values, levels=levels, colors="k", linewidths=0.5, alpha=0.6)
            ax.contour(a, b, values, levels=[0.0], colors="k", linewidths=1.2)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("a (value)")
        ax.set_ylabel("b (gate input)")
        fig.colorbar(image, ax=ax, fraction=0.08, pad=0.03)
    if slices:
        ax = axes[-1]
        for i, value in enumerate(SLICE_VALUES):
            s = evaluate_gated(unit, np.full_like(axis, value), axis, registry)
            ax.plot(axis, s.y, color=PALETTE[i % len(PALETTE)], lw=1.6, label=f"a = {value:g}")
        ax.axhline(0.0, color="0.5", lw=0.6)
        ax.set_title("slices: f(a, b) against b", fontsize=10)
        ax.set_xlabel("b (gate input)")
        ax.set_ylabel("f")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{unit.name}: ${_mathtext(unit)}$  (two inputs: value a, gate b)", fontsize=12, y=1 - 0.12 / height)
    return fig


def _mathtext(unit: GatedUnit) -> str:
    return f"f(a, b) = {unit.formula}"
