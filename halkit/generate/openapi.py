"""Generate a halkit profile from an OpenAPI 3.0 or 3.1 document.

What comes from where:

* **Types** are the response schemas of the spec's operations served as a HAL
  media type (``application/hal+json``, ``application/vnd.hal+json``), or as
  ``application/json`` when the schema has a ``_links`` property, plus the
  item schemas of their ``_embedded`` arrays. A type is named after its
  component schema, kebab-cased, without a ``Resource`` suffix, and
  ``PagedModelX``/``CursorPagedModelX`` become ``x-page``/``x-cursor-page``
  (``ChatUserResource`` is ``chat-user``).
* **Properties** (types, required sets, enums, formats...) are every
  component schema, translated to JSON Schema 2020-12 into one file,
  ``schemas.json``: OpenAPI 3.0's ``nullable`` becomes a ``"null"`` type,
  ``example`` becomes ``examples``, boolean ``exclusiveMinimum``/``Maximum``
  become numbers, and a ``discriminator`` with ``oneOf`` becomes one
  ``if``/``then`` per discriminator value, which is what it means (``oneOf``
  alone rejects a document that two overlapping variants accept).
  ``_links`` and ``_embedded`` leave the resource schemas: the profile's link
  and embedded rules check them.
* **Link relations** come from the spec's examples: every href in the
  ``_links`` of an example of a type is matched against the path templates
  (exactly, or else by its trailing segments when the example's URLs carry a
  prefix the paths lack); the matched path's operations give the rel's
  methods, its GET response the target type, its other responses the
  ``responses`` map. A rel present in every example of its type is required.
  Templated hrefs give ``templated`` and ``variables``. Rels a schema
  declares in its ``_links`` are documented ones: their ``required`` wins,
  and without an example their target is unknown (but ``self``'s).
* **Paged collections** are types whose schema has ``_embedded.<rel>`` arrays
  of a type and a ``page`` property.
* **Auth, environments, errors** come from the OAuth 2.0 client credentials
  security scheme, ``servers`` and the error responses.

What cannot be inferred (a rel whose href matches no path, a type without
examples, the entry resource when no path serves the API root) is written as
a description starting with ``TODO:`` and listed in the :class:`Report`; never
guessed. The output is checked by loading it as a :class:`halkit.registry.Profile`
before anything is written, and it is deterministic: the same spec (and
overlay) gives the same bytes.

Hand edits live in an *overlay* file, ``overlay.jsonc`` next to the
generated files (plain JSON; the extension keeps it out of the profile's
schema files): ``{"edits": [{"file": ..., "why": ..., "merge": {...}}]}``,
each ``merge`` an RFC 7396 JSON merge patch applied to the named generated
file, in order, and ``drop_required`` (``{pointer: [names]}``) taking names
out of a schema's ``required`` list (see :func:`apply_overlay`). :func:`from_openapi` applies it every time it writes, so
regenerating from a newer spec keeps the edits.
"""

from __future__ import annotations

import copy
import json
import os
import pathlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union
from urllib.parse import unquote, urljoin, urlsplit

from .. import uri
from ..exceptions import HalkitError
from ..hal import escape_token, media_type
from ._report import TODO, GenerateError, Report, write_files

__all__ = [
    "HAL_MEDIA_TYPES",
    "OVERLAY_FILE",
    "apply_overlay",
    "from_openapi",
    "generate",
    "load_spec",
    "merge_patch",
    "resource_examples",
    "type_name",
]

#: The media types whose response schemas always become types.
HAL_MEDIA_TYPES = ("application/hal+json", "application/vnd.hal+json")
#: The name of the hand-edit file kept next to a generated profile.
OVERLAY_FILE = "overlay.jsonc"
SCHEMAS_FILE = "schemas.json"
MANIFEST_FILE = "profile.json"

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: Paging rels (RFC 8288's registry): present or not by a page's position, so never required.
PAGING_RELS = frozenset({"first", "prev", "previous", "next", "last"})
_COMPONENT_PREFIX = "#/components/schemas/"
_OPENAPI_ONLY = frozenset({"discriminator", "xml", "externalDocs", "nullable", "example"})
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
)  # fmt: skip


# -- loading -------------------------------------------------------------------


