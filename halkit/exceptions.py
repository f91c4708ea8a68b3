"""Every exception and warning halkit raises.

One root, :class:`HalkitError`, so a caller can catch everything halkit raises
with a single ``except``. Built-in mix-ins (``KeyError``, ``ValueError``...)
keep idiomatic ``except`` clauses working too.

::

    HalkitError
    ├── HalFormatError (ValueError)         malformed HAL / JSON document
    ├── LinkNotFoundError (KeyError)        no such rel / name / index
    ├── AmbiguousLinkError (LookupError)    several links and no selector
    ├── TemplateError (ValueError)          malformed RFC 6570 template
    │   └── UnknownVariableError (TypeError)  a variable the link's template does not declare
    ├── UnsafeURLError (ValueError)         scheme other than http(s)
    ├── EmulatorError                       the emulator cannot start, or is misused
    ├── FormError (ValueError)              HAL-FORMS values that the template refuses
    ├── ProfileError                        anything about a profile
    │   ├── InvalidProfileError             a broken profile (names the file and JSON pointer)
    │   ├── ProfileNotFoundError (LookupError)
    │   └── ProfileViolationError           a document or request breaks the profile (strict mode)
    ├── AuthError                           token endpoint errors, rejected credentials
    ├── RequestError                        nothing usable came back
    │   ├── TransportError                  connection errors, timeouts
    │   │   ├── ConnectError
    │   │   └── TimeoutError
    │   ├── TooManyRedirectsError           redirect loops
    │   ├── ResponseTooLargeError           body over the configured cap
    │   ├── ContentTypeError                a body halkit cannot read as JSON
    │   └── WriteSucceededError             a write succeeded (2xx) but its answer is unreadable
    └── HTTPError                           a 4xx or 5xx answer
        ├── ClientError (4xx)
        │   ├── UnauthorizedError (401, also an AuthError)
        │   ├── ForbiddenError (403)
        │   ├── NotFoundError (404)
        │   ├── MethodNotAllowedError (405)
        │   └── RateLimitedError (429)
        └── ServerError (5xx)

    HalkitWarning (UserWarning)
    ├── DeprecatedLinkWarning      following a link that carries ``deprecation``
    ├── DeprecationHeaderWarning   a response with ``Deprecation`` / ``Sunset`` headers
    ├── CompatibilityWarning       lenient parsing tolerated a deviation from the spec
    └── ProfileWarning             violations found in ``validation="warn"`` mode
"""

from __future__ import annotations

import builtins
import re
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping, Optional, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import requests

__all__ = [
    "HalkitError",
    "HalFormatError",
    "LinkNotFoundError",
    "AmbiguousLinkError",
    "TemplateError",
    "UnknownVariableError",
    "UnsafeURLError",
    "FormError",
    "EmulatorError",
    "ProfileError",
    "InvalidProfileError",
    "ProfileNotFoundError",
    "ProfileViolationError",
    "AuthError",
    "RequestError",
    "TransportError",
    "ConnectError",
    "TimeoutError",
    "TooManyRedirectsError",
    "ResponseTooLargeError",
    "ContentTypeError",
    "WriteSucceededError",
    "HTTPError",
    "ClientError",
    "UnauthorizedError",
    "ForbiddenError",
    "NotFoundError",
    "MethodNotAllowedError",
    "RateLimitedError",
    "ServerError",
    "HalkitWarning",
    "DeprecatedLinkWarning",
    "DeprecationHeaderWarning",
    "CompatibilityWarning",
    "ProfileWarning",
    "error_for_status",
    "server_words",
    "MAX_SERVER_WORDS",
]


class HalkitError(Exception):
    """The root of every exception halkit raises."""


class HalFormatError(HalkitError, ValueError):
    """A document is not valid HAL (or not valid JSON).

    :ivar pointer: the JSON pointer (RFC 6901) of the offending value, ``""``
        for the whole document.
    """

    #: The HTTP response the document came in, when it came over HTTP.
    response: Optional["requests.Response"] = None

    def __init__(self, message: str, pointer: str = "") -> None:
        self.pointer = pointer
        self.message = message
        where = pointer if pointer else "(document root)"
        super().__init__(f"{message} at {where}")


class LinkNotFoundError(HalkitError, KeyError):
    """A resource has no link (or embedded resource) for the requested rel.

    :ivar rel: the rel asked for.
    :ivar available: the rels the resource does have, sorted.
    """

    def __init__(self, rel: str, available: Iterable[str] = (), detail: str = "") -> None:
        self.rel = rel
        self.available = sorted(available)
        msg = detail or f"no link with rel {rel!r}"
        if self.available:
            msg += "; available rels: " + ", ".join(self.available)
        else:
            msg += "; the resource has no links"
        self.message = msg
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class AmbiguousLinkError(HalkitError, LookupError):
    """A rel holds several links and no ``name=`` or ``index=`` selected one."""


