"""Installed-plugin fixture: exposed through an entry point in the dist-info beside it."""

import numpy as np

from actplot import Param, activation


@activation(
    "fixture_swish",
    params=[Param("beta", 1.0, "gate sharpness")],
    family="gated",
    derivative=lambda x, beta: (lambda s: s + beta * x * s * (1 - s))(1 / (1 + np.exp(-beta * x))),
)
def fixture_swish(x, beta):
    """Swish with a beta, as TensorFlow has it."""
    return x / (1 + np.exp(-beta * x))


@activation("fixture_square", family="other")
def fixture_square(x):
    """x squared, no derivative given."""
    return x * x


ALL = [fixture_swish, fixture_square]
