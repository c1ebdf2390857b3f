"""S-shaped (squashing) functions: sigmoid, tanh, arctan, softsign, their hard and sparse versions."""

from __future__ import annotations

import math

import numpy as np

from actplot.activations.stable import horner, isru_curvature, sech2, sigmoid_grad
from actplot.activations.stable import sigmoid as _sigmoid
from actplot.declare import OutputRange, Param, activation


@activation(
    "sigmoid",
    second_derivative=lambda x: -sigmoid_grad(x) * np.tanh(0.5 * x),
    second_derivative_formula=r"-\sigma(x)\sigma(-x)\tanh(x/2)",
    aliases=("logistic", "expit"),
    family="sigmoid",
    formula=r"\frac{1}{1 + e^{-x}}",
    derivative=sigmoid_grad,
    derivative_formula=r"\sigma(x)\,\sigma(-x)",
    output_range="(0, 1)",
    continuity="C∞",
    reference="Verhulst 1838; Rumelhart, Hinton & Williams 1986",
    notes="f' is computed as sigma(x) sigma(-x) from one shared exponential, so it stays accurate "
    "in the tails; PyTorch computes it from the rounded output, s(1-s), which is exactly 0 "
    "from x = 36.74 (float32: 16.64) although the true gradient is a normal float up to x = 708.",
)
def sigmoid(x):
    """The logistic sigmoid, squashing the reals into (0, 1)."""
    return _sigmoid(x)


@activation(
    "tanh",
    second_derivative=lambda x: -2.0 * np.tanh(x) * sech2(x),
    second_derivative_formula=r"-2\tanh x\,\mathrm{sech}^{2}x",
    aliases=("hyperbolic_tangent",),
    family="sigmoid",
    formula=r"\tanh x",
    derivative=sech2,
    derivative_formula=r"\mathrm{sech}^{2} x",
    output_range="(-1, 1)",
    continuity="C∞",
    reference="LeCun, Bottou, Orr & Müller 1998",
    notes="f' is computed as sech^2 x = 4 sigma'(2x); PyTorch computes 1 - tanh^2 from the rounded "
    "output, which is exactly 0 for |x| >= 19.06 (float32: 9.01) although the true value is "
    "normal up to |x| = 354.",
)
def tanh(x):
    """The hyperbolic tangent, squashing the reals into (-1, 1)."""
    return np.tanh(x)


def _arctan_grad(x):
    a = np.abs(x)
    # 1 + x^2 overflows beyond 1e154; there 1/(1 + x^2) == (1/x)/x in float64.
    small = np.minimum(a, 1e150)
    big = np.maximum(a, 1e150)
    return np.where(a < 1e150, 1.0 / (1.0 + small * small), (1.0 / big) / big)


def _arctan_curvature(x):
    """-2x / (1 + x^2)^2, dividing twice so the square cannot overflow (it would from |x| = 1e77,
    where the result, -2/x^3, is still a normal float)."""
    with np.errstate(over="ignore"):  # 1 + x^2 = inf from |x| = 1.3e154, where the result is 0
        u = 1.0 + x * x
    with np.errstate(over="ignore", invalid="ignore"):  # -2x overflows at 9e307, where u is inf
        return np.where(np.isinf(u), 0.0, (-2.0 * x / u) / u)


@activation(
    "arctan",
    second_derivative=_arctan_curvature,
    second_derivative_formula=r"-\frac{2x}{(1 + x^{2})^{2}}",
    aliases=("atan",),
    family="sigmoid",
    formula=r"\arctan x",
    derivative=_arctan_grad,
    derivative_formula=r"\frac{1}{1 + x^{2}}",
    output_range=OutputRange.between(-math.pi / 2, math.pi / 2),
    continuity="C∞",
    notes="The inverse of the circular tangent (not of tanh).",
)
def arctan(x):
    """The inverse tangent, squashing the reals into (-pi/2, pi/2)."""
    return np.arctan(x)


def _softsign_curvature(x):
    r = 1.0 / (1.0 + np.abs(x))  # the cube as a product: no overflow where the result is a float
    return -2.0 * np.sign(x) * (r * r * r)


