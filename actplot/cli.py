"""The command line: a thin layer over the library. The only module that imports click.

A command reads its options, loads the registry, resolves names, makes one library call,
formats and echoes. Errors become exit codes here, in ActplotGroup.invoke, and nowhere else.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from actplot import __version__
from actplot.errors import FAILURE_EXIT, USAGE_EXIT, ActplotError
from actplot.registry import Registry, load_registry

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
            raise command_error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exc.exit_code) from exc
        except KeyboardInterrupt:
            raise
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
    registry = load_registry(plugins=tuple(ctx.meta.get(PLUGINS_KEY, ())))
    for failure in registry.failures:
        click.echo(f"warning: plugin {failure.plugin!r} failed to load: {failure.message}", err=True)
    for collision in registry.collisions:
        click.echo(
            f"warning: {collision.name!r} from {collision.dropped} ignored: already defined by {collision.kept}",
            err=True,
        )
    return registry


def complete_names(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion: activation names, and parameter names after 'NAME:'."""
    from click.shell_completion import CompletionItem

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
    return [CompletionItem(n) for n in registry.all_names if n.startswith(incomplete)]


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
    """
    from actplot.describe import describe
    from actplot.spec import parse_spec

    bound = parse_spec(name, registry_for(ctx))
    click.echo(describe(bound))


def parse_points(text: str) -> list[float]:
    from actplot.errors import UsageError

    points = []
    for item in text.split(","):
        try:
            points.append(float(item))
        except ValueError:
            raise UsageError(f"--at {text!r}: {item.strip()!r} is not a number (e.g. --at -1,0,0.5)") from None
    return points


@cli.command("eval")
@names_argument(required=True)
@grid_options(-5.0, 5.0, 11)
@click.option("--at", "at", metavar="X1,X2,...", help="Evaluate at these points instead of a grid.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option(
    "--dtype",
    type=click.Choice(["float64", "float32", "float16"]),
    default="float64",
    show_default=True,
    help="Precision of the results (float64 results rounded to it).",
)
@common_options
@click.pass_context
def eval_command(
    ctx: click.Context,
    names: tuple[str, ...],
    window: tuple[float, float],
    num: int,
    at: str | None,
    fmt: str,
    dtype: str,
) -> None:
    """Print values f(x) and derivatives f'(x) on a grid or at given points.

    JSON is a list with one object per activation: name, label, params, x, y, dy; floats
    round-trip, and non-finite values are the strings "inf", "-inf" and "nan".

    \b
    Examples:
      actplot eval relu elu --range -2 2 --num 5
      actplot eval sigmoid --at -800,0,40 --format json
      actplot eval leaky_relu:negative_slope=0.2 --format csv > leaky.csv
    """
    import numpy as np

    from actplot import formats
    from actplot.numerics import evaluate, linspace
    from actplot.spec import parse_spec

    registry = registry_for(ctx)
    bounds = [parse_spec(name, registry) for name in names]
    x = np.array(parse_points(at)) if at is not None else linspace(window[0], window[1], num)
    evaluations = [evaluate(b, x, dtype) for b in bounds]
    if fmt == "json":
        click.echo(formats.evaluations_json(evaluations))
    elif fmt == "csv":
        click.echo(formats.evaluations_csv(evaluations), nl=False)
    else:
        rich_console().print(formats.evaluations_table(evaluations))


@cli.command("check")
@names_argument(required=False)
@common_options
@click.pass_context
def check_command(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Check declared derivatives against numeric ones; exit 1 on any mismatch.

    Each derivative is compared over about 4,900 points in [-1000, 1000] (dense in [-20, 20]),
    away from declared kinks and jumps, with a numeric derivative (complex step where the
    function allows it, else fourth-order central differences).

    \b
    Examples:
      actplot check
      actplot check relu gelu:approximate=tanh
      actplot check --plugin ./my_activations.py my_activation
    """
    from actplot.derivative_check import check_derivative
    from actplot.spec import bind, parse_spec

    registry = registry_for(ctx)
    bounds = [parse_spec(n, registry) for n in names] if names else [bind(a) for a in registry.values()]
    failed = 0
    for bound in bounds:
        result = check_derivative(bound)
        if not result.checked:
            click.echo(f"skip  {bound.label}: no declared derivative (numeric one used)")
        elif result.ok:
            click.echo(f"ok    {bound.label} ({result.points} points)")
        else:
            failed += 1
            click.echo(
                f"FAIL  {bound.label}: {result.mismatches} of {result.points} points differ; worst at "
                f"x = {result.worst_x!r}: declared {result.declared!r}, numeric {result.numeric!r}"
            )
    if failed:
        click.echo(f"Error: {failed} of {len(bounds)} derivatives disagree with their numeric check", err=True)
        ctx.exit(1)


