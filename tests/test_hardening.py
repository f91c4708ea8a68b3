"""Hardening: bad bodies, size caps, hostile links and redirects, credential scoping, crawl bounds.

Everything here goes through the public API (``Client``, ``Resource``,
``Link``, ``crawl``) against real servers on 127.0.0.1, so it holds whatever
transport sits under :meth:`halkit.Client.request`. ``RawServer`` writes
bytes by hand for what an HTTP server library will not do (lie about
Content-Length, stall after the headers, stream forever).
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import warnings
import zlib
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
import requests

import halkit
from halkit import Client
from halkit.crawl import crawl

from server import Request, TestServer

HAL = {"Content-Type": "application/hal+json"}
SECRET = "s3cret-token-0123456789"


# -- a server that writes raw bytes ---------------------------------------------------------------


class RawServer:
    """Accepts connections on 127.0.0.1 and lets ``handler(conn, head)`` write whatever it likes."""

    def __init__(self, handler: Callable[[socket.socket, bytes], None]) -> None:
        self.handler = handler
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.heads: List[bytes] = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            self.heads.append(head)
            self.handler(conn, head)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.closed.set()
        self.sock.close()


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


@pytest.fixture
def listener() -> Iterator[RawServer]:
    """A port that counts connections and never answers: proof that nothing was sent."""
    srv = RawServer(lambda conn, head: None)
    yield srv
    srv.close()


def head_bytes(status: str, headers: Dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def peak_memory(call: Callable[[], Any]) -> Tuple[int, Optional[BaseException]]:
    """The peak of Python allocations during ``call()``, and what it raised."""
    tracemalloc.start()
    error: Optional[BaseException] = None
    try:
        call()
    except BaseException as exc:  # noqa: B036 - returned to the test
        error = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, error


# -- bodies that are not what they claim ----------------------------------------------------------


def test_html_sent_as_hal_says_what_came_back(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", "<html><body>502 Bad Gateway</body></html>", headers=dict(HAL))
    with pytest.raises(halkit.HalFormatError) as info:
        Client(server.url(f"{prefix}/x"), retries=0).root()
    message = str(info.value)
    assert server.url(f"{prefix}/x") in message and "invalid JSON" in message
    assert "<html>" in message, "the error should show the start of what came back"


def test_wrong_content_type_says_what_came_back(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", "<html><body>Sign in</body></html>", headers={"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(halkit.ContentTypeError) as info:
        Client(server.url(f"{prefix}/x"), retries=0).root()
    err = info.value
    assert err.content_type == "text/html; charset=utf-8" and err.status == 200
    assert err.url == server.url(f"{prefix}/x") and err.method == "GET"
    assert "text/html" in str(err) and "Sign in" in str(err)


def test_no_content_type_and_not_json(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", b"\x00\x01binary", headers={})
    with pytest.raises(halkit.ContentTypeError) as info:
        Client(server.url(f"{prefix}/x"), retries=0).root()
    assert "no Content-Type" in str(info.value)


def test_json_under_a_wrong_content_type(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", '{"a": 1}', headers={"Content-Type": "text/plain"})
    client = Client(server.url(f"{prefix}/x"), retries=0)
    with pytest.warns(halkit.CompatibilityWarning, match="text/plain"):
        assert client.root()["a"] == 1
    with pytest.raises(halkit.ContentTypeError):
        Client(server.url(f"{prefix}/x"), retries=0, strict=True).root()


@pytest.mark.parametrize(("status", "body"), [(200, b""), (200, b"  \r\n"), (204, b"")])
def test_empty_bodies_say_so(server: TestServer, prefix: str, status: int, body: bytes) -> None:
    server.add(f"{prefix}/x", body, status=status, headers=dict(HAL))
    with pytest.raises(halkit.ContentTypeError) as info:
        Client(server.url(f"{prefix}/x"), retries=0).root()
    assert "body" in str(info.value) and str(status) in str(info.value)
    assert info.value.url == server.url(f"{prefix}/x")


def test_truncated_body_names_what_happened(raw: Any) -> None:
    body = b'{"_links": {"self": {"href": "/x"}}, "items": [1, 2, 3'

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/hal+json", "Content-Length": "1000"}) + body)

    srv = raw(handler)
    with pytest.raises(halkit.RequestError) as info:
        Client(srv.url("/x"), retries=0, timeout=5).root()
    err = info.value
    assert err.url == srv.url("/x") and err.method == "GET"
    assert "truncated" in str(err).lower()
    assert err.__cause__ is not None


def test_truncated_gzip_body(raw: Any) -> None:
    packed = gzip.compress(b'{"a": "' + b"x" * 10000 + b'"}')[:-40]

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/json", "Content-Encoding": "gzip",
                                           "Content-Length": str(len(packed))}) + packed)

    srv = raw(handler)
    with pytest.raises(halkit.RequestError) as info:
        Client(srv.url("/x"), retries=0, timeout=5).root()
    assert info.value.url == srv.url("/x")


def test_body_that_is_not_gzip(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", b'{"a": 1}', headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with pytest.raises(halkit.ContentTypeError) as info:
        Client(server.url(f"{prefix}/x"), retries=0).root()
    assert "decompress" in str(info.value)


# -- the body size cap ----------------------------------------------------------------------------


def test_the_default_cap_suits_real_apis() -> None:
    cap = halkit.client.DEFAULT_MAX_BODY_SIZE
    assert 8 * 2**20 <= cap <= 256 * 2**20
    assert Client("http://127.0.0.1:9/").max_body_size == cap


def test_content_length_over_the_cap_is_refused_before_reading(raw: Any) -> None:
    """The server sends the headers and then waits: a client reading the body would hang until its timeout."""
    released = threading.Event()

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/hal+json", "Content-Length": "50000000"}))
        released.wait(5)

    srv = raw(handler)
    try:
        # a client that read the body would get, after the server gives up, a truncated body instead
        with pytest.raises(halkit.ResponseTooLargeError) as info:
            Client(srv.url("/big"), max_body_size=1_000_000, timeout=30).root()
    finally:
        released.set()
    assert info.value.limit == 1_000_000 and "Content-Length" in str(info.value)
    assert info.value.url == srv.url("/big")
    assert srv.connections == 1 and len(srv.heads) == 1, "a too-large answer is not retried"


def test_cap_boundary_is_exact(server: TestServer, prefix: str) -> None:
    body = b'{"a": "' + b"x" * 993 + b'"}'
    assert len(body) == 1002
    server.add(f"{prefix}/x", body, headers=dict(HAL))
    assert Client(server.url(f"{prefix}/x"), max_body_size=1002).root()["a"] == "x" * 993
    with pytest.raises(halkit.ResponseTooLargeError):
        Client(server.url(f"{prefix}/x"), max_body_size=1001).root()


def test_gzip_bomb_is_stopped_without_inflating_it(server: TestServer, prefix: str) -> None:
    """64 MiB of JSON whitespace in a 64 KB gzip body, cap 1 MiB: stopped after about the cap."""
    inflated = 64 * 2**20
    bomb = gzip.compress(b"{" + b" " * (inflated - 2) + b"}", compresslevel=9)
    assert len(bomb) < 200_000
    server.add(f"{prefix}/bomb", bomb, headers={"Content-Type": "application/hal+json", "Content-Encoding": "gzip"})
    client = Client(server.url(f"{prefix}/bomb"), max_body_size=2**20, retries=0)
    peak, error = peak_memory(client.root)
    assert isinstance(error, halkit.ResponseTooLargeError), error
    assert "decompress" in str(error)
    assert peak < 8 * 2**20, f"peak memory {peak} bytes: the bomb was inflated"


def test_deflate_bomb(server: TestServer, prefix: str) -> None:
    bomb = zlib.compress(b" " * (32 * 2**20), 9)
    server.add(f"{prefix}/bomb", bomb, headers={"Content-Type": "application/json", "Content-Encoding": "deflate"})
    client = Client(server.url(f"{prefix}/bomb"), max_body_size=2**20, retries=0)
    peak, error = peak_memory(client.root)
    assert isinstance(error, halkit.ResponseTooLargeError), error
    assert peak < 8 * 2**20


def test_endless_chunked_body_is_cut_at_the_cap(raw: Any) -> None:
    """No Content-Length, chunks until the client hangs up: it hangs up after about the cap."""
    sent = [0]
    chunk = b" " * 65536

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}) + b"1\r\n{\r\n")
        while sent[0] < 200 * 2**20:
            conn.sendall(b"10000\r\n" + chunk + b"\r\n")
            sent[0] += len(chunk)

    srv = raw(handler)
    client = Client(srv.url("/stream"), max_body_size=2**20, retries=0, timeout=5)
    peak, error = peak_memory(client.root)
    assert isinstance(error, halkit.ResponseTooLargeError), error
    assert peak < 8 * 2**20
    time.sleep(0.05)
    assert sent[0] < 100 * 2**20, f"the client kept reading: {sent[0]} bytes sent"


def test_cap_applies_to_error_bodies_too(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", {"error": "x" * 5000}, status=500)
    with pytest.raises(halkit.ResponseTooLargeError):
        Client(server.url(f"{prefix}/x"), max_body_size=1000, retries=0).root()


# -- hostile links and redirects ------------------------------------------------------------------

UNSAFE = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "data:application/json,{}",
    "javascript:alert(1)",
    "ftp://127.0.0.1:{port}/x",
    "gopher://127.0.0.1:{port}/x",
    "ws://127.0.0.1:{port}/x",
    "jar:http://127.0.0.1:{port}/x!/",
    "http:/relative-without-host",
]


@pytest.mark.parametrize("href", UNSAFE)
def test_unsafe_links_are_refused_before_any_io(server: TestServer, prefix: str, listener: RawServer, href: str) -> None:
    href = href.replace("{port}", str(listener.port))
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "evil": {"href": href},
                                         "tpl": {"href": "{+u}", "templated": True}}})
    client = Client(server.url(f"{prefix}/"))
    root = client.root()
    before = len(server.log)
    with pytest.raises(halkit.UnsafeURLError):
        root.follow("evil")
    with pytest.raises(halkit.UnsafeURLError):
        root.link("evil").post({"a": 1})
    with pytest.raises(halkit.UnsafeURLError):
        root.follow("tpl", u=href)
    with pytest.raises(halkit.UnsafeURLError):
        client.get(href)
    assert len(server.log) == before and listener.connections == 0


def test_an_unsafe_next_page_stops_a_walk(server: TestServer, prefix: str, listener: RawServer) -> None:
    server.add(f"{prefix}/p", {"_links": {"self": {"href": f"{prefix}/p"}, "next": {"href": f"ftp://127.0.0.1:{listener.port}/p2"}},
                               "_embedded": {"items": [{"_links": {"self": {"href": f"{prefix}/i/1"}}, "id": 1}]}})
    it = Client(server.url(f"{prefix}/p")).root().items()
    assert next(it)["id"] == 1
    with pytest.raises(halkit.UnsafeURLError):
        next(it)
    assert listener.connections == 0


def test_header_injection_in_an_href_is_refused(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "evil": {"href": f"{prefix}/a\r\nX-Injected: 1"}}})
    root = Client(server.url(f"{prefix}/")).root()
    with pytest.raises(halkit.UnsafeURLError):
        root.follow("evil")
    assert not [r for r in server.log if "x-injected" in r.headers]


def test_uppercase_http_scheme_is_fine(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/a", {"ok": 1})
    assert Client(f"HTTP://127.0.0.1:{server.port}{prefix}/a").root()["ok"] == 1


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1:{port}/x", "data:,x",
                                      "javascript:alert(1)", "gopher://127.0.0.1:{port}/"])
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_to_unsafe_schemes_are_refused(server: TestServer, prefix: str, listener: RawServer,
                                                 location: str, status: int) -> None:
    server.add(f"{prefix}/r", None, status=status, headers={"Location": location.replace("{port}", str(listener.port))})
    with pytest.raises(halkit.UnsafeURLError):
        Client(server.url(f"{prefix}/r"), retries=0).root()
    assert listener.connections == 0


def test_redirect_loop_stops_with_a_clear_error(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/a", None, status=302, headers={"Location": f"{prefix}/b"})
    server.add(f"{prefix}/b", None, status=307, headers={"Location": f"{prefix}/a"})
    server.add(f"{prefix}/self", None, status=301, headers={"Location": f"{prefix}/self"})
    with pytest.raises(halkit.TooManyRedirectsError) as info:
        Client(server.url(f"{prefix}/a")).root()
    assert info.value.url == server.url(f"{prefix}/a") and "redirect" in str(info.value)
    with pytest.raises(halkit.TooManyRedirectsError):
        Client(server.url(f"{prefix}/self")).root()
    hops = len(server.requests_to(f"{prefix}/a")) + len(server.requests_to(f"{prefix}/b"))
    assert 2 <= hops <= 31, hops


# -- credentials stay with their origin -----------------------------------------------------------


class ApiKey(requests.auth.AuthBase):
    """A custom auth that puts its secret in a header of its own."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["X-Api-Key"] = SECRET
        return r


