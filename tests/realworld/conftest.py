"""Fixtures starting real third-party HAL servers on 127.0.0.1 (port 0, in a thread).

* ``drf``: a Django REST Framework API rendered by **drf-hal-json** (Django
  configured in code, SQLite in a temporary file, served by a threading
  wsgiref server), reseeded before each test;
* ``flask_hal``: a Flask-RESTful API rendered by **flask-restful-hal**, a
  fresh in-memory store and server per test;
* ``eve``: an **Eve** API (Flask + Cerberus), with mongomock standing in for
  MongoDB, a fresh database and server per test.
"""

from __future__ import annotations

import itertools
from typing import Iterator, List

import pytest

from .seed import DRF_AUTHORS, DRF_BOOKS, FLASK_AUTHORS, FLASK_BOOKS
from .wsgi import WSGIThread


class DRFServer(WSGIThread):
    """The drf-hal-json API; :attr:`root` is its router's API root."""

    @property
    def root(self) -> str:
        return self.url("/api/")

    def book_ids(self) -> List[int]:
        from .drf_app.models import Book

        return list(Book.objects.order_by("id").values_list("id", flat=True))

    def author_ids(self) -> List[int]:
        from .drf_app.models import Author

        return list(Author.objects.order_by("id").values_list("id", flat=True))

    def book_count(self) -> int:
        from .drf_app.models import Book

        return int(Book.objects.count())


@pytest.fixture(scope="session")
def _drf_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DRFServer]:
    from .drf_app import site

    site.setup(str(tmp_path_factory.mktemp("drf") / "db.sqlite3"))
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    call_command("migrate", run_syncdb=True, verbosity=0)
    server = DRFServer(get_wsgi_application())
    yield server
    server.close()
    connections.close_all()


@pytest.fixture
def drf(_drf_server: DRFServer) -> DRFServer:
    """The drf-hal-json API with exactly the seed data."""
    from .drf_app.models import Author, Book

    Book.objects.all().delete()
    Author.objects.all().delete()
    authors = [Author.objects.create(name=name) for name in DRF_AUTHORS]
    for i in range(DRF_BOOKS):
        Book.objects.create(title=f"Book {i}", year=1960 + i, author=authors[i % len(authors)])
    return _drf_server


@pytest.fixture
def flask_hal() -> Iterator[WSGIThread]:
    """The flask-restful-hal API (under ``/api``) with exactly the seed data."""
    from .flask_app import Store, create_app

    store = Store()
    author_ids = [store.add_author(name) for name in FLASK_AUTHORS]
    for i in range(FLASK_BOOKS):
        store.add_book(f"Volume {i}", author_ids[i % len(author_ids)])
    server = WSGIThread(create_app(store))
    server.store = store  # type: ignore[attr-defined]
    yield server
    server.close()


_EVE_DBS = itertools.count()

#: The Eve API: people, and messages whose author relates to a person.
EVE_SETTINGS = {
    "MONGO_HOST": "localhost",
    "MONGO_PORT": 27017,
    "RESOURCE_METHODS": ["GET", "POST"],
    "ITEM_METHODS": ["GET", "PATCH", "PUT", "DELETE"],
    "PAGINATION_DEFAULT": 5,
    "DOMAIN": {
        "people": {"schema": {"name": {"type": "string", "required": True, "unique": True}}},
        "messages": {"schema": {
            "text": {"type": "string", "required": True},
            "author": {"type": "objectid", "data_relation": {"resource": "people", "embeddable": True}},
        }},
    },
}


@pytest.fixture
def eve(monkeypatch: pytest.MonkeyPatch) -> Iterator[WSGIThread]:
    """An Eve API at ``/`` (fresh mongomock database), served on 127.0.0.1."""
    pytest.importorskip("eve")
    mongomock = pytest.importorskip("mongomock")
    import eve.io.mongo.flask_pymongo as flask_pymongo
    from eve import Eve

    monkeypatch.setattr(flask_pymongo, "MongoClient", mongomock.MongoClient)
    settings = dict(EVE_SETTINGS, MONGO_DBNAME=f"halkit{next(_EVE_DBS)}")  # mongomock clients share data
    server = WSGIThread(Eve(settings=settings))
    yield server
    server.close()
