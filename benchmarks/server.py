"""A small, fast ChatKitty-like HAL server for the benchmarks (HTTP/1.1, keep-alive).

It runs in its own process (``python -m benchmarks.server``), so the client
being measured has a core to itself on a 2-core machine and the server's
work does not compete for the client's GIL. Documents are rendered once and
kept as bytes, so the server adds as little as possible to each request and
the measured ratios are dominated by the client.

Routes (``/v1`` under ``http://127.0.0.1:PORT``):

* ``POST /oauth/token``: the client credentials grant (HTTP Basic), a bearer token.
* ``GET /v1``: the API root; ``GET /v1/applications/me``: the application.
* ``GET /v1/applications/52/users?page=N&size=S``: pages of users (``next``
  until the last page); ``GET /v1/applications/52/users/ID``: one user.
* ``GET /v1/chain/N``: a resource whose ``next`` is ``/v1/chain/N+1``, up to ``--chain``.
* ``GET /_stats``: counters (JSON); ``POST /_reset``: zero them.

Every ``/v1`` request needs a valid ``Authorization: Bearer`` (else 401).
``--latency`` seconds are added to each ``/v1`` answer (for the fan-out).

On start it prints ``PORT`` on a line; it stops when its stdin closes.
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import sys
import threading
import time
from typing import Dict, List, Optional, Tuple

__all__ = ["HalServer", "main"]

CLIENT_ID = "acme"
CLIENT_SECRET = "acmesecret"
APP_ID = 52
PAGE_SIZE = 20

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}


def _dumps(doc: object) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


class HalServer:
    """The server: a listening socket and one thread per connection."""

    def __init__(self, users: int, chain: int, latency: float = 0.0, port: int = 0) -> None:
        self.users = users
        self.chain = chain
        self.latency = latency
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.tokens: Dict[str, float] = {}
        self.counts: Dict[str, int] = {}
        self.connections = 0
        self._cache: Dict[str, bytes] = {}
        self._closed = False

    # -- documents -----------------------------------------------------------

    def _user(self, uid: int) -> dict:
        app = f"{self.base}/v1/applications/{APP_ID}"
        return {
            "id": uid,
            "name": f"user-{uid}",
            "displayName": f"User {uid}",
            "presence": {"status": "UNAVAILABLE", "online": False},
            "properties": {},
            "_links": {
                "self": {"href": f"{app}/users/{uid}"},
                "channels": {"href": f"{app}/users/{uid}/channels"},
                "application": {"href": app},
            },
        }

    def _page(self, number: int, size: int) -> bytes:
        total = self.users
        pages = max(1, (total + size - 1) // size)
        first_id = number * size + 1
        ids = range(first_id, min(first_id + size, total + 1)) if number < pages else range(0)
        href = f"{self.base}/v1/applications/{APP_ID}/users"

        def link(n: int) -> dict:
            return {"href": f"{href}?page={n}&size={size}"}

        links = {"first": link(0)}
        if number > 0:
            links["prev"] = link(number - 1)
        links["self"] = link(number)
        if number + 1 < pages:
            links["next"] = link(number + 1)
        links["last"] = link(pages - 1)
        doc = {
            "_embedded": {"users": [self._user(i) for i in ids]},
            "_links": links,
            "page": {"size": size, "totalElements": total, "totalPages": pages, "number": number},
        }
        return _dumps(doc)

    def document(self, path: str) -> Optional[bytes]:
        """The body for a GET of ``path`` (with its query), or ``None`` for a 404."""
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        base = self.base
        app = f"{base}/v1/applications/{APP_ID}"
        body: Optional[bytes] = None
        route, _, query = path.partition("?")
        if route == "/v1":
            body = _dumps({"_links": {"self": {"href": f"{base}/v1"}, "application": {"href": f"{base}/v1/applications/me"}}})
        elif route in ("/v1/applications/me", f"/v1/applications/{APP_ID}"):
            body = _dumps({
                "id": APP_ID, "name": "ChatKitty", "key": "107a326f-bfab-4d2c-9a5a-fa79bd896929",
                "_links": {
                    "self": {"href": app}, "users": {"href": f"{app}/users"},
                    "channels": {"href": f"{app}/channels"},
                    "organization": {"href": f"{base}/v1/organizations/{APP_ID}"},
                },
            })
        elif route == f"/v1/applications/{APP_ID}/users":
            params = dict(p.partition("=")[::2] for p in query.split("&") if p)
            try:
                number = int(params.get("page", "0"))
                size = int(params.get("size", str(PAGE_SIZE)))
            except ValueError:
                return None
            if number < 0 or not 1 <= size <= 100:
                return None
            body = self._page(number, size)
            if self.users > 20000:  # keep the server's own memory flat on huge runs
                return body
        elif route.startswith(f"/v1/applications/{APP_ID}/users/"):
            try:
                uid = int(route.rsplit("/", 1)[1])
            except ValueError:
                return None
            if not 1 <= uid <= self.users:
                return None
            body = _dumps(self._user(uid))
        elif route.startswith("/v1/chain/"):
            try:
                n = int(route.rsplit("/", 1)[1])
            except ValueError:
                return None
            if not 0 <= n <= self.chain:
                return None
            links = {"self": {"href": f"{base}/v1/chain/{n}"}}
            if n < self.chain:
                links["next"] = {"href": f"{base}/v1/chain/{n + 1}"}
            body = _dumps({"n": n, "_links": links})
        if body is not None:
            self._cache[path] = body
        return body

    # -- HTTP ------------------------------------------------------------------

    def _count(self, key: str) -> None:
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    def respond(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> Tuple[int, bytes, str]:
        """Answer one request: (status, body, content type)."""
        if path == "/_stats":
            with self.lock:
                stats = dict(self.counts, connections=self.connections, tokens=len(self.tokens))
            return 200, _dumps(stats), "application/json"
        if path == "/_reset" and method == "POST":
            with self.lock:
                self.counts.clear()
                self.connections = 0
            return 200, b"{}", "application/json"
        if path == "/oauth/token":
            self._count("token")
            if method != "POST":
                return 405, b'{"error":"invalid_request"}', "application/json"
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if headers.get("authorization") != expected or b"grant_type=client_credentials" not in body:
                return 401, b'{"error":"invalid_client"}', "application/json"
            with self.lock:
                token = f"tok{len(self.tokens) + 1:06d}"
                self.tokens[token] = time.monotonic()
            return 200, _dumps({"access_token": token, "token_type": "bearer", "expires_in": 43199, "scope": "org:52:app"}), "application/json;charset=UTF-8"
        self._count("total")
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            self._count("401")
            return 401, b'{"error":"unauthorized"}', "application/json"
        if self.latency:
            time.sleep(self.latency)
        if method != "GET":
            return 405, b'{"error":"method not allowed"}', "application/json"
        doc = self.document(path)
        if doc is None:
            return 404, b'{"error":"not found"}', "application/json"
        return 200, doc, "application/hal+json;charset=UTF-8"

    def _serve_connection(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.lock:
            self.connections += 1
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _version = lines[0].split(" ", 2)
                headers: Dict[str, str] = {}
                for line in lines[1:]:
                    key, _, value = line.partition(":")
                    headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                while len(buf) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                body, buf = buf[:length], buf[length:]
                status, payload, ctype = self.respond(method, path, headers, body)
                conn.sendall(
                    b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                    % (status, _REASONS[status].encode(), ctype.encode(), len(payload))
                    + payload
                )
        except (OSError, ValueError):
            return
        finally:
            conn.close()

    def serve_forever(self) -> None:
        """Accept connections until :meth:`close`."""
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve_connection, args=(conn,), daemon=True).start()

    def close(self) -> None:
        """Stop accepting connections."""
        self._closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def main(argv: Optional[List[str]] = None) -> int:
    """Run the server until stdin closes; print the port first."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server")
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = HalServer(args.users, args.chain, args.latency)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.port, flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or exits)
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
