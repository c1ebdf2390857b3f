"""``actplot propagate`` output: one row per activation as JSON, CSV, markdown or a rich table.

The JSON contract (fields not asked for, or that do not exist, are null; non-finite numbers are
strings as everywhere): ``{"q", "weight_var", "bias_var", "activations": [{"name", "label",
"params", "mean", "second_moment", "variance", "grad_second_moment", "gain", "torch_gain",
"q_star", "chi1", "c_star", "depth_scale_q", "depth_scale_c", "phase", "critical_weight_var"}]}``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actplot.formats import dumps, json_number, json_params, markdown_table, number
from actplot.propagation import MeanField, Moments

KEYS = (
    "mean", "second_moment", "variance", "grad_second_moment", "gain", "torch_gain", "q_star", "chi1", "c_star",
    "depth_scale_q", "depth_scale_c", "phase", "critical_weight_var",
)  # fmt: skip
HEADERS = {
    "mean": "E[f]", "second_moment": "E[f²]", "variance": "Var f", "grad_second_moment": "E[f′²]", "gain": "gain",
    "torch_gain": "torch gain", "q_star": "q*", "chi1": "χ₁", "c_star": "c*", "depth_scale_q": "ξ_q",
    "depth_scale_c": "ξ_c", "phase": "phase", "critical_weight_var": "edge σ_w²",
}  # fmt: skip


@dataclass(frozen=True)
class PropagationRow:
    """What ``propagate`` found for one activation."""

    moments: Moments
    mean_field: MeanField | None = None
    critical_weight_var: float | None = None

    def values(self) -> dict[str, Any]:
        m, f = self.moments, self.mean_field
        return {
            "mean": m.mean, "second_moment": m.second_moment, "variance": m.variance,
            "grad_second_moment": m.grad_second_moment, "gain": m.gain, "torch_gain": m.torch_gain,
            "q_star": f.q_star if f else None, "chi1": f.chi1 if f else None, "c_star": f.c_star if f else None,
            "depth_scale_q": f.depth_scale_q if f else None, "depth_scale_c": f.depth_scale_c if f else None,
            "phase": f.phase if f else None, "critical_weight_var": self.critical_weight_var,
        }  # fmt: skip


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return json_number(value)


def propagation_dict(
    rows: Sequence[PropagationRow], q: float, weight_var: float | None, bias_var: float | None, dtype: str = "float64"
) -> dict[str, Any]:
    return {
        "q": json_number(q),
        "dtype": dtype,
        "weight_var": None if weight_var is None else json_number(weight_var),
        "bias_var": None if bias_var is None else json_number(bias_var),
        "activations": [
            {
                "name": r.moments.name,
                "label": r.moments.label,
                "params": json_params(r.moments.params),
                **{k: _json_value(v) for k, v in r.values().items()},
            }
            for r in rows
        ],
    }


MOMENTS = ("mean", "second_moment", "variance", "grad_second_moment")


def _shown(rows: Sequence[PropagationRow]) -> list[str]:
    """The columns with at least one value; with mean-field or edge-of-chaos columns the moments
    and gains are left to JSON and CSV (and a run without them), so the table fits a terminal."""
    keys = [k for k in KEYS if any(r.values()[k] is not None for r in rows)]
    if any(k not in MOMENTS and k not in ("gain", "torch_gain") for k in keys):
        keys = [k for k in keys if k not in MOMENTS and k not in ("gain", "torch_gain")]
    return keys


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return "0" if abs(value) < 1e-15 else number(value, 4)


def propagation_rows_text(rows: Sequence[PropagationRow]) -> tuple[list[str], list[list[str]]]:
    keys = _shown(rows)
    header = ["activation", *(HEADERS[k] for k in keys)]
    return header, [[r.moments.label, *(_text(r.values()[k]) for k in keys)] for r in rows]


def propagation_json(
    rows: Sequence[PropagationRow], q: float, weight_var: float | None, bias_var: float | None, dtype: str = "float64"
) -> str:
    return dumps(propagation_dict(rows, q, weight_var, bias_var, dtype))


def propagation_csv(rows: Sequence[PropagationRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "label", *KEYS])
    for r in rows:
        cells = [_json_value(v) for v in r.values().values()]
        writer.writerow([r.moments.name, r.moments.label, *("" if c is None else c for c in cells)])
    return buffer.getvalue()


def propagation_markdown(rows: Sequence[PropagationRow]) -> str:
    header, body = propagation_rows_text(rows)
    return markdown_table(header, body)


def propagation_table(rows: Sequence[PropagationRow], title: str) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    header, body = propagation_rows_text(rows)
    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for i, h in enumerate(header):
        table.add_column(escape(h), justify="left" if i == 0 else "right", no_wrap=True, min_width=6 if i else None)
    for row in body:
        table.add_row(*(escape(c) for c in row))
    return table
