"""The compiled validity check agrees with jsonschema, and validation uses it.

Three layers:

* keyword by keyword, ``compile_check`` against ``Draft202012Validator`` on
  hand-picked instances (the JSON type edge cases: ``True`` is not ``1``, an
  integral float is an integer, only dict/list are object/array);
* schemas with a keyword it does not support compile to ``None`` (jsonschema
  then decides alone);
* the chatkitty profile: every example against every type, and hypothesis
  mutations of the examples (keys removed, types changed, enum values
  changed, nulls, nesting, extra keys): the fast check's verdict equals
  jsonschema's, and ``Profile.validate`` returns exactly the violations the
  jsonschema-only path returns.
"""

from __future__ import annotations

import copy
import json
import pathlib
import threading
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import halkit
from halkit.registry import Profile, profile
from halkit.registry.compiler import validator_class
from halkit.registry.explain import violations_from_errors
from halkit.registry.fastcheck import SUPPORTED, Check, compile_check
from halkit.resource import Resource
from halkit.violations import Violation, format_checker

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "chatkitty"
INDEX: Dict[str, Dict[str, str]] = json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))
CK = profile("chatkitty")
TYPES = CK.types
KEYWORDS = frozenset(validator_class().VALIDATORS)
CHECKER = format_checker()


def _load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


#: every example, by name, with its type; plus an organization (no example exists)
DOCS: Dict[str, Tuple[Any, str]] = {name: (_load(name), entry["type"]) for name, entry in INDEX.items()}
DOCS["organization"] = ({"name": "Acme", "_links": {"self": {"href": "/v1/organizations/1"}}}, "organization")
#: the later docs' application (templated find: links) made valid with the seed's organization link
_FINDERS = copy.deepcopy(DOCS["v1-application"][0])
_FINDERS["_links"]["organization"] = {"href": "https://api.chatkitty.com/v1/organizations/1"}
DOCS["application-with-finders"] = (_FINDERS, "application")


def _check(schema: Any) -> Optional[Check]:
    return compile_check(schema, CK.registry.resolver(), CHECKER, KEYWORDS)


def _agrees(schema: Any, instances: List[Any]) -> None:
    check = _check(schema)
    assert check is not None, schema
    reference = validator_class()(schema, registry=CK.registry, format_checker=CHECKER)
    for instance in instances:
        assert check(instance) == reference.is_valid(instance), (schema, instance)


def _reference(document: Any, type_name: str) -> List[Violation]:
    """What validation returned before the fast check: jsonschema alone."""
    validator = CK._validator(type_name)  # noqa: SLF001
    return violations_from_errors(validator.iter_errors(document), document, type_name, CK._definitions)  # noqa: SLF001


def _fast(type_name: str) -> Check:
    CK._validator(type_name)  # noqa: SLF001
    check = CK._fast_checks[type_name]  # noqa: SLF001
    assert check is not None
    return check


# -- keyword by keyword ----------------------------------------------------------------

VALUES: List[Any] = [
    None, True, False, 0, 1, -1, 1.0, 1.5, -0.0, 2**31, 2**63, -(2**63) - 1, "", "a", "TEXT", "1",
    "2020-09-08T12:00:00Z", "2020-02-30T12:00:00Z", [], [1], [1, "a"], [True], {}, {"a": 1}, {"href": "/x"},
    {"href": "/x{?page,size}", "templated": True}, {"href": "/x{?page}", "templated": True}, (1,),
]  # fmt: skip

