"""actplot: plot, compare and check neural-network activation functions and their derivatives.

The public API. Importing it is cheap: names load their modules on first use (PEP 562), so
``actplot --help`` pays for neither numpy's heavier users, matplotlib, scipy nor plugins.

>>> import actplot
>>> relu, = actplot.resolve("relu")
>>> actplot.evaluate(relu, actplot.linspace(-1, 1, 3)).dy.tolist()
[0.0, 0.0, 1.0]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Activation": "actplot.declare",
    "Param": "actplot.declare",
    "activation": "actplot.declare",
    "DerivativeCheck": "actplot.derivative_check",
    "check_derivative": "actplot.derivative_check",
    "ActplotError": "actplot.errors",
    "OutputError": "actplot.errors",
    "ParameterError": "actplot.errors",
    "PluginError": "actplot.errors",
    "UnknownActivationError": "actplot.errors",
    "UsageError": "actplot.errors",
    "Evaluation": "actplot.numerics",
    "evaluate": "actplot.numerics",
    "linspace": "actplot.numerics",
    "Registry": "actplot.registry",
    "load_registry": "actplot.registry",
    "BoundActivation": "actplot.spec",
    "bind": "actplot.spec",
    "resolve": "actplot.spec",
    "plot": "actplot.api",
    "jacobian": "actplot.api",
    "evaluate_vector": "actplot.api",
    "moments": "actplot.propagation",
    "mean_field": "actplot.propagation",
    "edge_of_chaos": "actplot.propagation",
    "Moments": "actplot.propagation",
    "MeanField": "actplot.propagation",
    "VectorEvaluation": "actplot.api",
}

__all__ = [
    "Activation",
    "ActplotError",
    "BoundActivation",
    "DerivativeCheck",
    "Evaluation",
    "MeanField",
    "Moments",
    "OutputError",
    "Param",
    "ParameterError",
    "PluginError",
    "Registry",
    "UnknownActivationError",
    "UsageError",
    "VectorEvaluation",
    "__version__",
    "activation",
    "bind",
    "check_derivative",
    "edge_of_chaos",
    "evaluate",
    "evaluate_vector",
    "jacobian",
    "linspace",
    "load_registry",
    "mean_field",
    "moments",
    "plot",
    "resolve",
]

if TYPE_CHECKING:  # pragma: no cover
    from actplot.api import VectorEvaluation, evaluate_vector, jacobian, plot
    from actplot.declare import Activation, Param, activation
    from actplot.derivative_check import DerivativeCheck, check_derivative
    from actplot.errors import (
        ActplotError,
        OutputError,
        ParameterError,
        PluginError,
        UnknownActivationError,
        UsageError,
    )
    from actplot.numerics import Evaluation, evaluate, linspace
    from actplot.propagation import MeanField, Moments, edge_of_chaos, mean_field, moments
    from actplot.registry import Registry, load_registry
    from actplot.spec import BoundActivation, bind, resolve


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'actplot' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
