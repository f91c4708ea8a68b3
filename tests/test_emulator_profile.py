"""The fidelity check: everything the emulator serves validates against the ``chatkitty`` profile.

The test crawls the emulator from its root: each document is validated as the
type the profile gives its link (and each embedded resource as its embedded
type), in strict mode, with zero violations and zero HAL deviations but the
one shape the docs and the profile document (a user token has no links, so
the tokens page embeds ``{"token": ...}`` without ``_links``). Every documented
example still validates as ``tests/fixtures/chatkitty/index.json`` says. A
change on either side that breaks the other fails here.
"""

from __future__ import annotations

import json
import pathlib
from collections import deque
from typing import Any, Deque, Dict, Iterator, List, Set, Tuple

import pytest
import requests
import uritemplate

from halkit.crawl import crawl
from halkit.emulator import Emulator
from halkit.hal import check_document

registry = pytest.importorskip("halkit.registry")

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "chatkitty"
#: What each ``expect`` of the examples' index means: the violations, as (pointer, rule).
EXPECTATIONS = {
    "valid": [],
    "missing-organization": [("/_links/organization", "required-link")],
}


@pytest.fixture(scope="module")
def profile() -> Any:
    return registry.profile("chatkitty")


@pytest.fixture(scope="module")
def crawled() -> Iterator[Tuple[Emulator, requests.Session]]:
    with Emulator(users=6, channels=8, messages_per_channel=3, page_size=4) as emu:
        session = requests.Session()
        session.trust_env = False
        token = session.post(
            emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"}
        ).json()["access_token"]
        session.headers["Authorization"] = f"Bearer {token}"
        app = emu.entry_url + "/applications/52"
        # give every type something to show
        session.post(app + "/users", json={"name": "guest", "isGuest": True})
        session.post(app + "/users/1/tokens", json={})
        session.post(app + "/push_notification_credentials", json={"type": "FCM", "apiKey": "key"})
        session.post(
            app + "/push_notification_credentials",
            files={"file": ("apns.p12", b"p12", "application/x-pkcs12")},
            data={"type": "APNS", "password": "pw", "isSandbox": "true"},
        )
        external = {"url": "https://example.com/a.png", "name": "a", "contentType": "image/png", "size": 1}
        session.post(app + "/channels/1/messages", json={"type": "FILE", "file": external, "groupTag": "g"})
        session.post(app + "/channels/1/messages", files={"file": ("b.png", b"png", "image/png")})
        session.post(app + "/messages", json={"type": "TEXT", "body": "via app", "channel": {"id": 2}})
        session.post(app + "/channels", json={"type": "DIRECT", "members": [{"id": 1}, {"id": 6}]})
        session.post(app + "/push_notification_credentials", json={"type": "APNs", "certificate": "c", "privateKey": "k"})
        yield emu, session
        session.close()


def _validate(profile: Any, document: Any, type_: str, where: str, problems: List[str]) -> None:
    violations = profile.validate(document, type_)
    if violations:
        problems.append(f"{where} as {type_}: {profile.summary(violations, type_)}")


def _linkless(profile: Any, type_: str) -> bool:
    """Whether the profile documents ``type_`` without links (its embedded copies then have no ``_links``)."""
    return not profile.definition(type_).links


def _deviations(profile: Any, document: Any, type_: str, where: str, problems: List[str]) -> None:
    """HAL deviations, but the documented one: an embedded resource of a linkless type without ``_links``."""
    for kind, pointer in check_document(document):
        parts = pointer.split("/")
        if kind == "missing-links" and len(parts) == 4 and parts[1] == "_embedded":
            embedded_type = profile.embedded_type(type_, parts[2])
            if embedded_type is not None and _linkless(profile, embedded_type):
                continue
        problems.append(f"{where}: HAL deviation {kind} at {pointer}")


