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
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from requests.adapters import HTTPAdapter

from .exceptions import HalkitError

__all__ = ["make_cache_adapter", "memory_cache"]

_MISSING = "HTTP caching needs the cachecontrol package: pip install 'halkit[cache]'"


def _cachecontrol() -> Any:
    try:
        import cachecontrol
    except ImportError as exc:
        raise HalkitError(_MISSING) from exc
    return cachecontrol


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
    :returns: a :class:`cachecontrol.CacheControlAdapter` (an ``HTTPAdapter`` subclass).
    :raises halkit.HalkitError: cachecontrol is not installed, or ``cache`` is not a cache.
    """
    cachecontrol = _cachecontrol()
    if cache is None or cache is True:
        cache = memory_cache()
    elif not (callable(getattr(cache, "get", None)) and callable(getattr(cache, "set", None))):
        raise HalkitError(
            f"cache must be True or a cachecontrol cache (DictCache, FileCache...), not {type(cache).__name__}"
        )
    kwargs: Dict[str, Any] = {"max_retries": max_retries}
    if pool_maxsize is not None:
        kwargs["pool_maxsize"] = pool_maxsize
    adapter: HTTPAdapter = cachecontrol.CacheControlAdapter(cache=cache, **kwargs)
    return adapter
