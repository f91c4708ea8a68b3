"""halkit.aio.crawl: the sync crawl's walk on the async client gives the sync crawl's report.

The behaviours both crawls share (limits, Retry-After, rate, interruption,
violations, broken links) are twin tests in ``test_crawl.py``; here, the whole
ChatKitty emulator crawled both ways, and what only the async crawl has
(cancellation, no threads).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Dict, Iterator, List

import pytest

import halkit
from halkit.crawl import CrawlReport, crawl
from halkit.emulator import Emulator

from server import TestServer

pytest.importorskip("httpx")


@pytest.fixture(scope="module")
def chatkitty() -> Iterator[Emulator]:
    """The ChatKitty emulator for this module (the plugin's ``chatkitty`` fixture is the session's, and
    ``test_emulator_plugin.py`` checks that no emulator runs in its in-process suites)."""
    with Emulator(users=12, channels=5, messages_per_channel=3) as emulator:
        yield emulator


def _items(server: TestServer, prefix: str, count: int) -> str:
    """An API whose entry point links ``count`` items; its URL."""
    items = [{"href": f"{prefix}/i/{n}"} for n in range(count)]
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "item": items}})
    for n in range(count):
        server.add(f"{prefix}/i/{n}", {"_links": {"self": {"href": f"{prefix}/i/{n}"}}})
    return server.url(f"{prefix}/")


def _without_timings(report: CrawlReport) -> Dict[str, Any]:
    document = report.to_dict()
    del document["seconds"]
    return document


@pytest.mark.parametrize("workers", [1, 8])
def test_the_sync_and_async_crawls_of_the_emulator_give_the_same_report(chatkitty: Emulator, workers: int) -> None:
    from halkit.aio.crawl import crawl as crawl_async

    settings: Dict[str, Any] = dict(workers=workers, undocumented=True, max_resources=5000)

    def crawl_sync() -> CrawlReport:
        with chatkitty.client() as client:
            return crawl(client, **settings)

    async def main() -> CrawlReport:
        async with chatkitty.async_client() as client:
            return await crawl_async(client, **settings)

    sync_report = crawl_sync()
    async_report = asyncio.run(main())
    assert sync_report.complete and not sync_report.truncated and sync_report.total > 100
    assert sync_report.requests == sync_report.total + 1  # and the token request
    assert _without_timings(async_report) == _without_timings(sync_report)
    # and with a limit that cuts the walk short, the same resources are chosen
    settings["max_resources"] = 37
    sync_cut = crawl_sync()
    async_cut = asyncio.run(main())
    assert sync_cut.truncated and sync_cut.total == 37
    assert _without_timings(async_cut) == _without_timings(sync_cut)


def test_the_async_crawl_uses_no_threads(server: TestServer, prefix: str) -> None:
    from halkit.aio.crawl import crawl as crawl_async

    url = _items(server, prefix, 10)
    threads: List[str] = []

    def progress(fetched: int, queued: int) -> None:
        assert threading.current_thread() is threading.main_thread()
        threads.extend(t.name for t in threading.enumerate() if t.name.startswith("halkit-crawl"))

    async def main() -> CrawlReport:
        async with halkit.AsyncClient(url, retries=0) as client:
            return await crawl_async(client, workers=4, progress=progress)

    report = asyncio.run(main())
    assert report.ok and report.total == 11 and threads == []


def test_cancelling_the_crawl_stops_its_fetches_and_keeps_a_partial_report(server: TestServer, prefix: str) -> None:
    from halkit.aio.crawl import crawl as crawl_async

    url = _items(server, prefix, 30)
    report = CrawlReport()

    async def main() -> List[asyncio.Task[Any]]:
        async with halkit.AsyncClient(url, retries=0) as client:
            task: "asyncio.Task[CrawlReport]"

            def progress(fetched: int, queued: int) -> None:
                if fetched == 6:
                    task.cancel()

            task = asyncio.ensure_future(crawl_async(client, workers=3, progress=progress, report=report))
            with pytest.raises(asyncio.CancelledError):
                await task
            return [other for other in asyncio.all_tasks() if other is not asyncio.current_task()]

    left = asyncio.run(main())
    assert left == []  # no fetch is left running
    assert report.complete is False and 6 <= report.total < 31
    assert report.seconds > 0


# --------------------------------------------------------------------------- the CLI's async client


def test_the_async_client_is_built_from_the_same_options_as_the_sync_one(chatkitty: Emulator) -> None:
    from halkit.cli.connect import ClientOptions, make_async_client, make_client

    options = ClientOptions(
        profile="chatkitty", url=chatkitty.entry_url, client_id=chatkitty.client_id,
        client_secret=chatkitty.client_secret, token_url=chatkitty.token_url, headers={"X-Team": "qa"},
        timeout=7.0, strict=True, validation="warn", content_type="application/vnd.acme+json",
    )
    with make_client(options) as sync_client:
        pass
    client = make_async_client(options)
    assert isinstance(client, halkit.AsyncClient)
    for name in ("entry_url", "origins", "timeout", "strict", "validation", "content_type"):
        assert getattr(client, name) == getattr(sync_client, name), name
    assert client.profile is not None and client.profile.name == "chatkitty"

    async def main() -> Any:
        async with client:
            return (await client.follow("application")).type

    assert asyncio.run(main()) == "application"  # with the client credentials, against the token URL given


@pytest.mark.parametrize(("options", "message"), [
    ({"url": "http://127.0.0.1:1/", "token": "a", "client_id": "b", "client_secret": "c"}, "not both"),
    ({"url": "http://127.0.0.1:1/", "client_id": "b", "client_secret": "c"}, "--token-url"),
    ({}, "give the API's URL"),
])
def test_the_async_client_refuses_what_the_sync_one_refuses(options: Dict[str, Any], message: str) -> None:
    from halkit.cli.connect import ClientOptions, UsageError, make_async_client

    with pytest.raises(UsageError, match=message):
        make_async_client(ClientOptions(**options))


def test_a_sync_crawl_imports_no_httpx() -> None:
    import subprocess
    import sys

    code = ("import sys; from halkit.cli import main; "
            "main(['crawl', '-p', 'chatkitty', '-q', '--max-resources', '3', '--format', 'json']); "
            "print('httpx' in sys.modules, 'halkit.aio' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split()[-2:] == ["False", "False"], done.stdout + done.stderr
