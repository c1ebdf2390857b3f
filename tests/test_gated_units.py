"""Gated units f(a, b) = a g(b): values and both partials against mpmath, the CLI, the gallery."""

from __future__ import annotations

import json

import mpmath as mp
import numpy as np
import pytest
from click.testing import CliRunner

from actplot.cli import cli
from actplot.errors import UsageError
from actplot.gated_units import GATED_UNITS, check_gated, evaluate_gated, gated_unit, parse_pairs
from tests.ulp import SMALLEST_NORMAL, ulps

# Independent definitions (Shazeer 2020, Table 1), written from the maths.
GATES = {
    "glu": lambda b: 1 / (1 + mp.exp(-b)),
    "swiglu": lambda b: b / (1 + mp.exp(-b)),
    "geglu": lambda b: b * mp.ncdf(b),
    "reglu": lambda b: max(b, mp.mpf(0)),
}
PAIRS = [
    (a, b)
    for a in (-3.0, -1e-300, 0.7, 2.5, 1e100)
    for b in (-1000.0, -745.5, -40.0, -7.25, -1.2785, -0.3, 0.0, 1e-8, 0.5, 2.0, 6.0, 37.5, 1000.0, 1e300)
]


def _reference(name: str, a: float, b: float) -> tuple[mp.mpf, mp.mpf, mp.mpf]:
    g = GATES[name]
    with mp.workdps(80):
        am, bm = mp.mpf(a), mp.mpf(b)
        if name == "reglu":
            dg = mp.mpf(1) if bm > 0 else mp.mpf(0)  # torch: relu'(0) = 0
        elif abs(bm) > 1e6:  # saturated: g'(b) is 0 (glu) or 1 (swiglu, geglu) to far below an ulp
            dg = mp.mpf(0) if name == "glu" or bm < 0 else mp.mpf(1)
        else:
            dg = mp.diff(g, bm)
        gb = g(bm)
        return am * gb, gb, am * dg


@pytest.mark.parametrize("name", sorted(GATES))
def test_values_and_partials_match_mpmath(name):
    unit = gated_unit(name)
    a = np.array([p[0] for p in PAIRS])
    b = np.array([p[1] for p in PAIRS])
    e = evaluate_gated(unit, a, b)
    worst = 0.0
    for i, (ai, bi) in enumerate(PAIRS):
        f, da, db = _reference(name, ai, bi)
        for got, true, gate in ((e.y[i], f, da), (e.dy_da[i], da, da), (e.dy_db[i], db, db / mp.mpf(ai))):
            if 0 < abs(gate) < SMALLEST_NORMAL and abs(ai) > 1:
                # documented: the gate's own value underflowed, and a * 0 cannot bring it back
                assert abs(got) <= abs(ai) * SMALLEST_NORMAL
                continue
            if abs(float(true)) > 1.7976931348623157e308:
                assert np.isinf(got)
                continue
            worst = max(worst, ulps(float(got), true))
    # the gate and its derivative are within 4 ulp; the product with a adds half an ulp
    assert worst <= 4.5, f"{name}: {worst:.3g} ulp"


def test_every_unit_has_a_reference_and_a_builtin_gate(registry):
    assert {u.name for u in GATED_UNITS} == set(GATES)
    for unit in GATED_UNITS:
        assert unit.gate in registry
        assert unit.name not in registry  # never shadows a one-input activation


def test_reglu_follows_torch_at_the_kink():
    e = evaluate_gated(gated_unit("reglu"), [2.0, 2.0], [0.0, -0.0])
    assert e.y.tolist() == [0.0, 0.0] and e.dy_db.tolist() == [0.0, 0.0]


def test_glu_matches_torch_glu():
    torch = pytest.importorskip("torch")
    a = torch.tensor([-2.0, 0.5, 3.0, 1.0], dtype=torch.float64)
    b = torch.tensor([-1.0, 0.0, 4.0, -30.0], dtype=torch.float64)
    expected = torch.nn.functional.glu(torch.cat([a, b]), dim=0).numpy()
    got = evaluate_gated(gated_unit("glu"), a.numpy(), b.numpy()).y
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_check_catches_a_wrong_partial(registry, monkeypatch):
    unit = gated_unit("swiglu")
    assert check_gated(unit, registry).ok
    import actplot.gated_units as gu

    real = gu.evaluate_gated

    def wrong(unit, a, b, registry=None):
        e = real(unit, a, b, registry)
        return gu.GatedEvaluation(e.unit, e.a, e.b, e.y, e.dy_da, e.dy_db * 1.01)

    monkeypatch.setattr(gu, "evaluate_gated", wrong)
    assert not check_gated(unit, registry).ok


