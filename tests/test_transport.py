"""halkit.transport: the fast path, its fallbacks, and that both give requests' results (loopback sockets)."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from typing import Any, Dict, List

import pytest
import requests
from requests.adapters import HTTPAdapter

import halkit
from halkit.auth import ClientCredentials
from halkit.transport import Request as Call
from halkit.transport import SessionTransport

from server import Request, TestServer, slow

CAP = 1 << 20


def send(t: SessionTransport, url: str, method: str = "GET", **kw: Any) -> requests.Response:
    kw.setdefault("headers", {"Accept": "application/hal+json"})
    kw.setdefault("timeout", 5.0)
    kw.setdefault("max_body_size", CAP)
    return t.send(Call(method, url, **kw))


def plain_session(retries: int = 0) -> requests.Session:
    s = requests.Session()
    adapter = HTTPAdapter(max_retries=retries)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def test_fast_path_builds_the_response_requests_would(server: TestServer, prefix: str) -> None:
    headers = {"Content-Type": "application/hal+json; charset=utf-8", "X-One": "1"}
    server.add(f"{prefix}/doc?x=1", {"a": 1}, headers=headers)  # the test server routes on path and query
    t = SessionTransport(plain_session())
    url = server.url(f"{prefix}/doc?x=1#frag")
    assert t.uses_fast_path(url)
    r = send(t, url)
    assert t.fast_sends == 1 and t.slow_sends == 0
    assert r.status_code == 200 and r.reason == "OK"
    assert r.json() == {"a": 1}
    assert r.headers["x-one"] == "1"
    assert r.encoding == "utf-8"
    assert r.url == url
    assert r.request is not None and r.request.headers["Accept"] == "application/hal+json"
    assert r.elapsed.total_seconds() > 0
    (seen,) = server.requests_to(f"{prefix}/doc")
    assert seen.path == f"{prefix}/doc?x=1"
    assert seen.headers["accept"] == "application/hal+json"
    assert seen.headers["user-agent"].startswith("python-requests/")  # the session's headers are merged


def _observable(r: requests.Response) -> Dict[str, Any]:
    headers = {k.lower(): v for k, v in r.headers.items() if k.lower() not in ("date", "server")}
    return {
        "status": r.status_code, "reason": r.reason, "content": r.content, "url": r.url, "headers": headers,
        "encoding": r.encoding, "history": [(h.status_code, h.url) for h in r.history],
        "request": (r.request.method, r.request.url, dict(r.request.headers)) if r.request else None,
    }


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/doc", None),
        ("GET", "/doc?q=a%20b&r=%41", None),  # escapes: requests' URL preparation, both ways
        ("GET", "/d\u00e9j\u00e0", None),  # not ASCII
        ("POST", "/doc", b'{"x":1}'),
        ("DELETE", "/doc", None),
        ("GET", "/missing", None),
        ("GET", "/redirect", None),
    ],
)
def test_fast_and_slow_paths_agree(server: TestServer, prefix: str, method: str, path: str, body: Any) -> None:
    def echo(req: Request) -> Any:
        if req.path.endswith("/redirect"):
            return 302, {"Location": f"{prefix}/doc"}, b""
        if "missing" in req.path:
            return 404, {"Content-Type": "application/json"}, {"error": "nope"}
        return 200, {}, {"path": req.path, "method": req.method, "body": req.body.decode(), "length": req.headers.get("content-length")}

    server.handle(f"{prefix}/doc", echo)
    server.handle(f"{prefix}/doc?q=a%20b&r=A", echo)
    server.handle(f"{prefix}/d%C3%A9j%C3%A0", echo)
    server.handle(f"{prefix}/missing", echo)
    server.handle(f"{prefix}/redirect", echo)
    url = server.url(prefix + path)
    fast, slow_t = SessionTransport(plain_session()), SessionTransport(plain_session(), fast_path=False)
    a = send(fast, url, method, body=body)
    b = send(slow_t, url, method, body=body)
    assert _observable(a) == _observable(b)
    assert slow_t.fast_sends == 0 and slow_t.slow_sends == 1
    assert fast.fast_sends == 1 or not fast.uses_fast_path(url)


def test_params_are_encoded_as_requests_does(server: TestServer, prefix: str) -> None:
    server.handle(f"{prefix}/p?a=1&b=x+y", lambda req: (200, {}, {"path": req.path}))
    r = send(SessionTransport(plain_session()), server.url(f"{prefix}/p"), params={"a": 1, "b": "x y"})
    assert r.json() == {"path": f"{prefix}/p?a=1&b=x+y"}


def test_session_hooks_take_the_requests_path(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/h", {"ok": True})
    s = plain_session()
    seen: List[int] = []
    s.hooks["response"].append(lambda r, **kw: seen.append(r.status_code))
    t = SessionTransport(s)
    assert not t.uses_fast_path(server.url(f"{prefix}/h"))
    send(t, server.url(f"{prefix}/h"))
    assert seen == [200] and t.slow_sends == 1 and t.fast_sends == 0


def test_a_mounted_custom_adapter_is_used(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/m", {"ok": True})

    class Counting(HTTPAdapter):
        sent = 0

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            Counting.sent += 1
            return super().send(request, *args, **kwargs)

    s = plain_session()
    s.mount(server.url(prefix), Counting())
    t = SessionTransport(s)
    send(t, server.url(f"{prefix}/m"))
    assert Counting.sent == 1 and t.fast_sends == 0
    # mounted after the first request to an origin: noticed on the next one
    s2 = plain_session()
    t2 = SessionTransport(s2)
    send(t2, server.url(f"{prefix}/m"))
    s2.mount(server.url(prefix), Counting())
    send(t2, server.url(f"{prefix}/m"))
    assert Counting.sent == 2 and t2.fast_sends == 1


def test_environment_proxies_are_honoured(server: TestServer, prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the test server plays the proxy: it sees the absolute URL in the request line
    target = f"http://halkit-proxied.invalid{prefix}/p"
    server.handle(target, lambda req: (200, {}, {"via": "proxy"}))
    monkeypatch.setenv("HTTP_PROXY", server.base)
    t = SessionTransport(plain_session())
    assert not t.uses_fast_path(target)
    assert send(t, target).json() == {"via": "proxy"}
    assert t.slow_sends == 1
    # NO_PROXY for the origin: the fast path again
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    t2 = SessionTransport(plain_session())
    assert t2.uses_fast_path(server.url(f"{prefix}/q"))


def test_cookies_go_to_the_jar_and_back(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/login", {"ok": True}, headers={"Set-Cookie": "sid=abc; Path=/"})
    server.handle(f"{prefix}/me", lambda req: (200, {}, {"cookie": req.headers.get("cookie")}))
    s = plain_session()
    t = SessionTransport(s)
    r = send(t, server.url(f"{prefix}/login"))
    assert t.fast_sends == 1
    assert r.cookies.get("sid") == "abc" and s.cookies.get("sid") == "abc"
    assert send(t, server.url(f"{prefix}/me")).json() == {"cookie": "sid=abc"}
    assert t.slow_sends == 1  # a non-empty jar: requests builds the Cookie header


def test_session_auth_takes_the_requests_path(server: TestServer, prefix: str) -> None:
    server.handle(f"{prefix}/a", lambda req: (200, {}, {"auth": req.headers.get("authorization")}))
    s = plain_session()
    s.auth = ("u", "p")
    t = SessionTransport(s)
    assert send(t, server.url(f"{prefix}/a")).json()["auth"].startswith("Basic ")
    assert t.slow_sends == 1


def test_redirects_are_followed_with_history(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/old", None, status=301, headers={"Location": f"{prefix}/new"})
    server.add(f"{prefix}/new", {"new": True})
    server.add(f"{prefix}/post", None, status=303, headers={"Location": f"{prefix}/new"}, method="POST")
    t = SessionTransport(plain_session())
    r = send(t, server.url(f"{prefix}/old"))
    assert r.json() == {"new": True} and r.url == server.url(f"{prefix}/new")
    assert [(h.status_code, h.headers["Location"]) for h in r.history] == [(301, f"{prefix}/new")]
    r = send(t, server.url(f"{prefix}/post"), "POST", body=b"{}")
    assert r.json() == {"new": True} and r.request.method == "GET"


def test_redirect_loop_is_too_many_redirects(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/loop", None, status=302, headers={"Location": f"{prefix}/loop"})
    s = plain_session()
    s.max_redirects = 3
    with pytest.raises(halkit.TooManyRedirectsError):
        send(SessionTransport(s), server.url(f"{prefix}/loop"))


def test_401_renews_the_token_once_through_the_auth_hook(server: TestServer, prefix: str) -> None:
    issued: List[str] = []

    def token(req: Request) -> Any:
        issued.append(f"t{len(issued) + 1}")
        return 200, {"Content-Type": "application/json"}, {"access_token": issued[-1], "token_type": "bearer", "expires_in": 3600}

    def api(req: Request) -> Any:
        if req.headers.get("authorization") != "Bearer t2":
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, b""
        return 200, {}, {"ok": True}

    server.handle(f"{prefix}/token", token, method="POST")
    server.handle(f"{prefix}/api", api)
    auth = ClientCredentials(server.url(f"{prefix}/token"), "id", "secret", origins=[server.base])
    t = SessionTransport(plain_session())
    r = send(t, server.url(f"{prefix}/api"), auth=auth)
    auth.close()
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert issued == ["t1", "t2"]
    assert [q.headers.get("authorization") for q in server.requests_to(f"{prefix}/api")] == ["Bearer t1", "Bearer t2"]
    assert [h.status_code for h in r.history] == [401]
    assert t.fast_sends == 1


def test_credentials_go_only_to_their_origin(server: TestServer, prefix: str) -> None:
    server.handle(f"{prefix}/who", lambda req: (200, {}, {"auth": req.headers.get("authorization")}))
    auth = halkit.auth.BearerToken("tok", origins=["http://elsewhere.invalid"])
    r = send(SessionTransport(plain_session()), server.url(f"{prefix}/who"), auth=auth)
    assert r.json() == {"auth": None}


def test_body_cap(server: TestServer, prefix: str) -> None:
    big = b"x" * 2000
    server.add(f"{prefix}/big", big, headers={"Content-Type": "application/json"})
    bomb = gzip.compress(b" " * 50000)
    server.add(f"{prefix}/bomb", bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    for fast in (True, False):
        t = SessionTransport(plain_session(), fast_path=fast)
        with pytest.raises(halkit.ResponseTooLargeError) as info:
            send(t, server.url(f"{prefix}/big"), max_body_size=1000)
        assert info.value.limit == 1000
        with pytest.raises(halkit.ResponseTooLargeError):
            send(t, server.url(f"{prefix}/bomb"), max_body_size=1000)
        assert send(t, server.url(f"{prefix}/bomb"), max_body_size=60000).content == b" " * 50000
        # the connection is still usable afterwards
        assert send(t, server.url(f"{prefix}/big")).content == big


def test_connection_refused_is_connect_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    t = SessionTransport(plain_session())
    with pytest.raises(halkit.ConnectError) as info:
        send(t, f"http://127.0.0.1:{port}/x")
    assert info.value.url == f"http://127.0.0.1:{port}/x" and t.fast_sends == 1
    assert isinstance(info.value.__cause__, requests.exceptions.ConnectionError)  # as on requests' path


def test_read_timeout_is_timeout_error(server: TestServer, prefix: str) -> None:
    server.handle(f"{prefix}/slow", slow(0.5, (200, {}, {"late": True})))
    with pytest.raises(halkit.TimeoutError):
        send(SessionTransport(plain_session()), server.url(f"{prefix}/slow"), timeout=(1.0, 0.05))


def test_invalid_header_is_request_error(server: TestServer, prefix: str) -> None:
    with pytest.raises(halkit.RequestError):
        send(SessionTransport(plain_session()), server.url(f"{prefix}/x"), headers={"X-Bad": "a\r\nb"})


def test_a_dropped_pool_is_replaced(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/p", {"ok": True})
    s = plain_session()
    t = SessionTransport(s)
    send(t, server.url(f"{prefix}/p"))
    s.get_adapter(server.base).poolmanager.clear()  # closes every pool
    assert send(t, server.url(f"{prefix}/p")).json() == {"ok": True}
    assert t.fast_sends == 2


def test_threads_share_one_transport(server: TestServer, prefix: str) -> None:
    t = SessionTransport(plain_session())
    results: Dict[int, List[str]] = {}
    errors: List[BaseException] = []

    def work(n: int) -> None:
        try:
            results[n] = [send(t, server.url(f"{prefix}/n?i={n}-{k}")).json()["path"] for k in range(15)]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for n in range(8):  # the test server routes on path and query
        for k in range(15):
            server.handle(f"{prefix}/n?i={n}-{k}", lambda req: (200, {}, {"path": req.path}))
    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    for n in range(8):
        assert results[n] == [f"{prefix}/n?i={n}-{k}" for k in range(15)]
    assert t.fast_sends == 120


def test_json_bodies_and_content_length(server: TestServer, prefix: str) -> None:
    server.handle(f"{prefix}/echo", lambda req: (200, {}, {"length": req.headers.get("content-length"), "body": json.loads(req.body or b"null")}))
    t = SessionTransport(plain_session())
    assert send(t, server.url(f"{prefix}/echo"), "PUT", body=b'{"a":1}').json() == {"length": "7", "body": {"a": 1}}
    assert send(t, server.url(f"{prefix}/echo"), "POST").json() == {"length": "0", "body": None}
    assert t.fast_sends == 2


def test_multipart_files_are_sent_as_requests_sends_them(server: TestServer, prefix: str) -> None:
    def echo(req: Request) -> Any:
        return 200, {}, {"type": req.headers.get("content-type"), "body": req.body.decode("latin-1")}

    server.handle(f"{prefix}/upload", echo, method="POST")
    client = halkit.Client(server.url(f"{prefix}/"))
    r = client.request("POST", server.url(f"{prefix}/upload"), data={"kind": "FILE"},
                       files={"file": ("hello.txt", b"hello, world", "text/plain")})
    seen = r.json()
    assert seen["type"].startswith("multipart/form-data; boundary=")
    boundary = seen["type"].split("boundary=", 1)[1]
    body = seen["body"]
    assert f"--{boundary}" in body and body.rstrip().endswith(f"--{boundary}--")
    assert 'name="kind"' in body and "FILE" in body
    assert 'name="file"; filename="hello.txt"' in body and "Content-Type: text/plain" in body
    assert "hello, world" in body
    assert client.transport.slow_sends == 1  # multipart is encoded by requests


def test_a_per_call_timeout_applies_to_that_call_only(server: TestServer, prefix: str) -> None:
    server.handle(f"{prefix}/slow", slow(0.3, (200, {}, {"late": True})))
    client = halkit.Client(server.url(f"{prefix}/"), retries=0)
    with pytest.raises(halkit.TimeoutError):
        client.request("GET", server.url(f"{prefix}/slow"), timeout=(2.0, 0.05))
    assert client.request("GET", server.url(f"{prefix}/slow")).json() == {"late": True}


def test_the_fast_path_switch(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", {"ok": True})
    off = halkit.Client(server.url(f"{prefix}/"), fast_path=False)
    assert off.request("GET", server.url(f"{prefix}/x")).json() == {"ok": True}
    assert off.transport.fast_sends == 0 and off.transport.slow_sends == 1
    always_requests = halkit.Client(server.url(f"{prefix}/"), transport=halkit.transport.RequestsTransport(plain_session()))
    assert always_requests.request("GET", server.url(f"{prefix}/x")).json() == {"ok": True}
    assert always_requests.transport.sends == 1


def test_urllib3_transport_refuses_what_it_cannot_send_exactly(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/x", {"ok": True})
    t = halkit.transport.Urllib3Transport(plain_session())
    assert t.send(Call("GET", server.url(f"{prefix}/x"))).json() == {"ok": True}
    with pytest.raises(halkit.RequestError, match="fast path"):
        t.send(Call("GET", server.url(f"{prefix}/x"), params={"a": "1"}))


def test_errors_are_mapped_in_one_place() -> None:
    from urllib3.exceptions import MaxRetryError, NewConnectionError, ReadTimeoutError

    from halkit.transport import map_error

    assert isinstance(map_error(requests.exceptions.ReadTimeout("t"), "GET", "http://h/"), halkit.TimeoutError)
    assert isinstance(map_error(ReadTimeoutError(None, "/", "t"), "GET", "http://h/"), halkit.TimeoutError)
    refused = MaxRetryError(None, "/", NewConnectionError(None, "refused"))  # type: ignore[arg-type]
    assert isinstance(map_error(refused, "GET", "http://h/"), halkit.ConnectError)
    assert isinstance(map_error(requests.exceptions.TooManyRedirects(), "GET", "http://h/"), halkit.TooManyRedirectsError)
    assert isinstance(map_error(requests.exceptions.InvalidURL("x"), "GET", "http://h/"), halkit.UnsafeURLError)
    bad = map_error(requests.exceptions.InvalidHeader("Invalid value 'sekrit\\n'"), "GET", "http://h/")
    assert isinstance(bad, halkit.RequestError) and "sekrit" not in str(bad)
