"""Activations that return the wrong things when called."""

import numpy as np

from actplot import activation


@activation("wrong_shape")
def wrong_shape(x):
    """Returns one element too few."""
    return x[:-1]


@activation("wrong_dtype")
def wrong_dtype(x):
    """Returns strings."""
    return np.array(["a"] * x.size)


@activation("nan_inside")
def nan_inside(x):
    """NaN for finite inputs."""
    return np.where(x > 0, np.nan, x)


@activation("raises_on_call")
def raises_on_call(x):
    """Raises."""
    raise RuntimeError("boom")