AUTHS: Dict[str, Any] = {
    "bearer": SECRET,
    "basic": ("user", SECRET),
    "custom": ApiKey(),
}


def leaked(requests_seen: List[Request]) -> List[Tuple[str, str]]:
    """(path, header) of every request that carried a credential."""
    out = []
    for req in requests_seen:
        for name, value in req.headers.items():
            if name in ("authorization", "x-api-key") or SECRET in value:
                out.append((req.path, name))
    return out


@pytest.mark.parametrize("kind", sorted(AUTHS))
def test_no_credentials_reach_another_origin(server: TestServer, other: TestServer, prefix: str, kind: str) -> None:
    """Links, redirects (every status, several hops, host aliases), pages, embedded self links, Location."""
    a, b = server.url, other.url
    alias = f"http://localhost:{server.port}"  # the same server under another host: another origin
    for path in ("/b", "/b/page2", "/b/created", "/b/back"):
        other.add(f"{prefix}{path}", {"_links": {"self": {"href": f"{prefix}{path}"}}, "on": "b"})
    other.add(f"{prefix}/b/post", {"on": "b"}, method="POST")
    other.add(f"{prefix}/b/to-a", None, status=302, headers={"Location": a(f"{prefix}/a/doc")})
    server.add(f"{prefix}/alias", {"on": "alias"})
    server.add(f"{prefix}/a/doc", {"on": "a"})
    redirects = {}
    for status in (301, 302, 303, 307, 308):
        server.add(f"{prefix}/r{status}", None, status=status, headers={"Location": b(f"{prefix}/b")})
        redirects[f"r{status}"] = {"href": f"{prefix}/r{status}"}
    server.add(f"{prefix}/hop1", None, status=302, headers={"Location": f"{prefix}/hop2"})
    server.add(f"{prefix}/hop2", None, status=307, headers={"Location": b(f"{prefix}/b")})
    server.add(f"{prefix}/to-alias", None, status=302, headers={"Location": alias + f"{prefix}/alias"})
    server.add(f"{prefix}/create", None, status=201, headers={"Location": b(f"{prefix}/b/created")}, method="POST")
    server.add(f"{prefix}/create", {"_links": {"self": {"href": f"{prefix}/create"}}})
    server.add(f"{prefix}/pages", {
        "_links": {"self": {"href": f"{prefix}/pages"}, "next": {"href": b(f"{prefix}/b/page2")}},
        "_embedded": {"items": [{"_links": {"self": {"href": b(f"{prefix}/b")}}, "id": 1}]},
    })
    server.add(f"{prefix}/", {
        "_links": {
            "self": {"href": f"{prefix}/"},
            "b": {"href": b(f"{prefix}/b")},
            "b-post": {"href": b(f"{prefix}/b/post")},
            "b-tpl": {"href": b(f"{prefix}/b{{/x}}"), "templated": True},
            "b-scheme-relative": {"href": f"//127.0.0.1:{other.port}{prefix}/b"},
            "alias": {"href": alias + f"{prefix}/alias"},
            "hop": {"href": f"{prefix}/hop1"},
            "to-alias": {"href": f"{prefix}/to-alias"},
            "round-trip": {"href": b(f"{prefix}/b/to-a")},
            "create": {"href": f"{prefix}/create"},
            "pages": {"href": f"{prefix}/pages"},
            "a": {"href": f"{prefix}/a/doc"},
            **redirects,
        },
    })
    client = Client(a(f"{prefix}/"), auth=AUTHS[kind], retries=0)
    root = client.root()
    assert root.follow("a")["on"] == "a"
    for rel in ("b", "b-scheme-relative", "hop", *redirects):
        assert root.follow(rel)["on"] == "b", rel
    assert root.follow("b-tpl", x="back")["on"] == "b"
    assert root.link("b-post").post({"x": 1}) is not None
    assert root.follow("alias")["on"] == "alias"
    assert root.follow("to-alias")["on"] == "alias"
    assert root.follow("round-trip")["on"] == "a"
    created = root.follow("create").post({"x": 1})
    assert created is not None and created["on"] == "b"
    pages = root.follow("pages")
    assert [item["id"] for item in pages.items()] == [1]
    assert pages.embedded("items")[0].refresh()["on"] == "b"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", halkit.CompatibilityWarning)
        assert len(list(pages.pages())) == 2

    on_b = other.requests_to(prefix)
    on_alias = [r for r in server.requests_to(prefix) if r.headers.get("host", "").startswith("localhost")]
    on_a = [r for r in server.requests_to(prefix) if r.headers.get("host", "").startswith("127.0.0.1")]
    assert len(on_b) >= 14 and len(on_alias) >= 2
    assert leaked(on_b) == [] and leaked(on_alias) == []
    # the positive control: the credentials did go to their own origin
    assert len(leaked(on_a)) >= len(on_a) - 1 >= 10


