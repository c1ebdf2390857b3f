"""Piecewise-linear rectifiers and shrinkage functions (ReLU and relatives).

Kink conventions follow PyTorch's autograd: the derivative at a kink is the one its backward
returns (see ``shared/reference/kink_table.md`` and each ``kink_convention``).
"""

from __future__ import annotations

import math

import numpy as np

from actplot.declare import OutputRange, Param, activation


def _step(condition) -> np.ndarray:
    return np.where(condition, 1.0, 0.0)


def _piecewise_linear(x, **_params):
    """f'' of a piecewise-linear function: 0, at the kinks too (PyTorch's double backward)."""
    return np.zeros_like(x)


@activation(
    "relu",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("rectifier", "rectified_linear_unit"),
    family="rectifier",
    formula=r"\max(0, x)",
    derivative=lambda x: _step(x > 0),
    derivative_formula=r"1\ (x > 0),\quad 0\ (x \leq 0)",
    output_range="[0, inf)",
    continuity="C0",
    kinks=(0.0,),
    kink_convention="f'(0) = 0, as PyTorch's autograd (and JAX) return.",
    reference="Fukushima 1969; Nair & Hinton 2010",
)
def relu(x):
    """Rectified linear unit: zero below 0, identity above."""
    return np.maximum(x, 0.0)


@activation(
    "relu6",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("relu_6", "clipped_relu"),
    family="rectifier",
    formula=r"\min(\max(0, x), 6)",
    derivative=lambda x: _step((x > 0) & (x < 6)),
    derivative_formula=r"1\ (0 < x < 6),\quad 0\ \text{otherwise}",
    output_range="[0, 6]",
    continuity="C0",
    kinks=(0.0, 6.0),
    kink_convention="f'(0) = f'(6) = 0, as PyTorch's autograd returns.",
    reference="Krizhevsky 2010",
)
def relu6(x):
    """ReLU clipped at 6."""
    return np.minimum(np.maximum(x, 0.0), 6.0)


def _leaky(x, slope):
    return np.where(x > 0, x, slope * x)


def _leaky_grad(x, slope):
    return np.where(x > 0, 1.0, slope)


def _leaky_range(slope: float) -> str:
    # slope <= 0: x <= 0 maps to slope * x >= 0, so every value is >= 0 and 0 is attained at 0
    return "(-inf, inf)" if slope > 0 else "[0, inf)"


def _leaky_continuity(slope: float) -> str:
    return "C∞" if slope == 1 else "C0"  # slope 1 is the identity


def _leaky_kinks(slope: float) -> tuple[float, ...]:
    return () if slope == 1 else (0.0,)


def _threshold_range(threshold: float, value: float) -> str:
    # x > threshold gives (threshold, inf); everything else gives the single value
    if value > threshold:
        return f"({threshold!r}, inf)"
    if value == threshold:
        return f"[{threshold!r}, inf)"
    return f"{{{value!r}}} ∪ ({threshold!r}, inf)"


@activation(
    "leaky_relu",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("lrelu", "leakyrelu"),
    params=[Param("negative_slope", 0.01, "slope for x < 0 (PyTorch and JAX 0.01; Keras and TF 0.2)")],
    family="rectifier",
    formula=r"x\ (x > 0),\quad \mathrm{negative\_slope}\cdot x\ (x \leq 0)",
    derivative=lambda x, negative_slope: _leaky_grad(x, negative_slope),
    derivative_formula=r"1\ (x > 0),\quad \mathrm{negative\_slope}\ (x \leq 0)",
    output_range=lambda negative_slope: _leaky_range(negative_slope),
    continuity=lambda negative_slope: _leaky_continuity(negative_slope),
    kinks=lambda negative_slope: _leaky_kinks(negative_slope),
    kink_convention="f'(0) = negative_slope, as PyTorch's autograd returns (JAX returns 1).",
    reference="Maas, Hannun & Ng 2013",
)
def leaky_relu(x, negative_slope):
    """Leaky ReLU: identity above 0, a small slope below."""
    return _leaky(x, negative_slope)


@activation(
    "prelu",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("parametric_relu",),
    params=[Param("init", 0.25, "the learnable slope a for x < 0 (nn.PReLU's initial value)")],
    family="rectifier",
    formula=r"x\ (x > 0),\quad a x\ (x \leq 0)",
    derivative=lambda x, init: _leaky_grad(x, init),
    derivative_formula=r"1\ (x > 0),\quad a\ (x \leq 0)",
    output_range=lambda init: _leaky_range(init),
    continuity=lambda init: _leaky_continuity(init),
    kinks=lambda init: _leaky_kinks(init),
    kink_convention="f'(0) = a, as PyTorch's autograd returns.",
    reference="He, Zhang, Ren & Sun 2015",
    notes="One shared slope (num_parameters=1): per-channel slopes do not change the curve.",
)
def prelu(x, init):
    """Parametric ReLU with its slope at the value nn.PReLU starts from."""
    return _leaky(x, init)


