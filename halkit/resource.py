"""Resources: one HAL resource object, its properties, links, embedded resources and forms.

A :class:`Resource` is built lazily: its links, embedded resources and HAL-FORMS
templates are only built when first asked for, so walking a large page costs
nothing for the parts nobody touches.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping  # isinstance() on typing.Mapping is several times slower
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Generic,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
    cast,
)

from . import urls
from ._awaitable import then
from .exceptions import AmbiguousLinkError, ContentTypeError, HalFormatError, HalkitError, LinkNotFoundError
from .hal import EMBEDDED_ARRAY_REL, check_document, decode_json, warn_deviations
from .link import Link, Links, build_links

if TYPE_CHECKING:  # pragma: no cover
    import requests

    from .forms import Template
    from .typing import Navigator, Timeout

__all__ = ["FollowChain", "PageCursor", "PageIterator", "RESERVED", "Resource", "parse"]

#: Keys of a resource object that are not properties.
RESERVED = frozenset({"_links", "_embedded", "_templates"})

Document = Union[str, bytes, bytearray, Mapping[str, Any]]

_EMPTY_CURIES: Mapping[str, str] = MappingProxyType({})
#: Marks a base URL not worked out yet (embedded resources compute theirs on demand).
_LAZY: Any = object()


def parse(document: Document, *, base_url: Optional[str] = None, strict: bool = False) -> "Resource":
    """Parse a HAL document into a :class:`Resource`.

    :param document: the JSON text (``str`` or ``bytes``) or an already decoded mapping.
    :param base_url: the URL the document was retrieved from; relative hrefs
        resolve against it (RFC 3986).
    :param strict: follow the HAL draft to the letter; by default the common
        deviations listed in :mod:`halkit.hal` are accepted with a
        :class:`~halkit.CompatibilityWarning`.
    :raises halkit.HalFormatError: the document is not valid JSON or not HAL,
        with the JSON pointer of the problem.
    """
    if isinstance(document, (str, bytes, bytearray)):
        data = decode_json(document, strict=strict)
    elif isinstance(document, Mapping):
        data = document
    else:
        raise HalFormatError(f"cannot parse a {type(document).__name__}: pass JSON text or a mapping", "")
    deviations = check_document(data, strict=strict)
    if deviations:
        warn_deviations(deviations, set(), where=base_url)
    return Resource(data, base_url=base_url, strict=strict)


class _Scope:
    """What a resource's links and embedded resources need from their context.

    The document, its navigator and type, and, for an embedded resource, the
    scope of its parent (never the parent resource itself): the base URL and
    the CURIEs in scope are worked out from there on demand. Pages, their
    embedded resources and their links hold scopes, and scopes only point up,
    so nothing on the walking path forms a reference cycle: a page is freed
    by reference counting as soon as the last reference to it goes.
    """

    __slots__ = ("doc", "pointer", "parent", "base", "nav", "type", "strict", "curies", "links")

    def __init__(
        self,
        doc: Mapping[str, Any],
        pointer: str,
        parent: Optional["_Scope"],
        base: Optional[str],
        nav: Optional["Navigator"],
        type: Optional[str],
        strict: bool,
        curies: Mapping[str, str] = _EMPTY_CURIES,
    ) -> None:
        self.doc = doc
        self.curies = curies
        self.pointer = pointer
        self.parent = parent
        self.base = base
        self.nav = nav
        self.type = type
        self.strict = strict
        self.links: Optional[Links] = None

    def resolved_base(self) -> Optional[str]:
        """The URL relative hrefs resolve against: where the document came from, or,
        embedded, its own absolute ``self`` link, else its parent's base."""
        base = self.base
        if base is not _LAZY:
            return base
        parent = self.parent
        base = parent.resolved_base() if parent is not None else None
        links = self.doc.get("_links")
        if isinstance(links, Mapping):
            own = links.get("self")
            href = own.get("href") if isinstance(own, Mapping) else own if isinstance(own, str) else None
            if isinstance(href, str) and not (isinstance(own, Mapping) and own.get("templated") is True):
                if self.nav is not None:
                    resolved = self.nav.resolve_href(base, href)
                else:
                    resolved = urls.resolve(base, href) if base else href
                if "://" in resolved:
                    base = resolved
        self.base = base
        return base

    def get_links(self) -> Links:
        """The links of the document (built once)."""
        if self.links is None:
            parent = self.parent
            self.links = build_links(
                self.doc.get("_links"),
                pointer=f"{self.pointer}/_links",
                base=self.resolved_base(),
                parent_curies=parent.get_links().curies if parent is not None else self.curies,
                navigator=self.nav,
                source=self.type,
                lenient=None if self.strict else [],
            )
        return self.links


