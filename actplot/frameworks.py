"""What the frameworks compute: PyTorch's (or JAX's) forward and autograd backward of an activation,
measured against actplot's exact values correctly rounded to the same format.

Each mapping names the framework call explicitly (the README lists them). torch and jax are
optional extras, imported only here and only when ``--against`` asks for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from actplot.errors import ActplotError, UsageError
from actplot.regions import Interval
from actplot.spec import BoundActivation

FRAMEWORKS = ("torch", "jax")
#: The formats a framework computes in on the CPU (float8 has no CPU kernels for these ops).
FRAMEWORK_FORMATS = ("float64", "float32", "float16", "bfloat16")


def _torch_calls() -> dict[str, tuple[str, Callable[..., Any]]]:
    """actplot name -> (the call, as written in the README; a function of (x, params))."""
    import torch
    import torch.nn.functional as F

    def view(op: Callable[..., Any]) -> Callable[..., Any]:
        # the one-dimensional view of a vector function: the first output for the input [x, 0]
        return lambda x, p: op(torch.stack([x, torch.zeros_like(x)], dim=-1), dim=-1)[..., 0]

    return {
        "identity": ("x", lambda x, p: x * 1),
        "relu": ("F.relu(x)", lambda x, p: F.relu(x)),
        "relu6": ("F.relu6(x)", lambda x, p: F.relu6(x)),
        "leaky_relu": ("F.leaky_relu(x, negative_slope)", lambda x, p: F.leaky_relu(x, p["negative_slope"])),
        "prelu": (
            "F.prelu(x, torch.tensor([init]))",
            lambda x, p: F.prelu(x, torch.tensor([p["init"]], dtype=x.dtype)),
        ),
        "rrelu": (
            "F.rrelu(x, lower, upper, training=False)",
            lambda x, p: F.rrelu(x, p["lower"], p["upper"], training=False),
        ),
        "elu": ("F.elu(x, alpha)", lambda x, p: F.elu(x, p["alpha"])),
        "selu": ("F.selu(x)", lambda x, p: F.selu(x)),
        "celu": ("F.celu(x, alpha)", lambda x, p: F.celu(x, p["alpha"])),
        "gelu": ("F.gelu(x, approximate=approximate)", lambda x, p: F.gelu(x, approximate=p["approximate"])),
        "gelu_tanh": ("F.gelu(x, approximate='tanh')", lambda x, p: F.gelu(x, approximate="tanh")),
        "silu": (
            "F.silu(x) (beta = 1 only)",
            lambda x, p: F.silu(x) if p["beta"] == 1 else x * torch.sigmoid(p["beta"] * x),
        ),
        "mish": ("F.mish(x)", lambda x, p: F.mish(x)),
        "hardswish": ("F.hardswish(x)", lambda x, p: F.hardswish(x)),
        "hardsigmoid": ("F.hardsigmoid(x)", lambda x, p: F.hardsigmoid(x)),
        "softplus": (
            "F.softplus(x, beta, threshold) (threshold 20, PyTorch's default, when actplot's is off)",
            lambda x, p: F.softplus(x, p["beta"], 20.0 if p["threshold"] is None else p["threshold"]),
        ),
        "logsigmoid": ("F.logsigmoid(x)", lambda x, p: F.logsigmoid(x)),
        "sigmoid": ("torch.sigmoid(x)", lambda x, p: torch.sigmoid(x)),
        "tanh": ("torch.tanh(x)", lambda x, p: torch.tanh(x)),
        "softsign": ("F.softsign(x)", lambda x, p: F.softsign(x)),
        "hardtanh": ("F.hardtanh(x, min_val, max_val)", lambda x, p: F.hardtanh(x, p["min_val"], p["max_val"])),
        "hardshrink": ("F.hardshrink(x, lambd)", lambda x, p: F.hardshrink(x, p["lambd"])),
        "softshrink": ("F.softshrink(x, lambd)", lambda x, p: F.softshrink(x, p["lambd"])),
        "tanhshrink": ("F.tanhshrink(x)", lambda x, p: F.tanhshrink(x)),
        "threshold": ("F.threshold(x, threshold, value)", lambda x, p: F.threshold(x, p["threshold"], p["value"])),
        "exponential": ("torch.exp(x)", lambda x, p: torch.exp(x)),
        "sinusoid": ("torch.sin(x)", lambda x, p: torch.sin(x)),
        "arctan": ("torch.atan(x)", lambda x, p: torch.atan(x)),
        "softmax": ("F.softmax([x, 0], dim=-1)[0]", view(F.softmax)),
        "log_softmax": ("F.log_softmax([x, 0], dim=-1)[0]", view(F.log_softmax)),
        "softmin": ("F.softmin([x, 0], dim=-1)[0]", view(F.softmin)),
    }


def _jax_calls() -> dict[str, tuple[str, Callable[..., Any]]]:
    import jax
    import jax.numpy as jnp

    return {
        "relu": ("jax.nn.relu(x)", lambda x, p: jax.nn.relu(x)),
        "sigmoid": ("jax.nn.sigmoid(x)", lambda x, p: jax.nn.sigmoid(x)),
        "tanh": ("jnp.tanh(x)", lambda x, p: jnp.tanh(x)),
        "gelu": (
            "jax.nn.gelu(x, approximate=False)",
            lambda x, p: jax.nn.gelu(x, approximate=p["approximate"] == "tanh"),
        ),
        "gelu_tanh": ("jax.nn.gelu(x)", lambda x, p: jax.nn.gelu(x)),
        "silu": (
            "jax.nn.silu(x)",
            lambda x, p: jax.nn.silu(x) if p["beta"] == 1 else x * jax.nn.sigmoid(p["beta"] * x),
        ),
        "elu": ("jax.nn.elu(x, alpha)", lambda x, p: jax.nn.elu(x, p["alpha"])),
        "selu": ("jax.nn.selu(x)", lambda x, p: jax.nn.selu(x)),
        "celu": ("jax.nn.celu(x, alpha)", lambda x, p: jax.nn.celu(x, p["alpha"])),
        "softplus": ("jax.nn.softplus(x) (beta = 1 only)", lambda x, p: jax.nn.softplus(p["beta"] * x) / p["beta"]),
        "leaky_relu": ("jax.nn.leaky_relu(x, negative_slope)", lambda x, p: jax.nn.leaky_relu(x, p["negative_slope"])),
        "hardswish": ("jax.nn.hard_swish(x)", lambda x, p: jax.nn.hard_swish(x)),
        "hardsigmoid": ("jax.nn.hard_sigmoid(x)", lambda x, p: jax.nn.hard_sigmoid(x)),
        "logsigmoid": ("jax.nn.log_sigmoid(x)", lambda x, p: jax.nn.log_sigmoid(x)),
        "mish": ("jax.nn.mish(x)", lambda x, p: jax.nn.mish(x)),
        "softsign": ("jax.nn.soft_sign(x)", lambda x, p: jax.nn.soft_sign(x)),
        "relu6": ("jax.nn.relu6(x)", lambda x, p: jax.nn.relu6(x)),
    }


def require(framework: str) -> None:
    """A one-line error naming the package to install when the framework is missing."""
    if framework not in FRAMEWORKS:
        raise UsageError(f"--against {framework!r}: must be one of {', '.join(FRAMEWORKS)}")
    try:
        __import__(framework)
    except ImportError:
        extra = "torch" if framework == "torch" else "jax"
        raise ActplotError(
            f"--against {framework}: {framework} is not installed; pip install 'actplot[{extra}]'"
        ) from None


def check_format(dtype: str) -> None:
    if dtype not in FRAMEWORK_FORMATS:
        raise UsageError(f"--against with --dtype {dtype}: frameworks compute in {', '.join(FRAMEWORK_FORMATS)} here")


@dataclass(frozen=True)
class FrameworkFunction:
    """One activation as a framework computes it."""

    framework: str
    call: str
    evaluate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def framework_function(bound: BoundActivation, framework: str, dtype: str) -> FrameworkFunction | None:
    """The framework's f and autograd f' in ``dtype`` (None when it has no such activation)."""
    require(framework)
    check_format(dtype)
    calls = _torch_calls() if framework == "torch" else _jax_calls()
    if bound.name not in calls:
        return None
    call, op = calls[bound.name]
    params = dict(bound.params)
    if framework == "torch":
        import torch

        tdtype = getattr(torch, dtype)

        def evaluate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            xt = torch.tensor(np.asarray(x, dtype=np.float64), dtype=tdtype).requires_grad_(True)
            y = op(xt, params)
            y.backward(torch.ones_like(y))
            assert xt.grad is not None
            return y.detach().to(torch.float64).numpy(), xt.grad.to(torch.float64).numpy()

    else:
        import jax
        import jax.numpy as jnp

        jdtype = getattr(jnp, dtype)
        grad = jax.vmap(jax.grad(lambda t: op(t, params)))

        def evaluate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            xj = jnp.asarray(np.asarray(x, dtype=np.float64), dtype=jdtype)
            return np.asarray(op(xj, params), dtype=np.float64), np.asarray(grad(xj), dtype=np.float64)

    return FrameworkFunction(framework, call, evaluate)


def accuracy_grid() -> np.ndarray:
    """The points of the report: dense over [-1000, 1000] and [-40, 40], and the float range's edges."""
    special = np.array([0.0, 1e-300, 1e-30, 1e-8, 0.5, 1.0, 19.5, 20.0, 20.000000000000004, 36.75, 708.0, 745.0])
    return np.unique(np.concatenate([np.linspace(-1000, 1000, 2001), np.linspace(-40, 40, 3201), special, -special]))


