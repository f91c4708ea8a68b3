"""OAuth 2.0 client credentials and origin scoping through both clients (sync and async).

The same scenarios, the same loopback OAuth server (tests/oauth_server.py):
one token request per lifetime however many concurrent requests (threads for
the sync client, tasks for the async one), one renewal and retry after a 401,
credentials only to their origins (also across redirects, also for custom
headers), the leeway, and no secret in reprs, logs or messages.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import tracemalloc
import zlib
from typing import Any, Iterator

import async_twins
import httpx
import pytest
import requests
from async_twins import Twin, io

import halkit
from halkit.aio.auth import AsyncClientCredentials
from halkit.auth import ClientCredentials

from oauth_server import FakeClock, HostileServer, OAuthServer, SeenRequest
from server import TestServer

SECRET = "s3cr3t-Zq9xW"

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin


@pytest.fixture
def server() -> Iterator[OAuthServer]:
    with OAuthServer(client_secret=SECRET) as srv:
        yield srv


@pytest.fixture
def other() -> Iterator[OAuthServer]:
    """A second loopback server, on another port, that just records requests."""
    with OAuthServer(protected=False) as srv:
        yield srv


def credentials(srv: OAuthServer, **kwargs: Any) -> ClientCredentials:
    return ClientCredentials(srv.token_url, srv.client_id, srv.client_secret, **kwargs)


def set_clock(twin: Twin, client: Any, clock: Any) -> None:
    """Put a fake clock on the client's token cache (each twin keeps its own)."""
    if twin.is_async:
        client._auth.auth.clock = clock
    else:
        client._auth._state.clock = clock


def items_url(srv: OAuthServer, n: int) -> str:
    return srv.url(f"/api/items?page=1&pages={n}")


def unfetched_page(twin: Twin, client: Any, srv: OAuthServer, n: int) -> Any:
    """A page of ``n`` item resources on ``client``, built without any request."""
    doc = {"_embedded": {"x": [{"_links": {"self": {"href": f"/api/p{i}"}}} for i in range(n)]}}
    cls = halkit.aio.AsyncResource if twin.is_async else halkit.Resource
    return cls(doc, base_url=srv.url("/api/"), navigator=client)


def test_concurrent_first_requests_share_one_token(twin: Twin, server: OAuthServer) -> None:
    server.token_delay = 0.05  # the token request is still in flight when the others ask

    async def scenario() -> None:
        client = twin.client(server.url("/api/"), auth=credentials(server))
        page = unfetched_page(twin, client, server, 12)
        got = await twin.follow_all(page.embedded("x"), max_workers=12)
        assert [r["path"] for r in got] == [f"/api/p{i}" for i in range(12)]

    twin.run(scenario)
    assert len(server.token_requests) == 1
    assert [r.status for r in server.api_requests] == [200] * 12


def test_concurrent_401s_renew_once(twin: Twin, server: OAuthServer) -> None:
    server.token_delay = 0.05

    async def scenario() -> None:
        client = twin.client(server.url("/api/"), auth=credentials(server))
        await io(client.get(server.url("/api/x")))
        server.revoke_all()  # every request of the fan-out now meets a 401 first
        got = await twin.follow_all(unfetched_page(twin, client, server, 10).embedded("x"), max_workers=10)
        assert len(got) == 10

    twin.run(scenario)
    assert len(server.token_requests) == 2  # the first one, and one renewal for ten 401s


def test_401_renews_and_retries_once_with_the_body(twin: Twin, server: OAuthServer) -> None:
    async def scenario() -> None:
        client = twin.client(server.url("/api/"), auth=credentials(server))
        await io(client.get(server.url("/api/x")))
        server.revoke_all()
        answer = await io(client.post(server.url("/api/x"), {"name": "x"}))
        assert answer["path"] == "/api/x"

    twin.run(scenario)
    assert [r.status for r in server.api_requests] == [200, 401, 200]
    assert server.api_requests[1].body == server.api_requests[2].body
    assert b'"name"' in server.api_requests[2].body
    assert len(server.token_requests) == 2
    assert server.api_requests[2].authorization == f"Bearer {server.token_requests[1].token}"


