"""Writers for command output: JSON, CSV and rich tables. Pure functions returning strings/renderables."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from actplot.spec import format_value

if TYPE_CHECKING:  # list and info should not pay for the evaluation machinery
    from actplot.numerics import Evaluation
    from actplot.registry import Registry


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F)}
_CONTROL.update({c: f"\\x{c:02x}" for c in range(0x80, 0xA0)})


def terminal_safe(text: Any) -> str:
    """Text from plugins, safe to print: control characters (escape sequences that could recolour,
    clear or retitle a terminal) are shown escaped, as \\x1b."""
    return str(text).translate(_CONTROL)


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
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    table.add_column("x", justify="right")
    for e in evaluations:
        suffix = "" if e.derivative_kind == "analytic" else " (numeric)"
        label = escape(terminal_safe(e.bound.label))
        table.add_column(label, justify="right")
        table.add_column(f"d {label}{suffix}", justify="right", style="cyan")
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
            escape(terminal_safe(describe_params(act.params))),
            act.family,
            escape(terminal_safe(act.source)),
            "analytic" if act.derivative is not None else "[yellow]numeric[/]",
        )
    for failure in registry.failures:
        plugin, message = escape(terminal_safe(failure.plugin)), escape(terminal_safe(failure.message))
        table.add_row(f"[red]{plugin}[/]", "", "", "", "[red]broken[/]", message)
    return table


# --- compare and diff --------------------------------------------------------------------------

SORT_KEYS = {
    "name": lambda a: a.label,
    "output_min": lambda a: a.output_min,
    "output_max": lambda a: a.output_max,
    "zero_gradient": lambda a: a.zero_gradient_fraction,
    "saturation": lambda a: a.saturation_fraction,
    "grad_at_zero": lambda a: a.grad_at_zero,
    "value_at_zero": lambda a: a.value_at_zero,
    "max_abs_grad": lambda a: a.max_abs_grad,
    "monotonic": lambda a: a.monotonic,
    "zero_centered": lambda a: a.zero_centered,
    "continuity": lambda a: a.continuity,
}


def sort_analyses(analyses: Sequence[Any], column: str | None) -> list[Any]:
    """Sort by a column name; a leading '-' sorts descending. Unknown names are usage errors."""
    from actplot.errors import UsageError
    from actplot.registry import did_you_mean

    if not column:
        return list(analyses)
    descending = column.startswith("-")
    key = column.lstrip("-")
    if key not in SORT_KEYS:
        raise UsageError(
            f"--sort {column!r}: unknown column{did_you_mean(key, SORT_KEYS)}; valid: {', '.join(SORT_KEYS)}"
        )

    def sortable(a: Any) -> Any:
        value = SORT_KEYS[key](a)
        return (math.isnan(value), value) if isinstance(value, float) else (False, value)

    return sorted(analyses, key=sortable, reverse=descending)


def number(value: float, digits: int = 4) -> str:
    """A compact number: 4 significant digits, 'inf' for infinities."""
    v = float(value)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if math.isnan(v):
        return "nan"
    text = f"{v:.{digits}g}"
    return "0" if text == "-0" else text


def intervals_text(intervals: Sequence[Any], window: tuple[float, float]) -> str:
    """Intervals as a reader wants them: 'x < 0', '|x| > 4.585', '[-10, -4.585] ∪ [4.585, 10]'."""
    lo, hi = window
    tol = 1e-9 * (hi - lo)
    if not intervals:
        return "-"
    if len(intervals) == 1:
        (iv,) = intervals
        if iv.lo <= lo + tol and iv.hi >= hi - tol:
            return "everywhere"
        if iv.lo <= lo + tol:
            return f"x < {number(iv.hi)}"
        if iv.hi >= hi - tol:
            return f"x > {number(iv.lo)}"
    if len(intervals) == 2:
        left, right = intervals
        if left.lo <= lo + tol and right.hi >= hi - tol and abs(left.hi + right.lo) <= tol and right.lo > 0:
            return f"|x| > {number(right.lo)}"
    return " ∪ ".join(f"[{number(iv.lo)}, {number(iv.hi)}]" for iv in intervals)


def range_text(lo: float, hi: float) -> str:
    return f"[{number(lo)}, {number(hi)}]"


def comparison_dict(comparison: Any) -> dict[str, Any]:
    """The JSON contract of ``actplot compare``."""
    return {
        "window": [json_number(v) for v in comparison.window],
        "num": comparison.num,
        "saturation_threshold": json_number(comparison.saturation_threshold),
        "dtype": comparison.dtype,
        "activations": [
            {
                "name": a.name,
                "label": a.label,
                "params": json_params(a.params),
                "output_min": json_number(a.output_min),
                "output_max": json_number(a.output_max),
                "range": [json_number(v) for v in a.theoretical_range],
                "monotonic": a.monotonic,
                "zero_centered": a.zero_centered,
                "continuity": a.continuity,
                "value_at_zero": json_number(a.value_at_zero),
                "grad_at_zero": json_number(a.grad_at_zero),
                "max_abs_grad": json_number(a.max_abs_grad),
                "argmax_abs_grad": json_number(a.argmax_abs_grad),
                "zero_gradient": [[json_number(i.lo), json_number(i.hi)] for i in a.zero_gradient],
                "zero_gradient_fraction": json_number(a.zero_gradient_fraction),
                "saturation": [[json_number(i.lo), json_number(i.hi)] for i in a.saturation],
                "saturation_fraction": json_number(a.saturation_fraction),
                "derivative": a.derivative,
            }
            for a in comparison.analyses
        ],
    }


COMPARE_COLUMNS = (
    "activation",
    "output on window",
    "range",
    "zero gradient",
    "saturation",
    "f'(0)",
    "max |f'|",
    "monotonic",
    "zero-centred",
    "smooth",
)
#: Below this many columns the table becomes one short record per activation.
WIDE_TABLE = 120


def comparison_rows(comparison: Any) -> list[list[str]]:
    rows = []
    for a in comparison.analyses:
        numeric = " (numeric f')" if a.derivative == "numeric" else ""
        rows.append(
            [
                a.label + numeric,
                range_text(a.output_min, a.output_max),
                range_text(*a.theoretical_range),
                intervals_text(a.zero_gradient, comparison.window),
                intervals_text(a.saturation, comparison.window),
                number(a.grad_at_zero),
                f"{number(a.max_abs_grad)} at {number(a.argmax_abs_grad)}",
                "yes" if a.monotonic else "no",
                "yes" if a.zero_centered else "no",
                a.continuity,
            ]
        )
    return rows


def _coloured(row: list[str]) -> list[str]:
    from rich.markup import escape

    cells = [escape(terminal_safe(c)) for c in row]
    # colour for meaning: dead regions red, vanishing gradients yellow
    if row[3] != "-":
        cells[3] = f"[red]{cells[3]}[/]"
    if row[4] != "-":
        cells[4] = f"[yellow]{cells[4]}[/]"
    return cells


def comparison_table(comparison: Any, width: int = WIDE_TABLE) -> Any:
    """A rich renderable: one table on a wide terminal, one record per activation on a narrow one."""
    from rich import box
    from rich.console import Group
    from rich.table import Table

    lo, hi = comparison.window
    title = (
        f"x in [{number(lo)}, {number(hi)}], {comparison.num:,} points, "
        f"saturation 0 < |f'| < {number(comparison.saturation_threshold)}, {comparison.dtype}"
    )
    rows = comparison_rows(comparison)
    if width >= WIDE_TABLE:
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
        for column in COMPARE_COLUMNS:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*_coloured(row))
        return table
    records: list[Any] = [title]
    for row in rows:
        cells = _coloured(row)
        record = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        record.add_column(style="dim", no_wrap=True)
        record.add_column(overflow="fold")
        record.add_row("", f"[bold]{cells[0]}[/]")
        for column, cell in zip(COMPARE_COLUMNS[1:], cells[1:], strict=True):
            record.add_row(column, cell)
        records.append(record)
    return Group(*records)


def comparison_markdown(comparison: Any) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(COMPARE_COLUMNS) + " |", "|" + "---|" * len(COMPARE_COLUMNS)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in comparison_rows(comparison)]
    return "\n".join(lines) + "\n"


def comparison_csv(comparison: Any) -> str:
    data = comparison_dict(comparison)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = list(data["activations"][0]) if data["activations"] else []
    writer.writerow(keys)
    for row in data["activations"]:
        writer.writerow(
            [
                ";".join(f"{a}:{b}" for a, b in value) if key in ("zero_gradient", "saturation")
                else json.dumps(value) if isinstance(value, (dict, list))
                else value
                for key, value in row.items()
            ]
        )  # fmt: skip
    return buffer.getvalue()


def difference_dict(d: Any) -> dict[str, Any]:
    return {
        "a": d.label_a,
        "b": d.label_b,
        "window": [json_number(v) for v in d.window],
        "num": d.num,
        "tolerance": json_number(d.tolerance),
        "max_abs_diff": json_number(d.max_abs_diff),
        "argmax_abs_diff": json_number(d.argmax_abs_diff),
        "max_abs_grad_diff": json_number(d.max_abs_grad_diff),
        "argmax_abs_grad_diff": json_number(d.argmax_abs_grad_diff),
        "mean_abs_diff": json_number(d.mean_abs_diff),
        "regions": [[json_number(i.lo), json_number(i.hi)] for i in d.regions],
        "regions_fraction": json_number(d.regions_fraction),
    }


def difference_table(d: Any) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{escape(d.label_a)}  vs  {escape(d.label_b)}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("max |A - B|", f"{d.max_abs_diff:.4g} at x = {d.argmax_abs_diff:.6g}")
    table.add_row("max |A' - B'|", f"{d.max_abs_grad_diff:.4g} at x = {d.argmax_abs_grad_diff:.6g}")
    table.add_row("mean |A - B|", f"{d.mean_abs_diff:.4g}")
    table.add_row(
        f"|A - B| > {d.tolerance:g}", intervals_text(d.regions, d.window) + f"  ({100 * d.regions_fraction:.3g}%)"
    )
    return table
