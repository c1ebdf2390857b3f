"""Discovery: built-ins, --plugin files and modules, ACTPLOT_PLUGINS, entry points; failures and collisions."""

from __future__ import annotations

import os

import pytest

from actplot import Activation, UnknownActivationError, load_registry
from actplot.registry import collect
from tests.conftest import PLUGINS


def test_registry_is_read_only(registry):
    with pytest.raises(TypeError):
        registry["relu"] = registry["sigmoid"]  # type: ignore[index]


def test_each_load_builds_a_fresh_registry():
    assert load_registry(autoload=False) is not load_registry(autoload=False)


def test_aliases_resolve_to_the_canonical_activation(registry):
    assert registry["swish"] is registry["silu"]
    assert "swish" in registry and "swish" not in list(registry)


def test_unknown_name_suggests_close_match(registry):
    with pytest.raises(UnknownActivationError, match=r"did you mean 'relu'"):
        registry.lookup("rleu")


def test_plugin_file_adds_activations():
    registry = load_registry(plugins=[str(PLUGINS / "good_plugin.py")])
    assert registry["cube_root_unit"].source == str(PLUGINS / "good_plugin.py")
    assert registry["cube_root_unit"].derivative is None


def test_plugin_cannot_override_a_builtin_and_the_collision_is_recorded():
    registry = load_registry(plugins=[str(PLUGINS / "good_plugin.py")])
    assert registry["relu"].source == "built-in"
    (collision,) = [c for c in registry.collisions if c.name == "relu"]
    assert collision.kept == "built-in" and collision.dropped.endswith("good_plugin.py")


def test_broken_plugin_is_a_record_not_an_exception():
    registry = load_registry(plugins=[str(PLUGINS / "broken_plugin.py"), "no_such_module_anywhere"])
    messages = {f.plugin: f.message for f in registry.failures}
    assert "ModuleNotFoundError" in messages[str(PLUGINS / "broken_plugin.py")]
    assert "no_such_module_anywhere" in messages
    assert "relu" in registry  # everything else keeps working


def test_bad_declaration_is_refused_and_the_rest_of_the_plugin_loads():
    registry = load_registry(plugins=[str(PLUGINS / "bad_declaration.py")])
    assert "fine_one" in registry
    (failure,) = registry.failures
    assert "snake_case" in failure.message


def test_plugins_environment_variable(monkeypatch):
    monkeypatch.setenv("ACTPLOT_PLUGINS", os.pathsep.join([str(PLUGINS / "good_plugin.py"), ""]))
    assert "cube_root_unit" in load_registry()
    assert "cube_root_unit" not in load_registry(env=False)


def test_entry_points_accept_an_activation_an_iterable_and_a_module(plugin_site):
    registry = load_registry()
    assert registry["fixture_swish"].source == "actplot-fixture-plugin:everything"
    assert registry["fixture_square"].source == "actplot-fixture-plugin:everything"
    dropped = {c.dropped for c in registry.collisions}
    # sorted by distribution then entry-point name: everything < module < swish
    assert {"actplot-fixture-plugin:module", "actplot-fixture-plugin:swish"} <= dropped
    (failure,) = registry.failures
    assert failure.plugin == "actplot-fixture-plugin:missing"


def test_entry_point_scan_is_skipped_only_when_no_distribution_names_the_group(plugin_site, tmp_path, monkeypatch):
    """The pre-check that spares `actplot` importing importlib.metadata: no for a path whose
    distributions declare only other groups (importlib.metadata agrees), yes once the fixture's
    distribution is on it, yes for what it cannot look into (a zip file)."""
    import sys
    from importlib.metadata import entry_points

    from actplot.registry import ENTRY_POINT_GROUP, may_declare_entry_points

    other = tmp_path / "site" / "other_tool-1.0.dist-info"
    other.mkdir(parents=True)
    (other / "METADATA").write_text("Metadata-Version: 2.1\nName: other-tool\nVersion: 1.0\n")
    (other / "entry_points.txt").write_text("[console_scripts]\nother = other_tool:main\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(tmp_path / "site")])
    assert not may_declare_entry_points() and not entry_points(group=ENTRY_POINT_GROUP)
    assert may_declare_entry_points("console_scripts") and entry_points(group="console_scripts")
    monkeypatch.setattr(sys, "path", [*sys.path, str(plugin_site)])
    assert may_declare_entry_points() and entry_points(group=ENTRY_POINT_GROUP)
    archive = tmp_path / "plugins.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip archive
    monkeypatch.setattr(sys, "path", [str(tmp_path / "site"), str(archive)])
    assert may_declare_entry_points()


def test_disable_autoload_switch_hides_entry_points(plugin_site, monkeypatch):
    monkeypatch.setenv("ACTPLOT_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert "fixture_swish" not in load_registry()


def test_explicit_plugins_take_precedence_over_entry_points(plugin_site, tmp_path):
    plugin = tmp_path / "first.py"
    plugin.write_text(
        "from actplot import activation\n@activation('fixture_square')\ndef f(x):\n    'Mine.'\n    return x\n"
    )
    registry = load_registry(plugins=[str(plugin)])
    assert registry["fixture_square"].source == str(plugin)


def test_collect_refuses_other_objects():
    with pytest.raises(TypeError):
        collect(42)
    with pytest.raises(TypeError):
        collect([1, 2])


def test_builtins_are_plain_declarations(registry):
    assert all(isinstance(a, Activation) and a.source == "built-in" for a in registry.values())


def test_public_api_lists_exactly_what_it_exports():
    import actplot

    assert sorted(actplot.__all__) == sorted(["__version__", *actplot._EXPORTS])
    for name in actplot.__all__:
        assert getattr(actplot, name) is not None


def test_every_builtin_formula_is_valid_mathtext(registry):
    """Figures trust built-in formulas (no parse per page to check them): this is the check."""
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")
    for act in registry.values():
        if act.formula and act.source == "built-in":
            parser.parse(f"$f(x) = {act.formula}$")
