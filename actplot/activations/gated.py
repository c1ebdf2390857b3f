"""Self-gated activations x * g(x): GELU (exact and tanh), SiLU, Mish, hard swish, ELiSH."""

from __future__ import annotations

import math

import numpy as np

from actplot.activations.stable import (
    INV_SQRT_2PI,
    SQRT_2_OVER_PI,
    exp_dd,
    exp_neg_square,
    gelu_grad,
    near_root,
    near_roots,
    sech2,
    sigmoid,
    sigmoid_grad,
    times_normal_cdf,
    times_sigmoid,
    two_prod,
    two_sum,
)
from actplot.declare import OutputRange, Param, activation

# The tanh approximation's cubic coefficient, as a double-double (0.044715 is not a float64).
_GELU_K = (0.044715, 2.1960211427085595e-18)
# 2 * sqrt(2/pi), exactly twice the double-double constant.
_TWO_C = (2.0 * SQRT_2_OVER_PI[0], 2.0 * SQRT_2_OVER_PI[1])


def _gelu_tanh_argument(x):
    """z = 2 sqrt(2/pi) (x + 0.044715 x^3) as hi + lo, so that sigmoid(z) is accurate.

    gelu_tanh(x) = x sigmoid(z). In the left tail sigmoid(z) ~ e^z with |z| up to 113 before the
    result underflows, so an error of one rounding in z would cost ~100 ulp: z is carried in
    double-double arithmetic.
    """
    xc = np.clip(x, -1e4, 1e4)  # beyond, sigmoid(z) is exactly 0 or 1 and the split cannot overflow
    s_hi, s_lo = two_prod(xc, xc)
    k_hi, k_lo = _GELU_K
    p_hi, p_lo = two_prod(np.full_like(xc, k_hi), s_hi)
    p_lo = p_lo + (k_hi * s_lo + k_lo * s_hi)
    w_hi, w_lo = two_sum(np.ones_like(xc), p_hi)
    w_lo = w_lo + p_lo
    v_hi, v_lo = two_prod(xc, w_hi)
    v_lo = v_lo + xc * w_lo
    z_hi, z_lo = two_prod(np.full_like(xc, _TWO_C[0]), v_hi)
    z_lo = z_lo + (_TWO_C[0] * v_lo + _TWO_C[1] * v_hi)
    return xc, z_hi, z_lo


def _gelu_tanh(x):
    xc, z_hi, z_lo = _gelu_tanh_argument(x)
    # sigmoid(z_hi + z_lo) = sigmoid(z_hi) (1 + z_lo sigmoid(-z_hi)) to first order; z_lo ~ 1e-16 z.
    near = times_sigmoid(xc * (1.0 + z_lo * sigmoid(-z_hi)), z_hi)
    # beyond |x| = 1e4, sigmoid(z) is exactly 1 or 0 (|z| > 1e10): f is x or 0
    return np.where(x > 1e4, x, np.where(x < -1e4, 0.0, near))


def _gelu_tanh_grad(x):
    xc, z_hi, z_lo = _gelu_tanh_argument(x)
    s, sm = sigmoid(z_hi), sigmoid(-z_hi)
    # f' = sigma(z) [1 + x z' sigma(-z)], each sigmoid corrected for z_lo; sigma(z) is factored
    # out and applied last (times_sigmoid), as it is subnormal below z = -708 while f' is not
    # (x = -21.2: 174 ulp when it was applied first). 1 + x z' sigma(-z) cancels by up to 1.5
    # left of the root series (x ~ -1.6): x z' = 2 c x (1 + 3k x^2) is carried as a double-double
    # (5.7 ulp in float64, 2.7 so)
    k3_hi, k3_lo = 3.0 * _GELU_K[0], 3.0 * _GELU_K[1]
    x2, x2_lo = two_prod(xc, xc)
    p, p_lo = two_prod(np.full_like(xc, k3_hi), x2)
    p_lo = p_lo + (k3_hi * x2_lo + k3_lo * x2)
    w, w_lo = two_sum(np.ones_like(xc), p)
    w_lo = w_lo + p_lo
    dz, dz_lo = two_prod(np.full_like(xc, _TWO_C[0]), w)
    dz_lo = dz_lo + (_TWO_C[0] * w_lo + _TWO_C[1] * w)
    q, q_lo = two_prod(xc, dz)
    q_lo = q_lo + xc * dz_lo
    r, r_lo = two_prod(q, sm)
    r_lo = r_lo + q_lo * sm
    total, total_lo = two_sum(np.ones_like(xc), r)
    total_lo = total_lo + r_lo + (z_lo * sm + r * z_lo * (sm - s))
    return near_root(x, times_sigmoid(total + total_lo, z_hi), "gelu_tanh")


