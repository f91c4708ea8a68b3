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
    │   └── ContentTypeError                a body halkit cannot read as JSON
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
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import requests

__all__ = [
    "HalkitError",
    "HalFormatError",
    "LinkNotFoundError",
    "AmbiguousLinkError",
    "TemplateError",
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
    """

    def __init__(self, message: str, *, url: Optional[str] = None, method: Optional[str] = None) -> None:
        self.url = url
        self.method = method
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
    ) -> None:
        self.content_type = content_type
        self.status = status
        super().__init__(message, url=url, method=method)


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


def error_for_status(
    status: int,
    *,
    response: Optional["requests.Response"] = None,
    body: Any = None,
    url: Optional[str] = None,
    method: Optional[str] = None,
) -> HTTPError:
    """Build the :class:`HTTPError` subclass that fits ``status``.

    The message names the method, URL and status, plus the problem's
    ``title``/``detail`` (RFC 9457) or the ``error``/``message`` fields many
    APIs use, when the body has them. It never includes request headers.
    """
    if status in _BY_STATUS:
        cls: type[HTTPError] = _BY_STATUS[status]
    elif 400 <= status < 500:
        cls = ClientError
    else:
        cls = ServerError
    reason = getattr(response, "reason", None) or ""
    msg = f"{method or 'GET'} {url or ''} answered {status} {reason}".rstrip()
    if isinstance(body, Mapping):
        parts = [
            str(body[key])
            for key in ("title", "detail", "error", "message", "error_description")
            if isinstance(body.get(key), (str, int, float))
        ]
        if parts:
            msg += ": " + "; ".join(parts)
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