@activation(
    "rrelu",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("randomized_leaky_relu",),
    params=[
        Param("lower", 0.125, "lower bound of the random slope", minimum=0.0),
        Param("upper", 1.0 / 3.0, "upper bound of the random slope", minimum=0.0),
    ],
    family="rectifier",
    formula=r"x\ (x > 0),\quad \frac{l+u}{2} x\ (x \leq 0)",
    derivative=lambda x, lower, upper: _leaky_grad(x, 0.5 * (lower + upper)),
    derivative_formula=r"1\ (x > 0),\quad \frac{l+u}{2}\ (x \leq 0)",
    output_range=lambda lower, upper: _leaky_range(0.5 * (lower + upper)),
    continuity=lambda lower, upper: _leaky_continuity(0.5 * (lower + upper)),
    kinks=lambda lower, upper: _leaky_kinks(0.5 * (lower + upper)),
    kink_convention="f'(0) = (lower + upper) / 2, PyTorch's eval-mode value (11/48 by default).",
    constraint=lambda lower, upper: None if lower <= upper else "lower must not exceed upper",
    reference="Xu, Wang, Chen & Li 2015",
    notes="Shown in eval mode (training=False, F.rrelu's default): in training the slope is drawn "
    "from U(lower, upper) per element, which no deterministic curve can show.",
)
def rrelu(x, lower, upper):
    """Randomized leaky ReLU in eval mode: the mean of its random slope."""
    return _leaky(x, 0.5 * (lower + upper))


@activation(
    "hardtanh",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("hard_tanh",),
    params=[Param("min_val", -1.0, "lower clip value"), Param("max_val", 1.0, "upper clip value")],
    family="rectifier",
    formula=r"\min(\max(x, \mathrm{min\_val}), \mathrm{max\_val})",
    derivative=lambda x, min_val, max_val: _step((x > min_val) & (x < max_val)),
    derivative_formula=r"1\ (\mathrm{min\_val} < x < \mathrm{max\_val}),\quad 0\ \text{otherwise}",
    output_range=lambda min_val, max_val: OutputRange.between(min_val, max_val, True, True),
    continuity="C0",
    kinks=lambda min_val, max_val: (min_val, max_val),
    kink_convention="f' = 0 at both clip points, as PyTorch's autograd returns (JAX returns 1).",
    constraint=lambda min_val, max_val: None if min_val < max_val else "min_val must be less than max_val",
    reference="Collobert 2004",
)
def hardtanh(x, min_val, max_val):
    """Hard tanh: the identity clipped to [min_val, max_val]."""
    return np.minimum(np.maximum(x, min_val), max_val)


@activation(
    "hardshrink",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("hard_shrink",),
    params=[Param("lambd", 0.5, "half-width of the zeroed band", minimum=0.0)],
    family="shrinkage",
    formula=r"x\ (|x| > \lambda),\quad 0\ \text{otherwise}",
    derivative=lambda x, lambd: _step(np.abs(x) > lambd),
    derivative_formula=r"1\ (|x| > \lambda),\quad 0\ \text{otherwise}",
    output_range=lambda lambd: f"(-inf, {-lambd!r}) ∪ {{0}} ∪ ({lambd!r}, inf)" if lambd > 0 else "(-inf, inf)",
    continuity=lambda lambd: "C-1" if lambd > 0 else "C∞",
    jumps=lambda lambd: (-lambd, lambd) if lambd > 0 else (),
    kink_convention="f(±lambd) = 0 and f'(±lambd) = 0, as PyTorch returns (|x| > lambd is strict).",
    reference="Donoho & Johnstone 1994",
)
def hardshrink(x, lambd):
    """Hard shrinkage: zero inside [-lambd, lambd], identity outside (jumps at ±lambd)."""
    return np.where(np.abs(x) > lambd, x, 0.0)


@activation(
    "softshrink",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("soft_shrink",),
    params=[Param("lambd", 0.5, "half-width of the zeroed band", minimum=0.0)],
    family="shrinkage",
    formula=r"x - \lambda\ (x > \lambda),\quad x + \lambda\ (x < -\lambda),\quad 0\ \text{otherwise}",
    derivative=lambda x, lambd: _step(np.abs(x) > lambd),
    derivative_formula=r"1\ (|x| > \lambda),\quad 0\ \text{otherwise}",
    output_range=(-math.inf, math.inf),
    continuity=lambda lambd: "C0" if lambd > 0 else "C∞",
    kinks=lambda lambd: (-lambd, lambd) if lambd > 0 else (),
    kink_convention="f'(±lambd) = 0, as PyTorch's autograd returns.",
    reference="Donoho 1995",
)
def softshrink(x, lambd):
    """Soft shrinkage: zero inside [-lambd, lambd], shifted identity outside."""
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0))


@activation(
    "threshold",
    second_derivative=_piecewise_linear,
    second_derivative_formula=r"0\ \text{(PyTorch double backward: 0 at the kinks too)}",
    aliases=("thresholded_relu",),
    params=[
        Param("threshold", 1.0, "inputs at or below it are replaced (torch requires it; 1 as Keras 2)"),
        Param("value", 0.0, "the replacement value (torch requires it; 0 as Keras 2)"),
    ],
    family="rectifier",
    formula=r"x\ (x > \theta),\quad v\ \text{otherwise}",
    derivative=lambda x, threshold, value: _step(x > threshold),
    derivative_formula=r"1\ (x > \theta),\quad 0\ \text{otherwise}",
    output_range=_threshold_range,
    continuity=lambda threshold, value: "C0" if threshold == value else "C-1",
    kinks=lambda threshold, value: (threshold,) if threshold == value else (),
    jumps=lambda threshold, value: (threshold,) if threshold != value else (),
    kink_convention="f(threshold) = value and f'(threshold) = 0, as PyTorch returns.",
    notes="torch.nn.functional.threshold has no defaults; actplot uses threshold=1, value=0 "
    "(Keras 2's ThresholdedReLU).",
)
def threshold(x, threshold, value):
    """Threshold: x above the threshold, a constant value at and below it."""
    return np.where(x > threshold, x, value)
