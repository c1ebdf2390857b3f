"""actplot propagate: Gaussian moments, mean field and the edge of chaos, against closed forms,
an independent mpmath quadrature and a Monte Carlo witness (issue 11)."""

from __future__ import annotations

import json
import math

import mpmath as mp
import numpy as np
import pytest

from actplot import edge_of_chaos, mean_field, moments, resolve
from actplot.cli import cli
from actplot.propagation import _Gaussian, correlation_map


@pytest.mark.parametrize("q", [0.25, 1.0, 3.0])
def test_relu_closed_forms(q):
    m = moments("relu", q)
    assert m.mean == pytest.approx(math.sqrt(q / (2 * math.pi)), rel=1e-12)
    assert m.second_moment == pytest.approx(q / 2, rel=1e-12)
    assert m.grad_second_moment == pytest.approx(0.5, rel=1e-12)
    assert m.gain == pytest.approx(math.sqrt(2), rel=1e-12) and m.torch_gain == pytest.approx(math.sqrt(2))


@pytest.mark.parametrize("slope", [0.01, 0.2, 0.5])
def test_leaky_relu_matches_calculate_gain(slope):
    m = moments(f"leaky_relu:negative_slope={slope}", 2.0)
    assert m.second_moment == pytest.approx(2.0 * (1 + slope**2) / 2, rel=1e-12)
    assert m.gain == pytest.approx(math.sqrt(2 / (1 + slope**2)), rel=1e-12)
    assert m.torch_gain == pytest.approx(m.gain, rel=1e-12)  # PyTorch's table is exact here


def test_identity_gain_is_one_and_tanh_differs_from_torch():
    assert moments("identity").gain == pytest.approx(1.0, rel=1e-13)
    tanh = moments("tanh")
    assert tanh.gain == pytest.approx(1.5925374197228315, rel=1e-10) and tanh.torch_gain == pytest.approx(5 / 3)
    assert moments("gelu").torch_gain is None


@pytest.mark.parametrize("q", [0.1, 1.0, 7.5])
def test_erf_second_moment_is_williams_arcsine(q):
    # Williams 1997: E[erf(a z1) erf(a z2)] = (2/pi) arcsin(2 a^2 c / (1 + 2 a^2)) with a^2 = q, c = 1
    expected = 2 / math.pi * math.asin(2 * q / (1 + 2 * q))
    assert moments("erf(x)", q).second_moment == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("c", [-0.9, -0.3, 0.0, 0.4, 0.8, 0.99])
def test_relu_correlation_map_is_the_arc_cosine_kernel(c):
    # Cho & Saul 2009, degree 1; at sigma_w^2 = 2, sigma_b^2 = 0 the map is c -> kernel(c)
    kernel = (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c) / math.pi
    assert correlation_map("relu", 2.0, 0.0, 1.7, c) == pytest.approx(kernel, rel=1e-12, abs=1e-14)


def test_erf_correlation_map_is_williams_arcsine():
    q, c = 0.8, 0.37
    g = _Gaussian(resolve("erf(x)")[0])
    expected = 2 / math.pi * math.asin(2 * q * c / (1 + 2 * q))
    assert g.pair(q, c, derivative=False) == pytest.approx(expected, rel=1e-12)


def test_selu_is_self_normalising():
    m = moments("selu")
    assert abs(m.mean) < 1e-9 and m.variance == pytest.approx(1.0, abs=1e-9)


MP_FUNCTIONS = {
    "relu": lambda x: max(x, 0),
    "tanh": mp.tanh,
    "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
    "elu": lambda x: x if x > 0 else mp.exp(x) - 1,
    "gelu": lambda x: x * mp.ncdf(x),
    "silu": lambda x: x / (1 + mp.exp(-x)),
    "mish": lambda x: x * mp.tanh(mp.log1p(mp.exp(x))),
    "softplus": lambda x: mp.log1p(mp.exp(x)),
    "hardtanh": lambda x: min(max(x, -1), 1),
    "softsign": lambda x: x / (1 + abs(x)),
    "leaky_relu": lambda x: x if x > 0 else mp.mpf("0.01") * x,
    "hardswish": lambda x: 0 if x <= -3 else (x if x >= 3 else x * (x + 3) / 6),
}
KINKS = {"hardtanh": [-1, 1], "hardswish": [-3, 3]}


@pytest.mark.parametrize("name", sorted(MP_FUNCTIONS))
def test_moments_against_mpmath_quadrature(name):
    mp.mp.dps = 30
    f = MP_FUNCTIONS[name]
    q = mp.mpf("1.7")
    points = sorted({-mp.inf, mp.inf, 0, *(k / mp.sqrt(q) for k in KINKS.get(name, []))})

    def expect(g):
        return mp.quad(lambda z: g(mp.sqrt(q) * z) * mp.npdf(z), points)

    m = moments(name, 1.7)
    assert m.mean == pytest.approx(float(expect(f)), rel=1e-12, abs=1e-12)
    assert m.second_moment == pytest.approx(float(expect(lambda x: f(x) ** 2)), rel=1e-12, abs=1e-12)


