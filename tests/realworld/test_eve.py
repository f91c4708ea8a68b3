"""halkit against Eve (Flask + Cerberus, with mongomock for MongoDB), a real third-party server.

Eve's JSON is HAL-like: ``_links`` with link objects, but collections list
their items under ``_items`` (not ``_embedded``), hrefs are relative to the API
root (``people/<id>`` in a document at ``/people/<id>``), and a resource whose
schema has a ``data_relation`` carries ``_links.related``: an object of *named*
links (``{"author": {"href": ...}}``), which lenient mode reads as links of
rel ``related`` named by their keys (:data:`halkit.hal` ``link-map``).
Writes answer ``201`` with the new item's meta-data and a ``Location``;
validation errors are ``422`` with ``_error`` and ``_issues``.

Every test is a twin scenario (:mod:`async_twins`): written once, run against
:class:`halkit.Client` and :class:`halkit.AsyncClient`.
"""

from __future__ import annotations

from typing import Any

import async_twins
import pytest
from async_twins import Twin, io

import halkit

from .compat import record_compat
from .wsgi import WSGIThread

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin

def _client(twin: Twin, eve: WSGIThread, **kwargs: Any) -> Any:
    return twin.client(eve.url("/"), relative_hrefs="api-root", retries=0, **kwargs)


async def _people(client: Any) -> Any:
    root = await io(client.root())
    return root.link("child", index=[link.title for link in root.links["child"]].index("people"))


def test_create_and_read_through_the_related_map(twin: Twin, eve: WSGIThread) -> None:
    async def scenario() -> None:
        client = _client(twin, eve)
        with record_compat() as seen:
            people = await _people(client)
            ann = await io(people.post({"name": "ann"}))
            assert ann is not None and ann.response is not None and ann.response.status_code == 201
            messages = await io(client.get("messages"))
            message = await io(messages.link("self").post({"text": "hi", "author": ann["_id"]}))
            # Eve's related map: the message is readable, its author a named link of rel "related"
            assert message is not None and message.link("related", name="author").url == eve.url(f"/people/{ann['_id']}")
            assert (await io(message.follow("related", name="author")))["name"] == "ann"
            again = await io(client.get(f"messages/{message['_id']}"))
            assert again["text"] == "hi" and again.link("related", name="author").title == "People"
        assert "link-map" in seen.kinds

    twin.run(scenario)


def test_strict_mode_a_successful_write_is_never_reported_as_a_failure(twin: Twin, eve: WSGIThread) -> None:
    async def scenario() -> None:
        with record_compat():
            ann = await io((await _people(_client(twin, eve))).post({"name": "ann"}))
            assert ann is not None
        client = _client(twin, eve, strict=True)
        messages = await io(client.get("messages"))
        with pytest.warns(halkit.CompatibilityWarning, match="succeeded"):
            with pytest.raises(halkit.WriteSucceededError) as info:
                await io(messages.link("self").post({"text": "hi", "author": ann["_id"]}))
        err = info.value
        assert err.status == 201 and err.location is not None and "/messages/" in err.location
        assert "do not simply retry" in str(err)
        with record_compat():
            assert (await io(_client(twin, eve).get("messages")))["_meta"]["total"] == 1  # created once

    twin.run(scenario)


def test_validation_errors_carry_eves_words(twin: Twin, eve: WSGIThread) -> None:
    async def scenario() -> None:
        people = await _people(_client(twin, eve))
        with pytest.raises(halkit.ClientError) as info:
            await io(people.post({"nme": "typo"}))
        assert info.value.status == 422
        assert "Insertion failure" in str(info.value) and "name: required field" in str(info.value)
        assert "nme: unknown field" in str(info.value)

    twin.run(scenario)


def test_conditional_writes_with_per_call_headers(twin: Twin, eve: WSGIThread) -> None:
    async def scenario() -> None:
        client = _client(twin, eve)
        with record_compat():
            ann = await io((await _people(client)).post({"name": "ann"}))
            assert ann is not None
            with pytest.raises(halkit.ClientError) as info:
                await io(ann.patch({"name": "anne"}))  # Eve wants If-Match
            assert info.value.status == 428
            patched = await io(ann.patch({"name": "anne"}, headers={"If-Match": ann["_etag"]}))
            assert patched is not None and patched["_status"] == "OK"
            assert (await io(client.get(f"people/{ann['_id']}")))["name"] == "anne"

    twin.run(scenario)


def test_per_call_params(twin: Twin, eve: WSGIThread) -> None:
    async def scenario() -> None:
        client = _client(twin, eve)
        with record_compat():
            people = await _people(client)
            for name in ("a", "b", "c"):
                await io(people.post({"name": name}))
            found = await io(people.get(params={"where": '{"name": "b"}'}))
            assert [p["name"] for p in found["_items"]] == ["b"]
            with pytest.raises(halkit.UnknownVariableError):
                await io(people.get(where='{"name": "b"}'))

    twin.run(scenario)