def _gelu(x, approximate):
    return _gelu_tanh(x) if approximate == "tanh" else times_normal_cdf(x, x)


def _gelu_grad(x, approximate):
    if approximate == "tanh":
        return _gelu_tanh_grad(x)
    return near_root(x, gelu_grad(x), "gelu")


def _gelu_curvature(x, approximate):
    if approximate == "tanh":
        return _gelu_tanh_curvature(x)
    # phi(x) (2 - x^2): 2 - x^2 from the exact square (it vanishes at sqrt 2), the Gaussian in
    # two halves (phi is subnormal from |x| = 37.5 where x^2 phi(x) is not)
    xc = np.clip(x, -40.0, 40.0)
    hi, lo = two_prod(xc, xc)
    s, e = two_sum(np.full_like(xc, 2.0), -hi)
    half = exp_neg_square(xc, 0.25)
    return (((s + (e - lo)) * INV_SQRT_2PI) * half) * half


def _gelu_tanh_curvature(x):
    """sech^2(u) (c (1 + 6k x^2) - c^2 x tanh(u) (1 + 3k x^2)^2), u = c (x + k x^3)."""
    xc, z_hi, z_lo = _gelu_tanh_argument(x)  # z = 2u
    c = _TWO_C[0] / 2.0
    k = _GELU_K[0]
    x2 = xc * xc
    w = 1.0 + 3.0 * k * x2
    t = np.tanh(0.5 * z_hi) + 0.5 * z_lo * sech2(0.5 * z_hi)
    bracket = c * (1.0 + 6.0 * k * x2) - c * c * xc * t * w * w
    # sech^2(u) = 4 sigma'(z), subnormal far out: as two halves of e^-|z|
    # sigma'(z + lo) = sigma'(z) (1 - lo tanh(z/2)): z's rounding, times |z| ~ 600 in the tail
    correction = 1.0 - z_lo * np.tanh(0.5 * z_hi)
    a = np.minimum(np.abs(z_hi), 1500.0)
    deep = a > 600.0
    half = np.exp(-0.5 * np.where(deep, a, 0.0))
    far = ((4.0 * bracket * correction) * half) * half
    direct = np.where(deep, far, 4.0 * sigmoid_grad(z_hi) * correction * bracket)
    # the bracket vanishes at |x| = 1.4185 (the inflection points): Taylor series there
    return near_roots(x, direct, "gelu_tanh", 2)


def _mish_curvature(x):
    xc = np.clip(x, -700.0, 300.0)
    # softplus as x + log1p(e^-x) (hi + lo) for x > 0: sech^2(sp) ~ 4 e^(-2 sp) multiplies its
    # rounding by 2 sp (60 ulp at x = 33 otherwise)
    pos = np.maximum(xc, 0.0)
    sp_pos, sp_lo = two_sum(pos, np.log1p(np.exp(-pos)))
    sp = np.where(xc > 0, sp_pos, np.log1p(np.exp(np.minimum(xc, 0.0))))
    sp_lo = np.where(xc > 0, sp_lo, 0.0)
    s, sm = sigmoid(xc), sigmoid(-xc)
    t = np.tanh(sp)
    bracket = 2.0 * s + xc * s * sm - 2.0 * xc * s * s * t
    # far left: sech^2(sp) = 1, sigma = e^x: f'' = e^x (2 + x) to double precision
    half = np.exp(0.5 * np.minimum(x, 0.0))
    left = ((2.0 + np.maximum(x, -1e5)) * half) * half
    # far right: sech^2(sp) = 4 e^(-2x), the bracket 2 - 2x: as two halves (e^-2x is subnormal
    # from x = 354 where the product is not)
    xr = np.clip(x, 0.0, 1e4)
    quarter = np.exp(-xr)
    right = ((4.0 * (2.0 - 2.0 * xr)) * quarter) * quarter
    inside = sech2(sp) * (1.0 - 2.0 * sp_lo * t) * bracket
    direct = np.where(x < -600.0, np.where(x < -1e5, 0.0, left), np.where(x > 300.0, right, inside))
    return near_roots(x, direct, "mish", 2)  # the inflection points -2.2564 and 1.4906


