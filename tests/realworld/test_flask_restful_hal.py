"""halkit against flask-restful-hal (Flask-RESTful), a real third-party HAL server.

flask-restful-hal 0.2 writes proper link objects, but builds hrefs from the
route rules without the ``Api`` prefix: under ``/api`` a book's self link
is ``/books/3``, relative to the API root rather than to the host. halkit
resolves such hrefs when the client opts in with ``relative_hrefs="api-root"``.

Every test is a twin scenario (:mod:`async_twins`): written once, run against
:class:`halkit.Client` and :class:`halkit.AsyncClient`.
"""

from __future__ import annotations

from typing import Any, List, Tuple

import async_twins
import pytest
from async_twins import Twin, collect, io

import halkit

from .compat import record_compat
from .flask_app import PAGE_SIZE
from .seed import FLASK_AUTHORS, FLASK_BOOKS
from .wsgi import WSGIThread

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin


def _client(twin: Twin, server: WSGIThread, **kwargs: Any) -> Any:
    return twin.client(server.url("/api/"), relative_hrefs="api-root", retries=0, **kwargs)


async def _walk(first: Any) -> Tuple[List[int], int]:
    it = first.items("books")
    ids = [item["id"] for item in await collect(it)]
    return ids, it.pages_fetched + 1


async def _books(client: Any) -> Any:
    return await io((await io(client.root())).follow("books"))


def test_hrefs_relative_to_the_api_root_need_the_policy(twin: Twin, flask_hal: WSGIThread) -> None:
    async def scenario() -> None:
        client = twin.client(flask_hal.url("/api/"), retries=0)
        root = await io(client.root())
        assert root.link("books").url == flask_hal.url("/books")  # RFC 3986: the host's /books
        with pytest.raises(halkit.NotFoundError):
            await io(root.follow("books"))
        assert (await io(_client(twin, flask_hal).root())).link("books").url == flask_hal.url("/api/books")

    twin.run(scenario)


def test_walk_books_page_by_page(twin: Twin, flask_hal: WSGIThread) -> None:
    async def scenario() -> None:
        client = _client(twin, flask_hal)
        with record_compat() as seen:
            first = await _books(client)
            ids, pages = await _walk(first)
        assert seen.kinds == []  # flask-restful-hal writes spec-conforming HAL
        assert first["total"] == FLASK_BOOKS
        assert ids == list(range(1, FLASK_BOOKS + 1))
        assert len(ids) == 10
        assert pages == 3  # 4 + 4 + 2
        assert PAGE_SIZE == 4
        # each page (and each item) came from the server under /api
        assert first.embedded("books")[0].url == flask_hal.url("/api/books/1")

    twin.run(scenario)


def test_follow_book_to_author_embedded_and_linked(twin: Twin, flask_hal: WSGIThread) -> None:
    async def scenario() -> None:
        client = _client(twin, flask_hal)
        with record_compat() as seen:
            book = await io((await io(client.root())).follow("book", id=3))
            before = client.request_count
            cached = await io(book.follow("author"))  # embedded: no request
            assert client.request_count == before
            fetched = await io(book.follow("author", embedded=False))
            assert client.request_count == before + 1
            titles = [(await io(link.follow()))["title"] for link in fetched.links["books"]]
        assert seen.kinds == []
        assert book["title"] == "Volume 2" and book.url == flask_hal.url("/api/books/3")
        assert cached["name"] == fetched["name"] == FLASK_AUTHORS[0]
        assert cached.url == fetched.url == flask_hal.url("/api/authors/1")
        assert len(titles) == FLASK_BOOKS // len(FLASK_AUTHORS) == 5
        assert titles == [f"Volume {i}" for i in range(0, FLASK_BOOKS, 2)]

    twin.run(scenario)


def test_create_a_book_answered_200_with_location(twin: Twin, flask_hal: WSGIThread) -> None:
    async def scenario() -> None:
        client = _client(twin, flask_hal)
        with record_compat() as seen:
            books = await _books(client)
            created = await io(books.post({"title": "Ficciones", "author": 2}))
            assert created is not None
            ids, pages = await _walk(await _books(client))
            created_author = await io(created.follow("author"))
        assert seen.kinds == []
        assert created.response is not None and created.response.status_code == 200
        assert created.response.headers["Location"] == f"/api/books/{FLASK_BOOKS + 1}"
        assert created["title"] == "Ficciones"
        assert created.url == flask_hal.url(f"/api/books/{FLASK_BOOKS + 1}")
        assert created_author.url == flask_hal.url("/api/authors/2")
        assert len(ids) == FLASK_BOOKS + 1 and pages == 3  # 4 + 4 + 3
        assert len(flask_hal.store.books) == FLASK_BOOKS + 1  # type: ignore[attr-defined]

    twin.run(scenario)


def test_strict_mode_accepts_flask_restful_hal(twin: Twin, flask_hal: WSGIThread) -> None:
    async def scenario() -> None:
        ids, pages = await _walk(await _books(_client(twin, flask_hal, strict=True)))
        assert (len(ids), pages) == (FLASK_BOOKS, 3)

    twin.run(scenario)
