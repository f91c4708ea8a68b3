"""A small profile to test with: ``mini`` (three types, two schema files), as data or written in a folder."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict

__all__ = ["BASE", "COMMON", "THING", "manifest", "write_mini", "write_profile"]

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


def write_mini(tmp_path: pathlib.Path) -> pathlib.Path:
    """Write the ``mini`` profile in ``tmp_path/mini`` and return the folder."""
    return write_profile(tmp_path / "mini", {"profile.json": manifest(), "thing.json": THING, "common.json": COMMON})