@activation(
    "softsign",
    second_derivative=lambda x: _softsign_curvature(x),
    second_derivative_formula=r"-\frac{2\,\mathrm{sign}(x)}{(1 + |x|)^{3}}\ \text{(0 at 0, PyTorch)}",
    aliases=("soft_sign", "elliott"),
    family="sigmoid",
    formula=r"\frac{x}{1 + |x|}",
    derivative=lambda x: (1.0 / (1.0 + np.abs(x))) ** 2,
    derivative_formula=r"\frac{1}{(1 + |x|)^{2}}",
    output_range="(-1, 1)",
    continuity="C1",
    kinks=(0.0,),
    kink_convention="C1 at 0: f'(0) = 1 from both sides, as PyTorch returns.",
    reference="Elliott 1993; Glorot & Bengio 2010",
)
def softsign(x):
    """Softsign: a sigmoid with polynomial rather than exponential tails."""
    return x / (1.0 + np.abs(x))


@activation(
    "hardsigmoid",
    second_derivative=lambda x: np.zeros_like(x),
    second_derivative_formula=r"0",
    aliases=("hard_sigmoid",),
    family="sigmoid",
    formula=r"\min(\max(0, \frac{x+3}{6}), 1)",
    derivative=lambda x: np.where((x > -3) & (x < 3), 1.0 / 6.0, 0.0),
    derivative_formula=r"\frac{1}{6}\ (|x| < 3),\quad 0\ \text{otherwise}",
    output_range="[0, 1]",
    continuity="C0",
    kinks=(-3.0, 3.0),
    kink_convention="f'(±3) = 0, as PyTorch's autograd returns.",
    reference="Courbariaux, Bengio & David 2015; Howard et al. 2019",
    notes="f' = 1/6 exactly; PyTorch's float64 backward returns float32(1/6) = 0.16666667163, "
    "a rounding shortcut actplot does not copy. Keras 2 used clip(0.2x + 0.5, 0, 1) instead.",
)
def hardsigmoid(x):
    """Hard sigmoid: the piecewise-linear relu6(x + 3) / 6."""
    # (x + 3) / 6 rather than x/6 + 1/2: near x = -3 the latter cancels; x + 3 is exact there.
    return np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (x + 3.0) / 6.0))


@activation(
    "logsigmoid",
    second_derivative=lambda x: -sigmoid_grad(x),
    second_derivative_formula=r"-\sigma(x)\sigma(-x)",
    aliases=("log_sigmoid",),
    family="sigmoid",
    formula=r"\log \sigma(x) = -\log(1 + e^{-x})",
    derivative=lambda x: _sigmoid(-x),
    derivative_formula=r"\sigma(-x)",
    output_range="(-inf, 0)",
    continuity="C∞",
)
def logsigmoid(x):
    """The log of the sigmoid, -softplus(-x)."""
    return -np.logaddexp(0.0, -x)


@activation(
    "sparse_sigmoid",
    second_derivative=lambda x: np.zeros_like(x),
    second_derivative_formula=r"0",
    family="sigmoid",
    formula=r"\frac{1}{2}\,\mathrm{clip}(x + 1, 0, 2)",
    derivative=lambda x: np.where((x > -1) & (x < 1), 0.5, 0.0),
    derivative_formula=r"\frac{1}{2}\ (|x| < 1),\quad 0\ \text{otherwise}",
    output_range="[0, 1]",
    continuity="C0",
    kinks=(-1.0, 1.0),
    kink_convention="f'(±1) = 0, as PyTorch returns for hardsigmoid and hardtanh (no torch version).",
    reference="Blondel, Martins & Niculae 2020",
)
def sparse_sigmoid(x):
    """Sparse sigmoid: the 2-class sparsemax, linear between -1 and 1."""
    return np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, 0.5 * (x + 1.0)))


@activation(
    "isru",
    second_derivative=isru_curvature,
    second_derivative_formula=r"-3\alpha x (1 + \alpha x^{2})^{-5/2}",
    aliases=("inverse_square_root_unit",),
    params=[Param("alpha", 1.0, "the asymptotes are ±1/sqrt(alpha)", positive=True)],
    family="sigmoid",
    formula=r"\frac{x}{\sqrt{1 + \alpha x^{2}}}",
    derivative=lambda x, alpha: (1.0 + _alpha_x2(x, alpha)) ** -1.5,
    derivative_formula=r"(1 + \alpha x^{2})^{-3/2}",
    output_range=lambda alpha: OutputRange.between(-1.0 / math.sqrt(alpha), 1.0 / math.sqrt(alpha)),
    continuity="C∞",
    reference="Carlile et al. 2017",
)
def isru(x, alpha):
    """Inverse square root unit: a sigmoid with algebraic tails."""
    t = _alpha_x2(x, alpha)
    # where alpha x^2 overflows, 1 + alpha x^2 is alpha x^2 to far below an ulp
    return np.where(np.isinf(t), np.sign(x) / math.sqrt(alpha), x / np.sqrt(1.0 + t))


