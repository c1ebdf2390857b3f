"""Independent high-precision references for every built-in, written from the mathematics.

These formulas are deliberately the textbook ones: with 50+ significant digits (more for tiny
|x|, see ``precision_for``) the textbook formula is exact enough, so nothing here shares code or
numerical tricks with actplot's implementations. ``d`` is None where mpmath.diff of ``f`` is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath as mp

F = Callable[[mp.mpf], mp.mpf]


@dataclass(frozen=True)
class Ref:
    f: F
    d: F | None = None  # explicit derivative (piecewise, or saturating); mpmath.diff otherwise
    # Extra digits where the textbook formula cancels (1 + tanh(u) for u << 0 loses e^(2u)).
    # Capped at 400: a quantity below 1e-400 relative is zero in float64 anyway.
    extra: Callable[[float], float] | None = None


def step(cond: bool) -> mp.mpf:
    return mp.mpf(1) if cond else mp.mpf(0)


def sig(x):
    return 1 / (1 + mp.exp(-x))


SELU_ALPHA = mp.mpf(1.6732632423543772848170429916717)  # the float64 constants PyTorch uses
SELU_SCALE = mp.mpf(1.0507009873554804934193349852946)
RRELU_SLOPE = (mp.mpf(0.125) + mp.mpf(1.0 / 3.0)) / 2


def smht(x, a=1, b=1, c=1, d=1):
    return (mp.exp(a * x) - mp.exp(-b * x)) / (mp.exp(c * x) + mp.exp(-d * x))


def sqnl(x):
    if x > 2:
        return mp.mpf(1)
    if x < -2:
        return mp.mpf(-1)
    return x - x * x / 4 if x >= 0 else x + x * x / 4


def gelu_tanh_u(x):
    return mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)


def gelu_tanh(x):
    return x / 2 * (1 + mp.tanh(gelu_tanh_u(x)))


def smht_d(x, a=1, b=1, c=1, d=1):
    top = mp.exp(a * x) - mp.exp(-b * x)
    bottom = mp.exp(c * x) + mp.exp(-d * x)
    return (a * mp.exp(a * x) + b * mp.exp(-b * x)) / bottom - top * (
        c * mp.exp(c * x) - d * mp.exp(-d * x)
    ) / bottom**2


def xielu(alpha_p=0.8, alpha_n=0.8, beta=0.5, eps=-1e-6):
    """xIELU as the Hugging Face code computes it (the exponential sees min(x, eps))."""
    ap, an, b, e = (mp.mpf(float(v)) for v in (alpha_p, alpha_n, beta, eps))
    return lambda x: ap * x * x + b * x if x > 0 else an * (mp.exp(min(x, e)) - 1 - x) + b * x


def xielu_grad(alpha_p=0.8, alpha_n=0.8, beta=0.5, eps=-1e-6):
    ap, an, b, e = (mp.mpf(float(v)) for v in (alpha_p, alpha_n, beta, eps))

    def d(x):
        if x > 0:
            return 2 * ap * x + b
        gate = 1 if x < e else (mp.mpf(0.5) if x == e else 0)  # torch.minimum splits a tie
        return an * (gate * mp.exp(min(x, e)) - 1) + b

    return d


REFERENCES: dict[str, Ref] = {
    "identity": Ref(lambda x: x, lambda x: mp.mpf(1)),
    "binary_step": Ref(lambda x: step(x >= 0), lambda x: mp.mpf(0)),
    "exponential": Ref(mp.exp, mp.exp),
    "gaussian": Ref(lambda x: mp.exp(-x * x), lambda x: -2 * x * mp.exp(-x * x)),
    "sinusoid": Ref(mp.sin, mp.cos),
    "sinc": Ref(
        lambda x: mp.sin(x) / x if x != 0 else mp.mpf(1),
        lambda x: (x * mp.cos(x) - mp.sin(x)) / x**2 if x != 0 else mp.mpf(0),
    ),
    "bent_identity": Ref(lambda x: (mp.sqrt(x * x + 1) - 1) / 2 + x),
    "relu": Ref(lambda x: max(x, mp.mpf(0)), lambda x: step(x > 0)),
    "relu6": Ref(lambda x: min(max(x, mp.mpf(0)), mp.mpf(6)), lambda x: step(0 < x < 6)),
    "leaky_relu": Ref(lambda x: x if x > 0 else mp.mpf(0.01) * x, lambda x: mp.mpf(1) if x > 0 else mp.mpf(0.01)),
    "prelu": Ref(lambda x: x if x > 0 else x / 4, lambda x: mp.mpf(1) if x > 0 else mp.mpf(0.25)),
    "rrelu": Ref(lambda x: x if x > 0 else RRELU_SLOPE * x, lambda x: mp.mpf(1) if x > 0 else RRELU_SLOPE),
    "hardtanh": Ref(lambda x: min(max(x, mp.mpf(-1)), mp.mpf(1)), lambda x: step(-1 < x < 1)),
    "hardshrink": Ref(lambda x: x if abs(x) > 0.5 else mp.mpf(0), lambda x: step(abs(x) > 0.5)),
    "softshrink": Ref(
        lambda x: x - mp.mpf(0.5) if x > 0.5 else (x + mp.mpf(0.5) if x < -0.5 else mp.mpf(0)),
        lambda x: step(abs(x) > 0.5),
    ),
    "threshold": Ref(lambda x: x if x > 1 else mp.mpf(0), lambda x: step(x > 1)),
    "elu": Ref(lambda x: x if x > 0 else mp.exp(x) - 1, lambda x: mp.mpf(1) if x > 0 else mp.exp(x)),
    "selu": Ref(
        lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * (mp.exp(x) - 1)),
        lambda x: SELU_SCALE if x > 0 else SELU_SCALE * SELU_ALPHA * mp.exp(x),
    ),
    "celu": Ref(lambda x: x if x > 0 else mp.exp(x) - 1, lambda x: mp.mpf(1) if x > 0 else mp.exp(x)),
    "softplus": Ref(lambda x: mp.log1p(mp.exp(x)), lambda x: sig(x)),
    # for x < 0, (x + sqrt(x^2 + 4)) / 2 = 2 / (sqrt(x^2 + 4) - x): the same number, without a
    # cancellation that would need 600 digits at x = -1e300
    "squareplus": Ref(lambda x: (x + mp.sqrt(x * x + 4)) / 2 if x >= 0 else 2 / (mp.sqrt(x * x + 4) - x)),
    "sparse_plus": Ref(
        lambda x: mp.mpf(0) if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4),
        lambda x: mp.mpf(0) if x <= -1 else (mp.mpf(1) if x >= 1 else (x + 1) / 2),
    ),
    "isrlu": Ref(
        lambda x: x / mp.sqrt(1 + x * x) if x < 0 else x,
        lambda x: (1 + x * x) ** mp.mpf(-1.5) if x < 0 else mp.mpf(1),
    ),
    "sigmoid": Ref(sig, lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2),
    "tanh": Ref(mp.tanh, lambda x: mp.sech(x) ** 2),
    "arctan": Ref(mp.atan),
    "softsign": Ref(lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    "hardsigmoid": Ref(
        lambda x: mp.mpf(0) if x <= -3 else (mp.mpf(1) if x >= 3 else x / 6 + mp.mpf(1) / 2),
        lambda x: mp.mpf(1) / 6 if -3 < x < 3 else mp.mpf(0),
    ),
    "logsigmoid": Ref(lambda x: -mp.log1p(mp.exp(-x)), lambda x: 1 - sig(x), extra=abs),
    "sparse_sigmoid": Ref(
        lambda x: mp.mpf(0) if x <= -1 else (mp.mpf(1) if x >= 1 else (x + 1) / 2),
        lambda x: mp.mpf(0.5) if -1 < x < 1 else mp.mpf(0),
    ),
    "isru": Ref(lambda x: x / mp.sqrt(1 + x * x)),
    "sqnl": Ref(sqnl, lambda x: mp.mpf(0) if abs(x) > 2 else 1 - abs(x) / 2),
    "smht": Ref(smht, smht_d, extra=abs),
    "tanhshrink": Ref(lambda x: x - mp.tanh(x), lambda x: mp.tanh(x) ** 2),
    # below x = -1e5, x Phi(x) < 1e-2e9: zero in float64 (and mpmath's erfc overflows computing it)
    "gelu": Ref(lambda x: x * mp.ncdf(x) if x > -1e5 else mp.mpf(0)),
    "gelu_tanh": Ref(gelu_tanh, extra=lambda x: 2 * abs(gelu_tanh_u(mp.mpf(x)))),
    "silu": Ref(lambda x: x * sig(x)),
    "mish": Ref(lambda x: x * mp.tanh(mp.log1p(mp.exp(x)))),
    "hardswish": Ref(
        lambda x: mp.mpf(0) if x <= -3 else (x if x >= 3 else x * (x + 3) / 6),
        lambda x: mp.mpf(0) if x <= -3 else (mp.mpf(1) if x >= 3 else (2 * x + 3) / 6),
    ),
    "elish": Ref(
        lambda x: x * sig(x) if x >= 0 else (mp.exp(x) - 1) * sig(x),
        lambda x: (
            sig(x) * (1 + x * (1 - sig(x))) if x >= 0 else mp.exp(x) * sig(x) + (mp.exp(x) - 1) * sig(x) * (1 - sig(x))
        ),
    ),
    # Issue 17: activations of current models, from their papers' definitions.
    "quick_gelu": Ref(lambda x: x * sig(mp.mpf("1.702") * x), extra=abs),
    "relu2": Ref(lambda x: max(x, mp.mpf(0)) ** 2, lambda x: 2 * max(x, mp.mpf(0))),
    "star_relu": Ref(
        lambda x: mp.mpf(0.8944) * max(x, mp.mpf(0)) ** 2 + mp.mpf(-0.4472),
        lambda x: 2 * mp.mpf(0.8944) * max(x, mp.mpf(0)),
    ),
    "smelu": Ref(
        lambda x: mp.mpf(0) if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4),
        lambda x: mp.mpf(0) if x <= -1 else (mp.mpf(1) if x >= 1 else (x + 1) / 2),
    ),
    "aptx": Ref(lambda x: (1 + mp.tanh(x)) * x / 2, extra=lambda x: 2 * abs(x)),
    "snake": Ref(lambda x: x + mp.sin(x) ** 2, lambda x: 1 + mp.sin(2 * x)),
    "laplace": Ref(
        lambda x: mp.ncdf((x - mp.mpf(0.707107)) / mp.mpf(0.282095)) if abs(x) < 1e5 else mp.mpf(x > 0),
        lambda x: mp.npdf((x - mp.mpf(0.707107)) / mp.mpf(0.282095)) / mp.mpf(0.282095) if abs(x) < 1e5 else mp.mpf(0),
    ),
    # beyond x = 50 tanh(e^x) is 1 to 1e-10^21; below -1e5 the product underflows by far
    # (mpmath would only spend time on it)
    "telu": Ref(lambda x: x if x > 50 else (mp.mpf(0) if x < -1e5 else x * mp.tanh(mp.exp(x)))),
    # exp(-e^-x) is 1 - 1e-347 beyond x = 800 and below 1e-10^21 under -50
    "golu": Ref(
        lambda x: x if x > 800 else (mp.mpf(0) if x < -50 else x * mp.exp(-mp.exp(-x))),
        lambda x: mp.mpf(1) if x > 800 else (mp.mpf(0) if x < -50 else mp.exp(-mp.exp(-x)) * (1 + x * mp.exp(-x))),
    ),
    # beyond x = 50 erf(softplus(x)) is 1 - 1e-1000; below -1e5 the product underflows by far
    "serf": Ref(lambda x: x if x > 50 else (mp.mpf(0) if x < -1e5 else x * mp.erf(mp.log1p(mp.exp(x))))),
    "xielu": Ref(xielu(), xielu_grad()),
    # Vector-valued: the one-dimensional view, computed from the vector definition on [x, 0].
    "softmax": Ref(lambda x: mp.exp(x) / (mp.exp(x) + mp.exp(0)), extra=abs),
    "log_softmax": Ref(lambda x: x - mp.log(mp.exp(x) + mp.exp(0)), extra=abs),
    "softmin": Ref(lambda x: mp.exp(-x) / (mp.exp(-x) + mp.exp(0)), extra=abs),
    "sparsemax": Ref(
        lambda x: mp.mpf(0) if x <= -1 else (mp.mpf(1) if x >= 1 else (x + 1) / 2),
        lambda x: mp.mpf(0.5) if -1 < x < 1 else mp.mpf(0),
    ),
}


def precision_for(x: float, ref: Ref) -> int:
    """Decimal digits: 60, plus enough to survive cancellations of order x**2 for tiny |x|,
    plus what a saturating formula loses (~0.9 digits per unit of exponent), capped."""
    digits = 60
    if x != 0:
        digits += max(0, int(-2.5 * mp.log10(abs(mp.mpf(x)))))
    if ref.extra is not None:
        with mp.workdps(30):
            digits += int(0.9 * min(float(ref.extra(x)), 400 / 0.9))
    return digits


def reference(name: str, x: float) -> tuple[mp.mpf, mp.mpf]:
    """(f(x), f'(x)) to high precision."""
    ref = REFERENCES[name]
    with mp.workdps(precision_for(x, ref)):
        xm = mp.mpf(x)
        value = ref.f(xm)
        slope = ref.d(xm) if ref.d is not None else mp.diff(ref.f, xm, h=_step(xm))
        return +value, +slope


def _step(x: mp.mpf) -> mp.mpf | None:
    """mpmath's default difference step is absolute: at |x| = 1e308 x + h == x and the derivative
    comes out 0. Far out, a step relative to |x| (half the working digits) keeps it exact for
    the functions that use it (none oscillates: sinusoid has its derivative written out)."""
    if abs(x) < 1e6:
        return None
    return abs(x) * mp.mpf(10) ** (-(mp.mp.dps // 2))


def second_derivative(name: str, x: float) -> mp.mpf:
    """f''(x), for the mixed error measure at ill-conditioned points."""
    ref = REFERENCES[name]
    with mp.workdps(precision_for(x, ref)):
        xm = mp.mpf(x)
        return +(mp.diff(ref.d, xm) if ref.d is not None else mp.diff(ref.f, xm, 2))
