"""Benchmarks: actplot against what a user would use instead, as ratios of interleaved runs.

    python benchmarks/run.py            # the full report -> benchmarks/RESULTS.md (several minutes)
    python benchmarks/run.py --quick    # a tiny configuration, seconds (the test suite runs it)

Installs nothing. PyTorch is used only if it is installed (`pip install torch==2.13.0`). The
machine is shared and noisy: absolute times drift, so each comparison interleaves the commands
being compared and reports medians and their ratio.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PY = sys.executable
#: The plain scripts the speed goals are measured against (beside the project, not part of it:
#: ACTPLOT_ANCHORS overrides). Without them the comparisons fall back to the scripts below.
ANCHORS = Path(os.environ.get("ACTPLOT_ANCHORS", HERE.parent.parent / "shared" / "anchors"))


def anchor(name: str) -> Path | None:
    path = ANCHORS / name
    return path if path.is_file() else None


def compile_bytecode() -> None:
    """Byte-compile actplot first, as an installed package is: with PYTHONDONTWRITEBYTECODE set
    (as on this machine) an editable install would otherwise recompile every module on every run
    (40 ms of `actplot list`), which no user's install does."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "actplot"), quiet=1)


@dataclass
class Report:
    quick: bool
    sections: list[str] = field(default_factory=list)
    goals: list[tuple[str, str, bool]] = field(default_factory=list)

    def goal(self, what: str, measured: str, met: bool) -> None:
        self.goals.append((what, measured, met))


# Linux keeps ru_maxrss across execve, so a child forked from this (large) process would report
# our own high-water mark: a small launcher process runs each command and reports its peak.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(process.pid, 0)
elapsed = time.perf_counter() - start
if os.waitstatus_to_exitcode(status) != 0:
    sys.stderr.write(process.stderr.read().decode()[-500:])
    sys.exit(1)
print(elapsed, usage.ru_maxrss)
"""


def run(cmd: list[str], cwd: str | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one child process, measured by a small launcher."""
    proc = subprocess.run([PY, "-c", LAUNCHER, *cmd], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr[-500:]}")
    elapsed, peak = proc.stdout.split()
    return float(elapsed), int(peak)


def interleaved(commands: dict[str, list[str]], repeats: int, cwd: str | None = None) -> dict[str, float]:
    """Median wall time of each command, the commands run in turn so drift hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm the file cache once
        run(cmd, cwd)
    for _ in range(repeats):
        for name, cmd in commands.items():
            times[name].append(run(cmd, cwd)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def actplot_cmd(*args: str) -> list[str]:
    return [PY, "-m", "actplot", *args]


# --- 1. start-up -------------------------------------------------------------------------------


def startup(report: Report) -> None:
    repeats = 1 if report.quick else 15
    commands = {
        'python -c "import click, rich, numpy"': [PY, "-c", "import click, rich, numpy"],
        "actplot --help": actplot_cmd("--help"),
        "actplot list": actplot_cmd("list"),
        "actplot info relu": actplot_cmd("info", "relu"),
    }
    env_note = "plugin autoload " + ("disabled" if os.environ.get("ACTPLOT_DISABLE_PLUGIN_AUTOLOAD") else "on")
    medians = interleaved(commands, repeats)
    base = medians['python -c "import click, rich, numpy"']
    rows = [[f"`{name}`", f"{t:.3f}", f"{t / base:.2f}×"] for name, t in medians.items()]
    report.sections.append(
        f"## 1. Start-up\n\nWhole processes, interleaved, median of {repeats} ({env_note}).\n\n"
        + table(["command", "median (s)", "ratio to baseline"], rows)
    )
    report.goal(
        "`actplot --help` ≤ 1.2× baseline",
        f"{medians['actplot --help'] / base:.2f}×",
        medians["actplot --help"] / base <= 1.2,
    )
    report.goal(
        "`actplot list` ≤ 1.6× baseline",
        f"{medians['actplot list'] / base:.2f}×",
        medians["actplot list"] / base <= 1.6,
    )


# --- 2. time to a figure -----------------------------------------------------------------------

MINIMAL_SCRIPT = """
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
x = np.linspace(-5, 5, {num})
relu, drelu = np.maximum(x, 0), (x > 0).astype(float)
elu, delu = np.where(x > 0, x, np.expm1(np.minimum(x, 0))), np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))
fig, ax = plt.subplots(figsize=(8, 5), dpi=150)
ax.plot(x, relu, label="relu"); ax.plot(x, drelu, "--", label="relu'")
ax.plot(x, elu, label="elu"); ax.plot(x, delu, "--", label="elu'")
ax.legend(); ax.grid(True, alpha=0.3)
fig.savefig("hand.png")
"""


def figure(report: Report) -> None:
    repeats = 1 if report.quick else 9
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "hand.py"
        script.write_text(MINIMAL_SCRIPT.format(num=1000))
        minimal = anchor("render_min.py")
        hand_cmd = [PY, str(minimal), "1000", "hand.png"] if minimal else [PY, str(script)]
        medians = interleaved(
            {"hand-written pyplot script (1000 points)": hand_cmd,
             "actplot plot relu elu --out f.png": actplot_cmd("plot", "relu", "elu", "--out", "f.png")},
            repeats, cwd=folder,
        )  # fmt: skip
        hand, tool = medians.values()
        nums = ["1000", "100000", "10000000"] if not report.quick else ["1000", "20000"]
        by_num = interleaved(
            {n: actplot_cmd("plot", "relu", "elu", "--num", n, "--out", "f.png") for n in nums}, repeats, cwd=folder
        )
    rows = [[name, f"{t:.3f}", f"{t / hand:.2f}×"] for name, t in medians.items()]
    rows += [
        [f"actplot plot relu elu --num {n}", f"{t:.3f}", f"{t / by_num[nums[0]]:.2f}× --num {nums[0]}"]
        for n, t in by_num.items()
    ]
    which = "anchors/render_min.py" if minimal else "the script in benchmarks/run.py (anchors not found)"
    report.sections.append(
        f"## 2. Time to a figure\n\nWhole processes, interleaved, median of {repeats}; the hand-written "
        f"script is {which}.\n\n" + table(["what", "median (s)", "ratio"], rows)
    )
    report.goal("`plot relu elu` ≤ 1.05× hand-written pyplot", f"{tool / hand:.2f}×", tool / hand <= 1.05)
    if not report.quick:
        ratio = by_num["10000000"] / by_num["1000"]
        report.goal("`plot --num 1e7` ≤ 1.6× `--num 1e3`", f"{ratio:.2f}×", ratio <= 1.6)


# --- 3. gallery --------------------------------------------------------------------------------

SERIAL_GALLERY = """
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import actplot
names = sys.argv[1:]
for name in names:
    bound, = actplot.resolve(name)
    ev = actplot.evaluate(bound, actplot.linspace(-5, 5, 1001))
    fig, ax = plt.subplots(figsize=(7, 4.4), dpi=110)
    ax.plot(ev.x, ev.y, label=name); ax.plot(ev.x, ev.dy, "--", label=name + "'")
    ax.legend(); ax.grid(True, alpha=0.3); ax.set_title(name)
    fig.savefig(name + ".svg"); plt.close(fig)
