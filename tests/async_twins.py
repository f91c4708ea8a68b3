"""Run one scenario against both clients: :class:`halkit.Client` and :class:`halkit.AsyncClient`.

A scenario is an ``async def`` written once; every call that does I/O goes
through :func:`io` (which awaits only what is awaitable) and every iteration
through :func:`collect`. With the sync client the calls simply run (blocking
the loop, which is fine in a test); with the async client they are awaited.
The ``twin`` fixture (parametrised ``sync``/``async``) makes the clients and
runs the scenario with :func:`asyncio.run`.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import threading
from typing import Any, Awaitable, Callable, Dict, List

import pytest

import halkit


async def io(value: Any) -> Any:
    """``value``, awaited when it is awaitable (the async twin), as it is otherwise (the sync one)."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(iterable: Any) -> List[Any]:
    """A list of what a (sync or async) iterator yields."""
    if hasattr(iterable, "__aiter__"):
        return [item async for item in iterable]
    return list(iterable)


async def next_of(iterator: Any) -> Any:
    """The next item of a (sync or async) iterator."""
    if hasattr(iterator, "__anext__"):
        return await iterator.__anext__()
    return next(iterator)


class Twin:
    """One of the two clients, with what a scenario needs to use either the same way."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.is_async = kind == "async"
        self._clients: List[Any] = []

    def __repr__(self) -> str:
        return f"<Twin {self.kind}>"

    @property
    def cls(self) -> Any:
        return halkit.AsyncClient if self.is_async else halkit.Client

    def client(self, url: str, **kwargs: Any) -> Any:
        """A client of this twin's kind (closed when the scenario ends)."""
        client = self.cls(url, **kwargs)
        self._clients.append(client)
        return client

    def from_profile(self, *args: Any, **kwargs: Any) -> Any:
        client = self.cls.from_profile(*args, **kwargs)
        self._clients.append(client)
        return client

    async def follow_all(self, items: Any, rel: str = "self", **kwargs: Any) -> Any:
        if self.is_async:
            return await halkit.aio.follow_all(items, rel, **kwargs)
        return halkit.follow_all(items, rel, **kwargs)

    def run(self, scenario: Callable[[], Awaitable[Any]]) -> Any:
        """Run ``scenario()`` in a fresh event loop and close the clients it made."""

        async def main() -> Any:
            try:
                return await scenario()
            finally:
                for client in self._clients:
                    await io(client.close())
                self._clients.clear()

        return asyncio.run(main())


@pytest.fixture(params=["sync", "async"])
def twin(request: pytest.FixtureRequest) -> Twin:
    """Each test using it runs once per client."""
    return Twin(request.param)


class RawServer:
    """Accepts connections on 127.0.0.1 and lets ``handler(conn, head)`` write whatever bytes it likes."""

    def __init__(self, handler: Callable[[socket.socket, bytes], None]) -> None:
        self.handler = handler
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            self.handler(conn, head)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.closed.set()
        self.sock.close()


def head_bytes(status: str, headers: Dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def twin_marks(*, sync: Any = (), async_: Any = ()) -> Any:
    """Run a test on both twins with marks on one of them (instead of the ``twin`` fixture's plain params).

    ``@twin_marks(async_=pytest.mark.xfail(strict=True, reason="..."))`` keeps a
    scenario written once while recording a known difference between the
    clients; the test ids stay ``[sync]`` and ``[async]``.
    """
    return pytest.mark.parametrize("twin", [
        pytest.param("sync", marks=sync, id="sync"),
        pytest.param("async", marks=async_, id="async"),
    ], indirect=True)
