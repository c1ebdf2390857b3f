"""The registry: built-ins and plugins collected through one path, as a read-only mapping.

Load order is precedence: built-ins, then ``--plugin`` values, then ``ACTPLOT_PLUGINS``, then the
``actplot.activations`` entry points sorted by distribution and name. The first activation to
claim a name (or alias) keeps it; every later claim is recorded as a :class:`Collision`.
A plugin that fails to load becomes a :class:`PluginFailure` record; loading goes on.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
import sys
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actplot.activations import BUILTIN_MODULES
from actplot.declare import FAMILIES, Activation, Param
from actplot.errors import UnknownActivationError
from actplot.limits import plugin_call

ENTRY_POINT_GROUP = "actplot.activations"
PLUGINS_ENV = "ACTPLOT_PLUGINS"
DISABLE_AUTOLOAD_ENV = "ACTPLOT_DISABLE_PLUGIN_AUTOLOAD"
BUILTIN_SOURCE = "built-in"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded, or a declaration in it that was refused."""

    plugin: str
    message: str


@dataclass(frozen=True)
class Collision:
    """A name (or alias) claimed twice; the first claim kept it."""

    name: str
    kept: str
    dropped: str


class Registry(Mapping[str, Activation]):
    """A read-only mapping from canonical names to activations, resolving aliases on lookup."""

    def __init__(
        self,
        activations: Sequence[Activation],
        failures: Sequence[PluginFailure] = (),
        collisions: Sequence[Collision] = (),
    ) -> None:
        self._by_name = {a.name: a for a in activations}
        self._aliases = {alias: a.name for a in activations for alias in a.aliases}
        self.failures = tuple(failures)
        self.collisions = tuple(collisions)

    def __getitem__(self, name: str) -> Activation:
        return self._by_name[self._aliases.get(name, name)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name or name in self._aliases

    @property
    def all_names(self) -> list[str]:
        """Canonical names and aliases, for completion and suggestions."""
        return sorted([*self._by_name, *self._aliases])

    def lookup(self, name: str) -> Activation:
        """The activation called ``name`` (or aliased so), or an error with a suggestion."""
        key = name.strip().lower().replace("-", "_")
        if key in self:
            return self[key]
        raise UnknownActivationError(
            f"unknown activation {name!r}{did_you_mean(key, self.all_names)}; run 'actplot list' to see all {len(self)}"
        )


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' for the closest choice, or '' when nothing is close."""
    import difflib  # only when a name is misspelt

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def collect(obj: Any) -> list[Activation]:
    """The activations an object declares: an Activation, an iterable of them, or a module."""
    if isinstance(obj, Activation):
        return [obj]
    if isinstance(obj, types.ModuleType):
        # A plugin module that imports a built-in to reuse it does not re-declare it.
        return [
            value
            for value in vars(obj).values()
            if isinstance(value, Activation)
            and (value.module == obj.__name__ or not value.module.startswith("actplot.activations."))
        ]
    if isinstance(obj, (str, bytes)) or not isinstance(obj, Iterable):
        raise TypeError(f"expected an Activation, an iterable of them or a module, got {type(obj).__name__}")
    found = list(obj)
    for item in found:
        if not isinstance(item, Activation):
            raise TypeError(f"expected Activation objects, got {type(item).__name__}")
    return found


def check_declaration(act: Activation) -> str | None:
    """Why a declaration is unusable, or None when it is fine."""
    if not isinstance(act.name, str) or not _NAME.match(act.name):
        return f"name {act.name!r} must be snake_case (a-z, 0-9, _)"
    if not callable(act.function):
        return f"{act.name}: function is not callable"
    if act.derivative is not None and not callable(act.derivative):
        return f"{act.name}: derivative is not callable"
    if act.second_derivative is not None and not callable(act.second_derivative):
        return f"{act.name}: second_derivative is not callable"
    if act.family not in FAMILIES:
        return f"{act.name}: family {act.family!r} is not one of {', '.join(FAMILIES)}"
    seen = set()
    for p in act.params:
        if not isinstance(p, Param) or not p.name.isidentifier():
            return f"{act.name}: parameters must be Param objects with identifier names"
        if p.name in seen or p.name == "x":
            return f"{act.name}: parameter name {p.name!r} is repeated or reserved"
        seen.add(p.name)
    for alias in act.aliases:
        if not isinstance(alias, str) or not _NAME.match(alias):
            return f"{act.name}: alias {alias!r} must be snake_case"
    return None


def _import_plugin(spec: str) -> Any:
    """Import a plugin module by dotted name, or from a .py file path."""
    if spec.endswith(".py") or os.sep in spec or "/" in spec:
        from importlib.util import module_from_spec, spec_from_file_location

        path = Path(spec)
        if not path.is_file():
            raise FileNotFoundError(f"no such plugin file: {spec}")
        module_name = "actplot_plugin_" + re.sub(r"\W", "_", str(path.resolve()))
        module_spec = spec_from_file_location(module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {spec} as a Python module")
        module = module_from_spec(module_spec)
        sys.modules[module_name] = module
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return module
    return importlib.import_module(spec)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def may_declare_entry_points(group: str = ENTRY_POINT_GROUP) -> bool:
    """False only when no distribution on ``sys.path`` can declare an entry point in ``group``.

    A look at the metadata folders for the group's name, so that the usual case (no plugin
    installed) does not import importlib.metadata: its email-parsing imports cost 55 ms, a
    quarter of ``actplot list``. Whatever this cannot read the way importlib.metadata would (a
    zip file on the path, an egg, a finder of its own that finds distributions) is a yes, and
    importlib.metadata then decides.
    """
    import importlib.machinery

    if any(hasattr(f, "find_distributions") and f is not importlib.machinery.PathFinder for f in sys.meta_path):
        return True
    for entry in sys.path:
        root = entry or "."
        try:
            with os.scandir(root) as listing:
                names = [item.name for item in listing]
        except NotADirectoryError:  # a zip file
            return True
        except OSError:  # missing or unreadable: importlib.metadata finds nothing there either
            continue
        for name in names:
            if name.endswith(".egg"):
                return True
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    text = Path(root, name, "entry_points.txt").read_bytes()
                except OSError:
                    continue
                if group.encode() in text:
                    return True
    return False


def _entry_points() -> list[tuple[str, Any]]:
    if not may_declare_entry_points():
        return []
    from importlib.metadata import entry_points

    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "?"
        found.append((f"{dist}:{ep.name}", ep))
    return sorted(found, key=lambda item: item[0])


def load_registry(plugins: Sequence[str] = (), autoload: bool | None = None, env: bool = True) -> Registry:
    """Build a fresh registry: built-ins, then explicit plugins, then installed ones.

    Parameters
    ----------
    plugins : sequence of str
        Plugin modules (dotted names) or ``.py`` files, as given to ``--plugin``.
    autoload : bool, optional
        Load the ``actplot.activations`` entry points of installed distributions. Defaults to
        true unless the environment variable ``ACTPLOT_DISABLE_PLUGIN_AUTOLOAD`` is set.
    env : bool
        Also load the plugins listed in ``ACTPLOT_PLUGINS`` (path-separated), after ``plugins``.

    Returns
    -------
    Registry
        Never raises for a broken plugin: see ``Registry.failures`` and ``Registry.collisions``.
    """
    if autoload is None:
        autoload = not os.environ.get(DISABLE_AUTOLOAD_ENV)
    sources: list[tuple[str, Any]] = [(BUILTIN_SOURCE, name) for name in BUILTIN_MODULES]
    sources += [(p, p) for p in plugins]
    if env:
        listed = os.environ.get(PLUGINS_ENV, "")
        sources += [(p, p) for p in listed.split(os.pathsep) if p.strip()]
    if autoload:
        sources += _entry_points()

    accepted: list[Activation] = []
    owner: dict[str, str] = {}
    failures: list[PluginFailure] = []
    collisions: list[Collision] = []
    for source, target in sources:
        try:
            if source == BUILTIN_SOURCE:
                obj = importlib.import_module(target)
            else:
                with plugin_call(f"plugin {source!r}: loading"):  # a plugin that hangs on import
                    obj = target.load() if hasattr(target, "load") else _import_plugin(target)
            declared = collect(obj)
        except Exception as exc:  # a broken plugin must never take the tool down
            if source == BUILTIN_SOURCE:
                raise
            failures.append(PluginFailure(source, _describe(exc)))
            continue
        for act in declared:
            problem = check_declaration(act)
            if problem:
                failures.append(PluginFailure(source, problem))
                continue
            if act.name in owner:
                collisions.append(Collision(act.name, owner[act.name], source))
                continue
            aliases = []
            for alias in act.aliases:
                if alias in owner:
                    collisions.append(Collision(alias, owner[alias], f"{source} (alias of {act.name})"))
                else:
                    aliases.append(alias)
            for claimed in (act.name, *aliases):
                owner[claimed] = source
            accepted.append(dataclasses.replace(act, source=source, aliases=tuple(aliases)))
    return Registry(accepted, failures, collisions)