def load_spec(path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """Read an OpenAPI document (JSON; YAML too when PyYAML is installed).

    :param path: the file.
    :raises halkit.generate.GenerateError: unreadable, or not OpenAPI 3.0/3.1.
    """
    file = pathlib.Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise GenerateError(f"{file}: cannot be read: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        try:
            import yaml  # type: ignore[import-untyped]
        except ImportError:
            raise GenerateError(f"{file}: not JSON ({exc}); install PyYAML to read YAML") from exc
        try:
            data = yaml.safe_load(text)
        except Exception as yaml_exc:  # noqa: BLE001 - any YAML error
            raise GenerateError(f"{file}: neither JSON nor YAML: {yaml_exc}") from yaml_exc
    _check_version(data, str(file))
    return data  # type: ignore[no-any-return]


def _check_version(spec: Any, label: str) -> str:
    if not isinstance(spec, dict) or not isinstance(spec.get("openapi"), str):
        raise GenerateError(f"{label}: not an OpenAPI document (no 'openapi' version field)")
    version: str = spec["openapi"]
    if not (version.startswith("3.0") or version.startswith("3.1")):
        raise GenerateError(f"{label}: OpenAPI {version} is not supported (3.0 and 3.1 are)")
    return version


# -- names ---------------------------------------------------------------------


def _kebab(name: str) -> str:
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+", name)
    return "-".join(w.lower() for w in words) or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def type_name(component: str) -> str:
    """The profile type name of a component schema.

    >>> type_name("ChatUserResource"), type_name("PagedModelChatUserResource")
    ('chat-user', 'chat-user-page')
    >>> type_name("CursorPagedModelMessageResource")
    'message-cursor-page'

    :param component: the component schema's name.
    """
    base = component[: -len("Resource")] if component.endswith("Resource") and component != "Resource" else component
    for prefix, suffix in (("CursorPagedModel", "-cursor-page"), ("PagedModel", "-page")):
        if base.startswith(prefix) and len(base) > len(prefix):
            return _kebab(base[len(prefix) :]) + suffix
    return _kebab(base)


def _method_order(method: str) -> int:
    return _METHODS.index(method) if method in _METHODS else len(_METHODS)


# -- references -----------------------------------------------------------------


class _Spec:
    """The spec with its local references resolvable."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.components: Dict[str, Any] = dict((data.get("components") or {}).get("schemas") or {})
        #: Inline response schemas given a component name: id(schema) -> name.
        self.inline: Dict[int, str] = {}

    def resolve(self, node: Any, depth: int = 0) -> Any:
        """Follow ``$ref`` (local only) until a node without one."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 50:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                return node
            target: Any = self.data
            for token in ref[2:].split("/"):
                token = unquote(token).replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or token not in target:
                    return node
                target = target[token]
            node = target
            depth += 1
        return node

    def component_of(self, node: Any) -> Optional[str]:
        """The component schema a ``$ref`` node names (or an inline response schema's given name)."""
        if id(node) in self.inline:
            return self.inline[id(node)]
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith(_COMPONENT_PREFIX):
            name = unquote(node["$ref"][len(_COMPONENT_PREFIX) :])
            return name if name in self.components else None
        return None

    def properties(self, node: Any, seen: Optional[Set[int]] = None) -> Dict[str, Any]:
        """The properties of a schema, through ``$ref`` and ``allOf``."""
        seen = set() if seen is None else seen
        node = self.resolve(node)
        if not isinstance(node, dict) or id(node) in seen:
            return {}
        seen.add(id(node))
        out: Dict[str, Any] = {}
        for part in node.get("allOf") or []:
            out.update(self.properties(part, seen))
        props = node.get("properties")
        if isinstance(props, dict):
            out.update(props)
        return out

    def refs(self, node: Any) -> Iterator[str]:
        """Every component a schema refers to, transitively (itself excluded unless cyclic)."""
        seen: Set[str] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, dict):
                name = self.component_of(current)
                if name is not None and name not in seen:
                    seen.add(name)
                    yield name
                    stack.append(self.components[name])
                stack.extend(v for k, v in current.items() if k not in ("example", "examples"))
            elif isinstance(current, list):
                stack.extend(current)


# -- schema translation -------------------------------------------------------


def _convert(node: Any, spec: _Spec, where: str, report: Report, strip_hal: bool = False) -> Any:
    """Translate one OpenAPI schema object into JSON Schema 2020-12."""
    if not isinstance(node, dict):
        return node
    out: Dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in _OPENAPI_ONLY:
            continue
        if key == "$ref":
            name = spec.component_of(node)
            rest = (
                value[len(_COMPONENT_PREFIX) :].split("/", 1)
                if isinstance(value, str) and value.startswith(_COMPONENT_PREFIX)
                else []
            )
            if name is not None:
                out["$ref"] = "#/$defs/" + escape_token(name)
            elif len(rest) == 2 and unquote(rest[0]) in spec.components:  # a pointer into a component
                out["$ref"] = "#/$defs/" + value[len(_COMPONENT_PREFIX) :]
            else:
                report.notes.append(f"{where}: $ref {value!r} is not a component schema: left out (accepts anything)")
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {
                k: _convert(v, spec, f"{where}/{key}/{escape_token(k)}", report)
                for k, v in value.items()
                if not (strip_hal and key == "properties" and k in ("_links", "_embedded"))
            }
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_convert(v, spec, f"{where}/{key}/{i}", report) for i, v in enumerate(value)]
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = _convert(value, spec, f"{where}/{key}", report)
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in node:
                out[key] = node[bound]
        elif key == "required" and strip_hal and isinstance(value, list):
            out[key] = [name for name in value if name not in ("_links", "_embedded")]
        else:
            out[key] = copy.deepcopy(value)
    if node.get("exclusiveMinimum") is True and "minimum" in node:
        out.pop("minimum", None)
    if node.get("exclusiveMaximum") is True and "maximum" in node:
        out.pop("maximum", None)
    if "example" in node and "examples" not in node:
        out["examples"] = [copy.deepcopy(node["example"])]
    if "discriminator" in node:
        _translate_discriminator(node, out, spec, where, report)
    if node.get("nullable") is True:
        out = _nullable(out)
    if out.get("required") == []:
        del out["required"]
    return out


def _nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        if "null" not in kind:
            schema["type"] = kind + ["null"]
    else:
        return {"anyOf": [schema, {"type": "null"}]}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = schema["enum"] + [None]
    return schema


def _translate_discriminator(
    node: Mapping[str, Any], out: Dict[str, Any], spec: _Spec, where: str, report: Report
) -> None:
    disc = node["discriminator"]
    choices = node.get("oneOf") or node.get("anyOf")
    if not isinstance(disc, dict) or not isinstance(disc.get("propertyName"), str):
        return
    prop = disc["propertyName"]
    if not isinstance(choices, list):
        report.notes.append(
            f"{where}: discriminator {prop!r} without oneOf/anyOf (a base schema its subtypes extend): dropped"
        )
        return
    mapping: Dict[str, str] = {}
    for value, ref in (disc.get("mapping") or {}).items():
        name = unquote(ref[len(_COMPONENT_PREFIX) :]) if ref.startswith(_COMPONENT_PREFIX) else ref
        if name in spec.components:
            mapping[str(value)] = name
    if not mapping:  # implicit mapping: the schema names
        for choice in choices:
            name = spec.component_of(choice)
            if name is not None:
                mapping[name] = name
    here = where.rsplit("/", 1)[-1]
    cyclic = [name for name in mapping.values() if here in set(spec.refs(spec.components[name]))]
    if cyclic or not mapping:
        report.notes.append(f"{where}: discriminator {prop!r} kept as plain oneOf (its variants refer back to it)")
        return
    out.pop("oneOf", None)
    out.pop("anyOf", None)
    rules: List[Dict[str, Any]] = [{"properties": {prop: {"enum": sorted(mapping)}}, "required": [prop]}]
    for value in sorted(mapping):
        rules.append(
            {
                "if": {"properties": {prop: {"const": value}}, "required": [prop]},
                "then": {"$ref": "#/$defs/" + escape_token(mapping[value])},
            }
        )
    out["allOf"] = list(out.get("allOf", [])) + rules


# -- operations and paths -------------------------------------------------------


@dataclass
class _Operation:
    path: str
    method: str
    #: 2xx status -> (component name or None, schema node or None, media type)
    answers: List[Tuple[str, Optional[str], Any, str]] = field(default_factory=list)


@dataclass
class _Path:
    template: str
    segments: List[str]
    operations: Dict[str, _Operation] = field(default_factory=dict)


def _segment_pattern(segment: str) -> "re.Pattern[str]":
    parts = re.split(r"(\{[^}]*\})", segment)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts if p) + r"\Z")


