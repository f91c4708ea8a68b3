"""Links: the ``_links`` of a HAL resource (draft-kelly-json-hal-11, section 5).

:class:`Link` is one link object; :class:`Links` is the read-only mapping of a
resource's rels to their links, which knows whether each rel was a single link
object or an array, and resolves CURIEs (section 8.2) both ways round.
"""

from __future__ import annotations

from collections.abc import Mapping  # isinstance() on typing.Mapping is several times slower
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterator,
    List,
    Optional,
    Tuple,
    Type,
)

from . import templates, urls
from ._awaitable import then
from .exceptions import (
    AmbiguousLinkError,
    ContentTypeError,
    HalFormatError,
    LinkNotFoundError,
    TemplateError,
    UnknownVariableError,
)
from .hal import LINK_ATTRIBUTES, escape_token, is_link_map

if TYPE_CHECKING:  # pragma: no cover
    import requests

    from .resource import Resource
    from .typing import Navigator, Timeout

__all__ = ["Link", "Links", "LINK_ATTRIBUTES"]



def _opt_str(raw: Mapping[str, Any], key: str) -> Optional[str]:
    value = raw.get(key)
    return value if isinstance(value, str) else None


class Link:
    """One HAL link object.

    :ivar rel: the rel this link was found under (as written in the document).
    :ivar href: the ``href`` as written (a URI or a URI template).
    :ivar templated: ``True`` only when the JSON value of ``templated`` is ``true``.
    :ivar type: the media type hint, or ``None``.
    :ivar deprecation: the deprecation URL, or ``None``.
    :ivar name: the secondary key among links of the same rel, or ``None``.
    :ivar profile: the profile URI, or ``None``.
    :ivar title: the human-readable title, or ``None``.
    :ivar hreflang: the language of the target, or ``None``.
    :ivar extra: members of the link object the spec does not define, kept as-is.
    :ivar base: the URL relative hrefs resolve against, or ``None``.
    """

    __slots__ = (
        "rel",
        "href",
        "templated",
        "type",
        "deprecation",
        "name",
        "profile",
        "title",
        "hreflang",
        "extra",
        "base",
        "_raw",
        "_nav",
        "_source",
    )

    def __init__(
        self,
        rel: str,
        raw: Mapping[str, Any],
        *,
        base: Optional[str] = None,
        navigator: Optional["Navigator"] = None,
        source: Optional[str] = None,
        resource: Optional["Resource"] = None,
    ) -> None:
        """Build a link from its link object ``raw``.

        :param rel: the rel it was found under.
        :param raw: the link object.
        :param base: the URL relative hrefs resolve against.
        :param navigator: what sends requests for it (a :class:`~halkit.Client`).
        :param source: the profile type of the resource it belongs to, if known.
        :param resource: the resource it belongs to: its navigator and type
            are taken (the link keeps no reference to it).
        """
        if resource is not None:
            navigator = navigator if navigator is not None else resource.navigator
            source = source if source is not None else resource.type
        href = raw.get("href")
        if not isinstance(href, str):
            raise HalFormatError(f"link {rel!r} has no string 'href'", "")
        self.rel = rel
        self.href: str = href
        self.templated: bool = raw.get("templated") is True
        self.type = _opt_str(raw, "type")
        self.deprecation = _opt_str(raw, "deprecation")
        self.name = _opt_str(raw, "name")
        self.profile = _opt_str(raw, "profile")
        self.title = _opt_str(raw, "title")
        self.hreflang = _opt_str(raw, "hreflang")
        self.extra: Mapping[str, Any] = {k: v for k, v in raw.items() if k not in LINK_ATTRIBUTES}
        self.base = base
        self._raw = raw
        self._nav = navigator
        self._source = source

    # -- templates ---------------------------------------------------------

    @property
    def variables(self) -> List[str]:
        """The template's variable names, in order (empty for a plain link)."""
        if not self.templated:
            return []
        return templates.variables(self.href)

    def expand(self, variables: Optional[Mapping[str, Any]] = None, /, **kwargs: Any) -> str:
        """Expand the link into a URL.

        A templated link is expanded per RFC 6570 first, then resolved against
        :attr:`base` (RFC 3986), or as the client's ``relative_hrefs`` policy
        says (see :class:`halkit.Client`). A plain link is only resolved. The
        result is an absolute URL whenever the link has a base.

        :param variables: template variables, as a mapping.
        :param kwargs: more template variables.
        :raises halkit.TemplateError: the template is malformed.
        """
        if self.templated:
            values: Dict[str, Any] = dict(variables or {})
            values.update(kwargs)
            expanded = templates.expand(self.href, values)
        else:
            expanded = self.href
        if self._nav is not None:
            return self._nav.resolve_href(self.base, expanded)
        return urls.resolve(self.base, expanded) if self.base else expanded

    @property
    def url(self) -> str:
        """The absolute URL of a plain link (a templated one is expanded with no variables)."""
        return self.expand()

    # -- HTTP --------------------------------------------------------------

    def _navigator(self) -> "Navigator":
        if self._nav is None:
            raise _no_client(self)
        return self._nav

    def check_variables(self, variables: Mapping[str, Any]) -> None:
        """Refuse variables this link's template does not declare (before anything is sent).

        :raises halkit.UnknownVariableError: naming the template's variables.
        """
        if not variables:
            return
        declared = self.variables
        unknown = set(variables).difference(declared)
        if unknown:
            raise UnknownVariableError(self.rel, self.href, unknown, declared)

    def follow(
        self,
        variables: Optional[Mapping[str, Any]] = None,
        /,
        *,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        **template_vars: Any,
    ) -> "Resource":
        """GET the target of this link and return it as a :class:`~halkit.Resource`.

        :param variables: URI template variables as a mapping (for names that
            collide with the keyword parameters: ``link.follow({"params": 1})``).
        :param params: query string parameters (added to the expanded URL).
        :param headers: headers for this request.
        :param timeout: this request's timeout (default: the client's).
        :param template_vars: more URI template variables.
        :raises halkit.UnknownVariableError: a variable the template does not
            declare (also a :class:`TypeError`); nothing is sent.
        """
        # then(): the same check for the async twin, whose request() gives an awaitable
        return then(
            self.request("GET", variables, params=params, headers=headers, timeout=timeout, **template_vars),
            self._got_content,
        )

    def _got_content(self, result: Optional["Resource"]) -> "Resource":
        if result is None:  # a 204 No Content to a GET
            raise ContentTypeError(f"GET on link {self.rel!r} ({self.href}) answered with no content", method="GET")
        return result

    def get(
        self,
        variables: Optional[Mapping[str, Any]] = None,
        /,
        *,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        **template_vars: Any,
    ) -> "Resource":
        """Alias of :meth:`follow`, always by GET (never from ``_embedded``)."""
        return self.follow(variables, params=params, headers=headers, timeout=timeout, **template_vars)

    def request(
        self,
        method: str,
        variables: Optional[Mapping[str, Any]] = None,
        /,
        *,
        json: Any = None,
        data: Any = None,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        files: Any = None,
        timeout: "Timeout" = None,
        **template_vars: Any,
    ) -> Optional["Resource"]:
        """Send ``method`` to this link's target and return the resulting resource.

        See :meth:`halkit.Resource.request` for what comes back.

        :param method: the HTTP method.
        :param variables: URI template variables as a mapping.
        :param json: a body to send as JSON.
        :param data: a body to send as it is (a mapping is form-encoded, or
            multipart with ``files``).
        :param params: query string parameters.
        :param headers: headers for this request.
        :param files: files for a multipart body, as requests takes them.
        :param timeout: this request's timeout.
        :param template_vars: more URI template variables.
        :raises halkit.UnknownVariableError: a variable the template does not declare.
        """
        values = self._values(variables, template_vars)
        return self._navigator().send(
            self._source, self, method, variables=values, json=json, data=data, params=params, headers=headers,
            files=files, timeout=timeout,
        )

    def _values(self, variables: Optional[Mapping[str, Any]], more: Mapping[str, Any]) -> Dict[str, Any]:
        values = dict(variables or {})
        values.update(more)
        self.check_variables(values)
        return values

    def post(self, json: Any = None, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["Resource"]:
        """POST ``json`` to the target; returns the created or returned resource, if any.

        Takes the keyword arguments of :meth:`request`.
        """
        return self.request("POST", variables, json=json, **kwargs)

    def put(self, json: Any = None, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["Resource"]:
        """PUT ``json`` to the target (see :meth:`post`)."""
        return self.request("PUT", variables, json=json, **kwargs)

    def patch(self, json: Any = None, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["Resource"]:
        """PATCH the target with ``json`` (see :meth:`post`)."""
        return self.request("PATCH", variables, json=json, **kwargs)

    def delete(self, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Optional["Resource"]:
        """DELETE the target; returns the resource the server answers with, if any."""
        return self.request("DELETE", variables, **kwargs)

    def head(
        self,
        variables: Optional[Mapping[str, Any]] = None,
        /,
        *,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        **template_vars: Any,
    ) -> "requests.Response":
        """HEAD the target; returns the response (HEAD has no representation)."""
        return self._navigator().send_raw(
            self._source, self, "HEAD", variables=self._values(variables, template_vars), params=params,
            headers=headers, timeout=timeout,
        )

    def options(
        self,
        variables: Optional[Mapping[str, Any]] = None,
        /,
        *,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        **template_vars: Any,
    ) -> "requests.Response":
        """OPTIONS on the target; returns the response (see its ``Allow`` header)."""
        return self._navigator().send_raw(
            self._source, self, "OPTIONS", variables=self._values(variables, template_vars), params=params,
            headers=headers, timeout=timeout,
        )

    # -- plumbing ----------------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """The link object as it was in the document."""
        return dict(self._raw)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Link):
            return NotImplemented
        return (self.rel, self.base, dict(self._raw)) == (other.rel, other.base, dict(other._raw))

    def __hash__(self) -> int:
        return hash((self.rel, self.href, self.name, self.base))

    def __repr__(self) -> str:
        extra = " templated" if self.templated else ""
        name = f" name={self.name!r}" if self.name is not None else ""
        return f"<Link {self.rel!r} {self.href!r}{name}{extra}>"


def _no_client(link: Link) -> Exception:
    from .exceptions import HalkitError

    return HalkitError(
        f"link {link.rel!r} belongs to a resource that was parsed without a client; "
        "use halkit.Client to follow links over HTTP"
    )


def _as_link_list(rel: str, value: Any, pointer: str, lenient: Optional[List[Tuple[str, str]]]) -> Tuple[List[Mapping[str, Any]], bool]:
    """Normalise the JSON value of one rel into (link objects, was_array)."""
    if isinstance(value, Mapping):
        if lenient is not None and rel != "curies" and is_link_map(value):
            lenient.append(("link-map", pointer))
            return [{**link, "name": name} for name, link in value.items()], True
        return [value], False
    if isinstance(value, list):
        out: List[Mapping[str, Any]] = []
        for i, item in enumerate(value):
            if isinstance(item, Mapping):
                out.append(item)
            elif isinstance(item, str) and lenient is not None:
                lenient.append(("bare-href", f"{pointer}/{i}"))
                out.append({"href": item})
            else:
                raise HalFormatError("a link must be an object", f"{pointer}/{i}")
        return out, True
    if isinstance(value, str) and lenient is not None:
        lenient.append(("bare-href", pointer))
        return [{"href": value}], False
    raise HalFormatError("a rel must map to a link object or an array of link objects", pointer)


class Links(Mapping[str, List[Link]]):
    """The links of one resource: a read-only mapping of rel to a list of :class:`Link`.

    ``links[rel]`` always gives a list; :meth:`is_array` tells whether the
    document used an array for that rel. Lookups (``in``, ``[]``, :meth:`get`)
    accept a rel as written, its CURIE form (``acme:widgets``) or the URI the
    CURIE expands to, either way round.
    """

    __slots__ = ("_links", "_arrays", "_curies", "_index", "_order")

    def __init__(
        self,
        links: Dict[str, List[Link]],
        arrays: "frozenset[str]",
        curies: Mapping[str, str],
    ) -> None:
        self._links = links
        self._arrays = arrays
        self._curies = curies
        self._index: Optional[Dict[str, str]] = None

    @property
    def curies(self) -> Mapping[str, str]:
        """The CURIE prefixes in scope (own and inherited): prefix -> href template."""
        return self._curies

    def expand_curie(self, rel: str) -> str:
        """The full URI of a CURIE rel when its prefix is declared, else ``rel`` itself."""
        prefix, sep, reference = rel.partition(":")
        if sep and prefix in self._curies and not reference.startswith("//"):
            try:
                return templates.expand(self._curies[prefix], {"rel": reference})
            except TemplateError:
                return rel
        return rel

    def _canonical(self, rel: str) -> str:
        if not self._curies:
            return rel
        return self.expand_curie(rel)

    def _key(self, rel: str) -> Optional[str]:
        if rel in self._links:
            return rel
        if not self._curies:
            return None
        if self._index is None:
            self._index = {self._canonical(key): key for key in self._links}
        return self._index.get(self._canonical(rel))

    def __getitem__(self, rel: str) -> List[Link]:
        key = self._key(rel)
        if key is None:
            raise LinkNotFoundError(rel, self._links)
        return self._links[key]

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and self._key(rel) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._links)

    def __len__(self) -> int:
        return len(self._links)

    def is_array(self, rel: str) -> bool:
        """Whether the document gave ``rel`` as an array of link objects."""
        key = self._key(rel)
        if key is None:
            raise LinkNotFoundError(rel, self._links)
        return key in self._arrays

    def select(self, rel: str, *, name: Optional[str] = None, index: Optional[int] = None) -> Link:
        """The one link for ``rel``, chosen by ``name`` or ``index`` when there are several.

        :raises halkit.LinkNotFoundError: no such rel, name or index.
        :raises halkit.AmbiguousLinkError: several links and no selector.
        """
        links = self[rel]
        if name is not None:
            for link in links:
                if link.name == name:
                    return link
            names = sorted(link.name for link in links if isinstance(link.name, str))
            raise LinkNotFoundError(
                rel, self._links, detail=f"no link with rel {rel!r} and name {name!r} (names: {names})"
            )
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int) or not -len(links) <= index < len(links):
                raise LinkNotFoundError(
                    rel, self._links, detail=f"rel {rel!r} has {len(links)} link(s); no index {index!r}"
                )
            return links[index]
        if len(links) != 1:
            all_names = [link.name for link in links]
            raise AmbiguousLinkError(
                f"rel {rel!r} has {len(links)} links; choose one with name= (names: {all_names}) or index="
            )
        return links[0]

    def to_dict(self) -> Dict[str, Any]:
        """The ``_links`` object as in the document (single objects stay single)."""
        out: Dict[str, Any] = {}
        for rel, links in self._links.items():
            items = [link.to_dict() for link in links]
            out[rel] = items if rel in self._arrays else items[0]
        return out

    def __repr__(self) -> str:
        return f"<Links {list(self._links)}>"


def build_links(
    raw: Any,
    *,
    pointer: str,
    base: Optional[str],
    parent_curies: Mapping[str, str],
    navigator: Optional["Navigator"] = None,
    source: Optional[str] = None,
    lenient: Optional[List[Tuple[str, str]]],
) -> Links:
    """Build :class:`Links` from the JSON value of ``_links``.

    :param navigator: what the links send requests through.
    :param source: the profile type of the resource they belong to.
    :param lenient: ``None`` in strict mode; otherwise a list that collects
        (deviation, pointer) pairs for what was tolerated.
    """
    if raw is None:
        return Links({}, frozenset(), parent_curies)
    if not isinstance(raw, Mapping):
        raise HalFormatError("'_links' must be an object", pointer)
    # a navigator may ask for its own Link subclass (the async twin's awaitable links)
    link_class: Type[Link] = getattr(navigator, "link_class", Link)
    links: Dict[str, List[Link]] = {}
    arrays = set()
    curies: Dict[str, str] = dict(parent_curies)
    for rel, value in raw.items():
        rel_ptr = f"{pointer}/{escape_token(rel)}"
        if value is None:
            if lenient is None:
                raise HalFormatError("a rel must not be null", rel_ptr)
            lenient.append(("null-rel", rel_ptr))
            continue
        objects, is_array = _as_link_list(rel, value, rel_ptr, lenient)
        built = []
        for i, obj in enumerate(objects):
            obj_ptr = f"{rel_ptr}/{i}" if is_array else rel_ptr
            href = obj.get("href")
            if not isinstance(href, str):
                raise HalFormatError(
                    "a link object needs a string 'href'" if "href" not in obj else "'href' must be a string",
                    obj_ptr if "href" not in obj else f"{obj_ptr}/href",
                )
            built.append(link_class(rel, obj, base=base, navigator=navigator, source=source))
        links[rel] = built
        if is_array:
            arrays.add(rel)
    own = links.get("curies")
    if own:
        for i, link in enumerate(own):
            if link.name is None:
                raise HalFormatError("a CURIE link needs a 'name'", f"{pointer}/curies" + (f"/{i}" if "curies" in arrays else ""))
            curies[link.name] = link.href
    return Links(links, frozenset(arrays), curies)


