"""A small threaded HTTP/1.1 server for WSGI applications, built on the standard library.

``wsgiref`` speaks HTTP/1.0 and closes every connection, which hides
keep-alive bugs and makes benchmarks meaningless. This server keeps
connections open (``protocol_version = "HTTP/1.1"``), always frames answers
with ``Content-Length``, turns Nagle's algorithm off (``TCP_NODELAY``) and
serves each connection on a daemon thread.

Deliberate limits: the whole request body is read before the application
runs (at most :data:`MAX_BODY` bytes; ``Transfer-Encoding: chunked`` request
bodies are decoded), and the application's answer is buffered, then written
with one ``send`` call.

Two seams serve fault injection:

- an application may raise :class:`DropConnection` to close the connection
  without answering;
- if an application sets a ``Content-Length`` larger than the body it
  returns, the server writes what it has and closes the connection (a
  truncated answer).
"""

from __future__ import annotations

import email.utils
import io
import logging
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple
from urllib.parse import unquote_to_bytes

__all__ = ["DropConnection", "WSGIServer", "MAX_BODY", "REQUEST_TIMEOUT", "WSGIApp"]

logger = logging.getLogger("halkit.emulator")

#: The largest request body the server accepts, in bytes (larger: 413).
MAX_BODY = 16 * 1024 * 1024

#: A pending request must arrive whole (headers and body) within this many seconds (else 408).
REQUEST_TIMEOUT = 30.0

_HEX = re.compile(rb"[0-9A-Fa-f]+")
_READ_PIECE = 64 * 1024
_MAX_TRAILERS = 32

#: A WSGI application.
WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class DropConnection(Exception):
    """Raised by an application to close the connection without writing an answer."""


class _BodyError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


_date_lock = threading.Lock()
_date_cache: List[Any] = [0, ""]


def _http_date() -> str:
    now = int(time.time())
    if _date_cache[0] != now:
        with _date_lock:
            _date_cache[1] = email.utils.formatdate(now, usegmt=True)
            _date_cache[0] = now
    return str(_date_cache[1])


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _printable(text: str) -> str:
    """``text`` with control and non-ASCII characters escaped (for a log line)."""
    if text.isprintable() and text.isascii():
        return text
    return text.encode("ascii", "backslashreplace").decode("ascii").encode("unicode_escape").decode("ascii")


