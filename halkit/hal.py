"""Reading ``application/hal+json``: JSON decoding and the structural check of a HAL document.

The check walks ``_links`` and ``_embedded`` of the whole tree once, without
building anything, so that a malformed document fails at once with a
:class:`~halkit.HalFormatError` naming the JSON pointer of the problem, while
:class:`~halkit.Resource` objects stay lazy (nothing is built for embedded
resources nobody touches).

Two modes:

``strict``
    The HAL draft (draft-kelly-json-hal-11) as written. Any deviation is a
    :class:`~halkit.HalFormatError`.
``lenient`` (the default)
    Also accepts the deviations common in real servers, and reports each kind
    once (per client, or per :func:`~halkit.parse` call) as a
    :class:`~halkit.CompatibilityWarning`:

    * ``bare-href``: a link given as a string instead of a link object (alone
      or in an array): read as ``{"href": "..."}``;
    * ``null-rel``: ``null`` for a rel in ``_links``: the rel is absent;
    * ``null-embedded``: ``null`` for a rel in ``_embedded``, or for
      ``_links``/``_embedded`` themselves: absent;
    * ``embedded-array``: ``_embedded`` given as an array of resources instead
      of an object keyed by rel: exposed under the rel :data:`EMBEDDED_ARRAY_REL`;
    * ``missing-links``: an embedded resource without ``_links`` (so without
      a ``self`` link): read as having no links;
    * ``missing-self``: an embedded resource whose ``_links`` has no ``self``;
    * ``link-map``: a rel whose value is an object of *named* link objects
      instead of a link object or an array (Eve's ``"related": {"owner":
      {"href": ...}, ...}``): read as an array of links whose ``name`` is the
      key, so ``resource.link("related", name="owner")`` finds one.

    Strict mode accepts what the draft allows and lenient mode reports:
    an embedded resource without ``_links`` or without ``self`` (``_links``
    is optional, ``self`` only recommended); lenient mode reports them
    because such a resource has no URL.

    An embedded resource without ``self`` has no URL of its own (its
    :attr:`~halkit.Resource.url` is ``None``): nothing can be sent to it.
    The top-level document may leave out ``_links`` in both modes: the draft
    makes it optional, and the document has the URL it was fetched from.

    Everything else that is malformed (a link that is a number, an ``href``
    that is not a string, a root that is not an object...) is an error in
    both modes: nothing is silently dropped.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import deque
from collections.abc import Mapping  # isinstance() on typing.Mapping is several times slower
from typing import Any, Deque, Dict, Iterable, List, MutableSet, Optional, Tuple, Union

from .exceptions import CompatibilityWarning, HalFormatError

__all__ = [
    "DRAFT_ALLOWED_DEVIATIONS",
    "EMBEDDED_ARRAY_REL",
    "JSON_MEDIA_TYPES",
    "LINK_ATTRIBUTES",
    "LINK_STRING_ATTRIBUTES",
    "MAX_DEPTH",
    "check_document",
    "decode_json",
    "escape_token",
    "is_json_media_type",
    "is_link_map",
    "media_type",
    "pointer_of",
    "warn_deviations",
]

#: The deviations lenient mode reports that the HAL draft allows (``_links`` is
#: optional, ``self`` recommended): a client validating against a profile leaves
#: them to the profile, which says which links each type has.
DRAFT_ALLOWED_DEVIATIONS = frozenset({"missing-links", "missing-self"})

#: The link object attributes defined by the HAL draft (section 5).
LINK_ATTRIBUTES = ("href", "templated", "type", "deprecation", "name", "profile", "title", "hreflang")
#: The link attributes whose value must be a string.
LINK_STRING_ATTRIBUTES = ("type", "deprecation", "name", "profile", "title", "hreflang")
#: Media types read as JSON (with any ``+json`` type).
JSON_MEDIA_TYPES = frozenset(
    {"application/hal+json", "application/json", "application/vnd.hal+json", "application/problem+json"}
)

#: The rel under which lenient mode exposes an ``_embedded`` given as an array.
EMBEDDED_ARRAY_REL = "items"

#: The deepest nesting of ``_embedded`` resources accepted (no real API comes close).
MAX_DEPTH = 64

_DEVIATIONS = {
    "bare-href": "a link given as a bare href string instead of a link object",
    "null-rel": "null given for a link relation",
    "null-embedded": "null given for an embedded relation (or for _links/_embedded)",
    "embedded-array": f"'_embedded' given as an array (exposed under rel {EMBEDDED_ARRAY_REL!r})",
    "missing-links": "an embedded resource without '_links' (so without a 'self' link)",
    "missing-self": "an embedded resource without a 'self' link",
    "link-map": "a link relation given as an object of named links (read as an array, names from the keys)",
}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        # 1e400 is JSON by the grammar, but Python reads it as Infinity
        raise ValueError(f"number {text[:30]} is out of range")
    return value


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def decode_json(data: Union[str, bytes, bytearray], *, strict: bool = False) -> Any:
    """Decode a JSON text (str or bytes in UTF-8/16/32).

    ``NaN``, ``Infinity`` and ``-Infinity`` are refused in both modes (they are
    not JSON), and so are numbers too large for a float (``1e400``, which
    Python would read as infinity). Duplicate object keys are refused in strict mode; in lenient
    mode the last one wins, as in :mod:`json`.

    :raises halkit.HalFormatError: invalid JSON, or nesting too deep for Python.
    """
    try:
        if strict:
            return json.loads(
                data, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates
            )
        return json.loads(data, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise HalFormatError("JSON nested too deeply to decode", "") from None
    except UnicodeDecodeError as exc:
        raise HalFormatError(f"document is not valid UTF-8/16/32 text: {exc.reason}", "") from None
    except json.JSONDecodeError as exc:
        raise HalFormatError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", ""
        ) from None
    except ValueError as exc:
        raise HalFormatError(f"invalid JSON: {exc}", "") from None


def escape_token(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901 section 4)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer_of(path: Iterable[Union[str, int]]) -> str:
    """Return the JSON pointer (RFC 6901) of a path of keys and indices.

    :param path: the keys and indices from the document root.
    """
    return "".join("/" + escape_token(str(seg)) for seg in path)


def media_type(content_type: Optional[str]) -> str:
    """The media type of a ``Content-Type`` value: lower case, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json_media_type(media: str) -> bool:
    """Whether a media type (from :func:`media_type`) is JSON: HAL, problem+json, any ``+json``."""
    return media in JSON_MEDIA_TYPES or media.endswith("+json")