# -- crawls ---------------------------------------------------------------------------------------


def test_crawl_fetches_each_resource_once_across_url_variants(server: TestServer, other: TestServer,
                                                              prefix: str, listener: RawServer) -> None:
    port, p = server.port, prefix
    variants = [f"HTTP://127.0.0.1:{port}{p}/a", f"http://127.0.0.1:{port}{p}/a", f"{p}/a#frag", f"{p}/./a",
                f"{p}/b/../a", f"{p}/%61", f"http://127.0.0.1:{port}{p}/a#x", f"//127.0.0.1:{port}{p}/a"]
    server.add(f"{p}/", {"_links": {"self": {"href": f"{p}/"}, "a": {"href": f"{p}/a"}, "b": {"href": f"{p}/b"}}})
    server.add(f"{p}/a", {"_links": {"self": {"href": f"{p}/a"}, "b": {"href": f"{p}/b"}, "up": {"href": f"{p}/"},
                                     "same": [{"href": v} for v in variants]}})
    server.add(f"{p}/b", {"_links": {"self": {"href": f"{p}/b#top"}, "a": {"href": f"{p}/a"}, "root": {"href": f"{p}/./"},
                                     "elsewhere": {"href": other.url(f"{p}/x")},
                                     "unsafe": [{"href": "file:///etc/passwd"}, {"href": f"ftp://127.0.0.1:{listener.port}/"}],
                                     "search": {"href": f"{p}/s{{?q}}", "templated": True}}})
    report = crawl(Client(server.url(f"{p}/")))
    paths = sorted(r.path for r in server.requests_to(p))
    assert paths == [f"{p}/", f"{p}/a", f"{p}/b"], paths
    assert report.total == 3 and report.requests == 3 and not report.truncated
    assert other.requests_to(p) == [] and listener.connections == 0


