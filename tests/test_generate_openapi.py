"""halkit.generate.openapi: profiles from OpenAPI 3.0/3.1, and the chatkitty-2 profile it generates."""

from __future__ import annotations

import copy
import io
import json
import pathlib
from typing import Any, Dict, List, Tuple

import pytest

import halkit
from halkit.cli import main as cli_main
from halkit.generate import OVERLAY_FILE, TODO, GenerateError, Report, apply_overlay, from_openapi, generate
from halkit.generate.openapi import load_spec, merge_patch, resource_examples, type_name
from halkit.registry import Profile

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "openapi"
PETSHOP = FIXTURES / "petshop-3.0.json"
CHATKITTY_SPEC = FIXTURES / "openapi-2.41.9.json"
CHATKITTY_2 = pathlib.Path(__file__).parent.parent / "profiles" / "chatkitty-2"


def _petshop() -> Dict[str, Any]:
    return json.loads(PETSHOP.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _load(files: Dict[str, Any]) -> Profile:
    return Profile.from_data(files["profile.json"], {k: v for k, v in files.items() if k != "profile.json"})


def _check_profiles(folder: pathlib.Path) -> Tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli_main(["check-profiles", "--profile", str(folder)], stdout=out, stderr=err)
    return status, out.getvalue() + err.getvalue()


# -- names, merge patches -------------------------------------------------------


@pytest.mark.parametrize(
    "component, name",
    [
        ("ChatUserResource", "chat-user"),
        ("PagedModelChatUserResource", "chat-user-page"),
        ("CursorPagedModelMessageResource", "message-cursor-page"),
        ("APIRootResource", "api-root"),
        ("Resource", "resource"),
        ("Pet", "pet"),
    ],
)
def test_type_names(component: str, name: str) -> None:
    assert type_name(component) == name


def test_merge_patch_is_rfc_7396() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    patch = {"a": "z", "c": {"f": None}, "n": [1]}
    assert merge_patch(target, patch) == {"a": "z", "c": {"d": "e"}, "n": [1]}
    assert target == {"a": "b", "c": {"d": "e", "f": "g"}}  # unchanged
    assert merge_patch({"a": 1}, ["x"]) == ["x"]


# -- a small spec: every translation ----------------------------------------------


@pytest.fixture(scope="module")
def petshop() -> Tuple[Dict[str, Any], Report]:
    return generate(_petshop(), name="petshop", source=str(PETSHOP))


def test_types_come_from_hal_responses_and_json_bodies_with_links(petshop: Tuple[Dict[str, Any], Report]) -> None:
    files, report = petshop
    types = files["profile.json"]["types"]
    # Health is application/json without _links: not a type; Owner is application/json with _links: a type
    assert sorted(types) == ["owner", "pet", "pet-page", "root"]
    assert types["pet"]["schema"] == "schemas.json#/$defs/PetResource"
    assert files["profile.json"]["entry"]["type"] == "root"  # GET / answers it
    assert report.stats["types"] == 4 and report.stats["paged types"] == 1


def test_properties_required_enums_formats_nullable_example(petshop: Tuple[Dict[str, Any], Report]) -> None:
    pet = petshop[0]["schemas.json"]["$defs"]["PetResource"]
    assert pet["required"] == ["id", "name", "kind"]  # _links leaves: the link rules check it
    assert "_links" not in pet["properties"]
    assert pet["properties"]["id"] == {"type": "integer", "format": "int64"}
    assert pet["properties"]["kind"]["enum"] == ["CAT", "DOG"]
    assert pet["properties"]["tag"] == {"type": ["string", "null"]}  # nullable
    assert pet["properties"]["age"] == {"type": "integer", "exclusiveMinimum": 0}  # 3.0 boolean form
    assert pet["properties"]["name"]["examples"] == ["Tom"]  # example -> examples
    assert "example" not in pet and "example" not in pet["properties"]["name"]


def test_discriminator_with_oneof_becomes_if_then(petshop: Tuple[Dict[str, Any], Report]) -> None:
    files, _ = petshop
    pet = files["schemas.json"]["$defs"]["PetResource"]
    assert "oneOf" not in pet and "discriminator" not in pet
    conditions = [rule for rule in pet["allOf"] if "if" in rule]
    assert [(c["if"]["properties"]["kind"]["const"], c["then"]["$ref"]) for c in conditions] == [
        ("CAT", "#/$defs/CatPet"),
        ("DOG", "#/$defs/DogPet"),
    ]
    profile = _load(files)
    links = {"self": {"href": "/pets/1"}, "photo": {"href": "/pets/1/photo"}}
    assert profile.validate({"id": 1, "name": "n", "kind": "CAT", "lives": 9, "_links": links}, "pet") == []
    [v] = profile.validate({"id": 1, "name": "n", "kind": "DOG", "lives": 9, "_links": links}, "pet")
    assert (v.pointer, v.rule) == ("/goodBoy", "required-property")
    [v] = profile.validate({"id": 1, "name": "n", "kind": "FISH", "_links": links}, "pet")
    assert (v.pointer, v.rule) == ("/kind", "enum")


def test_links_targets_methods_and_responses_from_examples(petshop: Tuple[Dict[str, Any], Report]) -> None:
    pet = petshop[0]["profile.json"]["types"]["pet"]["links"]
    assert pet["self"]["target"] == "pet" and pet["self"]["methods"] == ["GET", "PUT", "DELETE"]
    assert pet["self"]["responses"] == {"DELETE": None}  # 204: no body
    assert pet["self"]["required"] is True  # in all 3 examples
    assert pet["owner"]["target"] == "owner" and pet["owner"]["required"] is False  # in 1 of 3
    # POST-only: no GET target, the POST answer typed
    assert pet["photo"]["target"] is None and pet["photo"]["methods"] == ["POST"]
    assert pet["photo"]["responses"] == {"POST": "pet"}


def test_templated_links_and_variables(petshop: Tuple[Dict[str, Any], Report]) -> None:
    root = petshop[0]["profile.json"]["types"]["root"]["links"]
    assert root["pets"]["templated"] is True and root["pets"]["variables"] == ["page", "size"]
    assert root["pets"]["target"] == "pet-page" and root["pets"]["responses"] == {"POST": "pet"}
    assert root["search"]["variables"] == ["q"] and root["search"]["target"] == "pet-page"
    assert "templated" not in root["self"] and root["self"]["target"] == "root"


def test_paged_collections(petshop: Tuple[Dict[str, Any], Report]) -> None:
    files, report = petshop
    page = files["profile.json"]["types"]["pet-page"]
    assert page["embedded"] == {"pets": {"type": "pet", "array": True, "description": "The pet items of this page."}}
    assert page["links"]["self"]["required"] is True
    assert page["links"]["next"]["required"] is False  # a paging rel, even though every example has it
    assert ("paging", "pet-page: _embedded.pets -> pet") in report.inferred


def test_what_cannot_be_inferred_is_todo_not_guessed(petshop: Tuple[Dict[str, Any], Report]) -> None:
    files, report = petshop
    types = files["profile.json"]["types"]
    docs = types["root"]["links"]["docs"]  # an href outside the API
    assert docs["target"] is None and "methods" not in docs and docs["description"].startswith(TODO)
    assert types["owner"]["description"].endswith(
        f"{TODO} the spec has no example of it, so its link relations are unknown."
    )
    assert "links" not in types["owner"]
    assert files["profile.json"]["auth"]["description"].count(TODO) == 1
    assert sorted(where for where, _ in report.todos) == [
        "profile.json#/types/owner",
        "profile.json#/types/root/links/docs",
    ]
    text = str(report)
    assert "could not infer (TODO: in the output): 2" in text and "inferred (links): 8" in text


def test_a_spec_without_a_root_gets_a_marked_placeholder_entry() -> None:
    spec = _petshop()
    del spec["paths"]["/"]
    del spec["servers"]
    files, report = generate(spec, name="petshop")
    entry = files["profile.json"]["entry"]
    assert entry["type"] == "entry"
    assert files["profile.json"]["types"]["entry"]["description"].startswith(TODO)
    assert entry["environments"]["default"]["entry_url"] == "https://example.invalid/"
    assert {"profile.json#/entry/type", "profile.json#/entry/environments/default"} <= {w for w, _ in report.todos}
    _load(files)


def test_openapi_3_1() -> None:
    spec = _petshop()
    spec["openapi"] = "3.1.0"
    pet = spec["components"]["schemas"]["PetResource"]
    pet["properties"]["tag"] = {"type": ["string", "null"]}
    pet["properties"]["age"] = {"type": "integer", "exclusiveMinimum": 0}
    pet["properties"]["name"] = {"type": "string", "examples": ["Tom"]}
    files, _ = generate(spec, name="petshop")
    converted = files["schemas.json"]["$defs"]["PetResource"]["properties"]
    assert converted["tag"] == {"type": ["string", "null"]}
    assert converted["age"] == {"type": "integer", "exclusiveMinimum": 0}
    assert converted["name"] == {"type": "string", "examples": ["Tom"]}
    assert files["profile.json"]["types"]["pet"]["links"]["self"]["target"] == "pet"


def test_nullable_without_a_type_and_nullable_enums() -> None:
    spec = _petshop()
    props = spec["components"]["schemas"]["PetResource"]["properties"]
    props["mood"] = {"type": "string", "enum": ["OK"], "nullable": True}
    props["best"] = {"allOf": [{"$ref": "#/components/schemas/DogPet"}], "nullable": True}
    converted = generate(spec, name="p")[0]["schemas.json"]["$defs"]["PetResource"]["properties"]
    assert converted["mood"] == {"type": ["string", "null"], "enum": ["OK", None]}
    assert converted["best"] == {"anyOf": [{"allOf": [{"$ref": "#/$defs/DogPet"}]}, {"type": "null"}]}


def test_output_is_deterministic_and_passes_check_profiles(tmp_path: pathlib.Path) -> None:
    first = from_openapi(PETSHOP, tmp_path / "a")
    second = from_openapi(PETSHOP, tmp_path / "b", name="a")
    assert first.files == second.files == ["profile.json", "schemas.json"]
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first.name == "a"  # the folder's name
    status, out = _check_profiles(tmp_path / "a")
    assert status == 0 and out.startswith("ok   a: manifest, 1 schema file(s), 4 type(s)")
    assert halkit.profile(str(tmp_path / "a")).entry_type == "root"


def test_dry_run_writes_nothing(tmp_path: pathlib.Path) -> None:
    report = from_openapi(PETSHOP, None, name="petshop")
    assert report.out_dir is None and report.files == ["profile.json", "schemas.json"]
    assert report.to_dict()["name"] == "petshop"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "document, message",
    [
        ({"swagger": "2.0"}, "no 'openapi' version"),
        ({"openapi": "2.0"}, "OpenAPI 2.0 is not supported"),
        ([], "not an OpenAPI document"),
    ],
)
def test_not_openapi_3(tmp_path: pathlib.Path, document: Any, message: str) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(document))
    with pytest.raises(GenerateError, match=message):
        from_openapi(spec, tmp_path / "out")
    assert isinstance(GenerateError("x"), halkit.HalkitError)


