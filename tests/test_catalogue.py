"""The built-in catalogue covers the reference catalogue, with PyTorch's names and defaults."""

from __future__ import annotations

import math

import pytest

from actplot.declare import as_output_range

# The 48 rows of shared/reference/catalogue.md.
CATALOGUE = [
    "identity",
    "binary_step",
    "sigmoid",
    "tanh",
    "arctan",
    "softsign",
    "relu",
    "relu6",
    "leaky_relu",
    "prelu",
    "rrelu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "gelu_tanh",
    "silu",
    "mish",
    "hardswish",
    "hardsigmoid",
    "softplus",
    "logsigmoid",
    "squareplus",
    "sparse_plus",
    "sparse_sigmoid",
    "exponential",
    "hardtanh",
    "hardshrink",
    "softshrink",
    "tanhshrink",
    "threshold",
    "gaussian",
    "sinusoid",
    "sinc",
    "smht",
    "elish",
    "isru",
    "isrlu",
    "bent_identity",
    "sqnl",
    "softmax",
    "log_softmax",
    "softmin",
    "gumbel_softmax",
    "glu",
    "sparsemax",
    "crelu",
    "maxout",
]
# Shape-changing or random: left out, with the reasons in the README.
LEFT_OUT = {"gumbel_softmax", "glu", "crelu", "maxout"}

# Parameter defaults: PyTorch's where PyTorch has the function, else Keras/JAX (catalogue §2-3).
DEFAULTS = {
    "leaky_relu": {"negative_slope": 0.01},
    "prelu": {"init": 0.25},
    "rrelu": {"lower": 0.125, "upper": 1 / 3},
    "elu": {"alpha": 1.0},
    "celu": {"alpha": 1.0},
    "gelu": {"approximate": "none"},
    "softplus": {"beta": 1.0, "threshold": None},  # torch: 20, a shortcut actplot turns off by default
    "hardtanh": {"min_val": -1.0, "max_val": 1.0},
    "hardshrink": {"lambd": 0.5},
    "softshrink": {"lambd": 0.5},
    "squareplus": {"b": 4.0},
    "threshold": {"threshold": 1.0, "value": 0.0},
    "smht": {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0},
    "isru": {"alpha": 1.0},
    "isrlu": {"alpha": 1.0},
}

# Theoretical ranges at the defaults (catalogue).
RANGES = {
    "relu": (0, math.inf),
    "relu6": (0, 6),
    "elu": (-1, math.inf),
    "selu": (-1.7580993408473766, math.inf),
    "gelu": (-0.16997120747990366, math.inf),
    "gelu_tanh": (-0.17004075057125406, math.inf),
    "silu": (-0.2784645427610738, math.inf),
    "mish": (-0.30884341301725043, math.inf),
    "hardswish": (-0.375, math.inf),
    "sigmoid": (0, 1),
    "tanh": (-1, 1),
    "arctan": (-math.pi / 2, math.pi / 2),
    "elish": (-0.1715728752538099, math.inf),
    "sinc": (-0.21723362821122166, 1),
}


# Issue 17 adds activations of current models that the (older) reference catalogue does not list.
ADDED_SINCE_CATALOGUE = {
    "quick_gelu",
    "relu2",
    "star_relu",
    "smelu",
    "aptx",
    "snake",
    "laplace",
    "telu",
    "golu",
    "serf",
    "xielu",
}


def test_catalogue_is_covered(registry):
    assert set(CATALOGUE) - LEFT_OUT == set(registry) - ADDED_SINCE_CATALOGUE


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_defaults_follow_pytorch(registry, name):
    assert registry[name].defaults == DEFAULTS[name]


@pytest.mark.parametrize("name", sorted(RANGES))
def test_theoretical_range_matches_catalogue(registry, name):
    declared = as_output_range(registry[name].resolve_field("output_range"))
    assert (declared.lo, declared.hi) == pytest.approx(RANGES[name])


# Interval notation with closedness and isolated values (issue 15: "(0, inf)" for relu was wrong).
RANGE_TEXTS = {
    "relu": "[0, inf)",
    "hardtanh:min_val=-2,max_val=3": "[-2, 3]",
    "binary_step": "{0, 1}",
    "threshold:threshold=0.5,value=-1": "{-1} ∪ (0.5, inf)",
    "threshold:threshold=0.5,value=0.7": "(0.5, inf)",
    "sigmoid": "(0, 1)",
    "tanh": "(-1, 1)",
    "elu": "(-1, inf)",
    "elu:alpha=0": "[0, inf)",
    "relu6": "[0, 6]",
    "leaky_relu": "(-inf, inf)",
    "leaky_relu:negative_slope=0": "[0, inf)",
    "gaussian": "(0, 1]",
    "hardswish": "[-0.375, inf)",
    "sinusoid": "[-1, 1]",
}


@pytest.mark.parametrize(("spec", "text"), sorted(RANGE_TEXTS.items()))
def test_range_text_carries_closedness(registry, spec, text):
    from actplot.spec import resolve

    assert resolve(spec, registry)[0].output_range().text() == text


@pytest.mark.parametrize("alias", ["swish", "linear", "heaviside", "hard_swish", "logistic", "atan"])
def test_common_aliases_resolve(registry, alias):
    assert registry.lookup(alias).name != alias
