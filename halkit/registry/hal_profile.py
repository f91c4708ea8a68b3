"""The profile: one HAL API described as data, and the rules a client applies with it.

A :class:`Profile` is built from a checked manifest
(:class:`~halkit.registry.manifest.Manifest`) and the profile's schemas. It
answers the questions a client asks (the type behind a rel, the methods a rel
accepts, the type embedded under a rel), validates documents against a type,
infers the type of a document, and holds THE rules a client applies:
:meth:`Profile.enforce` (validate, then raise, warn or do nothing as the mode
says) and :meth:`Profile.check_method` (a method the profile does not document
for a rel). A client calls those two and nothing else, so every path
(client, crawl, ``halkit validate``) applies the same rules.

A profile compiles each type into one JSON Schema when it loads
(:mod:`halkit.registry.compiler`), and, on first use of a type, into a
jsonschema validator and a fast yes/no check (:mod:`halkit.registry.fastcheck`)
that recognises a conforming document without building errors; jsonschema
only runs for the others, so the violations found are the same either way.

This module imports neither jsonschema nor referencing, nor halkit's client or
resource: a document or resource is anything :class:`HasDocument`-like, a
mapping, or an object with ``to_dict()``.
"""

from __future__ import annotations

import copy
import difflib
import os
import pathlib
import threading
import warnings
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    FrozenSet,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ..exceptions import InvalidProfileError, ProfileError, ProfileNotFoundError, ProfileViolationError, ProfileWarning
from ..hal import pointer_of
from .manifest import (
    MANIFEST,
    MAX_LISTED,
    AuthSpec,
    Environment,
    LinkRule,
    Manifest,
    TypeDefinition,
    as_plain,
    join,
    read_json,
)
from .violations import WARNING_RULES, Violation, check_mode, format_checker

try:  # Python 3.8+
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore[assignment]

if TYPE_CHECKING:  # pragma: no cover
    import referencing

__all__ = ["HasDocument", "Profile", "document_of"]

#: The methods :meth:`Profile.check_method` always allows: they change nothing.
SAFE_METHODS = frozenset({"HEAD", "OPTIONS"})


@runtime_checkable
class HasDocument(Protocol):
    """Something that holds a decoded HAL document, readable in place (a resource)."""

    @property
    def document(self) -> Mapping[str, Any]:
        """The decoded document (read-only use: validation never writes to it)."""


def document_of(document_or_resource: Any) -> Any:
    """Return the JSON document to validate, never copied when it can be read as it is.

    A :class:`HasDocument` (a resource) lends its document; another object with
    ``to_dict()`` gives its dictionary; a mapping that is not a ``dict``
    becomes one (jsonschema only takes ``dict`` for a JSON object).

    :param document_or_resource: a parsed JSON document, or something holding one.
    """
    if isinstance(document_or_resource, dict):
        return document_or_resource
    held = getattr(document_or_resource, "document", None)
    if held is None:
        # halkit.Resource before it exposes ``document``: its decoded document,
        # read-only (duck typing: the registry does not import the resource module)
        held = getattr(document_or_resource, "_doc", None)
    if isinstance(held, Mapping):
        return as_plain(held)
    to_dict = getattr(document_or_resource, "to_dict", None)
    if callable(to_dict) and not isinstance(document_or_resource, Mapping):
        return to_dict()
    if isinstance(document_or_resource, Mapping):
        return as_plain(document_or_resource)
    return document_or_resource


def _did_you_mean(name: str, documented: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, documented, n=1, cutoff=0.75)
    if not close:
        lowered = {item.lower(): item for item in documented}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"; did you mean {close[0]!r}?" if close else ""


