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

This module puts a script together (preamble, token, footer) and says which cases have one;
what a chain's replay holds is decided in report/_replay_chain.py, each step and cleanup trap
is written in report/_replay_steps.py, and words are quoted in report/_shell.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from functools import cached_property
from importlib import resources

from apitest.report._replay_chain import RunCases, replayed_calls
from apitest.report._replay_steps import StepWriter, content_type, exchanged_xml
from apitest.report._shell import literal_word, say, shell_word
from apitest.results import MAX_BODY_CHARS, CaseResult, HttpRecord, RunResult

QUOTED = re.compile("\ue001(\\d+)\ue001")
"""Marks a recorded body in a block, quoted when the script is put together: the HTML report
keeps the body once (it has it already) instead of once more inside each script."""


def worth_replaying(case: CaseResult) -> bool:
    """Whether the reports carry a case's script: a failure or an error, the cases a reader
    wants to reproduce. A script for every case would make a report many times its size (each
    holds its chain's steps before it); `apitest repro` makes one for any case on demand."""
    return case.status in ("failed", "error") and bool(case.calls)


class Replays:
    """The replay scripts of one run; `script(case)` for one case, `blocks(case)` for the
    HTML report (the same text, as shared pieces)."""

    def __init__(self, result: RunResult, base_url: str | None = None) -> None:
        self.result = result
        self.target = result.target.rstrip("/")
        self.default_base = (base_url or result.target).rstrip("/")
        self._run = RunCases(result)
        self._steps = StepWriter(self._run, self.target, self.quote)
        self.quoted: list[str] = []
        """The bodies QUOTED marks refer to, by number."""
        self._quoted_index: dict[str, int] = {}

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
                if body is not None and "multipart/" in content_type(call):
                    return f"{step.id} sent a multipart body, which the report does not keep"
                if exchanged_xml(call):
                    return f"{step.id} exchanged an XML body, and a replay reads bodies as JSON"
        return None

    def steps(self, case: CaseResult) -> list[CaseResult]:
        """What the script for `case` replays: the chain's earlier cases but the negative
        ones, then the case itself."""
        return self._run.chain(case.chain).steps(case)

    def blocks(self, case: CaseResult) -> list[str] | None:
        """The script for `case` as pieces: the first three are the same for every case of
        its chain, each step's the same in every script that holds the step. A QUOTED mark
        in a piece stands for `shell_word([self.quoted[n]])`; `script` puts them in."""
        if self.why_not(case) is not None:
            return None
        chain = self._run.chain(case.chain)
        steps = self.steps(case)
        calls = [step.calls[index] for step in steps for index in replayed_calls(step)]
        calls += [delete.calls[index] for delete, index in chain.deletes.values()]
        token = any(_needs_token(call) for call in calls)
        return [
            self.preamble,
            self._steps.head(chain),
            self.token_block if token else "",
            *(self._steps.block(chain, step) for step in steps),
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


def _needs_token(call: HttpRecord) -> bool:
    texts = [call.url, *call.request_headers.values(), call.request_body or ""]
    return any("${APITEST_ACCESS_TOKEN}" in text for text in texts)


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
