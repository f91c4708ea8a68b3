"""A keep-alive connection pool for the async client: an httpx transport whose bookkeeping is O(1).

httpcore's :class:`~httpcore.AsyncConnectionPool` (what
:class:`httpx.AsyncHTTPTransport` sends through) walks every connection it
holds on every request and every release, polling each idle socket, so its
cost per request grows with the number of connections: with 32 requests in
flight it spends most of its time there (encode/httpcore#1035 and #1110,
unmerged in httpcore 1.0.9). Fanning out, which is where async pays most,
is exactly that case.

:class:`PoolTransport` is an :class:`httpx.AsyncBaseTransport` that keeps,
for each origin, a stack of idle :class:`httpcore.AsyncHTTP11Connection`
objects (httpcore's own HTTP/1.1 protocol: h11, timeouts), takes the most
recently used one, checks only that one (expired, or closed by the server),
and puts it back when its response is closed. It opens connections itself
(TCP, then TLS with ALPN ``http/1.1`` for https, through
:class:`~halkit.aio.network.AsyncioBackend`), so nothing but the pool
serialises a connection's requests: httpcore's per-connection request lock
(one more pass through the event loop per request) is not needed. At most
``max_connections`` are open at once (others wait, up to the ``pool``
timeout); at most ``max_keepalive_connections`` idle ones are kept, each for
``keepalive_expiry`` seconds.

Test doubles and other patches are honoured: when respx, pytest-httpx,
vcrpy (or anything else) has replaced a method of httpx's or httpcore's
transports or connection pool (:func:`nothing_patched`), every request goes
through a stock :class:`httpx.AsyncHTTPTransport` instead, which is what
those doubles intercept.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple, Type

import httpcore
import httpx

from .network import AsyncioBackend, default_ssl_context

_HttpcoreLock: Any
try:  # what httpcore's HTTP/1.1 connection locks its state with (see PoolTransport._connect)
    from httpcore._synchronization import AsyncLock as _HttpcoreLock
except ImportError:  # pragma: no cover - another httpcore: its own lock is kept
    _HttpcoreLock = None

__all__ = ["PoolTransport", "nothing_patched"]

# The methods test doubles replace: respx patches httpcore's connection and pool
# classes (or AsyncClient._transport_for_url), pytest-httpx and vcrpy patch
# AsyncHTTPTransport.handle_async_request.
_TARGETS: Tuple[Tuple[Any, str], ...] = (
    (httpcore.AsyncHTTPConnection, "handle_async_request"),
    (httpcore.AsyncHTTP11Connection, "handle_async_request"),
    (httpcore.AsyncConnectionPool, "handle_async_request"),
    (httpx.AsyncHTTPTransport, "handle_async_request"),
    (httpx.AsyncClient, "send"),
    (httpx.AsyncClient, "_send_single_request"),
    (httpx.AsyncClient, "_send_handling_auth"),
    (httpx.AsyncClient, "_send_handling_redirects"),
    (httpx.AsyncClient, "_transport_for_url"),
)


def _current() -> Tuple[Any, ...]:
    return tuple([owner.__dict__.get(name) for owner, name in _TARGETS])


def _own(func: Any) -> bool:
    """Whether ``func`` is httpx's or httpcore's own (not a test double's replacement)."""
    module = getattr(func, "__module__", None) or ""
    return module.startswith(("httpx.", "httpcore."))


# What they were when halkit.aio was imported, and whether that was httpx's own code
# (not a double installed before the import: then halkit never takes the direct path)
_ORIGINAL = _current()
_SOUND = all(func is not None and _own(func) for func in _ORIGINAL)
_CLASSES = (httpx.AsyncClient, httpx.AsyncHTTPTransport, httpcore.AsyncHTTP11Connection, httpcore.AsyncConnectionPool)


def nothing_patched() -> bool:
    """Whether httpx and httpcore are as they were when halkit.aio was imported, with no test double installed.

    respx (either mocker), pytest-httpx and vcrpy each replace one of the
    methods checked here; while one does, halkit sends through the stock
    httpx stack so that the double sees every request.
    """
    return (
        _SOUND
        and _current() == _ORIGINAL
        and (httpx.AsyncClient, httpx.AsyncHTTPTransport, httpcore.AsyncHTTP11Connection, httpcore.AsyncConnectionPool)
        == _CLASSES
    )


# httpcore's exceptions as httpx's (what httpx's own transport raises), most specific first
_ERRORS: Tuple[Tuple[Type[Exception], Type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def _as_httpx_error(exc: Exception) -> Exception:
    """The httpx exception for an httpcore one (``exc`` itself for anything else)."""
    for source, target in _ERRORS:
        if isinstance(exc, source):
            mapped = target(str(exc))
            mapped.__cause__ = exc
            return mapped
    return exc


class _Stream(httpx.AsyncByteStream):
    """A response body read from a pooled connection, which goes back to the pool when it is closed."""

    __slots__ = ("_inner", "_pool", "_key", "_conn", "_response", "_started", "_closed")

    def __init__(self, inner: Any, pool: "PoolTransport", key: Any, conn: httpcore.AsyncHTTP11Connection, started: float) -> None:
        self._inner = inner
        self._pool = pool
        self._key = key
        self._conn = conn
        self._response: Optional[httpx.Response] = None
        self._started = started
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._inner:
                yield part
        except Exception as exc:
            raise _as_httpx_error(exc) from exc

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._inner.aclose()
        finally:
            if self._response is not None:
                self._response.elapsed = _elapsed(self._started)
                self._response = None  # no reference cycle with the response once it is read
            await self._pool._release(self._key, self._conn)


def _elapsed(started: float) -> Any:
    import datetime

    return datetime.timedelta(seconds=time.perf_counter() - started)


class PoolTransport(httpx.AsyncBaseTransport):
    """An :class:`httpx.AsyncBaseTransport` over a pool of HTTP/1.1 connections (see the module docstring).

    :param ssl_context: the TLS settings (default: httpx's, certifi's CA bundle).
    :param max_connections: the most connections open at once, all origins together.
    :param max_keepalive_connections: the most idle connections kept.
    :param keepalive_expiry: seconds an idle connection is kept.
    """

    def __init__(
        self,
        ssl_context: Optional[ssl.SSLContext] = None,
        *,
        max_connections: int = 100,
        max_keepalive_connections: int = 100,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._ssl_context = ssl_context
        self.max_connections = max_connections
        self.max_keepalive_connections = max_keepalive_connections
        self.keepalive_expiry = keepalive_expiry
        self._idle: Dict[Any, List[httpcore.AsyncHTTP11Connection]] = {}
        self._idle_count = 0
        self._open = 0
        self._waiters: List["asyncio.Future[None]"] = []
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stock: Optional[httpx.AsyncHTTPTransport] = None
        self._closed = False
        self._network = AsyncioBackend()
        self._alpn_set = False

    def __repr__(self) -> str:
        return f"<halkit.aio.PoolTransport open={self._open} idle={self._idle_count}>"

    # -- httpx transport API --------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a pooled connection; the response's body is read by the caller."""
        if not nothing_patched():
            return await self._stock_transport().handle_async_request(request)
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        scheme = url.raw_scheme
        port = url.port
        key = (scheme, url.raw_host, port)
        timeouts = request.extensions.get("timeout") or {}
        started = time.perf_counter()
        conn = await self._checkout(key, timeouts.get("pool"))
        if conn is None:  # a slot is reserved: open a connection in it
            try:
                conn = await self._connect(key, timeouts.get("connect"), request.extensions.get("sni_hostname"))
            except BaseException as exc:
                self._forget()
                if isinstance(exc, Exception):
                    raise _as_httpx_error(exc) from exc
                raise
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=scheme, host=url.raw_host, port=port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        try:
            answer = await conn.handle_async_request(core)
        except BaseException as exc:
            await self._discard(conn)
            if isinstance(exc, Exception):
                raise _as_httpx_error(exc) from exc
            raise
        stream = _Stream(answer.stream, self, key, conn, started)
        response = httpx.Response(
            status_code=answer.status, headers=answer.headers, stream=stream, extensions=answer.extensions,
            request=request,
        )
        stream._response = response
        return response

    async def aclose(self) -> None:
        """Close every idle connection (and the stock transport, if one was made)."""
        self._check_loop()
        self._closed = True
        idle = [conn for stack in self._idle.values() for conn in stack]
        self._idle.clear()
        self._idle_count = 0
        for conn in idle:
            self._open -= 1
            await conn.aclose()
        if self._stock is not None:
            await self._stock.aclose()

    # -- the pool -------------------------------------------------------------

    def _stock_transport(self) -> httpx.AsyncHTTPTransport:
        if self._stock is None:
            self._stock = httpx.AsyncHTTPTransport(
                verify=self._ssl_context if self._ssl_context is not None else True,
                limits=httpx.Limits(
                    max_connections=self.max_connections,
                    max_keepalive_connections=self.max_keepalive_connections,
                    keepalive_expiry=self.keepalive_expiry,
                ),
            )
        return self._stock

    def _check_loop(self) -> None:
        """Forget idle connections made in another event loop (they cannot be used in this one)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._loop is not None:
                self._idle.clear()
                self._idle_count = 0
                self._open = 0
                self._waiters = []
            self._loop = loop

    async def _checkout(self, key: Any, pool_timeout: Optional[float]) -> Optional[httpcore.AsyncHTTP11Connection]:
        """The most recently used idle connection to ``key``'s origin that still works, or ``None``.

        ``None`` means a slot for a new connection is reserved (counted in
        ``_open``): the caller opens it, or gives the slot back with ``_forget``.
        """
        self._check_loop()
        while True:
            stack = self._idle.get(key)
            while stack:
                conn = stack.pop()
                self._idle_count -= 1
                if conn.is_idle() and not conn.has_expired():
                    return conn
                await self._discard(conn)
            if self._open < self.max_connections:
                break
            if self._idle_count:
                await self._evict_one()  # an idle connection to another origin makes room
                continue
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(asyncio.shield(waiter), pool_timeout)
            except asyncio.TimeoutError:
                raise httpx.PoolTimeout(f"no connection became free within {pool_timeout} s") from None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self._open += 1
        return None

    async def _connect(
        self, key: Any, timeout: Optional[float], sni_hostname: Optional[str]
    ) -> httpcore.AsyncHTTP11Connection:
        """Open an HTTP/1.1 connection to ``key``'s origin (TCP, then TLS for https)."""
        scheme, host, port = key
        port = port if port is not None else (443 if scheme == b"https" else 80)
        name = host.decode("ascii")
        stream = await self._network.connect_tcp(name, port, timeout=timeout)
        if scheme == b"https":
            stream = await stream.start_tls(self._tls(), server_hostname=sni_hostname or name, timeout=timeout)
        conn = httpcore.AsyncHTTP11Connection(
            origin=httpcore.Origin(scheme, host, port), stream=stream, keepalive_expiry=self.keepalive_expiry
        )
        if _HttpcoreLock is not None and isinstance(getattr(conn, "_state_lock", None), _HttpcoreLock):
            # httpcore's lock takes anyio's, which passes through the event loop on every
            # acquire, even uncontended (twice a request). The pool already gives a
            # connection to one request at a time; asyncio's own lock keeps the state
            # changes atomic without that pass.
            conn._state_lock = asyncio.Lock()  # type: ignore[assignment]
        return conn

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = default_ssl_context()
        if not self._alpn_set:
            self._ssl_context.set_alpn_protocols(["http/1.1"])  # as httpcore does (HTTP/2 is not offered)
            self._alpn_set = True
        return self._ssl_context

    async def _release(self, key: Any, conn: httpcore.AsyncHTTP11Connection) -> None:
        """Put ``conn`` back when it can take another request; otherwise close it."""
        if (
            not self._closed
            and conn.is_idle()
            and self._idle_count < self.max_keepalive_connections
            and asyncio.get_running_loop() is self._loop
        ):
            self._idle.setdefault(key, []).append(conn)
            self._idle_count += 1
            self._wake()
            return
        # closed by either side, or a body not read to its end (httpcore has closed
        # it then), or more idle connections than are kept
        await self._discard(conn)

    async def _discard(self, conn: httpcore.AsyncHTTP11Connection) -> None:
        self._forget()
        try:
            await conn.aclose()
        except Exception:  # pragma: no cover - closing a broken socket
            pass

    def _forget(self) -> None:
        """Give a connection's slot back."""
        self._open -= 1
        self._wake()

    async def _evict_one(self) -> None:
        for stack in self._idle.values():
            if stack:
                conn = stack.pop(0)  # the one idle longest
                self._idle_count -= 1
                await self._discard(conn)
                return

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return