class Resource:
    """One HAL resource.

    Properties are read with ``resource["name"]`` or :attr:`properties` (a
    read-only mapping of everything but ``_links``, ``_embedded`` and
    ``_templates``). Links are in :attr:`links`; embedded resources come from
    :meth:`embedded`. Resources fetched through a :class:`~halkit.Client` can
    be navigated: :meth:`follow`, :meth:`items`, and the HTTP verbs.

    :param document: the decoded, already checked document (use
        :func:`halkit.parse` to parse and check one).
    :param base_url: the URL it was fetched from; relative hrefs resolve against it.
    :param navigator: what sends requests for it, its links and forms
        (a :class:`~halkit.Client`, or any :class:`halkit.typing.Navigator`).
    :param client: the same as ``navigator`` (the older name).
    :param type: its profile type, decided before it is built (it never changes).
    :param response: the HTTP response it came in.
    :param strict: parse its links and forms strictly.
    """

    __slots__ = (
        "_doc",
        "_scope",
        "_fetched_url",
        "_props",
        "_embedded_cache",
        "_templates_cache",
        "response",
        "__weakref__",
    )

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        base_url: Optional[str] = None,
        navigator: Optional["Navigator"] = None,
        client: Optional["Navigator"] = None,
        type: Optional[str] = None,
        response: Optional["requests.Response"] = None,
        strict: bool = False,
        _parent_curies: Mapping[str, str] = _EMPTY_CURIES,
        _pointer: str = "",
        _parent: Optional[_Scope] = None,
    ) -> None:
        self._doc = document
        self._fetched_url = base_url
        nav = navigator if navigator is not None else client
        self._scope = _Scope(
            document, _pointer, _parent, _LAZY if _parent is not None else base_url, nav, type, strict, _parent_curies
        )
        self._props: Optional[Mapping[str, Any]] = None
        self._embedded_cache: Optional[Dict[str, List[Resource]]] = None
        self._templates_cache: Optional[Dict[str, "Template"]] = None
        #: The HTTP response this resource came from (``None`` when embedded or parsed).
        self.response = response

    @property
    def type(self) -> Optional[str]:
        """The profile type of this resource, when a profile-aware client knows it."""
        return self._scope.type

    @property
    def navigator(self) -> Optional["Navigator"]:
        """What sends this resource's requests (its :class:`~halkit.Client`), or ``None`` when parsed."""
        return self._scope.nav

    # -- properties --------------------------------------------------------

    @property
    def properties(self) -> Mapping[str, Any]:
        """The resource's state: every member but ``_links``, ``_embedded``, ``_templates``."""
        if self._props is None:
            doc = self._doc
            if "_links" in doc or "_embedded" in doc or "_templates" in doc:
                self._props = MappingProxyType({k: v for k, v in doc.items() if k not in RESERVED})
            else:
                self._props = MappingProxyType(dict(doc))
        return self._props

    def __getitem__(self, key: str) -> Any:
        # straight from the document: no properties mapping is built for one lookup
        if key not in RESERVED:
            try:
                return self._doc[key]
            except KeyError:
                pass
        raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return key not in RESERVED and key in self._doc

    def get(self, key: str, default: Any = None) -> Any:
        """A property's value, or ``default``."""
        if key in RESERVED:
            return default
        return self._doc.get(key, default)

    # -- links -------------------------------------------------------------

    @property
    def links(self) -> Links:
        """The resource's links (CURIE-aware, read-only mapping of rel to list of :class:`Link`)."""
        return self._scope.get_links()

    def link(self, rel: str, *, name: Optional[str] = None, index: Optional[int] = None) -> Link:
        """The link for ``rel``; ``name=`` or ``index=`` choose among several.

        :raises halkit.LinkNotFoundError: no such rel (the message lists those that exist).
        :raises halkit.AmbiguousLinkError: several links and no selector.
        """
        return self.links.select(rel, name=name, index=index)

    @property
    def url(self) -> Optional[str]:
        """The resource's own URL: its ``self`` link, or where it was fetched from.

        ``None`` for an embedded resource without a ``self`` link (and for a
        parsed document without one and without ``base_url``).
        """
        links = self.links
        if "self" in links:
            selfs = links["self"]
            if len(selfs) >= 1 and not selfs[0].templated:
                return selfs[0].expand()
        return self._fetched_url

    # -- embedded ----------------------------------------------------------

    def _embedded_map(self) -> Dict[str, List["Resource"]]:
        if self._embedded_cache is None:
            self._embedded_cache = {}
            raw = self._doc.get("_embedded")
            if isinstance(raw, list):
                child_type = self._child_type(EMBEDDED_ARRAY_REL)
                self._embedded_cache[EMBEDDED_ARRAY_REL] = [
                    self._child(child_type, item, f"{self._scope.pointer}/_embedded/{i}")
                    for i, item in enumerate(raw)
                ]
            elif isinstance(raw, Mapping):
                for rel in raw:
                    value = raw[rel]
                    if value is None:
                        continue
                    ptr = f"{self._scope.pointer}/_embedded/{rel}"
                    child_type = self._child_type(rel)
                    if isinstance(value, list):
                        self._embedded_cache[rel] = [
                            self._child(child_type, item, f"{ptr}/{i}") for i, item in enumerate(value)
                        ]
                    else:
                        self._embedded_cache[rel] = [self._child(child_type, value, ptr)]
        return self._embedded_cache

    def _child_type(self, rel: str) -> Optional[str]:
        scope = self._scope
        if scope.type is not None and scope.nav is not None:
            return scope.nav.embedded_type(scope.type, rel)
        return None

    def _child(self, child_type: Optional[str], doc: Mapping[str, Any], pointer: str) -> "Resource":
        # Built cheaply: the child's base and curies are worked out from its
        # parent's scope only when its links are first needed. Not fetched:
        # without a self link it has no URL (never the parent's, which a PUT
        # or DELETE on the child would otherwise go to).
        scope = self._scope
        # type(self): an async twin's embedded resources are async resources too
        return type(self)(doc, navigator=scope.nav, type=child_type, strict=scope.strict, _pointer=pointer, _parent=scope)

    def embedded(self, rel: str) -> List["Resource"]:
        """The embedded resources for ``rel`` (a list, whether the document had one or an array).

        CURIE forms of ``rel`` are accepted as for links. A resource that
        embeds nothing (an empty collection page, say) gives an empty list.

        :raises halkit.LinkNotFoundError: the resource embeds other rels but
            not ``rel`` (the message lists those it embeds).
        """
        emb = self._embedded_map()
        if rel in emb:
            return emb[rel]
        key = self._embedded_key(rel)
        if key is None:
            if not emb:
                return []
            raise LinkNotFoundError(rel, emb, detail=f"nothing embedded under rel {rel!r}")
        return emb[key]

    def _embedded_key(self, rel: str) -> Optional[str]:
        emb = self._embedded_map()
        if rel in emb:
            return rel
        links = self.links
        if not links.curies:
            return None
        wanted = links.expand_curie(rel)
        for key in emb:
            if links.expand_curie(key) == wanted:
                return key
        return None

    @property
    def embedded_rels(self) -> List[str]:
        """The rels present in ``_embedded``."""
        return list(self._embedded_map())

    def is_embedded_array(self, rel: str) -> bool:
        """Whether ``_embedded`` gave ``rel`` as an array."""
        key = self._embedded_key(rel)
        if key is None:
            raise LinkNotFoundError(rel, self._embedded_map(), detail=f"nothing embedded under rel {rel!r}")
        raw = self._doc.get("_embedded")
        return isinstance(raw, list) or (isinstance(raw, Mapping) and isinstance(raw.get(key), list))

    # -- HAL-FORMS ---------------------------------------------------------

    @property
    def templates(self) -> Mapping[str, "Template"]:
        """The HAL-FORMS ``_templates`` of the resource, by key (``default`` first when present)."""
        if self._templates_cache is None:
            from .forms import build_templates

            scope = self._scope
            raw = self._doc.get("_templates")
            self._templates_cache = build_templates(
                raw,
                pointer=f"{scope.pointer}/_templates",
                base=scope.resolved_base(),
                url=self.url if raw is not None else None,
                navigator=scope.nav,
                strict=scope.strict,
            )
        return MappingProxyType(self._templates_cache)

    def template(self, key: str = "default") -> "Template":
        """The HAL-FORMS template ``key`` (``default`` by default)."""
        templates = self.templates
        if key not in templates:
            raise LinkNotFoundError(key, templates, detail=f"no HAL-FORMS template {key!r}")
        return templates[key]

    # -- serialisation -----------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """A deep copy of the document this resource was built from."""
        try:
            return copy.deepcopy(dict(self._doc))
        except RecursionError:
            raise HalFormatError("document nested too deeply to copy", self._scope.pointer) from None

    def __repr__(self) -> str:
        kind = f" {self.type}" if self.type else ""
        return f"<Resource{kind} {self.url or '(no url)'}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resource):
            return NotImplemented
        return self._doc == other._doc and self._scope.resolved_base() == other._scope.resolved_base()

    __hash__ = None  # type: ignore[assignment]

    # -- navigation --------------------------------------------------------

    def _navigator(self) -> "Navigator":
        nav = self._scope.nav
        if nav is None:
            raise HalkitError(
                "this resource was parsed without a client; use halkit.Client to navigate over HTTP"
            )
        return nav

    def follow(
        self,
        *rels: Union[str, Mapping[str, Any]],
        name: Optional[str] = None,
        index: Optional[int] = None,
        embedded: bool = True,
        variables: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        **kwargs: Any,
    ) -> "Resource":
        """Follow one rel, or a chain of rels, and return the target resource.

        When a rel is present in ``_embedded``, its resource is used without
        any request (the hypertext cache pattern); ``embedded=False`` always
        fetches. Otherwise the link is expanded with ``variables`` (when
        templated) and fetched by GET.

        :param rels: one rel, or several to follow in a chain (``follow("a", "b")``),
            optionally followed by a mapping of URI template variables, for names
            that collide with the keyword parameters (``follow("find", {"name": "jane"})``).
        :param name: choose among several links (of the last rel) by ``name``.
        :param index: ... or by position.
        :param embedded: use embedded resources when present (default ``True``).
        :param variables: URI template variables as a mapping (the same as a
            trailing positional mapping).
        :param params: query string parameters for the last request.
        :param headers: headers for every request of the chain.
        :param timeout: the timeout of every request of the chain.
        :param kwargs: more URI template variables. Each templated link of the
            chain takes those its template declares; a variable that no link
            of the chain declares raises before the last request is sent.
        :raises halkit.LinkNotFoundError: a rel is neither linked nor embedded.
        :raises halkit.UnknownVariableError: a variable no link of the chain declares.
        """
        chain = FollowChain(
            rels, name=name, index=index, embedded=embedded, variables=variables, params=params, headers=headers,
            timeout=timeout, **kwargs,
        )
        current = self
        for n in range(len(chain.rels)):
            current = chain.hop(current, n)
        return current

    def items(self, rel: Optional[str] = None, *, next_rel: str = "next") -> "PageIterator":
        """Iterate a paged collection lazily, starting with this page.

        Yields the embedded items (under ``rel``; by default the page's only
        embedded rel) of each page, then follows ``next``. A page that embeds
        nothing yields nothing; a page that embeds other rels but not ``rel``
        raises :class:`~halkit.LinkNotFoundError` naming them (a typo such as
        ``items("order")`` for ``orders`` is not an empty collection). Only one page is
        held at a time. If fetching a page fails, iterating the same
        :class:`PageIterator` again retries that page: nothing is lost or
        yielded twice. A ``next`` link back to a page already fetched (URLs
        compared in normal form) raises :class:`~halkit.HalkitError` instead
        of yielding its items again.
        """
        return PageIterator(self, rel, next_rel)

    def pages(self, *, next_rel: str = "next") -> Iterator["Resource"]:
        """Iterate the pages of a collection, starting with this one, following ``next``.

        :raises halkit.HalkitError: a ``next`` link leads back to a page already fetched.
        """
        cursor: PageCursor[Resource] = PageCursor(self, next_rel=next_rel)
        page: Optional[Resource] = self
        while page is not None:
            yield page
            link = cursor.next_link()
            page = cursor.advance(link.follow()) if link is not None else None

    # -- HTTP on the resource itself --------------------------------------

    def _own_url(self) -> str:
        url = self.url
        if url is None:
            raise HalkitError("this resource has no self link and was not fetched from a URL")
        return url

    def refresh(self) -> "Resource":
        """GET the resource again (from its ``self`` URL) and return the new state.

        :raises halkit.ContentTypeError: the server answered with no content.
        """
        # then(): the same check for the async twin, whose request() gives an awaitable
        return then(self.request("GET"), self._got_content)

    def _got_content(self, result: Optional["Resource"]) -> "Resource":
        if result is None:  # a 204 No Content to a GET
            raise ContentTypeError(f"GET {self.url} answered with no content", url=self.url, method="GET")
        return result

    def request(
        self,
        method: str,
        *,
        json: Any = None,
        data: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        timeout: "Timeout" = None,
    ) -> Optional["Resource"]:
        """Send ``method`` to the resource's own URL.

        Returns the resource in the response body; for ``201 Created`` (and a
        ``200`` without a body) with a ``Location`` header, the resource at
        ``Location``; ``None`` for ``204 No Content`` or an empty body.

        :param method: the HTTP method.
        :param json: a body to send as JSON.
        :param data: a body to send as it is (a mapping is form-encoded, or
            multipart with ``files``).
        :param params: query string parameters.
        :param headers: headers for this request.
        :param files: files for a multipart body, as requests takes them.
        :param timeout: this request's timeout (default: the client's).
        """
        nav = self._navigator()
        return nav.send(
            self.type, self._own_url(), method, json=json, data=data, params=params, headers=headers, files=files,
            timeout=timeout,
        )

    def post(self, json: Any = None, **kwargs: Any) -> Optional["Resource"]:
        """POST to the resource's own URL."""
        return self.request("POST", json=json, **kwargs)

    def put(self, json: Any = None, **kwargs: Any) -> Optional["Resource"]:
        """PUT to the resource's own URL."""
        return self.request("PUT", json=json, **kwargs)

    def patch(self, json: Any = None, **kwargs: Any) -> Optional["Resource"]:
        """PATCH the resource's own URL."""
        return self.request("PATCH", json=json, **kwargs)

    def delete(self, **kwargs: Any) -> Optional["Resource"]:
        """DELETE the resource; returns what the server answers with, if any."""
        return self.request("DELETE", **kwargs)

    def head(
        self,
        *,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
    ) -> "requests.Response":
        """HEAD the resource's own URL; returns the response."""
        return self._navigator().send_raw(
            self.type, self._own_url(), "HEAD", params=params, headers=headers, timeout=timeout
        )

    def options(
        self,
        *,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
    ) -> "requests.Response":
        """OPTIONS on the resource's own URL; returns the response."""
        return self._navigator().send_raw(
            self.type, self._own_url(), "OPTIONS", params=params, headers=headers, timeout=timeout
        )


