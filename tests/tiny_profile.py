"""A two-type profile and a loopback API that (mostly) follows it, for client and crawl tests."""

from __future__ import annotations

from typing import Any, Dict

from halkit import Profile

from server import TestServer


def tiny_profile() -> Profile:
    manifest = {
        "name": "tiny",
        "entry": {"type": "root", "environments": {"local": {"entry_url": "http://127.0.0.1/"}}},
        "types": {
            "root": {"links": {
                "self": {"methods": ["GET"], "target": "root"},
                "items": {"methods": ["GET", "POST"], "target": "item", "responses": {"POST": "item"}},
            }},
            "item": {"schema": "item.json", "links": {"self": {"methods": ["GET", "DELETE"], "target": "item"}}},
        },
    }
    item: Dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://halkit.dev/profiles/tiny/item.json",
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}},
    }
    return Profile.from_data(manifest, {"item.json": item})


def tiny_api(server: TestServer, prefix: str) -> str:
    """Serve a root whose ``items`` link leads to an item without its required ``name``."""
    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"}, "items": {"href": f"{prefix}/items/1"}}})
    server.add(f"{prefix}/items/1", {"id": 1, "_links": {"self": {"href": f"{prefix}/items/1"}}})
    server.add(f"{prefix}/items/1", {"id": 1, "name": "one", "_links": {"self": {"href": f"{prefix}/items/1"}}},
               method="DELETE", status=200)
    return server.url(f"{prefix}/")
