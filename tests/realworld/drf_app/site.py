"""Django settings, URLs and views of the drf-hal-json test API, configured in code.

Set up the way drf-hal-json's README says (its pagination, parser and
renderer as DRF defaults, ``URL_FIELD_NAME = "self"``), with a router for
authors and books. What it serves, as drf-hal-json 0.10 writes it:

* every link is a bare URL string (``"_links": {"self": "http://..."}``),
  a to-many relation an array of bare strings;
* a page's ``_embedded`` is an array, and its missing ``next``/``previous``
  are ``null``;
* the router's API root is plain JSON (``{"authors": "http://..."}``), no ``_links``;
* ``POST`` answers ``201`` with the new resource and its ``Location``;
* ``CommonMiddleware`` redirects a path without its trailing slash (``301``,
  relative ``Location``).
"""

from __future__ import annotations

import django
from django.conf import settings

PAGE_SIZE = 5


def setup(db_path: str) -> None:
    """Configure Django (once per process) with an SQLite database at ``db_path``."""
    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="halkit-tests-not-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF="realworld.drf_app.urls",
        INSTALLED_APPS=["rest_framework", "realworld.drf_app.apps.LibraryConfig"],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
        USE_TZ=True,
        REST_FRAMEWORK={
            "DEFAULT_PAGINATION_CLASS": "drf_hal_json.pagination.HalPageNumberPagination",
            "PAGE_SIZE": PAGE_SIZE,
            "DEFAULT_PARSER_CLASSES": ("drf_hal_json.parsers.JsonHalParser",),
            "DEFAULT_RENDERER_CLASSES": ("drf_hal_json.renderers.JsonHalRenderer",),
            "URL_FIELD_NAME": "self",
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
            "UNAUTHENTICATED_USER": None,
        },
    )
    django.setup()
