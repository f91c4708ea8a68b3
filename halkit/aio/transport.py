"""The async transport: one request over an :class:`httpx.AsyncClient`, with halkit's promises.

:class:`AsyncTransport` does for :class:`~halkit.aio.AsyncClient` what
:class:`halkit.transport.Transport` does for the sync client:

* **redirects** are followed here, hop by hop (httpx's own following is
  off): every hop's URL must be http(s) (:func:`halkit.urls.check_scheme`),
  a 301/302 answer to a request that is not a GET or HEAD is refused (as
  the sync client refuses it), 303 becomes a GET, 307/308 keep the method
  and body; at most ``max_redirects`` hops;
* **credentials** are put on each hop by the auth (an :class:`httpx.Auth`
  flow, so a 401 can renew a token and retry once) only when the hop's
  origin is allowed (:meth:`halkit.aio.auth.ScopedAuth.allows`), so neither
  ``Authorization`` nor any other header an auth sets leaves its origins,
  also across redirects;
* **retries** use the same policy object as the sync client (a urllib3
  :class:`~urllib3.util.retry.Retry`, :func:`halkit.client.default_retry` by
  default; answers below 400 are never retried): idempotent methods,
  connection errors and 429/502/503/504,
  backoff with jitter, ``Retry-After`` up to a cap, a deadline; the waits are
  :func:`asyncio.sleep`, so other tasks run meanwhile;
* **the body** is read here with a size cap counted on the decoded bytes,
  gzip and deflate inflated at most :data:`DECODE_CHUNK` bytes at a time
  (:func:`decoded`), so a compressed bomb stops at the cap without ever
  being inflated whole;
* **errors** from httpx become halkit errors (:func:`map_exception`).
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any, AsyncGenerator, Dict, List, Mapping, Optional

import httpx

from .. import urls
from ..exceptions import (
    ConnectError,
    ContentTypeError,
    HalkitError,
    RequestError,
    ResponseTooLargeError,
    TimeoutError,
    TooManyRedirectsError,
    TransportError,
    UnsafeURLError,
)
from .network import default_ssl_context
from .pool import nothing_patched

#: The most bytes inflated at once from a compressed body (a gzip bomb never inflates whole).
DECODE_CHUNK = 64 * 1024

__all__ = ["AsyncTransport", "decoded", "as_httpx_timeout", "default_ssl_context", "map_exception", "read_body"]

#: Redirects after which a non-GET request would silently become a GET.
_METHOD_CHANGING = (301, 302)
_REDIRECTS = (301, 302, 303, 307, 308)
#: The most hops followed by default (as requests).
DEFAULT_MAX_REDIRECTS = 30


def as_httpx_timeout(timeout: Any) -> httpx.Timeout:
    """A halkit timeout (seconds, ``(connect, read)`` or ``None``) as an :class:`httpx.Timeout`."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, tuple):
        connect, read = timeout
        return httpx.Timeout(read, connect=connect)
    return httpx.Timeout(timeout)


def map_exception(exc: Exception, method: str, url: str) -> HalkitError:
    """The halkit error for an httpx exception (the one mapping of the async transport's errors)."""
    where = f"{method} {urls.redact(url)}"
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError(f"{where} timed out: {type(exc).__name__}", url=url, method=method)
    if isinstance(exc, httpx.DecodingError):
        return ContentTypeError(f"{where}: the body could not be decompressed: {exc}", url=url, method=method)
    if isinstance(exc, httpx.RemoteProtocolError):
        return ConnectError(f"{where}: the connection broke (truncated answer?): {exc}", url=url, method=method)
    if isinstance(exc, (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.CloseError, httpx.ProxyError)):
        return ConnectError(f"{where}: connection failed: {exc}", url=url, method=method)
    return TransportError(f"{where} failed: {type(exc).__name__}: {exc}", url=url, method=method)


