"""Authentication for halkit: OAuth 2.0 client credentials, bearer tokens, origin scoping.

This module owns everything that puts credentials on a request, and it is the
only halkit module that imports authlib. Every auth object here is a
:class:`requests.auth.AuthBase`, so it also works with a plain
:class:`requests.Session`.

* :class:`ClientCredentials`: the OAuth 2.0 client credentials grant
  (RFC 6749 section 4.4). The token request is built by authlib and sent
  through the client's requests session; the token is fetched lazily, once,
  cached, renewed shortly before it expires, and renewed once more when the
  API answers 401. Any number of threads may share one object: each renewal
  makes exactly one token request.
* The grant without I/O, for any HTTP library (the async client's
  :class:`halkit.aio.auth.AsyncClientCredentials` uses it):
  :meth:`ClientCredentials.token_request` builds the request
  (a :class:`TokenRequest`), :meth:`ClientCredentials.read_token_response`
  turns the answer into a :class:`Token` or an :class:`~halkit.AuthError`,
  with :attr:`~ClientCredentials.send_options`,
  :attr:`~ClientCredentials.deadline`,
  :meth:`~ClientCredentials.check_body_size` and
  :meth:`~ClientCredentials.leeway_for` for the rest.
* :class:`BearerToken`: a static bearer token.
* :class:`OriginScoped`: any other :class:`~requests.auth.AuthBase`, applied
  only to the origins it is meant for.
* :func:`prepare_auth`: what :class:`halkit.Client` calls on its ``auth=``
  argument.

Credentials go only to their origins (scheme, host and port). A request to
any other origin is sent without them, and so is a redirect that leaves the
allowed origins: on such a redirect the ``Authorization`` header is removed
before requests builds the next hop (requests itself keeps it on an
``http://`` to ``https://`` redirect to the same host).

The client secret, the ``username``/``password`` form fields and access
tokens appear in no ``repr()``, no log record and no exception message.
"""

from __future__ import annotations

import base64
import copy
import functools
import hmac
import json
import logging
import math
import re
import threading
import time
import types
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
)
from urllib.parse import quote, quote_plus, urlencode, urljoin, urlsplit

import requests
import urllib3
from requests.auth import AuthBase, HTTPBasicAuth
from requests.cookies import extract_cookies_to_jar

from . import urls
from .exceptions import AuthError, HalkitError, ResponseTooLargeError, UnsafeURLError

__all__ = [
    "DEFAULT_TOKEN_BODY_SIZE",
    "AuthLike",
    "BearerToken",
    "ClientCredentials",
    "OriginScoped",
    "ScopedHeaders",
    "Token",
    "TokenRequest",
    "prepare_auth",
]

logger = logging.getLogger(__name__)

#: What :func:`prepare_auth` (and so ``halkit.Client(auth=...)``) accepts.
AuthLike = Union[
    None,
    str,
    Tuple[str, str],
    AuthBase,
    Callable[[requests.PreparedRequest], requests.PreparedRequest],
]

#: An origin: (scheme, host, port), lower-case, port always explicit (see :mod:`halkit.urls`).
_Origin = urls.Origin

_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
#: The default leeway: a tenth of the token's lifetime, at most this many seconds.
_MAX_DEFAULT_LEEWAY = 60.0
_DEFAULT_LEEWAY_SHARE = 0.1
#: An explicit leeway never exceeds this share of the lifetime.
_MAX_LEEWAY_SHARE = 0.5
_REDACTED = "***"
#: The headers of a token request before client authentication (authlib's defaults).
_TOKEN_REQUEST_HEADERS = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
#: The largest token endpoint answer read, in bytes after decompression (1 MiB).
DEFAULT_TOKEN_BODY_SIZE = 1024 * 1024
_CHUNK = 64 * 1024
#: How much of a discarded response body (a 401 before renewal) is read to keep its connection.
_DRAIN_LIMIT = 64 * 1024
# RFC 9110 token: an auth scheme, a header name
_SCHEME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
# a header value halkit agrees to send: no control characters but tab, no
# leading or trailing whitespace (requests refuses those and quotes the value)
_HEADER_VALUE = re.compile(r"(?:[^\x00-\x08\x0a-\x1f\x7f\s](?:[^\x00-\x08\x0a-\x1f\x7f]*[^\x00-\x08\x0a-\x1f\x7f\s])?)?\Z")
# What a token may contain to go in a header: visible ASCII (RFC 6750's b64token is
# stricter; real tokens are not always). No space, no CR/LF: no header injection.
_TOKEN_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))

_A = TypeVar("_A", bound="_ScopedAuth")


# --------------------------------------------------------------------------- origins


def _normalise_origins(origins: Union[str, Iterable[str]]) -> FrozenSet[_Origin]:
    if isinstance(origins, str):
        origins = [origins]
    result = set()
    for value in origins:
        origin = urls.origin_of(value)
        if origin is None:
            raise AuthError(
                f"invalid origin {value!r}: expected an absolute http(s) URL "
                "such as 'https://api.example.com' or 'https://api.example.com:8443'"
            )
        result.add(origin)
    if not result:
        raise AuthError("the origin allow-list is empty: credentials would never be sent")
    return frozenset(result)


# --------------------------------------------------------------------------- base