class _PathMatcher:
    """Matches example hrefs against the spec's path templates."""

    def __init__(self, paths: Sequence[_Path], servers: Sequence[str]) -> None:
        self.paths = paths
        self.hosts = {urlsplit(s).netloc.lower() for s in servers if urlsplit(s).netloc}
        self.server_paths = sorted({urlsplit(s).path.rstrip("/") for s in servers if urlsplit(s).path.strip("/")})
        segment_lists = [p.segments for p in paths if p.segments]
        prefix: List[str] = []
        if segment_lists:
            for column in zip(*segment_lists):
                if len(set(column)) == 1 and "{" not in column[0]:
                    prefix.append(column[0])
                else:
                    break
        self.prefix = prefix
        self.patterns = {p.template: [_segment_pattern(s) for s in p.segments] for p in paths}

    def _segments(self, href: str) -> List[str]:
        href = re.sub(r"\{[?&#][^}]*\}", "", href)
        path = urlsplit(href).path
        for server_path in self.server_paths:
            if path == server_path or path.startswith(server_path + "/"):
                path = path[len(server_path) :]
                break
        return [s for s in path.strip("/").split("/") if s] if path.strip("/") else []

    @staticmethod
    def _literal_count(path: _Path) -> int:
        return sum(1 for s in path.segments if "{" not in s)

    def match(self, href: str) -> Tuple[List[_Path], str]:
        """The best matching paths and how they matched (``exact``, ``suffix`` or ``none``)."""
        host = urlsplit(href).netloc.lower()
        if host and self.hosts and host not in self.hosts:
            return [], "none"  # outside the API
        segments = self._segments(href)

        def fits(path: _Path, tail: List[str]) -> bool:
            patterns = self.patterns[path.template][len(path.segments) - len(tail) :]
            return all(
                p.match(s) or ("{" in s and "{" in t) for p, s, t in zip(patterns, tail, path.segments[-len(tail) :])
            )

        exact = [p for p in self.paths if len(p.segments) == len(segments) and fits(p, segments)]
        if exact:
            return self._best(exact), "exact"
        n = len(self.prefix)
        suffix = []
        for path in self.paths:
            rest = path.segments[n:]
            if not rest or "{" in rest[0] or len(rest) > len(segments):
                continue
            tail = segments[len(segments) - len(rest) :]
            patterns = self.patterns[path.template][n:]
            if all(p.match(s) or ("{" in s and "{" in t) for p, s, t in zip(patterns, tail, rest)):
                suffix.append(path)
        if suffix:
            longest = max(len(p.segments) for p in suffix)
            return self._best([p for p in suffix if len(p.segments) == longest]), "suffix"
        return [], "none"

    def _best(self, paths: List[_Path]) -> List[_Path]:
        top = max(self._literal_count(p) for p in paths)
        return sorted((p for p in paths if self._literal_count(p) == top), key=lambda p: p.template)


# -- the generator -------------------------------------------------------------


@dataclass
class _Example:
    where: str
    document: Any


@dataclass
class _Type:
    name: str
    component: Optional[str]
    schema_ref: Optional[str]
    examples: List[_Example] = field(default_factory=list)
    embedded: Dict[str, Tuple[str, bool]] = field(default_factory=dict)
    paged: bool = False
    sources: List[str] = field(default_factory=list)


def _examples_of(content: Mapping[str, Any], spec: _Spec, where: str) -> Iterator[_Example]:
    if "example" in content:
        yield _Example(f"{where}/example", content["example"])
    for key, example in sorted((content.get("examples") or {}).items()):
        example = spec.resolve(example)
        if isinstance(example, dict) and "value" in example:
            yield _Example(f"{where}/examples/{escape_token(key)}/value", example["value"])


def _has_links(spec: _Spec, schema: Any) -> bool:
    return "_links" in spec.properties(schema)


