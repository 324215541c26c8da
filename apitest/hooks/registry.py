"""Marking user functions as hooks, and finding them again in a suite's hook module.

The decorators only attach a `HookSpec` to the function: nothing is registered globally, so
importing a hook module twice (two suites, two runs in one pytest process) cannot double a
hook, and which hooks a run has is decided by the modules its suite names, never by import
side effects. Filters are checked when the module is imported, so a misspelt kind fails the
load with file and line instead of silently matching nothing for a whole run.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import itertools
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from apitest.case_kinds import CASE_KIND_NAMES
from apitest.errors import UsageError
from apitest.plan.filters import NamedKind, names_nothing
from apitest.plan.model import Step
from apitest.zspec.model import Catalog

HookKind = Literal["before_run", "before_call", "after_call", "check", "after_run"]
Filter = str | Sequence[str] | None
F = TypeVar("F", bound=Callable[..., Any])

MARK = "__apitest_hooks__"
"""The attribute holding a function's specs (a tuple: one function may carry several marks)."""

KNOWN_KINDS = frozenset(k.lower() for k in CASE_KIND_NAMES)

PARAMETERS: dict[HookKind, tuple[str, ...]] = {
    "before_run": ("context",),
    "before_call": ("context", "call"),
    "after_call": ("context", "call"),
    "check": ("req", "resp"),
    "after_run": ("context", "result"),
}
"""What each kind of hook is called with (positionally), for the load-time signature check."""


@dataclass(frozen=True)
class HookSpec:
    """What one mark says: when the hook runs and for which steps (empty filter: all)."""

    hook: HookKind
    resources: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def matches(self, step: Step) -> bool:
        """Filters are ANDed; the values within one filter are ORed; case is ignored."""
        if self.resources and step.resource.lower() not in self.resources:
            return False
        if self.operations and step.operation.name.lower() not in self.operations:
            return False
        return not self.kinds or any(_kind_matches(kind, step) for kind in self.kinds)


def _kind_matches(kind: str, step: Step) -> bool:
    violation = step.violation
    if kind == "positive":
        return step.kind == "test" and violation is None
    if kind == "negative":
        return violation is not None
    if violation is not None and violation.kind.lower() == kind:
        return True
    return step.kind == kind


def _values(name: str, value: Filter) -> frozenset[str]:
    if value is None:
        return frozenset()
    items = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise TypeError(f"{name}= takes a non-empty string or a list of them, not {value!r}")
    return frozenset(item.strip().lower() for item in items)


def _spec(hook: HookKind, resource: Filter, operation: Filter, kind: Filter) -> HookSpec:
    kinds = _values("kind", kind)
    unknown = sorted(kinds - KNOWN_KINDS)
    if unknown:
        known = ", ".join(CASE_KIND_NAMES)
        raise ValueError(f"unknown kind {', '.join(map(repr, unknown))} (known: {known})")
    return HookSpec(hook, _values("resource", resource), _values("operation", operation), kinds)


def _mark(fn: F, spec: HookSpec) -> F:
    if not callable(fn):
        raise TypeError(f"@{spec.hook} marks a function, not {fn!r}")
    setattr(fn, MARK, (*getattr(fn, MARK, ()), spec))
    return fn


def _filtered(
    hook: HookKind, fn: F | None, resource: Filter, operation: Filter, kind: Filter
) -> F | Callable[[F], F]:
    spec = _spec(hook, resource, operation, kind)
    if fn is not None:
        return _mark(fn, spec)
    return lambda target: _mark(target, spec)


@overload
def before_call(fn: F, /) -> F: ...
@overload
def before_call(
    *, resource: Filter = None, operation: Filter = None, kind: Filter = None
) -> Callable[[F], F]: ...
def before_call(
    fn: F | None = None,
    /,
    *,
    resource: Filter = None,
    operation: Filter = None,
    kind: Filter = None,
) -> F | Callable[[F], F]:
    """`fn(context, call)` before a matching call is sent; it may change `call.headers`,
    `call.params` and `call.body`, which are the request's own."""
    return _filtered("before_call", fn, resource, operation, kind)


@overload
def after_call(fn: F, /) -> F: ...
@overload
def after_call(
    *, resource: Filter = None, operation: Filter = None, kind: Filter = None
) -> Callable[[F], F]: ...
def after_call(
    fn: F | None = None,
    /,
    *,
    resource: Filter = None,
    operation: Filter = None,
    kind: Filter = None,
) -> F | Callable[[F], F]:
    """`fn(context, call)` once a matching call is answered (or failed: `call.error`)."""
    return _filtered("after_call", fn, resource, operation, kind)


@overload
def check(fn: F, /) -> F: ...
@overload
def check(
    *, resource: Filter = None, operation: Filter = None, kind: Filter = None
) -> Callable[[F], F]: ...
def check(
    fn: F | None = None,
    /,
    *,
    resource: Filter = None,
    operation: Filter = None,
    kind: Filter = None,
) -> F | Callable[[F], F]:
    """`fn(req, resp)`: a custom verdict; `resp.error(...)` fails the case, `resp.success()`
    or returning passes it, an uncaught exception or `return False` fails it."""
    return _filtered("check", fn, resource, operation, kind)


@overload
def before_run(fn: F, /) -> F: ...
@overload
def before_run() -> Callable[[F], F]: ...
def before_run(fn: F | None = None, /) -> F | Callable[[F], F]:
    """`fn(context)` once, before the first call of the run."""
    return _filtered("before_run", fn, None, None, None)


@overload
def after_run(fn: F, /) -> F: ...
@overload
def after_run() -> Callable[[F], F]: ...
def after_run(fn: F | None = None, /) -> F | Callable[[F], F]:
    """`fn(context, result)` once, after the last case (and cleanup) of the run."""
    return _filtered("after_run", fn, None, None, None)


