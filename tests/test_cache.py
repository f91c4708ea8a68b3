"""halkit.cache: HTTP caching on cachecontrol (ETag / Last-Modified revalidation, Cache-Control)."""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, List

import pytest
import requests

import halkit
from halkit.cache import make_cache_adapter
from halkit.transport import Request as Call
from halkit.transport import SessionTransport

from server import Request, TestServer

pytest.importorskip("cachecontrol")

BODY = {"id": 7, "name": "cached", "padding": "x" * 4000, "_links": {"self": {"href": "/self"}}}


class Origin:
    """A resource that answers 304 to a matching validator, and counts the body bytes it sent."""

    def __init__(self, headers: Dict[str, str], validator: str) -> None:
        self.headers = headers
        self.validator = validator
        self.statuses: List[int] = []
        self.body_bytes = 0
        self.conditional: List[Dict[str, str]] = []

    def __call__(self, req: Request) -> Any:
        cond = {k: v for k, v in req.headers.items() if k in ("if-none-match", "if-modified-since")}
        self.conditional.append(cond)
        if self.validator in cond.values():
            self.statuses.append(304)
            return 304, dict(self.headers), b""
        self.statuses.append(200)
        import json

        data = json.dumps(BODY).encode()
        self.body_bytes += len(data)
        return 200, dict(self.headers, **{"Content-Type": "application/hal+json"}), data


def cached_transport() -> SessionTransport:
    s = requests.Session()
    adapter = make_cache_adapter()
    s.mount("http://", adapter)
    return SessionTransport(s)


def get(t: SessionTransport, url: str) -> requests.Response:
    return t.send(Call("GET", url, headers={"Accept": "application/hal+json"}, timeout=5.0, max_body_size=1 << 20))


@pytest.mark.parametrize(
    "headers, validator",
    [
        ({"ETag": '"v1"', "Cache-Control": "no-cache"}, '"v1"'),
        # the server here checks If-Modified-Since only (cachecontrol keeps a
        # stale entry for revalidation only when it has an ETag)
        ({"ETag": '"v2"', "Last-Modified": "Wed, 01 Jan 2020 00:00:00 GMT", "Cache-Control": "no-cache"}, "Wed, 01 Jan 2020 00:00:00 GMT"),
    ],
    ids=["etag", "last-modified"],
)
def test_revalidation_304_does_not_transfer_the_body_again(server: TestServer, prefix: str, headers: Dict[str, str], validator: str) -> None:
    origin = Origin(headers, validator)
    server.handle(f"{prefix}/r", origin)
    t = cached_transport()
    first = get(t, server.url(f"{prefix}/r"))
    sent_once = origin.body_bytes
    second = get(t, server.url(f"{prefix}/r"))
    assert origin.statuses == [200, 304]
    assert origin.conditional[1]  # the second request carried a validator
    assert origin.body_bytes == sent_once > 4000  # the body crossed the network once
    assert second.status_code == 200 and second.json() == first.json() == BODY
    assert t.fast_sends == 0  # the caching adapter is not a plain HTTPAdapter: requests' path


def test_fresh_responses_are_not_requested_again(server: TestServer, prefix: str) -> None:
    origin = Origin({"Cache-Control": "max-age=300"}, "-")
    server.handle(f"{prefix}/fresh", origin)
    t = cached_transport()
    assert get(t, server.url(f"{prefix}/fresh")).json() == get(t, server.url(f"{prefix}/fresh")).json() == BODY
    assert origin.statuses == [200]


def test_uncacheable_responses_are_fetched_each_time(server: TestServer, prefix: str) -> None:
    origin = Origin({"Cache-Control": "no-store"}, "-")
    server.handle(f"{prefix}/nostore", origin)
    t = cached_transport()
    get(t, server.url(f"{prefix}/nostore"))
    get(t, server.url(f"{prefix}/nostore"))
    assert origin.statuses == [200, 200]


def test_client_cache_option(server: TestServer, prefix: str) -> None:
    origin = Origin({"ETag": '"v1"', "Cache-Control": "no-cache"}, '"v1"')
    server.handle(f"{prefix}/c", origin)
    with halkit.Client(server.url(f"{prefix}/c"), cache=True) as client:
        assert client.root()["id"] == 7
        assert client.root()["id"] == 7
    assert origin.statuses == [200, 304]
    with pytest.raises(halkit.HalkitError):
        halkit.Client(server.url("/"), session=requests.Session(), cache=True)


