"""An asyncio network backend for httpcore: sockets through asyncio's own transports, no anyio in between.

httpcore reaches the network through a backend
(:class:`httpcore.AsyncNetworkBackend`); on asyncio its default is anyio's,
which wraps every read and write in a cancel scope (``anyio.fail_after``)
and each stream in a task-group-aware object: about a fifth of the CPU time
of a small request. :class:`AsyncioBackend` implements the same interface on
an :class:`asyncio.Protocol`: a read waits on one future, its timeout is one
``call_later`` handle, writes honour the transport's flow control, and TLS
is :meth:`asyncio.loop.start_tls`. Errors are httpcore's
(:class:`httpcore.ConnectError`, :class:`httpcore.ReadTimeout`...), as from
any backend.

Received bytes are buffered up to :data:`READ_AHEAD` bytes, then the socket
is paused until the reader catches up, so a server cannot make the client
buffer more than that beyond what it asked for.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, Iterable, Optional

import httpcore
import httpx

__all__ = ["AsyncioBackend", "AsyncioStream", "READ_AHEAD", "default_ssl_context"]

#: The most bytes buffered beyond what the reader has taken (then reading pauses).
READ_AHEAD = 256 * 1024


class _Protocol(asyncio.Protocol):
    """Buffers what arrives; wakes the one reader (and writer) waiting."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: Optional[asyncio.Transport] = None
        self.buffer = bytearray()
        self.eof = False
        self.error: Optional[BaseException] = None
        self.paused = False
        self._reader: Optional["asyncio.Future[None]"] = None
        self._drain: Optional["asyncio.Future[None]"] = None
        self._write_paused = False

    # -- asyncio.Protocol --------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > READ_AHEAD and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # let the transport close itself

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.eof = True
        self.error = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_writer()

    # -- waiting -------------------------------------------------------------------

    def _wake_reader(self) -> None:
        waiter = self._reader
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        waiter = self._drain
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait_readable(self, timeout: Optional[float]) -> None:
        waiter = self._reader = self._loop.create_future()
        handle = None if timeout is None else self._loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            self._reader = None
            if handle is not None:
                handle.cancel()

    async def wait_writable(self, timeout: Optional[float]) -> None:
        if not self._write_paused or self.transport is None or self.transport.is_closing():
            return
        waiter = self._drain = self._loop.create_future()
        handle = None if timeout is None else self._loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            self._drain = None
            if handle is not None:
                handle.cancel()


def _expire(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection, plain or TLS (see the module docstring)."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    @property
    def buffered(self) -> int:
        """Bytes received and not read yet (at most about :data:`READ_AHEAD`)."""
        return len(self._protocol.buffer)

    async def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        protocol = self._protocol
        if not protocol.buffer:
            if protocol.eof:
                if protocol.error is not None:
                    raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__)
                return b""
            try:
                await protocol.wait_readable(timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout(f"no data within {timeout} s") from None
            if not protocol.buffer:
                if protocol.error is not None:
                    raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__)
                return b""
        buffer = protocol.buffer
        if len(buffer) <= max_bytes:
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:max_bytes])
            del buffer[:max_bytes]
        if protocol.paused and len(buffer) <= READ_AHEAD // 2:
            protocol.paused = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        try:
            await self._protocol.wait_writable(timeout)
        except TimeoutError:
            raise httpcore.WriteTimeout(f"could not send within {timeout} s") from None
        if self._protocol.error is not None:
            raise httpcore.WriteError(str(self._protocol.error))

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: Optional[str] = None, timeout: Optional[float] = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport = await asyncio.wait_for(
                loop.start_tls(self._transport, self._protocol, ssl_context, server_hostname=server_hostname),
                timeout,
            )
        except asyncio.TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"TLS handshake not done within {timeout} s") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        if transport is None:  # pragma: no cover - the loop closed the connection
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        return AsyncioStream(transport, self._protocol)  # type: ignore[arg-type]

    def get_extra_info(self, info: str) -> Any:
        transport = self._transport
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        if info == "is_readable":
            # idle, yet something arrived (or the server closed): not reusable
            protocol = self._protocol
            return bool(protocol.buffer) or protocol.eof or transport.is_closing()
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network interface on asyncio's transports (see the module docstring)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: Optional[float] = None,
        local_address: Optional[str] = None,
        socket_options: Optional[Iterable[Any]] = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Protocol(loop), host, port,
                    local_addr=(local_address, 0) if local_address else None,
                ),
                timeout,
            )
        except asyncio.TimeoutError:
            raise httpcore.ConnectTimeout(f"could not connect to {host}:{port} within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = transport.get_extra_info("socket")
        if sock is not None:
            for option in socket_options or ():
                sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self, path: str, timeout: Optional[float] = None, socket_options: Optional[Iterable[Any]] = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_unix_connection(lambda: _Protocol(loop), path), timeout
            )
        except asyncio.TimeoutError:
            raise httpcore.ConnectTimeout(f"could not connect to {path} within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return AsyncioStream(transport, protocol)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


_DEFAULT_SSL_CONTEXT: Optional[ssl.SSLContext] = None


def default_ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CA bundle), made once per process.

    httpx builds one for every client it makes, whatever the scheme, and
    loading the CA bundle takes most of a client's start-up: halkit's clients
    (and their token endpoints' clients) share this one.
    """
    global _DEFAULT_SSL_CONTEXT
    if _DEFAULT_SSL_CONTEXT is None:
        _DEFAULT_SSL_CONTEXT = httpx.create_ssl_context()
    return _DEFAULT_SSL_CONTEXT
