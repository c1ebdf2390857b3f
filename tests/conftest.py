"""Shared fixtures. Installed plugins are kept out of every test (as pytest's own autoload switch)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from actplot import load_registry

PLUGINS = Path(__file__).parent / "plugins"

# A deterministic profile for CI; HYPOTHESIS_PROFILE=long for on-demand runs.
settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None)
settings.register_profile("long", max_examples=10_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTPLOT_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("ACTPLOT_PLUGINS", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def registry():
    return load_registry(autoload=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def plugin_site(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site directory with an importlib.metadata-visible distribution declaring entry points."""
    site = PLUGINS / "site"
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv("ACTPLOT_DISABLE_PLUGIN_AUTOLOAD")
    return site


BUILTIN_NAMES = sorted(load_registry(autoload=False))
