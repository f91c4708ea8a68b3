"""Credentials for the async client: the same auth values as the sync client, as httpx auth flows.

:func:`prepare_async_auth` turns what ``AsyncClient(auth=...)`` accepts into
a :class:`ScopedAuth`: an :class:`httpx.Auth` and the origins it may go to.
The transport runs the auth flow for a request (and for each redirect hop)
only when the URL's origin is allowed, so credentials, including any custom
header an auth sets, never reach another origin.

* a :class:`halkit.auth.ClientCredentials` (the same object the sync client
  takes) becomes :class:`AsyncClientCredentials`: the same grant, through
  the object's I/O-free API (:meth:`~halkit.auth.ClientCredentials.token_request`
  builds the request, :meth:`~halkit.auth.ClientCredentials.read_token_response`
  reads the answer), sent over an :class:`httpx.AsyncClient`, with the sync
  grant's promises: one token request per lifetime however many tasks ask
  at once (an :class:`asyncio.Lock`), renewal ``leeway`` seconds before
  expiry, one retry after a 401, renewing only if the rejected token is
  still the current one, no redirects followed for token requests, http://
  refused off loopback (checked when the
  :class:`~halkit.auth.ClientCredentials` is made), the answer read up to
  ``max_body_size`` (gzip and deflate inflated a bounded piece at a time),
  the whole exchange within the total
  :attr:`~halkit.auth.ClientCredentials.deadline`, and no secret in any
  repr, log record or message;
* a ``str`` or a :class:`halkit.auth.BearerToken`: a static bearer token;
* a ``(user, password)`` tuple: :class:`httpx.BasicAuth`;
* any :class:`httpx.Auth` (digest, a custom API key header...), or a
  callable taking and returning an :class:`httpx.Request`.

authlib's :class:`~authlib.integrations.httpx_client.AsyncOAuth2Client` is
not used as the token session: it is an httpx client of its own whose
import warns when the ``httpx2`` package is missing, and halkit wants the
renewal rules above rather than its refresh logic. Only its grant logic is,
through :class:`halkit.auth.ClientCredentials`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from typing import Any, AsyncGenerator, Callable, FrozenSet, Iterable, List, Optional, Tuple

import httpx
import requests.auth
import requests.utils

from .. import urls
from ..auth import BearerToken, ClientCredentials, OriginScoped, Token, TokenRequest  # the grant, shared
from ..exceptions import AuthError
from .transport import as_httpx_timeout, default_ssl_context

__all__ = ["AsyncClientCredentials", "ScopedAuth", "prepare_async_auth"]

logger = logging.getLogger(__name__)

#: The most a gzip or deflate token response inflates at once, in bytes.
_CHUNK = 64 * 1024

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
    """A static token: the ``Authorization`` value of a :class:`~halkit.auth.BearerToken` (its repr shows no token)."""

    def __init__(self, header: str) -> None:
        self._header = header

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
    method, extra form fields, leeway, timeout, TLS and proxy settings, body cap) is the
    sync object's, and so is the grant itself: the request comes from
    :meth:`~halkit.auth.ClientCredentials.token_request` and the answer is
    read by :meth:`~halkit.auth.ClientCredentials.read_token_response`. This
    class does the I/O and keeps a token cache of its own. See the module
    docstring for what it promises.

    :param config: the :class:`~halkit.auth.ClientCredentials`.
    """

    def __init__(
        self,
        config: ClientCredentials,
        *,
        session: Optional[httpx.AsyncClient] = None,
        on_token_request: Optional[Callable[[], None]] = None,
    ) -> None:
        self.config = config
        self._token: Optional[Token] = None
        self._lock: Optional[asyncio.Lock] = None
        # the client's own httpx client (its transport, hooks and test doubles see the token
        # request, as the sync grant goes through the client's session), unless the grant has
        # TLS or proxy settings of its own, which httpx takes per client, not per request
        self._session = session if session is not None and not config.send_options else None
        self._http: Optional[httpx.AsyncClient] = None
        self._on_token_request = on_token_request
        #: a monotonic clock; tests replace it
        self.clock: Callable[[], float] = time.monotonic

    def __repr__(self) -> str:
        cfg = self.config
        return f"AsyncClientCredentials(token_url={urls.redact(cfg.token_url)!r}, client_id={cfg.client_id!r})"

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

    async def _current(self) -> Token:
        token = self._token
        if token is not None and not token.due(self.clock()):
            return token
        async with self._get_lock():
            token = self._token
            if token is None or token.due(self.clock()):
                token = self._token = await self._request_token()
            return token

    async def _renew_rejected(self, sent_header: str) -> Token:
        """Renew after the API rejected ``sent_header``, unless another task already did."""
        async with self._get_lock():
            token = self._token
            if token is None or token.due(self.clock()) or token.is_current(sent_header):
                token = self._token = await self._request_token()
            return token

    def _client(self) -> httpx.AsyncClient:
        if self._session is not None:
            return self._session
        if self._http is None:
            options = self.config.send_options  # verify, cert and proxies, as the sync grant sends them
            verify = options.get("verify", True)
            proxies = options.get("proxies")
            self._http = httpx.AsyncClient(
                timeout=as_httpx_timeout(self.config.timeout),
                verify=default_ssl_context() if verify is True else verify,
                cert=options.get("cert"),
                # requests' choice among its proxies (by scheme and host, then "all")
                proxy=requests.utils.select_proxy(self.config.token_url, proxies) if proxies else None,
                follow_redirects=False,
            )
        return self._http

    async def aclose(self) -> None:
        """Close the token endpoint's connection pool."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _request_token(self) -> Token:
        """Make one token request (the caller holds the lock) and return the token."""
        cfg = self.config
        where = f"token endpoint {urls.redact(cfg.token_url)}"
        logger.debug("requesting an access token from %s", urls.redact(cfg.token_url))
        sent_at = self.clock()
        try:
            # the whole exchange, every read of the body included, within the total deadline
            status, content_type, reason, body = await asyncio.wait_for(self._exchange(cfg.token_request()), cfg.deadline)
        except asyncio.TimeoutError:
            raise AuthError(
                f"the {where} did not finish its answer within the deadline "
                f"({cfg.deadline:.0f} s for a timeout of {cfg.timeout} s)"
            ) from None
        except httpx.TimeoutException as exc:
            raise AuthError(f"{where} did not answer within {cfg.timeout} s") from exc
        except httpx.TransportError as exc:
            raise AuthError(f"could not connect to {where}") from exc
        except httpx.HTTPError as exc:  # a body that cannot be decompressed...
            raise AuthError(f"the request to {where} failed: {type(exc).__name__}") from exc
        return cfg.read_token_response(status, body, sent_at=sent_at, content_type=content_type, reason=reason)

    async def _exchange(self, request: TokenRequest) -> Tuple[int, str, str, bytes]:
        """Send the token request and read its answer, capped: (status, Content-Type, reason, body)."""
        client = self._client()
        sent = client.build_request(
            "POST", request.url, headers=request.headers, content=request.body,
            timeout=as_httpx_timeout(self.config.timeout),
        )
        if self._on_token_request is not None:
            self._on_token_request()
        # no redirect is followed, and no auth of the httpx client applies (as in the sync grant)
        response = await client.send(sent, stream=True, follow_redirects=False, auth=None)
        pieces = _decoded(response)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit():
                self.config.check_body_size(int(declared), declared=True)
            chunks: List[bytes] = []
            size = 0
            async for chunk in pieces:
                size += len(chunk)
                self.config.check_body_size(size)
                chunks.append(chunk)
        finally:
            await pieces.aclose()
            await response.aclose()
        return response.status_code, response.headers.get("Content-Type", ""), response.reason_phrase, b"".join(chunks)


async def _decoded(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    """The body, decompressed in pieces of at most 64 KiB (a gzip bomb never inflates at once).

    httpx inflates each piece it receives whole (64 KiB of a gzip bomb is
    64 MiB); gzip and deflate are inflated here instead, a bounded piece at a
    time. Other encodings (br, zstd) are left to httpx.
    """
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("gzip", "x-gzip", "deflate"):
        async for chunk in response.aiter_bytes():
            yield chunk
        return
    # gzip, or zlib-wrapped deflate (a raw deflate stream is detected below)
    inflater: Any = zlib.decompressobj(zlib.MAX_WBITS | 32)
    first = True
    async for data in response.aiter_raw():
        while data:
            try:
                chunk = inflater.decompress(data, _CHUNK)
            except zlib.error:
                if not (first and encoding == "deflate"):
                    raise httpx.DecodingError("the token response could not be decompressed") from None
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


def prepare_async_auth(
    auth: Any,
    origins: Iterable[str],
    *,
    session: Optional[httpx.AsyncClient] = None,
    on_token_request: Optional[Callable[[], None]] = None,
) -> Optional[ScopedAuth]:
    """Turn an ``AsyncClient(auth=...)`` value into a :class:`ScopedAuth`.

    :param auth: what the user passed (see the module docstring).
    :param origins: the default allow-list (origins or URLs), normally the entry URL's.
    :param session: the client's httpx client, which token requests go through
        (unless the grant has TLS or proxy settings of its own).
    :param on_token_request: called once per token request (the client's request counter).
    :raises halkit.AuthError: an unsupported value (a requests auth, which
        cannot sign an httpx request) or an invalid origin.
    """
    if auth is None:
        return None
    default = urls.origins(origins)

    def scoped(flow: httpx.Auth, own: Optional[Iterable[str]]) -> ScopedAuth:
        return ScopedAuth(flow, urls.origins(own) if own else default)

    if isinstance(auth, str):
        return scoped(_Bearer(BearerToken(auth).header), None)
    if isinstance(auth, tuple):
        if len(auth) == 2 and all(isinstance(part, str) for part in auth):
            return scoped(httpx.BasicAuth(auth[0], auth[1]), None)
        raise AuthError("an auth tuple must be (user, password), two str")
    if isinstance(auth, ClientCredentials):
        return scoped(
            AsyncClientCredentials(auth, session=session, on_token_request=on_token_request), auth.origins
        )
    if isinstance(auth, BearerToken):
        return scoped(_Bearer(auth.header), auth.origins)
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
