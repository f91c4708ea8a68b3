"""Every example fixture validates as its index says (run by tox -e schemas)."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict, List, Tuple

import pytest

from halkit.registry import profile

FOLDER = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "chatkitty"
INDEX: Dict[str, Dict[str, str]] = json.loads((FOLDER / "index.json").read_text(encoding="utf-8"))

#: The documented exceptions of index.json, as (pointer, rule) pairs.
EXPECTED: Dict[str, List[Tuple[str, str]]] = {
    "valid": [],
    "missing-organization": [("/_links/organization", "required-link")],
}


def _load(stem: str) -> Any:
    return json.loads((FOLDER / f"{stem}.json").read_text(encoding="utf-8"))


def test_every_example_file_is_indexed() -> None:
    files = {path.stem for path in FOLDER.glob("*.json")} - {"index"}
    assert files == set(INDEX)
    assert len(INDEX) == 18


@pytest.mark.parametrize("stem", sorted(INDEX))
def test_example_validates_as_indexed(stem: str) -> None:
    meta = INDEX[stem]
    violations = profile("chatkitty").validate(_load(stem), meta["type"])
    assert [(v.pointer, v.rule) for v in violations] == EXPECTED[meta["expect"]]
    assert all(v.type == meta["type"] for v in violations)


@pytest.mark.parametrize("stem", sorted(INDEX))
def test_example_type_is_inferred(stem: str) -> None:
    assert profile("chatkitty").infer_types(_load(stem)) == [INDEX[stem]["type"]]
