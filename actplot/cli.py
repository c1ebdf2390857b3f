"""The command line: a thin layer over the library. The only module that imports click.

A command reads its options, loads the registry, resolves names, makes one library call,
formats and echoes. Errors become exit codes here, in ActplotGroup.invoke, and nowhere else.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from actplot import __version__
from actplot.columns import COLUMNS
from actplot.errors import FAILURE_EXIT, USAGE_EXIT, ActplotError
from actplot.format_names import FORMATS

if TYPE_CHECKING:  # the registry loads numpy and the built-ins: not for --help
    from actplot.registry import Registry

DEBUG_KEY = "actplot.debug"
PLUGINS_KEY = "actplot.plugins"


class CommandFailure(click.ClickException):
    """A one-line 'Error: ...' on stderr, exit status 1."""

    exit_code = FAILURE_EXIT


class CommandUsageError(CommandFailure):
    """A one-line 'Error: ...' on stderr, exit status 2 (click's UsageError would add usage lines)."""

    exit_code = USAGE_EXIT


def command_error(message: str, exit_code: int) -> CommandFailure:
    return CommandUsageError(message) if exit_code == USAGE_EXIT else CommandFailure(message)


class ActplotGroup(click.Group):
    """Maps library errors to exit codes: usage 2, failures 1, anything unexpected 1 with a hint."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except ActplotError as exc:
            if ctx.meta.get(DEBUG_KEY):
                raise
            from actplot.formats import terminal_safe

            message = terminal_safe(str(exc).splitlines()[0]) if str(exc) else type(exc).__name__
            raise command_error(message, exc.exit_code) from exc
        except KeyboardInterrupt as exc:
            _ignore_further_interrupts()
            if ctx.meta.get(DEBUG_KEY):
                raise
            # every file is written atomically, so there is nothing half-written to clean up
            name = "SIGTERM" if isinstance(exc, Terminated) else "SIGINT"
            click.echo(f"Error: interrupted ({name}); files already written are whole, none is partial", err=True)
            raise click.exceptions.Exit(143 if isinstance(exc, Terminated) else 130) from None
        except Exception as exc:
            if ctx.meta.get(DEBUG_KEY):
                raise
            message = f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)"
            raise CommandFailure(message) from exc


def _remember_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[DEBUG_KEY] = True
    return value


def _remember_plugins(ctx: click.Context, _param: click.Parameter, value: Sequence[str]) -> Sequence[str]:
    ctx.meta.setdefault(PLUGINS_KEY, []).extend(value)
    return value


def common_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--plugin and --debug, accepted before or after the command name."""
    function = click.option(
        "--plugin",
        "plugins",
        multiple=True,
        metavar="MODULE_OR_FILE.py",
        expose_value=False,
        callback=_remember_plugins,
        help="Load activations from a plugin module or .py file (repeatable).",
    )(function)
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=_remember_debug,
        help="Show the full traceback on errors.",
    )(function)


def registry_for(ctx: click.Context) -> Registry:
    """Load the registry with this invocation's plugins, warning (stderr) about broken ones."""
    from actplot.registry import load_registry

    registry = load_registry(plugins=tuple(ctx.meta.get(PLUGINS_KEY, ())))
    from actplot.formats import terminal_safe

    for failure in registry.failures:
        click.echo(terminal_safe(f"warning: plugin {failure.plugin!r} failed to load: {failure.message}"), err=True)
    for c in registry.collisions:
        message = f"warning: {c.name!r} from {c.dropped} ignored: already defined by {c.kept}"
        click.echo(terminal_safe(message), err=True)
    return registry


