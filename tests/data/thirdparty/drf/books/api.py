"""The API: ModelViewSets on a DefaultRouter (`/books/`, `/books/{id}/`; `/documents/`, whose
`file` is uploaded as multipart/form-data and answered as the URL it is served at), paged by
page number, token-authenticated writes, reads open to anyone."""

from __future__ import annotations

import os

from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from books.models import Book, Document

DEFECTS = set(filter(None, os.environ.get("DRF_DEFECTS", "").split(",")))


DUE_FORMAT = "%d-%m-%Y %H:%M:%S %z"
"""`due` as a Java `dd-MM-yyyy HH:mm:ss Z` writes it; DRF answers it in the server's zone
(Django's default TIME_ZONE, America/Chicago), as Jackson's @JsonFormat(timezone = ...) does:
the moment sent, written at another offset."""


class BookSerializer(serializers.ModelSerializer[Book]):
    due = serializers.DateTimeField(
        format=DUE_FORMAT, input_formats=[DUE_FORMAT], required=False, allow_null=True
    )
    if "unchecked-pages" in DEFECTS:
        pages = serializers.IntegerField()  # the model's 1..5000 no longer checked

    class Meta:
        model = Book
        fields = ("id", "title", "pages", "genre", "available", "due", "created")
        read_only_fields = ("id", "created")

    def to_representation(self, instance: Book) -> dict[str, object]:
        shown = dict(super().to_representation(instance))
        if "pages-as-text" in DEFECTS:
            shown["pages"] = f"{shown['pages']} pages"
        return shown


class BookViewSet(viewsets.ModelViewSet[Book]):
    queryset = Book.objects.all()
    serializer_class = BookSerializer

    def perform_update(self, serializer: BookSerializer) -> None:
        if "lost-update" not in DEFECTS:
            serializer.save()


class DocumentSerializer(serializers.ModelSerializer[Document]):
    class Meta:
        model = Document
        fields = ("id", "title", "file", "created")
        read_only_fields = ("id", "created")

    def to_representation(self, instance: Document) -> dict[str, object]:
        shown = dict(super().to_representation(instance))
        if "hidden-file" in DEFECTS:
            del shown["file"]
        return shown


class DocumentViewSet(viewsets.ModelViewSet[Document]):
    queryset = Document.objects.all()
    serializer_class = DocumentSerializer


router = routers.DefaultRouter()
router.register("books", BookViewSet)
router.register("documents", DocumentViewSet)
urlpatterns = [path("", include(router.urls))]
