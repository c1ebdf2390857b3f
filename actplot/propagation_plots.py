"""Figures of ``actplot propagate``: the order-to-chaos phase diagram and q, c through depth."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from actplot.propagation import _bound, _fixed_point, _Gaussian, correlation_map, edge_of_chaos
from actplot.spec import BoundActivation

#: sigma_b^2 values of the phase diagram (Schoenholz et al. 2017, Figure 1, spans about these).
BIAS_VARS = np.linspace(0.0, 0.3, 31)
LAYERS = 50


def phase_diagram(bounds: Sequence[BoundActivation], bias_vars: np.ndarray = BIAS_VARS) -> Any:
    """The critical sigma_w^2 against sigma_b^2, one line per activation: ordered to its left."""
    from matplotlib.figure import Figure

    from actplot.plotting import PALETTE, legend_label

    fig = Figure(figsize=(6.4, 4.4), dpi=150, layout="constrained")
    ax = fig.subplots()
    for i, bound in enumerate(bounds):
        edge = [edge_of_chaos(bound, float(b)) for b in bias_vars]
        xs = np.array([np.nan if e is None else e for e in edge])
        # a line where the edge exists; a marker where it is a single point (relu: sigma_w^2 = 2
        # at sigma_b^2 = 0 only, where q* is finite)
        marker = "o" if np.count_nonzero(np.isfinite(xs)) == 1 else None
        ax.plot(xs, bias_vars, color=PALETTE[i % len(PALETTE)], lw=1.8, marker=marker, label=legend_label(bound))
    ax.set_xscale("log")  # sigmoid's edge lies near 100, tanh's near 1
    ax.set_xlabel("σ_w²  (weight variance × fan_in)")
    ax.set_ylabel("σ_b²  (bias variance)")
    ax.set_title("edge of chaos: χ₁ = 1  (ordered to the left, chaotic to the right)", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def depth_figure(spec: Any, weight_var: float, bias_var: float, layers: int = LAYERS) -> Any:
    """q and c through ``layers`` layers from a few starting values, iterating the two maps."""
    from matplotlib.figure import Figure

    bound = _bound(spec)
    g = _Gaussian(bound)
    fig = Figure(figsize=(8.0, 3.6), dpi=150, layout="constrained")
    left, right = fig.subplots(1, 2)
    depth = np.arange(layers + 1)
    for q0 in (0.1, 1.0, 3.0, 10.0):
        qs = [q0]
        for _ in range(layers):
            qs.append(weight_var * g.moments(qs[-1])[1] + bias_var)
        left.plot(depth, qs, lw=1.4, label=f"q₀ = {q0:g}")
    left.set_xlabel("layer")
    left.set_ylabel("q (pre-activation variance)")
    left.set_yscale("log")
    left.legend(fontsize=8)
    q_star = _fixed_point(g, weight_var, bias_var)
    if q_star:
        for c0 in (0.0, 0.5, 0.9, 0.99):
            cs = [c0]
            for _ in range(layers):
                cs.append(min(1.0, correlation_map(g, weight_var, bias_var, q_star, cs[-1])))
            right.plot(depth, cs, lw=1.4, label=f"c₀ = {c0:g}")
        right.legend(fontsize=8)
    else:
        right.text(0.5, 0.5, "no fixed point q*: q diverges", ha="center", transform=right.transAxes)
    right.set_xlabel("layer")
    right.set_ylabel("c (correlation of two inputs)")
    fig.suptitle(f"{bound.label}: σ_w² = {weight_var:g}, σ_b² = {bias_var:g}", fontsize=10)
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    return fig
