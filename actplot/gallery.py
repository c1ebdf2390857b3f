"""The gallery: one figure per activation, an overview grid, index.md, index.html, manifest.json.

Figures are drawn in forked worker processes (they inherit the imports; spawn would pay them
again) and every file is written atomically, index files last, so an interrupted run leaves
whole files only: the previous gallery, or some pages already replaced by whole new ones.
``check_gallery`` compares the manifest's fingerprints (of each page's inputs: the declaration and
sampled values) with the registry's, so it does not depend on the matplotlib version's bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import math
import os
import pickle
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from actplot import __version__
from actplot.errors import OutputError, UsageError
from actplot.gated_units import GATED_UNITS as GATED
from actplot.gated_units import GatedUnit
from actplot.spec import BoundActivation

if TYPE_CHECKING:
    from actplot.analysis import Analysis
    from actplot.plotting import PageFigure

MANIFEST = "manifest.json"
GATED_INTRO = (
    "A gated unit f(a, b) = a g(b) takes a value a and a gate input b, so it has no single curve: each "
    "figure shows f, df/da and df/db as heatmaps over (a, b) (blue below 0, red above, contour lines) "
    "and f against b at a few fixed a."
)
FORMATS = ("svg", "png")
INDEXES = ("index.md", "index.html")


@dataclass(frozen=True)
class GalleryOptions:
    window: tuple[float, float] = (-5.0, 5.0)
    num: int = 1001
    fmt: str = "svg"
    dtype: str = "float64"
    order: int = 1  # 2: every page draws f'' too (dotted)

    def __post_init__(self) -> None:
        from actplot.rounding import get_format

        get_format(self.dtype)
        if self.fmt not in FORMATS:
            raise UsageError(f"--format {self.fmt!r}: must be one of {', '.join(FORMATS)}")


@dataclass
class GalleryReport:
    """What a build wrote and what failed (label, one-line reason)."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CheckReport:
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    stale: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def page_name(bound: BoundActivation, fmt: str) -> str:
    from actplot.files import file_stem

    return file_stem(bound.label) + "." + fmt


def fingerprint(bound: BoundActivation, options: GalleryOptions) -> str:
    """A hash of everything a page shows: declaration, parameters and sampled values."""
    from actplot.numerics import evaluate, linspace

    ev = evaluate(bound, linspace(*options.window, 257))
    act = bound.activation
    parts = [
        __version__, options.window, options.num, options.fmt, options.dtype, bound.label, act.formula,
        act.derivative_formula, *((options.order, act.second_derivative_formula) if options.order == 2 else ()),
        bound.field("kinks"), bound.field("jumps"), bound.field("continuity"), bound.field("output_range"),
        act.source, np.round(ev.y, 12).tolist(), np.round(ev.dy, 12).tolist(),
    ]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def gated_page_name(unit: GatedUnit, fmt: str) -> str:
    return f"{unit.name}.{fmt}"


def gated_fingerprint(unit: GatedUnit, options: GalleryOptions) -> str:
    """A hash of what a gated unit's page shows: its declaration and its gate's sampled values."""
    from actplot.gated_units import evaluate_gated

    axis = np.linspace(*options.window, 65)
    e = evaluate_gated(unit, np.ones_like(axis), axis)
    parts = [
        __version__, options.window, options.fmt, unit.name, unit.gate, unit.formula,
        np.round(e.y, 12).tolist(), np.round(e.dy_db, 12).tolist(),
    ]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def _draw_gated_page(unit: GatedUnit, options: GalleryOptions, folder: Path) -> str | None:
    """Draw a gated unit's page (heatmaps and slices); the error, or None."""
    from actplot.gated_plots import gated_figure
    from actplot.plotting import save_figure

    try:
        fig = gated_figure(unit, options.window, 161, slices=True, size=(15.0, 3.8), dpi=90)
        save_figure(fig, folder / gated_page_name(unit, options.fmt))
        return None
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


