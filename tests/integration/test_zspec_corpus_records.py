"""ZEST's official path-config and primary forms, run by the CLI against the reference service.

tests/data/zspec/path-config.xml and primary-name.xml are written as ZEST's pages write them;
the bundled specs are also run with their data-extraction-paths in ZEST's form (`$.trips`, the
array itself) and in apitest's older form (`$.trips[*]`), which must still work.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from apitest.demo import DemoServer

from ..support import DATA, SPECS, cli_env, run_cli
from .conftest import MakeServer

CORPUS = DATA / "zspec"
_STAR = re.compile(r'(data-extraction-path="\$\.(?:trips|destinations))\[\*\]"')


def _json(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


def _lint_clean(spec: Path) -> None:
    """No error, and no unknown element or attribute: every form in the file is understood."""
    done = run_cli("lint", "--format", "json", str(spec), env=cli_env(credentials=False))
    assert done.returncode == 0, done.stdout + done.stderr
    result = _json(done.stdout)
    assert result["errors"] == 0, result["diagnostics"]
    messages = [d["message"] for d in result["diagnostics"]]
    assert not [m for m in messages if "unknown" in m], messages


def _run(spec: Path, server: DemoServer, report: Path, *, credentials: bool) -> dict[str, Any]:
    done = run_cli(
        "run", str(spec), "--base-url", server.base_url, "--cases", "positive", "--seed", "1",
        "--report-dir", str(report), env=cli_env(credentials=credentials),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    return _json((report / "report.json").read_text(encoding="utf-8"))


def _statuses(result: dict[str, Any]) -> dict[str, str]:
    return {case["name"]: case["status"] for case in result["cases"]}


def _created_keys(report: Path) -> list[dict[str, Any]]:
    """The keys of each record the run created, from its cleanup ledger; each one was deleted
    again (the delete found it by those keys)."""
    lines = (report / "ledger.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines if line.strip()]
    created = {event["id"]: event["keys"] for event in events if event["event"] == "created"}
    deleted = {event["id"] for event in events if event["event"] == "deleted"}
    assert deleted == set(created), events
    return list(created.values())


def _plan_validator(spec: Path) -> str:
    """The operation that verifies the create, as `apitest plan` chooses it."""
    done = run_cli("plan", "--format", "json", "--cases", "positive", str(spec))
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [
        step
        for resource in _json(done.stdout)["resources"]
        for chain in resource["chains"]
        for step in chain["steps"]
    ]
    verify = next(s for s in steps if s["case"] == "verify POST destinations")
    operation: str = verify["operation"]
    return operation


def test_path_config_array_path_and_content_fallback_to_resource_primaries(
    make_server: MakeServer, tmp_path: Path
) -> None:
    spec = CORPUS / "path-config.xml"
    _lint_clean(spec)
    server = make_server(bugs=("no-auth",))
    report = tmp_path / "report"
    result = _run(spec, server, report, credentials=False)
    statuses = _statuses(result)
    # $.destinations is the array: the read back finds the created record among its elements
    assert statuses["GET destination / verify POST destinations"] == "passed"
    assert set(statuses.values()) == {"passed"} and len(statuses) == 6, statuses
    # the create answer's path-config ($.details, no <primary>) keyed it by the resource's primary
    (keys,) = _created_keys(report)
    assert list(keys) == ["destination_id"] and keys["destination_id"].isdigit()


def test_primary_name_names_the_key_the_read_is_addressed_by(
    make_server: MakeServer, tmp_path: Path
) -> None:
    spec = CORPUS / "primary-name.xml"
    _lint_clean(spec)
    assert _plan_validator(spec) == "GET destination"  # /destinations/{id}: the key's name
    unnamed = tmp_path / "unnamed.xml"
    text = spec.read_text(encoding="utf-8")
    unnamed.write_text(text.replace('$.destination_id" name="id"', '$.destination_id"'))
    assert _plan_validator(unnamed) == "GET destinations"  # key destination_id: the list
    server = make_server(bugs=("no-auth",))
    report = tmp_path / "report"
    statuses = _statuses(_run(spec, server, report, credentials=False))
    assert set(statuses.values()) == {"passed"} and len(statuses) == 6, statuses
    (keys,) = _created_keys(report)
    assert list(keys) == ["id"]


def _bundled_copy(folder: Path, *, star: bool) -> Path:
    """specs/*.xml with their resource-level data-extraction-paths in ZEST's form, or (star)
    in apitest's older `[*]` form."""
    folder.mkdir()
    for source in sorted(SPECS.glob("*.xml")):
        text = _STAR.sub(r'\1"', source.read_text(encoding="utf-8"))
        if star:
            text = re.sub(r'(data-extraction-path="\$\.(?:trips|destinations))"', r'\1[*]"', text)
        (folder / source.name).write_text(text, encoding="utf-8")
    return folder


def test_bundled_specs_in_zests_form_and_in_the_older_form_pass(
    server: DemoServer, tmp_path: Path
) -> None:
    official = _bundled_copy(tmp_path / "official", star=False)
    text = (official / "trips.xml").read_text(encoding="utf-8")
    assert 'data-extraction-path="$.trips"' in text and "$.trips[*]" not in text
    older = _bundled_copy(tmp_path / "older", star=True)
    assert 'data-extraction-path="$.trips[*]"' in (older / "trips.xml").read_text("utf-8")
    for folder in (official, older):
        result = _run(folder, server, tmp_path / f"report-{folder.name}", credentials=True)
        statuses = _statuses(result)
        assert len(statuses) == 15 and set(statuses.values()) == {"passed"}, (folder, statuses)
