"""halkit.registry: loading, broken profiles, the registry, validation modes, clients."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import pathlib
import subprocess
import sys
import threading
import warnings
from types import MappingProxyType
from typing import Any, Dict, Iterator, List

import pytest

import halkit
from halkit import registry
from halkit.registry import Profile, ProfileRegistry, Violation, discovery, profile, profiles
from halkit.violations import format_checker, is_rfc3339_date_time

from oauth_server import OAuthServer

BASE = "https://example.test/profiles/mini/"


def manifest(**changes: Any) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "name": "mini",
        "base_uri": BASE,
        "entry": {"type": "root", "environments": {"local": {"entry_url": "http://127.0.0.1/api"}}},
        "types": {
            "root": {"links": {"self": {"required": True, "target": "root"}, "things": {"target": "thing-list"}}},
            "thing": {
                "schema": "thing.json",
                "links": {
                    "self": {"required": True, "methods": ["GET", "DELETE"], "target": "thing"},
                    "search": {"templated": True, "variables": ["q"], "target": "thing-list"},
                },
            },
            "thing-list": {
                "links": {"self": {"required": True}},
                "embedded": {"things": {"type": "thing", "array": True}},
            },
        },
    }
    data.update(changes)
    return data


THING = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": BASE + "thing.json",
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"$ref": "common.json#/$defs/id"}, "label": {"type": "string"}},
}
COMMON = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": BASE + "common.json",
    "$defs": {"id": {"type": "integer", "format": "int64"}},
}


def write_profile(folder: pathlib.Path, files: Dict[str, Any]) -> pathlib.Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def mini(tmp_path: pathlib.Path) -> pathlib.Path:
    return write_profile(tmp_path / "mini", {"profile.json": manifest(), "thing.json": THING, "common.json": COMMON})


# -- finding profiles ---------------------------------------------------------


def test_installed_profiles() -> None:
    assert "chatkitty" in profiles()
    assert profile("chatkitty") is profile("chatkitty")  # cached
    assert profile("chatkitty").name == "chatkitty"


def test_unknown_name_lists_the_installed_profiles() -> None:
    with pytest.raises(halkit.ProfileNotFoundError, match="unknown profile 'nope'.*chatkitty") as info:
        profile("nope")
    assert isinstance(info.value, LookupError) and isinstance(info.value, halkit.ProfileError)


def test_load_from_a_directory(mini: pathlib.Path) -> None:
    loaded = profile(str(mini))
    assert loaded.name == "mini" and loaded.types == ["root", "thing", "thing-list"]
    assert profile(mini) is loaded  # PathLike, cached by path
    assert profile(str(mini / "profile.json")) is loaded
    assert Profile.from_directory(mini).types == loaded.types


def test_missing_directory(tmp_path: pathlib.Path) -> None:
    with pytest.raises(halkit.ProfileNotFoundError, match="no such profile directory"):
        profile(str(tmp_path / "absent"))
    with pytest.raises(halkit.ProfileNotFoundError, match="no profile.json"):
        profile(str(tmp_path))


def test_registry_is_immutable(mini: pathlib.Path) -> None:
    base = ProfileRegistry.discover()
    extended = base.with_profile(Profile.from_directory(mini))
    assert "mini" in extended and "mini" not in base
    assert extended.names() == sorted([*base.names(), "mini"])
    assert extended.get("mini").name == "mini"
    assert len(extended) == len(base) + 1 and list(extended) == extended.names()


class _FakeEntryPoint(importlib.metadata.EntryPoint):
    pass


@pytest.fixture
def plugin(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[List[Any]]:
    """A package on sys.path shipping a profile, and entry points naming it."""
    package = tmp_path / "site" / "acme_halkit"
    write_profile(
        package, {"__init__.py": "", "profile.json": manifest(name="acme"), "thing.json": THING, "common.json": COMMON}
    )
    write_profile(tmp_path / "site", {"acme_paths.py": f"FOLDER = {str(package)!r}\nBROKEN = 42\n"})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    points: List[Any] = []
    monkeypatch.setattr(
        discovery, "_entry_points", lambda group: list(points) if group == registry.ENTRY_POINT_GROUP else []
    )
    yield points
    for name in ("acme_halkit", "acme_paths"):
        sys.modules.pop(name, None)


def ep(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=value, group=registry.ENTRY_POINT_GROUP)


def test_entry_point_to_a_package(plugin: List[Any]) -> None:
    plugin.append(ep("acme", "acme_halkit"))
    found = ProfileRegistry.discover()
    assert "acme" in found.names() and "chatkitty" in found.names()
    assert found.get("acme").name == "acme"


def test_entry_point_to_a_path(plugin: List[Any]) -> None:
    plugin.append(ep("acme", "acme_paths:FOLDER"))
    assert ProfileRegistry.discover().get("acme").types == ["root", "thing", "thing-list"]


def test_default_registry_refresh(plugin: List[Any]) -> None:
    plugin.append(ep("acme", "acme_halkit"))
    try:
        assert "acme" in registry.default_registry(refresh=True).names()
        assert "acme" in profiles()
    finally:
        plugin.clear()
        registry.default_registry(refresh=True)
    assert "acme" not in profiles()


def test_shipped_profiles_win_over_entry_points(plugin: List[Any]) -> None:
    plugin.append(ep("chatkitty", "acme_halkit"))
    assert ProfileRegistry.discover().get("chatkitty").name == "chatkitty"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("acme_halkit", "names the profile 'acme', but it is registered as 'other'"),
        ("acme_paths:BROKEN", "resolves to int"),
        ("no_such_module_xyz", "cannot be loaded"),
    ],
)
def test_broken_entry_points(plugin: List[Any], value: str, message: str) -> None:
    plugin.append(ep("other", value))
    with pytest.raises(halkit.ProfileError, match=message):
        ProfileRegistry.discover().get("other")


# -- broken profiles ----------------------------------------------------------


def broken(tmp_path: pathlib.Path, **files: Any) -> str:
    contents: Dict[str, Any] = {"profile.json": manifest(), "thing.json": THING, "common.json": COMMON}
    for name, content in files.items():
        key = name.replace("_json", ".json")
        if content is None:
            contents.pop(key, None)
        else:
            contents[key] = content
    folder = write_profile(tmp_path / "broken", contents)
    with pytest.raises(halkit.ProfileError) as info:
        Profile.from_directory(folder)
    return str(info.value)


def test_invalid_json_manifest(tmp_path: pathlib.Path) -> None:
    message = broken(tmp_path, profile_json='{"name": "mini",\n  oops}')
    assert "broken/profile.json: invalid JSON" in message and "line 2" in message


def test_invalid_json_schema_file(tmp_path: pathlib.Path) -> None:
    message = broken(tmp_path, thing_json="{")
    assert "broken/thing.json: invalid JSON" in message


def test_manifest_breaking_the_meta_schema(tmp_path: pathlib.Path) -> None:
    bad = manifest()
    bad["types"]["thing"]["links"]["self"]["methods"] = ["FETCH"]
    bad["colour"] = "blue"
    message = broken(tmp_path, profile_json=bad)
    assert "broken/profile.json: not a valid profile manifest" in message
    assert "/types/thing/links/self/methods/0" in message and "'FETCH'" in message
    assert "colour" in message


def test_schema_file_breaking_the_2020_12_meta_schema(tmp_path: pathlib.Path) -> None:
    message = broken(tmp_path, thing_json={**THING, "required": "id"})
    assert "broken/thing.json: not a valid JSON Schema 2020-12 document" in message and "/required" in message


def test_dangling_ref_in_a_schema_file(tmp_path: pathlib.Path) -> None:
    thing = json.loads(json.dumps(THING))
    thing["properties"]["id"] = {"$ref": "common.json#/$defs/identifier"}
    message = broken(tmp_path, thing_json=thing)
    assert "broken/thing.json: at /properties/id/$ref" in message and "common.json#/$defs/identifier" in message
    assert "does not resolve" in message


def test_ref_to_a_missing_file(tmp_path: pathlib.Path) -> None:
    message = broken(tmp_path, common_json=None)
    assert "broken/thing.json" in message and "nothing has the URI" in message


def test_dangling_type_schema(tmp_path: pathlib.Path) -> None:
    bad = manifest()
    bad["types"]["thing"]["schema"] = "thing.json#/$defs/nothing"
    message = broken(tmp_path, profile_json=bad)
    assert "broken/profile.json: at /types/thing/schema" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m["types"]["root"]["links"]["things"].update(target="widgets"), "'widgets' is not a declared type"),
        (lambda m: m["entry"].update(type="nothing"), "the entry type 'nothing' is not a declared type"),
        (lambda m: m["entry"].update(default_environment="prod"), "'prod' is not one of the environments"),
        (
            lambda m: m["types"]["thing-list"]["embedded"]["things"].update(type="gizmo"),
            "'gizmo' is not a declared type",
        ),
        (
            lambda m: m["types"]["thing"]["links"]["self"].update(responses={"POST": "thing"}),
            "POST is not one of the rel's methods",
        ),
        (lambda m: m.update(auth={"type": "oauth2-client-credentials"}), "oauth2 needs a token_url"),
    ],
)
def test_inconsistent_manifests(tmp_path: pathlib.Path, change: Any, expected: str) -> None:
    bad = manifest()
    change(bad)
    assert expected in broken(tmp_path, profile_json=bad)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({**THING, "$schema": "http://json-schema.org/draft-07/schema#"}, "profiles use JSON Schema 2020-12"),
        ({**COMMON}, "is also the $id of"),
        ([1, 2], "must hold a JSON object"),
    ],
)
def test_bad_schema_files(tmp_path: pathlib.Path, schema: Any, expected: str) -> None:
    assert expected in broken(tmp_path, thing_json=schema)


def test_a_broken_profile_is_an_invalid_profile_error_naming_file_and_pointer(tmp_path: pathlib.Path) -> None:
    bad = manifest()
    bad["types"]["thing"]["links"]["self"]["methods"] = ["FETCH"]
    folder = write_profile(tmp_path / "broken", {"profile.json": bad, "thing.json": THING, "common.json": COMMON})
    with pytest.raises(halkit.InvalidProfileError) as info:
        Profile.from_directory(folder)
    error = info.value
    assert isinstance(error, halkit.ProfileError) and not isinstance(error, halkit.ProfileViolationError)
    assert error.file is not None and error.file.endswith("broken/profile.json")
    assert error.pointer == "/types/thing/links/self/methods/0"
    assert error.problems and error.problems[0].startswith("at /types/thing/links/self/methods/0: ")
    thing = json.loads(json.dumps(THING))
    thing["properties"]["id"] = {"$ref": "common.json#/$defs/identifier"}
    folder = write_profile(tmp_path / "dangling", {"profile.json": manifest(), "thing.json": thing, "common.json": COMMON})
    with pytest.raises(halkit.InvalidProfileError) as info:
        Profile.from_directory(folder)
    assert info.value.file is not None and info.value.file.endswith("dangling/thing.json")
    assert info.value.pointer == "/properties/id/$ref"
    with pytest.raises(halkit.InvalidProfileError) as info:
        Profile.from_directory(write_profile(tmp_path / "json", {"profile.json": "{"}))
    assert info.value.file is not None and info.value.file.endswith("json/profile.json") and info.value.pointer is None


# -- authoring without friction -----------------------------------------------


def test_schema_files_need_no_id_and_refs_may_be_relative(tmp_path: pathlib.Path) -> None:
    thing = {k: v for k, v in THING.items() if k != "$id"}
    common = {**COMMON, "$id": "common.json"}  # a relative $id resolves against base_uri
    folder = write_profile(tmp_path / "mini", {"profile.json": manifest(), "thing.json": thing, "common.json": common})
    p = Profile.from_directory(folder)
    assert p.schema_files == {BASE + "common.json": "common.json", BASE + "thing.json": "thing.json"}
    assert [v.pointer for v in p.validate({"id": "x", "_links": {"self": {"href": "/t"}}}, "thing")] == ["/id"]


def test_inline_schemas(tmp_path: pathlib.Path) -> None:
    data = manifest()
    data["types"]["thing"]["schema"] = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"$ref": "common.json#/$defs/id"}, "label": {"type": "string"}},
    }
    p = Profile.from_data(data, {"common.json": COMMON})
    assert p.validate({"id": 1, "_links": {"self": {"href": "/t/1"}}}, "thing") == []
    assert [(v.pointer, v.rule) for v in p.validate({"id": 2**64, "_links": {"self": {"href": "/t"}}}, "thing")] == [
        ("/id", "format")
    ]
    assert p.properties("thing") == {"id", "label"}
    assert p.schema_files == {BASE + "common.json": "common.json"}  # files only
    assert p.infer_types({"id": 3, "label": "x", "_links": {"self": {"href": "/t/3"}}}) == ["thing"]


@pytest.mark.parametrize(
    ("schema", "pointer", "text"),
    [
        ({"type": "strin"}, "/types/thing/schema/type", "not a valid JSON Schema 2020-12 schema"),
        ({"properties": {"id": {"$ref": "common.json#/$defs/nope"}}}, "/types/thing/schema/properties/id/$ref",
         "does not resolve"),
        (42, "/types/thing/schema", "not a valid profile manifest"),
    ],
)  # fmt: skip
def test_inline_schema_errors_name_the_file_and_the_pointer(
    tmp_path: pathlib.Path, schema: Any, pointer: str, text: str
) -> None:
    data = manifest()
    data["types"]["thing"]["schema"] = schema
    folder = write_profile(tmp_path / "inline", {"profile.json": data, "common.json": COMMON})
    with pytest.raises(halkit.InvalidProfileError) as info:
        Profile.from_directory(folder)
    assert info.value.file is not None and info.value.file.endswith("inline/profile.json")
    assert info.value.pointer == pointer
    assert "inline/profile.json: " in str(info.value) and text in str(info.value) and f"at {pointer}" in str(info.value)


def test_environments_are_optional_for_a_validation_only_profile() -> None:
    data = manifest()
    data["entry"] = {"type": "root"}
    p = Profile.from_data(data, {"thing.json": THING, "common.json": COMMON})
    assert dict(p.environments) == {} and p.default_environment is None
    assert p.validate({"_links": {"self": {"href": "/"}}}, "root") == []
    with pytest.raises(halkit.ProfileError, match="documents no environments.*pass entry_url"):
        p.environment()
    with pytest.raises(halkit.ProfileError, match="documents no environments"):
        halkit.Client.from_profile(p)
    client = halkit.Client.from_profile(p, entry_url="http://127.0.0.1:9/api", validation="off")
    try:
        assert client.entry_url == "http://127.0.0.1:9/api"
    finally:
        client.close()


def test_a_plain_name_finds_a_folder_in_the_current_directory(
    mini: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(mini.parent)
    registry_ = ProfileRegistry.discover()
    assert registry_.get("mini").name == "mini"
    assert profile("mini") is profile("./mini")  # one profile per folder
    monkeypatch.chdir(mini)
    with pytest.raises(halkit.ProfileNotFoundError, match="unknown profile 'mini'.*no folder 'mini' holding profile.json"):
        registry_.get("mini")


def test_an_installed_name_wins_over_a_folder_of_the_same_name(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profile(tmp_path / "chatkitty", {"profile.json": manifest(name="chatkitty"), "thing.json": THING,
                                           "common.json": COMMON})  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert len(profile("chatkitty").types) > 3  # the installed one
    assert ProfileRegistry.discover().get("./chatkitty").types == ["root", "thing", "thing-list"]


def test_init_profile_writes_a_minimal_working_profile(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = registry.init_profile("petshop", tmp_path)
    assert folder == tmp_path / "petshop" and sorted(p.name for p in folder.iterdir()) == ["page.json", "profile.json"]
    errors = list(__import__("jsonschema").Draft202012Validator(registry.meta_schema()).iter_errors(
        json.loads((folder / "profile.json").read_text(encoding="utf-8"))))  # fmt: skip
    assert errors == []
    monkeypatch.chdir(tmp_path)
    p = ProfileRegistry.discover().get("petshop")
    assert p.types == ["root", "item", "item-page"] and p.entry_type == "root" and dict(p.environments) == {}
    item = {"id": 1, "name": "Rex", "_links": {"self": {"href": "/items/1"}}}
    page = {"page": {"size": 20, "number": 0}, "_links": {"self": {"href": "/items"}}, "_embedded": {"items": [item]}}
    root = {"_links": {"self": {"href": "/"}, "items": {"href": "/items"}, "find": {"href": "/items/{id}",
                                                                                      "templated": True}}}  # fmt: skip
    for document, type_name in ((item, "item"), (page, "item-page"), (root, "root")):
        assert p.validate(document, type_name, undocumented=True) == []
        assert p.infer_types(document) == [type_name]
    assert p.response_type("root", "items", "POST") == "item"
    served = registry.init_profile("served", tmp_path, entry_url="http://127.0.0.1:8765/v1")
    assert Profile.from_directory(served).environment().entry_url == "http://127.0.0.1:8765/v1"


def test_init_profile_refuses_bad_names_and_existing_profiles(tmp_path: pathlib.Path) -> None:
    registry.init_profile("petshop", tmp_path)
    before = (tmp_path / "petshop" / "profile.json").read_text(encoding="utf-8")
    with pytest.raises(halkit.ProfileError, match="already holds a profile.json"):
        registry.init_profile("petshop", tmp_path)
    assert (tmp_path / "petshop" / "profile.json").read_text(encoding="utf-8") == before
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "page.json").write_text("{}", encoding="utf-8")
    with pytest.raises(halkit.ProfileError, match="page.json: already exists"):
        registry.init_profile("other", tmp_path)
    assert not (tmp_path / "other" / "profile.json").exists()
    for bad in ("Pet Shop", "", "-x", "../up"):
        with pytest.raises(halkit.ProfileError, match="invalid profile name"):
            registry.init_profile(bad, tmp_path)


# -- undocumented names ---------------------------------------------------------


def test_undocumented_names_with_did_you_mean() -> None:
    ck = profile("chatkitty")
    user = {
        "id": 1,
        "name": "jane",
        "displayname": "Jane",
        "_links": {
            "self": {"href": "/u/1"},
            "channels": {"href": "/u/1/c"},
            "chanels": {"href": "/u/1/c"},
            "application": {"href": "/a"},
            "curies": [{"name": "ck", "href": "/rels/{rel}", "templated": True}],
        },
    }
    found = ck.undocumented(user, "user")
    assert [(v.pointer, v.rule) for v in found] == [
        ("/_links/chanels", "undocumented"),
        ("/displayname", "undocumented"),
    ]
    assert "link relation 'chanels' is not documented; did you mean 'channels'?" in found[0].message
    assert "property 'displayname' is not documented; did you mean 'displayName'?" in found[1].message
    assert ck.validate(user, "user") == []  # off by default
    assert [v.pointer for v in ck.validate(user, "user", undocumented=True)] == ["/_links/chanels", "/displayname"]


def test_undocumented_names_in_embedded_resources_by_their_types() -> None:
    ck = profile("chatkitty")
    page = {
        "page": {"size": 1, "totalElements": 1, "totalPages": 1, "number": 0},
        "_links": {"self": {"href": "/u"}},
        "_embedded": {
            "users": [{"id": 1, "name": "n", "displayName": "d", "colour": "red", "_links": {}}],
            "usrs": [],
        },
    }
    found = [(v.pointer, v.type) for v in ck.undocumented(page, "user-page")]
    assert found == [("/_embedded/users/0/colour", "user"), ("/_embedded/usrs", "user-page")]
    assert "did you mean 'users'?" in ck.undocumented(page, "user-page")[1].message


def test_undocumented_skips_types_without_a_closed_list_of_properties(tmp_path: pathlib.Path) -> None:
    data = manifest()
    data["types"]["thing"]["schema"] = {"type": "object", "additionalProperties": {"type": "integer"}}
    p = Profile.from_data(data, {"common.json": COMMON})
    assert p.undocumented({"a": 1, "b": 2, "_links": {"self": {"href": "/"}}}, "thing") == []
    assert [v.pointer for v in p.undocumented({"anything": 1, "_links": {"slef": {"href": "/"}}}, "root")] == [
        "/_links/slef"
    ]  # no schema: properties unknown, rels still checked


def test_undocumented_names_only_ever_warn() -> None:
    ck = profile("chatkitty")
    token = {"token": "t", "tokn": "u"}
    assert ck.enforce(token, "user-token") == []  # off by default
    with pytest.warns(halkit.ProfileWarning, match="'tokn' is not documented; did you mean 'token'"):
        found = ck.enforce(token, "user-token", "strict", undocumented=True)  # strict, yet only a warning
    assert [v.rule for v in found] == ["undocumented"]
    with pytest.raises(halkit.ProfileViolationError) as info:
        with pytest.warns(halkit.ProfileWarning):
            ck.enforce({"token": 1, "tokn": "u"}, "user-token", "strict", undocumented=True)
    assert [v.rule for v in info.value.violations] == ["property-type"]  # the error lists only errors
    assert ck.enforce(token, "user-token", "off", undocumented=True) == []


# -- validating ---------------------------------------------------------------


def test_validate_a_mini_profile(mini: pathlib.Path) -> None:
    p = Profile.from_directory(mini)
    thing = {"id": 1, "_links": {"self": {"href": "/t/1"}, "search": {"href": "/t{?q}", "templated": True}}}
    assert p.validate(thing, "thing") == []
    page = {"_links": {"self": {"href": "/t"}}, "_embedded": {"things": [thing, {"id": 2**64, "_links": {}}]}}
    assert [(v.pointer, v.rule, v.type) for v in p.validate(page, "thing-list")] == [
        ("/_embedded/things/1/_links/self", "required-link", "thing"),
        ("/_embedded/things/1/id", "format", "thing"),
    ]
    page["_embedded"]["things"] = thing  # the profile says: an array
    assert [(v.pointer, v.rule) for v in p.validate(page, "thing-list")] == [("/_embedded/things", "embedded-type")]


def test_validate_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(halkit.ProfileError, match="no type 'users'; its types are: api-root, application"):
        profile("chatkitty").validate({}, "users")


def test_validate_accepts_mappings_and_resources() -> None:
    ck = profile("chatkitty")
    doc = {"token": "abc"}
    assert ck.validate(MappingProxyType(doc), "user-token") == []
    assert ck.validate(MappingProxyType({"token": 1}), "user-token")[0].rule == "property-type"

    class Resourceish:
        def to_dict(self) -> Dict[str, Any]:
            return {"token": 5}

    assert [v.pointer for v in ck.validate(Resourceish(), "user-token")] == ["/token"]
    from halkit.resource import parse

    assert ck.validate(parse({"token": "x", "_links": {}}), "user-token") == []


def test_documents_that_are_not_objects() -> None:
    violations = profile("chatkitty").validate([1, 2], "user")
    assert violations == [Violation("", "document-type", "user: expected a JSON object, got an array", "user")]
    assert str(violations[0]) == "/: user: expected a JSON object, got an array [document-type]"


def test_violation_is_frozen_and_serialisable() -> None:
    violation = Violation("/a", "enum", "x.a: bad", "x")
    with pytest.raises(AttributeError):
        violation.rule = "other"  # type: ignore[misc]
    assert violation.to_dict() == {"pointer": "/a", "rule": "enum", "message": "x.a: bad", "type": "x"}
    assert json.dumps(violation.to_dict())


def test_pointers_escape_slash_and_tilde(mini: pathlib.Path) -> None:
    p = Profile.from_directory(mini)
    thing = {"id": 1, "_links": {"self": {"href": "/1"}, "a/b~c": {"href": 3}}}
    assert [v.pointer for v in p.validate(thing, "thing")] == ["/_links/a~1b~0c/href"]


def test_validators_compile_once_per_type_and_are_thread_safe() -> None:
    p = Profile.from_directory(pathlib.Path(profile("chatkitty").origin))
    results: List[Any] = []

    def work() -> None:
        results.append(p.validate({"token": "t"}, "user-token"))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[]] * 8
    assert list(p._validators) == ["user-token"]  # noqa: SLF001
    first = p._validators["user-token"]  # noqa: SLF001
    p.validate({"token": "u"}, "user-token")
    assert p._validators["user-token"] is first  # noqa: SLF001


def test_no_network_refs_in_generated_schemas() -> None:
    ck = profile("chatkitty")
    text = json.dumps([ck.schema(t) for t in ck.types])
    assert "$ref" in text
    refs = {ref for t in ck.types for ref in _refs(ck.schema(t))}
    resolver = ck.registry.resolver()
    for ref in refs:
        resolver.lookup(ref)  # all resolve offline, from the profile's own registry


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_infer_types() -> None:
    ck = profile("chatkitty")
    assert ck.infer_types({"token": "x"}) == ["user-token"]
    empty_page = {"_links": {"self": {"href": "/x"}}, "page": {"size": 0}}
    assert set(ck.infer_types(empty_page)) == {
        "user-page",
        "channel-page",
        "user-token-page",
        "push-notification-credential-page",
        "message-page",
    }
    broken_user = {
        "id": "1",
        "name": "n",
        "displayName": "d",
        "_links": {"self": {"href": "/u"}, "channels": {"href": "/c"}, "application": {"href": "/a"}},
    }
    assert ck.infer_types(broken_user) == ["user"]  # the best description, even with a violation
    ranked = ck.rank_types(broken_user)
    assert ranked[0][0] == "user" and [v.pointer for v in ranked[0][1]] == ["/id"]


# -- modes --------------------------------------------------------------------


def test_enforce_modes() -> None:
    ck = profile("chatkitty")
    bad = {"token": 1}
    with pytest.raises(halkit.ProfileError, match="1 violation.*user-token.*/token") as info:
        ck.enforce(bad, "user-token")
    assert [v.pointer for v in info.value.violations] == ["/token"]
    with pytest.warns(halkit.ProfileWarning, match="/token"):
        assert len(ck.enforce(bad, "user-token", "warn")) == 1
    assert ck.enforce(bad, "user-token", "off") == []
    assert ck.enforce({"token": "t"}, "user-token") == []
    with pytest.raises(halkit.ProfileError, match="unknown validation mode 'loud'"):
        ck.enforce(bad, "user-token", "loud")


def test_strict_violations_are_profile_violation_errors() -> None:
    ck = profile("chatkitty")
    with pytest.raises(halkit.ProfileViolationError) as info:
        ck.enforce({"token": 1}, "user-token")
    assert isinstance(info.value, halkit.ProfileError) and not isinstance(info.value, halkit.InvalidProfileError)
    assert info.value.resource is None  # a plain document: nothing to keep


def test_enforce_names_the_resource_and_keeps_it() -> None:
    ck = profile("chatkitty")

    class Fetched:
        url = "http://127.0.0.1/v1/tokens/1"
        document = MappingProxyType({"token": 1})

    fetched = Fetched()
    with pytest.raises(halkit.ProfileViolationError, match=r"^http://127.0.0.1/v1/tokens/1: 1 violation") as info:
        ck.enforce(fetched, "user-token")
    assert info.value.resource is fetched
    with pytest.warns(halkit.ProfileWarning, match=r"^http://127.0.0.1/v1/tokens/1: 1 violation"):
        ck.enforce(fetched, "user-token", "warn")


def test_documents_are_read_through_the_document_protocol() -> None:
    ck = profile("chatkitty")

    class Holder:
        document = MappingProxyType({"token": "t"})

    assert isinstance(Holder(), registry.HasDocument)
    assert ck.validate(Holder(), "user-token") == []


@pytest.mark.parametrize("method", ["DELETE", "delete", "PUT"])
def test_check_method_modes(method: str) -> None:
    ck = profile("chatkitty")
    with pytest.raises(halkit.ProfileViolationError, match="documents GET, POST for rel 'users' of application") as info:
        ck.check_method("application", "users", method)
    assert [(v.pointer, v.rule) for v in info.value.violations] == [("/_links/users", "method")]
    with pytest.warns(halkit.ProfileWarning, match="nothing was sent"):
        ck.check_method("application", "users", method, "warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ck.check_method("application", "users", method, "off")


@pytest.mark.parametrize("validation", ["strict", "warn"])
def test_check_method_always_allows_head_and_options_and_documented_methods(validation: str) -> None:
    ck = profile("chatkitty")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("HEAD", "options", "GET", "post"):
            ck.check_method("application", "users", method, validation)
        ck.check_method("application", "no-such-rel", "DELETE", validation)  # undocumented: nothing to refuse
    with pytest.raises(halkit.ProfileError, match="unknown validation mode"):
        ck.check_method("application", "users", "GET", "loud")


def test_auth_spec_gives_generic_client_credentials_options() -> None:
    options = profile("chatkitty").auth.client_credentials_options("acme", "s3cret")
    assert options == {
        "scope": None,
        "auth_method": "client_secret_basic",
        "extra_params": {"username": "acme", "password": "s3cret"},
    }
    assert registry.AuthSpec().client_credentials_options("a", "b")["extra_params"] is None


# -- layering ------------------------------------------------------------------


REGISTRY_DIR = pathlib.Path(registry.__file__).parent


def test_import_halkit_loads_no_jsonschema() -> None:
    code = (
        "import sys, halkit, halkit.registry, halkit.violations; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'referencing')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    code = "import sys, halkit; halkit.profile('chatkitty'); print('jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


@pytest.mark.parametrize("module", sorted(path.name for path in REGISTRY_DIR.glob("*.py")))
def test_the_registry_imports_no_http_layer_at_module_level(module: str) -> None:
    tree = ast.parse((REGISTRY_DIR / module).read_text(encoding="utf-8"))
    imported = set()
    for node in tree.body:  # module level only (Profile.client imports inside the method)
        if isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    for forbidden in ("..client", "..resource", "..auth", "..link", "..forms", "..transport", "requests"):
        assert forbidden not in imported, (module, forbidden)


def test_no_generic_module_names_chatkitty() -> None:
    for path in REGISTRY_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # the code, docstrings aside (they may use the shipped profile as an example)
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                    body.pop(0)
        assert "chatkitty" not in ast.unparse(tree).lower(), path.name


# -- format checks ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1985-04-12T23:20:50.52Z", True),
        ("1996-12-19T16:39:57-08:00", True),
        ("1990-12-31T23:59:60Z", True),
        ("2020-09-08t12:00:00z", True),
        ("2021-02-29T00:00:00Z", False),
        ("2020-09-08T12:60:00Z", False),
        ("2020-09-08T12:00:00+24:00", False),
        ("2020-09-08", False),
        ("", False),
    ],
)
def test_rfc3339(value: str, ok: bool) -> None:
    assert is_rfc3339_date_time(value) is ok


def test_format_checker_ignores_other_types_and_formats() -> None:
    checker = format_checker()
    assert checker.conforms(12, "date-time") and checker.conforms("x", "int64")
    assert checker.conforms("not an email", "email")
    assert not checker.conforms(2**31, "int32") and checker.conforms(2**31 - 1, "int32")
    assert checker.conforms(True, "int64")


# -- clients ------------------------------------------------------------------


def test_client_from_the_profile_sends_the_seed_token_request() -> None:
    ck = profile("chatkitty")
    with OAuthServer(require_password_fields=True, protected=True) as server:
        client = halkit.Client.from_profile(
            ck,
            "acme", "acmesecret", entry_url=server.url("/api/root"), token_url=server.token_url, validation="off"
        )
        try:
            assert client.entry_url == server.url("/api/root")
            assert client.profile is ck and client.validation == "off"
            client.get(server.url("/api/anything"))
        finally:
            client.close()
        assert len(server.token_requests) == 1
        form = server.token_requests[0].form
        assert form["grant_type"] == ["client_credentials"]
        assert form["username"] == ["acme"] and form["password"] == ["acmesecret"]
        assert "acmesecret" not in repr(client)


def test_client_defaults_and_errors() -> None:
    ck = profile("chatkitty")
    client = halkit.Client.from_profile(ck, environment="staging")
    try:
        assert client.entry_url == "https://staging-api.chatkitty.com/v1"
        assert client.validation == "strict"
    finally:
        client.close()
    with pytest.raises(halkit.ProfileError, match="no environment 'qa'; its environments are: production, staging"):
        halkit.Client.from_profile(ck, "a", "b", environment="qa")
    with pytest.raises(halkit.ProfileError, match="both client_id and client_secret"):
        halkit.Client.from_profile(ck, "a")


def test_the_documented_petshop_profile_is_what_init_profile_writes(tmp_path: pathlib.Path) -> None:
    documented = pathlib.Path(__file__).resolve().parent.parent / "docs" / "examples" / "petshop" / "profile.json"
    written = registry.init_profile("petshop", tmp_path) / "profile.json"
    assert written.read_text(encoding="utf-8") == documented.read_text(encoding="utf-8")
