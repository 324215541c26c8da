"""localstripe (PyPI), a fake of Stripe's API, on 127.0.0.1:PORT, keeping nothing on disk,
with defects planted by name.

    python serve.py PORT [DEFECT,...]

Its own command listens on every interface and saves its store to /tmp/localstripe.pickle
after each write (one file for every instance on the machine); this serves the same
application on the loopback only, in memory. Defects:
- `lost-update`: an update (`POST /v1/customers/{id}`) answers 200 with the customer as it
  was, changing nothing.
- `kept-delete`: a delete (`DELETE /v1/customers/{id}`) answers 200 `{"id", "deleted": true}`
  and deletes nothing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Awaitable, Callable

from aiohttp import web
from localstripe.resources import Customer, store
from localstripe.server import app

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEFECTS = {"lost-update", "kept-delete"}


@web.middleware
async def lost_update(request: web.Request, handler: Handler) -> web.StreamResponse:
    found = re.fullmatch(r"/v1/customers/(cus_\w+)", request.path)
    if request.method != "POST" or found is None:
        return await handler(request)
    await request.read()
    return web.json_response(Customer._api_retrieve(found[1])._export())


@web.middleware
async def kept_delete(request: web.Request, handler: Handler) -> web.StreamResponse:
    found = re.fullmatch(r"/v1/customers/(cus_\w+)", request.path)
    if request.method != "DELETE" or found is None:
        return await handler(request)
    Customer._api_retrieve(found[1])  # an unknown customer is still a 404
    return web.json_response({"id": found[1], "object": "customer", "deleted": True})


def main(port: int, defects: set[str]) -> None:
    unknown = defects - DEFECTS
    if unknown:
        sys.exit(f"unknown defect(s): {', '.join(sorted(unknown))}")
    store.dump_to_disk = lambda: None
    if "lost-update" in defects:
        app.middlewares.append(lost_update)  # after localstripe's own: the token is checked
    if "kept-delete" in defects:
        app.middlewares.append(kept_delete)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]), set(filter(None, (sys.argv[2] if len(sys.argv) > 2 else "").split(","))))
