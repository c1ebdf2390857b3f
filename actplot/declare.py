"""How an activation is declared: :class:`Param`, :class:`Activation` and the ``@activation`` decorator.

Declaring registers nothing. The loader in :mod:`actplot.registry` collects declarations from
built-in modules and plugins alike, so a built-in and a third-party activation travel the same path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

ArrayFunction = Callable[..., Any]
#: A field that may be a constant or a function of the activation's parameters.
ParamDependent = Any

FAMILIES = (
    "linear",
    "step",
    "rectifier",
    "exponential",
    "sigmoid",
    "gated",
    "shrinkage",
    "periodic",
    "radial",
    "softmax",
    "other",
)


@dataclass(frozen=True)
class Param:
    """One parameter of an activation.

    Parameters
    ----------
    name : str
        The keyword name, PyTorch's where PyTorch has the function.
    default : float, int, bool, str or None
        The default value; its type is the parameter's type (``None`` means "off", for a float).
    doc : str
        One line on what the parameter does.
    choices : tuple of str, optional
        The allowed values of a string parameter.
    minimum, maximum : float, optional
        Inclusive bounds of a numeric parameter.
    positive : bool
        The value must be strictly greater than zero.
    """

    name: str
    default: float | int | bool | str | None
    doc: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False

    @property
    def kind(self) -> str:
        """The value type: ``"float"``, ``"int"``, ``"bool"``, ``"str"`` or ``"float-or-none"``."""
        if self.choices or isinstance(self.default, str):
            return "str"
        if isinstance(self.default, bool):
            return "bool"
        if isinstance(self.default, int):
            return "int"
        if self.default is None:
            return "float-or-none"
        return "float"

    def describe_valid(self) -> str:
        """What values are valid, in words, for error messages."""
        if self.kind == "str":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        parts = ["a finite number" if self.kind != "int" else "an integer"]
        if self.positive:
            parts.append("> 0")
        if self.minimum is not None:
            parts.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"<= {self.maximum:g}")
        if self.kind == "float-or-none":
            parts.append("or none")
        return " ".join(parts)


def _number_text(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def _parse_number(text: str) -> float:
    value = float(text.strip().replace("−", "-").replace("∞", "inf"))
    if math.isnan(value):
        raise ValueError("nan is not a bound")
    return value


@dataclass(frozen=True)
class OutputRange:
    """The set of values f takes: intervals with their closedness, and isolated values.

    Written as interval notation, e.g. ``"[0, inf)"``, ``"(0, 1)"``, ``"{0, 1}"`` or
    ``"{-1} ∪ (0.5, inf)"``; see :meth:`parse`. ``lo`` and ``hi`` are the infimum and supremum.
    """

    intervals: tuple[tuple[float, float, bool, bool], ...] = ((-math.inf, math.inf, False, False),)
    points: tuple[float, ...] = ()

    @property
    def lo(self) -> float:
        return min([i[0] for i in self.intervals] + list(self.points))

    @property
    def hi(self) -> float:
        return max([i[1] for i in self.intervals] + list(self.points))

    def text(self) -> str:
        """Interval notation: brackets for attained ends, parentheses for the rest."""
        parts: list[tuple[float, str]] = []
        for lo, hi, lo_closed, hi_closed in self.intervals:
            left = "[" if lo_closed and math.isfinite(lo) else "("
            right = "]" if hi_closed and math.isfinite(hi) else ")"
            parts.append((lo, f"{left}{_number_text(lo)}, {_number_text(hi)}{right}"))
        if self.points:
            points = sorted(self.points)
            if self.intervals:
                parts += [(p, "{" + _number_text(p) + "}") for p in points]
            else:
                parts.append((points[0], "{" + ", ".join(_number_text(p) for p in points) + "}"))
        return " ∪ ".join(text for _, text in sorted(parts, key=lambda part: part[0]))

    @classmethod
    def parse(cls, text: str) -> OutputRange:
        """Read interval notation: parts joined by ``∪`` (or ``U``), each ``[a, b)``-style or ``{a, b}``."""
        intervals: list[tuple[float, float, bool, bool]] = []
        points: list[float] = []
        for raw in text.replace(" U ", " ∪ ").split("∪"):
            part = raw.strip()
            if part.startswith("{") and part.endswith("}"):
                points += [_parse_number(v) for v in part[1:-1].split(",") if v.strip()]
                continue
            if len(part) < 5 or part[0] not in "[(" or part[-1] not in "])" or "," not in part:
                raise ValueError(f"not interval notation: {part!r} (e.g. '[0, inf)' or '{{0, 1}}')")
            lo_text, hi_text = part[1:-1].split(",", 1)
            lo, hi = _parse_number(lo_text), _parse_number(hi_text)
            if lo > hi:
                raise ValueError(f"empty interval {part!r}")
            intervals.append((lo, hi, part[0] == "[", part[-1] == "]"))
        if not intervals and not points:
            raise ValueError(f"empty range {text!r}")
        return cls(tuple(intervals), tuple(points))

    @classmethod
    def between(cls, lo: float, hi: float, lo_closed: bool = False, hi_closed: bool = False) -> OutputRange:
        """One interval; infinite ends are always open."""
        return cls(((lo, hi, lo_closed and math.isfinite(lo), hi_closed and math.isfinite(hi)),))


def as_output_range(value: Any) -> OutputRange:
    """An ``output_range`` declaration as an :class:`OutputRange`: one already, interval notation,
    or a pair (lo, hi), read as attained at its finite ends."""
    if isinstance(value, OutputRange):
        return value
    if isinstance(value, str):
        return OutputRange.parse(value)
    lo, hi = (float(v) for v in value)
    return OutputRange.between(lo, hi, True, True)


@dataclass(frozen=True)
class Activation:
    """A declared activation function: its maths, its metadata and where it came from.

    Fields that depend on parameters (``output_range``, ``continuity``, ``kinks``, ``jumps``) hold
    either a constant or a function taking the parameters as keywords; read them through
    :meth:`resolve_field`.
    """

    name: str
    function: ArrayFunction
    derivative: ArrayFunction | None = None
    #: f''(x, **params); None: a numeric second derivative (labelled numeric) is used.
    second_derivative: ArrayFunction | None = None
    params: tuple[Param, ...] = ()
    aliases: tuple[str, ...] = ()
    family: str = "other"
    summary: str = ""
    formula: str = ""
    derivative_formula: str = ""
    second_derivative_formula: str = ""
    output_range: ParamDependent = (-math.inf, math.inf)
    continuity: ParamDependent = "C∞"
    kinks: ParamDependent = ()
    jumps: ParamDependent = ()
    kink_convention: str = ""
    reference: str = ""
    notes: str = ""
    constraint: Callable[..., str | None] | None = None
    vector_function: ArrayFunction | None = None
    jacobian: ArrayFunction | None = None
    vector_view: str = ""
    source: str = "built-in"
    module: str = ""

    @property
    def defaults(self) -> dict[str, Any]:
        """The default parameter values, by name."""
        return {p.name: p.default for p in self.params}

    def resolve_field(self, name: str, params: dict[str, Any] | None = None) -> Any:
        """A parameter-dependent field's value at ``params`` (the defaults when omitted)."""
        value = getattr(self, name)
        if callable(value):
            merged = {**self.defaults, **(params or {})}
            return value(**merged)
        return value