def _alpha_x2(x, alpha):
    """alpha x^2 as (alpha |x|) |x|: finite wherever the true value is (alpha = 1e-300 at
    x = 1e200 gives 1e100, where x * x alone overflows), inf only where it is above 1.8e308."""
    ax = np.abs(x)
    with np.errstate(over="ignore"):  # inf is the answer there (see isru)
        return (alpha * ax) * ax


@activation(
    "sqnl",
    second_derivative=lambda x: np.where(np.abs(x) > 2, 0.0, -0.5 * np.sign(x)),
    second_derivative_formula=r"-\frac{\mathrm{sign}(x)}{2}\ (|x| \leq 2),\quad 0\ \text{otherwise}",
    aliases=("square_nonlinearity",),
    family="sigmoid",
    formula=r"\mathrm{sign}(x)\ (|x| > 2),\quad x - \mathrm{sign}(x)\frac{x^{2}}{4}\ \text{otherwise}",
    derivative=lambda x: np.where(np.abs(x) > 2, 0.0, 1.0 - 0.5 * np.abs(x)),
    derivative_formula=r"1 - \frac{|x|}{2}\ (|x| \leq 2),\quad 0\ \text{otherwise}",
    output_range="[-1, 1]",
    continuity="C1",
    kinks=(-2.0, 0.0, 2.0),
    reference="Wuraola & Patel 2018",
)
def sqnl(x):
    """Square nonlinearity: a quadratic sigmoid that saturates exactly at ±2."""
    # x (1 - |x|/4) rather than x - x^2/4: a product, so no cancellation.
    xc = np.clip(x, -2.0, 2.0)  # the discarded branch must not overflow at 1e308
    return np.where(x > 2, 1.0, np.where(x < -2, -1.0, xc * (1.0 - 0.25 * np.abs(xc))))


def _smht_clip(x, a, b, c, d):
    """x clamped where every exponent stays finite: beyond, f and f' have reached their limits
    (0, a constant or inf) long before, and 2m - (a + c)x would be inf - inf = nan at 1e308."""
    bound = 1e307 / max(1.0, a, b, c, d)
    return np.clip(x, -bound, bound)


def _smht_parts(x, a, b, c, d):
    # Dividing numerator and denominator by e^m, m = max(cx, -dx), keeps every exponential <= 1.
    x = _smht_clip(x, a, b, c, d)
    m = np.maximum(c * x, -d * x)
    p, q = a * x - m, -b * x - m
    top = np.maximum(p, q)
    # e^p - e^q = sign(p - q) e^max (1 - e^-|p-q|): expm1 keeps it exact near x = 0.
    numerator = np.sign(p - q) * np.exp(top) * -np.expm1(-np.abs(p - q))
    denominator = 1.0 + np.exp(-np.abs((c + d) * x))
    return m, numerator, denominator


def _smht(x, a, b, c, d):
    _, numerator, denominator = _smht_parts(x, a, b, c, d)
    return numerator / denominator


def _smht_grad(x, a, b, c, d):
    # Expanding the quotient rule leaves four exponentials over (e^cx + e^-dx)^2; at
    # a = b = c = d = 1 two vanish and the rest is 4 / (e^x + e^-x)^2 = sech^2, with no cancellation.
    m, _, denominator = _smht_parts(x, a, b, c, d)
    x = _smht_clip(x, a, b, c, d)
    terms = (
        (a - c) * np.exp((a + c) * x - 2 * m)
        + (a + d) * np.exp((a - d) * x - 2 * m)
        + (b + c) * np.exp((c - b) * x - 2 * m)
        + (b - d) * np.exp(-(b + d) * x - 2 * m)
    )
    return terms / (denominator * denominator)


