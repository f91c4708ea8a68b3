"""halkit.registry.manifest and compiler: broken profiles name the file and JSON pointer; authoring without friction."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict

import pytest
from profile_files import BASE, COMMON, THING, manifest, write_profile

import halkit
from halkit import registry
from halkit.registry import Profile, profile


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



def test_auth_spec_gives_generic_client_credentials_options() -> None:
    options = profile("chatkitty").auth.client_credentials_options("acme", "s3cret")
    assert options == {
        "scope": None,
        "auth_method": "client_secret_basic",
        "extra_params": {"username": "acme", "password": "s3cret"},
    }
    assert registry.AuthSpec().client_credentials_options("a", "b")["extra_params"] is None
