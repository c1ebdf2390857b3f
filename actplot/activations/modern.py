"""Activations of current models: quick_gelu, relu2, star_relu, smelu, aptx, snake, laplace, telu, golu.

Each is written, like the classic ones, to be exact over the whole float range: the products and
scalings that a textbook formula rounds first (1.702 x, (x - mu) / sigma, s x^2 + b) are carried
as double-doubles where the rounding would be amplified.
"""

from __future__ import annotations

import math

import numpy as np

from actplot.activations.gated import _silu, _silu_grad
from actplot.activations.stable import (
    INV_SQRT_2PI,
    exp_dd,
    exp_neg_square,
    near_root,
    normal_cdf,
    sech2,
    two_prod,
    two_sum,
)
from actplot.declare import OutputRange, Param, activation

#: The minimum of silu, x sigma(x) at x = -1.2785 (the others scale it).
SILU_MIN = -0.2784645427610738
#: pi and pi/4 as double-doubles, for snake's argument reduction.
PI = (3.141592653589793, 1.2246467991473532e-16)
QUARTER_PI = (0.7853981633974483, 3.061616997868383e-17)

#: 1.702 is not a float64: its low part is carried, or the rounding of the constant would grow
#: with |x| in the exponent (150 ulp at x = -410).
QUICK_GELU = 1.702
QUICK_GELU_LO = 4.263256414560601e-17  # 1.702 - float64(1.702) (mpmath)


@activation(
    "quick_gelu",
    family="gated",
    formula=r"x\,\sigma(1.702\,x)",
    derivative=lambda x: _silu_grad(x, QUICK_GELU, QUICK_GELU_LO),
    derivative_formula=r"\sigma(1.702x)\,(1 + 1.702x\,\sigma(-1.702x))",
    output_range=OutputRange.between(SILU_MIN / QUICK_GELU, math.inf, True),
    continuity="C∞",
    reference="Hendrycks & Gimpel 2016 (the sigma(1.702x) approximation of GELU); Radford et al. 2021 "
    "(CLIP's QuickGELU; Hugging Face `quick_gelu`)",
    notes="swish with beta = 1.702, the decimal constant (its low part below float64 is carried, "
    "or its rounding would grow with |x|: 150 ulp at x = -410).",
)
def quick_gelu(x):
    """GELU's sigmoid approximation x sigma(1.702 x), as CLIP uses it."""
    return _silu(x, QUICK_GELU, QUICK_GELU_LO)


def _relu2_grad(x):
    with np.errstate(over="ignore"):  # 2x overflows above 9e307, where the true value does too
        return 2.0 * np.maximum(x, 0.0)


@activation(
    "relu2",
    aliases=("squared_relu",),
    family="rectifier",
    formula=r"\max(0, x)^{2}",
    derivative=lambda x: _relu2_grad(x),
    derivative_formula=r"2x\ (x > 0),\quad 0\ (x \leq 0)",
    output_range="[0, inf)",
    continuity="C1",
    kinks=(0.0,),
    kink_convention="C1: f'(0) = 0 from both sides; f'' jumps from 0 to 2 there.",
    reference="So et al. 2021, 'Primer: Searching for Efficient Transformers' (arXiv 2109.08668)",
    notes="Overflows to inf above x = 1.34e154, where the true value exceeds the largest float64.",
)
def relu2(x):
    """Squared ReLU (Primer)."""
    r = np.maximum(x, 0.0)
    with np.errstate(over="ignore"):
        return r * r


def _star_relu(x, scale, bias):
    # s x^2 + b cancels where s x^2 ~ -b (x = 0.7071 at the defaults): x^2 and s x^2 are kept
    # exactly as double-doubles and b is added once
    r = np.maximum(x, 0.0)
    small = r < 1e150
    rc = np.where(small, r, 0.0)
    p, p_lo = two_prod(rc, rc)
    q, q_lo = two_prod(np.full_like(rc, scale), p)
    q_lo = q_lo + scale * p_lo
    t, t_lo = two_sum(q, bias)
    with np.errstate(over="ignore"):
        return np.where(small, t + (t_lo + q_lo), scale * r * r + bias)


def _star_relu_grad(x, scale):
    with np.errstate(over="ignore"):  # 2 s x overflows only where the true value does
        return (2.0 * scale) * np.maximum(x, 0.0)


