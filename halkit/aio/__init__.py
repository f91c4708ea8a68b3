"""halkit for asyncio: :class:`AsyncClient`, the async twin of :class:`halkit.Client`, on httpx.

Needs the ``async`` extra (``pip install 'halkit[async]'``: httpx, hishel).
``import halkit`` does not import this package (nor httpx);
``halkit.AsyncClient`` loads it on first use.

* :mod:`halkit.aio.client`: :class:`AsyncClient` (HTTP and the navigation seam);
* :mod:`halkit.aio.model`: :class:`AsyncResource`, :class:`AsyncLink`,
  :class:`AsyncTemplate`, :class:`AsyncPageIterator`, the shared model with
  awaitable navigation (the navigator it awaits is a
  :class:`halkit.typing.AsyncNavigator`);
* :mod:`halkit.aio.transport`: redirects, retries, the body cap, errors;
* :mod:`halkit.aio.auth`: credentials as httpx auth flows, scoped to origins;
* :mod:`halkit.aio.fanout`: :func:`follow_all`;
* :mod:`halkit.aio.crawl`: :func:`~halkit.aio.crawl.crawl`, the crawl on the async client;
* :mod:`halkit.aio.pool`: :class:`~halkit.aio.pool.PoolTransport`, the connection pool;
* :mod:`halkit.aio.network`: :class:`~halkit.aio.network.AsyncioBackend`, httpcore's network on asyncio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .auth import AsyncClientCredentials
from .client import AsyncClient
from .fanout import follow_all
from .model import AsyncLink, AsyncPageIterator, AsyncResource, AsyncTemplate

if TYPE_CHECKING:  # pragma: no cover
    from ..typing import AsyncNavigator

    def _is_an_async_navigator(client: AsyncClient) -> AsyncNavigator:
        return client  # mypy checks that AsyncClient satisfies the protocol, structurally

__all__ = [
    "AsyncClient",
    "AsyncClientCredentials",
    "AsyncLink",
    "AsyncPageIterator",
    "AsyncResource",
    "AsyncTemplate",
    "follow_all",
]
