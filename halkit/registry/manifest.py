"""The manifest, ``profile.json``: reading it, checking it, and what it declares.

A profile folder holds ``profile.json`` (checked against halkit's meta-schema,
``halkit/schemas/profile.schema.json``) and JSON Schema files. This module
reads JSON files, checks a manifest against the meta-schema and for
consistency (every type it names exists...), and turns it into frozen data:
:class:`Environment`, :class:`AuthSpec`, and one :class:`TypeDefinition` per
type, with its :class:`LinkRule` and :class:`EmbeddedRule` objects.

jsonschema is imported only when a manifest is checked.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.resources
import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urljoin

from ..exceptions import InvalidProfileError
from ..hal import pointer_of
from .metacheck import meta_problems

__all__ = [
    "DRAFT_2020_12",
    "MANIFEST",
    "AuthSpec",
    "EmbeddedRule",
    "Environment",
    "LinkRule",
    "Manifest",
    "TypeDefinition",
    "meta_schema",
    "read_json",
]

#: The manifest's file name inside a profile folder.
MANIFEST = "profile.json"
#: The JSON Schema dialect of every profile schema.
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
#: How many problems a message lists before "and N more".
MAX_LISTED = 10


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

    def client_credentials_options(self, client_id: str, client_secret: str) -> Dict[str, Any]:
        """Return the keyword arguments of :class:`halkit.ClientCredentials` this spec implies.

        Generic options only: ``scope``, ``auth_method`` and ``extra_params``
        (:meth:`form_fields`, a plain dict; ``None`` when there are none). An
        API's token-request quirks travel this way, as data of its profile.

        :param client_id: the client id.
        :param client_secret: the client secret.
        """
        return {
            "scope": self.scope,
            "auth_method": self.token_endpoint_auth_method,
            "extra_params": self.form_fields(client_id, client_secret) or None,
        }


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


# --------------------------------------------------------------------------- #
# files and messages
# --------------------------------------------------------------------------- #


def join(origin: str, name: str) -> str:
    """Return the label of a file of a profile folder: ``origin/name``.

    :param origin: the folder's label.
    :param name: the file name.
    """
    return f"{origin.rstrip('/')}/{name}"


def read_json(source: Any, label: str) -> Any:
    """Read and parse a JSON file.

    :param source: a :class:`pathlib.Path` or :class:`~importlib.resources.abc.Traversable`.
    :param label: the file's name in messages.
    :raises halkit.InvalidProfileError: the file cannot be read or is not JSON.
    """
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidProfileError(f"{label}: cannot read the file: {exc}", file=label) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidProfileError(
            f"{label}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", file=label
        ) from exc


def broken(label: str, problems: Sequence[Tuple[str, str]], intro: str = "") -> InvalidProfileError:
    """Build the error for a file with problems, each ``(JSON pointer, text)``.

    The message reads ``label: intro: at /pointer: text; at ...``; the error's
    :attr:`~halkit.InvalidProfileError.pointer` is the first problem's.

    :param label: the file.
    :param problems: the problems, at least one.
    :param intro: what is wrong overall (may be empty).
    """
    shown = [f"at {pointer or '/'}: {text}" for pointer, text in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        shown.append(f"and {len(problems) - MAX_LISTED} more")
    head = f"{label}: {intro}: " if intro else f"{label}: "
    return InvalidProfileError(
        head + "; ".join(shown), file=label, pointer=problems[0][0] if problems else None, problems=shown
    )


_META_SCHEMA: Optional[Dict[str, Any]] = None


def meta_schema() -> Dict[str, Any]:
    """Return (a copy of) the meta-schema every ``profile.json`` must satisfy."""
    global _META_SCHEMA
    if _META_SCHEMA is None:
        resource = importlib.resources.files("halkit").joinpath("schemas").joinpath("profile.schema.json")
        _META_SCHEMA = read_json(resource, "halkit/schemas/profile.schema.json")
    return copy.deepcopy(_META_SCHEMA)


_MANIFEST_KIND: Optional[str] = None


def manifest_kind() -> str:
    """Return the kind a manifest's meta-schema verdict is remembered under (:mod:`halkit.registry.metacheck`).

    It names the meta-schema's digest, so a changed meta-schema checks every manifest again.
    """
    global _MANIFEST_KIND
    if _MANIFEST_KIND is None:
        text = json.dumps(meta_schema(), sort_keys=True, separators=(",", ":"))
        _MANIFEST_KIND = f"manifest:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
    return _MANIFEST_KIND


def as_plain(value: Any) -> Any:
    """Return a JSON value with every mapping a ``dict`` and every sequence a ``list``.

    :param value: the value (a ``dict`` is returned as it is, uncopied).
    """
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return {str(k): as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------- #
# the manifest
# --------------------------------------------------------------------------- #


class Manifest:
    """A checked ``profile.json``, as frozen data.

    :ivar name: the profile's name.
    :ivar title: its title (may be empty).
    :ivar version: its version (may be empty).
    :ivar description: its description (may be empty).
    :ivar base_uri: what relative ``schema`` references resolve against.
    :ivar entry_type: the type of the entry resource.
    :ivar environments: the environments, by name (may be empty).
    :ivar default_environment: the environment used when none is named
        (``None`` when there are none).
    :ivar auth: how clients authenticate.
    :ivar errors: the documented error statuses.
    :ivar definitions: the types, by name, in the manifest's order.
    :ivar inline_schemas: ``(URI, schema, JSON pointer in the manifest)`` of
        each schema written inside the manifest.
    """

    def __init__(self, data: Mapping[str, Any], label: str) -> None:
        """Check a parsed manifest and read it.

        :param data: the parsed ``profile.json``.
        :param label: the file, for messages.
        :raises halkit.InvalidProfileError: the manifest breaks the meta-schema or is inconsistent.
        """
        from jsonschema import Draft202012Validator

        data = as_plain(data)
        problems = meta_problems(manifest_kind(), lambda: Draft202012Validator(meta_schema()), data)
        if problems:
            raise broken(label, problems, "not a valid profile manifest")
        self.label = label
        self.data = data
        self.name: str = data["name"]
        self.title: str = data.get("title", "")
        self.version: str = data.get("version", "")
        self.description: str = data.get("description", "")
        self.base_uri: str = data.get("base_uri", f"https://halkit.dev/profiles/{self.name}/")
        entry = data["entry"]
        self.entry_type: str = entry["type"]
        environments = {
            env_name: Environment(env["entry_url"], env.get("token_url"), env.get("description", ""))
            for env_name, env in entry.get("environments", {}).items()
        }
        self.environments: Mapping[str, Environment] = MappingProxyType(environments)
        self.default_environment: Optional[str] = entry.get(
            "default_environment", next(iter(environments), None)
        )
        auth = data.get("auth", {"type": "none"})
        self.auth = AuthSpec(
            type=auth["type"],
            token_endpoint_auth_method=auth.get("token_endpoint_auth_method", "client_secret_basic"),
            scope=auth.get("scope"),
            extra_form_fields=MappingProxyType(dict(auth.get("extra_form_fields", {}))),
        )
        self.errors: Mapping[int, str] = MappingProxyType(
            {int(status): text for status, text in data.get("errors", {}).items()}
        )
        self.inline_schemas: List[Tuple[str, Dict[str, Any], str]] = []
        self.definitions: Mapping[str, TypeDefinition] = MappingProxyType(
            {name: self._definition(name, spec) for name, spec in data["types"].items()}
        )
        self._check_consistency()

    def _schema_uri(self, name: str, schema: Any) -> Optional[str]:
        if schema is None:
            return None
        if isinstance(schema, str):
            return urljoin(self.base_uri, schema)
        # a schema written inline: registered under its own $id, or a URI of
        # its own next to the schema files (so relative $refs find them)
        pointer = pointer_of(("types", name, "schema"))
        given = schema.get("$id") if isinstance(schema, dict) else None
        uri = urljoin(self.base_uri, given if isinstance(given, str) else f"{MANIFEST}-inline-{name}").rstrip("#")
        self.inline_schemas.append((uri, schema, pointer))
        return uri

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
        return TypeDefinition(
            name=name,
            schema_uri=self._schema_uri(name, spec.get("schema")),
            links=MappingProxyType(links),
            embedded=MappingProxyType(embedded),
            description=spec.get("description", ""),
        )

    def _check_consistency(self) -> None:
        problems: List[Tuple[str, str]] = []
        known = self.definitions
        if self.entry_type not in known:
            problems.append(("/entry/type", f"the entry type {self.entry_type!r} is not a declared type"))
        if self.default_environment is not None and self.default_environment not in self.environments:
            problems.append(
                (
                    "/entry/default_environment",
                    f"{self.default_environment!r} is not one of the environments"
                    f" ({', '.join(self.environments) or 'none'})",
                )
            )
        if self.auth.type == "oauth2-client-credentials":
            for env_name, env in self.environments.items():
                if env.token_url is None:
                    problems.append((pointer_of(("entry", "environments", env_name)), "oauth2 needs a token_url"))
        for name, definition in known.items():
            for rel, rule in definition.links.items():
                where = pointer_of(("types", name, "links", rel))
                if rule.target is not None and rule.target not in known:
                    problems.append((f"{where}/target", f"{rule.target!r} is not a declared type"))
                for method, answer in rule.responses.items():
                    if method not in rule.methods:
                        problems.append((f"{where}/responses", f"{method} is not one of the rel's methods"))
                    if answer is not None and answer not in known:
                        problems.append((f"{where}/responses/{method}", f"{answer!r} is not a declared type"))
            for rel, embedded in definition.embedded.items():
                if embedded.type not in known:
                    where = pointer_of(("types", name, "embedded", rel, "type"))
                    problems.append((where, f"{embedded.type!r} is not a declared type"))
        if problems:
            raise broken(self.label, problems)
