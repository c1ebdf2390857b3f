"""actplot compare and actplot diff through CliRunner."""

from __future__ import annotations

import json

import pytest

from actplot.cli import cli

ACTIVATION_KEYS = {
    "name", "label", "params", "output_min", "output_max", "range", "monotonic", "zero_centered",
    "continuity", "value_at_zero", "grad_at_zero", "max_abs_grad", "argmax_abs_grad", "zero_gradient",
    "zero_gradient_fraction", "saturation", "saturation_fraction", "derivative",
}  # fmt: skip
# Added by issues 10 and 15 (fields are only ever added: the old ones above keep their meaning).
NEW_KEYS = {
    "range_text", "gaussian_mean", "gaussian_second_moment", "gain", "max_abs_grad_attained",
    "max_abs_grad_on", "dead", "dead_fraction", "flushed", "flushed_fraction", "saturation_tails",
    "saturation_tails_fraction", "near_stationary", "near_stationary_fraction", "stationary_points",
    "distinct_outputs",  # issue 12
    "max_abs_curvature", "argmax_abs_curvature", "convex", "concave", "second_derivative",  # issue 13
}  # fmt: skip


def test_compare_json_follows_the_contract(runner):
    result = runner.invoke(cli, ["compare", "relu", "sigmoid", "elu:alpha=0.5", "--format", "json", "--num", "2001"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"window", "num", "saturation_threshold", "dtype", "activations"}
    assert data["window"] == [-10.0, 10.0] and data["num"] == 2001 and data["saturation_threshold"] == 0.01
    assert data["dtype"] == "float64"
    for row in data["activations"]:
        assert set(row) == ACTIVATION_KEYS | NEW_KEYS
    relu, sigmoid, elu = data["activations"]
    assert relu["zero_gradient"] == [[-10.0, 0.0]] and relu["zero_gradient_fraction"] == 0.5
    assert relu["range"] == [0.0, "inf"] and relu["derivative"] == "analytic"
    assert sigmoid["saturation"][1][0] == pytest.approx(4.584863339, abs=1e-9)
    assert elu["label"] == "elu:alpha=0.5" and elu["params"] == {"alpha": 0.5}


def test_compare_without_names_covers_the_registry(runner, registry):
    result = runner.invoke(cli, ["compare", "--format", "json", "--num", "501"])
    assert result.exit_code == 0
    assert [a["name"] for a in json.loads(result.stdout)["activations"]] == list(registry)


def test_compare_warns_about_non_finite_values(runner):
    result = runner.invoke(cli, ["compare", "exponential", "--range", "0", "1000", "--format", "json"])
    assert result.exit_code == 0
    assert "warning: exponential:" in result.stderr and "not finite" in result.stderr
    assert json.loads(result.stdout)["activations"][0]["range"] == [0.0, "inf"]


@pytest.mark.parametrize("width", [60, 200])
def test_table_renders_within_the_terminal_width(runner, width):
    args = ["compare", "sigmoid", "relu", "gelu", "hardtanh:min_val=-2,max_val=2"]
    result = runner.invoke(cli, args, env={"COLUMNS": str(width)})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width, [line for line in lines if len(line) > width]
    for text in ("sigmoid", "relu", "gelu", "hardtanh:min_val=-2,max_val=2", "|x| > 4.585", "x ≤ 0", "|x| ≥ 2"):
        assert text in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR and not a terminal: plain text


def test_sort_descending_by_saturation(runner):
    result = runner.invoke(cli, ["compare", "relu", "tanh", "sigmoid", "--sort", "-saturation", "--format", "json"])
    assert result.exit_code == 0
    # tanh saturates beyond 2.993, sigmoid beyond 4.585: tanh covers more of [-10, 10]
    assert [a["name"] for a in json.loads(result.stdout)["activations"]] == ["tanh", "sigmoid", "relu"]


def test_markdown_and_csv(runner):
    md = runner.invoke(cli, ["compare", "relu", "sigmoid", "--format", "markdown"])
    assert md.exit_code == 0
    assert md.stdout.splitlines()[0].startswith("| activation | output on window |")
    assert "\\|x\\| > 4.585" in md.stdout
    csv_out = runner.invoke(cli, ["compare", "relu", "--format", "csv"])
    assert csv_out.exit_code == 0
    header, row = csv_out.stdout.splitlines()
    assert header.split(",")[:3] == ["name", "label", "params"] and "-10.0:0.0" in row


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--range", "5", "-5"], "LO must be less than HI"),
        (["--range", "3", "3"], "LO must be less than HI"),
        (["--range", "-inf", "3"], "finite"),
        (["--num", "1"], "at least 2"),
        (["--num", "1.5"], "not a whole number"),
        (["--saturation", "-0.1"], "--saturation -0.1"),
        (["--saturation", "nan"], "--saturation nan"),
        (["--sort", "bogus"], "unknown column"),
        (["--dtype", "int8"], "int8"),
    ],
)
def test_bad_compare_input_exits_2(runner, args, message):
    result = runner.invoke(cli, ["compare", "relu", *args])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_diff_json(runner):
    result = runner.invoke(cli, ["diff", "gelu", "gelu:approximate=tanh", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["max_abs_diff"] == pytest.approx(4.732e-4, rel=1e-3)
    assert abs(data["argmax_abs_diff"]) == pytest.approx(2.699, abs=1e-3)
    assert data["regions"] == [] and data["a"] == "gelu" and data["b"] == "gelu:approximate=tanh"


def test_diff_table(runner):
    result = runner.invoke(cli, ["diff", "relu", "leaky_relu", "--tol", "0.05"])
    assert result.exit_code == 0
    assert "max |A - B|" in result.stdout and "x < -5" in result.stdout


def test_diff_bad_input(runner):
    result = runner.invoke(cli, ["diff", "gelu", "geluu"])
    assert result.exit_code == 2 and "did you mean 'gelu'" in result.stderr
    result = runner.invoke(cli, ["diff", "gelu", "relu", "--tol", "-1"])
    assert result.exit_code == 2 and "--tol -1" in result.stderr
