"""A well-formed plugin file: one activation without a derivative, one with a wrong one."""

import numpy as np

from actplot import Param, activation


@activation("cube_root_unit", params=[Param("k", 1.0, "scale")], family="other", formula=r"\sqrt[3]{kx}")
def cube_root_unit(x, k):
    """A smooth-ish odd function without a declared derivative."""
    return np.tanh(k * x) * np.exp(-0.1 * x * x)


@activation("wrong_grad", family="sigmoid", derivative=lambda x: 1.0 / (1.0 + np.exp(-x)))
def wrong_grad(x):
    """The sigmoid with the classic tutorial mistake: its derivative is the sigmoid itself."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -700, 700)))


@activation("relu", family="rectifier", aliases=("my_relu",))
def shadow_relu(x):
    """Tries to redefine a built-in name: must be reported, never silently win."""
    return np.maximum(x, 0.0) * 2
