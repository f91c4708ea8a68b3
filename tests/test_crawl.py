"""halkit.crawl: a breadth-first walk that collects violations through the client's one validation path."""

from __future__ import annotations

from typing import List

import pytest
from tiny_profile import tiny_api, tiny_profile

import halkit
from halkit.crawl import crawl

from server import TestServer


@pytest.mark.parametrize("mode", ["strict", "warn", "off"])
def test_violations_are_collected_and_the_clients_mode_is_left_alone(
    server: TestServer, prefix: str, mode: str
) -> None:
    client = halkit.Client(tiny_api(server, prefix), profile=tiny_profile(), validation=mode)
    modes: List[str] = []
    with client:
        report = crawl(client, progress=lambda fetched, queued: modes.append(client.validation))
    # nothing raised, nothing warned (warnings are errors in this suite); the client never switched modes
    assert modes == [mode, mode] and client.validation == mode
    assert report.total == 2 and dict(report.resources) == {"root": 1, "item": 1}
    assert [(p.type, p.rule, p.pointer) for p in report.problems] == [("item", "required-property", "/name")]
    assert report.requests == 2


def test_a_crawl_without_a_profile_validates_nothing(server: TestServer, prefix: str) -> None:
    with halkit.Client(tiny_api(server, prefix)) as client:
        report = crawl(client)
    assert report.ok and report.total == 2 and dict(report.resources) == {None: 2}


def test_failures_are_recorded_and_the_walk_goes_on(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/", {"_links": {"a": {"href": f"{prefix}/gone"}, "b": {"href": f"{prefix}/b"}}})
    server.add(f"{prefix}/gone", {"error": "no"}, status=404)
    server.add(f"{prefix}/b", {"b": 1})
    with halkit.Client(server.url(f"{prefix}/"), retries=0) as client:
        report = crawl(client)
    assert report.total == 3 and [p.rule for p in report.problems] == ["error"]
