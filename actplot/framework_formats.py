"""``check --against``: the framework report as a table, JSON or markdown.

JSON: ``{"framework", "version", "dtype", "activations": [{"name", "label", "params", "call",
"max_ulp_f", "argmax_ulp_f", "max_ulp_df", "argmax_ulp_df", "zero_gradient", "non_finite"}],
"not_in_framework": [labels]}``; ``zero_gradient`` lists the intervals where the framework's f'
is exactly 0 while the correctly rounded truth is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from actplot.formats import json_number, json_params, markdown_table, number
from actplot.frameworks import FrameworkReport

HEADER = ["activation", "call", "worst f ULP", "at x", "worst f′ ULP", "at x", "f′ = 0, truth ≠ 0", "nan/inf"]


def _ulp_text(value: float) -> str:
    return f"{value:.3g}" if value < 1e6 else f"{value:.2e}"


def report_rows(reports: Sequence[FrameworkReport]) -> list[list[str]]:
    rows = []
    for r in reports:
        collapsed = " ∪ ".join(f"[{number(i.lo)}, {number(i.hi)}]" for i in r.zero_gradient) or "-"
        rows.append(
            [r.label, r.call, _ulp_text(r.max_ulp_f), number(r.argmax_ulp_f), _ulp_text(r.max_ulp_df),
             number(r.argmax_ulp_df), collapsed, ", ".join(number(v) for v in r.non_finite) or "-"]
        )  # fmt: skip
    return rows


def reports_dict(
    reports: Sequence[FrameworkReport], framework: str, version: str, dtype: str, missing: Sequence[str]
) -> dict[str, Any]:
    return {
        "framework": framework,
        "version": version,
        "dtype": dtype,
        "activations": [
            {
                "name": r.name,
                "label": r.label,
                "params": json_params(r.params),
                "call": r.call,
                "max_ulp_f": json_number(r.max_ulp_f),
                "argmax_ulp_f": json_number(r.argmax_ulp_f),
                "max_ulp_df": json_number(r.max_ulp_df),
                "argmax_ulp_df": json_number(r.argmax_ulp_df),
                "zero_gradient": [[json_number(i.lo), json_number(i.hi)] for i in r.zero_gradient],
                "non_finite": [json_number(v) for v in r.non_finite],
            }
            for r in reports
        ],
        "not_in_framework": list(missing),
    }


def reports_markdown(reports: Sequence[FrameworkReport]) -> str:
    return markdown_table(HEADER, report_rows(reports))


def reports_table(reports: Sequence[FrameworkReport], title: str) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for h in HEADER:
        table.add_column(escape(h), overflow="fold")
    for row in report_rows(reports):
        table.add_row(*(escape(c) for c in row))
    return table
