"""Serve the books API on 127.0.0.1: `python serve.py PORT DATABASE TOKEN`.

Django and DRF configured in this one file: SQLite at DATABASE, made afresh; one user whose
DRF token is TOKEN; then Django's development server (no reloader), until it is stopped.
DRF_DEFECTS (comma-separated) plants defects, see books/api.py; "open-writes" lets anyone
write.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
port, database, token = sys.argv[1], sys.argv[2], sys.argv[3]
defects = set(filter(None, os.environ.get("DRF_DEFECTS", "").split(",")))

from django.conf import settings  # noqa: E402

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1"],
    SECRET_KEY="apitest-tests-only",
    ROOT_URLCONF="books.api",
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "rest_framework",
        "rest_framework.authtoken",
        "books",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
    USE_TZ=True,
    MEDIA_ROOT=str(Path(database).resolve().parent / "media"),
    MEDIA_URL="/media/",
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": [
            "rest_framework.permissions.AllowAny"
            if "open-writes" in defects
            else "rest_framework.permissions.IsAuthenticatedOrReadOnly"
        ],
        "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
        "PAGE_SIZE": 5,
    },
)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
user = User.objects.create_user("librarian", password="unused-in-tests")
Token.objects.create(user=user, key=token)
call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, verbosity=0)
