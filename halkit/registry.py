"""Profiles: one HAL API described as data, and the registry that finds them.

A profile lives in a folder::

    profiles/<name>/
        profile.json        the manifest (checked against halkit's meta-schema,
                            ``halkit/schemas/profile.schema.json``)
        <anything>.json     JSON Schema 2020-12 documents, each with an ``$id``

The manifest names the profile, its entry point (the entry resource's type and
the environments serving it: entry URL and token URL), how to authenticate,
the documented error statuses, and its resource ``types``. Each type points at
a property schema (``"schema": "user.json"``, resolved against ``base_uri``) and
lists its link relations (required or not, methods, target type, templated and
with which variables, single or array) and its embedded resources (rel and
type). :class:`Profile` compiles each type, once, into one JSON Schema that a
jsonschema validator runs with every error reported; ``$ref`` between files
resolve through a :class:`referencing.Registry` of the profile's own files,
never over the network. The same schema is also compiled into a plain
yes/no check (:mod:`halkit._fastcheck`) that recognises a conforming document
some twenty times faster; jsonschema only runs for the others, so the
violations found are the same either way.

Finding profiles
----------------

:func:`profile` loads a profile by name or from a directory path, and
:func:`profiles` lists the installed names. Installed profiles are:

* the folders of the ``halkit._profiles`` data package (shipped in halkit's wheel);
* the entry points of the group ``halkit.profiles``, which other packages
  declare to ship their own. The entry point's name is the profile's name;
  its object is a package (module) whose folder holds ``profile.json``, or a
  ``str`` / ``os.PathLike`` directory path, or a :class:`importlib.resources.abc.Traversable`,
  or a callable returning one of those. In ``setup.cfg``::

      [options.entry_points]
      halkit.profiles =
          acme = acme_api.halkit_profile

  (``acme_api/halkit_profile/`` holds ``profile.json``; add the ``*.json``
  files to the package data). A shipped profile wins over an entry point of the
  same name.

A broken profile raises :class:`halkit.ProfileError` naming the file and the
problem; an unknown name raises :class:`halkit.ProfileNotFoundError`.
"""

from __future__ import annotations

import copy
import importlib.metadata
import importlib.resources
import json
import os
import pathlib
import threading
import types as _types
import warnings
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)
from urllib.parse import urljoin, urlsplit

import jsonschema.exceptions
import referencing
import referencing.exceptions
import referencing.jsonschema
from jsonschema import Draft202012Validator

from ._fastcheck import Check, compile_check
from ._typeschema import (
    DRAFT_2020_12,
    EmbeddedRule,
    LinkRule,
    TypeDefinition,
    compile_type_schema,
    inline_refs,
    pointer_of,
    validator_class,
    violations_from_errors,
)
from .exceptions import ProfileError, ProfileNotFoundError, ProfileWarning
from .resource import Resource
from .violations import VALIDATION_MODES, Violation, format_checker

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

__all__ = [
    "ENTRY_POINT_GROUP",
    "MANIFEST",
    "VALIDATION_MODES",
    "AuthSpec",
    "EmbeddedRule",
    "Environment",
    "LinkRule",
    "Profile",
    "ProfileRegistry",
    "TypeDefinition",
    "Violation",
    "default_registry",
    "meta_schema",
    "profile",
    "profiles",
]

#: The entry-point group other packages register profiles under.
ENTRY_POINT_GROUP = "halkit.profiles"
#: The manifest's file name inside a profile folder.
MANIFEST = "profile.json"
#: The validation modes: raise, warn, or do nothing.

_MAX_LISTED = 10


@dataclass(frozen=True)
class Environment:
    """Where one deployment of an API lives.

    :ivar entry_url: the URL of the entry resource.
    :ivar token_url: the OAuth 2.0 token endpoint, if the API uses one.
    :ivar description: documentation.
    """

    entry_url: str
    token_url: Optional[str] = None
    description: str = ""


@dataclass(frozen=True)
class AuthSpec:
    """How a client authenticates against the API.

    :ivar type: ``"oauth2-client-credentials"`` or ``"none"``.
    :ivar token_endpoint_auth_method: how the client authenticates at the
        token endpoint (``"client_secret_basic"``...).
    :ivar scope: the scope to request, if any.
    :ivar extra_form_fields: more form fields for the token request; the
        placeholders ``{client_id}`` and ``{client_secret}`` are substituted.
    """

    type: str = "none"
    token_endpoint_auth_method: str = "client_secret_basic"
    scope: Optional[str] = None
    extra_form_fields: Mapping[str, str] = field(default_factory=dict)

    def form_fields(self, client_id: str, client_secret: str) -> Dict[str, str]:
        """Return :attr:`extra_form_fields` with the placeholders filled in.

        :param client_id: the client id.
        :param client_secret: the client secret.
        """
        return {
            key: value.replace("{client_id}", client_id).replace("{client_secret}", client_secret)
            for key, value in self.extra_form_fields.items()
        }


