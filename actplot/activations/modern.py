"""Activations of current models: quick_gelu, relu2, star_relu, smelu, aptx, snake, laplace, telu, golu,
serf, xielu.

Each is written, like the classic ones, to be exact over the whole float range: the products and
scalings that a textbook formula rounds first (1.702 x, (x - mu) / sigma, s x^2 + b) are carried
as double-doubles where the rounding would be amplified.
"""

from __future__ import annotations

import math

import numpy as np

from actplot.activations.gated import _silu, _silu_curvature, _silu_grad
from actplot.activations.stable import (
    INV_SQRT_2PI,
    exp_dd,
    exp_neg_square,
    near_root,
    near_roots,
    normal_cdf,
    sech2,
    sigmoid,
    times_sigmoid,
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
    second_derivative=lambda x: _silu_curvature(x, QUICK_GELU, QUICK_GELU_LO),
    second_derivative_formula=r"1.702\,\sigma'(1.702x)\,(2 - 1.702x\tanh(0.851x))",
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
    second_derivative=lambda x: np.where(x > 0, 2.0, 0.0),
    second_derivative_formula=r"2\ (x > 0),\quad 0\ (x \leq 0)",
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
    second_derivative=lambda x, scale, bias: np.where(x > 0, 2.0 * scale, 0.0),
    second_derivative_formula=r"2s\ (x > 0),\quad 0\ (x \leq 0)",
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
    second_derivative=lambda x, beta: np.where((x > -beta) & (x < beta), 0.5 / beta, 0.0),
    second_derivative_formula=r"\frac{1}{2\beta}\ (|x| < \beta),\quad 0\ \text{otherwise}",
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
    second_derivative=lambda x, alpha, beta, gamma: 2.0 * gamma * _silu_curvature(x, 2.0 * beta),
    second_derivative_formula=r"2\gamma\beta\,\mathrm{sech}^{2}(\beta x)\,(1 - \beta x\tanh(\beta x))",
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


def _snake_curvature(x, alpha):
    """2 alpha cos(2 alpha x), with alpha x = u + lo exactly: cos(2u + 2lo) = cos 2u - 2 lo sin 2u,
    and numpy's cos reduces the float 2u exactly, so the zeros of cos keep their digits."""
    u = alpha * x
    reducible = np.abs(u) < 1e15
    uc = np.where(reducible, x, 0.0)
    u_hi, u_lo = two_prod(np.full_like(uc, alpha), uc)
    near = 2.0 * alpha * (np.cos(2.0 * u_hi) - 2.0 * u_lo * np.sin(2.0 * u_hi))
    # far out the low part is below the period's resolution; 2u overflows from 9e307:
    # cos 2u = (cos u - sin u)(cos u + sin u)
    with np.errstate(over="ignore", invalid="ignore"):
        c, s = np.cos(u), np.sin(u)
        far = 2.0 * alpha * np.where(np.abs(u) < 8e307, np.cos(2.0 * u), (c - s) * (c + s))
    return np.where(reducible, near, far)


@activation(
    "snake",
    second_derivative=_snake_curvature,
    second_derivative_formula=r"2\alpha\cos(2\alpha x)",
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


def _laplace_curvature(x, mu, sigma):
    t, t_lo = _laplace_argument(x, mu, sigma)
    # -(t + lo) phi(t + lo) / sigma^2 = -phi(t) (t + lo (1 - t^2)) / sigma^2 to first order; it
    # vanishes at t = 0 (x = mu), where t itself is exact, so no cancellation
    tc = np.clip(t, -60.0, 60.0)  # beyond |t| = 39, t phi(t) is 0 by far
    factor = -(tc + t_lo * (1.0 - tc * tc)) * (INV_SQRT_2PI / sigma) / sigma
    quarter = exp_neg_square(tc, 0.25)
    inside = np.where(np.abs(tc) > 37.0, (factor * quarter) * quarter, factor * exp_neg_square(tc, 0.5))
    return np.where(np.abs(t) >= 60.0, 0.0, inside)


@activation(
    "laplace",
    second_derivative=_laplace_curvature,
    second_derivative_formula=r"-\frac{t\,\varphi(t)}{\sigma^{2}},\quad t = \frac{x - \mu}{\sigma}",
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


def _telu_curvature(x):
    """f'' = 2g' + x g'', g = tanh(e^x): e^x sech^2(e^x) (2 + x (1 - 2 e^x tanh(e^x)))."""
    xc = np.clip(x, DEEP, 50.0)
    u, u_lo = exp_dd(xc)
    t = np.tanh(u)
    # sech^2(u + lo) = sech^2(u) (1 - 2 lo tanh u): sech^2(e^x) ~ 4 e^(-2 e^x) multiplies the
    # rounding of e^x by 2 e^x (265 ulp at x = 5.85 without it)
    direct = u * (sech2(u) * (1.0 - 2.0 * u_lo * t)) * (2.0 + xc * (1.0 - 2.0 * u * t))
    # below -40: e^x (2 + x), as two halves
    return near_roots(x, np.where(x < DEEP, _halves(2.0 + _deep(x), x), direct), "telu", 2)


@activation(
    "telu",
    second_derivative=_telu_curvature,
    second_derivative_formula=r"e^{x}\mathrm{sech}^{2}(e^{x})\,(2 + x(1 - 2e^{x}\tanh(e^{x})))",
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


def _golu_curvature(x):
    """exp(-E) E (2 + x (E - 1)) with E = e^-x in double-double (see golu)."""
    xc, e_hi, e_lo, half = _golu_parts(x)
    em1 = (e_hi - 1.0) + e_lo
    inner = 2.0 + xc * em1
    value = ((((inner * e_hi) + inner * e_lo) * (1.0 - e_lo)) * half) * half
    # beyond x = 600, exp(-E) = 1 and E = e^-x is subnormal from 708: (2 - x) e^-x in two halves
    xr = np.clip(x, 0.0, 800.0)
    h = np.exp(-0.5 * xr)
    right = ((2.0 - xr) * h) * h
    direct = np.where(x < GOLU_FLOOR, 0.0, np.where(x > 600.0, np.where(x > 800.0, 0.0, right), value))
    return near_roots(x, direct, "golu", 2)  # the inflection points -1.0601 and 2.2386


@activation(
    "golu",
    second_derivative=_golu_curvature,
    second_derivative_formula=r"e^{-e^{-x}}e^{-x}\,(2 + x(e^{-x} - 1))",
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


#: 2/sqrt(pi) as a double-double.
TWO_OVER_SQRT_PI = (1.1283791670955126, 1.533545961316588e-17)
#: Below x = -40, softplus(x) = e^x and erf(s) = (2/sqrt pi) s to double precision.
SERF_DEEP = -40.0
#: Below x = -2 (softplus < 0.127), erf and sigma are written as series and exponents.
SERF_SMALL = -2.0
#: erf(s) = (2/sqrt pi) s (1 + sum_n a_n s^(2n)), a_n = (-1)^n / (n! (2n + 1)); 11 terms reach
#: 1e-30 at s = 0.127.
_ERF_TAIL = tuple((-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(11, 0, -1))


def _serf_softplus(x):
    """(x clamped to [-40, inf), s, s_lo): softplus(x) as a double-double.

    f' = erf(s) + x sigma(x) erf'(s) cancels towards its root at -1.193 (the terms are twice the
    result at x = -3); an ulp of s in each term would cost 4 to 6 ulp there."""
    xc = np.maximum(x, SERF_DEEP)
    u, u_lo = exp_dd(np.minimum(xc, 0.0))
    s_neg = np.log1p(u)
    # one Newton step on e^s - 1 = u, in double-double: e^s_neg - 1 - u is formed exactly
    e, e_lo = exp_dd(s_neg)
    s_neg_lo = -(((e - 1.0) - u) + (e_lo - u_lo)) / (1.0 + u)
    pos = np.maximum(xc, 0.0)
    s_pos, s_pos_lo = two_sum(pos, np.log1p(np.exp(-np.minimum(pos, 800.0))))
    return xc, np.where(xc > 0, s_pos, s_neg), np.where(xc > 0, s_pos_lo, s_neg_lo)


def _serf_erf(s, s_lo):
    """erf(s + s_lo) to first order in s_lo."""
    from scipy.special import erf  # not at import: `actplot list` and `--help` never load scipy

    return erf(s) + TWO_OVER_SQRT_PI[0] * exp_neg_square(s) * s_lo


def _serf_small(xc, s, s_lo):
    """For x < -2: erf(s) / (2/sqrt pi) as p + p_lo, and x sigma(x) e^(-s^2) = x e^(x - s - s^2)
    (as 1 + e^x = e^s) as q + q_lo: no rounding of s or sigma is amplified by the cancellation."""
    small = xc < SERF_SMALL
    xs, s, s_lo = np.where(small, xc, -3.0), np.where(small, s, 0.05), np.where(small, s_lo, 0.0)
    tail = np.polyval((*_ERF_TAIL, 0.0), s * s)  # sum_{n>=1} a_n s^(2n)
    p, p_lo = s, s_lo + s * tail
    sq, sq_lo = two_prod(s, s)
    y, y_lo = two_sum(xs, -s)
    y, y2 = two_sum(y, -sq)
    y_lo = y_lo + y2 - s_lo - sq_lo - 2.0 * s * s_lo
    q, q_lo = two_prod(xs, np.exp(y) * (1.0 + y_lo))
    return p, p_lo, q, q_lo


def _times_two_over_sqrt_pi(a, a_lo):
    h, lo = two_prod(a, np.full_like(a, TWO_OVER_SQRT_PI[0]))
    return h + (lo + a_lo * TWO_OVER_SQRT_PI[0] + a * TWO_OVER_SQRT_PI[1])


def _serf_deep(factor_of_x, x):
    """(2/sqrt pi) factor(x) e^x below -40, as two halves so that it stays exact where e^x alone
    is subnormal (x is clamped at -1e5 where the product is 0 by far)."""
    xd = np.where(x < SERF_DEEP, np.maximum(x, -1e5), 0.0)
    half = np.exp(0.5 * xd)
    return ((TWO_OVER_SQRT_PI[0] * factor_of_x(xd)) * half) * half


def _serf(x):
    xc, s, s_lo = _serf_softplus(x)
    p, p_lo, _q, _q_lo = _serf_small(xc, s, s_lo)
    v, v_lo = two_prod(np.where(xc < SERF_SMALL, xc, 0.0), p)
    small = _times_two_over_sqrt_pi(v, v_lo + xc * p_lo)
    middle = x * _serf_erf(s, s_lo)
    return np.where(x < SERF_DEEP, _serf_deep(lambda t: t, x), np.where(x < SERF_SMALL, small, middle))


def _serf_grad(x):
    xc, s, s_lo = _serf_softplus(x)
    # x sigma(x) erf'(s), the factors ordered so that x near the largest float cannot overflow
    middle = _serf_erf(s, s_lo) + times_sigmoid(xc * (TWO_OVER_SQRT_PI[0] * exp_neg_square(s)), xc)
    p, p_lo, q, q_lo = _serf_small(xc, s, s_lo)
    t, t_lo = two_sum(p, q)
    small = _times_two_over_sqrt_pi(t, t_lo + p_lo + q_lo)
    direct = np.where(x < SERF_DEEP, _serf_deep(lambda t: 1.0 + t, x), np.where(x < SERF_SMALL, small, middle))
    return near_root(x, direct, "serf")


def _serf_curvature(x):
    """2E' + x E'' with E = erf(s), s = softplus(x): E' = g sigma, E'' = g sigma (1 - sigma - 2 s sigma),
    g = (2/sqrt pi) e^(-s^2)."""
    xc, s, s_lo = _serf_softplus(np.minimum(x, 40.0))  # beyond 28, e^(-s^2) x s is below 1e-320
    sig, sm = sigmoid(xc), sigmoid(-xc)
    # e^(-(s + lo)^2) = e^(-s^2) (1 - 2 s lo): the tail multiplies s's rounding by 2s^2
    # and it is applied last, in two halves: e^(-s^2) is subnormal from x = 26.6, f'' is not
    scale = TWO_OVER_SQRT_PI[0] * (1.0 - 2.0 * s * s_lo) * sig * (2.0 + xc * (sm - 2.0 * s * sig))
    half = exp_neg_square(s, 0.5)
    direct = np.where(x > 40.0, 0.0, (scale * half) * half)
    # below -40: s = e^x, sigma = e^x: f'' = (2/sqrt pi) e^x (2 + x)
    return near_roots(x, np.where(x < SERF_DEEP, _serf_deep(lambda t: 2.0 + t, x), direct), "serf", 2)


@activation(
    "serf",
    second_derivative=_serf_curvature,
    second_derivative_formula=r"2E' + xE'',\ E' = \tfrac{2}{\sqrt\pi}e^{-s^{2}}\sigma,"
    r"\ E'' = \tfrac{2}{\sqrt\pi}e^{-s^{2}}\sigma(1 - \sigma - 2s\sigma)",
    family="gated",
    formula=r"x\,\mathrm{erf}(\mathrm{softplus}(x))",
    derivative=_serf_grad,
    derivative_formula=r"\mathrm{erf}(s) + x\,\sigma(x)\,\tfrac{2}{\sqrt{\pi}} e^{-s^{2}},"
    r"\quad s = \mathrm{softplus}(x)",
    output_range=OutputRange.between(-0.34843745875960644, math.inf, True),
    continuity="C∞",
    reference="Nag & Bhattacharyya 2021, 'SERF: Towards better training of deep neural networks using "
    "log-Softplus ERror activation Function' (arXiv 2108.09598)",
    notes="softplus is carried as a double-double; near the root of f' (x = -1.1931) f' is its Taylor "
    "series there, as for mish; below x = -2 erf and sigma are series and exponents.",
)
def serf(x):
    """SERF: x times the error function of its softplus."""
    return _serf(x)


#: Below |x| = 2^-10 e^x - 1 - x is summed as a series (its double-double form cancels to nothing).
XIELU_TINY = 2.0**-10
#: Below x = -1e15, e^x is 0 by far and the double-double terms could overflow their splitting.
XIELU_FAR = 1e15


def _xielu_expm1(x):
    """e^x - 1 as a double-double (absolute error ~1e-32: good where |x| >= 2^-10)."""
    e, e_lo = exp_dd(np.clip(x, -800.0, 0.0))
    m, m_lo = two_sum(e, -1.0)
    return m, m_lo + e_lo


def _xielu_negative(x, alpha_n, beta, eps):
    """f for x <= 0: alpha_n (e^min(x, eps) - 1 - x) + beta x, without cancellation."""
    # |x| >= 2^-10 (x <= eps there): alpha_n e^x - alpha_n - (alpha_n - beta) x in double-double;
    # it cancels near the root of f (x = -1.59 at the defaults) and near 0, so every term is exact
    xw = np.clip(x, -XIELU_FAR, -XIELU_TINY)
    m, m_lo = _xielu_expm1(xw)
    h, h_lo = two_sum(m, -xw)
    h_lo = h_lo + m_lo
    a, a_lo = two_prod(np.full_like(xw, alpha_n), h)
    b, b_lo = two_prod(np.full_like(xw, beta), xw)
    t, t_lo = two_sum(a, b)
    wide = t + (t_lo + a_lo + b_lo + alpha_n * h_lo)
    # |x| < 2^-10: e^x - 1 - x = x^2 (1/2 + x/6 + ...), no cancellation against beta x there
    xs = np.maximum(x, -XIELU_TINY)
    ce = np.minimum(xs, eps)
    series = ce * ce * np.polyval([1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5], ce)
    # e^ce - 1 - x = (e^ce - 1 - ce) + (ce - x): ce - x is exact (Sterbenz) for x in (eps, 0]
    tiny = alpha_n * (series + (ce - xs)) + beta * xs
    # below -1e15, e^x = 0: f = (alpha_n - beta)(-x) - alpha_n, the difference of the parameters
    # carried (and -alpha_n kept: it is still 1e-15 of the result at -1e15)
    c, c_lo = two_sum(np.full_like(x, alpha_n), np.full_like(x, -beta))
    with np.errstate(over="ignore"):
        far = -x * c + (-x * c_lo - alpha_n)
    return np.where(x < -XIELU_FAR, far, np.where(x <= -XIELU_TINY, wide, tiny))


def _xielu(x, alpha_p, alpha_n, beta, eps):
    positive = np.maximum(x, 0.0)
    with np.errstate(over="ignore"):  # x (alpha_p x + beta) overflows only where the true value does
        upper = positive * (alpha_p * positive + beta)
    return np.where(x > 0, upper, _xielu_negative(np.minimum(x, 0.0), alpha_n, beta, eps))


def _xielu_grad(x, alpha_p, alpha_n, beta, eps):
    with np.errstate(over="ignore"):
        upper = 2.0 * alpha_p * np.maximum(x, 0.0) + beta
    xn = np.minimum(x, 0.0)
    # alpha_n (e^x - 1) + beta in double-double: it cancels at the root x = ln(1 - beta/alpha_n)
    m, m_lo = _xielu_expm1(np.minimum(xn, -XIELU_TINY))
    m = np.where(xn <= -XIELU_TINY, m, np.expm1(xn))
    m_lo = np.where(xn <= -XIELU_TINY, m_lo, 0.0)
    a, a_lo = two_prod(np.full_like(xn, alpha_n), m)
    t, t_lo = two_sum(a, np.full_like(xn, beta))
    lower = t + (t_lo + a_lo + alpha_n * m_lo)
    # min(x, eps): no gradient reaches e^x above eps, half of it at x == eps (torch.minimum's rule)
    clamped = beta - alpha_n
    at_eps = alpha_n * (0.5 * np.exp(eps) - 1.0) + beta
    lower = np.where(xn < eps, lower, np.where(xn == eps, at_eps, clamped))
    return np.where(x > 0, upper, lower)


def _xielu_curvature(x, alpha_p, alpha_n, beta, eps):
    # twice differentiating min(x, eps): torch.minimum's half gradient at the tie, squared
    lower = np.where(x < eps, alpha_n * np.exp(np.minimum(x, eps)), 0.0)
    lower = np.where(x == eps, 0.25 * alpha_n * math.exp(eps), lower)
    return np.where(x > 0, 2.0 * alpha_p, lower)


def _xielu_range(alpha_p, alpha_n, beta, eps):
    at_zero = alpha_n * math.expm1(eps)  # f(0), the clamped branch; f -> 0 from the right
    if beta > alpha_n:
        return OutputRange.between(-math.inf, math.inf)
    if beta == alpha_n:
        return OutputRange.between(min(-alpha_n, at_zero), math.inf, at_zero < -alpha_n)
    stationary = math.log1p(-beta / alpha_n)  # where alpha_n e^x = alpha_n - beta
    lowest = at_zero
    if stationary < eps:
        lowest = min(lowest, alpha_n * (math.expm1(stationary) - stationary) + beta * stationary)
    return OutputRange.between(lowest, math.inf, True)


@activation(
    "xielu",
    second_derivative=_xielu_curvature,
    second_derivative_formula=r"2\alpha_p\ (x > 0),\quad \alpha_n e^{x}\ (x < \epsilon),\quad 0\ (\epsilon < x \leq 0)",
    family="exponential",
    params=[
        Param("alpha_p", 0.8, "curvature of the quadratic for x > 0 (learnable, initial value)", positive=True),
        Param("alpha_n", 0.8, "scale of the exponential for x <= 0 (learnable, initial value)", positive=True),
        Param("beta", 0.5, "the slope at 0 (fixed)", minimum=0.0),
        Param("eps", -1e-6, "the exponential's argument is min(x, eps), as in the reference code", maximum=0.0),
    ],
    formula=r"\alpha_p x^{2} + \beta x\ (x > 0),\quad \alpha_n (e^{\min(x, \epsilon)} - 1 - x) + \beta x\ (x \leq 0)",
    derivative=_xielu_grad,
    derivative_formula=r"2\alpha_p x + \beta\ (x > 0),\quad \alpha_n (e^{x} - 1) + \beta\ (x < \epsilon),"
    r"\quad \beta - \alpha_n\ (\epsilon < x \leq 0)",
    output_range=_xielu_range,
    continuity=lambda alpha_p, alpha_n, beta, eps: "C1" if eps == 0 else "C-1",
    kinks=lambda alpha_p, alpha_n, beta, eps: (eps,) if eps < 0 else (0.0,),
    jumps=lambda alpha_p, alpha_n, beta, eps: (0.0,) if eps < 0 else (),
    kink_convention="As the reference code (Hugging Face XIELUActivation): x = 0 takes the x <= 0 "
    "branch, and the exponential sees min(x, eps), so f jumps by alpha_n (e^eps - 1) = -8e-7 at 0 "
    "and f' = beta - alpha_n = -0.3 on (eps, 0]; at x = eps, torch.minimum passes half the gradient. "
    "eps = 0 gives the paper's smooth form (C1).",
    reference="Huang & Schlag 2024, 'Deriving Activation Functions Using Integration' (arXiv 2411.13010); "
    "defaults and the eps clamp of the Hugging Face transformers implementation",
    notes="alpha_p and alpha_n are learned (reparametrised through softplus); the defaults are their "
    "initial values. For x <= 0 every term is carried in double-double: f has a root at -1.59 and "
    "f' one at ln(0.375) = -0.98 at the defaults.",
)
def xielu(x, alpha_p, alpha_n, beta, eps):
    """xIELU: a quadratic for positive inputs, an integrated ELU for negative ones."""
    return _xielu(x, alpha_p, alpha_n, beta, eps)