def check_document(document: Any, *, strict: bool = False) -> List[Tuple[str, str]]:
    """Check the HAL structure of a decoded document.

    :returns: the deviations tolerated in lenient mode, as (kind, pointer) pairs.
    :raises halkit.HalFormatError: the document is not HAL, naming the pointer.
    """
    if not isinstance(document, Mapping):
        raise HalFormatError(f"a HAL document must be a JSON object, not {_kind(document)}", "")
    deviations: List[Tuple[str, str]] = []
    # Breadth first, so that the first deviation of each kind reported is the
    # first in document order. JSON pointers are built only for a deviation or
    # an error: a queued resource carries its path (see _pointer), not a string.
    queue: Deque[Tuple[Mapping[str, Any], Any, int]] = deque([(document, None, 0)])
    popleft, append = queue.popleft, queue.append
    while queue:
        resource, path, depth = popleft()
        if depth > MAX_DEPTH:
            raise HalFormatError(f"'_embedded' nested more than {MAX_DEPTH} levels deep", _pointer(path))
        if "_links" in resource:
            links = resource["_links"]
            if type(links) is not dict or not _plain_links(links, strict):
                _check_links(links, f"{_pointer(path)}/_links", strict, deviations)
                if depth > 0:
                    _check_embedded_self(resource, _pointer(path), strict, deviations)
            elif depth > 0 and links.get("self") is None:
                _check_embedded_self(resource, _pointer(path), strict, deviations)
        elif depth > 0:
            _check_embedded_self(resource, _pointer(path), strict, deviations)
        if "_embedded" not in resource:
            continue
        emb = resource["_embedded"]
        if isinstance(emb, Mapping):
            for rel, value in emb.items():
                if value is None:
                    rel_ptr = _pointer((path, rel, None))
                    if strict:
                        raise HalFormatError("an embedded rel must not be null", rel_ptr)
                    deviations.append(("null-embedded", rel_ptr))
                elif isinstance(value, list):
                    for i, item in enumerate(value):
                        if type(item) is not dict and not isinstance(item, Mapping):
                            _bad_embedded(item, (path, rel, i))
                        append((item, (path, rel, i), depth + 1))
                else:
                    if type(value) is not dict and not isinstance(value, Mapping):
                        _bad_embedded(value, (path, rel, None))
                    append((value, (path, rel, None), depth + 1))
        else:
            emb_ptr = f"{_pointer(path)}/_embedded"
            if emb is None:
                if strict:
                    raise HalFormatError("'_embedded' must be an object, not null", emb_ptr)
                deviations.append(("null-embedded", emb_ptr))
            elif isinstance(emb, list):
                if strict:
                    raise HalFormatError("'_embedded' must be an object keyed by rel, not an array", emb_ptr)
                deviations.append(("embedded-array", emb_ptr))
                for i, item in enumerate(emb):
                    if not isinstance(item, Mapping):
                        _bad_embedded(item, (path, None, i))
                    append((item, (path, None, i), depth + 1))
            else:
                raise HalFormatError(f"'_embedded' must be an object, not {_kind(emb)}", emb_ptr)
    return deviations




