"""Which calls and values address a resource's own records: its primary keys, the URL
variables and properties whose values its records give, and whether an operation needs a
record that exists.

The planner asks it which records a chain must hold and which URL variables get an Unknown
Key case; the engine asks it how to fill a request's keys, whether a 404 means a lost record,
and which body properties the run must not make up. It stands apart from graph.py because it
answers about one resource and one call, not about the order of the run: the chains and their
dependencies are the graph's concern, and both sides import this without importing the other.
"""

from __future__ import annotations

from collections.abc import Iterator

from apitest.plan.cases import request_content
from apitest.zspec.model import Argument, Operation, Property, Resource, Structure
from apitest.zspec.scopes import Category
from apitest.zspec.urls import url_variables


def primary_key_names(resource: Resource) -> list[str]:
    """Key names: each `<primary name>`, else its path's last step."""
    config = resource.resource_config
    if config is None or config.path_config is None:
        return []
    return [primary.key for primary in config.path_config.primaries]


def takes_own_records(resource: Resource, prop: Property | None) -> bool:
    """Whether `prop`'s value comes from the resource's own records (`path="trips:$.trip_id"`
    on a trips argument or body property): a call sending it addresses that record."""
    return prop is not None and prop.records_of == resource.name


def names_the_record(resource: Resource, arg: Argument) -> bool:
    """A URL variable that addresses the record itself: its value's path names the resource's
    own records, or, with no path, it is named as a primary key (`{id}` for `$.id`)."""
    if arg.location != "variable":
        return False
    prop = arg.value_property
    if prop is not None and prop.path is not None:
        return takes_own_records(resource, prop)
    return arg.name in primary_key_names(resource)


def own_record_properties(
    resource: Resource, structure: Structure, category: Category
) -> Iterator[Property]:
    """The body properties a request of `category` must send that take their value from the
    resource's own records (the record the call addresses), at any depth where each property
    above them must be sent too: DynamoDB's GetItem sends `{"Key": {"id": {"S": ...}}}`."""

    def walk(shape: Structure, above: tuple[int, ...]) -> Iterator[Property]:
        if id(shape) in above:  # a structure that holds itself (a tree's children)
            return
        for prop in shape.properties:
            if not prop.required_for.applies("request", category):
                continue
            if takes_own_records(resource, prop):
                yield prop
            elif prop.structure is not None:
                yield from walk(prop.structure, (*above, id(shape)))

    return walk(structure, ())


def needs_own_record(resource: Resource, op: Operation) -> bool:
    """Whether the call addresses an existing record of its resource: a key in its URL, an
    argument or a body property it must send taking the resource's own records (a create's
    never does: it makes the record), or a body keyed to the record (update, delete)."""
    keys = set(primary_key_names(resource))
    if keys & set(url_variables(op.url_path)):
        return True
    if any(takes_own_records(resource, arg.value_property) for arg in op.arguments):
        return True
    content = request_content(op)
    body = content.structure if content is not None and op.category != "create" else None
    if body is not None and next(own_record_properties(resource, body, op.category), None):
        return True
    if body is not None and body.listed is not None:
        return False  # a body of many records addresses no one of them (Mockoon's PUT /tasks)
    return op.category in ("update", "delete") and op.request_body is not None and bool(keys)
