"""Every installed profile's files against the meta-schemas (run by tox -e schemas)."""

from __future__ import annotations

import io
import json
import pathlib
from typing import Any, Dict, List, Tuple

import pytest
from jsonschema import Draft202012Validator

from halkit.cli import main
from halkit.registry import MANIFEST, meta_schema, profile, profiles

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"


def _files() -> List[Tuple[str, pathlib.Path]]:
    out = []
    for name in profiles():
        folder = pathlib.Path(profile(name).origin)
        out.extend((name, path) for path in sorted(folder.glob("*.json")))
    return out


FILES = _files()


def _load(path: pathlib.Path) -> Dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_there_are_profile_files_to_check() -> None:
    assert "chatkitty" in profiles()
    assert any(path.name == MANIFEST for _, path in FILES)
    assert sum(1 for _, path in FILES if path.name != MANIFEST) >= 5


def test_the_profile_meta_schema_is_a_valid_2020_12_schema() -> None:
    schema = meta_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(("name", "path"), FILES, ids=[f"{n}/{p.name}" for n, p in FILES])
def test_profile_file_against_its_meta_schema(name: str, path: pathlib.Path) -> None:
    data = _load(path)
    if path.name == MANIFEST:
        errors = [e.message for e in Draft202012Validator(meta_schema()).iter_errors(data)]
        assert errors == []
        assert data["name"] == name
    else:
        Draft202012Validator.check_schema(data)
        assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert data["$id"].endswith("/" + path.name)


@pytest.mark.parametrize("name", profiles())
def test_generated_type_schemas_are_valid_2020_12_schemas(name: str) -> None:
    loaded = profile(name)
    for type_name in loaded.types:
        Draft202012Validator.check_schema(loaded.schema(type_name))


def test_check_profiles_command_with_the_examples() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = main(["check-profiles", "--examples", str(FIXTURES / "chatkitty")], stdout=out, stderr=err)
    assert status == 0, out.getvalue() + err.getvalue()
    report = out.getvalue()
    assert "ok   chatkitty" in report
    assert "FAIL" not in report
    assert report.count("v1-application.json: application: 1 violation(s), as expected") == 1
