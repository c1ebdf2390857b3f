"""Values of f' at kinks follow PyTorch 2.13's autograd (verified values, shared/reference/kink_table.md)."""

from __future__ import annotations

import numpy as np
import pytest

from actplot import evaluate, resolve

# (spec, x, torch f(x), torch autograd f'(x)), copied from the verified table.
TORCH_KINKS = [
    ("softsign", 0.0, 0.0, 1.0),
    ("relu", 0.0, 0.0, 0.0),
    ("relu", -0.0, 0.0, 0.0),
    ("relu6", 0.0, 0.0, 0.0),
    ("relu6", 6.0, 6.0, 0.0),
    ("leaky_relu", 0.0, 0.0, 0.01),
    ("leaky_relu:negative_slope=0.2", 0.0, 0.0, 0.2),
    ("prelu", 0.0, 0.0, 0.25),
    ("rrelu", 0.0, 0.0, 0.22916666666666666),
    ("elu", 0.0, 0.0, 1.0),
    ("elu:alpha=2", 0.0, 0.0, 2.0),
    ("elu:alpha=0.5", 0.0, 0.0, 0.5),
    ("selu", 0.0, 0.0, 1.7580993408473766),
    ("celu", 0.0, 0.0, 1.0),
    ("celu:alpha=2", 0.0, 0.0, 1.0),
    ("hardswish", -3.0, 0.0, 0.0),
    ("hardswish", 3.0, 3.0, 1.0),
    ("hardswish", -1.5, -0.375, 0.0),
    ("hardsigmoid", -3.0, 0.0, 0.0),
    ("hardsigmoid", 3.0, 1.0, 0.0),
    ("softplus:threshold=20", 20.0, 20.000000002061153, 0.9999999979388464),
    ("softplus:threshold=20", 20.000000000000004, 20.000000000000004, 1.0),
    ("hardtanh", -1.0, -1.0, 0.0),
    ("hardtanh", 1.0, 1.0, 0.0),
    ("hardshrink", -0.5, 0.0, 0.0),
    ("hardshrink", 0.5, 0.0, 0.0),
    ("softshrink", -0.5, 0.0, 0.0),
    ("softshrink", 0.5, 0.0, 0.0),
    ("tanhshrink", 0.0, 0.0, 0.0),
    ("threshold:threshold=1,value=0", 1.0, 0.0, 0.0),
    ("threshold:threshold=0,value=0.5", 0.0, 0.5, 0.0),
]


@pytest.mark.parametrize(("spec", "x", "value", "grad"), TORCH_KINKS, ids=[f"{s}@{x}" for s, x, *_ in TORCH_KINKS])
def test_kink_values_follow_torch_autograd(spec, x, value, grad):
    (bound,) = resolve(spec)
    ev = evaluate(bound, np.array([x]))
    assert ev.y[0] == value
    assert ev.dy[0] == grad


def test_exact_softplus_is_not_torch_shortcut():
    (bound,) = resolve("softplus")
    ev = evaluate(bound, np.array([20.000000000000004]))
    assert ev.y[0] == 20.000000002061157  # torch's threshold=20 returns x: 5.8e5 ulp off
    assert ev.dy[0] == 0.9999999979388464  # torch returns exactly 1


def test_hardsigmoid_slope_is_exactly_one_sixth():
    (bound,) = resolve("hardsigmoid")
    assert evaluate(bound, np.array([0.5])).dy[0] == 1 / 6  # torch float64 gives float32(1/6)


def test_binary_step_is_one_at_zero_and_flat():
    (bound,) = resolve("binary_step")
    ev = evaluate(bound, np.array([-1e-300, 0.0, 1e-300]))
    assert ev.y.tolist() == [0.0, 1.0, 1.0]
    assert ev.dy.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("spec", [s for s, *_ in TORCH_KINKS if s not in ("tanhshrink", "softsign")])
def test_kink_convention_is_documented(spec):
    (bound,) = resolve(spec)
    assert "PyTorch" in bound.activation.kink_convention
