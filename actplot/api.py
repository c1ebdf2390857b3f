"""Convenience functions of the public API that combine several modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from actplot.errors import UsageError
from actplot.registry import Registry, load_registry
from actplot.spec import BoundActivation, resolve


def plot(specs: Any, registry: Registry | None = None, **options: Any) -> Any:
    """A matplotlib Figure of activations and their derivatives (imports matplotlib on first use).

    ``specs`` are names, ``NAME:key=value`` strings, expressions or BoundActivations; ``options``
    are the fields of :class:`actplot.plotting.PlotOptions` (window, num, layout, derivative, ...).

    >>> fig = plot(["relu", "elu"], window=(-3, 3))  # doctest: +SKIP
    """
    from actplot.plotting import PlotOptions, make_figure

    items = [specs] if isinstance(specs, (str, BoundActivation)) else list(specs)
    bounds = [s if isinstance(s, BoundActivation) else resolve(s, registry)[0] for s in items]
    return make_figure(bounds, PlotOptions(**options))


@dataclass(frozen=True)
class VectorEvaluation:
    """A vector-valued activation (softmax family) at one input vector: f(v) and its Jacobian
    J[i, j] = d f_i / d v_j."""

    name: str
    v: tuple[float, ...]
    y: tuple[float, ...]
    jacobian: tuple[tuple[float, ...], ...]


def evaluate_vector(name: str, v: Any, registry: Registry | None = None) -> VectorEvaluation:
    """f(v) and the Jacobian of a vector-valued activation at the vector ``v``.

    >>> evaluate_vector("softmax", [0.0, 0.0]).y
    (0.5, 0.5)
    """
    registry = registry if registry is not None else load_registry()
    act = registry.lookup(name)
    if act.vector_function is None or act.jacobian is None:
        vector_valued = ", ".join(n for n in registry if registry[n].jacobian is not None)
        raise UsageError(f"{act.name} is elementwise: --vector needs a vector-valued activation ({vector_valued})")
    x = np.asarray(v, dtype=float)
    if x.ndim != 1 or x.size < 1:
        raise UsageError("--vector needs at least one number (e.g. --vector 1,2,3)")
    with _guard(act):
        y = np.asarray(act.vector_function(x), dtype=float)
        jac = np.asarray(act.jacobian(x), dtype=float)
    return VectorEvaluation(
        act.name,
        tuple(float(t) for t in x),
        tuple(float(t) for t in y),
        tuple(tuple(float(t) for t in row) for row in jac),
    )


def _guard(act: Any) -> Any:
    """Plugin code runs with a time limit and its prints sent to stderr."""
    import contextlib

    from actplot.limits import plugin_call
    from actplot.registry import BUILTIN_SOURCE

    return contextlib.nullcontext() if act.source == BUILTIN_SOURCE else plugin_call(f"{act.name}: jacobian")


def jacobian(name: str, v: Any, registry: Registry | None = None) -> np.ndarray:
    """The full Jacobian of a vector-valued activation (softmax family) at the vector ``v``.

    >>> jacobian("softmax", [0.0, 0.0]).tolist()
    [[0.25, -0.25], [-0.25, 0.25]]
    """
    act = (registry if registry is not None else load_registry()).lookup(name)
    if act.jacobian is None:
        raise UsageError(f"{act.name} is elementwise; its Jacobian is diagonal: use evaluate() for f'")
    with _guard(act):
        return np.asarray(act.jacobian(np.asarray(v, dtype=float)))
