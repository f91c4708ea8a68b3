"""The async client keeps every promise the sync one makes (issue 18): the same scenarios, both clients.

304 Not Modified, a successful write whose answer cannot be read, the note on
a 401 that scoping kept the credentials from, relative URLs, the same
arguments (``get(headers=, timeout=)``, ``request(deadline=)``,
``deadline=``, ``header_origins=``, ``fast_path=``), the User-Agent,
``headers=`` kept on the API's origins (also across redirect hops), a total
deadline per call, secrets kept out of reprs and messages.
"""

from __future__ import annotations

import inspect
import socket
import time
from typing import Any, Iterator, List

import async_twins
import httpx
import pytest
import requests
from async_twins import RawServer, Twin, head_bytes, io

import halkit
from halkit.auth import ClientCredentials
from halkit.transport import MockTransport

from oauth_server import OAuthServer
from server import Request, TestServer

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin

Reply = Any


def library(twin: Twin) -> str:
    return f"python-httpx/{httpx.__version__}" if twin.is_async else f"python-requests/{requests.__version__}"


def other_origin(server: TestServer, path: str) -> str:
    """The same server under another name (localhost, not 127.0.0.1): another origin."""
    return server.url(path).replace("127.0.0.1", "localhost")


# -- answers ---------------------------------------------------------------------------------------


def test_a_304_says_whether_the_request_was_conditional(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/stale", None, status=304)

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/"), retries=0)
        with pytest.raises(halkit.RequestError, match="not conditional") as info:
            await io(client.get("stale"))
        assert info.value.response is not None and info.value.response.status_code == 304
        with pytest.raises(halkit.RequestError, match="your conditional request"):
            await io(client.get("stale", headers={"If-None-Match": '"v1"'}))
        conditional = twin.client(server.url(f"{prefix}/"), headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
        with pytest.raises(halkit.RequestError, match="your conditional request"):
            await io(conditional.get("stale"))

    twin.run(scenario)


def test_a_write_that_succeeded_never_reads_as_a_failure(twin: Twin, server: TestServer, prefix: str) -> None:
    odd = {"_links": {"self": 5}}  # not HAL in either mode
    server.add(f"{prefix}/made/1", {"id": 1})
    server.add(f"{prefix}/made/odd", odd)
    server.add(f"{prefix}/with-location", odd, method="POST", status=201, headers={"Location": f"{prefix}/made/1"})
    server.add(f"{prefix}/odd-location", odd, method="POST", status=201, headers={"Location": f"{prefix}/made/odd"})
    server.add(f"{prefix}/without-location", odd, method="POST", status=201)

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/"), retries=0)
        with pytest.warns(halkit.CompatibilityWarning, match="succeeded .201. but its body could not be read"):
            made = await io(client.post("with-location", {"a": 1}))
        assert made is not None and made["id"] == 1 and made.url == server.url(f"{prefix}/made/1")
        with pytest.raises(halkit.WriteSucceededError) as info:
            await io(client.post("without-location", {"a": 1}))
        err = info.value
        assert "succeeded (201 Created)" in str(err) and "do not simply retry" in str(err)
        assert err.status == 201 and err.location is None and err.response is not None
        assert isinstance(err.__cause__, halkit.HalFormatError)
        with pytest.warns(halkit.CompatibilityWarning), pytest.raises(halkit.WriteSucceededError) as info:
            await io(client.post("odd-location", {"a": 1}))
        assert f"neither its answer nor its Location {prefix}/made/odd can be read" in str(info.value)
        assert info.value.location == f"{prefix}/made/odd"

    twin.run(scenario)


def test_a_401_from_another_origin_says_the_credentials_were_withheld(
    twin: Twin, server: TestServer, prefix: str
) -> None:
    other = other_origin(server, f"{prefix}/app")

    def app(req: Request) -> Reply:
        if req.headers.get("authorization") != "Bearer secret-token-9":
            return 401, {"WWW-Authenticate": "Bearer"}, {"error": "unauthorized"}
        return 200, {}, {"_links": {"self": {"href": other}}}

    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "application": {"href": other}}})
    server.handle(f"{prefix}/app", app)
    server.handle(f"{prefix}/own", lambda req: (401, {}, {"error": "unauthorized"}))

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/"), auth="secret-token-9", retries=0)
        with pytest.raises(halkit.UnauthorizedError) as info:
            await io((await io(client.root())).follow("application"))
        message = str(info.value)
        assert "no credentials were sent" in message and "localhost" in message and "origins=" in message
        assert "secret-token-9" not in message
        # a 401 from the API's own origin says nothing of the kind
        with pytest.raises(halkit.UnauthorizedError) as info:
            await io(client.get("own"))
        assert "no credentials were sent" not in str(info.value)
        # nor does one to a client without credentials
        bare = twin.client(server.url(f"{prefix}/"), retries=0)
        with pytest.raises(halkit.UnauthorizedError) as info:
            await io(bare.get(other))
        assert "no credentials were sent" not in str(info.value)

    twin.run(scenario)


