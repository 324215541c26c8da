"""One model: a note."""

from __future__ import annotations

from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=40)
    body = models.TextField(blank=True, default="")
    stars = models.IntegerField(default=0)

    class Meta:
        app_label = "notes"
        ordering = ("id",)
