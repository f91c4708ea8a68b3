"""The async client's connection pool (:mod:`halkit.aio.pool`), against real servers on 127.0.0.1.

Connections are told apart by the client's port as the server sees it
(``Request.peer``).
"""

from __future__ import annotations

import asyncio
import datetime
import socket
import threading
import time
from typing import Any, Iterator, List, Tuple

import httpx
import pytest
import respx
from async_twins import RawServer, head_bytes

import halkit
import halkit.aio
from halkit.aio.pool import PoolTransport, nothing_patched

from server import Reply, Request, TestServer

HAL = {"Content-Type": "application/hal+json"}


@pytest.fixture
def srv() -> Iterator[TestServer]:
    server = TestServer()
    yield server
    server.close()


def item(i: int, srv: TestServer) -> dict:
    return {"n": i, "_links": {"self": {"href": srv.url(f"/items/{i}")}}}


def serve_items(srv: TestServer, count: int, delay: float = 0.0) -> Tuple[List[int], threading.Lock]:
    """``/items`` embeds ``count`` items, each at ``/items/<i>``; returns the in-flight high-water mark."""
    high = [0, 0]  # in flight now, most at once
    lock = threading.Lock()
    srv.add("/items", {"_links": {"self": {"href": srv.url("/items")}},
                       "_embedded": {"items": [item(i, srv) for i in range(count)]}}, headers=HAL)

    def one(req: Request) -> Reply:
        with lock:
            high[0] += 1
            high[1] = max(high[1], high[0])
        try:
            time.sleep(delay)
            return 200, dict(HAL), item(int(req.path.rsplit("/", 1)[1]), srv)
        finally:
            with lock:
                high[0] -= 1

    for i in range(count):
        srv.handle(f"/items/{i}", one)
    return high, lock


def peers(srv: TestServer, prefix: str = "/") -> List[int]:
    return [r.peer for r in srv.requests_to(prefix)]


def test_sequential_requests_share_one_connection(srv: TestServer) -> None:
    srv.add("/", {"_links": {"self": {"href": srv.url("/")}}}, headers=HAL)

    async def main() -> None:
        async with halkit.AsyncClient(srv.url("/")) as client:
            for _ in range(20):
                await client.root()

    asyncio.run(main())
    assert len(peers(srv)) == 20 and len(set(peers(srv))) == 1


def test_a_second_fan_out_reuses_the_connections_of_the_first(srv: TestServer) -> None:
    high, _ = serve_items(srv, 24, delay=0.05)

    async def main() -> List[int]:
        async with halkit.AsyncClient(srv.url("/items")) as client:
            page = await client.root()
            first = await halkit.aio.follow_all(page.embedded("items"), max_workers=8)
            second = await halkit.aio.follow_all(page.embedded("items"), max_workers=8)
            return [r["n"] for r in first + second]

    assert asyncio.run(main()) == list(range(24)) * 2
    assert high[1] <= 8
    used = set(peers(srv, "/items/"))
    assert len(used) <= 8  # the second round opened no connection


def test_max_connections_bounds_what_is_open(srv: TestServer) -> None:
    high, _ = serve_items(srv, 12, delay=0.05)

    async def main() -> List[int]:
        pool = PoolTransport(max_connections=3)
        async with halkit.AsyncClient(srv.url("/items"), transport=pool) as client:
            page = await client.root()
            got = await halkit.aio.follow_all(page.embedded("items"), max_workers=12)
            await pool.aclose()
            return [r["n"] for r in got]

    assert asyncio.run(main()) == list(range(12))
    assert high[1] <= 3 and len(set(peers(srv))) <= 3


def test_waiting_for_a_connection_is_bounded_by_the_pool_timeout(srv: TestServer) -> None:
    release = threading.Event()
    srv.handle("/slow", lambda req: (release.wait(10), (200, dict(HAL), {"slow": True}))[1])
    srv.add("/fast", {"fast": True}, headers=HAL)

    async def main() -> Any:
        async with halkit.AsyncClient(srv.url("/"), transport=PoolTransport(max_connections=1), retries=0,
                                      timeout=0.3) as client:
            slow = asyncio.ensure_future(client.request("GET", srv.url("/slow"), timeout=10))
            await asyncio.sleep(0.1)  # the only connection is busy
            with pytest.raises(halkit.TimeoutError):
                await client.request("GET", srv.url("/fast"))
            release.set()
            return (await slow).json()

    assert asyncio.run(main()) == {"slow": True}
    assert not srv.requests_to("/fast")  # it never got a connection