class _Generator:
    def __init__(self, data: Mapping[str, Any], *, name: str, source: str, base_uri: Optional[str]) -> None:
        self.version = _check_version(data, source)
        self.spec = _Spec(data)
        self.name = name
        self.source = source
        self.base_uri = base_uri or f"https://halkit.dev/profiles/{name}/"
        self.report = Report(source=source, name=name)
        self.types: Dict[str, _Type] = {}
        self.by_component: Dict[str, str] = {}
        servers = [s.get("url", "") for s in data.get("servers") or [] if isinstance(s, dict)]
        self.servers = [_server_url(s, data) for s in servers if isinstance(s, str)]
        self.paths = self._read_paths(data)
        self.matcher = _PathMatcher(self.paths, self.servers)

    # paths and operations

    def _read_paths(self, data: Mapping[str, Any]) -> List[_Path]:
        out = []
        for template, item in sorted((data.get("paths") or {}).items()):
            if not isinstance(item, dict):
                continue
            path = _Path(template, [s for s in template.strip("/").split("/") if s])
            for method, op in sorted(item.items()):
                upper = method.upper()
                if upper not in _METHODS or not isinstance(op, dict):
                    continue
                operation = _Operation(template, upper)
                for status, response in sorted((op.get("responses") or {}).items()):
                    if not str(status).startswith("2"):
                        continue
                    response = self.spec.resolve(response)
                    content = (response or {}).get("content") or {}
                    chosen = self._choose_content(content)
                    if chosen is None:
                        continue
                    media, body = chosen
                    schema = body.get("schema")
                    component = self.spec.component_of(schema)
                    if component is None and isinstance(schema, dict) and self._named_inline(schema, media):
                        component = self._name_inline(schema, op, upper, template, str(status), media)
                    operation.answers.append((str(status), component, schema, media))
                path.operations[upper] = operation
            out.append(path)
        return out

    def _named_inline(self, schema: Mapping[str, Any], media: str) -> bool:
        """Whether an inline response schema deserves a type: it has properties, and is HAL or has _links."""
        props = self.spec.properties(schema)
        return bool(props) and (media in HAL_MEDIA_TYPES or "_links" in props)

    def _name_inline(
        self, schema: Any, op: Mapping[str, Any], method: str, template: str, status: str, media: str
    ) -> str:
        op_id = op.get("operationId")
        words = op_id if isinstance(op_id, str) else f"{method} {template}"
        base = "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", words) if w) or "Inline"
        base += "Response" if status in ("200", "201") else f"Response{status}"
        name, n = base, 2
        while name in self.spec.components:
            name, n = f"{base}{n}", n + 1
        self.spec.components[name] = schema
        self.spec.inline[id(schema)] = name
        self.report.infer(
            "types", f"the inline response schema of {method} {template} {status} ({media}) is named {name}"
        )
        return name

    def _choose_content(self, content: Mapping[str, Any]) -> Optional[Tuple[str, Mapping[str, Any]]]:
        by_media = {media_type(k): v for k, v in content.items() if isinstance(v, dict)}
        for media in HAL_MEDIA_TYPES:
            if media in by_media:
                return media, by_media[media]
        json_body = by_media.get("application/json")
        if json_body is not None and _has_links(self.spec, json_body.get("schema")):
            return "application/json", json_body
        return None

    # types

    def _add_type(self, component: str, source: str) -> str:
        existing = self.by_component.get(component)
        if existing is not None:
            self.types[existing].sources.append(source)
            return existing
        name = type_name(component)
        if name in self.types:
            self.report.notes.append(f"{component}: the type name {name!r} is taken: named after the whole component")
            name = _kebab(component)
            n = 2
            while name in self.types:
                name = f"{_kebab(component)}-{n}"
                n += 1
        self.by_component[component] = name
        self.types[name] = _Type(name, component, f"{SCHEMAS_FILE}#/$defs/{escape_token(component)}", sources=[source])
        return name

    def collect_types(self) -> None:
        for path in self.paths:
            for op in path.operations.values():
                for status, component, schema, media in op.answers:
                    label = f"{op.method} {path.template} {status} {media}"
                    if component is None:
                        if schema is not None:
                            self.report.notes.append(
                                f"{label}: an inline response schema: no type (name it in components)"
                            )
                        continue
                    if media not in HAL_MEDIA_TYPES and not _has_links(self.spec, schema):
                        continue
                    self._add_type(component, label)
        # embedded items, to a fixed point
        pending = sorted(self.types)
        while pending:
            current = self.types[pending.pop(0)]
            assert current.component is not None
            props = self.spec.properties(self.spec.components[current.component])
            embedded = self.spec.resolve(props.get("_embedded"))
            for rel, rel_schema in sorted(self.spec.properties(embedded).items()):
                rel_node = self.spec.resolve(rel_schema)
                array = isinstance(rel_node, dict) and rel_node.get("type") == "array"
                item = rel_node.get("items") if array and isinstance(rel_node, dict) else rel_schema
                component = self.spec.component_of(item)
                if component is None:
                    where = f"{MANIFEST_FILE}#/types/{escape_token(current.name)}/embedded"
                    self.report.todo(where, f"_embedded.{rel} is an inline schema: no type for its items")
                    continue
                before = set(self.types)
                item_type = self._add_type(component, f"_embedded.{rel} of {current.name}")
                if item_type not in before:
                    pending.append(item_type)
                current.embedded[rel] = (item_type, array)
            current.paged = bool(current.embedded) and "page" in props

    # examples

    def collect_examples(self) -> Dict[str, int]:
        counts: Counter[str] = Counter()
        variant_of: Dict[str, str] = {}
        for t in sorted(self.types.values(), key=lambda t: t.name):
            assert t.component is not None
            node = self.spec.components[t.component]
            for key in ("oneOf", "anyOf"):
                for choice in node.get(key) or []:
                    comp = self.spec.component_of(choice)
                    if comp is not None and comp not in self.by_component:
                        variant_of.setdefault(comp, t.name)
        for component, node in sorted(self.spec.components.items()):
            if not isinstance(node, dict) or "example" not in node:
                continue
            counts["schema examples"] += 1
            owner = self.by_component.get(component) or variant_of.get(component)
            if owner is not None:
                self._add_example(
                    owner, _Example(f"#/components/schemas/{escape_token(component)}/example", node["example"])
                )
        for template, item in sorted((self.spec.data.get("paths") or {}).items()):
            for method, op in sorted((item or {}).items()):
                if not isinstance(op, dict) or method.upper() not in _METHODS + ("HEAD", "OPTIONS"):
                    continue
                for status, response in sorted((op.get("responses") or {}).items()):
                    response = self.spec.resolve(response)
                    for media, content in sorted(((response or {}).get("content") or {}).items()):
                        if not isinstance(content, dict):
                            continue
                        where = f"#/paths/{escape_token(template)}/{method}/responses/{status}/content/{escape_token(media)}"
                        for example in _examples_of(content, self.spec, where):
                            counts["response examples"] += 1
                            named = self.spec.component_of(content.get("schema"))
                            owner = self.by_component.get(named or "")
                            if owner is not None and str(status).startswith("2"):
                                self._add_example(owner, example)
        return dict(counts)

    def _add_example(self, type_name_: str, example: _Example) -> None:
        t = self.types[type_name_]
        t.examples.append(example)
        document = example.document
        if not isinstance(document, dict):
            return
        embedded = document.get("_embedded")
        if not isinstance(embedded, dict):
            return
        for rel, (item_type, _array) in sorted(t.embedded.items()):
            items = embedded.get(rel)
            items = items if isinstance(items, list) else [items] if isinstance(items, dict) else []
            for i, item in enumerate(items):
                self._add_example(item_type, _Example(f"{example.where}/_embedded/{escape_token(rel)}/{i}", item))

    # links

    def _answer_type(self, op: _Operation) -> Tuple[bool, Optional[str]]:
        """(has a 2xx answer, the type of its body or None)."""
        for _status, component, _schema, _media in op.answers:
            if component is not None and component in self.by_component:
                return True, self.by_component[component]
        return bool(op.answers), None

    def link_rules(self, t: _Type) -> Dict[str, Any]:
        resources = [e for e in t.examples if isinstance(e.document, dict)]
        total = len(resources)
        seen: Dict[str, List[Tuple[str, bool]]] = {}
        for example in resources:
            links = example.document.get("_links")
            if not isinstance(links, dict):
                continue
            for rel, value in links.items():
                if rel == "curies":
                    continue
                objects = value if isinstance(value, list) else [value]
                for obj in objects:
                    if isinstance(obj, dict) and isinstance(obj.get("href"), str):
                        seen.setdefault(rel, []).append((obj["href"], bool(obj.get("templated"))))
                present = seen.setdefault(rel, [])
                present.append(("", False))  # one presence marker per example
        declared, declared_required = self._declared_links(t)
        rules: Dict[str, Any] = {}
        for rel in sorted(set(seen) | declared):
            where = f"{MANIFEST_FILE}#/types/{escape_token(t.name)}/links/{escape_token(rel)}"
            if rel not in seen:
                rules[rel] = self._declared_rule(t, rel, rel in declared_required, where)
                continue
            hrefs = [(h, tpl) for h, tpl in seen[rel] if h]
            count = sum(1 for h, _ in seen[rel] if not h)
            rule = self._link_rule(t, rel, hrefs, count, total)
            if rel in declared:
                rule["required"] = rel in declared_required
                rule["description"] += " Declared by the schema's _links" + (
                    ", required." if rule["required"] else ", optional."
                )
            rules[rel] = rule
        return rules

    def _declared_links(self, t: _Type) -> Tuple[Set[str], Set[str]]:
        """The rels a type's schema declares in ``_links`` (``properties``), and those it requires."""
        assert t.component is not None
        links_schema = self.spec.properties(self.spec.components[t.component]).get("_links")
        names = set(self.spec.properties(links_schema))
        resolved = self.spec.resolve(links_schema)
        required = set(resolved.get("required") or []) if isinstance(resolved, dict) else set()
        for part in resolved.get("allOf") or [] if isinstance(resolved, dict) else []:
            part = self.spec.resolve(part)
            if isinstance(part, dict):
                required |= set(part.get("required") or [])
        names.discard("curies")
        return names, required & names

    def _declared_rule(self, t: _Type, rel: str, required: bool, where: str) -> Dict[str, Any]:
        rule: Dict[str, Any] = {"required": required}
        text = "Declared by the schema's _links" + (", required" if required else ", optional")
        if rel == "self":  # the link to the resource itself
            rule["target"] = t.name
            rule["description"] = (
                f"{text}; a self link leads to the resource itself. {TODO} no example: methods unknown."
            )
            self.report.todo(where, "declared self link without an example: methods unknown")
        else:
            rule["target"] = None
            rule["description"] = f"{text}. {TODO} no example href: target and methods unknown."
            self.report.todo(where, "declared by the schema, no example href: target and methods unknown")
        self.report.infer("links", f"{t.name} {rel} declared by the schema" + (" required" if required else ""))
        return rule

    def _link_rule(self, t: _Type, rel: str, hrefs: List[Tuple[str, bool]], count: int, total: int) -> Dict[str, Any]:
        where = f"{MANIFEST_FILE}#/types/{escape_token(t.name)}/links/{escape_token(rel)}"
        paging = t.paged and rel in PAGING_RELS
        rule: Dict[str, Any] = {"required": count == total and not paging}
        seen_text = f"seen in {count} of {total} example{'s' if total != 1 else ''}"
        if paging:
            seen_text += " (a paging rel: present by the page's position)"
        templated = any(tpl or "{" in h for h, tpl in hrefs)
        if templated:
            rule["templated"] = True
            names: Optional[Set[str]] = None
            for h, _tpl in hrefs:
                try:
                    found = set(uri.variables(h))
                except HalkitError:
                    continue
                names = found if names is None else names & found
            if names:
                rule["variables"] = sorted(names)
        matched: Counter[str] = Counter()
        how: Set[str] = set()
        unmatched: List[str] = []
        for h, _tpl in hrefs:
            paths, kind = self.matcher.match(h)
            if not paths:
                unmatched.append(h)
                continue
            how.add(kind)
            for p in paths:
                matched[p.template] += 1
        if not matched:
            example = unmatched[0] if unmatched else "(no href)"
            rule["target"] = None
            rule["description"] = (
                f"{TODO} the href ({example}) matches no path of the spec: target and methods unknown; {seen_text}."
            )
            self.report.todo(where, f"href {example} matches no path: target and methods unknown")
            return rule
        templates = sorted(matched)
        by_path = {p.template: p for p in self.paths}
        targets = set()
        methods: Set[str] = set()
        responses: Dict[str, Set[Optional[str]]] = {}
        for template in templates:
            path = by_path[template]
            methods.update(path.operations)
            get = path.operations.get("GET")
            if get is not None:
                targets.add(self._answer_type(get)[1])
            for method, op in path.operations.items():
                if method != "GET":
                    responses.setdefault(method, set()).add(self._answer_type(op)[1])
        path_text = " or ".join(templates)
        match_text = " (matched by its trailing segments)" if how == {"suffix"} else ""
        if len(targets) == 1:
            target = next(iter(targets))
        else:
            target = None
        rule["target"] = target
        rule["methods"] = sorted(methods, key=_method_order) if methods else ["GET"]
        answered = {}
        for method, answers in sorted(responses.items()):
            if len(answers) == 1:
                answer = next(iter(answers))
                if answer != target:
                    answered[method] = answer
        if answered:
            rule["responses"] = answered
        if len(targets) > 1:
            rule["description"] = (
                f"{TODO} the hrefs match {path_text}, whose GETs answer different types "
                f"({', '.join(sorted(str(x) for x in targets))}); {seen_text}."
            )
            self.report.todo(where, f"hrefs match paths with different GET types: {path_text}")
        elif target is None and "GET" in methods:
            rule["description"] = f"{TODO} GET {path_text}{match_text} answers no HAL type of the spec; {seen_text}."
            self.report.todo(where, f"GET {path_text} answers no type")
        else:
            rule["description"] = f"{path_text}{match_text}; {seen_text}."
        self.report.infer(
            "links",
            f"{t.name} {rel} -> {target} via {path_text} [{', '.join(rule['methods'])}]"
            + (" templated" if templated else "")
            + (" required" if rule["required"] else ""),
        )
        if unmatched:
            self.report.notes.append(f"{where}: {len(unmatched)} of its hrefs match no path, e.g. {unmatched[0]}")
        return rule

    # the profile

    def manifest(self, schemas: Dict[str, Any]) -> Dict[str, Any]:
        data = self.spec.data
        info = data.get("info") or {}
        types: Dict[str, Any] = {}
        for t in sorted(self.types.values(), key=lambda t: t.name):
            assert t.component is not None
            node = self.spec.components[t.component]
            described = node.get("description") if isinstance(node, dict) else None
            spec_type: Dict[str, Any] = {"schema": t.schema_ref}
            summary = described.strip() if isinstance(described, str) and described.strip() else ""
            if summary and summary[-1] not in ".!?":
                summary += "."
            parts = [f"The {t.component} schema" + (f": {summary}" if summary else ".")]
            answers = sorted({" ".join(src.split(" ")[:2]) for src in t.sources if not src.startswith("_embedded.")})
            if answers:
                parts.append(f"Answered by {', '.join(answers)}.")
            holders = sorted(
                f"{src.split(' of ', 1)[1]} ({src.split(' of ', 1)[0]})"
                for src in set(t.sources)
                if src.startswith("_embedded.")
            )
            if holders:
                parts.append(f"Embedded in {', '.join(holders)}.")
            if t.paged:
                parts.append(
                    "A paged collection of "
                    + ", ".join(f"{item} (_embedded.{rel})" for rel, (item, _a) in sorted(t.embedded.items()))
                    + "."
                )
            links = self.link_rules(t)
            if not links and not [e for e in t.examples if isinstance(e.document, dict)]:
                parts.append(f"{TODO} the spec has no example of it, so its link relations are unknown.")
                self.report.todo(f"{MANIFEST_FILE}#/types/{escape_token(t.name)}", "no example: link relations unknown")
            spec_type["description"] = " ".join(parts)
            if links:
                spec_type["links"] = links
            if t.embedded:
                spec_type["embedded"] = {
                    rel: {
                        "type": item,
                        "array": array,
                        "description": f"The {item} items" + (" of this page." if t.paged else "."),
                    }
                    if array
                    else {"type": item, "description": f"The embedded {item}."}
                    for rel, (item, array) in sorted(t.embedded.items())
                }
            types[t.name] = spec_type
            self.report.infer(
                "types",
                f"{t.name} <- {t.component} ({len(t.examples)} example{'s' if len(t.examples) != 1 else ''}"
                + (", paged" if t.paged else "")
                + ")",
            )
        entry_type = self._entry(types)
        manifest: Dict[str, Any] = {
            "$schema": "https://halkit.dev/schemas/profile.schema.json",
            "name": self.name,
            "title": str(info.get("title") or self.name),
            "version": str(info.get("version") or ""),
            "description": (
                f"Generated by halkit from {pathlib.PurePath(self.source).name} (OpenAPI {self.version}"
                f"{', API version ' + str(info['version']) if info.get('version') else ''}). "
                f"Descriptions starting with {TODO} mark what the spec does not say."
            ),
            "base_uri": self.base_uri,
            "entry": entry_type,
            "types": types,
        }
        auth = self._auth(manifest)
        if auth is not None:
            manifest["auth"] = auth
        errors = self._errors()
        if errors:
            manifest["errors"] = errors
        return manifest

    def _entry(self, types: Dict[str, Any]) -> Dict[str, Any]:
        server = self.servers[0] if self.servers else None
        root_paths = [p for p in self.paths if not p.segments or p.segments == self.matcher.prefix]
        entry_type: Optional[str] = None
        for path in root_paths:
            get = path.operations.get("GET")
            if get is not None:
                entry_type = self._answer_type(get)[1]
        environments: Dict[str, Any] = {}
        if server:
            environments["default"] = {"entry_url": server}
        else:
            environments["default"] = {
                "entry_url": "https://example.invalid/",
                "description": f"{TODO} the spec has no servers: set the API's entry URL.",
            }
            self.report.todo(
                f"{MANIFEST_FILE}#/entry/environments/default", "no servers in the spec: entry URL unknown"
            )
        if entry_type is None:
            types["entry"] = {
                "description": f"{TODO} the spec serves no resource at its root, so the entry resource and its links are unknown."
            }
            entry_type = "entry"
            env = environments["default"]
            env["description"] = (
                env.get("description", "") + f" {TODO} no path serves the API root: choose the entry URL and type."
            ).strip()
            self.report.todo(
                f"{MANIFEST_FILE}#/entry/type",
                "no path serves the API root: entry type unknown (placeholder type 'entry')",
            )
        else:
            self.report.infer("entry", f"entry type {entry_type}")
        return {"type": entry_type, "default_environment": "default", "environments": environments}

    def _auth(self, manifest: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        schemes = (self.spec.data.get("components") or {}).get("securitySchemes") or {}
        for scheme_name, scheme in sorted(schemes.items()):
            scheme = self.spec.resolve(scheme)
            flows = (scheme or {}).get("flows") or {}
            flow = flows.get("clientCredentials")
            if (scheme or {}).get("type") == "oauth2" and isinstance(flow, dict) and flow.get("tokenUrl"):
                base = self.servers[0] if self.servers else "https://example.invalid/"
                token_url = urljoin(base, flow["tokenUrl"])
                for env_name, env in manifest["entry"]["environments"].items():
                    env["token_url"] = token_url
                    if not urlsplit(flow["tokenUrl"]).scheme and not self.servers:
                        env["description"] = (
                            env.get("description", "")
                            + f" {TODO} the token URL is relative and the spec has no servers."
                        ).strip()
                        self.report.todo(
                            f"{MANIFEST_FILE}#/entry/environments/{env_name}/token_url",
                            "relative token URL without servers",
                        )
                self.report.infer("auth", f"OAuth 2.0 client credentials ({scheme_name}), token URL {token_url}")
                return {
                    "type": "oauth2-client-credentials",
                    "description": f"From the security scheme {scheme_name}. {TODO} OpenAPI does not say how the client authenticates at the token endpoint (client_secret_basic assumed by halkit).",
                }
        if schemes:
            self.report.todo(f"{MANIFEST_FILE}#/auth", "no OAuth 2.0 client credentials scheme: auth left as 'none'")
            return {
                "type": "none",
                "description": f"{TODO} the spec's security schemes ({', '.join(sorted(schemes))}) are not OAuth 2.0 client credentials.",
            }
        return None

    def _errors(self) -> Dict[str, str]:
        found: Dict[str, Counter[str]] = {}
        for _template, item in sorted((self.spec.data.get("paths") or {}).items()):
            for _method, op in sorted((item or {}).items()):
                if not isinstance(op, dict):
                    continue
                for status, response in (op.get("responses") or {}).items():
                    if re.fullmatch(r"[45][0-9][0-9]", str(status)):
                        response = self.spec.resolve(response)
                        text = (response or {}).get("description") or ""
                        found.setdefault(str(status), Counter())[text] += 1
        return {status: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for status, c in sorted(found.items())}

    def schemas(self) -> Dict[str, Any]:
        resource_components = {c for c, node in self.spec.components.items() if _has_links(self.spec, node)}
        defs = {}
        for component, node in sorted(self.spec.components.items()):
            defs[component] = _convert(
                node,
                self.spec,
                f"#/components/schemas/{escape_token(component)}",
                self.report,
                component in resource_components,
            )
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.base_uri + SCHEMAS_FILE,
            "title": "Component schemas",
            "description": f"The component schemas of {pathlib.PurePath(self.source).name}, translated to JSON Schema 2020-12 by halkit (without _links and _embedded, which the profile's rules check).",
            "$defs": defs,
        }


