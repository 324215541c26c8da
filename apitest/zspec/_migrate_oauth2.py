"""`lint --fix` for the old `<oauth2 ...>` attribute form: the `<authentication-schema>` it
becomes, each endpoint with the operation the official samples describe (migrate.py)."""

from __future__ import annotations

from apitest.zspec._text_edits import Fixer, Node

OLD_OAUTH2_ATTRS = ("token-url", "refresh-url", "authorize-url", "revoke-url", "scopes")
_Lines = list[tuple[int, str]]  # (depth, text): indented by the file's own unit when written


def rewrite_oauth2(fixer: Fixer) -> None:
    old = [child for child in fixer.root.children if child.name in ("oauth2", "token")]
    if not old:
        return
    schema = next((c for c in fixer.root.children if c.name == "authentication-schema"), None)
    indent = fixer.indent_of(old[0])
    unit = "\t" if "\t" in indent else "  "
    blocks: _Lines = []
    for node in old:
        if node.name == "oauth2" and any(a.name in OLD_OAUTH2_ATTRS for a in node.attrs):
            blocks += _oauth2_lines(fixer, node)
            fixer.note(node, "<oauth2 token-url=...> -> <authentication-schema><oauth2>")
        else:
            blocks += _moved_lines(fixer, node)
            fixer.note(
                node, f"<{node.name}> under <resource> -> <authentication-schema><{node.name}>"
            )
    if schema is not None and schema.close_start is not None:
        inner = fixer.indent_of(schema) + unit
        text = _render([(depth, line) for depth, line in blocks], inner, unit, fixer.newline)
        close_line = fixer.text.rfind("\n", 0, schema.close_start) + 1
        fixer.edit(close_line, close_line, text + fixer.newline)
        for node in old:
            fixer.remove(node)
        return
    wrapped = [(0, "<authentication-schema>")] + [(d + 1, t) for d, t in blocks]
    wrapped.append((0, "</authentication-schema>"))
    fixer.edit(old[0].start, old[0].end, _render(wrapped, indent, unit, fixer.newline).lstrip())
    for node in old[1:]:
        fixer.remove(node)


def _rebased(fixer: Fixer, node: Node, text: str, depth: int) -> _Lines:
    """The lines of `text` (part of `node`'s span) with `node`'s own indentation taken off, so
    nested children keep their indentation relative to it; a line that starts at or left of
    `node`'s column (children written on the open tag's line) goes at `depth`."""
    base = fixer.indent_of(node)
    lines: _Lines = []
    for line in text.splitlines():
        if not line.strip():
            continue
        relative = line[len(base) :] if base and line.startswith(base) else line.lstrip()
        if relative[:1].isspace():
            lines.append((0, relative.rstrip()))
        else:
            lines.append((depth, relative.rstrip()))
    return lines


def _moved_lines(fixer: Fixer, node: Node) -> _Lines:
    """An official schema that only stands in the wrong place: its text, moved unchanged."""
    return _rebased(fixer, node, fixer.text[node.start : node.end], 0)


def _render(lines: _Lines, indent: str, unit: str, newline: str) -> str:
    return newline.join(indent + unit * depth + text for depth, text in lines)


def _oauth2_lines(fixer: Fixer, node: Node) -> _Lines:
    """One official `<oauth2>` with an url child per old attribute, and the old children."""
    values = {attr.name: attr.value for attr in node.attrs}
    kept = " ".join(
        fixer.text[a.start : a.end] for a in node.attrs if a.name not in OLD_OAUTH2_ATTRS
    )
    lines: _Lines = [(0, f"<oauth2 {kept}>" if kept else "<oauth2>")]
    if node.close_start is not None:
        lines += _rebased(fixer, node, fixer.text[node.open_end : node.close_start], 1)
    scopes = values.get("scopes")
    if "authorize-url" in values:
        lines += _url("authorization-url", values["authorize-url"], _authorization(scopes))
    elif scopes is not None and not {"token-url", "refresh-url"} & values.keys():
        lines.append((1, _comment(f'scopes="{scopes}" kept here: ZEST has no oauth2 scopes')))
    if "token-url" in values:
        lines += _url("token-url", values["token-url"], _token_operation(scopes))
    if "refresh-url" in values:
        lines += _url("refresh-url", values["refresh-url"], _refresh_operation(scopes))
    if "revoke-url" in values:
        note = f'revoke-url="{values["revoke-url"]}" dropped: ZEST has no revoke URL element'
        lines.append((1, _comment(note)))
    lines.append((0, "</oauth2>"))
    return lines


def _comment(text: str) -> str:
    # "--" may not stand inside an XML comment, so the option is named without its dashes.
    return "<!-- apitest lint fix: " + text.replace("--", "- -") + " -->"


def _url(element: str, path: str, operation: _Lines) -> _Lines:
    body = [(d + 2, t) for d, t in operation]
    return [(1, f'<{element} path="{path}">'), *body, (1, f"</{element}>")]


def _argument(name: str, values: str | None = None, example: str | None = None) -> _Lines:
    extra = f' values="{values}"' if values is not None else ""
    extra += f' example-value="{example}"' if example is not None else ""
    return [
        (0, f'<argument name="{name}" location="param">'),
        (1, "<content>"),
        (2, '<encode type="text/plain"/>'),
        (2, "<structure>"),
        (3, f'<property type="string"{extra}/>'),
        (2, "</structure>"),
        (1, "</content>"),
        (0, "</argument>"),
    ]


def _operation(method: str, name: str, arguments: _Lines, response: _Lines) -> _Lines:
    head = f'<operation method="{method}" name="{name}" category="action">'
    return [(0, head), *((d + 1, t) for d, t in arguments + response), (0, "</operation>")]


def _token_response(fields: tuple[str, ...]) -> _Lines:
    properties = [
        (3, f'<property name="{name}" type="{"integer" if name == "expires_in" else "string"}"/>')
        for name in fields
    ]
    return [
        (0, '<response status="200">'),
        (1, "<content>"),
        (2, '<encode type="application/json"/>'),
        (2, "<structure>"),
        *properties,
        (2, "</structure>"),
        (1, "</content>"),
        (0, "</response>"),
    ]


def _authorization(scopes: str | None) -> _Lines:
    arguments = (
        _argument("scope", example=scopes)
        + _argument("client_id")
        + _argument("response_type", values="code")
        + _argument("access_type", values="offline,online")
        + _argument("redirect_uri")
    )
    return _operation("get", "Authorization Request", arguments, [(0, '<response status="302"/>')])


def _token_operation(scopes: str | None) -> _Lines:
    """The token call; it declares `scope` because a token call sends only declared arguments,
    and a profile's `scopes = [...]` (or the scopes the run needs) must still narrow the token."""
    arguments = (
        _argument("grant_type", values="authorization_code")
        + _argument("client_id")
        + _argument("client_secret")
        + _argument("code")
        + _argument("redirect_uri")
        + _argument("scope", example=scopes)
    )
    fields = ("access_token", "refresh_token", "expires_in", "token_type", "scope")
    return _operation("post", "Generate Access Token", arguments, _token_response(fields))


def _refresh_operation(scopes: str | None) -> _Lines:
    """The refresh call, with `scope` declared for the same reason as the token call's."""
    arguments = (
        _argument("grant_type", values="refresh_token")
        + _argument("refresh_token")
        + _argument("client_id")
        + _argument("client_secret")
        + _argument("scope", example=scopes)
    )
    fields = ("access_token", "expires_in", "token_type", "scope")
    return _operation("post", "Refresh Access Token", arguments, _token_response(fields))
