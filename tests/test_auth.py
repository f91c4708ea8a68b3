"""Tests for halkit.auth, against a real token endpoint and API on 127.0.0.1."""

from __future__ import annotations

import base64
import gzip
import io
import json
import logging
import random
import re
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any, Iterator, List
from urllib.parse import parse_qs

import pytest
import requests
from requests.auth import AuthBase, HTTPBasicAuth

import halkit
from halkit.auth import (
    BearerToken,
    ClientCredentials,
    OriginScoped,
    ScopedHeaders,
    Token,
    TokenRequest,
    prepare_auth,
)
from halkit.exceptions import AuthError, UnsafeURLError

from oauth_server import FakeClock, HostileServer, OAuthServer, SeenRequest

SECRET = "s3cr3t-Zq9xW"


@pytest.fixture
def server() -> Iterator[OAuthServer]:
    with OAuthServer(client_secret=SECRET) as srv:
        yield srv


@pytest.fixture
def other() -> Iterator[OAuthServer]:
    """A second loopback server, on another port, that just records requests."""
    with OAuthServer(protected=False) as srv:
        yield srv


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def credentials(srv: OAuthServer, clock: Any = None, **kwargs: Any) -> ClientCredentials:
    kwargs.setdefault("origins", [srv.origin])
    cc = ClientCredentials(srv.token_url, srv.client_id, srv.client_secret, **kwargs)
    if clock is not None:
        cc._state.clock = clock
    return cc


@pytest.fixture
def cc(server: OAuthServer) -> Iterator[ClientCredentials]:
    with credentials(server) as auth:
        yield auth


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --------------------------------------------------------------------------- the token request


def test_reproduces_the_seed_request(session: requests.Session) -> None:
    with (
        OAuthServer(require_password_fields=True) as srv,
        ClientCredentials(srv.token_url, "acme", "acmesecret", password_fields=True, origins=[srv.origin]) as auth,
    ):
        assert session.get(srv.url("/api/"), auth=auth).status_code == 200
    [req] = srv.token_requests
    # curl --user 'acme:acmesecret' --form grant_type=client_credentials --form username=acme --form password=acmesecret
    assert req.headers["Authorization"] == "Basic YWNtZTphY21lc2VjcmV0"
    assert req.form == {
        "grant_type": ["client_credentials"],
        "username": ["acme"],
        "password": ["acmesecret"],
    }
    assert req.content_type.startswith("application/x-www-form-urlencoded")
    assert req.headers["Accept"] == "application/json"
    # the server says "bearer"; the API still gets "Bearer"
    assert srv.api_requests[0].authorization == f"Bearer {req.token}"


def test_extra_params_carry_a_providers_extra_form_fields(session: requests.Session) -> None:
    # the generic way to send what a provider wants besides grant_type: a profile
    # passes its extra_form_fields as this plain dict
    fields = {"username": "acme", "password": "acmesecret"}
    with (
        OAuthServer(require_password_fields=True) as srv,
        ClientCredentials(srv.token_url, "acme", "acmesecret", extra_params=fields, origins=[srv.origin]) as auth,
    ):
        assert session.get(srv.url("/api/"), auth=auth).status_code == 200
    [req] = srv.token_requests
    assert req.headers["Authorization"] == "Basic YWNtZTphY21lc2VjcmV0"
    assert req.form == {"grant_type": ["client_credentials"], "username": ["acme"], "password": ["acmesecret"]}


def test_the_auth_module_names_no_provider() -> None:
    source = Path(halkit.auth.__file__).read_text(encoding="utf-8").lower()
    assert "chatkitty" not in source