@activation(
    "star_relu",
    aliases=("starrelu",),
    params=[
        Param("scale", 0.8944, "s in s relu(x)^2 + b (MetaFormer's initial value)"),
        Param("bias", -0.4472, "b in s relu(x)^2 + b (MetaFormer's initial value)"),
    ],
    family="rectifier",
    formula=r"s\,\max(0, x)^{2} + b",
    derivative=lambda x, scale, bias: _star_relu_grad(x, scale),
    derivative_formula=r"2 s x\ (x > 0),\quad 0\ (x \leq 0)",
    output_range=lambda scale, bias: (
        OutputRange.between(bias, math.inf, True) if scale > 0 else OutputRange.between(-math.inf, bias, False, True)
    ),
    continuity="C1",
    kinks=(0.0,),
    kink_convention="C1: f'(0) = 0 from both sides.",
    reference="Yu et al. 2022, 'MetaFormer Baselines for Vision' (arXiv 2210.13452); s = 0.8944 and "
    "b = -0.4472 are its initial (learnable) values",
)
def star_relu(x, scale, bias):
    """StarReLU: a scaled and shifted squared ReLU (MetaFormer)."""
    return _star_relu(x, scale, bias)


def _smelu(x, beta):
    # x + beta is exact near x = -beta (Sterbenz), where the parabola starts
    u = np.clip(x, -beta, beta) + beta
    return np.where(x <= -beta, 0.0, np.where(x >= beta, x, u * u / (4.0 * beta)))


@activation(
    "smelu",
    params=[Param("beta", 1.0, "half-width of the quadratic piece", positive=True)],
    family="rectifier",
    formula=r"0\ (x \leq -\beta),\quad \frac{(x + \beta)^{2}}{4\beta}\ (|x| < \beta),\quad x\ (x \geq \beta)",
    derivative=lambda x, beta: np.where(
        x <= -beta, 0.0, np.where(x >= beta, 1.0, (np.clip(x, -beta, beta) + beta) / (2.0 * beta))
    ),
    derivative_formula=r"0\ (x \leq -\beta),\quad \frac{x + \beta}{2\beta}\ (|x| < \beta),\quad 1\ (x \geq \beta)",
    output_range="[0, inf)",
    continuity="C1",
    kinks=lambda beta: (-beta, beta),
    kink_convention="C1: the derivative is continuous at ±beta, so the knees need no convention.",
    reference="Shamir, Lin & Coviello 2020, 'Smooth activations and reproducibility in deep networks' "
    "(arXiv 2010.09931); beta = 1 here (the paper treats it as a hyperparameter)",
    notes="At beta = 1 it equals sparse_plus.",
)
def smelu(x, beta):
    """Smooth ReLU: a quadratic bridge of half-width beta between 0 and the identity."""
    return _smelu(x, beta)


def _aptx(x, alpha, beta, gamma):
    # (alpha + tanh(beta x)) gamma x = 2 gamma x sigma(2 beta x) + (alpha - 1) gamma x
    exact = 2.0 * gamma * _silu(x, 2.0 * beta)
    return exact if alpha == 1.0 else exact + (alpha - 1.0) * gamma * x


def _aptx_grad(x, alpha, beta, gamma):
    exact = 2.0 * gamma * _silu_grad(x, 2.0 * beta)
    return exact if alpha == 1.0 else exact + (alpha - 1.0) * gamma


@activation(
    "aptx",
    params=[
        Param("alpha", 1.0, "alpha in (alpha + tanh(beta x)) gamma x"),
        Param("beta", 1.0, "beta in (alpha + tanh(beta x)) gamma x", positive=True),
        Param("gamma", 0.5, "gamma in (alpha + tanh(beta x)) gamma x", positive=True),
    ],
    family="gated",
    formula=r"(\alpha + \tanh(\beta x))\,\gamma x",
    derivative=_aptx_grad,
    derivative_formula=r"\gamma(\alpha + \tanh\beta x) + \gamma\beta x\,\mathrm{sech}^{2}\beta x",
    output_range=lambda alpha, beta, gamma: (
        OutputRange.between(SILU_MIN * gamma / beta, math.inf, True) if alpha == 1.0 else "(-inf, inf)"
    ),
    continuity="C∞",
    reference="Kumar 2022, 'APTx: better activation function than MISH, SWISH, and ReLU's variants' (arXiv 2209.06119)",
    notes="At alpha = 1 it is 2 gamma x sigma(2 beta x) = 2 gamma silu:beta=2beta, computed so (exact).",
)
def aptx(x, alpha, beta, gamma):
    """APTx: (alpha + tanh(beta x)) gamma x, a cheaper Mish."""
    return _aptx(x, alpha, beta, gamma)


