"""The async twin of :class:`halkit.Client`, on httpx.

:class:`AsyncClient` takes the same arguments as :class:`halkit.Client` and
has the same methods, awaitable where they do I/O. It implements the
navigation seam (:class:`halkit.typing.Navigator`) with coroutines: the
resources it returns are :class:`~halkit.aio.AsyncResource` objects, the
shared parsed model with awaitable navigation. Checks and rules come from
the same places as the sync client's: URLs from :mod:`halkit.urls`, HAL
parsing from :mod:`halkit.hal`, profile rules from
:class:`halkit.registry.Profile` (``check_method``, ``link_target``,
``response_type``, ``embedded_type``, ``infer_types``, ``enforce``), errors
from :func:`halkit.exceptions.error_for_status`, the retry policy from
:func:`halkit.client.default_retry`.
"""

from __future__ import annotations

import asyncio
import functools
import json as _json
import time
import warnings
from typing import TYPE_CHECKING, Any, AsyncGenerator, Dict, Iterable, Mapping, Optional, Set, Tuple, Union, cast

import httpx

from .. import _answers, urls
from ..auth import ScopedHeaders
from ..client import (
    DEFAULT_ACCEPT,
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
    Client,
    default_retry,
)
from ..exceptions import (
    CompatibilityWarning,
    ContentTypeError,
    HalFormatError,
    HalkitError,
    TimeoutError,
)
from ..hal import is_json_media_type, warn_deviations
from ..retry import call_deadline
from ..transport import default_deadline
from ..typing import VALIDATION_MODES
from .auth import ScopedAuth, prepare_async_auth
from .model import AsyncLink, AsyncResource, AsyncTemplate
from .pool import PoolTransport
from .transport import DEFAULT_MAX_REDIRECTS, AsyncTransport, Body, as_httpx_timeout, default_ssl_context

if TYPE_CHECKING:  # pragma: no cover
    from ..registry import Profile
    from ..typing import Navigator, Target, Timeout, Variables

#: ``asyncio.timeout`` where it exists (Python 3.11+): a deadline without a task per call
_timeout_scope: Any = getattr(asyncio, "timeout", None)

__all__ = ["AsyncClient", "default_user_agent"]

_USE_DEFAULT: Any = _answers.USE_DEFAULT


def default_user_agent() -> str:
    """The User-Agent an async client sends by default: ``halkit/<version> python-httpx/<version>``."""
    return f"halkit/{_answers.version()} python-httpx/{httpx.__version__}"


def _make_retry(retries: Any) -> Any:
    """The retry policy for ``retries=`` (as :class:`halkit.Client` reads it), or ``None``."""
    if not retries:
        return None
    if isinstance(retries, bool):
        return default_retry(3)
    if isinstance(retries, int):
        return default_retry(retries)
    return retries  # a urllib3 Retry, e.g. a halkit.client.HalkitRetry


def _environment_proxies() -> bool:
    """Whether the environment names a proxy (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``)."""
    import urllib.request

    return any(key in ("http", "https", "all") for key in urllib.request.getproxies())


def _make_session(
    transport: Optional[httpx.AsyncBaseTransport], cache: Any
) -> Tuple[httpx.AsyncClient, Optional[PoolTransport]]:
    """The httpx client an :class:`AsyncClient` makes for itself, and the pool to call directly, if any.

    Its transport is halkit's :class:`~halkit.aio.pool.PoolTransport`
    (behind hishel's cache with ``cache=``), or yours. httpx ignores the
    environment's proxies when a client is given a transport, so with a
    proxy in the environment (and no transport of yours) the client is
    httpx's default one, which mounts the proxies. The pool is called
    directly (:meth:`halkit.aio.transport.AsyncTransport.uses_direct_path`)
    only when it is the client's one transport.
    """
    if transport is None and _environment_proxies():
        if cache not in (None, False):
            raise HalkitError(
                "cache= cannot be combined with a proxy from the environment (HTTP_PROXY...); "
                "pass session=httpx.AsyncClient(...) with hishel's transport and your proxy mounted"
            )
        return httpx.AsyncClient(verify=default_ssl_context(), follow_redirects=False), None
    if transport is not None:
        return httpx.AsyncClient(transport=transport if cache in (None, False) else _cache_transport(cache, transport),
                                 follow_redirects=False), None
    pool = PoolTransport(default_ssl_context())
    if cache not in (None, False):
        return httpx.AsyncClient(transport=_cache_transport(cache, pool), follow_redirects=False), None
    return httpx.AsyncClient(transport=pool, follow_redirects=False), pool


