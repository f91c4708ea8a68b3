"""Exit statuses, and one human line (with a hint) for each error that stops a command.

===== ===========================================================================
code  meaning
===== ===========================================================================
0     all good
1     the contract is broken: violations, a link answering an error, a body
      that is not HAL, an error answer to ``get``
2     usage error: bad options, an unknown profile, unreadable input files
3     the API could not be reached (connection, TLS, timeout, 5xx at the entry
      point) or authentication failed (token endpoint refused, 401, 403)
130   interrupted (Ctrl-C), after writing the partial report
===== ===========================================================================
"""

from __future__ import annotations

import errno
import socket
import ssl
from typing import Optional, Tuple

from .. import exceptions as exc_mod
from .terminal import clean

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "EXIT_VIOLATIONS",
    "describe",
    "exit_code",
]

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
#: The former name of :data:`EXIT_UNREACHABLE`.
EXIT_ERROR = EXIT_UNREACHABLE
EXIT_INTERRUPTED = 130


def exit_code(error: BaseException) -> int:
    """The exit status for an error that stopped a command.

    :param error: the exception.
    """
    from .connect import UsageError

    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, (UsageError, exc_mod.ProfileError, exc_mod.TemplateError, exc_mod.UnsafeURLError,
                          exc_mod.LinkNotFoundError, exc_mod.AmbiguousLinkError, exc_mod.FormError)):
        return EXIT_USAGE
    if isinstance(error, (exc_mod.AuthError, exc_mod.TransportError, exc_mod.ForbiddenError,
                          exc_mod.EmulatorError, exc_mod.ServerError, exc_mod.TooManyRedirectsError)):
        return EXIT_UNREACHABLE
    if isinstance(error, exc_mod.HalkitError):
        return EXIT_VIOLATIONS
    return EXIT_UNREACHABLE


def _reason(error: BaseException) -> Optional[str]:
    """The first low-level cause (refused, no such host, certificate...) in words, if any."""
    seen = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed ({current.verify_message})"
        if isinstance(current, ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(current, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(current, ConnectionRefusedError) or getattr(current, "errno", None) == errno.ECONNREFUSED:
            return "connection refused"
        if isinstance(current, ConnectionResetError):
            return "the connection was reset"
        if isinstance(current, (socket.timeout, TimeoutError)) and not isinstance(current, exc_mod.HalkitError):
            return "timed out"
        for attr in ("reason", "__cause__", "__context__"):
            nested = getattr(current, attr, None)
            if isinstance(nested, BaseException):
                stack.append(nested)
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException):
                stack.append(arg)
    return None


def _where(url: Optional[str]) -> str:
    if not url:
        return "the API"
    from .. import urls

    try:
        scheme, host, port = urls.origin(url)
    except exc_mod.HalkitError:
        return "the API"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")


def describe(error: BaseException, *, token_url: Optional[str] = None, api_url: Optional[str] = None) -> str:
    """One line for a person: what went wrong, and the option that fixes it when there is one.

    Never includes urllib3's or requests' own text, nor any secret.

    :param error: the exception.
    :param token_url: the token endpoint in use, for authentication hints.
    :param api_url: the API's entry URL.
    """
    text, hint = _describe(error, token_url=token_url, api_url=api_url)
    line = " ".join(clean(text).split())
    return f"{line} (hint: {clean(hint)})" if hint else line


def _describe(error: BaseException, *, token_url: Optional[str], api_url: Optional[str]) -> Tuple[str, Optional[str]]:
    if isinstance(error, exc_mod.TimeoutError):
        return f"{_where(error.url or api_url)} did not answer in time", "raise --timeout"
    if isinstance(error, exc_mod.TransportError):
        reason = _reason(error) or "the connection failed"
        hint: Optional[str] = None
        if reason.startswith("TLS"):
            hint = "check the URL's scheme and the server's certificate"
        elif reason == "connection refused":
            hint = "is the API running, and is the URL's port right?"
        return f"cannot reach {_where(error.url or api_url)}: {reason}", hint
    if isinstance(error, exc_mod.UnauthorizedError):
        return f"authentication failed: {_where(error.url)} answered 401 Unauthorized", "check --token or the client credentials"
    if isinstance(error, exc_mod.ForbiddenError):
        return f"access denied: {_where(error.url)} answered 403 Forbidden to {error.method or 'GET'} {error.url}", None
    if isinstance(error, exc_mod.AuthError):
        what = error.error or "refused"
        where = f" at {_where(token_url)}" if token_url else ""
        hint = None
        if token_url and api_url and _where(token_url) != _where(api_url):
            hint = f"the credentials went to {_where(token_url)}; pass --token-url for a local or staging API"
        detail = f": {error.description}" if error.description else ""
        message = f"authentication failed: the token endpoint{where} said {what}{detail}"
        if error.error is None:
            message = f"authentication failed: {error}"
        return message, hint
    if isinstance(error, exc_mod.HTTPError):
        status = error.status
        reason = getattr(error.response, "reason", None) or ""
        text = f"{error.method or 'GET'} {error.url} answered {status} {reason}".rstrip()
        problem = error.detail or error.title
        if problem:
            text += f": {problem}"
        hint = None
        if status == 415:
            accepted = None
            if error.response is not None:
                headers = error.response.headers
                accepted = headers.get("Accept-Post") or headers.get("Accept-Patch")
            hint = f"send the body as {accepted} with --content-type" if accepted else (
                "pass --content-type with the media type the server accepts"
            )
        elif status == 405:
            hint = "the profile or the link's methods say which methods this resource takes (halkit get lists them)"
        return text, hint
    if isinstance(error, exc_mod.HalkitError):
        return str(error), None
    if isinstance(error, OSError):
        return f"{getattr(error, 'filename', None) or ''}: {error.strerror or error}".lstrip(": "), None
    return f"{type(error).__name__}: {error}", None
