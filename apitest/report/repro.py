"""Replay scripts: a chain's recorded calls as a POSIX sh script that reproduces it on a live API.

A chain's recorded calls cannot simply be sent again: the ids in them name records the run
deleted long ago. The engine notes which values each call took from an earlier answer, and
where in it (`HttpRecord.uses`); the script captures those from the answers it gets and puts
them where the recorded values were. It waits the plan's delays and validation-delays (a record
is not readable sooner), gets a token from the environment (APITEST_ACCESS_TOKEN, or client
credentials sent as the spec's token call declares), checks each answer (its status, and
every record read back), and deletes what it created in an EXIT trap, however it ends.

What the script for a case replays: the case's chain up to it, less the earlier negative cases
(each is meant to change nothing; they would only make the script long), then the case. Each
step of a chain renders to the same text in every script that holds it, so the HTML report
stores the blocks once and each case as a list of them (`Replays.blocks`).

Reporters read only `results.py`: nothing here knows the spec but what the run recorded.
Secrets never appear: credentials are `${APITEST_...}` placeholders the shell fills in.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import cached_property
from importlib import resources

from apitest.case_kinds import FIRED_TWICE
from apitest.report._shell import (
    Substitutions,
    literal_word,
    say,
    shell_word,
    text_of,
)
from apitest.results import MAX_BODY_CHARS, CaseResult, HttpRecord, RunResult, ValueUse

QUOTED = re.compile("\ue001(\\d+)\ue001")
"""Marks a recorded body in a block, quoted when the script is put together: the HTML report
keeps the body once (it has it already) instead of once more inside each script."""


@dataclass
class _Source:
    """A call whose answer later calls take values from, and the variables it sets."""

    position: int
    call: int
    paths: list[list[str | int]] = field(default_factory=list)

    def var(self, path: list[str | int]) -> str:
        if path not in self.paths:
            self.paths.append(path)
        return f"v{self.position}_{self.call}_{self.paths.index(path)}"


class _Chain:
    """One chain's cases in order, the answers its calls take values from, and its blocks."""

    def __init__(self, replays: Replays, chain: str, cases: list[CaseResult]) -> None:
        self.replays = replays
        self.id = chain
        self.cases = sorted(cases, key=replays.position)
        self.by_id = {case.id: case for case in self.cases}
        self.sources: dict[tuple[str, int], _Source] = {}
        self.deletes = self._deletes()
        self._blocks: dict[str, str] = {}
        for user in [*self.cases, *(case for case, _ in self.deletes.values())]:
            for index in replayed_calls(user):  # every capture is known before a block renders
                for use in user.calls[index].uses:
                    found = self.source(use, user)
                    if found is not None:
                        found.var(use.path)

    def source(self, use: ValueUse, user: CaseResult) -> _Source | None:
        """The captured answer `use` points at, if this chain's replays always hold it: an
        earlier, non-negative case of the chain, and a call of it that is replayed."""
        owner = self.by_id.get(use.case)
        if owner is None or owner is user or self.replays.is_negative(owner):
            return None
        if self.replays.position(owner) >= self.replays.position(user) and user.chain == self.id:
            return None
        if use.call not in replayed_calls(owner):
            return None
        key = (use.case, use.call)
        if key not in self.sources:
            self.sources[key] = _Source(self.replays.position(owner), use.call)
        return self.sources[key]

    def _deletes(self) -> dict[tuple[str, int], tuple[CaseResult, int]]:
        """For each create call of the chain, a recorded call that deleted its record: the
        chain's own delete first, else another's (the end-of-run sweep's)."""
        found: dict[tuple[str, int], tuple[CaseResult, int]] = {}
        for case in self.cases:
            if self.replays.category(case) != "create" or self.replays.is_negative(case):
                continue
            for index in replayed_calls(case):
                deletes = self.replays.deletes_of(case.id, index)
                own = [pair for pair in deletes if pair[0].chain == self.id]
                if own or deletes:
                    found[(case.id, index)] = (own or deletes)[0]
        return found

    @cached_property
    def replayable(self) -> list[CaseResult]:
        """The cases a later case's replay holds, in order: those that called and are not
        negative."""
        return [case for case in self.cases if case.calls and not self.replays.is_negative(case)]

    def block(self, case: CaseResult) -> str:
        if case.id not in self._blocks:
            self._blocks[case.id] = self.replays.render_step(self, case)
        return self._blocks[case.id]

    @cached_property
    def head(self) -> str:
        """The cleanup trap: every record the chain's creates made, deleted newest first."""
        lines = [
            f"# Chain {self.id}: at the end, delete what its creates made (newest first).",
            "_cleanup() {",
            "  _rc=$?",
            "  set +eu",
        ]
        creates = [
            (case, index)
            for case in reversed(self.cases)
            if self.replays.category(case) == "create" and not self.replays.is_negative(case)
            for index in replayed_calls(case)
        ]
        for case, index in creates:
            lines += self.replays.render_cleanup(self, case, index)
        lines += [
            '  rm -rf "$tmp"',
            '  exit "$_rc"',
            "}",
            "trap _cleanup EXIT",
            "trap 'exit 130' INT",
            "trap 'exit 143' TERM",
        ]
        return "\n".join(lines) + "\n"


