"""Numerically stable building blocks shared by several built-ins.

Each exists because the textbook formula loses accuracy somewhere in [-1000, 1000]; the comment
on each says where. Inputs are float64 arrays (``numerics.evaluate`` computes in float64 and rounds
to the requested dtype at the end). scipy.special is imported inside the functions that need it,
so that loading the registry (``actplot list``) never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Double-double constants: (hi, lo) with hi + lo equal to the exact value to ~1e-32.
SQRT_2_OVER_PI = (0.7978845608028654, -4.98465440455546e-17)
INV_SQRT_2PI = 0.3989422804014327
SQRT_HALF = 0.7071067811865476

_SPLITTER = 134217729.0  # 2**27 + 1, Veltkamp's constant for splitting a float64 in two halves


def split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split ``a`` into a high and a low half of 26 bits each, so products of halves are exact."""
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a * b`` as ``p + e`` exactly (Dekker), for |a|, |b| well inside 1e150."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def two_sum(a: np.ndarray, b: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """``a + b`` as ``s + e`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def exp_neg_square(x: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``exp(-scale * x**2)`` for ``scale`` a power of two, accurate to ~1 ulp.

    The naive form rounds ``x*x`` first; at x = 25 that error is multiplied by x**2 = 625 in the
    exponential (400 ulp). Here x**2 is kept exactly as hi + lo and the low part is applied as a
    first-order correction.
    """
    # Beyond |x| = 40 the result underflows to 0 for every scale used here; clamping keeps the
    # splitting below from overflowing.
    xc = np.minimum(np.abs(x), 40.0)
    hi, lo = two_prod(xc, xc)
    e = np.exp(-scale * hi)
    # e - e*lo rounds once; e * (1 - lo) would round twice.
    return e - e * (scale * lo)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, within 2 ulp everywhere, including the subnormal tail below -709.

    scipy's expit computes 1/(1+exp(-x)), which flushes to 0 where exp(-x) overflows; the
    branch on the sign keeps the exponential's argument non-positive.
    """
    e = np.exp(-np.abs(x))
    q = e / (1.0 + e)  # sigmoid(-|x|), accurate to ~1 ulp
    # For x >= 0, 1 - q rounds once and q's own error is far below the result's ulp.
    return np.where(x >= 0, 1.0 - q, q)


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """sigmoid(x) * sigmoid(-x), sharing one exponential.

    The textbook ``s * (1 - s)`` is 1.8e8 ulp off at x = 20 and exactly 0 from x = 36.7.
    """
    e = np.exp(-np.abs(x))
    # e / (1 + e)^2 with the square of 1 + e kept exact (hi^2 + lo): 1.9 ulp worst against
    # 3.9 for e s s with s = 1/(1 + e) (measured over [-40, 40])
    hi, lo = two_sum(np.ones_like(e), e)
    square, square_lo = two_prod(hi, hi)
    square_lo = square_lo + 2.0 * hi * lo
    return (e / square) * (1.0 - square_lo / square)


def times_sigmoid(factor: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``factor * sigmoid(x)``, accurate even where sigmoid(x) alone is subnormal.

    Below x = -708, sigmoid(x) ~ e^x has lost most of its bits to gradual underflow while
    x * e^x (SiLU, Mish) is still a normal float; multiplying by e^(x/2) twice keeps every
    intermediate normal.
    """
    deep = x < -600.0
    half = np.exp(0.5 * np.where(deep, x, 0.0))
    return np.where(deep, (factor * half) * half, factor * sigmoid(x))


def sech2(x: np.ndarray) -> np.ndarray:
    """sech(x)**2 = 1 - tanh(x)**2 without the cancellation (4 sigmoid'(2x))."""
    # 2x overflows beyond 9e307, where sech^2 is 0 long before
    return 4.0 * sigmoid_grad(2.0 * np.clip(x, -1e300, 1e300))


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x), the standard normal CDF, accurate in the far left tail.

    ``0.5 * erfc(-x / sqrt 2)`` (and scipy's ndtr) round ``x / sqrt 2`` first, an error the left
    tail multiplies by x**2 (5e12 ulp near x = -37). For x < 0 this uses the scaled erfcx, which
    is insensitive to that rounding, times an exactly-squared Gaussian.
    """
    return times_normal_cdf(np.ones_like(x), x)


#: Below this x, Phi(x) = phi(x) R(-x) with the Mills ratio R from its continued fraction.
MILLS_FROM = -1.0
#: Terms of the continued fraction: 400 reach 0.8 ulp at t = 1 (measured against mpmath).
MILLS_TERMS = 450


def mills_ratio(t: np.ndarray) -> np.ndarray:
    """R(t) = Q(t) / phi(t) for t >= 1, within 1 ulp: Laplace's continued fraction
    1 / (t + 1 / (t + 2 / (t + 3 / ...))), evaluated backwards (each step shrinks the earlier
    rounding errors). scipy's erfcx, the other way to the tail, is up to 4 ulp off (measured)."""
    out = np.empty_like(t)
    # the fraction converges faster the larger t: 450 terms at t = 1, 100 at t = 2, 60 beyond 3
    for low, high, terms in ((-np.inf, 2.0, MILLS_TERMS), (2.0, 3.0, 100), (3.0, np.inf, 60)):
        part = (t >= low) & (t < high)
        if part.any():
            tp = t[part]
            s = np.zeros_like(tp)
            for k in range(terms, 0, -1):
                s = k / (tp + s)
            out[part] = 1.0 / (tp + s)
    return out


def _gaussian_tail(x: np.ndarray, what: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """``what(x, R(-x)) * exp(-x^2/2)`` where x < MILLS_FROM (0 elsewhere): the Gaussian applied
    last, as two halves exp(-x^2/4), so that intermediates stay normal where the result is."""
    tail = x < MILLS_FROM
    out = np.zeros_like(x)
    if tail.any():
        # below -40, x^k exp(-x^2/2) underflows for every k used here; exp_neg_square clamps there
        # too, and an unclamped x^k would not be cancelled (1e308 * e^-800 = 1e-40, not 0)
        xt = np.maximum(x[tail], -40.0)
        # one exponential where exp(-x^2/2) is normal (each rounding costs up to an ulp); halves
        # only beyond |x| = 37.5, where it is subnormal and x phi(x) may not be
        deep = xt < -37.0
        half = exp_neg_square(xt, 0.5)
        quarter = exp_neg_square(xt, 0.25)
        body = what(xt, mills_ratio(-xt))
        out[tail] = np.where(deep, (body * quarter) * quarter, body * half)
    return out


def times_normal_cdf(factor: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``factor * Phi(x)``; in the far tail Phi(x) is subnormal while x Phi(x) is not, so the
    Gaussian is applied as two halves exp(-x^2/4), keeping intermediates normal."""
    from scipy import special

    factor, x = np.broadcast_arrays(np.asarray(factor, dtype=float), np.asarray(x, dtype=float))
    # Below -1, phi(x) R(-x) with the continued fraction; above, ndtr (~3 ulp, measured) is better.
    tail = np.zeros_like(x)
    deep = x < MILLS_FROM
    if deep.any():
        f = factor[deep]
        tail[deep] = _gaussian_tail(x[deep], lambda xt, r: f * (INV_SQRT_2PI * r))
    # below x = -40, Phi(x) < 1e-350: factor Phi(x) is 0 for the factors used (1 and x)
    return np.where(x < -40.0, 0.0 * factor, np.where(deep, tail, factor * special.ndtr(np.maximum(x, MILLS_FROM))))


def gelu_grad(x: np.ndarray) -> np.ndarray:
    """Phi(x) + x phi(x): in the left tail phi(x) (R(-x) + x) with the Gaussian applied last
    (Phi(x) and x phi(x) are subnormal from x = -37.5 where their sum is still normal)."""
    from scipy import special

    x = np.asarray(x, dtype=float)
    deep = x < -1.5  # R(t) - t cancels at most by 3/2 from here
    tail = np.zeros_like(x)
    if deep.any():
        tail[deep] = _gaussian_tail(x[deep], lambda xt, r: INV_SQRT_2PI * (r + xt))
    near = np.maximum(x, -1.5)
    return np.where(deep, tail, special.ndtr(near) + near * normal_pdf(near))


def normal_pdf(x: np.ndarray) -> np.ndarray:
    """phi(x) = exp(-x**2/2) / sqrt(2 pi), with the square kept exact."""
    return INV_SQRT_2PI * exp_neg_square(x, 0.5)


def horner(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Evaluate sum(c[k] * x**k) by Horner's rule."""
    result = np.full_like(x, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = result * x + c
    return result


def near_root(x: np.ndarray, direct: np.ndarray, name: str, x_lo: np.ndarray | float = 0.0) -> np.ndarray:
    """``direct`` (f' by its formula) with the points within the series' radius of a root of f'
    replaced by the Taylor series there (:mod:`actplot.activations.root_series`).

    Near a root, f' is a difference of two terms that cancel (silu' at its minimum: 6e5 ulp off);
    the series has no cancellation: d = (x - r_hi) - r_lo is exact near r, and c_1 is a
    double-double, so the result is within ~2 ulp.
    """
    from actplot.activations.root_series import SERIES

    r_hi, r_lo, c1_lo, radius, coefficients = SERIES[name]
    inside = np.abs(x - r_hi) < radius
    if not inside.any():
        return direct
    # x_lo: a low part of x when x is itself a double-double (swish's beta x)
    d = ((np.where(inside, x, r_hi) - r_hi) - r_lo) + np.where(inside, x_lo, 0.0)
    rest = d * horner(d, coefficients[1:])
    series = d * ((c1_lo + rest) + coefficients[0])
    return np.where(inside, series, direct)


def near_roots(x: np.ndarray, direct: np.ndarray, name: str, count: int) -> np.ndarray:
    """``direct`` with the Taylor series about each of the ``count`` roots of f'' of ``name``
    (keys "name''0", "name''1", ...) substituted within their radii (see near_root)."""
    for i in range(count):
        direct = near_root(x, direct, f"{name}''{i}")
    return direct


def isru_curvature(x: np.ndarray, alpha: float) -> np.ndarray:
    """-3 alpha x w^5 with w = (1 + alpha x^2)^(-1/2), as -3 alpha (x w) w^4 (see isrlu)."""
    # u = 1 + alpha x^2 as a double-double (|x| <= 1e150: beyond, the result is 0 by far), then
    # x u^(-5/2) = (x / u) u^(-3/2): each factor a float where u^(-5/2) alone would underflow
    xc = np.clip(x, -1e150, 1e150)
    ax, ax_lo = two_prod(np.full_like(xc, alpha), np.abs(xc))
    t, t_lo = two_prod(ax, np.abs(xc))
    t_lo = t_lo + ax_lo * np.abs(xc)
    u, u_lo = two_sum(np.ones_like(xc), t)
    u_lo = u_lo + t_lo
    with np.errstate(over="ignore"):
        inner = (xc / u) * np.power(u, -1.5) * (1.0 - 2.5 * (u_lo / u))
    return np.where(np.abs(x) > 1e150, 0.0, (-3.0 * alpha) * inner)


# ln 2 as a double-double, and 1/n! for n = 0..24 as double-doubles (exact rationals, split once)
LN2 = (0.6931471805599453, 2.3190468138462996e-17)


def _inverse_factorials(count: int) -> tuple[tuple[float, float], ...]:
    from fractions import Fraction

    out = []
    value = Fraction(1)
    for n in range(count):
        if n:
            value /= n
        hi = float(value)
        out.append((hi, float(value - Fraction(hi))))
    return tuple(out)


_INV_FACTORIALS = _inverse_factorials(25)


def exp_dd(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """e^y as a double-double (hi + lo to ~1e-30 relative) for |y| <= 745.

    numpy's exp is within an ulp, but where e^y is itself an exponent (golu's exp(-e^-x)) that
    ulp is multiplied by e^y: 300 ulp at x = -6.5. Here y = k ln 2 + r with r reduced in
    double-double, e^r summed by Horner's rule in double-double (24 terms for |r| <= 0.35), and
    2^k applied exactly.
    """
    if np.iscomplexobj(y):  # a complex-step probe: refuse it rather than drop the imaginary part
        raise TypeError("exp_dd is evaluated for real arguments only")
    y = np.asarray(y, dtype=np.float64)
    k = np.rint(y / LN2[0])
    p, p_lo = two_prod(k, np.full_like(k, LN2[0]))
    r = y - p  # exact: y and k ln 2 agree to within 0.35
    r_lo = -(p_lo + k * LN2[1])
    acc_hi = np.full_like(y, _INV_FACTORIALS[-1][0])
    acc_lo = np.full_like(y, _INV_FACTORIALS[-1][1])
    for c_hi, c_lo in reversed(_INV_FACTORIALS[:-1]):
        # acc = acc * (r + r_lo) + c, in double-double
        m, m_lo = two_prod(acc_hi, r)
        m_lo = m_lo + (acc_lo * r + acc_hi * r_lo)
        acc_hi, s_lo = two_sum(m, c_hi)
        acc_lo = s_lo + (m_lo + c_lo)
        acc_hi, acc_lo = two_sum(acc_hi, acc_lo)
    scale = np.ldexp(1.0, k.astype(np.int64))
    return acc_hi * scale, acc_lo * scale
