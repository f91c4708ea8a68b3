"""From jsonschema errors to violations a person can read.

jsonschema reports an error per failed keyword, at a path in the document and
a path in the schema. The type schemas halkit generates carry ``x-halkit-*``
annotations (:mod:`halkit.registry.keywords`) that say which profile rule each
schema node stands for; :func:`violations_from_errors` reads them to name the
rule, finds which (embedded) resource of the document an error falls in, and
writes one :class:`~halkit.Violation` per broken rule, sorted and
de-duplicated. A custom keyword's errors are described by the keyword itself.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import jsonschema.exceptions

from ..hal import pointer_of
from .keywords import (
    KEYWORDS,
    X_CONDITION,
    X_EXPECT,
    X_REQUIRED_EMBEDDED,
    X_REQUIRED_LINKS,
    X_REQUIRED_RULE,
    X_RULE,
)
from .manifest import TypeDefinition
from .violations import Violation

__all__ = ["violations_from_errors"]

PathSegment = Union[str, int]

_KINDS = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
    (type(None), "null"),
)

_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}

_FORMATS = {
    "date-time": "is not an RFC 3339 date-time such as 2020-09-08T12:00:00Z",
    "int64": "is outside the 64-bit integer range",
    "int32": "is outside the 32-bit integer range",
}


def _kind(instance: Any) -> str:
    for cls, name in _KINDS:
        if isinstance(instance, cls):
            return name
    return type(instance).__name__


def _short(value: Any, limit: int = 40) -> str:
    if isinstance(value, str):
        text = '"' + value + '"'
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = repr(value)
    else:
        text = _kind(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _label(location: Tuple[str, Sequence[PathSegment]]) -> str:
    type_name, relative = location
    out = type_name
    for seg in relative:
        out += f"[{seg}]" if isinstance(seg, int) else f".{seg}"
    return out


class _Locator:
    """Find, for a path into a document, the embedded resource it falls in."""

    def __init__(self, document: Any, root_type: str, types: Mapping[str, TypeDefinition]) -> None:
        self.document = document
        self.root_type = root_type
        self.types = types

    def locate(self, path: Sequence[PathSegment]) -> Tuple[str, Sequence[PathSegment]]:
        type_name = self.root_type
        node = self.document
        start = 0
        i = 0
        while i < len(path):
            seg = path[i]
            definition = self.types.get(type_name)
            if (
                seg == "_embedded"
                and i == start
                and definition is not None
                and i + 1 < len(path)
                and isinstance(node, dict)
                and isinstance(node.get("_embedded"), dict)
            ):
                rel = path[i + 1]
                rule = definition.embedded.get(rel) if isinstance(rel, str) else None
                value = node["_embedded"].get(rel) if isinstance(rel, str) else None
                if rule is not None and isinstance(value, list) and i + 2 < len(path):
                    index = path[i + 2]
                    if isinstance(index, int) and 0 <= index < len(value):
                        node, type_name, i = value[index], rule.type, i + 3
                        start = i
                        continue
                elif rule is not None and isinstance(value, dict) and rule.array is not True:
                    node, type_name, i = value, rule.type, i + 2
                    start = i
                    continue
            try:
                node = node[seg]
            except (KeyError, IndexError, TypeError):
                node = None
            i += 1
        return type_name, path[start:]


def _missing_name(error: jsonschema.exceptions.ValidationError) -> Optional[str]:
    names = error.validator_value if isinstance(error.validator_value, list) else []
    instance = error.instance if isinstance(error.instance, dict) else {}
    for name in names:
        if name not in instance and error.message == f"{name!r} is a required property":
            return str(name)
    return None


def _schema(error: jsonschema.exceptions.ValidationError) -> Mapping[str, Any]:
    schema = error.schema
    return schema if isinstance(schema, Mapping) else {}


def _value_message(error: jsonschema.exceptions.ValidationError, label: str) -> str:
    keyword = str(error.validator)
    value = error.validator_value
    messages: Dict[str, Callable[[], str]] = {
        "minimum": lambda: f"{label}: must be at least {value}, got {_short(error.instance)}",
        "maximum": lambda: f"{label}: must be at most {value}, got {_short(error.instance)}",
        "exclusiveMinimum": lambda: f"{label}: must be greater than {value}",
        "exclusiveMaximum": lambda: f"{label}: must be less than {value}",
        "minLength": lambda: f"{label}: must be at least {value} characters long",
        "maxLength": lambda: f"{label}: must be at most {value} characters long",
        "pattern": lambda: f"{label}: does not match the pattern {value}",
        "minItems": lambda: f"{label}: must have at least {value} items",
        "maxItems": lambda: f"{label}: must have at most {value} items",
        "uniqueItems": lambda: f"{label}: items must be unique",
        "additionalProperties": lambda: f"{label}: has properties the schema does not allow",
        "unevaluatedProperties": lambda: f"{label}: has properties the schema does not allow",
        "multipleOf": lambda: f"{label}: must be a multiple of {value}",
    }
    build = messages.get(keyword)
    return build() if build is not None else f"{label}: breaks the schema's {keyword!r} rule"


def _map_error(
    error: jsonschema.exceptions.ValidationError, locator: _Locator, types: Mapping[str, TypeDefinition]
) -> List[Violation]:
    keyword = str(error.validator)
    if keyword in ("anyOf", "oneOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        if best is not None:
            return _map_error(best, locator, types)
    schema = _schema(error)
    path = list(error.absolute_path)
    type_name, relative = locator.locate(path)
    label = _label((type_name, relative))

    if keyword == "required":
        name = _missing_name(error)
        if name is None:
            return []
        condition = f" (required when {schema[X_CONDITION]})" if schema.get(X_CONDITION) else ""
        if name == "_links" and schema.get(X_REQUIRED_LINKS):
            return [
                Violation(
                    pointer_of([*path, "_links", rel]),
                    "required-link",
                    f"{type_name}: required link {rel!r} is missing{condition}",
                    type_name,
                )
                for rel in schema[X_REQUIRED_LINKS]
            ]
        if name == "_embedded" and schema.get(X_REQUIRED_EMBEDDED):
            return [
                Violation(
                    pointer_of([*path, "_embedded", rel]),
                    "required-embedded",
                    f"{type_name}: required embedded resource {rel!r} is missing",
                    type_name,
                )
                for rel in schema[X_REQUIRED_EMBEDDED]
            ]
        rule_spec = schema.get(X_REQUIRED_RULE, "required-property")
        rule = rule_spec.get(name, "required-property") if isinstance(rule_spec, Mapping) else str(rule_spec)
        pointer = pointer_of([*path, name])
        if rule == "required-link":
            message = f"{type_name}: required link {name!r} is missing{condition}"
        elif rule == "required-embedded":
            message = f"{type_name}: required embedded resource {name!r} is missing"
        elif rule == "templated":
            message = f'{label}: the profile declares this link templated, but it lacks "templated": true'
        elif rule == "link-object":
            message = f'{label}: a link object needs an "href"'
        else:
            message = f"{label}.{name}: required property is missing"
        return [Violation(pointer, rule, message, type_name)]

    pointer = pointer_of(path)
    custom = KEYWORDS.get(keyword)
    if custom is not None:
        return custom.violations(error, path, label, type_name)
    expected: Any
    if keyword == "type" and not relative:
        return [
            Violation(
                pointer, "document-type", f"{type_name}: expected a JSON object, got {_kind(error.instance)}", type_name
            )
        ]
    rule = schema.get(X_RULE)
    if rule == "templated":
        return [
            Violation(
                pointer,
                "templated",
                f"{label}: must be true (the profile declares this link templated)",
                type_name,
            )
        ]
    if isinstance(rule, str) and keyword == "type":
        expected = schema.get(X_EXPECT) or _EXPECTED.get(str(error.validator_value), str(error.validator_value))
        return [Violation(pointer, rule, f"{label}: expected {expected}, got {_kind(error.instance)}", type_name)]
    if keyword == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        expected = " or ".join(_EXPECTED.get(str(w), str(w)) for w in wanted)
        return [
            Violation(pointer, "property-type", f"{label}: expected {expected}, got {_kind(error.instance)}", type_name)
        ]
    if keyword == "format":
        fmt = str(error.validator_value)
        described = _FORMATS.get(fmt, f"is not a valid {fmt}")
        return [Violation(pointer, "format", f"{label}: {_short(error.instance)} {described}", type_name)]
    if keyword == "enum":
        values: Any = error.validator_value
        allowed = ", ".join(_short(v) for v in values)
        return [Violation(pointer, "enum", f"{label}: {_short(error.instance)} is not one of {allowed}", type_name)]
    if keyword == "const":
        return [
            Violation(
                pointer,
                "enum",
                f"{label}: must be {_short(error.validator_value)}, got {_short(error.instance)}",
                type_name,
            )
        ]
    return [
        Violation(
            pointer, str(rule) if isinstance(rule, str) else "property-value", _value_message(error, label), type_name
        )
    ]


def _sort_key(violation: Violation) -> Tuple[Any, ...]:
    segments = violation.pointer.split("/")[1:] if violation.pointer else []
    return tuple((0, int(s), "") if s.isdigit() else (1, 0, s) for s in segments), violation.rule


def violations_from_errors(
    errors: Iterable[jsonschema.exceptions.ValidationError],
    document: Any,
    root_type: str,
    types: Mapping[str, TypeDefinition],
) -> List[Violation]:
    """Turn jsonschema errors for a document into sorted, de-duplicated violations.

    :param errors: the errors of a validator for a generated type schema.
    :param document: the validated document.
    :param root_type: the type the document was validated as.
    :param types: the profile's types (to find the types of embedded resources).
    """
    locator = _Locator(document, root_type, types)
    seen: Dict[Tuple[str, str], Violation] = {}
    for error in errors:
        for violation in _map_error(error, locator, types):
            seen.setdefault((violation.pointer, violation.rule), violation)
    return sorted(seen.values(), key=_sort_key)
