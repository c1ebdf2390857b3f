"""NAME:key=value specs: parsing, labels and every kind of bad parameter."""

from __future__ import annotations

import pytest

from actplot import ParameterError, UnknownActivationError, UsageError, resolve


def test_parameters_are_parsed_and_labelled():
    (bound,) = resolve("hardtanh:min_val=-2,max_val=2")
    assert bound.kwargs == {"min_val": -2.0, "max_val": 2.0}
    assert bound.label == "hardtanh:min_val=-2,max_val=2"


def test_defaults_give_the_bare_name_as_label():
    (bound,) = resolve("elu:alpha=1")
    assert bound.label == "elu"


def test_same_activation_twice_with_different_parameters():
    a, b = resolve(["elu:alpha=0.5", "elu:alpha=2"])
    assert (a.kwargs["alpha"], b.kwargs["alpha"]) == (0.5, 2.0)


def test_string_and_optional_parameters():
    (gelu,) = resolve("gelu:approximate=tanh")
    (softplus,) = resolve("softplus:threshold=20")
    assert gelu.kwargs["approximate"] == "tanh" and softplus.kwargs["threshold"] == 20.0


def test_alias_and_case_are_accepted():
    (bound,) = resolve("Swish")
    assert bound.name == "silu"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rleu", r"unknown activation 'rleu' \(did you mean 'relu'\?\)"),
        ("elu:alpah=2", r"elu has no parameter 'alpah' \(did you mean 'alpha'\?\); valid: alpha"),
        ("relu:alpha=2", r"relu takes no parameters"),
        ("elu:alpha=abc", r"alpha='abc' is not a number"),
        ("elu:alpha=nan", r"is not finite"),
        ("elu:alpha=-1", r"out of range; alpha must be a finite number >= 0"),
        ("celu:alpha=0", r"must be a finite number > 0"),
        ("gelu:approximate=tan", r"must be one of none, tanh \(did you mean 'tanh'\?\)"),
        ("hardtanh:min_val=2,max_val=1", r"min_val must be less than max_val"),
        ("elu:alpha", r"expected key=value"),
        ("elu:alpha=1,alpha=2", r"given twice"),
        ("elu:", r"nothing after ':'"),
        ("", r"empty activation name"),
    ],
)
def test_bad_specs_give_one_line_errors(spec, message):
    with pytest.raises(UsageError, match=message) as info:
        resolve(spec)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, (UnknownActivationError, ParameterError)) or spec == ""