def test_import_halkit_does_not_load_authlib() -> None:
    code = (
        "import sys, requests, halkit\n"
        "client = halkit.Client('https://api.example.com/', auth='tok')\n"
        "prepared = client._auth(requests.Request('GET', 'https://api.example.com/x').prepare())\n"
        "assert prepared.headers['Authorization'] == 'Bearer tok'\n"
        "print(sorted(m for m in ('authlib', 'joserfc', 'cryptography') if m in sys.modules))\n"
        "halkit.ClientCredentials('https://api.example.com/token', 'id', 'secret').close()\n"
        "print('authlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "True"]


def test_client_secret_post(session: requests.Session) -> None:
    with (
        OAuthServer(auth_method="client_secret_post", client_secret=SECRET) as srv,
        credentials(srv, auth_method="client_secret_post") as auth,
    ):
        assert session.get(srv.url("/api/"), auth=auth).status_code == 200
    [req] = srv.token_requests
    assert "Authorization" not in req.headers
    assert req.form == {
        "grant_type": ["client_credentials"],
        "client_id": ["acme"],
        "client_secret": [SECRET],
    }


def test_scope_and_extra_params(server: OAuthServer, session: requests.Session) -> None:
    with credentials(server, scope=["read:*", "update:*"], extra_params={"audience": "api"}) as auth:
        session.get(server.url("/api/"), auth=auth)
    [req] = server.token_requests
    assert req.form["scope"] == ["read:* update:*"]
    assert req.form["audience"] == ["api"]
    assert req.form["grant_type"] == ["client_credentials"]


def test_basic_credentials_are_sent_as_given(session: requests.Session) -> None:
    secret = "p@ss w%rd&=é"  # Latin-1, with characters form-urlencoding would change
    with OAuthServer(client_secret=secret) as srv, credentials(srv) as auth:
        assert session.get(srv.url("/api/"), auth=auth).status_code == 200
    assert (
        srv.token_requests[0].headers["Authorization"]
        == "Basic " + base64.b64encode(f"acme:{secret}".encode("latin-1")).decode()
    )


# --------------------------------------------------------------------------- caching and renewal


def test_token_is_fetched_lazily_and_once(server: OAuthServer, session: requests.Session) -> None:
    with credentials(server) as auth:
        assert server.token_requests == []
        for _ in range(20):
            assert session.get(server.url("/api/x"), auth=auth).status_code == 200
    assert len(server.token_requests) == 1
    assert len(server.tokens_used()) == 1


def test_a_30_second_token_is_not_renewed_per_request(session: requests.Session) -> None:
    with OAuthServer(lifetime=30) as srv, credentials(srv) as auth:
        for _ in range(100):
            assert session.get(srv.url("/api/x"), auth=auth).status_code == 200
    assert len(srv.token_requests) == 1


@pytest.mark.parametrize(
    ("lifetime", "leeway", "renew_after"),
    [
        (30, None, 27.0),  # default: a tenth of the lifetime...
        (1, None, 0.9),
        (43199, None, 43139.0),  # ...at most 60 s
        (30, 5, 25.0),
        (1, 60, 0.5),  # an explicit leeway is capped at half the lifetime
        (100, 0, 100.0),
    ],
)
def test_renewal_point(session: requests.Session, lifetime: float, leeway: Any, renew_after: float) -> None:
    clock = FakeClock()
    with OAuthServer(lifetime=lifetime, clock=clock) as srv, credentials(srv, clock, leeway=leeway) as auth:
        start = clock()
        session.get(srv.url("/api/x"), auth=auth)
        clock.advance(renew_after - 0.001)
        session.get(srv.url("/api/x"), auth=auth)
        assert len(srv.token_requests) == 1
        clock.now = start + renew_after
        session.get(srv.url("/api/x"), auth=auth)
        assert len(srv.token_requests) == 2
        assert [r.status for r in srv.api_requests] == [200, 200, 200]


def test_expiry_is_measured_from_when_the_request_was_sent(session: requests.Session) -> None:
    clock = FakeClock()

    with OAuthServer(lifetime=30, clock=clock) as srv, credentials(srv, clock) as auth:
        token_session = auth._state.session
        send = token_session.send

        def slow_send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            response = send(request, **kwargs)
            clock.advance(10)  # the token response took 10 s to arrive
            return response

        token_session.send = slow_send  # type: ignore[method-assign]
        session.get(srv.url("/api/x"), auth=auth)
        clock.advance(16.9)  # 26.9 s after the token request was sent
        session.get(srv.url("/api/x"), auth=auth)
        assert len(srv.token_requests) == 1
        clock.advance(0.1)  # 27 s: renew
        session.get(srv.url("/api/x"), auth=auth)
        assert len(srv.token_requests) == 2


def test_a_token_without_expires_in_is_kept_until_rejected(session: requests.Session) -> None:
    clock = FakeClock()
    with OAuthServer(lifetime=None, clock=clock) as srv, credentials(srv, clock) as auth:
        session.get(srv.url("/api/x"), auth=auth)
        clock.advance(10**7)
        assert session.get(srv.url("/api/x"), auth=auth).status_code == 200
        assert len(srv.token_requests) == 1
        srv.revoke_all()
        assert session.get(srv.url("/api/x"), auth=auth).status_code == 200
        assert len(srv.token_requests) == 2


def test_short_lived_token_expires_in_the_middle_of_a_paged_walk(session: requests.Session) -> None:
    clock = FakeClock()
    with OAuthServer(lifetime=30, clock=clock) as srv, credentials(srv, clock) as auth:
        url, pages = srv.url("/api/items?page=1&pages=10"), []
        while url:
            response = session.get(url, auth=auth)
            assert response.status_code == 200
            pages.append(response.json()["page"])
            nxt = response.json()["_links"].get("next")
            url = srv.url(nxt["href"]) if nxt else None
            clock.advance(10)  # each page takes 10 s: the token is renewed at 27 s
    assert pages == list(range(1, 11))
    # pages at 0..90 s; renewals at the first page past 27 s after each token: 30, 60, 90
    assert len(srv.token_requests) == 4
    assert [r.status for r in srv.api_requests] == [200] * 10
    assert len(srv.tokens_used()) == 4


def test_paged_walk_with_real_time_short_lived_token(session: requests.Session) -> None:
    with OAuthServer(lifetime=2, api_delay=0.1) as srv, credentials(srv, leeway=1.0) as auth:
        url = srv.url("/api/items?page=1&pages=14")
        while url:
            response = session.get(url, auth=auth)
            assert response.status_code == 200
            nxt = response.json()["_links"].get("next")
            url = srv.url(nxt["href"]) if nxt else None
    assert all(r.status == 200 for r in srv.api_requests)  # never an expired token
    assert len(srv.token_requests) >= 2
    assert len(srv.tokens_used()) == len(srv.token_requests)
    gaps = [b.at - a.at for a, b in zip(srv.token_requests, srv.token_requests[1:])]
    assert min(gaps) >= 1.0 - 0.1  # renewed 1 s after the previous token request, not before


def test_fetch_token_and_invalidate(server: OAuthServer, session: requests.Session) -> None:
    with credentials(server) as auth:
        auth.fetch_token()
        assert len(server.token_requests) == 1
        session.get(server.url("/api/x"), auth=auth)
        assert len(server.token_requests) == 1
        auth.invalidate()
        session.get(server.url("/api/x"), auth=auth)
        assert len(server.token_requests) == 2
    assert server.tokens_used() == [r.token for r in server.token_requests]


# --------------------------------------------------------------------------- threads


def _hammer(url: str, auth: AuthBase, n: int, results: List[int], before: Any = None) -> None:
    with requests.Session() as s:
        for i in range(n):
            if before is not None:
                before(i)
            results.append(s.get(url, auth=auth).status_code)


def test_threads_phased_exact_token_count() -> None:
    """8 threads x 200 requests in 8 phases; the clock jumps past the renewal point between phases."""
    clock = FakeClock()
    threads_n, per_thread, phases = 8, 200, 8
    per_phase = per_thread // phases
    barrier = threading.Barrier(threads_n + 1)
    results: List[int] = []

    def worker(url: str, auth: AuthBase) -> None:
        with requests.Session() as s:
            for i in range(per_thread):
                if i % per_phase == 0:
                    barrier.wait()  # the clock is set; go
                results.append(s.get(url, auth=auth).status_code)
                if i % per_phase == per_phase - 1:
                    barrier.wait()  # phase done

    with OAuthServer(lifetime=30, clock=clock) as srv, credentials(srv, clock) as auth:
        workers = [threading.Thread(target=worker, args=(srv.url("/api/x"), auth)) for _ in range(threads_n)]
        for t in workers:
            t.start()
        for _ in range(phases):
            barrier.wait()  # start the phase
            barrier.wait()  # wait for its end
            clock.advance(28)  # past the renewal point (27 s), before expiry (30 s)
        for t in workers:
            t.join()
    assert results == [200] * (threads_n * per_thread)
    assert len(srv.token_requests) == phases  # exactly one per renewal
    used = srv.tokens_used()
    assert used == [r.token for r in srv.token_requests]
    for token in used:
        assert sum(r.authorization == f"Bearer {token}" for r in srv.api_requests) == threads_n * per_phase


def test_threads_real_clock_one_token_request_per_renewal() -> None:
    """8 threads x 200 requests with a 1.2 s token renewed 0.6 s early: several renewals, no duplicates."""
    results: List[int] = []
    with OAuthServer(lifetime=1.2, api_delay=0.008) as srv, credentials(srv, leeway=0.6) as auth:
        workers = [threading.Thread(target=_hammer, args=(srv.url("/api/x"), auth, 200, results)) for _ in range(8)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
    assert results == [200] * 1600
    n = len(srv.token_requests)
    assert n >= 3  # 200 x 8 ms >= 1.6 s per thread: at least two renewals
    # every token fetched was used, so no thread fetched one in vain (no duplicate
    # renewal). (When each renewal happened is test_threads_phased_exact_token_count's
    # job, on a fake clock: real-clock gaps measured at the server are timings.)
    assert sorted(srv.tokens_used()) == sorted(r.token for r in srv.token_requests)  # type: ignore[type-var]


def test_concurrent_401s_renew_once(server: OAuthServer) -> None:
    with credentials(server) as auth:
        with requests.Session() as s:
            s.get(server.url("/api/x"), auth=auth)
        server.revoke_all()
        results: List[int] = []
        barrier = threading.Barrier(8)
        workers = [
            threading.Thread(
                target=_hammer,
                args=(server.url("/api/x"), auth, 5, results, lambda i: i == 0 and barrier.wait()),
            )
            for _ in range(8)
        ]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
    assert results == [200] * 40
    assert len(server.token_requests) == 2


# --------------------------------------------------------------------------- 401 and retry


def test_401_renews_and_retries_once(server: OAuthServer, cc: ClientCredentials, session: requests.Session) -> None:
    assert session.get(server.url("/api/x"), auth=cc).status_code == 200
    server.revoke_all()  # the server forgets the token early
    response = session.get(server.url("/api/x"), auth=cc)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert [r.status for r in server.api_requests] == [200, 401, 200]
    assert len(server.token_requests) == 2
    assert server.api_requests[2].authorization == f"Bearer {server.token_requests[1].token}"


def test_retry_resends_the_body(server: OAuthServer, cc: ClientCredentials, session: requests.Session) -> None:
    session.get(server.url("/api/x"), auth=cc)
    server.revoke_all()
    response = session.post(server.url("/api/x"), json={"name": "x"}, auth=cc)
    assert response.status_code == 200
    assert [(r.status, r.body) for r in server.api_requests[1:]] == [(401, b'{"name": "x"}'), (200, b'{"name": "x"}')]


def test_second_401_is_returned(server: OAuthServer, cc: ClientCredentials, session: requests.Session) -> None:
    server.reject_all = True
    response = session.get(server.url("/api/x"), auth=cc)
    assert response.status_code == 401
    assert [r.status_code for r in response.history] == [401]
    assert [r.status for r in server.api_requests] == [401, 401]
    assert len(server.token_requests) == 2  # the first token, and one renewal


def test_401_from_another_origin_is_not_retried(
    server: OAuthServer, cc: ClientCredentials, session: requests.Session
) -> None:
    with OAuthServer() as foreign:
        response = session.get(foreign.url("/api/x"), auth=cc)
    assert response.status_code == 401
    assert server.token_requests == []
    assert [r.authorization for r in foreign.api_requests] == [None]


def test_streamed_body_is_not_retried(server: OAuthServer, cc: ClientCredentials, session: requests.Session) -> None:
    session.get(server.url("/api/x"), auth=cc)
    server.revoke_all()
    response = session.post(server.url("/api/x"), data=iter([b"a", b"b"]), auth=cc)
    assert response.status_code == 401
    assert len(server.token_requests) == 1


# --------------------------------------------------------------------------- origin scoping


def test_link_to_another_origin_gets_no_token(
    server: OAuthServer, other: OAuthServer, cc: ClientCredentials, session: requests.Session
) -> None:
    doc = session.get(server.url("/api/link"), params={"href": other.url("/api/elsewhere")}, auth=cc).json()
    assert session.get(doc["_links"]["other"]["href"], auth=cc).status_code == 200
    assert server.api_requests[0].authorization.startswith("Bearer ")  # type: ignore[union-attr]
    assert [r.authorization for r in other.api_requests] == [None]


def test_redirect_to_another_origin_gets_no_token(
    server: OAuthServer, other: OAuthServer, cc: ClientCredentials, session: requests.Session
) -> None:
    response = session.get(server.url("/api/redirect"), params={"to": other.url("/api/landed")}, auth=cc)
    assert response.status_code == 200 and response.url == other.url("/api/landed")
    assert [r.authorization for r in other.api_requests] == [None]


def test_redirect_scoping_does_not_rely_on_requests(
    server: OAuthServer, other: OAuthServer, cc: ClientCredentials
) -> None:
    """requests keeps Authorization on some cross-origin redirects (http -> https on default ports)."""

    class KeepsAuth(requests.Session):
        def should_strip_auth(self, old_url: str, new_url: str) -> bool:
            return False

    with KeepsAuth() as s, OAuthServer(protected=False) as third:
        s.get(server.url("/api/redirect"), params={"to": other.url("/api/landed")}, auth=cc)
        # control: without halkit's hook the header goes through
        s.get(
            third.url("/api/redirect"),
            params={"to": other.url("/api/control")},
            headers={"Authorization": "Bearer control"},
        )
    assert [r.authorization for r in other.api_requests] == [None, "Bearer control"]


def test_redirect_within_the_origin_keeps_the_token(
    server: OAuthServer, cc: ClientCredentials, session: requests.Session
) -> None:
    response = session.get(server.url("/api/redirect"), params={"to": "/api/landed"}, auth=cc)
    assert response.status_code == 200
    assert [r.status for r in server.api_requests] == [302, 200]
    assert server.api_requests[0].authorization == server.api_requests[1].authorization is not None


def test_explicit_allow_list(server: OAuthServer, session: requests.Session) -> None:
    with OAuthServer() as api2, credentials(server, origins=[server.origin, api2.url("/any/path")]) as auth:
        api2.issued = server.issued  # api2 trusts server's tokens
        assert session.get(api2.url("/api/x"), auth=auth).status_code == 200
        assert api2.api_requests[0].authorization == f"Bearer {server.token_requests[0].token}"
        assert auth.origins == tuple(sorted([server.origin, api2.origin]))


def test_no_origins_with_a_plain_session(server: OAuthServer, session: requests.Session) -> None:
    with ClientCredentials(server.token_url, "acme", SECRET) as auth, pytest.raises(AuthError, match="origin"):
        session.get(server.url("/api/x"), auth=auth)
    assert server.token_requests == []


@pytest.mark.parametrize(
    ("allowed", "url", "sent"),
    [
        ("https://api.example.com", "https://API.example.com:443/v1/x", True),
        ("https://api.example.com/v1/", "https://api.example.com/other", True),
        ("https://api.example.com", "http://api.example.com/x", False),
        ("https://api.example.com", "https://api.example.com:8443/x", False),
        ("https://api.example.com", "https://evil.example.com/x", False),
        ("https://api.example.com", "https://api.example.com.evil.com/x", False),
        ("http://[::1]:8080", "http://[::1]:8080/x", True),
        ("HTTP://LOCALHOST:80", "http://localhost/x", True),
        ("https://bücher.example", "https://xn--bcher-kva.example/x", True),
        # a trailing dot is part of the host (halkit.urls): the two are different origins
        ("https://api.example.com", "https://api.example.com./x", False),
        ("https://api.example.com.", "https://API.example.com./x", True),
        ("https://api.example.com.", "https://api.example.com/x", False),
    ],
)
def test_origin_matching(allowed: str, url: str, sent: bool) -> None:
    auth = BearerToken("abc", origins=[allowed])
    prepared = auth(requests.Request("GET", url).prepare())
    assert ("Authorization" in prepared.headers) is sent


# --------------------------------------------------------------------------- token endpoint errors


def _error(server: OAuthServer, **kwargs: Any) -> AuthError:
    with credentials(server, **kwargs) as auth, pytest.raises(AuthError) as info:
        auth.fetch_token()
    assert SECRET not in str(info.value)
    return info.value


def test_bad_client_credentials(server: OAuthServer, session: requests.Session) -> None:
    with ClientCredentials(server.token_url, "acme", "wrong-secret", origins=[server.origin]) as auth:
        with pytest.raises(AuthError) as info:
            session.get(server.url("/api/x"), auth=auth)
    err = info.value
    assert type(err) is AuthError and isinstance(err, halkit.HalkitError)
    assert (err.error, err.description) == ("invalid_client", "Bad client credentials")
    assert server.token_url in str(err) and "401" in str(err) and "invalid_client" in str(err)
    assert "wrong-secret" not in str(err) and "wrong-secret" not in repr(err)
    assert server.api_requests == []


def test_unsupported_grant_type(server: OAuthServer) -> None:
    server.token_reply = (400, "application/json", b'{"error": "unsupported_grant_type"}')
    err = _error(server)
    assert (err.error, err.description) == ("unsupported_grant_type", None)
    assert "400" in str(err)


@pytest.mark.parametrize("status", [200, 401, 502])
def test_non_json_body(server: OAuthServer, status: int) -> None:
    server.token_reply = (status, "text/html", b"<html>gateway says no</html>")
    err = _error(server)
    assert err.error is None
    assert str(status) in str(err) and "text/html" in str(err)


def test_5xx_with_an_oauth_error(server: OAuthServer) -> None:
    server.token_reply = (
        503,
        "application/json",
        b'{"error": "temporarily_unavailable", "error_description": "later"}',
    )
    err = _error(server)
    assert (err.error, err.description) == ("temporarily_unavailable", "later")
    assert "503" in str(err)


def test_token_endpoint_redirect_is_not_followed(server: OAuthServer, other: OAuthServer) -> None:
    server.token_reply = (307, "text/plain", b"")
    err = _error(server)
    assert "redirect" in str(err)
    assert other.api_requests == [] and len(server.token_requests) == 1


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b'{"token_type": "bearer"}', "without an access_token"),
        (b'{"access_token": "abc", "token_type": "mac"}', "'mac'"),
        (b'{"access_token": "abc", "token_type": "bearer", "expires_in": "soon"}', "expires_in"),
        (b'{"access_token": "abc", "token_type": "bearer", "expires_in": -5}', "expires_in"),
        (b'{"access_token": "abc\\r\\nX-Evil: 1", "token_type": "bearer"}', "cannot be sent"),
        (b'["not", "an", "object"]', "not a JSON object|token response"),
    ],
)
def test_unusable_token_response(server: OAuthServer, body: bytes, match: str) -> None:
    server.token_reply = (200, "application/json", body)
    err = _error(server)
    assert err.error is None
    assert re.search(match, str(err)), str(err)


