"""Serve the taskboard mock with Mockoon's CLI on 127.0.0.1, defects planted by name:

    python serve.py PORT FOLDER MOCKOON_CLI [DEFECT,...]

taskboard.json is the mock a QA team would stand up before the API exists: a Mockoon
environment of two CRUD routes, /projects over the data bucket "projects" (Mockoon's default
key, id) and /tasks over "tasks" (its crudKey is uuid), with the environment's own response
rules for what the API is to refuse (bodies that break a JSON schema kept in a data bucket,
a task naming a project the bucket does not hold, list queries out of bounds).

defects.json holds Mockoon route responses, each labelled with the name of the defect it
plants and written with Mockoon's own rules and templating helpers (setData, find, ...). The
responses of the defects named are put into the route of the same endpoint, right after its
CRUD response (which must stay first: Mockoon takes the route's crudKey from it) and before
its rules, so that they win:
- `kept-delete`: a DELETE of a project is answered 200 {} and the project stays;
- `unchecked-projects`: a POST or PUT of a project is carried out whatever its body (the
  schema rule never answers);
- `lost-update`: a PUT or PATCH of a task is answered 200 with the task as it would be, and
  nothing is stored;
- `dropped-labels`: a POST of a task is answered 201 with the task sent, which is stored
  without its labels;
- `create-answers-200`: a POST of a task is carried out and answered 200, not 201;
- `patch-replaces`: a PATCH of a task replaces it with the body (as a PUT does).

The environment is written to FOLDER/environment.json, and this process becomes Mockoon's
(exec), so the test stops it by the PID it started. Logs go to stdout only; the admin API
is off.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def planted(environment: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """`environment` with the responses of defects.json labelled with `names` in its routes."""
    routes = {route["endpoint"]: route for route in environment["routes"]}
    found: set[str] = set()
    for defective in json.loads((HERE / "defects.json").read_text(encoding="utf-8"))["routes"]:
        chosen = [r for r in defective["responses"] if r["label"] in names]
        found.update(r["label"] for r in chosen)
        responses = routes[defective["endpoint"]]["responses"]
        responses[1:1] = chosen
    if names - found:
        sys.exit(f"unknown defect(s): {', '.join(sorted(names - found))}")
    return environment


def main(port: str, folder: Path, cli: str, names: set[str]) -> None:
    environment = json.loads((HERE / "taskboard.json").read_text(encoding="utf-8"))
    data = folder / "environment.json"
    data.write_text(json.dumps(planted(environment, names), indent=2), encoding="utf-8")
    command = [cli, "start", "--data", str(data), "--port", port, "--hostname", "127.0.0.1",
               "--disable-log-to-file", "--disable-admin-api"]  # fmt: skip
    os.execv(cli, command)


if __name__ == "__main__":
    defects = set(filter(None, (sys.argv[4] if len(sys.argv) > 4 else "").split(",")))
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3], defects)
