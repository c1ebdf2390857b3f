"""Exponential-linear units and smooth rectifiers: ELU, SELU, CELU, softplus, squareplus, sparse_plus, ISRLU."""

from __future__ import annotations

import math

import numpy as np

from actplot.activations.stable import isru_curvature, sigmoid, sigmoid_grad, two_prod
from actplot.declare import OutputRange, Param, activation

# SELU's constants as PyTorch spells them (float64 literals of Klambauer et al.'s values).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _elu(x, alpha):
    # np.where evaluates both branches: clamp so the discarded one cannot overflow; expm1 keeps
    # full precision near 0, where exp(x) - 1 is 6e8 ulp off at x = -1e-10.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


@activation(
    "elu",
    second_derivative=lambda x, alpha: np.where(x < 0, alpha * np.exp(np.minimum(x, 0.0)), 0.0),
    second_derivative_formula=r"\alpha e^{x}\ (x < 0),\quad 0\ (x \geq 0;\ \text{at 0 as PyTorch's double backward})",
    params=[Param("alpha", 1.0, "the value approached as x -> -inf is -alpha", minimum=0.0)],
    family="exponential",
    formula=r"x\ (x > 0),\quad \alpha(e^{x}-1)\ (x \leq 0)",
    derivative=lambda x, alpha: np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0))),
    derivative_formula=r"1\ (x > 0),\quad \alpha e^{x}\ (x \leq 0)",
    output_range=lambda alpha: OutputRange.between(-alpha, math.inf, alpha == 0),
    continuity=lambda alpha: "C1" if alpha == 1 else "C0",
    kinks=(0.0,),
    kink_convention="f'(0) = alpha (the x <= 0 branch), as PyTorch's autograd returns.",
    reference="Clevert, Unterthiner & Hochreiter 2015",
)
def elu(x, alpha):
    """Exponential linear unit: identity above zero, saturating exponential below."""
    return _elu(x, alpha)


@activation(
    "selu",
    second_derivative=lambda x: np.where(x < 0, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(x, 0.0)), 0.0),
    second_derivative_formula=r"\lambda\alpha e^{x}\ (x < 0),\quad 0\ (x \geq 0;\ \text{at 0 as PyTorch})",
    aliases=("scaled_elu",),
    family="exponential",
    formula=r"\lambda x\ (x > 0),\quad \lambda\alpha(e^{x}-1)\ (x \leq 0)",
    derivative=lambda x: np.where(x > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(x, 0.0))),
    derivative_formula=r"\lambda\ (x > 0),\quad \lambda\alpha e^{x}\ (x \leq 0)",
    output_range=OutputRange.between(-SELU_SCALE * SELU_ALPHA, math.inf),
    continuity="C0",
    kinks=(0.0,),
    kink_convention="f'(0) = scale * alpha = 1.7580993408473766, as PyTorch's autograd returns.",
    reference="Klambauer, Unterthiner, Mayr & Hochreiter 2017",
    notes="alpha = 1.6732632423543772, scale = 1.0507009873554805 (fixed, as in PyTorch).",
)
def selu(x):
    """Scaled ELU with the self-normalising constants."""
    with np.errstate(over="ignore"):  # above x = 1.7e308 the true value exceeds the largest float
        return np.where(x > 0, SELU_SCALE * x, (SELU_SCALE * SELU_ALPHA) * np.expm1(np.minimum(x, 0.0)))


def _celu_curvature(x, alpha):
    q, q_lo = _quotient(np.minimum(x, 0.0), alpha)
    return np.where(x < 0, np.exp(q) * (1.0 + q_lo) / alpha, 0.0)  # 0 at 0, as PyTorch


@activation(
    "celu",
    second_derivative=_celu_curvature,
    second_derivative_formula=r"\frac{1}{\alpha} e^{x/\alpha}\ (x < 0),\quad 0\ (x \geq 0)",
    params=[Param("alpha", 1.0, "scale of the negative side; -alpha is the lower asymptote", positive=True)],
    family="exponential",
    formula=r"x\ (x > 0),\quad \alpha(e^{x/\alpha}-1)\ (x \leq 0)",
    derivative=lambda x, alpha: _celu_grad(x, alpha),
    derivative_formula=r"1\ (x > 0),\quad e^{x/\alpha}\ (x \leq 0)",
    output_range=lambda alpha: OutputRange.between(-alpha, math.inf),
    continuity="C1",
    kinks=(0.0,),
    kink_convention="f'(0) = 1 for every alpha, as PyTorch's autograd returns.",
    reference="Barron 2017",
)
def celu(x, alpha):
    """Continuously differentiable ELU."""
    return _celu(x, alpha)