def test_secrets_in_urls_stay_out_of_reprs_and_errors(twin: Twin, server: TestServer, prefix: str) -> None:
    async def scenario() -> None:
        assert "hunter2" not in repr(twin.client("http://user:hunter2@127.0.0.1:9/api"))
        client = twin.client(server.url(f"{prefix}/"), retries=0)
        with pytest.raises(halkit.NotFoundError) as info:
            await io(client.get("missing?api_key=hunter2"))
        assert "hunter2" not in str(info.value) and "missing" in str(info.value)

    twin.run(scenario)


# -- URLs and arguments ----------------------------------------------------------------------------


def test_relative_urls_resolve_against_the_entry_url(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/items/3", {"id": 3})
    server.add(f"{prefix}/made", {"made": True}, method="POST", status=201)
    server.add(f"{prefix}/gone", None, method="DELETE", status=204)

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/"), retries=0)
        assert (await io(client.get(f"{prefix}/items/3")))["id"] == 3
        assert (await io(client.get("items/3")))["id"] == 3  # the entry URL ends with '/'
        made = await io(client.post("made", {"a": 1}))
        assert made is not None and made["made"] is True
        assert await io(client.delete("gone")) is None
        assert (await io(client.send(None, "items/3", "GET")))["id"] == 3
        with pytest.raises(halkit.UnsafeURLError):
            await io(client.get("file:///etc/passwd"))

    twin.run(scenario)


def test_per_call_headers_and_timeout(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/fast", {"ok": True})

    def slow(req: Request) -> Reply:
        time.sleep(1.0)
        return 200, {}, {"ok": True}

    server.handle(f"{prefix}/slow", slow)

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/"), retries=0, timeout=30)
        await io(client.get("fast", headers={"X-Trace": "t1"}, timeout=5))
        assert server.requests_to(f"{prefix}/fast")[-1].headers.get("x-trace") == "t1"
        with pytest.raises(halkit.TimeoutError, match="timed out") as info:
            await io(client.get("slow", timeout=0.2))
        assert "deadline" not in str(info.value)  # a read timeout, not the call's total deadline

    twin.run(scenario)


def test_the_same_arguments_as_the_sync_client() -> None:
    for name in ("__init__", "get", "post", "request", "send", "send_raw", "follow", "from_profile"):
        sync = inspect.signature(getattr(halkit.Client, name)).parameters
        aio = inspect.signature(getattr(halkit.AsyncClient, name)).parameters
        if any(p.kind is p.VAR_KEYWORD for p in aio.values()) and name == "from_profile":
            continue  # the same code, with **kwargs
        missing = [p for p in sync if p not in aio and p != "session"]
        assert not missing, f"AsyncClient.{name} lacks {missing}"


def test_the_user_agent_names_halkit_and_the_http_library(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/", {"ok": True})

    async def scenario() -> None:
        await io(twin.client(server.url(f"{prefix}/")).root())
        agent = server.requests_to(f"{prefix}/")[-1].headers["user-agent"]
        assert agent == f"halkit/{halkit.__version__} {library(twin)}"
        await io(twin.client(server.url(f"{prefix}/"), headers={"User-Agent": "mine/2"}).root())
        assert server.requests_to(f"{prefix}/")[-1].headers["user-agent"] == "mine/2"
        if twin.is_async:
            session: Any = httpx.AsyncClient(headers={"User-Agent": "mine/1"})
        else:
            session = requests.Session()
            session.headers["User-Agent"] = "mine/1"
        await io(twin.client(server.url(f"{prefix}/"), session=session).root())
        assert server.requests_to(f"{prefix}/")[-1].headers["user-agent"] == "mine/1"
        await io(session.aclose() if twin.is_async else session.close())

    twin.run(scenario)


def test_fast_path_is_accepted(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/", {"ok": True})

    async def scenario() -> None:
        assert (await io(twin.client(server.url(f"{prefix}/"), fast_path=False).root()))["ok"] is True

    twin.run(scenario)


def test_the_sync_clients_session_and_transport_are_refused_clearly() -> None:
    with requests.Session() as session:
        with pytest.raises(halkit.HalkitError, match="httpx.AsyncClient"):
            halkit.AsyncClient("http://127.0.0.1:9/", session=session)  # type: ignore[arg-type]
    with pytest.raises(halkit.HalkitError, match="httpx.AsyncBaseTransport"):
        halkit.AsyncClient("http://127.0.0.1:9/", transport=MockTransport(lambda request: None))  # type: ignore[arg-type]


# -- headers= stay on the API's origins ------------------------------------------------------------


def test_client_headers_stay_on_the_apis_origin(twin: Twin, server: TestServer, prefix: str) -> None:
    away = other_origin(server, f"{prefix}/away")
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "away": {"href": away}}})
    server.add(f"{prefix}/away", {"away": True})
    server.add(f"{prefix}/hop", None, status=302, headers={"Location": away})
    server.add(f"{prefix}/home", {"home": True})
    server.add(f"{prefix}/hop-home", None, status=302, headers={"Location": server.url(f"{prefix}/home")})
    key = {"X-Api-Key": "k-77"}

    def keys(path: str) -> List[Any]:
        return [r.headers.get("x-api-key") for r in server.requests_to(f"{prefix}{path}") if r.path == prefix + path]

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/"), headers=key, retries=0)
        root = await io(client.root())
        await io(root.follow("away"))  # a link to another origin
        await io(client.get("hop"))  # a redirect to another origin
        await io(client.get("hop-home"))  # a redirect within the origin
        await io(client.get(away, headers={"X-Api-Key": "per-call"}))  # a per-call header is the caller's
        assert keys("/away") == [None, None, "per-call"]
        assert keys("/") == keys("/hop") == keys("/hop-home") == keys("/home") == ["k-77"]
        widened = twin.client(server.url(f"{prefix}/"), headers=key, header_origins=[server.url("/"), away])
        await io(widened.get(away))
        everywhere = twin.client(server.url(f"{prefix}/"), headers=key, header_origins="*")
        await io(everywhere.get("hop"))
        assert keys("/away")[3:] == ["k-77", "k-77"]

    twin.run(scenario)


def test_a_header_value_that_cannot_be_sent_is_refused_at_once(twin: Twin) -> None:
    async def scenario() -> None:
        with pytest.raises(halkit.HalkitError, match="X-Api-Key") as info:
            twin.client("http://127.0.0.1:9/", headers={"X-Api-Key": "k-from-a-file\n"})
        assert "k-from-a-file" not in str(info.value)

    twin.run(scenario)


def test_scoped_headers_and_credentials_together(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/landed", {"landed": True})
    with OAuthServer(client_secret="s3cr3t") as srv:
        auth = ClientCredentials(srv.token_url, srv.client_id, srv.client_secret)

        async def scenario() -> None:
            client = twin.client(srv.url("/api/"), auth=auth, headers={"X-Api-Key": "k"})
            await io(client.get(srv.url("/api/x")))
            srv.revoke_all()  # a 401, then a renewal and a retry, through the headers' flow
            assert (await io(client.post(srv.url("/api/x"), {"n": 1})))["path"] == "/api/x"
            landed = await io(client.get(srv.url("/api/redirect"), params={"to": server.url(f"{prefix}/landed")}))
            assert landed["landed"] is True

        twin.run(scenario)
        assert [r.status for r in srv.api_requests] == [200, 401, 200, 302]
        assert len(srv.token_requests) == 2
    [hop] = server.requests_to(f"{prefix}/landed")
    assert "x-api-key" not in hop.headers and "authorization" not in hop.headers


# -- a total deadline per call ---------------------------------------------------------------------


@pytest.fixture
def dripping() -> Iterator[RawServer]:
    """A server that answers one body byte every 0.1 s, each read well within any read timeout."""

    def handler(conn: socket.socket, head: bytes) -> None:
        conn.sendall(head_bytes("200 OK", {"Content-Type": "application/json", "Content-Length": "100"}))
        conn.sendall(b"{")
        for _ in range(98):  # 10 s at most: a safety net, the deadlines below are far shorter
            time.sleep(0.1)
            conn.sendall(b" ")

    srv = RawServer(handler)
    yield srv
    srv.close()


def test_a_dripping_answer_is_stopped_by_the_deadline(twin: Twin, dripping: RawServer) -> None:
    async def scenario() -> None:
        client = twin.client(dripping.url("/"), timeout=5, deadline=0.5, retries=0)
        assert client.deadline == 0.5
        with pytest.raises(halkit.TimeoutError, match="deadline"):
            await io(client.root())
        default = twin.client(dripping.url("/"), timeout=5, retries=0)
        assert default.deadline == halkit.transport.default_deadline(5)
        with pytest.raises(halkit.TimeoutError, match="deadline"):
            await io(default.request("GET", dripping.url("/"), deadline=0.3))

    started = time.monotonic()
    twin.run(scenario)
    assert time.monotonic() - started < 9  # a safety net only: the server drips for 10 s


def test_no_deadline_reads_to_the_end(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/", {"ok": True})

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/"), deadline=None)
        assert client.deadline is None and (await io(client.root()))["ok"] is True

    twin.run(scenario)
