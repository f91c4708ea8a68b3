"""The one translation of errors from requests and urllib3 into halkit's."""

from __future__ import annotations

import time
from typing import Optional

import requests
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    DecodeError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import InvalidHeader as _URLLib3InvalidHeader
from urllib3.exceptions import ProxyError as _URLLib3ProxyError
from urllib3.exceptions import SSLError as _URLLib3SSLError

from ..exceptions import (
    ConnectError,
    ContentTypeError,
    HalkitError,
    RequestError,
    TimeoutError,
    TooManyRedirectsError,
    TransportError,
    UnsafeURLError,
)

__all__ = ["as_requests_error", "map_error"]

_rex = requests.exceptions


def map_error(exc: BaseException, method: str, url: str, deadline: Optional[float] = None) -> HalkitError:
    """The halkit error for an exception raised while sending ``method url``.

    Every exception from requests, urllib3 or the socket layer, whichever
    transport path raised it, is translated here and only here. urllib3's
    errors (raised by the fast path, which calls urllib3 directly) are
    translated as :class:`requests.adapters.HTTPAdapter` would translate
    them, then like requests' own.

    :param exc: the exception.
    :param method: the request's method.
    :param url: the request's URL.
    :param deadline: the ``time.monotonic()`` by which the call had to end, if any:
        a timeout after it is reported as the deadline passing.
    :returns: the error to raise (``from exc``).
    """
    if isinstance(exc, HalkitError):
        return exc
    where = f"{method} {url}"
    if deadline is not None and time.monotonic() >= deadline and isinstance(
        exc, (_rex.Timeout, _rex.ConnectionError, ReadTimeoutError, ConnectTimeoutError, MaxRetryError, OSError)
    ):
        return TimeoutError(f"{where}: the call's total deadline passed", url=url, method=method)
    if isinstance(exc, MaxRetryError):  # the fast path: what urllib3 gave up on
        reason = exc.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return TimeoutError(f"{where} timed out: {exc}", url=url, method=method)
        if isinstance(reason, ResponseError):
            return TransportError(f"{where} failed: {exc}", url=url, method=method)
        if isinstance(reason, _URLLib3SSLError):
            return _tls(where, exc, url, method)
        if isinstance(reason, ReadTimeoutError):
            return TimeoutError(f"{where} timed out: {exc}", url=url, method=method)
        return ConnectError(f"{where}: connection failed: {exc}", url=url, method=method)
    if isinstance(exc, (_rex.Timeout, ReadTimeoutError, ConnectTimeoutError)):
        return TimeoutError(f"{where} timed out: {exc}", url=url, method=method)
    if isinstance(exc, _rex.TooManyRedirects):
        return TooManyRedirectsError(f"{where}: too many redirects (a redirect loop?)", url=url, method=method)
    if isinstance(exc, (_rex.InvalidSchema, _rex.MissingSchema, _rex.InvalidURL)):
        return UnsafeURLError(f"{where}: refused URL: {exc}")
    if isinstance(exc, (_rex.InvalidHeader, _URLLib3InvalidHeader)):
        return RequestError(f"cannot prepare {where}: invalid header ({type(exc).__name__})", url=url, method=method)
    if isinstance(exc, (_rex.ChunkedEncodingError, ProtocolError)):
        return ConnectError(f"{where}: the connection broke while reading the body (truncated?): {exc}",
                            url=url, method=method)
    if isinstance(exc, (_rex.ContentDecodingError, DecodeError)):
        return ContentTypeError(f"{where}: the body could not be decompressed: {exc}", url=url, method=method)
    if isinstance(exc, (_rex.SSLError, _URLLib3SSLError)):
        return _tls(where, exc, url, method)
    if isinstance(exc, (_rex.ConnectionError, ClosedPoolError, _URLLib3ProxyError, OSError)):
        return ConnectError(f"{where}: connection failed: {exc}", url=url, method=method)
    if isinstance(exc, _rex.RequestException):
        return TransportError(f"{where} failed: {exc}", url=url, method=method)
    if isinstance(exc, (ValueError, TypeError)):  # requests refused to prepare the request
        return RequestError(f"cannot prepare {where}: {type(exc).__name__}", url=url, method=method)
    return TransportError(f"{where} failed: {type(exc).__name__}: {exc}", url=url, method=method)


def _tls(where: str, exc: BaseException, url: str, method: str) -> ConnectError:
    return ConnectError(f"{where}: TLS failed (is the server's certificate trusted?): {exc}", url=url, method=method)


def as_requests_error(exc: BaseException) -> BaseException:
    """The requests exception :class:`requests.adapters.HTTPAdapter` raises for a urllib3 error (same mapping).

    The fast path calls urllib3 directly; its connection errors are first
    turned into what ``HTTPAdapter.send`` would have raised, so a
    :class:`halkit.TransportError`'s ``__cause__`` is a requests exception
    on both paths, as documented.
    """
    if isinstance(exc, (ProtocolError, OSError)) and not isinstance(exc, HalkitError):
        return _rex.ConnectionError(exc)
    if isinstance(exc, MaxRetryError):
        reason = exc.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return _rex.ConnectTimeout(exc)
        if isinstance(reason, ResponseError):
            return _rex.RetryError(exc)
        if isinstance(reason, _URLLib3ProxyError):
            return _rex.ProxyError(exc)
        if isinstance(reason, _URLLib3SSLError):
            return _rex.SSLError(exc)
        return _rex.ConnectionError(exc)
    if isinstance(exc, ClosedPoolError):
        return _rex.ConnectionError(exc)
    if isinstance(exc, _URLLib3ProxyError):
        return _rex.ProxyError(exc)
    if isinstance(exc, _URLLib3SSLError):
        return _rex.SSLError(exc)
    if isinstance(exc, ReadTimeoutError):
        return _rex.ReadTimeout(exc)
    if isinstance(exc, _URLLib3InvalidHeader):
        return _rex.InvalidHeader(exc)
    return exc