def test_timeout(server: OAuthServer) -> None:
    server.token_delay = 1.0
    started = time.monotonic()
    err = _error(server, timeout=0.2)
    assert time.monotonic() - started < 0.9
    assert "did not answer within 0.2 s" in str(err)
    assert isinstance(err.__cause__, requests.Timeout)


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    auth = ClientCredentials(f"http://127.0.0.1:{port}/token", "acme", SECRET, origins=["http://127.0.0.1"])
    with auth, pytest.raises(AuthError, match="could not connect"):
        auth.fetch_token()


def test_secret_echoed_by_the_server_is_redacted(server: OAuthServer) -> None:
    server.token_reply = (
        400,
        "application/json",
        b'{"error": "invalid_request", "error_description": "bad password ' + SECRET.encode() + b'"}',
    )
    err = _error(server)
    assert err.description == "bad password ***"


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize("url", ["http://auth.example.com/token", "http://10.0.0.1/token", "HTTP://example.com/t"])
def test_plain_http_token_endpoint_is_refused(url: str) -> None:
    with pytest.raises(AuthError, match="allow_insecure_http") as info:
        ClientCredentials(url, "acme", SECRET)
    assert "https" in str(info.value) and SECRET not in str(info.value)
    ClientCredentials(url, "acme", SECRET, allow_insecure_http=True).close()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/token",
        "http://127.0.0.1/token",
        "http://127.1.2.3/t",
        "http://[::1]:9/t",
        "https://a.example/t",
    ],
)
def test_loopback_or_https_token_endpoint_is_accepted(url: str) -> None:
    ClientCredentials(url, "acme", SECRET).close()