class TemplateError(HalkitError, ValueError):
    """A URI template (RFC 6570) is malformed or cannot be expanded with the given values."""


class UnknownVariableError(TemplateError, TypeError):
    """Variables given for a link whose template does not declare them (nothing was sent).

    Also a :class:`TypeError`: like an unexpected keyword argument.

    :ivar rel: the link's rel.
    :ivar unknown: the names given that the template does not declare, sorted.
    :ivar declared: the template's variables, in order (empty for a plain link).
    """

    def __init__(self, rel: str, href: str, unknown: Iterable[str], declared: Sequence[str]) -> None:
        self.rel = rel
        self.unknown = sorted(unknown)
        self.declared = list(declared)
        if declared:
            msg = (
                f"link {rel!r} ({href}) has no variable {', '.join(map(repr, self.unknown))}; "
                f"its template declares {', '.join(map(repr, self.declared))}; nothing was sent"
            )
        else:
            msg = (
                f"link {rel!r} ({href}) is not templated, so it takes no variables "
                f"({', '.join(map(repr, self.unknown))} given); nothing was sent "
                "(query parameters go in params=)"
            )
        super().__init__(msg)


class UnsafeURLError(HalkitError, ValueError):
    """A URL with a scheme other than ``http`` or ``https``; refused before any I/O."""


class FormError(HalkitError, ValueError):
    """Values submitted to a HAL-FORMS template break its rules (required, regex, readOnly...)."""


class EmulatorError(HalkitError):
    """The built-in emulator cannot start (port busy...) or is misconfigured or misused."""


class ProfileError(HalkitError):
    """A profile is broken or unknown, or (strict mode) a resource violates it.

    Raised as one of its subclasses, :class:`InvalidProfileError`,
    :class:`ProfileNotFoundError` or :class:`ProfileViolationError`, except for a
    misuse of a sound profile (an unknown type or environment, an unknown
    validation mode).

    :ivar violations: the violations found, when the error is about a document.
    """

    #: The resource that broke the profile (strict mode), so nothing fetched is lost.
    resource: Any = None
    #: The HTTP response the resource came in, when it came over HTTP.
    response: Optional["requests.Response"] = None

    def __init__(self, message: str, violations: Sequence[Any] = ()) -> None:
        self.violations = list(violations)
        super().__init__(message)


class InvalidProfileError(ProfileError):
    """A profile is broken: its manifest or a schema file is not what halkit needs.

    :ivar file: the file at fault (as the message names it), when known.
    :ivar pointer: the JSON pointer (RFC 6901) of the first problem in that
        file, when known (``""`` for the whole file).
    :ivar problems: every problem, as ``"at <pointer>: <text>"`` lines.
    """

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        pointer: Optional[str] = None,
        problems: Sequence[str] = (),
    ) -> None:
        self.file = file
        self.pointer = pointer
        self.problems = list(problems)
        super().__init__(message)


class ProfileNotFoundError(ProfileError, LookupError):
    """No installed profile has the requested name."""


class ProfileViolationError(ProfileError):
    """A document violates its profile, or a request would (strict mode).

    :ivar violations: the violations, each with a JSON pointer and a rule code
        (``method`` for a method the profile does not document for a rel).
    :ivar resource: the resource that broke the profile, when there is one.
    """

    def __init__(self, message: str, violations: Sequence[Any] = (), *, resource: Any = None) -> None:
        super().__init__(message, violations)
        self.resource = resource


class AuthError(HalkitError):
    """Authentication failed: the token endpoint refused, or the API rejected the credentials.

    :ivar error: the OAuth 2.0 error code (RFC 6749 section 5.2), when there is one.
    :ivar description: the ``error_description``, when there is one.
    """

    def __init__(
        self, message: str, *, error: Optional[str] = None, description: Optional[str] = None
    ) -> None:
        self.error = error
        self.description = description
        super().__init__(message)


class RequestError(HalkitError):
    """A request did not produce a usable response.

    :ivar url: the URL of the request.
    :ivar method: the HTTP method.
    :ivar response: the :class:`requests.Response`, when one came back.
    """

    def __init__(
        self,
        message: str,
        *,
        url: Optional[str] = None,
        method: Optional[str] = None,
        response: Optional["requests.Response"] = None,
    ) -> None:
        self.url = url
        self.method = method
        self.response = response
        super().__init__(message)


class TransportError(RequestError):
    """The connection failed or timed out; ``__cause__`` holds the underlying error."""


class ConnectError(TransportError):
    """The connection could not be made, or was dropped."""


