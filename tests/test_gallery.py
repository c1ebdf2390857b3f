"""The gallery: links that resolve, byte-identical reruns, --check, interruption, failures."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

import actplot.plotting
from actplot import load_registry, resolve
from actplot.cli import cli
from actplot.files import leftover_temporaries
from actplot.formats import COMPARE_COLUMNS
from actplot.gallery import GalleryOptions, build_gallery, check_gallery
from tests.conftest import PLUGINS

NAMES = ["relu", "sigmoid", "gelu", "hardshrink", "elu:alpha=0.5"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gallery")
    report = build_gallery(resolve(NAMES), out, jobs=2)
    assert not report.failed
    return out


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.headers = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "a":
            self.links.append(attrs["href"])
        if tag == "th":
            self.headers += 1


def test_gallery_files(built):
    names = sorted(p.name for p in built.iterdir())
    assert names == sorted(
        ["relu.svg", "sigmoid.svg", "gelu.svg", "hardshrink.svg", "elu-alpha-0.5.svg", "overview.svg",
         "index.md", "index.html", "manifest.json"]
    )  # fmt: skip


def test_html_parses_and_every_image_resolves(built):
    parser = Links()
    parser.feed((built / "index.html").read_text())
    assert len(parser.images) == len(NAMES) + 1  # each page and the overview
    for src in parser.images + parser.links:
        assert (built / src).is_file(), src
    assert parser.headers == 1 + len(COMPARE_COLUMNS)  # the figure, then every column
    html = (built / "index.html").read_text()
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html  # no network


def test_markdown_links_resolve(built):
    text = (built / "index.md").read_text()
    import re

    targets = re.findall(r"\]\(([^)]+)\)", text)
    assert len(targets) == 2 * len(NAMES) + 1
    for target in targets:
        assert (built / target).is_file()


def test_two_runs_are_byte_identical(built, tmp_path):
    build_gallery(resolve(NAMES), tmp_path, jobs=1)
    for page in built.iterdir():
        assert (tmp_path / page.name).read_bytes() == page.read_bytes(), page.name


def test_check_passes_on_a_fresh_gallery(built):
    assert check_gallery(resolve(NAMES), built).ok


def test_check_names_missing_extra_and_stale_pages(built, tmp_path):
    import shutil

    copy = tmp_path / "g"
    shutil.copytree(built, copy)
    (copy / "relu.svg").unlink()
    (copy / "mystery.svg").write_text("<svg/>")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["pages"]["gelu.svg"] = "0" * 20
    (copy / "manifest.json").write_text(json.dumps(manifest))
    report = check_gallery(resolve(NAMES), copy)
    assert report.missing == ("relu.svg",) and report.extra == ("mystery.svg",) and report.stale == ("gelu.svg",)


def test_check_sees_a_changed_activation_as_stale(tmp_path):
    plugin = tmp_path / "wiggle.py"
    source = "import numpy as np\nfrom actplot import activation\n@activation('wiggle')\ndef wiggle(x):\n    'W.'\n"
    plugin.write_text(source + "    return np.sin(x)\n")
    out = tmp_path / "g"
    (before,) = resolve(["wiggle"], load_registry(plugins=[str(plugin)]))
    build_gallery([before], out, GalleryOptions(num=101), jobs=1)
    assert check_gallery([before], out, GalleryOptions(num=101)).ok
    plugin.write_text(source + "    return np.sin(x) + 0.001 * x\n")
    (after,) = resolve(["wiggle"], load_registry(plugins=[str(plugin)]))
    assert check_gallery([after], out, GalleryOptions(num=101)).stale == ("wiggle.svg",)


def test_check_from_the_command_line(runner, built):
    result = runner.invoke(cli, ["gallery", "--check", "--out", str(built), *NAMES])
    assert result.exit_code == 0 and "up to date" in result.stdout
    result = runner.invoke(cli, ["gallery", "--check", "--out", str(built), *NAMES, "tanh"])
    assert result.exit_code == 1
    assert "missing: tanh.svg" in result.stdout and "out of date" in result.stderr


def test_interrupted_write_leaves_old_files_intact(built, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "g"
    shutil.copytree(built, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    real = actplot.plotting.Figure.savefig

    def interrupted(self, handle, **kwargs):
        real(self, handle, **kwargs)  # the temporary file is fully written...
        raise KeyboardInterrupt  # ...and then the user presses Ctrl-C

    monkeypatch.setattr(actplot.plotting.Figure, "savefig", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_gallery(resolve(["tanh", *NAMES]), copy, jobs=1)
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
    assert leftover_temporaries(copy) == []


def test_a_failing_activation_is_reported_and_the_rest_written(runner, tmp_path):
    out = tmp_path / "g"
    plugin = str(PLUGINS / "misbehaving_plugin.py")
    args = ["gallery", "--out", str(out), "--jobs", "1", "--plugin", plugin, "relu", "raises_on_call"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "Error: raises_on_call:" in result.stderr and "boom" in result.stderr
    assert (out / "relu.svg").is_file() and not (out / "raises_on_call.svg").exists()
    assert (out / "index.html").is_file()


def test_png_format_and_progress_lines(runner, tmp_path):
    result = runner.invoke(cli, ["gallery", "--out", str(tmp_path), "--format", "png", "--jobs", "2", "relu", "tanh"])
    assert result.exit_code == 0
    assert (tmp_path / "relu.png").read_bytes()[:4] == b"\x89PNG"
    assert "drew relu" in result.stderr and "drew tanh" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [(["--jobs", "0"], 2, "--jobs 0"), (["--format", "gif"], 2, "gif"), (["--range", "1", "0"], 2, "LO must be less")],
)
def test_bad_gallery_input(runner, tmp_path, args, code, message):
    result = runner.invoke(cli, ["gallery", "--out", str(tmp_path / "g"), "relu", *args])
    assert result.exit_code == code and message in result.stderr
    assert not (tmp_path / "g").exists()


def test_gallery_into_a_file_path_is_an_io_error(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(cli, ["gallery", "--out", str(blocker / "sub"), "relu"])
    assert result.exit_code == 1 and result.stderr.startswith("Error: cannot create")


def test_gallery_options_validate():
    with pytest.raises(actplot.UsageError):
        GalleryOptions(fmt="gif")


def test_png_overview_is_the_pages_scaled_down(tmp_path):
    """Pixel check of the overview: each tile is its page, scaled, at its place in the sheet, and
    a parallel build gives the same bytes as a serial one."""
    import numpy as np
    from PIL import Image

    from actplot.gallery import TILE_COLUMNS, TILE_WIDTH

    names = ["relu", "sigmoid", "gelu", "hardshrink", "elu", "tanh", "silu"]
    serial, parallel = tmp_path / "s", tmp_path / "p"
    options = GalleryOptions(fmt="png")
    assert not build_gallery(resolve(names), serial, options, jobs=1).failed
    assert not build_gallery(resolve(names), parallel, options, jobs=2).failed
    assert (serial / "overview.png").read_bytes() == (parallel / "overview.png").read_bytes()
    with Image.open(serial / "overview.png") as sheet:
        overview = np.asarray(sheet.convert("RGB"), dtype=int)
    for i, name in enumerate(names):
        with Image.open(serial / f"{name}.png") as page:
            height = round(page.height * TILE_WIDTH / page.width)
            expected = np.asarray(page.convert("RGB").resize((TILE_WIDTH, height), Image.Resampling.LANCZOS), dtype=int)
        row, column = divmod(i, TILE_COLUMNS)
        tile = overview[row * height : (row + 1) * height, column * TILE_WIDTH : (column + 1) * TILE_WIDTH]
        assert np.abs(tile - expected).max() == 0, name
        assert (expected < 128).any()  # the tile is not blank: it carries the page's curves


def test_a_worker_never_draws_into_the_parents_kept_figure(monkeypatch):
    """The kept figure's renderer caches mathtext glyphs with the parent's FT2Font objects; two
    workers using them read one font file through a shared offset (FreeType errors, seen when a
    serial build preceded a parallel one in the same process). Each worker starts without it."""
    from actplot import gallery
    from actplot.plotting import PageFigure

    monkeypatch.setattr(gallery, "_PAGE_FIGURE", PageFigure())
    assert gallery.run_forked([lambda: gallery._PAGE_FIGURE is None] * 2) == [True, True]
    assert gallery._PAGE_FIGURE is not None  # the parent keeps its own


def test_fixed_grid_overview_keeps_every_label_inside_its_own_cell():
    """The SVG overview is laid out with fixed margins (no constrained layout): no title, tick label
    or axis label may reach into a neighbouring panel or off the figure."""
    from actplot.plotting import PlotOptions, make_figure

    bounds = resolve(["relu", "sigmoid", "gelu", "exponential", "sinc", "star_relu", "hardshrink", "xielu"])
    fig = make_figure(bounds, PlotOptions(layout="grid", shade=False, size=(2.6 * 3, 2.0 * 3), dpi=80, fixed_grid=True))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    figure_box = fig.bbox
    axes = [ax for ax in fig.axes if ax.get_visible()]
    for ax in axes:
        box = ax.get_tightbbox(renderer)
        assert box.x0 >= figure_box.x0 - 1 and box.x1 <= figure_box.x1 + 1, ax.get_title()
        assert box.y0 >= figure_box.y0 - 1 and box.y1 <= figure_box.y1 + 1, ax.get_title()
        for other in axes:
            if other is not ax:
                assert not box.overlaps(other.get_window_extent(renderer)), (ax.get_title(), other.get_title())