# --------------------------------------------------------------------------- #
# reading files
# --------------------------------------------------------------------------- #


def _read_json(source: Any, label: str) -> Any:
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{label}: cannot read the file: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{label}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc


_META_SCHEMA: Optional[Dict[str, Any]] = None


def meta_schema() -> Dict[str, Any]:
    """Return (a copy of) the meta-schema every ``profile.json`` must satisfy."""
    global _META_SCHEMA
    if _META_SCHEMA is None:
        resource = importlib.resources.files("halkit").joinpath("schemas").joinpath("profile.schema.json")
        _META_SCHEMA = _read_json(resource, "halkit/schemas/profile.schema.json")
    return copy.deepcopy(_META_SCHEMA)


def _schema_errors(validator: Any, instance: Any, limit: int = _MAX_LISTED) -> List[str]:
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    out = []
    for error in errors[:limit]:
        where = pointer_of(error.absolute_path) or "/"
        out.append(f"at {where}: {error.message}")
    if len(errors) > limit:
        out.append(f"and {len(errors) - limit} more")
    return out


def _iter_refs(node: Any, base: str, path: Tuple[Union[str, int], ...] = ()) -> Iterator[Tuple[str, str, str]]:
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


def _property_names(resolver: Any, uri: str, depth: int = 0) -> FrozenSet[str]:
    """The property names a schema documents, through ``$ref`` and the applicators."""
    if depth > 8:
        return frozenset()
    try:
        resolved = resolver.lookup(uri)
    except referencing.exceptions.Unresolvable:  # pragma: no cover - checked at load time
        return frozenset()
    names: set = set()  # type: ignore[type-arg]

    def walk(node: Any, inner: Any) -> None:
        if not isinstance(node, dict):
            return
        if isinstance(node.get("properties"), dict):
            names.update(node["properties"])
        if isinstance(node.get("$ref"), str):
            names.update(_property_names(inner, node["$ref"], depth + 1))
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key, []) if isinstance(node.get(key), list) else []:
                walk(sub, inner)
        for key in ("then", "else"):
            walk(node.get(key), inner)

    walk(resolved.contents, resolved.resolver)
    return frozenset(names)