def _elish_curvature(x):
    s, sm = sigmoid(x), sigmoid(-x)
    xn = np.minimum(x, 0.0)
    e = np.exp(xn)
    ds = s * sm
    negative = e * s + 2.0 * e * ds + np.expm1(xn) * ds * (sm - s)
    return np.where(x >= 0, _silu_curvature(x), near_roots(x, negative, "elish", 1))


@activation(
    "gelu",
    second_derivative=_gelu_curvature,
    second_derivative_formula=r"\varphi(x)\,(2 - x^{2})",
    aliases=("gaussian_error_linear_unit",),
    params=[
        Param(
            "approximate",
            "none",
            "'none' for the exact erf form, 'tanh' for the approximation",
            choices=("none", "tanh"),
        )
    ],
    family="gated",
    formula=r"x\,\Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}\frac{x}{\sqrt{2}}\right)",
    derivative=_gelu_grad,
    derivative_formula=r"\Phi(x) + x\,\varphi(x)",
    output_range=lambda approximate: OutputRange.between(
        -0.17004075057125406 if approximate == "tanh" else -0.16997120747990366,
        math.inf,
        True,
    ),
    continuity="C∞",
    reference="Hendrycks & Gimpel 2016",
    notes="Below x = -1 the left tail is phi(x) times the Mills ratio from its continued fraction "
    "(scipy's erfcx is up to 4 ulp off), accurate down to the underflow at x = -38; PyTorch's "
    "0.5x(1 + erf(x/sqrt 2)) returns exactly 0 below x = -8.37. f and f' are within 4 ulp.",
)
def gelu(x, approximate):
    """Gaussian error linear unit: x weighted by the standard normal CDF."""
    return _gelu(x, approximate)


@activation(
    "gelu_tanh",
    second_derivative=_gelu_tanh_curvature,
    second_derivative_formula=r"\mathrm{sech}^{2}u\,\left(c(1 + 6kx^{2}) - c^{2}x\tanh(u)(1 + 3kx^{2})^{2}\right),"
    r"\ u = c(x + kx^{3})",
    aliases=("gelu_new", "approximate_gelu"),
    family="gated",
    formula=r"\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^{3})\right)\right)",
    derivative=_gelu_tanh_grad,
    derivative_formula=r"\frac{1 + t}{2} + \frac{x}{2}(1 - t^{2})\sqrt{2/\pi}(1 + 0.134145 x^{2})",
    output_range=OutputRange.between(-0.17004075057125406, math.inf, True),
    continuity="C∞",
    reference="Hendrycks & Gimpel 2016 (tanh approximation)",
    notes="Equal to gelu:approximate=tanh; JAX's default GELU. Computed as x sigmoid(2u), which "
    "avoids the cancellation in 1 + tanh(u) that makes PyTorch return 0 below x = -7.15; "
    "1 + x u' sigma(-2u) in f' is carried in double-double where it cancels.",
)
def gelu_tanh(x):
    """GELU's tanh approximation, the default GELU of JAX."""
    return _gelu_tanh(x)


def _scaled(x, beta, beta_lo=0.0):
    """beta x as hi + lo (lo = 0 at beta = 1, and where |beta x| > 1e4). ``beta_lo``: the low
    part of a constant that is not a float64 (quick_gelu's 1.702)."""
    if beta == 1.0 and beta_lo == 0.0:
        return x, np.zeros_like(x)
    with np.errstate(over="ignore"):
        z = np.clip(beta * x, -1e300, 1e300)  # beyond, sigma(z) is 0 or 1 exactly: no inf - inf
    small = np.abs(z) < 1e4
    xs = np.where(small, x, 0.0)
    _, lo = two_prod(xs, np.full_like(z, beta))
    return z, np.where(small, lo + beta_lo * xs, 0.0)