def test_a_connection_the_server_closes_is_not_reused(srv: TestServer) -> None:
    srv.add("/bye", {"bye": 1}, headers={**HAL, "Connection": "close"})
    srv.add("/hi", {"hi": 1}, headers=HAL)

    async def main() -> None:
        async with halkit.AsyncClient(srv.url("/"), retries=0) as client:
            await client.request("GET", srv.url("/bye"))
            await client.request("GET", srv.url("/hi"))

    asyncio.run(main())
    assert len(set(peers(srv))) == 2


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use() -> None:
    def answer_then_close(conn: socket.socket, head: bytes) -> None:
        body = b'{"ok": true}'
        # no "Connection: close": the client thinks it can reuse the connection
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(body))}) + body)
        time.sleep(0.05)  # then the server closes it silently

    server = RawServer(answer_then_close)

    async def main() -> List[Any]:
        async with halkit.AsyncClient(server.url("/"), retries=0) as client:  # no retry to hide a failure
            first = (await client.request("GET", server.url("/"))).json()
            await asyncio.sleep(0.3)  # the server has closed the connection meanwhile
            second = (await client.request("GET", server.url("/"))).json()
            return [first, second]

    try:
        assert asyncio.run(main()) == [{"ok": True}, {"ok": True}]
        assert server.connections == 2
    finally:
        server.close()


def test_a_body_not_read_to_its_end_does_not_return_its_connection(srv: TestServer) -> None:
    srv.add("/big", {"x": "y" * 5000}, headers=HAL)
    srv.add("/small", {"ok": 1}, headers=HAL)

    async def main() -> Any:
        async with halkit.AsyncClient(srv.url("/"), max_body_size=1000, retries=0) as client:
            with pytest.raises(halkit.ResponseTooLargeError):
                await client.request("GET", srv.url("/big"))
            return (await client.request("GET", srv.url("/small"))).json()

    assert asyncio.run(main()) == {"ok": 1}
    assert len(set(peers(srv))) == 2


def test_cookies_the_api_sets_are_sent_back(srv: TestServer) -> None:
    srv.add("/login", {"ok": 1}, headers={**HAL, "Set-Cookie": "sid=abc123; Path=/"})
    srv.add("/me", {"me": 1}, headers=HAL)

    async def main() -> None:
        async with halkit.AsyncClient(srv.url("/")) as client:
            await client.request("GET", srv.url("/login"))
            await client.request("GET", srv.url("/me"))
            assert client.session.cookies.get("sid") == "abc123"

    asyncio.run(main())
    assert "cookie" not in srv.requests_to("/login")[0].headers
    assert srv.requests_to("/me")[0].headers["cookie"] == "sid=abc123"


@pytest.mark.parametrize("using", ["httpcore", "httpx"])
def test_respx_sees_requests_of_a_client_already_in_use(srv: TestServer, using: str) -> None:
    srv.add("/", {"real": True}, headers=HAL)

    async def main() -> List[Any]:
        async with halkit.AsyncClient(srv.url("/")) as client:
            real = (await client.root()).properties
            with respx.mock(using=using) as mock:
                mock.get(srv.url("/")).respond(200, json={"mocked": True}, headers=HAL)
                mocked = (await client.root()).properties
                assert not nothing_patched()
            again = (await client.root()).properties
            return [real, mocked, again]

    assert asyncio.run(main()) == [{"real": True}, {"mocked": True}, {"real": True}]
    assert len(srv.requests_to("/")) == 2
    assert nothing_patched()


