"""The two real transports over a :class:`requests.Session`, and the one that picks between them.

* :class:`RequestsTransport`: ``Session.prepare_request`` and ``Session.send``,
  always; everything that hooks into requests sees every request.
* :class:`Urllib3Transport`: the fast path. Profiling a loopback GET shows
  where a raw ``requests.Session().get()`` spends its time: about a third
  looking up proxy settings in the environment, about a fifth preparing the
  request (merging settings, re-parsing and re-quoting the URL, hooks,
  cookies) and only the rest in urllib3 and the socket. The fast path
  decides once per origin what requests would decide on every call, and
  sends straight through the mounted adapter's urllib3 pool (its
  ``max_retries``, pool size and TLS settings included).
* :class:`SessionTransport` (what :class:`halkit.Client` uses): the fast
  path only when nothing would notice (see :meth:`SessionTransport.uses_fast_path`),
  otherwise requests' own path.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from typing import Any, Dict, Optional, Tuple

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.hooks import dispatch_hook
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_encoding_from_headers, get_netrc_auth, select_proxy
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse
from urllib3.util import Timeout

from ..exceptions import HalkitError, RequestError
from ..retry import call_deadline
from ._base import Request, TimeoutLike
from ._body import CappedRaw, cap_hook, read_body
from ._errors import as_requests_error, map_error

__all__ = ["RequestsTransport", "SessionTransport", "Urllib3Transport", "default_deadline", "nothing_patched"]

#: The default total deadline of a call, as a multiple of its read timeout.
DEADLINE_FACTOR = 3.0

# An absolute URL that requests' prepare_url would leave exactly as it is: a
# lower-case http(s) scheme and host, an explicit path, and only characters
# that requote_uri keeps (no '%', so no escapes to normalise).
_SIMPLE_URL = re.compile(
    r"(https?)://([a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?(?::[0-9]{1,5})?)"
    r"(/[A-Za-z0-9_.\-~!$&'()*+,/:;=@\[\]]*(?:\?[A-Za-z0-9_.\-~!$&'()*+,/:;=?@\[\]]*)?)"
    r"(?:#.*)?"
)
_NO_BODY_METHODS = frozenset({"GET", "HEAD"})
# What requests and urllib3 were when halkit was imported: a test double
# (responses, requests-mock, vcrpy...) or any other patch replaces one of these.
_SESSION = requests.Session  # requests_cache.install_cache() replaces the class itself
_ORIGINALS = (
    requests.Session.send,
    requests.Session.get_adapter,
    requests.Session.request,
    requests.Session.prepare_request,
    HTTPAdapter.send,
    HTTPConnectionPool.ConnectionCls,
    HTTPSConnectionPool.ConnectionCls,
    HTTPConnectionPool.urlopen,
)
# Attributes that, set on a session or adapter instance, replace its behaviour.
_INSTANCE_PATCHES = ("send", "get_adapter", "request", "prepare_request", "resolve_redirects")


def nothing_patched() -> bool:
    """Whether requests and urllib3 are as they were at import (no test double or patch installed)."""
    return (
        requests.Session is _SESSION
        and requests.Session.send is _ORIGINALS[0]
        and requests.Session.get_adapter is _ORIGINALS[1]
        and requests.Session.request is _ORIGINALS[2]
        and requests.Session.prepare_request is _ORIGINALS[3]
        and HTTPAdapter.send is _ORIGINALS[4]
        and HTTPConnectionPool.ConnectionCls is _ORIGINALS[5]
        and HTTPSConnectionPool.ConnectionCls is _ORIGINALS[6]
        and HTTPConnectionPool.urlopen is _ORIGINALS[7]
    )


def default_deadline(timeout: TimeoutLike) -> Optional[float]:
    """The default total deadline of a call with ``timeout``: :data:`DEADLINE_FACTOR` read timeouts.

    :param timeout: seconds, or ``(connect, read)``, or ``None`` (no deadline).
    :returns: seconds, or ``None``.
    """
    read = timeout[1] if isinstance(timeout, tuple) else timeout
    if read is None:
        return None
    return float(read) * DEADLINE_FACTOR


class _Origin:
    """What was decided for one origin (and the session settings it was decided on)."""

    __slots__ = ("fast", "adapter", "pool", "settings", "snapshot")

    def __init__(self, fast: bool, adapter: Optional[HTTPAdapter], pool: Any, settings: Dict[str, Any],
                 snapshot: Tuple[Any, ...]) -> None:
        self.fast = fast
        self.adapter = adapter
        self.pool = pool
        self.settings = settings
        self.snapshot = snapshot


class _SessionBase:
    """What both paths share: the session, the per-origin settings, timeouts and the cap hook."""

    def __init__(self, session: Optional[requests.Session] = None) -> None:
        #: The :class:`requests.Session` requests go through.
        self.session = session if session is not None else requests.Session()
        self._origins: Dict[str, _Origin] = {}
        self._timeouts: Dict[Any, Any] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Forget the per-origin decisions (the session is closed by whoever made it)."""
        self.reset()

    def reset(self) -> None:
        """Forget the per-origin decisions, so environment settings (proxies, CA bundles) are read again."""
        with self._lock:
            self._origins = {}

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
        settings = dict(self.session.merge_environment_settings(url, {}, True, None, None))
        return _Origin(False, None, None, settings, snapshot)

    def _settings_for(self, url: str) -> Dict[str, Any]:
        match = _SIMPLE_URL.fullmatch(url)
        if match is not None:
            return self._origin(f"{match.group(1)}://{match.group(2)}", url).settings
        return dict(self.session.merge_environment_settings(url, {}, True, None, None))

    def _timeout(self, timeout: TimeoutLike, deadline: Optional[float]) -> Any:
        """urllib3's Timeout for ``timeout``, no part longer than ``deadline`` (cached)."""
        key = (timeout, deadline)
        try:
            return self._timeouts[key]
        except KeyError:
            pass
        except TypeError:  # unhashable: build it each time
            return _urllib3_timeout(timeout, deadline)
        if len(self._timeouts) > 64:
            self._timeouts = {}
        value = self._timeouts[key] = _urllib3_timeout(timeout, deadline)
        return value

    def _keep_hook(self, hook: Any) -> bool:
        return hook in self.session.hooks.get("response", ())

    def _send_requests(self, request: Request, end: Optional[float]) -> requests.Response:
        method, url = request.method, request.url
        data = request.body if request.body is not None else request.data
        req = requests.Request(method, url, headers=dict(request.headers), data=data, files=request.files,
                               params=request.params, auth=request.auth)
        try:
            prepared = self.session.prepare_request(req)
        except HalkitError:
            raise
        except Exception as exc:
            raise map_error(exc, method, url, end) from exc
        return self._send_prepared(prepared, request, end)

    def _send_prepared(self, prepared: PreparedRequest, request: Request, end: Optional[float]) -> requests.Response:
        """``Session.send``, with the cap hook first and last, and the body read here."""
        method, url, limit = request.method, request.url, request.max_body_size
        hook = cap_hook(limit, end, method, url, self._keep_hook)
        hooks = prepared.hooks["response"]
        hooks.insert(0, hook)
        hooks.append(hook)  # also wraps a response an earlier hook replaced (a 401's retry)
        settings = dict(self._settings_for(url))
        settings["stream"] = True
        timeout: Any = request.timeout
        if end is not None:
            timeout = self._timeout(timeout, max(end - time.monotonic(), 0.001))
        token = call_deadline.set(end)
        try:
            response = self.session.send(prepared, timeout=timeout, allow_redirects=True, **settings)
            raw = response.raw
            if isinstance(raw, CappedRaw):
                raw = raw.raw
            direct = type(raw) is HTTPResponse and type(response.connection) is HTTPAdapter and nothing_patched()  # type: ignore[attr-defined]
            read_body(response, limit, end, method, url, direct=direct)
        except Exception as exc:
            raise map_error(exc, method, url, end) from exc
        finally:
            call_deadline.reset(token)
        return response


