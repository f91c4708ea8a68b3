"""halkit.crawl and halkit.aio.crawl: a breadth-first walk that collects violations through the client's one
validation path. Every scenario runs with both clients (the ``twin`` fixture): the walk is the same code."""

from __future__ import annotations

import threading
from typing import Any, List

import async_twins
import pytest
from async_twins import Twin
from tiny_profile import tiny_api, tiny_profile

from halkit.crawl import CrawlReport, crawl

from server import Request, TestServer

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin


async def crawl_with(twin: Twin, client: Any, **kwargs: Any) -> CrawlReport:
    """:func:`halkit.crawl.crawl`, or :func:`halkit.aio.crawl.crawl` for the async twin."""
    if twin.is_async:
        from halkit.aio.crawl import crawl as crawl_async

        return await crawl_async(client, **kwargs)
    return crawl(client, **kwargs)


@pytest.mark.parametrize("mode", ["strict", "warn", "off"])
def test_violations_are_collected_and_the_clients_mode_is_left_alone(
    twin: Twin, server: TestServer, prefix: str, mode: str
) -> None:
    client = twin.client(tiny_api(server, prefix), profile=tiny_profile(), validation=mode)
    modes: List[str] = []
    report = twin.run(lambda: crawl_with(twin, client, progress=lambda fetched, queued: modes.append(client.validation)))
    # nothing raised, nothing warned (warnings are errors in this suite); the client never switched modes
    assert modes == [mode, mode] and client.validation == mode
    assert report.total == 2 and dict(report.resources) == {"root": 1, "item": 1}
    assert [(p.type, p.rule, p.pointer) for p in report.problems] == [("item", "required-property", "/name")]
    assert report.requests == 2


def test_a_crawl_without_a_profile_validates_nothing(twin: Twin, server: TestServer, prefix: str) -> None:
    client = twin.client(tiny_api(server, prefix))
    report = twin.run(lambda: crawl_with(twin, client))
    assert report.ok and report.total == 2 and dict(report.resources) == {None: 2}


def test_failures_are_recorded_and_the_walk_goes_on(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/", {"_links": {"a": {"href": f"{prefix}/gone"}, "b": {"href": f"{prefix}/b"}}})
    server.add(f"{prefix}/gone", {"error": "no"}, status=404)
    server.add(f"{prefix}/b", {"b": 1})
    client = twin.client(server.url(f"{prefix}/"), retries=0)
    report = twin.run(lambda: crawl_with(twin, client))
    assert report.total == 3 and [p.rule for p in report.problems] == ["error"]
    assert f"{prefix}/gone" in report.problems[0].url and "404" in report.problems[0].message


def test_an_unreachable_entry_point_is_reported(twin: Twin) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = twin.client(f"http://127.0.0.1:{port}/", retries=0)
    report = twin.run(lambda: crawl_with(twin, client))
    assert report.unreachable and report.total == 1 and not report.ok
    assert report.entry_exception is not None and report.complete


@pytest.mark.parametrize("workers", [1, 2])
def test_rate_limited_urls_are_tried_again(twin: Twin, server: TestServer, prefix: str, workers: int) -> None:
    calls = []

    def limited(request: object) -> tuple:
        calls.append(1)
        if len(calls) == 1:
            return 429, {"Retry-After": "0", "Content-Type": "application/json"}, {"error": "slow down"}
        return 200, {}, {"_links": {"self": {"href": f"{prefix}/b"}}}

    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "b": {"href": f"{prefix}/b"}}})
    server.handle(f"{prefix}/b", limited)
    client = twin.client(server.url(f"{prefix}/"), retries=0)
    report = twin.run(lambda: crawl_with(twin, client, workers=workers, rate=1000))
    assert report.ok and report.total == 2 and len(calls) == 2