def activation(
    name: str,
    *,
    params: Sequence[Param] = (),
    aliases: Sequence[str] = (),
    family: str = "other",
    formula: str = "",
    derivative: ArrayFunction | None = None,
    derivative_formula: str = "",
    second_derivative: ArrayFunction | None = None,
    second_derivative_formula: str = "",
    output_range: ParamDependent = (-math.inf, math.inf),
    continuity: ParamDependent = "C∞",
    kinks: ParamDependent = (),
    jumps: ParamDependent = (),
    kink_convention: str = "",
    reference: str = "",
    notes: str = "",
    constraint: Callable[..., str | None] | None = None,
    vector_function: ArrayFunction | None = None,
    jacobian: ArrayFunction | None = None,
    vector_view: str = "",
) -> Callable[[ArrayFunction], Activation]:
    """Declare an activation from a vectorised numpy function ``f(x, **params)``.

    The function's docstring's first line becomes the summary. Every keyword maps to the
    :class:`Activation` field of the same name; see the README for a complete plugin example.

    Examples
    --------
    >>> @activation("squareplus", params=[Param("b", 4.0, "smoothness near 0", positive=True)])
    ... def squareplus(x, b):
    ...     "Algebraic softplus."
    ...     return 0.5 * (x + np.sqrt(x * x + b))
    """

    def wrap(function: ArrayFunction) -> Activation:
        doc = (function.__doc__ or "").strip().splitlines()
        return Activation(
            name=name,
            function=function,
            derivative=derivative,
            second_derivative=second_derivative,
            params=tuple(params),
            aliases=tuple(aliases),
            family=family,
            summary=doc[0].strip() if doc else "",
            formula=formula,
            derivative_formula=derivative_formula,
            second_derivative_formula=second_derivative_formula,
            output_range=output_range,
            continuity=continuity,
            kinks=kinks,
            jumps=jumps,
            kink_convention=kink_convention,
            reference=reference,
            notes=notes,
            constraint=constraint,
            vector_function=vector_function,
            jacobian=jacobian,
            vector_view=vector_view,
            module=getattr(function, "__module__", "") or "",
        )

    return wrap