def _server_url(url: str, data: Mapping[str, Any]) -> str:
    for server in data.get("servers") or []:
        if isinstance(server, dict) and server.get("url") == url:
            for var, spec in (server.get("variables") or {}).items():
                if isinstance(spec, dict) and "default" in spec:
                    url = url.replace("{" + var + "}", str(spec["default"]))
    return url


# -- overlays -----------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7396 JSON merge patch; return the result (the inputs are not changed).

    :param target: the document.
    :param patch: the patch: an object merges key by key (``null`` deletes), anything else replaces.
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def apply_overlay(files: Dict[str, Any], overlay: Mapping[str, Any], report: Optional[Report] = None) -> Dict[str, Any]:
    """Apply an overlay's edits (merge patches) to generated files; return the new files.

    :param files: file name to JSON data.
    :param overlay: ``{"edits": [{"file": NAME, "why": TEXT, "merge": PATCH}, ...]}``; an
        edit may hold, instead of or besides ``merge``, ``"drop_required": {POINTER: [NAME, ...]}``,
        which removes names from the ``required`` list of the schema at that JSON pointer (robust
        to regeneration where a merge patch would replace the whole list). An edit whose
        pointer or name no longer exists is an error: regenerating shows stale edits.
    :param report: where to record each edit applied.
    :raises halkit.generate.GenerateError: a malformed overlay.
    """
    edits = overlay.get("edits") if isinstance(overlay, dict) else None
    if not isinstance(edits, list):
        raise GenerateError(f"the overlay must be an object with an 'edits' array (see {OVERLAY_FILE} in the docs)")
    out = dict(files)
    for i, edit in enumerate(edits):
        if not isinstance(edit, dict) or not isinstance(edit.get("file"), str):
            raise GenerateError(f"overlay /edits/{i}: needs 'file' (a file name of the profile)")
        if not isinstance(edit.get("merge"), dict) and not isinstance(edit.get("drop_required"), dict):
            raise GenerateError(f"overlay /edits/{i}: needs 'merge' (an object) or 'drop_required' (pointer to names)")
        if not isinstance(edit.get("why"), str) or not edit["why"].strip():
            raise GenerateError(f"overlay /edits/{i}: says no 'why' (every hand edit gives its reason)")
        name = edit["file"]
        if "/" in name or "\\" in name or not name.endswith(".json"):
            raise GenerateError(f"overlay /edits/{i}/file: {name!r} is not a JSON file name of the profile folder")
        document = out.get(name, {})
        if isinstance(edit.get("merge"), dict):
            document = merge_patch(document, edit["merge"])
        for pointer, names in sorted((edit.get("drop_required") or {}).items()):
            document = _drop_required(document, pointer, names, f"overlay /edits/{i}/drop_required ({name})")
        out[name] = document
        if report is not None:
            report.infer("overlay", f"{name}: {edit['why']}")
    return out


