"""Profiles and the emulator, the same scenarios for both clients: types follow the links,
paged walks, templated variables, strict method refusal before sending, typed and validated
write answers, strict/warn validation, from_profile with OAuth against the emulator."""

from __future__ import annotations

import warnings
from typing import Any, Iterator

import async_twins
import pytest
from async_twins import Twin, collect, io

import halkit
from halkit.emulator import Emulator

from server import TestServer

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(users=45, channels=4, page_size=20) as emulator:
        yield emulator


def client_for(twin: Twin, emu: Emulator, validation: str = "strict") -> Any:
    return twin.from_profile(
        "chatkitty", emu.client_id, emu.client_secret, entry_url=emu.entry_url, token_url=emu.token_url,
        validation=validation,
    )


def test_types_follow_the_links(twin: Twin, emu: Emulator) -> None:
    async def scenario() -> None:
        client = client_for(twin, emu)
        assert isinstance(client, twin.cls)
        root = await io(client.root())
        assert root.type == "api-root"
        app = await io(root.follow("application"))
        assert app.type == "application"
        users = await io(app.follow("users"))
        assert users.type == "user-page"
        first = users.embedded("users")[0]
        assert first.type == "user"
        assert (await io(first.follow("channels"))).type == "channel-page"

    twin.run(scenario)


def test_items_walks_every_page_once(twin: Twin, emu: Emulator) -> None:
    async def scenario() -> None:
        client = client_for(twin, emu)
        users = await io(client.follow("application", "users"))
        emu.reset_stats()
        names = [u["name"] for u in await collect(users.items("users"))]
        assert len(names) == 45 and len(set(names)) == 45
        assert emu.stats.api_requests == 2  # pages 2 and 3

    twin.run(scenario)


def test_templated_variable_called_name(twin: Twin, emu: Emulator) -> None:
    async def scenario() -> None:
        app = await io((await io(client_for(twin, emu).root())).follow("application"))
        found = await io(app.follow("find:users", variables={"name": "user7"}))
        assert found.type == "user-page"
        assert [u["name"] for u in await collect(found.items("users"))] == ["user7"]

    twin.run(scenario)


def test_strict_mode_refuses_undocumented_methods_before_sending(twin: Twin, emu: Emulator) -> None:
    async def scenario() -> None:
        app = await io(client_for(twin, emu).follow("application"))
        emu.reset_stats()
        with pytest.raises(halkit.ProfileError) as info:
            await io(app.link("users").delete())
        assert "DELETE" in str(info.value) and "nothing was sent" in str(info.value)
        assert emu.stats.api_requests == 0

    twin.run(scenario)


def test_post_answer_is_typed_and_validated(twin: Twin, emu: Emulator) -> None:
    async def scenario() -> None:
        app = await io(client_for(twin, emu).follow("application"))
        created = await io(app.link("users").post({"name": f"new-{twin.kind}", "displayName": "New Person"}))
        assert created is not None and created.type == "user"
        assert created["name"] == f"new-{twin.kind}"
        answer = await io(created.delete())
        assert answer is not None and answer.type == "application"

    twin.run(scenario)


def test_fan_out_over_the_emulator(twin: Twin, emu: Emulator) -> None:
    async def scenario() -> None:
        users = await io(client_for(twin, emu).follow("application", "users"))
        full = await twin.follow_all(users.embedded("users"), max_workers=8)
        assert [u.type for u in full] == ["user"] * 20
        assert [u["name"] for u in full] == [u["name"] for u in users.embedded("users")]

    twin.run(scenario)


@pytest.fixture
def bad_root(server: TestServer, prefix: str) -> str:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}}})
    return server.url(f"{prefix}/v1")


def test_strict_raises_and_keeps_the_resource(twin: Twin, bad_root: str) -> None:
    async def scenario() -> None:
        client = twin.client(bad_root, profile="chatkitty")
        assert client.validation == "strict"
        with pytest.raises(halkit.ProfileError) as info:
            await io(client.root())
        err = info.value
        assert [v.rule for v in err.violations] == ["required-link"]
        assert err.resource is not None and err.resource.url == bad_root

    twin.run(scenario)


def test_warn_and_off_modes(twin: Twin, bad_root: str) -> None:
    async def scenario() -> None:
        with pytest.warns(halkit.ProfileWarning, match="application"):
            root = await io(twin.client(bad_root, profile="chatkitty", validation="warn").root())
        assert root.type == "api-root"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            await io(twin.client(bad_root, profile="chatkitty", validation="off").root())
            await io(twin.client(bad_root, profile="chatkitty").get(bad_root, validation="off"))

    twin.run(scenario)


def test_from_profile_checks_its_arguments(twin: Twin) -> None:
    with pytest.raises(halkit.ProfileError):
        twin.cls.from_profile("chatkitty", "only-an-id")
    with pytest.raises(halkit.ProfileError):
        twin.cls.from_profile("chatkitty", validation="loud")
