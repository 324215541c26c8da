"""Replay scripts (report/repro.py) run by a real `sh` against a stand-in `curl`: an executable
on PATH that logs its arguments and answers with ids other than the recorded ones, so each
substitution can be read off exactly. (Against the real reference service:
tests/integration/test_repro.py.)"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from apitest.report._shell import Var, shell_word
from apitest.report.repro import Replays, worth_replaying
from apitest.results import CaseResult, HttpRecord, OperationInfo, Pacing, RunResult, ValueUse

TOKEN = "${APITEST_ACCESS_TOKEN}"
TARGET = "http://h.test/api"
FAKE_CURL = r"""#!/bin/sh
# logs one line per call (its arguments, shell-quoted), answers as the method asks
out=
for arg in "$@"; do printf '%s\037' "$arg" >> "$CURL_LOG"; done
printf '\n' >> "$CURL_LOG"
while [ $# -gt 0 ]; do
  case $1 in -o) out=$2; shift ;; -X) method=$2; shift ;; esac
  shift
done
case $method in
  POST) printf '{"data": {"id": "42"}}' > "$out"; printf 201 ;;
  GET) printf '{"rows": [{"id": "42", "n": 3}]}' > "$out"; printf 200 ;;
  *) printf '{}' > "$out"; printf 200 ;;
esac
"""


def call(method: str, url: str, body: str | None = None, **fields: Any) -> HttpRecord:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    fields.setdefault("status", 200)
    return HttpRecord(method, url, headers, body, response_headers={"x": "y"},
                      response_body="{}", **fields)  # fmt: skip


def case(n: int, operation: str, calls: list[HttpRecord], **fields: Any) -> CaseResult:
    method = operation.split()[0]
    return CaseResult(
        f"c.{n}", "c", "x", operation, fields.pop("text", "positive"), fields.pop("kind", "test"),
        fields.pop("status", "passed"), method=method, calls=calls, **fields,
    )  # fmt: skip


USE = [ValueUse("7", "c.1", 0, ["data", "id"])]


def lifecycle() -> RunResult:
    """create 7, read it, update it, a negative case, delete it: as a run records them."""
    cases = [
        case(1, "POST x", [call("POST", f"{TARGET}/x", '{"name": "O\'Brien", "n": 7}', status=201)],
             pacing=Pacing(validation_delay_ms=20)),
        case(2, "GET x", [call("GET", f"{TARGET}/x/7?ref=7&q=a+b", uses=USE)],
             pacing=Pacing(delay_ms=10, waits_for_record=True)),
        case(3, "PUT x", [call("PUT", f"{TARGET}/x",
                               '{"id": "7", "count": 7, "other": "17", "note": "7"}', uses=USE)]),
        case(4, "PUT x", [call("PUT", f"{TARGET}/x", '{"id": "bad"}', uses=USE)],
             text="Invalid Type id", negative_kind="Invalid Type", pacing=Pacing(expect="error")),
        case(5, "DELETE x", [call("DELETE", f"{TARGET}/x?ids=7", uses=USE)]),
    ]  # fmt: skip
    cases[1].calls[0].request_headers["X-Id"] = "7"
    operations = [
        OperationInfo("x", name, name.split()[0], "/x", category, [200, 201, 400, 404])
        for name, category in (
            ("POST x", "create"), ("GET x", "read"), ("PUT x", "update"), ("DELETE x", "delete")
        )
    ]  # fmt: skip
    return RunResult(TARGET, 1, "now", cases, operations=operations)


def run_script(script: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    fake = folder / "curl"
    fake.write_text(FAKE_CURL, encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "curl.log"
    log.write_text("", encoding="utf-8")
    (tmp_path / "replay.sh").write_text(script, encoding="utf-8")
    env = {
        "PATH": f"{folder}:{os.environ['PATH']}",
        "CURL_LOG": str(log),
        "APITEST_ACCESS_TOKEN": "tok-123",
        "APITEST_BASE_URL": "http://other.test/v2/",
    }
    done = subprocess.run(
        ["sh", str(tmp_path / "replay.sh")], env=env, capture_output=True, text=True, timeout=30,
        check=False,
    )  # fmt: skip
    calls = [line.split("\037")[:-1] for line in log.read_text(encoding="utf-8").splitlines()]
    return done, calls


def replay_case(
    result: RunResult, index: int, tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    """The replay script of the run's case `index`, run against the fake curl."""
    return run_script(Replays(result).script(result.cases[index]) or "", tmp_path)


def request(argv: list[str]) -> dict[str, Any]:
    """What a logged curl call sent: method, URL, headers, body."""
    seen: dict[str, Any] = {"headers": []}
    items = iter(argv)
    for arg in items:
        if arg == "-X":
            seen["method"] = next(items)
        elif arg == "-H":
            seen["headers"].append(next(items))
        elif arg == "--data-raw":
            seen["body"] = next(items)
        elif arg in ("-o", "-w"):
            next(items)
        elif arg.startswith("http"):
            seen["url"] = arg
    return seen