def _drop_required(document: Any, pointer: str, names: Any, label: str) -> Any:
    """Remove ``names`` from the ``required`` list of the schema at ``pointer``."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise GenerateError(f"{label}: {pointer}: a list of property names, please")
    document = copy.deepcopy(document)
    node = document
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or token not in node:
            raise GenerateError(f"{label}: {pointer} is not in the generated file (a stale edit?)")
        node = node[token]
    required = node.get("required") if isinstance(node, dict) else None
    missing = [n for n in names if not isinstance(required, list) or n not in required]
    if missing:
        raise GenerateError(f"{label}: {pointer} does not require {', '.join(missing)} (a stale edit?)")
    assert isinstance(node, dict) and isinstance(required, list)
    node["required"] = [n for n in required if n not in names]
    if not node["required"]:
        del node["required"]
    return document


def read_overlay(path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """Read an overlay file (plain JSON).

    :param path: the file.
    :raises halkit.generate.GenerateError: unreadable or not JSON.
    """
    try:
        data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GenerateError(f"{path}: not a readable JSON overlay: {exc}") from exc
    if not isinstance(data, dict):
        raise GenerateError(f"{path}: an overlay is a JSON object")
    return data


# -- checking the result --------------------------------------------------------


def _load(files: Mapping[str, Any], label: str) -> Any:
    from ..registry import Profile

    schemas = {k: v for k, v in files.items() if k != MANIFEST_FILE}
    try:
        return Profile.from_data(files[MANIFEST_FILE], schemas, origin=label)
    except HalkitError as exc:
        raise GenerateError(f"the generated profile does not load: {exc}") from exc


def check_examples(profile: Any, examples: Mapping[str, Sequence[Tuple[str, Any]]]) -> List[Tuple[str, str, str, str]]:
    """Validate examples against their types; return ``(where, type, pointer, message)`` per violation.

    :param profile: a loaded profile.
    :param examples: type name to ``(where, document)`` pairs.
    """
    out = []
    for type_, docs in sorted(examples.items()):
        for where, document in docs:
            for v in profile.validate(document, type_):
                out.append((where, type_, v.pointer, v.message))
    return out


# -- public entry points --------------------------------------------------------


def resource_examples(spec: Mapping[str, Any]) -> Dict[str, List[Tuple[str, Any]]]:
    """The spec's examples of resources, by the type the generator gives them.

    Component schema examples and response examples (not the items embedded
    in them, which are part of their page), each as ``(JSON pointer into the
    spec, document)``, in a stable order.

    :param spec: the parsed OpenAPI document.
    """
    gen = _Generator(spec, name="examples", source="<spec>", base_uri=None)
    gen.collect_types()
    gen.collect_examples()
    return {
        t.name: [
            (e.where, e.document) for e in t.examples if isinstance(e.document, dict) and "/_embedded/" not in e.where
        ]
        for t in sorted(gen.types.values(), key=lambda t: t.name)
    }


def generate(
    spec: Mapping[str, Any],
    *,
    name: str,
    source: str = "<spec>",
    base_uri: Optional[str] = None,
    overlay: Optional[Mapping[str, Any]] = None,
) -> Tuple[Dict[str, Any], Report]:
    """Generate a profile's files from a parsed OpenAPI document, in memory.

    :param spec: the parsed OpenAPI 3.0 or 3.1 document.
    :param name: the profile's name.
    :param source: where the spec comes from (for the report and the description).
    :param base_uri: the profile's ``base_uri`` (default ``https://halkit.dev/profiles/<name>/``).
    :param overlay: hand edits to apply (see :func:`apply_overlay`).
    :returns: ``(files, report)``: file name to JSON data, and what was inferred.
    :raises halkit.generate.GenerateError: not OpenAPI 3.x, or the result is not a valid profile.
    """
    gen = _Generator(spec, name=name, source=source, base_uri=base_uri)
    report = gen.report
    gen.collect_types()
    counts = gen.collect_examples()
    schemas = gen.schemas()
    manifest = gen.manifest(schemas)
    files: Dict[str, Any] = {MANIFEST_FILE: manifest, SCHEMAS_FILE: schemas}
    generated = _load(files, f"<generated {name}>")
    # embedded items are checked inside the examples that embed them
    examples = {
        t.name: [
            (e.where, e.document) for e in t.examples if isinstance(e.document, dict) and "/_embedded/" not in e.where
        ]
        for t in gen.types.values()
    }
    before = check_examples(generated, examples)
    after = before
    if overlay is not None:
        files = apply_overlay(files, overlay, report)
        after = check_examples(_load(files, f"<{name} with its overlay>"), examples)
    for t in gen.types.values():
        for rel, (item, _array) in t.embedded.items():
            if t.paged:
                report.infer("paging", f"{t.name}: _embedded.{rel} -> {item}")
    _measure(gen, report, counts, examples, before, after, overlay is not None)
    report.stats["TODO markers in the output"] = sum(json.dumps(data).count(TODO) for data in files.values())
    for key in ("todos", "notes"):
        getattr(report, key).sort()
    return files, report


def _measure(
    gen: _Generator,
    report: Report,
    counts: Mapping[str, int],
    examples: Mapping[str, Sequence[Tuple[str, Any]]],
    before: Sequence[Tuple[str, str, str, str]],
    after: Sequence[Tuple[str, str, str, str]],
    overlaid: bool,
) -> None:
    spec = gen.spec
    used: Set[str] = set()
    for t in gen.types.values():
        if t.component is not None:
            used.add(t.component)
            used.update(spec.refs(spec.components[t.component]))
    by_path = {p.template: p for p in gen.paths}
    typed_paths = {
        p.template for p in gen.paths if any(gen._answer_type(op)[1] is not None for op in p.operations.values())
    }
    linked: Set[str] = set()
    for t in gen.types.values():
        for example in t.examples:
            links = example.document.get("_links") if isinstance(example.document, dict) else None
            for value in (links or {}).values():
                for obj in value if isinstance(value, list) else [value]:
                    if isinstance(obj, dict) and isinstance(obj.get("href"), str):
                        linked.update(p.template for p in gen.matcher.match(obj["href"])[0])
    report.stats["types"] = len(gen.types)
    report.stats["paged types"] = sum(1 for t in gen.types.values() if t.paged)
    report.stats["component schemas used by a type"] = f"{len(used)} of {len(spec.components)}"
    report.stats["paths answering a profile type"] = f"{len(typed_paths)} of {len(by_path)}"
    report.stats["paths reached by a link rel"] = f"{len(linked)} of {len(by_path)}"
    resource_examples = sum(len(v) for v in examples.values())
    distinct = len({id(doc) for docs in examples.values() for _w, doc in docs})
    report.stats["response examples (content)"] = counts.get("response examples", 0)
    report.stats["schema examples (components)"] = counts.get("schema examples", 0)
    embedded_items = sum(
        1 for t in gen.types.values() for e in t.examples if isinstance(e.document, dict) and "/_embedded/" in e.where
    )
    report.stats["resource examples checked"] = resource_examples
    report.stats["embedded items in them (checked with their page)"] = embedded_items
    report.stats["distinct example documents checked"] = distinct
    bad_before = len({w for w, *_ in before})
    report.stats["example violations (generated)"] = f"{len(before)} in {bad_before} examples"
    if overlaid:
        bad_after = len({w for w, *_ in after})
        report.stats["example violations (with overlay)"] = f"{len(after)} in {bad_after} examples"
    for where, type_, pointer, message in after:
        report.notes.append(f"example {where} as {type_}: at {pointer or '/'}: {message}")


def from_openapi(
    spec_path: Union[str, "os.PathLike[str]"],
    out_dir: Union[str, "os.PathLike[str]", None],
    *,
    name: Optional[str] = None,
    base_uri: Optional[str] = None,
    overlay: Union[str, "os.PathLike[str]", None] = None,
) -> Report:
    """Generate a profile folder from an OpenAPI 3.0 or 3.1 file.

    The overlay (hand edits, see :func:`apply_overlay`) is ``overlay`` if
    given, else ``out_dir/overlay.jsonc`` when that file exists: regenerating
    into a folder keeps its hand edits. The result is loaded as a profile
    before anything is written. Files are written only when ``out_dir`` is
    given (``None``: a dry run that only reports).

    :param spec_path: the OpenAPI document (JSON; YAML with PyYAML).
    :param out_dir: the profile folder to write (``profile.json``, ``schemas.json``).
    :param name: the profile's name (default: the folder's name, else the spec's title, kebab-cased).
    :param base_uri: the ``base_uri`` (default ``https://halkit.dev/profiles/<name>/``).
    :param overlay: an overlay file to apply.
    :returns: the :class:`~halkit.generate.Report` (``print(report)`` shows it).
    :raises halkit.generate.GenerateError: unreadable spec or overlay, or a result that is not a valid profile.
    """
    spec = load_spec(spec_path)
    if name is None:
        if out_dir is not None:
            name = re.sub(r"[^a-z0-9_.-]+", "-", pathlib.Path(out_dir).resolve().name.lower()).strip("-")
        if not name:
            name = _kebab(str((spec.get("info") or {}).get("title") or "api")) or "api"
    overlay_path = pathlib.Path(overlay) if overlay is not None else None
    if overlay_path is None and out_dir is not None and (pathlib.Path(out_dir) / OVERLAY_FILE).is_file():
        overlay_path = pathlib.Path(out_dir) / OVERLAY_FILE
    overlay_data = read_overlay(overlay_path) if overlay_path is not None else None
    files, report = generate(spec, name=name, source=os.fspath(spec_path), base_uri=base_uri, overlay=overlay_data)
    if overlay_path is not None:
        report.stats["overlay"] = str(overlay_path)
    if out_dir is not None:
        report.files = write_files(out_dir, files)
        report.out_dir = os.fspath(out_dir)
    else:
        report.files = sorted(files)
    return report