def _product(x, factor):
    """factor * x as hi + lo (lo = 0 where |hi| > 1e4, beyond every use of it here).

    The rounding of beta x, or of x / alpha, is multiplied by |z| in e^z: 300 ulp at z = -593
    (softplus:beta=100 at x = -5.93). Carrying the low part and applying e^(hi + lo) =
    e^hi (1 + lo) removes it.
    """
    z = factor * x
    if factor == 1.0:  # the default parameter: the product is exact (a third of softplus's time)
        return z, 0.0
    small = np.abs(z) < 1e4
    _hi, lo = two_prod(np.where(small, x, 0.0), np.full_like(z, factor))
    return z, np.where(small, lo, 0.0)


def _quotient(x, alpha):
    """x / alpha as hi + lo (lo = 0 where |hi| > 1e4)."""
    q = x / alpha
    if alpha == 1.0:  # the default parameter: the quotient is exact
        return q, 0.0
    small = np.abs(q) < 1e4
    qs = np.where(small, q, 0.0)
    p, e = two_prod(qs, np.full_like(q, alpha))
    return q, np.where(small, ((np.where(small, x, 0.0) - p) - e) / alpha, 0.0)


def _softplus(x, beta, threshold):
    # max(x, 0) + log1p(e^-|z|) / beta: no overflow at z = 1e308 (logaddexp(0, z) / beta is inf
    # where beta x overflows though f is about x), no loss at z = -40.
    z, z_lo = _product(x, beta)
    t = np.exp(-np.abs(z))
    if beta != 1.0:  # at beta = 1, z = x exactly
        t = t * (1.0 + np.where(z > 0, -z_lo, z_lo))  # the low part of -|z|
    exact = np.maximum(x, 0.0) + np.log1p(t) / beta
    return exact if threshold is None else np.where(z > threshold, x, exact)


def _softplus_grad(x, beta, threshold):
    z, z_lo = _product(x, beta)
    # sigmoid(z + lo) = sigmoid(z) (1 + lo sigmoid(-z)) to first order
    exact = sigmoid(z) if beta == 1.0 else sigmoid(z) * (1.0 + z_lo * sigmoid(-z))
    return exact if threshold is None else np.where(z > threshold, 1.0, exact)


def _celu(x, alpha):
    q, q_lo = _quotient(np.minimum(x, 0.0), alpha)
    if alpha == 1.0:  # no low part: elu's formula, without a second exponential
        return np.where(x > 0, x, np.expm1(q))
    # expm1(q + lo) = expm1(q) + e^q lo to first order
    return np.where(x > 0, x, alpha * (np.expm1(q) + np.exp(q) * q_lo))


def _softplus_curvature(x, beta, threshold):
    z, z_lo = _product(x, beta)
    # beta sigma'(z + lo) = beta sigma'(z) (1 - lo tanh(z/2)) to first order
    exact = sigmoid_grad(z) if beta == 1.0 else beta * sigmoid_grad(z) * (1.0 - z_lo * np.tanh(0.5 * z))
    return exact if threshold is None else np.where(z > threshold, 0.0, exact)


def _celu_grad(x, alpha):
    q, q_lo = _quotient(np.minimum(x, 0.0), alpha)
    return np.where(x > 0, 1.0, np.exp(q) * (1.0 + q_lo))


@activation(
    "softplus",
    second_derivative=_softplus_curvature,
    second_derivative_formula=r"\beta\,\sigma(\beta x)\,\sigma(-\beta x)",
    aliases=("smooth_relu",),
    params=[
        Param("beta", 1.0, "sharpness: (1/beta) log(1 + exp(beta x))", positive=True),
        Param(
            "threshold",
            None,
            "off by default (exact); a number reproduces PyTorch's cut-over to x where beta*x > threshold (torch: 20)",
        ),
    ],
    family="exponential",
    formula=r"\frac{1}{\beta}\log(1 + e^{\beta x})",
    derivative=_softplus_grad,
    derivative_formula=r"\sigma(\beta x)",
    output_range="(0, inf)",
    continuity=lambda beta, threshold: "C∞" if threshold is None else "C-1",
    jumps=lambda beta, threshold: () if threshold is None else (threshold / beta,),
    kink_convention="Smooth; with threshold set, f = x and f' = 1 where beta*x > threshold, as PyTorch.",
    reference="Dugas et al. 2001; Glorot, Bordes & Bengio 2011",
    notes="PyTorch's threshold=20 is a numerical shortcut, not mathematics: just above 20 it is "
    "5.8e5 ulp off and f' jumps to exactly 1. actplot computes the exact function unless "
    "threshold is given, e.g. softplus:threshold=20.",
)
def softplus(x, beta, threshold):
    """Smooth approximation of ReLU: log(1 + e^x)."""
    return _softplus(x, beta, threshold)


