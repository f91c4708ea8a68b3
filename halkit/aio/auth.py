"""Credentials for the async client: the same auth values as the sync client, as httpx auth flows.

:func:`prepare_async_auth` turns what ``AsyncClient(auth=...)`` accepts into
a :class:`ScopedAuth`: an :class:`httpx.Auth` and the origins it may go to.
The transport runs the auth flow for a request (and for each redirect hop)
only when the URL's origin is allowed, so credentials, including any custom
header an auth sets, never reach another origin.

* a :class:`halkit.auth.ClientCredentials` (the same object the sync client
  takes) becomes :class:`AsyncClientCredentials`: the client credentials
  grant sent with authlib's client authentication
  (:class:`authlib.oauth2.auth.ClientAuth`, Basic or form fields) over an
  :class:`httpx.AsyncClient`, with the sync object's promises: one token
  request per lifetime however many tasks ask at once (an
  :class:`asyncio.Lock`), renewal ``leeway`` seconds before expiry, one retry
  after a 401, renewing only if the rejected token is still the current one,
  no redirects followed for token requests, http:// refused off loopback
  (checked when the :class:`~halkit.auth.ClientCredentials` is made), and no
  secret in any repr, log record or message;
* a ``str`` or a :class:`halkit.auth.BearerToken`: a static bearer token;
* a ``(user, password)`` tuple: :class:`httpx.BasicAuth`;
* any :class:`httpx.Auth` (digest, a custom API key header...), or a
  callable taking and returning an :class:`httpx.Request`.

authlib's :class:`~authlib.integrations.httpx_client.AsyncOAuth2Client` is
not used as the token session: it is an httpx client of its own whose
import warns when the ``httpx2`` package is missing, and halkit wants the
renewal rules above rather than its refresh logic. Only its grant logic is.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from typing import Any, AsyncGenerator, Callable, FrozenSet, Iterable, Optional

import httpx
import requests.auth

from .. import urls
from ..auth import (  # the sync grant's checks, shared
    BearerToken,
    ClientCredentials,
    OriginScoped,
    _check_token,
    _lifetime,
    _Token,
)
from ..exceptions import AuthError
from .transport import as_httpx_timeout, default_ssl_context, read_body

__all__ = ["AsyncClientCredentials", "ScopedAuth", "prepare_async_auth"]

logger = logging.getLogger(__name__)

#: The largest token response read.
_MAX_TOKEN_RESPONSE = 1024 * 1024


class ScopedAuth:
    """An :class:`httpx.Auth` and the origins it applies to.

    :param auth: the auth flow.
    :param origins: the allowed origins (see :func:`halkit.urls.origins`).
    """

    def __init__(self, auth: httpx.Auth, origins: FrozenSet[urls.Origin]) -> None:
        self.auth = auth
        self.origins = origins
        # "scheme://host:port/" (and without the default port): a URL starting with
        # one of these has exactly that origin (its authority ends at the "/")
        prefixes = []
        for scheme, host, port in origins:
            shown = f"[{host}]" if ":" in host else host
            prefixes.append(f"{scheme}://{shown}:{port}/")
            if port == (443 if scheme == "https" else 80):
                prefixes.append(f"{scheme}://{shown}/")
        self._prefixes = tuple(prefixes)

    def allows(self, url: str) -> bool:
        """Whether credentials may go to ``url``."""
        if url.startswith(self._prefixes):
            return True
        origin = urls.origin_of(url)
        return origin is not None and origin in self.origins

    async def aclose(self) -> None:
        """Close the auth's own connections (a token endpoint's pool), if it has any."""
        close = getattr(self.auth, "aclose", None)
        if close is not None:
            await close()

    def __repr__(self) -> str:
        shown = sorted(urls.format_origin(o) for o in self.origins)
        return f"ScopedAuth({type(self.auth).__name__}, origins={shown})"


class _Bearer(httpx.Auth):
    """A static bearer token (its repr shows no token)."""

    def __init__(self, token: str) -> None:
        self._header = "Bearer " + _check_token(token)

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "_Bearer()"


class _CallableAuth(httpx.Auth):
    """A callable that takes and returns an :class:`httpx.Request`, as an auth flow."""

    def __init__(self, func: Callable[[httpx.Request], httpx.Request]) -> None:
        self._func = func

    def auth_flow(self, request: httpx.Request) -> Any:
        yield self._func(request)

    def __repr__(self) -> str:
        return f"_CallableAuth({type(self._func).__name__})"


class AsyncClientCredentials(httpx.Auth):
    """The OAuth 2.0 client credentials grant of a :class:`halkit.auth.ClientCredentials`, for httpx.

    Its configuration (token URL, id, secret, scope, client authentication
    method, extra form fields, leeway, timeout, TLS settings) is the sync
    object's; its token cache is its own. See the module docstring for what
    it promises.

    :param config: the :class:`~halkit.auth.ClientCredentials`.
    """

    def __init__(self, config: ClientCredentials) -> None:
        self.config = config
        self._token: Optional[_Token] = None
        self._lock: Optional[asyncio.Lock] = None
        self._http: Optional[httpx.AsyncClient] = None
        #: a monotonic clock; tests replace it
        self.clock: Callable[[], float] = time.monotonic

    def __repr__(self) -> str:
        cfg = self.config
        return f"AsyncClientCredentials(token_url={cfg.token_url!r}, client_id={cfg.client_id!r})"

    # -- httpx auth flow

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._current()
        request.headers["Authorization"] = token.header
        response = yield request
        if response.status_code != 401 or not isinstance(request.stream, httpx.ByteStream):
            return  # not rejected, or a body that cannot be sent again
        logger.debug("%s %s answered 401; renewing the token and retrying once", request.method, request.url)
        token = await self._renew_rejected(token.header)
        request.headers["Authorization"] = token.header
        yield request

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        raise AuthError("AsyncClientCredentials works with httpx.AsyncClient only")

    # -- token management

    def _get_lock(self) -> asyncio.Lock:
        # made on first use, inside the running loop (Python 3.9 binds a lock to a loop)
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def fetch_token(self) -> None:
        """Fetch a new token now (to check the credentials at start-up); it is not returned."""
        async with self._get_lock():
            self._token = await self._request_token()

    def invalidate(self) -> None:
        """Forget the cached token; the next request fetches a new one."""
        self._token = None

    async def _current(self) -> _Token:
        token = self._token
        if token is not None and not token.due(self.clock()):
            return token
        async with self._get_lock():
            token = self._token
            if token is None or token.due(self.clock()):
                token = self._token = await self._request_token()
            return token

    async def _renew_rejected(self, sent_header: str) -> _Token:
        """Renew after the API rejected ``sent_header``, unless another task already did."""
        async with self._get_lock():
            token = self._token
            if (
                token is None
                or token.due(self.clock())
                or hmac.compare_digest(token.header.encode("ascii"), sent_header.encode("latin-1", "replace"))
            ):
                token = self._token = await self._request_token()
            return token

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            session = self.config._state.session
            verify = session.verify if session.verify not in (None, True) else default_ssl_context()
            self._http = httpx.AsyncClient(
                timeout=as_httpx_timeout(self.config.timeout),
                verify=verify,
                cert=session.cert,
                follow_redirects=False,
            )
        return self._http

    async def aclose(self) -> None:
        """Close the token endpoint's connection pool."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _request_token(self) -> _Token:
        """Make one token request (the caller holds the lock) and return the token."""
        from authlib.oauth2.auth import ClientAuth
        from authlib.oauth2.rfc6749.parameters import prepare_token_request
        from authlib.oauth2.rfc6749.util import list_to_scope

        cfg = self.config
        session = cfg._state.session
        where = f"token endpoint {cfg.token_url}"
        logger.debug("requesting an access token from %s", cfg.token_url)
        form = prepare_token_request("client_credentials", body=cfg._body, scope=list_to_scope(session.scope))
        url, headers, body = ClientAuth(session.client_id, session.client_secret, cfg.auth_method).prepare(
            "POST",
            cfg.token_url,
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            form,
        )
        sent_at = self.clock()
        try:
            response = await self._client().send(
                self._client().build_request("POST", url, headers=headers, content=body.encode("utf-8")),
                stream=True,
            )
            await read_body(response, _MAX_TOKEN_RESPONSE, "POST", cfg.token_url)
        except httpx.TimeoutException as exc:
            raise AuthError(f"{where} did not answer within {cfg.timeout} s") from exc
        except httpx.HTTPError as exc:
            raise AuthError(f"could not connect to {where}") from exc
        except Exception as exc:  # halkit errors from read_body: too large, broken connection
            raise AuthError(f"the request to {where} failed: {type(exc).__name__}") from None
        try:
            raw = json.loads(response.content)
        except ValueError:
            raw = None
        status = response.status_code
        fields = raw if isinstance(raw, dict) else {}
        error, description = fields.get("error"), fields.get("error_description")
        error = cfg._redact(error) if isinstance(error, str) else None
        description = cfg._redact(description) if isinstance(description, str) and description else None
        if not 200 <= status < 300 or error:
            if 300 <= status < 400:
                what = "a redirect, which halkit does not follow for token requests"
            elif error:
                raise AuthError(
                    f"{where} (HTTP {status}) refused the token request: {error}"
                    + (f": {description}" if description else ""),
                    error=error,
                    description=description,
                )
            elif isinstance(raw, dict):
                what = "a JSON body that is not an OAuth error response"
            else:
                what = f"a body that is not a JSON object (Content-Type {response.headers.get('Content-Type') or 'none'!r})"
            raise AuthError(f"{where} answered {status} {response.reason_phrase}".rstrip() + f" with {what}")
        if not isinstance(raw, dict):
            raise AuthError(f"{where} did not answer with a JSON token response")
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
        renew_at = None if lifetime is None else sent_at + lifetime - cfg._leeway_for(lifetime)
        scope = raw.get("scope")
        logger.debug("got an access token from %s (expires_in=%s, scope=%s)", cfg.token_url, raw.get("expires_in"), scope)
        return _Token(header=header, renew_at=renew_at, scope=scope if isinstance(scope, str) else None)


