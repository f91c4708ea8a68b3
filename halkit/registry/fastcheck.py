"""A compiled yes/no validity check for the JSON Schemas profiles generate.

jsonschema builds an error object for every failure and walks every keyword
through its generic machinery, which is what a profile needs to *explain* a
broken document, and far more than it needs to tell that a document conforms.
:func:`compile_check` turns a schema, once, into a tree of small closures that
answer only "valid?": one closure per schema node, keywords fused, ``allOf``
flattened, ``$ref`` compiled once per target (so recursive schemas work).

The check is an accelerator, never an authority. It supports a fixed keyword
set (:data:`SUPPORTED`); a schema that applies any other keyword jsonschema
knows compiles to ``None``, and its documents always go to jsonschema.
Keywords jsonschema ignores (annotations, the ``x-halkit-*`` markers) are
ignored here too; halkit's custom keywords (:data:`halkit.registry.keywords.KEYWORDS`)
compile to the predicate each keyword defines, the one its jsonschema
function also calls. Each supported keyword
mirrors jsonschema's own implementation (``jsonschema._keywords``): the same
type checker (an integral float is an ``integer``; ``bool`` is never a number;
only ``dict`` is an object, only ``list`` an array), the same equality for
``enum``, ``const`` and ``uniqueItems`` (``True`` is not ``1``), ``re.search`` for ``pattern``,
and the profile's own :class:`jsonschema.FormatChecker` for ``format``.

:meth:`halkit.Profile.validate` runs the check first and returns no
violations when it passes; otherwise (or when the check raises) jsonschema
runs as it always did and produces the violations. So a document's result is
the same whether or not a check could be compiled; the check only makes the
common case, a conforming document, several times cheaper.

Imports referencing: :mod:`halkit.registry` loads this module only when a
profile is validated.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Collection, Dict, FrozenSet, List, Optional, Tuple
from urllib.parse import urljoin

import referencing.exceptions

from .keywords import KEYWORDS

__all__ = ["Check", "SUPPORTED", "compile_check"]

#: A compiled check: ``True`` when the instance is valid against the schema.
Check = Callable[[Any], bool]

#: The validation keywords a schema may apply and still be compiled.
SUPPORTED: FrozenSet[str] = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "const",
        "format",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        *KEYWORDS,
    }
)


class _Unsupported(Exception):
    """The schema uses something the compiler does not handle: use jsonschema."""


def _valid(instance: Any) -> bool:
    return True


def _invalid(instance: Any) -> bool:
    return False


# -- the jsonschema type checker and equality, mirrored ----------------------


def _is_integer(instance: Any) -> bool:
    if isinstance(instance, int):
        return not isinstance(instance, bool)
    return isinstance(instance, float) and instance.is_integer()


def _is_number(instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    return isinstance(instance, (int, float)) or isinstance(instance, numbers.Number)


def _is_object(instance: Any) -> bool:
    return isinstance(instance, dict)


def _is_array(instance: Any) -> bool:
    return isinstance(instance, list)


def _is_string(instance: Any) -> bool:
    return isinstance(instance, str)


def _is_boolean(instance: Any) -> bool:
    return isinstance(instance, bool)


def _is_null(instance: Any) -> bool:
    return instance is None


_TYPES: Dict[str, Check] = {
    "object": _is_object,
    "array": _is_array,
    "string": _is_string,
    "integer": _is_integer,
    "number": _is_number,
    "boolean": _is_boolean,
    "null": _is_null,
}

_TRUE = object()
_FALSE = object()


def _unbool(value: Any) -> Any:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def _equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema's ``equal``: ``True`` is not ``1``, recursively."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        if len(one) != len(two):
            return False
        return all(key in two and _equal(value, two[key]) for key, value in one.items())
    return bool(_unbool(one) == _unbool(two))


# -- combinators ---------------------------------------------------------------


def _all(checks: List[Check]) -> Check:
    if not checks:
        return _valid
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks

        def both(instance: Any) -> bool:
            return first(instance) and second(instance)

        return both
    frozen = tuple(checks)

    def every(instance: Any) -> bool:
        for check in frozen:
            if not check(instance):
                return False
        return True

    return every


def _type_check(value: Any) -> Check:
    names = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else None
    if names is None or not all(isinstance(name, str) and name in _TYPES for name in names):
        raise _Unsupported("type")
    if len(names) == 1:
        return _TYPES[names[0]]
    if set(names) == {"object", "array"}:

        def object_or_array(instance: Any) -> bool:
            return isinstance(instance, (dict, list))

        return object_or_array
    checks = tuple(_TYPES[name] for name in names)

    def any_type(instance: Any) -> bool:
        for check in checks:
            if check(instance):
                return True
        return False

    return any_type


def _type_names(value: Any) -> FrozenSet[str]:
    return frozenset([value] if isinstance(value, str) else value)


def _either(object_check: Check, array_check: Check) -> Check:
    def object_or_array(instance: Any) -> bool:
        if isinstance(instance, dict):
            return object_check(instance)
        if isinstance(instance, list):
            return array_check(instance)
        return False

    return object_or_array


def _enum_check(values: Any) -> Check:
    if not isinstance(values, list):
        raise _Unsupported("enum")
    if values and all(type(v) is str for v in values):
        strings = frozenset(values)

        def string_enum(instance: Any) -> bool:
            if type(instance) is str:
                return instance in strings
            return any(_equal(value, instance) for value in values)

        return string_enum

    def enum(instance: Any) -> bool:
        return any(_equal(value, instance) for value in values)

    return enum


def _const_check(expected: Any) -> Check:
    if expected is True or expected is False or expected is None:

        def singleton(instance: Any) -> bool:
            return instance is expected

        return singleton

    def const(instance: Any) -> bool:
        return _equal(instance, expected)

    return const


def _number_check(schema: Dict[str, Any]) -> Optional[Check]:
    bounds = [
        (key, schema[key]) for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") if key in schema
    ]
    if not bounds:
        return None
    for key, bound in bounds:
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise _Unsupported(key)
    low = schema.get("minimum")
    high = schema.get("maximum")
    low_x = schema.get("exclusiveMinimum")
    high_x = schema.get("exclusiveMaximum")

    def number(instance: Any) -> bool:
        if not _is_number(instance):
            return True
        if low is not None and instance < low:
            return False
        if high is not None and instance > high:
            return False
        if low_x is not None and instance <= low_x:
            return False
        return not (high_x is not None and instance >= high_x)

    return number


def _string_check(schema: Dict[str, Any]) -> Optional[Check]:
    min_length = schema.get("minLength")
    max_length = schema.get("maxLength")
    pattern = schema.get("pattern")
    if min_length is None and max_length is None and pattern is None:
        return None
    for key, value in (("minLength", min_length), ("maxLength", max_length)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _Unsupported(key)
    if pattern is not None and not isinstance(pattern, str):
        raise _Unsupported("pattern")
    try:
        search = re.compile(pattern).search if pattern is not None else None
    except re.error as exc:
        raise _Unsupported("pattern") from exc

    def string(instance: Any) -> bool:
        if not isinstance(instance, str):
            return True
        if min_length is not None and len(instance) < min_length:
            return False
        if max_length is not None and len(instance) > max_length:
            return False
        return search is None or search(instance) is not None

    return string


def _unique(items: List[Any]) -> bool:
    """Whether an array's items are unique, as jsonschema's ``uniq`` tells it.

    The same algorithm, so the verdicts agree even where it is approximate:
    sort the items (``True``/``False`` made incomparable with numbers) and
    compare neighbours with :func:`_equal`; items that do not sort (objects,
    mixed types) are compared pairwise. ``1`` and ``1.0`` are equal, ``True``
    and ``1`` are not, arrays and objects compare deeply.
    """
    try:
        ordered = sorted(_unbool(item) for item in items)
        for one, two in zip(ordered, ordered[1:]):
            if _equal(one, two):
                return False
    except (NotImplementedError, TypeError):
        seen: List[Any] = []
        for item in items:
            item = _unbool(item)
            for other in seen:
                if _equal(other, item):
                    return False
            seen.append(item)
    return True


def _count(value: Any, key: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unsupported(key)
    return value


# -- the compiler --------------------------------------------------------------


class _Compiler:
    def __init__(self, resolver: Any, format_checker: Any, keywords: FrozenSet[str]) -> None:
        self._resolver = resolver
        self._checkers: Mapping[str, Tuple[Callable[[Any], Any], Any]] = (
            format_checker.checkers if format_checker is not None else {}
        )
        self._keywords = keywords
        self._refs: Dict[str, Check] = {}

    def compile(self, node: Any, base: str, *, root: bool = False) -> Check:
        if node is True:
            return _valid
        if node is False:
            return _invalid
        if not isinstance(node, dict):
            raise _Unsupported("a schema that is neither an object nor a boolean")
        if "$id" in node:
            # a resource's root moves the base URI; an $id nested deeper (an
            # embedded resource) is left to jsonschema and referencing
            if not root or not isinstance(node["$id"], str):
                raise _Unsupported("$id")
            base = urljoin(base, node["$id"])
        for key in node:
            if key in self._keywords and key not in SUPPORTED:
                raise _Unsupported(key)
        return self._node(node, base)

    def _node(self, node: Dict[str, Any], base: str) -> Check:
        checks: List[Check] = []
        type_check = _type_check(node["type"]) if "type" in node else None
        kinds = _type_names(node["type"]) if "type" in node else frozenset()
        # a check of the object (array) keywords that also demands an object (array)
        # makes the type check redundant; an object-or-array node dispatches on the type
        object_check = self._object_check(node, base, fused=kinds == {"object"})
        array_check = self._array_check(node, base, fused=kinds == {"array"})
        if object_check is not None and array_check is not None and kinds == {"object", "array"}:
            checks.append(_either(object_check, array_check))
        else:
            covered = (kinds == {"object"} and object_check is not None) or (
                kinds == {"array"} and array_check is not None
            )
            if type_check is not None and not covered:
                checks.append(type_check)
            checks.extend(check for check in (object_check, array_check) if check is not None)
        for partial in (_number_check(node), _string_check(node)):
            if partial is not None:
                checks.append(partial)
        if "enum" in node:
            checks.append(_enum_check(node["enum"]))
        if "const" in node:
            checks.append(_const_check(node["const"]))
        if "format" in node:
            checks.extend(self._format_check(node["format"]))
        for name, keyword in KEYWORDS.items():
            if name in node:
                try:
                    checks.append(keyword.predicate(node[name]))
                except ValueError as exc:
                    raise _Unsupported(name) from exc
        checks.extend(self._applicators(node, base))
        return _all(checks)

    def _format_check(self, fmt: Any) -> List[Check]:
        if not isinstance(fmt, str):
            raise _Unsupported("format")
        found = self._checkers.get(fmt)
        if found is None:
            return []  # an unknown format passes, as in jsonschema
        func, raises = found

        def format_check(instance: Any) -> bool:
            try:
                return bool(func(instance))
            except raises:
                return False

        return [format_check]

    def _subschemas(self, value: Any, base: str, key: str) -> List[Check]:
        if not isinstance(value, list) or not value:
            raise _Unsupported(key)
        return [self.compile(item, base) for item in value]

    def _applicators(self, node: Dict[str, Any], base: str) -> List[Check]:
        checks: List[Check] = []
        if "$ref" in node:
            checks.append(self._ref(node["$ref"], base))
        if "allOf" in node:
            checks.extend(self._subschemas(node["allOf"], base, "allOf"))
        if "anyOf" in node:
            options = tuple(self._subschemas(node["anyOf"], base, "anyOf"))

            def any_of(instance: Any) -> bool:
                for option in options:
                    if option(instance):
                        return True
                return False

            checks.append(any_of)
        if "oneOf" in node:
            alternatives = tuple(self._subschemas(node["oneOf"], base, "oneOf"))

            def one_of(instance: Any) -> bool:
                matched = 0
                for alternative in alternatives:
                    if alternative(instance):
                        matched += 1
                        if matched > 1:
                            return False
                return matched == 1

            checks.append(one_of)
        if "not" in node:
            negated = self.compile(node["not"], base)

            def not_(instance: Any) -> bool:
                return not negated(instance)

            checks.append(not_)
        if "if" in node and ("then" in node or "else" in node):
            condition = self.compile(node["if"], base)
            then = self.compile(node["then"], base) if "then" in node else _valid
            otherwise = self.compile(node["else"], base) if "else" in node else _valid

            def if_then_else(instance: Any) -> bool:
                return then(instance) if condition(instance) else otherwise(instance)

            checks.append(if_then_else)
        return checks

    def _ref(self, ref: Any, base: str) -> Check:
        if not isinstance(ref, str):
            raise _Unsupported("$ref")
        target = urljoin(base, ref)
        if target.endswith("#"):
            target = target[:-1]
        known = self._refs.get(target)
        if known is not None:
            return known
        cell: List[Check] = []

        def deferred(instance: Any) -> bool:  # a recursive reference, resolved below
            return cell[0](instance)

        self._refs[target] = deferred
        try:
            contents = self._resolver.lookup(target).contents
        except referencing.exceptions.Unresolvable as exc:
            raise _Unsupported("$ref") from exc
        document, _, fragment = target.partition("#")
        compiled = self.compile(contents, document, root=not fragment)
        cell.append(compiled)
        self._refs[target] = compiled
        return compiled

    def _object_check(self, node: Dict[str, Any], base: str, *, fused: bool) -> Optional[Check]:
        has = [key for key in ("required", "properties", "additionalProperties") if key in node]
        if not has:
            return None
        required = node.get("required", [])
        if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
            raise _Unsupported("required")
        properties = node.get("properties", {})
        if not isinstance(properties, dict):
            raise _Unsupported("properties")
        checks = {name: self.compile(sub, base) for name, sub in properties.items()}
        checks = {name: check for name, check in checks.items() if check is not _valid}
        additional: Optional[Check] = None
        if "additionalProperties" in node:
            additional = self.compile(node["additionalProperties"], base)
            if additional is _valid:
                additional = None
        names = tuple(dict.fromkeys(required))
        on_other = not fused  # not an object: valid, unless this node also demands "object"

        if additional is None and not checks:

            def required_only(instance: Any) -> bool:
                if not isinstance(instance, dict):
                    return on_other
                for name in names:
                    if name not in instance:
                        return False
                return True

            return required_only

        required_names = frozenset(names)
        get = checks.get

        def object_(instance: Any) -> bool:
            if not isinstance(instance, dict):
                return on_other
            if not instance.keys() >= required_names:
                return False
            for key, value in instance.items():
                check = get(key)
                if check is None:
                    if additional is not None and key not in properties and not additional(value):
                        return False
                elif not check(value):
                    return False
            return True

        return object_

    def _array_check(self, node: Dict[str, Any], base: str, *, fused: bool) -> Optional[Check]:
        has = [key for key in ("items", "prefixItems", "minItems", "maxItems", "uniqueItems") if key in node]
        if not has:
            return None
        prefix: Tuple[Check, ...] = ()
        if "prefixItems" in node:
            prefix = tuple(self._subschemas(node["prefixItems"], base, "prefixItems"))
        items = self.compile(node["items"], base) if "items" in node else None
        if items is _valid:
            items = None
        min_items = _count(node.get("minItems"), "minItems")
        max_items = _count(node.get("maxItems"), "maxItems")
        unique = node.get("uniqueItems", False)
        if not isinstance(unique, bool):
            raise _Unsupported("uniqueItems")
        skip = len(prefix)
        on_other = not fused

        def array(instance: Any) -> bool:
            if not isinstance(instance, list):
                return on_other
            size = len(instance)
            if min_items is not None and size < min_items:
                return False
            if max_items is not None and size > max_items:
                return False
            for check, item in zip(prefix, instance):
                if not check(item):
                    return False
            if items is not None:
                for index in range(skip, size):
                    if not items(instance[index]):
                        return False
            return not unique or size < 2 or _unique(instance)

        return array


def compile_check(schema: Any, resolver: Any, format_checker: Any, keywords: Collection[str]) -> Optional[Check]:
    """Compile a schema into a validity check, or return ``None`` when it cannot be.

    :param schema: a JSON Schema 2020-12 (its ``$id``, if any, is its base URI).
    :param resolver: a :class:`referencing.Resolver` that finds every ``$ref`` target.
    :param format_checker: the :class:`jsonschema.FormatChecker` jsonschema would use,
        or ``None`` (``format`` then only annotates).
    :param keywords: every keyword the jsonschema validator class applies
        (its ``VALIDATORS``); other keys are annotations and are ignored.
    :returns: a callable telling whether an instance is valid; ``None`` when
        the schema applies a keyword (or a form of one) outside :data:`SUPPORTED`.
    """
    compiler = _Compiler(resolver, format_checker, frozenset(keywords))
    try:
        return compiler.compile(schema, "", root=True)
    except (_Unsupported, RecursionError):
        return None