def test_bad_configuration() -> None:
    with pytest.raises(UnsafeURLError):
        ClientCredentials("ftp://example.com/token", "acme", SECRET)
    with pytest.raises(UnsafeURLError):
        ClientCredentials("/token", "acme", SECRET)
    with pytest.raises(AuthError, match="credentials") as info:
        ClientCredentials(f"https://acme:{SECRET}@example.com/token", "acme", SECRET)
    assert SECRET not in str(info.value)
    with pytest.raises(AuthError, match="auth_method"):
        ClientCredentials("https://example.com/token", "acme", SECRET, auth_method="private_key_jwt")
    with pytest.raises(AuthError, match="':'"):
        ClientCredentials("https://example.com/token", "ac:me", SECRET)
    with pytest.raises(AuthError, match="Latin-1") as info:
        ClientCredentials("https://example.com/token", "acme", "€uro-secret")
    assert "€uro" not in str(info.value)
    ClientCredentials("https://example.com/token", "acme", "€uro-secret", auth_method="client_secret_post").close()
    with pytest.raises(AuthError, match="extra_params"):
        ClientCredentials("https://example.com/token", "acme", SECRET, extra_params={"grant_type": "password"})
    with pytest.raises(AuthError, match="invalid origin"):
        ClientCredentials("https://example.com/token", "acme", SECRET, origins=["api.example.com"])
    with pytest.raises(AuthError, match="leeway"):
        ClientCredentials("https://example.com/token", "acme", SECRET, leeway=-1)


# --------------------------------------------------------------------------- no secrets anywhere


def test_reprs_show_no_secret(server: OAuthServer, session: requests.Session) -> None:
    with credentials(server, password_fields=True, extra_params={"audience": "hidden-value"}) as auth:
        before = repr(auth)
        session.get(server.url("/api/x"), auth=auth)
        after = repr(auth) + repr(auth._state.token) + repr(vars(auth._state))
        token = server.token_requests[0].token
        assert token
        for text in (before, after):
            assert SECRET not in text and token not in text and "hidden-value" not in text
        assert server.token_url in before and "'acme'" in before and server.origin in before
    bearer = BearerToken("tok-123456", origins=["https://api.example.com"])
    assert "tok-123456" not in repr(bearer) and "https://api.example.com:443" in repr(bearer)
    scoped = OriginScoped(HTTPBasicAuth("user", SECRET), ["https://api.example.com"])
    assert SECRET not in repr(scoped) and "HTTPBasicAuth" in repr(scoped)


