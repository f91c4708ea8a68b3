"""The halkit program: crawl (the main job), get, profiles, errors, exit codes."""

from __future__ import annotations

import io
import json
from typing import Iterator, List, Tuple

import pytest

import halkit
from halkit.cli import EXIT_ERROR, main
from halkit.emulator import Emulator

from server import TestServer


def run(*argv: str) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO())
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(users=7, channels=3, client_secret="s3cr3t-value") as emu:
        yield emu


def test_version_and_help() -> None:
    code, out, _ = run("--version")
    assert code == 0 and halkit.__version__ in out
    code, out, _ = run("--help")
    assert code == 0 and "crawl" in out and "get" in out and "validate" in out


def test_profiles_lists_chatkitty() -> None:
    code, out, _ = run("profiles")
    assert code == 0 and "chatkitty" in out.split()


def test_crawl_without_url_uses_the_emulator() -> None:
    code, out, err = run("crawl", "--profile", "chatkitty")
    assert code == 0, out + err
    assert "crawl OK" in out and "violations: 0" in out
    assert "api-root" in out and "user-page" in out
    assert "started the built-in ChatKitty emulator" in err


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


def test_get_follow_and_vars(emulator: Emulator) -> None:
    args = ["--client-id", emulator.client_id, "--client-secret", emulator.client_secret, "--token-url", emulator.token_url]
    code, out, err = run("get", emulator.entry_url, "-p", "chatkitty", "--follow", "application", *args)
    assert code == 0, err
    assert "(application)" in out and "find:users" in out and "templated: page, size, name" in out
    assert "POST,GET" in out.replace("GET,POST", "POST,GET")
    code, out, err = run("get", emulator.entry_url, "-p", "chatkitty", "-f", "application", "-f", "find:users",
                         "--var", "name=user1", "--format", "json", *args)
    assert code == 0, err
    doc = json.loads(out)
    names = [u["name"] for u in doc["_embedded"]["users"]]
    assert names == ["user1"]


def test_get_with_bearer_token_from_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    token = requests.post(emulator.token_url, auth=(emulator.client_id, emulator.client_secret),
                          data={"grant_type": "client_credentials"}, timeout=5).json()["access_token"]
    monkeypatch.setenv("HALKIT_TOKEN", token)
    code, out, err = run("get", emulator.entry_url)
    assert code == 0, err
    assert "application" in out and token not in out + err


@pytest.mark.parametrize("argv", [
    ["crawl"],
    ["get"],
    ["nope"],
    ["get", "http://127.0.0.1:9/", "--var", "novalue"],
    ["get", "http://127.0.0.1:9/", "--header", "bad"],
    ["crawl", "http://127.0.0.1:9/", "-p", "chatkitty", "--client-id", "x"],
])
def test_usage_errors_exit_2(argv: List[str]) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert "Traceback" not in err


def test_runtime_errors_are_one_line(emulator: Emulator) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    code, out, err = run("get", f"http://127.0.0.1:{port}/v1")
    assert code == EXIT_ERROR
    assert err.count("\n") == 1 and err.startswith("halkit: error: ConnectError")
    code, out, err = run("get", emulator.entry_url, "--client-id", "acme", "--client-secret", "wrong-secret",
                         "--token-url", emulator.token_url)
    assert code == EXIT_ERROR and "invalid_client" in err and "wrong-secret" not in err
    assert err.count("\n") == 1
    code, out, err = run("crawl", "-p", "no-such-profile")
    assert code == EXIT_ERROR and "no-such-profile" in err and err.count("\n") == 1


def test_emulate_runs_in_the_foreground(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    import requests

    from halkit.emulator import runner

    made: List[Emulator] = []
    real = runner.from_arguments

    def capture(args: object) -> Emulator:
        emu = real(args)  # type: ignore[arg-type]
        made.append(emu)
        return emu

    monkeypatch.setattr(runner, "from_arguments", capture)
    result: List[Tuple[int, str, str]] = []
    thread = threading.Thread(target=lambda: result.append(run("emulate", "chatkitty", "--users", "3", "--client-secret", "xyz")))
    thread.start()
    deadline = time.monotonic() + 10
    while not (made and made[0].running) and time.monotonic() < deadline:
        time.sleep(0.05)
    emu = made[0]
    token = requests.post(emu.token_url, auth=("acme", "xyz"), data={"grant_type": "client_credentials"}, timeout=5)
    assert token.status_code == 200
    entry_url = emu.entry_url
    emu.stop()
    thread.join(10)
    code, out, _ = result[0]
    assert code == 0 and entry_url in out and "token URL" in out
