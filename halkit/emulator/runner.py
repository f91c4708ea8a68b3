"""The :class:`Emulator`: a running ChatKitty Platform API on a local port.

Also the command-line helpers shared by ``python -m halkit.emulator`` and
``halkit emulate chatkitty``: :func:`add_arguments`, :func:`from_arguments`
and :func:`run_foreground`.
"""

from __future__ import annotations

import argparse
import shlex
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Optional, TextIO, Type

from ..exceptions import EmulatorError
from .app import ChatKittyApp, EmulatorStats
from .faults import FaultList
from .oauth import BearerGuard, TokenEndpoint, TokenStore
from .server import REQUEST_TIMEOUT, WSGIServer
from .store import Store

if TYPE_CHECKING:  # pragma: no cover
    from ..client import Client

__all__ = ["EMULATED_APIS", "Emulator", "add_arguments", "banner", "from_arguments", "run_foreground"]

#: The token lifetime of the documented service (``expires_in`` of a fresh token, seconds).
DEFAULT_TOKEN_LIFETIME = 43200


#: The addresses that mean "every interface".
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def _url_host(host: str) -> str:
    """The host to write in a URL for a listening address (a wildcard becomes loopback)."""
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
    :param created_status: the status of answers that create a resource: ``200``, what
        the OpenAPI files document (the default), or ``201`` with a ``Location`` header.
    :param request_timeout: seconds a request has to arrive whole once it starts (else 408).
    :param access_log: called with one line per request served (``None``: no access log).
    :param public_url: the base URL clients reach the emulator at (``http://chatkitty:8080``
        behind a proxy or a port mapping, say): every href starts with it. By default each
        answer's hrefs start with ``http://`` and the request's ``Host``, so ``localhost``,
        ``127.0.0.1`` and a container name all work, and :attr:`base_url` names the bound
        address (``127.0.0.1`` when bound to ``0.0.0.0``).
    """

    #: The profile of the API it serves (the CLI and the pytest plugin read it).
    profile_name = "chatkitty"

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
        public_url: Optional[str] = None,
        created_status: int = 200,
        request_timeout: Optional[float] = REQUEST_TIMEOUT,
        access_log: Optional[Callable[[str], None]] = None,
    ) -> None:
        if page_size < 1 or max_page_size < page_size:
            raise EmulatorError("page_size must be >= 1 and <= max_page_size")
        if token_lifetime <= 0:
            raise EmulatorError("token_lifetime must be positive")
        if created_status not in (200, 201):
            raise EmulatorError("created_status must be 200 or 201")
        if public_url is not None and not public_url.startswith(("http://", "https://")):
            raise EmulatorError("public_url must be an http:// or https:// URL")
        self.host = host
        #: The base URL given as ``public_url`` (``None``: hrefs follow the request's Host).
        self.public_url = public_url.rstrip("/") if public_url else None
        self._requested_port = port
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self._seed = {"users": users, "channels": channels, "messages_per_channel": messages_per_channel}
        self._idle_timeout = idle_timeout
        self._request_timeout = request_timeout
        #: Called with one line per request served (``None``: no access log); set it before :meth:`start`.
        self.access_log = access_log
        #: Whether :func:`run_foreground` writes an access log (set by :func:`from_arguments`).
        self.log_requests = False
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
            base_url=self.public_url or f"http://{_url_host(host)}:{port}",
            fixed_base_url=self.public_url is not None,
            page_size=page_size,
            max_page_size=max_page_size,
            application_id=application_id,
            application_name=application_name,
            stopping=self._stopping,
            created_status=created_status,
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
            server = WSGIServer(
                (self.host, self._requested_port),
                self.app,
                idle_timeout=self._idle_timeout,
                request_timeout=self._request_timeout,
                access_log=self.access_log,
            )
        except OSError as exc:
            raise EmulatorError(f"cannot listen on {self.host}:{self._requested_port}: {exc}") from exc
        self._stopping.clear()
        self._server = server
        self.app.set_base_url(self.public_url or f"http://{_url_host(self.host)}:{server.server_address[1]}")
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
        """``http://HOST:PORT`` (or the ``public_url``): where to reach the emulator.

        Answers write their hrefs under the ``Host`` the request was sent to
        (under this URL when the request has none, or when ``public_url`` is set).
        """
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

    def reset(
        self,
        *,
        users: Optional[int] = None,
        channels: Optional[int] = None,
        messages_per_channel: Optional[int] = None,
    ) -> None:
        """Restore the seeded data, clear the fault rules and the counters.

        Access tokens issued so far stay valid. The keyword arguments seed this
        state differently (the next plain ``reset()`` goes back to the emulator's own seed).

        :param users: how many users to seed this time.
        :param channels: how many channels to seed this time.
        :param messages_per_channel: how many messages each seeded channel holds this time.
        """
        seed = dict(self._seed)
        for key, value in (("users", users), ("channels", channels), ("messages_per_channel", messages_per_channel)):
            if value is not None:
                seed[key] = value
        store = Store(**seed)
        with self.app.store.lock:
            self.app.store = store
        self.faults.clear()
        self.reset_stats()

    def set_session_active(self, user_id: int, active: bool = True) -> None:
        """Mark a user as having an active chat session (``HEAD user_sessions/active?id=`` answers 200)."""
        store = self.app.store
        with store.lock:
            if active:
                store.active_sessions.add(user_id)
            else:
                store.active_sessions.discard(user_id)

    def client(self, *, validation: str = "strict", **client_kwargs: Any) -> "Client":
        """A ready :class:`halkit.Client` for this emulator: the ``chatkitty`` profile, its credentials.

        :param validation: ``"strict"``, ``"warn"`` or ``"off"``.
        :param client_kwargs: passed on to :class:`halkit.Client` (``timeout``, ``cache``...).
        """
        from ..client import Client

        return Client.from_profile(
            self.profile_name,
            self.client_id,
            self.client_secret,
            entry_url=self.entry_url,
            token_url=self.token_url,
            validation=validation,
            **client_kwargs,
        )

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


#: The APIs the emulator can serve (the first is the default of the ``api`` argument).
EMULATED_APIS = (Emulator.profile_name,)


def add_arguments(parser: argparse.ArgumentParser, *, api_argument: bool = False) -> None:
    """Add the emulator's options (``--host``, ``--port``, ``--users``, ``--quiet``...) to ``parser``.

    :param parser: the parser (``halkit emulate``'s, or ``python -m halkit.emulator``'s).
    :param api_argument: also add the positional ``api``, optional while only one
        API is shipped (``halkit emulate`` then means ``halkit emulate chatkitty``).
    """
    if api_argument:
        parser.add_argument(
            "api",
            nargs="?",
            choices=EMULATED_APIS,
            default=EMULATED_APIS[0],
            help=f"the API to emulate (default: {EMULATED_APIS[0]})",
        )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1; 0.0.0.0: all)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: 0, any free port)")
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the base URL clients use (behind a proxy or a port mapping); default: hrefs follow each request's Host",
    )
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
    parser.add_argument(
        "--created-status",
        type=int,
        choices=(200, 201),
        default=200,
        help="status of answers that create a resource (default: 200, as the OpenAPI files say; 201 adds Location)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no access log (one line a request otherwise)")


def from_arguments(args: argparse.Namespace) -> Emulator:
    """Build an (unstarted) :class:`Emulator` from options added by :func:`add_arguments`.

    Unless ``--quiet``, the emulator is marked for an access log, which
    :func:`run_foreground` writes to its output.
    """
    emulator = Emulator(
        host=args.host,
        port=args.port,
        users=args.users,
        channels=args.channels,
        token_lifetime=args.token_lifetime,
        client_id=args.client_id,
        client_secret=args.client_secret,
        page_size=args.page_size,
        public_url=getattr(args, "public_url", None),
        created_status=getattr(args, "created_status", 200),
    )
    emulator.log_requests = not getattr(args, "quiet", False)
    return emulator


def banner(emulator: Emulator) -> str:
    """What :func:`run_foreground` prints first: where the emulator is, as ``export`` lines.

    The ``HALKIT_*`` variables are the ones ``halkit get`` and ``halkit crawl``
    read; paste them into a shell (or ``eval`` them).
    """
    lines = [
        f"# ChatKitty Platform API emulator, listening on {emulator.host or '0.0.0.0'}:{emulator.port}",
        "# its entry URL, token URL and (test) client credentials, as halkit get and halkit crawl read them:",
        f"export HALKIT_ENTRY_URL={shlex.quote(emulator.entry_url)}",
        f"export HALKIT_TOKEN_URL={shlex.quote(emulator.token_url)}",
        f"export HALKIT_CLIENT_ID={shlex.quote(emulator.client_id)}",
        f"export HALKIT_CLIENT_SECRET={shlex.quote(emulator.client_secret)}",
    ]
    if emulator.public_url is None and emulator.host in WILDCARD_HOSTS:
        name = socket.gethostname()
        lines.append(
            f"# listening on every interface: from another machine or container use http://{name}:{emulator.port}/v1"
            " (or any name that reaches this one); links follow the Host you use"
        )
    lines.append('# try: halkit get "$HALKIT_ENTRY_URL" -p chatkitty -f application')
    lines.append("# press Ctrl-C to stop")
    return "\n".join(lines) + "\n"


def run_foreground(
    emulator: Emulator, stdout: TextIO, *, ready: Optional[threading.Event] = None, quiet: Optional[bool] = None
) -> int:
    """Start ``emulator`` (if needed), print where it is, serve until Ctrl-C or :meth:`Emulator.stop`.

    Prints the entry URL, the token URL and the client credentials as
    ``export`` lines (this is a local test server: the secret is a test value),
    then an access log, one line per request, unless ``quiet``.

    :param emulator: the emulator to run.
    :param stdout: where to print.
    :param ready: set once the addresses are printed (for tests and embedding).
    :param quiet: no access log (default: the emulator's ``log_requests``, as
        :func:`from_arguments` set it; an emulator built otherwise logs nothing).
    :returns: the exit status, ``0``.
    """
    log_requests = emulator.log_requests if quiet is None else not quiet
    lock = threading.Lock()

    def log(line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with lock:
            stdout.write(f"{stamp} {line}\n")
            stdout.flush()

    if log_requests and not emulator.running and emulator.access_log is None:
        emulator.access_log = log
    if not emulator.running:
        emulator.start()
    stdout.write(banner(emulator))
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