def _snake_grad(x, alpha):
    # f' = 1 + sin(2 alpha x) = 2 sin^2(alpha x + pi/4) touches 0 at alpha x = -pi/4 + k pi, where
    # 1 + sin cancels completely. alpha x + pi/4 - k pi is formed as a double-double, so the small
    # angle d there is accurate and 2 sin^2(d) has no cancellation.
    u = alpha * x
    reducible = np.abs(u) < 1e15
    uc = np.where(reducible, x, 0.0)
    u_hi, u_lo = two_prod(np.full_like(uc, alpha), uc)
    k = np.round((u_hi + QUARTER_PI[0]) / PI[0])
    kp, kp_lo = two_prod(k, np.full_like(k, PI[0]))
    kp_lo = kp_lo + k * PI[1]
    d = ((u_hi - kp) + QUARTER_PI[0]) + ((u_lo - kp_lo) + QUARTER_PI[1])
    s = np.sin(d)
    # far out (|alpha x| >= 1e15) 1 + sin(2u) = 1 + 2 sin u cos u: 2u itself would overflow at 1e308
    return np.where(reducible, 2.0 * s * s, 1.0 + 2.0 * np.sin(u) * np.cos(u))


@activation(
    "snake",
    params=[Param("alpha", 1.0, "frequency: x + sin^2(alpha x) / alpha", positive=True)],
    family="periodic",
    formula=r"x + \frac{\sin^{2}(\alpha x)}{\alpha}",
    derivative=_snake_grad,
    derivative_formula=r"1 + \sin(2\alpha x)",
    output_range=(-math.inf, math.inf),
    continuity="C∞",
    reference="Ziyin, Hartwig & Ueda 2020, 'Neural networks fail to learn periodic functions and how to "
    "fix it' (arXiv 2006.08195); used in BigVGAN and DAC",
    notes="Monotonic: f' >= 0, and f' = 0 only at the isolated points alpha x = -pi/4 + k pi "
    "(reported as stationary points, never as regions).",
)
def snake(x, alpha):
    """Snake: the identity plus a periodic ripple."""
    s = np.sin(alpha * x)
    return x + (s * s) / alpha


MEGA_MU = 0.707107
MEGA_SIGMA = 0.282095


def _laplace_argument(x, mu, sigma):
    """t = (x - mu) / sigma as hi + lo: its rounding is multiplied by t^2 in the left tail."""
    if np.iscomplexobj(x):  # a complex-step probe: refuse it rather than drop the imaginary part
        raise TypeError("laplace is evaluated for real x only")
    a, a_lo = two_sum(np.asarray(x, dtype=float), -mu)
    with np.errstate(over="ignore"):  # t beyond 1e300 (inf at |x| ~ 1e308): Phi is 0 or 1 exactly
        t = np.clip(a / sigma, -1e300, 1e300)
    near = np.abs(t) < 1e150
    p, p_lo = two_prod(np.where(near, t, 0.0), np.full_like(t, sigma))
    remainder = np.where(near, ((np.where(near, a, 0.0) - p) - p_lo + np.where(near, a_lo, 0.0)) / sigma, 0.0)
    return t, remainder


def _laplace(x, mu, sigma):
    t, t_lo = _laplace_argument(x, mu, sigma)
    # Phi(t + lo) = Phi(t) + phi(t) lo to first order; normal_cdf is accurate in the far tail
    return normal_cdf(t) + (INV_SQRT_2PI * exp_neg_square(t, 0.5)) * t_lo


def _laplace_grad(x, mu, sigma):
    t, t_lo = _laplace_argument(x, mu, sigma)
    # phi(t + lo) / sigma; beyond |t| = 37 the Gaussian as two halves (phi(t) is subnormal from
    # 37.5 where phi(t) / sigma is not), else one exponential (fewer roundings)
    scale = (INV_SQRT_2PI / sigma) * (1.0 - t * t_lo)
    quarter = exp_neg_square(t, 0.25)
    return np.where(np.abs(t) > 37.0, (scale * quarter) * quarter, scale * exp_neg_square(t, 0.5))


@activation(
    "laplace",
    params=[
        Param("mu", MEGA_MU, "centre: f(mu) = 1/2 (MEGA's sqrt(1/2))"),
        Param("sigma", MEGA_SIGMA, "width (MEGA's sqrt(1/(4 pi)))", positive=True),
    ],
    family="sigmoid",
    formula=r"\frac{1}{2}\left(1 + \mathrm{erf}\frac{x - \mu}{\sigma\sqrt{2}}\right)",
    derivative=_laplace_grad,
    derivative_formula=r"\frac{1}{\sigma\sqrt{2\pi}}\,e^{-(x-\mu)^{2}/(2\sigma^{2})}",
    output_range="(0, 1)",
    continuity="C∞",
    reference="Ma et al. 2022, 'Mega: Moving Average Equipped Gated Attention' (arXiv 2209.10655); "
    "mu = 0.707107 and sigma = 0.282095 as in its code",
    notes="A Gaussian CDF standing in for squared ReLU's behaviour near 0 with bounded output; "
    "(x - mu) / sigma is carried as a double-double (its rounding is multiplied by t^2 in the tail).",
)
def laplace(x, mu, sigma):
    """MEGA's Laplace activation: a shifted, scaled Gaussian CDF."""
    return _laplace(x, mu, sigma)


