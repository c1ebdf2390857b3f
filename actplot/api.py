"""Convenience functions of the public API that combine several modules."""

from __future__ import annotations

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


def jacobian(name: str, v: Any, registry: Registry | None = None) -> np.ndarray:
    """The full Jacobian of a vector-valued activation (softmax family) at the vector ``v``.

    >>> jacobian("softmax", [0.0, 0.0]).tolist()
    [[0.25, -0.25], [-0.25, 0.25]]
    """
    act = (registry if registry is not None else load_registry()).lookup(name)
    if act.jacobian is None:
        raise UsageError(f"{act.name} is elementwise; its Jacobian is diagonal: use evaluate() for f'")
    return np.asarray(act.jacobian(np.asarray(v, dtype=float)))