KEYWORD_SCHEMAS: List[Any] = [
    True,
    False,
    {},
    {"type": "string"},
    {"type": "integer"},
    {"type": "number"},
    {"type": "boolean"},
    {"type": "null"},
    {"type": "array"},
    {"type": "object"},
    {"type": ["string", "integer"]},
    {"type": ["object", "array"]},
    {  # a generated link: one link object, or an array of them
        "type": ["object", "array"],
        "required": ["href"],
        "properties": {"href": {"type": "string"}},
        "items": {"type": "object", "required": ["href"], "properties": {"href": {"type": "string"}}},
    },
    {"enum": ["TEXT", "FILE"]},
    {"enum": [1, True, None, [1], {"a": 1}]},
    {"enum": [0, "a"]},
    {"const": True},
    {"const": 1},
    {"const": None},
    {"const": "a"},
    {"const": [1]},
    {"const": {"a": 1}},
    {"type": "integer", "format": "int64"},
    {"format": "int32"},
    {"format": "date-time"},
    {"format": "uri"},  # unknown to the checker: passes
    {"required": ["a", "href"]},
    {"type": "object", "required": ["a"]},
    {"properties": {"a": {"type": "integer"}, "href": {"type": "string"}}},
    {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False},
    {"properties": {"a": True}, "additionalProperties": {"type": "string"}},
    {"additionalProperties": {"type": "integer"}},
    {"items": {"type": "integer"}},
    {"type": "array", "items": False},
    {"prefixItems": [{"type": "integer"}], "items": {"type": "string"}},
    {"prefixItems": [{"type": "integer"}], "items": False},
    {"minItems": 1, "maxItems": 1},
    {"minLength": 1, "maxLength": 1},
    {"pattern": "^[0-9]+$"},
    {"pattern": "T"},
    {"minimum": 0, "maximum": 2**31},
    {"exclusiveMinimum": 0, "exclusiveMaximum": 1.5},
    {"allOf": [{"type": "integer"}, {"minimum": 1}]},
    {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    {"oneOf": [{"type": "integer"}, {"type": "number"}]},
    {"not": {"type": "string"}},
    {"if": {"type": "string"}, "then": {"minLength": 1}, "else": {"type": "integer"}},
    {"if": {"type": "string"}, "then": {"minLength": 1}},
    {"if": {"type": "string"}, "else": {"const": 1}},
    {"if": {"type": "string"}},
    {"then": False},  # no "if": no effect
    {"x-halkit-template-variables": ["page", "size"]},
    {"$ref": "https://halkit.dev/profiles/chatkitty/common.json#/$defs/id"},
    {"$ref": "https://halkit.dev/profiles/chatkitty/user.json"},
    {"title": "annotations only", "description": "x", "examples": [1], "x-halkit-rule": "enum"},
]


@pytest.mark.parametrize("schema", KEYWORD_SCHEMAS, ids=[json.dumps(s)[:60] for s in KEYWORD_SCHEMAS])
def test_each_keyword_agrees_with_jsonschema(schema: Any) -> None:
    _agrees(schema, VALUES)


def test_every_supported_keyword_is_exercised() -> None:
    used = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            used.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(KEYWORD_SCHEMAS)
    assert SUPPORTED <= used
    assert SUPPORTED <= KEYWORDS  # all are keywords jsonschema applies


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from("ab"), children, max_size=2),
        max_leaves=8,
    )
)
@settings(max_examples=150, deadline=None)
def test_keywords_agree_on_random_instances(instance: Any) -> None:
    for schema in KEYWORD_SCHEMAS:
        _agrees(schema, [instance])


@pytest.mark.parametrize(
    "schema",
    [
        {"uniqueItems": True},
        {"multipleOf": 2},
        {"patternProperties": {"^a": {"type": "string"}}},
        {"properties": {"a": {"contains": {"type": "string"}}}},
        {"dependentRequired": {"a": ["b"]}},
        {"unevaluatedProperties": False},
        {"$dynamicRef": "#meta"},
        {"allOf": [{"propertyNames": {"maxLength": 3}}]},
        {"items": {"$id": "https://example.com/nested", "type": "string"}},
        {"$ref": "https://example.com/nowhere"},
        {"x-halkit-template-variables": "page"},  # a form the keyword's predicate does not take
    ],
)
def test_unsupported_schemas_compile_to_none(schema: Any) -> None:
    assert _check(schema) is None


def test_recursive_references_compile_once() -> None:
    schema = {
        "$id": "https://example.com/tree",
        "type": "object",
        "required": ["n"],
        "properties": {"n": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#"}}},
    }
    import referencing
    import referencing.jsonschema

    registry: Any = referencing.Registry().with_resource(
        "https://example.com/tree", referencing.Resource.from_contents(schema, referencing.jsonschema.DRAFT202012)
    )
    check = compile_check(schema, registry.resolver(), CHECKER, KEYWORDS)
    assert check is not None
    reference = Draft202012Validator(schema, registry=registry)
    deep: Dict[str, Any] = {"n": 0}
    node = deep
    for i in range(30):
        node["children"] = [{"n": i}, {"n": i + 1}]
        node = node["children"][1]
    for instance in (deep, {"n": 1, "children": [{"n": "x"}]}, {"children": []}, {"n": 1, "children": [{}]}):
        assert check(instance) == reference.is_valid(instance)
    assert check(deep) is True


def test_each_custom_keyword_is_defined_once_for_both_paths() -> None:
    from halkit.registry.keywords import KEYWORDS as CUSTOM

    validators = validator_class().VALIDATORS
    for name, keyword in CUSTOM.items():
        assert name in SUPPORTED
        assert validators[name].__self__ is keyword  # jsonschema runs the keyword's own function
        assert validators[name].__func__ is type(keyword).jsonschema_keyword


# -- the chatkitty profile ---------------------------------------------------------------


def test_every_chatkitty_type_compiles() -> None:
    for name in TYPES:
        _fast(name)


@pytest.mark.parametrize("type_name", TYPES)
def test_every_example_against_every_type(type_name: str) -> None:
    check = _fast(type_name)
    validator = CK._validator(type_name)  # noqa: SLF001
    verdicts = set()
    for document, _ in DOCS.values():
        verdict = check(document)
        verdicts.add(verdict)
        assert verdict == validator.is_valid(document)
        assert CK.validate(document, type_name) == _reference(document, type_name)


REPLACEMENTS = st.sampled_from(
    [
        None, True, False, 0, -1, 7, 1.0, 2.5, 2**31, 2**63, -(2**63) - 1, "", "x", "TEXT", "FILE", "SYSTEM_FILE",
        "FCM", "APNS", "DIRECT", "HOSTED", "2020-09-08T12:00:00Z", "2020-09-08 12:00", [], {}, {"href": "/x"},
        {"href": "/x{?page,size,name}", "templated": True}, {"href": "/x{?q}", "templated": True}, [{"href": "/x"}],
        {"href": 1}, {"type": "HOSTED", "url": "/f"}, {"size": 1},
    ]
)  # fmt: skip
NEW_KEYS = st.sampled_from(
    ["_links", "_embedded", "type", "body", "file", "templated", "href", "self", "users", "page", "id", "x", "size",
     "user", "certificate", "apiKey", "organization", "next", "messages"]
)  # fmt: skip


def _paths(node: Any, path: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*path, index)))
    return found


