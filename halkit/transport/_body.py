"""Reading bodies under a cap and a deadline: the final answer, and everything read on its way.

One cap holds for every body read on a call's behalf: the final answer
(:func:`read_body`), and what requests or an auth read for it (a redirect
hop's body in ``Session.resolve_redirects``, a 401 drained before a token
renewal or a Digest answer), which go through :class:`CappedRaw`, put in
place by :func:`cap_hook` before any other response hook runs. The count is
of bytes after decompression; ``Content-Length`` only lets a body be refused
early, never lets a read run unbounded (a ``Content-Length`` beside a
``Transfer-Encoding: chunked`` is ignored, as HTTP says).
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterator, List, Optional

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import HTTPResponse

from ..exceptions import ResponseTooLargeError, TimeoutError
from ..urls import origin_of

__all__ = ["CappedRaw", "cap_hook", "has_body", "read_body", "set_content"]

_CHUNK = 65536


def has_body(method: Optional[str], status: int) -> bool:
    """Whether an answer to ``method`` with ``status`` can have a body (RFC 9110 section 6.4.1)."""
    return method != "HEAD" and status >= 200 and status not in (204, 304)


def set_content(response: requests.Response, content: bytes) -> None:
    """Give ``response`` the body read for it.

    requests has no public way to hand a :class:`requests.Response` a body
    that was read elsewhere (``Response.content`` reads ``raw`` itself, in
    10 KiB chunks, uncapped and without a deadline): this is the one place
    that sets its private ``_content`` and ``_content_consumed``.
    """
    response._content = content
    response._content_consumed = True  # type: ignore[attr-defined]


def already_read(response: requests.Response) -> bool:
    """Whether something (a hook, an adapter) has already read the body (requests' private flag)."""
    return bool(getattr(response, "_content_consumed", False))


def _too_large(method: str, url: str, limit: int, what: str = "body") -> ResponseTooLargeError:
    return ResponseTooLargeError(f"{method} {url}: {what} over the limit of {limit} bytes (after decompression)",
                                 limit=limit, url=url, method=method)


def _timed_out(method: str, url: str) -> TimeoutError:
    return TimeoutError(f"{method} {url}: the call's total deadline passed", url=url, method=method)


def _declared_too_large(response: requests.Response, limit: int) -> Optional[str]:
    """The Content-Length, when it alone shows the body is over ``limit`` (never when chunked)."""
    headers = response.headers
    length = headers.get("Content-Length")
    if length is None or "Transfer-Encoding" in headers or not length.isdigit() or int(length) <= limit:
        return None
    return length


def read_body(response: requests.Response, limit: int, deadline: Optional[float], method: str, url: str,
              *, direct: bool = False) -> None:
    """Read the body of ``response`` into it, refusing more than ``limit`` bytes or a passed ``deadline``.

    :param direct: ``raw`` is urllib3's own response, as the stock adapter
        makes it (nothing wraps its file): read it one socket read at a time,
        checking the deadline after each (a server dripping one byte at a
        time cannot hold the call past its deadline). Otherwise it is read
        through ``raw.stream`` (which cachecontrol's file wrapper and the
        test doubles' bodies need).
    :raises halkit.ResponseTooLargeError: the body is over the cap.
    :raises halkit.TimeoutError: the deadline passed while reading.
    """
    if already_read(response):
        content = response.content
        if content is not None and len(content) > limit:
            raise _too_large(method, url, limit)
        return
    raw = response.raw
    if not has_body(getattr(response.request, "method", method), response.status_code):
        if raw is not None and hasattr(raw, "read"):
            raw.read()  # nothing to read (http.client knows): urllib3 releases the connection
        set_content(response, b"")
        return
    if _declared_too_large(response, limit) is not None:
        response.close()
        raise _too_large(method, url, limit, f"Content-Length {response.headers['Content-Length']}")
    if raw is None or not hasattr(raw, "read"):
        content = response.content
        if content is not None and len(content) > limit:
            raise _too_large(method, url, limit)
        return
    if isinstance(raw, CappedRaw):
        raw = raw.raw
    chunks: List[bytes] = []
    total = 0
    if direct or (type(raw) is HTTPResponse and type(getattr(response, "connection", None)) is HTTPAdapter):
        sock = _socket_of(raw) if deadline is not None else None
        read1 = raw.read1
        # identity encoding with a known length (not chunked): done when urllib3
        # has counted it all (it has then released the connection), without
        # one more read to see the end
        counted = "Content-Encoding" not in response.headers and raw.length_remaining is not None
        while True:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    response.close()
                    raise _timed_out(method, url)
                if sock is not None and remaining < (sock.gettimeout() or remaining + 1):
                    sock.settimeout(remaining)
            chunk = read1(_CHUNK, decode_content=True)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                response.close()
                raise _too_large(method, url, limit)
            chunks.append(chunk)
            if counted and raw.length_remaining == 0:
                break
    else:
        for chunk in raw.stream(_CHUNK, decode_content=True):
            total += len(chunk)
            if total > limit:
                response.close()
                raise _too_large(method, url, limit)
            if deadline is not None and time.monotonic() > deadline:
                response.close()
                raise _timed_out(method, url)
            chunks.append(chunk)
    set_content(response, chunks[0] if len(chunks) == 1 else b"".join(chunks))


def _socket_of(raw: Any) -> Any:
    """The socket under a urllib3 response (``None`` when there is none to reach)."""
    connection = getattr(raw, "connection", None)
    return getattr(connection, "sock", None)


class CappedRaw:
    """A response's ``raw``, counting what anyone reads from it against the call's cap and deadline.

    Wraps urllib3's :class:`~urllib3.response.HTTPResponse` (or a test
    double's stand-in) for the readers halkit does not control: requests'
    ``Response.content`` (in ``resolve_redirects``, and in auths such as
    :class:`requests.auth.HTTPDigestAuth` or halkit's token renewal, which
    drain a 401). Any read past the cap raises
    :class:`halkit.ResponseTooLargeError`. Everything else is the wrapped
    object's (``__getattr__``).
    """

    def __init__(self, raw: Any, limit: int, deadline: Optional[float], method: str, url: str) -> None:
        self.raw = raw
        self._limit = limit
        self._deadline = deadline
        self._method = method
        self._url = url
        self._read = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._limit:
            self.raw.close()
            raise _too_large(self._method, self._url, self._limit, "a body read on the way (redirect, 401)")
        if self._deadline is not None and time.monotonic() > self._deadline:
            self.raw.close()
            raise _timed_out(self._method, self._url)
        return data

    def stream(self, amt: Optional[int] = _CHUNK, decode_content: Optional[bool] = None) -> Iterator[bytes]:
        """urllib3's ``stream``, counted."""
        for chunk in self.raw.stream(amt, decode_content=decode_content):
            yield self._count(chunk)

    def read(self, amt: Optional[int] = None, decode_content: Optional[bool] = None, **kwargs: Any) -> bytes:
        """urllib3's ``read``, counted (all of it: in chunks, so the cap stops it early)."""
        if amt is not None:
            return self._count(self.raw.read(amt, decode_content=decode_content, **kwargs))
        chunks: List[bytes] = []
        while True:
            chunk = self.raw.read(_CHUNK, decode_content=decode_content, **kwargs)
            if not chunk:
                return b"".join(chunks)
            chunks.append(self._count(chunk))


def cap_hook(limit: int, deadline: Optional[float], method: str, url: str,
             keep: Callable[[Any], bool]) -> Callable[..., requests.Response]:
    """A response hook, run before any other, that caps every body read on the call's behalf.

    It wraps each response's ``raw`` in a :class:`CappedRaw`, refuses a
    response that arrives after the deadline, and, when a redirect leaves
    the origin of the call's first request, removes from the next hop the
    response hooks that came with the request (an auth's: requests would
    otherwise let :class:`~requests.auth.HTTPDigestAuth` answer the other
    origin's challenge). ``keep(hook)`` says which hooks stay (the
    session's own, and this one).
    """
    origin = origin_of(url)

    def hook(response: requests.Response, **kwargs: Any) -> requests.Response:
        if deadline is not None and time.monotonic() > deadline:
            response.close()
            raise _timed_out(method, url)
        raw = response.raw
        if raw is not None and not isinstance(raw, CappedRaw) and hasattr(raw, "read"):
            response.raw = CappedRaw(raw, limit, deadline, method, url)
        request = response.request
        if response.is_redirect and request is not None:
            target = requests.compat.urljoin(response.url or "", response.headers.get("location", ""))
            if origin is None or origin_of(target) != origin:
                hooks: Dict[str, List[Any]] = request.hooks  # type: ignore[assignment]
                hooks["response"] = [h for h in hooks.get("response", []) if h is hook or keep(h)]
        return response

    return hook

