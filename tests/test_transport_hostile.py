"""Hostile servers on 127.0.0.1 against the transport (issue "Hostile servers, round two").

Each test plays the attacker with a raw socket server (malformed framing,
drips) or the scriptable test server, on both transport paths: the fast
path (the default) and requests' own (forced with a session hook, which
any requests user may add). Memory is measured with tracemalloc; no test
asserts a time (hangs are caught by generous guards).
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List

import pytest
import requests
from requests.auth import HTTPDigestAuth
from test_hardening import RawServer, head_bytes, peak_memory

import halkit
from halkit import Client
from halkit.auth import ClientCredentials

from server import Request, TestServer

CAP = 1 << 20
MiB = 1 << 20
PATHS = ["fast", "requests"]


def session_for(path: str) -> requests.Session:
    """A session on which the client takes the fast path, or requests' own (a hook: requests must run it)."""
    s = requests.Session()
    if path == "requests":
        s.hooks["response"].append(lambda r, *a, **k: r)
    return s


def finishes(seconds: float, call: Callable[[], Any]) -> Dict[str, Any]:
    """Run ``call`` in a thread; a guard against hanging the suite (a generous bound, not a measure)."""
    box: Dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: B036 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the call was still running after {seconds} s"
    return box


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


@pytest.fixture(scope="module")
def other() -> Iterator[TestServer]:
    """A second loopback server, on another port: another origin."""
    srv = TestServer()
    yield srv
    srv.close()


def bomb(size: int) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9)


# -- 1. Content-Length beside Transfer-Encoding: chunked ------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_a_small_content_length_beside_chunked_does_not_lift_the_cap(raw: Any, path: str) -> None:
    piece = b"x" * 65536

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/hal+json", "Content-Length": "10",
                                           "Transfer-Encoding": "chunked"}))
        for _ in range(256):  # 16 MiB in chunks
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.sendall(b"0\r\n\r\n")

    srv = raw(handler)
    client = Client(srv.url("/x"), session=session_for(path), max_body_size=CAP, retries=0)
    peak, error = peak_memory(client.root)
    assert isinstance(error, halkit.ResponseTooLargeError), repr(error)
    assert peak < 4 * MiB, f"peak {peak / MiB:.1f} MiB under a 1 MiB cap"


# -- 2. redirect bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_every_redirect_hop_body_is_capped(server: TestServer, prefix: str, path: str) -> None:
    packed = bomb(48 * MiB)
    hop = {"Location": f"{prefix}/c", "Content-Encoding": "gzip", "Content-Type": "text/html"}
    server.add(f"{prefix}/a", None, status=302, headers={"Location": f"{prefix}/b"})
    server.add(f"{prefix}/b", packed, status=302, headers=hop)  # the second hop: past the first-hop read
    server.add(f"{prefix}/c", {"ok": True})
    client = Client(server.url(f"{prefix}/a"), session=session_for(path), max_body_size=CAP, retries=0)
    peak, error = peak_memory(client.root)
    assert isinstance(error, halkit.ResponseTooLargeError), repr(error)
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB under a 1 MiB cap"
    assert not server.requests_to(f"{prefix}/c")


@pytest.mark.parametrize("path", PATHS)
def test_small_redirect_bodies_are_still_followed(server: TestServer, prefix: str, path: str) -> None:
    server.add(f"{prefix}/a", "<a href=b>moved</a>", status=302, headers={"Location": f"{prefix}/b"})
    server.add(f"{prefix}/b", {"ok": True})
    assert Client(server.url(f"{prefix}/a"), session=session_for(path)).root()["ok"] is True


# -- 3. a 401 drained before a token renewal ------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_a_401_body_is_capped_before_the_token_renewal(server: TestServer, prefix: str, path: str) -> None:
    packed = bomb(48 * MiB)
    issued: List[str] = []

    def token(req: Request) -> Any:
        issued.append(f"t{len(issued) + 1}")
        return 200, {"Content-Type": "application/json"}, {"access_token": issued[-1], "token_type": "bearer",
                                                             "expires_in": 3600}

    def api(req: Request) -> Any:
        if req.headers.get("authorization") != "Bearer t2":
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"', "Content-Encoding": "gzip"}, packed
        return 200, {}, {"ok": True}

    server.handle(f"{prefix}/token", token, method="POST")
    server.handle(f"{prefix}/api", api)
    auth = ClientCredentials(server.url(f"{prefix}/token"), "id", "secret")
    client = Client(server.url(f"{prefix}/api"), session=session_for(path), auth=auth, max_body_size=CAP,
                    retries=0)
    peak, error = peak_memory(client.root)
    auth.close()
    # the auth drains at most a little of the 401's body, renews, and the retry succeeds
    assert error is None, repr(error)
    assert issued == ["t1", "t2"]
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB under a 1 MiB cap"


