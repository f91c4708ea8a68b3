"""The async twin's model: awaitable navigation on the shared parsed model.

:class:`AsyncResource`, :class:`AsyncLink` and :class:`AsyncTemplate` are the
sync :class:`~halkit.Resource`, :class:`~halkit.Link` and HAL-FORMS
:class:`~halkit.Template` with only their navigation methods made awaitable.
Everything else (properties, links, CURIEs, templates, embedded resources,
forms' values, violations) is the very same code: these classes add no state
(``__slots__ = ()``) and parse nothing.

They work because the model asks its navigator for everything that does I/O:
an :class:`~halkit.aio.AsyncClient` is a :class:`halkit.typing.AsyncNavigator`,
whose ``send`` is a coroutine function, so the sync methods return its
coroutine, which the overrides here await. Each override passes its
arguments on to the sync method unchanged, so both twins take exactly the
same arguments. Following a chain of rels and walking pages are written once
too: :class:`~halkit.resource.FollowChain` and
:class:`~halkit.resource.PageCursor` hold all their logic, and the twins
differ only in awaiting each fetch.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, AsyncIterator, Mapping, Optional, cast

from ..forms import Template
from ..link import Link
from ..resource import FollowChain, PageCursor, Resource

if TYPE_CHECKING:  # pragma: no cover
    import httpx

    from ..typing import AsyncNavigator, Timeout

__all__ = ["AsyncLink", "AsyncPageIterator", "AsyncResource", "AsyncTemplate"]


async def _result(value: Any) -> Any:
    """``value``, awaited if it is awaitable (an embedded hit is a resource already)."""
    if inspect.isawaitable(value):
        return await value
    return value


class AsyncLink(Link):
    """A :class:`~halkit.Link` of an :class:`AsyncResource`: its HTTP methods are coroutines.

    They take the arguments of the sync methods of the same names.
    """

    __slots__ = ()

    async def follow(self, variables: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> "AsyncResource":  # type: ignore[override]
        """GET the target (see :meth:`halkit.Link.follow`)."""
        return cast("AsyncResource", await _result(Link.follow(self, variables, **kwargs)))

    async def get(self, variables: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> "AsyncResource":  # type: ignore[override]
        """Alias of :meth:`follow`."""
        return await self.follow(variables, **kwargs)

    async def request(self, method: str, variables: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """Send ``method`` to the target (see :meth:`halkit.Link.request`)."""
        return cast(Optional["AsyncResource"], await _result(Link.request(self, method, variables, **kwargs)))

    async def post(self, json: Any = None, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """POST ``json`` to the target (see :meth:`halkit.Link.post`)."""
        return cast(Optional["AsyncResource"], await _result(Link.post(self, json, variables, **kwargs)))

    async def put(self, json: Any = None, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """PUT ``json`` to the target."""
        return cast(Optional["AsyncResource"], await _result(Link.put(self, json, variables, **kwargs)))

    async def patch(self, json: Any = None, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """PATCH the target with ``json``."""
        return cast(Optional["AsyncResource"], await _result(Link.patch(self, json, variables, **kwargs)))

    async def delete(self, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """DELETE the target."""
        return cast(Optional["AsyncResource"], await _result(Link.delete(self, variables, **kwargs)))

    async def head(self, variables: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> "httpx.Response":  # type: ignore[override]
        """HEAD the target; returns the :class:`httpx.Response`."""
        return cast("httpx.Response", await _result(Link.head(self, variables, **kwargs)))

    async def options(self, variables: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> "httpx.Response":  # type: ignore[override]
        """OPTIONS on the target; returns the :class:`httpx.Response`."""
        return cast("httpx.Response", await _result(Link.options(self, variables, **kwargs)))


class AsyncTemplate(Template):
    """A HAL-FORMS :class:`~halkit.Template` whose :meth:`submit` is a coroutine."""

    __slots__ = ()

    async def submit(  # type: ignore[override]
        self,
        values: Optional[Mapping[str, Any]] = None,
        *,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        **kwargs: Any,
    ) -> Optional["AsyncResource"]:
        """Check the values and send the form (see :meth:`halkit.Template.submit`, same arguments)."""
        return cast(
            Optional["AsyncResource"],
            await _result(Template.submit(self, values, headers=headers, timeout=timeout, **kwargs)),
        )


class AsyncResource(Resource):
    """A :class:`~halkit.Resource` fetched by an :class:`~halkit.aio.AsyncClient`.

    Reading it is the sync API; navigating it is awaited: ``await
    resource.follow("users")``, ``async for user in resource.items("users")``,
    ``await resource.post({...})``. Its links are :class:`AsyncLink`, its
    forms :class:`AsyncTemplate`, its embedded resources :class:`AsyncResource`.
    :attr:`response` is the :class:`httpx.Response` it came in.
    """

    __slots__ = ()

    @property
    def navigator(self) -> Optional["AsyncNavigator"]:  # type: ignore[override]
        """What sends this resource's requests (its :class:`~halkit.aio.AsyncClient`), or ``None`` when parsed."""
        return cast(Optional["AsyncNavigator"], super().navigator)

    async def follow(  # type: ignore[override]
        self,
        *rels: Any,
        name: Optional[str] = None,
        index: Optional[int] = None,
        embedded: bool = True,
        variables: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> "AsyncResource":
        """Follow one rel, or a chain of rels (see :meth:`halkit.Resource.follow`, same arguments).

        Embedded resources are used without a request, as in the sync client;
        each templated link of the chain takes only the variables it declares.
        """
        chain = FollowChain(
            rels, name=name, index=index, embedded=embedded, variables=variables, params=params, headers=headers,
            timeout=timeout, **kwargs,
        )
        current: Resource = self
        for n in range(len(chain.rels)):
            current = await _result(chain.hop(current, n))
        return cast(AsyncResource, current)

    def items(self, rel: Optional[str] = None, *, next_rel: str = "next") -> "AsyncPageIterator":  # type: ignore[override]
        """Iterate a paged collection with ``async for`` (see :meth:`halkit.Resource.items`)."""
        return AsyncPageIterator(self, rel, next_rel)

    async def pages(self, *, next_rel: str = "next") -> AsyncIterator["AsyncResource"]:  # type: ignore[override]
        """Iterate the pages of a collection with ``async for``, following ``next``.

        :raises halkit.HalkitError: a ``next`` link leads back to a page already fetched.
        """
        cursor: PageCursor[AsyncResource] = PageCursor(self, next_rel=next_rel)
        page: Optional[AsyncResource] = self
        while page is not None:
            yield page
            link = cursor.next_link()
            page = cursor.advance(await _result(link.follow())) if link is not None else None

    async def refresh(self) -> "AsyncResource":  # type: ignore[override]
        """GET the resource again (from its ``self`` URL); see :meth:`halkit.Resource.refresh`."""
        return cast("AsyncResource", await _result(Resource.refresh(self)))

    async def request(self, method: str, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """Send ``method`` to the resource's own URL (see :meth:`halkit.Resource.request`)."""
        return cast(Optional["AsyncResource"], await _result(Resource.request(self, method, **kwargs)))

    async def post(self, json: Any = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """POST to the resource's own URL."""
        return await self.request("POST", json=json, **kwargs)

    async def put(self, json: Any = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """PUT to the resource's own URL."""
        return await self.request("PUT", json=json, **kwargs)

    async def patch(self, json: Any = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """PATCH the resource's own URL."""
        return await self.request("PATCH", json=json, **kwargs)

    async def delete(self, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """DELETE the resource."""
        return await self.request("DELETE", **kwargs)

    async def head(self, **kwargs: Any) -> "httpx.Response":  # type: ignore[override]
        """HEAD the resource's own URL; returns the :class:`httpx.Response`."""
        return cast("httpx.Response", await _result(Resource.head(self, **kwargs)))

    async def options(self, **kwargs: Any) -> "httpx.Response":  # type: ignore[override]
        """OPTIONS on the resource's own URL; returns the :class:`httpx.Response`."""
        return cast("httpx.Response", await _result(Resource.options(self, **kwargs)))


class AsyncPageIterator(PageCursor[AsyncResource]):
    """``async for`` over the items of a paged collection (see :meth:`AsyncResource.items`).

    A :class:`halkit.resource.PageCursor` driven by ``async for``, as
    :class:`halkit.PageIterator` is one driven by ``for``: the same contract
    (one page held at a time; a failed fetch is retried by iterating again; a
    ``next`` link back to a page already fetched raises
    :class:`~halkit.HalkitError`). :attr:`page` is the page being iterated,
    :attr:`pages_fetched` how many pages were fetched (the first is not fetched).
    """

    def __init__(self, first: AsyncResource, rel: Optional[str], next_rel: str = "next") -> None:
        super().__init__(first, rel, next_rel)

    def __aiter__(self) -> "AsyncPageIterator":
        return self

    async def __anext__(self) -> AsyncResource:
        while (item := self.take()) is None:
            link = self.next_link()
            if link is None:
                raise StopAsyncIteration
            # on failure nothing has moved: iterating again retries exactly this fetch
            self.advance(await _result(link.follow()))
        return item
