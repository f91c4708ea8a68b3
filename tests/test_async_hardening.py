"""Hardening and faults, the same scenarios for both clients: body caps (also after
decompression), truncated and undecodable bodies, scheme checks on every hop, redirect rules
and loops, retries (which methods, which statuses, Retry-After, bounds), timeouts, errors."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from typing import Any, Callable, Dict, Iterator, List, Tuple

import async_twins
import pytest
from async_twins import RawServer, Twin, head_bytes, io

import halkit

from server import Request, TestServer

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin

HAL = {"Content-Type": "application/hal+json"}
Reply = Tuple[int, Dict[str, str], Any]


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[socket.socket, bytes], None]], RawServer]]:
    made: List[RawServer] = []

    def make(handler: Callable[[socket.socket, bytes], None]) -> RawServer:
        srv = RawServer(handler)
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.close()


@pytest.fixture
def listener() -> Iterator[RawServer]:
    """A port that counts connections and never answers: proof that nothing was sent."""
    srv = RawServer(lambda conn, head: None)
    yield srv
    srv.close()


def script(server: TestServer, path: str, *replies: Any) -> List[Request]:
    """Serve ``replies`` in turn (the last one repeats); returns the requests seen."""
    seen: List[Request] = []

    def handler(req: Request) -> Reply:
        seen.append(req)
        reply = replies[min(len(seen), len(replies)) - 1]
        if callable(reply):
            return reply(req)  # type: ignore[no-any-return]
        status, headers, body = reply
        return status, dict(headers), body

    server.handle(path, handler)
    return seen


def ok(req: Request) -> Reply:
    if req.method in ("HEAD", "OPTIONS"):
        return 200, {}, None
    return 200, dict(HAL), {"_links": {"self": {"href": req.path}}, "method": req.method}


def drop(req: Request) -> Reply:
    return 200, {"X-Test-Drop": "1"}, None


def stall(seconds: float) -> Callable[[Request], Reply]:
    def handler(req: Request) -> Reply:
        time.sleep(seconds)
        return ok(req)

    return handler


async def send(client: Any, method: str, url: str) -> Any:
    if method in ("HEAD", "OPTIONS"):
        return await io(client.request(method, url))
    return await io(client.send(None, url, method, json={"x": 1} if method in ("POST", "PUT", "PATCH") else None))


def run_get(twin: Twin, url: str, **kwargs: Any) -> Any:
    async def scenario() -> Any:
        return await io(twin.client(url, **kwargs).root())

    return twin.run(scenario)


# -- bodies ---------------------------------------------------------------------------------------


def test_cap_boundary_is_exact(twin: Twin, server: TestServer, prefix: str) -> None:
    body = b'{"a": "' + b"x" * 993 + b'"}'
    server.add(f"{prefix}/x", body, headers=dict(HAL))
    assert run_get(twin, server.url(f"{prefix}/x"), max_body_size=1002)["a"] == "x" * 993
    with pytest.raises(halkit.ResponseTooLargeError):
        run_get(twin, server.url(f"{prefix}/x"), max_body_size=1001)


def test_content_length_over_the_cap_is_refused_before_reading(twin: Twin, raw: Any) -> None:
    released = threading.Event()

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/hal+json", "Content-Length": "50000000"}))
        released.wait(5)

    srv = raw(handler)
    try:
        with pytest.raises(halkit.ResponseTooLargeError) as info:
            run_get(twin, srv.url("/big"), max_body_size=1_000_000, timeout=5)
    finally:
        released.set()
    assert info.value.limit == 1_000_000 and "Content-Length" in str(info.value)
    assert srv.connections == 1, "a too-large answer is not retried"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_bombs_stop_at_the_cap(twin: Twin, server: TestServer, prefix: str, encoding: str) -> None:
    inflated = b"{" + b" " * (32 * 2**20) + b"}"
    bomb = gzip.compress(inflated, compresslevel=9) if encoding == "gzip" else zlib.compress(inflated, 9)
    server.add(f"{prefix}/bomb", bomb, headers={"Content-Type": "application/hal+json", "Content-Encoding": encoding})
    with pytest.raises(halkit.ResponseTooLargeError) as info:
        run_get(twin, server.url(f"{prefix}/bomb"), max_body_size=2**20, retries=0)
    assert "decompress" in str(info.value)


def test_endless_chunked_body_is_cut_at_the_cap(twin: Twin, raw: Any) -> None:
    sent = [0]
    chunk = b" " * 65536

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
                     + b"1\r\n{\r\n")
        while sent[0] < 200 * 2**20:
            conn.sendall(b"10000\r\n" + chunk + b"\r\n")
            sent[0] += len(chunk)

    srv = raw(handler)
    with pytest.raises(halkit.ResponseTooLargeError):
        run_get(twin, srv.url("/stream"), max_body_size=2**20, retries=0, timeout=5)
    assert sent[0] < 100 * 2**20, f"the client kept reading: {sent[0]} bytes sent"


def test_the_cap_applies_to_error_bodies(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/e", b'{"error": "' + b"x" * 5000 + b'"}', status=500, headers={"Content-Type": "application/json"})
    with pytest.raises(halkit.ResponseTooLargeError):
        run_get(twin, server.url(f"{prefix}/e"), max_body_size=1000, retries=0)


def test_truncated_body_is_a_request_error(twin: Twin, raw: Any) -> None:
    body = b'{"_links": {"self": {"href": "/x"}}, "items": [1, 2, 3'

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/hal+json", "Content-Length": "1000"}) + body)

    srv = raw(handler)
    with pytest.raises(halkit.RequestError) as info:
        run_get(twin, srv.url("/x"), retries=0, timeout=5)
    assert info.value.url == srv.url("/x") and info.value.method == "GET"
    assert info.value.__cause__ is not None


def test_body_that_is_not_gzip(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", b'{"a": 1}', headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with pytest.raises(halkit.ContentTypeError, match="decompress"):
        run_get(twin, server.url(f"{prefix}/x"), retries=0)


def test_html_sent_as_hal_says_what_came_back(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/h", "<html>oops</html>", headers=dict(HAL))
    with pytest.raises(halkit.HalFormatError, match="html"):
        run_get(twin, server.url(f"{prefix}/h"))


# -- schemes and redirects ------------------------------------------------------------------------


@pytest.mark.parametrize("href", ["file:///etc/passwd", "ftp://127.0.0.1:{port}/x", "javascript:alert(1)",
                                  "http://127.0.0.1:{port}/a\r\nX-Injected: 1"])
def test_unsafe_links_are_refused_before_any_io(twin: Twin, server: TestServer, prefix: str,
                                                listener: RawServer, href: str) -> None:
    port = listener.base.rsplit(":", 1)[1]
    server.add(f"{prefix}/", {"_links": {"bad": {"href": href.replace("{port}", port)}}})

    async def scenario() -> None:
        root = await io(twin.client(server.url(f"{prefix}/")).root())
        with pytest.raises(halkit.UnsafeURLError):
            await io(root.follow("bad"))

    twin.run(scenario)
    assert listener.connections == 0


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1:{port}/x", "data:,x",
                                      "gopher://127.0.0.1:{port}/"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_to_unsafe_schemes_are_refused(twin: Twin, server: TestServer, prefix: str, listener: RawServer,
                                                 location: str, status: int) -> None:
    port = listener.base.rsplit(":", 1)[1]
    server.add(f"{prefix}/r", None, status=status, headers={"Location": location.replace("{port}", port)})
    with pytest.raises(halkit.UnsafeURLError):
        run_get(twin, server.url(f"{prefix}/r"), retries=0)
    assert listener.connections == 0


def test_redirect_loop_is_too_many_redirects(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/a", None, status=302, headers={"Location": f"{prefix}/b"})
    server.add(f"{prefix}/b", None, status=307, headers={"Location": f"{prefix}/a"})
    with pytest.raises(halkit.TooManyRedirectsError) as info:
        run_get(twin, server.url(f"{prefix}/a"))
    assert info.value.url == server.url(f"{prefix}/a")
    hops = len(server.requests_to(f"{prefix}/a")) + len(server.requests_to(f"{prefix}/b"))
    assert 2 <= hops <= 31, hops


def test_redirect_rules_for_writes(twin: Twin, server: TestServer, prefix: str) -> None:
    """301/302 to a POST are refused (the body would be dropped); 303 is a GET; 307/308 keep method and body."""
    seen: List[Tuple[str, bytes]] = []

    def target(req: Request) -> Reply:
        seen.append((req.method, req.body))
        return 200, dict(HAL), {"method": req.method}

    server.handle(f"{prefix}/t", target)
    for status in (301, 302, 303, 307, 308):
        server.add(f"{prefix}/r{status}", None, status=status, headers={"Location": f"{prefix}/t"}, method="POST")

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/t"))
        for status in (301, 302):
            with pytest.raises(halkit.RequestError, match="was not carried out"):
                await io(client.post(server.url(f"{prefix}/r{status}"), {"n": status}))
        assert (await io(client.post(server.url(f"{prefix}/r303"), {"n": 303})))["method"] == "GET"
        for status in (307, 308):
            assert (await io(client.post(server.url(f"{prefix}/r{status}"), {"n": status})))["method"] == "POST"

    twin.run(scenario)
    # (the sync client refuses 301/302 after requests has followed them with a GET;
    # the async one before: both raise, neither carries the POST out)
    assert [m for m, _ in seen[-3:]] == ["GET", "POST", "POST"]
    assert seen[-2][1] == b'{"n":307}' and seen[-1][1] == b'{"n":308}'


def test_redirects_are_followed_with_history(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/old", None, status=301, headers={"Location": f"{prefix}/mid"})
    server.add(f"{prefix}/mid", None, status=302, headers={"Location": f"{prefix}/new"})
    server.add(f"{prefix}/new", {"_links": {"self": {"href": f"{prefix}/new"}}, "here": True})
    res = run_get(twin, server.url(f"{prefix}/old"))
    assert res["here"] is True and res.url == server.url(f"{prefix}/new")
    assert [r.status_code for r in res.response.history] == [301, 302]


# -- retries --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_is_retried_after_a_transient_status(twin: Twin, server: TestServer, prefix: str, status: int) -> None:
    seen = script(server, f"{prefix}/r", (status, {}, {"error": "busy"}), ok)
    assert run_get(twin, server.url(f"{prefix}/r"))["method"] == "GET"
    assert len(seen) == 2


@pytest.mark.parametrize("status", [500, 400, 404, 409])
def test_other_statuses_are_not_retried(twin: Twin, server: TestServer, prefix: str, status: int) -> None:
    seen = script(server, f"{prefix}/r", (status, {}, {"error": "no"}), ok)
    with pytest.raises(halkit.HTTPError) as info:
        run_get(twin, server.url(f"{prefix}/r"))
    assert info.value.status == status and len(seen) == 1


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD", "OPTIONS"])
def test_idempotent_methods_are_retried(twin: Twin, server: TestServer, prefix: str, method: str) -> None:
    seen = script(server, f"{prefix}/r", (503, {}, None), ok)
    twin.run(lambda: send(twin.client(server.url(f"{prefix}/r")), method, server.url(f"{prefix}/r")))
    assert [r.method for r in seen] == [method, method]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_never_retried(twin: Twin, server: TestServer, prefix: str, method: str) -> None:
    seen = script(server, f"{prefix}/r", (503, {"Retry-After": "0"}, {"error": "busy"}), ok)
    with pytest.raises(halkit.HTTPError) as info:
        twin.run(lambda: send(twin.client(server.url(f"{prefix}/r")), method, server.url(f"{prefix}/r")))
    assert info.value.status == 503 and info.value.method == method and len(seen) == 1
    seen = script(server, f"{prefix}/d", drop, ok)
    with pytest.raises(halkit.ConnectError) as error:
        twin.run(lambda: send(twin.client(server.url(f"{prefix}/d")), method, server.url(f"{prefix}/d")))
    assert len(seen) == 1 and error.value.__cause__ is not None


def test_dropped_connections_are_retried_for_gets(twin: Twin, server: TestServer, prefix: str) -> None:
    seen = script(server, f"{prefix}/r", drop, ok)
    assert run_get(twin, server.url(f"{prefix}/r"))["method"] == "GET"
    assert len(seen) == 2


def test_stalled_requests_time_out(twin: Twin, server: TestServer, prefix: str) -> None:
    seen = script(server, f"{prefix}/r", stall(1.0), ok)
    assert run_get(twin, server.url(f"{prefix}/r"), timeout=0.3)["method"] == "GET"  # retried
    assert len(seen) == 2
    seen = script(server, f"{prefix}/p", stall(0.8), ok)
    with pytest.raises(halkit.TimeoutError) as info:
        twin.run(lambda: send(twin.client(server.url(f"{prefix}/p"), timeout=0.3), "POST", server.url(f"{prefix}/p")))
    assert info.value.method == "POST" and isinstance(info.value, TimeoutError) and len(seen) == 1


def test_retries_are_bounded_and_the_last_answer_is_raised(twin: Twin, server: TestServer, prefix: str) -> None:
    problem = {"title": "Down for maintenance", "detail": "Back at 10:00"}
    seen = script(server, f"{prefix}/r", (503, {"Content-Type": "application/problem+json"}, problem))
    with pytest.raises(halkit.ServerError) as info:
        run_get(twin, server.url(f"{prefix}/r"))
    assert len(seen) == 4, "3 retries by default"
    assert info.value.title == "Down for maintenance" and "Back at 10:00" in str(info.value)


@pytest.mark.parametrize("retries, expected", [(0, 1), (False, 1), (1, 2)])
def test_retries_are_configurable(twin: Twin, server: TestServer, prefix: str, retries: Any, expected: int) -> None:
    seen = script(server, f"{prefix}/r", (503, {}, None))
    with pytest.raises(halkit.ServerError):
        run_get(twin, server.url(f"{prefix}/r"), retries=retries)
    assert len(seen) == expected


def test_a_urllib3_retry_policy_works_for_both(twin: Twin, server: TestServer, prefix: str) -> None:
    from urllib3.util.retry import Retry

    seen = script(server, f"{prefix}/q", (502, {}, None))
    custom = Retry(total=5, backoff_factor=0, status_forcelist=[502], allowed_methods=["GET"], raise_on_status=False)
    with pytest.raises(halkit.ServerError):
        run_get(twin, server.url(f"{prefix}/q"), retries=custom)
    assert len(seen) == 6


def test_retry_after_is_honoured_and_an_absurd_one_is_not_waited_for(twin: Twin, server: TestServer,
                                                                     prefix: str) -> None:
    seen = script(server, f"{prefix}/r", (503, {"Retry-After": "1"}, None), ok)
    assert run_get(twin, server.url(f"{prefix}/r"))["method"] == "GET"
    assert len(seen) == 2 and seen[1].headers is not None
    seen = script(server, f"{prefix}/z", (429, {"Retry-After": "86400"}, {"error": "slow down"}), ok)
    with pytest.raises(halkit.RateLimitedError) as info:
        run_get(twin, server.url(f"{prefix}/z"))
    assert info.value.retry_after == "86400" and len(seen) == 1


def test_connection_refused_is_a_connect_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    for kind in ("sync", "async"):
        with pytest.raises(halkit.ConnectError) as info:
            run_get(Twin(kind), f"http://127.0.0.1:{port}/", retries=0)
        assert info.value.url == f"http://127.0.0.1:{port}/" and info.value.__cause__ is not None


def test_deprecation_headers_warn_once(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/d", {"ok": 1}, headers={**HAL, "Deprecation": "true", "Sunset": "Wed, 11 Nov 2026 23:59:59 GMT"})

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/d"))
        with pytest.warns(halkit.DeprecationHeaderWarning, match="Sunset"):
            await io(client.root())
        await io(client.root())  # once per origin and value: no second warning (filterwarnings=error)

    twin.run(scenario)


def test_request_count(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/c", {"ok": 1})

    async def scenario() -> int:
        client = twin.client(server.url(f"{prefix}/c"))
        for _ in range(3):
            await io(client.root())
        return int(client.request_count)

    assert twin.run(scenario) == 3


def test_reads_only_what_is_needed_with_many_tasks(server: TestServer, prefix: str) -> None:
    """100 concurrent GETs on one AsyncClient share its pool (no timing asserted)."""
    import asyncio

    for i in range(100):
        server.add(f"{prefix}/i{i}", {"i": i})

    async def main() -> List[int]:
        async with halkit.AsyncClient(server.url(f"{prefix}/i0")) as client:
            got = await asyncio.gather(*(client.get(server.url(f"{prefix}/i{i}")) for i in range(100)))
            return [g["i"] for g in got]

    assert asyncio.run(main()) == list(range(100))
