"""Concurrent fan-out: follow many links at once, with a bounded thread pool.

::

    users = page.embedded("users")
    full = halkit.fanout.follow_all(users, "self", max_workers=8)

Results come back in input order. The requests share the client's session
and transport, both safe to use from several threads; urllib3 keeps up to
``pool_maxsize`` (10 by default in requests) idle connections per host, so
with more workers than that some connections are opened and closed per
request: mount an :class:`~requests.adapters.HTTPAdapter` with a larger
``pool_maxsize`` for more.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, List, Tuple, Type, Union

from .exceptions import HalkitError
from .link import Link
from .resource import Resource

__all__ = ["DEFAULT_MAX_WORKERS", "checked_items", "follow_all"]

#: The default number of threads (and so of requests in flight at once).
DEFAULT_MAX_WORKERS = 8


def checked_items(
    items: Iterable[Any], max_workers: Any, kinds: Tuple[Type[Any], ...] = (Resource, Link), whose: str = ""
) -> List[Any]:
    """The arguments of a fan-out, checked before anything is sent; returns ``items`` as a list.

    Both :func:`follow_all` and the async twin's :func:`halkit.aio.follow_all` check theirs here.

    :param items: what to follow.
    :param max_workers: the most requests in flight at once (an ``int`` >= 1).
    :param kinds: the classes an item may be an instance of.
    :param whose: said of the expected items in the error (``" of an AsyncClient"``).
    :raises halkit.HalkitError: ``max_workers`` is not an ``int`` >= 1, or an item is of none of ``kinds``.
    """
    if not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1:
        raise HalkitError(f"max_workers must be an int >= 1, not {max_workers!r}")
    todo = list(items)
    for index, item in enumerate(todo):
        if not isinstance(item, kinds):
            raise HalkitError(f"follow_all() takes resources or links{whose}; item {index} is a {type(item).__name__}")
    return todo


def follow_all(
    items: Iterable[Union[Resource, Link]],
    rel: str = "self",
    *,
    max_workers: int = DEFAULT_MAX_WORKERS,
    return_exceptions: bool = False,
    **variables: Any,
) -> List[Any]:
    """Follow ``rel`` from every resource (or follow every link) concurrently.

    Each :class:`~halkit.Resource` in ``items`` is fetched as
    ``resource.follow(rel, embedded=False, **variables)`` (a fresh GET, even
    for ``self``); each :class:`~halkit.Link` as ``link.follow(**variables)``.
    At most ``max_workers`` requests are in flight at once.

    :param items: resources or links (fetched through the client they came from).
    :param rel: the rel to follow from each resource (ignored for links).
    :param max_workers: the most requests in flight at once (>= 1).
    :param return_exceptions: put each failure in the result list in place of
        its resource, instead of raising.
    :param variables: URI template variables for templated links.
    :returns: the resources, in the order of ``items``.
    :raises halkit.HalkitError: the first failure in input order (by default),
        once every request has finished; the others are dropped. An item that
        is neither a resource nor a link fails before anything is sent.
    """
    todo = checked_items(items, max_workers)

    def fetch(item: Union[Resource, Link]) -> Resource:
        if isinstance(item, Link):
            return item.follow(**variables)
        return item.follow(rel, embedded=False, **variables)

    if not todo:
        return []
    outcomes: List[Any] = []
    with ThreadPoolExecutor(max_workers=min(max_workers, len(todo)), thread_name_prefix="halkit-fanout") as pool:
        futures = [pool.submit(fetch, item) for item in todo]
        for future in futures:
            error = future.exception()
            outcomes.append(error if error is not None else future.result())
    if not return_exceptions:
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
    return outcomes
