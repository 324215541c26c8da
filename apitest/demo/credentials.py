"""The fixed demo credentials of the reference service, and the scopes it knows.

These are public demo values, printed by `apitest serve` on purpose: they open nothing but a
throw-away in-memory service on 127.0.0.1. Fixed values let a suite file name them without a
set-up step. The service knows exactly one OAuth client:

- client id ``DEMO_CLIENT_ID`` = ``1000.TRAVELDEMOCLIENT00000000000``
- client secret ``DEMO_CLIENT_SECRET`` = ``travel-demo-client-secret-0000000000000000``
- refresh token ``DEMO_REFRESH_TOKEN`` = ``1000.travel-demo-refresh-token.00000000000000``,
  granting every scope; like every refresh token here it rotates, so it works for one refresh
  per server start (keep the refresh token each answer returns)
- grant code ``DEMO_GRANT_CODE`` = ``1000.travel-demo-grant-code.0000000000000000``, granting
  every scope, exchangeable once per server start (grant_type=authorization_code)

`client_credentials` with the id and secret above gives an access token (no refresh token)
at any time, for the scopes asked for or, without `scope`, for every scope.
"""

from __future__ import annotations

DEMO_CLIENT_ID = "1000.TRAVELDEMOCLIENT00000000000"
DEMO_CLIENT_SECRET = "travel-demo-client-secret-0000000000000000"
DEMO_REFRESH_TOKEN = "1000.travel-demo-refresh-token.00000000000000"
DEMO_GRANT_CODE = "1000.travel-demo-grant-code.0000000000000000"

TRIPS_READ = "TravelAgency.trips.READ"
TRIPS_CREATE = "TravelAgency.trips.CREATE"
TRIPS_UPDATE = "TravelAgency.trips.UPDATE"
TRIPS_DELETE = "TravelAgency.trips.DELETE"
DESTINATIONS_READ = "TravelAgency.destinations.READ"
DESTINATIONS_CREATE = "TravelAgency.destinations.CREATE"
DESTINATIONS_DELETE = "TravelAgency.destinations.DELETE"

# Order: trips.xml's scopes first, then destinations.xml's (as the services' answers list them).
ALL_SCOPES: tuple[str, ...] = (
    TRIPS_READ,
    TRIPS_CREATE,
    TRIPS_UPDATE,
    TRIPS_DELETE,
    DESTINATIONS_READ,
    DESTINATIONS_CREATE,
    DESTINATIONS_DELETE,
)
