"""drf-hal-json (a real third-party HAL server) through both clients, the same scenarios:
lenient parsing of its deviations, paging, following, creating, redirects, strict refusal."""

from __future__ import annotations

import async_twins
import pytest
from async_twins import Twin, collect, io

import halkit
from halkit.hal import EMBEDDED_ARRAY_REL

from .compat import record_compat
from .conftest import DRFServer
from .seed import DRF_AUTHORS, DRF_BOOKS

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin

HAL = "application/hal+json"
DRF_KINDS = {"bare-href", "null-rel", "embedded-array"}


def _client(twin: Twin, drf: DRFServer, **kwargs: object) -> object:
    return twin.client(drf.root, content_type=HAL, retries=0, **kwargs)


def test_walk_follow_and_create(twin: Twin, drf: DRFServer) -> None:
    # (Django's ORM refuses to run inside an event loop: the database is read outside the scenario)
    book_ids = drf.book_ids()

    async def scenario() -> None:
        client = _client(twin, drf)
        with record_compat() as seen:
            root = await io(client.root())  # type: ignore[attr-defined]
            first = await io(client.get(root["books"]))  # type: ignore[attr-defined]
            ids = [item["id"] for item in await collect(first.items(EMBEDDED_ARRAY_REL))]
            book = first.embedded(EMBEDDED_ARRAY_REL)[0]
            author = await io(book.follow("author"))
            titles = [(await io(link.follow()))["title"] for link in author.links["books"]]
            created = await io(first.link("self").post(
                {"title": "Kindred", "year": 1979, "_links": {"author": author.url}}))
        assert set(seen.kinds) == DRF_KINDS
        assert ids == book_ids
        assert author["name"] == DRF_AUTHORS[0]
        assert titles == [f"Book {i}" for i in range(0, DRF_BOOKS, len(DRF_AUTHORS))]
        assert created.response.status_code == 201 and created["title"] == "Kindred"
        assert created.url == drf.url(f"/api/books/{created['id']}/")

    twin.run(scenario)
    assert drf.book_count() == DRF_BOOKS + 1


def test_redirects_get_followed_post_refused(twin: Twin, drf: DRFServer) -> None:
    async def scenario() -> None:
        client = _client(twin, drf)
        with record_compat():
            first = await io(client.get(drf.url("/api/books")))  # type: ignore[attr-defined]
        assert [(r.status_code, r.headers["Location"]) for r in first.response.history] == [(301, "/api/books/")]
        assert first.url == drf.url("/api/books/")
        with pytest.raises(halkit.RequestError, match="301"):
            await io(client.request("POST", drf.url("/api/books"), json={"title": "X"}))  # type: ignore[attr-defined]

    twin.run(scenario)
    assert drf.book_count() == DRF_BOOKS


def test_strict_mode_and_accept(twin: Twin, drf: DRFServer) -> None:
    async def scenario() -> None:
        strict = _client(twin, drf, strict=True)
        root = await io(strict.root())  # type: ignore[attr-defined]
        with pytest.raises(halkit.HalFormatError) as info:
            await io(strict.get(root["books"]))  # type: ignore[attr-defined]
        assert info.value.pointer == "/_links/self"
        with pytest.raises(halkit.ClientError) as refused:
            await io(twin.client(drf.root, accept="application/json", retries=0).root())
        assert refused.value.status == 406

    twin.run(scenario)
