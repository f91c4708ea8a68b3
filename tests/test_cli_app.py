"""The halkit program as a whole: help, version, dispatch, exit statuses, one-line errors."""

from __future__ import annotations

import pathlib
from typing import Iterator, List, Tuple

import pytest
from clirun import login, run

import halkit
from halkit.cli import EXIT_ERROR
from halkit.emulator import Emulator


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


def _free_port() -> int:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return int(port)


def test_unreachable_api_exits_3_with_one_human_line() -> None:
    port = _free_port()
    for argv in (["get", f"http://127.0.0.1:{port}/v1"], ["validate", "-p", "chatkitty", f"http://127.0.0.1:{port}/v1"]):
        code, out, err = run(*argv)
        assert code == EXIT_ERROR == 3, (argv, out, err)
        assert f"cannot reach http://127.0.0.1:{port}: connection refused" in err
        assert err.count("\n") == 1 and "HTTPConnectionPool" not in err and "NewConnectionError" not in err


def test_authentication_failures_exit_3_with_a_hint(emulator: Emulator) -> None:
    code, out, err = run("get", emulator.entry_url, "--client-id", "acme", "--client-secret", "wrong-secret",
                         "--token-url", emulator.token_url)
    assert code == 3 and "invalid_client" in err and "wrong-secret" not in err
    assert err.count("\n") == 1
    code, out, err = run("get", emulator.entry_url)  # no credentials at all
    assert code == 3 and "401" in err


def test_token_url_hint_when_the_credentials_go_elsewhere(emulator: Emulator) -> None:
    # the profile's token endpoint is not the local API's: the hint names --token-url
    code, out, err = run("get", emulator.entry_url, "-p", "chatkitty", "--client-id", "acme",
                         "--client-secret", "x", "--token-url", emulator.token_url.replace("/oauth", "/nope"))
    assert code == 3 and err.count("\n") == 1
    code, _, err = run("get", "http://127.0.0.1:9/v1", "--client-id", "a", "--client-secret", "b",
                       "--token-url", "http://auth.example.com/token")
    assert code == 2 and "--insecure-http" in err and "b" not in err.split("hint")[0].split()


def test_unknown_profile_is_a_usage_error() -> None:
    code, out, err = run("crawl", "-p", "no-such-profile")
    assert code == 2 and "no-such-profile" in err and err.count("\n") == 1


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


def test_profile_init_writes_a_profile_that_checks(tmp_path: "pathlib.Path") -> None:
    code, out, err = run("profile", "init", "acme", "-C", str(tmp_path), "--entry-url", "http://127.0.0.1:9/v1")
    assert code == 0, err
    folder = tmp_path / "acme"
    assert (folder / "profile.json").is_file() and str(folder) in out
    code, out, _ = run("check-profiles", "--profile", str(folder))
    assert code == 0 and out.startswith("ok   acme")
    code, _, err = run("profile", "init", "acme", "-C", str(tmp_path))
    assert code == 2 and "already" in err and err.count("\n") == 1
    code, _, err = run("profile", "init", "Bad Name", "-C", str(tmp_path))
    assert code == 2


def test_profile_without_an_action_is_a_usage_error() -> None:
    assert run("profile")[0] == 2


def test_profile_from_openapi_and_from_crawl(tmp_path: "pathlib.Path", emulator: Emulator) -> None:
    spec = pathlib.Path(__file__).resolve().parent / "fixtures" / "openapi" / "petshop-3.0.json"
    code, out, err = run("profile", "from-openapi", str(spec))  # a dry run
    assert code == 0, err
    assert out.startswith("profile ") and not list(tmp_path.iterdir())
    target = tmp_path / "petshop"
    code, out, err = run("profile", "from-openapi", str(spec), "-o", str(target))
    assert code == 0, err and (target / "profile.json").is_file()
    code, out, err = run("profile", "from-crawl", emulator.entry_url, *login(emulator), "-o", str(tmp_path / "crawled"),
                         "--max-resources", "30")
    assert code == 0, err
    assert (tmp_path / "crawled" / "profile.json").is_file()
    code, _, err = run("profile", "from-openapi", str(tmp_path / "missing.json"))
    assert code == 2 and err.count("\n") == 1