@dataclass(frozen=True)
class FrameworkReport:
    """How far a framework's f and f' are from the exact values rounded to the same format."""

    name: str
    label: str
    params: tuple[tuple[str, Any], ...]
    call: str
    max_ulp_f: float
    argmax_ulp_f: float
    max_ulp_df: float
    argmax_ulp_df: float
    zero_gradient: tuple[Interval, ...]  # the framework's f' == 0 where the rounded truth is not
    non_finite: tuple[float, ...]  # the framework's f or f' is nan/inf where the truth is finite


def _ulps(got: np.ndarray, truth: np.ndarray, dtype: str) -> np.ndarray:
    """|got - truth| in units of the format's spacing at the truth (truth already in the format)."""
    from actplot.rounding import spacing_at

    with np.errstate(all="ignore"):
        error = np.abs(got - truth) / spacing_at(np.where(np.isfinite(truth), truth, 0.0), dtype)
    same = (got == truth) | (np.isnan(got) & np.isnan(truth))
    return np.where(same, 0.0, np.where(np.isfinite(error), error, np.inf))


def measure(
    bound: BoundActivation, framework: str, dtype: str, grid: np.ndarray | None = None
) -> FrameworkReport | None:
    """The framework against actplot's exact values on the accuracy grid (in the format ``dtype``)."""
    from actplot import regions
    from actplot.numerics import evaluate
    from actplot.rounding import round_to

    fw = framework_function(bound, framework, dtype)
    if fw is None:
        return None
    x = np.unique(round_to(accuracy_grid() if grid is None else grid, dtype))
    x = x[np.isfinite(x)]
    exact = evaluate(bound, x, dtype)
    y, dy = exact.y.astype(np.float64), exact.dy.astype(np.float64)
    fy, fdy = fw.evaluate(x)
    ef, edf = _ulps(fy, y, dtype), _ulps(fdy, dy, dtype)
    truth_finite = np.isfinite(y) & np.isfinite(dy)
    bad = truth_finite & ~(np.isfinite(fy) & np.isfinite(fdy))
    ef, edf = np.where(truth_finite, ef, 0.0), np.where(truth_finite, edf, 0.0)

    def state(points: np.ndarray) -> np.ndarray:
        points = round_to(points, dtype)
        truth = evaluate(bound, points, dtype).dy.astype(np.float64)
        return ((fw.evaluate(points)[1] == 0) & (truth != 0)).astype(int)

    states = ((fdy == 0) & (dy != 0)).astype(int)
    changes = regions.boundaries(state, x, states)
    collapsed = _in_format(regions.runs(int(states[0]), changes, float(x[0]), float(x[-1]), 1), dtype)
    i, j = int(np.argmax(ef)), int(np.argmax(edf))
    return FrameworkReport(
        bound.name, bound.label, bound.params, fw.call, float(ef[i]), float(x[i]), float(edf[j]), float(x[j]),
        collapsed, tuple(float(v) for v in x[bad][:5]),
    )  # fmt: skip