def test_a_url_rate_limited_every_time_is_an_error(
    twin: Twin, server: TestServer, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def limited(request: object) -> tuple:
        calls.append(1)
        return 429, {"Retry-After": "soon", "Content-Type": "application/json"}, {"error": "slow down"}

    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "b": {"href": f"{prefix}/b"}}})
    server.handle(f"{prefix}/b", limited)
    client = twin.client(server.url(f"{prefix}/"), retries=0)
    from halkit import crawl as crawl_module

    monkeypatch.setattr(crawl_module, "MAX_RETRY_AFTER", 0.0)  # an unreadable Retry-After would wait a second
    report = twin.run(lambda: crawl_with(twin, client, workers=2))
    assert len(calls) == crawl_module.RATE_LIMIT_ATTEMPTS
    assert report.total == 2 and [(p.rule, "429" in p.message) for p in report.problems] == [("error", True)]


def test_the_frontier_is_bounded(twin: Twin, server: TestServer, prefix: str) -> None:
    width = 100_000
    for page in range(2):
        links = [{"href": f"{prefix}/p{page}/{i}"} for i in range(width)]
        server.add(f"{prefix}/p{page}", {"_links": {"self": {"href": f"{prefix}/p{page}"}, "item": links}})
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"},
                                         "page": [{"href": f"{prefix}/p{n}"} for n in range(2)]}})
    client = twin.client(server.url(f"{prefix}/"), retries=0)
    report = twin.run(lambda: crawl_with(twin, client, max_resources=12, workers=3))
    # pages of 100,000 new URLs each: what is over the limit is dropped, never queued
    # (benchmarks/crawl.py --hostile measures the heap: see docs/cli.rst)
    assert report.total == 12 and report.truncated
    assert report.frontier_peak <= 12


def test_max_depth_stops_the_walk(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "a": {"href": f"{prefix}/a"}}})
    server.add(f"{prefix}/a", {"_links": {"self": {"href": f"{prefix}/a"}, "b": {"href": f"{prefix}/b"}}})
    server.add(f"{prefix}/b", {"_links": {"self": {"href": f"{prefix}/b"}}})
    client = twin.client(server.url(f"{prefix}/"), retries=0)
    report = twin.run(lambda: crawl_with(twin, client, max_depth=1))
    assert report.total == 2 and report.depth == 1 and report.truncated and report.frontier_peak == 1


@pytest.mark.parametrize("workers", [1, 3])
def test_an_interrupted_crawl_leaves_a_partial_report(twin: Twin, server: TestServer, prefix: str, workers: int) -> None:
    items = [{"href": f"{prefix}/i/{n}"} for n in range(20)]
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "item": items}})
    for n in range(20):
        server.add(f"{prefix}/i/{n}", {"_links": {"self": {"href": f"{prefix}/i/{n}"}}})
    client = twin.client(server.url(f"{prefix}/"), retries=0)
    report = CrawlReport()

    def progress(fetched: int, queued: int) -> None:
        if fetched == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        twin.run(lambda: crawl_with(twin, client, workers=workers, progress=progress, report=report))
    assert report.complete is False and report.total == 5
    assert report.requests >= 5 and report.seconds > 0


@pytest.mark.parametrize("workers", [1, 4])
def test_workers_bound_the_requests_in_flight(twin: Twin, server: TestServer, prefix: str, workers: int) -> None:
    lock = threading.Lock()
    now = [0]
    most = [0]

    def counted(request: Request) -> tuple:
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        threading.Event().wait(0.01)
        with lock:
            now[0] -= 1
        return 200, {}, {"_links": {"self": {"href": request.path}}}

    items = [{"href": f"{prefix}/i/{n}"} for n in range(24)]
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "item": items}})
    for n in range(24):
        server.handle(f"{prefix}/i/{n}", counted)
    client = twin.client(server.url(f"{prefix}/"), retries=0)
    report = twin.run(lambda: crawl_with(twin, client, workers=workers))
    assert report.ok and report.total == 25
    assert 1 <= most[0] <= workers


@pytest.mark.parametrize("bad", [{"workers": 0}, {"max_resources": 0}, {"max_depth": -1}, {"rate": 0}])
def test_limits_below_one_are_refused(twin: Twin, server: TestServer, prefix: str, bad: dict) -> None:
    client = twin.client(tiny_api(server, prefix))
    with pytest.raises(ValueError):
        twin.run(lambda: crawl_with(twin, client, **bad))
    assert client.request_count == 0
