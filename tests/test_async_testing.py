"""Testing code that uses AsyncClient: respx and httpx.MockTransport work, as responses does for Client.

Also: ``import halkit`` does not import httpx (AsyncClient loads it on first use),
the async twin has the sync client's public names, and its resources are the
shared model (the same classes, with only navigation awaited).
"""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from typing import Any, List

import httpx
import pytest
import respx

import halkit
from halkit.aio import AsyncLink, AsyncResource, AsyncTemplate

ROOT = {
    "_links": {
        "self": {"href": "https://api.example.com/"},
        "users": {"href": "https://api.example.com/users"},
    },
    "_templates": {"default": {"method": "POST", "target": "https://api.example.com/users",
                               "properties": [{"name": "name", "required": True}]}},
}
USERS = {
    "_links": {"self": {"href": "https://api.example.com/users"}},
    "_embedded": {"users": [{"name": "jane", "_links": {"self": {"href": "https://api.example.com/users/1"}}}]},
}


def test_respx_mocks_an_async_client() -> None:
    async def main() -> Any:
        with respx.mock(assert_all_called=True) as mock:
            mock.get("https://api.example.com/").respond(200, json=ROOT, headers={"Content-Type": "application/hal+json"})
            mock.get("https://api.example.com/users").respond(200, json=USERS)
            created = mock.post("https://api.example.com/users").respond(
                201, json={"name": "joe"}, headers={"Content-Type": "application/hal+json"})
            async with halkit.AsyncClient("https://api.example.com/", auth="token-123") as client:
                root = await client.root()
                users = [u["name"] async for u in (await root.follow("users")).items()]
                joe = await root.template().submit(name="joe")
            assert created.calls.last.request.headers["Authorization"] == "Bearer token-123"
            return users, joe["name"]

    assert asyncio.run(main()) == (["jane"], "joe")


def test_mock_transport_sees_every_request() -> None:
    seen: List[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        doc = ROOT if request.url.path == "/" else USERS
        return httpx.Response(200, json=doc, headers={"Content-Type": "application/hal+json"})

    async def main() -> str:
        async with halkit.AsyncClient("https://api.example.com/", transport=httpx.MockTransport(handler)) as client:
            users = await client.follow("users")
            return str(users.embedded("users")[0]["name"])

    assert asyncio.run(main()) == "jane"
    assert [str(r.url) for r in seen] == ["https://api.example.com/", "https://api.example.com/users"]
    assert seen[0].headers["Accept"] == "application/hal+json, application/json;q=0.9"


def test_a_users_own_httpx_client_is_used_and_not_closed() -> None:
    async def main() -> bool:
        transport = httpx.MockTransport(lambda r: httpx.Response(200, json={"ok": 1}))
        async with httpx.AsyncClient(transport=transport) as mine:
            client = halkit.AsyncClient("https://api.example.com/", session=mine)
            assert (await client.root())["ok"] == 1
            await client.aclose()
            return mine.is_closed

    assert asyncio.run(main()) is False
    with pytest.raises(halkit.HalkitError):
        halkit.AsyncClient("https://api.example.com/", session=httpx.AsyncClient(), cache=True)


def test_import_halkit_does_not_import_httpx() -> None:
    code = "import sys, halkit; assert 'httpx' not in sys.modules and 'halkit.aio' not in sys.modules; " \
           "halkit.AsyncClient; assert 'httpx' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert "AsyncClient" in halkit.__all__ and halkit.AsyncClient is halkit.aio.AsyncClient
    with pytest.raises(AttributeError):
        halkit.NoSuchThing  # noqa: B018


def test_the_async_twin_has_the_sync_clients_names() -> None:
    def public(cls: type) -> set:
        return {n for n in dir(cls) if not n.startswith("_")}

    missing = public(halkit.Client) - public(halkit.AsyncClient)
    assert missing == set(), missing
    for name in ("root", "get", "post", "put", "patch", "delete", "follow", "request", "send", "send_raw", "close"):
        assert inspect.iscoroutinefunction(getattr(halkit.AsyncClient, name)), name
    for cls, base in ((AsyncResource, halkit.Resource), (AsyncLink, halkit.Link), (AsyncTemplate, halkit.Template)):
        assert issubclass(cls, base) and cls.__slots__ == ()  # type: ignore[attr-defined]
        own = {n for n, v in vars(cls).items() if callable(v) and not n.startswith("__")}
        assert own <= {"follow", "get", "request", "post", "put", "patch", "delete", "head", "options",
                       "items", "pages", "refresh", "submit"}, own  # navigation only: the model is shared


def test_repr_and_context_manager() -> None:
    async def main() -> str:
        async with halkit.AsyncClient("https://api.example.com/", auth="secret-token-1") as client:
            return repr(client) + repr(client._auth)

    shown = asyncio.run(main())
    assert "secret-token-1" not in shown and "https://api.example.com" in shown


# The fixture proposed for halkit.pytest_plugin (the emulator helper's file), proven here:
# a client that is not entered yet, entered by the test in its own event loop.
@pytest.fixture
def chatkitty_async_client(chatkitty_emulator: Any) -> Any:
    from halkit.auth import ClientCredentials

    auth = ClientCredentials(
        chatkitty_emulator.token_url, chatkitty_emulator.client_id, chatkitty_emulator.client_secret,
        password_fields=True,
    )
    return halkit.AsyncClient(chatkitty_emulator.entry_url, auth=auth, profile="chatkitty")


def test_the_proposed_async_fixture(chatkitty_async_client: Any) -> None:
    async def main() -> Any:
        async with chatkitty_async_client as client:
            users = await client.follow("application", "users")
            names = [u["name"] async for u in users.items("users")]
            return users.type, len(names)

    assert asyncio.run(main()) == ("user-page", 50)
