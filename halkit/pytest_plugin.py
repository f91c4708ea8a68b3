"""pytest fixtures for code that talks to the ChatKitty Platform API.

Installed with halkit as the ``pytest11`` entry point ``halkit``, so the
fixtures are available in any test suite once halkit is installed. Nothing is
autouse: a test gets an emulator only if it asks for one.

``chatkitty_emulator`` (session scope)
    A running :class:`halkit.emulator.Emulator` with the default seed (50
    users, 10 channels, client ``acme`` / ``acmesecret``), on 127.0.0.1 and a
    free port. It is shared by the whole session: tests that change data or
    add fault rules should call ``chatkitty_emulator.reset()`` first (or
    last), which restores the seed, clears the faults and zeroes the counters
    while keeping issued tokens valid. Useful attributes: ``entry_url``,
    ``token_url``, ``client_id``, ``client_secret``, ``faults``, ``stats``.

``chatkitty_client`` (function scope)
    A :class:`halkit.Client` for the emulator's entry URL, authenticated with
    :class:`halkit.auth.ClientCredentials` against its token endpoint (sending
    the seed's ``username``/``password`` fields too) and using the
    ``chatkitty`` profile. Closed after the test.

Example::

    def test_lists_users(chatkitty_client):
        users = chatkitty_client.follow("application", "users")
        assert users.properties["page"]["totalElements"] == 50
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from .emulator import Emulator

__all__ = ["chatkitty_emulator", "chatkitty_client"]


@pytest.fixture(scope="session")
def chatkitty_emulator() -> Iterator[Emulator]:
    """A running ChatKitty emulator, shared by the test session."""
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def chatkitty_client(chatkitty_emulator: Emulator) -> Iterator[Any]:
    """A halkit client for :func:`chatkitty_emulator`, with OAuth 2.0 client credentials."""
    from .auth import ClientCredentials
    from .client import Client

    auth = ClientCredentials(
        chatkitty_emulator.token_url,
        chatkitty_emulator.client_id,
        chatkitty_emulator.client_secret,
        password_fields=True,
    )
    client = Client(chatkitty_emulator.entry_url, auth=auth, profile="chatkitty")
    try:
        yield client
    finally:
        client.close()
