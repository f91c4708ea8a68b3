"""URI templates (RFC 6570) and the URL helpers the rest of halkit relies on.

Templates
---------

:func:`expand`, :func:`variables` and :func:`validate` implement RFC 6570 up
to level 4 on top of the ``uritemplate`` package. halkit parses and checks
every template itself (``uritemplate`` accepts almost anything) and caches the
result, normalises the values, and has
:class:`uritemplate.variable.URIVariable` lay out lists and maps. A string
value (the hot path: ids, page numbers) is one ``quote()`` away from its
expansion, so halkit expands it directly; the tests check that this agrees
with ``uritemplate``. Where ``uritemplate`` 4.x disagrees with the RFC, halkit
follows the RFC:

* **Associative arrays keep their order.** ``uritemplate`` sorts the keys
  (``{keys}`` gives ``comma,%2C,dot,.,semi,%3B``); the RFC examples, and
  halkit, keep the caller's order (``semi,%3B,dot,.,comma,%2C``).
* **Empty lists and maps are undefined** (section 2.3): ``{x,empty_list}``
  gives ``1024``, not ``1024,``; ``{;empty_list}`` gives nothing, not ``;empty_list=``.
* **Prefixes apply to the string form of numbers** (``{n:2}`` with ``12345``
  gives ``12``; ``uritemplate`` raises ``TypeError``), ``{x:0}`` and
  ``{x:10000}`` are malformed (max-length is 1 to 9999), and a prefix on a
  list or map is an error (section 2.4.1).
* **Falsy scalars are values**: ``{?z}`` with ``0`` gives ``?z=0`` and
  ``{;f}`` with ``False`` gives ``;f=false`` (``uritemplate`` gives ``?z=``
  and ``;f``).
* **Reserved expansion** (``+`` and ``#``) keeps pct-encoded triplets and
  encodes everything else outside the reserved and unreserved sets, value by
  value: ``{+v}`` with ``a b%20c`` gives ``a%20b%20c`` (``uritemplate`` leaves
  the whole value untouched as soon as it contains one triplet), and a ``%``
  that starts no triplet becomes ``%25``. A prefix never splits a triplet.
  halkit lays out lists and maps for these two operators itself
  (``uritemplate`` 4.1 turns their ``%2F`` into ``%252F``).
* **Exploded path parameters with empty members** use the ``ifemp`` rule of
  the RFC's appendix A: ``{;list*}`` with ``["a", ""]`` gives ``;list=a;list``.
* **Literals** are copied when the URI syntax allows them and pct-encoded
  (UTF-8) otherwise (section 3.1): ``/café{?q}`` expands to ``/caf%C3%A9``.
* **Malformed templates are errors** (:class:`~halkit.exceptions.TemplateError`),
  not silently passed through: unclosed ``{``, stray ``}``, ``{}``, reserved
  operators (``= , ! @ |``), bad variable names, bad modifiers.

Value rules, where the RFC leaves room (it only knows strings): ``None`` is
undefined; ``True``/``False`` expand to ``true``/``false`` (as in JSON);
``int``, ``float``, :class:`~decimal.Decimal` and :class:`~uuid.UUID` expand
to their ``str()``; ``None`` members of a list and ``None`` values of a map are
left out, and a list or map left empty is undefined; lists and maps may only
hold such scalars. Anything else (bytes, sets, nested lists) is a
:class:`~halkit.exceptions.TemplateError`. Two deliberate leniencies: literal
characters the RFC grammar excludes but URIs can carry pct-encoded (space,
``"``, ``<``, ``>``, ``\\``, ``^``, ``|``, the backquote, a lone ``%``) are encoded
rather than refused, since real servers send them; control characters are
refused, so a template can never smuggle CR/LF into a request line. Map keys in
exploded named expansions (``{?keys*}``) are encoded like values, so a key can
never break the query apart.

URLs
----

:func:`resolve` (RFC 3986 section 5, strict), :func:`origin`,
:func:`check_scheme` and :func:`normalize`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Union
from urllib.parse import quote
from uuid import UUID

from uritemplate.variable import URIVariable

from .exceptions import TemplateError, UnsafeURLError

__all__ = [
    "expand",
    "variables",
    "validate",
    "resolve",
    "origin",
    "check_scheme",
    "normalize",
]

#: How many parsed templates :func:`expand` keeps (LRU).
TEMPLATE_CACHE_SIZE = 1024

_UNRESERVED = "A-Za-z0-9\\-._~"
_RESERVED = ":/?#\\[\\]@!$&'()*+,;="
# A lone "%" (one that starts no pct-encoded triplet) or a character that may
# not appear in a URI at all: what reserved expansion and literals encode.
_NOT_URI_CHAR = re.compile("%(?![0-9A-Fa-f]{2})|[^" + _UNRESERVED + _RESERVED + "%]")
_UNRESERVED_ONLY = re.compile("[" + _UNRESERVED + "]*\\Z")
_TRIPLET = re.compile("%[0-9A-Fa-f]{2}")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_VARNAME = re.compile(r"(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*\Z")
_VARCHAR = re.compile(r"[A-Za-z0-9_.%]")
_MAX_LENGTH = re.compile(r"[1-9][0-9]{0,3}\Z")

_OPERATORS = "+#./;?&"
_RESERVED_OPERATORS = "=,!@|"


class _Operator(NamedTuple):
    """The behaviour of one operator (RFC 6570 appendix A)."""

    first: str
    sep: str
    named: bool
    ifemp: str
    allow_reserved: bool


_BEHAVIOUR: Dict[str, _Operator] = {
    "": _Operator("", ",", False, "", False),
    "+": _Operator("", ",", False, "", True),
    "#": _Operator("#", ",", False, "", True),
    ".": _Operator(".", ".", False, "", False),
    "/": _Operator("/", "/", False, "", False),
    ";": _Operator(";", ";", True, "", False),
    "?": _Operator("?", "&", True, "=", False),
    "&": _Operator("&", "&", True, "=", False),
}

# A value once normalised: a string, a list of strings, or an ordered list of
# (key, value) pairs (which is how uritemplate accepts an ordered map).
_Value = Union[str, List[str], List[Tuple[str, str]]]


class _VarSpec:
    """One ``varname[:max-length | *]`` of an expression."""

    __slots__ = ("name", "prefix", "explode", "_engine", "_cut", "_behaviour")

    def __init__(self, operator: str, name: str, prefix: Optional[int], explode: bool) -> None:
        self.name = name
        self.prefix = prefix
        self.explode = explode
        self._behaviour = _BEHAVIOUR[operator]
        # uritemplate lays lists and maps out; the prefix is applied by halkit,
        # so uritemplate sees the bare name (and the explode flag).
        self._engine = URIVariable(operator + name + ("*" if explode else ""))
        self._cut = len(self._behaviour.first)

    def render(self, operator: str, value: _Value) -> Optional[str]:
        """Expand one defined, normalised value, without the operator's ``first`` string."""
        if isinstance(value, str):
            # The hot path (ids, page numbers): a string is one quote() away
            # from its expansion, so halkit does it without uritemplate's
            # per-call dispatch (tests check both agree). Reserved expansion
            # values were encoded by _normalise already.
            behaviour = self._behaviour
            text = value if behaviour.allow_reserved else _quote_unreserved(value)
            if not behaviour.named:
                return text
            return self.name + ("=" + text if text else behaviour.ifemp)
        if operator == ";" and self.explode:
            return _semicolon_explode(self.name, value)
        if self._behaviour.allow_reserved:
            return _reserved_composite(value, self.explode)
        # an ordered map goes in as a list of pairs: uritemplate supports that
        # at run time (it keeps their order) though its annotations omit it
        pairs_or_list: Any = value
        out: str = self._engine.expand({self.name: pairs_or_list})[self._engine.original]
        if self._cut and not out:  # defensive: uritemplate found nothing to expand
            return None
        return out[self._cut :]