def _pointer(path: Any) -> str:
    """The JSON pointer of a queued resource, from its path.

    A path is ``None`` for the document, else ``(parent path, rel, index)``:
    the resource at ``_embedded/rel`` (``rel`` is ``None`` for an ``_embedded``
    array) or at ``_embedded/rel/index`` of its parent.
    """
    parts: List[str] = []
    while path is not None:
        path, rel, index = path
        if index is not None:
            parts.append(str(index))
        if rel is not None:
            parts.append(escape_token(rel))
        parts.append("_embedded")
    return "".join("/" + part for part in reversed(parts))


def _bad_embedded(item: Any, path: Any) -> None:
    raise HalFormatError(
        f"an embedded resource must be an object (or an array of objects), not {_kind(item)}", _pointer(path)
    )


def _plain_link(link: Any, strict: bool) -> bool:
    """Whether ``link`` is a link object that passes every check (a quick test that builds nothing)."""
    if type(link) is not dict or type(link.get("href")) is not str:
        return False
    if strict:
        for key in LINK_STRING_ATTRIBUTES:
            if key in link and type(link[key]) is not str:
                return False
        if "templated" in link and type(link["templated"]) is not bool:
            return False
    return True


def _plain_links(links: Dict[str, Any], strict: bool) -> bool:
    """Whether every link of ``links`` passes :func:`_plain_link` (CURIEs take the full check)."""
    if not strict:  # the hot path, inlined: an object with a string href, or an array of them
        for rel, value in links.items():
            kind = type(value)
            if kind is dict:
                if type(value.get("href")) is not str:
                    return False
            elif kind is list:
                for item in value:
                    if type(item) is not dict or type(item.get("href")) is not str:
                        return False
            else:
                return False
            if rel == "curies":
                return False
        return True
    for rel, value in links.items():
        if rel == "curies":
            return False
        if type(value) is list:
            for item in value:
                if not _plain_link(item, strict):
                    return False
        elif not _plain_link(value, strict):
            return False
    return True


