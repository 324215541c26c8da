"""The shell text of what a replay does per chain: each step's calls (curl, the captures later
calls need, the status wanted, the record read back) and the chain's cleanup trap, which
deletes what its creates made, as the run's recorded deletes did.

Each step renders to the same text in every script that holds it, so `StepWriter` renders it
once and the HTML report stores it once. What a chain's replay holds is decided in
report/_replay_chain.py; how a value is quoted, in report/_shell.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from apitest.report._replay_chain import ReplayChain, RunCases, position, replayed_calls
from apitest.report._shell import Substitutions, say, shell_word, text_of
from apitest.results import CaseResult, HttpRecord, ValueUse


class StepWriter:
    """The steps and cleanup traps of one run's replays, each rendered once."""

    def __init__(self, run: RunCases, target: str, quote: Callable[[str], str]) -> None:
        self.run = run
        self.target = target
        self.quote = quote
        """Puts a recorded body in by reference (Replays.quote), so it is stored once."""
        self._blocks: dict[str, str] = {}
        self._heads: dict[str, str] = {}

    def block(self, chain: ReplayChain, case: CaseResult) -> str:
        """The step `case` of `chain`, as every script that holds it writes it."""
        if case.id not in self._blocks:
            self._blocks[case.id] = self._step(chain, case)
        return self._blocks[case.id]

    def head(self, chain: ReplayChain) -> str:
        """The cleanup trap: every record the chain's creates made, deleted newest first."""
        if chain.id not in self._heads:
            lines = [
                f"# Chain {chain.id}: at the end, delete what its creates made (newest first).",
                "_cleanup() {",
                "  _rc=$?",
                "  set +eu",
                "  _undo",
            ]
            for case, index in chain.creates():
                lines += self._cleanup(chain, case, index)
            lines += [
                '  rm -rf "$tmp"',
                '  exit "$_rc"',
                "}",
                "trap _cleanup EXIT",
                "trap 'exit 130' INT",
                "trap 'exit 143' TERM",
            ]
            self._heads[chain.id] = "\n".join(lines) + "\n"
        return self._heads[chain.id]

    def _step(self, chain: ReplayChain, case: CaseResult) -> str:
        label = say(f"{case.id} {case.operation} / {case.case}")
        lines = [f"# {label} ({case.status} in the run{_said(case)})"]
        lines.append(f"_step={shell_word([label])}")
        pacing = case.pacing
        if pacing is not None and (pacing.delay_ms or pacing.waits_for_record):
            lines.append(f"_wait {pacing.delay_ms} {int(pacing.waits_for_record)}")
        makes = self.run.makes(case)
        if makes and not self.run.is_create(case):  # a negative create: its own script alone
            lines.append("_undo() {")  # replays it, so what it makes is deleted there
            for index in replayed_calls(case):
                lines += self._cleanup(chain, case, index)
            lines.append("}")
        is_delete = self.run.is_delete(case)
        for index in replayed_calls(case):
            call = case.calls[index]
            name = f"a{position(case)}_{index}"
            lines.append(self._curl("_call", name, call, chain, case))
            on_success = [
                f"_capture {name} {source.var(path)} {shell_word([json.dumps(path)])}"
                for source in chain.sources_of(case, index)
                for path in list(source.paths)
            ]
            if makes:
                on_success.append(f"made_{position(case)}_{index}=1")
            if is_delete:
                on_success += [f"gone_{flag}=1" for flag in _deleted_flags(chain, case, call)]
            if on_success:
                lines.append("case $_status in 2??)")
                lines += [f"  {line}" for line in on_success]
                lines.append("esac")
            lines.append("_expect " + " ".join(self._wanted(case, call)))
            lines += self._record_check(chain, case, call, name)
        if pacing is not None and pacing.validation_delay_ms:
            lines.append(f"_pending={pacing.validation_delay_ms}")
        return "\n".join(lines) + "\n"

    def _cleanup(self, chain: ReplayChain, case: CaseResult, index: int) -> list[str]:
        flag = f"{position(case)}_{index}"
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
        how = "at once, as the run did" if delete is case else f"as {delete.id} did"
        step = say(f"delete what {case.id} created ({how})")
        wait = max(
            delete.pacing.delay_ms if delete.pacing else 0,
            case.pacing.validation_delay_ms if case.pacing else 0,
        )
        call = delete.calls[call_index]
        curl = self._curl("_try", f"x{flag}", call, chain, delete, undoing=delete is case)
        return [
            *lines,
            f"    _step={shell_word([step])}",
            f"    _wait {wait} 0",
            "    " + curl.replace("\n", "\n    "),
            "    case $_status in",
            '      2??|404|410) echo "$_step: $_status" >&2 ;;',
            '      *) echo "apitest repro: $_step: answered $_status; delete it by hand" >&2',
            '         if [ "$_rc" = 0 ]; then _rc=1; fi ;;',
            "    esac",
            "  fi",
        ]

    def _curl(
        self,
        verb: str,
        name: str,
        call: HttpRecord,
        chain: ReplayChain,
        case: CaseResult,
        *,
        undoing: bool = False,
    ) -> str:
        subs = substitutions(chain, case, call, undoing=undoing)
        method = ["-I"] if call.method == "HEAD" else ["-X", shell_word([call.method])]
        lines = [" ".join([verb, name, *method, shell_word(subs.url(call.url, self.target))])]
        for header, value in call.request_headers.items():
            lines.append("-H " + shell_word([f"{header}: ", *subs.header(value)]))
        if call.request_body is not None:
            if "application/x-www-form-urlencoded" in content_type(call):
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
        declared = self.run.statuses(case)
        success = [str(code) for code in declared if 200 <= code < 300] or ["2??"]
        error = [str(code) for code in declared if 400 <= code < 500] or ["4??"]
        if expect == "error":
            return error
        if expect == "gone":
            return ["2??", *error]
        return success

    def _record_check(
        self, chain: ReplayChain, case: CaseResult, call: HttpRecord, name: str
    ) -> list[str]:
        check = case.pacing.record_check if case.pacing is not None else None
        if check is None or not check.keys:
            return []
        subs = substitutions(chain, case, call)
        keys = shell_word(subs.json(check.keys))
        values = shell_word(subs.json(check.values))
        if not check.gone:
            return [f"_holds {name} {keys} {values} record"]
        flags = _deleted_flags(chain, case, call, only=set(map(text_of, check.keys.values())))
        return [
            *(f"gone_{flag}=" for flag in flags),
            f"_holds {name} {keys} {values} gone",
            *(f"gone_{flag}=1" for flag in flags),
        ]


