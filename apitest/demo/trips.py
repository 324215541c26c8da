"""The /trips endpoints, as specs/trips.xml declares them.

Order of checks on every call: token (401), scope (403), throttle (429, PUT only, counted per
client after the token is accepted), body (400), ids (404). Writes check ids against the
primary copy, reads see the lagged replica (see store.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apitest.demo.api import ApiError, DemoState, authorize, guarded, not_found, read_json, success
from apitest.demo.credentials import TRIPS_CREATE, TRIPS_DELETE, TRIPS_READ, TRIPS_UPDATE
from apitest.demo.store import JsonObject
from apitest.demo.validate import (
    INVALID_DATA,
    MANDATORY_NOT_FOUND,
    TRIP_ID,
    TRIP_REQUIRED,
    TRIP_RULES,
    InvalidInput,
    check_order,
    check_record,
    check_value,
    copy_known,
    parse_ids,
    records_in,
)


def routes(state: DemoState) -> list[Route]:
    """The trips routes of one service instance."""
    api = _Trips(state)
    return [
        Route("/api/v1/trips", guarded(state, api.list_records), methods=["GET"]),
        Route("/api/v1/trips", guarded(state, api.create), methods=["POST"]),
        Route("/api/v1/trips", guarded(state, api.update), methods=["PUT"]),
        Route("/api/v1/trips", guarded(state, api.delete), methods=["DELETE"]),
        Route("/api/v1/trips/{trip_id}", guarded(state, api.read), methods=["GET"]),
    ]


class _Trips:
    def __init__(self, state: DemoState) -> None:
        self.state = state
        self.config = state.config
        self.trips = state.store.trips

    async def list_records(self, request: Request) -> Response:
        authorize(self.state, request, TRIPS_READ)
        wanted = request.query_params.get("destination")
        records = [
            self._present(record)
            for record in self.trips.read_all()
            if wanted is None or record.get("destination") == wanted
        ]
        return JSONResponse({"trips": records})

    async def read(self, request: Request) -> Response:
        authorize(self.state, request, TRIPS_READ)
        trip_id = request.path_params["trip_id"]
        record = self.trips.read(trip_id)
        if record is None and trip_id.isdigit() and self.config.has_bug("unknown-id-empty"):
            return JSONResponse({"trips": []})  # a look-up by filter, its empty answer passed on
        if record is None:
            raise not_found("trip", [trip_id])
        return JSONResponse({"trips": [self._present(record)]})

    async def create(self, request: Request) -> Response:
        authorize(self.state, request, TRIPS_CREATE)
        records = records_in(await read_json(request), "trips")
        if self.config.has_bug("accepts-invalid"):
            ids = [self.trips.add(copy_known(record, TRIP_RULES)) for record in records]
        else:
            if len(records) != 1:
                raise InvalidInput(
                    INVALID_DATA, f"a create takes exactly one trip, got {len(records)}"
                )
            record = check_record(records[0], TRIP_RULES, TRIP_REQUIRED, "trips[0]", defaults=True)
            self._check_destination(record, "trips[0]")
            check_order(record, "trips[0]")
            ids = [self.trips.add(record)]
        status = 202 if self.config.has_bug("undeclared-status") else 201
        return success("Trip Created", status, {"trip_id": ids[0]})

    async def update(self, request: Request) -> Response:
        client = authorize(self.state, request, TRIPS_UPDATE)
        retry_after = self.state.put_throttle.hit(client)
        if retry_after is not None:
            raise ApiError(
                429,
                "TOO_MANY_REQUESTS",
                f"too many updates; try again in {retry_after} s",
                {"Retry-After": str(retry_after)},
            )
        changes = [
            self._change(index, record)
            for index, record in enumerate(records_in(await read_json(request), "trips"))
        ]
        missing = self.trips.missing(trip_id for trip_id, _ in changes)
        if missing:
            raise not_found("trip", missing)
        if not self.config.has_bug("accepts-invalid"):
            for index, (trip_id, fields) in enumerate(changes):
                check_order({**self.trips.current(trip_id), **fields}, f"trips[{index}]")
        if not self.config.has_bug("lost-update"):
            for trip_id, fields in changes:
                self.trips.update(trip_id, fields)
        return success("Trip Updated")

    async def delete(self, request: Request) -> Response:
        authorize(self.state, request, TRIPS_DELETE)
        ids = parse_ids(request.query_params.get("ids"))
        missing = self.trips.missing(ids)
        if missing:
            raise not_found("trip", missing)
        if not self.config.has_bug("delete-noop"):
            self.trips.delete(ids)
        return success("Trip Deleted")

    def _change(self, index: int, record: JsonObject) -> tuple[str, JsonObject]:
        """The trip id and the checked fields of one update record."""
        where = f"trips[{index}]"
        if record.get("trip_id") is None:
            raise InvalidInput(MANDATORY_NOT_FOUND, f"{where}.trip_id is required")
        if self.config.has_bug("accepts-invalid"):
            return str(record["trip_id"]), copy_known(record, TRIP_RULES)
        trip_id: str = check_value(TRIP_ID, record["trip_id"], f"{where}.trip_id")
        fields = check_record(record, TRIP_RULES, (), where, defaults=False)
        self._check_destination(fields, where)
        return trip_id, fields

    def _check_destination(self, record: JsonObject, where: str) -> None:
        """A trip's destination must name an existing destination (trips.xml `path`)."""
        name = record.get("destination")
        if name is None:
            return
        known = self.state.store.destinations.current_values("destination_name")
        if name not in known:
            raise InvalidInput(
                INVALID_DATA,
                f"{where}.destination {name!r} names no destination; see GET /destinations",
            )

    def _present(self, record: JsonObject) -> JsonObject:
        """A record as reads show it, bent by the read-side defect modes."""
        if self.config.has_bug("missing-field"):
            record.pop("trip_name", None)
        if self.config.has_bug("wrong-type") and "no_of_days" in record:
            record["no_of_days"] = str(record["no_of_days"])
        return record