@dataclass(frozen=True)
class Hook:
    """One marked function, as a run calls it."""

    spec: HookSpec
    fn: Callable[..., Any]
    name: str
    where: str
    """`file:line` of its definition, for messages."""
    home: Path
    """Its module's folder: the context's function home."""


@dataclass(frozen=True)
class HookModule:
    """A loaded hook module: its marked functions in definition order."""

    name: str
    """As the suite named it (a path or a dotted name)."""
    home: Path
    hooks: tuple[Hook, ...]

    def chosen(self, hook: HookKind, step: Step | None = None) -> list[Hook]:
        return [
            h for h in self.hooks if h.spec.hook == hook and (step is None or h.spec.matches(step))
        ]


def collect(module: Any, name: str, home: Path) -> HookModule:
    """The hooks defined in `module` itself (not ones it imported), by line of definition."""
    found: list[tuple[int, Hook]] = []
    seen: set[int] = set()
    for value in vars(module).values():
        specs = getattr(value, MARK, None) if inspect.isfunction(value) else None
        if not specs or id(value) in seen or value.__module__ != module.__name__:
            continue
        seen.add(id(value))
        code = value.__code__
        where = f"{code.co_filename}:{code.co_firstlineno}"
        for spec in specs:
            _check_signature(value, spec.hook, where)
            found.append((code.co_firstlineno, Hook(spec, value, value.__name__, where, home)))
    found.sort(key=lambda item: item[0])
    return HookModule(name, home, tuple(hook for _, hook in found))


_serial = itertools.count(1)


def check_names(modules: Sequence[HookModule], catalog: Catalog) -> None:
    """Each resource and operation a hook is limited to is one of the loaded specs': a hook
    limited to a name that matches nothing (`resource="trip"`) never ran, and a check that
    never runs passes every case it was meant to judge. A usage error naming the hook."""
    for module in modules:
        for hook in module.hooks:
            named: tuple[tuple[NamedKind, frozenset[str], str], ...] = (
                ("resources", hook.spec.resources, "resource"),
                ("operations", hook.spec.operations, "operation"),
            )
            for key, wanted, option in named:
                problem = names_nothing(catalog, key, sorted(wanted))
                if problem:
                    raise UsageError(
                        f"hooks {module.name!r}: {hook.name} ({hook.where}): {option}={problem}"
                    )


def load_hooks(module: str, base: Path) -> HookModule:
    """Import a suite's hook module: a `.py` path (relative to `base`, the suite's folder) or a
    dotted module name. Each file gets a fresh, unique module name, so two suites with a
    `hooks.py` each never share one; every failure is a `UsageError` naming the module."""
    label = f"hooks {module!r}"
    is_file = module.endswith(".py") or "/" in module or "\\" in module
    try:
        loaded = _import_file(module, base, label) if is_file else _import_dotted(module, label)
    except _SignatureError as exc:
        raise UsageError(f"{label}: {exc}") from None
    if not loaded.hooks:
        raise UsageError(
            f"{label}: defines no hooks (mark functions with @before_run, @before_call, "
            "@after_call, @check or @after_run from apitest.hooks)"
        )
    return loaded


def _import_file(module: str, base: Path, label: str) -> HookModule:
    path = (base / module).resolve()
    if not path.is_file():
        raise UsageError(f"{label}: no such file {path}")
    unique = f"apitest_suite_hooks_{next(_serial)}_{_identifier(path.stem)}"
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"{label}: {path} cannot be imported as Python")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[unique] = mod  # dataclasses and pickling in the module look themselves up here
    try:
        spec.loader.exec_module(mod)
    except (Exception, SystemExit) as exc:  # not KeyboardInterrupt: the user means to stop
        sys.modules.pop(unique, None)
        raise _import_failure(exc, label, str(path)) from None
    return collect(mod, module, path.parent)


def _import_dotted(module: str, label: str) -> HookModule:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
            raise UsageError(
                f"{label}: no module named {exc.name!r} (give a .py path relative to the suite "
                "file, or a module importable from the current environment)"
            ) from None
        raise _import_failure(exc, label, None) from None
    except (Exception, SystemExit) as exc:
        raise _import_failure(exc, label, None) from None
    file = getattr(mod, "__file__", None)
    home = Path(file).resolve().parent if file else Path.cwd()
    return collect(mod, module, home)


def _import_failure(exc: BaseException, label: str, path: str | None) -> UsageError:
    """One line that says where: a syntax error's file:line, else the deepest frame of the
    hook module (or, for a dotted name, of whatever raised)."""
    if isinstance(exc, SyntaxError):
        where = f"{exc.filename or path}:{exc.lineno or 0}"
        return UsageError(f"{label}: {where}: syntax error: {exc.msg}")
    frames = traceback.extract_tb(exc.__traceback__)
    own = [frame for frame in frames if path is None or frame.filename == path]
    where = f" at {own[-1].filename}:{own[-1].lineno}" if own else ""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return UsageError(f"{label}: importing it raised {what}{where}")


def _identifier(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text) or "module"


def _check_signature(fn: Callable[..., Any], hook: HookKind, where: str) -> None:
    """A hook that cannot take its arguments fails the load, not every case of the run."""
    params = PARAMETERS[hook]
    try:
        inspect.signature(fn).bind(*params)
    except TypeError:
        wanted = ", ".join(params)
        raise _SignatureError(f"{where}: @{hook} {fn.__name__} must take ({wanted})") from None


class _SignatureError(Exception):
    """A marked function with the wrong parameters (turned into a UsageError by the loader)."""
