"""Classic and textbook activations: identity, binary step, exponential, Gaussian, sine, sinc, bent identity."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actplot.activations.stable import exp_neg_square, horner, two_prod, two_sum
from actplot.declare import OutputRange, activation


@activation(
    "identity",
    second_derivative=lambda x: np.zeros_like(x),
    second_derivative_formula=r"0",
    aliases=("linear",),
    family="linear",
    formula=r"x",
    derivative=lambda x: np.ones_like(x),
    derivative_formula=r"1",
    output_range=(-math.inf, math.inf),
    continuity="C∞",
)
def identity(x):
    """The identity (linear activation): passes its input through unchanged."""
    return np.array(x, copy=True)


@activation(
    "binary_step",
    second_derivative=lambda x: np.zeros_like(x),
    second_derivative_formula=r"0\ (x \neq 0)",
    aliases=("heaviside", "step", "unit_step"),
    family="step",
    formula=r"1\ (x \geq 0),\quad 0\ (x < 0)",
    derivative=lambda x: np.zeros_like(x),
    derivative_formula=r"0\ (x \neq 0)",
    output_range="{0, 1}",
    continuity="C-1",
    jumps=(0.0,),
    kink_convention="f(0) = 1 (torch.heaviside(x, 1)); f'(0) is reported as 0, the value on both "
    "sides: the distributional derivative is a Dirac delta and torch.heaviside has no autograd.",
    reference="McCulloch & Pitts 1943; Rosenblatt 1958",
)
def binary_step(x):
    """The Heaviside step: 1 for x >= 0, 0 below; the perceptron's threshold unit."""
    return np.where(x >= 0, 1.0, 0.0)


def _exp(x):
    # exp(x) above 709.78 exceeds the largest float64: inf is the correctly rounded answer.
    with np.errstate(over="ignore"):
        return np.exp(x)


def _exp_overflowing(x):
    with np.errstate(over="ignore"):  # inf above x = 709.78, where the true value exceeds the largest float
        return np.exp(x)


@activation(
    "exponential",
    second_derivative=lambda x: _exp_overflowing(x),
    second_derivative_formula=r"e^{x}",
    aliases=("exp",),
    family="exponential",
    formula=r"e^{x}",
    derivative=_exp,
    derivative_formula=r"e^{x}",
    output_range="(0, inf)",
    continuity="C∞",
    notes="Overflows to inf above x = 709.78, where the true value exceeds the largest float64.",
)
def exponential(x):
    """The exponential function, as Keras's ``exponential`` activation."""
    return _exp(x)


def _gaussian_grad(x):
    # Two halves: e^(-x^2) is subnormal near |x| = 26.6 where 2x e^(-x^2) is still normal. Beyond
    # |x| = 40 the result underflows to 0; clamping x there keeps -2x finite (1e308: inf * 0 = nan).
    xc = np.clip(x, -40.0, 40.0)
    return (-2.0 * xc * exp_neg_square(xc, 0.5)) * exp_neg_square(xc, 0.5)


def _gaussian_curvature(x):
    """2 (2x^2 - 1) e^(-x^2), with 2x^2 - 1 formed from the exact square (it vanishes at
    +-1/sqrt 2, where a rounded x^2 would leave only its rounding error)."""
    xc = np.clip(x, -40.0, 40.0)  # beyond, e^(-x^2) is 0 by far
    hi, lo = two_prod(xc, xc)
    s, e = two_sum(2.0 * hi, -1.0)
    # e^(-x^2) as two halves: it is subnormal from |x| = 26.6, where 4x^2 e^(-x^2) is not
    half = exp_neg_square(xc, 0.5)
    return ((2.0 * (s + (e + 2.0 * lo))) * half) * half


