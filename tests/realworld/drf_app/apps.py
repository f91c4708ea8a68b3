from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "realworld.drf_app"
    label = "library"
    default_auto_field = "django.db.models.AutoField"