# Work for forked workers: set before the pool starts, inherited by fork, never pickled.
_WORK: list[BoundActivation] = []
_OPTIONS = GalleryOptions()
_OUT = Path(".")


#: The index table's analyses use the comparison's default grid (regions do not depend on it).
INDEX_NUM = 10_001
INDEX_SATURATION = 0.01
#: Overview tiles (PNG galleries): each page scaled to this width in pixels, six to a row.
TILE_WIDTH, TILE_COLUMNS = 256, 6

PageResult = tuple[int, "str | None", str, "Analysis | None", "bytes | None"]
#: The figure this process draws its pages into (see plotting.PageFigure).
_PAGE_FIGURE: PageFigure | None = None


def _draw_page(index: int) -> PageResult:
    """Draw one page and analyse its activation for the index table (in the same worker, so the
    analyses run in parallel too); returns (index, error or None, fingerprint, analysis)."""
    global _PAGE_FIGURE
    from actplot.analysis import analyze
    from actplot.plotting import PageFigure, PlotOptions, make_figure, save_figure

    bound = _WORK[index]
    try:
        options = PlotOptions(
            window=_OPTIONS.window, num=_OPTIONS.num, size=(7.0, 4.4), dpi=110, dtype=_OPTIONS.dtype,
            order=_OPTIONS.order,
        )  # fmt: skip
        # one analysis serves the index table and the page's shading (regions do not depend on the grid)
        analysis = analyze(bound, _OPTIONS.window, INDEX_NUM, INDEX_SATURATION, _OPTIONS.dtype)
        # each process keeps one figure for all its pages (axes, ticks and text measurements reused)
        _PAGE_FIGURE = _PAGE_FIGURE or PageFigure()
        fig = make_figure([bound], options, analyses=[analysis], page=_PAGE_FIGURE)
        save_figure(fig, _OUT / page_name(bound, _OPTIONS.fmt))
        # a PNG page's overview tile is scaled here, in parallel, from the pixels just written
        tile = page_tile(canvas_image(fig)) if _OPTIONS.fmt == "png" else None
        return index, None, fingerprint(bound, _OPTIONS), analysis, tile
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        return index, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", "", None, None


def _draw_share(indices: list[int], overview: bool) -> list[PageResult]:
    """A worker's share: its pages, and the (SVG) overview first when it is given one."""
    if overview:
        _draw_overview([_WORK[i] for i in range(len(_WORK))], _OPTIONS, _OUT / f"overview.{_OPTIONS.fmt}")
    return [_draw_page(i) for i in indices]


