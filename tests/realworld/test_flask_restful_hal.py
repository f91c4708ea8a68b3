"""halkit against flask-restful-hal (Flask-RESTful), a real third-party HAL server.

flask-restful-hal 0.2 writes proper link objects, but builds hrefs from the
route rules without the ``Api`` prefix: under ``/api`` a book's self link
is ``/books/3``, relative to the API root rather than to the host. halkit
resolves such hrefs when the client opts in with ``relative_hrefs="api-root"``.
"""

from __future__ import annotations

from typing import List, Tuple

import pytest

import halkit

from .compat import record_compat
from .flask_app import PAGE_SIZE
from .seed import FLASK_AUTHORS, FLASK_BOOKS
from .wsgi import WSGIThread


def _client(server: WSGIThread, **kwargs: object) -> halkit.Client:
    return halkit.Client(server.url("/api/"), relative_hrefs="api-root", retries=0, **kwargs)  # type: ignore[arg-type]


def _walk(first: halkit.Resource) -> Tuple[List[int], int]:
    it = first.items("books")
    ids = [item["id"] for item in it]
    return ids, it.pages_fetched + 1


def test_hrefs_relative_to_the_api_root_need_the_policy(flask_hal: WSGIThread) -> None:
    client = halkit.Client(flask_hal.url("/api/"), retries=0)
    root = client.root()
    assert root.link("books").url == flask_hal.url("/books")  # RFC 3986: the host's /books
    with pytest.raises(halkit.NotFoundError):
        root.follow("books")
    assert _client(flask_hal).root().link("books").url == flask_hal.url("/api/books")


def test_walk_books_page_by_page(flask_hal: WSGIThread) -> None:
    client = _client(flask_hal)
    with record_compat() as seen:
        first = client.root().follow("books")
        ids, pages = _walk(first)
    assert seen.kinds == []  # flask-restful-hal writes spec-conforming HAL
    assert first["total"] == FLASK_BOOKS
    assert ids == list(range(1, FLASK_BOOKS + 1))
    assert len(ids) == 10
    assert pages == 3  # 4 + 4 + 2
    assert PAGE_SIZE == 4
    # each page (and each item) came from the server under /api
    assert first.embedded("books")[0].url == flask_hal.url("/api/books/1")


def test_follow_book_to_author_embedded_and_linked(flask_hal: WSGIThread) -> None:
    client = _client(flask_hal)
    with record_compat() as seen:
        book = client.root().follow("book", id=3)
        before = client.request_count
        cached = book.follow("author")  # embedded: no request
        assert client.request_count == before
        fetched = book.follow("author", embedded=False)
        assert client.request_count == before + 1
        titles = [link.follow()["title"] for link in fetched.links["books"]]
    assert seen.kinds == []
    assert book["title"] == "Volume 2" and book.url == flask_hal.url("/api/books/3")
    assert cached["name"] == fetched["name"] == FLASK_AUTHORS[0]
    assert cached.url == fetched.url == flask_hal.url("/api/authors/1")
    assert len(titles) == FLASK_BOOKS // len(FLASK_AUTHORS) == 5
    assert titles == [f"Volume {i}" for i in range(0, FLASK_BOOKS, 2)]


def test_create_a_book_answered_200_with_location(flask_hal: WSGIThread) -> None:
    client = _client(flask_hal)
    with record_compat() as seen:
        books = client.root().follow("books")
        created = books.post({"title": "Ficciones", "author": 2})
        assert created is not None
        ids, pages = _walk(client.root().follow("books"))
    assert seen.kinds == []
    assert created.response is not None and created.response.status_code == 200
    assert created.response.headers["Location"] == f"/api/books/{FLASK_BOOKS + 1}"
    assert created["title"] == "Ficciones"
    assert created.url == flask_hal.url(f"/api/books/{FLASK_BOOKS + 1}")
    assert created.follow("author").url == flask_hal.url("/api/authors/2")
    assert len(ids) == FLASK_BOOKS + 1 and pages == 3  # 4 + 4 + 3
    assert len(flask_hal.store.books) == FLASK_BOOKS + 1  # type: ignore[attr-defined]


def test_strict_mode_accepts_flask_restful_hal(flask_hal: WSGIThread) -> None:
    ids, pages = _walk(_client(flask_hal, strict=True).root().follow("books"))
    assert (len(ids), pages) == (FLASK_BOOKS, 3)
