"""Meta-schema verdicts remembered by content digest, never weaker than the full check.

The shipped profiles' digests (``halkit/registry/_verified.py``) are checked
here against the full meta-schema check of every shipped file; run with
``HALKIT_RECORD_DIGESTS=1`` to rewrite the list after changing a shipped profile.
"""

from __future__ import annotations

import copy
import json
import os
import pathlib
from typing import Any, List, Set

import pytest
from clirun import run

from halkit import InvalidProfileError
from halkit.registry import Profile, full_meta_checks, metacheck
from halkit.registry._verified import SHIPPED
from halkit.registry.manifest import MANIFEST, Manifest, as_plain, manifest_kind

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROFILES = ROOT / "profiles"
SHIPPED_FOLDERS = sorted(entry for entry in PROFILES.iterdir() if (entry / MANIFEST).is_file())
VERIFIED = ROOT / "halkit" / "registry" / "_verified.py"


def _digests(folder: pathlib.Path) -> Set[str]:
    """The digests of every document of a profile folder that loading checks."""
    found: Set[str] = set()
    data = as_plain(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    found.add(str(metacheck.digest(manifest_kind(), data)))
    for _, contents, _ in Manifest(data, MANIFEST).inline_schemas:
        found.add(str(metacheck.digest(metacheck.SCHEMA_KIND, contents)))
    for path in sorted(folder.glob("*.json")):
        if path.name != MANIFEST:
            contents = json.loads(path.read_text(encoding="utf-8"))
            found.add(str(metacheck.digest(metacheck.SCHEMA_KIND, contents)))
    return found


class _Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: List[Any] = []
        real = metacheck.schema_problems

        def counting(validator: Any, instance: Any, prefix: Any = ()) -> Any:
            self.calls.append(instance)
            return real(validator, instance, prefix)

        monkeypatch.setattr(metacheck, "schema_problems", counting)


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> _Counter:
    """Forget the verdicts of this process; count the full checks."""
    monkeypatch.setattr(metacheck, "_PASSED", set())
    return _Counter(monkeypatch)


def test_the_recorded_digests_are_those_of_the_shipped_files_which_pass_the_full_check(fresh: _Counter) -> None:
    expected: Set[str] = set()
    for folder in SHIPPED_FOLDERS:
        with full_meta_checks():
            Profile.from_directory(folder)  # the full check: raises if any file is invalid
        expected |= _digests(folder)
    assert len(fresh.calls) >= len(expected)  # every document was checked in full
    if os.environ.get("HALKIT_RECORD_DIGESTS") == "1":
        text = VERIFIED.read_text(encoding="utf-8")
        head = text[: text.index("SHIPPED: FrozenSet[str]")]
        body = "".join(f'        "{key}",\n' for key in sorted(expected))
        VERIFIED.write_text(f"{head}SHIPPED: FrozenSet[str] = frozenset(\n    {{\n{body}    }}\n)\n", encoding="utf-8")
        return
    assert SHIPPED == expected, (
        "halkit/registry/_verified.py is stale for the shipped profiles: run"
        " HALKIT_RECORD_DIGESTS=1 python -m pytest tests/test_metacheck.py"
    )


@pytest.mark.parametrize("folder", SHIPPED_FOLDERS, ids=[folder.name for folder in SHIPPED_FOLDERS])
def test_a_shipped_profile_loads_without_a_meta_schema_run(fresh: _Counter, folder: pathlib.Path) -> None:
    Profile.from_directory(folder)
    assert fresh.calls == []


def test_full_meta_checks_checks_shipped_files_too(fresh: _Counter) -> None:
    with full_meta_checks():
        Profile.from_directory(PROFILES / "chatkitty-2")
    assert len(fresh.calls) == 2  # the manifest and schemas.json
    Profile.from_directory(PROFILES / "chatkitty-2")
    assert len(fresh.calls) == 2  # outside the block, the verdicts are remembered again


def _copy(folder: pathlib.Path, target: pathlib.Path) -> pathlib.Path:
    target.mkdir()
    for path in folder.glob("*.json"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_a_users_profile_is_checked_in_full_once_per_content(fresh: _Counter, tmp_path: pathlib.Path) -> None:
    folder = _copy(PROFILES / "chatkitty", tmp_path / "mine")
    user = json.loads((folder / "user.json").read_text(encoding="utf-8"))
    user["description"] = "my own edit"
    (folder / "user.json").write_text(json.dumps(user), encoding="utf-8")
    Profile.from_directory(folder)
    assert [doc.get("description") for doc in fresh.calls] == ["my own edit"]  # only the edited file
    Profile.from_directory(folder)
    assert len(fresh.calls) == 1  # passed once in this process: remembered


def test_an_invalid_schema_is_rejected_every_time(fresh: _Counter, tmp_path: pathlib.Path) -> None:
    folder = _copy(PROFILES / "chatkitty-2", tmp_path / "broken")
    schemas = json.loads((folder / "schemas.json").read_text(encoding="utf-8"))
    schemas["$defs"]["EmojiProperties"]["properties"]["tags"]["uniqueItems"] = "yes"
    (folder / "schemas.json").write_text(json.dumps(schemas), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InvalidProfileError, match="not a valid JSON Schema 2020-12 document") as caught:
            Profile.from_directory(folder)
        assert caught.value.pointer == "/$defs/EmojiProperties/properties/tags/uniqueItems"
    assert len(fresh.calls) == 2


def test_an_invalid_manifest_is_rejected(fresh: _Counter) -> None:
    manifest = json.loads((PROFILES / "chatkitty" / MANIFEST).read_text(encoding="utf-8"))
    manifest["entry"]["type"] = 7
    with pytest.raises(InvalidProfileError, match="not a valid profile manifest"):
        Manifest(manifest, MANIFEST)


def test_only_plain_json_has_a_digest() -> None:
    schema = json.loads((PROFILES / "chatkitty" / "user.json").read_text(encoding="utf-8"))
    assert metacheck.digest(metacheck.SCHEMA_KIND, schema) in SHIPPED
    same = copy.deepcopy(schema)
    same["required"] = tuple(same["required"])  # jsonschema's meta-check: not an array
    assert metacheck.digest(metacheck.SCHEMA_KIND, same) is None
    assert metacheck.digest(metacheck.SCHEMA_KIND, {1: "a"}) is None
    assert metacheck.digest(metacheck.SCHEMA_KIND, {"a": float("nan")}) is None
    assert metacheck.digest(metacheck.SCHEMA_KIND, {"a": 1}) != metacheck.digest(metacheck.SCHEMA_KIND, {"a": True})
    assert metacheck.digest(metacheck.SCHEMA_KIND, {"a": 1}) != metacheck.digest(manifest_kind(), {"a": 1})


def test_a_tuple_variant_of_a_shipped_schema_gets_the_full_check(fresh: _Counter) -> None:
    manifest = json.loads((PROFILES / "chatkitty" / MANIFEST).read_text(encoding="utf-8"))
    schemas = {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in (PROFILES / "chatkitty").glob("*.json")
        if path.name != MANIFEST
    }
    schemas["user.json"]["required"] = tuple(schemas["user.json"]["required"])
    with pytest.raises(InvalidProfileError, match="user.json"):
        Profile.from_data(manifest, schemas)


def test_check_profiles_runs_the_full_check(fresh: _Counter) -> None:
    Profile.from_directory(PROFILES / "chatkitty")  # loaded (and remembered) before
    status, out, _ = run("check-profiles", "--profile", "chatkitty")
    assert status == 0, out
    assert len(fresh.calls) == len(list((PROFILES / "chatkitty").glob("*.json")))  # the manifest and each schema
