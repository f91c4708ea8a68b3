"""``halkit.cli.connect``: the one profile loader and the one client factory (CLI and pytest plugin)."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from halkit.cli.connect import ClientOptions, UsageError, load_profile, make_client
from halkit.emulator import Emulator


def test_options_from_parsed_arguments_and_the_environment() -> None:
    args = types.SimpleNamespace(url="http://127.0.0.1:1/v1", header=["X-A: 1", "X-B:2"], timeout=3.0, token=None)
    options = ClientOptions.from_namespace(args, environ={"HALKIT_TOKEN": "t0k", "HALKIT_TOKEN_URL": "http://x/t"})
    assert options.url == "http://127.0.0.1:1/v1" and options.token == "t0k" and options.token_url == "http://x/t"
    assert dict(options.headers) == {"X-A": "1", "X-B": "2"} and options.timeout == 3.0
    assert "t0k" not in repr(options)
    with pytest.raises(UsageError, match="expected 'Name: value'"):
        ClientOptions.from_namespace(types.SimpleNamespace(header=["nocolon"]), environ={})


@pytest.mark.parametrize(("options", "message"), [
    (ClientOptions(url="http://127.0.0.1:1/", token="a", client_id="b", client_secret="c"), "not both"),
    (ClientOptions(url="http://127.0.0.1:1/", client_id="b"), "go together"),
    (ClientOptions(url="http://127.0.0.1:1/", client_id="b", client_secret="c"), "--token-url"),
    (ClientOptions(), "give the API's URL"),
    (ClientOptions(url="http://127.0.0.1:1/", environment="staging"), "--environment needs --profile"),
    (ClientOptions(profile="chatkitty", environment="nope"), "nope"),
    (ClientOptions(url="http://127.0.0.1:1/", client_id="b", client_secret="c", token_url="http://auth.example/t"),
     "--insecure-http"),
])
def test_options_that_cannot_work(options: ClientOptions, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        make_client(options)


def test_a_profile_supplies_urls_and_token_quirks_as_data() -> None:
    with Emulator(users=1, channels=1) as emu:
        options = ClientOptions(url=emu.entry_url, profile="chatkitty", client_id=emu.client_id,
                                client_secret=emu.client_secret, token_url=emu.token_url)
        with make_client(options) as client:
            assert client.profile is not None and client.profile.name == "chatkitty"
            assert client.root().follow("application").type == "application"
    with make_client(ClientOptions(profile="chatkitty")) as client:
        assert client.entry_url == load_profile("chatkitty").environment(None).entry_url  # type: ignore[union-attr]


def test_importing_the_factory_loads_no_parser() -> None:
    code = "import sys, halkit.cli.connect; print('halkit.cli.app' in sys.modules, 'argparse' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split()[0] == "False"