def test_monte_carlo_witness():
    z = np.random.default_rng(1).standard_normal(10_000_000)
    for name, f in (("tanh", np.tanh), ("relu", lambda x: np.maximum(x, 0))):
        m = moments(name)
        y = f(z)
        assert m.mean == pytest.approx(float(y.mean()), abs=2e-3)
        assert m.second_moment == pytest.approx(float((y * y).mean()), abs=2e-3)


def test_mean_field_relu_closed_forms():
    # q* = sigma_b^2 / (1 - sigma_w^2 / 2); chi1 = sigma_w^2 / 2 = dG/dq: xi_q = xi_c = -1 / log chi1
    f = mean_field("relu", 1.5, 0.1)
    assert f.q_star == pytest.approx(0.4, rel=1e-10) and f.chi1 == pytest.approx(0.75, rel=1e-12)
    assert f.depth_scale_q == pytest.approx(-1 / math.log(0.75), rel=1e-6)
    assert f.depth_scale_c == pytest.approx(-1 / math.log(0.75), rel=1e-9)
    assert f.phase == "ordered" and f.c_star == 1.0
    assert mean_field("relu", 2.5, 0.0).phase == "divergent"


def test_tanh_mean_field_is_consistent():
    ordered, chaotic = mean_field("tanh", 1.5, 0.05), mean_field("tanh", 3.0, 0.05)
    g = _Gaussian(resolve("tanh")[0])
    for f in (ordered, chaotic):
        # q* is a fixed point of the length map; chi1 is sigma_w^2 E[f'^2] there
        assert f.weight_var * g.moments(f.q_star)[1] + f.bias_var == pytest.approx(f.q_star, rel=1e-10)
        assert f.chi1 == pytest.approx(f.weight_var * g.moments(f.q_star)[2], rel=1e-12)
    assert ordered.phase == "ordered" and ordered.chi1 < 1
    assert chaotic.phase == "chaotic" and chaotic.chi1 > 1 and 0 < chaotic.c_star < 1
    c = chaotic.c_star
    assert correlation_map("tanh", 3.0, 0.05, chaotic.q_star, c) == pytest.approx(c, rel=1e-10)


def test_edge_of_chaos():
    assert edge_of_chaos("tanh", 0.0) == pytest.approx(1.0, rel=1e-10)
    assert edge_of_chaos("relu", 0.0) == pytest.approx(2.0, rel=1e-12)
    w = edge_of_chaos("tanh", 0.05)
    assert mean_field("tanh", w, 0.05).chi1 == pytest.approx(1.0, abs=1e-9)
    assert mean_field("tanh", w * 1.01, 0.05).phase == "chaotic"
    assert mean_field("tanh", w * 0.99, 0.05).phase == "ordered"


def test_propagate_json_contract(runner):
    result = runner.invoke(cli, ["propagate", "relu", "tanh", "--weight-var", "1.5", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"q", "dtype", "weight_var", "bias_var", "activations"}
    assert data["q"] == 1.0 and data["weight_var"] == 1.5 and data["bias_var"] == 0.0
    keys = {
        "name", "label", "params", "mean", "second_moment", "variance", "grad_second_moment", "gain", "torch_gain",
        "q_star", "chi1", "c_star", "depth_scale_q", "depth_scale_c", "phase", "critical_weight_var",
    }  # fmt: skip
    for row in data["activations"]:
        assert set(row) == keys and row["critical_weight_var"] is None
    plain = json.loads(runner.invoke(cli, ["propagate", "relu", "--format", "json"]).stdout)
    assert plain["weight_var"] is None and plain["activations"][0]["q_star"] is None


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_propagate_formats(runner, fmt):
    result = runner.invoke(cli, ["propagate", "relu", "gelu", "--format", fmt], env={"COLUMNS": "100"})
    assert result.exit_code == 0 and "1.414" in result.stdout and "gelu" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["propagate", "relu", "--bias-var", "0.1"], "--bias-var needs --weight-var"),
        (["propagate", "relu", "--weight-var", "-1"], "--weight-var"),
        (["propagate", "relu", "--q", "0"], "--q"),
        (["propagate", "relu", "tanh", "--weight-var", "1", "--plot", "d.png"], "one name"),
        (["propagate", "relu", "--plot", "d.bmp"], "bmp"),
    ],
)
def test_propagate_usage_errors(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


def test_propagate_figures(runner, tmp_path):
    phase = tmp_path / "phase.png"
    result = runner.invoke(cli, ["propagate", "tanh", "relu", "--plot", str(phase)])
    assert result.exit_code == 0, result.output
    assert phase.read_bytes()[:4] == b"\x89PNG"
    from actplot.propagation_plots import depth_figure, phase_diagram

    fig = phase_diagram(resolve(["tanh"]), np.array([0.0, 0.05]))
    (line,) = fig.axes[0].get_lines()
    assert line.get_xdata()[1] == pytest.approx(edge_of_chaos("tanh", 0.05), rel=1e-12)
    depth = depth_figure("tanh", 1.5, 0.05, layers=30)
    q_lines = depth.axes[0].get_lines()
    assert all(ln.get_ydata()[-1] == pytest.approx(mean_field("tanh", 1.5, 0.05).q_star, rel=1e-6) for ln in q_lines)