class _Expression:
    """One ``{...}`` of a template."""

    __slots__ = ("operator", "behaviour", "specs")

    def __init__(self, operator: str, specs: Tuple[_VarSpec, ...]) -> None:
        self.operator = operator
        self.behaviour = _BEHAVIOUR[operator]
        self.specs = specs

    def expand(self, values: Mapping[str, Any], template: str) -> str:
        pieces: List[str] = []
        for spec in self.specs:
            value = _normalise(values.get(spec.name), spec, self, template)
            if value is None:
                continue
            piece = spec.render(self.operator, value)
            if piece is not None:
                pieces.append(piece)
        if not pieces:
            return ""
        return self.behaviour.first + self.behaviour.sep.join(pieces)


class _Template(NamedTuple):
    parts: Tuple[Union[str, _Expression], ...]
    names: Tuple[str, ...]


# --------------------------------------------------------------------------
# Parsing and validation


def _shown(template: str) -> str:
    text = template if len(template) <= 200 else template[:197] + "..."
    return repr(text)


def _error(template: str, problem: str) -> TemplateError:
    return TemplateError(f"invalid URI template {_shown(template)}: {problem}")


def _parse_varspec(template: str, operator: str, text: str, where: int) -> _VarSpec:
    name, explode, prefix = text, False, None
    if ":" in text:
        name, _, modifier = text.partition(":")
        if modifier.endswith("*") or name.endswith("*"):
            raise _error(
                template,
                f"variable {name.rstrip('*')!r} at position {where} has both a prefix and an "
                "explode modifier (RFC 6570 allows one or the other)",
            )
        if not _MAX_LENGTH.match(modifier):
            raise _error(
                template,
                f"prefix modifier {':' + modifier!r} at position {where} must be an integer from 1 to 9999",
            )
        prefix = int(modifier)
    elif text.endswith("*"):
        name, explode = text[:-1], True
    if not name:
        raise _error(template, f"empty variable name at position {where}")
    if not _VARNAME.match(name):
        bad = next((c for c in name if not _VARCHAR.match(c)), None)
        if bad is not None:
            problem = f"invalid character {bad!r} in variable name {name!r}"
        else:
            problem = f"malformed variable name {name!r} (misplaced '.' or bad pct-encoding)"
        raise _error(template, f"{problem} at position {where}")
    return _VarSpec(operator, name, prefix, explode)