def _silu_grad(x, beta=1.0, beta_lo=0.0):
    # d/dx x sigma(beta x) = silu'(beta x): sigma(z) (1 + z sigma(-z)) at z = beta x, with the
    # low part of beta x carried into the series near the root and into the sigmoid elsewhere
    z, z_lo = _scaled(x, beta, beta_lo)
    s, s_minus = sigmoid(z), sigmoid(-z)
    # silu'(z + lo) = sigma(z) [1 + z sigma(-z) + lo sigma(-z) (2 + z (sigma(-z) - sigma(z)))]
    bracket = (1.0 + z * s_minus) + z_lo * s_minus * (2.0 + z * (s_minus - s))
    direct = times_sigmoid(bracket, z)
    return near_root(z, direct, "silu", z_lo)


#: Beyond |beta x| = 600 the curvature is e^-|z| (2 - |z|) times beta, applied in two halves.
_SILU_DEEP = 600.0


def _silu_curvature(x, beta=1.0, beta_lo=0.0):
    """beta silu''(z) at z = beta x: beta sigma'(z) (2 - z tanh(z/2)).

    The bracket is even in z and vanishes at |z| = 2.3994 (silu's inflection points), where its
    terms cancel: with a = |z| it is ((2 - a) + (2 + a) e^-a) / (1 + e^-a), the numerator formed
    in double-double from e^-a in double-double, so it keeps its digits at the root too."""
    z, z_lo = _scaled(x, beta, beta_lo)
    a = np.minimum(np.abs(z), 745.0)
    e, e_lo = exp_dd(-a)
    two = np.full_like(a, 2.0)
    plus, plus_lo = two_sum(two, a)
    p, p_lo = two_prod(plus, e)
    p_lo = p_lo + plus * e_lo + plus_lo * e
    minus, minus_lo = two_sum(two, -a)
    total, total_lo = two_sum(minus, p)
    bracket = (total + (total_lo + minus_lo + p_lo)) / (1.0 + e)
    # the low part of beta x, to first order: d bracket / dz = -tanh(z/2) - (z/2) sech^2(z/2)
    bracket = bracket + z_lo * (-np.tanh(0.5 * z) - 0.5 * z * sech2(0.5 * z))
    # sigma'(z + lo) = sigma'(z) (1 - lo tanh(z/2)) to first order
    near = beta * sigmoid_grad(z) * (1.0 - z_lo * np.tanh(0.5 * z)) * bracket
    # far out sigma'(z) ~ e^-|z| is subnormal while the product is not: two halves, and the
    # low part of beta x in the exponent (e^-|z + lo| = e^-|z| (1 - sign(z) lo))
    ad = np.where(np.abs(z) > _SILU_DEEP, np.minimum(np.abs(z), 800.0), 0.0)
    half = np.exp(-0.5 * ad)
    deep = ((beta * (2.0 - ad) * (1.0 - np.sign(z) * z_lo)) * half) * half
    return np.where(np.abs(z) > _SILU_DEEP, np.where(np.abs(z) > 800.0, 0.0, deep), near)


def _silu(x, beta=1.0, beta_lo=0.0):
    z, z_lo = _scaled(x, beta, beta_lo)
    return times_sigmoid(x * (1.0 + z_lo * sigmoid(-z)), z)


@activation(
    "silu",
    second_derivative=_silu_curvature,
    second_derivative_formula=r"\beta\,\sigma(\beta x)\sigma(-\beta x)\,(2 - \beta x \tanh(\beta x / 2))",
    aliases=("swish", "swish1"),
    params=[Param("beta", 1.0, "swish's β: x σ(βx) (Ramachandran et al. 2017); 1 is SiLU, PyTorch's", positive=True)],
    family="gated",
    formula=r"x\,\sigma(\beta x)",
    derivative=_silu_grad,
    derivative_formula=r"\sigma(\beta x)\,(1 + \beta x\,\sigma(-\beta x))",
    # x sigma(beta x) = silu(beta x) / beta: the minimum scales by 1/beta
    output_range=lambda beta: OutputRange.between(-0.2784645427610738 / beta, math.inf, True),
    continuity="C∞",
    reference="Hendrycks & Gimpel 2016; Elfwing, Uchibe & Doya 2017; Ramachandran, Zoph & Le 2017 (swish, β)",
    notes="silu = swish with β = 1 (PyTorch's SiLU has no β); swish:beta=2 is x σ(2x).",
)
def silu(x, beta):
    """Sigmoid linear unit (swish): x weighted by the sigmoid of beta x."""
    return _silu(x, beta)


