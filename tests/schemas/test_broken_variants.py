"""Deliberately broken variants of every valid example are rejected at the right place.

The variants are generated from the example fixtures and from the profile's own
files (read here as plain JSON, independently of halkit's loader), for every
resource in each example, embedded ones included:

* each required property removed        -> ``required-property`` at it
* each documented property's type changed -> ``property-type`` at it
* each required link relation removed   -> ``required-link`` at it
* each templated link made plain (``templated`` removed, href expanded, or
  ``templated: false``)                 -> ``templated`` at its ``templated``

Each must produce the expected violation, and no new one outside what was
changed (an example with a documented exception keeps its violation).
"""

from __future__ import annotations

import copy
import json
import pathlib
import re
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Tuple, Union
from urllib.parse import urljoin

import pytest

from halkit.registry import profile
from halkit.registry.explain import violations_from_errors

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "chatkitty"
INDEX: Dict[str, Dict[str, str]] = json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))
PROFILE = profile("chatkitty")
FOLDER = pathlib.Path(PROFILE.origin)
MANIFEST: Dict[str, Any] = json.loads((FOLDER / "profile.json").read_text(encoding="utf-8"))
SCHEMAS: Dict[str, Any] = {}
for _path in FOLDER.glob("*.json"):
    if _path.name != "profile.json":
        _doc = json.loads(_path.read_text(encoding="utf-8"))
        SCHEMAS[_doc["$id"]] = _doc

Segment = Union[str, int]


class Variant(NamedTuple):
    id: str
    document: Any
    type: str
    pointer: str
    rule: str
    baseline: frozenset  # type: ignore[type-arg]  # (pointer, rule) of the unbroken example


def _pointer(path: Tuple[Segment, ...]) -> str:
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in path)


def _lookup(uri: str) -> Tuple[Dict[str, Any], str]:
    """The schema at ``uri`` (following its ``$ref`` chain) and its base URI."""
    base, _, fragment = uri.partition("#")
    node = SCHEMAS[base]
    for part in [p for p in fragment.split("/") if p]:
        node = node[part]
    assert isinstance(node, dict)
    if "$ref" in node:
        return _lookup(urljoin(base, node["$ref"]))
    return node, base


def _property_schema(type_name: str) -> Dict[str, Any]:
    reference = MANIFEST["types"][type_name].get("schema")
    if reference is None:
        return {}
    return _lookup(urljoin(MANIFEST["base_uri"], reference))[0]


def _object_schemas(
    schema: Dict[str, Any], base: str, value: Dict[str, Any], path: Tuple[Segment, ...]
) -> Iterator[Tuple[Tuple[Segment, ...], Dict[str, Any]]]:
    """(path, schema) of each object-valued documented property, one level down."""
    for name, sub in schema.get("properties", {}).items():
        if isinstance(value.get(name), dict) and "$ref" in sub:
            yield (*path, name), _lookup(urljoin(base, sub["$ref"]))[0]


def _resources(
    doc: Any, type_name: str, path: Tuple[Segment, ...] = ()
) -> Iterator[Tuple[Tuple[Segment, ...], Dict[str, Any], str]]:
    yield path, doc, type_name
    for rel, rule in MANIFEST["types"][type_name].get("embedded", {}).items():
        value = doc.get("_embedded", {}).get(rel)
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _resources(item, rule["type"], (*path, "_embedded", rel, index))
        elif isinstance(value, dict):
            yield from _resources(value, rule["type"], (*path, "_embedded", rel))


def _at(doc: Any, path: Tuple[Segment, ...]) -> Any:
    for segment in path:
        doc = doc[segment]
    return doc


def _other_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 12345
    if isinstance(value, list):
        return "a string"
    return ["an", "array"]


def _remove(name: str) -> Callable[[Dict[str, Any]], None]:
    return lambda node: node.pop(name) and None


def _retype(name: str) -> Callable[[Dict[str, Any]], None]:
    return lambda node: node.__setitem__(name, _other_type(node[name]))


def _make_plain(link: Dict[str, Any]) -> None:
    del link["templated"]
    link["href"] = re.sub(r"\{[^}]*\}", "", link["href"])


def _untemplate(link: Dict[str, Any]) -> None:
    link["templated"] = False


def _variant(
    stem: str,
    original: Any,
    type_name: str,
    baseline: Any,
    path: Tuple[Segment, ...],
    label: str,
    mutate: Any,
    name: str,
    rule: str,
) -> Variant:
    doc = copy.deepcopy(original)
    mutate(_at(doc, path))
    return Variant(f"{stem}{_pointer(path) or '/'}:{label}", doc, type_name, _pointer((*path, name)), rule, baseline)


def _variants() -> List[Variant]:
    out: List[Variant] = []
    for stem, meta in sorted(INDEX.items()):
        original = json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))
        baseline = frozenset((v.pointer, v.rule) for v in PROFILE.validate(original, meta["type"]))
        for path, resource, type_name in _resources(original, meta["type"]):
            schema = _property_schema(type_name)
            reference = MANIFEST["types"][type_name].get("schema")
            base = urljoin(MANIFEST["base_uri"], reference or "").partition("#")[0]
            case = (stem, original, meta["type"], baseline)
            targets = [((), schema, resource)] + [
                (inner_path, inner_schema, _at(resource, inner_path))
                for inner_path, inner_schema in _object_schemas(schema, base, resource, ())
            ]
            for inner_path, inner_schema, node in targets:
                where = (*path, *inner_path)
                for name in inner_schema.get("required", []):
                    if name in node:
                        out.append(_variant(*case, where, f"remove-{name}", _remove(name), name, "required-property"))
                for name in inner_schema.get("properties", {}):
                    if name in node:
                        out.append(_variant(*case, where, f"retype-{name}", _retype(name), name, "property-type"))
            for rel, rule in MANIFEST["types"][type_name].get("links", {}).items():
                if rel not in resource.get("_links", {}):
                    continue
                links = (*path, "_links")
                if rule.get("required"):
                    out.append(_variant(*case, links, f"remove-link-{rel}", _remove(rel), rel, "required-link"))
                if rule.get("templated"):
                    link = (*links, rel)
                    out.append(_variant(*case, link, "plain", _make_plain, "templated", "templated"))
                    out.append(_variant(*case, link, "untemplated", _untemplate, "templated", "templated"))
    return out


VARIANTS = _variants()


def test_enough_variants_of_each_kind() -> None:
    kinds = {v.rule for v in VARIANTS}
    assert kinds == {"required-property", "property-type", "required-link", "templated"}
    assert len(VARIANTS) > 180
    assert any("/_embedded/" in v.pointer for v in VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_broken_variant_is_rejected_at_the_right_pointer(variant: Variant) -> None:
    violations = PROFILE.validate(variant.document, variant.type)
    # the same list as jsonschema alone gives (the compiled fast check only ever says "valid")
    errors = PROFILE._validator(variant.type).iter_errors(variant.document)  # noqa: SLF001
    assert violations == violations_from_errors(errors, variant.document, variant.type, PROFILE._definitions)  # noqa: SLF001
    found = {(v.pointer, v.rule) for v in violations}
    assert (variant.pointer, variant.rule) in found, violations
    changed = variant.pointer.rsplit("/templated", 1)[0] if variant.rule == "templated" else variant.pointer
    new = [v for v in violations if (v.pointer, v.rule) not in variant.baseline]
    assert all(v.pointer.startswith(changed) for v in new), new