def test_unreadable_spec(tmp_path: pathlib.Path) -> None:
    with pytest.raises(GenerateError, match="cannot be read"):
        load_spec(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(GenerateError, match="not JSON|neither JSON nor YAML"):
        load_spec(tmp_path / "bad.json")


# -- overlays -----------------------------------------------------------------------


def test_overlay_is_applied_when_regenerating_into_the_folder(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "petshop"
    folder.mkdir()
    overlay = {
        "edits": [
            {
                "file": "profile.json",
                "why": "docs is the API's documentation, an HTML page",
                "merge": {
                    "types": {"root": {"links": {"docs": {"description": "Documentation (HTML).", "required": False}}}}
                },
            },
            {
                "file": "schemas.json",
                "why": "names are optional in practice",
                "drop_required": {"/$defs/PetResource": ["name"]},
            },
        ]
    }
    (folder / OVERLAY_FILE).write_text(json.dumps(overlay))
    report = from_openapi(PETSHOP, folder)
    manifest = json.loads((folder / "profile.json").read_text())
    assert manifest["types"]["root"]["links"]["docs"] == {
        "description": "Documentation (HTML).",
        "required": False,
        "target": None,
    }
    schemas = json.loads((folder / "schemas.json").read_text())
    assert schemas["$defs"]["PetResource"]["required"] == ["id", "kind"]
    assert ("overlay", "schemas.json: names are optional in practice") in report.inferred
    assert report.stats["overlay"] == str(folder / OVERLAY_FILE)
    assert sorted(p.name for p in folder.iterdir()) == [OVERLAY_FILE, "profile.json", "schemas.json"]
    assert _check_profiles(folder)[0] == 0  # the overlay file is not read as a schema


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"file": "profile.json", "merge": {}}, "says no 'why'"),
        ({"file": "profile.json", "why": "x"}, "needs 'merge'"),
        ({"file": "../x.json", "why": "x", "merge": {}}, "not a JSON file name"),
        ({"file": "schemas.json", "why": "x", "drop_required": {"/$defs/Nope": ["a"]}}, "stale edit"),
        (
            {"file": "schemas.json", "why": "x", "drop_required": {"/$defs/PetResource": ["tag"]}},
            "does not require tag",
        ),
    ],
)
def test_bad_overlays(edit: Dict[str, Any], message: str) -> None:
    files, _ = generate(_petshop(), name="petshop")
    with pytest.raises(GenerateError, match=message):
        apply_overlay(files, {"edits": [edit]})
    with pytest.raises(GenerateError, match="'edits' array"):
        apply_overlay(files, {"edit": []})