def test_bad_cache_object() -> None:
    with pytest.raises(halkit.HalkitError, match="cachecontrol cache"):
        make_cache_adapter(object())


def test_missing_cachecontrol_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cachecontrol", None)  # import fails
    with pytest.raises(halkit.HalkitError, match=r"pip install 'halkit\[cache\]'"):
        make_cache_adapter()


# ------------------------------------------------ a shared cache keeps principals apart (issue 14 item 9)


def _whoami(req: Request) -> Any:
    # a per-user resource the server lets clients cache for a minute
    who = req.headers.get("authorization", "anonymous")
    body = json.dumps({"_links": {"self": {"href": "/me"}}, "me": who}).encode()
    return 200, {"Content-Type": "application/hal+json", "Cache-Control": "private, max-age=60"}, body


def test_a_shared_cache_never_serves_one_principal_to_another(server: TestServer, prefix: str) -> None:
    from cachecontrol.cache import DictCache

    server.handle(f"{prefix}/me", _whoami)
    shared = DictCache()
    url = server.url(f"{prefix}/me")
    alice = halkit.Client(url, auth="alice-token", cache=shared)
    bob = halkit.Client(url, auth="bob-token", cache=shared)
    anonymous = halkit.Client(url, cache=shared)
    with alice, bob, anonymous:
        assert alice.root()["me"] == "Bearer alice-token"
        assert bob.root()["me"] == "Bearer bob-token"
        assert anonymous.root()["me"] == "anonymous"
        # and each one's own entry is used
        assert alice.root()["me"] == "Bearer alice-token"
        assert bob.root()["me"] == "Bearer bob-token"
    assert len(server.requests_to(f"{prefix}/me")) == 3
    # the keys hold a digest of the credentials, never the token
    assert not any("alice-token" in key or "bob-token" in key for key in shared.data)


def test_vary_is_honoured_within_one_identity(server: TestServer, prefix: str) -> None:
    def localised(req: Request) -> Any:
        lang = req.headers.get("accept-language", "en")
        body = json.dumps({"_links": {"self": {"href": "/l"}}, "lang": lang}).encode()
        return 200, {"Content-Type": "application/hal+json", "Cache-Control": "max-age=60", "Vary": "Accept-Language"}, body

    def anything(req: Request) -> Any:
        body = json.dumps({"_links": {"self": {"href": "/star"}}}).encode()
        return 200, {"Content-Type": "application/hal+json", "Cache-Control": "max-age=60", "Vary": "*"}, body

    server.handle(f"{prefix}/l", localised)
    server.handle(f"{prefix}/star", anything)
    t = cached_transport()
    for lang in ("en", "fr", "en", "fr"):
        r = t.send(Call("GET", server.url(f"{prefix}/l"), headers={"Accept-Language": lang}, timeout=5.0, max_body_size=1 << 20))
        assert r.json()["lang"] == lang
    for _ in range(2):
        get(t, server.url(f"{prefix}/star"))
    assert len(server.requests_to(f"{prefix}/star")) == 2  # Vary: * never matches


def test_an_unsafe_request_invalidates_the_identitys_entry(server: TestServer, prefix: str) -> None:
    state = {"n": 0}

    def counter(req: Request) -> Any:
        if req.method == "POST":
            state["n"] += 1
            return 204, {}, b""
        body = json.dumps({"_links": {"self": {"href": "/n"}}, "n": state["n"]}).encode()
        return 200, {"Content-Type": "application/hal+json", "Cache-Control": "max-age=60"}, body

    server.handle(f"{prefix}/n", counter)
    with halkit.Client(server.url(f"{prefix}/n"), auth="tok", cache=True) as client:
        assert client.root()["n"] == 0
        client.request("POST", server.url(f"{prefix}/n"), json={})
        assert client.root()["n"] == 1


def test_identity_of() -> None:
    from halkit.cache import identity_of

    anon = requests.Request("GET", "https://h/").prepare()
    a = requests.Request("GET", "https://h/", headers={"Authorization": "Bearer a"}).prepare()
    b = requests.Request("GET", "https://h/", headers={"Authorization": "Bearer b"}).prepare()
    c = requests.Request("GET", "https://h/", headers={"Cookie": "session=1"}).prepare()
    assert identity_of(anon) is None
    assert len({identity_of(a), identity_of(b), identity_of(c)}) == 3
    assert "Bearer" not in str(identity_of(a))
