"""Optional HTTP caching, built on `cachecontrol <https://cachecontrol.readthedocs.io>`_.

Install it with ``pip install halkit[cache]``, then::

    client = halkit.Client(url, cache=True)                 # in memory
    client = halkit.Client(url, cache=FileCache(".cache"))  # any cachecontrol cache

Responses are cached as RFC 9111 allows (``Cache-Control``, ``Expires``);
a stale response with an ``ETag`` is revalidated with ``If-None-Match``
(and ``If-Modified-Since`` when it also has a ``Last-Modified``), and a
``304 Not Modified`` answer is served from the cache without the body
crossing the network again. (cachecontrol drops a stale response that has no
``ETag``, so a ``Last-Modified`` alone gives freshness, not revalidation.)

Caching happens in a :class:`cachecontrol.CacheControlAdapter` mounted on
the client's session, so it also covers everything else sent through that
session; halkit's fast transport path steps aside for it (the adapter is not
a plain :class:`requests.adapters.HTTPAdapter`).

**Whose response it is.** A cache object may be shared by several clients,
with different credentials or none (that makes it what RFC 9111 calls a
*shared* cache). halkit keys every entry by the URL *and* by the identity the
request carried: a digest of its ``Authorization``, ``Proxy-Authorization``
and ``Cookie`` headers (never the values themselves). A response fetched with
one token is therefore never served to a request with another token, or with
none; for each identity the cache behaves as that principal's private cache,
which is what RFC 9111 section 3.5 asks of a shared cache that stores
responses to authenticated requests. (A renewed token is a new identity: the
entries of the old one are no longer used.) ``Vary`` is honoured as the RFC
says (section 4.1): a stored response is used only for a request whose
headers named by ``Vary`` match the ones it was stored for, and ``Vary: *``
never matches. A successful unsafe request (``POST``, ``PUT``, ``PATCH``,
``DELETE``) invalidates the entry of its URL for its own identity and the
anonymous one.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, Dict, Optional

import requests
from requests.adapters import HTTPAdapter

from .exceptions import HalkitError

__all__ = ["IDENTITY_HEADERS", "identity_of", "make_cache_adapter", "memory_cache"]

_MISSING = "HTTP caching needs the cachecontrol package: pip install 'halkit[cache]'"


def _cachecontrol() -> Any:
    try:
        import cachecontrol
    except ImportError as exc:
        raise HalkitError(_MISSING) from exc
    return cachecontrol


#: The request headers that say who is asking: the cache keeps their answers apart.
IDENTITY_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")


def identity_of(request: requests.PreparedRequest) -> Optional[str]:
    """A digest of the credentials ``request`` carries, or ``None`` for an anonymous request.

    :param request: a prepared request (after its auth was applied).
    :returns: 32 hex digits derived from :data:`IDENTITY_HEADERS` (never the values themselves).
    """
    values = [request.headers.get(name) for name in IDENTITY_HEADERS]
    if not any(values):
        return None
    text = "\0".join(value if isinstance(value, str) else repr(value) for value in values)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


class _KeyedRequest:
    """A read-only view of a request whose URL also names the identity: the cache key, nothing else."""

    __slots__ = ("_request", "url")

    def __init__(self, request: requests.PreparedRequest, url: str) -> None:
        self._request = request
        self.url = url

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def _keyed(request: Any) -> Any:
    """``request``, or a view of it whose URL carries its identity (in the userinfo: ``~<digest>@``)."""
    if isinstance(request, _KeyedRequest):
        return request
    identity = identity_of(request)
    url = request.url
    if identity is None or not url or "://" not in url:
        return request
    scheme, _, rest = url.partition("://")
    return _KeyedRequest(request, f"{scheme}://~{identity}@{rest}")


@functools.lru_cache(maxsize=1)
def _identity_adapter_class() -> Any:
    cachecontrol = _cachecontrol()
    from cachecontrol.controller import CacheController

    class IdentityController(CacheController):  # type: ignore[misc]
        """cachecontrol's controller, with every cache key derived from the URL and the identity."""

        def cached_request(self, request: Any) -> Any:
            return super().cached_request(_keyed(request))

        def conditional_headers(self, request: Any) -> Any:
            return super().conditional_headers(_keyed(request))

        def cache_response(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            return super().cache_response(_keyed(request), *args, **kwargs)

        def update_cached_response(self, request: Any, response: Any) -> Any:
            return super().update_cached_response(_keyed(request), response)

    class IdentityCacheAdapter(cachecontrol.CacheControlAdapter):  # type: ignore[misc,name-defined]
        """A :class:`cachecontrol.CacheControlAdapter` that keeps each identity's responses apart."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("controller_class", IdentityController)
            super().__init__(*args, **kwargs)
            # RFC 9111 section 4.4: every unsafe method invalidates (cachecontrol leaves POST out)
            self.invalidating_methods = {"POST", "PUT", "PATCH", "DELETE"}

        def build_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
            resp = super().build_response(request, response, *args, **kwargs)
            # cachecontrol invalidated the URL's anonymous entry; the identity's too
            if request.method in self.invalidating_methods and resp.ok:
                keyed = _keyed(request)
                if keyed is not request:
                    self.cache.delete(self.controller.cache_url(keyed.url))
            return resp

    return IdentityCacheAdapter


def memory_cache() -> Any:
    """A new in-memory cache (:class:`cachecontrol.cache.DictCache`), private to one client.

    :raises halkit.HalkitError: cachecontrol is not installed.
    """
    _cachecontrol()
    from cachecontrol.cache import DictCache

    return DictCache()


def make_cache_adapter(cache: Any = None, *, max_retries: Any = 0, pool_maxsize: Optional[int] = None) -> HTTPAdapter:
    """A caching transport adapter to mount on a :class:`requests.Session`.

    :param cache: a cachecontrol cache (``DictCache``, ``FileCache``,
        ``RedisCache``...), or ``None``/``True`` for a new in-memory one.
    :param max_retries: the adapter's retries, as for :class:`~requests.adapters.HTTPAdapter`
        (an int or a urllib3 ``Retry``).
    :param pool_maxsize: connections kept per host (requests' default when ``None``).
    :returns: a :class:`cachecontrol.CacheControlAdapter` (an ``HTTPAdapter`` subclass) that
        keys entries by URL and identity (see the module's notes).
    :raises halkit.HalkitError: cachecontrol is not installed, or ``cache`` is not a cache.
    """
    _cachecontrol()
    if cache is None or cache is True:
        cache = memory_cache()
    elif not (callable(getattr(cache, "get", None)) and callable(getattr(cache, "set", None))):
        raise HalkitError(
            f"cache must be True or a cachecontrol cache (DictCache, FileCache...), not {type(cache).__name__}"
        )
    kwargs: Dict[str, Any] = {"max_retries": max_retries}
    if pool_maxsize is not None:
        kwargs["pool_maxsize"] = pool_maxsize
    adapter: HTTPAdapter = _identity_adapter_class()(cache=cache, **kwargs)
    return adapter