def _parse_expression(template: str, body: str, start: int) -> _Expression:
    if not body:
        raise _error(template, f"empty expression '{{}}' at position {start}")
    operator, offset = "", start + 1
    if body[0] in _OPERATORS:
        operator, offset = body[0], offset + 1
    elif body[0] in _RESERVED_OPERATORS:
        raise _error(
            template,
            f"operator {body[0]!r} at position {start + 1} is reserved for future extensions (RFC 6570 section 2.2)",
        )
    var_list = body[len(operator) :]
    if not var_list:
        raise _error(template, f"expression {'{' + body + '}'!r} at position {start} has no variable")
    specs = []
    for text in var_list.split(","):
        specs.append(_parse_varspec(template, operator, text, offset))
        offset += len(text) + 1
    return _Expression(operator, tuple(specs))


def _quote_unreserved(text: str) -> str:
    """Pct-encode everything but the unreserved characters (UTF-8)."""
    if _UNRESERVED_ONLY.match(text):
        return text
    return quote(text, safe="")


def _encode_uri_chars(text: str) -> str:
    """Pct-encode what a URI cannot carry; keep reserved, unreserved and triplets."""
    if not _NOT_URI_CHAR.search(text):
        return text
    return _NOT_URI_CHAR.sub(lambda m: quote(m.group(), safe=""), text)