class RequestsTransport(_SessionBase):
    """Sends every request through ``Session.prepare_request`` and ``Session.send``.

    Everything that hooks into requests sees every request: mounted
    adapters, hooks, cookies, proxies, ``.netrc``, and test doubles such as
    responses, requests-mock, vcrpy and betamax. Environment settings
    (proxy variables, ``REQUESTS_CA_BUNDLE``) are read once per origin;
    :meth:`reset` forgets them.

    :param session: the session to send through (a new one by default).
    """

    #: Requests sent (each redirect hop or retry not counted).
    sends = 0

    def __repr__(self) -> str:
        return f"<halkit.transport.RequestsTransport origins={len(self._origins)}>"

    def send(self, request: Request) -> requests.Response:
        """Send ``request`` through the session (see :meth:`halkit.transport.Transport.send`).

        :param request: what to send.
        :returns: the final response, its body read.
        """
        self.sends += 1
        end = time.monotonic() + request.deadline if request.deadline is not None else None
        return self._send_requests(request, end)

class Urllib3Transport(_SessionBase):
    """The fast path: a request sent straight through the mounted adapter's urllib3 pool.

    It sends only what it can send exactly as ``Session.send`` would (see
    :meth:`can_send`); :meth:`send` refuses anything else with
    :class:`halkit.RequestError`. Use :class:`SessionTransport`, which falls
    back to requests' own path, unless you know every request qualifies.

    What it keeps of requests: the session's headers, the auth (and its
    response hooks: a 401 still renews a token; Digest still answers its
    challenge), cookies set by the server (after which requests' path is
    used), redirects (followed with ``Session.resolve_redirects``), the
    adapter's retries, pool and TLS settings. The response is a
    :class:`requests.Response` as ``HTTPAdapter.build_response`` makes it.

    :param session: the session whose settings and adapters are used.
    """

    def __init__(self, session: Optional[requests.Session] = None) -> None:
        super().__init__(session)
        self._valid_headers: Dict[Tuple[str, str], bool] = {}
        #: Requests sent through the fast path (each redirect hop or retry not counted).
        self.fast_sends = 0

    def __repr__(self) -> str:
        return f"<halkit.transport.Urllib3Transport origins={len(self._origins)}>"

    # -- the decision ---------------------------------------------------------

    def _decide(self, url: str, snapshot: Tuple[Any, ...]) -> _Origin:
        session = self.session
        settings: Dict[str, Any] = dict(session.merge_environment_settings(url, {}, True, None, None))
        slow = _Origin(False, None, None, settings, snapshot)
        if type(session) is not _SESSION:
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

    def _fast_entry(self, request: Request) -> Optional[Tuple[_Origin, str]]:
        """The origin's decision and the path, when ``request`` can take the fast path now."""
        if request.params or request.data is not None or request.files is not None:
            return None
        url = request.url
        match = _SIMPLE_URL.fullmatch(url)
        if match is None:
            return None
        entry = self._origin(f"{match.group(1)}://{match.group(2)}", url)
        if not entry.fast:
            return None
        s = self.session
        d = s.__dict__
        adapter = entry.adapter
        if (
            s.auth is None
            and not s.params
            and not s.proxies
            and not s.hooks.get("response")
            and not s.cookies
            and "send" not in d and "get_adapter" not in d and "request" not in d
            and "prepare_request" not in d and "resolve_redirects" not in d
            and nothing_patched()
            and s.get_adapter(url) is adapter
            and "send" not in adapter.__dict__  # type: ignore[union-attr]
        ):
            return entry, match.group(3)
        return None

    def can_send(self, request: Request) -> bool:
        """Whether ``request`` can be sent now exactly as requests would send it.

        True when nothing would notice the difference: a plain
        :class:`requests.Session` (not a subclass, no method replaced on it)
        with no session ``auth``, ``params``, ``proxies``, response hooks or
        cookies; exactly :class:`requests.adapters.HTTPAdapter` mounted for
        the URL; no proxy for the origin (environment and session) and no
        ``.netrc`` entry; nothing patched in requests or urllib3 since halkit
        was imported (``Session.send``, ``Session.get_adapter``,
        ``Session.request``, ``Session.prepare_request``, ``HTTPAdapter.send``,
        urllib3's connection classes: what responses, requests-mock and vcrpy
        replace); and a request with a plain URL, no ``params`` and a
        ``bytes`` body or none.

        :param request: the request.
        """
        return self._fast_entry(request) is not None

    def uses_fast_path(self, url: str) -> bool:
        """Whether a GET of ``url`` (no params, no body) would take the fast path now.

        :param url: the URL.
        """
        return self.can_send(Request("GET", url))

    # -- sending ----------------------------------------------------------------

    def send(self, request: Request) -> requests.Response:
        """Send ``request`` on the fast path (see :meth:`halkit.transport.Transport.send`).

        :param request: what to send.
        :raises halkit.RequestError: the request cannot take the fast path (see :meth:`can_send`).
        """
        routed = self._fast_entry(request)
        if routed is None:
            raise RequestError(f"{request.method} {request.url} cannot take the fast path; use SessionTransport",
                               url=request.url, method=request.method)
        return self._send_fast(routed[0], routed[1], request)

    def _headers(self, request: Request) -> "CaseInsensitiveDict[Any]":
        base = self.session.headers
        merged: CaseInsensitiveDict[Any] = (
            base.copy() if type(base) is CaseInsensitiveDict else CaseInsensitiveDict(base)  # type: ignore[attr-defined]
        )
        for key, value in request.headers.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        valid = self._valid_headers
        for item in merged.items():
            if item not in valid:
                try:
                    check_header_validity(item)
                except (ValueError, TypeError) as exc:  # requests' InvalidHeader is a ValueError
                    raise RequestError(
                        f"cannot prepare {request.method} {request.url}: invalid value for header {item[0]!r}",
                        url=request.url, method=request.method,
                    ) from exc
                if len(valid) > 256:
                    valid.clear()
                valid[item] = True
        return merged

    def _send_fast(self, entry: _Origin, path: str, request: Request) -> requests.Response:
        method, url, body = request.method, request.url, request.body
        deadline = request.deadline
        end = time.monotonic() + deadline if deadline is not None else None
        merged = self._headers(request)
        if body is not None:
            merged["Content-Length"] = str(len(body))
        elif method not in _NO_BODY_METHODS and "Content-Length" not in merged:
            merged["Content-Length"] = "0"
        prepared = PreparedRequest()
        prepared.method = method
        prepared.url = url
        prepared.headers = merged
        prepared.body = body
        auth = request.auth
        if auth is not None:
            prepared = auth(prepared)
            if prepared.url != url or prepared.body is not body:
                # the auth rewrote the URL or the body: let requests send what it
                # made, with the (empty) cookie jar Session.prepare_request would give it
                prepared.prepare_cookies(RequestsCookieJar())
                return self._send_prepared(prepared, request, end)
        pool = entry.pool
        if pool.pool is None:  # the pool manager dropped (closed) this pool: get the current one
            entry = self._refresh(entry, url)
            if not entry.fast:
                prepared.prepare_cookies(RequestsCookieJar())
                return self._send_prepared(prepared, request, end)
            pool = entry.pool
        self.fast_sends += 1
        token = call_deadline.set(end)
        try:
            start = time.perf_counter()
            try:
                raw = pool.urlopen(
                    method,
                    path,
                    body=body,
                    # a plain dict: urllib3 copies and scans the headers several times,
                    # which a CaseInsensitiveDict makes several times dearer
                    headers=dict(prepared.headers.items()),
                    redirect=False,
                    assert_same_host=False,
                    preload_content=False,
                    decode_content=False,
                    retries=entry.adapter.max_retries,  # type: ignore[union-attr]
                    timeout=self._timeout(request.timeout, deadline),
                    chunked=False,
                )
            except Exception as exc:
                cause = as_requests_error(exc)
                if cause is exc:
                    raise
                raise cause from exc
            response = _build_response(prepared, raw, entry.adapter)
            response.elapsed = datetime.timedelta(seconds=time.perf_counter() - start)
            limit = request.max_body_size
            if prepared.hooks["response"] or response.is_redirect or "set-cookie" in response.headers:
                response = self._after_hooks(response, prepared, request, entry, end)
            read_body(response, limit, end, method, url, direct=_is_urllib3(response.raw))
        except Exception as exc:
            raise map_error(exc, method, url, end) from exc
        finally:
            call_deadline.reset(token)
        return response

    def _after_hooks(self, response: requests.Response, prepared: PreparedRequest, request: Request,
                     entry: _Origin, end: Optional[float]) -> requests.Response:
        """What ``Session.send`` does after the adapter: hooks, cookies, redirects."""
        session = self.session
        method, url, limit = request.method, request.url, request.max_body_size
        settings = entry.settings
        kwargs = {"stream": True, "timeout": request.timeout, "verify": settings["verify"], "cert": settings["cert"],
                  "proxies": settings["proxies"]}
        if response.status_code >= 300:
            # an auth's hook (Digest, a token renewal) or resolve_redirects
            # copies the request and needs its cookie jar: the public way to set one
            prepared.prepare_cookies(RequestsCookieJar())
        if prepared.hooks["response"]:
            # what a hook reads (a 401 drained before a renewal) counts against the cap
            response.raw = CappedRaw(response.raw, limit, end, method, url)
            response = dispatch_hook("response", prepared.hooks, response, **kwargs)  # type: ignore[no-untyped-call]
        for old in response.history:
            if "set-cookie" in old.headers:
                extract_cookies_to_jar(session.cookies, old.request, old.raw)  # type: ignore[no-untyped-call]
        if "set-cookie" in response.headers:
            extract_cookies_to_jar(session.cookies, response.request, response.raw)  # type: ignore[no-untyped-call]
        final = response.request
        if response.is_redirect and final is not None:
            # the cap hook for every hop resolve_redirects makes from `final`
            # (and, run on this answer now, it leaves an auth's hooks behind
            # when the redirect leaves the origin)
            hook = cap_hook(limit, end, method, url, self._keep_hook)
            final_hooks = final.hooks["response"]
            final_hooks.insert(0, hook)
            final_hooks.append(hook)
            response = hook(response)
            read_body(response, limit, end, method, url, direct=_is_urllib3(response.raw))
            if end is not None:
                kwargs["timeout"] = self._timeout(request.timeout, max(end - time.monotonic(), 0.001))
            history = [response]
            history.extend(session.resolve_redirects(response, final, **kwargs))
            response = history.pop()
            response.history = history
        return response

    def _refresh(self, entry: _Origin, url: str) -> _Origin:
        with self._lock:
            fresh = self._decide(url, entry.snapshot)
            match = _SIMPLE_URL.fullmatch(url)
            if match is not None:
                self._origins[f"{match.group(1)}://{match.group(2)}"] = fresh
        return fresh


