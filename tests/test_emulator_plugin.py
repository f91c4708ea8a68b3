"""The pytest plugin's fixtures (imported here, so they work without installing the entry point)."""

from __future__ import annotations

import requests

from halkit.emulator import Emulator
from halkit.pytest_plugin import chatkitty_client, chatkitty_emulator  # noqa: F401  (fixtures)

_seen: list = []


def test_emulator_fixture_is_running(chatkitty_emulator: Emulator) -> None:  # noqa: F811
    assert chatkitty_emulator.running
    _seen.append(chatkitty_emulator)
    response = requests.post(
        chatkitty_emulator.token_url,
        auth=(chatkitty_emulator.client_id, chatkitty_emulator.client_secret),
        data={"grant_type": "client_credentials"},
    )
    assert response.status_code == 200


def test_emulator_fixture_is_shared(chatkitty_emulator: Emulator) -> None:  # noqa: F811
    assert _seen == [chatkitty_emulator]


def test_client_fixture_talks_to_the_emulator(chatkitty_client: object, chatkitty_emulator: Emulator) -> None:  # noqa: F811
    chatkitty_emulator.reset()
    users = chatkitty_client.follow("application", "users")  # type: ignore[attr-defined]
    assert users.properties["page"]["totalElements"] == 50
    stats = chatkitty_emulator.stats
    assert stats.token_requests == 1
    assert stats.api_requests == 3
