"""The client: HTTP for HAL over a :class:`requests.Session`.

:class:`Client` owns the transport seam (a ``requests.Session``, yours or its
own), the auth hook (any value :func:`halkit.auth.prepare_auth` accepts,
scoped to the API's origin), the validation hook (a profile and a mode), and
turns responses into :class:`~halkit.Resource` objects or halkit errors.
"""

from __future__ import annotations

import functools
import json as _json
import threading
import warnings
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    Mapping,
    MutableMapping,
    Optional,
    Set,
    Tuple,
    Union,
    cast,
)

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import _answers, urls
from .exceptions import (
    CompatibilityWarning,
    ContentTypeError,
    HalFormatError,
    HalkitError,
    ProfileError,
    RequestError,
)
from .hal import is_json_media_type, warn_deviations
from .resource import Resource
from .retry import IDEMPOTENT_METHODS, HalkitRetry, default_retry
from .transport import Request, SessionTransport, Transport, default_deadline
from .typing import VALIDATION_MODES

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Profile
    from .typing import Target, Timeout, Variables

__all__ = [
    "Client",
    "DEFAULT_ACCEPT",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_BODY_SIZE",
    "IDEMPOTENT_METHODS",
    "RELATIVE_HREF_POLICIES",
    "default_user_agent",
    "HalkitRetry",
    "default_retry",
]

#: The Accept header sent by default.
DEFAULT_ACCEPT = "application/hal+json, application/json;q=0.9"
#: Seconds to wait for the server to connect and to answer (requests has no default).
DEFAULT_TIMEOUT = 10.0
#: The largest response body read, in bytes after decompression (32 MiB).
DEFAULT_MAX_BODY_SIZE = 32 * 1024 * 1024
# IDEMPOTENT_METHODS, HalkitRetry and default_retry live in halkit.retry (re-exported here)
_USE_DEFAULT: Any = _answers.USE_DEFAULT


def default_user_agent() -> str:
    """The User-Agent a client sends by default: ``halkit/<version> python-requests/<version>``."""
    return f"halkit/{_answers.version()} python-requests/{requests.__version__}"

#: The values of ``Client(relative_hrefs=...)``.
RELATIVE_HREF_POLICIES = _answers.RELATIVE_HREF_POLICIES
#: Redirects after which requests re-sends a request as a GET, without its body.
_METHOD_CHANGING_REDIRECTS = (301, 302)



