"""The :class:`Emulator`: a running ChatKitty Platform API on a local port.

Also the command-line helpers shared by ``python -m halkit.emulator`` and
``halkit emulate chatkitty``: :func:`add_arguments`, :func:`from_arguments`
and :func:`run_foreground`.
"""

from __future__ import annotations

import argparse
import threading
from types import TracebackType
from typing import Optional, TextIO, Type

from ..exceptions import EmulatorError
from .app import ChatKittyApp, EmulatorStats
from .faults import FaultList
from .oauth import BearerGuard, TokenEndpoint, TokenStore
from .server import WSGIServer
from .store import Store

__all__ = ["Emulator", "add_arguments", "from_arguments", "run_foreground"]

#: The token lifetime of the documented service (``expires_in`` of a fresh token, seconds).
DEFAULT_TOKEN_LIFETIME = 43200


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    if ":" in host:
        return f"[{host}]"
    return host


class Emulator:
    """A local ChatKitty Platform API (v1 HAL) served on a real socket.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with Emulator(users=1000) as emu:
            requests.post(emu.token_url, auth=(emu.client_id, emu.client_secret),
                          data={"grant_type": "client_credentials"})

    :param host: the interface to listen on.
    :param port: the port; ``0`` picks a free one (see :attr:`port` once started).
    :param users: how many users to seed.
    :param channels: how many channels to seed (mixed types, with members and messages).
    :param messages_per_channel: how many messages each seeded channel holds.
    :param token_lifetime: the lifetime of access tokens, in seconds.
    :param client_id: the OAuth 2.0 client id accepted by the token endpoint.
    :param client_secret: its secret.
    :param page_size: the default page size.
    :param max_page_size: the largest page size honoured (larger ``size`` values are clamped).
    :param application_id: the id of the application (and of its organization).
    :param application_name: the application's name.
    :param scope: the ``scope`` of issued tokens (default ``org:{application_id}:app``).
    :param idle_timeout: seconds an idle keep-alive connection is kept open.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        users: int = 50,
        channels: int = 10,
        messages_per_channel: int = 3,
        token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
        client_id: str = "acme",
        client_secret: str = "acmesecret",
        page_size: int = 20,
        max_page_size: int = 100,
        application_id: int = 52,
        application_name: str = "ChatKitty",
        scope: Optional[str] = None,
        idle_timeout: Optional[float] = 120.0,
    ) -> None:
        if page_size < 1 or max_page_size < page_size:
            raise EmulatorError("page_size must be >= 1 and <= max_page_size")
        if token_lifetime <= 0:
            raise EmulatorError("token_lifetime must be positive")
        self.host = host
        self._requested_port = port
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self._seed = {"users": users, "channels": channels, "messages_per_channel": messages_per_channel}
        self._idle_timeout = idle_timeout
        #: The fault rules (see :mod:`halkit.emulator.faults`).
        self.faults = FaultList()
        self._tokens = TokenStore()
        self._stopping = threading.Event()
        self.app = ChatKittyApp(
            store=Store(**self._seed),
            tokens=self._tokens,
            token_endpoint=TokenEndpoint(
                client_id,
                client_secret,
                self._tokens,
                lifetime=token_lifetime,
                scope=scope or f"org:{application_id}:app",
            ),
            guard=BearerGuard(self._tokens),
            faults=self.faults,
            base_url=f"http://{_url_host(host)}:{port}",
            page_size=page_size,
            max_page_size=max_page_size,
            application_id=application_id,
            application_name=application_name,
            stopping=self._stopping,
        )
        self._server: Optional[WSGIServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> "Emulator":
        """Bind the socket and serve on a daemon thread; return ``self``.

        :raises EmulatorError: if it is running already, or the address cannot be bound.
        """
        if self._server is not None:
            raise EmulatorError("the emulator is running already")
        try:
            server = WSGIServer((self.host, self._requested_port), self.app, idle_timeout=self._idle_timeout)
        except OSError as exc:
            raise EmulatorError(f"cannot listen on {self.host}:{self._requested_port}: {exc}") from exc
        self._stopping.clear()
        self._server = server
        self.app.set_base_url(f"http://{_url_host(self.host)}:{server.server_address[1]}")
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="halkit-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and release the port (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the emulator is serving."""
        return self._server is not None

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until the emulator stops (or ``timeout`` passes); return whether it stopped."""
        return self._stopping.wait(timeout)

    # -- addresses ---------------------------------------------------------------------

    def _require_running(self) -> WSGIServer:
        if self._server is None:
            raise EmulatorError("the emulator is not running; call start() or use it in a with block")
        return self._server

    @property
    def port(self) -> int:
        """The port the emulator listens on."""
        return int(self._require_running().server_address[1])

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``; every href the emulator serves starts with it."""
        self._require_running()
        return self.app.base_url

    @property
    def entry_url(self) -> str:
        """The API root, ``{base_url}/v1``."""
        self._require_running()
        return self.app.entry_url

    @property
    def token_url(self) -> str:
        """The token endpoint, ``{base_url}/oauth/token``."""
        self._require_running()
        return self.app.token_url

    # -- test helpers -------------------------------------------------------------------

    @property
    def stats(self) -> EmulatorStats:
        """A snapshot of the request counters."""
        counters = self.app.counters
        with counters.lock:
            return EmulatorStats(
                requests=counters.requests,
                token_requests=counters.token_requests,
                tokens_issued=self._tokens.issued,
                api_requests=counters.api_requests,
                unauthorized=counters.unauthorized,
                faults_triggered=counters.faults_triggered,
                connections=self._server.connections_accepted if self._server is not None else 0,
                by_path=dict(counters.by_path),
                by_route=dict(counters.by_route),
                by_status=dict(counters.by_status),
            )

    def reset_stats(self) -> None:
        """Set every counter back to zero (connections included; tokens stay valid)."""
        self.app.counters.reset()
        self._tokens.issued = 0
        if self._server is not None:
            self._server.reset_counters()

    def reset(self) -> None:
        """Restore the seeded data, clear the fault rules and the counters.

        Access tokens issued so far stay valid.
        """
        with self.app.store.lock:
            self.app.store = Store(**self._seed)
        self.faults.clear()
        self.reset_stats()

    def expire_tokens(self) -> int:
        """Expire every access token issued so far; return how many were still valid."""
        return self._tokens.expire_all()

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        return self._server.open_connections if self._server is not None else 0

    def __repr__(self) -> str:
        where = self.app.base_url if self.running else "stopped"
        return f"<Emulator {where}>"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options (``--host``, ``--port``, ``--users``...) to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: 0, any free port)")
    parser.add_argument("--users", type=int, default=50, metavar="N", help="users to seed (default: 50)")
    parser.add_argument("--channels", type=int, default=10, metavar="N", help="channels to seed (default: 10)")
    parser.add_argument(
        "--token-lifetime",
        type=float,
        default=DEFAULT_TOKEN_LIFETIME,
        metavar="SECONDS",
        help=f"access token lifetime (default: {DEFAULT_TOKEN_LIFETIME})",
    )
    parser.add_argument("--client-id", default="acme", help="OAuth 2.0 client id (default: acme)")
    parser.add_argument("--client-secret", default="acmesecret", help="OAuth 2.0 client secret (default: acmesecret)")
    parser.add_argument("--page-size", type=int, default=20, metavar="N", help="default page size (default: 20)")