class SessionTransport(Urllib3Transport):
    """The default transport: the fast path when nothing would notice, else ``Session.send``.

    A request takes the fast path (:class:`Urllib3Transport`) only when
    :meth:`~Urllib3Transport.can_send` says nothing would notice: no test
    double or patch installed, a stock adapter, no hooks, proxies, cookies
    or ``.netrc`` entry (checked on every request, so mounting an adapter or
    installing a test double later is noticed). Everything else goes
    through ``Session.send`` (:class:`RequestsTransport`). ``fast_path=False``
    (or ``halkit.Client(fast_path=False)``) always uses ``Session.send``.

    Thread-safe: any number of threads may share one transport.

    :param session: the session to send through (a new one by default).
    :param fast_path: allow the fast path.
    """

    def __init__(self, session: Optional[requests.Session] = None, *, fast_path: bool = True) -> None:
        super().__init__(session)
        #: Whether the fast path may be used.
        self.fast_path = fast_path
        #: Requests sent through ``Session.send``.
        self.slow_sends = 0

    def __repr__(self) -> str:
        return f"<halkit.transport.SessionTransport fast_path={self.fast_path} origins={len(self._origins)}>"

    def can_send(self, request: Request) -> bool:
        """Whether ``request`` would take the fast path now (see :meth:`Urllib3Transport.can_send`).

        :param request: the request.
        """
        return self.fast_path and self._fast_entry(request) is not None

    def send(self, request: Request) -> requests.Response:
        """Send ``request`` (see :meth:`halkit.transport.Transport.send`).

        :param request: what to send.
        :returns: the final response, its body read.
        """
        if self.fast_path:
            routed = self._fast_entry(request)
            if routed is not None:
                return self._send_fast(routed[0], routed[1], request)
        self.slow_sends += 1
        end = time.monotonic() + request.deadline if request.deadline is not None else None
        return self._send_requests(request, end)