def _deleted_flags(
    chain: ReplayChain, case: CaseResult, call: HttpRecord, only: set[str] | None = None
) -> list[str]:
    """The creates (by flag) whose record this call addresses, for the cleanup trap."""
    flags: list[str] = []
    for use in call.uses:
        if only is not None and text_of(use.value) not in only:
            continue
        if (use.case, use.call) in chain.deletes and chain.source(use, case) is not None:
            owner = chain.by_id[use.case]
            flag = f"{position(owner)}_{use.call}"
            if flag not in flags:
                flags.append(flag)
    return flags


def substitutions(
    chain: ReplayChain, case: CaseResult, call: HttpRecord, *, undoing: bool = False
) -> Substitutions:
    """Where `call`'s recorded values came from earlier answers of `chain`, as variables
    (`undoing`: the call undoes what `case`'s own call made, ReplayChain.source)."""
    found: list[tuple[ValueUse, str]] = []
    for use in call.uses:
        source = chain.source(use, case, undoing=undoing)
        if source is not None:
            found.append((use, source.var(use.path)))
    return Substitutions(found)


def content_type(call: HttpRecord) -> str:
    """The request's Content-Type, lower-cased; "" when it sent none."""
    return next(
        (
            value.lower()
            for name, value in call.request_headers.items()
            if name.lower() == "content-type"
        ),
        "",
    )


def _said(case: CaseResult) -> str:
    return f": {say(case.message)}" if case.message and case.status != "passed" else ""


def exchanged_xml(call: HttpRecord) -> bool:
    """The call sent or got an XML body (`application/xml`, `text/xml`, `+xml`): a replay's
    helper reads and fills bodies as JSON only."""
    answer = next(
        (v.lower() for k, v in call.response_headers.items() if k.lower() == "content-type"), ""
    )
    kinds = (content_type(call), answer if call.response_body else "")
    return any(kind.split(";")[0].strip().endswith(("/xml", "+xml")) for kind in kinds)
