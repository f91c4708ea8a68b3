"""A profile-aware client against the emulator: type inference, validation modes, method refusal."""

from __future__ import annotations

import warnings
from typing import Iterator

import pytest

import halkit
from halkit.emulator import Emulator

from server import TestServer


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(users=45, channels=4, page_size=20) as emulator:
        yield emulator


def client_for(emu: Emulator, validation: str = "strict") -> halkit.Client:
    return halkit.Client.from_profile(
        "chatkitty",
        emu.client_id, emu.client_secret, entry_url=emu.entry_url, token_url=emu.token_url, validation=validation
    )


def test_types_follow_the_links(emu: Emulator) -> None:
    client = client_for(emu)
    root = client.root()
    assert root.type == "api-root"
    app = root.follow("application")
    assert app.type == "application"
    users = app.follow("users")
    assert users.type == "user-page"
    first = users.embedded("users")[0]
    assert first.type == "user"
    assert first.follow("channels").type == "channel-page"


def test_items_walks_every_page_once(emu: Emulator) -> None:
    client = client_for(emu)
    users = client.root().follow("application", "users")
    emu.reset_stats()
    names = [u["name"] for u in users.items("users")]
    assert len(names) == 45 and len(set(names)) == 45
    assert emu.stats.api_requests == 2  # pages 2 and 3; page 1 was already fetched


def test_templated_variable_called_name(emu: Emulator) -> None:
    app = client_for(emu).root().follow("application")
    found = app.follow("find:users", variables={"name": "user7"})
    assert found.type == "user-page"
    assert [u["name"] for u in found.items("users")] == ["user7"]


def test_strict_mode_refuses_undocumented_methods_before_sending(emu: Emulator) -> None:
    client = client_for(emu)
    app = client.root().follow("application")
    emu.reset_stats()
    with pytest.raises(halkit.ProfileError) as info:
        app.link("users").delete()
    assert "DELETE" in str(info.value) and "nothing was sent" in str(info.value)
    assert emu.stats.api_requests == 0


def test_post_answer_is_typed_and_validated(emu: Emulator) -> None:
    client = client_for(emu)
    app = client.root().follow("application")
    created = app.link("users").post({"name": "new-person", "displayName": "New Person"})
    assert created is not None and created.type == "user"
    assert created["name"] == "new-person"
    answer = created.delete()
    assert answer is not None and answer.type == "application"


@pytest.fixture
def bad_root(server: TestServer, prefix: str) -> str:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}}})
    return server.url(f"{prefix}/v1")


def test_strict_raises_and_keeps_the_resource(bad_root: str) -> None:
    client = halkit.Client(bad_root, profile="chatkitty")
    assert client.validation == "strict"
    with pytest.raises(halkit.ProfileError) as info:
        client.root()
    err = info.value
    assert [v.rule for v in err.violations] == ["required-link"]
    assert err.violations[0].pointer == "/_links/application"
    assert err.resource is not None and err.resource.url == bad_root


def test_warn_mode_warns(bad_root: str) -> None:
    client = halkit.Client(bad_root, profile="chatkitty", validation="warn")
    with pytest.warns(halkit.ProfileWarning, match="application"):
        root = client.root()
    assert root.type == "api-root"


def test_off_mode_is_silent(bad_root: str) -> None:
    client = halkit.Client(bad_root, profile="chatkitty", validation="off")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.root()


def test_bad_validation_mode() -> None:
    with pytest.raises(halkit.HalkitError):
        halkit.Client("http://127.0.0.1:9/", validation="loud")
