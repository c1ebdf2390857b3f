"""The command line through CliRunner (exit code first, then stdout, then stderr), and once for real."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from actplot import __version__, evaluate, load_registry, resolve
from actplot.cli import cli
from tests.conftest import PLUGINS

COMMANDS = ["list", "info", "eval", "check", "compare", "diff", "plot", "gallery"]


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"actplot, version {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"actplot {command}" in result.stdout


def test_list_shows_every_builtin(runner, registry):
    result = runner.invoke(cli, ["list"], terminal_width=200)
    assert result.exit_code == 0
    for name in registry:
        assert name in result.stdout


def test_list_json_schema(runner, registry):
    result = runner.invoke(cli, ["list", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"activations", "broken", "collisions", "gated_units"}
    assert data["gated_units"][1] == {
        "name": "swiglu",
        "gate": "silu",
        "inputs": ["a", "b"],
        "reference": "Shazeer 2020, 'GLU Variants Improve Transformer' (arXiv 2002.05202)",
    }
    row = next(r for r in data["activations"] if r["name"] == "leaky_relu")
    assert row == {
        "name": "leaky_relu",
        "aliases": ["lrelu", "leakyrelu"],
        "params": {"negative_slope": 0.01},
        "family": "rectifier",
        "source": "built-in",
        "derivative": "analytic",
        "summary": registry["leaky_relu"].summary,
    }


def test_list_marks_a_broken_plugin_and_warns_once_per_line(runner):
    result = runner.invoke(cli, ["list", "--plugin", str(PLUGINS / "broken_plugin.py")], terminal_width=200)
    assert result.exit_code == 0
    assert "broken" in result.stdout and "relu" in result.stdout
    (warning,) = result.stderr.strip().splitlines()
    assert warning.startswith("warning: plugin ") and "broken_plugin.py" in warning and "ModuleNotFoundError" in warning


def test_list_reports_collisions(runner):
    result = runner.invoke(cli, ["list", "--plugin", str(PLUGINS / "good_plugin.py")])
    assert result.exit_code == 0
    assert "warning: 'relu' from" in result.stderr and "already defined by built-in" in result.stderr


def test_info_shows_formula_range_and_kink_convention(runner):
    result = runner.invoke(cli, ["info", "elu:alpha=2"])
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("elu:alpha=2: Exponential linear unit")
    assert "(-2, inf)" in out and "C0" in out and "f'(0) = alpha" in out and "PyTorch" in out


def test_info_explains_numerical_shortcuts(runner):
    result = runner.invoke(cli, ["info", "softplus"])
    assert result.exit_code == 0
    assert "threshold" in result.stdout and "5.8e5 ulp" in result.stdout


def test_eval_json_round_trips_and_matches_the_library(runner):
    result = runner.invoke(
        cli, ["eval", "gelu", "elu:alpha=0.5", "--range", "-3", "3", "--num", "13", "--format", "json"]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["label"] for d in data] == ["gelu", "elu:alpha=0.5"]
    assert data[1]["params"] == {"alpha": 0.5} and data[0]["derivative"] == "analytic"
    expected = evaluate(resolve("gelu")[0], np.linspace(-3, 3, 13))
    assert data[0]["y"] == expected.y.tolist() and data[0]["dy"] == expected.dy.tolist()


def test_eval_json_writes_non_finite_values_as_strings(runner):
    result = runner.invoke(cli, ["eval", "exponential", "--at", "1000,0", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["y"] == ["inf", 1.0]


def test_eval_float32_json_is_shortest_float32_repr(runner):
    result = runner.invoke(cli, ["eval", "identity", "--at", "0.1", "--format", "json", "--dtype", "float32"])
    assert result.exit_code == 0
    assert '"y": [0.1]' in result.stdout


def test_eval_csv_header_and_rows(runner):
    result = runner.invoke(cli, ["eval", "relu", "hardtanh:min_val=-2,max_val=2", "--at", "-3,0.5", "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == 'x,relu,drelu,"hardtanh:min_val=-2,max_val=2","dhardtanh:min_val=-2,max_val=2"'
    assert lines[1:] == ["-3.0,0.0,0.0,-2.0,0.0", "0.5,0.5,1.0,0.5,1.0"]


def test_eval_table_labels_numeric_derivatives(runner):
    result = runner.invoke(cli, ["eval", "cube_root_unit", "--plugin", str(PLUGINS / "good_plugin.py"), "--num", "3"])
    assert result.exit_code == 0
    assert "d cube_root_unit (numeric)" in result.stdout


def test_plugin_option_is_accepted_before_the_command(runner):
    result = runner.invoke(cli, ["--plugin", str(PLUGINS / "good_plugin.py"), "eval", "cube_root_unit", "--at", "0"])
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "rleu"], "unknown activation 'rleu' (did you mean 'relu'?)"),
        (["eval", "elu:alpah=1"], "did you mean 'alpha'?"),
        (["eval", "relu", "--range", "5", "-5"], "LO must be less than HI"),
        (["eval", "relu", "--range", "1", "1"], "LO must be less than HI"),
        (["eval", "relu", "--range", "nan", "1"], "must be finite"),
        (["eval", "relu", "--num", "1"], "at least 2"),
        (["eval", "relu", "--num", "2.5"], "not a whole number"),
        (["eval", "relu", "--at", "1,x"], "'x' is not a number"),
        (["eval", "relu", "--dtype", "float8"], "float8"),
        (["info", "sigmoidd"], "did you mean 'sigmoid'?"),
        (["check", "nope"], "unknown activation 'nope'"),
        (["eval"], "Missing argument"),
    ],
)
def test_bad_input_exits_2_with_a_one_line_error(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1


def test_misbehaving_plugin_exits_1_naming_it(runner):
    result = runner.invoke(cli, ["eval", "wrong_shape", "--plugin", str(PLUGINS / "misbehaving_plugin.py")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: plugin ") and "'wrong_shape'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unexpected_error_is_one_line_unless_debug(runner, monkeypatch):
    import actplot.numerics

    def explode(*_args, **_kwargs):
        raise ValueError("kaboom")

    monkeypatch.setattr(actplot.numerics, "evaluate", explode)
    result = runner.invoke(cli, ["eval", "relu"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: internal error: ValueError: kaboom (rerun with --debug for the traceback)"
    debug = runner.invoke(cli, ["eval", "relu", "--debug"])
    assert isinstance(debug.exception, ValueError)


def test_check_exits_1_and_locates_a_wrong_derivative(runner):
    result = runner.invoke(cli, ["check", "wrong_grad", "relu", "--plugin", str(PLUGINS / "good_plugin.py")])
    assert result.exit_code == 1
    assert "FAIL  wrong_grad:" in result.stdout and "ok    relu" in result.stdout
    assert "1 of 2 derivatives disagree" in result.stderr


def test_check_passes_for_all_builtins(runner):
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 0
    from actplot.gated_units import GATED_UNITS

    expected = len(load_registry(autoload=False)) + len(GATED_UNITS)  # gated units: both partials
    assert "FAIL" not in result.stdout and result.stdout.count("ok ") == expected


def test_shell_completion_of_names_and_parameters(runner):
    env = {"_ACTPLOT_COMPLETE": "bash_complete", "COMP_WORDS": "actplot eval rel", "COMP_CWORD": "2"}
    result = runner.invoke(cli, [], env=env, prog_name="actplot")
    assert "plain,relu\n" in result.stdout and "plain,relu6\n" in result.stdout
    env["COMP_WORDS"] = "actplot eval hardtanh:min_val=-2,ma"
    result = runner.invoke(cli, [], env=env, prog_name="actplot")
    assert "plain,hardtanh:min_val=-2,max_val=" in result.stdout


def test_installed_command_runs_for_real():
    exe = shutil.which("actplot")
    assert exe, "the actplot console script is not installed (pip install -e '.[test]')"
    proc = subprocess.run(
        [exe, "eval", "sigmoid", "--at", "-800,0,40", "--format", "csv"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "x,sigmoid,dsigmoid",
        "-800.0,0.0,0.0",
        "0.0,0.5,0.25",
        "40.0,1.0,4.248354255291589e-18",
    ]
    bad = subprocess.run([exe, "eval", "rleu"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("Error: unknown activation")


@pytest.mark.parametrize("args", [["--help"], ["list"], ["info", "relu"], ["plot", "--help"], ["gallery", "--help"]])
def test_startup_imports_neither_matplotlib_nor_scipy(args):
    code = (
        "import sys\nfrom actplot.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='actplot')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('matplotlib', 'scipy', 'ml_dtypes') if m in sys.modules))"
        "\nprint('numpy' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-2] == "[]"
    if args == ["--help"]:
        assert proc.stdout.strip().splitlines()[-1] == "False"  # not even numpy
