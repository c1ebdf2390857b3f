"""The text of ``actplot info``: everything known about one bound activation."""

from __future__ import annotations

import math
from typing import Any

from actplot.formats import terminal_safe
from actplot.gated_units import GatedUnit
from actplot.spec import BoundActivation, format_value


def format_bound(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return format_value(float(value))


def describe(bound: BoundActivation) -> str:
    """A multi-line description: formulas, parameters, range, continuity, kinks, conventions."""
    act = bound.activation
    rows: list[tuple[str, Any]] = [
        ("family", act.family),
        ("formula", act.formula),
        (
            "derivative",
            (act.derivative_formula or "-") + ("" if act.derivative else "  [numeric: no analytic f' declared]"),
        ),
        (
            "second derivative",
            (act.second_derivative_formula or "-")
            + ("" if act.second_derivative else "  [numeric: the derivative of f'; no analytic f'' declared yet]"),
        ),
    ]
    if act.params:
        width = max(len(p.name) for p in act.params)
        lines = []
        for p in act.params:
            value = bound.kwargs[p.name]
            mark = "" if value == p.default else f"  (default {format_value(p.default)})"
            lines.append(f"{p.name.ljust(width)} = {format_value(value)}{mark}  {p.doc}")
        rows.append(("parameters", lines))
    else:
        rows.append(("parameters", "none"))
    rows.append(("range", f"{bound.output_range().text()} over the reals, at these parameters"))
    rows.append(("continuity", bound.field("continuity")))
    kinks = bound.field("kinks")
    jumps = bound.field("jumps")
    if kinks:
        rows.append(("kinks", ", ".join(format_bound(k) for k in kinks)))
    if jumps:
        rows.append(("jumps", ", ".join(format_bound(j) for j in jumps)))
    rows.append(("kink convention", act.kink_convention or ("smooth: no kinks" if not (kinks or jumps) else "-")))
    if act.vector_view:
        rows.append(
            ("vector-valued", f"plots and tables show the {act.vector_view}; the full Jacobian is actplot.jacobian()")
        )
    if act.notes:
        rows.append(("numerics", act.notes))
    rows.append(("reference", act.reference or "-"))
    rows.append(("aliases", ", ".join(act.aliases) or "-"))
    rows.append(("source", act.source))

    width = max(len(key) for key, _ in rows)
    out = [terminal_safe(f"{bound.label}: {act.summary}")]
    for key, value in rows:
        values = value if isinstance(value, list) else [value]
        for i, text in enumerate(values):
            out.append(f"  {(key if i == 0 else '').ljust(width)}  {terminal_safe(text)}")
    return "\n".join(out)


def describe_gated(unit: GatedUnit) -> str:
    """The ``info`` text of a gated unit: its two inputs, formula, partial derivatives, gate."""
    rows = [
        ("kind", "gated unit: two inputs, a value a and a gate input b (the two halves of a projection)"),
        ("formula", unit.formula),
        ("partials", rf"\partial f/\partial a = {unit.gate}(b),\quad \partial f/\partial b = a\,{unit.gate}'(b)"),
        ("gate", f"{unit.gate} (see 'actplot info {unit.gate}': its kinks and conventions carry over to b)"),
        (
            "numerics",
            f"{unit.gate}(b) and {unit.gate}'(b) are the exact built-ins; f and df/db add one rounding "
            "(where the gate itself underflows, below 2.2e-308, a huge a cannot bring it back: a * 0 is 0)",
        ),
        ("used in", unit.used_in or "-"),
        ("reference", unit.reference),
        ("figure", f"'actplot plot {unit.name}': heatmaps of f, df/da, df/db over (a, b); --slices: f against b"),
    ]
    width = max(len(key) for key, _ in rows)
    out = [f"{unit.name}: {unit.summary}"]
    out += [f"  {key.ljust(width)}  {text}" for key, text in rows]
    return "\n".join(out)
