"""The number formats actplot analyses in, and correct rounding of float64 results to them.

``float64 float32 float16`` are numpy's; ``bfloat16 float8_e4m3fn float8_e5m2`` come from the
``ml_dtypes`` package (imported only when one of them is asked for). A result in format T is the
float64 result rounded to T once, to nearest with ties to even: the best any implementation in T
can do. Casting float64 to bfloat16 or float8 with ml_dtypes passes through float32 and can round
twice (2^-134 * 1.0000001 becomes 0 in bfloat16 instead of 2^-133), so the rounding here is done
directly: scale by the power of two that is T's spacing at the value, ``rint``, scale back (every
step exact in float64), then cast the now representable value.

Overflow: float16, bfloat16 and float8_e5m2 round beyond their largest finite value to inf, as
IEEE 754 does; float8_e4m3fn has no infinity, and actplot **saturates** it at ±448 (the
saturating conversion of the OCP FP8 specification, which training frameworks use), rather than
produce NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from actplot.errors import UsageError
from actplot.format_names import FORMATS

__all__ = ["FORMATS", "Format", "get_format", "ordinal", "resolve_dtype", "round_to", "spacing_at"]


@dataclass(frozen=True)
class Format:
    """A binary floating-point format: p significand bits (with the implicit one), the exponent
    of its smallest normal, its largest finite value and whether it has infinities."""

    name: str
    dtype: np.dtype
    bits: int
    min_exponent: int
    max_finite: float
    has_inf: bool

    @property
    def smallest_subnormal(self) -> float:
        return float(np.ldexp(1.0, self.min_exponent - self.bits + 1))

    @property
    def smallest_normal(self) -> float:
        return float(np.ldexp(1.0, self.min_exponent))


@cache
def get_format(name: str) -> Format:
    """The :class:`Format` called ``name``; a one-line error listing the valid names otherwise."""
    if name not in FORMATS:
        from actplot.registry import did_you_mean

        raise UsageError(f"--dtype {name!r}: must be one of {', '.join(FORMATS)}{did_you_mean(name, FORMATS)}")
    if name in ("float64", "float32", "float16"):
        dtype = np.dtype(name)
        info = np.finfo(dtype)
        return Format(name, dtype, int(info.nmant) + 1, int(info.minexp), float(info.max), True)
    import ml_dtypes

    dtype = np.dtype(getattr(ml_dtypes, name))
    info = ml_dtypes.finfo(dtype)
    return Format(name, dtype, int(info.nmant) + 1, int(info.minexp), float(info.max), name != "float8_e4m3fn")


def resolve_dtype(name: str) -> np.dtype:
    return get_format(name).dtype


def round_to(values: np.ndarray, dtype: str) -> np.ndarray:
    """float64 ``values`` correctly rounded to the format ``dtype``, returned as float64 (every
    result is exactly representable in the format)."""
    if dtype == "float64":
        return values
    fmt = get_format(dtype)
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        _, exponent = np.frexp(values)  # |values| in [2^(e-1), 2^e)
        spacing = np.ldexp(1.0, np.maximum(exponent - 1, fmt.min_exponent) - (fmt.bits - 1))
        rounded = np.rint(values / spacing) * spacing
        rounded = np.where(np.isfinite(values), rounded, values)
        too_big = np.abs(rounded) > fmt.max_finite
        if fmt.has_inf:
            rounded = np.where(too_big, np.copysign(np.inf, values), rounded)
        else:
            rounded = np.where(too_big | np.isinf(values), np.copysign(fmt.max_finite, values), rounded)
    return rounded


def spacing_at(values: np.ndarray, dtype: str) -> np.ndarray:
    """The distance between neighbouring values of the format at ``values`` (float64)."""
    fmt = get_format(dtype)
    _, exponent = np.frexp(np.asarray(values, dtype=np.float64))
    return np.ldexp(1.0, np.maximum(exponent - 1, fmt.min_exponent) - (fmt.bits - 1))


def ordinal(values: np.ndarray, dtype: str) -> np.ndarray:
    """The position of each (representable) value among the format's values, as Python-sized
    integers in an int64 array: 0 for ±0, k for the k-th positive value, -k for its negative.
    The count of the format's values in [a, b] is ordinal(b) - ordinal(a) + 1."""
    fmt = get_format(dtype)
    unsigned = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[fmt.dtype.itemsize]
    v = np.asarray(values, dtype=np.float64)
    bits = np.abs(v).astype(fmt.dtype).view(unsigned).astype(np.int64)
    return np.where(v < 0, -bits, bits)
