"""The /destinations endpoints, as specs/destinations.xml declares them.

Destinations have no update. Deleting one that trips still name is allowed: the spec declares
no such constraint, and the runner's cleanup deletes trips first anyway.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apitest.demo.api import DemoState, authorize, guarded, not_found, read_json, success
from apitest.demo.credentials import DESTINATIONS_CREATE, DESTINATIONS_DELETE, DESTINATIONS_READ
from apitest.demo.validate import (
    DESTINATION_REQUIRED,
    DESTINATION_RULES,
    INVALID_DATA,
    InvalidInput,
    check_record,
    copy_known,
    parse_ids,
    records_in,
)


def routes(state: DemoState) -> list[Route]:
    """The destinations routes of one service instance."""
    api = _Destinations(state)
    return [
        Route("/api/v1/destinations", guarded(state, api.list_records), methods=["GET"]),
        Route("/api/v1/destinations", guarded(state, api.create), methods=["POST"]),
        Route("/api/v1/destinations", guarded(state, api.delete), methods=["DELETE"]),
        Route("/api/v1/destinations/{destination_id}", guarded(state, api.read), methods=["GET"]),
    ]


class _Destinations:
    def __init__(self, state: DemoState) -> None:
        self.state = state
        self.config = state.config
        self.destinations = state.store.destinations

    async def list_records(self, request: Request) -> Response:
        authorize(self.state, request, DESTINATIONS_READ)
        return JSONResponse({"destinations": self.destinations.read_all()})

    async def read(self, request: Request) -> Response:
        authorize(self.state, request, DESTINATIONS_READ)
        destination_id = request.path_params["destination_id"]
        record = self.destinations.read(destination_id)
        if record is None:
            raise not_found("destination", [destination_id])
        return JSONResponse({"destinations": [record]})

    async def create(self, request: Request) -> Response:
        authorize(self.state, request, DESTINATIONS_CREATE)
        records = records_in(await read_json(request), "destinations")
        if self.config.has_bug("accepts-invalid"):
            ids = [self.destinations.add(copy_known(r, DESTINATION_RULES)) for r in records]
        else:
            if len(records) != 1:
                raise InvalidInput(
                    INVALID_DATA, f"a create takes exactly one destination, got {len(records)}"
                )
            record = check_record(
                records[0],
                DESTINATION_RULES,
                DESTINATION_REQUIRED,
                "destinations[0]",
                defaults=True,
            )
            ids = [self.destinations.add(record)]
        status = 202 if self.config.has_bug("undeclared-status") else 201
        return success("Destination Created", status, {"destination_id": ids[0]})

    async def delete(self, request: Request) -> Response:
        authorize(self.state, request, DESTINATIONS_DELETE)
        ids = parse_ids(request.query_params.get("ids"))
        missing = self.destinations.missing(ids)
        if missing:
            raise not_found("destination", missing)
        if not self.config.has_bug("delete-noop"):
            self.destinations.delete(ids)
        return success("Destination Deleted")
