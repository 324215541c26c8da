"""The `context` a hook receives, after the serverless platform's custom-function context.

One `RunState` per run holds what all hooks share (cache, queue, writable folder, connections,
the Data Manager). Each hook invocation gets its own `HookContext` view over it with its own
`HookLog`, so what a hook logs lands in the case it ran for even while other chains' hooks log
at the same moment: no global list, no thread-local guesswork.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from apitest.defaults import DEFAULTS
from apitest.engine.records import DataManager, Record
from apitest.hooks.bridge import LoopBridge
from apitest.hooks.connection import Connection, Connections
from apitest.hooks.stores import Cache, Queue

LEVELS = ("ALL", "CONFIG", "FINE", "FINER", "FINEST", "INFO", "WARNING", "SEVERE")


class HookLog:
    """The log of one hook invocation: `log.INFO(message)` and the other platform levels,
    snake_case aliases (`log.info`), and `log(message)` for INFO as the Java API has it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, str]] = []

    def write(self, level: str, message: Any) -> None:
        name = level.upper()
        if name not in LEVELS:
            raise ValueError(f"unknown log level {level!r} (levels: {', '.join(LEVELS)})")
        text = message if isinstance(message, str) else str(message)
        with self._lock:
            self._entries.append({"level": name, "message": text})

    def __call__(self, message: Any, level: str = "INFO") -> None:
        self.write(level, message)

    def ALL(self, message: Any) -> None:
        self.write("ALL", message)

    def CONFIG(self, message: Any) -> None:
        self.write("CONFIG", message)

    def FINE(self, message: Any) -> None:
        self.write("FINE", message)

    def FINER(self, message: Any) -> None:
        self.write("FINER", message)

    def FINEST(self, message: Any) -> None:
        self.write("FINEST", message)

    def INFO(self, message: Any) -> None:
        self.write("INFO", message)

    def WARNING(self, message: Any) -> None:
        self.write("WARNING", message)

    def SEVERE(self, message: Any) -> None:
        self.write("SEVERE", message)

    def getLogArray(self) -> list[dict[str, str]]:
        """The entries of this invocation so far, as {"level", "message"} dicts (a copy)."""
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def lines(self) -> list[str]:
        """The entries as the report shows them: "LEVEL: message"."""
        return [f"{entry['level']}: {entry['message']}" for entry in self.getLogArray()]

    all = ALL
    config = CONFIG
    fine = FINE
    finer = FINER
    finest = FINEST
    info = INFO
    warning = WARNING
    severe = SEVERE
    get_log_array = getLogArray


class RunState:
    """What every hook of one run shares; `view(home)` gives one invocation its context."""

    def __init__(
        self,
        writable_dir: Path,
        connections: Connections | None = None,
        bridge: LoopBridge | None = None,
        timeout_s: float = DEFAULTS.hook_timeout,
    ) -> None:
        self.writable_dir = writable_dir
        self.bridge = bridge or LoopBridge()
        self.connections = connections or Connections("", None, None, self.bridge)
        self.cache = Cache()
        self.queue = Queue()
        self.data: DataManager | None = None
        self.timeout_s = timeout_s

    def view(self, home: Path) -> HookContext:
        return HookContext(self, home)

    def close(self) -> None:
        self.connections.close()


class HookContext:
    """A hook's window on the run. Getters follow the platform (`getCache()`), each with a
    snake_case alias (`get_cache()`), and the folders are also plain properties."""

    def __init__(self, state: RunState, home: Path) -> None:
        self._state = state
        self._home = home
        self.log = HookLog()

    @property
    def function_home(self) -> str:
        """The hook module's folder, for files that sit beside it."""
        return str(self._home)

    @property
    def writable_directory(self) -> str:
        """The run's folder for hook files (created on first use), beside its reports."""
        path = self._state.writable_dir
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    def getFunctionHome(self) -> str:
        return self.function_home

    def getWritableDirectory(self) -> str:
        return self.writable_directory

    def getCache(self) -> Cache:
        return self._state.cache

    def getQueue(self) -> Queue:
        return self._state.queue

    def getConnection(self, name: str) -> Connection:
        """A connection acting as auth profile `name`."""
        return self._state.connections.get(name)

    def add_record(
        self, resource: str, data: dict[str, Any], keys: dict[str, Any] | None = None
    ) -> Record:
        """Hand a record to the run's Data Manager (as read, not created: the run will not
        delete it), so later steps' `resource:$path` values can come from it."""
        manager = self._state.data
        if manager is None:
            raise RuntimeError("add_record: the run has no Data Manager bound yet")
        if not isinstance(data, dict):
            raise TypeError(f"add_record: data must be a dict, not {type(data).__name__}")
        return self._state.bridge.call(
            lambda: manager.add(resource, data, dict(keys or {}), chain="hooks", created=False),
            self._state.timeout_s,
        )

    get_function_home = getFunctionHome
    get_writable_directory = getWritableDirectory
    get_cache = getCache
    get_queue = getQueue
    get_connection = getConnection
    addRecord = add_record