class Profile:
    """A loaded profile: its types, their rules, and validators for them.

    Build one with :func:`halkit.profile` (by name or path),
    :meth:`from_directory` or :meth:`from_data`. A profile is immutable; its
    validators are compiled once per type, on first use, and are safe to share
    between threads.
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
        :raises halkit.InvalidProfileError: the manifest or a schema is broken.
        """
        import referencing
        import referencing.jsonschema

        from .compiler import compile_type_schema, property_names, schema_registry

        self.origin = origin
        parsed = Manifest(manifest, join(origin, MANIFEST))
        #: The profile's name.
        self.name: str = parsed.name
        #: Its title, version and description (may be empty).
        self.title: str = parsed.title
        self.version: str = parsed.version
        self.description: str = parsed.description
        #: What relative ``schema`` references resolve against.
        self.base_uri: str = parsed.base_uri
        #: The environments, by name (empty for a validation-only profile).
        self.environments: Mapping[str, Environment] = parsed.environments
        #: The name of the environment used when none is given (``None``: there are none).
        self.default_environment: Optional[str] = parsed.default_environment
        #: The type of the entry resource.
        self.entry_type: str = parsed.entry_type
        #: How clients authenticate.
        self.auth: AuthSpec = parsed.auth
        #: The documented error statuses: status code to meaning.
        self.errors: Mapping[int, str] = parsed.errors
        self._definitions: Mapping[str, TypeDefinition] = parsed.definitions

        registry, ids = schema_registry(parsed, schemas, origin)
        self._schema_files = MappingProxyType(ids)
        self._type_schemas: Dict[str, Dict[str, Any]] = {}
        resources = []
        for name, definition in self._definitions.items():
            schema = compile_type_schema(self.name, definition)
            self._type_schemas[name] = schema
            resources.append(
                (schema["$id"], referencing.Resource.from_contents(schema, referencing.jsonschema.DRAFT202012))
            )
        self._registry: "referencing.Registry[Any]" = registry.with_resources(resources).crawl()
        resolver = self._registry.resolver()
        properties = {
            name: property_names(resolver, definition.schema_uri)
            if definition.schema_uri is not None
            else (frozenset(), True)
            for name, definition in self._definitions.items()
        }
        self._properties: Mapping[str, FrozenSet[str]] = {name: found for name, (found, _) in properties.items()}
        #: the types whose schema admits any property name (or that have no schema)
        self._open: FrozenSet[str] = frozenset(name for name, (_, any_name) in properties.items() if any_name)
        self._documented = {
            name: frozenset(
                {("link", rel) for rel in definition.links}
                | {("embedded", rel) for rel in definition.embedded}
                | {("property", prop) for prop in self._properties[name]}
            )
            for name, definition in self._definitions.items()
        }
        self._validators: Dict[str, Any] = {}
        self._fast_checks: Dict[str, Any] = {}
        self._lock = threading.Lock()
        self._format_checker = format_checker()

    # -- construction helpers ------------------------------------------------

    @classmethod
    def from_directory(cls, path: Union[str, "os.PathLike[str]", Any]) -> "Profile":
        """Load a profile from a folder holding ``profile.json`` and its schemas.

        :param path: a directory path, or a :class:`~importlib.resources.abc.Traversable`
            (a package folder); a path to ``profile.json`` itself works too.
        :raises halkit.InvalidProfileError: the profile is broken.
        :raises halkit.ProfileNotFoundError: there is no ``profile.json``.
        """
        folder = pathlib.Path(path) if isinstance(path, (str, os.PathLike)) else path
        if isinstance(folder, pathlib.Path) and folder.name == MANIFEST and folder.is_file():
            folder = folder.parent
        origin = str(folder)
        manifest_file = folder.joinpath(MANIFEST)
        if not manifest_file.is_file():
            raise ProfileNotFoundError(f"{origin}: no {MANIFEST} here, so not a profile folder")
        manifest = read_json(manifest_file, join(origin, MANIFEST))
        schemas = []
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.name == MANIFEST or not entry.name.endswith(".json") or not entry.is_file():
                continue
            schemas.append((entry.name, read_json(entry, join(origin, entry.name))))
        return cls(manifest, schemas, origin=origin)

    @classmethod
    def from_data(
        cls, manifest: Mapping[str, Any], schemas: Mapping[str, Any] = MappingProxyType({}), *, origin: str = "<memory>"
    ) -> "Profile":
        """Build a profile from parsed JSON (handy for tests and generated profiles).

        :param manifest: the manifest.
        :param schemas: file name to parsed JSON Schema.
        :param origin: a label for messages.
        :raises halkit.InvalidProfileError: the profile is broken.
        """
        return cls(manifest, sorted(schemas.items()), origin=origin)

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
    def registry(self) -> "referencing.Registry[Any]":
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
        if key is None:
            raise ProfileError(
                f"the {self.name} profile documents no environments (a validation-only profile); pass entry_url"
            )
        try:
            return self.environments[key]
        except KeyError:
            raise ProfileError(
                f"the {self.name} profile has no environment {key!r}; its environments are: "
                + ", ".join(self.environments)
            ) from None

    def properties(self, type: str) -> FrozenSet[str]:
        """Return the property names the schema of a type documents.

        Read through ``$ref`` and ``allOf``/``anyOf``/``oneOf``/``then``/``else``.

        :param type: the type name.
        """
        self.definition(type)
        return self._properties[type]

    # -- validation ----------------------------------------------------------

    def _validator(self, type: str) -> Any:
        validator = self._validators.get(type)
        if validator is None:
            with self._lock:
                validator = self._validators.get(type)
                if validator is None:
                    from .compiler import inline_refs, validator_class
                    from .fastcheck import compile_check

                    cls = validator_class()
                    schema = inline_refs(self._type_schemas[type], self._registry)
                    validator = cls(schema, registry=self._registry, format_checker=self._format_checker)
                    # the fast check is compiled from the very schema jsonschema runs
                    self._fast_checks[type] = compile_check(
                        schema, self._registry.resolver(), self._format_checker, cls.VALIDATORS
                    )
                    self._validators[type] = validator
        return validator

    def validate(self, document_or_resource: Any, type: str, *, undocumented: bool = False) -> List[Violation]:
        """Check a document (or a halkit resource) against a type; return every violation.

        Properties (types, formats, required, enums), link relations (required
        rels, well-formed link objects, templated with the documented
        variables) and embedded resources, recursively, by their declared types.

        A conforming document is recognised by a compiled check (see
        :mod:`halkit.registry.fastcheck`) without building any error; anything
        else goes through jsonschema, which finds and explains every violation.
        A resource's document is read in place, never copied nor changed.

        :param document_or_resource: a parsed JSON document, a
            :class:`halkit.Resource`, or anything with a ``to_dict()`` method.
        :param type: the type to check against.
        :param undocumented: also report, with the warning-level rule
            ``undocumented``, the names the profile does not document
            (:meth:`undocumented`).
        :returns: the violations, ordered by pointer; empty when the document conforms.
        :raises halkit.ProfileError: the profile has no such type.
        """
        self.definition(type)
        document = document_of(document_or_resource)
        found = self._validate(document, type)
        if undocumented:
            found = sorted([*found, *self.undocumented(document, type)], key=_sort_key)
        return found

    def _validate(self, document: Any, type: str) -> List[Violation]:
        validator = self._validator(type)
        fast = self._fast_checks[type]
        if fast is not None:
            try:
                if fast(document):
                    return []
            except Exception:  # noqa: BLE001 - undecided (deep nesting...): jsonschema decides
                pass
        import jsonschema.exceptions
        import referencing.exceptions

        from .explain import violations_from_errors

        try:
            errors = list(validator.iter_errors(document))
        except (referencing.exceptions.Unresolvable, jsonschema.exceptions.SchemaError) as exc:  # pragma: no cover
            raise InvalidProfileError(
                f"the {self.name} profile's schema for {type!r} cannot be applied: {exc}"
            ) from exc
        return violations_from_errors(errors, document, type, self._definitions)

    def undocumented(self, document_or_resource: Any, type: str) -> List[Violation]:
        """Return the properties, rels and embedded rels of a document that the type does not document.

        A warning-level rule (``undocumented``), for catching typos
        (``displayname``, a rel ``chanels``): each violation names the nearest
        documented name ("did you mean"). Embedded resources are checked by
        their declared types. Properties are not checked for a type without a
        schema, nor for one whose schema admits any name
        (``patternProperties``, or ``additionalProperties`` other than
        ``false``); ``curies`` is always documented.

        :param document_or_resource: the document or resource.
        :param type: the type to check against.
        :raises halkit.ProfileError: the profile has no such type.
        """
        self.definition(type)
        found: List[Violation] = []
        self._undocumented(document_of(document_or_resource), type, (), found)
        return sorted(found, key=_sort_key)

    def _undocumented(self, document: Any, type: str, path: Tuple[Any, ...], found: List[Violation]) -> None:
        if not isinstance(document, dict):
            return
        definition = self._definitions[type]
        properties = self._properties[type]
        if type not in self._open:
            names = sorted(properties)
            for key in document:
                if key in ("_links", "_embedded", "_templates") or key in properties:
                    continue
                found.append(
                    Violation(
                        pointer_of((*path, key)),
                        "undocumented",
                        f"{type}: property {key!r} is not documented{_did_you_mean(key, names)}",
                        type,
                    )
                )
        links = document.get("_links")
        if isinstance(links, dict):
            rels = sorted(definition.links)
            for rel in links:
                if rel in definition.links or rel == "curies":
                    continue
                found.append(
                    Violation(
                        pointer_of((*path, "_links", rel)),
                        "undocumented",
                        f"{type}: link relation {rel!r} is not documented{_did_you_mean(rel, rels)}",
                        type,
                    )
                )
        embedded = document.get("_embedded")
        if isinstance(embedded, dict):
            rels = sorted(definition.embedded)
            for rel, value in embedded.items():
                rule = definition.embedded.get(rel)
                if rule is None:
                    found.append(
                        Violation(
                            pointer_of((*path, "_embedded", rel)),
                            "undocumented",
                            f"{type}: embedded rel {rel!r} is not documented{_did_you_mean(rel, rels)}",
                            type,
                        )
                    )
                elif isinstance(value, list):
                    for index, item in enumerate(value):
                        self._undocumented(item, rule.type, (*path, "_embedded", rel, index), found)
                else:
                    self._undocumented(value, rule.type, (*path, "_embedded", rel), found)

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
        document = document_of(document_or_resource)
        ranked = []
        for index, name in enumerate(self._definitions):
            violations = self._validate(document, name)
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
        # what rank_types would say, validating only the best-scoring types
        document = document_of(document_or_resource)
        scores = {name: self._specificity(name, document) for name in self._definitions}
        if not scores:  # pragma: no cover - a profile has at least one type
            return []
        best = max(scores.values())
        top = [name for name, score in scores.items() if score == best]
        counts = {name: len(self._validate(document, name)) for name in top}
        valid = [name for name in top if not counts[name]]
        if valid:
            return valid
        return sorted(top, key=lambda name: (counts[name], top.index(name)))

    # -- the rules a client applies -----------------------------------------

    def enforce(
        self,
        document_or_resource: Any,
        type: str,
        validation: str = "strict",
        *,
        stacklevel: int = 2,
        undocumented: bool = False,
    ) -> List[Violation]:
        """Validate, then act on the violations as the validation mode says.

        THE validation rule of halkit: a client, the crawl and ``halkit
        validate`` all call this. A resource's URL (its ``url`` attribute, when
        it has one) heads the message, and the error keeps the resource.

        :param document_or_resource: the document or resource.
        :param type: the type.
        :param validation: ``"strict"`` raises, ``"warn"`` warns
            (:class:`halkit.ProfileWarning`), ``"off"`` does not validate.
        :param stacklevel: passed to :func:`warnings.warn`, relative to the caller.
        :param undocumented: also look for undocumented names (:meth:`undocumented`);
            those only ever warn, in strict mode too, and do not fail it.
        :returns: the violations (empty in ``"off"`` mode), warning-level ones included.
        :raises halkit.ProfileViolationError: in strict mode, listing the violations.
        :raises halkit.ProfileError: an unknown mode or type.
        """
        check_mode(validation)
        if validation == "off":
            return []
        violations = self.validate(document_or_resource, type, undocumented=undocumented)
        if not violations:
            return violations
        url = getattr(document_or_resource, "url", None)
        where = f"{url}: " if isinstance(url, str) else ""
        errors = [v for v in violations if v.rule not in WARNING_RULES]
        notes = [v for v in violations if v.rule in WARNING_RULES]
        if notes:
            warnings.warn(where + self.summary(notes, type), ProfileWarning, stacklevel=stacklevel + 1)
        if errors and validation == "strict":
            raise ProfileViolationError(
                where + self.summary(errors, type),
                errors,
                resource=None if isinstance(document_or_resource, Mapping) else document_or_resource,
            )
        if errors:
            warnings.warn(where + self.summary(errors, type), ProfileWarning, stacklevel=stacklevel + 1)
        return violations

    def check_method(
        self, type: str, rel: str, method: str, validation: str = "strict", *, stacklevel: int = 2
    ) -> None:
        """Refuse (strict) or warn about a method the profile does not document for a rel.

        THE method rule of halkit, checked before anything is sent: HEAD and
        OPTIONS are always allowed (they change nothing), and an undocumented
        rel refuses nothing. For a request on a resource's own URL, pass
        ``rel="self"``.

        :param type: the source resource's type.
        :param rel: the link relation about to be used.
        :param method: the HTTP method about to be sent.
        :param validation: the validation mode: ``"strict"`` raises,
            ``"warn"`` warns (:class:`halkit.ProfileWarning`), ``"off"`` does nothing.
        :param stacklevel: passed to :func:`warnings.warn`, relative to the caller.
        :raises halkit.ProfileViolationError: in strict mode, when the method is not
            documented (its one violation has the rule ``method``).
        :raises halkit.ProfileError: an unknown mode or type.
        """
        check_mode(validation)
        if validation == "off":
            return
        method = method.upper()
        methods = self.link_methods(type, rel)
        if methods is None or method in methods or method in SAFE_METHODS:
            return
        message = (
            f"the {self.name} profile documents {', '.join(sorted(methods))} for rel {rel!r} of {type},"
            f" not {method}; nothing was sent"
        )
        if validation == "strict":
            violation = Violation(pointer_of(("_links", rel)), "method", message, type)
            raise ProfileViolationError(message, [violation])
        warnings.warn(message, ProfileWarning, stacklevel=stacklevel + 1)

    def summary(self, violations: Sequence[Violation], type: str) -> str:
        """Return a one-paragraph description of violations (for errors and warnings).

        :param violations: the violations.
        :param type: the type validated against.
        """
        shown = "; ".join(f"{v.pointer or '/'}: {v.message}" for v in violations[:MAX_LISTED])
        more = f"; and {len(violations) - MAX_LISTED} more" if len(violations) > MAX_LISTED else ""
        return f"{len(violations)} violation(s) of the {self.name} profile for type {type}: {shown}{more}"


def _sort_key(violation: Violation) -> Tuple[Any, ...]:
    segments = violation.pointer.split("/")[1:] if violation.pointer else []
    return tuple((0, int(s), "") if s.isdigit() else (1, 0, s) for s in segments), violation.rule
