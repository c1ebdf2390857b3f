"""Activation specs: ``NAME``, ``NAME:key=value,key=value`` or an expression in x -> a BoundActivation.

Anything that is not a plain name or ``name:params`` (or that starts with ``expr:``) is an
expression: see :mod:`actplot.expressions`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from actplot.declare import Activation, OutputRange, Param, as_output_range
from actplot.errors import ParameterError, UsageError
from actplot.registry import Registry, did_you_mean, load_registry


@dataclass(frozen=True)
class BoundActivation:
    """An activation with every parameter fixed, and the label it is shown under."""

    activation: Activation
    params: tuple[tuple[str, Any], ...]
    label: str

    @property
    def name(self) -> str:
        return self.activation.name

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def derivative_kind(self) -> str:
        """``"analytic"`` when the declaration gives f', else ``"numeric"``."""
        return "analytic" if self.activation.derivative is not None else "numeric"

    @property
    def second_derivative_kind(self) -> str:
        """``"analytic"`` when the declaration gives f'', else ``"numeric"``."""
        return "analytic" if self.activation.second_derivative is not None else "numeric"

    def field(self, name: str) -> Any:
        """A parameter-dependent declaration field at these parameters."""
        return self.activation.resolve_field(name, self.kwargs)

    def output_range(self) -> OutputRange:
        """The declared set of values at these parameters."""
        return as_output_range(self.field("output_range"))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.activation.function(x, **self.kwargs)


def format_value(value: Any) -> str:
    """A parameter value as it would be typed: 0.5, 2, tanh, none, true."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, float) else str(value)
    return text[:-2] if text.endswith(".0") else text


def make_label(act: Activation, params: Mapping[str, Any]) -> str:
    """``name`` at the defaults, else ``name:key=value,...`` with only the changed parameters."""
    changed = [(p.name, params[p.name]) for p in act.params if params[p.name] != p.default]
    if not changed:
        return act.name
    return act.name + ":" + ",".join(f"{k}={format_value(v)}" for k, v in changed)


def convert_value(act: Activation, param: Param, text: str) -> Any:
    """Parse one parameter value, checking its type and bounds."""
    raw = text.strip()
    where = f"{act.name}: {param.name}={raw!r}"
    kind = param.kind
    if kind == "str":
        if raw not in param.choices:
            raise ParameterError(
                f"{where} is not valid; {param.name} must be {param.describe_valid()}{did_you_mean(raw, param.choices)}"
            )
        return raw
    if kind == "bool":
        lowered = raw.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ParameterError(f"{where} is not valid; {param.name} must be true or false")
    if kind == "float-or-none" and raw.lower() in ("none", "off", ""):
        return None
    try:
        value: Any = float(raw)
    except ValueError:
        raise ParameterError(f"{where} is not a number; {param.name} must be {param.describe_valid()}") from None
    if not math.isfinite(value):
        raise ParameterError(f"{where} is not finite; {param.name} must be {param.describe_valid()}")
    if kind == "int":
        if not value.is_integer():
            raise ParameterError(f"{where} is not an integer")
        value = int(value)
    check_bounds(act, param, value)
    return value


def check_bounds(act: Activation, param: Param, value: Any) -> None:
    """Raise ParameterError when a numeric value is outside the parameter's bounds."""
    if value is None or isinstance(value, (str, bool)):
        return
    out = (
        (param.positive and value <= 0)
        or (param.minimum is not None and value < param.minimum)
        or (param.maximum is not None and value > param.maximum)
    )
    if out:
        given = f"{act.name}: {param.name}={format_value(value)}"
        raise ParameterError(f"{given} is out of range; {param.name} must be {param.describe_valid()}")


def bind(act: Activation, given: Mapping[str, Any] | None = None) -> BoundActivation:
    """Bind parameters (already typed values) to an activation, checking names and constraints."""
    given = dict(given or {})
    names = [p.name for p in act.params]
    for key in given:
        if key not in names:
            if not names:
                raise ParameterError(f"{act.name} takes no parameters (got {key!r})")
            raise ParameterError(
                f"{act.name} has no parameter {key!r}{did_you_mean(key, names)}; valid: {', '.join(names)}"
            )
    params = {p.name: given.get(p.name, p.default) for p in act.params}
    for p in act.params:
        check_bounds(act, p, params[p.name])
    if act.constraint is not None:
        problem = act.constraint(**params)
        if problem:
            raise ParameterError(
                f"{act.name}: {problem} (got {', '.join(f'{k}={format_value(v)}' for k, v in params.items())})"
            )
    return BoundActivation(act, tuple(params.items()), make_label(act, params))


def parse_spec(text: str, registry: Registry) -> BoundActivation:
    """Resolve ``NAME`` or ``NAME:key=value,...`` against a registry."""
    if not isinstance(text, str) or not text.strip():
        raise UsageError("empty activation name; give a name such as 'relu' or 'elu:alpha=0.5'")
    from actplot.expressions import expression_activation, is_expression, normalise

    if is_expression(text):
        act = expression_activation(text, registry)
        return BoundActivation(act, (), normalise(text))
    name, _, arguments = text.strip().partition(":")
    if name.strip() not in registry:
        from actplot.gated_units import gated_unit, refusal

        if gated_unit(name) is not None:
            raise UsageError(refusal(name))
    act = registry.lookup(name)
    given: dict[str, Any] = {}
    if arguments.strip():
        by_name = {p.name: p for p in act.params}
        for item in arguments.split(","):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq or not key:
                raise ParameterError(
                    f"{text!r}: expected key=value after ':', got {item.strip()!r} (e.g. elu:alpha=0.5)"
                )
            if key in given:
                raise ParameterError(f"{text!r}: parameter {key!r} is given twice")
            if key not in by_name:
                bind(act, {key: None})  # raises the uniform unknown-parameter error
            given[key] = convert_value(act, by_name[key], value)
    elif text.strip().endswith(":"):
        raise ParameterError(f"{text!r}: nothing after ':'; write NAME or NAME:key=value")
    return bind(act, given)


def resolve(
    specs: str | Sequence[str],
    registry: Registry | None = None,
) -> list[BoundActivation]:
    """Resolve one spec or several against ``registry`` (a fresh default one when omitted).

    Examples
    --------
    >>> [b.label for b in resolve(["relu", "elu:alpha=0.5"])]
    ['relu', 'elu:alpha=0.5']
    """
    registry = registry if registry is not None else load_registry()
    items = [specs] if isinstance(specs, str) else list(specs)
    return [parse_spec(item, registry) for item in items]