def test_shell_words_survive_a_real_shell() -> None:
    for text in ["", "plain", "it's", "a b", "'", "''x'", '"$HOME" `id` $(id) \\n', "é ü\n2"]:
        quoted = shell_word([text])
        assert shlex.split(quoted) == [text]
        assert subprocess.run(["sh", "-c", f"printf %s {quoted}"], capture_output=True,
                              text=True, check=True).stdout == text  # fmt: skip
    assert shell_word(["GET"]) == "GET"
    word = shell_word(["it's ", Var("v"), f"/{TOKEN}!"])
    shown = subprocess.run(
        ["sh", "-c", f"v='1 2'; APITEST_ACCESS_TOKEN=t; printf %s {word}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert shown == "it's 1 2/t!"


def test_the_replay_sends_what_was_recorded_with_the_ids_its_own_answers_give(
    tmp_path: Path,
) -> None:
    done, calls = replay_case(lifecycle(), 4, tmp_path)
    assert done.returncode == 0, done.stderr
    sent = [request(argv) for argv in calls]
    assert [(s["method"], s["url"]) for s in sent] == [
        ("POST", "http://other.test/v2/x"),
        ("GET", "http://other.test/v2/x/42?ref=42&q=a+b"),  # path and query: the new id
        ("PUT", "http://other.test/v2/x"),
        ("DELETE", "http://other.test/v2/x?ids=42"),  # the negative case 4 is left out
    ]
    assert sent[0]["body"] == '{"name": "O\'Brien", "n": 7}'  # exactly as recorded
    assert sent[0]["headers"] == ["Authorization: Bearer tok-123", "Content-Type: application/json"]
    assert "X-Id: 42" in sent[1]["headers"]
    # the id where it was an id; the number 7 and the text "17" are other values
    assert json.loads(sent[2]["body"]) == {"id": "42", "count": 7, "other": "17", "note": "42"}
    assert "every answer as expected" in done.stderr


def test_a_replay_that_stops_early_deletes_what_it_made_with_the_recorded_delete(
    tmp_path: Path,
) -> None:
    result = lifecycle()
    done, calls = replay_case(result, 1, tmp_path)
    assert done.returncode == 0, done.stderr
    assert [request(argv)["url"] for argv in calls][-1] == "http://other.test/v2/x?ids=42"
    assert "delete what c.1 created (as c.5 did): 200" in done.stderr

    result.cases[1].calls[0].status = 204  # the replay's answer (200) differs: it stops there
    done, calls = replay_case(result, 2, tmp_path)
    assert done.returncode == 1
    assert "c.2 GET x / positive answered 200, expected 204" in done.stderr
    assert request(calls[-1])["method"] == "DELETE"  # and still cleans up


def test_a_negative_case_replays_after_what_it_needs_and_expects_an_error(tmp_path: Path) -> None:
    result = lifecycle()
    negative = result.cases[3]
    negative.status, negative.message = "failed", "the API accepted id = 'bad'"
    replays = Replays(result)
    assert [step.id for step in replays.steps(negative)] == ["c.1", "c.2", "c.3", "c.4"]
    assert [step.id for step in replays.steps(result.cases[4])] == ["c.1", "c.2", "c.3", "c.5"]
    script = replays.script(negative) or ""
    assert "_expect 400 404\n" in script  # the 4xx statuses PUT x declares, not the 200 it got
    assert "# c.4 PUT x / Invalid Type id (failed in the run: the API accepted" in script
    done, _ = run_script(script, tmp_path)
    assert done.returncode == 1 and "expected 400 404" in done.stderr  # still accepted


def test_only_failures_carry_a_script_in_the_reports_and_why_others_cannot() -> None:
    result = lifecycle()
    assert not any(worth_replaying(c) for c in result.cases)
    result.cases[2].status = "error"
    assert worth_replaying(result.cases[2])
    silent = case(6, "GET x", [], status="skipped", message="needs a record")
    slim = case(7, "GET x", [call("GET", f"{TARGET}/x", clipped=True)])
    slim.calls[0].request_headers = {}
    slim.calls[0].response_headers, slim.calls[0].response_body = {}, None
    replays = Replays(RunResult(TARGET, 1, "now", [*result.cases, silent, slim]))
    assert replays.script(silent) is None
    assert replays.why_not(silent) == "c.6 made no call (skipped: needs a record)"
    assert "kept only the request line of c.7" in (replays.why_not(slim) or "")


def test_a_chain_that_spoke_xml_is_not_replayed_but_said_why() -> None:
    """The replay's helper reads answers as JSON: an XML API's replay failed its first step,
    "not in the answer", on answers that were right."""
    result = lifecycle()
    read = result.cases[1].calls[0]
    read.response_headers = {"Content-Type": "application/xml; charset=utf-8"}
    read.response_body = "<root><data><id>7</id></data></root>"
    replays = Replays(result)
    assert replays.script(result.cases[2]) is None
    assert replays.why_not(result.cases[2]) == (
        "c.2 exchanged an XML body, and a replay reads bodies as JSON"
    )
    assert replays.why_not(result.cases[0]) is None  # the create before it spoke JSON


@pytest.mark.parametrize("base", [None, "http://127.0.0.1:8765/api/v1/"])
def test_the_script_aims_at_the_run_target_unless_told_otherwise(base: str | None) -> None:
    result = lifecycle()
    script = Replays(result, base_url=base).script(result.cases[0]) or ""
    default = (base or TARGET).rstrip("/")
    assert f': "${{APITEST_BASE_URL:={default}}}"' in script
    assert "_call a1_0 -X POST \"${base}\"'/x'" in script


def test_the_embedded_helper_holds_no_single_quote_and_compiles() -> None:
    preamble = Replays(lifecycle()).preamble
    helper = preamble.split("_PY='", 1)[1].split("'\n", 1)[0]
    compile(helper, "repro_helper", "exec")
    assert "The JSON work of a replay script" not in helper  # the docstring stays home