def test_a_proxy_from_the_environment_is_used(srv: TestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # the test server plays an HTTP proxy: it gets the absolute URL as the request target
    srv.add("http://api.invalid/", {"via": "proxy"}, headers=HAL)
    monkeypatch.setenv("HTTP_PROXY", srv.base)

    async def main() -> Any:
        async with halkit.AsyncClient("http://api.invalid/") as client:
            return (await client.root()).properties

    assert asyncio.run(main()) == {"via": "proxy"}


def test_one_client_in_two_event_loops(srv: TestServer) -> None:
    srv.add("/", {"ok": 1}, headers=HAL)
    client = halkit.AsyncClient(srv.url("/"))

    async def once() -> Any:
        return (await client.root())["ok"]

    assert asyncio.run(once()) == 1
    assert asyncio.run(once()) == 1  # the first loop's connection is not used in the second
    asyncio.run(client.aclose())


def test_the_response_says_how_long_it_took(srv: TestServer) -> None:
    srv.add("/", {"ok": 1}, headers=HAL)

    async def main() -> Any:
        async with halkit.AsyncClient(srv.url("/")) as client:
            return (await client.root()).response.elapsed

    elapsed = asyncio.run(main())
    assert isinstance(elapsed, datetime.timedelta) and elapsed.total_seconds() >= 0


def test_a_refused_connection_is_a_halkit_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there

    async def main() -> None:
        async with halkit.AsyncClient(f"http://127.0.0.1:{port}/", retries=0) as client:
            await client.root()

    with pytest.raises(halkit.ConnectError):
        asyncio.run(main())


def test_the_pool_is_an_httpx_transport(srv: TestServer) -> None:
    srv.add("/plain", {"ok": 1}, headers=HAL)

    async def main() -> Any:
        async with httpx.AsyncClient(transport=PoolTransport()) as plain:
            return (await plain.get(srv.url("/plain"))).json()

    assert asyncio.run(main()) == {"ok": 1}


def test_vcrpy_records_and_replays_an_async_client(srv: TestServer, tmp_path: Any) -> None:
    vcr = pytest.importorskip("vcr")
    srv.add("/", {"_links": {"self": {"href": srv.url("/")}}, "recorded": True}, headers=HAL)
    cassette = str(tmp_path / "async.yaml")

    async def fetch() -> Any:
        async with halkit.AsyncClient(srv.url("/"), retries=0) as client:
            return (await client.root())["recorded"]

    with vcr.use_cassette(cassette, record_mode="once"):
        assert asyncio.run(fetch()) is True
    assert len(srv.requests_to("/")) == 1
    with vcr.use_cassette(cassette, record_mode="none") as played:
        assert asyncio.run(fetch()) is True  # from the cassette: the server sees nothing more
    assert played.play_count == 1 and len(srv.requests_to("/")) == 1


def test_cancelled_requests_give_their_connections_back(srv: TestServer) -> None:
    stop = threading.Event()

    def drip(req: Request) -> Reply:
        stop.wait(2)  # the client gives up long before
        return 200, dict(HAL), {"late": True}

    srv.handle("/drip", drip)
    srv.add("/ok", {"ok": 1}, headers=HAL)

    async def main() -> Any:
        async with halkit.AsyncClient(srv.url("/"), transport=PoolTransport(max_connections=2), retries=0,
                                      timeout=1.5) as client:
            for _ in range(5):  # more than the pool holds
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(client.request("GET", srv.url("/drip")), 0.05)
            # a leaked connection would leave none free: PoolTimeout after 1.5 s
            return (await client.request("GET", srv.url("/ok"))).json()

    try:
        assert asyncio.run(main()) == {"ok": 1}
    finally:
        stop.set()


def test_a_request_cancelled_mid_body_gives_its_connection_back() -> None:
    def half_a_body(conn: socket.socket, head: bytes) -> None:
        if head.startswith(b"GET /ok"):
            conn.sendall(head_bytes("200 OK", {"Content-Type": "application/json", "Content-Length": "8"}) + b'{"ok":1}')
        else:  # the headers and half the body, then nothing
            conn.sendall(head_bytes("200 OK", {"Content-Type": "application/json", "Content-Length": "100"}) + b'{"a": ')
            server.closed.wait(5)

    server = RawServer(half_a_body)

    async def main() -> Any:
        async with halkit.AsyncClient(server.url("/"), transport=PoolTransport(max_connections=2), retries=0,
                                      timeout=1.5) as client:
            for _ in range(4):  # twice what the pool holds
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(client.request("GET", server.url("/slow")), 0.2)
            return (await client.request("GET", server.url("/ok"))).json()

    try:
        assert asyncio.run(main()) == {"ok": 1}
    finally:
        server.close()


def test_a_gzip_bomb_is_never_inflated_whole(srv: TestServer) -> None:
    import gzip
    import tracemalloc

    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))  # 64 MiB in about 64 KiB
    srv.add("/bomb", bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})

    async def main() -> None:
        async with halkit.AsyncClient(srv.url("/"), max_body_size=1024 * 1024, retries=0) as client:
            with pytest.raises(halkit.ResponseTooLargeError):
                await client.request("GET", srv.url("/bomb"))

    tracemalloc.start()
    try:
        asyncio.run(main())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak  # httpx alone inflates a received piece whole: 64 MiB


def test_the_pools_connections_lock_their_state_without_a_pass_through_the_loop(srv: TestServer) -> None:
    """httpcore's lock (anyio's) yields to the event loop on every acquire; the pool's connections use asyncio's."""
    srv.add("/", {"ok": 1}, headers=HAL)

    async def main() -> Any:
        pool = PoolTransport()
        async with halkit.AsyncClient(srv.url("/"), transport=pool) as client:
            await client.root()
            conns = [conn for stack in pool._idle.values() for conn in stack]
            await pool.aclose()
            return [type(conn._state_lock) for conn in conns]

    assert asyncio.run(main()) == [asyncio.Lock]