class _Handler(BaseHTTPRequestHandler):
    """Serves every request of one connection through the server's WSGI application."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "halkit-emulator"
    sys_version = ""
    server: "WSGIServer"
    _deadline: Optional[float] = None
    _started = 0.0
    _answered = False

    def setup(self) -> None:
        super().setup()
        if self.server.idle_timeout is not None:
            self.connection.settimeout(self.server.idle_timeout)
        self.server._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server._closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the per-request access log (the emulator counts requests instead)."""

    def handle_one_request(self) -> None:
        """Read one request, run the application, write its answer."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (OSError, ValueError):
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        request_timeout = self.server.request_timeout
        self._deadline = None if request_timeout is None else time.monotonic() + request_timeout
        self._started = time.perf_counter()
        try:
            if request_timeout is not None:
                self.connection.settimeout(request_timeout)
            if not self.parse_request():
                return
            self._run()
            self.wfile.flush()
        except socket.timeout:
            self.close_connection = True
            if self._deadline is not None and not self._answered:
                self._refuse(408, "request not received in time")
        except (OSError, ValueError):
            # resets, writes to a closed socket: the connection is gone
            self.close_connection = True
        finally:
            self._deadline = None
            if self.server.idle_timeout is not None or request_timeout is not None:
                try:
                    self.connection.settimeout(self.server.idle_timeout)
                except OSError:
                    pass

    # -- internals --------------------------------------------------------

    def _read_body(self) -> bytes:
        """Read the request body, whole, within :data:`MAX_BODY` bytes and the request deadline.

        Refused with a 4xx (and the connection closed): a ``Content-Length`` that is not
        digits, or several that differ; both ``Content-Length`` and ``Transfer-Encoding``
        (RFC 9112 section 6.3: a smuggling vector); a malformed chunk; a body over the limit.
        """
        codings = self.headers.get_all("Transfer-Encoding") or []
        lengths = self.headers.get_all("Content-Length") or []
        if codings:
            if lengths:
                raise _BodyError(400, "both Content-Length and Transfer-Encoding")
            names = [name.strip().lower() for value in codings for name in value.split(",")]
            if names != ["chunked"]:
                raise _BodyError(501, "only the chunked transfer coding is supported")
            return self._read_chunked()
        if not lengths:
            return b""
        values = {value.strip() for value in ",".join(lengths).split(",")}
        if len(values) != 1:
            raise _BodyError(400, "conflicting Content-Length values")
        text = values.pop()
        if not text.isdigit() or not text.isascii():
            raise _BodyError(400, "invalid Content-Length")
        if len(text) > 12 or int(text) > MAX_BODY:
            raise _BodyError(413, "request body too large")
        return self._read_exactly(int(text))

    def _read_exactly(self, size: int) -> bytes:
        """Read ``size`` bytes, in pieces, checking the request deadline between them."""
        pieces: List[bytes] = []
        remaining = size
        while remaining > 0:
            self._check_deadline()
            piece = self.rfile.read(min(remaining, _READ_PIECE))
            if not piece:
                raise OSError("connection closed while reading the body")
            pieces.append(piece)
            remaining -= len(piece)
        return b"".join(pieces)

    def _read_line(self, limit: int) -> bytes:
        self._check_deadline()
        line = self.rfile.readline(limit + 1)
        if not line:
            raise OSError("connection closed while reading the body")
        if len(line) > limit:
            raise _BodyError(400, "line too long in a chunked body")
        return line

    def _read_chunked(self) -> bytes:
        parts: List[bytes] = []
        total = 0
        while True:
            line = self._read_line(1024)
            size_text = line.split(b";", 1)[0].strip()
            if not size_text or len(size_text) > 8 or _HEX.fullmatch(size_text) is None:
                raise _BodyError(400, "invalid chunk size")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(_MAX_TRAILERS + 1):
                    if self._read_line(8192) in (b"\r\n", b"\n"):
                        return b"".join(parts)
                raise _BodyError(400, "too many trailer fields")
            total += size
            if total > MAX_BODY:
                raise _BodyError(413, "request body too large")
            parts.append(self._read_exactly(size))
            if self._read_line(2) not in (b"\r\n", b"\n"):
                raise _BodyError(400, "a chunk must end with CRLF")

    def _check_deadline(self) -> None:
        deadline = self._deadline
        if deadline is None:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _BodyError(408, "request not received in time")
        self.connection.settimeout(remaining)

    def _environ(self, body: bytes) -> Dict[str, Any]:
        path, _, query = self.path.partition("?")
        environ: Dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": self.server.server_name_for_environ,
            "SERVER_PORT": str(self.server.server_port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(len(body)) if body else "",
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            if key in environ:
                environ[key] += "," + value
            else:
                environ[key] = value
        return environ

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request the server cannot read with ``status``, and close the connection."""
        self.close_connection = True
        try:
            self._write(status, _reason(status), [("Content-Type", "text/plain")], message.encode(), True)
        except OSError:
            pass

    def _run(self) -> None:
        self._answered = False
        try:
            body = self._read_body()
        except _BodyError as exc:
            self._refuse(exc.status, exc.reason)
            return
        self._deadline = None  # the body is in: the application's time is its own (stalls...)
        environ = self._environ(body)
        state: Dict[str, Any] = {}

        def start_response(
            status: str, headers: List[Tuple[str, str]], exc_info: Optional[Any] = None
        ) -> Callable[[bytes], None]:
            state["status"] = status
            state["headers"] = headers
            return _no_write

        try:
            result = self.server.app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        code_text, _, reason = state["status"].partition(" ")
        self._write(int(code_text), reason, state["headers"], payload, False)

    def _write(
        self,
        status: int,
        reason: str,
        headers: List[Tuple[str, str]],
        payload: bytes,
        close: bool,
    ) -> None:
        declared: Optional[int] = None
        lines = [f"HTTP/1.1 {status} {reason}"]
        for name, value in headers:
            if name.lower() == "content-length":
                declared = int(value)
                continue
            if name.lower() == "connection" and value.lower() == "close":
                close = True
            lines.append(f"{name}: {value}")
        length = len(payload) if declared is None else declared
        lines.append(f"Content-Length: {length}")
        lines.append("Date: " + _http_date())
        lines.append("Server: " + self.server_version)
        if declared is not None and declared > len(payload):
            close = True  # truncated answer: the client must see the connection end
        if self.close_connection or close:
            self.close_connection = True
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._answered = True
        if self.command == "HEAD" or status in (204, 304) or 100 <= status < 200:
            self.wfile.write(head)
        else:
            self.wfile.write(head + payload)
        log = self.server.access_log
        if log is not None:
            sent = 0 if self.command == "HEAD" else min(len(payload), length)
            elapsed = (time.perf_counter() - self._started) * 1000
            target = _printable(getattr(self, "path", "") or "")
            log(f"{self.client_address[0]} {_printable(self.command or '-')} {target} {status} {sent} {elapsed:.1f}ms")


def _no_write(data: bytes) -> None:
    raise NotImplementedError("the emulator's server does not support the WSGI write() callable")


class WSGIServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server for one WSGI application.

    :param address: ``(host, port)``; port ``0`` picks a free port.
    :param app: the WSGI application.
    :param idle_timeout: seconds an idle keep-alive connection stays open
        (``None``: until the client closes it or the server stops).
    :param request_timeout: seconds a request has to arrive whole once its first
        line is in (headers and body; ``None``: no limit): later, a 408 and the
        connection closed.
    :param access_log: called with one line per answer (client, method, target,
        status, bytes sent, time); ``None``: no access log.
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: Tuple[str, int],
        app: WSGIApp,
        *,
        idle_timeout: Optional[float] = 120.0,
        request_timeout: Optional[float] = REQUEST_TIMEOUT,
        access_log: Optional[Callable[[str], None]] = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.idle_timeout = idle_timeout
        self.request_timeout = request_timeout
        self.access_log = access_log
        self._conn_lock = threading.Lock()
        self._open: Set[socket.socket] = set()
        #: Connections accepted since the start (or the last :meth:`reset_counters`).
        self.connections_accepted = 0
        super().__init__(address, _Handler)
        self.server_name_for_environ = str(self.server_address[0])

    def _opened(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._open.add(conn)
            self.connections_accepted += 1

    def _closed(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._open.discard(conn)

    @property
    def open_connections(self) -> int:
        """The number of connections open right now."""
        with self._conn_lock:
            return len(self._open)

    def reset_counters(self) -> None:
        """Set :attr:`connections_accepted` back to zero."""
        with self._conn_lock:
            self.connections_accepted = 0

    def close_connections(self) -> None:
        """Shut down every open connection, so that handler threads end promptly."""
        with self._conn_lock:
            conns = list(self._open)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log unexpected handler errors instead of printing them to stderr."""
        logger.exception("error while serving %s", client_address)
