from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING, Iterator

import pytest

from server import TestServer

if TYPE_CHECKING:
    from halkit.emulator import Emulator

try:
    from hypothesis import settings

    settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True)
    settings.register_profile("dev", max_examples=100, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
except ImportError:  # pragma: no cover
    pass

pytest_plugins = ["pytester"]

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proxy variables would reroute loopback traffic (requests honours them)."""
    for key in list(os.environ):
        if key.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def server() -> Iterator[TestServer]:
    srv = TestServer()
    yield srv
    srv.close()


@pytest.fixture
def prefix() -> str:
    """A unique path prefix per test, so tests can share the session server."""
    return f"/t{next(_counter)}"


@pytest.fixture(scope="module")
def shared() -> Iterator["Emulator"]:
    """An emulator (50 users, 10 channels) shared by one test module."""
    from halkit.emulator import Emulator

    with Emulator(users=50, channels=10) as emu:
        yield emu


@pytest.fixture
def emu(shared: "Emulator") -> "Emulator":
    """The module's shared emulator, reset to its seed for this test."""
    shared.reset()
    return shared
