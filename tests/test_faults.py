"""Faults: retries (idempotent methods only, bounded, Retry-After honoured), dropped and stalled
connections, truncated bodies, expired tokens, and paged walks that lose and duplicate nothing.

Request counts are what the server received, so a retry that did not happen,
or one too many, fails the test whatever transport the client uses.
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
from urllib3.util.retry import Retry

import halkit
from halkit import Client
from halkit.auth import ClientCredentials
from halkit.client import IDEMPOTENT_METHODS, default_retry
from halkit.emulator import Emulator

from server import Request, TestServer

HAL = {"Content-Type": "application/hal+json"}
PROBLEM = {"Content-Type": "application/problem+json"}
Reply = Tuple[int, Dict[str, str], Any]


def script(server: TestServer, path: str, *replies: Any) -> List[Request]:
    """Serve ``replies`` in turn on ``path`` (the last one repeats); returns the requests received."""
    seen: List[Request] = []
    lock = threading.Lock()

    def handler(req: Request) -> Reply:
        with lock:
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


class Clock:
    """Stands in for ``time`` in urllib3's retry module and halkit.retry: waits are recorded, not slept."""

    def __init__(self) -> None:
        self.waits: List[float] = []
        self.offset = 0.0

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.offset += seconds

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The waits retries ask for, on a virtual clock (so no test asserts a measured time)."""
    import urllib3.util.retry

    import halkit.retry

    fake = Clock()
    monkeypatch.setattr(urllib3.util.retry, "time", fake)
    monkeypatch.setattr(halkit.retry, "time", fake)
    return fake


def finishes_within(seconds: float, call: Callable[[], Any]) -> Any:
    """Run ``call`` in a thread; fail (instead of hanging the suite) if it is still running after ``seconds``.

    A guard against a hang, not a measure of speed: the tests give it generous bounds.
    """
    box: Dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: B036 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    box["elapsed"] = time.monotonic() - started
    return box


def send(client: Client, method: str, url: str) -> Any:
    if method in ("HEAD", "OPTIONS"):
        return client.request(method, url)
    return client.send(None, url, method, json={"x": 1} if method in ("POST", "PUT", "PATCH") else None)


# -- which requests are retried -------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_is_retried_after_a_transient_status(server: TestServer, prefix: str, status: int) -> None:
    seen = script(server, f"{prefix}/r", (status, {}, {"error": "busy"}), ok)
    assert Client(server.url(f"{prefix}/r")).root()["method"] == "GET"
    assert len(seen) == 2


@pytest.mark.parametrize("status", [500, 501, 400, 404, 409])
def test_other_statuses_are_not_retried(server: TestServer, prefix: str, status: int) -> None:
    seen = script(server, f"{prefix}/r", (status, {}, {"error": "no"}), ok)
    with pytest.raises(halkit.HTTPError) as info:
        Client(server.url(f"{prefix}/r")).root()
    assert info.value.status == status and len(seen) == 1


@pytest.mark.parametrize("method", sorted(IDEMPOTENT_METHODS))
def test_idempotent_methods_are_retried(server: TestServer, prefix: str, method: str) -> None:
    seen = script(server, f"{prefix}/r", (503, {}, None), ok)
    send(Client(server.url(f"{prefix}/r")), method, server.url(f"{prefix}/r"))
    assert [r.method for r in seen] == [method, method]


@pytest.mark.parametrize("status", [429, 502, 503, 504])
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_never_retried(server: TestServer, prefix: str, method: str, status: int) -> None:
    seen = script(server, f"{prefix}/r", (status, {"Retry-After": "0"}, {"error": "busy"}), ok)
    with pytest.raises(halkit.HTTPError) as info:
        send(Client(server.url(f"{prefix}/r")), method, server.url(f"{prefix}/r"))
    assert info.value.status == status and info.value.method == method
    assert len(seen) == 1


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_not_resent_after_a_dropped_connection(server: TestServer, prefix: str, method: str) -> None:
    seen = script(server, f"{prefix}/r", drop, ok)
    with pytest.raises(halkit.ConnectError) as info:
        send(Client(server.url(f"{prefix}/r")), method, server.url(f"{prefix}/r"))
    assert len(seen) == 1
    assert info.value.url == server.url(f"{prefix}/r") and info.value.method == method
    assert info.value.__cause__ is not None


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_idempotent_requests_are_resent_after_a_dropped_connection(server: TestServer, prefix: str, method: str) -> None:
    seen = script(server, f"{prefix}/r", drop, ok)
    send(Client(server.url(f"{prefix}/r")), method, server.url(f"{prefix}/r"))
    assert len(seen) == 2


def test_a_stalled_get_times_out_and_is_retried(server: TestServer, prefix: str) -> None:
    seen = script(server, f"{prefix}/r", stall(1.0), ok)
    assert Client(server.url(f"{prefix}/r"), timeout=0.3).root()["method"] == "GET"
    assert len(seen) == 2


def test_a_stalled_post_times_out_once(server: TestServer, prefix: str) -> None:
    seen = script(server, f"{prefix}/r", stall(0.8), ok)
    with pytest.raises(halkit.TimeoutError) as info:
        send(Client(server.url(f"{prefix}/r"), timeout=0.3), "POST", server.url(f"{prefix}/r"))
    err = info.value
    assert err.url == server.url(f"{prefix}/r") and err.method == "POST" and err.__cause__ is not None
    assert isinstance(err, halkit.TransportError) and isinstance(err, TimeoutError)
    assert len(seen) == 1


# -- bounds and switches --------------------------------------------------------------------------


def test_retries_are_bounded_and_the_last_answer_is_raised(server: TestServer, prefix: str, clock: Clock) -> None:
    problem = {"type": "https://example.com/probs/maintenance", "title": "Down for maintenance",
               "detail": "Back at 10:00", "instance": "/status/1"}
    seen = script(server, f"{prefix}/r", (503, dict(PROBLEM), problem))
    with pytest.raises(halkit.ServerError) as info:
        Client(server.url(f"{prefix}/r")).root()
    assert len(seen) == 4, "3 retries by default"
    # urllib3 waits from the second retry on, each wait longer than the one before
    assert len(clock.waits) == 2 and clock.waits == sorted(clock.waits), "exponential backoff"
    assert 0 < clock.waits[0] and clock.waits[-1] <= 10.0, clock.waits
    err = info.value
    assert err.status == 503 and err.url == server.url(f"{prefix}/r")
    assert (err.problem_type, err.title, err.detail, err.instance) == (
        problem["type"], problem["title"], problem["detail"], problem["instance"])
    assert "Down for maintenance" in str(err)


@pytest.mark.parametrize("retries", [0, False])
def test_retries_can_be_switched_off(server: TestServer, prefix: str, retries: Any) -> None:
    seen = script(server, f"{prefix}/r", (503, {}, None), ok)
    with pytest.raises(halkit.ServerError):
        Client(server.url(f"{prefix}/r"), retries=retries).root()
    assert len(seen) == 1


def test_the_number_of_retries_is_configurable(server: TestServer, prefix: str) -> None:
    seen = script(server, f"{prefix}/r", (503, {}, None))
    with pytest.raises(halkit.ServerError):
        Client(server.url(f"{prefix}/r"), retries=1).root()
    assert len(seen) == 2
    seen = script(server, f"{prefix}/q", (502, {}, None))
    custom = Retry(total=5, backoff_factor=0, status_forcelist=[502], allowed_methods=["GET"], raise_on_status=False)
    with pytest.raises(halkit.ServerError):
        Client(server.url(f"{prefix}/q"), retries=custom).root()
    assert len(seen) == 6


def test_default_retry_is_built_on_urllib3_retry() -> None:
    policy = default_retry()
    assert isinstance(policy, Retry)
    assert policy.total == 3 and set(policy.allowed_methods) == IDEMPOTENT_METHODS
    assert set(policy.status_forcelist) == {429, 502, 503, 504}
    assert policy.respect_retry_after_header and policy.backoff_factor > 0
    assert not {"POST", "PATCH"} & set(policy.allowed_methods)
    jitter = getattr(policy, "backoff_jitter", None)
    assert jitter is None or jitter > 0


def test_retry_after_in_seconds_is_honoured(server: TestServer, prefix: str, clock: Clock) -> None:
    seen = script(server, f"{prefix}/r", (429, {"Retry-After": "1"}, {"error": "slow down"}), ok)
    Client(server.url(f"{prefix}/r")).root()
    assert len(seen) == 2 and clock.waits == [1.0]


def test_retry_after_as_an_http_date_is_honoured(server: TestServer, prefix: str, clock: Clock) -> None:
    def busy(req: Request) -> Reply:
        # a whole second 2 s from now: the wait is between 1 and 2 s
        return 503, {"Retry-After": email.utils.formatdate(math.floor(time.time()) + 2, usegmt=True)}, None

    seen = script(server, f"{prefix}/r", busy, ok)
    Client(server.url(f"{prefix}/r")).root()
    assert len(seen) == 2 and len(clock.waits) == 1 and 0.5 <= clock.waits[0] <= 2.0, clock.waits


@pytest.mark.parametrize("retry_after", ["86400", "date"])
def test_an_absurd_retry_after_is_not_waited_for(server: TestServer, prefix: str, retry_after: str,
                                                 clock: Clock) -> None:
    """A server asking for a day's wait gets no retry: the 429 is raised at once, with its Retry-After."""
    value = email.utils.formatdate(time.time() + 86400, usegmt=True) if retry_after == "date" else retry_after
    seen = script(server, f"{prefix}/r", (429, {"Retry-After": value}, {"title": "Too many", "detail": "wait"}), ok)
    box = finishes_within(30.0, Client(server.url(f"{prefix}/r")).root)
    err = box.get("error")
    assert isinstance(err, halkit.RateLimitedError), repr(err)
    assert err.retry_after == value and err.detail == "wait"
    assert len(seen) == 1 and clock.waits == []