# -- 6. HEAD and 304 with a large Content-Length ---------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_head_and_304_with_a_large_content_length_have_no_body_to_refuse(raw: Any, path: str) -> None:
    def handler(conn: socket.socket, head: bytes) -> None:
        status = "304 Not Modified" if head.startswith(b"GET") else "200 OK"
        # one answer per connection, and said so: a client must not reuse it (it did, racing the close)
        conn.sendall(head_bytes(status, {"Content-Type": "application/hal+json", "Content-Length": "999999999",
                                         "ETag": '"v1"', "Connection": "close"}))

    srv = raw(handler)
    client = Client(srv.url("/x"), session=session_for(path), max_body_size=CAP, retries=0)
    head = client.request("HEAD", srv.url("/x"))
    assert head.status_code == 200 and head.content == b""
    cached = client.request("GET", srv.url("/x"), headers={"If-None-Match": '"v1"'})
    assert cached.status_code == 304 and cached.content == b""


# -- 7. Digest auth and redirects -----------------------------------------------------------------


def digest_challenge(seen: List[str]) -> Callable[[Request], Any]:
    def handler(req: Request) -> Any:
        sent = req.headers.get("authorization", "")
        seen.append(sent)
        if sent.startswith("Digest "):
            return 200, {}, {"ok": True, "_links": {"self": {"href": req.path}}}
        return 401, {"WWW-Authenticate": 'Digest realm="r", nonce="abc123", qop="auth", algorithm=MD5'}, b""
    return handler


@pytest.mark.parametrize("path", PATHS)
def test_digest_works_on_both_paths(server: TestServer, prefix: str, path: str) -> None:
    seen: List[str] = []
    server.handle(f"{prefix}/d", digest_challenge(seen))
    client = Client(server.url(f"{prefix}/d"), session=session_for(path), auth=HTTPDigestAuth("user", "pw"))
    assert client.root()["ok"] is True
    assert seen[0] == "" and seen[1].startswith('Digest username="user"')
    assert (client.transport.fast_sends == 1) is (path == "fast")  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", PATHS)
def test_digest_does_not_answer_another_origins_challenge(server: TestServer, other: TestServer, prefix: str,
                                                          path: str) -> None:
    seen: List[str] = []
    other.handle(f"{prefix}/trap", digest_challenge(seen))
    server.add(f"{prefix}/d", None, status=302, headers={"Location": other.url(f"{prefix}/trap")})
    client = Client(server.url(f"{prefix}/d"), session=session_for(path), auth=HTTPDigestAuth("user", "pw"))
    with pytest.raises(halkit.HalkitError) as info:
        client.root()
    assert getattr(info.value, "status", None) == 401
    assert seen == [""], "the other origin got a Digest answer"


# -- 13. a total deadline per call ----------------------------------------------------------------


def dripping(total: int, every: float) -> Callable[[socket.socket, bytes], None]:
    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/hal+json", "Content-Length": str(total)}))
        for _ in range(total):
            conn.sendall(b" ")
            time.sleep(every)
    return handler


@pytest.mark.parametrize("path", PATHS)
def test_a_dripping_body_cannot_hold_a_call_past_its_deadline(raw: Any, path: str) -> None:
    srv = raw(dripping(10_000, 0.1))  # 1,000 s of drip, never 1 s of silence
    client = Client(srv.url("/x"), session=session_for(path), timeout=1.0, deadline=1.0, retries=0)
    box = finishes(30, client.root)
    assert isinstance(box.get("error"), halkit.TimeoutError), repr(box.get("error"))
    assert "deadline" in str(box["error"])


def test_the_deadline_defaults_to_a_multiple_of_the_read_timeout_and_is_settable_per_call(raw: Any) -> None:
    client = Client("http://127.0.0.1:9/", timeout=(2.0, 0.5))
    assert client.deadline == 0.5 * halkit.transport.DEADLINE_FACTOR
    assert Client("http://127.0.0.1:9/", timeout=None).deadline is None
    srv = raw(dripping(10_000, 0.1))
    patient = Client(srv.url("/x"), timeout=1.0, deadline=None, retries=0)
    box = finishes(30, lambda: patient.request("GET", srv.url("/x"), deadline=0.5))
    assert isinstance(box.get("error"), halkit.TimeoutError), repr(box.get("error"))


@pytest.mark.parametrize("path", PATHS)
def test_retry_after_never_waits_past_the_deadline(server: TestServer, prefix: str, path: str) -> None:
    seen: List[str] = []

    def busy(req: Request) -> Any:
        seen.append(req.path)
        return 503, {"Retry-After": "3"}, {"title": "busy"}

    server.handle(f"{prefix}/r", busy)
    session = session_for(path)
    from requests.adapters import HTTPAdapter

    from halkit.retry import default_retry

    session.mount("http://", HTTPAdapter(max_retries=default_retry()))
    client = Client(server.url(f"{prefix}/r"), session=session, timeout=1.0, deadline=2.0)
    box = finishes(30, client.root)
    assert isinstance(box.get("error"), halkit.ServerError), repr(box.get("error"))
    assert len(seen) == 1, "a 3 s Retry-After would pass the 2 s deadline: no retry"


@pytest.mark.parametrize("path", PATHS)
def test_the_deadline_holds_with_an_auth_hook_too(raw: Any, path: str) -> None:
    srv = raw(dripping(10_000, 0.1))
    client = Client(srv.url("/x"), session=session_for(path), auth="tok", timeout=1.0, deadline=1.0, retries=0)
    box = finishes(30, client.root)
    assert isinstance(box.get("error"), halkit.TimeoutError), repr(box.get("error"))
    assert "deadline" in str(box["error"])
