"""Guards for third-party code: a plugin that hangs becomes an error naming it, and what a plugin
prints goes to stderr, never into actplot's stdout (which may be JSON, CSV or markdown)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

from actplot.errors import PluginError

#: Seconds one call into a plugin (or its import) may take; ACTPLOT_PLUGIN_TIMEOUT overrides it.
DEFAULT_PLUGIN_TIMEOUT = 60.0


def plugin_timeout() -> float:
    try:
        return float(os.environ.get("ACTPLOT_PLUGIN_TIMEOUT", DEFAULT_PLUGIN_TIMEOUT))
    except ValueError:
        return DEFAULT_PLUGIN_TIMEOUT


@contextlib.contextmanager
def time_limit(what: str) -> Iterator[None]:
    """Raise PluginError("<what> took longer than N s") if the body overruns.

    SIGALRM, so it applies on the main thread on Unix (plugins only ever run there); elsewhere,
    or with ACTPLOT_PLUGIN_TIMEOUT=0, there is no limit.
    """
    seconds = plugin_timeout()
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise PluginError(f"{what} took longer than {seconds:g} s (set ACTPLOT_PLUGIN_TIMEOUT to change it)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def plugin_call(what: str) -> Iterator[None]:
    """Run plugin code: under :func:`time_limit`, with its ``print`` output sent to stderr."""
    with contextlib.redirect_stdout(sys.stderr), time_limit(what):
        yield