def test_a_retry_deadline_bounds_the_total_time(server: TestServer, prefix: str, clock: Clock) -> None:
    seen = script(server, f"{prefix}/r", (429, {"Retry-After": "1"}, None))
    client = Client(server.url(f"{prefix}/r"), retries=default_retry(total=10, deadline=1.5))
    box = finishes_within(30.0, client.root)
    assert isinstance(box.get("error"), halkit.RateLimitedError), repr(box.get("error"))
    assert len(seen) == 2 and clock.waits == [1.0], (clock.waits, len(seen))


def test_connection_refused_is_a_connect_error_with_url_and_cause(clock: Clock) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(halkit.ConnectError) as info:
        Client(f"http://127.0.0.1:{port}/x", timeout=1).root()
    assert info.value.url == f"http://127.0.0.1:{port}/x" and info.value.method == "GET"
    assert info.value.__cause__ is not None
    assert sum(clock.waits) < 3.0, "retried with a bounded backoff"


# -- Deprecation and Sunset headers ---------------------------------------------------------------


def test_deprecation_and_sunset_headers_are_exposed_and_warned_once(server: TestServer, prefix: str) -> None:
    headers = {**HAL, "Deprecation": "@1688169599", "Sunset": "Sun, 30 Jun 2030 23:59:59 GMT",
               "Link": '<https://example.com/deprecation>; rel="deprecation"'}
    server.add(f"{prefix}/old", {"_links": {"self": {"href": f"{prefix}/old"}}}, headers=headers)
    client = Client(server.url(f"{prefix}/old"))
    with pytest.warns(halkit.DeprecationHeaderWarning) as caught:
        res = client.root()
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "@1688169599" in message and "2030" in message and server.url(f"{prefix}/old") in message
    assert res.response is not None
    assert res.response.headers["Deprecation"] == "@1688169599"
    assert res.response.headers["Sunset"] == "Sun, 30 Jun 2030 23:59:59 GMT"
    client.root()  # warned once: filterwarnings=error would fail here otherwise
    res.refresh()