"""


def gallery(report: Report) -> None:
    import actplot

    every = list(actplot.load_registry(autoload=False))
    # --quick (the test suite) keeps to two pages: the anchor script always draws its thirty
    serial_anchor = None if report.quick else anchor("gallery_serial.py")
    names_file = anchor("gallery_names.txt")
    names = names_file.read_text().split() if names_file else every[:30]
    if report.quick:
        names, every = names[:2], every[:2]
    repeats = 1 if report.quick else 3
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "serial.py"
        script.write_text(SERIAL_GALLERY)
        serial_cmd = [PY, str(serial_anchor), "serial"] if serial_anchor else [PY, str(script), *names]
        png = interleaved(
            {"plain serial matplotlib script": serial_cmd,
             "actplot gallery --format png --jobs 2": actplot_cmd(
                 "gallery", "--out", "g2", "--format", "png", "--jobs", "2", *names)},
            repeats, cwd=folder,
        )  # fmt: skip
        subset = every if report.quick else []  # no names: the whole default gallery
        whole = interleaved(
            {"actplot gallery --jobs 1": actplot_cmd("gallery", "--out", "w1", "--jobs", "1", *subset),
             "actplot gallery --jobs 2": actplot_cmd("gallery", "--out", "w2", "--jobs", "2", *subset)},
            repeats, cwd=folder,
        )  # fmt: skip
    serial = png["plain serial matplotlib script"]
    rows = [[name, f"{t:.2f}", f"{t / serial:.2f}×"] for name, t in png.items()]
    one = whole["actplot gallery --jobs 1"]
    rows2 = [[name, f"{t:.2f}", f"{t / one:.2f}×"] for name, t in whole.items()]
    which = "anchors/gallery_serial.py" if serial_anchor else "the script in benchmarks/run.py (anchors not found)"
    report.sections.append(
        f"## 3. Gallery\n\n{len(names)} activations as PNG pages, median of {repeats}; the plain script is "
        f"{which}. actplot also analyses each activation (shading, the index table), draws formulas, "
        "kinks and insets, and writes the overview, index.md, index.html and the manifest.\n\n"
        + table(["what", "median (s)", "ratio to serial script"], rows)
        + "\n\nThe whole default gallery (SVG: every built-in, the gated units, the overview drawn as "
        "one task among the pages):\n\n" + table(["what", "median (s)", "ratio to --jobs 1"], rows2)
    )
    ratio = png["actplot gallery --format png --jobs 2"] / serial
    report.goal("`gallery --format png --jobs 2` ≤ 0.65× plain serial script", f"{ratio:.2f}×", ratio <= 0.65)
    ratio = whole["actplot gallery --jobs 2"] / one
    report.goal("whole gallery `--jobs 2` ≤ 0.55× `--jobs 1`", f"{ratio:.2f}×", ratio <= 0.55)


# --- 4. evaluation -----------------------------------------------------------------------------

TORCH = {
    "relu": "F.relu(t)", "relu6": "F.relu6(t)", "leaky_relu": "F.leaky_relu(t, 0.01)", "elu": "F.elu(t)",
    "selu": "F.selu(t)", "celu": "F.celu(t)", "gelu": "F.gelu(t)", "gelu_tanh": "F.gelu(t, approximate='tanh')",
    "silu": "F.silu(t)", "mish": "F.mish(t)", "hardswish": "F.hardswish(t)", "hardsigmoid": "F.hardsigmoid(t)",
    "softplus": "F.softplus(t)", "logsigmoid": "F.logsigmoid(t)", "sigmoid": "torch.sigmoid(t)",
    "tanh": "torch.tanh(t)",
    "softsign": "F.softsign(t)", "hardtanh": "F.hardtanh(t)", "hardshrink": "F.hardshrink(t)",
    "softshrink": "F.softshrink(t)", "tanhshrink": "F.tanhshrink(t)", "exponential": "torch.exp(t)",
    "sinusoid": "torch.sin(t)", "arctan": "torch.atan(t)", "identity": "t * 1",
}  # fmt: skip

TUTORIAL = {  # the element-by-element style of tutorials: (f, f') on Python floats
    "relu": (lambda v: max(0.0, v), lambda v: 1.0 if v > 0 else 0.0),
    "sigmoid": (lambda v: 1 / (1 + math.exp(-v)), lambda v: (lambda s: s * (1 - s))(1 / (1 + math.exp(-v)))),
    "tanh": (math.tanh, lambda v: 1 - math.tanh(v) ** 2),
    "elu": (lambda v: v if v > 0 else math.exp(v) - 1, lambda v: 1.0 if v > 0 else math.exp(v)),
    "leaky_relu": (lambda v: v if v > 0 else 0.01 * v, lambda v: 1.0 if v > 0 else 0.01),
}


def best_of(function, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def evaluation(report: Report) -> None:
    import actplot

    n = 20_000 if report.quick else 10_000_000
    repeats = 1 if report.quick else 3
    x = np.linspace(-10, 10, n)
    registry = actplot.load_registry(autoload=False)
    names = ["relu", "sigmoid", "gelu"] if report.quick else list(registry)
    floor = best_of(lambda: np.copyto(np.empty_like(x), x), repeats) / n * 1e9
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        torch = None  # type: ignore[assignment]
    rows, ratios1, ratios2 = [], [], []
    for name in names:
        bound = actplot.bind(registry[name])
        ours = best_of(lambda b=bound: actplot.evaluate(b, x), repeats) / n * 1e9
        cells = [name, f"{ours:.1f}"]
        if torch is not None and name in TORCH:
            per_thread = []
            for threads in (1, 2):
                torch.set_num_threads(threads)

                def forward_backward(expression=TORCH[name]):
                    t = torch.from_numpy(x).requires_grad_(True)
                    y = eval(expression, {"F": F, "torch": torch, "t": t})  # our own table of torch calls
                    y.backward(torch.ones_like(y))
                    return y.detach(), t.grad

                per_thread.append(best_of(forward_backward, repeats) / n * 1e9)
            cells += [f"{per_thread[0]:.1f}", f"{per_thread[1]:.1f}", f"{ours / per_thread[0]:.2f}×"]
            ratios1.append(ours / per_thread[0])
            ratios2.append(ours / per_thread[1])
        else:
            cells += ["-", "-", "-"]
        if name in TUTORIAL:
            f, df = TUTORIAL[name]
            small = x[:: max(1, n // 100_000)].tolist()
            tutorial = best_of(lambda f=f, df=df, small=small: ([f(v) for v in small], [df(v) for v in small]), 1)
            tutorial = tutorial / len(small) * 1e9
            cells.append(f"{tutorial:.0f} ({tutorial / ours:.0f}× slower)")
        else:
            cells.append("-")
        rows.append(cells)
    torch_note = (
        "PyTorch not installed: torch columns empty."
        if torch is None
        else (f"torch {torch.__version__}, THP_MEM_ALLOC_ENABLE={os.environ.get('THP_MEM_ALLOC_ENABLE', 'unset')}.")
    )
    report.sections.append(
        f"## 4. Evaluation\n\nns per element of f and f′ together, {n:,} float64 points in [-10, 10], "
        f"best of {repeats}. "
        f"actplot's evaluate() (chunked, float64, the accurate formulas). Bandwidth floor (np.copyto): {floor:.2f} ns. "
        f"{torch_note} Tutorial style: a Python loop over math-module scalars, timed on 1e5 points and scaled.\n\n"
        + table(
            [
                "activation",
                "actplot",
                "torch fwd+bwd, 1 thread",
                "torch, 2 threads",
                "actplot / torch 1t",
                "tutorial style",
            ],
            rows,
        )
    )
    if ratios1:
        m1, m2 = statistics.median(ratios1), statistics.median(ratios2)
        report.goal("evaluation median ≤ torch fwd+bwd at 1 thread", f"{m1:.2f}×", m1 <= 1.0)
        report.goal("evaluation median ≤ 1.25× torch at 2 threads", f"{m2:.2f}×", m2 <= 1.25)


# --- 5. scale ----------------------------------------------------------------------------------


def scale(report: Report) -> None:
    nums = ["10000", "100000"] if report.quick else ["1000000", "10000000", "100000000"]
    rows, results = [], {}
    for num in nums:
        elapsed, peak = run(actplot_cmd("compare", "gelu", "--num", num, "--format", "json"))
        results[num] = (elapsed, peak)
        rows.append([f"{int(num):.0e}", f"{elapsed:.2f}", f"{peak / 1024:.0f}"])
    report.sections.append(
        "## 5. Scale: `actplot compare gelu --num N`\n\nOne whole process each.\n\n"
        + table(["N", "time (s)", "peak RSS (MB)"], rows)
    )
    if not report.quick:
        peak = results["100000000"][1] / 1024
        ratio = results["100000000"][0] / results["10000000"][0]
        report.goal("`compare` at 1e8 points: peak memory < 200 MB", f"{peak:.0f} MB", peak < 200)
        report.goal("`compare` time linear: 1e8 ≤ 12× 1e7", f"{ratio:.1f}×", ratio <= 12)


def propagation(report: Report) -> None:
    """The moments table for every built-in, and one edge-of-chaos line, in this process (after
    start-up: the goals are about the quadrature, not the import)."""
    import actplot
    from actplot.propagation import edge_of_chaos, moments

    registry = actplot.load_registry(autoload=False)
    bounds = [actplot.bind(a) for a in registry.values()]
    moments(bounds[0])  # warm: scipy's import, the Legendre nodes
    repeats = 1 if report.quick else 3
    table_time = best_of(lambda: [moments(b) for b in bounds], repeats)
    count = 5 if report.quick else 50
    bias = np.linspace(0.0, 0.3, count)
    tanh = actplot.resolve("tanh")[0]
    line_time = best_of(lambda: [edge_of_chaos(tanh, float(b)) for b in bias], repeats)
    report.sections.append(
        "## 6. Propagation: `actplot propagate`\n\nIn-process, best of "
        f"{repeats}.\n\n"
        + table(
            ["work", "time (s)"],
            [
                [f"moments of all {len(bounds)} built-ins at q = 1", f"{table_time:.3f}"],
                [f"tanh edge of chaos at {count} values of σ_b²", f"{line_time:.3f}"],
            ],
        )
    )
    report.goal("moments table of every built-in < 1 s", f"{table_time:.2f} s", table_time < 1.0)
    if not report.quick:
        report.goal("edge-of-chaos line of 50 σ_b² < 5 s", f"{line_time:.2f} s", line_time < 5.0)


STEPS = (startup, figure, gallery, evaluation, scale, propagation)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tiny configuration that runs in seconds")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--only",
        action="append",
        choices=[step.__name__ for step in STEPS],
        help="run only this section (repeatable); the report then holds only those sections",
    )
    args = parser.parse_args(argv)
    report = Report(quick=args.quick)
    compile_bytecode()
    for step in STEPS:
        if args.only and step.__name__ not in args.only:
            continue
        print(f"benchmark: {step.__name__} ...", file=sys.stderr, flush=True)
        step(report)
    flags = (" --quick" if args.quick else "") + "".join(f" --only {o}" for o in args.only or [])
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"
    )
    goals = table(["goal", "measured", "met"], [[g, m, "yes" if ok else "**no**"] for g, m, ok in report.goals])
    text = textwrap.dedent(f"""\
        # actplot benchmarks

        {datetime.date.today().isoformat()} · {machine} · `python benchmarks/run.py{flags}`

        ## Goals

        {{goals}}

        {{sections}}
        """).format(goals=goals, sections="\n\n".join(report.sections))
    args.out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
