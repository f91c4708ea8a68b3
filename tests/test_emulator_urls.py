"""The emulator's hrefs follow the Host a client used (or a fixed public URL), so any name that reaches it works."""

from __future__ import annotations

import io
import socket
import threading

import pytest
import requests

import halkit
from halkit.emulator import Emulator
from halkit.emulator.runner import run_foreground


def local(emu: Emulator) -> str:
    return f"http://127.0.0.1:{emu.port}"


def links_under(emu: Emulator, host: str) -> str:
    answer = requests.get(local(emu) + "/v1", headers={"Host": host, "Authorization": bearer(emu)})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["_links"]["application"]["href"])


def bearer(emu: Emulator) -> str:
    answer = requests.post(
        local(emu) + "/oauth/token", auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"}
    )
    return f"Bearer {answer.json()['access_token']}"


def test_hrefs_follow_the_host_header(emu: Emulator) -> None:
    assert links_under(emu, "chatkitty:8080") == "http://chatkitty:8080/v1/applications/me"
    assert links_under(emu, f"localhost:{emu.port}") == f"http://localhost:{emu.port}/v1/applications/me"
    assert links_under(emu, "[::1]:9") == "http://[::1]:9/v1/applications/me"
    assert links_under(emu, "Example.COM") == "http://example.com/v1/applications/me"
    # without a Host header (HTTP/1.0): the bound address
    with socket.create_connection(("127.0.0.1", emu.port)) as sock:
        sock.sendall(f"GET /v1 HTTP/1.0\r\nAuthorization: {bearer(emu)}\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert f'"href":"{emu.entry_url}"'.encode() in data


def test_a_client_reached_through_localhost_follows_links(emu: Emulator) -> None:
    # was: links pinned to 127.0.0.1, so origin scoping withheld the token and follow() got a bare 401
    base = f"http://localhost:{emu.port}"
    with halkit.Client.from_profile(
        "chatkitty", emu.client_id, emu.client_secret, entry_url=base + "/v1", token_url=base + "/oauth/token"
    ) as client:
        users = client.follow("application", "users")
        assert users.url.startswith(base + "/v1/applications/52/users")
        assert users["page"]["totalElements"] == 50
        first = next(iter(users.items()))
        assert first.url == base + "/v1/applications/52/users/1"


def test_the_token_endpoint_answers_on_any_host_name(emu: Emulator) -> None:
    # a container reaches the emulator as http://chatkitty:PORT: authlib's https-only rule is not applied
    answer = requests.post(
        emu.token_url,
        headers={"Host": "chatkitty:8080"},
        auth=(emu.client_id, emu.client_secret),
        data={"grant_type": "client_credentials"},
    )
    assert answer.status_code == 200, answer.text


def test_binding_every_interface() -> None:
    with Emulator(host="0.0.0.0") as emu:
        port = emu.port
        assert emu.base_url == f"http://127.0.0.1:{port}"
        with emu.client() as client:
            assert client.follow("application")["name"] == "ChatKitty"
        # another machine names this one: its links use that name
        assert links_under(emu, f"buildhost:{emu.port}") == f"http://buildhost:{emu.port}/v1/applications/me"
        out = io.StringIO()
        ready = threading.Event()
        runner = threading.Thread(target=run_foreground, args=(emu, out), kwargs={"ready": ready, "quiet": True})
        runner.start()
        assert ready.wait(10)
        emu.stop()
        runner.join(10)
    text = out.getvalue()
    assert f"export HALKIT_ENTRY_URL=http://127.0.0.1:{port}/v1" in text
    assert f"http://{socket.gethostname()}:{port}/v1" in text


def test_a_public_url_fixes_every_href() -> None:
    with Emulator(public_url="https://chat.example.test/") as emu:
        assert emu.entry_url == "https://chat.example.test/v1"
        assert emu.token_url == "https://chat.example.test/oauth/token"
        assert links_under(emu, "other:1") == "https://chat.example.test/v1/applications/me"


def test_a_public_url_must_be_http() -> None:
    with pytest.raises(halkit.EmulatorError):
        Emulator(public_url="ftp://x")


def test_user_links_from_another_host_are_accepted(emu: Emulator) -> None:
    # the body's user link names the host the client used; only its path matters
    answer = requests.post(
        emu.entry_url + "/applications/52/channels/2/members",
        json={"href": "http://chatkitty:8080/v1/applications/52/users/40"},
        headers={"Authorization": bearer(emu)},
    )
    assert answer.status_code == 200, answer.text
