"""Writers for command output: JSON, CSV and rich tables. Pure functions returning strings/renderables."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from actplot.columns import COLUMNS
from actplot.gated_units import GATED_UNITS
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
    items = []
    for e in evaluations:
        item: dict[str, Any] = {
            "name": e.bound.name,
            "label": e.bound.label,
            "params": json_params(e.bound.params),
            "derivative": e.derivative_kind,
            "x": json_numbers(e.x),
            "y": json_numbers(e.y),
            "dy": json_numbers(e.dy),
        }
        if e.d2y is not None:  # --order 2: the keys above unchanged, two added
            item["second_derivative"] = e.second_derivative_kind
            item["d2y"] = json_numbers(e.d2y)
        items.append(item)
    return dumps_lines(items)


def _csv_cell(value: Any) -> str:
    out = json_number(value)
    return out if isinstance(out, str) else repr(out)


def evaluations_csv(evaluations: Sequence[Evaluation]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["x"]
    for e in evaluations:
        header += [e.bound.label, "d" + e.bound.label] + (["d2" + e.bound.label] if e.d2y is not None else [])
    writer.writerow(header)
    x = evaluations[0].x
    columns = [x] + [col for e in evaluations for col in (e.y, e.dy, *(() if e.d2y is None else (e.d2y,)))]
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
        if e.d2y is not None:
            second = "" if e.second_derivative_kind == "analytic" else " (numeric)"
            table.add_column(f"d2 {label}{second}", justify="right", style="magenta")
    for i, x in enumerate(evaluations[0].x):
        cells = [short(x)]
        for e in evaluations:
            cells += [short(e.y[i], 10), short(e.dy[i], 10)]
            if e.d2y is not None:
                cells.append(short(e.d2y[i], 10))
        table.add_row(*cells)
    return table


def vectors_json(results: Sequence[Any]) -> str:
    """``eval --vector``: one object per activation with v, y = f(v) and jacobian[i][j] = dy_i/dv_j."""
    return dumps_lines(
        [
            {
                "name": r.name,
                "v": [json_number(t) for t in r.v],
                "y": [json_number(t) for t in r.y],
                "jacobian": [[json_number(t) for t in row] for row in r.jacobian],
            }
            for r in results
        ]
    )


def vectors_csv(results: Sequence[Any]) -> str:
    """One row per (activation, component i): name, i, v_i, y_i, then dy_i/dv_j for every j."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    n = len(results[0].v) if results else 0
    writer.writerow(["name", "i", "v", "y", *(f"dy/dv{j}" for j in range(n))])
    for r in results:
        for i, (v, y, row) in enumerate(zip(r.v, r.y, r.jacobian, strict=True)):
            writer.writerow([r.name, i, _csv_cell(v), _csv_cell(y), *(_csv_cell(t) for t in row)])
    return buffer.getvalue()


def vector_tables(results: Sequence[Any]) -> list[Any]:
    """``eval --vector``: per activation, a table of v, f(v) and the Jacobian's rows."""
    from rich.markup import escape
    from rich.table import Table

    tables = []
    for r in results:
        title = escape(f"{r.name} at v = ({', '.join(short(t) for t in r.v)})")
        table = Table(title=title, box=None, header_style="bold")
        table.add_column("i", justify="right")
        table.add_column("v", justify="right")
        table.add_column("f(v)", justify="right")
        for j in range(len(r.v)):
            table.add_column(f"∂f_i/∂v_{j}", justify="right", style="cyan")
        for i, (v, y, row) in enumerate(zip(r.v, r.y, r.jacobian, strict=True)):
            table.add_row(str(i), short(v), short(y, 10), *(short(t, 10) for t in row))
        tables.append(table)
    return tables


def gated_json(results: Sequence[Any]) -> str:
    """``eval`` of gated units: one object per unit with a, b, y = f(a, b), dy_da and dy_db."""
    return dumps_lines(
        [
            {
                "name": r.unit.name,
                "gate": r.unit.gate,
                "a": json_numbers(r.a),
                "b": json_numbers(r.b),
                "y": json_numbers(r.y),
                "dy_da": json_numbers(r.dy_da),
                "dy_db": json_numbers(r.dy_db),
            }
            for r in results
        ]
    )


