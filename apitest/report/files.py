"""Writing report files so that a reader never sees half of one.

Each report is written to a temporary file beside its destination and renamed over it: a
crash, a Ctrl-C or a CI artifact upload racing the run sees the old file or the new one, never a
torn one. Reports are meant to be shared, so they get the usual 0666-minus-umask mode rather
than mkstemp's private 0600.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    write_atomic_chunks(path, [text])


def write_atomic_chunks(path: Path, chunks: Iterable[str]) -> None:
    """The same, for a report produced piece by piece (never whole in memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(chunk)
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