@activation(
    "gaussian",
    second_derivative=_gaussian_curvature,
    second_derivative_formula=r"2(2x^{2} - 1)\,e^{-x^{2}}",
    aliases=("gauss", "rbf"),
    family="radial",
    formula=r"e^{-x^{2}}",
    derivative=lambda x: _gaussian_grad(x),
    derivative_formula=r"-2x\,e^{-x^{2}}",
    output_range="(0, 1]",
    continuity="C∞",
    reference="radial basis functions (Broomhead & Lowe 1988)",
)
def gaussian(x):
    """The Gaussian bump exp(-x^2), with x^2 kept exact so the tails stay accurate."""
    return exp_neg_square(x)


@activation(
    "sinusoid",
    second_derivative=lambda x: -np.sin(x),
    second_derivative_formula=r"-\sin x",
    aliases=("sin", "sine"),
    family="periodic",
    formula=r"\sin x",
    derivative=np.cos,
    derivative_formula=r"\cos x",
    output_range="[-1, 1]",
    continuity="C∞",
    reference="Lapedes & Farber 1987; Sitzmann et al. 2020 (SIREN)",
)
def sinusoid(x):
    """The sine function, as used in SIREN networks."""
    return np.sin(x)


# d/dx sin(x)/x = sum_{k>=1} (-1)^k 2k x^(2k-1) / (2k+1)!; 15 terms reach 1e-22 at |x| = 2.
_SINC_GRAD_SERIES = tuple((-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(1, 16))


def _sinc_grad_series(x):
    """sinc'(x) for |x| < 2 by its series (no cancellation)."""
    return x * horner(x * x, _SINC_GRAD_SERIES)


def _about_nearest_root(a: np.ndarray, start: float, table: Any) -> tuple[np.ndarray, ...]:
    """For |x| = a in [start, last root + 1.5] (``near``): a there (else the first root), the
    nearest root r of ``table`` (R_HI, R_LO, SIN, COS), d = a - r exactly, sin r and cos r."""
    roots = np.asarray(table.R_HI)
    near = (a >= start) & (a <= table.R_HI[-1] + 1.5)
    ac = np.where(near, a, roots[0])
    i = np.clip(np.searchsorted(roots, ac), 1, roots.size - 1)
    i = np.where(np.abs(ac - roots[i - 1]) <= np.abs(ac - roots[i]), i - 1, i)
    i = np.where(ac < roots[0], 0, i)
    r = roots[i]
    d = (ac - r) - np.asarray(table.R_LO)[i]
    return near, ac, r, d, np.asarray(table.SIN)[i], np.asarray(table.COS)[i]


def _sinc_grad(x):
    from actplot.activations import sinc_roots

    a = np.abs(x)
    small = a < 2.0
    # Near 0, cos(x)/x - sin(x)/x^2 cancels completely; the series has no cancellation there.
    series = _sinc_grad_series(np.where(small, x, 1.0))
    # From 2 to 1100, about the nearest root r of sinc' (tan r = r), with d = x - r exact:
    # x cos x - sin x = cos r (d cos d - sin d) - sin r (r + d) sin d, where neither term
    # cancels (the direct formula is 1.1e15 ulp off at the float nearest 4.4934).
    near, ac, _r, d, sin_r, cos_r = _about_nearest_root(a, 2.0, sinc_roots)
    numerator = cos_r * (d * d * _sinc_grad_series(d)) - sin_r * (ac * np.sin(d))
    rooted = np.sign(x) * (numerator / ac / ac)
    xl = np.where(small | near, 3.0, x)
    direct = (xl * np.cos(xl) - np.sin(xl)) / xl / xl
    return np.where(small, series, np.where(near, rooted, direct))


# sinc''(x) = sum_{k>=1} (-1)^k 2k (2k - 1) x^(2k-2) / (2k + 1)!: below |x| = 1.6, 16 terms reach
# 1e-28 (the root form is 12 ulp off at x = 1.05, the series within 6.4 up to 1.6, measured).
_SINC_CURVATURE_SERIES = tuple((-1) ** k * 2 * k * (2 * k - 1) / math.factorial(2 * k + 1) for k in range(1, 17))


def _sinc_curvature(x):
    """sinc'' = ((2 - x^2) sin x - 2x cos x) / x^3, even in x. Below |x| = 1.6 its series (the
    numerator cancels to -x^3/3 near 0); from 1.6 to 1100 about the nearest root r of the numerator
    (sinc's inflection points, tests/sinc_curvature_roots.py), with d = x - r exact:
    N = -d cos d ((2r + d) sin r + 2 cos r) + sin d ((2 - x^2) cos r + 2x sin r); beyond, the
    direct formula (its cancellation is then 2e-16 / (x d) relative, below an ulp)."""
    from actplot.activations import sinc_curvature_roots as table

    a = np.abs(x)
    small = a < 1.6
    xs = np.where(small, x, 0.0)
    series = horner(xs * xs, _SINC_CURVATURE_SERIES)
    near, ac, r, d, sin_r, cos_r = _about_nearest_root(a, 1.6, table)
    first = -d * np.cos(d) * ((2.0 * r + d) * sin_r + 2.0 * cos_r)
    second = np.sin(d) * ((2.0 - ac * ac) * cos_r + 2.0 * ac * sin_r)
    rooted = ((first + second) / ac / ac) / ac
    with np.errstate(over="ignore", invalid="ignore"):
        xl = np.where(small | near, 3.0, a)
        direct = (((2.0 - xl * xl) * np.sin(xl) - 2.0 * xl * np.cos(xl)) / xl / xl) / xl
        # far out (x^2 overflows from 1.3e154) f'' = -sin(x) / x to double precision
        direct = np.where(xl > 1e150, -np.sin(xl) / xl, direct)
    return np.where(small, series, np.where(near, rooted, direct))


@activation(
    "sinc",
    second_derivative=_sinc_curvature,
    second_derivative_formula=r"\frac{(2 - x^{2})\sin x - 2x\cos x}{x^{3}}\ (x \neq 0),\quad -\frac{1}{3}\ (x = 0)",
    aliases=("cardinal_sine",),
    family="periodic",
    formula=r"\frac{\sin x}{x}\ (x \neq 0),\quad 1\ (x = 0)",
    derivative=_sinc_grad,
    derivative_formula=r"\frac{x\cos x - \sin x}{x^{2}}",
    output_range=OutputRange.between(-0.21723362821122166, 1.0, True, True),
    continuity="C∞",
    notes="Unnormalised sin(x)/x, as in the activation-function literature; numpy's np.sinc and "
    "torch.sinc are the normalised sin(pi x)/(pi x). Next to the roots of f' (4.493, 7.725, ...), "
    "where x cos x - sin x cancels, f' is computed about the nearest root (up to |x| = 1100).",
)
def sinc(x):
    """The unnormalised cardinal sine sin(x)/x, 1 at 0."""
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 1.0, np.sin(safe) / safe)


