"""halkit.registry.scaffold: init_profile writes a minimal working profile."""

from __future__ import annotations

import json
import pathlib

import pytest

import halkit
from halkit import registry
from halkit.registry import Profile, ProfileRegistry


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


def test_the_documented_petshop_profile_is_what_init_profile_writes(tmp_path: pathlib.Path) -> None:
    documented = pathlib.Path(__file__).resolve().parent.parent / "docs" / "examples" / "petshop" / "profile.json"
    written = registry.init_profile("petshop", tmp_path) / "profile.json"
    assert written.read_text(encoding="utf-8") == documented.read_text(encoding="utf-8")