def _smht_curvature(x, a, b, c, d):
    """f'' of N/D. With a = c and b = d, f is tanh((a + b) x / 2) exactly, and f'' is
    -2k^2 tanh(kx) sech^2(kx): no cancellation (the quotient rule's four terms cancel near 0).
    Otherwise the quotient rule with every exponential scaled by e^-m, m = max(cx, -dx)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if a == c and b == d:
            k = 0.5 * (a + b)
            kx = np.clip(k * x, -1e300, 1e300)
            return -2.0 * k * k * np.tanh(kx) * sech2(kx)
        xc = _smht_clip(x, a, b, c, d)
        m = np.maximum(c * xc, -d * xc)
        ep, eq = np.exp(a * xc - m), np.exp(-b * xc - m)
        ec, ed = np.exp(c * xc - m), np.exp(-d * xc - m)
        n, n1, n2 = ep - eq, a * ep + b * eq, a * a * ep - b * b * eq
        den, d1, d2 = ec + ed, c * ec - d * ed, c * c * ec + d * d * ed
        value = (n2 * den * den - n * d2 * den - 2.0 * n1 * d1 * den + 2.0 * n * d1 * d1) / (den * den * den)
        return np.where(np.isfinite(value), value, 0.0)


@activation(
    "smht",
    second_derivative=_smht_curvature,
    second_derivative_formula=r"\frac{N''D^{2} - N D'' D - 2 N' D' D + 2 N D'^{2}}{D^{3}},"
    r"\ N = e^{ax} - e^{-bx},\ D = e^{cx} + e^{-dx}",
    aliases=("soboleva_modified_hyperbolic_tangent",),
    params=[
        Param("a", 1.0, "growth rate of the positive exponential", positive=True),
        Param("b", 1.0, "decay rate of the negative exponential", positive=True),
        Param("c", 1.0, "growth rate in the denominator", positive=True),
        Param("d", 1.0, "decay rate in the denominator", positive=True),
    ],
    family="sigmoid",
    formula=r"\frac{e^{ax} - e^{-bx}}{e^{cx} + e^{-dx}}",
    derivative=_smht_grad,
    derivative_formula=(
        r"\frac{(a-c)e^{(a+c)x} + (a+d)e^{(a-d)x} + (b+c)e^{(c-b)x} + (b-d)e^{-(b+d)x}}{(e^{cx} + e^{-dx})^{2}}"
    ),
    output_range=lambda a, b, c, d: "(-1, 1)" if (a <= c and b <= d) else "(-inf, inf)",
    continuity="C∞",
    reference="Soboleva & Beskorovainyi 2008",
    notes="No canonical defaults exist; a = b = c = d = 1 reduces to tanh.",
)
def smht(x, a, b, c, d):
    """Soboleva's modified hyperbolic tangent, a tanh with four independent rates."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _smht(x, a, b, c, d)


# x cosh x - sinh x = sum_{k>=1} 2k x^(2k+1) / (2k+1)!: all terms positive, 13 reach 1e-20 at |x| = 1.5.
_TANHSHRINK_SERIES = tuple(2 * k / math.factorial(2 * k + 1) for k in range(1, 14))


def _tanhshrink(x):
    small = np.abs(x) < 1.5
    xs = np.where(small, x, 0.0)
    # x - tanh x cancels completely near 0 (x = 1e-10 gives 0 against 3.3e-31); the series of the
    # numerator of (x cosh x - sinh x) / cosh x has no cancellation.
    series = xs * xs * xs * horner(xs * xs, _TANHSHRINK_SERIES) / np.cosh(xs)
    return np.where(small, series, x - np.tanh(x))


@activation(
    "tanhshrink",
    second_derivative=lambda x: 2.0 * np.tanh(x) * sech2(x),
    second_derivative_formula=r"2\tanh x\,\mathrm{sech}^{2}x",
    aliases=("tanh_shrink",),
    family="shrinkage",
    formula=r"x - \tanh x",
    derivative=lambda x: np.tanh(x) ** 2,
    derivative_formula=r"\tanh^{2} x",
    output_range=(-math.inf, math.inf),
    continuity="C∞",
    kink_convention="Smooth; f'(0) = 0 is a genuine stationary point.",
)
def tanhshrink(x):
    """Tanh shrinkage: what tanh takes away from the identity."""
    return _tanhshrink(x)