def test_an_overlay_that_breaks_the_profile_is_refused() -> None:
    overlay = {"edits": [{"file": "profile.json", "why": "x", "merge": {"entry": {"type": "nope"}}}]}
    with pytest.raises(GenerateError, match="does not load.*'nope' is not a declared type"):
        generate(_petshop(), name="petshop", overlay=overlay)


# -- chatkitty-2 -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chatkitty_2() -> Profile:
    return halkit.profile("chatkitty-2")


@pytest.fixture(scope="module")
def spec_examples() -> Dict[str, List[Tuple[str, Any]]]:
    return resource_examples(load_spec(CHATKITTY_SPEC))


#: The examples of the spec that contradict the spec itself (see profiles/chatkitty-2/README.md).
SPEC_INCONSISTENCIES = {
    "#/components/schemas/ApplicationResource/example": [("/createdTime", "required-property")],
    "#/components/schemas/ApplicationSettingsResource/example": [
        ("/guestUsers", "required-property"),
        ("/userCreatedChannels", "required-property"),
    ],
    "#/components/schemas/SecretResource/example": [("/secret", "property-type")],
}


def test_the_shipped_profile_is_exactly_generator_plus_overlay(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "chatkitty-2"
    out.mkdir()
    (out / OVERLAY_FILE).write_bytes((CHATKITTY_2 / OVERLAY_FILE).read_bytes())
    report = from_openapi(CHATKITTY_SPEC, out)
    for name in report.files:
        assert (out / name).read_bytes() == (CHATKITTY_2 / name).read_bytes(), f"{name} was edited by hand"
    assert report.stats["example violations (generated)"] == "52 in 17 examples"
    assert report.stats["example violations (with overlay)"] == "4 in 3 examples"
    assert report.stats["component schemas used by a type"] == "62 of 116"
    assert report.stats["paths answering a profile type"] == "47 of 47"


def test_chatkitty_2_loads_by_name(chatkitty_2: Profile) -> None:
    assert chatkitty_2.name == "chatkitty-2" and chatkitty_2.entry_type == "application"
    assert "chatkitty-2" in halkit.profiles() and "chatkitty" in halkit.profiles()
    assert chatkitty_2.link_target("chat-user", "channels") == "channel-page"
    assert chatkitty_2.link_target("message", "application") == "application"
    assert chatkitty_2.embedded_type("chat-user-page", "users") == "chat-user"
    assert chatkitty_2.response_type("chat-user", "self", "DELETE") == "application"
    assert chatkitty_2.environment().entry_url == "https://api.chatkitty.com/v1/application"


def test_every_resource_example_validates_but_the_specs_own_inconsistencies(
    chatkitty_2: Profile, spec_examples: Dict[str, List[Tuple[str, Any]]]
) -> None:
    found = {}
    total = 0
    for type_, docs in spec_examples.items():
        for where, document in docs:
            total += 1
            violations = chatkitty_2.validate(document, type_)
            if violations:
                found[where] = [(v.pointer, v.rule) for v in violations]
    assert total == 55
    assert found == SPEC_INCONSISTENCIES


def test_examples_are_typed_by_inference(chatkitty_2: Profile, spec_examples: Dict[str, List[Tuple[str, Any]]]) -> None:
    wrong = []
    for type_, docs in spec_examples.items():
        for where, document in docs:
            if where in SPEC_INCONSISTENCIES:
                continue
            inferred = chatkitty_2.infer_types(document)
            if type_ not in inferred:
                wrong.append((where, type_, inferred))
    assert wrong == []


def _mutations(profile: Profile, type_: str, document: Dict[str, Any]) -> List[Tuple[str, Dict[str, Any], str, str]]:
    """(what, mutated document, expected pointer, expected rule)."""
    out = []
    schema = profile.schema(type_)
    resolved = profile.registry.resolver().lookup(schema["allOf"][0]["$ref"]).contents
    required = [name for name in resolved.get("required", []) if name in document]
    if required:
        name = required[0]
        mutated = copy.deepcopy(document)
        del mutated[name]
        out.append((f"without {name}", mutated, "/" + name, "required-property"))
        mutated = copy.deepcopy(document)
        mutated[name] = [] if not isinstance(document[name], list) else "x"
        out.append((f"{name} of the wrong type", mutated, "/" + name, "property-type"))
    rels = [rel for rel, rule in profile.links(type_).items() if rule.required and rel in document.get("_links", {})]
    if rels:
        mutated = copy.deepcopy(document)
        del mutated["_links"][rels[0]]
        out.append((f"without rel {rels[0]}", mutated, "/_links/" + rels[0], "required-link"))
    return out


def test_mutated_examples_are_rejected_at_the_right_pointer(
    chatkitty_2: Profile, spec_examples: Dict[str, List[Tuple[str, Any]]]
) -> None:
    checked = 0
    kinds = set()
    for type_, docs in spec_examples.items():
        for where, document in docs:
            if where in SPEC_INCONSISTENCIES:
                continue
            for what, mutated, pointer, rule in _mutations(chatkitty_2, type_, document):
                violations = chatkitty_2.validate(mutated, type_)
                assert (pointer, rule) in [(v.pointer, v.rule) for v in violations], (where, what, violations)
                checked += 1
                kinds.add(rule)
    assert kinds == {"required-property", "property-type", "required-link"}
    assert checked > 100


def test_a_mutated_embedded_item_is_rejected_inside_its_page(chatkitty_2: Profile) -> None:
    page = json.loads((FIXTURES / "chatkitty-2" / "schema-PagedModelChatUserResource.json").read_text())
    assert chatkitty_2.validate(page, "chat-user-page") == []
    del page["_embedded"]["users"][1]["name"]
    page["_embedded"]["users"][2]["presence"]["online"] = "yes"
    del page["_embedded"]["users"][3]["_links"]["self"]
    assert [(v.pointer, v.rule) for v in chatkitty_2.validate(page, "chat-user-page")] == [
        ("/_embedded/users/1/name", "required-property"),
        ("/_embedded/users/2/presence/online", "property-type"),
        ("/_embedded/users/3/_links/self", "required-link"),
    ]


def test_check_profiles_runs_the_extracted_examples() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = cli_main(
        ["check-profiles", "--profile", "chatkitty-2", "--examples", str(FIXTURES)], stdout=out, stderr=err
    )
    assert status == 0, out.getvalue()
    assert out.getvalue().count("\nok   ") == 55
    assert out.getvalue().count("as expected (spec-") == 3


def test_the_profile_ships_in_the_wheel() -> None:
    import configparser
    import fnmatch

    config = configparser.ConfigParser()
    config.read(pathlib.Path(__file__).parent.parent / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["halkit._profiles"].split(",")]
    needed = [p.relative_to(CHATKITTY_2.parent).as_posix() for p in sorted(CHATKITTY_2.glob("*.json"))]
    assert needed == ["chatkitty-2/profile.json", "chatkitty-2/schemas.json"]
    assert all(any(fnmatch.fnmatch(name, pattern) for pattern in patterns) for name in needed)
    assert "halkit.generate" in config["options"]["packages"].split()


def test_inline_hal_response_schemas_become_named_types() -> None:
    spec = _petshop()
    spec["paths"]["/stats"] = {
        "get": {
            "operationId": "get-stats",
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/hal+json": {
                            "schema": {
                                "type": "object",
                                "required": ["count"],
                                "properties": {
                                    "count": {"$ref": "#/components/schemas/PageMetadata/properties/size"},
                                    "_links": {"$ref": "#/components/schemas/Links"},
                                },
                            },
                            "example": {"count": 3, "_links": {"self": {"href": "https://petshop.example/api/stats"}}},
                        }
                    },
                }
            },
        }
    }
    files, report = generate(spec, name="petshop")
    stats = files["profile.json"]["types"]["get-stats-response"]
    assert stats["schema"] == "schemas.json#/$defs/GetStatsResponse"
    assert stats["links"]["self"]["target"] == "get-stats-response"
    converted = files["schemas.json"]["$defs"]["GetStatsResponse"]
    assert converted["properties"] == {"count": {"$ref": "#/$defs/PageMetadata/properties/size"}}
    assert any("is named GetStatsResponse" in message for _, message in report.inferred)
    profile = _load(files)
    assert profile.validate({"count": 1, "_links": {"self": {"href": "/stats"}}}, "get-stats-response") == []
    [v] = profile.validate({"count": "1", "_links": {"self": {"href": "/stats"}}}, "get-stats-response")
    assert (v.pointer, v.rule) == ("/count", "property-type")