def worth_replaying(case: CaseResult) -> bool:
    """Whether the reports carry a case's script: a failure or an error, the cases a reader
    wants to reproduce. A script for every case would make a report many times its size (each
    holds its chain's steps before it); `apitest repro` makes one for any case on demand."""
    return case.status in ("failed", "error") and bool(case.calls)


def replayed_calls(case: CaseResult) -> list[int]:
    """The calls of a case a replay makes: all, but for a read-back only the last (the one
    that decided; earlier ones were --eventually polls), and for a negative case only its own
    (after it come the calls that undid what the API wrongly accepted, engine/undo.py)."""
    if not case.calls:
        return []
    if case.kind == "operation validation":
        return [len(case.calls) - 1]
    if Replays.is_negative(case):
        own = 2 if case.negative_kind in FIRED_TWICE else 1
        return list(range(min(own, len(case.calls))))
    return list(range(len(case.calls)))


class Replays:
    """The replay scripts of one run; `script(case)` for one case, `blocks(case)` for the
    HTML report (the same text, as shared pieces)."""

    def __init__(self, result: RunResult, base_url: str | None = None) -> None:
        self.result = result
        self.target = result.target.rstrip("/")
        self.default_base = (base_url or result.target).rstrip("/")
        self._categories = {(op.resource, op.name): op.category for op in result.operations}
        self._statuses = {(op.resource, op.name): op.statuses for op in result.operations}
        grouped: dict[str, list[CaseResult]] = {}
        for case in result.cases:
            grouped.setdefault(case.chain, []).append(case)
        self._grouped = grouped
        self._chains: dict[str, _Chain] = {}
        self._deletes: dict[tuple[str, int], list[tuple[CaseResult, int]]] | None = None
        self.quoted: list[str] = []
        """The bodies QUOTED marks refer to, by number."""
        self._quoted_index: dict[str, int] = {}

    # --- facts about cases ---------------------------------------------------------------

    @staticmethod
    def position(case: CaseResult) -> int:
        prefix = case.chain + "."
        tail = case.id[len(prefix) :] if case.id.startswith(prefix) else ""
        return int(tail) if tail.isdigit() else 0

    def category(self, case: CaseResult) -> str:
        return self._categories.get((case.resource, case.operation), "")

    @staticmethod
    def is_negative(case: CaseResult) -> bool:
        """A case that expects an error (a negative case): meant to change nothing."""
        return case.negative_kind is not None

    def deletes_of(self, case_id: str, call: int) -> list[tuple[CaseResult, int]]:
        """The delete calls (of positive or setup steps) that used an answer of `case_id`'s
        call `call`: indexed once for the whole run."""
        if self._deletes is None:
            self._deletes = {}
            for case in self.result.cases:
                if self.category(case) != "delete" or self.is_negative(case):
                    continue
                for index, made in enumerate(case.calls):
                    for use in made.uses:
                        self._deletes.setdefault((use.case, use.call), []).append((case, index))
        return self._deletes.get((case_id, call), [])

    def chain(self, name: str) -> _Chain:
        if name not in self._chains:
            self._chains[name] = _Chain(self, name, self._grouped.get(name, []))
        return self._chains[name]

    # --- the public surface --------------------------------------------------------------

    def why_not(self, case: CaseResult) -> str | None:
        """Why `case` has no replay, or None when it has one."""
        if not case.calls:
            return f"{case.id} made no call ({case.status}: {case.message or 'no message'})"
        if case.chain == "cleanup":
            return f"{case.id} is the end-of-run cleanup, not a step of a chain"
        for step in self.steps(case):
            for index in replayed_calls(step):
                call = step.calls[index]
                if _slimmed(call):
                    return (
                        f"the report kept only the request line of {step.id} (a run keeps the "
                        "whole calls of its first 2,000 passed cases and of every failure)"
                    )
                body = call.request_body
                if body is not None and call.clipped and len(body) >= MAX_BODY_CHARS:
                    return f"the report clipped the request body of {step.id}"
                if body is not None and "multipart/" in _content_type(call):
                    return f"{step.id} sent a multipart body, which the report does not keep"
        return None

    def steps(self, case: CaseResult) -> list[CaseResult]:
        """What the script for `case` replays: the chain's earlier cases but the negative
        ones, then the case itself."""
        chain = self.chain(case.chain)
        here = self.position(case)
        earlier: list[CaseResult] = []
        for step in chain.replayable:
            if self.position(step) >= here:
                break
            earlier.append(step)
        return [*earlier, case]

    def blocks(self, case: CaseResult) -> list[str] | None:
        """The script for `case` as pieces: the first three are the same for every case of
        its chain, each step's the same in every script that holds the step. A QUOTED mark
        in a piece stands for `shell_word([self.quoted[n]])`; `script` puts them in."""
        if self.why_not(case) is not None:
            return None
        chain = self.chain(case.chain)
        steps = self.steps(case)
        calls = [step.calls[index] for step in steps for index in replayed_calls(step)]
        calls += [delete.calls[index] for delete, index in chain.deletes.values()]
        token = any(_needs_token(call) for call in calls)
        return [
            self.preamble,
            chain.head,
            self.token_block if token else "",
            *(chain.block(step) for step in steps),
            self._footer(case, len(steps)),
        ]

    def script(self, case: CaseResult) -> str | None:
        """The whole script that replays `case`'s chain up to it; None when none can."""
        pieces = self.blocks(case)
        if pieces is None:
            return None
        return QUOTED.sub(lambda mark: shell_word([self.quoted[int(mark[1])]]), "".join(pieces))

    def quote(self, text: str) -> str:
        """A QUOTED mark for `text` (or its quoted form, for text holding the mark's char)."""
        if "\ue001" in text:
            return shell_word([text])
        if text not in self._quoted_index:
            self._quoted_index[text] = len(self.quoted)
            self.quoted.append(text)
        return f"\ue001{self._quoted_index[text]}\ue001"

    # --- rendering -----------------------------------------------------------------------

    @cached_property
    def preamble(self) -> str:
        folder = resources.files("apitest.report") / "templates"
        helper = _compact((folder / "repro_helper.py").read_text(encoding="utf-8"))
        if "'" in helper:
            raise ValueError("templates/repro_helper.py must hold no single quote")
        text = (folder / "repro.sh").read_text(encoding="utf-8")
        made = f"# Made from the run of {self.result.started_at} against {self.target}.\n"
        return text.replace("@TARGET@", self.default_base).replace("@HELPER@", helper) + made

    @cached_property
    def token_block(self) -> str:
        """APITEST_ACCESS_TOKEN, else a token fetched by client credentials (the JSON of the
        call goes to python3 as written: python fills the credentials in from the
        environment, so they never stand on a command line), else APITEST_TOKEN."""
        call = self.result.token_call
        fetch: list[str] = []
        if call is not None:
            text = json.dumps(asdict(call), ensure_ascii=False, separators=(",", ":"))
            fetch = [
                '  if [ -n "${APITEST_CLIENT_ID:-}" ]; then',
                f'    APITEST_ACCESS_TOKEN=$(_py token "$base" {literal_word(text)}) ||',
                '      _fail "$?" "no access token for $base (see above)"',
                '  elif [ -n "${APITEST_TOKEN:-}" ]; then',
            ]
        else:
            fetch = ['  if [ -n "${APITEST_TOKEN:-}" ]; then']
        return "\n".join(
            [
                "# The access token: APITEST_ACCESS_TOKEN, else one fetched as the run did.",
                'if [ -z "${APITEST_ACCESS_TOKEN:-}" ]; then',
                *fetch,
                "    APITEST_ACCESS_TOKEN=$APITEST_TOKEN",
                "  else",
                '    _fail 2 "set APITEST_ACCESS_TOKEN to a token for $base'
                + (', or APITEST_CLIENT_ID and APITEST_CLIENT_SECRET"' if call else '"'),
                "  fi",
                "fi",
                "",
            ]
        )

    def _footer(self, case: CaseResult, count: int) -> str:
        said = (
            f"apitest repro: chain {case.chain} replayed up to {case.id} ({case.operation} / "
            f"{case.case}), {count} step(s): every answer as expected"
        )
        return f"echo {shell_word([say(said)])} >&2\n"

    def render_step(self, chain: _Chain, case: CaseResult) -> str:
        label = say(f"{case.id} {case.operation} / {case.case}")
        lines = [f"# {label} ({case.status} in the run{_said(case)})"]
        lines.append(f"_step={shell_word([label])}")
        pacing = case.pacing
        if pacing is not None and (pacing.delay_ms or pacing.waits_for_record):
            lines.append(f"_wait {pacing.delay_ms} {int(pacing.waits_for_record)}")
        is_create = self.category(case) == "create" and not self.is_negative(case)
        is_delete = self.category(case) == "delete" and not self.is_negative(case)
        for index in replayed_calls(case):
            call = case.calls[index]
            name = f"a{self.position(case)}_{index}"
            lines.append(self._curl("_call", name, call, chain, case))
            on_success = [
                f"_capture {name} {source.var(path)} {shell_word([json.dumps(path)])}"
                for source in _sources_of(chain, case, index)
                for path in list(source.paths)
            ]
            if is_create:
                on_success.append(f"made_{self.position(case)}_{index}=1")
            if is_delete:
                on_success += [f"gone_{flag}=1" for flag in self._deleted_flags(chain, case, call)]
            if on_success:
                lines.append("case $_status in 2??)")
                lines += [f"  {line}" for line in on_success]
                lines.append("esac")
            lines.append("_expect " + " ".join(self._wanted(case, call)))
            lines += self._record_check(chain, case, call, name)
        if pacing is not None and pacing.validation_delay_ms:
            lines.append(f"_pending={pacing.validation_delay_ms}")
        return "\n".join(lines) + "\n"

    def render_cleanup(self, chain: _Chain, case: CaseResult, index: int) -> list[str]:
        flag = f"{self.position(case)}_{index}"
        found = chain.deletes.get((case.id, index))
        lines = [f'  if [ "${{made_{flag}:-}}" = 1 ] && [ "${{gone_{flag}:-}}" != 1 ]; then']
        if found is None:
            said = f"apitest repro: the run recorded no delete of what {case.id} created"
            return [
                *lines,
                f"    echo {shell_word([say(said + ': delete it by hand')])} >&2",
                "    _rc=1",
                "  fi",
            ]
        delete, call_index = found
        step = say(f"delete what {case.id} created (as {delete.id} did)")
        wait = max(
            delete.pacing.delay_ms if delete.pacing else 0,
            case.pacing.validation_delay_ms if case.pacing else 0,
        )
        call = delete.calls[call_index]
        return [
            *lines,
            f"    _step={shell_word([step])}",
            f"    _wait {wait} 0",
            "    " + self._curl("_try", f"x{flag}", call, chain, delete).replace("\n", "\n    "),
            "    case $_status in",
            '      2??|404|410) echo "$_step: $_status" >&2 ;;',
            '      *) echo "apitest repro: $_step: answered $_status; delete it by hand" >&2',
            '         if [ "$_rc" = 0 ]; then _rc=1; fi ;;',
            "    esac",
            "  fi",
        ]

    def _curl(self, verb: str, name: str, call: HttpRecord, chain: _Chain, case: CaseResult) -> str:
        subs = substitutions(chain, case, call)
        method = ["-I"] if call.method == "HEAD" else ["-X", shell_word([call.method])]
        lines = [" ".join([verb, name, *method, shell_word(subs.url(call.url, self.target))])]
        for header, value in call.request_headers.items():
            lines.append("-H " + shell_word([f"{header}: ", *subs.header(value)]))
        if call.request_body is not None:
            if "application/x-www-form-urlencoded" in _content_type(call):
                body = subs.form(call.request_body)
            else:
                body = subs.body(call.request_body)
            whole = body == [call.request_body]  # nothing put back: the body as recorded
            lines.append(
                "--data-raw " + (self.quote(call.request_body) if whole else shell_word(body))
            )
        return " \\\n  ".join(lines)

    def _wanted(self, case: CaseResult, call: HttpRecord) -> list[str]:
        """The statuses the replay accepts: what the run got where the case passed, else
        what the spec declares for the case's expectation."""
        if case.status == "passed" and call.status is not None:
            return [str(call.status)]
        expect = case.pacing.expect if case.pacing is not None else "success"
        declared = self._statuses.get((case.resource, case.operation), [])
        success = [str(code) for code in declared if 200 <= code < 300] or ["2??"]
        error = [str(code) for code in declared if 400 <= code < 500] or ["4??"]
        if expect == "error":
            return error
        if expect == "gone":
            return ["2??", *error]
        return success

    def _record_check(
        self, chain: _Chain, case: CaseResult, call: HttpRecord, name: str
    ) -> list[str]:
        check = case.pacing.record_check if case.pacing is not None else None
        if check is None or not check.keys:
            return []
        subs = substitutions(chain, case, call)
        keys = shell_word(subs.json(check.keys))
        values = shell_word(subs.json(check.values))
        if not check.gone:
            return [f"_holds {name} {keys} {values} record"]
        flags = self._deleted_flags(chain, case, call, only=set(map(text_of, check.keys.values())))
        return [
            *(f"gone_{flag}=" for flag in flags),
            f"_holds {name} {keys} {values} gone",
            *(f"gone_{flag}=1" for flag in flags),
        ]

    def _deleted_flags(
        self, chain: _Chain, case: CaseResult, call: HttpRecord, only: set[str] | None = None
    ) -> list[str]:
        """The creates (by flag) whose record this call addresses, for the cleanup trap."""
        flags: list[str] = []
        for use in call.uses:
            if only is not None and text_of(use.value) not in only:
                continue
            if (use.case, use.call) in chain.deletes and chain.source(use, case) is not None:
                owner = chain.by_id[use.case]
                flag = f"{self.position(owner)}_{use.call}"
                if flag not in flags:
                    flags.append(flag)
        return flags


