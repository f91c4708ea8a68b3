"""A 401 says so when origin scoping kept the credentials from the origin that answered it."""

from __future__ import annotations

from typing import Any

import pytest

import halkit

from server import Request, TestServer


def test_a_401_from_another_origin_says_the_credentials_were_withheld(server: TestServer, prefix: str) -> None:
    # the same server, linked under another name (localhost vs 127.0.0.1): another origin
    other = server.url(f"{prefix}/app").replace("127.0.0.1", "localhost")

    def root(req: Request) -> Any:
        return 200, {}, {"_links": {"self": {"href": f"{prefix}/"}, "application": {"href": other}}}

    def app(req: Request) -> Any:
        if req.headers.get("authorization") != "Bearer secret-token-9":
            return 401, {"WWW-Authenticate": "Bearer"}, {"error": "unauthorized"}
        return 200, {}, {"_links": {"self": {"href": other}}}

    server.handle(f"{prefix}/", root)
    server.handle(f"{prefix}/app", app)
    with halkit.Client(server.url(f"{prefix}/"), auth="secret-token-9", retries=0) as client:
        with pytest.raises(halkit.UnauthorizedError) as info:
            client.root().follow("application")
    message = str(info.value)
    assert "no credentials were sent" in message and "localhost" in message and "origins=" in message
    assert "secret-token-9" not in message
    # and a 401 from the API's own origin says nothing of the kind
    server.handle(f"{prefix}/own", lambda req: (401, {}, {"error": "unauthorized"}))
    with halkit.Client(server.url(f"{prefix}/"), auth="wrong", retries=0) as client:
        with pytest.raises(halkit.UnauthorizedError) as info:
            client.get(server.url(f"{prefix}/own"))
    assert "no credentials were sent" not in str(info.value)


def test_a_password_in_the_entry_url_is_not_shown() -> None:
    client = halkit.Client("http://user:hunter2@127.0.0.1:9/api")
    try:
        assert "hunter2" not in repr(client)
    finally:
        client.close()
