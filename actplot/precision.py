"""``actplot precision``: what each number format does to an activation on a window.

One row per format: where f' first rounds to 0 on each side of 0 (the zero-gradient region
nearest 0, dead or flushed), the zero-gradient fraction of the window, the largest relative
error of f after rounding (over the analysis's probe points, which reach down to 1e-12 near 0),
and how many distinct values f takes. Results are the exact float64 values correctly rounded to
each format (:mod:`actplot.rounding`): the best an implementation in that format can do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from actplot.rounding import FORMATS, round_to
from actplot.spec import BoundActivation


@dataclass(frozen=True)
class FormatPrecision:
    """One activation in one format (None: does not happen on the window)."""

    dtype: str
    grad_flush_left: float | None
    grad_flush_right: float | None
    zero_gradient_fraction: float
    max_relative_error: float
    distinct_outputs: int
    #: With --against: where the framework's own f' first is 0 either side of 0, in this format
    #: (None: never, or the framework does not compute in the format / has no such function).
    framework_flush_left: float | None = None
    framework_flush_right: float | None = None


@dataclass(frozen=True)
class Precision:
    name: str
    label: str
    params: tuple[tuple[str, Any], ...]
    formats: tuple[FormatPrecision, ...]


def _flush_points(runs: Sequence[Any]) -> tuple[float | None, float | None]:
    """The x nearest 0 on each side where f' rounds to 0."""
    left = [min(r.hi, 0.0) for r in runs if r.lo < 0.0]
    right = [max(r.lo, 0.0) for r in runs if r.hi > 0.0]
    return (max(left) if left else None), (min(right) if right else None)


def precision(
    bound: BoundActivation,
    window: tuple[float, float] = (-10.0, 10.0),
    formats: Sequence[str] = FORMATS,
    progress: Callable[[str], None] | None = None,
    against: str | None = None,
) -> Precision:
    from actplot.analysis import _Evaluator, analyze
    from actplot.regions import probe_points

    singular = tuple(float(p) for p in (*bound.field("kinks"), *bound.field("jumps")))
    probes = probe_points(float(window[0]), float(window[1]), singular)
    exact = _Evaluator(bound, "float64").exact(probes)[0]
    rows = []
    for dtype in formats:
        a = analyze(bound, window, 2, dtype=dtype)
        left, right = _flush_points(a.zero_gradient)
        with np.errstate(all="ignore"):
            rounded = round_to(exact, dtype)
            ok = np.isfinite(exact) & (exact != 0)
            relative = np.abs(rounded[ok] - exact[ok]) / np.abs(exact[ok])
        worst = float(np.max(relative)) if relative.size else 0.0
        fw_left = fw_right = None
        if against is not None:
            from actplot.frameworks import FRAMEWORK_FORMATS, zero_gradient_regions

            collapsed = zero_gradient_regions(bound, against, dtype, window) if dtype in FRAMEWORK_FORMATS else None
            fw_left, fw_right = _flush_points(collapsed or ())
        rows.append(
            FormatPrecision(dtype, left, right, a.zero_gradient_fraction, worst, a.distinct_outputs, fw_left, fw_right)
        )
        if progress is not None:
            progress(dtype)
    return Precision(bound.name, bound.label, bound.params, tuple(rows))


def precision_dict(
    reports: Sequence[Precision], window: tuple[float, float], against: str | None = None
) -> dict[str, Any]:
    from actplot.formats import json_number, json_params

    def value(v: float | None) -> Any:
        return None if v is None else json_number(v)

    return {
        "window": [json_number(window[0]), json_number(window[1])],
        **({"framework": against} if against else {}),
        "activations": [
            {
                "name": r.name,
                "label": r.label,
                "params": json_params(r.params),
                "formats": [
                    {
                        "dtype": f.dtype,
                        "grad_flush_left": value(f.grad_flush_left),
                        "grad_flush_right": value(f.grad_flush_right),
                        "zero_gradient_fraction": json_number(f.zero_gradient_fraction),
                        "max_relative_error": json_number(f.max_relative_error),
                        "distinct_outputs": f.distinct_outputs,
                        **(
                            {
                                "framework_grad_flush_left": value(f.framework_flush_left),
                                "framework_grad_flush_right": value(f.framework_flush_right),
                            }
                            if against
                            else {}
                        ),
                    }
                    for f in r.formats
                ],
            }
            for r in reports
        ],
    }


HEADER = ["activation", "format", "f′ rounds to 0 left of", "right of", "zero-gradient", "max rel. error of f",
          "distinct outputs"]  # fmt: skip


def headers(against: str | None = None) -> list[str]:
    return HEADER + ([f"{against} f′ = 0 left of", "right of"] if against else [])


def precision_rows(reports: Sequence[Precision], against: str | None = None) -> list[list[str]]:
    from actplot.formats import count_text, number

    def where(v: float | None) -> str:
        return "never" if v is None else number(v)

    rows = []
    for r in reports:
        for f in r.formats:
            row = [r.label, f.dtype, where(f.grad_flush_left), where(f.grad_flush_right),
                   f"{100 * f.zero_gradient_fraction:.1f}%", number(f.max_relative_error, 3),
                   count_text(f.distinct_outputs)]  # fmt: skip
            if against:
                from actplot.frameworks import FRAMEWORK_FORMATS

                known = f.dtype in FRAMEWORK_FORMATS
                row += [
                    where(f.framework_flush_left) if known else "-",
                    where(f.framework_flush_right) if known else "-",
                ]
            rows.append(row)
    return rows


def precision_csv(reports: Sequence[Precision]) -> str:
    import csv
    import io

    from actplot.formats import json_number

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "label", "dtype", "grad_flush_left", "grad_flush_right", "zero_gradient_fraction",
                     "max_relative_error", "distinct_outputs"])  # fmt: skip
    for r in reports:
        for f in r.formats:
            cells = [f.grad_flush_left, f.grad_flush_right, f.zero_gradient_fraction, f.max_relative_error]
            writer.writerow(
                [r.name, r.label, f.dtype, *("" if c is None else json_number(c) for c in cells), f.distinct_outputs]
            )
    return buffer.getvalue()


def precision_table(reports: Sequence[Precision], title: str, against: str | None = None) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for i, h in enumerate(headers(against)):
        table.add_column(escape(h), justify="left" if i < 2 else "right")
    for row in precision_rows(reports, against):
        table.add_row(*(escape(c) for c in row))
    return table