#: Below this x, e^x < 4.3e-18: tanh(e^x) = e^x and sech^2(e^x) = 1 to double precision, and
#: results are formed as x e^(x/2) e^(x/2) so that they stay exact where e^x alone is subnormal.
DEEP = -40.0


def _halves(factor, x):
    """factor e^x, as (factor e^(x/2)) e^(x/2) (x below DEEP only; the factors used are at most a
    few times x, so below -1e5, where the product is 0 by far, x is clamped there)."""
    half = np.exp(0.5 * np.where(x < DEEP, x, 0.0))
    return (factor * half) * half


def _deep(x):
    """x where x < DEEP (clamped at -1e5, see _halves), 0 elsewhere: the factors' argument."""
    return np.where(x < DEEP, np.maximum(x, -1e5), 0.0)


def _telu(x):
    u = np.exp(np.clip(x, DEEP, 50.0))  # beyond 50, tanh(e^x) is 1 exactly
    return np.where(x < DEEP, _halves(_deep(x), x), x * np.tanh(u))


def _telu_grad(x):
    xc = np.clip(x, DEEP, 50.0)
    u = np.exp(xc)
    direct = np.tanh(u) + (xc * u) * sech2(u)
    return near_root(x, np.where(x < DEEP, _halves(1.0 + _deep(x), x), direct), "telu")


@activation(
    "telu",
    family="gated",
    formula=r"x \tanh(e^{x})",
    derivative=_telu_grad,
    derivative_formula=r"\tanh(e^{x}) + x e^{x}\,\mathrm{sech}^{2}(e^{x})",
    output_range=OutputRange.between(-0.35328577784821125, math.inf, True),
    continuity="C∞",
    reference="Fernandez & Mali 2024, 'TeLU Activation Function for Fast and Stable Deep Learning' (arXiv 2412.20269)",
    notes="Near the root of f' (x = -1.0789) f' is its Taylor series there, as for silu.",
)
def telu(x):
    """TeLU: x times the tanh of its exponential."""
    return _telu(x)


GOLU_FLOOR = -7.5


def _golu_parts(x):
    """(E, E_lo, exp(-E/2)) with E = e^(-x) as a double-double: exp(-E) multiplies E's rounding
    by E (300 ulp at x = -6.5 from numpy's e^-x alone). x is clamped to [-7.5, 800]: below,
    exp(-e^-x) < 1e-700 is 0 by far; above, e^-x is 0."""
    xc = np.clip(x, GOLU_FLOOR, 800.0)
    e_hi, e_lo = exp_dd(-xc)
    return xc, e_hi, e_lo, np.exp(-0.5 * e_hi)


def _golu(x):
    xc, _e_hi, e_lo, half = _golu_parts(x)
    # exp(-E) = exp(-E_hi) (1 - E_lo), applied as two halves: it is subnormal from E = 708 where
    # x exp(-E) is not quite
    inside = ((xc * (1.0 - e_lo)) * half) * half
    return np.where(x < GOLU_FLOOR, 0.0 * np.sign(x), np.where(x > 800.0, x, inside))


def _golu_grad(x):
    xc, e_hi, e_lo, half = _golu_parts(x)
    # 1 + x E in double-double: it cancels at the root x = -W(1) = -0.5671, where it is exact so
    p, p_lo = two_prod(xc, e_hi)
    p_lo = p_lo + xc * e_lo
    s, s_lo = two_sum(np.ones_like(xc), p)
    bracket = s + (s_lo + p_lo)
    return np.where(x < GOLU_FLOOR, 0.0, ((bracket * (1.0 - e_lo)) * half) * half)


@activation(
    "golu",
    family="gated",
    formula=r"x\,e^{-e^{-x}}",
    derivative=_golu_grad,
    derivative_formula=r"e^{-e^{-x}}\,(1 + x e^{-x})",
    output_range=OutputRange.between(-0.09726013122763941, math.inf, True),
    continuity="C∞",
    reference="Das et al. 2025, 'Gompertz Linear Units: Leveraging Asymmetry for Enhanced Learning "
    "Dynamics' (arXiv 2502.03654): x times the Gompertz function exp(-e^-x)",
    notes="e^-x is computed in double-double (exp(-e^-x) multiplies its rounding by e^-x), which "
    "also makes 1 + x e^-x exact at the root of f', x = -W(1) = -0.5671.",
)
def golu(x):
    """GoLU: x gated by the Gompertz function exp(-e^-x)."""
    return _golu(x)
