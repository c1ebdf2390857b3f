"""Evaluation over a grid: values and derivatives, chunked, with checks on plugin output.

Built-ins compute in float64; a float32 or float16 request rounds the float64 results to that
type, which is what a correctly rounded implementation in that precision returns (and so a
gradient below the smallest subnormal becomes exactly 0, as training in that precision sees).
"""

from __future__ import annotations

import contextlib
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actplot.errors import PluginError, UsageError
from actplot.limits import plugin_call
from actplot.parallel import map_threads
from actplot.registry import BUILTIN_SOURCE
from actplot.rounding import resolve_dtype, round_to
from actplot.spec import BoundActivation

EXPRESSION_SOURCE = "expression"


#: Elements per chunk: large enough to amortise numpy's per-call overhead, small enough to stay in
#: cache with a dozen temporaries (2**15 float64 = 256 KiB each).
CHUNK = 1 << 15
#: A grid above this many points would need more memory than evaluate() should take at once.
MAX_IN_MEMORY = 200_000_000
#: Streaming commands (compare, plot, diff) use bounded memory; their limit is time: 1e10 points
#: is about 20 minutes on two cores.
MAX_STREAMING = 10_000_000_000


@dataclass(frozen=True)
class Evaluation:
    """Values and derivatives of one bound activation on a grid."""

    bound: BoundActivation
    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray
    derivative_kind: str
    #: How a numeric derivative was taken ("complex-step" or "central"); None when analytic.
    method: str | None = None
    #: f''(x), when asked for (``order=2``), and whether it is declared ("analytic") or numeric.
    d2y: np.ndarray | None = None
    second_derivative_kind: str | None = None


def linspace(lo: float, hi: float, num: int) -> np.ndarray:
    """The grid every command uses: ``numpy.linspace(lo, hi, num)``, validated."""
    check_grid(lo, hi, num, streaming=False)
    return np.linspace(lo, hi, num)