def _mutate(document: Any, data: Any) -> Any:
    path = data.draw(st.sampled_from(_paths(document)))
    operation = data.draw(
        st.sampled_from(["remove", "replace", "null", "wrap-list", "wrap-object", "add-key", "negate", "template"])
    )
    if not path:
        if operation == "add-key" and isinstance(document, dict):
            document[data.draw(NEW_KEYS)] = copy.deepcopy(data.draw(REPLACEMENTS))
            return document
        return copy.deepcopy(data.draw(REPLACEMENTS)) if operation == "replace" else document
    parent = document
    for segment in path[:-1]:
        parent = parent[segment]
    last = path[-1]
    value = parent[last]
    if operation == "remove":
        del parent[last]
    elif operation == "replace":
        parent[last] = copy.deepcopy(data.draw(REPLACEMENTS))
    elif operation == "null":
        parent[last] = None
    elif operation == "wrap-list":
        parent[last] = [value]
    elif operation == "wrap-object":
        parent[last] = {data.draw(NEW_KEYS): value}
    elif operation == "negate" and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[last] = -value - 1
    elif operation == "template" and isinstance(value, dict) and "href" in value:
        value["href"], value["templated"] = "/x{?page}", data.draw(st.sampled_from([True, False, "true"]))
    elif operation == "add-key" and isinstance(value, dict):
        value[data.draw(NEW_KEYS)] = copy.deepcopy(data.draw(REPLACEMENTS))
    return document


def _single_mutations(value: Any) -> List[Tuple[str, Any]]:
    """Deterministic replacements for one value: (label, new value or _REMOVE)."""
    out: List[Tuple[str, Any]] = [("remove", _REMOVE), ("null", None), ("wrap-list", [value]), ("string", "x")]
    out.append(("integer", 7) if isinstance(value, str) else ("object", {}))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out += [("negate", -value - 1), ("huge", 2**63), ("float", value + 0.5)]
    if isinstance(value, str):
        out += [("enum", "SYSTEM_FILE"), ("date-time", "2020-02-30T00:00:00Z")]
    if isinstance(value, bool):
        out.append(("flip", not value))
    if isinstance(value, dict) and "href" in value:
        out += [("template", {**value, "href": "/x{?page}", "templated": True}), ("href", {**value, "href": 1})]
        out += [("links", [value, {**value, "href": 1}])]
    return out


_REMOVE = object()


def _every_single_mutation() -> List[Tuple[str, Any, str]]:
    cases = []
    for name, (document, own_type) in sorted(DOCS.items()):
        for path in _paths(document)[1:]:
            parent = document
            for segment in path[:-1]:
                parent = parent[segment]
            for label, new in _single_mutations(parent[path[-1]]):
                mutated = copy.deepcopy(document)
                target = mutated
                for segment in path[:-1]:
                    target = target[segment]
                if new is _REMOVE:
                    del target[path[-1]]
                else:
                    target[path[-1]] = copy.deepcopy(new)
                cases.append((f"{name}{''.join('/' + str(s) for s in path)}:{label}", mutated, own_type))
    return cases


def test_every_single_mutation_of_every_example_agrees() -> None:
    verdicts = {True: 0, False: 0}
    cases = _every_single_mutation()
    assert len(cases) > 1900
    for label, document, type_name in cases:
        verdict = _fast(type_name)(document)
        verdicts[verdict] += 1
        assert verdict == CK._validator(type_name).is_valid(document), label  # noqa: SLF001
        if not verdict:
            assert CK.validate(document, type_name) == _reference(document, type_name), label
    assert min(verdicts.values()) > 300, verdicts