class TimeoutError(TransportError, builtins.TimeoutError):  # noqa: A001
    """The server did not answer within the timeout."""


class TooManyRedirectsError(RequestError):
    """Redirects looped, or exceeded the limit."""


class ResponseTooLargeError(RequestError):
    """A response body is larger than the client's ``max_body_size``.

    :ivar limit: the cap in bytes.
    """

    def __init__(self, message: str, *, limit: int, url: Optional[str] = None, method: Optional[str] = None) -> None:
        self.limit = limit
        super().__init__(message, url=url, method=method)


class ContentTypeError(RequestError):
    """A response body is not JSON (wrong Content-Type, empty, truncated, invalid).

    :ivar content_type: the Content-Type the server sent, if any.
    :ivar status: the HTTP status code.
    """

    def __init__(
        self,
        message: str,
        *,
        content_type: Optional[str] = None,
        status: Optional[int] = None,
        url: Optional[str] = None,
        method: Optional[str] = None,
        response: Optional["requests.Response"] = None,
    ) -> None:
        self.content_type = content_type
        self.status = status
        super().__init__(message, url=url, method=method, response=response)


class WriteSucceededError(RequestError):
    """A write (POST, PUT, PATCH, DELETE) succeeded, but its answer cannot be read.

    The server said 2xx: the change was made, so do **not** retry it blindly.
    The body was not a resource halkit can read and there was no ``Location``
    to fetch instead; ``__cause__`` says what was wrong with the body.

    :ivar status: the (successful) status code.
    :ivar location: the ``Location`` header, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        location: Optional[str] = None,
        url: Optional[str] = None,
        method: Optional[str] = None,
        response: Optional["requests.Response"] = None,
    ) -> None:
        self.status = status
        self.location = location
        super().__init__(message, url=url, method=method, response=response)


class HTTPError(HalkitError):
    """The server answered with a 4xx or 5xx status.

    :ivar status: the status code.
    :ivar response: the :class:`requests.Response`.
    :ivar body: the parsed JSON body, or ``None`` if it was not JSON.
    :ivar url: the request URL; :ivar method: the request method.
    :ivar problem_type, title, detail, instance: RFC 9457 problem details fields
        (``None`` when absent).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        response: Optional["requests.Response"] = None,
        body: Any = None,
        url: Optional[str] = None,
        method: Optional[str] = None,
    ) -> None:
        self.status = status
        self.response = response
        self.body = body
        self.url = url
        self.method = method
        problem: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
        self.problem_type: Optional[str] = _str_or_none(problem.get("type"))
        self.title: Optional[str] = _str_or_none(problem.get("title"))
        self.detail: Optional[str] = _str_or_none(problem.get("detail"))
        self.instance: Optional[str] = _str_or_none(problem.get("instance"))
        super().__init__(message)

    @property
    def status_code(self) -> int:
        """Alias of :attr:`status`, as in requests."""
        return self.status


class ClientError(HTTPError):
    """A 4xx answer."""


class UnauthorizedError(ClientError, AuthError):
    """A 401 answer (after the one retry with a fresh token, when there is a token source)."""


class ForbiddenError(ClientError):
    """A 403 answer."""


class NotFoundError(ClientError, LookupError):
    """A 404 answer."""


class MethodNotAllowedError(ClientError):
    """A 405 answer."""


class RateLimitedError(ClientError):
    """A 429 answer (once retries, if any, are exhausted).

    :ivar retry_after: the ``Retry-After`` header value, if any.
    """

    @property
    def retry_after(self) -> Optional[str]:
        """The raw ``Retry-After`` header, if the server sent one."""
        if self.response is None:
            return None
        return self.response.headers.get("Retry-After")


class ServerError(HTTPError):
    """A 5xx answer."""


_BY_STATUS = {
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    429: RateLimitedError,
}


def _str_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


#: The most characters of the server's own words put in a message.
MAX_SERVER_WORDS = 300

_SECRET_KEYS = ("password", "secret", "token", "authorization", "api_key", "apikey", "credential", "cookie")
_SECRET_VALUES = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}")


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_KEYS)