def _as_plain(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return {str(k): _as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_plain(v) for v in value]
    return value


def _document(document_or_resource: Any) -> Any:
    """The JSON document to validate, never copied when it can be read as it is.

    A :class:`halkit.resource.Resource` lends its decoded document (read-only:
    validation never writes to it); another object with ``to_dict()`` gives its
    dictionary; a mapping that is not a ``dict`` becomes one (jsonschema only
    takes ``dict`` for a JSON object).
    """
    if isinstance(document_or_resource, dict):
        return document_or_resource
    if isinstance(document_or_resource, Resource):
        return _as_plain(document_or_resource._doc)  # noqa: SLF001 - read-only use
    to_dict = getattr(document_or_resource, "to_dict", None)
    if callable(to_dict) and not isinstance(document_or_resource, Mapping):
        return to_dict()
    if isinstance(document_or_resource, Mapping):
        return _as_plain(document_or_resource)
    return document_or_resource


# --------------------------------------------------------------------------- #
# Profile
# --------------------------------------------------------------------------- #


class Profile:
    """A loaded profile: its types, their rules, and validators for them.

    Build one with :func:`profile` (by name or path), :meth:`from_directory`
    or :meth:`from_data`. A profile is immutable; its validators are compiled
    once per type, on first use, and are safe to share between threads.
    """

    def __init__(
        self,
        manifest: Mapping[str, Any],
        schemas: Sequence[Tuple[str, Any]] = (),
        *,
        origin: str = "<memory>",
    ) -> None:
        """Check a manifest and its schema files and build the profile.

        :param manifest: the parsed ``profile.json``.
        :param schemas: ``(file name, parsed JSON Schema)`` pairs.
        :param origin: where the files come from (a directory), for messages.
        :raises halkit.ProfileError: the manifest or a schema is broken.
        """
        self.origin = origin
        manifest_label = _join(origin, MANIFEST)
        manifest = _as_plain(manifest)
        problems = _schema_errors(Draft202012Validator(meta_schema()), manifest)
        if problems:
            raise ProfileError(f"{manifest_label}: not a valid profile manifest: " + "; ".join(problems))

        #: The profile's name.
        self.name: str = manifest["name"]
        #: Its title, version and description (may be empty).
        self.title: str = manifest.get("title", "")
        self.version: str = manifest.get("version", "")
        self.description: str = manifest.get("description", "")
        self.base_uri: str = manifest.get("base_uri", f"https://halkit.dev/profiles/{self.name}/")

        entry = manifest["entry"]
        environments = {
            env_name: Environment(env["entry_url"], env.get("token_url"), env.get("description", ""))
            for env_name, env in entry["environments"].items()
        }
        #: The environments, by name.
        self.environments: Mapping[str, Environment] = MappingProxyType(environments)
        #: The name of the environment used when none is given.
        self.default_environment: str = entry.get("default_environment", next(iter(environments)))
        #: The type of the entry resource.
        self.entry_type: str = entry["type"]
        auth = manifest.get("auth", {"type": "none"})
        #: How clients authenticate.
        self.auth = AuthSpec(
            type=auth["type"],
            token_endpoint_auth_method=auth.get("token_endpoint_auth_method", "client_secret_basic"),
            scope=auth.get("scope"),
            extra_form_fields=MappingProxyType(dict(auth.get("extra_form_fields", {}))),
        )
        #: The documented error statuses: status code to meaning.
        self.errors: Mapping[int, str] = MappingProxyType(
            {int(status): text for status, text in manifest.get("errors", {}).items()}
        )
        self._definitions: Mapping[str, TypeDefinition] = MappingProxyType(
            {name: self._definition(name, spec) for name, spec in manifest["types"].items()}
        )
        self._check_consistency(manifest_label, manifest)

        self._registry = self._build_registry(schemas)
        self._check_references(manifest_label, manifest, schemas)
        self._type_schemas: Dict[str, Dict[str, Any]] = {}
        resources = []
        for name, definition in self._definitions.items():
            schema = compile_type_schema(self.name, definition)
            self._type_schemas[name] = schema
            resources.append(
                (schema["$id"], referencing.Resource.from_contents(schema, referencing.jsonschema.DRAFT202012))
            )
        self._registry = self._registry.with_resources(resources).crawl()
        self._documented = {name: self._documented_names(definition) for name, definition in self._definitions.items()}
        self._validators: Dict[str, Any] = {}
        self._fast_checks: Dict[str, Optional[Check]] = {}
        self._lock = threading.Lock()
        self._format_checker = format_checker()

    # -- construction helpers ------------------------------------------------

    @classmethod
    def from_directory(cls, path: Union[str, "os.PathLike[str]", Any]) -> "Profile":
        """Load a profile from a folder holding ``profile.json`` and its schemas.

        :param path: a directory path, or a :class:`~importlib.resources.abc.Traversable`
            (a package folder); a path to ``profile.json`` itself works too.
        :raises halkit.ProfileError: the profile is broken.
        :raises halkit.ProfileNotFoundError: there is no ``profile.json``.
        """
        folder = pathlib.Path(path) if isinstance(path, (str, os.PathLike)) else path
        if isinstance(folder, pathlib.Path) and folder.name == MANIFEST and folder.is_file():
            folder = folder.parent
        origin = str(folder)
        manifest_file = folder.joinpath(MANIFEST)
        if not manifest_file.is_file():
            raise ProfileNotFoundError(f"{origin}: no {MANIFEST} here, so not a profile folder")
        manifest = _read_json(manifest_file, _join(origin, MANIFEST))
        schemas = []
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.name == MANIFEST or not entry.name.endswith(".json") or not entry.is_file():
                continue
            schemas.append((entry.name, _read_json(entry, _join(origin, entry.name))))
        return cls(manifest, schemas, origin=origin)

    @classmethod
    def from_data(
        cls, manifest: Mapping[str, Any], schemas: Mapping[str, Any] = MappingProxyType({}), *, origin: str = "<memory>"
    ) -> "Profile":
        """Build a profile from parsed JSON (handy for tests and generated profiles).

        :param manifest: the manifest.
        :param schemas: file name to parsed JSON Schema.
        :param origin: a label for messages.
        """
        return cls(manifest, sorted(schemas.items()), origin=origin)

    def _definition(self, name: str, spec: Mapping[str, Any]) -> TypeDefinition:
        links = {
            rel: LinkRule(
                rel=rel,
                required=bool(rule.get("required", False)),
                required_when=MappingProxyType({k: tuple(v) for k, v in rule.get("required_when", {}).items()}),
                methods=frozenset(rule.get("methods", ["GET"])),
                target=rule.get("target"),
                responses=MappingProxyType(dict(rule.get("responses", {}))),
                templated=bool(rule.get("templated", False)),
                variables=tuple(rule.get("variables", ())),
                array=rule.get("array"),
                description=rule.get("description", ""),
            )
            for rel, rule in spec.get("links", {}).items()
        }
        embedded = {
            rel: EmbeddedRule(
                rel=rel,
                type=rule["type"],
                required=bool(rule.get("required", False)),
                array=rule.get("array"),
                description=rule.get("description", ""),
            )
            for rel, rule in spec.get("embedded", {}).items()
        }
        schema = spec.get("schema")
        return TypeDefinition(
            name=name,
            schema_uri=urljoin(self.base_uri, schema) if schema is not None else None,
            links=MappingProxyType(links),
            embedded=MappingProxyType(embedded),
            description=spec.get("description", ""),
        )

    def _check_consistency(self, label: str, manifest: Mapping[str, Any]) -> None:
        problems = []
        known = self._definitions
        if self.entry_type not in known:
            problems.append(f"at /entry/type: the entry type {self.entry_type!r} is not a declared type")
        if self.default_environment not in self.environments:
            problems.append(
                f"at /entry/default_environment: {self.default_environment!r} is not one of the environments"
                f" ({', '.join(self.environments)})"
            )
        if self.auth.type == "oauth2-client-credentials":
            for env_name, env in self.environments.items():
                if env.token_url is None:
                    problems.append(f"at /entry/environments/{env_name}: oauth2 needs a token_url")
        for name, definition in known.items():
            for rel, rule in definition.links.items():
                where = pointer_of(("types", name, "links", rel))
                if rule.target is not None and rule.target not in known:
                    problems.append(f"at {where}/target: {rule.target!r} is not a declared type")
                for method, answer in rule.responses.items():
                    if method not in rule.methods:
                        problems.append(f"at {where}/responses: {method} is not one of the rel's methods")
                    if answer is not None and answer not in known:
                        problems.append(f"at {where}/responses/{method}: {answer!r} is not a declared type")
            for rel, embedded in definition.embedded.items():
                if embedded.type not in known:
                    where = pointer_of(("types", name, "embedded", rel, "type"))
                    problems.append(f"at {where}: {embedded.type!r} is not a declared type")
        if problems:
            raise ProfileError(f"{label}: " + "; ".join(problems))

    def _build_registry(self, schemas: Sequence[Tuple[str, Any]]) -> referencing.Registry:  # type: ignore[type-arg]
        meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
        resources = []
        ids: Dict[str, str] = {}
        for file_name, contents in schemas:
            label = _join(self.origin, file_name)
            if not isinstance(contents, dict):
                raise ProfileError(f"{label}: a schema file must hold a JSON object")
            dialect = contents.get("$schema", DRAFT_2020_12)
            if dialect.rstrip("#") != DRAFT_2020_12:
                raise ProfileError(
                    f"{label}: $schema is {dialect!r}; profiles use JSON Schema 2020-12 ({DRAFT_2020_12})"
                )
            problems = _schema_errors(meta, contents)
            if problems:
                raise ProfileError(f"{label}: not a valid JSON Schema 2020-12 document: " + "; ".join(problems))
            schema_id = contents.get("$id")
            if not isinstance(schema_id, str) or not urlsplit(schema_id).scheme:
                raise ProfileError(f"{label}: a schema file needs an absolute $id (such as {self.base_uri}{file_name})")
            schema_id = schema_id.rstrip("#")
            if schema_id in ids:
                raise ProfileError(f"{label}: $id {schema_id!r} is also the $id of {ids[schema_id]}")
            ids[schema_id] = file_name
            resources.append(
                (schema_id, referencing.Resource.from_contents(contents, referencing.jsonschema.DRAFT202012))
            )
        self._schema_files = MappingProxyType(dict(ids))
        registry: referencing.Registry = referencing.Registry()  # type: ignore[type-arg]
        return registry.with_resources(resources).crawl()

    def _check_references(self, label: str, manifest: Mapping[str, Any], schemas: Sequence[Tuple[str, Any]]) -> None:
        resolver = self._registry.resolver()
        for name, definition in self._definitions.items():
            if definition.schema_uri is None:
                continue
            try:
                resolver.lookup(definition.schema_uri)
            except referencing.exceptions.Unresolvable as exc:
                raise ProfileError(
                    f"{label}: at {pointer_of(('types', name, 'schema'))}: {manifest['types'][name]['schema']!r} "
                    f"({definition.schema_uri}) resolves to no schema of the profile: {_unresolvable(exc)}"
                ) from exc
        for file_name, contents in schemas:
            base = contents.get("$id", "")
            for ref_base, ref, where in _iter_refs(contents, base):
                try:
                    self._registry.resolver(base_uri=ref_base).lookup(ref)
                except referencing.exceptions.Unresolvable as exc:
                    raise ProfileError(
                        f"{_join(self.origin, file_name)}: at {where}: $ref {ref!r} does not resolve"
                        f" (no network lookups are made): {_unresolvable(exc)}"
                    ) from exc

    def _documented_names(self, definition: TypeDefinition) -> FrozenSet[Tuple[str, str]]:
        names = {("link", rel) for rel in definition.links} | {("embedded", rel) for rel in definition.embedded}
        if definition.schema_uri is not None:
            resolver = self._registry.resolver()
            names |= {("property", name) for name in _property_names(resolver, definition.schema_uri)}
        return frozenset(names)

    # -- introspection -------------------------------------------------------

    def __repr__(self) -> str:
        return f"<halkit.Profile {self.name!r} ({len(self._definitions)} types) from {self.origin}>"

    @property
    def types(self) -> List[str]:
        """The type names, in the manifest's order."""
        return list(self._definitions)

    def definition(self, type: str) -> TypeDefinition:
        """Return the definition of a type.

        :param type: the type name.
        :raises halkit.ProfileError: the profile has no such type.
        """
        try:
            return self._definitions[type]
        except (KeyError, TypeError):
            raise ProfileError(
                f"the {self.name} profile has no type {type!r}; its types are: {', '.join(self._definitions)}"
            ) from None

    def links(self, type: str) -> Mapping[str, LinkRule]:
        """Return the documented link relations of a type, by rel.

        :param type: the type name.
        """
        return self.definition(type).links

    def link_target(self, type: str, rel: str) -> Optional[str]:
        """Return the type of the resource a GET on ``rel`` of a ``type`` resource returns.

        :param type: the source type.
        :param rel: the link relation.
        :returns: the target type; ``None`` when the rel is undocumented or its target unknown.
        """
        rule = self.definition(type).links.get(rel)
        return rule.target if rule is not None else None

    def link_methods(self, type: str, rel: str) -> Optional[FrozenSet[str]]:
        """Return the HTTP methods documented for ``rel`` of a ``type`` resource.

        :param type: the source type.
        :param rel: the link relation.
        :returns: the methods; ``None`` when the rel is undocumented (nothing can be refused).
        """
        rule = self.definition(type).links.get(rel)
        return rule.methods if rule is not None else None

    def response_type(self, type: str, rel: str, method: str) -> Optional[str]:
        """Return the type of the answer to ``method`` on ``rel`` of a ``type`` resource.

        The manifest's ``responses`` decide (POST on a collection answers with
        the created item; DELETE often with a parent); otherwise GET, PUT and
        PATCH answer with the target type and other methods with an unknown one.

        :param type: the source type.
        :param rel: the link relation.
        :param method: the HTTP method.
        :returns: the type, or ``None`` when unknown.
        """
        rule = self.definition(type).links.get(rel)
        if rule is None:
            return None
        method = method.upper()
        if method in rule.responses:
            return rule.responses[method]
        return rule.target if method in ("GET", "PUT", "PATCH") else None

    def embedded_type(self, type: str, rel: str) -> Optional[str]:
        """Return the declared type of the resources embedded under ``rel``.

        :param type: the embedding resource's type.
        :param rel: the embedded rel.
        :returns: the type, or ``None`` when the rel is undocumented.
        """
        rule = self.definition(type).embedded.get(rel)
        return rule.type if rule is not None else None

    def schema(self, type: str) -> Dict[str, Any]:
        """Return (a copy of) the generated JSON Schema of a type.

        It ``$ref`` references the profile's schema files and the other types' schemas
        by URI, so use it with :attr:`registry`.

        :param type: the type name.
        """
        self.definition(type)
        return copy.deepcopy(self._type_schemas[type])

    @property
    def registry(self) -> referencing.Registry:  # type: ignore[type-arg]
        """The :class:`referencing.Registry` holding the profile's schemas and the generated ones."""
        return self._registry

    @property
    def schema_files(self) -> Mapping[str, str]:
        """The ``$id`` of each schema file, mapped to its file name."""
        return self._schema_files

    def environment(self, name: Optional[str] = None) -> Environment:
        """Return an environment by name (the default one if ``name`` is ``None``).

        :param name: the environment name.
        :raises halkit.ProfileError: no such environment.
        """
        key = self.default_environment if name is None else name
        try:
            return self.environments[key]
        except KeyError:
            raise ProfileError(
                f"the {self.name} profile has no environment {key!r}; its environments are: "
                + ", ".join(self.environments)
            ) from None

    # -- validation ----------------------------------------------------------

    def _validator(self, type: str) -> Any:
        validator = self._validators.get(type)
        if validator is None:
            with self._lock:
                validator = self._validators.get(type)
                if validator is None:
                    cls = validator_class()
                    schema = inline_refs(self._type_schemas[type], self._registry)
                    validator = cls(schema, registry=self._registry, format_checker=self._format_checker)
                    # the fast check is compiled from the very schema jsonschema runs
                    self._fast_checks[type] = compile_check(
                        schema, self._registry.resolver(), self._format_checker, cls.VALIDATORS
                    )
                    self._validators[type] = validator
        return validator

    def validate(self, document_or_resource: Any, type: str) -> List[Violation]:
        """Check a document (or a halkit resource) against a type; return every violation.

        Properties (types, formats, required, enums), link relations (required
        rels, well-formed link objects, templated with the documented
        variables) and embedded resources, recursively, by their declared types.

        A conforming document is recognised by a compiled check (see
        :mod:`halkit._fastcheck`) without building any error; anything else
        goes through jsonschema, which finds and explains every violation.
        A resource's document is read in place, never copied nor changed.

        :param document_or_resource: a parsed JSON document, a
            :class:`halkit.resource.Resource`, or anything with a ``to_dict()`` method.
        :param type: the type to check against.
        :returns: the violations, ordered by pointer; empty when the document conforms.
        :raises halkit.ProfileError: the profile has no such type.
        """
        self.definition(type)
        document = _document(document_or_resource)
        validator = self._validator(type)
        fast = self._fast_checks[type]
        if fast is not None:
            try:
                if fast(document):
                    return []
            except Exception:  # noqa: BLE001 - undecided (deep nesting...): jsonschema decides
                pass
        try:
            errors = list(validator.iter_errors(document))
        except (referencing.exceptions.Unresolvable, jsonschema.exceptions.SchemaError) as exc:  # pragma: no cover
            raise ProfileError(f"the {self.name} profile's schema for {type!r} cannot be applied: {exc}") from exc
        return violations_from_errors(errors, document, type, self._definitions)

    def _specificity(self, type: str, document: Any) -> int:
        if not isinstance(document, dict):
            return 0
        documented = self._documented[type]
        score = sum(1 for key in document if ("property", key) in documented)
        links = document.get("_links")
        if isinstance(links, dict):
            score += sum(1 for rel in links if ("link", rel) in documented)
        embedded = document.get("_embedded")
        if isinstance(embedded, dict):
            score += sum(1 for rel in embedded if ("embedded", rel) in documented)
        return score

    def rank_types(self, document_or_resource: Any) -> List[Tuple[str, List[Violation], int]]:
        """Validate a document against every type; return ``(type, violations, score)``, best first.

        The score counts the document's properties, link rels and embedded
        rels that the type documents. Best means the highest score, then the
        fewest violations, then the manifest's order: a type that documents
        little (and so accepts nearly anything) never beats the type a
        document evidently is.

        :param document_or_resource: the document or resource.
        """
        document = _document(document_or_resource)
        ranked = []
        for index, name in enumerate(self._definitions):
            violations = self.validate(document, name)
            ranked.append((-self._specificity(name, document), len(violations), index, name, violations))
        ranked.sort(key=lambda item: item[:3])
        return [(name, violations, -neg_score) for neg_score, _, _, name, violations in ranked]

    def infer_types(self, document_or_resource: Any) -> List[str]:
        """Return the candidate types of a document, best first.

        Among the types that best describe the document (the highest score of
        :meth:`rank_types`), the ones it validates against without violation;
        if there is none, all of those types, fewest violations first. One
        candidate means the document makes its type unambiguous.

        :param document_or_resource: the document or resource.
        """
        ranked = self.rank_types(document_or_resource)
        if not ranked:  # pragma: no cover - a profile has at least one type
            return []
        best = ranked[0][2]
        top = [(name, violations) for name, violations, score in ranked if score == best]
        valid = [name for name, violations in top if not violations]
        return valid if valid else [name for name, _ in top]

    def enforce(
        self, document_or_resource: Any, type: str, validation: str = "strict", *, stacklevel: int = 2
    ) -> List[Violation]:
        """Validate, then act on the violations as the validation mode says.

        :param document_or_resource: the document or resource.
        :param type: the type.
        :param validation: ``"strict"`` raises, ``"warn"`` warns
            (:class:`halkit.ProfileWarning`), ``"off"`` does not validate.
        :param stacklevel: passed to :func:`warnings.warn`, relative to the caller.
        :returns: the violations (empty in ``"off"`` mode).
        :raises halkit.ProfileError: in strict mode, listing the violations.
        """
        _check_mode(validation)
        if validation == "off":
            return []
        violations = self.validate(document_or_resource, type)
        if violations:
            message = self.summary(violations, type)
            if validation == "strict":
                raise ProfileError(message, violations)
            warnings.warn(message, ProfileWarning, stacklevel=stacklevel + 1)
        return violations

    def check_method(
        self, type: str, rel: str, method: str, validation: str = "strict", *, stacklevel: int = 2
    ) -> None:
        """Refuse (strict) or warn about a method the profile does not document for a rel.

        An undocumented rel refuses nothing.

        :param type: the source resource's type.
        :param rel: the link relation about to be used.
        :param method: the HTTP method about to be sent.
        :param validation: the validation mode.
        :param stacklevel: passed to :func:`warnings.warn`, relative to the caller.
        :raises halkit.ProfileError: in strict mode, when the method is not documented.
        """
        _check_mode(validation)
        methods = self.link_methods(type, rel)
        if validation == "off" or methods is None or method.upper() in methods:
            return
        message = (
            f"the {self.name} profile documents {', '.join(sorted(methods))} for rel {rel!r} of {type},"
            f" not {method.upper()}; nothing was sent"
        )
        if validation == "strict":
            raise ProfileError(message)
        warnings.warn(message, ProfileWarning, stacklevel=stacklevel + 1)

    def summary(self, violations: Sequence[Violation], type: str) -> str:
        """Return a one-paragraph description of violations (for errors and warnings).

        :param violations: the violations.
        :param type: the type validated against.
        """
        shown = "; ".join(f"{v.pointer or '/'}: {v.message}" for v in violations[:_MAX_LISTED])
        more = f"; and {len(violations) - _MAX_LISTED} more" if len(violations) > _MAX_LISTED else ""
        return f"{len(violations)} violation(s) of the {self.name} profile for type {type}: {shown}{more}"

    # -- clients -------------------------------------------------------------

    def client(
        self,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        *,
        environment: Optional[str] = None,
        validation: str = "strict",
        entry_url: Optional[str] = None,
        token_url: Optional[str] = None,
        **client_kwargs: Any,
    ) -> "Client":
        """Return a ready client for this API: entry URL, token URL and auth from the profile.

        :param client_id: the OAuth 2.0 client id (with ``client_secret``;
            leave both out for a client without authentication).
        :param client_secret: the client secret.
        :param environment: the environment's name (default: :attr:`default_environment`).
        :param validation: ``"strict"``, ``"warn"`` or ``"off"``.
        :param entry_url: overrides the environment's entry URL (an emulator, say).
        :param token_url: overrides the environment's token URL.
        :param client_kwargs: passed on to :class:`halkit.client.Client`.
        :raises halkit.ProfileError: unknown environment, or credentials without a token URL.
        """
        from .auth import ClientCredentials
        from .client import Client

        _check_mode(validation)
        env = self.environment(environment)
        entry = entry_url or env.entry_url
        if (client_id is None) != (client_secret is None):
            raise ProfileError("pass both client_id and client_secret, or neither")
        if client_id is not None and client_secret is not None and "auth" not in client_kwargs:
            token = token_url or env.token_url
            if token is None or self.auth.type == "none":
                raise ProfileError(f"the {self.name} profile documents no token endpoint; pass token_url")
            client_kwargs["auth"] = ClientCredentials(
                token,
                client_id,
                client_secret,
                scope=self.auth.scope,
                auth_method=self.auth.token_endpoint_auth_method,
                extra_params=self.auth.form_fields(client_id, client_secret) or None,
            )
        return Client(entry, profile=self, validation=validation, **client_kwargs)


def _check_mode(validation: str) -> None:
    if validation not in VALIDATION_MODES:
        raise ProfileError(f"unknown validation mode {validation!r}; use one of {', '.join(VALIDATION_MODES)}")


def _join(origin: str, name: str) -> str:
    return f"{origin.rstrip('/')}/{name}"


def _unresolvable(exc: referencing.exceptions.Unresolvable) -> str:
    if isinstance(exc, referencing.exceptions.PointerToNowhere):
        return f"no {exc.ref!r} in the target schema"
    return f"nothing has the URI {getattr(exc, 'ref', '')!r}"


# --------------------------------------------------------------------------- #
# the registry
# --------------------------------------------------------------------------- #


def _entry_points(group: str) -> List[Any]:
    found: Any = importlib.metadata.entry_points()
    if hasattr(found, "select"):  # Python 3.10+
        return list(found.select(group=group))
    return list(found.get(group, []))  # Python 3.9: a dict of groups


def _traversable_of(obj: Any, label: str) -> Any:
    if isinstance(obj, _types.ModuleType):
        try:
            return importlib.resources.files(obj)
        except (TypeError, ModuleNotFoundError) as exc:
            raise ProfileError(f"{label}: module {obj.__name__} is not a package folder") from exc
    if isinstance(obj, (str, os.PathLike)):
        return pathlib.Path(obj)
    if hasattr(obj, "iterdir") and hasattr(obj, "joinpath"):
        return obj
    if callable(obj):
        return _traversable_of(obj(), label)
    raise ProfileError(f"{label}: resolves to {type(obj).__name__}, not a package, directory path or Traversable")


def _shipped_profiles() -> Any:
    """The folder of the ``halkit._profiles`` data package, or ``None``.

    Installed, it is the package; in a source checkout (``halkit/`` next to
    ``profiles/``, nothing installed), it is that ``profiles/`` folder.
    """
    try:
        return importlib.resources.files("halkit._profiles")
    except ModuleNotFoundError:
        checkout = pathlib.Path(__file__).resolve().parent.parent / "profiles"
        return checkout if checkout.joinpath("__init__.py").is_file() else None


def _looks_like_path(value: Any) -> bool:
    if isinstance(value, os.PathLike):
        return True
    if not isinstance(value, str):
        return False
    return "/" in value or os.sep in value or value.startswith((".", "~")) or value.endswith(".json")


class ProfileRegistry:
    """The profiles halkit knows, by name; loads each on first use and keeps it.

    A registry's set of names never changes: :meth:`with_profile` and
    :meth:`with_source` return a new registry. Loading is lazy and cached (and
    thread-safe), so listing names never parses a profile.
    """

    def __init__(self, sources: Optional[Mapping[str, Any]] = None) -> None:
        """Build a registry.

        :param sources: name to source: a :class:`Profile`, a directory path, a
            :class:`~importlib.resources.abc.Traversable`, or an
            :class:`importlib.metadata.EntryPoint`.
        """
        self._sources: Mapping[str, Any] = MappingProxyType(dict(sources or {}))
        self._cache: Dict[str, Profile] = {
            name: source for name, source in self._sources.items() if isinstance(source, Profile)
        }
        self._paths: Dict[str, Profile] = {}
        self._lock = threading.RLock()

    @classmethod
    def discover(cls) -> "ProfileRegistry":
        """Build the registry of installed profiles: shipped folders, then entry points."""
        sources: Dict[str, Any] = {}
        for ep in _entry_points(ENTRY_POINT_GROUP):
            sources.setdefault(ep.name, ep)
        shipped = _shipped_profiles()
        if shipped is not None:
            for entry in shipped.iterdir():
                if entry.is_dir() and entry.joinpath(MANIFEST).is_file():
                    sources[entry.name] = entry
        return cls(dict(sorted(sources.items())))

    def __repr__(self) -> str:
        return f"<halkit.ProfileRegistry {self.names()!r}>"

    def names(self) -> List[str]:
        """Return the names of the registered profiles, sorted."""
        return sorted(self._sources)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def with_profile(self, profile: Profile) -> "ProfileRegistry":
        """Return a new registry that also holds (or now overrides) ``profile``.

        :param profile: a loaded profile, registered under its name.
        """
        return self.with_source(profile.name, profile)

    def with_source(self, name: str, source: Any) -> "ProfileRegistry":
        """Return a new registry where ``name`` loads from ``source``.

        :param name: the profile name.
        :param source: as for the constructor.
        """
        sources = dict(self._sources)
        sources[name] = source
        new = ProfileRegistry(sources)
        with self._lock:
            for known, loaded in self._cache.items():
                if known != name:
                    new._cache.setdefault(known, loaded)
        return new

    def get(self, name_or_path: Union[str, "os.PathLike[str]"]) -> Profile:
        """Return a profile by name, or load one from a directory path.

        A string holding a path separator, starting with ``.`` or ``~``, or an
        :class:`os.PathLike`, is a path; any other string is a name.

        :param name_or_path: the name, or the folder (or its ``profile.json``).
        :raises halkit.ProfileNotFoundError: unknown name, or no profile at the path.
        :raises halkit.ProfileError: the profile is broken.
        """
        if isinstance(name_or_path, str) and name_or_path in self._sources:
            return self._load(name_or_path)
        if _looks_like_path(name_or_path):
            return self._load_path(name_or_path)
        known = ", ".join(self.names()) or "none"
        raise ProfileNotFoundError(f"unknown profile {name_or_path!r}; installed profiles: {known}")

    def _load_path(self, path: Union[str, "os.PathLike[str]"]) -> Profile:
        folder = pathlib.Path(os.path.expanduser(os.fspath(path)))
        if folder.name == MANIFEST:
            folder = folder.parent
        if not folder.is_dir():
            raise ProfileNotFoundError(f"{folder}: no such profile directory")
        key = str(folder.resolve())
        with self._lock:
            if key not in self._paths:
                self._paths[key] = Profile.from_directory(folder)
            return self._paths[key]

    def _load(self, name: str) -> Profile:
        with self._lock:
            loaded = self._cache.get(name)
            if loaded is not None:
                return loaded
            source = self._sources[name]
            if isinstance(source, importlib.metadata.EntryPoint):
                label = f"entry point {source.name} = {source.value} (group {ENTRY_POINT_GROUP})"
                try:
                    obj = source.load()
                except Exception as exc:  # noqa: BLE001 - any import error of a plug-in
                    raise ProfileError(f"{label}: cannot be loaded: {exc}") from exc
                folder = _traversable_of(obj, label)
            elif isinstance(source, (str, os.PathLike)):
                folder = pathlib.Path(source)
            else:
                folder = source
            loaded = Profile.from_directory(folder)
            if loaded.name != name:
                raise ProfileError(
                    f"{_join(loaded.origin, MANIFEST)}: the manifest names the profile {loaded.name!r},"
                    f" but it is registered as {name!r}"
                )
            self._cache[name] = loaded
            return loaded


_DEFAULT: Optional[ProfileRegistry] = None
_DEFAULT_LOCK = threading.Lock()


def default_registry(refresh: bool = False) -> ProfileRegistry:
    """Return the registry of installed profiles (discovered once).

    :param refresh: discover again (after installing a package that registers profiles).
    """
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None or refresh:
            _DEFAULT = ProfileRegistry.discover()
        return _DEFAULT


def profile(name_or_path: Union[str, "os.PathLike[str]"]) -> Profile:
    """Return an installed profile by name, or load one from a directory.

    :param name_or_path: ``"chatkitty"``, or a folder holding ``profile.json``.
    :raises halkit.ProfileNotFoundError: unknown name or missing folder.
    :raises halkit.ProfileError: the profile is broken.
    """
    return default_registry().get(name_or_path)


def profiles() -> List[str]:
    """Return the names of the installed profiles, sorted."""
    return default_registry().names()