# -- paged walks under faults ---------------------------------------------------------------------


def _page(prefix: str, n: int, pages: int, size: int) -> Dict[str, Any]:
    links: Dict[str, Any] = {"self": {"href": f"{prefix}/items?page={n}"}}
    if n + 1 < pages:
        links["next"] = {"href": f"{prefix}/items?page={n + 1}"}
    items = [{"_links": {"self": {"href": f"{prefix}/items/{n * size + k}"}}, "id": n * size + k} for k in range(size)]
    return {"_links": links, "_embedded": {"items": items}}


def walk(it: Iterator[halkit.Resource], errors: List[BaseException], limit: int = 20) -> List[Any]:
    """Iterate to the end, resuming the same iterator after each halkit error."""
    ids: List[Any] = []
    while True:
        try:
            for item in it:
                ids.append(item["id"])
            return ids
        except halkit.HalkitError as exc:
            errors.append(exc)
            assert len(errors) < limit, errors


def test_a_paged_walk_resumes_at_the_failed_page(server: TestServer, prefix: str) -> None:
    """Pages 0..9 of 4 items; five of them fail once in ways no retry hides: every id exactly once."""
    pages, size = 10, 4
    body = {n: _page(prefix, n, pages, size) for n in range(pages)}
    served: Dict[int, int] = {}
    failures = {2: (500, {}, {"error": "boom"}), 4: "truncate", 6: (404, {}, {"error": "gone for a moment"}),
                7: (200, {"Content-Type": "text/html"}, "<html>maintenance</html>"), 9: "drop-post"}

    def handler(req: Request) -> Reply:
        n = int(req.path.rsplit("=", 1)[1])
        served[n] = served.get(n, 0) + 1
        failure = failures.get(n) if served[n] == 1 else None
        if failure == "truncate":
            return 200, {**HAL, "X-Test-Content-Length": "100000"}, body[n]
        if isinstance(failure, tuple):
            return failure
        return 200, dict(HAL), body[n]

    for n in range(pages):
        server.handle(f"{prefix}/items?page={n}", handler)
    errors: List[BaseException] = []
    it = Client(server.url(f"{prefix}/items?page=0"), retries=0).root().items()
    ids = walk(it, errors)
    assert ids == list(range(pages * size)), "items lost or duplicated"
    assert [type(e) for e in errors] == [halkit.ServerError, halkit.ConnectError, halkit.NotFoundError,
                                         halkit.ContentTypeError]
    assert all(e.url and f"page={n}" in e.url for e, n in zip(errors, (2, 4, 6, 7)))  # type: ignore[attr-defined]
    assert served == {n: 2 if n in (2, 4, 6, 7) else 1 for n in range(pages)}, "a page was fetched again needlessly"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(users=60, channels=0, page_size=5) as emulator:
        yield emulator