def _mish_grad(x):
    sp = np.logaddexp(0.0, x)
    # Below x = -600, tanh(sp) = sp = e^x to double precision: both terms become e^x scaled.
    deep = x < -600.0
    direct = np.where(deep, times_sigmoid(1.0 + x, x), np.tanh(sp) + times_sigmoid(x, x) * sech2(sp))
    return near_root(x, direct, "mish")


@activation(
    "mish",
    second_derivative=_mish_curvature,
    second_derivative_formula=r"\mathrm{sech}^{2}(s)\left(2\sigma + x\sigma(1-\sigma) - 2x\sigma^{2}\tanh s\right),"
    r"\ s = \mathrm{softplus}(x)",
    family="gated",
    formula=r"x \tanh(\mathrm{softplus}(x))",
    derivative=_mish_grad,
    derivative_formula=r"\tanh(\mathrm{sp}(x)) + x\,\sigma(x)\,\mathrm{sech}^{2}(\mathrm{sp}(x))",
    output_range=OutputRange.between(-0.30884341301725043, math.inf, True),
    continuity="C∞",
    reference="Misra 2019",
)
def mish(x):
    """Mish: x times the tanh of its softplus."""
    # Below x = -600, tanh(softplus(x)) = e^x to double precision, and subnormal: scale it.
    return np.where(x < -600.0, times_sigmoid(x, x), x * np.tanh(np.logaddexp(0.0, x)))


@activation(
    "hardswish",
    second_derivative=lambda x: np.where((x > -3) & (x < 3), 1.0 / 3.0, 0.0),
    second_derivative_formula=r"\frac{1}{3}\ (|x| < 3),\quad 0\ \text{otherwise (at } \pm 3 \text{ too, PyTorch)}",
    aliases=("hard_swish", "hard_silu"),
    family="gated",
    formula=r"x\,\frac{\mathrm{relu6}(x + 3)}{6}",
    derivative=lambda x: np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (2.0 * np.clip(x, -3.0, 3.0) + 3.0) / 6.0)),
    derivative_formula=r"0\ (x < -3),\quad \frac{2x + 3}{6}\ (|x| < 3),\quad 1\ (x > 3)",
    output_range="[-0.375, inf)",
    continuity="C0",
    kinks=(-3.0, 3.0),
    kink_convention="f'(-3) = 0 and f'(3) = 1 (the outer pieces' slopes), as PyTorch's autograd returns.",
    reference="Howard et al. 2019",
)
def hardswish(x):
    """Hard swish: x gated by the piecewise-linear hard sigmoid (MobileNetV3)."""
    xc = np.clip(x, -3.0, 3.0)  # the discarded branch must not overflow at 1e308
    return np.where(x <= -3, 0.0, np.where(x >= 3, x, xc * (xc + 3.0) / 6.0))


def _elish_grad(x):
    s, sm = sigmoid(x), sigmoid(-x)
    xn = np.minimum(x, 0.0)
    negative = np.exp(xn) * s + np.expm1(xn) * s * sm
    return np.where(x >= 0, s * (1.0 + x * sm), near_root(x, negative, "elish"))


@activation(
    "elish",
    second_derivative=_elish_curvature,
    second_derivative_formula=r"\text{silu}''(x)\ (x \geq 0),"
    r"\quad e^{x}\sigma + 2e^{x}\sigma' + (e^{x}-1)\sigma''\ (x < 0)",
    family="gated",
    formula=r"x\,\sigma(x)\ (x \geq 0),\quad (e^{x} - 1)\,\sigma(x)\ (x < 0)",
    derivative=_elish_grad,
    derivative_formula=(
        r"\sigma(x)(1 + x\sigma(-x))\ (x \geq 0),\quad e^{x}\sigma(x) + (e^{x}-1)\sigma(x)\sigma(-x)\ (x < 0)"
    ),
    output_range=OutputRange.between(2 * math.sqrt(2) - 3, math.inf, True),
    continuity="C1",
    kinks=(0.0,),
    reference="Basirat & Roth 2018",
)
def elish(x):
    """Exponential linear sigmoid squashing: SiLU above 0, ELU times sigmoid below."""
    return np.where(x >= 0, x, np.expm1(np.minimum(x, 0.0))) * sigmoid(x)