def prepare_async_auth(auth: Any, origins: Iterable[str]) -> Optional[ScopedAuth]:
    """Turn an ``AsyncClient(auth=...)`` value into a :class:`ScopedAuth`.

    :param auth: what the user passed (see the module docstring).
    :param origins: the default allow-list (origins or URLs), normally the entry URL's.
    :raises halkit.AuthError: an unsupported value (a requests auth, which
        cannot sign an httpx request) or an invalid origin.
    """
    if auth is None:
        return None
    default = urls.origins(origins)

    def scoped(flow: httpx.Auth, own: Optional[Iterable[str]]) -> ScopedAuth:
        return ScopedAuth(flow, urls.origins(own) if own else default)

    if isinstance(auth, str):
        return scoped(_Bearer(auth), None)
    if isinstance(auth, tuple):
        if len(auth) == 2 and all(isinstance(part, str) for part in auth):
            return scoped(httpx.BasicAuth(auth[0], auth[1]), None)
        raise AuthError("an auth tuple must be (user, password), two str")
    if isinstance(auth, ClientCredentials):
        return scoped(AsyncClientCredentials(auth), auth.origins)
    if isinstance(auth, BearerToken):
        flow = _Bearer.__new__(_Bearer)
        flow._header = auth._header
        return scoped(flow, auth.origins)
    if isinstance(auth, (OriginScoped, requests.auth.AuthBase)):
        raise AuthError(
            f"{type(auth).__name__} is a requests auth, which cannot sign an httpx request; "
            "give AsyncClient an httpx.Auth instead (it is scoped to origins= too)"
        )
    if isinstance(auth, httpx.Auth):
        return scoped(auth, None)
    if callable(auth):
        return scoped(_CallableAuth(auth), None)
    raise AuthError(
        f"unsupported auth of type {type(auth).__name__}: pass a bearer token str, a (user, password) "
        "tuple, a halkit.auth object or an httpx.Auth"
    )