def test_a_paged_walk_of_the_emulator_loses_nothing_under_every_fault(emu: Emulator) -> None:
    """One fault per page boundary (12 pages): retried ones are invisible, the others resumed.

    503, 502, 504, 429, a dropped connection and a stall past the read timeout
    are retried by the client; a truncated body, a 500 and a dropped token
    request surface as errors and the walk goes on from the failed page;
    expired tokens are renewed (the 401 is retried once with a new token).
    """
    faults = emu.faults
    schedule: Dict[int, Callable[[], Any]] = {
        1: lambda: faults.unavailable(path=r"/users$"),
        2: lambda: faults.status(502, path=r"/users$"),
        3: lambda: faults.status(504, path=r"/users$"),
        4: lambda: faults.rate_limit(retry_after=0, path=r"/users$"),
        5: lambda: faults.drop(path=r"/users$"),
        6: lambda: faults.stall(1.0, path=r"/users$"),
        7: lambda: faults.truncate(path=r"/users$"),
        8: lambda: faults.expire_tokens(path=r"/users$"),
        9: lambda: faults.status(500, path=r"/users$"),
        10: lambda: (faults.drop(path=r"^/oauth/token$"), faults.expire_tokens(path=r"/users$")),
    }
    auth = ClientCredentials(emu.token_url, emu.client_id, emu.client_secret)
    client = Client(emu.entry_url, auth=auth, timeout=0.5)
    app = client.follow("application")
    first = app.follow("users")
    expected = [user["id"] for user in first.items("users")]
    assert len(expected) == 60 and len(set(expected)) == 60
    before = emu.stats
    errors: List[BaseException] = []
    ids: List[Any] = []
    it = first.items("users")
    while True:
        try:
            for user in it:
                ids.append(user["id"])
                if len(ids) % 5 == 0 and len(ids) // 5 in schedule:
                    schedule.pop(len(ids) // 5)()
            break
        except halkit.HalkitError as exc:
            errors.append(exc)
            assert len(errors) < 10, errors
    after = emu.stats
    assert ids == expected, "items lost or duplicated"
    assert not schedule, "every fault was scheduled"
    assert len(faults) == 0, "every fault fired"
    injected = after.faults_triggered - before.faults_triggered
    assert injected == 11
    # surfaced: the truncated page, the 500, and the token request (a POST: never retried) dropped
    assert [type(e).__name__ for e in errors] == ["ConnectError", "ServerError", "AuthError"], errors
    assert after.tokens_issued - before.tokens_issued == 2, "expired tokens were renewed once each"
    client.close()
