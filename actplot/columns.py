"""What each column of ``actplot compare`` means: one definition shared by the table, the JSON,
``compare --help`` and the README (tests check that help and README carry each word for word)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """A column of the comparison: its table header, the JSON keys it shows, and its definition."""

    header: str
    keys: tuple[str, ...]
    definition: str


COLUMNS: tuple[Column, ...] = (
    Column("activation", ("label",), "the activation and its parameters; '(numeric f′)' when f′ is not declared."),
    Column(
        "output on window",
        ("output_min", "output_max"),
        "the smallest and largest value of f on the window, refined between sample points.",
    ),
    Column(
        "range",
        ("range", "range_text"),
        "the values f takes over all reals, in interval notation: [ ] for an attained bound, ( ) for one "
        "only approached, {…} for isolated values.",
    ),
    Column("f(0)", ("value_at_zero",), "f at 0: 0 means the curve passes through the origin."),
    Column("f′(0)", ("grad_at_zero",), "f′ at 0 (at a kink, PyTorch's autograd value)."),
    Column(
        "dead (f′ = 0)",
        ("dead", "dead_fraction"),
        "where f′ is exactly 0 as mathematics: units there get no gradient at all (relu for x ≤ 0, "
        "f′(0) = 0 as in PyTorch).",
    ),
    Column(
        "flushed",
        ("flushed", "flushed_fraction"),
        "where the true f′ is not 0 but rounds to 0 in the analysis format (underflow: sigmoid for "
        "|x| > 745.1 in float64); 'zero_gradient' in JSON is dead and flushed together.",
    ),
    Column(
        "saturation",
        ("saturation_tails", "saturation_tails_fraction"),
        "vanishing-gradient tails: 0 < |f′| < TAU on a stretch that reaches the window's edge or a "
        "zero-gradient region (sigmoid for |x| > 4.585).",
    ),
    Column(
        "near-stationary",
        ("near_stationary", "near_stationary_fraction"),
        "0 < |f′| < TAU on a band around a stationary point, or with larger gradients on both "
        "sides (gaussian's maximum at 0, silu's minimum): not a tail; 'saturation' in JSON is both "
        "kinds together.",
    ),
    Column(
        "stationary points",
        ("stationary_points",),
        "the x where f′ changes sign or touches 0 between larger values: the extremes of f; isolated "
        "points, never regions.",
    ),
    Column(
        "max |f′|",
        ("max_abs_grad", "argmax_abs_grad", "max_abs_grad_on", "max_abs_grad_attained"),
        "the largest |f′| and where: a plateau as the interval it is ('1 on x > 0'), and 'sup … as "
        "x → p' when it is approached at a kink p but not attained there.",
    ),
    Column(
        "monotonic",
        ("monotonic",),
        "f never decreases or never increases on the window, checked across every declared kink and jump.",
    ),
    Column(
        "E[f]",
        ("gaussian_mean",),
        "the mean output for standard normal input, E[f(z)] with z ~ N(0, 1), by quadrature (not sampling).",
    ),
    Column(
        "zero-centred",
        ("zero_centered",),
        "yes when the outputs are centred on zero for centred inputs: |E[f(z)]| ≤ 0.1 √E[f(z)²] "
        "(tanh yes; sigmoid and relu no).",
    ),
    Column(
        "gain",
        ("gain",),
        "1/√E[f(z)²]: the weight scale, in units of 1/√fan_in, that keeps the pre-activation "
        "variance at 1 (√2 for relu).",
    ),
    Column(
        "max |f″|",
        ("max_abs_curvature", "argmax_abs_curvature"),
        "the largest |f″| on the window and where (at a kink, PyTorch's double-backward value; "
        "'second_derivative' in JSON says whether f″ is declared or numeric).",
    ),
    Column(
        "convex / concave",
        ("convex", "concave"),
        "where f″ > 0 (∪, convex) and where f″ < 0 (∩, concave), found like every region; a linear "
        "piece (f″ = 0) is neither.",
    ),
    Column("smooth", ("continuity",), "the continuity class: C-1 (jumps), C0 (kinks), C1, C2, …, C∞."),
    Column(
        "distinct outputs",
        ("distinct_outputs",),
        "how many different values f takes on the window in the analysis format (f is continuous "
        "between declared jumps, so every value of the format between its rounded extremes there).",
    ),
)
