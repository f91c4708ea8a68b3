"""pytest fixtures for code that talks to the ChatKitty Platform API.

Installed with halkit as the ``pytest11`` entry point ``halkit``, so the
fixtures are available in any test suite once halkit is installed. Nothing is
autouse, and no emulator starts unless a test asks for one.

``chatkitty`` (function scope)
    A running :class:`halkit.emulator.Emulator` in a fresh, seeded state:
    one server for the whole session, reset before each test (the seed
    restored, fault rules and counters cleared; about a millisecond), so
    what one test creates never shows in the next. ``chatkitty.client()``
    gives a ready client (the ``chatkitty`` profile, strict validation, the
    emulator's credentials).

``chatkitty_session`` (session scope)
    Another running emulator, never reset by the plugin: for suites that
    build state across tests on purpose.

``chatkitty_emulator``, ``chatkitty_client``
    The names of halkit 0.x, kept: ``chatkitty_emulator`` is
    ``chatkitty_session``; ``chatkitty_client`` is a client for it, closed
    after the test.

The marker ``@pytest.mark.chatkitty(users=..., channels=...,
messages_per_channel=..., faults=...)`` seeds one test's state differently
and schedules fault rules (a callable given the
:class:`~halkit.emulator.FaultList`, or a list of
:class:`~halkit.emulator.Fault`); the options ``--chatkitty-users``,
``--chatkitty-channels`` and ``--chatkitty-messages`` change the seed of
every emulator the plugin starts.

Example::

    def test_lists_users(chatkitty):
        with chatkitty.client() as client:
            assert client.follow("application", "users")["page"]["totalElements"] == 50

    @pytest.mark.chatkitty(users=3, faults=lambda faults: faults.unavailable(path=r"/users$"))
    def test_survives_an_outage(chatkitty):
        with chatkitty.client() as client:
            assert client.follow("application", "users")["page"]["totalElements"] == 3
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, Optional, Union

import pytest

from .emulator import Emulator, Fault, FaultList

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

__all__ = ["chatkitty", "chatkitty_client", "chatkitty_emulator", "chatkitty_session"]

#: The marker's seed keywords.
_SEED_KEYS = ("users", "channels", "messages_per_channel")
#: What a marker's ``faults`` may be.
Faults = Union[Callable[[FaultList], Any], Iterable[Fault]]


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--chatkitty-*`` options: the seed of the emulators the plugin starts."""
    group = parser.getgroup("halkit", "halkit's ChatKitty emulator (the chatkitty fixtures)")
    group.addoption("--chatkitty-users", type=int, metavar="N", help="users to seed (default: 50)")
    group.addoption("--chatkitty-channels", type=int, metavar="N", help="channels to seed (default: 10)")
    group.addoption(
        "--chatkitty-messages", type=int, metavar="N", help="messages per seeded channel (default: 3)"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``chatkitty`` marker."""
    config.addinivalue_line(
        "markers",
        "chatkitty(users=None, channels=None, messages_per_channel=None, faults=None): "
        "seed the chatkitty fixture's state for this test and schedule fault rules",
    )


def _seed(config: pytest.Config) -> Dict[str, int]:
    seed: Dict[str, int] = {}
    for key, option in (("users", "chatkitty_users"), ("channels", "chatkitty_channels"),
                        ("messages_per_channel", "chatkitty_messages")):  # fmt: skip
        value = config.getoption(option, None)
        if value is not None:
            seed[key] = value
    return seed


def _start(config: pytest.Config) -> Emulator:
    return Emulator(**_seed(config)).start()  # type: ignore[arg-type]


def _apply_faults(emulator: Emulator, faults: Optional[Faults]) -> None:
    if faults is None:
        return
    if callable(faults):
        faults(emulator.faults)
        return
    for fault in faults:
        if not isinstance(fault, Fault):
            raise TypeError(f"chatkitty marker: faults must be Fault objects or a callable, not {fault!r}")
        fresh = copy.copy(fault)  # the marker's rules serve every test it marks: count afresh
        fresh.triggered = 0
        fresh._seen = 0
        emulator.faults.add(fresh)


@pytest.fixture(scope="session")
def _chatkitty_server(pytestconfig: pytest.Config) -> Iterator[Emulator]:
    """The server behind :func:`chatkitty` (started on first use, stopped at the end of the session)."""
    emulator = _start(pytestconfig)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def chatkitty(_chatkitty_server: Emulator, request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A running ChatKitty emulator in a fresh, seeded state (see the ``chatkitty`` marker)."""
    marker = request.node.get_closest_marker("chatkitty")
    options: Dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    unknown = set(options) - set(_SEED_KEYS) - {"faults"}
    if unknown:
        raise pytest.UsageError(f"chatkitty marker: unknown keyword(s) {', '.join(sorted(unknown))}")
    _chatkitty_server.reset(**{key: options[key] for key in _SEED_KEYS if options.get(key) is not None})
    _apply_faults(_chatkitty_server, options.get("faults"))
    try:
        yield _chatkitty_server
    finally:
        _chatkitty_server.faults.clear()


@pytest.fixture(scope="session")
def chatkitty_session(pytestconfig: pytest.Config) -> Iterator[Emulator]:
    """A running ChatKitty emulator shared by the whole session, never reset by the plugin."""
    emulator = _start(pytestconfig)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def chatkitty_emulator(chatkitty_session: Emulator) -> Emulator:
    """The session's shared emulator (the name of halkit 0.x for :func:`chatkitty_session`)."""
    return chatkitty_session


@pytest.fixture
def chatkitty_client(chatkitty_emulator: Emulator) -> Iterator["Client"]:
    """A client for :func:`chatkitty_emulator` (the ``chatkitty`` profile, strict); closed after the test."""
    client = chatkitty_emulator.client()
    try:
        yield client
    finally:
        client.close()
