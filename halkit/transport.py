"""The transport: how :class:`halkit.Client` sends a request and reads the answer.

:class:`Transport` wraps a :class:`requests.Session` and keeps everything
users expect from it (adapters and mounts, proxies from the environment,
hooks, cookies, auth, redirects, retries), while doing the work that requests
repeats on every call only once per client or per origin.

Profiling a loopback GET shows where a raw ``requests.Session().get()``
spends its time: about a third goes to looking up proxy settings in the
environment (``merge_environment_settings`` → ``get_environ_proxies``, which
walks ``os.environ`` twice per request), about a fifth to preparing the
request (merging settings, re-parsing and re-quoting the URL, hooks, cookies)
and only the rest to urllib3 and the socket. So for each origin the
transport decides **once** whether requests would do anything beyond
"send these bytes through the adapter's connection pool":

* the session is a plain :class:`requests.Session` (not a subclass) with no
  session ``auth``, ``params``, ``proxies`` or response hooks;
* the adapter mounted for the URL is exactly :class:`requests.adapters.HTTPAdapter`
  (not a subclass such as a caching or mocking adapter);
* no proxy applies to the origin (environment and session), and ``.netrc``
  has no entry for it;
* the session's cookie jar is empty (checked on every request).

If so, the request goes straight to the adapter's urllib3 pool (its
``max_retries``, pool size and TLS settings included) and a minimal
:class:`requests.Response` is built, with ``request``, ``headers``, ``url``,
``reason``, ``encoding``, ``raw`` and ``connection`` set as requests sets
them. Response hooks that the auth registered run exactly as
``Session.send`` runs them (so a 401 still renews the token and retries
once), cookies set by the server go to the session's jar (after which the
full path is used), and a redirect is followed with ``Session.resolve_redirects``.
Otherwise the request goes through ``Session.prepare_request`` and
``Session.send``, with the environment settings computed once per origin.

Either way the body is read here, with a size cap (after decompression).
Environment settings (proxy variables, ``REQUESTS_CA_BUNDLE``, ``.netrc``)
are read when an origin is first used; :meth:`Transport.reset` forgets them.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar, merge_cookies
from requests.hooks import dispatch_hook
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_encoding_from_headers, get_netrc_auth, select_proxy
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
from urllib3.exceptions import HTTPError as _URLLib3HTTPError
from urllib3.exceptions import InvalidHeader as _URLLib3InvalidHeader
from urllib3.exceptions import ProxyError as _URLLib3ProxyError
from urllib3.exceptions import SSLError as _URLLib3SSLError
from urllib3.util import Timeout

from .exceptions import (
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

__all__ = ["Transport", "TimeoutLike"]

#: A timeout as requests takes it: seconds, a ``(connect, read)`` tuple, or ``None``.
TimeoutLike = Union[float, Tuple[Optional[float], Optional[float]], None]

# An absolute URL that requests' prepare_url would leave exactly as it is: a
# lower-case http(s) scheme and host, an explicit path, and only characters
# that requote_uri keeps (no '%', so no escapes to normalise).
_SIMPLE_URL = re.compile(
    r"(https?)://([a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?(?::[0-9]{1,5})?)"
    r"(/[A-Za-z0-9_.\-~!$&'()*+,/:;=@\[\]]*(?:\?[A-Za-z0-9_.\-~!$&'()*+,/:;=?@\[\]]*)?)"
    r"(?:#.*)?"
)
_CHUNK = 65536
_NO_BODY_METHODS = frozenset({"GET", "HEAD"})


class _Origin:
    """What the transport decided for one origin (and the session settings it decided on)."""

    __slots__ = ("fast", "adapter", "pool", "settings", "snapshot")

    def __init__(
        self,
        fast: bool,
        adapter: Optional[HTTPAdapter],
        pool: Any,
        settings: Dict[str, Any],
        snapshot: Tuple[Any, ...],
    ) -> None:
        self.fast = fast
        self.adapter = adapter
        self.pool = pool
        self.settings = settings
        self.snapshot = snapshot


class Transport:
    """Sends requests for a client through a :class:`requests.Session`, fast when it is safe.

    Thread-safe: any number of threads may share one transport (urllib3's
    pools are thread-safe; the per-origin decisions are computed at most a
    few times and then only read).

    :param session: the session to send through.
    :param fast: allow the fast path (``False`` always uses ``Session.send``).
    """

    def __init__(self, session: requests.Session, *, fast: bool = True) -> None:
        self.session = session
        self.fast = fast
        self._origins: Dict[str, _Origin] = {}
        self._timeouts: Dict[Any, Timeout] = {}
        self._lock = threading.Lock()
        #: Requests sent through the fast path (retries and redirect hops not counted).
        self.fast_sends = 0
        #: Requests sent through ``Session.send``.
        self.slow_sends = 0

    def __repr__(self) -> str:
        return f"<halkit.Transport fast={self.fast} origins={len(self._origins)}>"

    def close(self) -> None:
        """Forget the per-origin decisions. The session itself is closed by its owner."""
        self.reset()

    def reset(self) -> None:
        """Forget the per-origin decisions, so environment settings are read again."""
        with self._lock:
            self._origins = {}

    # -- the decision ---------------------------------------------------------

    def _snapshot(self) -> Tuple[Any, ...]:
        s = self.session
        return (s.verify, s.cert, s.trust_env, s.max_redirects)

    def _origin(self, origin: str, url: str) -> _Origin:
        entry = self._origins.get(origin)
        snapshot = self._snapshot()
        if entry is not None and entry.snapshot == snapshot:
            return entry
        with self._lock:
            entry = self._origins.get(origin)
            if entry is None or entry.snapshot != snapshot:
                entry = self._decide(url, snapshot)
                self._origins[origin] = entry
        return entry

    def _decide(self, url: str, snapshot: Tuple[Any, ...]) -> _Origin:
        session = self.session
        settings: Dict[str, Any] = dict(session.merge_environment_settings(url, {}, True, None, None))
        slow = _Origin(False, None, None, settings, snapshot)
        if not self.fast or type(session) is not requests.Session:
            return slow
        adapter = session.get_adapter(url)
        if type(adapter) is not HTTPAdapter:
            return slow
        if select_proxy(url, settings.get("proxies") or {}):
            return slow
        if session.trust_env and get_netrc_auth(url):
            return slow  # requests would send the .netrc credentials when there is no auth
        probe = PreparedRequest()
        probe.url = url
        probe.method = "GET"
        probe.headers = CaseInsensitiveDict()
        try:
            get_pool = getattr(adapter, "get_connection_with_tls_context", None)
            if get_pool is not None:  # requests >= 2.32.2
                pool = get_pool(probe, settings["verify"], proxies=None, cert=settings["cert"])
            else:  # pragma: no cover - older requests
                pool = adapter.get_connection(url, None)
            adapter.cert_verify(pool, url, settings["verify"], settings["cert"])  # type: ignore[no-untyped-call]
        except Exception:  # anything odd: let requests do it (and report it) on every request
            return slow
        return _Origin(True, adapter, pool, settings, snapshot)

    def uses_fast_path(self, url: str) -> bool:
        """Whether a request to ``url`` (without params or a body) would take the fast path now."""
        match = _SIMPLE_URL.fullmatch(url)
        if match is None:
            return False
        entry = self._origin(f"{match.group(1)}://{match.group(2)}", url)
        return self._fast_ok(entry, url)

    def _fast_ok(self, entry: _Origin, url: str) -> bool:
        """The per-request part of the decision: session attributes users may change at any time."""
        if not entry.fast:
            return False
        s = self.session
        return (
            s.auth is None
            and not s.params
            and not s.proxies
            and not s.hooks.get("response")
            and not s.cookies
            and s.get_adapter(url) is entry.adapter
        )

    # -- sending ----------------------------------------------------------------

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        auth: Any = None,
        timeout: TimeoutLike = None,
        max_body_size: int,
    ) -> requests.Response:
        """Send one request and return the response with its body read (any status).

        :param method: the HTTP method, upper-case.
        :param url: the absolute URL.
        :param headers: the request's headers (merged over the session's, as requests does).
        :param body: ``None``, ``bytes``, or anything requests accepts as ``data``.
        :param params: query parameters to add to the URL.
        :param auth: a requests auth (callable on a :class:`requests.PreparedRequest`).
        :param timeout: seconds, or a ``(connect, read)`` tuple.
        :param max_body_size: the largest body read, in bytes after decompression.
        :raises halkit.ResponseTooLargeError: the body is over ``max_body_size``.
        :raises halkit.TransportError: connection errors and timeouts (see
            :meth:`halkit.Client.request`); :raises halkit.UnsafeURLError: an invalid URL.
        """
        match = _SIMPLE_URL.fullmatch(url) if not params else None
        if match is not None and (body is None or type(body) is bytes):
            entry = self._origin(f"{match.group(1)}://{match.group(2)}", url)
            if self._fast_ok(entry, url):
                return self._send_fast(entry, method, url, match.group(3), headers, body, auth, timeout, max_body_size)
        return self._send_slow(method, url, headers, body, params, auth, timeout, max_body_size)

    def _send_slow(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Any,
        params: Optional[Mapping[str, Any]],
        auth: Any,
        timeout: TimeoutLike,
        max_body_size: int,
    ) -> requests.Response:
        session = self.session
        req = requests.Request(method, url, headers=dict(headers), data=body, params=params, auth=auth)
        try:
            prepared = session.prepare_request(req)
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema) as exc:
            raise UnsafeURLError(f"invalid URL {url!r}: {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise RequestError(f"cannot prepare {method} {url}: {exc}", url=url, method=method) from exc
        return self._send_prepared_slow(prepared, method, url, timeout, max_body_size)

    def _settings_for(self, url: str) -> Dict[str, Any]:
        match = _SIMPLE_URL.fullmatch(url)
        if match is not None:
            return self._origin(f"{match.group(1)}://{match.group(2)}", url).settings
        return dict(self.session.merge_environment_settings(url, {}, True, None, None))

    def _timeout(self, timeout: TimeoutLike) -> Timeout:
        try:
            return self._timeouts[timeout]
        except KeyError:
            pass
        except TypeError:  # unhashable: build it each time
            return _urllib3_timeout(timeout)
        value = self._timeouts[timeout] = _urllib3_timeout(timeout)
        return value

    def _send_fast(
        self,
        entry: _Origin,
        method: str,
        url: str,
        path: str,
        headers: Mapping[str, str],
        body: Optional[bytes],
        auth: Any,
        timeout: TimeoutLike,
        max_body_size: int,
    ) -> requests.Response:
        session = self.session
        merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(session.headers)
        for key, value in headers.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        for item in merged.items():
            try:
                check_header_validity(item)
            except (ValueError, TypeError) as exc:  # requests' InvalidHeader is a ValueError
                raise RequestError(f"cannot prepare {method} {url}: {exc}", url=url, method=method) from exc
        if body is not None:
            merged["Content-Length"] = str(len(body))
        elif method not in _NO_BODY_METHODS and "Content-Length" not in merged:
            merged["Content-Length"] = "0"
        prepared = PreparedRequest()
        prepared.method = method
        prepared.url = url
        prepared.headers = merged
        prepared.body = body
        if auth is not None:
            prepared = auth(prepared)
            if prepared.url != url or prepared.body is not body:
                # the auth rewrote the URL or the body: let requests send what it made
                return self._send_prepared_slow(prepared, method, url, timeout, max_body_size)
        pool = entry.pool
        if pool.pool is None:  # the pool manager dropped (closed) this pool: get the current one
            entry = self._refresh(entry, url)
            pool = entry.pool
        settings = entry.settings
        self.fast_sends += 1
        try:
            start = time.perf_counter()
            try:
                raw = pool.urlopen(
                    method,
                    path,
                    body=body,
                    headers=prepared.headers,
                    redirect=False,
                    assert_same_host=False,
                    preload_content=False,
                    decode_content=False,
                    retries=entry.adapter.max_retries,  # type: ignore[union-attr]
                    timeout=self._timeout(timeout),
                    chunked=False,
                )
            except Exception as exc:
                raise _as_requests_error(exc, prepared) from exc
            response = _build_response(prepared, raw, entry.adapter)
            response.elapsed = datetime.timedelta(seconds=time.perf_counter() - start)
            kwargs = {"stream": True, "timeout": timeout, "verify": settings["verify"], "cert": settings["cert"], "proxies": settings["proxies"]}
            if prepared.hooks["response"]:
                response = dispatch_hook("response", prepared.hooks, response, **kwargs)  # type: ignore[no-untyped-call]
            for old in response.history:
                if "set-cookie" in old.headers:
                    _extract_cookies(session.cookies, old.request, old.raw)
            if "set-cookie" in response.headers:
                _extract_cookies(session.cookies, response.request, response.raw)
            if response.is_redirect and response.request is not None:
                # what Session.send does after the adapter: follow with resolve_redirects
                final = response.request
                _ensure_cookie_jar(final, session)
                _read_body(response, max_body_size, method, url)
                history = [response]
                history.extend(session.resolve_redirects(response, final, **kwargs))
                response = history.pop()
                response.history = history
            _read_body(response, max_body_size, method, url)
        except HalkitError:
            raise
        except Exception as exc:
            raise _map_exception(exc, method, url) from exc
        return response

    def _send_prepared_slow(
        self, prepared: PreparedRequest, method: str, url: str, timeout: TimeoutLike, max_body_size: int
    ) -> requests.Response:
        session = self.session
        _ensure_cookie_jar(prepared, session)
        self.slow_sends += 1
        try:
            response = session.send(prepared, timeout=timeout, allow_redirects=True, **self._settings_for(url))
            _read_body(response, max_body_size, method, url)
        except HalkitError:
            raise
        except Exception as exc:
            raise _map_exception(exc, method, url) from exc
        return response

    def _refresh(self, entry: _Origin, url: str) -> _Origin:
        with self._lock:
            fresh = self._decide(url, entry.snapshot)
            match = _SIMPLE_URL.fullmatch(url)
            if match is not None:
                self._origins[f"{match.group(1)}://{match.group(2)}"] = fresh
        return fresh if fresh.fast else entry


def _extract_cookies(jar: Any, request: Any, raw: Any) -> None:
    extract_cookies_to_jar(jar, request, raw)  # type: ignore[no-untyped-call]


def _ensure_cookie_jar(prepared: PreparedRequest, session: requests.Session) -> None:
    """Give a hand-made request the cookie jar ``Session.prepare_request`` would have given it."""
    if getattr(prepared, "_cookies", None) is None:
        jar = merge_cookies(RequestsCookieJar(), session.cookies)  # type: ignore[no-untyped-call]
        setattr(prepared, "_cookies", jar)  # noqa: B010 - a private attribute the stubs do not declare


def _urllib3_timeout(timeout: Any) -> Timeout:
    if isinstance(timeout, Timeout):
        return timeout
    if isinstance(timeout, tuple):
        connect, read = timeout
        return Timeout(connect=connect, read=read)
    return Timeout(connect=timeout, read=timeout)


def _build_response(request: PreparedRequest, raw: Any, adapter: Any) -> requests.Response:
    """A :class:`requests.Response` as ``HTTPAdapter.build_response`` makes it."""
    response = requests.Response()
    response.status_code = raw.status
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(raw.headers)
    response.headers = headers
    response.encoding = get_encoding_from_headers(headers)
    response.raw = raw
    response.reason = raw.reason
    response.url = request.url  # type: ignore[assignment]
    if "set-cookie" in headers:
        _extract_cookies(response.cookies, request, raw)
    response.request = request
    response.connection = adapter  # type: ignore[attr-defined]
    return response


def _read_body(response: requests.Response, limit: int, method: str, url: str) -> None:
    """Read the body into ``response._content``, refusing more than ``limit`` bytes."""
    if response._content_consumed:  # type: ignore[attr-defined]
        content = response.content
        if content is not None and len(content) > limit:
            raise ResponseTooLargeError(
                f"{method} {url}: body over the limit of {limit} bytes", limit=limit, url=url, method=method
            )
        return
    length = response.headers.get("Content-Length")
    if length is not None and length.isdigit() and int(length) > limit:
        response.close()
        raise ResponseTooLargeError(
            f"{method} {url}: Content-Length {length} is over the limit of {limit} bytes",
            limit=limit, url=url, method=method,
        )
    raw = response.raw
    if raw is None or not hasattr(raw, "stream"):
        content = response.content
        if content is not None and len(content) > limit:
            raise ResponseTooLargeError(
                f"{method} {url}: body over the limit of {limit} bytes", limit=limit, url=url, method=method
            )
        return
    if length is not None and length.isdigit() and "Content-Encoding" not in response.headers:
        # identity encoding with a known length under the cap: one read, no decoding
        data = raw.read(decode_content=False)
        response._content = data
        response._content_consumed = True  # type: ignore[attr-defined]
        return
    chunks = []
    total = 0
    for chunk in raw.stream(_CHUNK, decode_content=True):
        total += len(chunk)
        if total > limit:
            response.close()
            raise ResponseTooLargeError(
                f"{method} {url}: body over the limit of {limit} bytes (after decompression)",
                limit=limit, url=url, method=method,
            )
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True  # type: ignore[attr-defined]


def _as_requests_error(exc: Exception, request: PreparedRequest) -> Exception:
    """The requests exception ``HTTPAdapter.send`` raises for a urllib3 error (same mapping)."""
    exceptions = requests.exceptions
    if isinstance(exc, (ProtocolError, OSError)):
        return exceptions.ConnectionError(exc, request=request)
    if isinstance(exc, MaxRetryError):
        reason = exc.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return exceptions.ConnectTimeout(exc, request=request)
        if isinstance(reason, ResponseError):
            return exceptions.RetryError(exc, request=request)
        if isinstance(reason, _URLLib3ProxyError):
            return exceptions.ProxyError(exc, request=request)
        if isinstance(reason, _URLLib3SSLError):
            return exceptions.SSLError(exc, request=request)
        return exceptions.ConnectionError(exc, request=request)
    if isinstance(exc, ClosedPoolError):
        return exceptions.ConnectionError(exc, request=request)
    if isinstance(exc, _URLLib3ProxyError):
        return exceptions.ProxyError(exc)
    if isinstance(exc, _URLLib3SSLError):
        return exceptions.SSLError(exc, request=request)
    if isinstance(exc, ReadTimeoutError):
        return exceptions.ReadTimeout(exc, request=request)
    if isinstance(exc, _URLLib3InvalidHeader):
        return exceptions.InvalidHeader(exc, request=request)
    if isinstance(exc, _URLLib3HTTPError):
        return exc
    return exc


def _map_exception(exc: Exception, method: str, url: str) -> HalkitError:
    """The halkit error for an exception from requests or urllib3 (the one mapping of transport errors)."""
    where = f"{method} {url}"
    if isinstance(exc, (requests.exceptions.Timeout, ReadTimeoutError)):
        return TimeoutError(f"{where} timed out: {exc}", url=url, method=method)
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return TooManyRedirectsError(f"{where}: too many redirects (a redirect loop?)", url=url, method=method)
    if isinstance(exc, (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema, requests.exceptions.InvalidURL)):
        return UnsafeURLError(f"{where}: refused URL: {exc}")
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, ProtocolError)):
        return ConnectError(f"{where}: the connection broke while reading the body (truncated?): {exc}", url=url, method=method)
    if isinstance(exc, (requests.exceptions.ContentDecodingError, DecodeError)):
        return ContentTypeError(f"{where}: the body could not be decompressed: {exc}", url=url, method=method)
    if isinstance(exc, requests.exceptions.SSLError):
        return ConnectError(f"{where}: TLS failed (is the server's certificate trusted?): {exc}", url=url, method=method)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return ConnectError(f"{where}: connection failed: {exc}", url=url, method=method)
    if isinstance(exc, requests.exceptions.RequestException):
        return TransportError(f"{where} failed: {exc}", url=url, method=method)
    return TransportError(f"{where} failed: {type(exc).__name__}: {exc}", url=url, method=method)

