"""halkit.fanout.follow_all: order, bounded concurrency, errors, speed-up against a slow server."""

from __future__ import annotations

import threading
import time
from typing import Any, List

import pytest

import halkit
from halkit.fanout import follow_all

from server import Request, TestServer

LATENCY = 0.02


class SlowItems:
    """``/items/N`` answers after LATENCY seconds; records the most requests in flight at once."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    def __call__(self, req: Request) -> Any:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            time.sleep(LATENCY)
            n = int(req.path.rsplit("/", 1)[1])
            if n == 13:
                return 404, {"Content-Type": "application/json"}, {"error": "gone"}
            return 200, {}, {"id": n, "full": True, "_links": {"self": {"href": req.path}}}
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture
def page(server: TestServer, prefix: str) -> Any:
    items = SlowItems(prefix)
    for n in range(24):
        server.handle(f"{prefix}/items/{n}", items)
    doc = {
        "_links": {"self": {"href": f"{prefix}/items"}},
        "_embedded": {"items": [{"id": n, "_links": {"self": {"href": f"{prefix}/items/{n}"}}} for n in range(24)]},
    }
    server.add(f"{prefix}/items", doc)
    client = halkit.Client(server.url(f"{prefix}/items"))
    yield client.root(), items
    client.close()


def ok_items(page: Any) -> List[Any]:
    return [item for item in page.embedded("items") if item["id"] != 13]


def test_results_in_input_order_and_bounded(page: Any) -> None:
    resource, server_items = page
    items = ok_items(resource)[::-1]
    results = follow_all(items, "self", max_workers=4)
    assert [r["id"] for r in results] == [i["id"] for i in items]
    assert all(r["full"] for r in results)
    assert 1 < server_items.peak <= 4


def test_requests_overlap(server: TestServer, prefix: str) -> None:
    # each answer waits until all 8 requests are in flight at once: only a real
    # fan-out gets through (one by one, the first request would wait in vain)
    barrier = threading.Barrier(8)

    def together(req: Request) -> Any:
        barrier.wait(timeout=30)
        return 200, {}, {"id": int(req.path.rsplit("/", 1)[1])}

    for n in range(8):
        server.handle(f"{prefix}/together/{n}", together)
    doc = {"_embedded": {"items": [{"_links": {"self": {"href": f"{prefix}/together/{n}"}}} for n in range(8)]}}
    server.add(f"{prefix}/together", doc)
    with halkit.Client(server.url(f"{prefix}/together"), retries=0, timeout=60) as client:
        items = client.root().embedded("items")
        results = follow_all(items, max_workers=8)
    assert [r["id"] for r in results] == list(range(8))
    assert not barrier.broken


def test_links_are_followed_too(page: Any) -> None:
    resource, _ = page
    links = [item.link("self") for item in ok_items(resource)[:5]]
    assert [r["id"] for r in follow_all(links)] == [0, 1, 2, 3, 4]


def test_errors_raise_after_all_finish_or_are_returned(page: Any, server: TestServer, prefix: str) -> None:
    resource, _ = page
    items = resource.embedded("items")[10:16]  # 13 answers 404
    before = len(server.requests_to(f"{prefix}/items/"))
    with pytest.raises(halkit.NotFoundError):
        follow_all(items, max_workers=3)
    assert len(server.requests_to(f"{prefix}/items/")) - before == 6  # nothing was abandoned
    outcomes = follow_all(items, max_workers=3, return_exceptions=True)
    assert [type(o).__name__ for o in outcomes] == ["Resource"] * 3 + ["NotFoundError"] + ["Resource"] * 2


def test_bad_arguments() -> None:
    assert follow_all([]) == []
    with pytest.raises(halkit.HalkitError, match="max_workers"):
        follow_all([], max_workers=0)
    with pytest.raises(halkit.HalkitError, match="item 0"):
        follow_all(["http://example.invalid/"])  # type: ignore[list-item]


@pytest.mark.parametrize("bad", [0, -1, True, 2.0, "8", None])
def test_both_twins_check_their_arguments_in_one_place(bad: Any) -> None:
    # halkit.follow_all and halkit.aio.follow_all both call checked_items: the same rules, the same messages
    import asyncio

    from halkit.fanout import checked_items

    aio = pytest.importorskip("halkit.aio")
    for call in (lambda: follow_all([], max_workers=bad), lambda: asyncio.run(aio.follow_all([], max_workers=bad))):
        with pytest.raises(halkit.HalkitError, match=f"max_workers must be an int >= 1, not {bad!r}"):
            call()
    parsed = halkit.parse({"a": 1})
    assert checked_items(iter([parsed]), 1) == [parsed]
    with pytest.raises(halkit.HalkitError, match="links of an AsyncClient; item 0 is a Resource"):
        asyncio.run(aio.follow_all([parsed]))  # a sync resource is not an async one
    with pytest.raises(halkit.HalkitError, match="resources or links; item 1 is a str"):
        checked_items([parsed, "x"], 1)
