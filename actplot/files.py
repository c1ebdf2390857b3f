"""Atomic writes: a temporary file in the same folder, then os.replace. Whole files or nothing.

A path that is a symbolic link is written through: the file it points to is replaced (atomically,
beside itself) and the link stays a link, as ``cp`` and editors do.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from actplot.errors import OutputError

_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:=,")

TEMP_PREFIX = ".actplot-tmp-"
#: Temporary files being written now, for a process that must stop at once (remove_in_flight).
_IN_FLIGHT: set[Path] = set()


def remove_in_flight() -> None:
    """Delete the temporary files this process is writing: for a signal handler that exits at once
    (raising from a handler is unreliable: inside a garbage-collector callback it is swallowed)."""
    for temp in list(_IN_FLIGHT):
        with contextlib.suppress(OSError):
            os.unlink(temp)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    On any exception (KeyboardInterrupt included) the temporary file is removed and ``path`` is
    left as it was. OS errors become :class:`OutputError` with a one-line message.
    """
    given = Path(path)
    # write through a symlink (to where it points, even if that file does not exist yet)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a directory")
    if target.exists() and not target.is_file():
        # a rename would replace a device, fifo or socket node with our file
        raise OutputError(f"cannot write {target}: it is not a regular file")
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    temp = Path(temp_name)
    _IN_FLIGHT.add(temp)
    os.close(fd)
    try:
        yield temp
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        _IN_FLIGHT.discard(temp)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    write_with(path, lambda handle: handle.write(data))


def write_text(path: str | os.PathLike[str], text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_with(path: str | os.PathLike[str], writer: Callable[[BinaryIO], object]) -> None:
    """Call ``writer`` with a binary file handle on a temporary file, then move it into place."""
    with atomic_path(path) as temp, open(temp, "wb") as handle:
        writer(handle)
        handle.flush()
        os.fsync(handle.fileno())


def leftover_temporaries(folder: str | os.PathLike[str]) -> list[Path]:
    """Temporary files a killed run may have left (only SIGKILL can leave one)."""
    return sorted(Path(folder).glob(TEMP_PREFIX + "*"))


def file_stem(label: str) -> str:
    """A file name for an activation's label, different for different labels.

    ``elu:alpha=0.5`` gives ``elu-alpha-0.5`` (':', '=' and ',' become '-'); a label with any
    other character (a sign, an operator: ``threshold:value=-1``, ``x*sigmoid(-x)``) also gets 8
    hex digits of its SHA-256, since dropping the character would make ``value=-1`` and
    ``value=1``, or ``sigmoid(x)`` and ``sigmoid(-x)``, the same file.
    """
    import hashlib
    import re

    readable = re.sub(r"[^A-Za-z0-9_.]+", "-", label).strip("-")[:100] or "activation"
    if set(label) <= _PLAIN:
        return readable
    return f"{readable}-{hashlib.sha256(label.encode()).hexdigest()[:8]}"
