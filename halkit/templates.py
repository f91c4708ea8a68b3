"""URI templates (RFC 6570): :func:`expand`, :func:`variables`, :func:`validate`.

:func:`expand`, :func:`variables` and :func:`validate` implement RFC 6570 up
to level 4 on top of the ``uritemplate`` package, through its public API only.
halkit parses and checks every template itself (``uritemplate`` accepts almost
anything) and caches the result, normalises the values, and has a one-expression
:class:`uritemplate.URITemplate` (made once per variable, on its first list or map value) lay
out lists and maps for the operators where ``uritemplate`` follows the RFC. A string
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

URLs (RFC 3986: resolution, normalisation, origins) are :mod:`halkit.urls`.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Union
from urllib.parse import quote

from .exceptions import TemplateError
from .urls import CONTROL_CHARS as _CONTROL
from .urls import PCT_TRIPLET as _TRIPLET
from .urls import encode_uri_chars as _encode_uri_chars

__all__ = ["expand", "validate", "variables"]

#: How many parsed templates :func:`expand` keeps (LRU).
TEMPLATE_CACHE_SIZE = 1024

_UNRESERVED_ONLY = re.compile("[A-Za-z0-9\\-._~]*\\Z")
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
        # uritemplate lays lists and maps out, through its public API: a
        # one-expression template, made on the first list or map value (so
        # that `import halkit` does not import uritemplate). The prefix is
        # applied by halkit, so uritemplate sees the bare name (and the explode flag).
        self._engine: Any = None
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
        engine = self._engine
        if engine is None:
            from uritemplate import URITemplate

            explode = "*" if self.explode else ""
            engine = self._engine = URITemplate("{" + operator + self.name + explode + "}")
        out: str = engine.expand({self.name: pairs_or_list})
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
    # Decimal and UUID, without importing their modules (uuid costs ~5 ms at
    # import time): a value of those types exists only once its module is loaded
    decimal, uuid = sys.modules.get("decimal"), sys.modules.get("uuid")
    if (decimal is not None and isinstance(value, decimal.Decimal)) or (
        uuid is not None and isinstance(value, uuid.UUID)
    ):
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
