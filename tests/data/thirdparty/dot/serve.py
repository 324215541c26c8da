"""Serve the notes API on 127.0.0.1 behind django-oauth-toolkit: `python serve.py PORT DATABASE`.

Django, DRF and django-oauth-toolkit (DOT) configured in this one file: SQLite at DATABASE,
made afresh; the token endpoint at /o/token/; `/notes/` a ModelViewSet that DOT's
OAuth2Authentication and TokenHasReadWriteScope guard ("read" for reads, "write" for writes);
then Django's development server (no reloader), until it is stopped.

Made on start, from the environment (the test's values; nothing here is printed):
- DOT_CC_ID / DOT_CC_SECRET: a confidential application allowed the client-credentials grant;
- DOT_PW_ID / DOT_PW_SECRET: a confidential application allowed the password grant (so that a
  refresh token can be had), for the user `writer` whose password is DOT_USER_PASSWORD.
DOT_ACCESS_TOKEN_SECONDS sets the access tokens' lifetime (default 36000). Refresh tokens
rotate (DOT's default) with no grace period: a refresh token used twice is refused
(invalid_grant), and a refresh revokes the access token it replaced.

`/stats/` (open, no token) answers what the server saw: under `counts`, every call of the token
endpoint as `grant_type:status` (and `grant_type:error` when refused) and every call of /notes/
as `METHOD:status`; under `refreshed_at`, when each refresh was granted (epoch seconds).
DOT_DEFECTS (comma-separated) plants defects: "open-notes" lets anyone read and write the notes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
port, database = sys.argv[1], sys.argv[2]
defects = set(filter(None, os.environ.get("DOT_DEFECTS", "").split(",")))

from django.conf import settings  # noqa: E402

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1"],
    SECRET_KEY="apitest-tests-only",
    ROOT_URLCONF="notes.api",
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "oauth2_provider",
        "rest_framework",
        "notes",
    ],
    MIDDLEWARE=["notes.api.counting"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
    USE_TZ=True,
    OAUTH2_PROVIDER={
        "SCOPES": {"read": "Read the notes", "write": "Write the notes"},
        "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("DOT_ACCESS_TOKEN_SECONDS", "36000")),
        "ROTATE_REFRESH_TOKEN": True,
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    },
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "oauth2_provider.contrib.rest_framework.OAuth2Authentication"
        ],
        "DEFAULT_PERMISSION_CLASSES": [
            "rest_framework.permissions.AllowAny"
            if "open-notes" in defects
            else "oauth2_provider.contrib.rest_framework.TokenHasReadWriteScope"
        ],
        "UNAUTHENTICATED_USER": None,
    },
)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
writer = User.objects.create_user("writer", password=os.environ["DOT_USER_PASSWORD"])
Application.objects.create(
    name="apitest client credentials",
    client_id=os.environ["DOT_CC_ID"],
    client_secret=os.environ["DOT_CC_SECRET"],
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    user=writer,
)
Application.objects.create(
    name="apitest password",
    client_id=os.environ["DOT_PW_ID"],
    client_secret=os.environ["DOT_PW_SECRET"],
    client_type=Application.CLIENT_CONFIDENTIAL,
    authorization_grant_type=Application.GRANT_PASSWORD,
    user=writer,
)
call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, verbosity=0)