DTYPE_OPTION = click.option(
    "--dtype",
    type=click.Choice(["float64", "float32", "float16"]),
    default="float64",
    show_default=True,
    help="Analyse in this precision: a gradient that underflows to exactly 0 in it counts as "
    "zero-gradient, which is what training in that precision sees.",
)


def _progress(total: int, label: str) -> tuple[Callable[[Any], None], Callable[[], None]]:
    """A rich progress bar on stderr when it is a terminal and the work is long; else nothing."""
    if total < 8 or not sys.stderr.isatty():
        return (lambda _item: None), (lambda: None)
    from rich.progress import Progress

    progress = Progress(console=rich_console(err=True), transient=True)
    task = progress.add_task(label, total=total)
    progress.start()
    return (lambda _item: progress.advance(task)), progress.stop


@cli.command("compare")
@names_argument(required=False)
@grid_options(-10.0, 10.0, 10_001)
@click.option(
    "--saturation",
    type=float,
    default=0.01,
    show_default=True,
    metavar="TAU",
    help="Saturation threshold: regions where 0 < |f'| < TAU.",
)
@DTYPE_OPTION
@click.option("--sort", "sort", metavar="COLUMN", help="Sort rows by a column (prefix '-' for descending): "
              "name, output_min, output_max, zero_gradient, saturation, grad_at_zero, value_at_zero, max_abs_grad, "
              "monotonic, zero_centered, continuity.")  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table", show_default=True
)
@common_options
@click.pass_context
def compare_command(
    ctx: click.Context,
    names: tuple[str, ...],
    window: tuple[float, float],
    num: int,
    saturation: float,
    dtype: str,
    sort: str | None,
    fmt: str,
) -> None:
    """Compare activations: output range, zero-gradient and saturation regions, f'(0), max |f'|.

    Zero-gradient regions are where f'(x) == 0 exactly (dead units); saturation regions are where
    0 < |f'(x)| < TAU (vanishing gradients). Boundaries are exact to 1e-9 of the window's width,
    whatever --num is; the grid is streamed, so memory does not grow with --num. With no names,
    every registered activation is compared.

    \b
    Examples:
      actplot compare --range -10 10
      actplot compare sigmoid tanh relu elu --sort -saturation
      actplot compare gelu silu mish --format json
      actplot compare sigmoid --dtype float32 --saturation 1e-3
    """
    from actplot import formats
    from actplot.analysis import check_saturation, compare
    from actplot.numerics import check_num, check_window
    from actplot.spec import bind, parse_spec

    check_window(*window)
    check_num(num, streaming=True)
    check_saturation(saturation)
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
    if fmt == "json":
        click.echo(formats.dumps(formats.comparison_dict(comparison)))
    elif fmt == "csv":
        click.echo(formats.comparison_csv(comparison), nl=False)
    elif fmt == "markdown":
        click.echo(formats.comparison_markdown(comparison), nl=False)
    else:
        console = rich_console()
        console.print(formats.comparison_table(comparison, console.width))


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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="actplot")


if __name__ == "__main__":  # pragma: no cover
    main()
