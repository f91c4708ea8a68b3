"""The transport seam: :class:`Request` (what to send) and :class:`Transport` (who sends it)."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Protocol, Tuple, Union, runtime_checkable

import requests

__all__ = ["Request", "TimeoutLike", "Transport"]

#: A timeout as requests takes it: seconds, a ``(connect, read)`` tuple, or ``None``.
TimeoutLike = Union[float, Tuple[Optional[float], Optional[float]], None]

#: The largest body read by default, in bytes after decompression (32 MiB).
DEFAULT_MAX_BODY_SIZE = 32 * 1024 * 1024


class Request:
    """One request for a :class:`Transport`: a small value, built by :meth:`halkit.Client.request`.

    :param method: the HTTP method, upper-case.
    :param url: the absolute URL.
    :param headers: the request's own headers, merged over the session's as
        requests merges them (a ``None`` value removes a session header).
    :param body: the encoded body (``bytes``; e.g. JSON already serialised), or ``None``.
    :param data: anything requests takes as ``data`` (a form dict, a string,
        a file); used when ``body`` is ``None``.
    :param files: anything requests takes as ``files`` (a multipart upload).
    :param params: query parameters to add to the URL.
    :param auth: a requests auth (a callable taking a :class:`requests.PreparedRequest`).
    :param timeout: seconds, or a ``(connect, read)`` tuple, per connect and per read.
    :param max_body_size: the largest body read, in bytes after decompression;
        every body read on this call's behalf counts against it (redirect
        hops, a 401 drained before a token renewal, the final answer).
    :param deadline: the most seconds the whole call may take (connect,
        every read, redirects and retries together), or ``None`` for no
        total bound.
    """

    __slots__ = ("method", "url", "headers", "body", "data", "files", "params", "auth", "timeout",
                 "max_body_size", "deadline")

    def __init__(
        self,
        method: str,
        url: str,
        *,
        headers: Optional[Mapping[str, Optional[str]]] = None,
        body: Optional[bytes] = None,
        data: Any = None,
        files: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        auth: Any = None,
        timeout: TimeoutLike = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        deadline: Optional[float] = None,
    ) -> None:
        self.method = method
        self.url = url
        self.headers: Mapping[str, Optional[str]] = headers if headers is not None else {}
        self.body = body
        self.data = data
        self.files = files
        self.params = params
        self.auth = auth
        self.timeout = timeout
        self.max_body_size = max_body_size
        self.deadline = deadline

    def __repr__(self) -> str:
        # never the headers, the body or the auth: they may hold secrets
        return f"<halkit.transport.Request {self.method} {_redacted(self.url)}>"


def _redacted(url: str) -> str:
    """``url`` without a password in its userinfo."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{tail}"


@runtime_checkable
class Transport(Protocol):
    """What :class:`halkit.Client` sends its requests through (``Client(transport=...)``).

    Implementations: :class:`~halkit.transport.SessionTransport` (the
    default: requests' own path, or the fast path when nothing would
    notice), :class:`~halkit.transport.RequestsTransport` (always
    ``Session.send``), :class:`~halkit.transport.Urllib3Transport` (the fast
    path alone) and :class:`~halkit.transport.MockTransport` (in memory, for tests).
    """

    def send(self, request: Request) -> requests.Response:
        """Send ``request``; return the response with its body read (any status).

        :param request: what to send.
        :returns: the final response (after redirects), its body read and capped.
        :raises halkit.ResponseTooLargeError: a body over ``request.max_body_size``.
        :raises halkit.TransportError: connection errors, timeouts, a passed deadline.
        :raises halkit.UnsafeURLError: an invalid URL.
        :raises halkit.RequestError: a request that cannot be prepared (an invalid header...).
        """
        ...

    def close(self) -> None:
        """Release what the transport holds (pools, decisions)."""
        ...