@functools.lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _parse(template: str) -> _Template:
    parts: List[Union[str, _Expression]] = []
    names: Dict[str, None] = {}
    pos, length = 0, len(template)
    while pos < length:
        brace = template.find("{", pos)
        end = length if brace < 0 else brace
        literal = template[pos:end]
        if literal:
            stray = literal.find("}")
            if stray >= 0:
                raise _error(template, f"stray '}}' at position {pos + stray}")
            control = _CONTROL.search(literal)
            if control:
                raise _error(
                    template,
                    f"control character {control.group()!r} at position {pos + control.start()}",
                )
            try:
                parts.append(_encode_uri_chars(literal))
            except UnicodeError as exc:
                raise _error(template, "the template is not valid Unicode text") from exc
        if brace < 0:
            break
        close = template.find("}", brace + 1)
        reopen = template.find("{", brace + 1)
        if close < 0 or 0 <= reopen < close:
            raise _error(template, f"unclosed '{{' at position {brace}")
        expression = _parse_expression(template, template[brace + 1 : close], brace)
        parts.append(expression)
        for spec in expression.specs:
            names.setdefault(spec.name)
        pos = close + 1
    return _Template(tuple(parts), tuple(names))


def _parsed(template: str) -> _Template:
    if not isinstance(template, str):
        raise TemplateError(f"a URI template must be a str, not {type(template).__name__}")
    return _parse(template)


# --------------------------------------------------------------------------
# Values