class FollowChain:
    """The I/O-free half of :meth:`Resource.follow`: the rels of a chain and the variables each hop takes.

    It reads ``follow()``'s arguments once (refusing malformed ones with
    :class:`TypeError`) and takes each hop with :meth:`hop`: the embedded
    resource when there is one (no request), else what following the link
    gives. The sync :meth:`Resource.follow` and the async twin's drive the
    same chain; only how they wait for a hop differs::

        chain = FollowChain(rels, **arguments)
        current = resource
        for n in range(len(chain.rels)):
            current = chain.hop(current, n)  # the async twin awaits it when awaitable

    :param rels: what :meth:`Resource.follow` takes: rels, optionally followed
        by one mapping of URI template variables.
    :param name: choose among several links of the last rel by ``name``.
    :param index: ... or by position.
    :param embedded: use embedded resources when present.
    :param variables: URI template variables.
    :param params: query string parameters for the last request.
    :param headers: headers for every request of the chain.
    :param timeout: the timeout of every request of the chain.
    :param kwargs: more URI template variables.
    :raises TypeError: no rel, or a rel that is not a string.
    :ivar rels: the rels to follow, in order.
    :ivar values: the URI template variables of the whole chain.
    """

    __slots__ = ("rels", "values", "name", "index", "embedded", "params", "headers", "timeout", "_used")

    def __init__(
        self,
        rels: Sequence[Union[str, Mapping[str, Any]]],
        /,
        *,
        name: Optional[str] = None,
        index: Optional[int] = None,
        embedded: bool = True,
        variables: Optional[Mapping[str, Any]] = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        **kwargs: Any,
    ) -> None:
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
        self.rels: Tuple[str, ...] = tuple(cast(Sequence[str], rels))
        self.values = values
        self.name = name
        self.index = index
        self.embedded = embedded
        self.params = params
        self.headers = headers
        self.timeout = timeout
        self._used: Set[str] = set()

    def hop(self, current: "Resource", n: int) -> Any:
        """Take hop ``n`` (from 0) of the chain, from ``current``.

        :returns: the embedded resource for the rel, when there is one and
            nothing asks for a request (no variables, ``params`` or
            ``headers``, ``embedded`` left true); else what following the
            link returns: the resource, or, for the async twin, an awaitable
            of it.
        :raises halkit.LinkNotFoundError: the rel is neither linked nor embedded.
        :raises halkit.AmbiguousLinkError: several links or embedded resources and no selector.
        :raises halkit.UnknownVariableError: on the last hop, a variable no
            link of the chain declares (before its request is sent).
        """
        rel = self.rels[n]
        last = n == len(self.rels) - 1
        name = self.name if last else None
        index = self.index if last else None
        params = self.params if last else None
        values = self.values
        if self.embedded and not values and params is None and self.headers is None:
            key = current._embedded_key(rel)
            if key is not None:
                items = current._embedded_map()[key]
                if name is None and index is not None and -len(items) <= index < len(items):
                    return items[index]
                if name is None and index is None:
                    if len(items) == 1:
                        return items[0]
                    if rel not in current.links:
                        raise AmbiguousLinkError(
                            f"{len(items)} resources are embedded under rel {rel!r}; choose one with index="
                        )
        link = current.links.select(rel, name=name, index=index)
        current._navigator()
        declared = set(link.variables)
        mine = {k: v for k, v in values.items() if k in declared}
        self._used.update(mine)
        if last:
            unknown = set(values).difference(self._used)
            if unknown:  # no link of the chain declares them: refuse before the last request
                link.check_variables({k: values[k] for k in unknown})
        return link.follow(mine, params=params, headers=self.headers, timeout=self.timeout)