def test_second_401_is_raised(twin: Twin, server: OAuthServer) -> None:
    server.reject_all = True

    async def scenario() -> None:
        client = twin.client(server.url("/api/"), auth=credentials(server))
        with pytest.raises(halkit.UnauthorizedError):
            await io(client.get(server.url("/api/x")))

    twin.run(scenario)
    assert [r.status for r in server.api_requests] == [401, 401]
    assert len(server.token_requests) == 2


def test_credentials_stay_on_their_origin(twin: Twin, server: OAuthServer, other: OAuthServer) -> None:
    async def scenario() -> None:
        client = twin.client(server.url("/api/"), auth=credentials(server))
        page = await io(client.get(server.url("/api/link"), params={"href": other.url("/api/elsewhere")}))
        await io(page.follow("other"))
        landed = await io(client.get(server.url("/api/redirect"), params={"to": other.url("/api/landed")}))
        assert landed.url == other.url("/api/landed")
        same = await io(client.get(server.url("/api/redirect"), params={"to": server.url("/api/here")}))
        assert same["path"] == "/api/here"

    twin.run(scenario)
    assert [r.authorization for r in other.api_requests] == [None, None]
    assert all(r.authorization and r.authorization.startswith("Bearer ") for r in server.api_requests)


def _key_auth(twin: Twin) -> Any:
    """An auth that sets a custom header (an API key), for each client's HTTP library."""
    if twin.is_async:
        class Key(httpx.Auth):
            def auth_flow(self, request: httpx.Request) -> Any:
                request.headers["X-Api-Key"] = SECRET
                yield request

        return Key()

    class RKey(requests.auth.AuthBase):
        def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
            r.headers["X-Api-Key"] = SECRET
            return r

    return RKey()


def test_custom_auth_headers_stay_on_their_origin(twin: Twin) -> None:
    api, elsewhere = TestServer(), TestServer()
    try:
        api.add("/x", {"ok": 1})
        elsewhere.add("/landed", {"landed": 1})
        api.add("/go", None, status=302, headers={"Location": elsewhere.url("/landed")})
        api.add("/link", {"_links": {"other": {"href": elsewhere.url("/landed")}}})

        async def scenario() -> None:
            client = twin.client(api.url("/"), auth=_key_auth(twin))
            await io(client.get(api.url("/x")))
            landed = await io(client.get(api.url("/go")))
            assert landed["landed"] == 1
            await io((await io(client.get(api.url("/link")))).follow("other"))

        twin.run(scenario)
        assert [r.headers.get("x-api-key") for r in api.log] == [SECRET] * 3
        assert [r.headers.get("x-api-key") for r in elsewhere.log] == [None, None]
    finally:
        api.close()
        elsewhere.close()


def test_bearer_token_and_basic_are_scoped(twin: Twin, server: OAuthServer, other: OAuthServer) -> None:
    server.issue("static-token")

    async def scenario() -> None:
        client = twin.client(server.url("/api/"), auth="static-token")
        await io(client.get(server.url("/api/x")))
        await io(client.get(server.url("/api/redirect"), params={"to": other.url("/api/y")}))
        server.revoke_all()
        with pytest.raises(halkit.UnauthorizedError):
            await io(client.get(server.url("/api/x")))  # nothing to renew
        basic = twin.client(other.url("/api/"), auth=("user", SECRET), origins=[server.origin])
        await io(basic.get(other.url("/api/z")))

    twin.run(scenario)
    assert server.api_requests[0].authorization == "Bearer static-token"
    assert [r.authorization for r in other.api_requests] == [None, None]
    assert len(server.token_requests) == 0


@pytest.mark.parametrize("leeway, renews_at", [(None, 90.0), (30.0, 70.0)])
def test_leeway(twin: Twin, leeway: Any, renews_at: float) -> None:
    clock = FakeClock()
    with OAuthServer(lifetime=100, clock=clock) as srv:
        async def scenario() -> None:
            client = twin.client(srv.url("/api/"), auth=credentials(srv, leeway=leeway))
            set_clock(twin, client, clock)
            await io(client.get(srv.url("/api/a")))
            clock.advance(renews_at - 0.5)
            await io(client.get(srv.url("/api/b")))
            assert len(srv.token_requests) == 1
            clock.advance(1.0)
            await io(client.get(srv.url("/api/c")))
            assert len(srv.token_requests) == 2

        twin.run(scenario)


