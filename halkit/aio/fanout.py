"""Concurrent fan-out for the async client: follow many links at once, a bounded number in flight.

::

    users = page.embedded("users")
    full = await halkit.aio.follow_all(users, "self", max_workers=16)

The same contract as :func:`halkit.follow_all`: results in input order, at
most ``max_workers`` requests in flight (that many tasks, each taking the
next item as soon as it is free, not threads), the first failure in input order raised once everything has
finished, or every failure in place with ``return_exceptions=True``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Iterable, List, Union

from ..fanout import DEFAULT_MAX_WORKERS, checked_items
from .model import AsyncLink, AsyncResource

__all__ = ["follow_all"]


async def follow_all(
    items: Iterable[Union[AsyncResource, AsyncLink]],
    rel: str = "self",
    *,
    max_workers: int = DEFAULT_MAX_WORKERS,
    return_exceptions: bool = False,
    **variables: Any,
) -> List[Any]:
    """Follow ``rel`` from every resource (or follow every link) concurrently.

    Each :class:`~halkit.aio.AsyncResource` is fetched as
    ``await resource.follow(rel, embedded=False, **variables)``, each
    :class:`~halkit.aio.AsyncLink` as ``await link.follow(**variables)``.

    :param items: async resources or links.
    :param rel: the rel to follow from each resource (ignored for links).
    :param max_workers: the most requests in flight at once (>= 1).
    :param return_exceptions: put each failure in the result list in place of
        its resource, instead of raising.
    :param variables: URI template variables for templated links.
    :returns: the resources, in the order of ``items``.
    :raises halkit.HalkitError: the first failure in input order (by default),
        once every request has finished. An item that is neither an async
        resource nor an async link fails before anything is sent.
    """
    todo = checked_items(items, max_workers, (AsyncResource, AsyncLink), " of an AsyncClient")
    outcomes: List[Any] = [None] * len(todo)
    queue = iter(enumerate(todo))

    async def worker() -> None:
        # each worker takes the next item as soon as it is free, in the same task: the next
        # request goes out at once, not after every other task woken meanwhile has run
        for index, item in queue:
            try:
                if isinstance(item, AsyncLink):
                    outcomes[index] = await item.follow(**variables)
                else:
                    outcomes[index] = await item.follow(rel, embedded=False, **variables)
            except Exception as exc:  # kept in place; raised below unless return_exceptions
                outcomes[index] = exc

    await asyncio.gather(*(worker() for _ in range(min(max_workers, len(todo)))))
    if not return_exceptions:
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                raise outcome
    return outcomes
