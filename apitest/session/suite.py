"""Suite files (TOML): how to test an API here and now, where a spec says what the API is.

    name = "trips"
    specs = ["../specs/trips.xml"]          # files or folders

    [target]                                # base_url, or server / dc / env / vars
    vars = { port = "8765" }

    [auth]                                  # as an --auth file: profiles, token store
    [filters]                               # resources, operations, categories, tags,
    cases = "all"                           #   cases, kinds, visibility
    [run]                                   # concurrency, seed, eventually, strict, timeout,
    seed = 42                               #   connect_timeout, repeat, skip_deprecated, shard,
                                            #   throttle_store, proxy, max_body_bytes ("10M")
    [reports]                               # dir, html, junit, json, jsonl
    [hooks]
    modules = ["hooks/trips.py"]
    timeout = 10

Every path is relative to the suite file's folder, so a suite means the same from anywhere.
Command-line options override the suite. Every mistake names the file, the table and the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apitest.auth.profiles import AuthConfig, auth_from_table
from apitest.case_kinds import CASE_KIND_NAMES
from apitest.defaults import DEFAULTS, LIMITS, http_url_problem, parse_size
from apitest.errors import UsageError
from apitest.plan.filters import Filters
from apitest.session.shard import shard_problem

_TOP = frozenset(
    {"name", "description", "specs", "target", "auth", "filters", "run", "reports", "hooks"}
)
_TARGET = {"base_url": str, "server": str, "dc": str, "env": str, "vars": dict}
_FILTERS = {
    "resources": list, "operations": list, "categories": list, "tags": list, "kinds": list,
    "visibility": list, "cases": str,
}  # fmt: skip
_Kind = type | tuple[type, ...]
"""What a suite key takes: one TOML type, or any of several."""
_RUN: dict[str, _Kind] = {
    "concurrency": int, "seed": int, "eventually": float, "strict": bool, "timeout": float,
    "connect_timeout": float, "repeat": int, "skip_deprecated": bool, "shard": str,
    "throttle_store": str, "proxy": str, "max_body_bytes": (str, int),
}  # fmt: skip
_REPORTS = {"dir": str, "html": str, "junit": str, "json": str, "jsonl": str}
_HOOKS = {"modules": list, "timeout": float}
_CATEGORIES = frozenset({"create", "read", "update", "action", "delete"})
_VISIBILITY = frozenset({"public", "internal", "private"})


@dataclass(frozen=True)
class Suite:
    path: Path
    name: str
    specs: list[str]
    target: dict[str, Any] = field(default_factory=dict)
    auth: AuthConfig | None = None
    filters: Filters = field(default_factory=Filters)
    run: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)
    hooks: list[str] = field(default_factory=list)
    hook_timeout: float = DEFAULTS.hook_timeout

    @property
    def folder(self) -> Path:
        return self.path.parent


def load_suite(path: str | Path) -> Suite:
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{file}: cannot read the suite ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{file}: not valid TOML ({exc})") from None
    where = str(file)
    _unknown(data, _TOP, where)
    folder = file.parent
    specs = data.get("specs")
    if not isinstance(specs, list) or not specs or not all(isinstance(s, str) for s in specs):
        raise UsageError(
            f'{where}: specs must list spec files or folders, e.g. specs = ["../specs"]'
        )
    target = _table(data, "target", _TARGET, where)
    if "vars" in target and not all(isinstance(v, str) for v in target["vars"].values()):
        raise UsageError(f"{where}: [target] vars values must be strings")
    base_url = target.get("base_url")
    problem = http_url_problem(base_url) if isinstance(base_url, str) else None
    if problem is not None:  # said here, where the suite is named, not as a --base-url
        raise UsageError(f"{where}: [target] base_url {problem}")
    run = _table(data, "run", _RUN, where)
    _check_run(run, where)
    reports = {k: _path(folder, v) for k, v in _table(data, "reports", _REPORTS, where).items()}
    hooks = _table(data, "hooks", _HOOKS, where)
    auth_table = data.get("auth")
    auth = None
    if auth_table is not None:
        if not isinstance(auth_table, dict):
            raise UsageError(f"{where}: [auth] must be a table")
        auth = auth_from_table(auth_table, where)
        if auth.store_path is not None:
            auth = _rebase_store(auth, folder)
    return Suite(
        path=file,
        name=str(data.get("name") or file.stem),
        specs=[_path(folder, spec) for spec in specs],
        target=target,
        auth=auth,
        filters=_filters(_table(data, "filters", _FILTERS, where), where),
        run=run,
        reports=reports,
        hooks=[
            _module(name, folder)
            for name in _strings(hooks.get("modules", []), where, "[hooks] modules")
        ],
        hook_timeout=float(hooks.get("timeout", DEFAULTS.hook_timeout)),
    )


def _table(
    data: Mapping[str, Any], name: str, schema: Mapping[str, _Kind], where: str
) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise UsageError(f"{where}: [{name}] must be a table")
    _unknown(table, frozenset(schema), f"{where}: [{name}]")
    for key, value in table.items():
        kind = schema[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise UsageError(f"{where}: [{name}] {key} must be {_describe(kind)}, got {value!r}")
    return dict(table)


def _check_run(run: dict[str, Any], where: str) -> None:
    """Each `[run]` value within the range the CLI's option takes (defaults.LIMITS); a size
    such as `max_body_bytes = "10M"` read into bytes, as the option reads it."""
    if "max_body_bytes" in run:
        try:
            run["max_body_bytes"] = parse_size(str(run["max_body_bytes"]))
        except ValueError as exc:
            raise UsageError(f"{where}: [run] max_body_bytes: {exc}") from None
    for key, limits in LIMITS.items():
        if key in run and run[key] not in limits:
            raise UsageError(f"{where}: [run] {key} = {run[key]!r} is out of range ({limits})")
    problem = shard_problem(run["shard"]) if "shard" in run else None
    if problem is not None:
        raise UsageError(f"{where}: [run] shard: {problem}")
    problem = http_url_problem(run["proxy"]) if "proxy" in run else None
    if problem is not None:
        raise UsageError(f"{where}: [run] proxy: the proxy URL {problem}")


def _filters(table: dict[str, Any], where: str) -> Filters:
    lists = {
        key: tuple(_strings(value, where, f"[filters] {key}"))
        for key, value in table.items()
        if key != "cases"
    }
    cases = table.get("cases", "all")
    if cases not in ("positive", "negative", "all"):
        raise UsageError(
            f"{where}: [filters] cases must be positive, negative or all, got {cases!r}"
        )
    for key, known in (
        ("categories", sorted(_CATEGORIES)),
        ("visibility", sorted(_VISIBILITY)),
        ("kinds", CASE_KIND_NAMES),  # "Mandatory Prop" selected nothing: exit 5, no reason why
    ):
        allowed = {k.lower() for k in known}
        wrong = [v for v in lists.get(key, ()) if v.lower() not in allowed]
        if wrong:
            raise UsageError(
                f"{where}: [filters] {key}: unknown {', '.join(wrong)} (known: {', '.join(known)})"
            )
    return Filters(cases=cases, origin=where, **lists)


def _strings(value: Any, where: str, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UsageError(f"{where}: {what} must be a list of strings")
    return list(value)


def _module(name: str, folder: Path) -> str:
    """As written: hook files are found relative to the suite by load_hooks (given `folder`)."""
    return name


def _path(folder: Path, name: str) -> str:
    """`name` relative to the suite's folder, tidied (`suites/../specs` is `specs`)."""
    return os.path.normpath(folder / name)


def _rebase_store(auth: AuthConfig, folder: Path) -> AuthConfig:
    from dataclasses import replace

    return replace(auth, store_path=_path(folder, str(auth.store_path)))


def _unknown(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise UsageError(
            f"{where}: unknown key(s) {', '.join(extra)} (known: {', '.join(sorted(known))})"
        )


def _describe(kind: _Kind) -> str:
    if isinstance(kind, tuple):
        return 'a size such as "10M" or a whole number of bytes'
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
            list: "a list", dict: "a table"}[kind]  # fmt: skip