class _ScopedAuth(AuthBase):
    """An auth that applies only to an allow-list of origins.

    Subclasses implement :meth:`_sign`; this class decides whether to call it
    and removes the ``Authorization`` header from a redirect that leaves the
    allow-list.
    """

    _origins: Optional[FrozenSet[_Origin]]

    def __init__(self, origins: Optional[Union[str, Iterable[str]]]) -> None:
        self._origins = None if origins is None else _normalise_origins(origins)

    @property
    def origins(self) -> Optional[Tuple[str, ...]]:
        """The allowed origins as ``"scheme://host:port"`` strings, sorted.

        ``None`` until set: :class:`halkit.Client` then uses the origin of its
        entry URL (see :func:`prepare_auth`).
        """
        if self._origins is None:
            return None
        return tuple(sorted(urls.format_origin(o) for o in self._origins))

    def with_origins(self: _A, origins: Union[str, Iterable[str]]) -> _A:
        """Return a copy of this auth that applies to ``origins`` instead.

        The copy shares everything else with the original; for
        :class:`ClientCredentials` that includes the cached token, its lock and
        the token endpoint's session, so both objects make one token request
        per renewal between them.

        :param origins: origins (``"https://host:port"``) or URLs whose
            origins are allowed.
        :raises halkit.AuthError: if an origin is not an absolute http(s) URL.
        """
        clone = copy.copy(self)
        clone._origins = _normalise_origins(origins)
        return clone

    def _allows(self, url: Optional[str]) -> bool:
        if self._origins is None:
            raise AuthError(
                f"{type(self).__name__} has no origin allow-list: pass origins=[...] "
                "or use it through halkit.Client, which scopes it to its entry URL"
            )
        origin = urls.origin_of(url)
        return origin is not None and origin in self._origins

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if not self._allows(r.url):
            return r
        r = self._sign(r)
        r.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]
        return r

    def _sign(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        raise NotImplementedError  # pragma: no cover

    def _on_response(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        return self._scope_redirect(r)

    def _credential_headers(self) -> Tuple[str, ...]:
        """The request headers that carry this auth's credentials."""
        return ("Authorization",)

    def _scope_redirect(
        self, r: requests.Response, also: Optional[requests.PreparedRequest] = None
    ) -> requests.Response:
        """Drop the credential headers before requests follows a redirect off the allow-list.

        requests builds each redirect hop from a copy of the request that got
        the redirect, after the response hooks have run; removing the headers
        here removes them from the next hop. (requests strips ``Authorization``
        too when the host changes, but not on an ``http`` to ``https``
        upgrade, and it never strips other headers, such as an API key.)

        :param also: another request the next hop may be copied from (after a
            401 renewal, requests copies the original request, not the retried one).
        """
        request = r.request
        if not r.is_redirect or request is None:
            return r
        requests_to_clean = [request] if also is None or also is request else [request, also]
        names = self._credential_headers()
        if not any(name in req.headers for req in requests_to_clean for name in names):
            return r
        if not self._allows(_redirect_target(r)):
            for req in requests_to_clean:
                for name in names:
                    req.headers.pop(name, None)
            logger.debug(
                "redirect from %s leaves the allowed origins; not sending credentials", urls.redact(r.url or "")
            )
        return r

    def _origins_repr(self) -> str:
        return "None" if self._origins is None else repr(list(self.origins or ()))


def _discard(r: requests.Response) -> None:
    """Drop the body of a response nobody reads (a 401 before a renewal), reading at most 64 KiB of it.

    A small body is read (still compressed) so the connection can be reused;
    past the limit the connection is closed instead: a hostile server's
    64 MiB, or a gzip bomb, costs nothing.
    """
    raw = r.raw
    read = getattr(raw, "read", None)
    try:
        if callable(read):  # (a body already read leaves nothing to read here)
            total = 0
            while total <= _DRAIN_LIMIT:
                try:
                    chunk = read(_CHUNK, decode_content=False)
                except TypeError:  # not a urllib3 response (a test double's file object)
                    chunk = read(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
    except Exception:  # noqa: BLE001 - the body is being thrown away; a broken one changes nothing
        logger.debug("could not drain the body of a discarded response", exc_info=True)
    finally:
        r.close()


def _redirect_target(r: requests.Response) -> str:
    """Where requests will send the next hop of redirect ``r`` (as ``Session.resolve_redirects`` computes it)."""
    location = r.headers.get("location", "")
    try:
        location = location.encode("latin1").decode("utf8")
    except UnicodeError:
        return ""
    if location.startswith("//"):
        location = f"{urlsplit(r.url or '').scheme}:{location}"
    try:
        return urljoin(r.url or "", location)
    except ValueError:
        return ""


# --------------------------------------------------------------------------- static auth


class BearerToken(_ScopedAuth):
    """A static token, sent as ``Authorization: Bearer <token>`` (or another scheme).

    ``halkit.Client(url, auth="<token>")`` is a shortcut for this class.
    A static token cannot be renewed, so a 401 is returned as it is (the
    client raises :class:`halkit.UnauthorizedError`).

    Django REST framework's ``TokenAuthentication`` wants ``Token <key>``::

        halkit.Client(url, auth=BearerToken(key, scheme="Token"))

    :param token: the access token (visible ASCII characters, no spaces).
    :param scheme: the authentication scheme written before the token
        (RFC 9110 section 11.4): ``"Bearer"`` (RFC 6750) by default, or
        ``"Token"``, ``"Api-Key"``...
    :param origins: the origins (or URLs) the token may be sent to. ``None``
        (the default) means the origin of the client's entry URL.
    :raises halkit.AuthError: if the token is empty or not a valid header value,
        the scheme is not an RFC 9110 token, or an origin is invalid.
    """

    def __init__(
        self, token: str, *, scheme: str = "Bearer", origins: Optional[Union[str, Iterable[str]]] = None
    ) -> None:
        super().__init__(origins)
        if not isinstance(scheme, str) or not _SCHEME.match(scheme):
            raise AuthError("the auth scheme must be an RFC 9110 token, such as 'Bearer' or 'Token'")
        self.scheme = scheme
        self._header = scheme + " " + _check_token(token)

    @property
    def header(self) -> str:
        """The ``Authorization`` header value sent: ``"<scheme> <token>"`` (the async client sends it too)."""
        return self._header

    def _sign(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = self._header
        return r

    def __repr__(self) -> str:
        scheme = "" if self.scheme == "Bearer" else f"scheme={self.scheme!r}, "
        return f"BearerToken({scheme}origins={self._origins_repr()})"


class OriginScoped(_ScopedAuth):
    """Apply any requests auth only to requests for the allowed origins.

    ``halkit.Client(url, auth=requests.auth.HTTPDigestAuth(...))`` wraps the
    auth in this class, scoped to the client's entry URL; a ``(user, password)``
    tuple becomes :class:`requests.auth.HTTPBasicAuth`, scoped the same way.

    On a redirect that leaves the allow-list, every header the wrapped auth
    set or changed (``Authorization``, an ``X-Api-Key``...) is removed;
    credentials it puts elsewhere (the query string, a cookie) are protected
    only by not applying the auth to other origins.

    :param auth: a :class:`requests.auth.AuthBase`, or any callable that takes
        and returns a :class:`requests.PreparedRequest`.
    :param origins: the origins (or URLs) the auth applies to; ``None`` means
        the origin of the client's entry URL.
    """

    def __init__(
        self,
        auth: Callable[[requests.PreparedRequest], requests.PreparedRequest],
        origins: Optional[Union[str, Iterable[str]]] = None,
    ) -> None:
        if not callable(auth):
            raise AuthError(f"OriginScoped needs a requests auth, not a {type(auth).__name__}")
        super().__init__(origins)
        self.auth = auth
        # the names of the headers the wrapped auth sets (shared with copies)
        self._headers_set: Set[str] = {"Authorization"}

    def _sign(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        before = r.headers.copy()
        r = self.auth(r)
        for name, value in r.headers.items():
            if before.get(name) != value and name not in self._headers_set:
                self._headers_set.add(name)
        return r

    def _credential_headers(self) -> Tuple[str, ...]:
        return tuple(self._headers_set)

    def __repr__(self) -> str:
        # Never repr() the wrapped auth: it may hold a password.
        return f"OriginScoped({type(self.auth).__name__}, origins={self._origins_repr()})"


class ScopedHeaders(AuthBase):
    """Keep a client's own headers (``headers=``) on the origins they are meant for.

    A client puts its ``headers=`` on every request; installed as the
    client's auth (around the real one, ``auth=``), this removes them from a
    request for any other origin, and from the next hop of a redirect that
    leaves those origins, exactly as credentials are scoped. An API key given
    as ``headers={"X-Api-Key": ...}`` then stays home. A header is removed
    only while it still has the client-level value, so a per-call header of
    the same name, given for that one request, is left alone.

    The values are checked when the object is made: one that cannot be sent
    (a line break, a NUL, leading or trailing whitespace, such as a key read
    from a file with its newline) raises an error that names the header and
    never shows the value.

    :param headers: the client-level headers, by name.
    :param origins: where they may go: origins or URLs (by default the API's
        origins, as for credentials), or ``"*"`` to send them everywhere (the
        behaviour before halkit scoped them).
    :param auth: the auth to apply after (normally what :func:`prepare_auth` returned).
    :raises halkit.HalkitError: a header name or value cannot be sent.
    :raises halkit.AuthError: an origin is invalid.
    """

    def __init__(
        self,
        headers: Mapping[str, str],
        origins: Union[str, Iterable[str]],
        *,
        auth: Optional[Callable[[requests.PreparedRequest], requests.PreparedRequest]] = None,
    ) -> None:
        self.headers: Dict[str, str] = {}
        for name, value in headers.items():
            if not isinstance(name, str) or not _SCHEME.match(name):
                raise HalkitError(f"invalid header name {str(name)[:40]!r}: it must be an RFC 9110 token")
            if not isinstance(value, str) or not _HEADER_VALUE.match(value):
                raise HalkitError(
                    f"the value of header {name!r} cannot be sent: it is not a str, or it has a line break, "
                    "a NUL, or leading or trailing whitespace (the value is not shown)"
                )
            self.headers[name] = value
        self.everywhere = origins == "*"
        self._origins = frozenset() if self.everywhere else _normalise_origins(origins)
        self.auth = auth

    @property
    def origins(self) -> Optional[Tuple[str, ...]]:
        """The origins the headers go to, as ``"scheme://host:port"``, sorted; ``None``: everywhere."""
        if self.everywhere:
            return None
        return tuple(sorted(urls.format_origin(o) for o in self._origins))

    def _allows(self, url: Optional[str]) -> bool:
        return self.everywhere or urls.origin_of(url) in self._origins

    def _strip(self, request: requests.PreparedRequest) -> None:
        for name, value in self.headers.items():
            if request.headers.get(name) == value:
                del request.headers[name]

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if not self.everywhere:
            if self._allows(r.url):
                r.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]
            else:
                self._strip(r)
        return self.auth(r) if self.auth is not None else r

    def _on_response(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        request = r.request
        if r.is_redirect and request is not None and not self._allows(_redirect_target(r)):
            self._strip(request)
        return r

    def close(self) -> None:
        """Close the wrapped auth, if it can be closed."""
        close = getattr(self.auth, "close", None)
        if callable(close):
            close()

    def __repr__(self) -> str:
        # names only: a header value may be a key
        where = "'*'" if self.everywhere else repr(list(self.origins or ()))
        return f"ScopedHeaders({sorted(self.headers)!r}, origins={where}, auth={self.auth!r})"


def _check_token(token: object) -> str:
    if not isinstance(token, str) or not token:
        raise AuthError(f"a bearer token must be a non-empty str, not {type(token).__name__}")
    if not set(token) <= _TOKEN_CHARS:
        raise AuthError("the bearer token contains characters that are not allowed in a header")
    return token


# --------------------------------------------------------------------------- client credentials


class Token:
    """One access token, ready to send; never changed once made. Its repr shows no secret.

    :meth:`ClientCredentials.read_token_response` makes it from a token
    endpoint's answer; the sync grant and :class:`halkit.aio.auth.AsyncClientCredentials`
    cache it.

    :ivar header: the ``Authorization`` header value: ``"Bearer <access token>"``.
    :ivar renew_at: the clock value (the clock that gave ``sent_at``) from
        which the token is renewed; ``None``: never (it had no ``expires_in``).
    :ivar scope: the scope the token endpoint granted, if it said.
    """

    __slots__ = ("header", "renew_at", "scope")

    def __init__(self, header: str, renew_at: Optional[float], scope: Optional[str]) -> None:
        self.header = header
        self.renew_at = renew_at
        self.scope = scope

    def due(self, now: float) -> bool:
        """Whether the token is to be renewed at clock value ``now``."""
        return self.renew_at is not None and now >= self.renew_at

    def is_current(self, sent_header: str) -> bool:
        """Whether ``sent_header`` (the ``Authorization`` a rejected request carried) is this token's.

        Compared in constant time. After a 401, a grant renews only the token
        the API rejected: if another thread or task has renewed it meanwhile,
        the new one is used without another token request.
        """
        return hmac.compare_digest(self.header.encode("ascii"), sent_header.encode("latin-1", "replace"))

    def __repr__(self) -> str:
        return f"<token renew_at={self.renew_at!r} scope={self.scope!r}>"


class TokenRequest(NamedTuple):
    """A token request to send: ``POST url`` with these headers and this body.

    Made by :meth:`ClientCredentials.token_request`. It holds the client
    credentials (a Basic ``Authorization`` header, or form fields in the
    body), so its repr shows only the URL, the header names and the body's
    size.
    """

    #: the token endpoint
    url: str
    #: ``Content-Type``, ``Accept`` and, with ``client_secret_basic``, ``Authorization``
    headers: Dict[str, str]
    #: the ``application/x-www-form-urlencoded`` form, UTF-8
    body: bytes

    def __repr__(self) -> str:
        return f"TokenRequest(url={urls.redact(self.url)!r}, headers={sorted(self.headers)!r}, body=<{len(self.body)} bytes>)"


class _TokenState:
    """What every copy of one :class:`ClientCredentials` shares."""

    def __init__(self, session: requests.Session) -> None:
        self.lock = threading.Lock()
        #: the token endpoint's own session, for copies not bound to a client's
        self.session = session
        self.token: Optional[Token] = None
        #: a monotonic clock; tests replace it
        self.clock: Callable[[], float] = time.monotonic


class ClientCredentials(_ScopedAuth):
    """OAuth 2.0 client credentials (RFC 6749 section 4.4) for halkit, through authlib.

    Use it as ``halkit.Client(url, auth=ClientCredentials(...))``, or as the
    ``auth`` of a plain :class:`requests.Session` request once ``origins`` is
    set. The token is fetched on the first request, cached, and renewed once
    it is within ``leeway`` seconds of expiring (measured on a monotonic clock
    from the moment the token request was sent). A token without
    ``expires_in`` is kept until the API rejects it.

    When the API answers 401 to a request that carried the token, the token is
    renewed (unless another thread already did) and the request is sent again
    once; a second 401 is returned as it is, and ``halkit.Client`` raises
    :class:`halkit.UnauthorizedError`. Requests with a body that cannot be
    replayed (a stream or file) are not retried.

    A provider that wants more form fields than ``grant_type`` (an
    ``audience``, or the id and secret again as ``username``/``password``)
    gets them from ``extra_params``; a profile passes its
    ``extra_form_fields`` that way::

        ClientCredentials(
            "https://auth.example.com/oauth/token", "acme", "acmesecret",
            extra_params={"username": "acme", "password": "acmesecret"},
        )

    authlib builds the Basic header from ``client_id:client_secret`` exactly as
    given, as ``curl --user`` does (it does not form-urlencode them first, as
    RFC 6749 section 2.3.1 asks); so the client id may not contain ``:``, and
    both must be Latin-1. The body is ``application/x-www-form-urlencoded``.
    The token endpoint's redirects are not followed (a redirect is an error):
    following one would resend the credentials.

    :param token_url: the token endpoint. ``https://``; ``http://`` is accepted
        only for a loopback host (``localhost``, ``127.0.0.0/8``, ``::1``) or
        with ``allow_insecure_http=True``.
    :param client_id: the client identifier.
    :param client_secret: the client secret. Shown nowhere.
    :param scope: the scope to request: a space-separated string or a sequence
        of scope tokens; ``None`` (the default) requests none.
    :param auth_method: how the client authenticates to the token endpoint:
        ``"client_secret_basic"`` (HTTP Basic, the default) or
        ``"client_secret_post"`` (``client_id``/``client_secret`` form fields).
    :param password_fields: deprecated, use ``extra_params``: also send
        ``username=<client_id>`` and ``password=<client_secret>`` form fields.
    :param extra_params: more form fields for the token request (such as
        ``audience``), a plain mapping of str to str. Values are treated as
        secrets (redacted from messages) unless equal to the client id.
    :param origins: the origins (or URLs) the token may be sent to. ``None``
        (the default) means the origin of the client's entry URL; with a plain
        requests session it must be given.
    :param leeway: renew the token this many seconds before it expires.
        ``None`` (the default): a tenth of its lifetime, at most 60 seconds
        (a 30-second token lasts 27 seconds, a 12-hour one 11 hours 59
        minutes). An explicit value is capped at half the lifetime, so that
        even a very short-lived token is not renewed on every request.
    :param timeout: timeout of the token request, in seconds, or a
        ``(connect, read)`` tuple.
    :param allow_insecure_http: accept an ``http://`` token endpoint on any
        host. The secret then crosses the network in clear text.
    :param verify: TLS verification for the token endpoint, as in requests
        (``True``, ``False`` or a CA bundle path); ``None`` (the default): the
        session's setting (``True`` unless a bound session says otherwise).
    :param cert: a client certificate for the token endpoint, as in requests.
    :param proxies: proxies for the token endpoint, as in requests.
    :param max_body_size: the largest token response read, in bytes after
        decompression (1 MiB by default); a larger one raises
        :class:`halkit.ResponseTooLargeError` as soon as the limit is passed.
    :param session: the :class:`requests.Session` token requests go through
        (see :meth:`with_session`; :class:`halkit.Client` binds its own). By
        default the object uses a session of its own.
    :raises halkit.AuthError: on an invalid configuration (an ``http://``
        token endpoint on another host, an unknown ``auth_method``, ...).
    :raises halkit.UnsafeURLError: if ``token_url`` is not an http(s) URL.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: Optional[Union[str, Sequence[str]]] = None,
        auth_method: str = "client_secret_basic",
        password_fields: bool = False,
        extra_params: Optional[Mapping[str, str]] = None,
        origins: Optional[Union[str, Iterable[str]]] = None,
        leeway: Optional[float] = None,
        timeout: Union[float, Tuple[float, float]] = 10.0,
        allow_insecure_http: bool = False,
        verify: Union[bool, str, None] = None,
        cert: Optional[Union[str, Tuple[str, str]]] = None,
        proxies: Optional[Mapping[str, str]] = None,
        max_body_size: int = DEFAULT_TOKEN_BODY_SIZE,
        session: Optional[requests.Session] = None,
    ) -> None:
        super().__init__(origins)
        self.token_url = _check_token_url(token_url, allow_insecure_http)
        if not isinstance(client_id, str) or not client_id:
            raise AuthError("client_id must be a non-empty str")
        if not isinstance(client_secret, str):
            raise AuthError("client_secret must be a str")
        if auth_method not in _AUTH_METHODS:
            raise AuthError(f"unsupported auth_method {auth_method!r}; use one of {', '.join(_AUTH_METHODS)}")
        if auth_method == "client_secret_basic":
            if ":" in client_id:
                raise AuthError("with client_secret_basic the client_id may not contain ':'")
            try:
                f"{client_id}:{client_secret}".encode("latin-1")
            except UnicodeEncodeError:
                raise AuthError(
                    "with client_secret_basic the client id and secret must be Latin-1 text; "
                    "use auth_method='client_secret_post'"
                ) from None
        if leeway is not None and (
            isinstance(leeway, bool) or not isinstance(leeway, (int, float)) or not 0 <= leeway < math.inf
        ):
            raise AuthError("leeway must be a number of seconds >= 0")
        self.client_id = client_id
        self.auth_method = auth_method
        self.scope = scope
        self.leeway = leeway
        self.timeout = timeout

        form: List[Tuple[str, str]] = []
        if password_fields:
            form += [("username", client_id), ("password", client_secret)]
        for key, value in (extra_params or {}).items():
            if key in ("grant_type", "scope") or not isinstance(key, str) or not isinstance(value, str):
                raise AuthError(
                    f"invalid extra_params entry {key!r}: keys and values must be str, and not grant_type/scope"
                )
            form.append((key, value))
        if isinstance(max_body_size, bool) or not isinstance(max_body_size, int) or max_body_size < 1:
            raise AuthError("max_body_size must be a positive number of bytes")
        self.password_fields = password_fields
        self.max_body_size = max_body_size
        self._client_secret = client_secret
        self._body = urlencode(form)
        self._secrets = _secret_forms(client_id, client_secret, [v for _, v in form if v != client_id])
        #: request options for the token request (None: the session's own)
        self._send_options: Dict[str, Any] = {
            k: v for k, v in (("verify", verify), ("cert", cert), ("proxies", dict(proxies or {}) or None)) if v is not None
        }
        # authlib (with joserfc and cryptography) is imported when the first
        # ClientCredentials is made, not by `import halkit`
        _authlib_grant()
        self._state = _TokenState(requests.Session())
        #: the session the token request goes through (a client's, or the state's own)
        self._session: Optional[requests.Session] = session
        self._on_request: Optional[Callable[[], None]] = None

    # -- public API

    def fetch_token(self) -> None:
        """Fetch a new token now, replacing the cached one.

        Useful to check the credentials at start-up. The token itself is not
        returned.

        :raises halkit.AuthError: if the token endpoint refuses or fails.
        """
        state = self._state
        with state.lock:
            state.token = self._request_token()

    def invalidate(self) -> None:
        """Forget the cached token; the next request fetches a new one."""
        with self._state.lock:
            self._state.token = None

    def with_session(
        self, session: requests.Session, *, on_request: Optional[Callable[[], None]] = None
    ) -> ClientCredentials:
        """Return a copy whose token requests go through ``session``.

        :class:`halkit.Client` binds its own session this way, so the token
        request sees the client's adapters, mounts, retries, hooks and test
        doubles (``responses``, ``requests-mock``...). The copy shares the
        token cache with the original.

        :param session: the :class:`requests.Session` to send token requests with.
        :param on_request: called once per token request sent (a client's request counter).
        """
        clone = copy.copy(self)
        clone._session = session
        clone._on_request = on_request
        return clone

    def close(self) -> None:
        """Close the token endpoint's own connection pool (never a bound session). The object stays usable."""
        self._state.session.close()

    def __enter__(self) -> ClientCredentials:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"ClientCredentials(token_url={urls.redact(self.token_url)!r}, client_id={self.client_id!r}, "
            f"auth_method={self.auth_method!r}, origins={self._origins_repr()})"
        )

    # -- the grant without I/O, for any HTTP library (halkit.aio.auth uses it)

    @property
    def send_options(self) -> Mapping[str, Any]:
        """The TLS and proxy options given for the token endpoint (a read-only mapping).

        Only those given: ``verify``, ``cert`` and ``proxies``, with the
        values and meaning of requests' arguments of those names. An option
        left out means the sending session's own setting (``verify=True``).
        """
        return types.MappingProxyType(self._send_options)

    @property
    def deadline(self) -> Optional[float]:
        """The total time allowed for one token request and its answer, in seconds.

        :data:`halkit.transport.DEADLINE_FACTOR` times the read timeout, as for
        any call of a client; ``None`` if ``timeout`` is ``None``. A token
        endpoint that answers slowly but steadily (each read within the read
        timeout) is stopped by it.
        """
        from .transport import default_deadline

        return default_deadline(self.timeout)

    def leeway_for(self, lifetime: float) -> float:
        """How many seconds before its expiry a token of ``lifetime`` seconds is renewed.

        ``leeway`` if it was given, capped at half the lifetime; else a tenth
        of the lifetime, at most 60 seconds.
        """
        if self.leeway is None:
            return min(_MAX_DEFAULT_LEEWAY, lifetime * _DEFAULT_LEEWAY_SHARE)
        return min(float(self.leeway), lifetime * _MAX_LEEWAY_SHARE)

    def token_request(self) -> TokenRequest:
        """The token request to send: ``POST`` it, without following redirects.

        Built by authlib (``prepare_token_request`` and the client
        authentication of ``auth_method``): the form holds ``grant_type``,
        ``scope`` and ``extra_params``, and the client id and secret go in a
        Basic ``Authorization`` header or in the form. Send it with
        :attr:`send_options`, :attr:`timeout` and :attr:`deadline`, read at
        most :attr:`max_body_size` bytes of the answer (see
        :meth:`check_body_size`), and give the answer to
        :meth:`read_token_response`.
        """
        prepare_token_request, client_auth, list_to_scope = _authlib_grant()
        form = prepare_token_request("client_credentials", body=self._body, scope=list_to_scope(self.scope))
        url, headers, body = client_auth(self.client_id, self._client_secret, self.auth_method).prepare(
            "POST", self.token_url, dict(_TOKEN_REQUEST_HEADERS), form
        )
        return TokenRequest(url, headers, body.encode("utf-8"))

    def check_body_size(self, size: int, *, declared: bool = False) -> None:
        """Refuse a token response of ``size`` bytes (after decompression) if it is over :attr:`max_body_size`.

        Call it with each running total while reading, and once with the
        ``Content-Length`` (``declared=True``) before reading.

        :raises halkit.ResponseTooLargeError: over the limit.
        """
        limit = self.max_body_size
        if size <= limit:
            return
        where = f"the token endpoint {urls.redact(self.token_url)}"
        raise ResponseTooLargeError(
            f"{where} announced a {size}-byte answer; the limit is {limit} bytes"
            if declared
            else f"{where} answered with more than {limit} bytes (after decompression)",
            limit=limit,
            url=urls.redact(self.token_url),
            method="POST",
        )

    def read_token_response(
        self, status: int, body: bytes, *, sent_at: float, content_type: str = "", reason: str = ""
    ) -> Token:
        """Read the token endpoint's answer to :meth:`token_request`: the token, or why there is none.

        Pure: no I/O, no cached state changed. The renewal time is
        ``sent_at`` plus the token's ``expires_in`` minus :meth:`leeway_for`
        it, on the clock that gave ``sent_at`` (a monotonic one).

        :param status: the HTTP status code.
        :param body: the whole body, decompressed.
        :param sent_at: the clock value when the request was sent.
        :param content_type: the ``Content-Type`` header (only shown in messages).
        :param reason: the reason phrase (only shown in messages).
        :returns: the token, ready to send.
        :raises halkit.AuthError: an OAuth error response (with ``error`` and
            ``description``), a redirect, a body that is not a JSON object, no
            ``access_token``, a token type other than bearer, a token that
            cannot go in a header, an invalid ``expires_in``. Any secret the
            server echoes back is replaced by ``***``.
        """
        where = f"token endpoint {urls.redact(self.token_url)}"
        try:
            raw: Any = json.loads(body)
        except (ValueError, RecursionError):
            raw = None
        fields: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        error: Any = fields.get("error")
        description: Any = fields.get("error_description")
        error = self._redact(error) if isinstance(error, str) and error else None
        description = self._redact(description) if isinstance(description, str) and description else None
        if error and status < 500 and not 300 <= status < 400:
            raise AuthError(
                f"{where} (HTTP {status}) refused the token request: {error}"
                + (f": {description}" if description else ""),
                error=error,
                description=description,
            )
        if not 200 <= status < 300 or not isinstance(raw, dict):
            if 300 <= status < 400:
                what = "a redirect, which halkit does not follow for token requests"
            elif error:
                what = f"error {error}" + (f": {description}" if description else "")
            elif isinstance(raw, dict):
                what = "a JSON body that is not an OAuth error response"
            else:
                what = f"a body that is not a JSON object (Content-Type {content_type or 'none'!r})"
            raise AuthError(
                f"{where} answered {status} {reason}".rstrip() + f" with {what}", error=error, description=description
            )
        access_token = raw.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise AuthError(f"{where} answered without an access_token")
        token_type = raw.get("token_type", "bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            shown = token_type if isinstance(token_type, str) else type(token_type).__name__
            raise AuthError(f"{where} issued a token of type {shown!r}; halkit supports bearer tokens only")
        try:
            header = "Bearer " + _check_token(access_token)
        except AuthError:
            raise AuthError(f"{where} issued an access_token that cannot be sent as a bearer header") from None
        lifetime = _lifetime(raw, where)
        renew_at = None if lifetime is None else sent_at + lifetime - self.leeway_for(lifetime)
        scope = raw.get("scope")
        logger.debug(
            "got an access token from %s (expires_in=%s, scope=%s)",
            urls.redact(self.token_url),
            raw.get("expires_in"),
            scope,
        )
        return Token(header=header, renew_at=renew_at, scope=scope if isinstance(scope, str) else None)

    # -- requests auth protocol

    def _sign(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = self._current().header
        return r

    def _on_response(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        if r.status_code != 401:
            return self._scope_redirect(r)
        request = r.request
        sent = request.headers.get("Authorization") if request is not None else None
        if (
            request is None
            or not isinstance(sent, str)
            or not sent.startswith("Bearer ")
            or not self._allows(request.url)
            or not isinstance(request.body, (bytes, str, type(None)))
        ):
            return r
        logger.debug("%s %s answered 401; renewing the token and retrying once", request.method, r.url)
        try:
            token = self._renew_rejected(sent)
        except BaseException:
            r.close()  # the 401's connection is not reused: it would be left open
            raise
        # The retried request, and any redirect hop built from it, is not retried again.
        hooks = request.hooks.get("response", [])
        request.hooks["response"] = [self._after_retry if h == self._on_response else h for h in hooks]
        # The original request gets the new token too: requests builds the
        # redirect hops of the retried response from it.
        request.headers["Authorization"] = token.header
        _discard(r)
        prep = request.copy()
        if prep._cookies is not None:  # type: ignore[attr-defined]
            extract_cookies_to_jar(prep._cookies, request, r.raw)  # type: ignore[attr-defined,no-untyped-call]
            prep.prepare_cookies(prep._cookies)  # type: ignore[attr-defined]
        retried: requests.Response = r.connection.send(prep, **kwargs)  # type: ignore[attr-defined]
        retried.history.append(r)
        retried.request = prep
        # requests runs no hook on this response (it replaces the 401 inside a
        # hook), and builds a redirect's next hop from the original request,
        # which now holds the renewed token: scope both here.
        return self._scope_redirect(retried, also=request)

    def _after_retry(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        return self._scope_redirect(r)

    # -- token management

    def _current(self) -> Token:
        state = self._state
        token = state.token
        if token is not None and not token.due(state.clock()):
            return token
        with state.lock:
            token = state.token
            if token is None or token.due(state.clock()):
                token = state.token = self._request_token()
            return token

    def _renew_rejected(self, sent_header: str) -> Token:
        """Renew after the API rejected ``sent_header``, unless another thread already did."""
        state = self._state
        with state.lock:
            token = state.token
            if token is None or token.due(state.clock()) or token.is_current(sent_header):
                token = state.token = self._request_token()
            return token

    def _read_capped(self, resp: requests.Response, deadline_at: float) -> bytes:
        """The token response's body (decompressed), read up to :attr:`max_body_size` by ``deadline_at``."""
        where = f"the token endpoint {urls.redact(self.token_url)}"
        chunks: List[bytes] = []
        size = 0
        try:
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit():
                self.check_body_size(int(declared), declared=True)
            for chunk in _chunks(resp):
                if time.monotonic() > deadline_at:
                    raise AuthError(
                        f"{where} did not finish its answer within the deadline "
                        f"({self.deadline:.0f} s for a timeout of {self.timeout} s)"
                    )
                size += len(chunk)
                self.check_body_size(size)
                chunks.append(chunk)
        finally:
            resp.close()
        return b"".join(chunks)

    def _request_token(self) -> Token:
        """Make one token request (the caller holds the lock) and return the token."""
        state = self._state
        where = f"token endpoint {urls.redact(self.token_url)}"
        logger.debug("requesting an access token from %s", urls.redact(self.token_url))
        request = self.token_request()
        # through the bound session (a client's: its adapters, retries, hooks
        # and test doubles see the token request) or this object's own
        session = self._session if self._session is not None else state.session
        if self._on_request is not None:
            self._on_request()
        sent_at = state.clock()
        # the whole token request (every read of its body) within a total deadline, as any call
        deadline = self.deadline
        deadline_at = time.monotonic() + (math.inf if deadline is None else deadline)
        try:
            resp = session.post(
                request.url,
                data=request.body,
                headers=request.headers,
                auth=_as_signed,  # signed already: not the session's own auth
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,  # the body is read, capped, by _read_capped
                **self._send_options,
            )
            body = self._read_capped(resp, deadline_at)
        except (ResponseTooLargeError, AuthError):
            raise
        except requests.Timeout as exc:
            raise AuthError(f"{where} did not answer within {self.timeout} s") from exc
        except requests.ConnectionError as exc:
            raise AuthError(f"could not connect to {where}") from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            # (urllib3's: a body read that fails, a broken chunk or gzip stream)
            raise AuthError(f"the request to {where} failed: {type(exc).__name__}") from exc
        return self.read_token_response(
            resp.status_code,
            body,
            sent_at=sent_at,
            content_type=resp.headers.get("Content-Type", ""),
            reason=resp.reason or "",
        )

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        return text


def _as_signed(r: requests.PreparedRequest) -> requests.PreparedRequest:
    """The auth of a token request, whose client authentication :meth:`ClientCredentials.token_request` did."""
    return r


def _lifetime(raw: Mapping[str, Any], where: str) -> Optional[float]:
    """The token's lifetime in seconds, from ``expires_in``; ``None`` if it has none.

    A (non-standard) ``expires_at`` alone, in seconds since the epoch, is used
    too; authlib adds ``expires_at`` itself only when ``expires_in`` is present.
    """
    value: Any = raw.get("expires_in")
    expires_at: Any = raw.get("expires_at")
    if value is None and expires_at is None:
        return None
    try:
        if value is not None:
            if isinstance(value, bool):
                raise TypeError
            seconds = float(value)
        else:
            if isinstance(expires_at, bool):
                raise TypeError
            seconds = max(0.0, float(expires_at) - time.time())
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise AuthError(f"{where} answered with an invalid expires_in")
    return seconds


def _chunks(resp: requests.Response) -> Iterator[bytes]:
    """The decompressed body in the pieces as they arrive (so a deadline is checked between them).

    ``iter_content`` asks urllib3 for whole chunks and waits until each is
    full; ``read1`` gives what has arrived. Other raws (test doubles) are read
    with ``iter_content``.
    """
    raw = resp.raw
    if not isinstance(raw, urllib3.response.HTTPResponse):
        yield from resp.iter_content(_CHUNK)
        return
    while True:
        chunk = raw.read1(_CHUNK, decode_content=True)
        if not chunk:
            return
        yield chunk


def _check_token_url(url: object, allow_insecure_http: bool) -> str:
    if not isinstance(url, str):
        raise AuthError(f"token_url must be a str, not {type(url).__name__}")
    try:
        scheme, host, _ = urls.origin(url)
    except UnsafeURLError as exc:
        raise UnsafeURLError(f"the token URL must be an absolute http(s) URL: {exc}") from None
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnsafeURLError(f"invalid token URL {urls.redact(url)!r}") from None
    if parts.username is not None or parts.password is not None:
        raise AuthError("the token URL must not contain credentials; pass client_id and client_secret")
    if scheme == "http" and not allow_insecure_http and not urls.is_loopback(host):
        raise AuthError(
            f"refusing to send client credentials to {urls.redact(url)} over plain http: use https, "
            "or pass allow_insecure_http=True if you really mean it"
        )
    return url


@functools.cache
def _authlib_grant() -> Tuple[Any, Any, Any]:
    """authlib's pieces of a token request: ``prepare_token_request``, ``ClientAuth``, ``list_to_scope``.

    Imported on first use: authlib pulls in joserfc and cryptography.
    """
    from authlib.oauth2.auth import ClientAuth
    from authlib.oauth2.rfc6749.parameters import prepare_token_request
    from authlib.oauth2.rfc6749.util import list_to_scope

    return prepare_token_request, ClientAuth, list_to_scope


def _secret_forms(client_id: str, client_secret: str, others: Iterable[str]) -> Tuple[str, ...]:
    """Every form in which a server could echo the secrets back: as given, URL-encoded, in a Basic header."""
    forms: Set[str] = set()
    for secret in (client_secret, *others):
        forms.update((secret, quote(secret, safe=""), quote_plus(secret)))
    for charset in ("latin-1", "utf-8"):
        try:
            pair = f"{client_id}:{client_secret}".encode(charset)
        except UnicodeEncodeError:
            continue
        forms.add(base64.b64encode(pair).decode("ascii"))
    # longest first, so that a secret inside another form is not half-replaced
    return tuple(sorted((f for f in forms if len(f) >= 4), key=len, reverse=True))


# --------------------------------------------------------------------------- the client seam


def prepare_auth(
    auth: AuthLike,
    origins: Iterable[str],
    *,
    session: Optional[requests.Session] = None,
    on_token_request: Optional[Callable[[], None]] = None,
) -> Optional[AuthBase]:
    """Turn a ``halkit.Client(auth=...)`` value into an origin-scoped requests auth.

    ============================== ==============================================
    ``auth``                       result
    ============================== ==============================================
    ``None``                       ``None``
    ``str``                        :class:`BearerToken`
    ``(user, password)``           :class:`OriginScoped` around ``HTTPBasicAuth``
    a halkit auth object           itself if its origins were set, else
                                   a copy scoped to ``origins`` (sharing the
                                   token cache with the original)
    another ``AuthBase``/callable  :class:`OriginScoped` around it
    ============================== ==============================================

    :param auth: what the user passed.
    :param origins: the default allow-list: origins (``"https://host:port"``)
        or URLs, normally just the client's entry URL.
    :param session: the client's session: a :class:`ClientCredentials`
        sends its token requests through it (:meth:`ClientCredentials.with_session`).
    :param on_token_request: called once per token request (the client's request counter).
    :returns: an auth to pass to every request (``session.request(..., auth=...)``).
    :raises halkit.AuthError: for an unsupported ``auth`` value or an invalid origin.
    """
    result = _scoped(auth, origins)
    if session is not None and isinstance(result, ClientCredentials):
        result = result.with_session(session, on_request=on_token_request)
    return result


def _scoped(auth: AuthLike, origins: Iterable[str]) -> Optional[AuthBase]:
    if auth is None:
        return None
    if isinstance(auth, str):
        return BearerToken(auth, origins=origins)
    if isinstance(auth, tuple):
        if len(auth) == 2 and all(isinstance(part, str) for part in auth):
            return OriginScoped(HTTPBasicAuth(auth[0], auth[1]), origins)
        raise AuthError("an auth tuple must be (user, password), two str")
    if isinstance(auth, _ScopedAuth):
        return auth if auth._origins is not None else auth.with_origins(origins)
    if callable(auth):
        return OriginScoped(auth, origins)
    raise AuthError(
        f"unsupported auth of type {type(auth).__name__}: pass a bearer token str, a (user, password) "
        "tuple, a halkit.auth object or a requests.auth.AuthBase"
    )
