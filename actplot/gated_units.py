"""Gated units f(a, b) = a * g(b): GLU, SwiGLU, GeGLU and ReGLU (Shazeer 2020).

A gated unit takes two inputs, a value a and a gate b (the two halves of a projection, or two
projections), so it has no one-dimensional curve: it is drawn as a surface, evaluated at (a, b)
pairs, and its gradient has two components, df/da = g(b) and df/db = a g'(b). The gate g is the
registry's own activation, so g(b) and g'(b) are exact to within its few ulp, and f and df/db add
one rounding of a product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from actplot.errors import UsageError

SHAZEER = "Shazeer 2020, 'GLU Variants Improve Transformer' (arXiv 2002.05202)"


@dataclass(frozen=True)
class GatedUnit:
    """A gated unit: its name, the registry name of its gate g, and its description."""

    name: str
    gate: str
    summary: str
    formula: str
    reference: str
    used_in: str = ""


GATED_UNITS: tuple[GatedUnit, ...] = (
    GatedUnit(
        "glu", "sigmoid", "Gated linear unit: the value a gated by the logistic of b.", r"a\,\sigma(b)",
        "Dauphin et al. 2017, 'Language Modeling with Gated Convolutional Networks'; torch.nn.functional.glu "
        "(a the first half of the input, b the second)",
        "gated convolutional language models",
    ),
    GatedUnit(
        "swiglu", "silu", "SwiGLU: the value a gated by swish(b) = b sigma(b).", r"a\,b\,\sigma(b)", SHAZEER,
        "LLaMA, Mistral, PaLM, Qwen",
    ),
    GatedUnit(
        "geglu", "gelu", "GeGLU: the value a gated by GELU(b) = b Phi(b).", r"a\,b\,\Phi(b)", SHAZEER,
        "T5 v1.1, Gemma",
    ),
    GatedUnit("reglu", "relu", "ReGLU: the value a gated by relu(b).", r"a\,\max(0, b)", SHAZEER),
)  # fmt: skip

_BY_NAME: Mapping[str, GatedUnit] = {u.name: u for u in GATED_UNITS}


def gated_unit(name: str) -> GatedUnit | None:
    """The gated unit called ``name`` (before any ':'), or None."""
    return _BY_NAME.get(name.strip().partition(":")[0].strip().lower())


def refusal(name: str) -> str:
    """The one-line error for a gated unit given to a command that takes one-input activations."""
    unit = gated_unit(name)
    assert unit is not None
    return (
        f"{unit.name!r} is a gated unit of two inputs, f(a, b) = a * {unit.gate}(b): this command takes "
        f"one-input activations; 'actplot plot {unit.name}', 'actplot eval {unit.name} --at A,B', "
        f"'actplot info {unit.name}' and 'actplot check {unit.name}' take it (its gate alone: '{unit.gate}')"
    )


@dataclass(frozen=True)
class GatedEvaluation:
    """f(a, b) and both partial derivatives, elementwise over broadcast a and b."""

    unit: GatedUnit
    a: np.ndarray
    b: np.ndarray
    y: np.ndarray
    dy_da: np.ndarray
    dy_db: np.ndarray


def evaluate_gated(unit: GatedUnit, a: object, b: object, registry: object | None = None) -> GatedEvaluation:
    """f = a g(b), df/da = g(b), df/db = a g'(b), with g the registry's exact gate."""
    from actplot.registry import load_registry

    registry = registry if registry is not None else load_registry(autoload=False)
    gate = registry[unit.gate]  # type: ignore[index]
    a_arr, b_arr = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    g = gate.function(b_arr, **gate.defaults)
    dg = gate.derivative(b_arr, **gate.defaults)
    with np.errstate(over="ignore", invalid="ignore"):  # a g(b) overflows only where the true value does
        y = a_arr * g
        dy_db = a_arr * dg
    return GatedEvaluation(unit, a_arr, b_arr, y, np.array(g, dtype=np.float64, copy=True), dy_db)


def parse_pairs(text: str) -> list[tuple[float, float]]:
    """``"1,2"`` or ``"1,2;-1,0.5"`` (or space separated) as (a, b) pairs."""
    pairs = []
    for item in text.replace(";", " ").split():
        parts = item.split(",")
        if len(parts) != 2:
            raise UsageError(
                f"--at {text!r}: a gated unit takes (a, b) pairs; {item!r} is not A,B "
                "(e.g. --at 1,2 or --at '1,2;-1,0.5')"
            )
        try:
            pairs.append((float(parts[0]), float(parts[1])))
        except ValueError:
            raise UsageError(f"--at {text!r}: {item!r} is not a pair of numbers (e.g. --at 1,2)") from None
    if not pairs:
        raise UsageError(f"--at {text!r}: give at least one pair A,B (e.g. --at 1,2)")
    return pairs


@dataclass(frozen=True)
class GatedCheck:
    """The declared partials against central differences of f, in both directions."""

    unit: GatedUnit
    worst_a: float
    worst_b: float
    points: int

    @property
    def ok(self) -> bool:
        return self.worst_a <= 1e-6 and self.worst_b <= 1e-6


def check_gated(unit: GatedUnit, registry: object | None = None) -> GatedCheck:
    """Compare df/da and df/db with central differences on a grid, away from the gate's kinks."""
    from actplot.registry import load_registry

    registry = registry if registry is not None else load_registry(autoload=False)
    kinks = tuple(registry[unit.gate].resolve_field("kinks")) + tuple(registry[unit.gate].resolve_field("jumps"))  # type: ignore[index]
    b = np.linspace(-6.0, 6.0, 241)
    b = b[np.all([np.abs(b - k) > 1e-3 for k in kinks], axis=0)] if kinks else b
    a = np.array([-3.0, -0.5, 0.25, 1.0, 4.0])
    A, B = np.meshgrid(a, b, indexing="ij")
    e = evaluate_gated(unit, A, B, registry)
    h = 1e-6
    num_a = (evaluate_gated(unit, A + h, B, registry).y - evaluate_gated(unit, A - h, B, registry).y) / (2 * h)
    num_b = (evaluate_gated(unit, A, B + h, registry).y - evaluate_gated(unit, A, B - h, registry).y) / (2 * h)
    scale = 1.0 + np.abs(A)
    worst_a = float(np.max(np.abs(num_a - e.dy_da) / scale))
    worst_b = float(np.max(np.abs(num_b - e.dy_db) / scale))
    return GatedCheck(unit, worst_a, worst_b, int(A.size))


def split_names(names: Sequence[str]) -> tuple[list[str], list[GatedUnit]]:
    """Names of one-input activations, and the gated units among ``names``, in order."""
    plain, gated = [], []
    for n in names:
        unit = gated_unit(n) if isinstance(n, str) else None
        if unit is not None:
            if ":" in n and n.partition(":")[2].strip():
                raise UsageError(f"{n!r}: gated units take no parameters; write {unit.name!r}")
            gated.append(unit)
        else:
            plain.append(n)
    return plain, gated
