"""The async twin's model: awaitable navigation on the shared parsed model.

:class:`AsyncResource`, :class:`AsyncLink` and :class:`AsyncTemplate` are the
sync :class:`~halkit.Resource`, :class:`~halkit.Link` and HAL-FORMS
:class:`~halkit.Template` with only their navigation methods made awaitable.
Everything else (properties, links, CURIEs, templates, embedded resources,
forms' values, violations) is the very same code: these classes add no state
(``__slots__ = ()``) and parse nothing.

They work because the model asks its navigator for everything that does I/O
(:class:`halkit.typing.Navigator`): an :class:`~halkit.aio.AsyncClient`'s
``send`` is a coroutine function, so the sync methods return its coroutine,
which the overrides here await. Each override passes its arguments on to the
sync method unchanged, so both twins take exactly the same arguments.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, AsyncIterator, Dict, List, Mapping, Optional, Set, cast

from ..exceptions import AmbiguousLinkError, LinkNotFoundError
from ..forms import Template
from ..link import Link
from ..resource import Resource, _check_not_visited, _normalize  # the sync iterator's paging-cycle check

if TYPE_CHECKING:  # pragma: no cover
    import httpx

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

    async def post(self, json: Any = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """POST ``json`` to the target."""
        return await self.request("POST", json=json, **kwargs)

    async def put(self, json: Any = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """PUT ``json`` to the target."""
        return await self.request("PUT", json=json, **kwargs)

    async def patch(self, json: Any = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """PATCH the target with ``json``."""
        return await self.request("PATCH", json=json, **kwargs)

    async def delete(self, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """DELETE the target."""
        return await self.request("DELETE", **kwargs)

    async def head(self, **kwargs: Any) -> "httpx.Response":  # type: ignore[override]
        """HEAD the target; returns the :class:`httpx.Response`."""
        return cast("httpx.Response", await _result(Link.head(self, **kwargs)))

    async def options(self, **kwargs: Any) -> "httpx.Response":  # type: ignore[override]
        """OPTIONS on the target; returns the :class:`httpx.Response`."""
        return cast("httpx.Response", await _result(Link.options(self, **kwargs)))


class AsyncTemplate(Template):
    """A HAL-FORMS :class:`~halkit.Template` whose :meth:`submit` is a coroutine."""

    __slots__ = ()

    async def submit(self, values: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["AsyncResource"]:  # type: ignore[override]
        """Check the values and send the form (see :meth:`halkit.Template.submit`)."""
        return cast(Optional["AsyncResource"], await _result(Template.submit(self, values, **kwargs)))


class AsyncResource(Resource):
    """A :class:`~halkit.Resource` fetched by an :class:`~halkit.aio.AsyncClient`.

    Reading it is the sync API; navigating it is awaited: ``await
    resource.follow("users")``, ``async for user in resource.items("users")``,
    ``await resource.post({...})``. Its links are :class:`AsyncLink`, its
    forms :class:`AsyncTemplate`, its embedded resources :class:`AsyncResource`.
    :attr:`response` is the :class:`httpx.Response` it came in.
    """

    __slots__ = ()

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
        values: Dict[str, Any] = {}
        if rels and isinstance(rels[-1], Mapping):
            values.update(rels[-1])
            rels = rels[:-1]
        if not rels:
            raise TypeError("follow() needs at least one rel")
        for rel in rels:
            if not isinstance(rel, str):
                raise TypeError(f"follow() takes rels (str) and one trailing mapping of variables, not {rel!r}")
        if variables:
            values.update(variables)
        values.update(kwargs)
        current: Resource = self
        last = len(rels) - 1
        used: Set[str] = set()
        for i, rel in enumerate(rels):
            if i == last:
                step: Any = current._follow_one(
                    rel, name, index, embedded, values, used, params=params, headers=headers, timeout=timeout,
                    last=True,
                )
            else:
                step = current._follow_one(rel, None, None, embedded, values, used, headers=headers, timeout=timeout)
            current = await _result(step)
        return cast(AsyncResource, current)

    def items(self, rel: Optional[str] = None, *, next_rel: str = "next") -> "AsyncPageIterator":  # type: ignore[override]
        """Iterate a paged collection with ``async for`` (see :meth:`halkit.Resource.items`)."""
        return AsyncPageIterator(self, rel, next_rel)

    async def pages(self, *, next_rel: str = "next") -> AsyncIterator["AsyncResource"]:  # type: ignore[override]
        """Iterate the pages of a collection with ``async for``, following ``next``.

        :raises halkit.HalkitError: a ``next`` link leads back to a page already fetched.
        """
        page: Optional[AsyncResource] = self
        visited = _page_keys(self)
        while page is not None:
            yield page
            if next_rel in page.links:
                _check_not_visited(page, page.link(next_rel, index=0), next_rel, visited)
                page = await page.follow(next_rel, embedded=False)
                visited |= _page_keys(page)
            else:
                page = None

    async def refresh(self) -> "AsyncResource":  # type: ignore[override]
        """GET the resource again (from its ``self`` URL)."""
        result = await self.request("GET")
        assert result is not None
        return result

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


class AsyncPageIterator:
    """``async for`` over the items of a paged collection (see :meth:`AsyncResource.items`).

    The same contract as :class:`halkit.PageIterator`: one page held at a
    time; a failed fetch is retried by iterating again; a ``next`` link back
    to a page already fetched raises :class:`~halkit.HalkitError`.

    :ivar page: the page being iterated.
    :ivar pages_fetched: how many pages were fetched (the first is not fetched).
    """

    def __init__(self, first: Resource, rel: Optional[str], next_rel: str = "next") -> None:
        self.page: Optional[Resource] = first
        self.rel = rel
        self.next_rel = next_rel
        self.pages_fetched = 0
        self._items: Optional[List[Resource]] = None
        self._pos = 0
        self._next_link: Optional[Link] = None
        self._visited: Set[int] = _page_keys(first)

    def __aiter__(self) -> "AsyncPageIterator":
        return self

    def _page_items(self, page: Resource) -> List[Resource]:
        rel = self.rel
        if rel is None:
            rels = page.embedded_rels
            if not rels:
                return []
            if len(rels) > 1:
                raise AmbiguousLinkError(f"page embeds several rels {rels}; pass items(rel=...)")
            rel = rels[0]
        try:
            return page.embedded(rel)
        except LinkNotFoundError:
            return []  # an empty page may leave _embedded out

    async def __anext__(self) -> AsyncResource:
        while True:
            if self.page is None:
                raise StopAsyncIteration
            if self._items is None:
                self._items = self._page_items(self.page)
                self._pos = 0
                links = self.page.links
                self._next_link = links.select(self.next_rel, index=0) if self.next_rel in links else None
            if self._pos < len(self._items):
                item = self._items[self._pos]
                self._pos += 1
                return cast(AsyncResource, item)
            if self._next_link is None:
                self.page = None
                self._items = None
                raise StopAsyncIteration
            _check_not_visited(self.page, self._next_link, self.next_rel, self._visited)
            nxt = cast(Resource, await _result(self._next_link.follow()))
            self.pages_fetched += 1
            self._visited |= _page_keys(nxt)
            self.page = nxt
            self._items = None


def _page_keys(page: Resource) -> Set[int]:
    """The keys (hashes of the normal forms) of the URLs a page was fetched from (as asked, and after redirects)."""
    keys: Set[int] = set()
    response = page.response
    if response is not None:
        history = getattr(response, "history", None) or []
        first = history[0] if history else response
        asked, final = str(first.request.url), str(response.url)
        keys.add(hash(_normalize(asked)))
        if final != asked:
            keys.add(hash(_normalize(final)))
    elif page.url:
        keys.add(hash(_normalize(page.url)))
    return keys