def from_arguments(args: argparse.Namespace) -> Emulator:
    """Build an (unstarted) :class:`Emulator` from options added by :func:`add_arguments`."""
    return Emulator(
        host=args.host,
        port=args.port,
        users=args.users,
        channels=args.channels,
        token_lifetime=args.token_lifetime,
        client_id=args.client_id,
        client_secret=args.client_secret,
        page_size=args.page_size,
    )


def run_foreground(emulator: Emulator, stdout: TextIO, *, ready: Optional[threading.Event] = None) -> int:
    """Start ``emulator`` (if needed), print where it listens, serve until Ctrl-C or :meth:`Emulator.stop`.

    Prints the base URL, the entry URL, the token URL and the client
    credentials (this is a local test server: the secret is a test value).

    :param emulator: the emulator to run.
    :param stdout: where to print.
    :param ready: set once the addresses are printed (for tests and embedding).
    :returns: the exit status, ``0``.
    """
    if not emulator.running:
        emulator.start()
    lines = [
        "ChatKitty Platform API emulator",
        f"  base URL:      {emulator.base_url}",
        f"  entry URL:     {emulator.entry_url}",
        f"  token URL:     {emulator.token_url}",
        f"  client id:     {emulator.client_id}",
        f"  client secret: {emulator.client_secret}",
        "Press Ctrl-C to stop.",
    ]
    stdout.write("\n".join(lines) + "\n")
    stdout.flush()
    if ready is not None:
        ready.set()
    try:
        while emulator.running and not emulator.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0
