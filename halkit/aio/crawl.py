"""The crawl on an :class:`~halkit.aio.AsyncClient`: :func:`halkit.crawl.crawl`'s walk, driven by tasks.

Only the fetching and the waiting are here; the walk itself (levels, the
bounded frontier, the seen set, the limits, pacing and ``Retry-After``, the
level's order, validation problems, undocumented names) is the sync crawl's
own code in :mod:`halkit.crawl`, so both give the same
:class:`~halkit.crawl.CrawlReport` for the same API.

Example::

    import asyncio
    import halkit
    from halkit.aio.crawl import crawl

    async def main() -> None:
        async with halkit.AsyncClient.from_profile("chatkitty", client_id, client_secret) as client:
            report = await crawl(client, workers=8)
        print(report.ok, report.total)

    asyncio.run(main())
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable, Optional

from ..crawl import CrawlReport, _Fetched, _Order, _Tries, _Walk
from ..exceptions import HalkitError

if TYPE_CHECKING:  # pragma: no cover
    from .client import AsyncClient

__all__ = ["crawl"]


async def crawl(client: "AsyncClient", *, max_resources: int = 10000, max_depth: Optional[int] = None,
                workers: int = 1, rate: Optional[float] = None, same_origin: bool = True, undocumented: bool = False,
                progress: Optional[Callable[[int, int], None]] = None,
                report: Optional[CrawlReport] = None) -> CrawlReport:
    """Walk the API from ``client.entry_url`` breadth-first, validating as it goes (asyncio, no threads).

    The arguments, the walk and the report are :func:`halkit.crawl.crawl`'s:
    the same API gives the same report (but for :attr:`~halkit.crawl.CrawlReport.seconds`)
    with either client and any number of workers. Here ``workers`` bounds the
    requests in flight, as tasks of the running event loop, and ``progress``
    is called from the task running the crawl. Cancelling that task (Ctrl-C
    under :func:`asyncio.run` does) stops the walk and its fetches; ``report``,
    if given, then holds what was seen, with ``complete`` False.

    :param client: the client (its profile types and validates resources).
    :raises ValueError: a limit below 1.
    """
    walk = _Walk(client, max_resources, max_depth, workers, rate, same_origin, undocumented, progress, report)
    slots = asyncio.Semaphore(workers)
    with walk:
        for _level in walk.levels():
            await _fetch_level(client, walk, slots)
    return walk.report


async def _fetch_level(client: "AsyncClient", walk: _Walk, slots: asyncio.Semaphore) -> None:
    """Fetch a level with tasks, taking the results in the level's order; cancel what is left on the way out."""
    order = _Order(walk, 2 * walk.workers)
    try:
        while not order.done:
            tasks = order.start(lambda url, hint: asyncio.ensure_future(_fetch(client, walk, url, hint, slots)))
            ended, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            order.finish(ended)
    finally:
        left = list(order.pending)
        for task in left:
            task.cancel()
        if left:
            await asyncio.gather(*left, return_exceptions=True)


async def _fetch(client: "AsyncClient", walk: _Walk, url: str, hint: Optional[str],
                 slots: asyncio.Semaphore) -> _Fetched:
    """Fetch and validate one URL once a slot is free; never raises a HalkitError."""
    tries = _Tries(walk, url, hint)
    async with slots:
        while tries.result is None:
            await asyncio.sleep(tries.delay())
            try:
                tries.settle(await client.get(url, type=hint, validation="strict"))
            except HalkitError as exc:
                tries.settle(exc)
    return tries.result