#: The resource class a :class:`PageCursor` walks (the async twin's is :class:`~halkit.aio.AsyncResource`).
R = TypeVar("R", bound=Resource)


class PageCursor(Generic[R]):
    """Where a walk over a paged collection stands: the I/O-free half of paging.

    :class:`PageIterator` (``for``) and :class:`halkit.aio.AsyncPageIterator`
    (``async for``) are this cursor and a loop: the sync one calls
    ``link.follow()``, the async one awaits it; nothing else differs::

        while (item := cursor.take()) is None:
            link = cursor.next_link()
            if link is None:
                break  # the walk is over
            cursor.advance(link.follow())

    The cursor holds one page at a time (and a small int per page fetched,
    for the paging-cycle check); it points at pages, never the other way,
    so a page is freed as soon as the walk leaves it. When a fetch fails,
    nothing has changed: asking again for :meth:`next_link` gives the same
    link, so the walk resumes with exactly that page.

    :param first: the page the walk starts with (it is not fetched).
    :param rel: the rel of the items (by default the only rel each page embeds).
    :param next_rel: the rel of the link to the next page.
    :ivar page: the page held (``None`` once the walk is over).
    :ivar pages_fetched: how many pages were fetched (the first is not fetched).
    """

    __slots__ = ("page", "rel", "next_rel", "pages_fetched", "_items", "_pos", "_next_link", "_visited")

    def __init__(self, first: R, rel: Optional[str] = None, next_rel: str = "next") -> None:
        self.page: Optional[R] = first
        self.rel = rel
        self.next_rel = next_rel
        self.pages_fetched = 0
        self._items: Optional[List[R]] = None
        self._pos = 0
        self._next_link: Optional[Link] = None
        self._visited: Set[int] = _page_keys(first)

    def take(self) -> Optional[R]:
        """The next item of the page held, or ``None`` when it has no more (then see :meth:`next_link`).

        :raises halkit.AmbiguousLinkError: no ``rel`` was given and the page embeds several rels.
        :raises halkit.LinkNotFoundError: the page embeds other rels but not
            ``rel`` (a page that embeds nothing has no items).
        """
        items = self._items
        if items is None:
            page = self.page
            if page is None:
                return None
            items = self._items = cast(List[R], self.page_items(page))
            self._pos = 0
            links = page.links
            self._next_link = links.select(self.next_rel, index=0) if self.next_rel in links else None
        pos = self._pos
        if pos < len(items):
            self._pos = pos + 1
            return items[pos]
        return None

    def page_items(self, page: Resource) -> List[Resource]:
        """The items of ``page``: what it embeds under :attr:`rel` (by default its only embedded rel)."""
        rel = self.rel
        if rel is None:
            rels = page.embedded_rels
            if not rels:
                return []
            if len(rels) > 1:
                raise AmbiguousLinkError(f"page embeds several rels {rels}; pass items(rel=...)")
            rel = rels[0]
        # an empty page may leave _embedded out (nothing to yield); a page that
        # embeds other rels but not this one is a mistake, and says so
        return page.embedded(rel)

    def next_link(self) -> Optional[Link]:
        """The link to follow for the next page (what is left of the page held is skipped).

        ``None`` when the page held has no ``next_rel`` link: the walk is over
        (:attr:`page` becomes ``None``). Fetch the link (a plain GET), then
        pass the page to :meth:`advance`.

        :raises halkit.HalkitError: the link leads back to a page already
            fetched (URLs compared in normal form): a paging cycle.
        """
        page = self.page
        if page is None:
            return None
        if self._items is not None:
            link = self._next_link
        else:
            links = page.links
            link = links.select(self.next_rel, index=0) if self.next_rel in links else None
        if link is None:
            self.page = None
            self._items = self._next_link = None
            return None
        if not link.templated:
            url = link.expand()
            if hash(_normalize(url)) in self._visited:
                raise HalkitError(
                    f"the {self.next_rel!r} link of page {page.url} leads back to {url}, a page already fetched "
                    "(a paging cycle in the server's links); stopped so that no item is yielded twice"
                )
        return link

    def advance(self, page: R) -> R:
        """Hold ``page``, just fetched from :meth:`next_link`'s link; returns it."""
        self.pages_fetched += 1
        self._visited |= _page_keys(page)
        self.page = page
        self._items = self._next_link = None
        return page


