"""A trips API that speaks XML as ZEST's xml-format page lays it out, for
tests/data/zspec/xml-bodies.xml: bodies in the default format (`<root>`, each property a child
element, the `trips` items repeated), and the list in the page's customised form
(`<ns:trips-array xmlns:ns="http://example.com/namespace">` of `<ns:trip .../>` with the values
as attributes). Written with the standard library's XML parser, apart from apitest's reader.

Rules: trip_name and destination 1..40 characters and no_of_days a whole number 1..30, all
three required on create; no two trips of one name (409); confirmed true or false; no value may
be xsi:nil; an update changes what it is given. Defects: "wrong-type" (no_of_days answered as
words), "accepts-invalid" (no rule checked), "lost-update" (an update answers 200 and changes
nothing), "json-answers" (a single read answers JSON).
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Collection

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFECTS = frozenset({"wrong-type", "accepts-invalid", "lost-update", "json-answers"})
XML = "application/xml"
NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
NS = "http://example.com/namespace"
FIELDS = ("trip_name", "destination", "no_of_days", "confirmed")


def make_app(*, defects: Collection[str] = ()) -> Starlette:
    unknown = set(defects) - DEFECTS
    assert not unknown, f"unknown defects {unknown}"
    trips: dict[str, dict[str, str]] = {}
    ids = itertools.count(5545974000000087515)

    def shown(trip: dict[str, str]) -> dict[str, str]:
        if "wrong-type" in defects and "no_of_days" in trip:
            return {**trip, "no_of_days": f"{trip['no_of_days']} days"}
        return trip

    async def collection(request: Request) -> Response:
        if request.method == "GET":
            root = ET.Element(f"{{{NS}}}trips-array")
            for trip in trips.values():
                ET.SubElement(root, f"{{{NS}}}trip", shown(trip))
            ET.register_namespace("ns", NS)
            return Response(ET.tostring(root, encoding="unicode"), media_type=XML)
        given, problem = _read(await request.body(), create=True, defects=defects)
        if problem:
            return _problem("INVALID", problem, 400)
        if _taken(trips, given, None):
            return _problem("DUPLICATE", f"a trip named {given['trip_name']} exists", 409)
        trip = {"trip_id": str(next(ids)), **given}
        trips[trip["trip_id"]] = trip
        return _one(shown(trip), 201)

    async def single(request: Request) -> Response:
        trip_id = request.path_params["trip_id"]
        if trip_id not in trips:
            return _problem("NOT_FOUND", f"no trip {trip_id}", 404)
        if request.method == "DELETE":
            del trips[trip_id]
            return Response(status_code=204)
        if request.method == "PUT":
            given, problem = _read(await request.body(), create=False, defects=defects)
            if not problem and given.get("trip_id", trip_id) != trip_id:
                problem = "trip_id is not the trip's"
            if problem:
                return _problem("INVALID", problem, 400)
            if _taken(trips, given, trip_id):
                return _problem("DUPLICATE", f"a trip named {given['trip_name']} exists", 409)
            if "lost-update" not in defects:
                trips[trip_id].update({k: v for k, v in given.items() if k != "trip_id"})
        if "json-answers" in defects:
            return JSONResponse({"trips": [shown(trips[trip_id])]})
        return _one(shown(trips[trip_id]), 200)

    app = Starlette(
        routes=[
            Route("/api/v1/trips", collection, methods=["GET", "POST"]),
            Route("/api/v1/trips/{trip_id}", single, methods=["GET", "PUT", "DELETE"]),
        ]
    )
    app.state.calls = []
    app.state.trips = trips
    return app


def _read(raw: bytes, *, create: bool, defects: Collection[str]) -> tuple[dict[str, str], str]:
    """The trip a body gives (`<root><trips>...</trips></root>`), or why it is refused."""
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        return {}, f"not XML: {exc}"
    items = root.findall("trips")
    if len(items) != 1:
        return {}, "give one <trips> element"
    if items[0].get(NIL) in ("true", "1") or (items[0].text or "").strip():
        return {}, "<trips> must hold a trip's elements"
    given: dict[str, str] = {}
    for child in items[0]:
        if child.get(NIL) in ("true", "1"):
            return {}, f"{child.tag} may not be nil"
        if child.tag in (*FIELDS, "trip_id"):
            given[child.tag] = child.text or ""
    if "accepts-invalid" in defects:
        return given, ""
    return given, _problem_of(given, create)


def _taken(trips: dict[str, dict[str, str]], given: dict[str, str], own: str | None) -> bool:
    """Another trip has the name given (names are unique)."""
    name = given.get("trip_name")
    return name is not None and any(
        trip.get("trip_name") == name for key, trip in trips.items() if key != own
    )


def _problem_of(given: dict[str, str], create: bool) -> str:
    for name in ("trip_name", "destination"):
        if name in given and not 1 <= len(given[name]) <= 40:
            return f"{name} must be 1 to 40 characters"
    days = given.get("no_of_days")
    if days is not None and not (days.isdigit() and 1 <= int(days) <= 30):
        return "no_of_days must be a whole number from 1 to 30"
    if given.get("confirmed", "true") not in ("true", "false"):
        return "confirmed must be true or false"
    missing = [name for name in FIELDS[:3] if name not in given]
    return f"{', '.join(missing)} required" if create and missing else ""


def _one(trip: dict[str, str], status: int) -> Response:
    root = ET.Element("root")
    item = ET.SubElement(root, "trips")
    for name, value in trip.items():
        ET.SubElement(item, name).text = value
    return Response(ET.tostring(root, encoding="unicode"), status_code=status, media_type=XML)


def _problem(code: str, message: str, status: int) -> Response:
    root = ET.Element("root")
    ET.SubElement(root, "code").text = code
    ET.SubElement(root, "message").text = message
    body = ET.tostring(root, encoding="unicode")
    return Response(body, status_code=status, media_type=XML)
