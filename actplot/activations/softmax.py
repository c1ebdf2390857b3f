"""Vector-valued activations of the softmax family and their one-dimensional views.

A vector function cannot be drawn as one curve. The one-dimensional view used for plots and
tables is the first output for the two-component input [x, 0]:

    softmax([x, 0])[0] = sigmoid(x)        log_softmax([x, 0])[0] = logsigmoid(x)
    softmin([x, 0])[0] = sigmoid(-x)       sparsemax([x, 0])[0] = clip((x + 1) / 2, 0, 1)

and f' in the view is d f_0 / d x_0. The full vector function and its Jacobian are available in
the Python API as ``Activation.vector_function`` and ``Activation.jacobian`` (``actplot.jacobian``).
"""

from __future__ import annotations

import numpy as np

from actplot.activations.stable import sigmoid, sigmoid_grad
from actplot.declare import activation

VIEW = "first component of f([x, 0])"


def _softmax_vector(v, dim=-1):
    v = np.asarray(v, dtype=float)
    # Subtracting the max keeps every exponent <= 0: [1000, 0] gives [1, 0], not [nan, 0].
    e = np.exp(v - np.max(v, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def _softmax_jacobian(v):
    s = _softmax_vector(v)
    return np.diag(s) - np.outer(s, s)


def _log_softmax_vector(v, dim=-1):
    v = np.asarray(v, dtype=float)
    shifted = v - np.max(v, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def _log_softmax_jacobian(v):
    s = _softmax_vector(v)
    return np.eye(len(s)) - np.outer(np.ones_like(s), s)


def _sparsemax_vector(v, dim=-1):
    v = np.moveaxis(np.asarray(v, dtype=float), dim, -1)
    z = np.sort(v, axis=-1)[..., ::-1]
    k = np.arange(1, v.shape[-1] + 1)
    cumulative = np.cumsum(z, axis=-1)
    support = 1 + k * z > cumulative
    size = np.sum(support, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, size - 1, axis=-1) - 1) / size
    return np.moveaxis(np.maximum(v - tau, 0.0), -1, dim)


def _sparsemax_jacobian(v):
    p = _sparsemax_vector(v)
    m = (p > 0).astype(float)
    return np.diag(m) - np.outer(m, m) / m.sum()


@activation(
    "softmax",
    second_derivative=lambda x: -sigmoid_grad(x) * np.tanh(0.5 * x),
    second_derivative_formula=r"\text{(the view's)}\ -\sigma(x)\sigma(-x)\tanh(x/2)",
    aliases=("softargmax",),
    family="softmax",
    formula=r"\frac{e^{x_i}}{\sum_j e^{x_j}}",
    derivative=sigmoid_grad,
    derivative_formula=r"J = \mathrm{diag}(s) - s s^{T}",
    output_range="(0, 1)",
    continuity="C∞",
    vector_function=_softmax_vector,
    jacobian=_softmax_jacobian,
    vector_view=VIEW + " = sigmoid(x)",
    reference="Bridle 1990",
)
def softmax(x):
    """Softmax: exponentiate and normalise (one-dimensional view: softmax([x, 0])[0])."""
    return sigmoid(x)


@activation(
    "log_softmax",
    second_derivative=lambda x: -sigmoid_grad(x),
    second_derivative_formula=r"\text{(the view's)}\ -\sigma(x)\sigma(-x)",
    aliases=("logsoftmax",),
    family="softmax",
    formula=r"x_i - \log\sum_j e^{x_j}",
    derivative=lambda x: sigmoid(-x),
    derivative_formula=r"J = I - \mathbf{1} s^{T}",
    output_range="(-inf, 0)",
    continuity="C∞",
    vector_function=_log_softmax_vector,
    jacobian=_log_softmax_jacobian,
    vector_view=VIEW + " = logsigmoid(x)",
)
def log_softmax(x):
    """Log-softmax (one-dimensional view: log_softmax([x, 0])[0] = logsigmoid(x))."""
    return -np.logaddexp(0.0, -x)


@activation(
    "softmin",
    second_derivative=lambda x: sigmoid_grad(x) * np.tanh(0.5 * x),
    second_derivative_formula=r"\text{(the view's)}\ \sigma(x)\sigma(-x)\tanh(x/2)",
    family="softmax",
    formula=r"\frac{e^{-x_i}}{\sum_j e^{-x_j}}",
    derivative=lambda x: -sigmoid_grad(x),
    derivative_formula=r"J = -(\mathrm{diag}(s) - s s^{T})",
    output_range="(0, 1)",
    continuity="C∞",
    vector_function=lambda v, dim=-1: _softmax_vector(-np.asarray(v, dtype=float), dim),
    jacobian=lambda v: -_softmax_jacobian(-np.asarray(v, dtype=float)),
    vector_view=VIEW + " = sigmoid(-x)",
)
def softmin(x):
    """Softmin, softmax of the negated input (one-dimensional view: sigmoid(-x))."""
    return sigmoid(-x)


@activation(
    "sparsemax",
    second_derivative=lambda x: np.zeros_like(x),
    second_derivative_formula=r"\text{(the view's)}\ 0",
    family="softmax",
    formula=r"\arg\min_{p \in \Delta} \|p - x\|^{2}",
    derivative=lambda x: np.where((x > -1) & (x < 1), 0.5, 0.0),
    derivative_formula=r"J = \mathrm{diag}(m) - m m^{T} / |S|",
    output_range="[0, 1]",
    continuity="C0",
    kinks=(-1.0, 1.0),
    kink_convention="f'(±1) = 0 in the view, where a component leaves the support.",
    vector_function=_sparsemax_vector,
    jacobian=_sparsemax_jacobian,
    vector_view=VIEW + " = clip((x + 1)/2, 0, 1)",
    reference="Martins & Astudillo 2016",
)
def sparsemax(x):
    """Sparsemax: Euclidean projection onto the simplex (view: clip((x + 1)/2, 0, 1))."""
    return np.where(x <= -1, 0.0, np.where(x >= 1, 1.0, 0.5 * (x + 1.0)))
