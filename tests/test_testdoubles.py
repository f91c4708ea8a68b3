"""requests' test doubles intercept every request halkit sends, with no halkit setting.

responses, requests-mock, vcrpy and betamax each answer for a made-up host
(``api.example.com``); a guard makes any attempt to resolve or reach a
non-loopback host fail the test, so nothing here touches the network.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests

import halkit
from halkit.auth import ClientCredentials

ROOT = "https://api.example.com/v1"
TOKEN_URL = "https://api.example.com/oauth/token"
ROOT_DOC = {"_links": {"self": {"href": ROOT}, "users": {"href": "/v1/users"}}}
USERS_DOC = {"_links": {"self": {"href": "https://api.example.com/v1/users"}},
             "_embedded": {"users": [{"id": 1, "_links": {"self": {"href": "/v1/users/1"}}}]}}
TOKEN = {"access_token": "tok-from-double", "token_type": "bearer", "expires_in": 3600}
HAL = "application/hal+json"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse to resolve any name but loopback: a request a double missed fails loudly here."""
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1", None):
            raise AssertionError(f"the test double missed a request: it tried to resolve {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


def walk(client: halkit.Client) -> int:
    root = client.root()
    users = root.follow("users")
    return int(users.embedded("users")[0]["id"])


# -- responses ------------------------------------------------------------------------------------


def test_responses_intercepts_every_request_the_token_request_included() -> None:
    responses = pytest.importorskip("responses")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add(responses.POST, TOKEN_URL, json=TOKEN)
        mock.add(responses.GET, ROOT, json=ROOT_DOC, content_type=HAL)
        mock.add(responses.GET, "https://api.example.com/v1/users", json=USERS_DOC, content_type=HAL)
        auth = ClientCredentials(TOKEN_URL, "id", "secret")
        with halkit.Client(ROOT, auth=auth) as client:
            assert walk(client) == 1
            assert client.transport.fast_sends == 0  # type: ignore[attr-defined]
        urls = [call.request.url for call in mock.calls]
        assert urls == [TOKEN_URL, ROOT, "https://api.example.com/v1/users"]
        assert mock.calls[1].request.headers["Authorization"] == "Bearer tok-from-double"


def test_responses_activate_decorator_on_a_client_made_before() -> None:
    responses = pytest.importorskip("responses")
    client = halkit.Client(ROOT, auth="static")

    @responses.activate
    def run() -> None:
        responses.add(responses.GET, ROOT, json=ROOT_DOC, content_type=HAL)
        responses.add(responses.GET, "https://api.example.com/v1/users", json=USERS_DOC, content_type=HAL)
        assert walk(client) == 1
        assert len(responses.calls) == 2

    run()


# -- requests-mock --------------------------------------------------------------------------------


def test_requests_mock_intercepts_every_request_the_token_request_included() -> None:
    requests_mock = pytest.importorskip("requests_mock")
    with requests_mock.Mocker() as m:
        m.post(TOKEN_URL, json=TOKEN)
        m.get(ROOT, json=ROOT_DOC, headers={"Content-Type": HAL})
        m.get("https://api.example.com/v1/users", json=USERS_DOC, headers={"Content-Type": HAL})
        with halkit.Client(ROOT, auth=ClientCredentials(TOKEN_URL, "id", "secret")) as client:
            assert walk(client) == 1
        assert [r.url for r in m.request_history] == [TOKEN_URL, ROOT, "https://api.example.com/v1/users"]
        assert m.request_history[2].headers["Authorization"] == "Bearer tok-from-double"


# -- vcrpy ----------------------------------------------------------------------------------------


def _vcr_interaction(uri: str, doc: Dict[str, Any], method: str = "GET") -> Dict[str, Any]:
    return {
        "request": {"body": None, "headers": {}, "method": method, "uri": uri},
        "response": {"body": {"string": json.dumps(doc)}, "headers": {"Content-Type": [HAL]},
                     "status": {"code": 200, "message": "OK"}},
    }


def test_vcrpy_replays_a_cassette(tmp_path: Path) -> None:
    vcr = pytest.importorskip("vcr")
    cassette = tmp_path / "hal.yaml"
    # JSON is YAML: a cassette written by hand, played back with recording off
    cassette.write_text(json.dumps({"version": 1, "interactions": [
        _vcr_interaction(ROOT, ROOT_DOC), _vcr_interaction("https://api.example.com/v1/users", USERS_DOC)]}))
    with vcr.use_cassette(str(cassette), record_mode="none") as played:
        with halkit.Client(ROOT, auth="static") as client:
            assert walk(client) == 1
        assert played.play_count == 2 and played.all_played


# -- betamax --------------------------------------------------------------------------------------


def _betamax_interaction(uri: str, doc: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "request": {"body": {"encoding": "utf-8", "string": ""}, "headers": {}, "method": "GET", "uri": uri},
        "response": {"body": {"encoding": "utf-8", "string": json.dumps(doc)}, "headers": {"Content-Type": [HAL]},
                     "status": {"code": 200, "message": "OK"}, "url": uri},
        "recorded_at": "2026-01-01T00:00:00",
    }


# betamax itself calls datetime.utcnow(), deprecated since Python 3.12: its warning, not halkit's
@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_betamax_replays_a_cassette_through_the_session_it_wraps(tmp_path: Path) -> None:
    betamax = pytest.importorskip("betamax")
    (tmp_path / "hal.json").write_text(json.dumps({"http_interactions": [
        _betamax_interaction(ROOT, ROOT_DOC), _betamax_interaction("https://api.example.com/v1/users", USERS_DOC)],
        "recorded_with": "betamax/0.9.0"}))
    session = requests.Session()
    recorder = betamax.Betamax(session, cassette_library_dir=str(tmp_path))
    with recorder.use_cassette("hal", record="none"):
        client = halkit.Client(ROOT, session=session, auth="static")
        assert walk(client) == 1
        assert client.transport.fast_sends == 0  # type: ignore[attr-defined]
        interactions = recorder.current_cassette.interactions
        assert all(i.used for i in interactions) and len(interactions) == 2


# -- the fast path comes back when the double goes --------------------------------------------------


def test_the_fast_path_is_used_again_once_the_double_is_gone(server: Any, prefix: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    responses = pytest.importorskip("responses")
    server.add(f"{prefix}/x", {"ok": True})
    client = halkit.Client(server.url(f"{prefix}/x"))
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, server.url(f"{prefix}/x"), json={"ok": "double"}, content_type=HAL)
        assert client.root()["ok"] == "double"
        assert client.transport.fast_sends == 0  # type: ignore[attr-defined]
    assert client.root()["ok"] is True
    assert client.transport.fast_sends == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("target", ["Session.send", "Session.get_adapter", "Session.request", "HTTPAdapter.send"])
def test_any_patch_of_requests_sends_through_requests(server: Any, prefix: str, monkeypatch: pytest.MonkeyPatch,
                                                      target: str) -> None:
    from requests.adapters import HTTPAdapter

    server.add(f"{prefix}/x", {"ok": True})
    owner_name, _, name = target.partition(".")
    owner = {"Session": requests.Session, "HTTPAdapter": HTTPAdapter}[owner_name]
    original = getattr(owner, name)
    calls: List[str] = []

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(target)
        return original(self, *args, **kwargs)

    client = halkit.Client(server.url(f"{prefix}/x"))
    assert client.root()["ok"] is True and client.transport.fast_sends == 1  # type: ignore[attr-defined]
    monkeypatch.setattr(owner, name, spy)
    assert client.root()["ok"] is True
    assert client.transport.fast_sends == 1  # type: ignore[attr-defined]
    if target != "Session.request":  # halkit never calls Session.request; patching it still means "hands off"
        assert calls, f"the patched {target} was not called"
