"""The emulator's HTTP layer: requests, routing, body and query parsing, answers.

Nothing here knows ChatKitty: the handlers (:mod:`.handlers`) and the HAL
renderer (:mod:`.render`) sit on top of it, and the store (:mod:`.store`)
below knows nothing of HTTP. :func:`error_for` is where the store's domain
errors become statuses.
"""

from __future__ import annotations

import base64
import binascii
import email.message
import email.parser
import json
import re
import time
from http import HTTPStatus
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qs

from ..hal import is_json_media_type, media_type
from .store import Gone, NotFound, Rejected, StoreError, isoformat

__all__ = [
    "HAL_JSON",
    "JSON",
    "MAX_ID_DIGITS",
    "MAX_PARTS",
    "ApiError",
    "Headers",
    "Part",
    "Request",
    "Response",
    "Router",
    "acceptable",
    "bad_request",
    "bool_param",
    "boolean_field",
    "dumps",
    "error_for",
    "error_response",
    "hal_response",
    "int_param",
    "json_object",
    "not_found",
    "parse_multipart",
    "reason",
    "string_field",
]

#: The Content-Type of every HAL answer.
HAL_JSON = "application/hal+json;charset=UTF-8"
#: The Content-Type of error answers.
JSON = "application/json;charset=UTF-8"

#: The most digits an integer in a path or query may have (ids are 64-bit: 19 digits at most).
MAX_ID_DIGITS = 19

#: The most parts a ``multipart/form-data`` body may have.
MAX_PARTS = 1000

#: A finished answer: status, headers, body.
Response = Tuple[int, List[Tuple[str, str]], bytes]

_ACCEPTABLE = frozenset({"*/*", "application/*", "application/json", "application/hal+json"})