def _draw_overview(bounds: Sequence[BoundActivation], options: GalleryOptions, path: Path) -> None:
    """The overview of an SVG gallery: every activation in a grid of small panels, one figure.

    It is drawn while the pages are (by a worker), so an activation whose page will fail is
    left out here by the same test: whether it can be sampled at all."""
    from actplot.plotting import PlotOptions, make_figure, save_figure
    from actplot.sampling import sample

    def drawable(bound: BoundActivation) -> bool:
        try:
            sample(bound, options.window, 401, 400)
            return True
        except KeyboardInterrupt:
            raise
        except Exception:
            return False

    bounds = [b for b in bounds if drawable(b)]
    if not bounds:
        return

    cols = math.ceil(math.sqrt(len(bounds)))  # as the grid layout arranges them
    rows = -(-len(bounds) // cols)
    plot_options = PlotOptions(
        window=options.window, num=401, layout="grid", shade=False, size=(2.6 * cols, 2.0 * rows), dpi=80,
        dtype=options.dtype, fixed_grid=True,
    )  # fmt: skip
    save_figure(make_figure(bounds, plot_options), path)


def canvas_image(fig: Any) -> Any:
    """The RGBA pixels a figure's Agg canvas last drew (a PNG page's, exactly: its file is
    written from them), as a PIL image sharing the buffer."""
    from PIL import Image

    buffer = fig.canvas.buffer_rgba()
    return Image.frombuffer("RGBA", (buffer.shape[1], buffer.shape[0]), buffer, "raw", "RGBA", 0, 1)


def page_tile(image: Any) -> bytes:
    """A page's image scaled to the overview's tile width: (height and RGB bytes, packed)."""
    from PIL import Image

    height = round(image.height * TILE_WIDTH / image.width)
    tile = image.convert("RGB").resize((TILE_WIDTH, height), Image.Resampling.LANCZOS)
    return height.to_bytes(4, "little") + tile.tobytes()


def overview_composite(tiles_data: Sequence[bytes], path: Path) -> None:
    """The overview of a PNG gallery: the pages themselves, scaled down, six to a row.

    Compositing costs ~15 ms a page (in the workers) where drawing the grid again with matplotlib
    cost 150 ms a panel; and a tile shows everything its page shows (formula, shading, kinks).
    """
    from PIL import Image

    from actplot.files import write_with

    tiles = []
    for data in tiles_data:
        height = int.from_bytes(data[:4], "little")
        tiles.append(Image.frombytes("RGB", (TILE_WIDTH, height), data[4:]))
    tile_h = max(t.height for t in tiles)
    rows = -(-len(tiles) // TILE_COLUMNS)
    sheet = Image.new("RGB", (TILE_WIDTH * min(TILE_COLUMNS, len(tiles)), tile_h * rows), "white")
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % TILE_COLUMNS) * TILE_WIDTH, (i // TILE_COLUMNS) * tile_h))
    write_with(path, lambda handle: sheet.save(handle, format="PNG", compress_level=1))


def _worker_signals() -> None:
    """In a worker: Ctrl-C is the parent's to handle; SIGTERM (the parent stopping its workers)
    removes the temporary file being written and exits at once."""
    from actplot.files import remove_in_flight

    def leave(_signum: int, _frame: object) -> None:
        remove_in_flight()
        os._exit(143)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, leave)


def _fork(task: Callable[[], object]) -> tuple[int, int]:
    """Run ``task`` in a forked child that writes its JSON result to a pipe: (pid, read end).

    No queue and no lock is shared with the child (multiprocessing.Pool's terminate can deadlock
    on the lock of a worker killed while waiting for work), so stopping children is always safe.
    """
    global _PAGE_FIGURE
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        # Not the parent's kept figure: its renderer's mathtext cache holds the parent's FT2Font
        # objects, whose font files two children would then read through one shared file offset
        # (FreeType failed with "invalid outline" when a parent had drawn pages before forking).
        _PAGE_FIGURE = None
        try:
            os.close(read)
            _worker_signals()
            data = pickle.dumps(task())  # our own results (strings, numbers, analyses)
            view = memoryview(data)
            while view:
                view = view[os.write(write, view) :]
        except BaseException:
            code = 143
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _stop(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def run_forked(tasks: Sequence[Callable[[], object]]) -> list[object]:
    """Run each task in its own forked child at once; their results, in order. An exception here
    (Ctrl-C, SIGTERM) stops every child, which cleans up its files on the way out."""
    children = [_fork(task) for task in tasks]
    pids = [pid for pid, _ in children]
    try:
        results = []
        for pid, read in children:
            with os.fdopen(read, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            pids.remove(pid)
            if os.waitstatus_to_exitcode(status) != 0 or not data:
                raise RuntimeError(f"a gallery worker stopped unexpectedly (exit {os.waitstatus_to_exitcode(status)})")
            results.append(pickle.loads(data))
        return results
    except BaseException:
        _stop(pids)
        raise


def default_jobs() -> int:
    return os.cpu_count() or 1


def build_gallery(
    bounds: Sequence[BoundActivation],
    out: str | os.PathLike[str],
    options: GalleryOptions | None = None,
    jobs: int | None = None,
    progress: Callable[[str, str | None], None] | None = None,
    gated: Sequence[GatedUnit] = (),
) -> GalleryReport:
    """Write the gallery for ``bounds`` (and the ``gated`` units) into ``out`` (created if needed).

    ``progress(label, error)`` is called as each page finishes. A failing page is reported in the
    returned report and the rest is still written.
    """
    global _WORK, _OPTIONS, _OUT
    options = options or GalleryOptions()
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: must be at least 1")
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {folder}: {exc.strerror or exc}") from exc
    if not os.access(folder, os.W_OK):
        raise OutputError(f"cannot write into {folder}: permission denied")

    # one page per label: the same activation named twice is drawn once, never overwritten
    bounds = list({b.label: b for b in bounds}.values())
    _WORK, _OPTIONS, _OUT = list(bounds), options, folder
    report = GalleryReport()
    prints: dict[int, str] = {}

    def record(result: tuple[int, str | None, str]) -> None:  # a page
        i, error, print_ = result
        bound = bounds[i]
        if error is None:
            prints[i] = print_
            report.written.append(folder / page_name(bound, options.fmt))
        else:
            report.failed.append((bound.label, error))
        if progress is not None:
            progress(bound.label, error)

    gated = list({u.name: u for u in gated}.values())
    _GATED[:] = gated
    gated_prints: dict[str, str] = {}

    def record_gated(j: int, error: str | None, print_: str) -> None:
        unit = gated[j]
        if error is None:
            gated_prints[gated_page_name(unit, options.fmt)] = print_
            report.written.append(folder / gated_page_name(unit, options.fmt))
        else:
            report.failed.append((unit.name, error))
        if progress is not None:
            progress(unit.name, error)

    analyses: dict[int, Analysis] = {}
    tiles: dict[int, bytes] = {}

    def record_all(results: list[TaskResult]) -> None:
        for kind, i, error, print_, analysis, tile in results:
            if kind == "page":
                record((i, error, print_))
                if analysis is not None:
                    analyses[i] = analysis
                if tile is not None:
                    tiles[i] = tile
            elif kind == "gated":
                record_gated(i, error, print_)

    parallel = jobs > 1 and len(bounds) + len(gated) > 1 and hasattr(os, "fork")
    costs = page_costs(bounds, options) if parallel else [PAGE_SECONDS] * len(bounds)
    tasks = [("page", i, costs[i]) for i in range(len(bounds))]
    tasks += [("gated", j, GATED_SECONDS) for j in range(len(gated))]
    if options.fmt == "svg" and bounds:
        tasks.append(("overview", 0, PANEL_SECONDS * len(bounds)))
    if parallel:
        # forked workers inherit the imports and take tasks from a queue, longest first (by the
        # measured cost), so they finish together; the SVG overview is one task among the pages
        ordered = [(kind, i) for kind, i, _cost in sorted(tasks, key=lambda t: -t[2])]
        with task_queue(len(ordered)) as queue:
            workers = [functools.partial(_run_queue, queue, ordered) for _ in range(min(jobs, len(ordered)))]
            for result in run_forked(workers):
                record_all(result)  # type: ignore[arg-type]
    else:
        record_all(_run_tasks([(kind, i) for kind, i, _cost in tasks]))
    good = sorted(prints)
    if good and options.fmt == "png":
        overview_composite([tiles[i] for i in good], folder / "overview.png")
    _write_indexes(bounds, good, prints, options, folder, report, gated_prints, [analyses[i] for i in good])
    if good:
        report.written.append(folder / f"overview.{options.fmt}")
    return report


TaskResult = tuple[str, int, "str | None", str, "Analysis | None", "bytes | None"]
_GATED: list[GatedUnit] = []


#: Measured costs (seconds, 2-core machine): a page's drawing, a gated unit's page, an overview
#: panel; a page's analysis costs about ANALYSIS_EVALUATIONS evaluations of its activation.
PAGE_SECONDS, GATED_SECONDS, PANEL_SECONDS, ANALYSIS_EVALUATIONS = 0.17, 0.6, 0.1, 150_000


def page_costs(bounds: Sequence[BoundActivation], options: GalleryOptions) -> list[float]:
    """Each page's expected cost, from timing its activation on 1,024 points (serf takes 300 times
    relu's time, and its analysis dominates its page): so the split between workers is even."""
    import time

    from actplot.numerics import evaluate, linspace

    x = linspace(*options.window, 1024)
    costs = []
    for bound in bounds:
        seconds = math.inf
        for _ in range(2):  # the first call may import (scipy: 0.25 s), which the workers then inherit
            start = time.perf_counter()
            try:
                evaluate(bound, x)
            except Exception:  # the page will report it; its cost is the drawing's
                seconds = 0.0
                break
            seconds = min(seconds, time.perf_counter() - start)
        costs.append(PAGE_SECONDS + ANALYSIS_EVALUATIONS * seconds / x.size)
    return costs


@contextlib.contextmanager
def task_queue(count: int) -> Iterator[int]:
    """A pipe holding the numbers 0..count-1 as 4-byte messages, its write end closed: workers
    forked while it is open take one number per read (a pipe read of a message written whole is
    never split between readers), so no lock is shared with them. Yields the read end."""
    read, write = os.pipe()
    try:
        payload = b"".join(n.to_bytes(4, "little") for n in range(count))
        assert len(payload) <= 65536  # the pipe holds it all: the write cannot block
        os.write(write, payload)
        os.close(write)
        yield read
    finally:
        with contextlib.suppress(OSError):
            os.close(write)
        os.close(read)


def _run_queue(queue: int, ordered: Sequence[tuple[str, int]]) -> list[TaskResult]:
    """A worker: take task numbers from the queue until it is empty, running each."""
    results: list[TaskResult] = []
    while len(message := os.read(queue, 4)) == 4:
        results += _run_tasks([ordered[int.from_bytes(message, "little")]])
    return results


def _run_tasks(share: Sequence[tuple[str, int]]) -> list[TaskResult]:
    """A worker's share of the gallery: pages, gated-unit pages and the SVG overview."""
    results: list[TaskResult] = []
    for kind, i in share:
        if kind == "page":
            _, error, print_, analysis, tile = _draw_page(i)
            results.append(("page", i, error, print_, analysis, tile))
        elif kind == "gated":
            unit = _GATED[i]
            error = _draw_gated_page(unit, _OPTIONS, _OUT)
            print_ = gated_fingerprint(unit, _OPTIONS) if error is None else ""
            results.append(("gated", i, error, print_, None, None))
        else:
            _draw_overview(_WORK, _OPTIONS, _OUT / f"overview.{_OPTIONS.fmt}")
    return results


def _write_indexes(
    bounds: Sequence[BoundActivation],
    good: list[int],
    prints: dict[int, str],
    options: GalleryOptions,
    folder: Path,
    report: GalleryReport,
    gated_prints: dict[str, str] | None = None,
    analyses: Sequence[Analysis] = (),
) -> None:
    """index.md, index.html and manifest.json, written last (each atomically), from the analyses
    the workers made (as :func:`actplot.analysis.compare` would: same grid, same threshold)."""
    from actplot.analysis import Comparison
    from actplot.files import write_text

    drawn = [bounds[i] for i in good]
    window = (float(options.window[0]), float(options.window[1]))
    comparison = Comparison(window, INDEX_NUM, INDEX_SATURATION, options.dtype, tuple(analyses))
    pages = {b.label: page_name(b, options.fmt) for b in drawn}
    gated_prints = gated_prints or {}
    units = [u for u in GATED if gated_page_name(u, options.fmt) in gated_prints]
    write_text(folder / "index.md", index_markdown(comparison, pages, options, units))
    write_text(folder / "index.html", index_html(comparison, pages, options, units))
    manifest = {
        "actplot": __version__,
        "window": list(options.window),
        "num": options.num,
        "format": options.fmt,
        **({"order": options.order} if options.order != 1 else {}),
        "pages": {**{page_name(bounds[i], options.fmt): prints[i] for i in good}, **gated_prints},
    }
    write_text(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    report.written += [folder / "index.md", folder / "index.html", folder / MANIFEST]


def check_gallery(
    bounds: Sequence[BoundActivation],
    out: str | os.PathLike[str],
    options: GalleryOptions | None = None,
    gated: Sequence[GatedUnit] = (),
) -> CheckReport:
    """Compare the gallery in ``out`` with what ``build_gallery`` would write now."""
    options = options or GalleryOptions()
    folder = Path(out)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        recorded = dict(manifest.get("pages", {}))
    except (OSError, ValueError):
        manifest, recorded = {}, {}
    expected = {page_name(b, options.fmt): b for b in bounds}
    present = (
        {p.name for p in folder.glob(f"*.{options.fmt}") if p.name != f"overview.{options.fmt}"}
        if folder.is_dir()
        else set()
    )
    missing = sorted(n for n in expected if n not in present)
    missing += [n for n in (*INDEXES, MANIFEST, f"overview.{options.fmt}") if not (folder / n).is_file()]
    expected_gated = {gated_page_name(u, options.fmt): u for u in gated}
    missing += sorted(n for n in expected_gated if n not in present)
    extra = sorted(present - set(expected) - set(expected_gated))
    stale = sorted(
        [n for n, b in expected.items() if n in present and recorded.get(n) != fingerprint(b, options)]
        + [n for n, u in expected_gated.items() if n in present and recorded.get(n) != gated_fingerprint(u, options)]
    )
    other = manifest.get("window") != list(options.window) or manifest.get("num") != options.num
    if manifest and (other or manifest.get("order", 1) != options.order):
        stale.append(f"{MANIFEST} (built with other options)")
    return CheckReport(tuple(missing), tuple(extra), tuple(stale))


def index_markdown(comparison, pages: dict[str, str], options: GalleryOptions, units: Sequence[GatedUnit] = ()) -> str:
    """index.md: the comparison table with each activation's figure (renders on GitHub)."""
    from actplot.formats import COMPARE_COLUMNS, comparison_rows, markdown_table

    lo, hi = comparison.window
    lines = [
        "# actplot gallery",
        "",
        f"Generated by `actplot gallery` (actplot {__version__}): every activation over x in [{lo:g}, {hi:g}], "
        f"f solid, f′ dashed; hatched: f′ = 0 exactly, light: 0 < |f′| < {comparison.saturation_threshold:g}. "
        "Regenerate with `actplot gallery`; `actplot gallery --check` tells whether it is up to date.",
        "",
        f"![overview](overview.{options.fmt})",
        "",
    ]
    rows = [
        [f"[![{a.label}]({pages[a.label]})]({pages[a.label]})", *row]
        for a, row in zip(comparison.analyses, comparison_rows(comparison), strict=True)
    ]
    text = "\n".join(lines) + "\n" + markdown_table(("figure", *COMPARE_COLUMNS), rows)
    if units:
        text += "\n## Gated units (two inputs)\n\n" + GATED_INTRO + "\n\n"
        for u in units:
            page = gated_page_name(u, options.fmt)
            text += f"### {u.name}: f(a, b) = a · {u.gate}(b)\n\n[![{u.name}]({page})]({page})\n\n"
    return text


_HTML_STYLE = """
:root { color-scheme: light dark;
        --bg: #ffffff; --fg: #1b1b1b; --muted: #666; --line: #ddd; --head: #f3f3f3; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15171a; --fg: #e8e8e8; --muted: #aaa; --line: #333; --head: #202328; }
}
body { background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; }
h1 { font-size: 1.4rem; } p { color: var(--muted); max-width: 60rem; }
input { font: inherit; padding: .35rem .6rem; width: 20rem; margin: .5rem 0 1rem;
        background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .6rem; text-align: left; vertical-align: middle; }
th { background: var(--head); cursor: pointer; user-select: none; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
td img { width: 220px; background: #fff; border-radius: 3px; } .overview { max-width: 100%; background: #fff; }
img.gated { max-width: 100%; background: #fff; } figure { margin: 1rem 0; }
"""

_HTML_SCRIPT = """
const table = document.getElementById('comparison');
const rows = () => Array.from(table.tBodies[0].rows);
document.getElementById('search').addEventListener('input', (event) => {
  const needle = event.target.value.trim().toLowerCase();
  for (const row of rows()) row.hidden = needle !== '' && !row.dataset.search.includes(needle);
});
table.tHead.addEventListener('click', (event) => {
  const th = event.target.closest('th'); if (!th || th.dataset.sortable === undefined) return;
  const column = th.cellIndex, ascending = th.getAttribute('aria-sort') !== 'ascending';
  for (const other of table.tHead.rows[0].cells) other.removeAttribute('aria-sort');
  th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
  const key = (row) => { const v = row.cells[column].dataset.value ?? row.cells[column].textContent;
                         const n = parseFloat(v); return Number.isNaN(n) ? v : n; };
  const sorted = rows().sort((a, b) => { const x = key(a), y = key(b);
    const order = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
    return ascending ? order : -order; });
  for (const row of sorted) table.tBodies[0].appendChild(row);
});
"""


def index_html(comparison, pages: dict[str, str], options: GalleryOptions, units: Sequence[GatedUnit] = ()) -> str:
    """index.html: one static page, no network access: images, a sortable table, a search box."""
    from actplot.formats import COMPARE_COLUMNS, comparison_rows

    e = html.escape
    sort_values = lambda a: [  # noqa: E731  (the figure, then one per column of COMPARE_COLUMNS)
        None, None, a.output_min, a.theoretical_range[0], a.value_at_zero, a.grad_at_zero, a.dead_fraction,
        a.flushed_fraction, a.saturation_tails_fraction, a.near_stationary_fraction, None, a.max_abs_grad, None,
        a.gaussian_mean, None, a.gain, a.max_abs_curvature, None, None, float(a.distinct_outputs),
    ]  # fmt: skip
    head = "".join(
        f"<th data-sortable>{e(c)}</th>" if i else "<th>figure</th>" for i, c in enumerate(("figure", *COMPARE_COLUMNS))
    )
    body = []
    for a, row in zip(comparison.analyses, comparison_rows(comparison), strict=True):
        page = e(pages[a.label], quote=True)
        cells = [f'<td><a href="{page}"><img src="{page}" alt="{e(a.label, quote=True)}" loading="lazy"></a></td>']
        for text, value in zip(row, sort_values(a)[1:], strict=False):
            data = f' data-value="{value!r}"' if isinstance(value, float) and np.isfinite(value) else ""
            cells.append(f"<td{data}>{e(text)}</td>")
        search = e(" ".join([a.label, a.name, *row]).lower(), quote=True)
        body.append(f'<tr data-search="{search}">' + "".join(cells) + "</tr>")
    lo, hi = comparison.window
    gated_html = ""
    if units:
        figures = "".join(
            f'<figure><a href="{e(gated_page_name(u, options.fmt), quote=True)}"><img class="gated" '
            f'src="{e(gated_page_name(u, options.fmt), quote=True)}" alt="{e(u.name, quote=True)}" loading="lazy"></a>'
            f"<figcaption>{e(u.name)}: f(a, b) = a · {e(u.gate)}(b)</figcaption></figure>"
            for u in units
        )
        gated_html = f"<h2>Gated units (two inputs)</h2>\n<p>{e(GATED_INTRO)}</p>\n{figures}\n"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>actplot gallery</title>
<style>{_HTML_STYLE}</style>
</head>
<body>
<h1>actplot gallery</h1>
<p>Every activation over x in [{lo:g}, {hi:g}] (actplot {e(__version__)}): f solid, f′ dashed; hatched
where f′ = 0 exactly, lightly shaded where 0 &lt; |f′| &lt; {comparison.saturation_threshold:g}.
Click a column to sort; type to filter.</p>
<img class="overview" src="overview.{options.fmt}" alt="all activations">
<div><input id="search" type="search" placeholder="Filter activations…" aria-label="Filter activations"></div>
<table id="comparison">
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
{gated_html}<script>{_HTML_SCRIPT}</script>
</body>
</html>
"""
