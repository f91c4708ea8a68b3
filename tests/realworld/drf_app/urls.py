"""Serializers, views and URLs of the drf-hal-json test API (imported by Django after setup)."""

from __future__ import annotations

from django.urls import include, path
from drf_hal_json.serializers import HalModelSerializer
from drf_hal_json.views import HalCreateModelMixin
from rest_framework import routers, viewsets

from .models import Author, Book


class AuthorSerializer(HalModelSerializer):  # type: ignore[misc]
    class Meta:
        model = Author
        fields = ["self", "id", "name", "books"]
        extra_kwargs = {"books": {"read_only": True}}


class BookSerializer(HalModelSerializer):  # type: ignore[misc]
    class Meta:
        model = Book
        fields = ["self", "id", "title", "year", "author"]


class AuthorViewSet(HalCreateModelMixin, viewsets.ModelViewSet):  # type: ignore[misc]
    queryset = Author.objects.all()
    serializer_class = AuthorSerializer


class BookViewSet(HalCreateModelMixin, viewsets.ModelViewSet):  # type: ignore[misc]
    queryset = Book.objects.all()
    serializer_class = BookSerializer


router = routers.DefaultRouter()
router.register("authors", AuthorViewSet)
router.register("books", BookViewSet)

urlpatterns = [path("api/", include(router.urls))]
