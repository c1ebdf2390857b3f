"""actplot check: built-ins pass; a plugin's wrong derivative is caught and located."""

from __future__ import annotations

import pytest

from actplot import bind, check_derivative, load_registry
from tests.conftest import BUILTIN_NAMES, PLUGINS


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_derivatives_pass_the_check(registry, name):
    result = check_derivative(bind(registry[name]))
    assert result.checked and result.ok, result


@pytest.mark.parametrize(
    "spec",
    [
        "elu:alpha=0.3",
        "leaky_relu:negative_slope=-0.5",
        "hardtanh:min_val=-3,max_val=0.5",
        "gelu:approximate=tanh",
        "smht:a=0.5,b=2,c=1.5,d=0.7",
        "softplus:beta=3,threshold=20",
        "squareplus:b=0",
        "threshold:threshold=-1,value=2",
        "celu:alpha=3",
        "isru:alpha=4",
    ],
)
def test_derivatives_pass_at_non_default_parameters(spec):
    from actplot import resolve

    (bound,) = resolve(spec)
    assert check_derivative(bound).ok


def test_wrong_plugin_derivative_is_caught_with_location():
    registry = load_registry(plugins=[str(PLUGINS / "good_plugin.py")])
    result = check_derivative(bind(registry["wrong_grad"]))
    assert not result.ok
    assert result.mismatches > 1000
    assert result.declared != pytest.approx(result.numeric, rel=1e-3)


def test_numeric_only_activation_is_skipped():
    registry = load_registry(plugins=[str(PLUGINS / "good_plugin.py")])
    assert not check_derivative(bind(registry["cube_root_unit"])).checked