async def _raw(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    """The body as it arrives, read from the response's stream, which is closed at its end.

    What :meth:`httpx.Response.aiter_raw` does, without its re-chunking and
    bookkeeping layers (a tenth of the CPU time of a small request).
    """
    if response.is_stream_consumed:
        raise httpx.StreamConsumed()
    response.is_stream_consumed = True
    async for piece in response.stream:  # type: ignore[union-attr]
        yield piece
    await response.aclose()


async def decoded(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    """The body, decompressed in pieces of at most 64 KiB (a gzip bomb never inflates at once).

    httpx inflates each piece it receives whole (64 KiB of a gzip bomb is
    64 MiB); gzip and deflate are inflated here instead, a bounded piece at a
    time. Other encodings (br, zstd) are left to httpx.
    """
    try:
        content = response.content  # read already (a MockTransport's answer, say): decoded by httpx
    except httpx.ResponseNotRead:
        pass
    else:
        yield content
        return
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding == "identity":
        async for chunk in _raw(response):
            yield chunk
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        async for chunk in response.aiter_bytes():
            yield chunk
        return
    # gzip, or zlib-wrapped deflate (a raw deflate stream is detected below)
    inflater: Any = zlib.decompressobj(zlib.MAX_WBITS | 32)
    first = True
    async for data in _raw(response):
        while data:
            try:
                chunk = inflater.decompress(data, DECODE_CHUNK)
            except zlib.error:
                if not (first and encoding == "deflate"):
                    raise httpx.DecodingError("the body could not be decompressed") from None
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send (and httpx reads)
                first = False
                continue
            first = False
            data = inflater.unconsumed_tail
            if chunk:
                yield chunk
    rest = inflater.flush()
    if rest:
        yield rest


async def read_body(response: httpx.Response, limit: int, method: str, url: str) -> None:
    """Read the body of a streamed response, refusing more than ``limit`` decoded bytes."""
    length = response.headers.get("Content-Length")
    if length is not None and length.isdigit() and int(length) > limit:
        await response.aclose()
        raise ResponseTooLargeError(
            f"{method} {url}: Content-Length {length} is over the limit of {limit} bytes",
            limit=limit, url=url, method=method,
        )
    chunks: List[bytes] = []
    total = 0
    pieces = decoded(response)
    try:
        async for chunk in pieces:
            total += len(chunk)
            if total > limit:
                raise ResponseTooLargeError(
                    f"{method} {url}: body over the limit of {limit} bytes (after decompression)",
                    limit=limit, url=url, method=method,
                )
            chunks.append(chunk)
    except httpx.HTTPError as exc:
        await pieces.aclose()
        await response.aclose()
        raise map_exception(exc, method, url) from exc
    except BaseException:
        # over the cap, cancelled (a deadline, asyncio.wait_for, a task group) or failed
        # mid-body: the connection goes back to its pool, closed, instead of staying checked out
        await pieces.aclose()
        await response.aclose()
        raise
    # what httpx's own aread() stores: from now on response.content is the body
    response._content = b"".join(chunks)


class _RetryView:
    """What urllib3's ``Retry`` reads of a response (status and headers), for an httpx response."""

    __slots__ = ("status", "headers")

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers

    def get_redirect_location(self) -> bool:
        return False


def _as_urllib3_error(exc: httpx.TransportError) -> Exception:
    """The urllib3 error a ``Retry`` classifies the same way (connect or read error)."""
    from urllib3.exceptions import ConnectTimeoutError, ProtocolError

    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return ConnectTimeoutError(str(exc))
    return ProtocolError(str(exc))


class Body:
    """A request body, kept so that it can be sent again (a retry, a 307/308 hop, a 401 retry)."""

    __slots__ = ("content", "data", "files")

    def __init__(self, content: Optional[bytes] = None, data: Any = None, files: Any = None) -> None:
        self.content = content
        self.data = data
        self.files = files

    def kwargs(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        if self.content is not None:
            out["content"] = self.content
        if self.data is not None:
            out["data"] = self.data
        if self.files is not None:
            out["files"] = self.files
        return out

    def __bool__(self) -> bool:
        return self.content is not None or self.data is not None or self.files is not None


class AsyncTransport:
    """Sends one halkit request over an :class:`httpx.AsyncClient` (see the module docstring).

    :param client: the httpx client (its pool, TLS settings, proxies, cookies
        and transport are used; its redirect following is not).
    :param retry: a urllib3 ``Retry`` policy, or ``None`` for no retries.
    :param max_redirects: the most redirect hops followed.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        retry: Any = None,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        direct: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        self.client = client
        self.retry = retry
        self.max_redirects = max_redirects
        #: The client's own transport, called without going through ``client.send`` when
        #: nothing would notice (see :meth:`uses_direct_path`), or ``None``.
        self.direct = direct

    def uses_direct_path(self) -> bool:
        """Whether the next request goes straight to :attr:`direct` (not through ``client.send``).

        Only when halkit made the httpx client (with no proxy from the
        environment: see :class:`halkit.aio.AsyncClient`), its cookie jar is
        empty, and no test double has patched httpx or httpcore
        (:func:`halkit.aio.pool.nothing_patched`). ``client.send`` would then
        add nothing but its own bookkeeping; what halkit's transport does
        itself (redirects, auth, retries, the body cap) is the same on both
        paths. A ``Set-Cookie`` answer goes into the client's jar, and from
        then on requests go through ``client.send``.
        """
        return self.direct is not None and not self.client.cookies and nothing_patched()

    def __repr__(self) -> str:
        return f"<halkit.aio.AsyncTransport retry={self.retry!r}>"

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: Body,
        params: Any = None,
        auth: Any = None,
        timeout: Any = None,
        max_body_size: int,
    ) -> httpx.Response:
        """Send ``method`` to ``url``, follow redirects, and return the response with its body read."""
        history: List[httpx.Response] = []
        hop_headers = headers
        httpx_timeout = as_httpx_timeout(timeout)
        first_url = url
        while True:
            urls.check_scheme(url)
            direct = self.direct if self.uses_direct_path() else None
            try:
                if direct is not None:
                    merged = httpx.Headers(self.client.headers)
                    merged.update(hop_headers)
                    request = httpx.Request(
                        method, url, headers=merged, params=params if not history else None,
                        extensions={"timeout": httpx_timeout.as_dict()}, **body.kwargs(),
                    )
                else:
                    request = self.client.build_request(
                        method, url, headers=hop_headers, params=params if not history else None,
                        timeout=httpx_timeout, **body.kwargs(),
                    )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, TypeError) as exc:
                raise RequestError(f"{method} {url}: cannot build the request: {exc}", url=url, method=method) from exc
            response = await self._send_authed(request, auth, method, url, max_body_size, direct)
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECTS or not location:
                break
            target = urls.resolve(str(response.url), location)
            if response.status_code in _METHOD_CHANGING and method not in ("GET", "HEAD"):
                await response.aclose()
                raise RequestError(
                    f"{method} {first_url} was redirected ({response.status_code}) to {location!r}; "
                    f"following it would send a GET without the body, so {method} was not carried out "
                    "(use the URL the server redirects to, e.g. with its trailing slash)",
                    url=first_url,
                    method=method,
                )
            if response.status_code == 303 and method != "HEAD":
                method = "GET"
                body = Body()
                hop_headers = {k: v for k, v in hop_headers.items() if k.lower() not in ("content-type", "content-length")}
            await response.aclose()  # the redirect's own body is never read
            history.append(response)
            if len(history) > self.max_redirects:
                raise TooManyRedirectsError(
                    f"{method} {first_url}: too many redirects (a redirect loop?)", url=first_url, method=method
                )
            url = target
        await read_body(response, max_body_size, method, url)
        response.history = history
        return response

    async def _send_authed(
        self,
        request: httpx.Request,
        auth: Any,
        method: str,
        url: str,
        max_body_size: int,
        direct: Optional[httpx.AsyncBaseTransport] = None,
    ) -> httpx.Response:
        """Send one hop, through the auth's flow when the hop's origin is allowed."""
        if auth is None or not auth.allows(url):
            return await self._send_retrying(request, method, url, direct)
        flow = auth.auth.async_auth_flow(request)
        request = await flow.__anext__()
        while True:
            response = await self._send_retrying(request, method, url, direct)
            if response.status_code != 401:
                await flow.aclose()
                return response
            try:
                await read_body(response, max_body_size, method, url)
                next_request = await flow.asend(response)
            except StopAsyncIteration:
                return response
            await response.aclose()
            request = next_request

    async def _send_retrying(
        self, request: httpx.Request, method: str, url: str, direct: Optional[httpx.AsyncBaseTransport] = None
    ) -> httpx.Response:
        """Send one request, retried by the policy; returns the response, body not read."""
        retry = self.retry
        while True:
            try:
                if direct is not None:
                    response = await direct.handle_async_request(request)
                    if "set-cookie" in response.headers:
                        self.client.cookies.extract_cookies(response)  # as client.send does
                else:
                    response = await self.client.send(request, stream=True, follow_redirects=False)
            except httpx.TransportError as exc:
                if retry is None:
                    raise map_exception(exc, method, url) from exc
                try:
                    retry = retry.increment(method, url, error=_as_urllib3_error(exc))
                except Exception:
                    raise map_exception(exc, method, url) from exc
                await asyncio.sleep(retry.get_backoff_time())
                continue
            except httpx.HTTPError as exc:
                raise map_exception(exc, method, url) from exc
            except httpx.InvalidURL as exc:
                # httpx parses a redirect's Location as it receives it (data:,x...)
                raise UnsafeURLError(
                    f"{method} {urls.redact(url)}: the answer redirects to something that is not an http(s) URL"
                ) from exc
            status = response.status_code
            if retry is None or status < 400 or not retry.is_retry(method, status, "retry-after" in response.headers):
                return response
            view = _RetryView(response)
            try:
                new = retry.increment(method, url, response=view)
            except Exception:
                return response  # retries (or the time for them) used up: the last answer stands
            wait = new.get_retry_after(view) if new.respect_retry_after_header else None
            if wait is None:
                wait = new.get_backoff_time()
            await response.aclose()
            await asyncio.sleep(wait)
            retry = new

    async def aclose(self) -> None:
        """Close the httpx client."""
        await self.client.aclose()
