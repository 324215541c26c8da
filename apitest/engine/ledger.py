"""The cleanup ledger: every record the run creates, written the moment it exists, and moved
where an update changes its keys.

JSON lines, appended and flushed per event, so a crash or a kill -9 still leaves a file that
says what to delete: `apitest cleanup LEDGER` reads it and removes what is still there. A
record leaves the ledger (a "deleted" line) only once its deletion is confirmed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from apitest.errors import UsageError

LEDGER_NAME = "ledger.jsonl"


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    resource: str
    keys: dict[str, Any]
    data: dict[str, Any]
    spec: str
    base_url: str
    address: dict[str, str] = field(default_factory=dict)
    """The URL variables of the create that made it (see `Record.address`)."""


class Ledger:
    """Appends created/deleted events to one file; `live()` replays it."""

    def __init__(self, path: Path, base_url: str) -> None:
        self.path = path
        self.base_url = base_url
        self._next = 1
        self._file: IO[str] | None = None
        self._keys_made: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        """Per resource, (entry id, keys) of every record created, deleted since or not: what
        `keys_made_after` answers from."""

    def created(
        self,
        resource: str,
        spec: str,
        keys: dict[str, Any],
        data: dict[str, Any],
        address: dict[str, str] | None = None,
    ) -> int:
        entry_id = self._next
        self._next += 1
        self._keys_made.setdefault(resource, []).append((entry_id, dict(keys)))
        self._write(
            {
                "event": "created",
                "id": entry_id,
                "resource": resource,
                "spec": str(Path(spec).resolve()),  # cleanup may run from anywhere
                "base_url": self.base_url,
                "keys": keys,
                "data": data,
                **({"address": address} if address else {}),
            }
        )
        return entry_id

    def deleted(self, entry_id: int) -> None:
        self._write({"event": "deleted", "id": entry_id})

    def rekeyed(self, entry_id: int, keys: dict[str, Any], data: dict[str, Any]) -> None:
        """An update moved the record to other keys (a rename: Jupyter's PATCH of a path)."""
        self._write({"event": "rekeyed", "id": entry_id, "keys": keys, "data": data})

    def keys_made_after(self, entry_id: int, resource: str) -> list[dict[str, Any]]:
        """The keys of the records of `resource` created after entry `entry_id`, in order."""
        made = self._keys_made.get(resource, [])
        return [keys for made_id, keys in made if made_id > entry_id]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _write(self, event: dict[str, Any]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(json.dumps(event, default=str) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())


def read_ledger(path: Path) -> list[LedgerEntry]:
    """Records created and not confirmed deleted, in creation order."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the ledger ({exc.strerror})") from None
    live: dict[int, LedgerEntry] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
            if event["event"] == "created":
                live[event["id"]] = LedgerEntry(
                    event["id"],
                    event["resource"],
                    dict(event["keys"]),
                    dict(event.get("data") or {}),
                    event["spec"],
                    event["base_url"],
                    {str(k): str(v) for k, v in (event.get("address") or {}).items()},
                )
            elif event["event"] == "deleted":
                live.pop(event["id"], None)
            elif event["event"] == "rekeyed" and event["id"] in live:
                moved = live[event["id"]]
                live[event["id"]] = replace(
                    moved, keys=dict(event["keys"]), data=dict(event.get("data") or {})
                )
        except (ValueError, KeyError, TypeError):
            if number == len(lines):
                break  # a last line cut short by a crash
            raise UsageError(
                f"{path}:{number}: not a ledger line (apitest writes one JSON event per line)"
            ) from None
    return list(live.values())
