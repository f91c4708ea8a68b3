"""halkit's asyncio network backend for httpcore (:mod:`halkit.aio.network`), against sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any, Iterator, List

import httpcore
import pytest

import halkit
from halkit.aio.network import READ_AHEAD, AsyncioBackend


class _RawServer:
    """Accepts connections and runs ``behaviour(conn)`` for each, in a thread."""

    def __init__(self, behaviour: Any) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.stop = threading.Event()
        self.received: List[int] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with conn:
            try:
                self.behaviour(self, conn)
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def flood() -> Iterator[_RawServer]:
    def send_lots(server: _RawServer, conn: socket.socket) -> None:
        block = b"x" * 65536
        sent = 0
        conn.settimeout(5)
        while sent < 16 * 1024 * 1024 and not server.stop.is_set():
            try:
                conn.sendall(block)
            except (socket.timeout, OSError):
                break
            sent += len(block)
        server.received.append(sent)

    server = _RawServer(send_lots)
    yield server
    server.close()


def test_a_reader_that_waits_never_buffers_much_more_than_the_read_ahead(flood: _RawServer) -> None:
    async def main() -> int:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", flood.port, timeout=2)
        first = await stream.read(1024, timeout=2)
        assert first
        await asyncio.sleep(0.5)  # the server keeps sending meanwhile
        buffered = stream.buffered  # type: ignore[attr-defined]
        await stream.aclose()
        return buffered

    buffered = asyncio.run(main())
    assert 0 < buffered <= READ_AHEAD + 256 * 1024  # one socket read past the mark at most


def test_a_write_the_server_never_reads_times_out() -> None:
    server = _RawServer(lambda srv, conn: srv.stop.wait(10))  # accepts, never reads

    async def main() -> None:
        async with halkit.AsyncClient(server.url, retries=0, timeout=0.5) as client:
            await client.request("POST", server.url, data=b"y" * (64 * 1024 * 1024))

    try:
        with pytest.raises(halkit.TimeoutError):
            asyncio.run(main())
    finally:
        server.close()


def test_a_large_body_is_sent_whole_to_a_slow_reader() -> None:
    def slow_reader(server: _RawServer, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
        while len(body) < length:
            server.stop.wait(0.001)
            body += conn.recv(65536)
        server.received.append(len(body))
        answer = b'{"ok": true}'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(answer), answer))

    server = _RawServer(slow_reader)

    async def main() -> Any:
        async with halkit.AsyncClient(server.url, retries=0, timeout=10) as client:
            return (await client.request("POST", server.url, data=b"z" * (8 * 1024 * 1024))).json()

    try:
        assert asyncio.run(main()) == {"ok": True}
        assert server.received == [8 * 1024 * 1024]
    finally:
        server.close()


def test_connect_errors_are_httpcores() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()

    async def main() -> None:
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)

    with pytest.raises(httpcore.ConnectError):
        asyncio.run(main())


def test_a_read_with_nothing_to_read_times_out() -> None:
    server = _RawServer(lambda srv, conn: srv.stop.wait(10))

    async def main() -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=2)
        try:
            await stream.read(1024, timeout=0.1)
        finally:
            await stream.aclose()

    try:
        with pytest.raises(httpcore.ReadTimeout):
            asyncio.run(main())
    finally:
        server.close()


def test_the_end_of_the_stream_reads_as_empty() -> None:
    server = _RawServer(lambda srv, conn: conn.sendall(b"bye"))

    async def main() -> List[bytes]:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=2)
        got = [await stream.read(1024, timeout=2)]
        got.append(await stream.read(1024, timeout=2))
        readable = stream.get_extra_info("is_readable")  # closed by the server: not reusable
        await stream.aclose()
        assert readable
        return got

    try:
        assert asyncio.run(main()) == [b"bye", b""]
    finally:
        server.close()
