"""The models: a book, as a DRF API of a library would hold it, and a document with an
uploaded file."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=40, unique=True)
    pages = models.IntegerField(validators=[MinValueValidator(1), MaxValueValidator(5000)])
    genre = models.CharField(
        max_length=20, choices=[("fiction", "fiction"), ("science", "science")]
    )
    available = models.BooleanField(default=True)
    due = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "books"
        ordering = ("id",)


class Document(models.Model):
    title = models.CharField(max_length=40)
    file = models.FileField(upload_to="documents/")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "books"
        ordering = ("id",)
