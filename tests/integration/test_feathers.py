"""Against Feathers 5 (npm), a Node framework's in-memory service: tests/data/thirdparty/feathers
holds the spec and serve.js, which serves /messages on the loopback with defects planted by
name.

What it shows: the server numbers records from 0, so the first message the run makes has the
key 0, which every step must address, verify and delete like any other; and its list pages
as `{total, limit, skip, data}`, ten a page with no link to the next, so a read-back through
the list alone cannot tell a record past the first page from one that is gone: an error that
says so (engine/paging.py), where a delete that deleted nothing used to pass.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..support import DATA, assert_caught, loopback_client
from ._thirdparty import (
    FEATHERS,
    Started,
    fill,
    list_only_spec,
    npm_package,
    run_spec,
    serving_node,
)

APP = DATA / "thirdparty" / "feathers"


def feathers(folder: Path, *defects: str) -> AbstractContextManager[Started]:
    modules = npm_package(*FEATHERS) / "node_modules"
    return serving_node(APP, modules, folder, "/messages", {}, ",".join(defects))


def messages(api: Started) -> dict[str, Any]:
    with loopback_client() as http:
        answer = http.get(f"{api.url}/messages")
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_a_record_whose_key_is_0_is_made_verified_and_removed(tmp_path: Path) -> None:
    with feathers(tmp_path / "api") as api:
        status, result = run_spec(APP / "messages.xml", api, tmp_path, "--cases", "positive")
        left = messages(api)
    failed = {c["id"]: c["message"] for c in result["cases"] if c["status"] != "passed"}
    assert status == 0, failed
    addressed = [c for c in result["cases"] if c["operation"] not in ("create", "find")]
    assert {c["operation"] for c in addressed} == {"get", "patch", "update", "remove"}
    for case in addressed:  # the reads back, the updates and the remove, all of message 0
        assert case["url"].endswith("/messages/0"), (case["case"], case["url"])
    assert left["total"] == 0


def test_a_remove_that_keeps_the_message_is_caught(tmp_path: Path) -> None:
    with feathers(tmp_path / "api", "kept-delete") as api:
        status, result = run_spec(APP / "messages.xml", api, tmp_path, "--cases", "positive")
    assert status == 1
    assert_caught(result["cases"], "verify remove", "is still there after the delete")


def test_a_list_with_a_total_past_its_page_leaves_the_read_back_undecided(
    tmp_path: Path,
) -> None:
    """Twelve messages made first: the run's own is the thirteenth, past the list's first page
    of ten; the answer says the list goes on ({total: 13, limit: 10, skip: 0}) and names no
    next page."""
    spec = list_only_spec(APP / "messages.xml", "get", tmp_path / "spec")
    with feathers(tmp_path / "api", "kept-delete") as api:
        fill(f"{api.url}/messages", "text", 12, 201)
        status, result = run_spec(spec, api, tmp_path, "--cases", "positive")
    checks = {c["case"]: c for c in result["cases"] if c["case"].startswith("verify ")}
    assert set(checks) == {"verify create", "verify patch", "verify update", "verify remove"}
    for check in checks.values():
        assert check["status"] == "error", check
        assert (
            "the answer says the list goes on (total 13 past skip 0 + limit 10)"
            in (check["message"])
        ), check["message"]
    assert status == 1