def _scalar(value: Any) -> Optional[str]:
    """The string form of a scalar value, or ``None`` if ``value`` is not a scalar."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):  # str subclasses (StrEnum...): their data, not their __str__
        return str.__str__(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)  # IntEnum members too: the number
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    return None


def _type_error(template: str, name: str, what: str) -> TemplateError:
    return TemplateError(
        f"cannot expand URI template {_shown(template)}: variable {name!r} {what}; "
        "values must be str, int, float, bool, Decimal, UUID or None, or a list or "
        "mapping of those"
    )


def _truncate(text: str, length: int, keep_triplets: bool) -> str:
    if len(text) <= length:
        return text
    if not keep_triplets or "%" not in text:
        return text[:length]
    index = count = 0
    while index < len(text) and count < length:
        index += 3 if _TRIPLET.match(text, index) else 1
        count += 1
    return text[:index]


def _normalise(value: Any, spec: _VarSpec, expr: _Expression, template: str) -> Optional[_Value]:
    if value is None:
        return None
    reserved = expr.behaviour.allow_reserved
    text = _scalar(value)
    if text is not None:
        if spec.prefix is not None:
            text = _truncate(text, spec.prefix, reserved)
        return _encode_uri_chars(text) if reserved else text
    composite = isinstance(value, (Mapping, list, tuple))
    if composite and spec.prefix is not None:
        raise TemplateError(
            f"cannot expand URI template {_shown(template)}: the prefix modifier of "
            f"{spec.name!r} does not apply to a {'map' if isinstance(value, Mapping) else 'list'} "
            "value (RFC 6570 section 2.4.1)"
        )
    encode: Callable[[str], str] = _encode_uri_chars if reserved else str
    if isinstance(value, Mapping):
        pairs: List[Tuple[str, str]] = []
        for key, member in value.items():
            if member is None:
                continue
            key_text, member_text = _scalar(key), _scalar(member)
            if key_text is None or member_text is None:
                raise _type_error(template, spec.name, "is a mapping with a non-scalar key or value")
            pairs.append((encode(key_text), encode(member_text)))
        return pairs or None
    if isinstance(value, (list, tuple)):
        items: List[str] = []
        for member in value:
            if member is None:
                continue
            member_text = _scalar(member)
            if member_text is None:
                raise _type_error(template, spec.name, "is a list with a non-scalar member")
            items.append(encode(member_text))
        return items or None
    raise _type_error(template, spec.name, f"is a {type(value).__name__}")


def _semicolon_explode(name: str, value: Union[List[str], List[Tuple[str, str]]]) -> str:
    """``{;name*}``: ``name=v`` (or ``key=v``) per member, ``name`` alone when ``v`` is empty."""
    parts = []
    for member in value:
        if isinstance(member, tuple):
            key, text = quote(member[0], safe=""), member[1]
        else:
            key, text = name, member
        parts.append(f"{key}={quote(text, safe='')}" if text else key)
    return ";".join(parts)


def _reserved_composite(value: Union[List[str], List[Tuple[str, str]]], explode: bool) -> str:
    """``{+name}`` and ``{#name}`` of a list or map whose members _normalise encoded.

    uritemplate 4.1 pct-encodes the ``%`` of such members again (``%2F`` becomes
    ``%252F``); 4.2 does not. Doing the layout here keeps halkit right on both.
    """
    pair = "=" if explode else ","
    return ",".join(pair.join(member) if isinstance(member, tuple) else member for member in value)


# --------------------------------------------------------------------------
# Public template API


def validate(template: str) -> None:
    """Check that ``template`` is a well-formed RFC 6570 (level 4) URI template.

    :param template: the template text.
    :raises halkit.exceptions.TemplateError: the template is malformed: an
        unclosed ``{`` or stray ``}``, an empty expression, a reserved operator,
        an invalid variable name, a bad prefix (``:n`` with n outside 1-9999) or
        explode modifier, or a control character. The message names the
        template and the problem.

    Parsed templates are cached, so validating a template that is then
    expanded costs nothing extra.
    """
    _parsed(template)


def variables(template: str) -> List[str]:
    """The variable names of ``template``, in order of first appearance, without duplicates.

    :param template: the template text.
    :returns: a new list of names, e.g. ``["id", "page"]`` for ``"/items{/id}{?page}"``.
    :raises halkit.exceptions.TemplateError: the template is malformed.
    """
    return list(_parsed(template).names)


def expand(template: str, variables: Optional[Mapping[str, Any]] = None, /, **kw: Any) -> str:
    """Expand an RFC 6570 URI template (levels 1 to 4).

    :param template: the template, e.g. ``"/orders{/id}{?page,size}"``.
    :param variables: the values, by variable name. Keyword arguments are
        merged over it (so ``template`` and ``variables`` can be variable
        names too: pass them in the mapping).
    :param kw: more values.
    :returns: the expanded URI reference. Undefined variables (missing,
        ``None``, empty list, empty map) are left out.
    :raises halkit.exceptions.TemplateError: the template is malformed, a
        prefix modifier meets a list or map value, or a value has an
        unsupported type.

    Example::

        >>> expand("/orders{/id}{?page,tags*}", id=7, page=2, tags=["a", "b"])
        '/orders/7?page=2&tags=a&tags=b'
    """
    parsed = _parsed(template)
    if variables is None:
        values: Mapping[str, Any] = kw
    elif not isinstance(variables, Mapping):
        raise TemplateError(
            f"cannot expand URI template {_shown(template)}: variables must be a mapping, "
            f"not {type(variables).__name__}"
        )
    elif kw:
        values = {**variables, **kw}
    else:
        values = variables
    try:
        return "".join(part if isinstance(part, str) else part.expand(values, template) for part in parsed.parts)
    except TemplateError:
        raise
    except (UnicodeError, ValueError, TypeError, KeyError, LookupError, AttributeError) as exc:
        raise TemplateError(
            f"cannot expand URI template {_shown(template)}: {type(exc).__name__} "
            "while expanding the values (a value that is not valid Unicode text?)"
        ) from exc


# --------------------------------------------------------------------------
# URLs

# RFC 3986 appendix B, with the scheme restricted to the RFC's own grammar so
# that a relative path like "a b:c" is not taken for a scheme.
_URI_REFERENCE = re.compile(
    r"(?:([A-Za-z][A-Za-z0-9+.\-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?\Z",
    re.DOTALL,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Parts(NamedTuple):
    scheme: Optional[str]
    authority: Optional[str]
    path: str
    query: Optional[str]
    fragment: Optional[str]


def _split(url: str) -> _Parts:
    match = _URI_REFERENCE.match(url)
    assert match is not None  # every string matches: each group is optional
    scheme, authority, path, query, fragment = match.groups()
    return _Parts(scheme, authority, path, query, fragment)


def _join(parts: _Parts) -> str:
    """RFC 3986 section 5.3: recompose a reference."""
    out = []
    if parts.scheme is not None:
        out.append(parts.scheme + ":")
    if parts.authority is not None:
        out.append("//" + parts.authority)
    out.append(parts.path)
    if parts.query is not None:
        out.append("?" + parts.query)
    if parts.fragment is not None:
        out.append("#" + parts.fragment)
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    if "." not in path:
        return path
    output: List[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith("./"):
            path = path[2:]
        elif path.startswith("/./"):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if output:
                output.pop()
        elif path == "/..":
            path = "/"
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            cut = path.find("/", 1)
            if cut < 0:
                cut = len(path)
            output.append(path[:cut])
            path = path[cut:]
    return "".join(output)


def _require_str(url: Any, what: str) -> str:
    if not isinstance(url, str):
        raise UnsafeURLError(f"{what} must be a str, not {type(url).__name__}")
    return url


def resolve(base: Optional[str], ref: str) -> str:
    """Resolve a URI reference against a base URI (RFC 3986 section 5.2, strict).

    Unlike :func:`urllib.parse.urljoin` this works for every scheme, keeps
    empty queries and fragments (``g?`` resolves to ``.../g?``), drops the
    base's fragment, and reads ``http:g`` as an absolute URI, as the RFC does.

    :param base: the base URI (normally the URL the document came from), or
        ``None``.
    :param ref: the reference, e.g. an ``href`` from a HAL document.
    :returns: the target URI; ``ref`` unchanged when ``base`` is ``None``.
    :raises halkit.exceptions.UnsafeURLError: ``base`` or ``ref`` is not a str.
    """
    _require_str(ref, "a URI reference")
    if base is None:
        return ref
    if type(base) is str and ref.startswith(("http://", "https://")) and "/." not in ref:
        # an absolute http(s) reference without dot segments resolves to itself
        # (the common case: servers send absolute hrefs); skip the split and join
        return ref
    b = _split(_require_str(base, "a base URI"))
    r = _split(ref)
    if r.scheme is not None:
        target = _Parts(r.scheme, r.authority, _remove_dot_segments(r.path), r.query, r.fragment)
    elif r.authority is not None:
        target = _Parts(b.scheme, r.authority, _remove_dot_segments(r.path), r.query, r.fragment)
    elif not r.path:
        query = r.query if r.query is not None else b.query
        target = _Parts(b.scheme, b.authority, b.path, query, r.fragment)
    else:
        if r.path.startswith("/"):
            path = r.path
        elif b.authority is not None and not b.path:
            path = "/" + r.path
        else:
            path = b.path[: b.path.rfind("/") + 1] + r.path
        target = _Parts(b.scheme, b.authority, _remove_dot_segments(path), r.query, r.fragment)
    return _join(target)


def _redacted(url: str) -> str:
    """A URL fit for an error message: no userinfo, query or fragment."""
    parts = _split(url)
    authority = parts.authority
    if authority is not None:
        authority = authority.rpartition("@")[2]
    shown = _join(_Parts(parts.scheme, authority, parts.path, None, None))
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return repr(shown)


def _host_and_port(authority: str) -> Tuple[str, str]:
    """Split ``[userinfo@]host[:port]``; IPv6 literals lose their brackets."""
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise ValueError("unclosed '[' in the host")
        rest = hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError("unexpected text after the IPv6 address")
        return hostport[1:end], rest[1:]
    host, _, port = hostport.partition(":")
    return host, port


def check_scheme(url: str) -> None:
    """Refuse a URL halkit must not request: anything but an absolute ``http(s)`` URL.

    ``file:``, ``data:``, ``javascript:``, ``ftp:``... are refused, and so is
    a relative reference that was never resolved (it has no scheme), a URL
    without a host (``http:g``), and a URL with control characters in it.

    :param url: the URL about to be requested.
    :raises halkit.exceptions.UnsafeURLError: the URL is refused. The message
        never includes userinfo, query or fragment.
    """
    _require_str(url, "a URL")
    if _CONTROL.search(url):
        raise UnsafeURLError(f"refusing URL {_redacted(url)}: it contains control characters")
    parts = _split(url)
    if parts.scheme is None:
        raise UnsafeURLError(
            f"refusing URL {_redacted(url)}: it has no scheme (a relative reference that "
            "was never resolved against a base URL?); only http and https are allowed"
        )
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeURLError(f"refusing {scheme + ':'!r} URL: only http and https URLs are allowed")
    if not parts.authority or not parts.authority.rpartition("@")[2]:
        raise UnsafeURLError(f"refusing URL {_redacted(url)}: it has no host")


def origin(url: str) -> Tuple[str, str, int]:
    """The origin of an ``http(s)`` URL: ``(scheme, host, port)``.

    Scheme and host are lowercased, IPv6 hosts lose their brackets, and the
    port defaults to 80 or 443 for the scheme.

    :param url: an absolute http or https URL.
    :returns: e.g. ``("https", "api.example.com", 443)``.
    :raises halkit.exceptions.UnsafeURLError: the URL is not an absolute
        http(s) URL (see :func:`check_scheme`), or its port is not a number
        from 0 to 65535.
    """
    check_scheme(url)
    parts = _split(url)
    assert parts.scheme is not None and parts.authority is not None  # check_scheme did it
    scheme = parts.scheme.lower()
    try:
        host, port_text = _host_and_port(parts.authority)
    except ValueError as exc:
        raise UnsafeURLError(f"refusing URL {_redacted(url)}: {exc}") from None
    if not host:
        raise UnsafeURLError(f"refusing URL {_redacted(url)}: it has no host")
    if not port_text:
        return scheme, host.lower(), _DEFAULT_PORTS[scheme]
    if not (port_text.isascii() and port_text.isdigit()) or int(port_text) > 65535:
        raise UnsafeURLError(f"refusing URL {_redacted(url)}: invalid port {port_text!r}")
    return scheme, host.lower(), int(port_text)


def _normalise_pct(text: str) -> str:
    """Encode what a URI cannot carry, uppercase every triplet, decode unreserved ones."""
    text = _encode_uri_chars(text)
    if "%" not in text:
        return text
    return _TRIPLET.sub(_normalise_triplet, text)


def _normalise_triplet(match: "re.Match[str]") -> str:
    char = chr(int(match.group()[1:], 16))
    if char.isascii() and (char.isalnum() or char in "-._~"):
        return char
    return match.group().upper()


def normalize(url: str) -> str:
    """A normal form of ``url`` for spotting the same resource twice (e.g. cycles in a crawl).

    Applies RFC 3986 section 6.2.2 syntax-based normalisation plus the
    http(s) scheme-based rules of section 6.2.3: lowercase scheme and host;
    pct-encoding with uppercase hex, unreserved characters decoded, and
    characters a URI cannot carry (spaces, non-ASCII) encoded as UTF-8;
    dot segments removed from the path of an absolute URI; the default port
    (80 for http, 443 for https) and an empty port dropped; an empty path
    becomes ``/``; the fragment is dropped. The query keeps its order and its
    ``+`` signs (an empty query, ``?``, is kept: RFC 3986 says it differs
    from none).

    :param url: an absolute or relative URI reference.
    :returns: the normal form. Never raises for a str: unparseable ports are
        kept as they are.
    :raises halkit.exceptions.UnsafeURLError: ``url`` is not a str.
    """
    parts = _split(_require_str(url, "a URL"))
    scheme = parts.scheme.lower() if parts.scheme is not None else None
    authority = parts.authority
    path = _normalise_pct(parts.path)
    if authority is not None:
        userinfo, at, _ = authority.rpartition("@")
        try:
            host, port = _host_and_port(authority)
            bracketed = authority.rpartition("@")[2].startswith("[")
        except ValueError:
            host, port, bracketed = authority.rpartition("@")[2], "", False
        # decode first (%45 is "E"), then lowercase all but the triplets' hex
        host = _TRIPLET.sub(lambda m: m.group().upper(), _normalise_pct(host).lower())
        if bracketed:
            host = "[" + host + "]"
        if port.isascii() and port.isdigit():
            port = "" if int(port) == _DEFAULT_PORTS.get(scheme or "") else str(int(port))
        authority = (_normalise_pct(userinfo) + "@" if at else "") + host + (":" + port if port else "")
        if not path:
            path = "/"
    if scheme is not None:
        path = _remove_dot_segments(path)
    query = _normalise_pct(parts.query) if parts.query is not None else None
    return _join(_Parts(scheme, authority, path, query, None))
