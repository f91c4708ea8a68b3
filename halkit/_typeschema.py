"""Compile a profile's type definitions into JSON Schemas; map errors to violations.

Each resource type of a profile becomes ONE JSON Schema 2020-12 document (built
once, when the profile loads): the type's property schema (a ``$ref`` to the
profile's schema files) plus the schema of its ``_links`` and ``_embedded``,
generated from the link and embedded rules of the manifest. Embedded resources
``$ref`` the schema of their declared type, so one jsonschema run checks a
document and everything embedded in it, recursively, and reports every error.

The generated schemas carry ``x-halkit-*`` annotation keywords (ignored by
other JSON Schema tools) that tell :func:`violations_from_errors` which profile
rule an error breaks, so a jsonschema error becomes a readable
:class:`~halkit.violations.Violation`. One custom keyword,
``x-halkit-template-variables``, checks the variables of a templated href.

Private module: the public surface is :mod:`halkit.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urljoin

import jsonschema
import jsonschema.exceptions
import jsonschema.validators
import referencing.exceptions
from jsonschema import Draft202012Validator

from .exceptions import TemplateError
from .hal import pointer_of as _pointer_of
from .uri import variables
from .violations import Violation

__all__ = [
    "DRAFT_2020_12",
    "EmbeddedRule",
    "LinkRule",
    "TypeDefinition",
    "compile_type_schema",
    "inline_refs",
    "pointer_of",
    "template_variables",
    "type_schema_uri",
    "validator_class",
    "violations_from_errors",
]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

X_TYPE = "x-halkit-type"
X_RULE = "x-halkit-rule"
X_REQUIRED_RULE = "x-halkit-required-rule"
X_REQUIRED_LINKS = "x-halkit-required-links"
X_REQUIRED_EMBEDDED = "x-halkit-required-embedded"
X_VARIABLES = "x-halkit-template-variables"
X_EXPECT = "x-halkit-expect"
X_CONDITION = "x-halkit-condition"

PathSegment = Union[str, int]


@dataclass(frozen=True)
class LinkRule:
    """What a profile says about one link relation of a type.

    :ivar rel: the relation name.
    :ivar required: whether every resource of the type must have it.
    :ivar required_when: property name to allowed values: the rel is required
        only when the resource's properties match (empty: no condition).
    :ivar methods: the HTTP methods the target accepts.
    :ivar target: the type a GET on the target returns (``None``: unknown).
    :ivar responses: method to the type answered, where it differs from ``target``.
    :ivar templated: whether the href must be a URI template.
    :ivar variables: the variables a templated href must declare.
    :ivar array: ``True`` an array of link objects, ``False`` one, ``None`` either.
    :ivar description: documentation.
    """

    rel: str
    required: bool = False
    required_when: Mapping[str, Tuple[Any, ...]] = field(default_factory=dict)
    methods: FrozenSet[str] = frozenset({"GET"})
    target: Optional[str] = None
    responses: Mapping[str, Optional[str]] = field(default_factory=dict)
    templated: bool = False
    variables: Tuple[str, ...] = ()
    array: Optional[bool] = None
    description: str = ""


@dataclass(frozen=True)
class EmbeddedRule:
    """What a profile says about one embedded rel of a type.

    :ivar rel: the rel (key of ``_embedded``).
    :ivar type: the type of the embedded resources.
    :ivar required: whether every resource of the type must embed it.
    :ivar array: ``True`` an array of resources, ``False`` one, ``None`` either.
    :ivar description: documentation.
    """

    rel: str
    type: str
    required: bool = False
    array: Optional[bool] = None
    description: str = ""


@dataclass(frozen=True)
class TypeDefinition:
    """One resource type of a profile.

    :ivar name: the type name.
    :ivar schema_uri: the absolute URI of the property schema, or ``None``.
    :ivar links: the documented link relations, by rel.
    :ivar embedded: the documented embedded rels, by rel.
    :ivar description: documentation.
    """

    name: str
    schema_uri: Optional[str]
    links: Mapping[str, LinkRule]
    embedded: Mapping[str, EmbeddedRule]
    description: str = ""


def type_schema_uri(profile: str, type_name: str) -> str:
    """Return the URI under which the generated schema of a type is registered.

    :param profile: the profile name.
    :param type_name: the type name.
    """
    return f"urn:halkit:profile:{quote(profile, safe='')}:type:{quote(type_name, safe='')}"


def template_variables(href: str) -> FrozenSet[str]:
    """Return the names of the variables of a URI template (RFC 6570).

    :param href: the template.
    :raises halkit.exceptions.TemplateError: the template is malformed.
    """
    return frozenset(variables(href))


# --------------------------------------------------------------------------- #
# compiling
# --------------------------------------------------------------------------- #

_STR = {"type": "string", X_RULE: "link-object", X_EXPECT: "a string"}
_LINK_PROPERTIES: Dict[str, Any] = {
    "href": _STR,
    "templated": {"type": "boolean", X_RULE: "link-object", X_EXPECT: "a boolean"},
    "type": _STR,
    "deprecation": _STR,
    "name": _STR,
    "profile": _STR,
    "title": _STR,
    "hreflang": _STR,
}


def _link_object_schema(rule: Optional[LinkRule]) -> Dict[str, Any]:
    properties = dict(_LINK_PROPERTIES)
    required = ["href"]
    schema: Dict[str, Any] = {
        X_RULE: "link-object",
        X_EXPECT: "a link object (a JSON object with an href)",
        X_REQUIRED_RULE: {"href": "link-object", "templated": "templated"},
        "type": "object",
        "required": required,
        "properties": properties,
    }
    if rule is not None and rule.templated:
        required.append("templated")
        properties["templated"] = {X_RULE: "templated", "const": True}
        if rule.variables:
            schema[X_VARIABLES] = list(rule.variables)
    return schema


def _one_or_many(item: Dict[str, Any], array: Optional[bool], rule: str, what: str) -> Dict[str, Any]:
    if array is True:
        return {X_RULE: rule, X_EXPECT: f"an array of {what}s", "type": "array", "items": item}
    if array is False:
        return item
    if "$ref" not in item and item.get("type") == "object":
        # object keywords ignore arrays and "items" ignores objects: one schema
        # checks both shapes (cheaper than if/then/else)
        either = dict(item)
        either["type"] = ["object", "array"]
        either[X_EXPECT] = f"{what[0:1] in 'aeiou' and 'an' or 'a'} {what} or an array of them"
        either["items"] = item
        return either
    return {"if": {"type": "array"}, "then": {"items": item}, "else": item}


def compile_type_schema(profile: str, definition: TypeDefinition) -> Dict[str, Any]:
    """Build the JSON Schema that checks a whole resource of one type.

    :param profile: the profile name (for the ``$id`` values).
    :param definition: the type.
    """
    links = definition.links
    embedded = definition.embedded
    required_rels = [rel for rel, rule in links.items() if rule.required]
    required_embedded = [rel for rel, rule in embedded.items() if rule.required]
    links_schema: Dict[str, Any] = {
        X_RULE: "link-object",
        X_EXPECT: "an object of link relations",
        X_REQUIRED_RULE: "required-link",
        "type": "object",
        "properties": {
            rel: _one_or_many(_link_object_schema(rule), rule.array, "link-object", "link object")
            for rel, rule in links.items()
        },
        "additionalProperties": _one_or_many(_link_object_schema(None), None, "link-object", "link object"),
    }
    if required_rels:
        links_schema["required"] = required_rels
    embedded_schema: Dict[str, Any] = {
        X_RULE: "embedded-type",
        X_EXPECT: "an object of embedded resources",
        X_REQUIRED_RULE: "required-embedded",
        "type": "object",
        "properties": {
            rel: _one_or_many(
                {"$ref": type_schema_uri(profile, rule.type)}, rule.array, "embedded-type", f"{rule.type} resource"
            )
            for rel, rule in embedded.items()
        },
        "additionalProperties": _one_or_many(
            {X_RULE: "embedded-type", X_EXPECT: "a resource object", "type": "object"},
            None,
            "embedded-type",
            "resource object",
        ),
    }
    if required_embedded:
        embedded_schema["required"] = required_embedded
    all_of: List[Dict[str, Any]] = []
    if definition.schema_uri is not None:
        all_of.append({"$ref": definition.schema_uri})
    for rel, rule in links.items():
        if rule.required or not rule.required_when:
            continue
        condition = {
            "required": sorted(rule.required_when),
            "properties": {name: {"enum": list(values)} for name, values in rule.required_when.items()},
        }
        when = " and ".join(
            f"{name} is {' or '.join(str(v) for v in values)}" for name, values in sorted(rule.required_when.items())
        )
        all_of.append(
            {
                "if": condition,
                "then": {
                    X_REQUIRED_RULE: "required-link",
                    X_REQUIRED_LINKS: [rel],
                    X_CONDITION: when,
                    "required": ["_links"],
                    "properties": {"_links": {X_REQUIRED_RULE: "required-link", X_CONDITION: when, "required": [rel]}},
                },
            }
        )
    schema: Dict[str, Any] = {
        "$schema": DRAFT_2020_12,
        "$id": type_schema_uri(profile, definition.name),
        "title": definition.name,
        X_TYPE: definition.name,
        X_RULE: "document-type",
        X_EXPECT: "a JSON object",
        X_REQUIRED_RULE: "required-link",
        X_REQUIRED_LINKS: required_rels,
        X_REQUIRED_EMBEDDED: required_embedded,
        "type": "object",
        "properties": {"_links": links_schema, "_embedded": embedded_schema},
    }
    required_top = (["_links"] if required_rels else []) + (["_embedded"] if required_embedded else [])
    if required_top:
        schema["required"] = required_top
    if all_of:
        schema["allOf"] = all_of
    if definition.description:
        schema["description"] = definition.description
    return schema


_NOT_SCHEMAS = frozenset({"const", "enum", "default", "examples"})
_ANNOTATIONS = frozenset(
    {"description", "title", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"}
)


def _uses_dynamic_refs(node: Any) -> bool:
    if isinstance(node, dict):
        if "$dynamicRef" in node or "$recursiveRef" in node:
            return True
        return any(_uses_dynamic_refs(v) for k, v in node.items() if k not in _NOT_SCHEMAS)
    if isinstance(node, list):
        return any(_uses_dynamic_refs(v) for v in node)
    return False


def inline_refs(schema: Dict[str, Any], registry: Any) -> Dict[str, Any]:
    """Return a copy of ``schema`` with its ``$ref`` references replaced by their targets.

    Validating without ``$ref`` lookups is several times faster. A ``$ref``
    that would recurse (a type embedding itself, directly or not) stays, made
    absolute, and resolves through the registry at validation time. A schema
    using ``$dynamicRef``, or one whose references cannot be inlined, is
    returned unchanged (correct, only slower).

    :param schema: a schema with an absolute ``$id``.
    :param registry: the :class:`referencing.Registry` holding every target.
    """
    if _uses_dynamic_refs(schema):
        return schema
    base = str(schema.get("$id", "")).rstrip("#")
    try:
        inlined = _inline(schema, base, registry.resolver(), (base,))
    except (referencing.exceptions.Unresolvable, RecursionError):  # pragma: no cover - checked at load time
        return schema
    assert isinstance(inlined, dict)
    return inlined


def _inline(node: Any, base: str, resolver: Any, stack: Tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, base, resolver, stack) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$id"), str):
        base = urljoin(base, node["$id"]).rstrip("#")
    out: Dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            continue
        out[key] = value if key in _NOT_SCHEMAS else _inline(value, base, resolver, stack)
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return out
    target = urljoin(base, ref)
    if target.endswith("#"):
        target = target[:-1]
    if target in stack:
        out["$ref"] = target
        return out
    contents = resolver.lookup(target).contents
    inner = _inline(contents, target.partition("#")[0], resolver, (*stack, target))
    if isinstance(inner, dict):
        inner = {k: v for k, v in inner.items() if k not in ("$schema", "$id", "$defs", "definitions", "$anchor")}
    if isinstance(inner, dict) and all(k in _ANNOTATIONS for k in out):
        merged = dict(inner)
        merged.update(out)
        return merged
    if isinstance(inner, dict) and not set(inner) & set(out):
        out.update(inner)  # disjoint keywords: applying both is what $ref does
        return out
    out["allOf"] = [*out.get("allOf", []), inner]
    return out


def _check_template_variables(
    validator: Any, expected: Sequence[str], instance: Any, schema: Mapping[str, Any]
) -> Iterator[jsonschema.exceptions.ValidationError]:
    if not isinstance(instance, dict) or instance.get("templated") is not True:
        return
    href = instance.get("href")
    if not isinstance(href, str):
        return
    try:
        present = template_variables(href)
    except TemplateError:
        present = frozenset()
    if any(name not in present for name in expected):
        yield jsonschema.exceptions.ValidationError("the template lacks documented variables")


def validator_class() -> Any:
    """Return the jsonschema validator class for generated type schemas.

    Draft 2020-12, plus the ``x-halkit-template-variables`` keyword.
    """
    return _VALIDATOR


_VALIDATOR = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {X_VARIABLES: _check_template_variables}
)


# --------------------------------------------------------------------------- #
# errors -> violations
# --------------------------------------------------------------------------- #


def pointer_of(path: Iterable[PathSegment]) -> str:
    """Return the JSON pointer (RFC 6901) of a path of keys and indices.

    :param path: the keys and indices from the document root.
    """
    return _pointer_of(path)


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
    if keyword == X_VARIABLES:
        instance = error.instance if isinstance(error.instance, dict) else {}
        href = instance.get("href", "")
        try:
            present = sorted(template_variables(href))
        except TemplateError:
            present = []
        expected: Any = error.validator_value
        missing = [name for name in expected if name not in present]
        return [
            Violation(
                pointer_of([*path, "href"]),
                "template-variables",
                f"{label}: the URI template lacks the documented variable(s) {', '.join(missing)}"
                f" (it has {', '.join(present) if present else 'none'})",
                type_name,
            )
        ]
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
