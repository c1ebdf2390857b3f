"""What an activation does to a deep network at initialisation: Gaussian moments, exact gains and
mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017).

A fully connected network with weights of variance sigma_w^2 / fan_in and biases of variance
sigma_b^2 sends a pre-activation of variance q through the *length map*

    q -> sigma_w^2 E[f(sqrt(q) z)^2] + sigma_b^2,             z ~ N(0, 1),

and two inputs whose pre-activations have correlation c through the *correlation map*

    c -> (sigma_w^2 E[f(u1) f(u2)] + sigma_b^2) / q*,   u1 = sqrt(q*) z1,
                                                        u2 = sqrt(q*) (c z1 + sqrt(1 - c^2) z2).

At the length map's fixed point q*, chi1 = sigma_w^2 E[f'(sqrt(q*) z)^2] is the slope of the
correlation map at c = 1: below 1 the network is ordered (every input pair converges, c* = 1),
above 1 chaotic (c* < 1). The depth scales are xi_q = -1 / log(dG/dq at q*) and
xi_c = -1 / log(sigma_w^2 E[f'(u1) f'(u2)] at c*). The edge of chaos is the sigma_w^2 at which
chi1 = 1 for a given sigma_b^2.

With ``dtype`` another format, inputs and f, f' are rounded to it (:mod:`actplot.rounding`)
before they are averaged: the network as that format holds it. Every expectation is
deterministic quadrature (:mod:`actplot.gaussian` in one dimension; a
product Gauss-Legendre rule split at the kinks in two), never sampling; every root is bracketed
(scipy's brentq) to 1e-12 relative.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from actplot.gaussian import integrate
from actplot.spec import BoundActivation

__all__ = ["MeanField", "Moments", "edge_of_chaos", "mean_field", "moments", "torch_gain"]

#: |chi1 - 1| below this is "critical".
CRITICAL = 1e-9
#: q beyond this is divergence: no fixed point of the length map.
Q_LARGEST = 1e12
#: The product rule's reach (the Gaussian density is below 1e-21 beyond 10), its pieces' width
#: and Gauss-Legendre nodes per piece.
REACH_2D = 10
PIECE_2D = 2.0
NODES_2D = 24


@dataclass(frozen=True)
class Moments:
    """Moments of f and f' for a pre-activation h = sqrt(q) z, z ~ N(0, 1).

    gain = 1 / sqrt(E[f(z)^2]) at q = 1: the weight standard deviation, in units of 1/sqrt(fan_in),
    that keeps the pre-activation variance at 1 without bias (He et al. 2015's sqrt 2 for relu).
    torch_gain is what ``torch.nn.init.calculate_gain`` returns for it (None where undefined).
    """

    name: str
    label: str
    params: tuple[tuple[str, Any], ...]
    q: float
    mean: float
    second_moment: float
    variance: float
    grad_second_moment: float
    gain: float
    torch_gain: float | None


@dataclass(frozen=True)
class MeanField:
    """Mean-field signal propagation at (sigma_w^2, sigma_b^2): None where a quantity does not exist."""

    weight_var: float
    bias_var: float
    q_star: float | None
    q_star_stable: bool
    chi1: float | None
    c_star: float | None
    depth_scale_q: float | None
    depth_scale_c: float | None
    phase: str  # "ordered", "critical", "chaotic" or "divergent" (no fixed point q*)


class _Gaussian:
    """Expectations of one bound activation under Gaussian inputs."""

    def __init__(self, bound: BoundActivation, dtype: str = "float64") -> None:
        from actplot.numerics import evaluate_chunk, numeric_method
        from actplot.rounding import round_to

        method = None if bound.activation.derivative is not None else numeric_method(bound)
        self.bound = bound
        self.kinks = tuple(float(p) for p in (*bound.field("kinks"), *bound.field("jumps")))

        def both(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            # the pre-activation and f, f' as the format holds them (exact float64 by default)
            with np.errstate(all="ignore"):
                y, dy = evaluate_chunk(bound, round_to(np.asarray(x, dtype=float).ravel(), dtype), method)
                return round_to(y, dtype), round_to(dy, dtype)

        self.both = both

    def moments(self, q: float) -> tuple[float, float, float]:
        """(E[f(h)], E[f(h)^2], E[f'(h)^2]) for h = sqrt(q) z."""
        root = math.sqrt(q)

        def integrand(z: np.ndarray) -> np.ndarray:
            y, dy = self.both(root * z)
            return np.stack([y, y * y, dy * dy])

        mean, second, grad = integrate(integrand, [p / root for p in self.kinks], count=3)
        return float(mean), float(second), float(grad)

    def pair(self, q: float, c: float, derivative: bool) -> float:
        """E[g(u1) g(u2)] for g = f (or f'), u1 = sqrt(q) z1, u2 = sqrt(q) (c z1 + sqrt(1 - c^2) z2)."""
        root, s = math.sqrt(q), math.sqrt(max(0.0, 1.0 - c * c))
        which = 1 if derivative else 0
        z1, w1 = _pieces_rule([p / root for p in self.kinks])
        g1 = self.both(root * z1)[which]
        if s == 0.0:
            return float(np.sum(w1 * g1 * g1))
        # u2 = root (c z1 + s z2): its kinks in z2 move with z1, so each row has its own split
        rows = []
        for start in range(0, z1.size, 256):
            zs = z1[start : start + 256]
            breaks = [(p / root - c * zs) / s for p in self.kinks]
            z2, w2 = _pieces_rule_rows(breaks, zs.size)
            g2 = self.both(root * (c * zs[:, None] + s * z2))[which].reshape(z2.shape)
            rows.append(np.sum(w2 * g2, axis=1))
        inner = np.concatenate(rows)
        return float(np.sum(w1 * g1 * inner))


@lru_cache(maxsize=2)
def _legendre() -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(NODES_2D)


def _density(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _pieces_rule(breaks: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (times the Gaussian density) on [-10, 10], split every 2 and at
    ``breaks``: exact to rounding for f smooth between the breaks."""
    cuts = set(np.arange(-REACH_2D, REACH_2D + 1.0, PIECE_2D).tolist())
    cuts |= {b for b in breaks if -REACH_2D < b < REACH_2D}
    edges = np.array(sorted(cuts))
    nodes, weights = _legendre()
    half, mid = 0.5 * np.diff(edges), 0.5 * (edges[1:] + edges[:-1])
    z = (mid[:, None] + half[:, None] * nodes).ravel()
    w = (half[:, None] * weights).ravel()
    return z, w * _density(z)


def _pieces_rule_rows(breaks: list[np.ndarray], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_pieces_rule` for many rows at once, each with its own breaks (one per kink, the same
    count in every row: a break outside the range splits a piece at 1 instead)."""
    base = np.arange(-REACH_2D, REACH_2D + 1.0, PIECE_2D)
    extra = [np.where((b > -REACH_2D) & (b < REACH_2D), b, 1.0) for b in breaks]
    edges = np.sort(
        np.concatenate([np.broadcast_to(base, (rows, base.size)), *[e[:, None] for e in extra]], axis=1), axis=1
    )
    nodes, weights = _legendre()
    half, mid = 0.5 * np.diff(edges, axis=1), 0.5 * (edges[:, 1:] + edges[:, :-1])
    z = (mid[:, :, None] + half[:, :, None] * nodes).reshape(rows, -1)
    w = (half[:, :, None] * weights).reshape(rows, -1)
    return z, w * _density(z)


def torch_gain(bound: BoundActivation) -> float | None:
    """``torch.nn.init.calculate_gain`` for this activation (its table: linear and sigmoid 1, tanh
    5/3, relu sqrt 2, leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4); None where it has no entry."""
    params = dict(bound.params)
    table: dict[str, Callable[[], float]] = {
        "identity": lambda: 1.0,
        "sigmoid": lambda: 1.0,
        "tanh": lambda: 5.0 / 3.0,
        "relu": lambda: math.sqrt(2.0),
        "leaky_relu": lambda: math.sqrt(2.0 / (1.0 + float(params["negative_slope"]) ** 2)),
        "selu": lambda: 0.75,
    }
    entry = table.get(bound.name)
    return entry() if entry is not None else None


def _bound(spec: Any) -> BoundActivation:
    if isinstance(spec, BoundActivation):
        return spec
    from actplot.spec import resolve

    return resolve(spec)[0]


def _check_variance(value: float, option: str, positive: bool = False) -> None:
    from actplot.errors import UsageError

    ok = math.isfinite(value) and (value > 0 if positive else value >= 0)
    if not ok:
        raise UsageError(f"{option} {value}: must be a finite number {'> 0' if positive else '>= 0'} (e.g. 1.5)")


def moments(spec: Any, q: float = 1.0, dtype: str = "float64") -> Moments:
    """Gaussian moments of f and f' at pre-activation variance ``q`` (see :class:`Moments`).

    >>> round(moments("relu").gain ** 2, 12)
    2.0
    """
    _check_variance(q, "--q", positive=True)
    bound = _bound(spec)
    g = _Gaussian(bound, dtype)
    mean, second, grad = g.moments(q)
    unit = second if q == 1.0 else g.moments(1.0)[1]
    return Moments(
        bound.name, bound.label, bound.params, q, mean, second, max(second - mean * mean, 0.0), grad,
        1.0 / math.sqrt(unit) if unit > 0 else math.inf, torch_gain(bound),
    )  # fmt: skip


def _brent(f: Callable[[float], float], a: float, b: float) -> float:
    from scipy.optimize import brentq

    return float(brentq(f, a, b, xtol=1e-300, rtol=1e-12, maxiter=200))


def _fixed_point(g: _Gaussian, weight_var: float, bias_var: float) -> float | None:
    """The stable fixed point of the length map, None when q grows without bound."""

    def excess(q: float) -> float:
        return weight_var * g.moments(q)[1] + bias_var - q

    # bracket the largest root: excess > 0 below it, < 0 above it (the map's slope there is < 1)
    q = 1.0
    if excess(q) > 0:
        while excess(q) > 0:
            q *= 4.0
            if q > Q_LARGEST:
                return None
        return _brent(excess, q / 4.0, q)
    low = q
    while excess(low) <= 0:
        low /= 4.0
        if low < 1e-300:
            return 0.0  # only q = 0 (no bias, f(0) = 0): every signal dies out
    return _brent(excess, low, low * 4.0)


def _length_slope(g: _Gaussian, weight_var: float, q: float) -> float:
    """dG/dq at q for G(q) = sigma_w^2 E[f(sqrt(q) z)^2] + sigma_b^2 (a central difference)."""
    if q == 0.0:
        _, _, grad0 = g.moments(1e-300)
        return weight_var * grad0
    h = 1e-4 * q
    return weight_var * (g.moments(q + h)[1] - g.moments(q - h)[1]) / (2 * h)


def mean_field(spec: Any, weight_var: float, bias_var: float = 0.0, dtype: str = "float64") -> MeanField:
    """Mean-field propagation through a deep network at (sigma_w^2, sigma_b^2) (module docstring)."""
    _check_variance(weight_var, "--weight-var", positive=True)
    _check_variance(bias_var, "--bias-var")
    g = _Gaussian(_bound(spec), dtype)
    q_star = _fixed_point(g, weight_var, bias_var)
    if q_star is None:
        return MeanField(weight_var, bias_var, None, False, None, None, None, None, "divergent")
    slope = _length_slope(g, weight_var, q_star)
    chi1 = weight_var * (g.moments(q_star)[2] if q_star > 0 else g.moments(1e-300)[2])
    depth_q = -1.0 / math.log(slope) if 0 < slope < 1 else None
    c_star: float | None
    if abs(chi1 - 1.0) <= CRITICAL:
        phase, c_star = "critical", 1.0
    elif chi1 < 1.0:
        phase, c_star = "ordered", 1.0
    else:
        phase = "chaotic"
        c_star = _correlation_fixed_point(g, weight_var, bias_var, q_star)
    depth_c = None
    if q_star > 0 and c_star is not None:
        chi_c = weight_var * g.pair(q_star, c_star, derivative=True)
        depth_c = -1.0 / math.log(chi_c) if 0 < chi_c < 1 else None
    return MeanField(weight_var, bias_var, q_star, 0 <= slope < 1, chi1, c_star, depth_q, depth_c, phase)


def correlation_map(spec: Any, weight_var: float, bias_var: float, q_star: float, c: float) -> float:
    """One step of the correlation map at the length fixed point q*."""
    g = spec if isinstance(spec, _Gaussian) else _Gaussian(_bound(spec))
    return (weight_var * g.pair(q_star, c, derivative=False) + bias_var) / q_star


def _correlation_fixed_point(g: _Gaussian, weight_var: float, bias_var: float, q_star: float) -> float | None:
    """In the chaotic phase: the fixed point c* < 1 of the correlation map (c = 1 is unstable)."""
    if q_star <= 0:
        return None

    def excess(c: float) -> float:
        return correlation_map(g, weight_var, bias_var, q_star, c) - c

    top = 1.0 - 1e-9
    if excess(top) >= 0:
        return 1.0
    for bottom in (0.0, -0.5, -1.0):
        if excess(bottom) > 0:
            return _brent(excess, bottom, top)
    return None


def edge_of_chaos(spec: Any, bias_var: float = 0.0, dtype: str = "float64") -> float | None:
    """The sigma_w^2 at which chi1 = 1 for this sigma_b^2 (None when there is none).

    On the critical line, with q* its fixed point, sigma_w^2 = 1 / E[f'(sqrt(q*) z)^2] and
    sigma_b^2 = q* - E[f(sqrt(q*) z)^2] / E[f'(sqrt(q*) z)^2]: one equation in q*, bracketed.
    """
    _check_variance(bias_var, "--bias-var")
    g = _Gaussian(_bound(spec), dtype)

    def bias_for(q: float) -> float:
        _, second, grad = g.moments(q)
        return q - second / grad if grad > 0 else -math.inf

    def excess(q: float) -> float:
        return bias_for(q) - bias_var

    low, high = 1e-8, 1.0
    if excess(low) >= 0 and excess(high) >= 0:
        # the critical line reaches sigma_b^2 = 0 only as q* -> 0 (tanh: sigma_w^2 = 1), or
        # is the same for every q* (relu: sigma_w^2 = 2)
        if excess(low) > 1e-12 * max(1.0, bias_var):
            return None
        # as q* -> 0, E[f'(sqrt(q) z)^2] tends to the mean of f'^2 either side of 0 (selu: of
        # lambda^2 and (lambda alpha)^2, not f'(0)^2)
        limit = g.moments(1e-200)[2]
        return 1.0 / limit if bias_for(1.0) > bias_var + 1e-12 else 1.0 / g.moments(1.0)[2]
    if excess(low) > 0:
        low, high = 1e-300, low
    while excess(high) < 0:
        low, high = high, high * 4.0
        if high > Q_LARGEST:
            return None
    q_star = _brent(excess, low, high)
    return 1.0 / g.moments(q_star)[2]
