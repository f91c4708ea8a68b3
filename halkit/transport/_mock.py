"""An in-memory transport for tests: no sockets, a function answers every request."""

from __future__ import annotations

import io
import json as _json
import threading
from http import HTTPStatus
from typing import Any, Callable, List, Mapping, Optional, Union

import requests
from requests.structures import CaseInsensitiveDict

from ..exceptions import ResponseTooLargeError
from ._base import Request

__all__ = ["MockTransport", "make_response"]

#: What a :class:`MockTransport` handler may return.
Answer = Union[requests.Response, "tuple[int, Mapping[str, str], Any]"]


def make_response(
    request: Request,
    status: int = 200,
    *,
    json: Any = None,
    content: Union[bytes, str, None] = None,
    headers: Optional[Mapping[str, str]] = None,
) -> requests.Response:
    """A :class:`requests.Response` to ``request``, its body read, as a transport returns it.

    :param request: the request answered.
    :param status: the status code.
    :param json: a JSON body (sent as ``application/hal+json`` unless ``headers`` say otherwise).
    :param content: a raw body, when ``json`` is not given.
    :param headers: response headers.
    :returns: the response.
    """
    hdrs: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers or {})
    if json is not None:
        body = _json.dumps(json).encode("utf-8")
        hdrs.setdefault("Content-Type", "application/hal+json")
    elif isinstance(content, str):
        body = content.encode("utf-8")
    else:
        body = content or b""
    response = requests.Response()
    response.status_code = status
    response.headers = hdrs
    response.url = request.url
    try:
        response.reason = HTTPStatus(status).phrase
    except ValueError:
        response.reason = ""
    prepared = requests.PreparedRequest()
    prepared.method = request.method
    prepared.url = request.url
    prepared.headers = CaseInsensitiveDict({k: v for k, v in request.headers.items() if v is not None})
    prepared.body = request.body
    response.request = prepared
    response.raw = io.BytesIO(body)
    response.content  # noqa: B018 - read the body the public way (from raw)
    return response


class MockTransport:
    """A transport whose answers come from ``handler(request)``: for tests, with no sockets.

    The handler gets the :class:`~halkit.transport.Request` and returns a
    :class:`requests.Response` (e.g. from :func:`make_response`) or a
    ``(status, headers, body)`` tuple, where a ``dict`` or ``list`` body is
    sent as JSON. Every request is kept in :attr:`requests`, in order.

    Example::

        def handler(request):
            return 200, {}, {"_links": {"self": {"href": request.url}}}

        client = halkit.Client("https://api.example.com/", transport=MockTransport(handler))

    :param handler: the function answering each request.
    """

    def __init__(self, handler: Callable[[Request], Any]) -> None:
        self.handler = handler
        #: The requests sent, in order.
        self.requests: List[Request] = []
        self._lock = threading.Lock()
        #: Whether :meth:`close` was called.
        self.closed = False

    def __repr__(self) -> str:
        return f"<halkit.transport.MockTransport requests={len(self.requests)}>"

    def send(self, request: Request) -> requests.Response:
        """Answer ``request`` with the handler (the body cap applies as on a real transport).

        :param request: the request.
        :returns: the handler's response.
        :raises halkit.ResponseTooLargeError: the body is over ``request.max_body_size``.
        """
        with self._lock:
            self.requests.append(request)
        answer = self.handler(request)
        if isinstance(answer, requests.Response):
            response = answer
        else:
            status, headers, body = answer
            if isinstance(body, (dict, list)):
                response = make_response(request, status, json=body, headers=headers)
            else:
                response = make_response(request, status, content=body, headers=headers)
        content = response.content
        if content is not None and len(content) > request.max_body_size:
            raise ResponseTooLargeError(
                f"{request.method} {request.url}: body over the limit of {request.max_body_size} bytes",
                limit=request.max_body_size, url=request.url, method=request.method,
            )
        return response

    def close(self) -> None:
        """Mark the transport closed (nothing to release)."""
        self.closed = True