def test_crawl_bounds_an_endless_api(server: TestServer, prefix: str) -> None:
    """Every resource links to a new one, every page to a next page: max_resources stops it."""

    def endless(req: Request) -> Any:
        n = int(req.path.rsplit("/", 1)[1])
        return 200, dict(HAL), {"_links": {"self": {"href": f"{prefix}/n/{n}"}, "next": {"href": f"{prefix}/n/{n + 1}"},
                                           "also": {"href": f"{prefix}/n/{n + 1000}"}}}

    for n in range(3000):
        server.handle(f"{prefix}/n/{n}", endless)
    report = crawl(Client(server.url(f"{prefix}/n/0")), max_resources=25)
    assert report.total == 25 and report.truncated
    assert len(server.requests_to(f"{prefix}/n/")) == 25
    paths = [r.path for r in server.requests_to(f"{prefix}/n/")]
    assert len(set(paths)) == len(paths), "a page was fetched twice"


def test_crawl_records_failures_and_goes_on(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "bad": {"href": f"{prefix}/bad"},
                                        "boom": {"href": f"{prefix}/boom"}, "ok": {"href": f"{prefix}/ok"}}})
    server.add(f"{prefix}/bad", {"_links": {"self": 5}})
    server.add(f"{prefix}/boom", {"error": "x"}, status=500)
    server.add(f"{prefix}/ok", {"fine": True})
    report = crawl(Client(server.url(f"{prefix}/"), retries=0))
    assert report.total == 4
    assert sorted(p.url.rsplit("/", 1)[1] for p in report.problems) == ["bad", "boom"]
    assert all(p.rule == "error" for p in report.problems)


