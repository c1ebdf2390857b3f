"""--against torch: what PyTorch computes, with the real framework (issue 16). The expected
boundaries are found here with torch itself, float by float, independently of actplot's search."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actplot import resolve
from actplot.cli import cli

torch = pytest.importorskip("torch", reason="the torch extra is not installed (pip install 'actplot[torch]')")

from actplot.frameworks import measure, zero_gradient_regions  # noqa: E402


def first_zero_gradient(op, dtype, lo: float, hi: float) -> float:
    """The first float x in [lo, hi] (in the format) from which torch's autograd f' is exactly 0,
    by bisection on the format's floats, with torch alone."""
    tdtype = getattr(torch, dtype)

    def zero(x: float) -> bool:
        t = torch.tensor([x], dtype=tdtype, requires_grad=True)
        op(t).sum().backward()
        return float(t.grad[0]) == 0.0

    a = torch.tensor(lo, dtype=tdtype)
    b = torch.tensor(hi, dtype=tdtype)
    assert not zero(float(a)) and zero(float(b))
    while True:
        mid = torch.tensor((float(a) + float(b)) / 2, dtype=tdtype)
        if float(mid) in (float(a), float(b)):
            nxt = torch.nextafter(a, b)
            if float(nxt) == float(b):
                return float(b)
            mid = nxt
        if zero(float(mid)):
            b = mid
        else:
            a = mid


@pytest.mark.parametrize(
    ("name", "dtype", "approx"),
    [
        ("sigmoid", "float64", 36.74),
        ("tanh", "float64", 19.06),
        ("sigmoid", "float32", 16.64),
        ("tanh", "float32", 9.01),
    ],
)
def test_where_torch_gradients_collapse(name, dtype, approx):
    op = torch.sigmoid if name == "sigmoid" else torch.tanh
    first = first_zero_gradient(op, dtype, 1.0, 200.0)
    assert first == pytest.approx(approx, abs=0.01)  # the figures the issue reported
    report = measure(resolve(name)[0], "torch", dtype)
    right = [r for r in report.zero_gradient if r.hi > 0]
    assert right and right[0].lo == first  # found to the float, not to the grid
    regions = zero_gradient_regions(resolve(name)[0], "torch", dtype, (0.0, 200.0))
    assert regions and regions[0].lo == first


def test_softplus_threshold_shortcut_is_measured():
    report = measure(resolve("softplus")[0], "torch", "float64")
    assert report.max_ulp_f == pytest.approx(5.8e5, rel=0.01)
    assert report.argmax_ulp_f == pytest.approx(20.0, abs=1e-9)


@pytest.mark.parametrize("name", ["relu", "hardtanh", "relu6", "leaky_relu"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_exact_functions_are_exact_in_torch(name, dtype):
    report = measure(resolve(name)[0], "torch", dtype)
    assert report.max_ulp_f <= 1 and report.max_ulp_df <= 1 and report.zero_gradient == ()


@pytest.mark.parametrize(
    "name",
    ["identity", "relu", "relu6", "leaky_relu", "prelu", "rrelu", "elu", "selu", "celu", "gelu", "gelu_tanh", "silu",
     "mish", "hardswish", "hardsigmoid", "softplus", "logsigmoid", "sigmoid", "tanh", "softsign", "hardtanh",
     "hardshrink", "softshrink", "tanhshrink", "threshold", "exponential", "sinusoid", "arctan", "softmax",
     "log_softmax", "softmin"],
)  # fmt: skip
def test_every_mapping_agrees_with_actplot_in_the_middle(name):
    # away from tails and kinks, framework and exact values agree to a few ulp in float64: the
    # mapping (function and parameters) is the right one
    x = np.array([-2.3, -0.7, 0.4, 1.9])
    report = measure(resolve(name)[0], "torch", "float64", grid=x)
    assert report.max_ulp_f <= 64, report
    if name == "hardsigmoid":
        # torch's backward multiplies by the float32 constant 1/6 even in float64: a real deviation
        t = torch.tensor([0.4], dtype=torch.float64, requires_grad=True)
        torch.nn.functional.hardsigmoid(t).sum().backward()
        assert float(t.grad[0]) == float(np.float32(1 / 6)) and report.max_ulp_df > 1e8
    else:
        assert report.max_ulp_df <= 64, report


def test_check_against_torch_cli(runner):
    result = runner.invoke(cli, ["check", "sigmoid", "gaussian", "--against", "torch", "--dtype", "float32",
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["framework"] == "torch" and data["dtype"] == "float32" and data["not_in_framework"] == ["gaussian"]
    (row,) = data["activations"]
    assert row["call"] == "torch.sigmoid(x)" and row["zero_gradient"][1][0] == pytest.approx(16.6355, abs=1e-4)
    table = runner.invoke(cli, ["check", "tanh", "--against", "torch"], env={"COLUMNS": "160"})
    assert table.exit_code == 0 and "19.06" in table.stdout


def test_compare_and_plot_against_torch(runner, tmp_path):
    args = [
        "compare",
        "sigmoid",
        "--against",
        "torch",
        "--dtype",
        "float32",
        "--range",
        "-50",
        "50",
        "--format",
        "json",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["activations"]
    assert row["framework_zero_gradient"] == [[pytest.approx(16.6355, abs=1e-4), 50.0]]  # the truth is not 0 there
    assert row["flushed"] == []
    out = tmp_path / "s.png"
    plot = runner.invoke(cli, ["plot", "sigmoid", "--against", "torch", "--dtype", "float32", "--range", "0", "40",
                               "--out", str(out)])  # fmt: skip
    assert plot.exit_code == 0 and out.read_bytes()[:4] == b"\x89PNG"


def test_float8_is_refused_against_a_framework(runner):
    result = runner.invoke(cli, ["check", "relu", "--against", "torch", "--dtype", "float8_e5m2"])
    assert result.exit_code == 2 and "float64, float32, float16, bfloat16" in result.stderr


def test_jax_is_measured_or_named_as_missing(runner):
    try:
        import jax  # noqa: F401
    except ImportError:
        result = runner.invoke(cli, ["check", "relu", "--against", "jax"])
        assert result.exit_code == 1 and "pip install 'actplot[jax]'" in result.stderr
        return
    result = runner.invoke(cli, ["check", "relu", "--against", "jax", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["activations"][0]["max_ulp_f"] == 0


def test_precision_against_torch(runner):
    result = runner.invoke(cli, ["precision", "sigmoid", "--against", "torch", "--range", "-50", "50",
                                 "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["framework"] == "torch"
    formats = {f["dtype"]: f for f in data["activations"][0]["formats"]}
    first = first_zero_gradient(torch.sigmoid, "float32", 1.0, 50.0)
    assert formats["float32"]["framework_grad_flush_right"] == first and formats["float32"]["grad_flush_right"] is None
    assert formats["float8_e5m2"]["framework_grad_flush_right"] is None  # torch does not compute in float8 here
