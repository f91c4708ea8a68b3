"""halkit.transport.MockTransport and the Transport protocol: clients without sockets."""

from __future__ import annotations

from typing import Any, List

import pytest
import requests

import halkit
from halkit.transport import MockTransport, Request, Transport, make_response


def hal(request: Request) -> Any:
    if request.url.endswith("/big"):
        return 200, {}, b"x" * 5000
    if request.url.endswith("/missing"):
        return 404, {"Content-Type": "application/json"}, {"detail": "no such thing"}
    return 200, {}, {"path": request.url, "method": request.method, "_links": {"self": {"href": request.url},
                                                                               "next": {"href": "/next"}}}


def test_a_client_on_a_mock_transport_sends_no_request_over_a_socket() -> None:
    mock = MockTransport(hal)
    client = halkit.Client("https://api.example.com/v1", transport=mock)
    root = client.root()
    assert root["path"] == "https://api.example.com/v1"
    assert root.follow("next")["path"] == "https://api.example.com/next"
    assert [r.url for r in mock.requests] == ["https://api.example.com/v1", "https://api.example.com/next"]
    assert mock.requests[0].headers["Accept"].startswith("application/hal+json")
    assert client.session is None
    client.close()
    assert mock.closed


def test_mock_transport_is_a_transport() -> None:
    assert isinstance(MockTransport(hal), Transport)
    assert isinstance(halkit.transport.SessionTransport(), Transport)
    assert isinstance(halkit.transport.RequestsTransport(), Transport)


def test_the_request_value_carries_what_the_client_was_asked() -> None:
    mock = MockTransport(hal)
    client = halkit.Client("https://api.example.com/v1", transport=mock, timeout=7.0)
    client.request("POST", "https://api.example.com/v1/things", json={"a": 1}, headers={"X-One": "1"},
                   params={"q": "x"}, timeout=(1.0, 2.0))
    client.request("PUT", "https://api.example.com/v1/things", data={"f": "v"}, files={"up": ("a.txt", b"hi")})
    sent, form = mock.requests
    assert (sent.method, sent.body, sent.params, sent.timeout) == ("POST", b'{"a":1}', {"q": "x"}, (1.0, 2.0))
    assert sent.headers["Content-Type"] == "application/json" and sent.headers["X-One"] == "1"
    assert sent.deadline == 2.0 * halkit.transport.DEADLINE_FACTOR  # per-call timeout: its own default deadline
    assert (form.data, form.files, form.timeout) == ({"f": "v"}, {"up": ("a.txt", b"hi")}, 7.0)
    assert form.deadline == client.deadline == 7.0 * halkit.transport.DEADLINE_FACTOR


def test_errors_and_caps_apply_on_a_mock_transport() -> None:
    client = halkit.Client("https://api.example.com/v1", transport=MockTransport(hal), max_body_size=1000)
    with pytest.raises(halkit.HTTPError) as info:
        client.get("https://api.example.com/missing")
    assert info.value.status == 404
    with pytest.raises(halkit.ResponseTooLargeError):
        client.request("GET", "https://api.example.com/big")


def test_make_response_builds_a_read_response() -> None:
    r = make_response(Request("GET", "https://api.example.com/x"), 201, json={"a": 1}, headers={"Location": "/x/1"})
    assert (r.status_code, r.reason, r.json(), r.headers["content-type"]) == (201, "Created", {"a": 1}, "application/hal+json")
    assert r.request.url == "https://api.example.com/x"
    assert make_response(Request("GET", "https://h/"), content="text").content == b"text"


def test_a_handler_may_return_a_response() -> None:
    seen: List[str] = []

    def handler(request: Request) -> requests.Response:
        seen.append(request.method)
        return make_response(request, json={"ok": True})

    client = halkit.Client("https://api.example.com/", transport=MockTransport(handler))
    assert client.root()["ok"] is True and seen == ["GET"]


def test_transport_and_session_together_are_refused() -> None:
    with pytest.raises(halkit.HalkitError, match="transport="):
        halkit.Client("https://api.example.com/", transport=MockTransport(hal), session=requests.Session())


def test_request_repr_shows_no_secret() -> None:
    r = Request("GET", "https://user:pw@api.example.com/x", headers={"Authorization": "Bearer s3cret"}, body=b"s3cret")
    assert "s3cret" not in repr(r) and "pw" not in repr(r)
    assert repr(r) == "<halkit.transport.Request GET https://***@api.example.com/x>"


def test_retries_are_importable_from_the_client_module() -> None:
    from halkit.client import IDEMPOTENT_METHODS, HalkitRetry, default_retry
    from halkit.retry import HalkitRetry as moved

    assert HalkitRetry is moved and isinstance(default_retry(), moved) and "GET" in IDEMPOTENT_METHODS
