"""ZEST's structural forms in the loader, their deprecated aliases, and the `<info limit>` cap."""

from __future__ import annotations

import asyncio
from pathlib import Path

from apitest.engine.limit import RecordCap
from apitest.zspec.loader import LoadResult, load

OP = """  <url path="/things">
    <operation method="post" name="POST things" category="create">
{parts}
      <response status="201"/>
    </operation>
  </url>
"""


def _load(tmp_path: Path, body: str, parts: str = "") -> LoadResult:
    path = tmp_path / "things.xml"
    path.write_text(
        f'<resource name="things">\n{body}{OP.format(parts=parts)}</resource>\n', "utf-8"
    )
    return load([path])


def _warnings(result: LoadResult) -> list[tuple[int, str, str]]:
    return [(d.line, d.message, d.hint) for d in result.diagnostics.warnings]


def test_info_contact_and_license_aliases_warn_and_still_load(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        '  <info title="T" version="1">\n'
        '    <contact name="Ops" email="ops@example.com"/>\n'
        '    <license name="MIT" url="https://mit.example"/>\n'
        "  </info>\n",
    )
    assert not result.diagnostics.errors
    assert _warnings(result) == [
        (
            3,
            "deprecated form <contact>: apitest's earlier spelling, read for now",
            "write ZEST's official form <contact-details>",
        ),
        (
            4,
            "deprecated form <license>: apitest's earlier spelling, read for now",
            "write ZEST's official form <license-details>",
        ),
    ]
    assert result.catalog is not None
    info = result.catalog.resources[0].info
    assert info is not None and info.contact is not None and info.license is not None
    assert (info.contact.email, info.license.name) == ("ops@example.com", "MIT")


def test_tag_description_attribute_is_an_alias_of_the_child(tmp_path: Path) -> None:
    result = _load(tmp_path, "", '      <tag name="Ops" description="Back office"/>')
    assert [w[1] for w in _warnings(result)] == [
        'deprecated form <tag description="...">: apitest\'s earlier spelling, read for now'
    ]
    assert result.catalog is not None
    op = result.catalog.resources[0].operation("POST things")
    assert op is not None and [(t.name, t.description) for t in op.tags] == [("Ops", "Back office")]


def test_variable_default_is_an_apitest_extension_that_warns(tmp_path: Path) -> None:
    """ZEST's default of a server variable is the first of its values; apitest's `default`
    still works, and lint says how to write it in ZEST's terms."""
    result = _load(
        tmp_path,
        '  <server name="s" url="http://h/{v}">\n'
        '    <variable name="v" values="a,b" default="b"/>\n'
        "  </server>\n",
    )
    assert _warnings(result) == [
        (
            3,
            'deprecated form <variable default="b">: apitest\'s earlier spelling, read for now',
            "write ZEST's official form <variable values=...> with the default first "
            "(ZEST's default)",
        )
    ]
    assert result.catalog is not None
    (variable,) = result.catalog.resources[0].servers[0].variables
    assert (variable.values, variable.default) == (("a", "b"), "b")


def test_unknown_visibility_is_an_error_naming_the_choices(tmp_path: Path) -> None:
    result = _load(tmp_path, '  <server name="s" url="http://x" visibility="secret"/>\n')
    (error,) = result.diagnostics.errors
    assert error.message == "'visibility' must be one of public, internal, private, not 'secret'"


def test_several_request_bodies_and_authentications_first_is_used(tmp_path: Path) -> None:
    parts = """      <request-body name="json"><content><encode type="application/json"/></content>
      </request-body><request-body name="form"><content><encode type="text/plain"/></content>
      </request-body>
      <authentication type="oauth2" name="Authorization" location="header" scopes="a.CREATE"/>
      <authentication type="token" name="X-Token" location="header"/>"""
    result = _load(tmp_path, "", parts)
    assert not result.diagnostics.errors
    assert [w[1] for w in _warnings(result)] == [
        "operation declares 2 <request-body> elements; apitest tests with the first (line 4) "
        "and keeps the others as documentation",
        "operation declares 2 <authentication> elements; apitest tests with the first "
        "(line 7) and keeps the others as documentation",
    ]
    assert result.catalog is not None
    op = result.catalog.resources[0].operation("POST things")
    assert op is not None and op.request_body is not None and op.authentication is not None
    assert (op.request_body.name, op.authentication.type) == ("json", "oauth2")
    assert [b.name for b in op.request_bodies] == ["json", "form"]
    assert [a.name for a in op.authentications] == ["Authorization", "X-Token"]


# --- <info limit>: the cap -------------------------------------------------------------------
def test_cap_waits_for_a_delete_then_goes_on() -> None:
    async def scenario() -> list[str]:
        cap = RecordCap("trips", 1)
        order: list[str] = []
        assert await cap.reserve("a")
        cap.settle("a", 1)  # chain a made its record

        async def chain_b() -> None:
            assert await cap.reserve("b")
            order.append("b created")

        waiter = asyncio.ensure_future(chain_b())
        await asyncio.sleep(0.01)
        order.append("a deletes")
        cap.deleted("a")
        await waiter
        return order

    assert asyncio.run(scenario()) == ["a deletes", "b created"]


def test_cap_gives_up_when_no_running_chain_can_free_a_slot() -> None:
    async def scenario() -> tuple[bool, bool]:
        cap = RecordCap("trips", 1)
        assert await cap.reserve("a")
        cap.settle("a", 1)

        async def chain_b() -> bool:
            return await cap.reserve("b")

        waiter = asyncio.ensure_future(chain_b())
        await asyncio.sleep(0.01)
        still_waiting = not waiter.done()
        cap.chain_done("a")  # a ended with its record still live: nobody will delete it
        return still_waiting, await waiter

    assert asyncio.run(scenario()) == (True, False)


def test_cap_counts_a_failed_create_as_nothing_and_a_bulk_as_all_it_made() -> None:
    async def scenario() -> list[int]:
        cap = RecordCap("trips", 5)
        taken = []
        assert await cap.reserve("a")
        cap.settle("a", 0)
        taken.append(cap.taken)
        assert await cap.reserve("a")
        cap.settle("a", 3)
        taken.append(cap.taken)
        return taken

    assert asyncio.run(scenario()) == [0, 3]
    cap = RecordCap("trips", 1, held={"a": 1})
    assert "1 trips record(s)" in cap.full_message()
