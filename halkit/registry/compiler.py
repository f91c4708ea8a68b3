"""The schema compiler: a profile's schema files and type definitions into JSON Schemas.

Two jobs, both done once, when a profile loads:

* the profile's schema files (and the schemas written inline in its
  manifest) become a :class:`referencing.Registry`, after checking that each is
  a valid JSON Schema 2020-12 document with a unique URI and that every
  ``$ref`` resolves among them (never over the network): :func:`schema_registry`;
* each resource type becomes ONE JSON Schema 2020-12 document: the type's
  property schema (a ``$ref``) plus the schema of its ``_links`` and
  ``_embedded``, generated from the manifest's link and embedded rules
  (:func:`compile_type_schema`). Embedded resources ``$ref`` the schema of
  their declared type, so one jsonschema run checks a document and everything
  embedded in it, recursively, and reports every error.

The generated schemas carry the ``x-halkit-*`` annotations and keywords of
:mod:`halkit.registry.keywords`; :mod:`halkit.registry.explain` reads the
annotations back to turn jsonschema errors into violations.
:func:`validator_class` is Draft 2020-12 extended with the custom keywords.

Imports jsonschema and referencing: :mod:`halkit.registry` loads this module
only when a profile is loaded.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Union
from urllib.parse import quote, urljoin, urlsplit

import jsonschema.validators
import referencing
import referencing.exceptions
import referencing.jsonschema
from jsonschema import Draft202012Validator

from ..hal import LINK_ATTRIBUTES, pointer_of
from .keywords import (
    KEYWORDS,
    X_CONDITION,
    X_EXPECT,
    X_REQUIRED_EMBEDDED,
    X_REQUIRED_LINKS,
    X_REQUIRED_RULE,
    X_RULE,
    X_TYPE,
    X_VARIABLES,
)
from .manifest import DRAFT_2020_12, MANIFEST, LinkRule, Manifest, TypeDefinition, broken, join, schema_problems

__all__ = [
    "compile_type_schema",
    "inline_refs",
    "property_names",
    "schema_registry",
    "type_schema_uri",
    "validator_class",
]

PathSegment = Union[str, int]


# --------------------------------------------------------------------------- #
# the schema files
# --------------------------------------------------------------------------- #


def _iter_refs(node: Any, base: str, path: Tuple[PathSegment, ...] = ()) -> Iterator[Tuple[str, str, str]]:
    """Yield ``(base_uri, ref, pointer)`` for every ``$ref`` of a schema document."""
    if isinstance(node, dict):
        if isinstance(node.get("$id"), str):
            base = urljoin(base, node["$id"])
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield base, ref, pointer_of((*path, "$ref"))
        for key, value in node.items():
            if key in ("const", "enum", "examples", "default"):
                continue
            yield from _iter_refs(value, base, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _iter_refs(value, base, (*path, index))


def _unresolvable(exc: referencing.exceptions.Unresolvable) -> str:
    if isinstance(exc, referencing.exceptions.PointerToNowhere):
        return f"no {exc.ref!r} in the target schema"
    return f"nothing has the URI {getattr(exc, 'ref', '')!r}"


def _resource(contents: Any) -> Any:
    return referencing.Resource.from_contents(contents, referencing.jsonschema.DRAFT202012)


def schema_registry(
    manifest: Manifest, schemas: Sequence[Tuple[str, Any]], origin: str
) -> Tuple["referencing.Registry[Any]", Dict[str, str]]:
    """Check a profile's schemas and return them as a registry, with ``{URI: file name}`` of the files.

    :param manifest: the checked manifest (its inline schemas are registered too).
    :param schemas: ``(file name, parsed JSON)`` of the schema files.
    :param origin: the profile folder, for messages.
    :raises halkit.InvalidProfileError: a schema is invalid, two share a URI,
        or a ``$ref`` (or a type's ``schema``) does not resolve.
    """
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    resources = []
    ids: Dict[str, str] = {}
    files: Dict[str, str] = {}
    #: (label, base URI, contents, pointer prefix) of every schema, for the $ref check
    documents: List[Tuple[str, str, Any, Tuple[PathSegment, ...]]] = []
    manifest_label = join(origin, MANIFEST)
    for file_name, contents in schemas:
        label = join(origin, file_name)
        if not isinstance(contents, dict):
            raise broken(label, [("", "a schema file must hold a JSON object")])
        dialect = contents.get("$schema", DRAFT_2020_12)
        if not isinstance(dialect, str) or dialect.rstrip("#") != DRAFT_2020_12:
            raise broken(
                label, [("/$schema", f"$schema is {dialect!r}; profiles use JSON Schema 2020-12 ({DRAFT_2020_12})")]
            )
        problems = schema_problems(meta, contents)
        if problems:
            raise broken(label, problems, "not a valid JSON Schema 2020-12 document")
        # no $id: the file is known as base_uri + its name; a relative $id
        # resolves against base_uri too, so relative $refs between files work
        given = contents.get("$id")
        schema_id = urljoin(manifest.base_uri, given if isinstance(given, str) else file_name).rstrip("#")
        if not urlsplit(schema_id).scheme:  # pragma: no cover - base_uri is absolute (meta-schema)
            raise broken(label, [("/$id", f"{schema_id!r} is not an absolute URI")])
        if schema_id in ids:
            raise broken(label, [("/$id", f"$id {schema_id!r} is also the $id of {ids[schema_id]}")])
        ids[schema_id] = file_name
        files[schema_id] = file_name
        resources.append((schema_id, _resource({**contents, "$id": schema_id})))
        documents.append((label, schema_id, contents, ()))
    for uri, contents, pointer in manifest.inline_schemas:
        path = tuple(pointer.split("/")[1:])
        problems = schema_problems(meta, contents, path)
        if problems:
            raise broken(manifest_label, problems, "not a valid JSON Schema 2020-12 schema")
        if uri in ids:
            raise broken(manifest_label, [(f"{pointer}/$id", f"{uri!r} is also the $id of {ids[uri]}")])
        ids[uri] = f"{MANIFEST} at {pointer}"
        resources.append((uri, _resource({**contents, "$id": uri})))
        documents.append((manifest_label, uri, contents, path))
    registry: "referencing.Registry[Any]" = referencing.Registry().with_resources(resources).crawl()
    resolver = registry.resolver()
    for name, definition in manifest.definitions.items():
        if definition.schema_uri is None:
            continue
        try:
            resolver.lookup(definition.schema_uri)
        except referencing.exceptions.Unresolvable as exc:
            raise broken(
                manifest_label,
                [
                    (
                        pointer_of(("types", name, "schema")),
                        f"{manifest.data['types'][name]['schema']!r} ({definition.schema_uri}) resolves to"
                        f" no schema of the profile: {_unresolvable(exc)}",
                    )
                ],
            ) from exc
    for label, base, contents, prefix in documents:
        for ref_base, ref, where in _iter_refs(contents, base, prefix):
            try:
                registry.resolver(base_uri=ref_base).lookup(ref)
            except referencing.exceptions.Unresolvable as exc:
                raise broken(
                    label,
                    [(where, f"$ref {ref!r} does not resolve (no network lookups are made): {_unresolvable(exc)}")],
                ) from exc
    return registry, files


def property_names(resolver: Any, uri: str) -> Tuple[FrozenSet[str], bool]:
    """Return the property names a schema documents, and whether it admits any name.

    Read through ``$ref`` and ``allOf``/``anyOf``/``oneOf``/``then``/``else``.
    A schema admits any name (it describes a map) when it says so
    explicitly: ``patternProperties``, or an ``additionalProperties`` that is
    ``true`` or a schema.

    :param resolver: a :class:`referencing.Resolver`.
    :param uri: the schema's URI.
    """
    names: Set[str] = set()
    any_name = [False]

    def follow(inner: Any, ref: str, depth: int) -> None:
        if depth > 8:
            return
        try:
            resolved = inner.lookup(ref)
        except referencing.exceptions.Unresolvable:  # pragma: no cover - checked at load time
            return
        walk(resolved.contents, resolved.resolver, depth)

    def walk(node: Any, inner: Any, depth: int) -> None:
        if not isinstance(node, dict):
            return
        if isinstance(node.get("properties"), dict):
            names.update(node["properties"])
        if "patternProperties" in node or node.get("additionalProperties", False) is not False:
            any_name[0] = True
        if isinstance(node.get("$ref"), str):
            follow(inner, node["$ref"], depth + 1)
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key, []) if isinstance(node.get(key), list) else []:
                walk(sub, inner, depth)
        for key in ("then", "else"):
            walk(node.get(key), inner, depth)

    follow(resolver, uri, 0)
    return frozenset(names), any_name[0]


# --------------------------------------------------------------------------- #
# the type schemas
# --------------------------------------------------------------------------- #


def type_schema_uri(profile: str, type_name: str) -> str:
    """Return the URI under which the generated schema of a type is registered.

    :param profile: the profile name.
    :param type_name: the type name.
    """
    return f"urn:halkit:profile:{quote(profile, safe='')}:type:{quote(type_name, safe='')}"


_STR = {"type": "string", X_RULE: "link-object", X_EXPECT: "a string"}
_LINK_PROPERTIES: Dict[str, Any] = {
    name: {"type": "boolean", X_RULE: "link-object", X_EXPECT: "a boolean"} if name == "templated" else _STR
    for name in LINK_ATTRIBUTES
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


def validator_class() -> Any:
    """Return the jsonschema validator class for generated type schemas.

    Draft 2020-12, plus the custom keywords of :data:`halkit.registry.keywords.KEYWORDS`.
    """
    return _VALIDATOR


_VALIDATOR = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {name: keyword.jsonschema_keyword for name, keyword in KEYWORDS.items()}
)