def _cache_transport(cache: Any, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
    """Wrap ``inner`` in hishel's RFC 9111 cache (``cache=True`` or a hishel async storage)."""
    try:
        from hishel import AsyncSqliteStorage
        from hishel.httpx import AsyncCacheTransport
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise HalkitError("cache= needs hishel: pip install 'halkit[async]'") from exc
    storage = AsyncSqliteStorage(database_path=":memory:") if cache is True else cache
    return cast(httpx.AsyncBaseTransport, AsyncCacheTransport(inner, storage=storage, rfc=True))


class _ScopedHeadersFlow(httpx.Auth):
    """The client's ``headers=`` kept on their origins, then the credentials' flow on theirs.

    What :class:`halkit.auth.ScopedHeaders` does for the sync client: on a
    request (or redirect hop) to an origin the headers are not for, each one
    that still has the client-level value is removed (a per-call header of
    the same name stays); then the credentials' flow runs if their origin
    allows it.
    """

    def __init__(self, headers: ScopedHeaders, credentials: Optional[ScopedAuth]) -> None:
        self.headers = headers
        self.credentials = credentials

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        url = str(request.url)
        if not self.headers._allows(url):
            self.headers._strip(cast(Any, request))
        if self.credentials is None or not self.credentials.allows(url):
            yield request
            return
        flow = self.credentials.auth.async_auth_flow(request)
        try:
            request = await flow.__anext__()
            while True:
                response = yield request
                try:
                    request = await flow.asend(response)
                except StopAsyncIteration:
                    return
        finally:
            await flow.aclose()

    async def aclose(self) -> None:
        if self.credentials is not None:
            await self.credentials.aclose()


class _Everywhere(ScopedAuth):
    """A :class:`ScopedAuth` whose flow runs for every origin (the flow itself scopes what it sets)."""

    def allows(self, url: str) -> bool:
        return True


class AsyncClient:
    """A HAL API client for asyncio, on httpx (``pip install halkit[async]``).

    Every argument is :class:`halkit.Client`'s, with the same promises
    (``headers=`` kept on ``origins``, widened by ``header_origins=``; a total
    ``deadline=`` per call; a ``User-Agent``, here
    :func:`default_user_agent`, unless you set one), with these differences:

    :param session: an :class:`httpx.AsyncClient` to send with (its pool,
        TLS settings, proxies and cookies are kept; redirects are followed
        by halkit, hop by hop). By default the client makes its own. A
        :class:`requests.Session` is refused (it is :class:`halkit.Client`'s).
    :param transport: an :class:`httpx.AsyncBaseTransport` for the client's
        own httpx client (e.g. :class:`httpx.MockTransport` in tests); a
        :mod:`halkit.transport` object (the sync client's) is refused.
    :param auth: a :class:`halkit.auth.ClientCredentials`, a bearer token
        string or :class:`halkit.auth.BearerToken`, a ``(user, password)``
        tuple, or any :class:`httpx.Auth` (see :mod:`halkit.aio.auth`); sent
        only to ``origins``.
    :param retries: a number of retries (:func:`halkit.client.default_retry`),
        a urllib3 ``Retry`` (the same policy objects as the sync client's), or
        ``0``/``False`` for none; they apply with your ``session`` too.
    :param cache: HTTP caching (RFC 9111) through hishel: ``True`` for an
        in-memory store, or a hishel async storage; only with a client-made session.
    :param max_redirects: the most redirect hops followed.
    :param fast_path: ``False`` sends every request through the httpx
        ``session``'s own ``send``. By default halkit sends straight to its
        own connection pool when it made the session and nothing would
        notice (no cookie, environment proxy, cache or test double; see
        :meth:`halkit.aio.transport.AsyncTransport.uses_direct_path`).
    :param deadline: the most seconds one call may take in all (connect,
        every read, redirects, retries and their waits, a token request);
        by default :data:`halkit.transport.DEADLINE_FACTOR` times the read
        timeout; ``None`` for no total bound. A call past it raises
        :class:`halkit.TimeoutError`.
    """

    #: The classes the shared model builds for this navigator (see :mod:`halkit.aio.model`).
    link_class = AsyncLink
    template_class = AsyncTemplate
    resource_class = AsyncResource

    def __init__(
        self,
        entry_url: str,
        *,
        session: Optional[httpx.AsyncClient] = None,
        transport: Optional[httpx.AsyncBaseTransport] = None,
        auth: Any = None,
        origins: Optional[Iterable[str]] = None,
        timeout: Union[float, Tuple[float, float], None] = DEFAULT_TIMEOUT,
        headers: Optional[Mapping[str, str]] = None,
        profile: Union["Profile", str, None] = None,
        validation: Optional[str] = None,
        strict: bool = False,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        content_type: str = "application/json",
        accept: str = DEFAULT_ACCEPT,
        retries: Any = 3,
        relative_hrefs: str = "document",
        api_root: Optional[str] = None,
        cache: Any = None,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        fast_path: bool = True,
        deadline: Optional[float] = _USE_DEFAULT,
        header_origins: Union[Iterable[str], str, None] = None,
    ) -> None:
        if session is not None and not isinstance(session, httpx.AsyncClient):
            raise HalkitError(
                f"session= must be an httpx.AsyncClient, not {type(session).__name__} "
                "(a requests.Session is for halkit.Client)"
            )
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise HalkitError(
                f"transport= must be an httpx.AsyncBaseTransport (e.g. httpx.MockTransport), not "
                f"{type(transport).__name__} (halkit.transport objects are for halkit.Client)"
            )
        self.entry_url = entry_url
        #: The URL ``relative_hrefs="api-root"`` resolves against (it ends with ``/``).
        self.api_root = _answers.api_root(entry_url, relative_hrefs, api_root)
        #: How relative hrefs resolve: ``"document"`` or ``"api-root"``.
        self.relative_hrefs = relative_hrefs
        self._owns_session = session is None
        if session is not None and (cache not in (None, False) or transport is not None):
            raise HalkitError("cache= and transport= apply to a client-made session; configure yours instead")
        direct: Optional[PoolTransport] = None
        if session is None:
            session, direct = _make_session(transport, cache)
        #: The :class:`httpx.AsyncClient` every request goes through.
        self.session = session
        #: Whether halkit may send straight to its own connection pool, bypassing
        #: ``session.send`` when nothing would notice (see ``fast_path=``).
        self.fast_path = fast_path
        self._transport = AsyncTransport(
            session, retry=_make_retry(retries), max_redirects=max_redirects, direct=direct if fast_path else None
        )
        #: The total deadline of one call, in seconds (``None``: no bound; see ``deadline=``).
        self.deadline: Optional[float] = default_deadline(timeout) if deadline is _USE_DEFAULT else deadline
        self.timeout = timeout
        self._default_timeout = as_httpx_timeout(timeout)
        self.max_body_size = max_body_size
        self.content_type = content_type
        self.strict = strict
        self._headers: Dict[str, str] = {"Accept": accept}
        if session.headers.get("User-Agent") == f"python-httpx/{httpx.__version__}":
            # say who is asking (a User-Agent of the user's session, or in headers=, wins)
            self._headers["User-Agent"] = default_user_agent()
        if headers:
            self._headers.update(headers)
        origin_urls = [o if "://" in o else f"https://{o}" for o in (origins or [entry_url])]
        #: The origins (scheme, host, port) credentials may be sent to.
        self.origins = frozenset(urls.origin(o) for o in origin_urls)
        # the origins a 401 note says credentials (or headers=) are kept to, if any are
        self._scoped_to = self.origins if auth is not None or (headers and header_origins != "*") else None
        self._auth = prepare_async_auth(auth, origin_urls, session=session, on_token_request=self._count_request)
        if headers:
            # your own headers stay on the API's origins too, unless header_origins says otherwise
            scoped = ScopedHeaders(headers, origin_urls if header_origins is None else header_origins)
            if not scoped.everywhere:
                self._auth = _Everywhere(_ScopedHeadersFlow(scoped, self._auth), self.origins)
        #: The profile resources are validated against, or ``None``.
        self.profile: Optional["Profile"]
        self.profile, self.validation = _answers.profile_and_mode(profile, validation)
        self._warned: Set[str] = set()
        self._warned_links: Set[Tuple[str, str, str]] = set()
        self._warned_headers: Set[Tuple[str, str]] = set()
        #: Requests sent by this client (each retry or redirect hop is not counted separately).
        self.request_count = 0

    def _count_request(self) -> None:
        """Count one request sent on the client's behalf (the auth's token requests)."""
        self.request_count += 1

    @classmethod
    def from_profile(
        cls,
        profile_or_name: Union["Profile", str],
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        **kwargs: Any,
    ) -> "AsyncClient":
        """A ready client for a profiled API; the arguments of :meth:`halkit.Client.from_profile`."""
        build = Client.__dict__["from_profile"].__func__  # the same code, building this class
        return cast(AsyncClient, build(cls, profile_or_name, client_id, client_secret, **kwargs))

    # -- lifecycle ---------------------------------------------------------

    async def aclose(self) -> None:
        """Close the httpx client, if this client made it, and the auth's token connections."""
        if self._owns_session:
            await self._transport.aclose()
        if self._auth is not None:
            await self._auth.aclose()

    async def close(self) -> None:
        """The same as :meth:`aclose` (the sync client's name)."""
        await self.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        profile = f" profile={self.profile.name!r}" if self.profile is not None else ""
        return f"<halkit.AsyncClient {urls.redact(self.entry_url)!r}{profile} validation={self.validation!r}>"

    # -- entry points ------------------------------------------------------

    async def root(self) -> AsyncResource:
        """GET the entry point."""
        entry_type = self.profile.entry_type if self.profile is not None else None
        return await self.get(self.entry_url, type=entry_type)

    async def get(
        self,
        url: str,
        *,
        type: Optional[str] = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        validation: Optional[str] = None,
    ) -> AsyncResource:
        """GET ``url`` and return the resource; the arguments of :meth:`halkit.Client.get`.

        A relative ``url`` (``"/v1/users"``) resolves against :attr:`entry_url`
        (RFC 3986); ``headers`` and ``timeout`` are for this request only.
        """
        if validation is not None and validation not in VALIDATION_MODES:
            raise HalkitError(f"validation must be one of {VALIDATION_MODES}, not {validation!r}")
        url = self._absolute(url)
        result = await self._exchange(
            "GET", url, params=params, headers=headers, timeout=timeout, type_hint=type, validation=validation
        )
        if result is None:
            raise ContentTypeError(f"GET {url} answered 204 No Content: no body", url=url, method="GET", status=204)
        return result

    async def post(self, url: str, json: Any = None, **kwargs: Any) -> Optional[AsyncResource]:
        """POST to ``url`` (see :meth:`halkit.Client.post`); a relative ``url`` resolves against :attr:`entry_url`."""
        return await self._verb("POST", url, json=json, **kwargs)

    async def put(self, url: str, json: Any = None, **kwargs: Any) -> Optional[AsyncResource]:
        """PUT to ``url``."""
        return await self._verb("PUT", url, json=json, **kwargs)

    async def patch(self, url: str, json: Any = None, **kwargs: Any) -> Optional[AsyncResource]:
        """PATCH ``url``."""
        return await self._verb("PATCH", url, json=json, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Optional[AsyncResource]:
        """DELETE ``url``."""
        return await self._verb("DELETE", url, **kwargs)

    async def _verb(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        timeout: Any = None,
        type: Optional[str] = None,
    ) -> Optional[AsyncResource]:
        return await self._exchange(
            method, self._absolute(url), json=json, data=data, params=params, headers=headers, files=files,
            timeout=timeout, type_hint=type,
        )

    def _absolute(self, url: str) -> str:
        """``url`` resolved against the entry URL when it is relative (RFC 3986)."""
        return _answers.absolute(self.entry_url, url)

    async def follow(self, *rels: Union[str, Mapping[str, Any]], **kwargs: Any) -> AsyncResource:
        """Fetch the entry point and follow ``rels`` from it (see :meth:`AsyncResource.follow`)."""
        return await (await self.root()).follow(*rels, **kwargs)

    def resolve_href(self, base: Optional[str], href: str) -> str:
        """Resolve ``href``, found in a document at ``base``, by the :attr:`relative_hrefs` policy."""
        return _answers.resolve_href(self.relative_hrefs, self.api_root, base, href)

    # -- HTTP --------------------------------------------------------------

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        timeout: Any = None,
        deadline: Optional[float] = _USE_DEFAULT,
    ) -> httpx.Response:
        """Send one request and return the :class:`httpx.Response`, its body read.

        The arguments are :meth:`halkit.Client.request`'s; ``url`` is absolute.

        :raises halkit.HTTPError: a 4xx or 5xx answer (with the response and parsed body).
        :raises halkit.TransportError: connection errors and timeouts.
        :raises halkit.TimeoutError: the call's total ``deadline`` passed.
        :raises halkit.UnsafeURLError: a URL (or redirect) whose scheme is not http or https.
        :raises halkit.ResponseTooLargeError: a body over :attr:`max_body_size`.
        """
        method = method.upper()
        urls.check_scheme(url)  # (again for every hop, in the transport) before the body is encoded
        hdrs: Dict[str, str] = dict(self._headers)
        body = Body(files=files)
        if json is not None:
            try:
                body.content = _json.dumps(json, allow_nan=False, separators=(",", ":")).encode("utf-8")
            except (TypeError, ValueError) as exc:
                raise HalkitError(f"cannot send the request body as JSON: {exc}") from exc
            hdrs["Content-Type"] = self.content_type
        elif isinstance(data, str):
            body.content = data.encode("utf-8")
        elif isinstance(data, (bytes, bytearray)):
            body.content = bytes(data)
        elif data is not None:
            body.data = data
        if headers:
            hdrs.update(headers)
        timeout, deadline = _answers.call_limits(timeout, deadline, None, self.deadline)
        self.request_count += 1
        sending = self._transport.send(
            method,
            url,
            headers=hdrs,
            body=body,
            params=params,
            auth=self._auth,
            timeout=self._default_timeout if timeout is None else as_httpx_timeout(timeout),
            max_body_size=self.max_body_size,
        )
        if deadline is None:
            response = await sending
        else:
            # retries (HalkitRetry) see the deadline too: no wait is begun that would pass it
            token = call_deadline.set(time.monotonic() + deadline)
            try:
                if _timeout_scope is not None:  # Python 3.11+: no task of its own, unlike wait_for
                    async with _timeout_scope(deadline):
                        response = await sending
                else:  # pragma: no cover - Python 3.9 and 3.10
                    response = await asyncio.wait_for(sending, deadline)
            except HalkitError:
                raise  # a halkit.TimeoutError is a builtins.TimeoutError, as asyncio's is since Python 3.11
            except asyncio.TimeoutError:
                shown = urls.redact(url)
                raise TimeoutError(
                    f"{method} {shown}: the call's total deadline ({deadline:g} s) passed", url=shown, method=method
                ) from None
            finally:
                call_deadline.reset(token)
        if response.headers.get("Deprecation") or response.headers.get("Sunset"):
            _answers.warn_deprecation_headers(str(response.url), response.headers, self._warned_headers)
        if response.status_code >= 400:
            raise _answers.status_error(
                method, str(response.url) or url, response.status_code, response.content,
                response.headers.get("Content-Type"), cast(Any, response), self._scoped_to,
            )
        return response

    # -- the navigation seam (halkit.typing.Navigator, with coroutines) ------

    async def send(
        self,
        source: Optional[str],
        target: "Target",
        method: str,
        *,
        variables: Optional["Variables"] = None,
        json: Any = None,
        data: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        timeout: Any = None,
    ) -> Optional[AsyncResource]:
        """Send ``method`` to a link or URL on behalf of a resource (see :meth:`halkit.Client.send`)."""
        method = method.upper()
        url, rel = self._prepare(source, target, method, variables)
        return await self._exchange(
            method, url, json=json, data=data, params=params, headers=headers, files=files, timeout=timeout,
            type_hint=self._answer_type(source, rel, method),
        )

    async def send_raw(
        self,
        source: Optional[str],
        target: "Target",
        method: str,
        *,
        variables: Optional["Variables"] = None,
        json: Any = None,
        data: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        timeout: Any = None,
    ) -> httpx.Response:
        """Like :meth:`send` (the same checks), but return the :class:`httpx.Response` (HEAD, OPTIONS)."""
        method = method.upper()
        url, _ = self._prepare(source, target, method, variables)
        return await self.request(
            method, url, json=json, data=data, params=params, headers=headers, files=files, timeout=timeout
        )

    def embedded_type(self, source: Optional[str], rel: str) -> Optional[str]:
        """The profile type of what a ``source`` resource embeds under ``rel``, if the profile says."""
        if self.profile is None or source is None:
            return None
        return self.profile.embedded_type(source, rel)

    def _prepare(
        self, source: Optional[str], target: "Target", method: str, variables: Optional["Variables"]
    ) -> Tuple[str, Optional[str]]:
        """The URL and rel of a request; warns about deprecated links and checks the method."""
        return _answers.prepare(
            self.profile, self.validation, self._warned_links, source, target, method, variables, self._absolute
        )

    def _answer_type(self, source: Optional[str], rel: Optional[str], method: str) -> Optional[str]:
        return _answers.answer_type(self.profile, source, rel, method)

    # -- resources ---------------------------------------------------------

    async def _exchange(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        timeout: Any = None,
        type_hint: Optional[str] = None,
        validation: Optional[str] = None,
    ) -> Optional[AsyncResource]:
        """Send a request and build the resource that comes back (typed and validated)."""
        response = await self.request(
            method, url, json=json, data=data, params=params, headers=headers, files=files, timeout=timeout
        )
        if method == "HEAD":
            return None
        status = response.status_code
        where = str(response.url) or url
        if status == 304:
            raise _answers.not_modified(method, where, [*(headers or ()), *self._headers], cast(Any, response))
        location = response.headers.get("Location")
        action = _answers.after_answer(
            method, status, where, location, response.content, response.headers.get("Content-Type"), cast(Any, response)
        )
        if action is not _answers.READ_BODY:
            if action is _answers.FOLLOW_LOCATION:
                return await self.get(urls.resolve(where, cast(str, location)), type=type_hint)
            return None
        build = functools.partial(self._resource_from, response, type_hint, method=method, validation=validation)
        reason = response.reason_phrase
        resource, instead = _answers.read_answer(method, status, where, location, reason, cast(Any, response), build)
        if instead is None:
            return cast(AsyncResource, resource)
        try:
            return await self.get(instead, type=type_hint)
        except (HalFormatError, ContentTypeError) as again:
            raise _answers.write_succeeded_error(
                method, where, status, reason, location, again, cast(Any, response)
            ) from again

    def _resource_from(
        self,
        response: httpx.Response,
        type_hint: Optional[str],
        *,
        method: str = "GET",
        validation: Optional[str] = None,
    ) -> AsyncResource:
        url = str(response.url)
        document, deviations, media = _answers.read_document(
            method, response.status_code, url, response.content, response.headers.get("Content-Type"), self.strict,
            cast(Any, response),
        )
        if not is_json_media_type(media):
            self._warn_once("content-type", f"{url} served JSON as {media or 'no Content-Type'}")
        mode = self.validation if validation is None else validation
        profile = self.profile if mode != "off" else None
        type_, deviations = _answers.document_type(document, deviations, type_hint, method, profile)
        if deviations:
            warn_deviations(deviations, self._warned, where=url, stacklevel=5)
        resource = self.resource_class(
            document,
            base_url=url,
            navigator=cast("Navigator", self),
            type=type_,
            response=cast(Any, response),
            strict=self.strict,
        )
        if profile is not None and type_ is not None:
            _answers.enforce(profile, resource, type_, mode, url, cast(Any, response))
        return resource

    def _warn_once(self, kind: str, message: str) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        warnings.warn(f"lenient HAL parsing accepted {message} [{kind}]", CompatibilityWarning, stacklevel=5)