def test_paging_cycle_yields_no_item_twice(server: TestServer, prefix: str) -> None:
    """page 0 -> page 1 -> page 0 (a server bug): the walk ends, nothing is yielded twice."""

    def page(n: int, nxt: str) -> Dict[str, Any]:
        return {"_links": {"self": {"href": f"{prefix}/p{n}"}, "next": {"href": nxt}},
                "_embedded": {"items": [{"_links": {"self": {"href": f"{prefix}/i/{n}{k}"}}, "id": f"{n}{k}"} for k in range(2)]}}

    server.add(f"{prefix}/p0", page(0, f"{prefix}/p1"))
    server.add(f"{prefix}/p1", page(1, f"http://127.0.0.1:{server.port}{prefix}/./p0#again"))
    server.add(f"{prefix}/self-loop", page(9, f"{prefix}/self-loop"))
    for start in ("p0", "self-loop"):
        it = Client(server.url(f"{prefix}/{start}")).root().items()
        ids: List[str] = []
        try:
            for item in it:
                ids.append(item["id"])
                assert len(ids) < 50, f"endless walk: {ids[:10]}..."
        except halkit.HalkitError as exc:
            assert "cycle" in str(exc) or "already" in str(exc), exc
        assert len(ids) == len(set(ids)), ids
        assert it.pages_fetched <= 2