class Client:
    """A HAL API client.

    :param entry_url: the API's entry point (what :meth:`root` fetches).
    :param session: a :class:`requests.Session` to send with; its adapters,
        mounts, proxies, hooks and cookies are kept. By default the client
        makes its own, with retries for idempotent requests.
    :param auth: credentials: a :class:`halkit.auth.ClientCredentials`, a
        bearer token string, any :class:`requests.auth.AuthBase`, or a
        ``(user, password)`` tuple. They are sent only to ``origins``.
    :param origins: the origins credentials may go to (default: the entry
        URL's origin).
    :param timeout: seconds (or a ``(connect, read)`` tuple) per request.
    :param headers: extra headers for every request to the API's ``origins``
        (like credentials, they are not sent to other origins a link or a
        redirect leads to; see ``header_origins``).
    :param profile: a :class:`halkit.registry.Profile`, or the name of an installed one.
    :param validation: ``"strict"`` (raise :class:`~halkit.ProfileError`),
        ``"warn"`` or ``"off"``; defaults to ``"strict"`` with a profile.
    :param strict: parse HAL strictly (see :mod:`halkit.hal`); lenient by default.
    :param max_body_size: the largest response body read, in bytes.
    :param content_type: the Content-Type of JSON request bodies
        (``application/json`` by default; some servers accept only
        ``application/hal+json``).
    :param accept: the Accept header (some servers send HAL only when
        ``application/hal+json`` is listed, or listed first).
    :param relative_hrefs: how relative hrefs (no scheme, no host) resolve:
        ``"document"`` (the default, RFC 3986): against the URL of the
        document they are in; ``"api-root"``: against :attr:`api_root`, a
        leading ``/`` included (``/books/3`` under the root
        ``https://h/api/`` is ``https://h/api/books/3``), for servers that
        write hrefs relative to their API root. ``Location`` headers
        always resolve against the request URL.
    :param api_root: the API root for ``relative_hrefs="api-root"``; by
        default the entry URL without its query, ending with ``/``.
    :param retries: retries for a client-made session: a number of retries
        (:func:`default_retry`), a urllib3 ``Retry`` (e.g. a :class:`halkit.client.HalkitRetry`),
        or ``0``/``False`` for none. A session you pass keeps its own adapters.
    :param cache: HTTP caching for a client-made session (needs
        ``pip install halkit[cache]``): ``True`` for an in-memory cache, or a
        cachecontrol cache object (see :mod:`halkit.cache`). With your own
        session, mount :func:`halkit.cache.make_cache_adapter` on it instead.
    :param transport: what sends the requests (see :mod:`halkit.transport`):
        by default a :class:`~halkit.transport.SessionTransport` over
        ``session``; e.g. a :class:`~halkit.transport.MockTransport` in tests,
        or a :class:`~halkit.transport.RequestsTransport` to always go through
        ``Session.send``. :attr:`session` is then the transport's session, if it has one.
    :param fast_path: ``False`` sends every request through ``Session.send``
        (the fast urllib3 path is otherwise used only when nothing would
        notice: no test double, adapter, hook, proxy, cookie or ``.netrc`` entry).
    :param deadline: the most seconds one call may take in all (connect,
        every read, redirects and retries together); by default
        :data:`halkit.transport.DEADLINE_FACTOR` times the read timeout;
        ``None`` for no total bound.
    """

    def __init__(
        self,
        entry_url: str,
        *,
        session: Optional[requests.Session] = None,
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
        retries: Union[int, Retry, bool, None] = 3,
        relative_hrefs: str = "document",
        api_root: Optional[str] = None,
        cache: Any = None,
        transport: Optional[Transport] = None,
        fast_path: bool = True,
        deadline: Optional[float] = _USE_DEFAULT,
        header_origins: Union[Iterable[str], str, None] = None,
    ) -> None:
        self.entry_url = entry_url
        #: The URL ``relative_hrefs="api-root"`` resolves against (it ends with ``/``).
        self.api_root = _answers.api_root(entry_url, relative_hrefs, api_root)
        #: How relative hrefs resolve: ``"document"`` or ``"api-root"``.
        self.relative_hrefs = relative_hrefs
        if transport is not None and (session is not None or cache not in (None, False)):
            raise HalkitError("transport= replaces session= and cache=: give the session to the transport")
        self._owns_session = session is None and transport is None
        if session is not None and cache not in (None, False):
            raise HalkitError("cache= applies to a client-made session; mount halkit.cache.make_cache_adapter() on yours")
        if session is None and transport is None:
            session = requests.Session()
            retry: Union[Retry, int] = 0
            if retries:
                retry = retries if isinstance(retries, Retry) else default_retry(3 if retries is True else int(retries))
            adapter: Optional[HTTPAdapter] = None
            if cache not in (None, False):
                from .cache import make_cache_adapter

                adapter = make_cache_adapter(cache, max_retries=retry)
            elif retries:
                adapter = HTTPAdapter(max_retries=retry)
            if adapter is not None:
                session.mount("http://", adapter)
                session.mount("https://", adapter)
        if transport is None:
            transport = SessionTransport(session, fast_path=fast_path)
        #: What sends the requests (see :mod:`halkit.transport`).
        self.transport: Transport = transport
        if session is None:
            session = getattr(transport, "session", None)
        #: The :class:`requests.Session` requests go through (``None`` for a transport without one).
        self.session: Optional[requests.Session] = session
        #: The total deadline of one call, in seconds (``None``: no bound; see ``deadline=``).
        self.deadline: Optional[float] = default_deadline(timeout) if deadline is _USE_DEFAULT else deadline
        self.timeout = timeout
        self.max_body_size = max_body_size
        self.content_type = content_type
        self.strict = strict
        self._headers: Dict[str, str] = {"Accept": accept}
        if session is None or session.headers.get("User-Agent") == requests.utils.default_user_agent():
            # say who is asking (a User-Agent of the user's session, or in headers=, wins)
            self._headers["User-Agent"] = default_user_agent()
        if headers:
            self._headers.update(headers)
        origin_urls = [o if "://" in o else f"https://{o}" for o in (origins or [entry_url])]
        #: The origins (scheme, host, port) credentials may be sent to, and crawls stay within.
        self.origins = frozenset(urls.origin(o) for o in origin_urls)
        # the origins a 401 note says credentials (or headers=) are kept to, if any are
        self._scoped_to = self.origins if auth is not None or (headers and header_origins != "*") else None
        if auth is not None:
            from .auth import prepare_auth

            auth = prepare_auth(auth, origin_urls, session=self.session, on_token_request=self._count_request)
        if headers:
            # your own headers stay on the API's origins too, unless header_origins says otherwise
            from .auth import ScopedHeaders

            auth = ScopedHeaders(headers, origin_urls if header_origins is None else header_origins, auth=auth)
        self._auth = auth
        #: The profile resources are validated against, or ``None``.
        self.profile: Optional["Profile"]
        self.profile, self.validation = _answers.profile_and_mode(profile, validation)
        self._warned: Set[str] = set()
        self._warned_links: Set[Tuple[str, str, str]] = set()
        self._warned_headers: Set[Tuple[str, str]] = set()
        self._lock = threading.Lock()
        #: Requests sent by this client (each retry or redirect hop is not counted separately).
        self.request_count = 0

    @classmethod
    def from_profile(
        cls,
        profile_or_name: Union["Profile", str],
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        *,
        environment: Optional[str] = None,
        validation: str = "strict",
        entry_url: Optional[str] = None,
        token_url: Optional[str] = None,
        **client_kwargs: Any,
    ) -> "Client":
        """A ready client for a profiled API: entry URL, token URL and auth come from the profile.

        :param profile_or_name: a :class:`halkit.registry.Profile`, or the name
            (or path) of an installed one.
        :param client_id: the OAuth 2.0 client id (with ``client_secret``;
            leave both out for a client without authentication).
        :param client_secret: the client secret.
        :param environment: the environment's name (default: the profile's default one).
        :param validation: ``"strict"``, ``"warn"`` or ``"off"``.
        :param entry_url: overrides the environment's entry URL (an emulator, say).
        :param token_url: overrides the environment's token URL.
        :param client_kwargs: passed on to :class:`Client`.
        :raises halkit.ProfileError: unknown environment or validation mode, or
            credentials without a token URL.
        """
        profile = profile_or_name
        if isinstance(profile, str):
            from .registry import profile as load_profile

            profile = load_profile(profile)
        if validation not in VALIDATION_MODES:
            raise ProfileError(f"unknown validation mode {validation!r}; use one of {', '.join(VALIDATION_MODES)}")
        # a validation-only profile may document no environment: an entry_url is enough
        env = profile.environment(environment) if entry_url is None or environment is not None else None
        entry = entry_url or (env.entry_url if env is not None else "")
        if (client_id is None) != (client_secret is None):
            raise ProfileError("pass both client_id and client_secret, or neither")
        if client_id is not None and client_secret is not None and "auth" not in client_kwargs:
            if env is None and profile.default_environment is not None:
                env = profile.environment()
            token = token_url or (env.token_url if env is not None else None)
            if token is None or profile.auth.type == "none":
                raise ProfileError(f"the {profile.name} profile documents no token endpoint; pass token_url")
            from .auth import ClientCredentials

            client_kwargs["auth"] = ClientCredentials(
                token, client_id, client_secret, **profile.auth.client_credentials_options(client_id, client_secret)
            )
        return cls(entry, profile=profile, validation=validation, **client_kwargs)

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        """Close the transport, the session if the client made it, and the auth's token session."""
        self.transport.close()
        if self._owns_session and self.session is not None:
            self.session.close()
        close = getattr(self._auth, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        profile = f" profile={self.profile.name!r}" if self.profile is not None else ""
        return f"<halkit.Client {urls.redact(self.entry_url)!r}{profile} validation={self.validation!r}>"

    def _count_request(self) -> None:
        """Count one request sent on the client's behalf (the auth's token requests)."""
        with self._lock:
            self.request_count += 1

    # -- entry points ------------------------------------------------------

    def root(self) -> Resource:
        """GET the entry point."""
        entry_type = self.profile.entry_type if self.profile is not None else None
        return self.get(self.entry_url, type=entry_type)

    def get(
        self,
        url: str,
        *,
        type: Optional[str] = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        validation: Optional[str] = None,
    ) -> Resource:
        """GET ``url`` and return the resource.

        :param url: the URL; a relative one (``"/v1/users"``) resolves against
            :attr:`entry_url` (RFC 3986).
        :param type: its profile type, if known (it is then validated against it).
        :param params: query string parameters.
        :param headers: headers for this request.
        :param timeout: this request's timeout (default: :attr:`timeout`).
        :param validation: the validation mode for this request (default:
            :attr:`validation`); with ``"strict"``, a :class:`~halkit.ProfileError`
            carries the violations and the resource (``error.resource``).
        """
        if validation is not None and validation not in VALIDATION_MODES:
            raise HalkitError(f"validation must be one of {VALIDATION_MODES}, not {validation!r}")
        url = self._absolute(url)
        result = self._exchange(
            "GET", url, params=params, headers=headers, timeout=timeout, type_hint=type, validation=validation
        )
        if result is None:
            raise ContentTypeError(
                f"GET {url} answered 204 No Content: no body", url=url, method="GET", status=204
            )
        return result

    def post(self, url: str, json: Any = None, **kwargs: Any) -> Optional[Resource]:
        """POST to ``url`` (for endpoints nothing links to); returns the resource that comes back.

        A relative ``url`` resolves against :attr:`entry_url`. Takes the keyword arguments of :meth:`request` and ``type=``, the
        answer's profile type if known; returns what :meth:`halkit.Resource.request` returns.
        """
        return self._verb("POST", url, json=json, **kwargs)

    def put(self, url: str, json: Any = None, **kwargs: Any) -> Optional[Resource]:
        """PUT to ``url``; see :meth:`post`."""
        return self._verb("PUT", url, json=json, **kwargs)

    def patch(self, url: str, json: Any = None, **kwargs: Any) -> Optional[Resource]:
        """PATCH ``url``; see :meth:`post`."""
        return self._verb("PATCH", url, json=json, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Optional[Resource]:
        """DELETE ``url``; see :meth:`post`."""
        return self._verb("DELETE", url, **kwargs)

    def _verb(
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
    ) -> Optional[Resource]:
        return self._exchange(
            method, self._absolute(url), json=json, data=data, params=params, headers=headers, files=files, timeout=timeout,
            type_hint=type,
        )

    def _absolute(self, url: str) -> str:
        """``url`` resolved against the entry URL when it is relative (RFC 3986)."""
        return _answers.absolute(self.entry_url, url)

    def follow(self, *rels: Union[str, Mapping[str, Any]], **kwargs: Any) -> Resource:
        """Fetch the entry point and follow ``rels`` from it (see :meth:`Resource.follow`)."""
        return self.root().follow(*rels, **kwargs)

    def resolve_href(self, base: Optional[str], href: str) -> str:
        """Resolve ``href``, found in a document at ``base``, by the :attr:`relative_hrefs` policy."""
        return _answers.resolve_href(self.relative_hrefs, self.api_root, base, href)

    # -- HTTP --------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        timeout: Union[float, Tuple[Optional[float], Optional[float]], None] = None,
        deadline: Optional[float] = _USE_DEFAULT,
    ) -> requests.Response:
        """Send one request and return the :class:`requests.Response`, its body read.

        :param method: the HTTP method.
        :param url: the absolute URL.
        :param json: a body to send as JSON (with the client's ``content_type``).
        :param data: a body as requests takes it (a form ``dict``, ``str``, ``bytes``, a file).
        :param params: query parameters to add to the URL.
        :param headers: headers for this request, over the client's.
        :param files: a multipart upload, as requests takes it (``{"file": ("a.png", fp, "image/png")}``).
        :param timeout: seconds (or ``(connect, read)``) for this request instead of the client's.
        :param deadline: the most seconds this call may take in all, instead of the client's.
        :raises halkit.HTTPError: a 4xx or 5xx answer (with the response and parsed body).
        :raises halkit.TransportError: connection errors, timeouts and a passed deadline.
        :raises halkit.UnsafeURLError: a URL whose scheme is not http or https.
        :raises halkit.ResponseTooLargeError: a body over :attr:`max_body_size`.
        """
        method = method.upper()
        urls.check_scheme(url)
        hdrs: MutableMapping[str, str] = dict(self._headers)
        body: Optional[bytes] = None
        if json is not None:
            try:
                body = _json.dumps(json, allow_nan=False, separators=(",", ":")).encode("utf-8")
            except (TypeError, ValueError) as exc:
                raise HalkitError(f"cannot send the request body as JSON: {exc}") from exc
            hdrs["Content-Type"] = self.content_type
        elif type(data) is bytes and files is None:
            body, data = data, None
        if headers:
            hdrs.update(headers)
        timeout, deadline = _answers.call_limits(timeout, deadline, self.timeout, self.deadline)
        with self._lock:
            self.request_count += 1
        response = self.transport.send(Request(
            method, url, headers=hdrs, body=body, data=data, files=files, params=params, auth=self._auth,
            timeout=timeout, max_body_size=self.max_body_size, deadline=deadline,
        ))
        if method not in ("GET", "HEAD"):
            self._check_redirects(response, method, url)
        if response.headers.get("Deprecation") or response.headers.get("Sunset"):
            _answers.warn_deprecation_headers(response.url, response.headers, self._warned_headers)
        if response.status_code >= 400:
            raise _answers.status_error(
                method, response.url or url, response.status_code, response.content,
                response.headers.get("Content-Type"), response, self._scoped_to,
            )
        return response

    @staticmethod
    def _check_redirects(response: requests.Response, method: str, url: str) -> None:
        """Refuse a 301/302 answer to a request that is not a GET.

        ``requests`` (like browsers) follows them by sending a GET without the
        body: the request was never carried out, yet the redirect target
        would come back as if it were the result. (303 See Other is the
        server's answer to the request and 307/308 keep the method: both are
        followed.)
        """
        for hop in response.history:
            if hop.status_code in _METHOD_CHANGING_REDIRECTS:
                target = hop.headers.get("Location", "")
                raise RequestError(
                    f"{method} {url} was redirected ({hop.status_code}) to {target!r}; "
                    f"following it would send a GET without the body, so {method} was not carried out "
                    "(use the URL the server redirects to, e.g. with its trailing slash)",
                    url=url,
                    method=method,
                )

    # -- the navigation seam (halkit.typing.Navigator) -----------------------

    def send(
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
    ) -> Optional[Resource]:
        """Send ``method`` to a link or URL on behalf of a resource; return the resulting resource.

        This is the :class:`halkit.typing.Navigator` protocol that resources,
        links and forms use. Before sending, a link's deprecation is warned
        about (once) and, with a profile, the method is checked
        (:meth:`halkit.registry.Profile.check_method`); the answer's type is
        what the profile says ``method`` on that rel answers with.

        :param source: the profile type of the resource the request starts from, if known.
        :param target: a :class:`~halkit.Link` (expanded with ``variables``), or a
            URL: the source resource's own (rel ``self``) when ``source`` is given.
        :param method: the HTTP method.
        :param variables: URI template variables for a templated link.
        :param json: a body to send as JSON.
        :param data: a body to send as it is.
        :param params: query string parameters.
        :param headers: headers for this request.
        :param files: files for a multipart body.
        :param timeout: this request's timeout.
        :returns: see :meth:`halkit.Resource.request`.
        """
        method = method.upper()
        url, rel = self._prepare(source, target, method, variables)
        return self._exchange(
            method,
            url,
            json=json,
            data=data,
            params=params,
            headers=headers,
            files=files,
            timeout=timeout,
            type_hint=self._answer_type(source, rel, method),
        )

    def send_raw(
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
    ) -> requests.Response:
        """Like :meth:`send` (the same checks), but return the :class:`requests.Response`.

        Used for ``HEAD`` and ``OPTIONS``, whose answers have no representation.
        """
        method = method.upper()
        url, _ = self._prepare(source, target, method, variables)
        return self.request(method, url, **_request_kwargs(json, data, params, headers, files, timeout))

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
        """The profile type of what ``method`` on ``rel`` of a ``source`` resource answers with."""
        return _answers.answer_type(self.profile, source, rel, method)

    # -- resources ---------------------------------------------------------

    def _exchange(
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
    ) -> Optional[Resource]:
        """Send a request and build the resource that comes back (typed and validated)."""
        response = self.request(method, url, **_request_kwargs(json, data, params, headers, files, timeout))
        if method == "HEAD":
            return None
        status = response.status_code
        where = response.url or url
        if status == 304:
            raise _answers.not_modified(method, where, [*(headers or ()), *self._headers], response)
        location = response.headers.get("Location")
        action = _answers.after_answer(
            method, status, where, location, response.content, response.headers.get("Content-Type"), response
        )
        if action is not _answers.READ_BODY:
            if action is _answers.FOLLOW_LOCATION:
                return self.get(urls.resolve(where, cast(str, location)), type=type_hint)
            return None
        build = functools.partial(self._resource_from, response, type_hint, method=method, validation=validation)
        resource, instead = _answers.read_answer(method, status, where, location, response.reason, response, build)
        if instead is None:
            return cast(Resource, resource)
        try:
            return self.get(instead, type=type_hint)
        except (HalFormatError, ContentTypeError) as again:
            raise _answers.write_succeeded_error(
                method, where, status, response.reason, location, again, response
            ) from again

    def _resource_from(
        self,
        response: requests.Response,
        type_hint: Optional[str],
        *,
        method: str = "GET",
        validation: Optional[str] = None,
    ) -> Resource:
        url = response.url
        document, deviations, media = _answers.read_document(
            method, response.status_code, url, response.content, response.headers.get("Content-Type"), self.strict,
            response,
        )
        if not is_json_media_type(media):
            self._warn_once("content-type", f"{url} served JSON as {media or 'no Content-Type'}")
        mode = self.validation if validation is None else validation
        profile = self.profile if mode != "off" else None
        type_, deviations = _answers.document_type(document, deviations, type_hint, method, profile)
        if deviations:
            warn_deviations(deviations, self._warned, where=url, stacklevel=5)
        resource = Resource(document, base_url=url, navigator=self, type=type_, response=response, strict=self.strict)
        if profile is not None and type_ is not None:
            _answers.enforce(profile, resource, type_, mode, url, response)
        return resource

    def _warn_once(self, kind: str, message: str) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        warnings.warn(f"lenient HAL parsing accepted {message} [{kind}]", CompatibilityWarning, stacklevel=5)


def _request_kwargs(json: Any, data: Any, params: Any, headers: Any, files: Any, timeout: Any) -> Dict[str, Any]:
    """The keyword arguments for :meth:`Client.request`, leaving out what was not given."""
    kwargs: Dict[str, Any] = {"json": json, "data": data, "params": params, "headers": headers}
    if files is not None:
        kwargs["files"] = files
    if timeout is not None:
        kwargs["timeout"] = timeout
    return kwargs