@pytest.mark.parametrize("text", ["1", "1,2,3", "a,b", "", ";"])
def test_bad_pairs_are_usage_errors(text):
    with pytest.raises(UsageError, match="pair"):
        parse_pairs(text)


def test_pairs_parse():
    assert parse_pairs("1,2;-1,0.5 3,4") == [(1.0, 2.0), (-1.0, 0.5), (3.0, 4.0)]


def test_eval_json_gives_f_and_both_partials():
    result = CliRunner().invoke(cli, ["eval", "swiglu", "--at", "2,1;-1,-0.5", "--format", "json"])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)
    assert item["name"] == "swiglu" and item["a"] == [2.0, -1.0] and item["b"] == [1.0, -0.5]
    silu1 = 1 / (1 + np.exp(-1.0))
    assert item["y"][0] == pytest.approx(2 * silu1, rel=1e-15)
    assert item["dy_da"][0] == pytest.approx(silu1, rel=1e-15)
    assert item["dy_db"][0] == pytest.approx(2 * (silu1 * (1 + 1 * (1 - silu1))), rel=1e-15)


def test_eval_csv_and_table():
    out = CliRunner().invoke(cli, ["eval", "geglu", "--at", "1,0", "--format", "csv"]).output
    assert out.splitlines() == ["name,a,b,y,dy_da,dy_db", "geglu,1.0,0.0,0.0,0.0,0.5"]
    table = CliRunner().invoke(cli, ["eval", "glu", "--at", "1,0"])
    assert table.exit_code == 0 and "∂f/∂b" in table.output and "0.5" in table.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["eval", "swiglu"], "--at A,B"),
        (["eval", "swiglu", "relu", "--at", "1,2"], "separate commands"),
        (["eval", "swiglu", "--at", "1,2,3"], "pairs"),
        (["compare", "swiglu"], "gated unit of two inputs"),
        (["diff", "swiglu", "silu"], "actplot plot swiglu"),
        (["propagate", "glu"], "its gate alone: 'sigmoid'"),
        (["plot", "swiglu", "relu"], "on its own"),
        (["plot", "swiglu", "--terminal"], "--out"),
        (["info", "swiglu:beta=2"], "no parameters"),
        (["check", "swiglu", "--against", "torch"], "gated unit"),
    ],
)
def test_unsupported_uses_are_one_line_usage_errors(args, needle):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_info_and_check_and_list():
    info = CliRunner().invoke(cli, ["info", "geglu"]).output
    assert "arXiv 2002.05202" in info and "gelu'(b)" in info
    check = CliRunner().invoke(cli, ["check", "glu", "reglu"])
    assert check.exit_code == 0 and check.output.count("ok    ") == 2
    listing = json.loads(CliRunner().invoke(cli, ["list", "--format", "json"]).output)
    assert [u["name"] for u in listing["gated_units"]] == ["glu", "swiglu", "geglu", "reglu"]


def test_plot_draws_the_plane(tmp_path):
    from PIL import Image

    target = tmp_path / "swiglu.png"
    result = CliRunner().invoke(cli, ["plot", "swiglu", "--slices", "--out", str(target), "--dpi", "50"])
    assert result.exit_code == 0, result.output
    with Image.open(target) as image:
        width, height = image.size
        pixels = np.asarray(image.convert("RGB"), dtype=int)
    assert width > 3 * height  # four panels side by side
    # the diverging map: strongly red (f > 0) and strongly blue (f < 0) pixels both appear
    red = (pixels[..., 0] > 150) & (pixels[..., 2] < 80)
    blue = (pixels[..., 2] > 120) & (pixels[..., 0] < 60)
    assert red.sum() > 500 and blue.sum() > 500


def test_gallery_has_a_page_per_gated_unit_and_checks_it(tmp_path):
    out = tmp_path / "g"
    result = CliRunner().invoke(cli, ["gallery", "--out", str(out), "--jobs", "1", "relu", "swiglu", "reglu"])
    assert result.exit_code == 0, result.output
    assert (out / "swiglu.svg").is_file() and (out / "reglu.svg").is_file()
    assert "## Gated units (two inputs)" in (out / "index.md").read_text()
    assert 'src="swiglu.svg"' in (out / "index.html").read_text()
    check = ["gallery", "--check", "--out", str(out), "relu", "swiglu", "reglu"]
    assert CliRunner().invoke(cli, check).exit_code == 0
    (out / "reglu.svg").unlink()
    result = CliRunner().invoke(cli, check)
    assert result.exit_code == 1 and "missing: reglu.svg" in result.output
