"""Writing report files so that a reader never sees half of one, and never in place of a device.

Each report is written to a temporary file beside its destination and renamed over it: a
crash, a Ctrl-C or a CI artifact upload racing the run sees the old file or the new one, never a
torn one. Reports are meant to be shared, so they get the usual 0666-minus-umask mode rather
than mkstemp's private 0600.

A destination that is not a regular file (`--json /dev/stdout`, `--junit /dev/null`, a named
pipe) is written straight into: renaming over it would put a regular file where the device was
(as root, /dev/null itself), and outside /dev the temporary file cannot be made at all. A link
to a regular file is followed, so the link stays and its target gets the report.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    write_atomic_chunks(path, [text])


def write_atomic_chunks(path: Path, chunks: Iterable[str]) -> None:
    """The same, for a report produced piece by piece (never whole in memory)."""
    if is_stream(path):
        with path.open("w", encoding="utf-8") as out:
            out.writelines(chunks)
        return
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines(chunks)
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def is_stream(path: Path) -> bool:
    """`path` names something other than a file or folder: a device, a pipe or a socket
    (links followed: /dev/stdout is a link to the process's own descriptor)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_problem(path: Path) -> str | None:
    """Why a file cannot be written at `path`, found by trying now (None: it can). The folder
    is made, and a temporary file made and removed in it: permission bits do not tell (root
    may write anywhere, yet not in /proc; a read-only mount refuses everyone)."""
    if path.is_dir():
        return "it is a folder"
    if is_stream(path):
        return None if os.access(path, os.W_OK) else "permission denied"
    folder = Path(os.path.realpath(path)).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot make the folder {folder} ({exc.strerror or exc})"
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"cannot write in the folder {folder} ({exc.strerror or exc})"
    return None


def folders_to_make(folder: Path) -> list[Path]:
    """The folders `folder.mkdir(parents=True)` would make, deepest first: what a run that
    ends before writing anything takes away again (`remove_empty`)."""
    made: list[Path] = []
    for each in (folder, *folder.parents):
        if each.exists():
            break
        made.append(each)
    return made


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove each of `folders` that is empty, deepest first, stopping at the first that is
    not (or that cannot be removed): a report folder made for a run that then stopped before
    its first report (a usage error, missing credentials) is not left behind empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
