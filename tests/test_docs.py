"""The README cannot rot: its example commands run, and every command is documented."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from actplot.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"^\$ (actplot .+)$", README, flags=re.MULTILINE)


def test_quick_start_is_exactly_two_commands():
    block = README.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "actplot " in commands[0] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert "python -m pytest" in README and "python -m pytest" in ci


@pytest.mark.parametrize("command", EXAMPLES)
def test_readme_examples_run(runner, command, tmp_path, monkeypatch):
    args = shlex.split(command)[1:]
    monkeypatch.chdir(tmp_path)  # files the examples write land here
    if args[:2] == ["gallery", "--check"]:
        args += ["--out", str(ROOT / "gallery")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output


def test_repository_gallery_is_up_to_date(registry):
    from actplot.gallery import check_gallery
    from actplot.gated_units import GATED_UNITS
    from actplot.spec import bind

    report = check_gallery([bind(a) for a in registry.values()], ROOT / "gallery", gated=GATED_UNITS)
    assert report.ok, f"run 'actplot gallery': {report}"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_in_the_readme(name):
    assert f"actplot {name}" in README or f"`{name} " in README


def test_readme_defines_every_compare_column_word_for_word():
    from actplot.columns import COLUMNS

    text = " ".join(README.split())
    for column in COLUMNS:
        assert " ".join(column.definition.split()) in text, column.header
