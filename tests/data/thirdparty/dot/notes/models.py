"""The model: a note, as a small notes API would hold it."""

from __future__ import annotations

from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=60)
    body = models.CharField(max_length=500, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "notes"
        ordering = ("id",)
