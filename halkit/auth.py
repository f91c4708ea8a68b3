"""Authentication for halkit: OAuth 2.0 client credentials, bearer tokens, origin scoping.

This module owns everything that puts credentials on a request, and it is the
only halkit module that imports authlib. Every auth object here is a
:class:`requests.auth.AuthBase`, so it also works with a plain
:class:`requests.Session`.

* :class:`ClientCredentials`: the OAuth 2.0 client credentials grant
  (RFC 6749 section 4.4). The token is fetched through authlib's
  :class:`~authlib.integrations.requests_client.OAuth2Session` lazily, once,
  cached, renewed shortly before it expires, and renewed once more when the
  API answers 401. Any number of threads may share one object: each renewal
  makes exactly one token request.
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

import copy
import hmac
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
)
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth
from requests.cookies import extract_cookies_to_jar

from . import urls
from .exceptions import AuthError, UnsafeURLError

if TYPE_CHECKING:  # pragma: no cover - authlib is imported when OAuth is first used
    from authlib.integrations.requests_client import OAuth2Session

__all__ = [
    "AuthLike",
    "BearerToken",
    "ClientCredentials",
    "OriginScoped",
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

    def _scope_redirect(self, r: requests.Response) -> requests.Response:
        """Drop the credential headers before requests follows a redirect off the allow-list.

        requests builds each redirect hop from a copy of the request that got
        the redirect, after the response hooks have run; removing the headers
        here removes them from the next hop. (requests strips ``Authorization``
        too when the host changes, but not on an ``http`` to ``https``
        upgrade, and it never strips other headers, such as an API key.)
        """
        request = r.request
        if not r.is_redirect or request is None:
            return r
        present = [name for name in self._credential_headers() if name in request.headers]
        if not present:
            return r
        location = r.headers.get("location", "")
        try:
            target = urljoin(r.url, location.encode("latin1").decode("utf8"))
        except (UnicodeError, ValueError):
            target = ""
        if not self._allows(target):
            for name in present:
                del request.headers[name]
            logger.debug("redirect from %s leaves the allowed origins; not sending credentials", r.url)
        return r

    def _origins_repr(self) -> str:
        return "None" if self._origins is None else repr(list(self.origins or ()))


# --------------------------------------------------------------------------- static auth


class BearerToken(_ScopedAuth):
    """A static bearer token, sent as ``Authorization: Bearer <token>``.

    ``halkit.Client(url, auth="<token>")`` is a shortcut for this class.
    A static token cannot be renewed, so a 401 is returned as it is (the
    client raises :class:`halkit.UnauthorizedError`).

    :param token: the access token (visible ASCII characters, no spaces).
    :param origins: the origins (or URLs) the token may be sent to. ``None``
        (the default) means the origin of the client's entry URL.
    :raises halkit.AuthError: if the token is empty or not a valid header value,
        or an origin is invalid.
    """

    def __init__(self, token: str, *, origins: Optional[Union[str, Iterable[str]]] = None) -> None:
        super().__init__(origins)
        self._header = "Bearer " + _check_token(token)

    def _sign(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = self._header
        return r

    def __repr__(self) -> str:
        return f"BearerToken(origins={self._origins_repr()})"


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


def _check_token(token: object) -> str:
    if not isinstance(token, str) or not token:
        raise AuthError(f"a bearer token must be a non-empty str, not {type(token).__name__}")
    if not set(token) <= _TOKEN_CHARS:
        raise AuthError("the bearer token contains characters that are not allowed in a header")
    return token


# --------------------------------------------------------------------------- client credentials


@dataclass(frozen=True, repr=False)
class _Token:
    """One access token, ready to send. Its repr shows no secret."""

    header: str
    #: ``clock()`` value from which the token is renewed; ``None``: never.
    renew_at: Optional[float]
    scope: Optional[str]

    def due(self, now: float) -> bool:
        return self.renew_at is not None and now >= self.renew_at

    def __repr__(self) -> str:
        return f"<token renew_at={self.renew_at!r} scope={self.scope!r}>"


@dataclass(frozen=True)
class _Reply:
    """The shape of a token endpoint response (no token in it)."""

    status: int
    reason: str
    content_type: str
    is_json_object: bool
    error: Optional[str]
    description: Optional[str]


class _TokenState:
    """What every copy of one :class:`ClientCredentials` shares."""

    def __init__(self, session: "OAuth2Session") -> None:
        self.lock = threading.Lock()
        self.session = session
        self.token: Optional[_Token] = None
        #: a monotonic clock; tests replace it
        self.clock: Callable[[], float] = time.monotonic
        #: what the last token response looked like, for error messages
        self.last_response: Optional[_Reply] = None


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
        (``True``, ``False`` or a CA bundle path).
    :param cert: a client certificate for the token endpoint, as in requests.
    :param proxies: proxies for the token endpoint, as in requests.
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
        verify: Union[bool, str] = True,
        cert: Optional[Union[str, Tuple[str, str]]] = None,
        proxies: Optional[Mapping[str, str]] = None,
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
        self.password_fields = password_fields
        self._body = urlencode(form)
        self._secrets = tuple(s for s in {client_secret, *(v for _, v in form if v != client_id)} if len(s) >= 4)

        # authlib (with joserfc and cryptography) is imported here, when OAuth
        # is first used, not by `import halkit`
        from authlib.integrations.requests_client import OAuth2Session

        session = OAuth2Session(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method=auth_method,
            scope=scope,
        )
        session.verify = verify
        session.cert = cert
        if proxies:
            session.proxies.update(proxies)
        self._state = _TokenState(session)
        session.register_compliance_hook("access_token_response", self._record_response)

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

    def close(self) -> None:
        """Close the token endpoint's connection pool. The object stays usable."""
        self._state.session.close()

    def __enter__(self) -> ClientCredentials:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r}, "
            f"auth_method={self.auth_method!r}, origins={self._origins_repr()})"
        )

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
        r.content  # noqa: B018 - drain the body so the connection can be reused
        r.close()
        prep = request.copy()
        if prep._cookies is not None:  # type: ignore[attr-defined]
            extract_cookies_to_jar(prep._cookies, request, r.raw)  # type: ignore[attr-defined,no-untyped-call]
            prep.prepare_cookies(prep._cookies)  # type: ignore[attr-defined]
        retried: requests.Response = r.connection.send(prep, **kwargs)  # type: ignore[attr-defined]
        retried.history.append(r)
        retried.request = prep
        return retried

    def _after_retry(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        return self._scope_redirect(r)

    # -- token management

    def _current(self) -> _Token:
        state = self._state
        token = state.token
        if token is not None and not token.due(state.clock()):
            return token
        with state.lock:
            token = state.token
            if token is None or token.due(state.clock()):
                token = state.token = self._request_token()
            return token

    def _renew_rejected(self, sent_header: str) -> _Token:
        """Renew after the API rejected ``sent_header``, unless another thread already did."""
        state = self._state
        with state.lock:
            token = state.token
            if (
                token is None
                or token.due(state.clock())
                or hmac.compare_digest(token.header.encode("ascii"), sent_header.encode("latin-1", "replace"))
            ):
                token = state.token = self._request_token()
            return token

    def _record_response(self, resp: requests.Response) -> requests.Response:
        try:
            body = resp.json()
        except ValueError:
            body = None
        fields: Mapping[str, Any] = body if isinstance(body, dict) else {}
        error, description = fields.get("error"), fields.get("error_description")
        self._state.last_response = _Reply(
            status=resp.status_code,
            reason=resp.reason or "",
            content_type=resp.headers.get("Content-Type", ""),
            is_json_object=isinstance(body, dict),
            error=self._redact(error) if isinstance(error, str) else None,
            description=self._redact(description) if isinstance(description, str) else None,
        )
        return resp

    def _request_token(self) -> _Token:
        """Make one token request (the caller holds the lock) and return the token."""
        state = self._state
        state.last_response = None
        where = f"token endpoint {self.token_url}"
        logger.debug("requesting an access token from %s", self.token_url)
        sent_at = state.clock()
        from authlib.integrations.base_client.errors import OAuthError

        try:
            raw = state.session.fetch_token(
                self.token_url,
                body=self._body,
                grant_type="client_credentials",
                timeout=self.timeout,
                allow_redirects=False,
            )
        except OAuthError as exc:
            error = self._redact(exc.error) if isinstance(exc.error, str) else None
            description = (
                self._redact(exc.description) if isinstance(exc.description, str) and exc.description else None
            )
            raise AuthError(
                f"{where} {self._status_text()}refused the token request: {error}"
                + (f": {description}" if description else ""),
                error=error,
                description=description,
            ) from None
        except requests.Timeout as exc:
            raise AuthError(f"{where} did not answer within {self.timeout} s") from exc
        except requests.ConnectionError as exc:
            raise AuthError(f"could not connect to {where}") from exc
        except (requests.HTTPError, requests.exceptions.JSONDecodeError):
            # (older authlib calls resp.json() itself: requests' JSONDecodeError
            # is a RequestException as well as a ValueError)
            raise self._bad_response(where) from None
        except requests.RequestException as exc:
            raise AuthError(f"the request to {where} failed: {type(exc).__name__}") from exc
        except ValueError:
            # authlib: a body that is not a JSON object, or an unusable expires_in.
            # The ValueError's text may quote the request body, so it is not chained.
            raise self._bad_response(where) from None
        return self._parse(raw, sent_at, where)

    def _parse(self, raw: object, sent_at: float, where: str) -> _Token:
        last = self._state.last_response
        if not isinstance(raw, dict) or (last is not None and not 200 <= last.status < 300):
            raise self._bad_response(where)
        access_token = raw.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise AuthError(f"{where} answered without an access_token")
        token_type = raw.get("token_type", "bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            shown = token_type if isinstance(token_type, str) else type(token_type).__name__
            raise AuthError(f"{where} issued a token of type {shown!r}; halkit supports bearer tokens only")
        try:
            _check_token(access_token)
            # authlib signs the request: "Authorization: Bearer <token>", whatever the case of token_type.
            headers: Dict[str, str] = {}
            _, headers, _ = self._state.session.token_auth.prepare("", headers, "")
            header = headers["Authorization"]
        except (AuthError, KeyError, TypeError):
            raise AuthError(f"{where} issued an access_token that cannot be sent as a bearer header") from None
        lifetime = _lifetime(raw, where)
        renew_at = None if lifetime is None else sent_at + lifetime - self._leeway_for(lifetime)
        scope = raw.get("scope")
        logger.debug(
            "got an access token from %s (expires_in=%s, scope=%s)",
            self.token_url,
            raw.get("expires_in"),
            scope,
        )
        return _Token(header=header, renew_at=renew_at, scope=scope if isinstance(scope, str) else None)

    def _leeway_for(self, lifetime: float) -> float:
        if self.leeway is None:
            return min(_MAX_DEFAULT_LEEWAY, lifetime * _DEFAULT_LEEWAY_SHARE)
        return min(float(self.leeway), lifetime * _MAX_LEEWAY_SHARE)

    def _status_text(self) -> str:
        last = self._state.last_response
        return f"(HTTP {last.status}) " if last is not None else ""

    def _bad_response(self, where: str) -> AuthError:
        last = self._state.last_response
        if last is None:
            return AuthError(f"{where} did not answer with a JSON token response")
        if 300 <= last.status < 400:
            what = "a redirect, which halkit does not follow for token requests"
        elif last.error:
            what = f"error {last.error}" + (f": {last.description}" if last.description else "")
        elif last.is_json_object and 200 <= last.status < 300:
            what = "an unusable token response (check expires_in and expires_at)"
        elif last.is_json_object:
            what = "a JSON body that is not an OAuth error response"
        else:
            what = f"a body that is not a JSON object (Content-Type {last.content_type or 'none'!r})"
        return AuthError(
            f"{where} answered {last.status} {last.reason}".rstrip() + f" with {what}",
            error=last.error,
            description=last.description,
        )

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        return text


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


# --------------------------------------------------------------------------- the client seam


def prepare_auth(auth: AuthLike, origins: Iterable[str]) -> Optional[AuthBase]:
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
    :returns: an auth to pass to every request (``session.request(..., auth=...)``).
    :raises halkit.AuthError: for an unsupported ``auth`` value or an invalid origin.
    """
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