def test_every_reachable_document_is_valid(profile: Any, crawled: Tuple[Emulator, requests.Session]) -> None:
    emu, session = crawled
    queue: Deque[Tuple[str, str]] = deque([(emu.entry_url, "api-root")])
    seen: Set[str] = set()
    problems: List[str] = []
    counts: Dict[str, int] = {}
    while queue:
        url, type_ = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = session.get(url)
        assert response.status_code == 200, (url, response.text)
        if not response.headers["Content-Type"].startswith("application/hal+json"):
            continue  # hosted file contents
        document = response.json()
        counts[type_] = counts.get(type_, 0) + 1
        _validate(profile, document, type_, url, problems)
        _deviations(profile, document, type_, url, problems)
        linked: List[Tuple[str, Dict[str, Any]]] = [(type_, document)]
        for rel, items in document.get("_embedded", {}).items():
            embedded_type = profile.embedded_type(type_, rel)
            assert embedded_type is not None, (type_, rel)
            for index, item in enumerate(items):
                counts[embedded_type] = counts.get(embedded_type, 0) + 1
                _validate(profile, item, embedded_type, f"{url} _embedded/{rel}/{index}", problems)
                linked.append((embedded_type, item))
        for owner_type, owner in linked:
            for rel, link in owner.get("_links", {}).items():
                target = profile.link_target(owner_type, rel)
                if target is None:
                    continue
                href = link["href"]
                if link.get("templated"):
                    variables = {"name": "user1", "direct": "true", "members": "user1", "size": 2}
                    href = uritemplate.expand(href, variables)
                queue.append((href, target))
                if link.get("templated"):  # and each template without variables
                    queue.append((uritemplate.expand(link["href"], {}), target))
    assert not problems, "\n".join(problems)
    expected = {
        "api-root", "application", "organization", "user", "user-token", "channel", "message",
        "push-notification-credential", "user-page", "channel-page", "user-token-page",
        "push-notification-credential-page", "message-page",
    }  # fmt: skip
    assert expected <= set(counts), sorted(expected - set(counts))


def test_write_answers_are_valid(profile: Any, crawled: Tuple[Emulator, requests.Session]) -> None:
    emu, session = crawled
    app = emu.entry_url + "/applications/52"
    answers = [
        ("user", session.post(app + "/users", json={"name": "writer", "displayName": "W"})),
        ("user", session.put(app + "/users/2", json={"displayName": "Renamed", "isGuest": True})),
        ("user-token", session.post(app + "/users/3/tokens", json={})),
        ("channel", session.post(app + "/channels", json={"type": "PRIVATE", "name": "p"})),
        ("channel", session.post(app + "/channels", json={"type": "DIRECT", "members": [{"id": 4}, {"id": 5}]})),
        ("channel", session.post(app + "/channels/1/members", json={"href": app + "/users/6"})),
        ("message", session.post(app + "/channels/1/messages", json={"type": "TEXT", "body": "hi"})),
        ("message", session.post(app + "/channels/4/messages", json={"type": "TEXT", "body": "ephemeral"})),
        ("channel", session.delete(app + "/messages/1")),
        ("message", session.post(app + "/messages", json={"type": "TEXT", "body": "x", "channel": {"id": 1}})),
        ("push-notification-credential", session.post(app + "/push_notification_credentials", json={"type": "APNs", "certificate": "c", "privateKey": "k"})),
        ("application", session.delete(app + "/users/6")),
        ("application", session.delete(app + "/channels/2")),
        ("application", session.delete(app + "/push_notification_credentials/1")),
    ]
    problems: List[str] = []
    for type_, response in answers:
        assert response.status_code in (200, 201), (type_, response.request.url, response.text)
        where = f"{response.request.method} {response.request.url}"
        _validate(profile, response.json(), type_, where, problems)
        _deviations(profile, response.json(), type_, where, problems)
    assert not problems, "\n".join(problems)


def test_a_strict_client_crawls_the_emulator_without_a_problem() -> None:
    with Emulator(users=6, channels=8, messages_per_channel=3, page_size=4) as emu, emu.client() as client:
        report = crawl(client, max_resources=2000)
    assert not report.truncated
    assert report.problems == []
    # the one tolerated shape is the documented one (checked document by document above)
    assert all("_links" in note for note in report.compatibility), report.compatibility
    assert report.total > 50


@pytest.mark.parametrize("stem", sorted(json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))))
def test_documented_examples_validate_as_indexed(profile: Any, stem: str) -> None:
    entry = json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))[stem]
    document = json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))
    assert entry["expect"] in EXPECTATIONS, f"{stem}: document what {entry['expect']!r} means"
    found = [(v.pointer, v.rule) for v in profile.validate(document, entry["type"])]
    assert found == EXPECTATIONS[entry["expect"]], stem
    problems: List[str] = []
    _deviations(profile, document, entry["type"], stem, problems)
    assert problems == []
