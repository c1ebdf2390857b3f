"""The ActplotError hierarchy. The CLI maps each class to an exit code in one place (cli.main)."""

from __future__ import annotations

USAGE_EXIT = 2
FAILURE_EXIT = 1


class ActplotError(Exception):
    """Base class: a problem the user can fix, with a one-line message."""

    exit_code = FAILURE_EXIT


class UsageError(ActplotError):
    """Bad input on the command line or in an API call (exit status 2)."""

    exit_code = USAGE_EXIT


class UnknownActivationError(UsageError):
    """A name that is neither an activation nor an alias."""


class ParameterError(UsageError):
    """An unknown parameter, or a value that is not valid for it."""


class PluginError(ActplotError):
    """A plugin's activation misbehaved when called (exit status 1)."""


class OutputError(ActplotError):
    """A file could not be written (exit status 1)."""
