"""The API: a ModelViewSet of notes on a DefaultRouter (`/notes/`, `/notes/{id}/`), guarded as
serve.py configures; DOT's token endpoint at `/o/token/`; `/stats/`, what the server saw, and
the middleware that counts it."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from notes.models import Note

SEEN: Counter[str] = Counter()
REFRESHED_AT: list[float] = []
"""When each refresh the token endpoint granted was answered (epoch seconds)."""
_SEEN_LOCK = threading.Lock()


def counting(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """Count the token endpoint's calls by grant type and answer, and the notes' calls."""

    def middleware(request: HttpRequest) -> HttpResponse:
        grant = ""
        if request.path == "/o/token/":
            form = parse_qs(request.body.decode("utf-8", "replace"))
            grant = (form.get("grant_type") or ["-"])[0]
        response = get_response(request)
        keys: list[str] = []
        if grant:
            keys.append(f"{grant}:{response.status_code}")
            if response.status_code >= 400:
                try:
                    error = json.loads(response.content).get("error", "?")
                except ValueError:
                    error = "?"
                keys.append(f"{grant}:{error}")
        elif request.path.startswith("/notes/"):
            keys.append(f"{request.method}:{response.status_code}")
        with _SEEN_LOCK:
            SEEN.update(keys)
            if grant == "refresh_token" and response.status_code == 200:
                REFRESHED_AT.append(time.time())
        return response

    return middleware


def stats(request: HttpRequest) -> JsonResponse:
    with _SEEN_LOCK:
        return JsonResponse({"counts": dict(SEEN), "refreshed_at": REFRESHED_AT})


class NoteSerializer(serializers.ModelSerializer[Note]):
    class Meta:
        model = Note
        fields = ("id", "title", "body", "created")
        read_only_fields = ("id", "created")


class NoteViewSet(viewsets.ModelViewSet[Note]):
    queryset = Note.objects.all()
    serializer_class = NoteSerializer


router = routers.DefaultRouter()
router.register("notes", NoteViewSet)
urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("stats/", stats),
    path("", include(router.urls)),
]