def _sources_of(chain: _Chain, case: CaseResult, index: int) -> list[_Source]:
    """The captured answer this call of `case` is, if later calls take values from it."""
    source = chain.sources.get((case.id, index))
    return [source] if source is not None else []


def _needs_token(call: HttpRecord) -> bool:
    texts = [call.url, *call.request_headers.values(), call.request_body or ""]
    return any("${APITEST_ACCESS_TOKEN}" in text for text in texts)


def substitutions(chain: _Chain, case: CaseResult, call: HttpRecord) -> Substitutions:
    """Where `call`'s recorded values came from earlier answers of `chain`, as variables."""
    found: list[tuple[ValueUse, str]] = []
    for use in call.uses:
        source = chain.source(use, case)
        if source is not None:
            found.append((use, source.var(use.path)))
    return Substitutions(found)


def _said(case: CaseResult) -> str:
    return f": {say(case.message)}" if case.message and case.status != "passed" else ""


def _compact(source: str) -> str:
    """The helper without its module docstring, comments and blank lines: every script of a
    report carries it."""
    _, _, code = source.partition('"""\n\n')
    code = code if code else source
    kept = [
        line for line in code.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    return "\n".join(kept) + "\n"


def _slimmed(call: HttpRecord) -> bool:
    """A passed call whose headers and bodies the engine let go of (KEEP_PASSED_BODIES)."""
    return (
        call.clipped
        and not call.request_headers
        and not call.response_headers
        and call.response_body is None
    )


def _content_type(call: HttpRecord) -> str:
    return next(
        (
            value.lower()
            for name, value in call.request_headers.items()
            if name.lower() == "content-type"
        ),
        "",
    )