class Headers(Dict[str, str]):
    """Request headers keyed by lower-case name; :meth:`get` ignores case."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """The value of header ``key`` (any case), or ``default``."""
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


class ApiError(Exception):
    """An error answer of the API: status, ``error`` code, message and extra headers."""

    def __init__(self, status: int, error: str, message: str, headers: Sequence[Tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = list(headers)


def bad_request(message: str) -> ApiError:
    """A 400 ``ClientError``."""
    return ApiError(400, "ClientError", message)


def not_found(message: str = "Resource not found") -> ApiError:
    """A 404 ``ResourceNotFoundError``."""
    return ApiError(404, "ResourceNotFoundError", message)


def error_for(error: StoreError) -> ApiError:
    """The answer to a domain error of the store.

    410 for :class:`Gone` (the docs' "removed from our servers"), 404 for
    :class:`NotFound`, 400 for :class:`Rejected` and anything else.
    """
    if isinstance(error, Gone):
        return ApiError(410, "ResourceGoneError", str(error))
    if isinstance(error, NotFound):
        return not_found(str(error))
    if isinstance(error, Rejected):
        return bad_request(str(error))
    return bad_request(str(error))


def reason(status: int) -> str:
    """The reason phrase of a status code (``"Unknown"`` for codes outside the registry)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def dumps(document: Any) -> bytes:
    """Serialise a JSON document compactly, as UTF-8."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def hal_response(status: int, document: Any, headers: Sequence[Tuple[str, str]] = ()) -> Response:
    """A HAL answer."""
    return status, [("Content-Type", HAL_JSON), *headers], dumps(document)


def error_response(error: ApiError) -> Response:
    """The answer to an :class:`ApiError`: ``{"error", "message", "timestamp"}``."""
    body = {"error": error.error, "message": error.message, "timestamp": isoformat(time.time())}
    return error.status, [("Content-Type", JSON), *error.headers], dumps(body)


class Request:
    """One request, parsed lazily from a WSGI environ."""

    __slots__ = ("environ", "method", "path", "_query", "_headers", "_body")

    def __init__(self, environ: Dict[str, Any]) -> None:
        self.environ = environ
        #: The method, upper case.
        self.method: str = environ["REQUEST_METHOD"].upper()
        #: The decoded path, without the query string.
        self.path: str = environ.get("PATH_INFO", "") or "/"
        self._query: Optional[Dict[str, List[str]]] = None
        self._headers: Optional[Headers] = None
        self._body: Optional[bytes] = None

    @property
    def query(self) -> Dict[str, List[str]]:
        """The query parameters (blank values kept)."""
        if self._query is None:
            self._query = parse_qs(self.environ.get("QUERY_STRING", ""), keep_blank_values=True)
        return self._query

    @property
    def headers(self) -> Headers:
        """The request headers."""
        if self._headers is None:
            headers = Headers()
            for key, value in self.environ.items():
                if key.startswith("HTTP_"):
                    headers[key[5:].replace("_", "-").lower()] = value
            if self.environ.get("CONTENT_TYPE"):
                headers["content-type"] = self.environ["CONTENT_TYPE"]
            self._headers = headers
        return self._headers

    @property
    def body(self) -> bytes:
        """The request body (read whole by the server already)."""
        if self._body is None:
            stream = self.environ.get("wsgi.input")
            length = self.environ.get("CONTENT_LENGTH") or "0"
            self._body = stream.read(int(length)) if stream is not None and int(length) > 0 else b""
        return self._body

    @property
    def content_type(self) -> str:
        """The media type of the body (lower case, no parameters; ``""`` if none)."""
        return media_type(self.environ.get("CONTENT_TYPE"))

    @property
    def raw_content_type(self) -> str:
        """The ``Content-Type`` header as sent."""
        return str(self.environ.get("CONTENT_TYPE", ""))


class Part:
    """One part of a ``multipart/form-data`` body."""

    __slots__ = ("name", "filename", "content_type", "data")

    def __init__(self, name: str, filename: Optional[str], content_type: str, data: bytes) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.data = data

    @property
    def text(self) -> str:
        """The part as UTF-8 text.

        :raises ApiError: (400) if it is not UTF-8.
        """
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request(f"form field {self.name!r} is not UTF-8 text") from None


def parse_multipart(content_type: str, body: bytes) -> Dict[str, List[Part]]:
    """Parse a ``multipart/form-data`` body (RFC 7578) into its parts, by field name.

    One pass over the body, no nesting (RFC 7578 section 4.3 drops
    ``multipart/mixed`` inside form data: a nested part is kept as bytes), at
    most :data:`MAX_PARTS` parts with at most 8 KiB of headers each, so the
    time and memory it takes grow with the body's size only (the standard
    library's ``email`` parser takes seconds on a few kilobytes of nesting).

    :raises ApiError: (400) if the body is not such a form.
    """
    probe = email.message.Message()
    probe["content-type"] = content_type
    boundary = probe.get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        raise bad_request("multipart/form-data needs a boundary of 1 to 70 characters")
    delimiter = b"\r\n--" + boundary.encode("latin-1", "replace")
    pieces = (b"\r\n" + body).split(delimiter)
    if len(pieces) < 2 or not pieces[-1].startswith(b"--"):
        raise bad_request("malformed multipart/form-data body (no closing boundary)")
    if len(pieces) - 2 > MAX_PARTS:
        raise bad_request(f"a multipart/form-data body may have at most {MAX_PARTS} parts")
    parts: Dict[str, List[Part]] = {}
    for piece in pieces[1:-1]:  # pieces[0]: the preamble; pieces[-1]: "--" and the epilogue
        line_end = piece.find(b"\r\n")
        if line_end < 0 or piece[:line_end].strip(b" \t"):
            raise bad_request("malformed multipart/form-data body (text after a boundary)")
        head_end = piece.find(b"\r\n\r\n", line_end)
        if head_end < 0 and piece.endswith(b"\r\n") and line_end == len(piece) - 2:
            head_end = line_end  # no headers at all
        if head_end < 0 or head_end - line_end > 8192:
            raise bad_request("malformed multipart/form-data body (part headers)")
        headers = email.parser.BytesHeaderParser().parsebytes(piece[line_end + 2 : head_end + 2])
        data = piece[head_end + 4 :]
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        if str(headers.get("content-transfer-encoding", "")).strip().lower() == "base64":
            try:
                data = base64.b64decode(data)
            except (ValueError, binascii.Error):
                raise bad_request(f"form field {name!r} is not valid base64") from None
        filename = headers.get_filename()
        parts.setdefault(name, []).append(
            Part(name, filename if isinstance(filename, str) else None, headers.get_content_type(), data)
        )
    return parts


def acceptable(accept: str) -> bool:
    """Whether an ``Accept`` header admits JSON or HAL (with a non-zero quality)."""
    for media_range in accept.split(","):
        media = media_type(media_range)
        if media not in _ACCEPTABLE:
            continue
        quality = 1.0
        for param in media_range.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False


def int_param(query: Mapping[str, List[str]], name: str, default: Optional[int], minimum: int) -> Optional[int]:
    """An integer query parameter (``default`` when absent or blank).

    :raises ApiError: (400) if it is not an integer, or below ``minimum``.
    """
    values = query.get(name)
    if not values or values[0] == "":
        return default
    text = values[0]
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isdigit() and digits.isascii()):
        raise bad_request(f"query parameter {name!r} must be an integer")
    if len(digits) > MAX_ID_DIGITS:
        raise bad_request(f"query parameter {name!r} is out of range")
    value = int(text)
    if value < minimum:
        raise bad_request(f"query parameter {name!r} must be >= {minimum}")
    return value


def bool_param(query: Mapping[str, List[str]], name: str) -> Optional[bool]:
    """A boolean query parameter (``true``/``1``, ``false``/``0``; ``None`` when absent or blank).

    :raises ApiError: (400) for any other value.
    """
    values = query.get(name)
    if not values or values[0] == "":
        return None
    text = values[0].lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise bad_request(f"query parameter {name!r} must be true or false")


def json_object(request: Request, *, allow_empty: bool = False) -> Dict[str, Any]:
    """The request body as a JSON object.

    :param allow_empty: answer ``{}`` for an empty body instead of refusing it.
    :raises ApiError: (400) for another Content-Type, bad JSON or another JSON value.
    """
    kind = request.content_type
    if kind and not is_json_media_type(kind):
        raise bad_request("Content-Type must be application/json")
    raw = request.body
    if not raw.strip():
        if allow_empty:
            return {}
        raise bad_request("a JSON request body is required")
    try:
        document = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise bad_request("the request body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):  # numbers past Python's digit limit included
        raise bad_request("the request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise bad_request("the request body must be a JSON object")
    return document


def string_field(document: Mapping[str, Any], key: str, *, required: bool) -> Optional[str]:
    """A non-blank string member of a JSON body (``None`` when absent and not required).

    :raises ApiError: (400) if it is missing but required, or not a non-blank string.
    """
    value = document.get(key)
    if value is None:
        if required:
            raise bad_request(f"'{key}' is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"'{key}' must be a non-blank string")
    return value


def boolean_field(document: Mapping[str, Any], key: str) -> Optional[bool]:
    """A boolean member of a JSON body (``None`` when absent).

    :raises ApiError: (400) if it is not a boolean.
    """
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise bad_request(f"'{key}' must be a boolean")
    return value


#: A route's handler: called with the request, then the route's path parameters.
Handler = Callable[..., Response]


class Router:
    """Routes (a regular expression over the whole path) to handlers by method.

    ``HEAD`` is served by the ``GET`` handler wherever there is one (and no
    ``HEAD`` handler of its own); a path
    that matches with another method is a 405 with an ``Allow`` header; no
    match is a 404. Named groups become integer keyword arguments.
    """

    def __init__(self, table: Sequence[Tuple[str, Mapping[str, Handler]]] = ()) -> None:
        self._routes: List[Tuple["re.Pattern[str]", Dict[str, Handler]]] = []
        for pattern, handlers in table:
            self.add(pattern, handlers)

    def add(self, pattern: str, handlers: Mapping[str, Handler]) -> None:
        """Add a route: ``pattern`` must match the whole path."""
        self._routes.append((re.compile(pattern + "$"), dict(handlers)))

    def resolve(self, method: str, path: str) -> Tuple[Handler, Dict[str, str]]:
        """The handler for this request and the path parameters (as matched text).

        :raises ApiError: 404 when no route matches, 405 when the method does not.
        """
        for pattern, handlers in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            handler = handlers.get(method)
            if handler is None and method == "HEAD":
                handler = handlers.get("GET")
            if handler is None:
                allowed = sorted(handlers)
                if "GET" in handlers and "HEAD" not in handlers:
                    allowed.append("HEAD")
                raise method_not_allowed(method, allowed)
            return handler, match.groupdict()
        raise not_found()


def method_not_allowed(method: str, allowed: Sequence[str]) -> ApiError:
    """A 405 ``MethodNotAllowedError`` with its ``Allow`` header."""
    return ApiError(
        405, "MethodNotAllowedError", f"Request method '{method}' not supported", [("Allow", ", ".join(allowed))]
    )
