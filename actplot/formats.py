"""Writers for command output: JSON, CSV and rich tables. Pure functions returning strings/renderables."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from actplot.numerics import Evaluation
from actplot.registry import Registry
from actplot.spec import format_value


def json_number(value: Any) -> float | str:
    """A float for JSON: shortest round-tripping repr in its own precision; non-finite as strings."""
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if isinstance(value, (np.float32, np.float16)):
        return float(str(value))  # '0.1', not '0.10000000149011612'
    return v


def json_numbers(values: np.ndarray) -> list[float | str]:
    return [json_number(v) for v in values]


def json_params(params: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    return {k: json_number(v) if isinstance(v, float) else v for k, v in params}


def dumps(data: Any) -> str:
    """Standard JSON (no NaN/Infinity literals), indented for people, stable for tools."""
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False)


def dumps_lines(items: Sequence[Any]) -> str:
    """A JSON list with one compact item per line."""
    body = ",\n".join("  " + json.dumps(item, allow_nan=False, ensure_ascii=False) for item in items)
    return "[\n" + body + "\n]" if items else "[]"


def evaluations_json(evaluations: Sequence[Evaluation]) -> str:
    # One object per line: readable for a few activations, and grep-able for many points.
    return dumps_lines(
        [
            {
                "name": e.bound.name,
                "label": e.bound.label,
                "params": json_params(e.bound.params),
                "derivative": e.derivative_kind,
                "x": json_numbers(e.x),
                "y": json_numbers(e.y),
                "dy": json_numbers(e.dy),
            }
            for e in evaluations
        ]
    )


def _csv_cell(value: Any) -> str:
    out = json_number(value)
    return out if isinstance(out, str) else repr(out)


def evaluations_csv(evaluations: Sequence[Evaluation]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["x"]
    for e in evaluations:
        header += [e.bound.label, "d" + e.bound.label]
    writer.writerow(header)
    x = evaluations[0].x
    columns = [x] + [col for e in evaluations for col in (e.y, e.dy)]
    for row in zip(*columns, strict=False):
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue()


def short(value: Any, digits: int = 8) -> str:
    """A compact number for tables."""
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        return str(v)
    return f"{v:.{digits}g}"


def evaluations_table(evaluations: Sequence[Evaluation]) -> Any:
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    table.add_column("x", justify="right")
    for e in evaluations:
        suffix = "" if e.derivative_kind == "analytic" else " (numeric)"
        table.add_column(e.bound.label, justify="right")
        table.add_column(f"d {e.bound.label}{suffix}", justify="right", style="cyan")
    for i, x in enumerate(evaluations[0].x):
        cells = [short(x)]
        for e in evaluations:
            cells += [short(e.y[i], 10), short(e.dy[i], 10)]
        table.add_row(*cells)
    return table


def describe_params(params: Sequence[Any]) -> str:
    return ", ".join(f"{p.name}={format_value(p.default)}" for p in params) or "-"


def registry_rows(registry: Registry) -> list[dict[str, Any]]:
    return [
        {
            "name": act.name,
            "aliases": list(act.aliases),
            "params": {p.name: p.default for p in act.params},
            "family": act.family,
            "source": act.source,
            "derivative": "analytic" if act.derivative is not None else "numeric",
            "summary": act.summary,
        }
        for act in registry.values()
    ]


def registry_json(registry: Registry) -> str:
    return dumps(
        {
            "activations": registry_rows(registry),
            "broken": [{"plugin": f.plugin, "error": f.message} for f in registry.failures],
            "collisions": [{"name": c.name, "kept": c.kept, "dropped": c.dropped} for c in registry.collisions],
        }
    )


def registry_table(registry: Registry) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("name", "aliases", "parameters", "family", "source", "f'"):
        table.add_column(column, overflow="fold")
    for act in registry.values():
        table.add_row(
            escape(act.name),
            escape(", ".join(act.aliases)),
            escape(describe_params(act.params)),
            act.family,
            escape(act.source),
            "analytic" if act.derivative is not None else "[yellow]numeric[/]",
        )
    for failure in registry.failures:
        table.add_row(f"[red]{escape(failure.plugin)}[/]", "", "", "", "[red]broken[/]", escape(failure.message))
    return table