@activation(
    "squareplus",
    second_derivative=lambda x, b: _squareplus_curvature(x, b),
    second_derivative_formula=r"\frac{b}{2 (x^{2} + b)^{3/2}}",
    params=[Param("b", 4.0, "curvature near 0 (b = 0 gives ReLU)", minimum=0.0)],
    family="exponential",
    formula=r"\frac{x + \sqrt{x^{2} + b}}{2}",
    derivative=lambda x, b: _squareplus_grad(x, b),
    derivative_formula=r"\frac{1}{2}\left(1 + \frac{x}{\sqrt{x^{2}+b}}\right)",
    output_range=lambda b: OutputRange.between(0.0, math.inf, b == 0),
    continuity=lambda b: "C∞" if b > 0 else "C0",
    kinks=lambda b: () if b > 0 else (0.0,),
    reference="Barron 2021",
)
def squareplus(x, b):
    """An algebraic softplus: (x + sqrt(x^2 + b)) / 2."""
    r, gap = _squareplus_parts(x, b)
    # For x < 0, x + r cancels; b / (r - x) is the same number without the cancellation.
    # 0.5 x + 0.5 r, not 0.5 (x + r): the sum overflows from x = 9e307, where f is about x
    return np.where(x < 0, 0.5 * b / gap, 0.5 * x + 0.5 * r)


def _squareplus_parts(x, b):
    # Beyond |x| = 1e150, sqrt(x^2 + b) == |x| in float64, and x^2 would overflow.
    xc = np.clip(x, -1e150, 1e150)
    r = np.where(np.abs(x) > 1e150, np.abs(x), np.sqrt(xc * xc + b))
    with np.errstate(over="ignore"):  # r - x = inf from x = -9e307: then b / (r - x) is 0 as it should
        return r, np.where(x < 0, r - x, 1.0)


def _squareplus_curvature(x, b):
    r, _gap = _squareplus_parts(x, b)
    safe = np.where(r == 0, 1.0, r)
    # b / (2 r^3) as products, so that r^3 cannot overflow where the result is still a float
    return np.where(r == 0, 0.0, ((0.5 * b / safe) / safe) / safe)


def _squareplus_grad(x, b):
    r, gap = _squareplus_parts(x, b)
    safe = np.where(r == 0, 1.0, r)
    # 1 + x/r cancels for x << 0, where it equals b / (r (r - x)); at b = 0, x = 0 (ReLU) it is 0.
    with np.errstate(over="ignore"):  # r (r - x) overflows where f' is far below the smallest float
        grad = np.where(x < 0, 0.5 * b / (safe * gap), 0.5 * (1.0 + x / safe))
    return np.where(r == 0, 0.0, grad)


@activation(
    "sparse_plus",
    second_derivative=lambda x: np.where((x > -1) & (x < 1), 0.5, 0.0),
    second_derivative_formula=r"\frac{1}{2}\ (|x| < 1),\quad 0\ \text{otherwise}",
    aliases=("sparseplus",),
    family="exponential",
    formula=r"0\ (x \leq -1),\quad \frac{(x+1)^{2}}{4}\ (|x| < 1),\quad x\ (x \geq 1)",
    derivative=lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, 0.5 * (x + 1.0))),
    derivative_formula=r"0\ (x \leq -1),\quad \frac{x+1}{2}\ (|x| < 1),\quad 1\ (x \geq 1)",
    output_range="[0, inf)",
    continuity="C1",
    kinks=(-1.0, 1.0),
    kink_convention="C1: the derivative is continuous, so the knees at ±1 need no convention.",
    reference="Blondel, Martins & Niculae 2020",
)
def sparse_plus(x):
    """Sparse plus: zero, then a parabola, then the identity."""
    u = np.clip(x, -1.0, 1.0) + 1.0  # the discarded branch must not overflow at 1e308
    return np.where(x <= -1, 0.0, np.where(x >= 1, x, 0.25 * u * u))


def _isr_parts(x, alpha):
    xc = np.clip(x, -1e150, 1e150)
    return xc, 1.0 + alpha * xc * xc


@activation(
    "isrlu",
    second_derivative=lambda x, alpha: np.where(x < 0, isru_curvature(x, alpha), 0.0),
    second_derivative_formula=r"-3\alpha x (1 + \alpha x^{2})^{-5/2}\ (x < 0),\quad 0\ (x \geq 0)",
    aliases=("inverse_square_root_linear_unit",),
    params=[Param("alpha", 1.0, "the lower asymptote is -1/sqrt(alpha)", positive=True)],
    family="exponential",
    formula=r"\frac{x}{\sqrt{1 + \alpha x^{2}}}\ (x < 0),\quad x\ (x \geq 0)",
    derivative=lambda x, alpha: np.where(x < 0, _isr_parts(x, alpha)[1] ** -1.5, 1.0),
    derivative_formula=r"(1 + \alpha x^{2})^{-3/2}\ (x < 0),\quad 1\ (x \geq 0)",
    output_range=lambda alpha: OutputRange.between(-1.0 / math.sqrt(alpha), math.inf),
    continuity="C2",
    kinks=(0.0,),
    reference="Carlile et al. 2017",
)
def isrlu(x, alpha):
    """Inverse square root linear unit: ISRU below 0, identity above."""
    xc, q = _isr_parts(x, alpha)
    return np.where(x < 0, xc / np.sqrt(q), x)
