"""halkit against Eve (Flask + Cerberus, with mongomock for MongoDB), a real third-party server.

Eve's JSON is HAL-like: ``_links`` with link objects, but collections list
their items under ``_items`` (not ``_embedded``), hrefs are relative to the API
root (``people/<id>`` in a document at ``/people/<id>``), and a resource whose
schema has a ``data_relation`` carries ``_links.related``: an object of *named*
links (``{"author": {"href": ...}}``), which lenient mode reads as links of
rel ``related`` named by their keys (:data:`halkit.hal` ``link-map``).
Writes answer ``201`` with the new item's meta-data and a ``Location``;
validation errors are ``422`` with ``_error`` and ``_issues``.
"""

from __future__ import annotations

from typing import Any

import pytest

import halkit

from .compat import record_compat
from .wsgi import WSGIThread


def _client(eve: WSGIThread, **kwargs: Any) -> halkit.Client:
    return halkit.Client(eve.url("/"), relative_hrefs="api-root", retries=0, **kwargs)


def _people(client: halkit.Client) -> halkit.Link:
    root = client.root()
    return root.link("child", index=[link.title for link in root.links["child"]].index("people"))


def test_create_and_read_through_the_related_map(eve: WSGIThread) -> None:
    with _client(eve) as client, record_compat() as seen:
        people = _people(client)
        ann = people.post({"name": "ann"})
        assert ann is not None and ann.response is not None and ann.response.status_code == 201
        messages = client.get("messages")
        message = messages.link("self").post({"text": "hi", "author": ann["_id"]})
        # Eve's related map: the message is readable, its author a named link of rel "related"
        assert message is not None and message.link("related", name="author").url == eve.url(f"/people/{ann['_id']}")
        assert message.follow("related", name="author")["name"] == "ann"
        again = client.get(f"messages/{message['_id']}")
        assert again["text"] == "hi" and again.link("related", name="author").title == "People"
    assert "link-map" in seen.kinds


def test_strict_mode_a_successful_write_is_never_reported_as_a_failure(eve: WSGIThread) -> None:
    with _client(eve) as client, record_compat():
        ann = _people(client).post({"name": "ann"})
        assert ann is not None
    with _client(eve, strict=True) as client:
        messages = client.get("messages")
        with pytest.warns(halkit.CompatibilityWarning, match="succeeded"):
            with pytest.raises(halkit.WriteSucceededError) as info:
                messages.link("self").post({"text": "hi", "author": ann["_id"]})
    err = info.value
    assert err.status == 201 and err.location is not None and "/messages/" in err.location
    assert "do not simply retry" in str(err)
    with _client(eve) as client, record_compat():
        assert client.get("messages")["_meta"]["total"] == 1  # created once


def test_validation_errors_carry_eves_words(eve: WSGIThread) -> None:
    with _client(eve) as client:
        people = _people(client)
        with pytest.raises(halkit.ClientError) as info:
            people.post({"nme": "typo"})
    assert info.value.status == 422
    assert "Insertion failure" in str(info.value) and "name: required field" in str(info.value)
    assert "nme: unknown field" in str(info.value)


def test_conditional_writes_with_per_call_headers(eve: WSGIThread) -> None:
    with _client(eve) as client, record_compat():
        ann = _people(client).post({"name": "ann"})
        assert ann is not None
        with pytest.raises(halkit.ClientError) as info:
            ann.patch({"name": "anne"})  # Eve wants If-Match
        assert info.value.status == 428
        patched = ann.patch({"name": "anne"}, headers={"If-Match": ann["_etag"]})
        assert patched is not None and patched["_status"] == "OK"
        assert client.get(f"people/{ann['_id']}")["name"] == "anne"


def test_per_call_params(eve: WSGIThread) -> None:
    with _client(eve) as client, record_compat():
        people = _people(client)
        for name in ("a", "b", "c"):
            people.post({"name": name})
        found = people.get(params={"where": '{"name": "b"}'})
        assert [p["name"] for p in found["_items"]] == ["b"]
        with pytest.raises(halkit.UnknownVariableError):
            people.get(where='{"name": "b"}')
