"""halkit get: fetching, following, sending, printing for people."""

from __future__ import annotations

import json
import pathlib
import re
from typing import Iterator

import pytest
from clirun import login, run

from halkit.cli.connect import UsageError
from halkit.cli.get import expand_url, parse_items
from halkit.emulator import Emulator

from server import TestServer


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(users=7, channels=3, client_secret="s3cr3t-value") as emu:
        yield emu


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


# --------------------------------------------------------------------------- httpie-like requests

@pytest.mark.parametrize(("typed", "url"), [
    (":8765/v1", "http://localhost:8765/v1"),
    (":8765", "http://localhost:8765"),
    (":/v1", "http://localhost/v1"),
    ("localhost:8765/v1", "http://localhost:8765/v1"),
    ("127.0.0.1:8765/v1", "http://127.0.0.1:8765/v1"),
    ("[::1]:8765/v1", "http://[::1]:8765/v1"),
    ("api.example.com/v1", "https://api.example.com/v1"),
    ("http://api.example.com/v1", "http://api.example.com/v1"),
])
def test_url_shorthands(typed: str, url: str) -> None:
    assert expand_url(typed) == url


def test_request_items() -> None:
    body, query, headers = parse_items(["name=jane", "age:=42", "tags:=[\"a\"]", "page==2", "X-Trace:abc",
                                        "url=http://x/y?a=b", "note=a:b"])
    assert body == {"name": "jane", "age": 42, "tags": ["a"], "url": "http://x/y?a=b", "note": "a:b"}
    assert query == {"page": "2"}
    assert headers == {"X-Trace": "abc"}
    with pytest.raises(UsageError, match="invalid JSON"):
        parse_items(["age:={oops"])
    with pytest.raises(UsageError, match="expected name=value"):
        parse_items(["nothing"])


def test_post_with_items_then_include_shows_status_and_headers(emulator: Emulator) -> None:
    code, out, err = run("get", emulator.entry_url, "-p", "chatkitty", *login(emulator), "-f", "application",
                         "-f", "users", "-X", "POST", "name=jane", "displayName=Jane", "properties:={\"a\": 1}",
                         "-i", "--color", "never")
    assert code == 0, err
    assert out.startswith("HTTP/1.1 201") or out.startswith("HTTP/1.1 200"), out[:200]
    assert "Content-Type: application/hal+json" in out or "content-type" in out.lower()
    assert '"Jane"' in out and "(user)" in out


def test_json_body_and_a_body_without_method_means_post(emulator: Emulator) -> None:
    code, out, err = run("get", emulator.entry_url, *login(emulator), "-f", "application", "-f", "users",
                         "--json", '{"name": "joe", "displayName": "Joe"}', "--format", "json")
    assert code == 0, err
    assert json.loads(out)["name"] == "joe"
    code, _, err = run("get", emulator.entry_url, "-X", "GET", "name=x")
    assert code == 2 and "takes no body" in err


def test_shorthand_reaches_the_emulator(emulator: Emulator) -> None:
    code, out, err = run("get", f":{emulator.port}/v1", *login(emulator))
    assert code == 0, err
    assert "application" in out


def test_verbose_shows_the_request_without_secrets(emulator: Emulator) -> None:
    code, out, err = run("get", emulator.entry_url, *login(emulator), "-v", "--color", "never")
    assert code == 0
    assert "> GET " + emulator.entry_url in err and "Authorization: <redacted>" in err
    assert "HTTP/1.1 200" in out
    assert emulator.client_secret not in out + err


def test_output_file(emulator: Emulator, tmp_path: "pathlib.Path") -> None:
    target = tmp_path / "root.json"
    code, out, _ = run("get", emulator.entry_url, *login(emulator), "-o", str(target))
    assert code == 0 and out == ""
    assert "_links" in json.loads(target.read_text())


def test_embedded_counts_read_right(emulator: Emulator) -> None:
    code, out, _ = run("get", emulator.entry_url, "-p", "chatkitty", *login(emulator), "-f", "application",
                       "-f", "find:users", "--var", "name=user3")
    assert code == 0
    assert "users: 1 item (user)" in out
    code, out, _ = run("get", emulator.entry_url, "-p", "chatkitty", *login(emulator), "-f", "application",
                       "-f", "users")
    assert re.search(r"users: \d+ items \(user\)", out)


def test_colour_follows_the_option_and_no_color(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("rich")
    code, out, _ = run("get", emulator.entry_url, *login(emulator), "--color", "always")
    assert code == 0 and "\x1b[" in out
    code, out, _ = run("get", emulator.entry_url, *login(emulator), "--color", "never")
    assert "\x1b" not in out
    code, out, _ = run("get", emulator.entry_url, *login(emulator))  # auto, not a TTY
    assert "\x1b" not in out
    monkeypatch.setenv("NO_COLOR", "1")
    from halkit.cli.terminal import wants_color

    class Tty:
        def isatty(self) -> bool:
            return True

    assert wants_color(Tty(), "auto") is False  # type: ignore[arg-type]
    monkeypatch.delenv("NO_COLOR")
    assert wants_color(Tty(), "auto") is True  # type: ignore[arg-type]
    assert wants_color(Tty(), "never") is False  # type: ignore[arg-type]


ESC = "\x1b]0;owned\x07\x1b[2J\x1b[31m"


@pytest.mark.parametrize("color", ["never", "always"])
def test_server_strings_cannot_drive_the_terminal(server: TestServer, prefix: str, color: str) -> None:
    server.add(f"{prefix}/v1", {
        "_links": {
            "self": {"href": f"{prefix}/v1"},
            f"rel{ESC}": {"href": f"{prefix}/x{ESC}", "title": f"title{ESC}", "name": f"n{ESC}"},
        },
        f"prop{ESC}": f"value{ESC}\u202e",
        "_embedded": {f"items{ESC}": [{"name": f"item{ESC}", "_links": {"self": {"href": f"{prefix}/i{ESC}"}}}]},
    })
    code, out, err = run("get", server.url(f"{prefix}/v1"), "--color", color)
    assert code == 0, err
    assert "]0;owned" in out  # shown, as an escape
    for forbidden in ("\x1b]", "\x1b[2J", "\x07", "\u202e"):
        assert forbidden not in out
    code, out, _ = run("get", server.url(f"{prefix}/v1"), "--format", "json", "--color", color)
    assert "\x07" not in out and "\x1b]" not in out and "\u202e" not in out


def test_server_error_messages_are_stripped_too(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/v1", {"title": f"bad{ESC}", "detail": f"very{ESC} bad"}, status=400,
               headers={"Content-Type": "application/problem+json"})
    code, out, err = run("get", server.url(f"{prefix}/v1"))
    assert code == 1
    assert err.count("\n") == 1 and "\x1b" not in err and "\x07" not in err and "400" in err


def test_415_names_the_option_that_fixes_it(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/v1", {"error": "unsupported"}, status=415, method="POST",
               headers={"Accept-Post": "application/hal+json"})
    code, _, err = run("get", server.url(f"{prefix}/v1"), "-X", "POST", "a=b")
    assert code == 1
    assert "415" in err and "--content-type" in err and "application/hal+json" in err