def _urllib3_timeout(timeout: Any, deadline: Optional[float]) -> Timeout:
    if isinstance(timeout, Timeout):
        connect, read = timeout.connect_timeout, timeout.read_timeout
    elif isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    if deadline is not None:
        connect = deadline if not isinstance(connect, (int, float)) else min(connect, deadline)
        read = deadline if not isinstance(read, (int, float)) else min(read, deadline)
    return Timeout(connect=connect, read=read)


def _is_urllib3(raw: Any) -> bool:
    """Whether ``raw`` is (or wraps) urllib3's own response, as the stock adapter makes it."""
    if isinstance(raw, CappedRaw):
        raw = raw.raw
    return type(raw) is HTTPResponse


# Content-Type -> the encoding requests derives from it (a pure function of the header)
_ENCODINGS: Dict[Optional[str], Optional[str]] = {}


def _build_response(request: PreparedRequest, raw: Any, adapter: Any) -> requests.Response:
    """A :class:`requests.Response` as ``HTTPAdapter.build_response`` makes it."""
    response = requests.Response()
    response.status_code = raw.status
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(raw.headers)
    response.headers = headers
    content_type = headers.get("content-type")
    try:
        response.encoding = _ENCODINGS[content_type]
    except KeyError:
        response.encoding = get_encoding_from_headers(headers)
        if len(_ENCODINGS) < 64:
            _ENCODINGS[content_type] = response.encoding
    response.raw = raw
    response.reason = raw.reason
    response.url = request.url  # type: ignore[assignment]
    if "set-cookie" in headers:
        extract_cookies_to_jar(response.cookies, request, raw)  # type: ignore[no-untyped-call]
    response.request = request
    response.connection = adapter  # type: ignore[attr-defined]
    return response