def test_logs_show_no_secret(server: OAuthServer, session: requests.Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with credentials(server, password_fields=True) as auth:
        session.get(server.url("/api/x"), auth=auth)
        server.revoke_all()
        session.get(server.url("/api/x"), auth=auth)  # 401, renewal, retry
        server.token_reply = (401, "application/json", b'{"error": "invalid_client"}')
        auth.invalidate()
        with pytest.raises(AuthError) as info:
            session.get(server.url("/api/x"), auth=auth)
    tokens = [r.token for r in server.token_requests if r.token]
    assert len(tokens) == 2
    assert any(r.name == "halkit.auth" for r in caplog.records)
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    logged = caplog.text + "".join(r.getMessage() + repr(r.args) for r in caplog.records)
    for secret in [SECRET, *tokens]:
        assert secret not in logged
        assert secret not in str(info.value) and secret not in repr(info.value)


# --------------------------------------------------------------------------- static auth and prepare_auth


def test_static_bearer_token(server: OAuthServer, other: OAuthServer, session: requests.Session) -> None:
    server.issue("static-token")
    auth = prepare_auth("static-token", [server.url("/api/")])
    assert isinstance(auth, BearerToken)
    assert session.get(server.url("/api/x"), auth=auth).status_code == 200
    session.get(other.url("/api/x"), auth=auth)
    session.get(server.url("/api/redirect"), params={"to": other.url("/api/y")}, auth=auth)
    assert server.api_requests[0].authorization == "Bearer static-token"
    assert [r.authorization for r in other.api_requests] == [None, None]
    server.revoke_all()
    assert session.get(server.url("/api/x"), auth=auth).status_code == 401  # nothing to renew
    with pytest.raises(AuthError):
        BearerToken("two words")


def test_requests_auth_is_scoped(server: OAuthServer, other: OAuthServer, session: requests.Session) -> None:
    for value in [("user", SECRET), HTTPBasicAuth("user", SECRET)]:
        auth = prepare_auth(value, [server.origin])
        assert isinstance(auth, OriginScoped)
        session.get(other.url("/api/x"), auth=auth)
        prepared = auth(requests.Request("GET", server.url("/api/x")).prepare())
        assert prepared.headers["Authorization"] == basic("user", SECRET)
    assert [r.authorization for r in other.api_requests] == [None, None]

    calls: List[str] = []

    def plain_callable(r: requests.PreparedRequest) -> requests.PreparedRequest:
        calls.append(r.url or "")
        return r

    auth = prepare_auth(plain_callable, [server.origin])
    session.get(other.url("/api/x"), auth=auth)
    assert calls == []


def test_prepare_auth_binds_halkit_auth_to_the_entry_origin(server: OAuthServer, session: requests.Session) -> None:
    assert prepare_auth(None, [server.origin]) is None
    with credentials(server, origins=None) as unbound:
        bound = prepare_auth(unbound, [server.url("/api/entry")])
        assert isinstance(bound, ClientCredentials) and bound is not unbound
        assert bound.origins == (server.origin,) and unbound.origins is None
        again = prepare_auth(bound, ["https://elsewhere.example"])
        assert again is bound  # explicit origins are kept
        other_bound = unbound.with_origins([server.origin])
        session.get(server.url("/api/x"), auth=bound)
        session.get(server.url("/api/x"), auth=other_bound)
    assert len(server.token_requests) == 1  # copies share the token


@pytest.mark.parametrize("value", [42, ("a", "b", "c"), ("a", 1), b"bytes-token"])
def test_prepare_auth_rejects_unsupported_values(value: Any) -> None:
    with pytest.raises(AuthError) as info:
        prepare_auth(value, ["https://api.example.com"])
    assert "b'bytes-token'" not in str(info.value)


def test_prepare_auth_rejects_bad_origins() -> None:
    with pytest.raises(AuthError, match="invalid origin"):
        prepare_auth("token", ["not a url"])
    with pytest.raises(AuthError, match="empty"):
        prepare_auth("token", [])


def test_public_api() -> None:
    import halkit.auth

    assert set(halkit.auth.__all__) == {
        "DEFAULT_TOKEN_BODY_SIZE",
        "AuthLike",
        "BearerToken",
        "ClientCredentials",
        "OriginScoped",
        "ScopedHeaders",
        "Token",
        "TokenRequest",
        "prepare_auth",
    }
    for name in halkit.auth.__all__:
        assert getattr(halkit.auth, name).__doc__ or name == "AuthLike"


# --------------------------------------------------------------------------- hostile servers (issue 14) and
# requests-like expectations (issue 13)


def _json_answer(payload: Any, status: int = 200, **headers: str) -> Any:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(payload).encode()


def _hal_answer(payload: Any) -> Any:
    return 200, {"Content-Type": "application/hal+json"}, json.dumps(payload).encode()


def test_a_static_token_with_another_scheme() -> None:
    # Django REST framework's TokenAuthentication: "Authorization: Token <key>"
    def drf(srv: HostileServer, req: SeenRequest) -> Any:
        if req.headers.get("Authorization") != "Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b":
            return _json_answer({"detail": "Authentication credentials were not provided."}, 401)
        return _hal_answer({"_links": {"self": {"href": "/api/"}}, "name": "drf"})

    with HostileServer(drf) as srv:
        auth = BearerToken("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", scheme="Token")
        assert "9944b" not in repr(auth) and "Token" in repr(auth)
        with halkit.Client(srv.url("/api/"), auth=auth) as client:
            assert client.root()["name"] == "drf"
        with pytest.raises(AuthError, match="scheme"):
            BearerToken("abc", scheme="Bad Scheme")


def test_the_token_request_goes_through_the_clients_session(server: OAuthServer) -> None:
    # the session's hooks (and so its adapters, mounts, retries and test doubles)
    # see the token request; so does the client's counter (on_token_request)
    seen: List[str] = []
    counted: List[int] = []
    with requests.Session() as client_session:
        client_session.hooks["response"].append(lambda r, **kw: seen.append(r.request.url))
        auth = prepare_auth(
            ClientCredentials(server.token_url, server.client_id, SECRET),
            [server.origin],
            session=client_session,
            on_token_request=lambda: counted.append(1),
        )
        assert isinstance(auth, ClientCredentials)
        assert client_session.get(server.url("/api/x"), auth=auth).status_code == 200
    assert seen == [server.token_url, server.url("/api/x")]
    assert counted == [1]
    assert len(server.token_requests) == 1


def test_the_token_request_is_seen_by_requests_test_doubles() -> None:
    responses = pytest.importorskip("responses")
    with responses.RequestsMock() as mock, requests.Session() as session:
        mock.post("https://auth.example.com/oauth/token", json={"access_token": "t0k3n", "token_type": "bearer"})
        mock.get("https://api.example.com/v1/", json={"ok": True})
        auth = ClientCredentials("https://auth.example.com/oauth/token", "id", SECRET, origins=["https://api.example.com"])
        auth = auth.with_session(session)
        assert session.get("https://api.example.com/v1/", auth=auth).json() == {"ok": True}
        assert mock.calls[1].request.headers["Authorization"] == "Bearer t0k3n"


def _endless(chunk: bytes, total: int) -> Iterator[bytes]:
    for _ in range(total // len(chunk)):
        yield chunk


@pytest.mark.parametrize("shape", ["plain", "gzip-bomb", "chunked"])
def test_a_huge_token_response_fails_fast(shape: str) -> None:
    total = 64 * 1024 * 1024

    def token(srv: HostileServer, req: SeenRequest) -> Any:
        if shape == "gzip-bomb":
            return 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, _GZIP_BOMB
        if shape == "chunked":  # no Content-Length at all: the body ends when the connection does
            return 200, {"Content-Type": "application/json", "Connection": "close"}, _endless(b" " * 65536, total)
        return 200, {"Content-Type": "application/json", "Content-Length": str(total)}, _endless(b" " * 65536, total)

    tracemalloc.start()
    try:
        with HostileServer(token) as srv, ClientCredentials(srv.url("/token"), "id", SECRET, origins=[srv.origin]) as cc:
            with pytest.raises(halkit.ResponseTooLargeError) as info:
                cc.fetch_token()
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.limit == 1024 * 1024
    assert "token endpoint" in str(info.value) and SECRET not in str(info.value)
    assert peak < 16 * 1024 * 1024  # authlib used to read all of it: 64 MiB, ~500 MiB from the bomb
    assert srv.bytes_sent < total


_GZIP_BOMB = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)


def test_a_small_limit_and_a_token_that_fits(server: OAuthServer, session: requests.Session) -> None:
    with credentials(server, max_body_size=4096) as auth:
        assert session.get(server.url("/api/x"), auth=auth).status_code == 200
    with pytest.raises(AuthError, match="max_body_size"):
        credentials(server, max_body_size=0)


def _free_loopback_address() -> str:
    # a random 127.x.y.z: port 80 there is (almost certainly) free, even with other test runs around
    for _ in range(20):
        host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        with socket.socket() as probe:
            try:
                probe.bind((host, 80))
            except OSError:
                continue
            return host
    pytest.skip("cannot bind port 80 on a loopback address")


class _RecordingAdapter(requests.adapters.BaseAdapter):
    """Plays https://<host>: records what would have been sent, answers 200."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: List[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 200
        response.url = request.url or ""
        response.request = request
        response.raw = io.BytesIO(b"{}")
        return response

    def close(self) -> None:
        pass


def test_the_redirect_after_a_renewal_is_scoped() -> None:
    # http://h (port 80) answers 401 to the first token, then 302 to https://h:
    # requests keeps Authorization on that upgrade, so halkit must strip it,
    # after a renewal as well as without one (the auth docs promise it)
    host = _free_loopback_address()
    tokens = iter(["first-token", "renewed-token"])
    issued: List[str] = []

    def token_endpoint(srv: HostileServer, req: SeenRequest) -> Any:
        issued.append(next(tokens))
        return _json_answer({"access_token": issued[-1], "token_type": "bearer"})

    def api(srv: HostileServer, req: SeenRequest) -> Any:
        if req.headers.get("Authorization") != "Bearer renewed-token":
            return _json_answer({"error": "invalid_token"}, 401)
        return 302, {"Location": f"https://{host}/landing"}, b""

    spy = _RecordingAdapter()
    with (
        HostileServer(token_endpoint) as tokens_srv,
        HostileServer(api, host=host, port=80) as api_srv,
        requests.Session() as session,
    ):
        session.mount(f"https://{host}", spy)
        auth = ClientCredentials(tokens_srv.url("/token"), "id", SECRET, origins=[api_srv.origin])
        response = session.get(api_srv.url("/x"), auth=auth)
        auth.close()
    assert issued == ["first-token", "renewed-token"]
    assert response.status_code == 200 and [r.status_code for r in response.history] == [302]
    [hop] = spy.sent
    assert hop.url == f"https://{host}/landing"
    assert "Authorization" not in hop.headers


def test_a_redirect_to_https_on_the_same_host_is_scoped_too() -> None:
    host = _free_loopback_address()

    def api(srv: HostileServer, req: SeenRequest) -> Any:
        return 302, {"Location": f"https://{host}/landing"}, b""

    spy = _RecordingAdapter()
    with HostileServer(api, host=host, port=80) as api_srv, requests.Session() as session:
        session.mount(f"https://{host}", spy)
        session.get(api_srv.url("/x"), auth=BearerToken("static", origins=[api_srv.origin]))
    [hop] = spy.sent
    assert "Authorization" not in hop.headers


# ------------------------------------------------------------ user headers stay home (issue 14 items 8, 11, 12)


API_KEY = "k3y-9f8e7d6c5b4a"


@pytest.fixture
def outsider() -> Iterator[HostileServer]:
    with HostileServer(lambda srv, req: _hal_answer({"_links": {"self": {"href": req.path}}})) as srv:
        yield srv


@pytest.fixture
def api_server(outsider: HostileServer) -> Iterator[HostileServer]:
    def api(srv: HostileServer, req: SeenRequest) -> Any:
        if req.path.startswith("/redirect"):
            return 302, {"Location": outsider.url("/landing")}, b""
        return _hal_answer({"_links": {"self": {"href": req.path}, "away": {"href": outsider.url("/away")}}})

    with HostileServer(api) as srv:
        yield srv


def test_user_headers_go_only_to_the_api(api_server: HostileServer, outsider: HostileServer) -> None:
    scoper = ScopedHeaders({"X-Api-Key": API_KEY}, [api_server.origin])
    with requests.Session() as session:
        session.headers["X-Api-Key"] = API_KEY  # what Client(headers=...) does: on every request
        session.get(api_server.url("/api/"), auth=scoper)
        session.get(outsider.url("/away"), auth=scoper)  # a link elsewhere
        session.get(api_server.url("/redirect"), auth=scoper)  # a redirect elsewhere
    assert [r.headers.get("X-Api-Key") for r in api_server.requests] == [API_KEY, API_KEY]
    assert [r.path for r in outsider.requests] == ["/away", "/landing"]
    assert all("X-Api-Key" not in r.headers for r in outsider.requests)
    assert API_KEY not in repr(scoper)


def test_user_headers_can_be_sent_everywhere_on_request(api_server: HostileServer, outsider: HostileServer) -> None:
    scoper = ScopedHeaders({"X-Trace": "t-1"}, "*")
    assert scoper.origins is None
    with requests.Session() as session:
        session.headers["X-Trace"] = "t-1"
        session.get(outsider.url("/away"), auth=scoper)
        session.get(api_server.url("/redirect"), auth=scoper)
    assert [r.headers.get("X-Trace") for r in outsider.requests] == ["t-1", "t-1"]


def test_a_per_call_header_of_the_same_name_is_left_alone(outsider: HostileServer) -> None:
    scoper = ScopedHeaders({"X-Api-Key": API_KEY}, ["https://api.example.com"])
    with requests.Session() as session:
        session.get(outsider.url("/away"), auth=scoper, headers={"X-Api-Key": "meant-for-this-one"})
    assert outsider.requests[0].headers["X-Api-Key"] == "meant-for-this-one"


def test_scoped_headers_wrap_the_real_auth(api_server: HostileServer, outsider: HostileServer) -> None:
    scoper = ScopedHeaders({"X-Api-Key": API_KEY}, [api_server.origin], auth=BearerToken("tok", origins=[api_server.origin]))
    with requests.Session() as session:
        session.get(api_server.url("/api/"), auth=scoper)
    assert api_server.requests[0].headers["Authorization"] == "Bearer tok"
    scoper.close()


def test_a_backslash_link_sends_nothing_to_the_host_urllib3_would_reach(
    api_server: HostileServer, outsider: HostileServer
) -> None:
    # http://OTHER\@API/x: RFC 3986 says host API, urllib3 connects to OTHER
    other = outsider.origin.split("//")[1]
    api = api_server.origin.split("//")[1]
    hostile = f"http://{other}\\@{api}/x"
    with halkit.Client(api_server.url("/api/"), headers={"X-Api-Key": API_KEY}, auth="tok") as client:
        with pytest.raises(halkit.UnsafeURLError, match="disagree"):
            client.get(hostile)
    assert outsider.requests == []
    scoper = ScopedHeaders({"X-Api-Key": API_KEY}, [api_server.origin])
    with requests.Session() as session:
        session.headers["X-Api-Key"] = API_KEY
        session.get(hostile, auth=scoper)  # requests itself goes to OTHER: the scoper strips the key
    assert [r.headers.get("X-Api-Key") for r in outsider.requests] == [None]


@pytest.mark.parametrize("value", [API_KEY + "\n", " " + API_KEY, API_KEY + "\r\nX-Injected: 1", API_KEY + "\x00"])
def test_a_header_value_that_cannot_be_sent_is_not_quoted(value: str) -> None:
    with pytest.raises(halkit.HalkitError) as info:
        ScopedHeaders({"X-Api-Key": value}, ["https://api.example.com"])
    assert "X-Api-Key" in str(info.value)
    assert API_KEY not in str(info.value) and API_KEY not in repr(info.value)


def test_no_secret_in_any_message_repr_or_log(caplog: pytest.LogCaptureFixture) -> None:
    # A token endpoint that echoes what it got (the Basic header, the form)
    # into its error, and a client configured with every kind of secret:
    # every message, repr and log line of the scenario is searched.
    basic_b64 = base64.b64encode(f"acme:{SECRET}".encode()).decode()

    def echo(srv: HostileServer, req: SeenRequest) -> Any:
        said = f"bad request: Authorization={req.headers.get('Authorization')} body={req.body.decode()}"
        return _json_answer({"error": "invalid_request", "error_description": said}, 400)

    caplog.set_level(logging.DEBUG)
    texts: List[str] = []
    with HostileServer(echo) as srv:
        cc = ClientCredentials(
            srv.url("/token"), "acme", SECRET, extra_params={"audience": "aud-Secret-77"}, origins=[srv.origin]
        )
        texts.append(repr(cc))
        with pytest.raises(AuthError) as info:
            cc.fetch_token()
        texts += [str(info.value), repr(info.value), repr(info.value.description), repr(info.value.error)]
        cc.close()
        assert srv.requests[0].headers["Authorization"] == "Basic " + basic_b64  # it was really echoed
    with pytest.raises(halkit.HalkitError) as bad_header:
        ScopedHeaders({"X-Api-Key": API_KEY + "\n"}, [srv.origin])
    texts += [str(bad_header.value), repr(bad_header.value)]
    texts.append(repr(ScopedHeaders({"X-Api-Key": API_KEY}, [srv.origin])))
    texts.append(halkit.urls.redact(f"https://acme:{SECRET}@api.example.com/v1/?api_key={API_KEY}"))
    texts += [r.getMessage() for r in caplog.records] + [caplog.text]
    everything = "\n".join(texts)
    assert "invalid_request" in everything and "api.example.com" in everything
    for secret in (SECRET, basic_b64, "aud-Secret-77", API_KEY):
        assert secret not in everything, secret


@pytest.mark.parametrize("shape", ["plain", "gzip-bomb"])
def test_a_huge_401_body_is_not_read_before_the_renewal(shape: str) -> None:
    total = 64 * 1024 * 1024
    tokens = iter(["old", "new"])

    def token_endpoint(srv: HostileServer, req: SeenRequest) -> Any:
        return _json_answer({"access_token": next(tokens), "token_type": "bearer"})

    def api(srv: HostileServer, req: SeenRequest) -> Any:
        if req.headers.get("Authorization") == "Bearer new":
            return _json_answer({"ok": True})
        if shape == "gzip-bomb":
            return 401, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, _GZIP_BOMB
        return 401, {"Content-Type": "text/plain", "Content-Length": str(total)}, _endless(b"x" * 65536, total)

    tracemalloc.start()
    try:
        with HostileServer(token_endpoint) as tok, HostileServer(api) as api_srv, requests.Session() as session:
            with ClientCredentials(tok.url("/token"), "id", SECRET, origins=[api_srv.origin]) as auth:
                assert session.get(api_srv.url("/x"), auth=auth).json() == {"ok": True}
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # the 401's body used to be read whole: 64 MiB, ~600 MiB from the bomb
    assert api_srv.bytes_sent < total


# --------------------------------------------------------------------------- the grant without I/O


def _cc(**kwargs: Any) -> ClientCredentials:
    kwargs.setdefault("origins", ["https://api.example.com"])
    return ClientCredentials("https://auth.example.com/oauth/token", "acme", SECRET, **kwargs)


def _token_body(**fields: Any) -> bytes:
    return json.dumps({"access_token": "t0k3n", "token_type": "bearer", **fields}).encode()


def test_token_request_with_client_secret_basic() -> None:
    request = _cc(scope=["read", "write"], extra_params={"audience": "api"}).token_request()
    url, headers, body = request  # a tuple too
    assert isinstance(request, TokenRequest) and url == "https://auth.example.com/oauth/token"
    assert headers["Authorization"] == basic("acme", SECRET)
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert isinstance(body, bytes)
    assert parse_qs(body.decode()) == {"grant_type": ["client_credentials"], "scope": ["read write"], "audience": ["api"]}
    assert SECRET not in repr(request) and basic("acme", SECRET) not in repr(request)
    assert "Authorization" in repr(request) and f"<{len(body)} bytes>" in repr(request)


def test_token_request_with_client_secret_post() -> None:
    url, headers, body = _cc(auth_method="client_secret_post", password_fields=True).token_request()
    assert "Authorization" not in headers
    form = parse_qs(body.decode())
    assert form["client_id"] == ["acme"] and form["client_secret"] == [SECRET]
    assert form["username"] == ["acme"] and form["password"] == [SECRET]
    assert form["grant_type"] == ["client_credentials"] and "scope" not in form


def test_send_options_are_read_only() -> None:
    assert dict(_cc().send_options) == {}
    options = _cc(verify="/etc/ca.pem", cert=("c.pem", "k.pem"), proxies={"https": "http://proxy:3128"}).send_options
    assert dict(options) == {"verify": "/etc/ca.pem", "cert": ("c.pem", "k.pem"), "proxies": {"https": "http://proxy:3128"}}
    with pytest.raises(TypeError):
        options["verify"] = False  # type: ignore[index]
    assert dict(_cc(verify=False).send_options) == {"verify": False}


@pytest.mark.parametrize(("timeout", "deadline"), [(10.0, 30.0), ((3.0, 5.0), 15.0), (None, None)])
def test_deadline(timeout: Any, deadline: Any) -> None:
    assert _cc(timeout=timeout).deadline == deadline


@pytest.mark.parametrize(
    ("leeway", "lifetime", "expected"),
    [(None, 100.0, 10.0), (None, 3600.0, 60.0), (None, 0.0, 0.0), (30, 100.0, 30.0), (80, 100.0, 50.0), (0, 100.0, 0.0)],
)
def test_leeway_for(leeway: Any, lifetime: float, expected: float) -> None:
    assert _cc(leeway=leeway).leeway_for(lifetime) == expected


def test_check_body_size() -> None:
    cc = _cc(max_body_size=100)
    cc.check_body_size(0)
    cc.check_body_size(100)
    cc.check_body_size(100, declared=True)
    with pytest.raises(halkit.ResponseTooLargeError, match="more than 100 bytes") as info:
        cc.check_body_size(101)
    assert info.value.limit == 100 and "token endpoint" in str(info.value)
    with pytest.raises(halkit.ResponseTooLargeError, match="announced a 5000-byte answer"):
        cc.check_body_size(5000, declared=True)


def test_read_token_response() -> None:
    cc = _cc()
    token = cc.read_token_response(200, _token_body(expires_in=100, scope="read"), sent_at=1000.0)
    assert isinstance(token, Token)
    assert (token.header, token.renew_at, token.scope) == ("Bearer t0k3n", 1090.0, "read")
    assert not token.due(1089.9) and token.due(1090.0)
    assert token.is_current("Bearer t0k3n") and not token.is_current("Bearer other")
    assert not token.is_current("Bearer t0k3n\u20ac")  # not Latin-1: never equal, never an error
    assert "t0k3n" not in repr(token) and "t0k3n" not in str(token)
    forever = cc.read_token_response(201, _token_body(token_type="Bearer"), sent_at=5.0)
    assert forever.renew_at is None and not forever.due(1e12) and forever.scope is None


def test_read_token_response_uses_the_leeway() -> None:
    token = _cc(leeway=30).read_token_response(200, _token_body(expires_in="100"), sent_at=0.0)
    assert token.renew_at == 70.0


def test_read_token_response_is_pure() -> None:
    cc = _cc()
    cc.read_token_response(200, _token_body(), sent_at=0.0)
    assert cc._state.token is None


@pytest.mark.parametrize(
    ("status", "content_type", "body", "match", "error"),
    [
        (400, "application/json", b'{"error": "invalid_scope", "error_description": "no"}',
         r"\(HTTP 400\) refused the token request: invalid_scope: no", ("invalid_scope", "no")),
        (200, "application/json", b'{"error": "server_error"}', "refused the token request: server_error",
         ("server_error", None)),
        (503, "application/json", b'{"error": "temporarily_unavailable", "error_description": "later"}',
         "answered 503 Service Unavailable with error temporarily_unavailable: later",
         ("temporarily_unavailable", "later")),
        (302, "text/plain", b"", "answered 302 Found with a redirect", (None, None)),
        (307, "application/json", b'{"error": "x"}', "redirect", ("x", None)),
        (502, "text/html", b"<html>", r"answered 502 Bad Gateway with a body that is not a JSON object \(Content-Type 'text/html'\)",
         (None, None)),
        (401, "application/json", b'{"message": "no"}', "a JSON body that is not an OAuth error response", (None, None)),
        (200, "", b"", "not a JSON object \\(Content-Type 'none'\\)", (None, None)),
        (200, "application/json", b'["a", "list"]', "not a JSON object", (None, None)),
        (200, "application/json", b"[" * 100000 + b"]" * 100000, "not a JSON object", (None, None)),
        (200, "application/json", b"\xff\xfe\xfa", "not a JSON object", (None, None)),
        (200, "application/json", b'{"token_type": "bearer"}', "without an access_token", (None, None)),
        (200, "application/json", b'{"access_token": ""}', "without an access_token", (None, None)),
        (200, "application/json", b'{"access_token": 42}', "without an access_token", (None, None)),
        (200, "application/json", b'{"access_token": "abc", "token_type": "mac"}', "of type 'mac'", (None, None)),
        (200, "application/json", b'{"access_token": "abc", "token_type": 1}', "of type 'int'", (None, None)),
        (200, "application/json", b'{"access_token": "a b"}', "cannot be sent as a bearer header", (None, None)),
        (200, "application/json", b'{"access_token": "abc", "expires_in": "soon"}', "invalid expires_in", (None, None)),
        (200, "application/json", b'{"access_token": "abc", "expires_in": -1}', "invalid expires_in", (None, None)),
        (200, "application/json", b'{"access_token": "abc", "expires_in": true}', "invalid expires_in", (None, None)),
        (200, "application/json", b'{"access_token": "abc", "expires_in": 1e999}', "invalid expires_in", (None, None)),
    ],
)
def test_read_token_response_failures(status: int, content_type: str, body: bytes, match: str, error: Any) -> None:
    reasons = {200: "OK", 302: "Found", 307: "Temporary Redirect", 400: "Bad Request", 401: "Unauthorized",
               502: "Bad Gateway", 503: "Service Unavailable"}
    with pytest.raises(AuthError, match=match) as info:
        _cc().read_token_response(status, body, sent_at=0.0, content_type=content_type, reason=reasons[status])
    assert type(info.value) is AuthError
    assert (info.value.error, info.value.description) == error
    assert "token endpoint https://auth.example.com/oauth/token" in str(info.value)


def test_read_token_response_redacts_echoed_secrets() -> None:
    cc = _cc(auth_method="client_secret_post", extra_params={"audience": "hidden-value"})
    echo = {"error": f"bad_{SECRET}", "error_description": f"{SECRET} / hidden-value / {basic('acme', SECRET)[6:]}"}
    for status in (400, 500):
        with pytest.raises(AuthError) as info:
            cc.read_token_response(status, json.dumps(echo).encode(), sent_at=0.0)
        shown = str(info.value) + repr(info.value) + str(info.value.error) + str(info.value.description)
        assert SECRET not in shown and "hidden-value" not in shown and basic("acme", SECRET)[6:] not in shown
        assert "***" in shown


def test_bearer_token_header() -> None:
    assert BearerToken("abc").header == "Bearer abc"
    assert BearerToken("abc", scheme="Token").header == "Token abc"
    assert "abc" not in repr(BearerToken("abc"))
