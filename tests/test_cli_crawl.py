"""halkit crawl: the main job, its reports and limits."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from clirun import run

from halkit.emulator import Emulator

from server import TestServer


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(users=7, channels=3, client_secret="s3cr3t-value") as emu:
        yield emu


def test_crawl_without_url_uses_the_emulator() -> None:
    code, out, err = run("crawl", "--profile", "chatkitty")
    assert code == 0, out + err
    assert "crawl OK" in out and "violations: 0" in out
    assert "api-root" in out and "user-page" in out
    assert "started the built-in emulator" in err


def test_crawl_json_report_against_a_url(emulator: Emulator) -> None:
    code, out, err = run(
        "crawl", emulator.entry_url, "--profile", "chatkitty", "--format", "json", "--quiet",
        "--client-id", emulator.client_id, "--client-secret", emulator.client_secret,
        "--token-url", emulator.token_url,
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is True and report["problems"] == []
    assert report["resources_by_type"]["user"] == 7
    assert report["resources_by_type"]["api-root"] == 1
    assert report["resources_by_type"]["push-notification-credential"] == 2
    # ChatKitty's tokens are embedded without links: tolerated and reported, not warned
    assert [m for m in report["compatibility"] if "[missing-links]" in m] == report["compatibility"]
    assert len(report["compatibility"]) == 1
    assert report["requests"] == report["resources"]
    assert emulator.client_secret not in out + err
    assert err == ""


def test_crawl_counts_each_url_once_and_bounds(emulator: Emulator) -> None:
    emulator.reset_stats()
    code, out, _ = run(
        "crawl", emulator.entry_url, "-p", "chatkitty", "--format", "json", "-q", "--max-resources", "5",
        "--client-id", emulator.client_id, "--client-secret", emulator.client_secret, "--token-url", emulator.token_url,
    )
    report = json.loads(out)
    assert report["resources"] == 5 and report["truncated"] is True
    stats = emulator.stats
    assert stats.api_requests == 5
    assert stats.token_requests == 1


def test_crawl_reports_violations(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}}})  # no `application` link
    code, out, _ = run("crawl", server.url(f"{prefix}/v1"), "-p", "chatkitty", "-q")
    assert code == 1
    assert "crawl FAILED" in out and "required-link" in out and "api-root" in out


def test_crawl_reports_broken_links_without_stopping(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}, "application": {"href": f"{prefix}/gone"}}})
    code, out, _ = run("crawl", server.url(f"{prefix}/v1"), "-p", "chatkitty", "-q", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert [p["rule"] for p in report["problems"]] == ["error"]
    assert "404" in report["problems"][0]["message"]