class PageIterator(PageCursor[Resource], Iterator[Resource]):
    """Lazy iteration over the items of a paged collection (see :meth:`Resource.items`).

    A :class:`PageCursor` driven by ``for``: :attr:`page` is the page being
    iterated, :attr:`pages_fetched` how many pages were fetched (the first
    is not fetched).
    """

    def __init__(self, first: Resource, rel: Optional[str], next_rel: str = "next") -> None:
        super().__init__(first, rel, next_rel)

    def __iter__(self) -> "PageIterator":
        return self

    def __next__(self) -> Resource:
        # the items of the page held, without a call each (the walk's hot path)
        items = self._items
        if items is not None:
            pos = self._pos
            if pos < len(items):
                self._pos = pos + 1
                return items[pos]
        while (item := self.take()) is None:
            link = self.next_link()
            if link is None:
                raise StopIteration
            # on failure nothing has moved: iterating again retries exactly this fetch
            self.advance(link.follow())
        return item


def _page_keys(page: Resource) -> Set[int]:
    """The keys of the URLs a page was fetched from: as asked, and after redirects.

    Not its ``self`` link: servers get those wrong (the same ``self`` on every
    page) too often; only a page fetched from nowhere (an embedded first page)
    is known by its ``self`` link. A key is the hash of the URL's normal form:
    a walk of many pages keeps one small int a page, not its URL (64-bit
    hashes: a false "cycle" is as likely as a hash collision among the pages
    of one walk). Responses of requests and of httpx alike.
    """
    keys = set()
    response = page.response
    found = [page._fetched_url]
    if response is not None:
        found.append(str(response.url))
        history = getattr(response, "history", None)
        if history:
            found.append(str(history[0].url))  # the URL asked for, before redirects
    elif found[0] is None:
        found[0] = page.url
    for url in found:
        if url:
            keys.add(hash(_normalize(url)))
    return keys


#: URL normal forms, memoised: a page's URL is normalised when its link is
#: checked, then again as the page just fetched.
_normalize = functools.lru_cache(maxsize=256)(urls.normalize)
