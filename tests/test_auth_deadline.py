"""The token request is under a total deadline too (issue 14, item 13): a dripping token endpoint, both clients."""

from __future__ import annotations

import socket
import threading
import time
from typing import Iterator

import async_twins
import pytest
from async_twins import Twin, io

import halkit
from halkit.auth import ClientCredentials

#: the fixture running a test once per client (sync, async)
twin = async_twins.twin


@pytest.fixture
def dripping_token_endpoint() -> Iterator[str]:
    """Answers 200 at once, then sends a token response one byte every 0.2 s (60 s in all)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                body = b'{"access_token": "t", "token_type": "bearer", "expires_in": 3600}' + b" " * 240
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body))
                for i in range(len(body)):
                    if stop.is_set():
                        return
                    try:
                        conn.sendall(body[i:i + 1])
                    except OSError:
                        break
                    time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/token"
    stop.set()
    listener.close()
    thread.join(5)


def test_a_dripping_token_endpoint_is_stopped_by_the_deadline(dripping_token_endpoint: str) -> None:
    # each read comes within the 0.5 s read timeout, so only a total deadline can stop it
    auth = ClientCredentials(dripping_token_endpoint, "id", "secret", timeout=0.5)
    try:
        with pytest.raises(halkit.AuthError, match="deadline"):
            auth.fetch_token()
    finally:
        auth.close()


def test_both_clients_stop_a_dripping_token_endpoint(twin: Twin, dripping_token_endpoint: str) -> None:
    # the async grant keeps the promise too (asyncio.wait_for around the whole exchange)
    auth = ClientCredentials(dripping_token_endpoint, "id", "s3cr3t-Zq9xW", timeout=0.5)

    async def scenario() -> None:
        client = twin.client("http://127.0.0.1:9/api/", auth=auth)  # never reached: the token comes first
        with pytest.raises(halkit.AuthError, match="did not finish its answer within the deadline") as info:
            await io(client.get("http://127.0.0.1:9/api/x"))
        assert "s3cr3t-Zq9xW" not in str(info.value) + repr(info.value)
        assert "for a timeout of 0.5 s" in str(info.value)

    try:
        twin.run(scenario)
    finally:
        auth.close()
