"""halkit get: fetching, following, sending, printing for people."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from clirun import run

from halkit.emulator import Emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(users=7, channels=3, client_secret="s3cr3t-value") as emu:
        yield emu


def test_get_follow_and_vars(emulator: Emulator) -> None:
    args = ["--client-id", emulator.client_id, "--client-secret", emulator.client_secret, "--token-url", emulator.token_url]
    code, out, err = run("get", emulator.entry_url, "-p", "chatkitty", "--follow", "application", *args)
    assert code == 0, err
    assert "(application)" in out and "find:users" in out and "templated: page, size, name" in out
    assert "POST,GET" in out.replace("GET,POST", "POST,GET")
    code, out, err = run("get", emulator.entry_url, "-p", "chatkitty", "-f", "application", "-f", "find:users",
                         "--var", "name=user1", "--format", "json", *args)
    assert code == 0, err
    doc = json.loads(out)
    names = [u["name"] for u in doc["_embedded"]["users"]]
    assert names == ["user1"]


def test_get_with_bearer_token_from_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    token = requests.post(emulator.token_url, auth=(emulator.client_id, emulator.client_secret),
                          data={"grant_type": "client_credentials"}, timeout=5).json()["access_token"]
    monkeypatch.setenv("HALKIT_TOKEN", token)
    code, out, err = run("get", emulator.entry_url)
    assert code == 0, err
    assert "application" in out and token not in out + err