def test_rels_declared_by_the_schema_without_examples() -> None:
    spec = _petshop()
    schemas = spec["components"]["schemas"]
    schemas["OwnerResource"]["description"] = "A pet owner"
    schemas["OwnerResource"]["properties"]["_links"] = {
        "type": "object",
        "required": ["self", "pets"],
        "properties": {
            "self": {"$ref": "#/components/schemas/Link"},
            "pets": {"$ref": "#/components/schemas/Link"},
            "avatar": {"$ref": "#/components/schemas/Link"},
        },
    }
    files, report = generate(spec, name="petshop")
    owner = files["profile.json"]["types"]["owner"]
    assert owner["description"] == "The OwnerResource schema: A pet owner. Answered by GET /owners/{id}."  # no TODO
    links = owner["links"]
    assert links["self"]["target"] == "owner" and links["self"]["required"] is True
    assert links["pets"]["target"] is None and links["pets"]["required"] is True
    assert links["pets"]["description"].startswith("Declared by the schema's _links, required. " + TODO)
    assert links["avatar"]["required"] is False
    assert "profile.json#/types/owner/links/pets" in {where for where, _ in report.todos}
    assert (
        _load(files).validate({"name": "x", "_links": {"self": {"href": "/o/1"}}}, "owner")[0].pointer == "/_links/pets"
    )