def _text(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _messages(value: Any, depth: int = 0) -> List[str]:
    """Messages in an error value: a string, a list of them, or objects with a message."""
    if depth > 3:
        return []
    text = _text(value)
    if text is not None:
        return [text]
    if isinstance(value, list):
        return [m for item in value[:10] for m in _messages(item, depth + 1)]
    if isinstance(value, Mapping):
        field = _text(value.get("field")) or _text(value.get("pointer")) or _text(value.get("name"))
        for key in ("message", "defaultMessage", "detail", "reason", "description", "msg", "title"):
            text = _text(value.get(key))
            if text is not None:
                return [f"{field}: {text}" if field else text]
        return _field_errors(value, depth + 1)
    return []


def _field_errors(body: Mapping[str, Any], depth: int = 0) -> List[str]:
    """``{"name": ["This field is required."]}`` (DRF, Eve ``_issues``) as ``name: This field is required.``."""
    out = []
    for key, value in list(body.items())[:10]:
        if not isinstance(key, str) or _is_secret_key(key):
            continue
        if key in ("_links", "_embedded") and isinstance(value, Mapping):
            out.extend(_field_errors(value, depth + 1))  # drf-hal-json puts link fields' errors here
            continue
        messages = _messages(value, depth + 1)
        if messages:
            label = "" if key in ("non_field_errors", "__all__") else f"{key}: "
            out.append(label + " ".join(messages))
    return out


def server_words(body: Any) -> Optional[str]:
    """What the server said about an error, from the common shapes of error bodies.

    RFC 9457 problem details (``title``, ``detail``, ``errors``), ``message``,
    ``error``/``error_description`` (OAuth 2.0), Django REST framework's field
    errors, Eve's ``_error`` and ``_issues``, Spring's ``errors``; cut to
    :data:`MAX_SERVER_WORDS` characters, with anything that looks like a
    credential left out.

    :param body: the decoded JSON body of an error response (or a string).
    :returns: one line, or ``None`` when the body says nothing usable.
    """
    parts: List[str] = []
    if isinstance(body, Mapping):
        for key in ("title", "detail"):  # RFC 9457: strings (a list there is a field's errors)
            text = _text(body.get(key))
            if text is not None:
                parts.append(text)
        for key in ("message", "error", "error_description"):
            parts.extend(m for m in _messages(body.get(key)) if m not in parts)
        eve = body.get("_error")
        if eve is not None:
            parts.extend(_messages(eve))
        for key in ("_issues", "errors", "invalid-params", "invalid_params"):
            value = body.get(key)
            if isinstance(value, Mapping):
                parts.extend(_field_errors(value))
            elif isinstance(value, list):
                parts.extend(_messages(value))
        if not parts:
            reserved = {"type", "status", "instance", "timestamp", "path", "code", "_status"}
            parts = _field_errors({k: v for k, v in body.items() if k not in reserved})
    elif isinstance(body, list):
        parts = _messages(body)
    else:
        text = _text(body)
        parts = [text] if text else []
    if not parts:
        return None
    words = "; ".join(dict.fromkeys(parts))
    words = _SECRET_VALUES.sub(lambda m: f"{m.group(1)} [redacted]", " ".join(words.split()))
    if len(words) > MAX_SERVER_WORDS:
        words = words[: MAX_SERVER_WORDS - 1].rstrip() + "…"
    return words


#: What to change when a server refuses the media types halkit sent.
_HINTS = {
    406: "the server cannot answer in the media types of the Accept header; "
         "pass accept= to halkit.Client (e.g. accept='application/hal+json')",
    415: "the server refuses the request body's Content-Type; "
         "pass content_type= to halkit.Client (e.g. content_type='application/hal+json')",
}


def error_for_status(
    status: int,
    *,
    response: Optional["requests.Response"] = None,
    body: Any = None,
    url: Optional[str] = None,
    method: Optional[str] = None,
) -> HTTPError:
    """Build the :class:`HTTPError` subclass that fits ``status``.

    The message names the method, URL and status, plus the server's own words
    (see :func:`server_words`), and, for 406 and 415, the client option to
    change. It never includes request headers.
    """
    if status in _BY_STATUS:
        cls: type[HTTPError] = _BY_STATUS[status]
    elif 400 <= status < 500:
        cls = ClientError
    else:
        cls = ServerError
    reason = getattr(response, "reason", None) or ""
    msg = f"{method or 'GET'} {url or ''} answered {status} {reason}".rstrip()
    words = server_words(body)
    if words:
        msg += ": " + words
    if status in _HINTS:
        msg += f" ({_HINTS[status]})"
    return cls(msg, status=status, response=response, body=body, url=url, method=method)


class HalkitWarning(UserWarning):
    """The root of halkit's warning categories."""


class DeprecatedLinkWarning(HalkitWarning):
    """A followed link carries a ``deprecation`` attribute (warned once per link)."""


class DeprecationHeaderWarning(HalkitWarning):
    """A response carried ``Deprecation`` (RFC 9745) or ``Sunset`` (RFC 8594) headers."""


class CompatibilityWarning(HalkitWarning):
    """Lenient parsing accepted a deviation from the HAL spec (reported once per kind)."""


class ProfileWarning(HalkitWarning):
    """A resource violates its profile (``validation="warn"``)."""