def check_window(lo: float, hi: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise UsageError(f"--range {lo:g} {hi:g}: bounds must be finite numbers")
    if not lo < hi:
        raise UsageError(f"--range {lo:g} {hi:g}: LO must be less than HI (e.g. --range -5 5)")
    if not math.isfinite(hi - lo):
        raise UsageError(
            f"--range {lo:g} {hi:g}: the width HI - LO overflows; a window can be at most "
            f"{sys.float_info.max:.4g} wide (e.g. --range -8e307 8e307)"
        )


def check_grid(lo: float, hi: float, num: int, streaming: bool = True) -> None:
    """A window and grid every command can use: finite bounds, LO < HI, a width that is a finite
    float, and enough floats between LO and HI that ``linspace(LO, HI, NUM)`` has no repeated point."""
    check_window(lo, hi)
    check_num(num, streaming=streaming)
    from actplot.regions import float_count

    count = float_count(lo, hi)
    if count < num or (count < 4 * num and not np.all(np.diff(np.linspace(lo, hi, num)) > 0)):
        spacing = math.ulp(max(abs(lo), abs(hi)))
        raise UsageError(
            f"--range {lo!r} {hi!r}: the window holds only {count:,} floating-point numbers, so {num:,} "
            f"points would repeat; a window needs at least 4 x NUM floats (here about "
            f"{4 * num * spacing:.3g} wide), or use a smaller --num"
        )


def check_num(num: int, streaming: bool = False) -> None:
    """num must be a whole number >= 2; without streaming, small enough to hold in memory."""
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 2:
        raise UsageError(f"--num {num}: must be an integer of at least 2")
    if streaming and num > MAX_STREAMING:
        hours = num / 1e7 / 3600  # ~1e7 points a second on two cores for an activation like gelu
        raise UsageError(f"--num {num:.3g}: would take about {hours:,.0f} hours; use at most {MAX_STREAMING:.0e}")
    if not streaming and num > MAX_IN_MEMORY:
        gib = num * 8 * 4 / 2**30
        raise UsageError(f"--num {num}: needs about {gib:.0f} GiB in memory; use at most {MAX_IN_MEMORY:,}")


def _plugin_name(bound: BoundActivation) -> str:
    if bound.activation.source == EXPRESSION_SOURCE:
        return f"expression {bound.label!r}"
    return f"plugin {bound.activation.source!r}, activation {bound.name!r}"


def is_plugin(bound: BoundActivation) -> bool:
    """Third-party code: run on the main thread only (it may not be thread-safe) and time-limited.
    An expression counts when it calls a plugin activation."""
    source = bound.activation.source
    if source == EXPRESSION_SOURCE:
        return bool(getattr(bound.activation.function, "calls_plugins", False))
    return source != BUILTIN_SOURCE


def _limit(bound: BoundActivation, what: str) -> contextlib.AbstractContextManager[None]:
    return plugin_call(f"{_plugin_name(bound)}: {what}") if is_plugin(bound) else contextlib.nullcontext()


def _checked(bound: BoundActivation, what: str, call: Callable[[np.ndarray], object], x: np.ndarray) -> np.ndarray:
    """Call a function on ``x`` and check what comes back; plugins get a clear error naming them."""
    builtin = bound.activation.source == BUILTIN_SOURCE
    # A user's own expression may be inf or nan where its maths is (log(x) at 0, 9**9**9**9):
    # those are its values, shown as such; only a plugin's are checked.
    trusted = builtin or bound.activation.source == EXPRESSION_SOURCE
    try:
        with np.errstate(all="ignore"), _limit(bound, what):
            out = call(x)
    except PluginError:
        raise
    except Exception as exc:
        if builtin:
            raise
        raise PluginError(f"{_plugin_name(bound)}: {what} raised {type(exc).__name__}: {exc}") from exc
    arr = np.asarray(out)
    if arr.shape != x.shape:
        arr = np.broadcast_to(arr, x.shape) if arr.ndim == 0 else arr
    if arr.shape != x.shape:
        raise PluginError(f"{_plugin_name(bound)}: {what} returned shape {arr.shape} for input shape {x.shape}")
    if arr.dtype.kind not in "fiub":
        raise PluginError(f"{_plugin_name(bound)}: {what} returned dtype {arr.dtype}, expected real floats")
    arr = arr.astype(np.float64, copy=False)
    if not trusted:
        bad = ~np.isfinite(arr) & np.isfinite(x)
        if bad.any():
            at = x[bad][0]
            raise PluginError(f"{_plugin_name(bound)}: {what} returned {arr[bad][0]} at finite x = {at!r}")
    return arr


def step_size(x: np.ndarray) -> np.ndarray:
    """The central-difference step at x: eps**(1/5) ~ 7.4e-4 balances truncation against rounding,
    scaled with |x| up to 10 (beyond, exponential growth would make truncation dominate)."""
    return 7.4e-4 * np.clip(np.abs(x), 1.0, 10.0)


def _central_difference(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    # Fourth-order five-point stencil.
    h = step_size(x)
    return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h)


def _complex_step(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    # Im f(x + ih) / h has no subtraction, so it is exact to rounding for analytic f.
    h = 1e-20 * np.maximum(1.0, np.abs(x))
    out = np.asarray(f(x + 1j * h))
    if not np.iscomplexobj(out):
        raise TypeError("function dropped the imaginary part")
    return out.imag / h


_PROBE = np.array([-2.3, -0.71, 0.37, 1.9, 3.3])


def numeric_method(bound: BoundActivation) -> str:
    """``"complex-step"`` when the function is analytic in a complex argument, else ``"central"``.

    Complex-step is accepted only when it runs and agrees with central differences at probe
    points: ``abs``, ``maximum`` and comparisons silently break it.
    """
    return "complex-step" if _complex_step_works(bound, bound, "the numeric-derivative probe") else "central"


def _complex_step_works(bound: BoundActivation, f: Callable[[np.ndarray], np.ndarray], what: str) -> bool:
    """Whether the complex step of ``f`` (``bound``'s f, or its f') runs and agrees with central
    differences at the probe points; a ComplexWarning (a cast to float) is a refusal."""
    try:
        with np.errstate(all="ignore"), _limit(bound, what), warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            cs = _complex_step(f, _PROBE)
            cd = _central_difference(f, _PROBE)
        return bool(np.all(np.isfinite(cs)) and np.allclose(cs, cd, rtol=1e-6, atol=1e-9))
    except PluginError:
        raise  # a plugin that hangs is reported, not probed further
    except Exception:
        return False


def numeric_derivative(bound: BoundActivation, x: np.ndarray, method: str | None = None) -> np.ndarray:
    """f'(x) by complex step or fourth-order central differences (see :func:`numeric_method`)."""
    method = method or numeric_method(bound)
    step = _complex_step if method == "complex-step" else _central_difference
    return _checked(bound, "numeric derivative", lambda v: step(bound, v), x)


def _second_difference(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    # Fourth-order five-point stencil for f''; its step balances truncation (h^4) against
    # rounding (eps / h^2): eps**(1/6) ~ 2.5e-3.
    h = 2.5e-3 * np.clip(np.abs(x), 1.0, 10.0)
    return (-f(x + 2 * h) + 16 * f(x + h) - 30 * f(x) + 16 * f(x - h) - f(x - 2 * h)) / (12 * h * h)


def numeric_second_derivative(bound: BoundActivation, x: np.ndarray, checked: bool = True) -> np.ndarray:
    """f''(x) for a declaration without one: the derivative of its declared f' (complex step where
    f' allows it, else central differences), or the second difference of f when f' is numeric too."""
    act = bound.activation
    if act.derivative is None:
        if not checked:
            return np.asarray(_second_difference(bound, x), dtype=float)
        return _checked(bound, "numeric second derivative", lambda v: _second_difference(bound, v), x)
    kwargs = bound.kwargs
    derivative = act.derivative

    def slope(v: np.ndarray) -> np.ndarray:
        return np.asarray(derivative(v, **kwargs))

    use_complex = _complex_step_works(bound, slope, "the numeric second-derivative probe")
    step = _complex_step if use_complex else _central_difference
    if not checked:  # a reference for `check`: a nan where it overflows is skipped there
        return np.asarray(step(slope, x), dtype=float)
    return _checked(bound, "numeric second derivative", lambda v: step(slope, v), x)


def second_derivative_chunk(bound: BoundActivation, x: np.ndarray) -> np.ndarray:
    """f''(x) in float64: the declared one, or numeric (see :func:`numeric_second_derivative`)."""
    second = bound.activation.second_derivative
    if second is None:
        return numeric_second_derivative(bound, x)
    kwargs = bound.kwargs
    return _checked(bound, "second derivative", lambda v: second(v, **kwargs), x)


def evaluate_chunk(bound: BoundActivation, x: np.ndarray, method: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) in float64 for one chunk."""
    y = _checked(bound, "function", bound, x)
    derivative = bound.activation.derivative
    if derivative is not None:
        kwargs = bound.kwargs
        dy = _checked(bound, "derivative", lambda v: derivative(v, **kwargs), x)
    else:
        dy = numeric_derivative(bound, x, method)
    return y, dy


def evaluate(
    bound: BoundActivation,
    x: np.ndarray,
    dtype: str = "float64",
    chunk: int = CHUNK,
    workers: int | None = None,
    order: int = 1,
) -> Evaluation:
    """Values and derivatives of ``bound`` at ``x``, in cache-sized chunks.

    Parameters
    ----------
    bound : BoundActivation
        From :func:`actplot.resolve`.
    x : array_like
        The points; use :func:`linspace` for a grid.
    dtype : str
        The format of the returned values, one of :data:`actplot.rounding.FORMATS`: the float64
        results correctly rounded to it (see :mod:`actplot.rounding`).
    chunk, workers : int
        Chunk size, and threads for arrays of four chunks or more (default: the machine's cores).
    order : int
        1 for f and f'; 2 adds f'' (``Evaluation.d2y``).

    Returns
    -------
    Evaluation
        In float64 its ``x`` is a read-only view of the points given (when they are a float64
        array already: no copy is made), in another format the points rounded to it.
    """
    target = resolve_dtype(dtype)
    x64 = np.asarray(x, dtype=np.float64).ravel()
    if target == np.float64:
        # the caller's points themselves, not a copy (a pass over the grid: 2 ns a point, and
        # 800 MB at 1e8 points), as a read-only view: nothing writes to them through the result
        x_out = x64.view()
        x_out.flags.writeable = False
    else:
        x_out = round_to(x64, dtype).astype(target)
        x64 = x_out.astype(np.float64)  # evaluate at the points the caller sees in that format
    y: np.ndarray = np.empty(x64.shape, dtype=target)
    dy: np.ndarray = np.empty(x64.shape, dtype=target)
    if order not in (1, 2):
        raise UsageError(f"--order {order}: must be 1 (f and f') or 2 (f, f' and f'')")
    d2y: np.ndarray | None = np.empty(x64.shape, dtype=target) if order == 2 else None
    method = None if bound.activation.derivative is not None else numeric_method(bound)

    def work(start: int) -> None:
        part = slice(start, start + chunk)
        with np.errstate(all="ignore"):
            y64, dy64 = evaluate_chunk(bound, x64[part], method)
            rounded = round_to(y64, dtype)
            if target != np.float64:
                rounded = break_ties(bound, x64[part], y64, rounded, method, dtype)
            y[part] = rounded  # exactly representable: the cast does not round again
            dy[part] = round_to(dy64, dtype)
            if d2y is not None:
                d2y[part] = round_to(second_derivative_chunk(bound, x64[part]), dtype)

    starts = range(0, x64.size, chunk)
    # numpy releases the GIL inside ufuncs: chunks on all cores, each writing its own slice
    map_threads(work, starts, 1 if is_plugin(bound) or len(starts) < 4 else workers)
    second_kind = bound.second_derivative_kind if order == 2 else None
    return Evaluation(bound, x_out, y, dy, bound.derivative_kind, method, d2y, second_kind)


#: Below this |x| a float64 result equal to f(0) + f'(0) x has dropped its Taylor remainder.
TIE_REACH = 1e-20


def break_ties(
    bound: BoundActivation, x: np.ndarray, y64: np.ndarray, rounded: np.ndarray, method: str | None, dtype: str
) -> np.ndarray:
    """Correct double rounding where the float64 result is exactly halfway between two values of
    the narrower format.

    Rounding float64 to float32 is exact rounding of the float64 value, but that value is itself
    rounded: silu(61 * 2^-149) = 30.5000...013 * 2^-149 is 30.5 * 2^-149 in float64, a float32
    tie that round-to-even sends to 30 instead of 31. For tiny |x| (the only place such ties
    occur for the built-ins: results that are f(0) + f'(0) x exactly), the sign of the lost
    remainder f(x) - f(0) - f'(0) x is that of the leading Taylor term, read off at h = 1e-3
    with the sign of x; the tie goes to the neighbour on that side.
    """
    # ``rounded``: y64 correctly rounded to the format (as float64); at a tie y64 is halfway
    # between it and ``other``
    other = y64 + (y64 - rounded)
    tie = (rounded != y64) & (round_to(other, dtype) == other) & (np.abs(x) < TIE_REACH)
    if not tie.any():
        return rounded
    f0, d0 = (float(v[0]) for v in evaluate_chunk(bound, np.zeros(1), method))
    xt = x[tie]
    linear = f0 + d0 * xt
    h = np.copysign(1e-3, xt)
    fh = evaluate_chunk(bound, h, method)[0]
    remainder = np.sign(fh - f0 - d0 * h)
    out = rounded.copy()
    chosen = np.where(remainder * (other[tie] - y64[tie]) > 0, other[tie], rounded[tie])
    out[tie] = np.where(linear == y64[tie], chosen, rounded[tie])
    return out
