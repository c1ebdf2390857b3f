"""Numerically stable building blocks shared by several built-ins.

Each exists because the textbook formula loses accuracy somewhere in [-1000, 1000]; the comment
on each says where. Inputs are float64 arrays (``numerics.evaluate`` computes in float64 and rounds
to the requested dtype at the end). scipy.special is imported inside the functions that need it,
so that loading the registry (``actplot list``) never pays for it.
"""

from __future__ import annotations

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
    s = 1.0 / (1.0 + e)
    return (e * s) * s


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
    return 4.0 * sigmoid_grad(2.0 * x)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x), the standard normal CDF, accurate in the far left tail.

    ``0.5 * erfc(-x / sqrt 2)`` (and scipy's ndtr) round ``x / sqrt 2`` first, an error the left
    tail multiplies by x**2 (5e12 ulp near x = -37). For x < 0 this uses the scaled erfcx, which
    is insensitive to that rounding, times an exactly-squared Gaussian.
    """
    return times_normal_cdf(np.ones_like(x), x)


def times_normal_cdf(factor: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``factor * Phi(x)``; in the far tail Phi(x) is subnormal while x Phi(x) is not, so the
    Gaussian is applied as two halves exp(-x^2/4), keeping intermediates normal."""
    from scipy import special

    # Below -1 the erfcx form (scipy's erfcx is within ~6.5 ulp); above, ndtr is better (~3 ulp).
    left = np.minimum(x, -1.0)
    quarter = exp_neg_square(left, 0.25)
    tail = ((0.5 * factor) * special.erfcx(-left * SQRT_HALF) * quarter) * quarter
    return np.where(x < -1.0, tail, factor * special.ndtr(np.maximum(x, -1.0)))


def normal_pdf(x: np.ndarray) -> np.ndarray:
    """phi(x) = exp(-x**2/2) / sqrt(2 pi), with the square kept exact."""
    return INV_SQRT_2PI * exp_neg_square(x, 0.5)


def horner(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Evaluate sum(c[k] * x**k) by Horner's rule."""
    result = np.full_like(x, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = result * x + c
    return result
