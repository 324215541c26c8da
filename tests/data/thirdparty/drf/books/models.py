"""One model: a book, as a DRF API of a library would hold it."""

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
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "books"
        ordering = ("id",)