@given(st.data())
@settings(max_examples=300, deadline=None)
def test_mutated_examples_agree_with_jsonschema(data: Any) -> None:
    name = data.draw(st.sampled_from(sorted(DOCS)))
    document, own_type = DOCS[name]
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3))):
        document = _mutate(document, data)
    type_name = data.draw(st.one_of(st.just(own_type), st.sampled_from(TYPES)))
    assert _fast(type_name)(document) == CK._validator(type_name).is_valid(document)  # noqa: SLF001
    assert CK.validate(document, type_name) == _reference(document, type_name)


# -- how validation uses it ----------------------------------------------------------------


def test_valid_documents_never_reach_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    p = Profile.from_directory(pathlib.Path(CK.origin))
    page, _ = DOCS["v1-user-page"]
    p._validator("user-page")  # noqa: SLF001

    class Boom:
        def iter_errors(self, instance: Any) -> Any:
            raise AssertionError("jsonschema ran on a valid document")

    monkeypatch.setitem(p._validators, "user-page", Boom())  # noqa: SLF001
    assert p.validate(page, "user-page") == []
    broken = copy.deepcopy(page)
    del broken["_links"]["self"]
    with pytest.raises(AssertionError, match="jsonschema ran"):
        p.validate(broken, "user-page")


def test_a_failing_fast_check_defers_to_jsonschema() -> None:
    p = Profile.from_directory(pathlib.Path(CK.origin))
    p._validator("user")  # noqa: SLF001

    def undecided(instance: Any) -> bool:
        raise RecursionError

    p._fast_checks["user"] = undecided  # noqa: SLF001
    user, _ = DOCS["v1-user"]
    assert p.validate(user, "user") == []
    assert ("/name", "required-property") in {(v.pointer, v.rule) for v in p.validate({"id": 1}, "user")}


def test_a_profile_with_unsupported_keywords_still_validates(tmp_path: pathlib.Path) -> None:
    manifest = {
        "name": "tags",
        "entry": {"type": "tagged", "environments": {"local": {"entry_url": "http://127.0.0.1/"}}},
        "types": {"tagged": {"schema": "tagged.json"}},
    }
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://halkit.dev/profiles/tags/tagged.json",
        "type": "object",
        "properties": {"tags": {"type": "array", "uniqueItems": True}},
    }
    p = Profile.from_data(manifest, {"tagged.json": schema})
    assert p.validate({"tags": ["a", "b"]}, "tagged") == []
    assert p._fast_checks["tagged"] is None  # noqa: SLF001
    assert [v.rule for v in p.validate({"tags": ["a", "a"]}, "tagged")] == ["property-value"]


def test_resources_are_validated_in_place_without_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    page, _ = DOCS["v1-user-page"]
    resource = halkit.parse(json.dumps(page))
    before = copy.deepcopy(resource._doc)  # noqa: SLF001

    def no_copy(self: Resource) -> Dict[str, Any]:
        raise AssertionError("validation copied the document")

    monkeypatch.setattr(Resource, "to_dict", no_copy)
    assert CK.validate(resource, "user-page") == []
    broken = halkit.parse(json.dumps({"page": {"size": -1}, "_links": {}}))
    assert {v.rule for v in CK.validate(broken, "user-page")} == {"required-link", "property-value"}
    assert resource._doc == before  # noqa: SLF001
    assert CK.infer_types(resource) == ["user-page"]


def test_fast_checks_compile_once_per_type_across_threads() -> None:
    p = Profile.from_directory(pathlib.Path(CK.origin))
    user, _ = DOCS["v1-user"]
    results: List[Any] = []

    def work() -> None:
        results.append(p.validate(user, "user"))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[]] * 8
    first = p._fast_checks["user"]  # noqa: SLF001
    assert first is not None and list(p._fast_checks) == ["user"]  # noqa: SLF001
    p.validate(user, "user")
    assert p._fast_checks["user"] is first  # noqa: SLF001


def _inferred_by_ranking(document: Any) -> List[str]:
    """infer_types as it was defined: from the full ranking of every type."""
    ranked = CK.rank_types(document)
    best = ranked[0][2]
    top = [(name, violations) for name, violations, score in ranked if score == best]
    valid = [name for name, violations in top if not violations]
    return valid if valid else [name for name, _ in top]


def test_infer_types_agrees_with_the_full_ranking() -> None:
    cases = [(name, document) for name, (document, _) in DOCS.items()]
    cases += [(label, document) for label, document, _ in _every_single_mutation()[::7]]
    assert len(cases) > 250
    for label, document in cases:
        assert CK.infer_types(document) == _inferred_by_ranking(document), label