def _bent_parts(x):
    # sqrt(x^2 + 1) - 1 cancels near 0; x^2 / (sqrt(x^2 + 1) + 1) does not, and hypot cannot overflow.
    h = np.hypot(x, 1.0)
    return h, x * (x / (h + 1.0))


def _bent_identity_curvature(x):
    r = 1.0 / np.hypot(x, 1.0)  # 1/(x^2+1)^(1/2) without overflow; cubed as a product
    return 0.5 * r * r * r


@activation(
    "bent_identity",
    second_derivative=_bent_identity_curvature,
    second_derivative_formula=r"\frac{1}{2(x^{2}+1)^{3/2}}",
    family="linear",
    formula=r"\frac{\sqrt{x^{2}+1}-1}{2} + x",
    # 0.5 * (x / h), not x / (2h): 2h overflows at |x| = 1e308, where f' is 1.5 or 0.5
    derivative=lambda x: 0.5 * (x / np.hypot(x, 1.0)) + 1.0,
    derivative_formula=r"\frac{x}{2\sqrt{x^{2}+1}} + 1",
    output_range=(-math.inf, math.inf),
    continuity="C∞",
)
def bent_identity(x):
    """The bent identity: the identity plus half a hyperbola, smooth and unbounded."""
    _, q = _bent_parts(x)
    with np.errstate(over="ignore"):  # beyond x = 1.2e308 the true value exceeds the largest float
        return 0.5 * q + x