def gated_csv(results: Sequence[Any]) -> str:
    """One row per (unit, pair): name, a, b, y, dy_da, dy_db."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "a", "b", "y", "dy_da", "dy_db"])
    for r in results:
        for row in zip(r.a, r.b, r.y, r.dy_da, r.dy_db, strict=True):
            writer.writerow([r.unit.name, *(_csv_cell(t) for t in row)])
    return buffer.getvalue()


def gated_tables(results: Sequence[Any]) -> list[Any]:
    """``eval`` of gated units: per unit, a table of a, b, f and both partial derivatives."""
    from rich.table import Table

    tables = []
    for r in results:
        table = Table(title=f"{r.unit.name}: f(a, b) = a * {r.unit.gate}(b)", box=None, header_style="bold")
        for column in ("a", "b", "f(a, b)", "∂f/∂a", "∂f/∂b"):
            table.add_column(column, justify="right")
        for a, b, y, da, db in zip(r.a, r.b, r.y, r.dy_da, r.dy_db, strict=True):
            table.add_row(short(a), short(b), short(y, 10), short(da, 10), short(db, 10))
        tables.append(table)
    return tables


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
            "gated_units": [
                {"name": u.name, "gate": u.gate, "inputs": ["a", "b"], "reference": u.reference} for u in GATED_UNITS
            ],
        }
    )


def registry_table(registry: Registry) -> Any:
    """``list``: one row per activation, then the gated units and any broken plugins.

    Cells are Text objects, not markup strings: nothing from a plugin is parsed as markup, and
    rich skips a markup parse per cell (25 of the table's 100 ms for 59 rows, measured)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("name", "aliases", "parameters", "family", "source", "f'"):
        table.add_column(column, overflow="fold")
    analytic, numeric = Text("analytic"), Text("numeric", style="yellow")
    for act in registry.values():
        table.add_row(
            Text(terminal_safe(act.name)),
            Text(", ".join(act.aliases)),
            Text(terminal_safe(describe_params(act.params))),
            Text(act.family),
            Text(terminal_safe(act.source)),
            analytic if act.derivative is not None else numeric,
        )
    for unit in GATED_UNITS:  # two inputs: 'actplot plot swiglu' draws them over the plane
        table.add_row(
            Text(unit.name), Text(""), Text(f"two inputs a, b: a * {unit.gate}(b)"), Text("gated unit"),
            Text("built-in"), analytic,
        )  # fmt: skip
    for failure in registry.failures:
        table.add_row(
            Text(terminal_safe(failure.plugin), style="red"), Text(""), Text(""), Text(""),
            Text("broken", style="red"), Text(terminal_safe(failure.message)),
        )  # fmt: skip
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
    "gaussian_mean": lambda a: a.gaussian_mean,
    "gain": lambda a: a.gain,
    "dead": lambda a: a.dead_fraction,
    "flushed": lambda a: a.flushed_fraction,
    "near_stationary": lambda a: a.near_stationary_fraction,
    "continuity": lambda a: a.continuity,
    "distinct_outputs": lambda a: a.distinct_outputs,
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


def _interval_text(iv: Any) -> str:
    left = "(" if iv.lo_open else "["
    right = ")" if iv.hi_open else "]"
    return f"{left}{number(iv.lo)}, {number(iv.hi)}{right}"


def intervals_text(intervals: Sequence[Any], window: tuple[float, float]) -> str:
    """Intervals as a reader wants them: 'x < 0', 'x ≤ 0', '|x| > 4.585', '(-1, 1)',
    '[-10, -4.585] ∪ [4.585, 10]'. An end at a kink prints whether the kink belongs to it
    (≤, ]); an end refined to a float elsewhere prints as < or [ (at 4 digits the difference
    between open and closed is not visible)."""
    lo, hi = window
    tol = 1e-9 * (hi - lo)
    if not intervals:
        return "-"
    if len(intervals) == 1:
        (iv,) = intervals
        if iv.lo <= lo + tol and iv.hi >= hi - tol:
            return "everywhere"
        if iv.lo <= lo + tol:
            return f"x {'≤' if iv.hi_open is False else '<'} {number(iv.hi)}"
        if iv.hi >= hi - tol:
            return f"x {'≥' if iv.lo_open is False else '>'} {number(iv.lo)}"
    if len(intervals) == 2:
        left, right = intervals
        if left.lo <= lo + tol and right.hi >= hi - tol and abs(left.hi + right.lo) <= tol and right.lo > 0:
            return f"|x| {'≥' if right.lo_open is False else '>'} {number(right.lo)}"
    return " ∪ ".join(_interval_text(iv) for iv in intervals)


def _intervals_json(intervals: Sequence[Any]) -> list[list[float | str]]:
    return [[json_number(i.lo), json_number(i.hi)] for i in intervals]


#: JSON keys whose values are lists of intervals (CSV writes them as lo:hi;lo:hi).
INTERVAL_KEYS = (
    "zero_gradient", "saturation", "dead", "flushed", "saturation_tails", "near_stationary", "max_abs_grad_on",
    "convex", "concave",
)  # fmt: skip


def comparison_dict(comparison: Any) -> dict[str, Any]:
    """The JSON contract of ``actplot compare`` (fields are only ever added; see actplot.columns)."""
    data = {
        "window": [json_number(v) for v in comparison.window],
        "num": comparison.num,
        "saturation_threshold": json_number(comparison.saturation_threshold),
        "dtype": comparison.dtype,
        **({"framework": comparison.framework} if getattr(comparison, "framework", None) else {}),
        "activations": [
            {
                "name": a.name,
                "label": a.label,
                "params": json_params(a.params),
                "output_min": json_number(a.output_min),
                "output_max": json_number(a.output_max),
                "range": [json_number(v) for v in a.theoretical_range],
                "range_text": a.range_text,
                "monotonic": a.monotonic,
                "zero_centered": a.zero_centered,
                "gaussian_mean": json_number(a.gaussian_mean),
                "gaussian_second_moment": json_number(a.gaussian_second_moment),
                "gain": json_number(a.gain),
                "continuity": a.continuity,
                "value_at_zero": json_number(a.value_at_zero),
                "grad_at_zero": json_number(a.grad_at_zero),
                "max_abs_grad": json_number(a.max_abs_grad),
                "argmax_abs_grad": json_number(a.argmax_abs_grad),
                "max_abs_grad_attained": a.max_abs_grad_attained,
                "max_abs_grad_on": _intervals_json(a.max_abs_grad_on),
                "zero_gradient": _intervals_json(a.zero_gradient),
                "zero_gradient_fraction": json_number(a.zero_gradient_fraction),
                "dead": _intervals_json(a.dead),
                "dead_fraction": json_number(a.dead_fraction),
                "flushed": _intervals_json(a.flushed),
                "flushed_fraction": json_number(a.flushed_fraction),
                "saturation": _intervals_json(a.saturation),
                "saturation_fraction": json_number(a.saturation_fraction),
                "saturation_tails": _intervals_json(a.saturation_tails),
                "saturation_tails_fraction": json_number(a.saturation_tails_fraction),
                "near_stationary": _intervals_json(a.near_stationary),
                "near_stationary_fraction": json_number(a.near_stationary_fraction),
                "stationary_points": [json_number(p) for p in a.stationary_points],
                "derivative": a.derivative,
                "distinct_outputs": a.distinct_outputs,
                "max_abs_curvature": json_number(a.max_abs_curvature),
                "argmax_abs_curvature": json_number(a.argmax_abs_curvature),
                "convex": _intervals_json(a.convex),
                "concave": _intervals_json(a.concave),
                "second_derivative": a.second_derivative,
            }
            for a in comparison.analyses
        ],
    }
    if getattr(comparison, "framework", None):
        for row, regions in zip(data["activations"], comparison.framework_zero_gradient, strict=True):
            row["framework_zero_gradient"] = None if regions is None else _intervals_json(regions)
    return data


COMPARE_COLUMNS = tuple(c.header for c in COLUMNS)


def comparison_headers(comparison: Any) -> tuple[str, ...]:
    """The columns, with the framework's zero-gradient column last when --against asked for it."""
    framework = getattr(comparison, "framework", None)
    return COMPARE_COLUMNS + ((f"{framework} f′ = 0",) if framework else ())


#: Below this many columns (or the table's natural width) it becomes one record per activation.
WIDE_TABLE = 120
#: Columns coloured for meaning: dead red, flushed magenta, saturating yellow.
_COLOURS = {"dead (f′ = 0)": "red", "flushed": "magenta", "saturation": "yellow"}


def points_text(points: Sequence[float], most: int = 3) -> str:
    if not points:
        return "-"
    if len(points) > most:
        return f"{len(points)} points in [{number(points[0])}, {number(points[-1])}]"
    return ", ".join(number(p) for p in points)


def max_grad_text(a: Any, window: tuple[float, float]) -> str:
    """'1 on x > 0' for a plateau, 'sup 1.5 as x → 3' where it is not attained, else '0.25 at 0'."""
    if a.max_abs_grad_on and any(i.width > 0 for i in a.max_abs_grad_on):
        where = intervals_text(a.max_abs_grad_on, window)
        return f"{number(a.max_abs_grad)} {where}" if where == "everywhere" else f"{number(a.max_abs_grad)} on {where}"
    if not a.max_abs_grad_attained:
        return f"sup {number(a.max_abs_grad)} as x → {number(a.argmax_abs_grad)} (not attained)"
    # where f' is flat to rounding, its maximum is resolved to the analysis's precision (1e-9 of
    # the window), not to the float (sigmoid' is 0.25 to 4 ulp for |x| < 6e-8): show 0, not -1.7e-09
    x = a.argmax_abs_grad if abs(a.argmax_abs_grad) > 1e-9 * (window[1] - window[0]) else 0.0
    return f"{number(a.max_abs_grad)} at {number(x)}"


def curvature_text(a: Any) -> str:
    """'0.7979 at 0', with ' (numeric)' when f'' is not declared."""
    if not math.isfinite(a.max_abs_curvature):
        return "-"
    numeric = " (numeric)" if a.second_derivative == "numeric" else ""
    return f"{number(a.max_abs_curvature)} at {number(a.argmax_abs_curvature)}{numeric}"


def convexity_text(a: Any, window: tuple[float, float]) -> str:
    """'∪ (-1.414, 1.414); ∩ |x| > 1.414': both kinds, compactly; '-' for a piecewise-linear f."""
    parts = []
    if a.convex:
        parts.append("∪ " + intervals_text(a.convex, window))
    if a.concave:
        parts.append("∩ " + intervals_text(a.concave, window))
    return "; ".join(parts) or "-"


def comparison_rows(comparison: Any) -> list[list[str]]:
    """One row of text per activation, in the order of :data:`actplot.columns.COLUMNS`."""
    rows = []
    window = comparison.window
    for a in comparison.analyses:
        numeric = " (numeric f′)" if a.derivative == "numeric" else ""
        rows.append(
            [
                a.label + numeric,
                f"[{number(a.output_min)}, {number(a.output_max)}]",
                a.range_text,
                number(a.value_at_zero),
                number(a.grad_at_zero),
                intervals_text(a.dead, window),
                intervals_text(a.flushed, window),
                intervals_text(a.saturation_tails, window),
                intervals_text(a.near_stationary, window),
                points_text(a.stationary_points),
                max_grad_text(a, window),
                "yes" if a.monotonic else "no",
                number(a.gaussian_mean),
                "yes" if a.zero_centered else "no",
                number(a.gain),
                curvature_text(a),
                convexity_text(a, window),
                a.continuity,
                count_text(a.distinct_outputs),
            ]
        )
    if getattr(comparison, "framework", None):
        for row, regions in zip(rows, comparison.framework_zero_gradient, strict=True):
            row.append("(not in framework)" if regions is None else intervals_text(regions, window))
    return rows


def count_text(n: int) -> str:
    """'745', '32,513', or '9.2e+18' past ten million."""
    return f"{n:,}" if n < 10_000_000 else f"{n:.3g}"


def _coloured(row: list[str]) -> list[str]:
    from rich.markup import escape

    cells = [escape(terminal_safe(c)) for c in row]
    for i, header in enumerate(COMPARE_COLUMNS[: len(row)]):
        if header in _COLOURS and row[i] != "-":
            cells[i] = f"[{_COLOURS[header]}]{cells[i]}[/]"
    return cells


def dtype_text(dtype: str) -> str:
    """'float32 (exact results correctly rounded: the best possible, not a framework's)'."""
    if dtype == "float64":
        return "float64"
    return f"{dtype} (exact results correctly rounded: the best possible in {dtype}, not what a framework computes)"


def comparison_table(comparison: Any, width: int = WIDE_TABLE) -> Any:
    """A rich renderable: one table on a wide terminal, one record per activation on a narrow one."""
    from rich import box
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table

    lo, hi = comparison.window
    title = (
        f"x in [{number(lo)}, {number(hi)}], {comparison.num:,} points, "
        f"saturation 0 < |f'| < {number(comparison.saturation_threshold)}, {dtype_text(comparison.dtype)}"
    )
    rows = comparison_rows(comparison)
    # one wide table only where every column fits unfolded; else one record per activation
    headers = comparison_headers(comparison)
    natural = sum(max(len(c) for c in column) + 2 for column in zip(headers, *rows, strict=True))
    if width >= max(WIDE_TABLE, natural):
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
        for column in headers:
            table.add_column(escape(column), overflow="fold")
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
        for column, cell in zip(headers[1:], cells[1:], strict=True):
            record.add_row(escape(column), cell)
        records.append(record)
    return Group(*records)


def markdown_cell(text: str) -> str:
    """A GFM table cell: pipes escaped, line breaks folded, so the row keeps its cell count."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table with every cell escaped."""
    lines = ["| " + " | ".join(markdown_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def comparison_markdown(comparison: Any) -> str:
    return markdown_table(comparison_headers(comparison), comparison_rows(comparison))


def comparison_csv(comparison: Any) -> str:
    data = comparison_dict(comparison)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = list(data["activations"][0]) if data["activations"] else []
    writer.writerow(keys)
    for row in data["activations"]:
        writer.writerow(
            [
                ";".join(f"{a}:{b}" for a, b in value) if key in INTERVAL_KEYS
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
