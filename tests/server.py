"""A scriptable HTTP/1.1 server on 127.0.0.1 for the tests (port 0, in a thread)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

Body = Union[bytes, str, dict, list, None]
Reply = Tuple[int, Dict[str, str], Body]
Handler = Callable[["Request"], Reply]


class Request:
    """What the server received."""

    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes, peer: int = 0) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        #: the client's port: one value per connection
        self.peer = peer

    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        server: TestServer = self.server.owner  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, self.client_address[1])
        with server.lock:
            server.log.append(req)
        handler = server.route(self.command, self.path)
        if handler is None:
            status, headers, payload = 404, {"Content-Type": "application/json"}, {"error": "not found"}
        else:
            status, headers, payload = handler(req)
        if headers.get("X-Test-Drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode()
            headers.setdefault("Content-Type", "application/hal+json")
        elif isinstance(payload, str):
            data = payload.encode()
        else:
            data = payload or b""
        self.send_response(status)
        for key, value in headers.items():
            if key.startswith("X-Test-"):
                continue
            self.send_header(key, value)
        declared = headers.get("X-Test-Content-Length")
        self.send_header("Content-Length", declared or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if declared:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    # room for every connection a test opens at once (the default backlog is 5)
    request_queue_size = 64


class TestServer:
    """Routes are ``(method, path)`` -> handler; ``method`` ``*`` matches any."""

    __test__ = False

    def __init__(self) -> None:
        self.routes: Dict[Tuple[str, str], Handler] = {}
        self.log: List[Request] = []
        self.lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, method: str, path: str) -> Optional[Handler]:
        return self.routes.get((method, path)) or self.routes.get(("*", path))

    def add(self, path: str, body: Body = None, *, status: int = 200, headers: Optional[Dict[str, str]] = None, method: str = "GET") -> None:
        """Serve a fixed reply."""
        hdrs = dict(headers or {})
        self.routes[(method, path)] = lambda req: (status, dict(hdrs), body)

    def handle(self, path: str, handler: Handler, method: str = "*") -> None:
        self.routes[(method, path)] = handler

    def requests_to(self, path_prefix: str) -> List[Request]:
        with self.lock:
            return [r for r in self.log if r.path.startswith(path_prefix)]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def slow(seconds: float, reply: Reply) -> Handler:
    def handler(req: Request) -> Reply:
        time.sleep(seconds)
        return reply
    return handler