@pytest.mark.parametrize("reply, match", [
    ((401, "application/json", b'{"error": "invalid_client"}'), "invalid_client"),
    ((200, "text/html", b"<html>"), "not a JSON object|JSON token response"),
    ((302, "text/plain", b""), "redirect"),
    ((200, "application/json", b'{"token_type": "bearer"}'), "without an access_token"),
    ((200, "application/json", b'{"access_token": "x y", "token_type": "bearer"}'), "bearer header"),
    ((200, "application/json", b'{"access_token": "abc", "token_type": "mac"}'), "bearer tokens only"),
])
def test_token_endpoint_failures_are_auth_errors(twin: Twin, server: OAuthServer, reply: Any, match: str) -> None:
    server.token_reply = reply

    async def scenario() -> None:
        client = twin.client(server.url("/api/"), auth=credentials(server))
        with pytest.raises(halkit.AuthError, match=match):
            await io(client.get(server.url("/api/x")))

    twin.run(scenario)
    assert server.api_requests == []


def test_plain_http_token_endpoint_off_loopback_is_refused(twin: Twin) -> None:
    with pytest.raises(halkit.AuthError, match="plain http"):
        twin.client("http://127.0.0.1:9/", auth=ClientCredentials("http://auth.example.com/token", "a", "b"))