def _check_embedded_self(
    resource: Mapping[str, Any], pointer: str, strict: bool, deviations: List[Tuple[str, str]]
) -> None:
    # the draft makes '_links' optional and 'self' only recommended: strict accepts both
    if strict:
        return
    links = resource.get("_links")
    if links is None:
        if "_links" not in resource:  # a null '_links' is reported as null-embedded
            deviations.append(("missing-links", pointer))
    elif isinstance(links, Mapping) and links.get("self") is None:
        deviations.append(("missing-self", f"{pointer}/_links"))


def _check_links(links: Any, pointer: str, strict: bool, deviations: List[Tuple[str, str]]) -> None:
    if links is None:
        if strict:
            raise HalFormatError("'_links' must be an object, not null", pointer)
        deviations.append(("null-embedded", pointer))
        return
    if not isinstance(links, Mapping):
        raise HalFormatError(f"'_links' must be an object, not {_kind(links)}", pointer)
    for rel, value in links.items():
        rel_ptr = f"{pointer}/{escape_token(rel)}"
        if isinstance(value, Mapping):
            if not strict and is_link_map(value) and rel != "curies":
                deviations.append(("link-map", rel_ptr))
            else:
                _check_link_object(value, rel_ptr, rel, strict)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    _check_link_object(item, f"{rel_ptr}/{i}", rel, strict)
                elif isinstance(item, str) and not strict and rel != "curies":
                    deviations.append(("bare-href", f"{rel_ptr}/{i}"))
                else:
                    raise HalFormatError(f"a link must be an object, not {_kind(item)}", f"{rel_ptr}/{i}")
        elif value is None:
            if strict:
                raise HalFormatError("a rel must map to a link object, not null", rel_ptr)
            deviations.append(("null-rel", rel_ptr))
        elif isinstance(value, str) and not strict and rel != "curies":
            deviations.append(("bare-href", rel_ptr))
        elif isinstance(value, str) and rel == "curies":
            raise HalFormatError("a CURIE link needs a 'name': it cannot be a bare href", rel_ptr)
        else:
            raise HalFormatError(
                f"a rel must map to a link object or an array of link objects, not {_kind(value)}", rel_ptr
            )


def is_link_map(value: Mapping[str, Any]) -> bool:
    """Whether ``value`` is an object of named link objects (``{"owner": {"href": ...}}``), not a link."""
    return (
        "href" not in value
        and len(value) > 0
        and all(isinstance(v, Mapping) and isinstance(v.get("href"), str) for v in value.values())
    )


def _check_link_object(link: Mapping[str, Any], pointer: str, rel: str, strict: bool) -> None:
    if "href" not in link:
        raise HalFormatError("a link object needs an 'href'", pointer)
    if not isinstance(link["href"], str):
        raise HalFormatError(f"'href' must be a string, not {_kind(link['href'])}", f"{pointer}/href")
    if strict:
        for key in LINK_STRING_ATTRIBUTES:
            if key in link and not isinstance(link[key], str):
                raise HalFormatError(f"{key!r} must be a string, not {_kind(link[key])}", f"{pointer}/{key}")
        if "templated" in link and not isinstance(link["templated"], bool):
            raise HalFormatError("'templated' must be a boolean", f"{pointer}/templated")
    if rel == "curies" and not isinstance(link.get("name"), str):
        raise HalFormatError("a CURIE link needs a 'name'", pointer)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def warn_deviations(
    deviations: List[Tuple[str, str]],
    warned: Optional[MutableSet[str]],
    where: Optional[str] = None,
    stacklevel: int = 3,
) -> None:
    """Warn once per kind of deviation (``warned`` remembers the kinds already reported)."""
    for kind, pointer in deviations:
        if warned is not None:
            if kind in warned:
                continue
            warned.add(kind)
        location = f"{where}#{pointer}" if where else (pointer or "(root)")
        warnings.warn(
            f"lenient HAL parsing accepted {_DEVIATIONS[kind]} [{kind}] at {location}",
            CompatibilityWarning,
            stacklevel=stacklevel,
        )
