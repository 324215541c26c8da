"""Serve the notes API on 127.0.0.1: `python serve.py PORT DATABASE USER:KEY`.

Django and django-tastypie configured in this one file: SQLite at DATABASE, made afresh; one
user whose tastypie API key is KEY; then Django's development server (no reloader), until it
is stopped. TASTYPIE_DEFECTS plants defects, see notes/api.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
port, database, credential = sys.argv[1], sys.argv[2], sys.argv[3]
username, key = credential.split(":", 1)

from django.conf import settings  # noqa: E402

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1"],
    SECRET_KEY="apitest-tests-only",
    ROOT_URLCONF="notes.api",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "tastypie", "notes"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
    USE_TZ=True,
)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from tastypie.models import ApiKey  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
user = User.objects.create_user(username, password="unused-in-tests")
ApiKey.objects.filter(user=user).delete()  # tastypie makes one on its own when a user is saved
ApiKey.objects.create(user=user, key=key)
call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, verbosity=0)