def test_no_secret_in_reprs_logs_or_messages(
    twin: Twin, server: OAuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> Any:
        client = twin.client(server.url("/api/"), auth=credentials(server, password_fields=True,
                                                                    extra_params={"audience": "hidden-value"}))
        await io(client.get(server.url("/api/x")))
        server.revoke_all()
        await io(client.get(server.url("/api/x")))  # 401, renewal, retry
        server.token_reply = (401, "application/json", b'{"error": "invalid_client", "error_description": "'
                              + SECRET.encode() + b' is wrong"}')
        server.revoke_all()
        with pytest.raises(halkit.AuthError) as info:
            await io(client.get(server.url("/api/x")))
        return client, info.value

    client, error = twin.run(scenario)
    tokens = [r.token for r in server.token_requests if r.token]
    assert len(tokens) == 2
    logged = caplog.text + "".join(r.getMessage() + repr(r.args) for r in caplog.records)
    shown = repr(client) + repr(client._auth) + str(error) + repr(error)
    for secret in [SECRET, "hidden-value", *tokens]:
        assert secret not in logged
        assert secret not in shown
    assert any(r.name.startswith("halkit") for r in caplog.records)


def test_async_client_refuses_a_requests_auth(server: OAuthServer) -> None:
    with pytest.raises(halkit.AuthError, match="httpx.Auth"):
        halkit.AsyncClient(server.url("/api/"), auth=requests.auth.HTTPBasicAuth("u", "p"))
    with pytest.raises(halkit.AuthError):
        halkit.AsyncClient(server.url("/api/"), auth=42)


# --------------------------------------------------------------------------- one grant, both clients


def _endless(chunk: bytes, total: int) -> Iterator[bytes]:
    for _ in range(total // len(chunk)):
        yield chunk


_HUGE = 64 * 1024 * 1024
_BOMBS = {
    "gzip": gzip.compress(b" " * _HUGE, compresslevel=9),
    "deflate": zlib.compress(b" " * _HUGE, 9),
}


@pytest.mark.parametrize("shape", ["plain", "chunked", "gzip-bomb", "deflate-bomb"])
def test_a_huge_token_response_fails_fast(twin: Twin, shape: str) -> None:
    def token(srv: HostileServer, req: SeenRequest) -> Any:
        if shape.endswith("-bomb"):
            encoding = shape[: -len("-bomb")]
            return 200, {"Content-Type": "application/json", "Content-Encoding": encoding}, _BOMBS[encoding]
        if shape == "chunked":  # no Content-Length: the body ends when the connection does
            return 200, {"Content-Type": "application/json", "Connection": "close"}, _endless(b" " * 65536, _HUGE)
        return 200, {"Content-Type": "application/json", "Content-Length": str(_HUGE)}, _endless(b" " * 65536, _HUGE)

    with HostileServer(token) as srv:
        auth = ClientCredentials(srv.url("/token"), "id", SECRET)

        async def scenario() -> Any:
            client = twin.client(srv.url("/api/"), auth=auth)
            tracemalloc.start()
            try:
                with pytest.raises(halkit.ResponseTooLargeError) as info:
                    await io(client.get(srv.url("/api/x")))
                return info.value, tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

        error, peak = twin.run(scenario)
    assert error.limit == 1024 * 1024
    assert "token endpoint" in str(error) and SECRET not in str(error) + repr(error)
    assert peak < 16 * 1024 * 1024  # never the whole body, never a whole inflated piece of a bomb
    assert srv.bytes_sent < _HUGE
    assert [r.path for r in srv.requests] == ["/token"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "identity"])
def test_a_compressed_token_response(twin: Twin, encoding: str) -> None:
    payload = json.dumps({"access_token": "t0k3n", "token_type": "bearer", "expires_in": 60}).encode()
    if encoding == "gzip":
        payload = gzip.compress(payload)
    elif encoding == "deflate":
        payload = zlib.compress(payload)
    elif encoding == "raw-deflate":  # what some servers send as "deflate"
        squeeze = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        payload = squeeze.compress(payload) + squeeze.flush()

    def answer(srv: HostileServer, req: SeenRequest) -> Any:
        if req.path == "/token":
            headers = {"Content-Type": "application/json", "Content-Encoding": encoding.replace("raw-", "")}
            return 200, headers, payload
        return 200, {"Content-Type": "application/hal+json"}, json.dumps({"auth": req.headers.get("Authorization")}).encode()

    with HostileServer(answer) as srv:
        async def scenario() -> Any:
            client = twin.client(srv.url("/api/"), auth=ClientCredentials(srv.url("/token"), "id", SECRET))
            return (await io(client.get(srv.url("/api/x"))))["auth"]

        assert twin.run(scenario) == "Bearer t0k3n"


def test_a_token_response_that_cannot_be_decompressed(twin: Twin) -> None:
    def answer(srv: HostileServer, req: SeenRequest) -> Any:
        return 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, b"\x1f\x8b not gzip at all"

    with HostileServer(answer) as srv:
        async def scenario() -> None:
            client = twin.client(srv.url("/api/"), auth=ClientCredentials(srv.url("/token"), "id", SECRET))
            with pytest.raises(halkit.AuthError, match="the request to token endpoint .* failed") as info:
                await io(client.get(srv.url("/api/x")))
            assert SECRET not in str(info.value) + repr(info.value)

        twin.run(scenario)


def _fetch_async(cc: ClientCredentials) -> AsyncClientCredentials:
    """The async grant of ``cc``, after one token request in a loop of its own."""
    grant = AsyncClientCredentials(cc)

    async def fetch() -> None:
        try:
            await grant.fetch_token()
        finally:
            await grant.aclose()

    asyncio.run(fetch())
    return grant


def _both_errors(cc: ClientCredentials) -> Any:
    """What the sync grant and the async one raise for the same token endpoint answer."""
    with cc, pytest.raises(halkit.AuthError) as sync_info:
        cc.fetch_token()
    with pytest.raises(halkit.AuthError) as async_info:
        _fetch_async(cc)
    return sync_info.value, async_info.value


@pytest.mark.parametrize("reply", [
    (401, "application/json", b'{"error": "invalid_client", "error_description": "' + SECRET.encode() + b' is wrong"}'),
    (503, "application/json", b'{"error": "temporarily_unavailable", "error_description": "later"}'),
    (400, "application/json", b'{"message": "not OAuth"}'),
    (502, "text/html", b"<html>gateway</html>"),
    (200, "text/html", b"<html>"),
    (200, "application/json", b'["a", "list"]'),
    (307, "text/plain", b""),
    (200, "application/json", b'{"token_type": "bearer"}'),
    (200, "application/json", b'{"access_token": "x y", "token_type": "bearer"}'),
    (200, "application/json", b'{"access_token": "abc", "token_type": "mac"}'),
    (200, "application/json", b'{"access_token": "abc", "token_type": "bearer", "expires_in": "soon"}'),
])
def test_both_clients_read_a_token_response_alike(server: OAuthServer, reply: Any) -> None:
    server.token_reply = reply
    sync_error, async_error = _both_errors(credentials(server))
    assert str(async_error) == str(sync_error)
    assert (async_error.error, async_error.description) == (sync_error.error, sync_error.description)
    assert SECRET not in str(sync_error) + repr(sync_error) + str(sync_error.description)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_both_clients_send_the_same_token_request(server: OAuthServer, auth_method: str) -> None:
    server.auth_method = auth_method
    server.require_password_fields = True
    cc = credentials(server, auth_method=auth_method, scope=["a", "b"], password_fields=True,
                     extra_params={"audience": "x"})
    with cc:
        cc.fetch_token()
    _fetch_async(cc)
    sync_request, async_request = server.token_requests
    assert sync_request.token and async_request.token  # both accepted
    assert async_request.form == sync_request.form
    assert async_request.content_type == sync_request.content_type
    assert async_request.headers.get("Authorization") == sync_request.headers.get("Authorization")
    assert async_request.form["grant_type"] == ["client_credentials"] and async_request.form["scope"] == ["a b"]


def test_the_async_grant_shows_no_secret(server: OAuthServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.auth_method = "client_secret_post"
    cc = credentials(server, auth_method="client_secret_post", extra_params={"audience": "hidden-value"})
    grant = _fetch_async(cc)
    token = grant._token
    issued = server.token_requests[0].token
    assert issued and token.header == f"Bearer {issued}"
    shown = repr(grant) + repr(token) + repr(cc.token_request()) + caplog.text
    for secret in (SECRET, "hidden-value", issued):
        assert secret not in shown


def test_the_token_request_goes_through_the_given_proxy(twin: Twin) -> None:
    def answer(srv: HostileServer, req: SeenRequest) -> Any:
        if req.path == "http://auth.example.invalid/token":  # absolute form: a request to a proxy
            return 200, {"Content-Type": "application/json"}, b'{"access_token": "t0k3n", "token_type": "bearer"}'
        return 200, {"Content-Type": "application/hal+json"}, json.dumps({"auth": req.headers.get("Authorization")}).encode()

    with HostileServer(answer) as srv:
        auth = ClientCredentials("http://auth.example.invalid/token", "id", SECRET, allow_insecure_http=True,
                                 proxies={"http": srv.origin})

        async def scenario() -> Any:
            client = twin.client(srv.url("/api/"), auth=auth)
            return (await io(client.get(srv.url("/api/x"))))["auth"]

        assert twin.run(scenario) == "Bearer t0k3n"
    assert [r.path for r in srv.requests] == ["http://auth.example.invalid/token", "/api/x"]


def test_the_token_request_is_counted_as_the_clients(twin: Twin, server: OAuthServer) -> None:
    async def scenario() -> int:
        client = twin.client(server.url("/api/"), auth=credentials(server))
        await io(client.get(server.url("/api/thing")))
        return int(client.request_count)

    assert twin.run(scenario) == 2  # the token request and the GET


def test_the_async_token_request_goes_through_the_clients_httpx_client() -> None:
    """A MockTransport (or anything mounted on the client's httpx client) answers the token request too."""
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "t-1", "token_type": "bearer", "expires_in": 60})
        assert request.headers["Authorization"] == "Bearer t-1"
        return httpx.Response(200, json={"ok": True}, headers={"Content-Type": "application/hal+json"})

    async def main() -> Any:
        auth = ClientCredentials("https://api.example.com/token", "id", "secret-1")
        async with halkit.AsyncClient("https://api.example.com/", auth=auth,
                                      transport=httpx.MockTransport(handler)) as client:
            return (await client.root())["ok"], client.request_count

    assert asyncio.run(main()) == (True, 2)
    assert seen == [("POST", "/token"), ("GET", "/")]