def complete_names(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion: activation names, and parameter names after 'NAME:'."""
    from click.shell_completion import CompletionItem

    from actplot.registry import load_registry

    try:
        registry = load_registry(plugins=tuple(ctx.meta.get(PLUGINS_KEY, ())))
    except Exception:
        return []
    if ":" in incomplete:
        name, _, rest = incomplete.partition(":")
        if name not in registry:
            return []
        head, _, last = rest.rpartition(",")
        prefix = f"{name}:{head + ',' if head else ''}"
        return [
            CompletionItem(f"{prefix}{p.name}=", help=p.doc) for p in registry[name].params if p.name.startswith(last)
        ]
    from actplot.gated_units import GATED_UNITS

    names = [*registry.all_names, *(u.name for u in GATED_UNITS)]
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


class Count(click.ParamType):
    """A whole number that may be written 1e6."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            number = float(value)
        except ValueError:
            self.fail(f"{value!r} is not a whole number", param, ctx)
        if not math.isfinite(number) or not number.is_integer():
            self.fail(f"{value!r} is not a whole number", param, ctx)
        return int(number)


def grid_options(lo: float, hi: float, num: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--range LO HI and --num N, meaning numpy.linspace(LO, HI, N) on every command."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        function = click.option(
            "--num", type=Count(), default=num, show_default=True, help="Number of grid points (1e6 is accepted)."
        )(function)
        return click.option(
            "--range",
            "window",
            type=(float, float),
            default=(lo, hi),
            show_default=True,
            metavar="LO HI",
            help="The x window: numpy.linspace(LO, HI, NUM).",
        )(function)

    return decorate


ORDER_OPTION = click.option(
    "--order",
    type=click.IntRange(1, 2),
    default=1,
    show_default=True,
    help="1: f and f'; 2: f'' too (declared where the activation gives it, else numeric and labelled so).",
)


def names_argument(required: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.argument(
        "names", nargs=-1, required=required, metavar="NAME[:key=value,...]...", shell_complete=complete_names
    )


def rich_console(err: bool = False) -> Any:
    """A console per call: plain when not a terminal or when NO_COLOR is set (rich checks both)."""
    from rich.console import Console

    return Console(stderr=err, soft_wrap=False, highlight=False)


@click.group(cls=ActplotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="actplot")
@common_options
def cli() -> None:
    """Plot, compare and check neural-network activation functions and their derivatives.

    \b
    Examples:
      actplot list                              every activation, with parameters
      actplot info gelu                         formula, derivative, range, kink convention
      actplot eval relu elu:alpha=0.5 --at -1,0,1
      actplot check                             every derivative against a numeric one
      actplot compare --range -10 10            ranges, dead and saturating regions
      actplot diff gelu gelu:approximate=tanh   how far apart two activations are
      actplot plot relu elu                     a figure of both and their derivatives
      actplot gallery                           a page per activation, index.md, index.html

    Parameters are written NAME:key=value,key=value (names and defaults as in PyTorch),
    e.g. leaky_relu:negative_slope=0.2 or hardtanh:min_val=-2,max_val=2.
    """


@cli.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@common_options
@click.pass_context
def list_command(ctx: click.Context, fmt: str) -> None:
    """List every activation: aliases, parameters, family, source and derivative kind.

    Broken plugins are listed too, marked broken with the reason.

    \b
    Examples:
      actplot list
      actplot list --format json | jq '.activations[].name'
      actplot list --plugin ./my_activations.py
    """
    from actplot import formats

    registry = registry_for(ctx)
    if fmt == "json":
        click.echo(formats.registry_json(registry))
    else:
        rich_console().print(formats.registry_table(registry))


@cli.command("info")
@click.argument("name", metavar="NAME[:key=value,...]", shell_complete=complete_names)
@common_options
@click.pass_context
def info_command(ctx: click.Context, name: str) -> None:
    """Show one activation: formulas, parameters, range, continuity and kink convention.

    \b
    Examples:
      actplot info elu
      actplot info hardtanh:min_val=-2,max_val=2
      actplot info softplus
      actplot info swiglu
    """
    from actplot.describe import describe, describe_gated
    from actplot.gated_units import split_names
    from actplot.spec import parse_spec

    _plain, gated = split_names([name])
    if gated:
        click.echo(describe_gated(gated[0]))
        return
    bound = parse_spec(name, registry_for(ctx))
    click.echo(describe(bound))


def parse_points(text: str, option: str = "--at") -> list[float]:
    from actplot.errors import UsageError

    points = []
    for item in text.split(","):
        try:
            points.append(float(item))
        except ValueError:
            raise UsageError(f"{option} {text!r}: {item.strip()!r} is not a number (e.g. {option} -1,0,0.5)") from None
    return points


@cli.command("eval")
@names_argument(required=True)
@grid_options(-5.0, 5.0, 11)
@click.option(
    "--at",
    "at",
    metavar="X1,X2,...",
    help="Evaluate at these points instead of a grid; for a gated unit, (a, b) pairs: --at '1,2;-1,0.5'.",
)
@click.option(
    "--vector",
    "vector",
    metavar="V1,V2,...",
    help="For vector-valued activations (softmax family): f at this input vector and its Jacobian.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option(
    "--dtype",
    type=click.Choice(FORMATS),
    default="float64",
    show_default=True,
    help="Precision of the results (float64 results rounded to it).",
)
@ORDER_OPTION
@common_options
@click.pass_context
def eval_command(
    ctx: click.Context,
    names: tuple[str, ...],
    window: tuple[float, float],
    num: int,
    at: str | None,
    vector: str | None,
    fmt: str,
    dtype: str,
    order: int,
) -> None:
    """Print values f(x) and derivatives f'(x) on a grid or at given points.

    JSON is a list with one object per activation: name, label, params, x, y, dy (and with
    --order 2, d2y and second_derivative: analytic or numeric); floats round-trip, and non-finite
    values are the strings "inf", "-inf" and "nan". CSV adds a column d2<label> with --order 2.

    \b
    Examples:
      actplot eval relu elu --range -2 2 --num 5
      actplot eval sigmoid --at -800,0,40 --format json
      actplot eval leaky_relu:negative_slope=0.2 --format csv > leaky.csv
      actplot eval softmax --vector 1,2,3
      actplot eval gelu silu --order 2 --range -3 3 --num 7
      actplot eval swiglu --at '1,2;-1,0.5'
    """
    import numpy as np

    from actplot import formats
    from actplot.numerics import evaluate, linspace
    from actplot.spec import parse_spec

    registry = registry_for(ctx)
    from actplot.gated_units import split_names

    plain, gated = split_names(names)
    if gated:
        _eval_gated(plain, gated, at, vector, fmt, registry)
        return
    if vector is not None:
        from actplot.api import evaluate_vector
        from actplot.errors import UsageError

        if at is not None:
            raise UsageError("--vector and --at exclude each other: give one")
        v = parse_points(vector, "--vector")
        results = [evaluate_vector(name, v, registry) for name in names]
        emit(fmt, results, formats.vectors_json, formats.vectors_csv, formats.vector_tables)
        return
    bounds = [parse_spec(name, registry) for name in names]
    x = np.array(parse_points(at)) if at is not None else linspace(window[0], window[1], num)
    evaluations = [evaluate(b, x, dtype, order=order) for b in bounds]
    emit(fmt, evaluations, formats.evaluations_json, formats.evaluations_csv, lambda e: [formats.evaluations_table(e)])


def _eval_gated(
    plain: list[str], gated: list[Any], at: str | None, vector: str | None, fmt: str, registry: Any
) -> None:
    from actplot import formats
    from actplot.errors import UsageError
    from actplot.gated_units import evaluate_gated, parse_pairs

    if plain:
        raise UsageError(
            f"gated units ({', '.join(u.name for u in gated)}) take (a, b) pairs and one-input activations "
            f"({', '.join(plain)}) take x: evaluate them in separate commands"
        )
    if vector is not None or at is None:
        raise UsageError(
            f"{gated[0].name} takes two inputs: give (a, b) pairs with --at A,B (e.g. --at 1,2 or --at '1,2;-1,0.5')"
        )
    pairs = parse_pairs(at)
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    results = [evaluate_gated(u, a, b, registry) for u in gated]
    emit(fmt, results, formats.gated_json, formats.gated_csv, formats.gated_tables)


def emit(
    fmt: str,
    results: Any,
    as_json: Callable[[Any], str],
    as_csv: Callable[[Any], str],
    as_tables: Callable[[Any], Sequence[Any]],
) -> None:
    """Print results as JSON, CSV (already newline-terminated) or rich tables."""
    if fmt == "json":
        click.echo(as_json(results))
    elif fmt == "csv":
        click.echo(as_csv(results), nl=False)
    else:
        for table in as_tables(results):
            rich_console().print(table)


DTYPE_OPTION = click.option(
    "--dtype",
    type=click.Choice(FORMATS),
    default="float64",
    show_default=True,
    help="Analyse the exact results correctly rounded to this format: the best any implementation "
    "in it can do (frameworks may do worse; a gradient that rounds to 0 is 'flushed').",
)


TABLE_FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table", show_default=True
)
AGAINST_OPTION = click.option(
    "--against",
    type=click.Choice(["torch", "jax"]),
    help="Measure a framework's forward and autograd backward against the exact values (optional extra).",
)


@cli.command("check")
@names_argument(required=False)
@AGAINST_OPTION
@DTYPE_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@common_options
@click.pass_context
def check_command(ctx: click.Context, names: tuple[str, ...], against: str | None, dtype: str, fmt: str) -> None:
    """Check declared derivatives against numeric ones; exit 1 on any mismatch.

    Each derivative is compared over about 4,900 points in [-1000, 1000] (dense in [-20, 20]),
    away from declared kinks and jumps, with a numeric derivative (complex step where the
    function allows it, else fourth-order central differences); a declared f'' likewise, with
    the numeric derivative of the declared f'.

    With --against torch (or jax) it instead measures what the framework computes: its forward
    and autograd backward in --dtype, against actplot's exact values correctly rounded to the same
    format, on about 5,100 points in [-1000, 1000]: the worst ULP of f and f′ and where, where the
    framework's f′ is 0 though the truth is not, and any nan/inf where the truth is finite. It
    measures; it exits 0 unless the framework is not installed.

    \b
    Examples:
      actplot check
      actplot check relu gelu:approximate=tanh
      actplot check --plugin ./my_activations.py my_activation
      actplot check sigmoid tanh gelu --against torch --dtype float32
    """
    from actplot.gated_units import GATED_UNITS, check_gated, split_names
    from actplot.spec import bind, parse_spec

    registry = registry_for(ctx)
    plain, gated = split_names(names) if names else ([], list(GATED_UNITS))
    if against is not None and gated and names:
        from actplot.errors import UsageError
        from actplot.gated_units import refusal

        raise UsageError(refusal(gated[0].name))
    bounds = [parse_spec(n, registry) for n in plain] if names else [bind(a) for a in registry.values()]
    if against is not None:
        _check_against(bounds, against, dtype, fmt)
        return
    from actplot.derivative_check import check_derivative, check_second_derivative

    failed = 0
    for unit in gated:
        verdict = check_gated(unit, registry)
        if verdict.ok:
            click.echo(f"ok    {unit.name} (df/da and df/db, {verdict.points} points)")
        else:
            failed += 1
            click.echo(f"FAIL  {unit.name}: worst df/da error {verdict.worst_a:.3g}, df/db {verdict.worst_b:.3g}")
    for bound in bounds:
        result = check_derivative(bound)
        second = check_second_derivative(bound)
        if not result.checked:
            click.echo(f"skip  {bound.label}: no declared derivative (numeric one used)")
        elif result.ok and second.ok:
            extra = "" if second.checked else "; f'' numeric"
            click.echo(f"ok    {bound.label} ({result.points} points{extra})")
        if result.checked and not result.ok:
            failed += 1
            click.echo(
                f"FAIL  {bound.label}: {result.mismatches} of {result.points} points differ; worst at "
                f"x = {result.worst_x!r}: declared {result.declared!r}, numeric {result.numeric!r}"
            )
        if second.checked and not second.ok:
            failed += result.ok or not result.checked  # one failure per activation
            click.echo(
                f"FAIL  {bound.label}: f'' differs at {second.mismatches} of {second.points} points; worst at "
                f"x = {second.worst_x!r}: declared {second.declared!r}, numeric {second.numeric!r}"
            )
    if failed:
        total = len(bounds) + len(gated)
        click.echo(f"Error: {failed} of {total} derivatives disagree with their numeric check", err=True)
        ctx.exit(1)


def _check_against(bounds: list[Any], framework: str, dtype: str, fmt: str) -> None:
    from actplot import framework_formats as out
    from actplot.frameworks import check_format, measure, require

    require(framework)
    check_format(dtype)
    version = __import__(framework).__version__
    reports, missing = [], []
    advance, done = _progress(len(bounds), f"measuring {framework}")
    try:
        for bound in bounds:
            report = measure(bound, framework, dtype)
            if report is None:
                missing.append(bound.label)
            else:
                reports.append(report)
            advance(bound)
    finally:
        done()
    if fmt == "json":
        from actplot.formats import dumps

        click.echo(dumps(out.reports_dict(reports, framework, version, dtype, missing)))
        return
    if fmt == "markdown":
        click.echo(out.reports_markdown(reports), nl=False)
    else:
        title = f"{framework} {version} in {dtype} against the exact values correctly rounded to {dtype}"
        rich_console().print(out.reports_table(reports, title))
    if missing:
        click.echo(f"not in {framework}: {', '.join(missing)}", err=True)


SATURATION_OPTION = click.option(
    "--saturation",
    type=float,
    default=0.01,
    show_default=True,
    metavar="TAU",
    help="Saturation threshold: regions (and shading) where 0 < |f'| < TAU.",
)


def check_streaming_grid(window: tuple[float, float], num: int, saturation: float | None = None) -> None:
    """Validate --range, --num (streamed: bounded by time, not memory) and --saturation up front."""
    from actplot.analysis import check_saturation
    from actplot.numerics import check_grid

    check_grid(window[0], window[1], num)
    if saturation is not None:
        check_saturation(saturation)


def _progress(total: int, label: str) -> tuple[Callable[[Any], None], Callable[[], None]]:
    """A rich progress bar on stderr when it is a terminal and the work is long; else nothing."""
    if total < 8 or not sys.stderr.isatty():
        return (lambda _item: None), (lambda: None)
    from rich.progress import Progress

    progress = Progress(console=rich_console(err=True), transient=True)
    task = progress.add_task(label, total=total)
    progress.start()
    return (lambda _item: progress.advance(task)), progress.stop


COMPARE_HELP = """Compare activations: ranges, dead, flushed and saturating regions, f(0), f'(0), max |f'|, E[f].

    Regions are exact to adjacent floats and the same for any --num: the analysis samples each
    window itself and refines every boundary (--num is the grid for extremes and non-finite
    counts). The grid is streamed, so memory does not grow with --num. With no names, every
    registered activation is compared. TAU is --saturation; E[...] is over z ~ N(0, 1).

    \b
    Examples:
      actplot compare --range -10 10
      actplot compare sigmoid tanh relu elu --sort -saturation
      actplot compare gelu silu mish --format json
      actplot compare sigmoid --dtype float32 --saturation 1e-3

    Columns:

""" + "\n\n".join(f"    {c.header}: {c.definition}" for c in COLUMNS)


@cli.command("compare", help=COMPARE_HELP)
@names_argument(required=False)
@grid_options(-10.0, 10.0, 10_001)
@SATURATION_OPTION
@DTYPE_OPTION
@AGAINST_OPTION
@click.option("--sort", "sort", metavar="COLUMN", help="Sort rows by a column (prefix '-' for descending): "
              "name, output_min, output_max, zero_gradient, dead, flushed, saturation, near_stationary, grad_at_zero, "
              "value_at_zero, max_abs_grad, monotonic, gaussian_mean, zero_centered, gain, continuity.")  # fmt: skip
@TABLE_FORMAT_OPTION
@common_options
@click.pass_context
def compare_command(
    ctx: click.Context,
    names: tuple[str, ...],
    window: tuple[float, float],
    num: int,
    saturation: float,
    dtype: str,
    against: str | None,
    sort: str | None,
    fmt: str,
) -> None:
    from actplot import formats
    from actplot.analysis import compare
    from actplot.spec import bind, parse_spec

    check_streaming_grid(window, num, saturation)
    if against is not None:
        from actplot.frameworks import check_format, require

        require(against)
        check_format(dtype)
    registry = registry_for(ctx)
    bounds = [parse_spec(n, registry) for n in names] if names else [bind(a) for a in registry.values()]
    formats.sort_analyses([], sort)  # validate --sort before the work
    advance, done = _progress(len(bounds), "analysing")
    try:
        comparison = compare(bounds, window, num, saturation, dtype, progress=advance)
    finally:
        done()
    for a in comparison.analyses:
        if a.non_finite:
            click.echo(f"warning: {a.label}: {a.non_finite:,} of {num:,} points are not finite on the window", err=True)
    import dataclasses

    comparison = dataclasses.replace(comparison, analyses=tuple(formats.sort_analyses(comparison.analyses, sort)))
    if against is not None:
        from actplot.frameworks import zero_gradient_regions

        by_label = {b.label: b for b in bounds}
        regions = tuple(zero_gradient_regions(by_label[a.label], against, dtype, window) for a in comparison.analyses)
        comparison = dataclasses.replace(comparison, framework=against, framework_zero_gradient=regions)
    if fmt == "json":
        click.echo(formats.dumps(formats.comparison_dict(comparison)))
    elif fmt == "csv":
        click.echo(formats.comparison_csv(comparison), nl=False)
    elif fmt == "markdown":
        click.echo(formats.comparison_markdown(comparison), nl=False)
    else:
        console = rich_console()
        console.print(formats.comparison_table(comparison, console.width))


@cli.command("propagate")
@names_argument(required=False)
@click.option("--q", "q", type=float, default=1.0, show_default=True, help="Pre-activation variance of the moments.")
@click.option("--weight-var", type=float, metavar="SW2", help="σ_w²: weights of variance SW2 / fan_in (mean field).")
@click.option("--bias-var", type=float, metavar="SB2", help="σ_b²: biases of variance SB2 [default: 0].")
@click.option("--edge-of-chaos", is_flag=True, help="The σ_w² at which χ₁ = 1 for --bias-var.")
@click.option("--plot", "plot_path", metavar="FILE", help="Phase diagram, or with --weight-var q and c through depth.")
@DTYPE_OPTION
@TABLE_FORMAT_OPTION
@common_options
@click.pass_context
def propagate_command(
    ctx: click.Context,
    names: tuple[str, ...],
    q: float,
    weight_var: float | None,
    bias_var: float | None,
    edge_of_chaos: bool,
    plot_path: str | None,
    dtype: str,
    fmt: str,
) -> None:
    """What an activation does to a deep network at initialisation.

    For h = sqrt(q) z, z ~ N(0, 1): E[f], E[f²], Var f, E[f′²], the exact gain 1/sqrt(E[f(z)²])
    (the weight scale that keeps the variance at 1, in units of 1/sqrt(fan_in)) beside
    torch.nn.init.calculate_gain's. With --weight-var (and --bias-var) the mean-field quantities of
    Poole et al. 2016 and Schoenholz et al. 2017: the fixed point q*, χ₁, c*, the depth scales
    ξ_q and ξ_c, and the phase (ordered χ₁ < 1, critical, chaotic). --edge-of-chaos gives the
    critical σ_w² for --bias-var. All by quadrature, never sampling. No names: every activation.

    \b
    Examples:
      actplot propagate relu tanh selu gelu
      actplot propagate tanh --weight-var 1.5 --bias-var 0.05
      actplot propagate tanh erf(x) --edge-of-chaos --bias-var 0.05 --format json
      actplot propagate tanh sigmoid relu --plot phase.png
      actplot propagate tanh --weight-var 2 --bias-var 0.05 --plot depth.png
    """
    from actplot import propagation
    from actplot.propagation_formats import (
        PropagationRow,
        propagation_csv,
        propagation_json,
        propagation_markdown,
        propagation_table,
    )
    from actplot.spec import bind, parse_spec

    registry = registry_for(ctx)
    bounds = [parse_spec(n, registry) for n in names] if names else [bind(a) for a in registry.values()]
    if weight_var is None and bias_var is not None and not edge_of_chaos:
        raise command_error("--bias-var needs --weight-var (mean field) or --edge-of-chaos", USAGE_EXIT)
    if plot_path is not None:
        from actplot.plotting import check_output, save_figure
        from actplot.propagation_plots import depth_figure, phase_diagram

        check_output(plot_path)
        if weight_var is not None:
            if len(bounds) != 1:
                raise command_error("--plot with --weight-var draws one activation: give one name", USAGE_EXIT)
            fig = depth_figure(bounds[0], weight_var, bias_var or 0.0)
        else:
            fig = phase_diagram(bounds)
        click.echo(str(save_figure(fig, plot_path)))
        return
    advance, done = _progress(len(bounds), "propagating")
    rows = []
    try:
        for bound in bounds:
            field = (
                propagation.mean_field(bound, weight_var, bias_var or 0.0, dtype) if weight_var is not None else None
            )
            critical = propagation.edge_of_chaos(bound, bias_var or 0.0, dtype) if edge_of_chaos else None
            rows.append(PropagationRow(propagation.moments(bound, q, dtype), field, critical))
            advance(bound)
    finally:
        done()
    if fmt == "json":
        used_bias = (bias_var or 0.0) if (weight_var is not None or edge_of_chaos) else None
        click.echo(propagation_json(rows, q, weight_var, used_bias, dtype))
    elif fmt == "csv":
        click.echo(propagation_csv(rows), nl=False)
    elif fmt == "markdown":
        click.echo(propagation_markdown(rows), nl=False)
    else:
        title = f"q = {q:g}" + (
            f", σ_w² = {weight_var:g}, σ_b² = {bias_var or 0.0:g}" if weight_var is not None else ""
        )
        title += "" if dtype == "float64" else f", in {dtype} (inputs and f, f′ rounded to it)"
        rich_console().print(propagation_table(rows, title))


@cli.command("precision")
@names_argument(required=True)
@grid_options(-10.0, 10.0, 2)
@AGAINST_OPTION
@TABLE_FORMAT_OPTION
@common_options
@click.pass_context
def precision_command(
    ctx: click.Context, names: tuple[str, ...], window: tuple[float, float], num: int, against: str | None, fmt: str
) -> None:
    """What each number format does to an activation: float64 to float8.

    For each format (float64 float32 float16 bfloat16 float8_e4m3fn float8_e5m2): where f′ first
    rounds to 0 on each side of 0, the zero-gradient fraction of the window, the largest relative
    error of f after rounding, and how many distinct values f takes. The results are the exact
    values correctly rounded to each format: the best an implementation in it can do, not what a
    framework computes; --against torch adds where the framework's own f′ is first 0 in each format
    it computes in. --num is not used: regions never depend on a grid.

    \b
    Examples:
      actplot precision sigmoid tanh gelu silu
      actplot precision gelu --range -4 4 --format json
    """
    from actplot.formats import markdown_table
    from actplot.precision import headers, precision, precision_csv, precision_dict, precision_rows, precision_table
    from actplot.spec import parse_spec

    check_streaming_grid(window, 2)
    if against is not None:
        from actplot.frameworks import require

        require(against)
    registry = registry_for(ctx)
    bounds = [parse_spec(n, registry) for n in names]
    advance, done = _progress(len(bounds), "precision")
    try:
        reports = []
        for bound in bounds:
            reports.append(precision(bound, window, against=against))
            advance(bound)
    finally:
        done()
    if fmt == "json":
        from actplot.formats import dumps

        click.echo(dumps(precision_dict(reports, window, against)))
    elif fmt == "csv":
        click.echo(precision_csv(reports), nl=False)
    elif fmt == "markdown":
        click.echo(markdown_table(headers(against), precision_rows(reports, against)), nl=False)
    else:
        lo, hi = window
        title = f"x in [{lo:g}, {hi:g}], exact results correctly rounded"
        rich_console().print(precision_table(reports, title, against))


@cli.command("diff")
@click.argument("first", metavar="A[:params]", shell_complete=complete_names)
@click.argument("second", metavar="B[:params]", shell_complete=complete_names)
@grid_options(-10.0, 10.0, 10_001)
@click.option("--tol", type=float, default=1e-3, show_default=True, help="Report where |A - B| exceeds this.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@common_options
@click.pass_context
def diff_command(
    ctx: click.Context, first: str, second: str, window: tuple[float, float], num: int, tol: float, fmt: str
) -> None:
    """How far apart two activations are: max |A - B| and max |A' - B'| with where, mean |A - B|.

    \b
    Examples:
      actplot diff gelu gelu:approximate=tanh
      actplot diff elu:alpha=1 celu:alpha=1 --range -5 5
      actplot diff silu mish --tol 0.05 --format json
    """
    from actplot import formats
    from actplot.analysis import diff
    from actplot.spec import parse_spec

    registry = registry_for(ctx)
    a, b = parse_spec(first, registry), parse_spec(second, registry)
    result = diff(a, b, window, num, tol)
    if fmt == "json":
        click.echo(formats.dumps(formats.difference_dict(result)))
    else:
        rich_console().print(formats.difference_table(result))


def expand_sweep(bounds: list[Any], sweep: str | None) -> tuple[list[Any], bool]:
    """--sweep KEY=V1,V2,...: each activation once per value, in order (a sequential colormap)."""
    if not sweep:
        return bounds, False
    from actplot.errors import ParameterError, UsageError
    from actplot.spec import bind, convert_value

    key, eq, values = sweep.partition("=")
    key = key.strip()
    if not eq or not key or not values.strip():
        raise UsageError(f"--sweep {sweep!r}: expected KEY=V1,V2,... (e.g. --sweep alpha=0.5,1,2)")
    expanded = []
    for bound in bounds:
        params = {p.name: p for p in bound.activation.params}
        if key not in params:
            from actplot.registry import did_you_mean

            valid = ", ".join(params) or "none"
            raise ParameterError(
                f"--sweep {key}: {bound.name} has no parameter {key!r}{did_you_mean(key, params)}; valid: {valid}"
            )
        for text in values.split(","):
            value = convert_value(bound.activation, params[key], text)
            expanded.append(bind(bound.activation, {**bound.kwargs, key: value}))
    return expanded, True


def has_display() -> bool:
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        import os

        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


@cli.command("plot")
@names_argument(required=True)
@grid_options(-5.0, 5.0, 2001)
@click.option(
    "--layout",
    type=click.Choice(["overlay", "stacked", "grid"]),
    default="overlay",
    show_default=True,
    help="overlay: f solid and f' dashed in one panel; stacked: f above f'; grid: a panel each.",
)
@click.option("--no-derivative", is_flag=True, help="Draw f only.")
@click.option(
    "--shade/--no-shade",
    default=None,
    help="Shade zero-gradient and saturation regions (default: on for one or two activations).",
)
@SATURATION_OPTION
@click.option(
    "--sweep",
    metavar="KEY=V1,V2,...",
    help="Draw each activation at several values of one parameter, coloured along a sequential colormap.",
)
@click.option("--out", "out", metavar="FILE", help="Output file: .png, .svg or .pdf [default: <names>.png here].")
@click.option("--dpi", type=float, default=150, show_default=True, help="Resolution of PNG output.")
@click.option(
    "--size", type=(float, float), default=(8.0, 5.0), show_default=True, metavar="W H", help="Figure size in inches."
)
@click.option("--theme", type=click.Choice(["light", "dark"]), default="light", show_default=True)
@click.option("--style", metavar="NAME_OR_FILE", help="A matplotlib style name or .mplstyle file.")
@click.option("--show", is_flag=True, help="Open a window (needs a display) instead of writing a file.")
@click.option("--slices", is_flag=True, help="Gated units: add a panel of f(a, b) against b at fixed a.")
@ORDER_OPTION
@click.option("--terminal", is_flag=True, help="Draw in the terminal with braille characters (no file).")
@DTYPE_OPTION
@AGAINST_OPTION
@common_options
@click.pass_context
def plot_command(
    ctx: click.Context,
    names: tuple[str, ...],
    window: tuple[float, float],
    num: int,
    layout: str,
    no_derivative: bool,
    shade: bool | None,
    saturation: float,
    sweep: str | None,
    out: str | None,
    dpi: float,
    size: tuple[float, float],
    theme: str,
    style: str | None,
    show: bool,
    slices: bool,
    order: int,
    terminal: bool,
    dtype: str,
    against: str | None,
) -> None:
    """Draw activations and their derivatives to a PNG, SVG or PDF file.

    f is solid, f' dashed and (with --order 2) f'' dotted in the same colour; dots on f' mark the
    value at a kink (PyTorch's autograd convention), and f'' breaks at each kink, where it jumps.
    Lines break at jumps, and the grid includes every declared kink.

    \b
    Examples:
      actplot plot relu elu
      actplot plot elu --sweep alpha=0.5,1,2 --out elu_sweep.svg
      actplot plot sigmoid tanh gelu silu --layout grid --theme dark
      actplot plot leaky_relu:negative_slope=0.2 --terminal
      actplot plot gelu silu mish --order 2 --layout stacked
      actplot plot swiglu --slices --range -3 3

    A gated unit (glu, swiglu, geglu, reglu) takes two inputs and is drawn over the plane: heatmaps
    of f(a, b), df/da and df/db on a diverging colormap centred at 0, with contour lines.
    """
    from actplot.gated_units import split_names
    from actplot.spec import parse_spec

    check_streaming_grid(window, num, saturation)
    registry = registry_for(ctx)
    plain, gated = split_names(names)
    if gated:
        gated_size = size if size != (8.0, 5.0) else None  # the default suits one-input curves
        _plot_gated(plain, gated, window, slices, out, dpi, gated_size, show, terminal, registry)
        return
    bounds, sequential = expand_sweep([parse_spec(n, registry) for n in names], sweep)
    if terminal:
        from actplot.sampling import sample
        from actplot.terminal import render

        console = rich_console()
        curves = [sample(b, window, num, columns=400) for b in bounds]
        console.print(render(curves, window, width=min(console.width, 120), derivative=not no_derivative))
        return
    from actplot import plotting

    options = plotting.PlotOptions(
        window=window, num=num, layout=layout, derivative=not no_derivative, shade=shade, saturation=saturation,
        theme=theme, style=style, size=size, dpi=dpi, sequential=sequential, dtype=dtype,
        against=against, order=order,
    )  # fmt: skip
    if show:
        if not has_display():
            from actplot.errors import ActplotError

            raise ActplotError(
                "--show needs a display, and none is available (DISPLAY is not set); use --out FILE or --terminal"
            )
        import matplotlib

        matplotlib.use("TkAgg", force=False)
        import matplotlib.pyplot as plt

        plotting.make_figure(bounds, options, figure_factory=plt.figure)
        plt.show()
        return
    target = plotting.check_output(out) if out else plotting.default_output(bounds)
    figure = plotting.make_figure(bounds, options)
    plotting.save_figure(figure, target)
    click.echo(str(target))


def _plot_gated(
    plain: list[str],
    gated: list[Any],
    window: tuple[float, float],
    slices: bool,
    out: str | None,
    dpi: float,
    size: tuple[float, float] | None,
    show: bool,
    terminal: bool,
    registry: Any,
) -> None:
    from actplot.errors import UsageError

    if plain or len(gated) > 1:
        raise UsageError(
            "a gated unit is drawn on its own (a figure of three heatmaps); plot "
            + ", ".join(repr(n) for n in [*(u.name for u in gated), *plain])
            + " in separate commands"
        )
    if show or terminal:
        raise UsageError(f"{gated[0].name}: --show and --terminal draw one-input curves; write a file with --out")
    from pathlib import Path

    from actplot import plotting
    from actplot.gated_plots import gated_figure

    unit = gated[0]
    target = plotting.check_output(out) if out else Path(f"{unit.name}.png")
    plotting.save_figure(gated_figure(unit, window, 201, slices=slices, size=size, dpi=dpi, registry=registry), target)
    click.echo(str(target))


@cli.command("gallery")
@click.option("--out", "out", metavar="DIR", default="gallery", show_default=True, help="The gallery folder.")
@grid_options(-5.0, 5.0, 1001)
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg", show_default=True)
@click.option("--jobs", type=int, default=None, help="Worker processes [default: all cores].")
@click.option("--check", is_flag=True, help="Only check that the gallery is up to date; exit 1 naming what differs.")
@DTYPE_OPTION
@ORDER_OPTION
@names_argument(required=False)
@common_options
@click.pass_context
def gallery_command(
    ctx: click.Context,
    out: str,
    window: tuple[float, float],
    num: int,
    fmt: str,
    jobs: int | None,
    check: bool,
    dtype: str,
    order: int,
    names: tuple[str, ...],
) -> None:
    """Write a figure per activation, an overview, index.md and index.html into a folder.

    Output is deterministic (the same inputs give byte-identical files) and written atomically,
    so an interrupted run never leaves a half-written file. With no names, every registered
    activation. A failure on one activation is reported, the rest is written, and the exit
    status is 1.

    \b
    Examples:
      actplot gallery
      actplot gallery --out docs/gallery --format png --jobs 2
      actplot gallery --check
      actplot gallery --order 2 --out gallery2
    """
    from actplot.gallery import GalleryOptions, build_gallery, check_gallery
    from actplot.spec import bind, parse_spec

    check_streaming_grid(window, num)
    if jobs is not None and jobs < 1:
        from actplot.errors import UsageError

        raise UsageError(f"--jobs {jobs}: must be at least 1")
    from actplot.gated_units import GATED_UNITS, split_names

    registry = registry_for(ctx)
    plain, gated = split_names(names) if names else ([], list(GATED_UNITS))
    bounds = [parse_spec(n, registry) for n in plain] if names else [bind(a) for a in registry.values()]
    options = GalleryOptions(window=window, num=num, fmt=fmt, dtype=dtype, order=order)
    if check:
        result = check_gallery(bounds, out, options, gated)
        for kind, items in (("missing", result.missing), ("extra", result.extra), ("stale", result.stale)):
            for item in items:
                click.echo(f"{kind}: {item}")
        if not result.ok:
            click.echo(f"Error: the gallery in {out} is out of date; run 'actplot gallery --out {out}'", err=True)
            ctx.exit(1)
        click.echo(f"{out}: up to date ({len(bounds) + len(gated)} pages)")
        return
    interactive = sys.stderr.isatty()
    advance, done = _progress(len(bounds) + len(gated), "drawing")

    def progress(label: str, error: str | None) -> None:
        advance(label)
        if not interactive:
            click.echo(f"{'failed' if error else 'drew'} {label}" + (f": {error}" if error else ""), err=True)

    try:
        report = build_gallery(bounds, out, options, jobs=jobs, progress=progress, gated=gated)
    finally:
        done()
    click.echo(f"wrote {len(report.written)} files to {out}")
    if report.failed:
        for label, message in report.failed:
            click.echo(f"Error: {label}: {message}", err=True)
        ctx.exit(1)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that it unwinds (and cleans up) like Ctrl-C."""


def _terminate(_signum: int, _frame: object) -> None:
    raise Terminated()


def _ignore_further_interrupts() -> None:
    """While unwinding from an interrupt, a second signal must not cut the cleanup short."""
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def main() -> None:
    """Console-script entry point."""
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli(prog_name="actplot")
    except KeyboardInterrupt as exc:  # one that arrived outside a command (start-up, shutdown)
        _ignore_further_interrupts()
        print("Error: interrupted", file=sys.stderr)
        sys.exit(143 if isinstance(exc, Terminated) else 130)


if __name__ == "__main__":  # pragma: no cover
    main()