def zero_gradient_regions(
    bound: BoundActivation, framework: str, dtype: str, window: tuple[float, float]
) -> tuple[Interval, ...] | None:
    """Where the framework's f' is exactly 0 on the window (refined as actplot's own regions)."""
    from actplot import regions
    from actplot.rounding import round_to

    fw = framework_function(bound, framework, dtype)
    if fw is None:
        return None
    lo, hi = window
    probes = np.unique(round_to(regions.probe_points(lo, hi), dtype))
    probes = probes[(probes >= lo) & (probes <= hi)]

    def state(points: np.ndarray) -> np.ndarray:
        return (fw.evaluate(round_to(points, dtype))[1] == 0).astype(int)

    states = state(probes)
    changes = regions.boundaries(state, probes, states)
    found = regions.runs(int(states[0]), changes, float(probes[0]), float(probes[-1]), 1)
    return _in_format([r for r in found if r.width > 1e-11 * (hi - lo) or math.isclose(r.lo, r.hi)], dtype)


def _in_format(runs: list[Interval], dtype: str) -> tuple[Interval, ...]:
    """Runs found in the float64 ordering, with ends as the format's own values: inputs are
    rounded to the format, so the first float64 of a run rounds to its first value in the format."""
    from actplot.rounding import round_to

    out = []
    for r in runs:
        lo, hi = (float(v) for v in round_to(np.array([r.lo, r.hi]), dtype))
        out.append(Interval(lo, hi))
    return tuple(out)