# -- templates in hostile documents ---------------------------------------------------------------

MALFORMED_TEMPLATES = [
    "/u{?q",  # unclosed
    "/u{?q}}",  # stray close
    "/u?q}",
    "/u{}",  # empty expression
    "/u{!q}",  # reserved operators
    "/u{=q}",
    "/u{|q}",
    "/u{@q}",
    "/u{,q}",
    "/u{q:0}",  # prefix out of range
    "/u{q:10000}",
    "/u{q:-1}",
    "/u{q:x}",
    "/u{q:}",
    "/u{q**}",  # bad explode
    "/u{q*:3}",
    "/u{q:3*}",
    "/u{q*3}",
    "/u{q r}",  # bad names
    "/u{q.}",
    "/u{%zz}",
    "/u{q\r\n}",
    "/u\r\n{q}",
]


@pytest.mark.parametrize("template", MALFORMED_TEMPLATES)
def test_malformed_templates_in_links_are_template_errors(server: TestServer, prefix: str, template: str) -> None:
    res = halkit.Resource({"_links": {"t": {"href": template, "templated": True}}}, base_url=server.url(f"{prefix}/"),
                          client=Client(server.url(f"{prefix}/")))
    before = len(server.log)
    with pytest.raises(halkit.TemplateError):
        res.follow("t", q="v")
    with pytest.raises(halkit.TemplateError):
        _ = res.link("t").variables
    assert len(server.log) == before


@pytest.mark.parametrize(("template", "value"), [("/u{q:3}", ["ab", "cd"]), ("/u{q:3}", {"k": "v"}),
                                                 ("/u{?q:2}", ["a"]), ("/u{/q:1*}", ["a"])])
def test_a_prefix_on_a_list_or_map_is_a_template_error(template: str, value: Any) -> None:
    res = halkit.parse({"_links": {"t": {"href": template, "templated": True}}}, base_url="http://127.0.0.1:9/")
    with pytest.raises(halkit.TemplateError):
        res.link("t").expand(q=value)
