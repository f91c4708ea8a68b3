"""A real OAuth 2.0 token endpoint and a protected HAL API on 127.0.0.1, for tests.

``OAuthServer`` listens on an ephemeral port in a thread (standard library
``ThreadingHTTPServer``, HTTP/1.1 with keep-alive) and records every request.

* ``POST /token``: the client credentials grant. Checks HTTP Basic (or
  ``client_secret_post``) credentials, ``grant_type`` and, with
  ``require_password_fields``, the seed's ``username``/``password`` fields.
  Answers ``{"access_token", "token_type": "bearer", "expires_in", "scope"}``,
  or RFC 6749 section 5.2 errors. ``token_reply`` overrides the answer.
* ``GET /api/...``: needs ``Authorization: Bearer <token>`` with a token this
  server issued, not revoked and not expired (on ``clock``), else 401 with
  ``WWW-Authenticate: Bearer error="invalid_token"``. Routes:
  ``/api/items?page=N&pages=M`` (a paged collection with ``next`` links),
  ``/api/redirect?to=URL`` (302), ``/api/link?href=URL`` (a HAL document whose
  ``other`` link is URL), anything else (``{"path": ...}``).
  With ``protected=False`` the API answers without checking anything.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["OAuthServer", "FakeClock", "TokenRequest", "ApiRequest", "HostileServer", "SeenRequest"]


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@dataclass
class TokenRequest:
    at: float
    headers: Dict[str, str]
    content_type: str
    form: Dict[str, List[str]]
    token: Optional[str]  # the token issued, if any


@dataclass
class ApiRequest:
    at: float
    method: str
    path: str
    authorization: Optional[str]
    status: int
    body: bytes = b""


@dataclass
class _Issued:
    at: float
    lifetime: Optional[float]
    revoked: bool = False


@dataclass
class OAuthServer:
    client_id: str = "acme"
    client_secret: str = "acmesecret"
    #: ``expires_in`` of issued tokens; ``None``: tokens without expiry
    lifetime: Optional[float] = 3600
    auth_method: str = "client_secret_basic"
    require_password_fields: bool = False
    protected: bool = True
    clock: Callable[[], float] = time.monotonic
    #: (status, content type, body) answered by the token endpoint instead of a token
    token_reply: Optional[Tuple[int, str, bytes]] = None
    token_delay: float = 0.0
    api_delay: float = 0.0
    #: answer 401 to every API request
    reject_all: bool = False
    token_type: str = "bearer"
    scope: str = "org:52:app"

    token_requests: List[TokenRequest] = field(default_factory=list)
    api_requests: List[ApiRequest] = field(default_factory=list)
    issued: Dict[str, _Issued] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle

    def __enter__(self) -> OAuthServer:
        handler = type("Handler", (_Handler,), {"app": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01})
        self._thread.daemon = True
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None and self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    @property
    def origin(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.origin + path

    @property
    def token_url(self) -> str:
        return self.url("/token")

    # -- test helpers

    def revoke_all(self) -> None:
        with self._lock:
            for issued in self.issued.values():
                issued.revoked = True

    def issue(self, token: str, lifetime: Optional[float] = None) -> None:
        """Accept ``token`` as if this server had issued it."""
        with self._lock:
            self.issued[token] = _Issued(self.clock(), lifetime)

    def tokens_used(self) -> List[str]:
        """Distinct tokens seen on API requests, in order of first use."""
        seen: Dict[str, None] = {}
        for req in self.api_requests:
            if req.authorization and req.authorization.startswith("Bearer "):
                seen.setdefault(req.authorization[7:], None)
        return list(seen)

    # -- request handling (called from handler threads)

    def handle_token(self, h: _Handler, body: bytes) -> Tuple[int, Dict[str, str], bytes]:
        if self.token_delay:
            time.sleep(self.token_delay)
        content_type = h.headers.get("Content-Type", "")
        form = parse_qs(body.decode("ascii", "replace"), keep_blank_values=True)
        record = TokenRequest(self.clock(), dict(h.headers.items()), content_type, form, None)
        with self._lock:
            self.token_requests.append(record)
        if self.token_reply is not None:
            status, ctype, payload = self.token_reply
            return status, {"Content-Type": ctype}, payload
        client = self._client_credentials(h.headers.get("Authorization"), form)
        if client != (self.client_id, self.client_secret):
            return _json(
                401,
                {"error": "invalid_client", "error_description": "Bad client credentials"},
                {"WWW-Authenticate": 'Basic realm="oauth"'},
            )
        if form.get("grant_type") != ["client_credentials"]:
            return _json(400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"})
        if self.require_password_fields and (
            form.get("username") != [self.client_id] or form.get("password") != [self.client_secret]
        ):
            return _json(400, {"error": "invalid_request", "error_description": "Missing username or password"})
        token = str(uuid.uuid4())
        with self._lock:
            self.issued[token] = _Issued(self.clock(), self.lifetime)
            record.token = token
        answer: Dict[str, Any] = {"access_token": token, "token_type": self.token_type, "scope": self.scope}
        if self.lifetime is not None:
            answer["expires_in"] = self.lifetime
        return _json(200, answer, {"Cache-Control": "no-store"})

    def _client_credentials(
        self, authorization: Optional[str], form: Dict[str, List[str]]
    ) -> Optional[Tuple[str, str]]:
        if self.auth_method == "client_secret_basic":
            if not authorization or not authorization.startswith("Basic "):
                return None
            try:
                user, _, password = base64.b64decode(authorization[6:]).decode("latin-1").partition(":")
            except ValueError:
                return None
            return user, password
        ids, secrets = form.get("client_id", []), form.get("client_secret", [])
        if authorization or len(ids) != 1 or len(secrets) != 1:
            return None
        return ids[0], secrets[0]

    def handle_api(self, h: _Handler, request_body: bytes = b"") -> Tuple[int, Dict[str, str], bytes]:
        authorization = h.headers.get("Authorization")
        status, headers, body = self._api_answer(h, authorization)
        with self._lock:
            self.api_requests.append(ApiRequest(self.clock(), h.command, h.path, authorization, status, request_body))
        if self.api_delay:  # "processing time", after the token was checked
            time.sleep(self.api_delay)
        return status, headers, body

    def _api_answer(self, h: _Handler, authorization: Optional[str]) -> Tuple[int, Dict[str, str], bytes]:
        if self.protected and not self._valid(authorization):
            return _json(
                401,
                {"error": "invalid_token", "error_description": "Invalid or expired access token"},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/api/redirect":
            return 302, {"Location": unquote(query["to"]), "Content-Length": "0"}, b""
        if parts.path == "/api/link":
            return _hal({"_links": {"self": {"href": h.path}, "other": {"href": query["href"]}}})
        if parts.path == "/api/items":
            page, pages = int(query.get("page", "1")), int(query.get("pages", "3"))
            links: Dict[str, Any] = {"self": {"href": f"/api/items?page={page}&pages={pages}"}}
            if page < pages:
                links["next"] = {"href": f"/api/items?page={page + 1}&pages={pages}"}
            return _hal({"_links": links, "page": page, "_embedded": {"items": [{"n": page}]}})
        return _hal({"_links": {"self": {"href": h.path}}, "path": parts.path})

    def _valid(self, authorization: Optional[str]) -> bool:
        if self.reject_all or not authorization or not authorization.startswith("Bearer "):
            return False
        with self._lock:
            issued = self.issued.get(authorization[7:])
        if issued is None or issued.revoked:
            return False
        return issued.lifetime is None or self.clock() < issued.at + issued.lifetime


def _json(status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode()


def _hal(payload: Any) -> Tuple[int, Dict[str, str], bytes]:
    return 200, {"Content-Type": "application/hal+json"}, json.dumps(payload).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # the default backlog of 5 drops connections when 8 threads connect at once
    # (the client then waits a second or more for its SYN to be retransmitted)
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app: OAuthServer
    timeout = 10  # idle keep-alive connections end eventually

    def setup(self) -> None:
        super().setup()
        # headers and body leave in separate writes: without this, Nagle plus
        # delayed ACKs cost ~40 ms per keep-alive request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, headers: Dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name != "Content-Length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        if urlsplit(self.path).path == "/token":
            self._send(*self.app.handle_token(self, body))
        else:
            self._send(*self.app.handle_api(self, body))

    def do_GET(self) -> None:  # noqa: N802
        self._body()
        if urlsplit(self.path).path.startswith("/api"):
            self._send(*self.app.handle_api(self))
        else:
            self._send(404, {"Content-Type": "text/plain"}, b"not found")


# --------------------------------------------------------------------------- a scriptable hostile server


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes


#: What a hostile handler answers: status, headers, and the body as bytes or an iterable of chunks.
Answer = Tuple[int, Dict[str, str], Any]


class HostileServer:
    """A loopback HTTP/1.1 server whose every answer comes from ``handler(server, request)``.

    The body may be an iterable of chunks, written one by one (so a huge body
    costs the server no memory); :attr:`bytes_sent` counts what reached the
    socket before the client hung up. ``host``/``port`` choose the address
    (``port=80`` on a random ``127.x.y.z`` plays a default-port origin).
    """

    def __init__(
        self, handler: Callable[["HostileServer", SeenRequest], Answer], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.handler = handler
        self.requests: List[SeenRequest] = []
        self.bytes_sent = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = SeenRequest(self.command, self.path, dict(self.headers.items()), body)
                with outer._lock:
                    outer.requests.append(seen)
                status, headers, payload = outer.handler(outer, seen)
                self.send_response(status)
                chunks = [payload] if isinstance(payload, bytes) else payload
                if isinstance(payload, bytes) and "Content-Length" not in headers:
                    headers = {**headers, "Content-Length": str(len(payload))}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        with outer._lock:
                            outer.bytes_sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_HEAD = _serve  # noqa: N815

        self._httpd = _Server((host, port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self) -> "HostileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}" + ("" if port == 80 else f":{port}")

    def url(self, path: str) -> str:
        return self.origin + path
