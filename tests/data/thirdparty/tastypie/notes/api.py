"""The API: one ModelResource as tastypie's tutorial writes it, at `/api/v1/notes/`, with
tastypie's defaults: a create answers 201 with an empty body and the new note's URL in
`Location`, an update 204; writes and reads need `Authorization: ApiKey user:key`.
TASTYPIE_DEFECTS (comma-separated) plants defects:
- `lost-create`: a create answers 201 and a Location, and the note is gone at once;
- `lost-update`: an update answers 204 and changes nothing;
- `kept-delete`: a delete answers 204 and deletes nothing.
"""

from __future__ import annotations

import os
from typing import Any

from django.urls import include, path
from tastypie.api import Api
from tastypie.authentication import ApiKeyAuthentication
from tastypie.authorization import Authorization
from tastypie.resources import ModelResource

from notes.models import Note

DEFECTS = set(filter(None, os.environ.get("TASTYPIE_DEFECTS", "").split(",")))


class NoteResource(ModelResource):  # type: ignore[misc]
    class Meta:
        queryset = Note.objects.all()
        resource_name = "notes"
        authentication = ApiKeyAuthentication()
        authorization = Authorization()
        allowed_methods = ("get", "post", "put", "delete")

    def obj_create(self, bundle: Any, **kwargs: Any) -> Any:
        made = super().obj_create(bundle, **kwargs)
        if "lost-create" in DEFECTS:
            Note.objects.filter(pk=made.obj.pk).delete()
        return made

    def save(self, bundle: Any, skip_errors: bool = False) -> Any:
        if "lost-update" in DEFECTS and bundle.obj.pk is not None:
            return bundle
        return super().save(bundle, skip_errors)

    def obj_delete(self, bundle: Any, **kwargs: Any) -> Any:
        if "kept-delete" in DEFECTS:
            return None
        return super().obj_delete(bundle, **kwargs)


api = Api(api_name="v1")
api.register(NoteResource())
urlpatterns = [path("api/", include(api.urls))]
