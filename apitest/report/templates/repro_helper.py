"""The JSON work of a replay script (report/repro.py): run as `python3 -c "$_PY" COMMAND ...`.

Embedded in the script between single quotes, so this file holds no single quote character
(a unit test checks). Standard library only: the script must run wherever python3 is.

  capture FILE VAR PATH       print shell assignments VAR_t (text), VAR_u (URL path segment),
                              VAR_q (query value) and VAR_s (JSON string) of the value at PATH
  holds FILE KEYS VALUES MODE the record with KEYS holds VALUES (MODE "record"), or no record
                              with KEYS is there (MODE "gone")
  token BASE CALL             fetch an access token as CALL (a TokenCall as JSON) declares,
                              credentials from the environment; print it
"""

from __future__ import annotations

import base64
import datetime
import json
import math
import os
import re
import shlex
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

MISSING = object()


def at(doc: Any, path: list[Any]) -> Any:
    """The value at `path` (keys and indexes), or MISSING."""
    for step in path:
        item = isinstance(step, int) and isinstance(doc, list) and 0 <= step < len(doc)
        key = isinstance(step, str) and isinstance(doc, dict) and step in doc
        if not (item or key):
            return MISSING
        doc = doc[step]
    return doc


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def load(name: str) -> Any:
    with open(name, encoding="utf-8", errors="replace") as handle:
        try:
            return json.load(handle)
        except ValueError:
            return None


def capture(name: str, var: str, path: str) -> int:
    value = at(load(name), json.loads(path))
    if value is MISSING or isinstance(value, (dict, list)):
        print(f"the answer has no value at {path}", file=sys.stderr)
        return 1
    words = text(value)
    forms = {
        "t": words,
        "u": urllib.parse.quote(words, safe=""),
        "q": urllib.parse.quote_plus(words, safe=""),
        "s": json.dumps(words, ensure_ascii=False),
    }
    for form, shown in forms.items():
        print(f"{var}_{form}={shlex.quote(shown)}")
    return 0


def instant(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def same(want: Any, got: Any) -> bool:
    """Equal as the run compared them: instants as instants, ids as text, numbers closely."""
    if isinstance(want, dict) and isinstance(got, dict):
        return all(same(value, got.get(key, MISSING)) for key, value in want.items())
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(map(same, want, got))
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-12)
    a, b = instant(want), instant(got)
    if a is not None and b is not None:
        return a == b
    if isinstance(want, (str, int, float)) and isinstance(got, (str, int, float)):
        return text(want) == text(got)
    return bool(want == got)


def records(doc: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def holds(name: str, keys_text: str, values_text: str, mode: str) -> int:
    keys = json.loads(keys_text)
    values = json.loads(values_text)
    if not keys:
        return 0  # no primary key declared: nothing names the record
    doc = load(name)
    named = ", ".join(f"{key}={text(value)}" for key, value in keys.items())
    found = [
        item
        for item in records(doc)
        if all(key in item and text(item[key]) == text(value) for key, value in keys.items())
    ]
    if mode == "gone":
        if found:
            print(f"the record {named} is still there", file=sys.stderr)
            return 1
        return 0
    if not found:
        print(f"the answer holds no record {named}", file=sys.stderr)
        return 1
    record = found[0]
    wrong = [
        f"{key}: expected {json.dumps(value)}, read "
        + ("nothing" if key not in record else json.dumps(record[key]))
        for key, value in values.items()
        if not same(value, record.get(key, MISSING))
    ]
    if wrong:
        listed = "; ".join(wrong)
        print(f"the record {named} does not hold what was written: {listed}", file=sys.stderr)
        return 1
    return 0


def filled(value: Any, missing: list[str]) -> Any:
    """`${APITEST_X}` placeholders replaced by the environment (names not set are collected)."""
    if isinstance(value, dict):
        return {key: filled(item, missing) for key, item in value.items()}
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "APITEST_CLIENT_BASIC":  # HTTP Basic of the pair, each part form-encoded
            pair = [filled("${APITEST_CLIENT_" + part + "}", missing) for part in ("ID", "SECRET")]
            joined = ":".join(urllib.parse.quote_plus(part) for part in pair)
            return base64.b64encode(joined.encode()).decode("ascii")
        if not os.environ.get(name):
            missing.append(name)
        return os.environ.get(name, "")

    return re.sub(r"\$\{(APITEST_[A-Z0-9_]+)\}", one, value)


def token(base: str, call_text: str) -> int:
    missing: list[str] = []
    call = filled(json.loads(call_text), missing)
    if missing:
        print("set " + " and ".join(sorted(set(missing))), file=sys.stderr)
        return 2
    url = urllib.parse.urljoin(base, call["path"])
    target = url  # what messages name: the query may hold the client secret
    if call["params"]:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(call["params"])
    headers = dict(call["headers"])
    data = None
    if call["json"] is not None:
        data = json.dumps(call["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif call["form"] is not None:
        data = urllib.parse.urlencode(call["form"]).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif call["content"] is not None:
        data = call["content"].encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=call["method"])
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = json.loads(answer.read().decode("utf-8", "replace") or "null")
    except urllib.error.HTTPError as exc:
        print(f"the token endpoint {target} answered {exc.code}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"no answer from the token endpoint {target}: {exc}", file=sys.stderr)
        return 3
    except ValueError as exc:
        print(f"the token endpoint {target} answered no JSON: {exc}", file=sys.stderr)
        return 2
    value = at(body, call["token_path"])
    if not isinstance(value, str) or not value:
        print(f"the token endpoint {target} answered no token", file=sys.stderr)
        return 2
    print(value)
    return 0


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    if command == "capture":
        return capture(*args)
    if command == "holds":
        return holds(*args)
    if command == "token":
        return token(*args)
    print(f"unknown command {command}", file=sys.stderr)
    return 2


sys.exit(main(sys.argv[1:]))
