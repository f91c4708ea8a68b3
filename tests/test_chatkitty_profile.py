"""The ChatKitty profile: the decisions of the v1 HAL API, rule by rule."""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any, Dict, List, Tuple

import pytest

import halkit
from halkit.registry import Environment, Profile, profile

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "chatkitty"


def load(stem: str) -> Dict[str, Any]:
    data = json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def found(violations: List[halkit.registry.Violation]) -> List[Tuple[str, str]]:
    return [(v.pointer, v.rule) for v in violations]


@pytest.fixture(scope="module")
def ck() -> Profile:
    return profile("chatkitty")


def test_type_names_are_the_decided_ones(ck: Profile) -> None:
    assert set(ck.types) == {
        "api-root", "application", "organization", "user", "user-token", "channel", "message", "reply-thread",
        "push-notification-credential", "user-page", "channel-page", "user-token-page",
        "push-notification-credential-page", "message-page",
    }  # fmt: skip
    assert "file" not in ck.types  # a schema, not a resource


def test_entry_environments_and_auth(ck: Profile) -> None:
    assert ck.entry_type == "api-root"
    assert ck.default_environment == "production"
    assert ck.environments["production"] == Environment(
        "https://api.chatkitty.com/v1", "https://authorization.chatkitty.com/oauth/token"
    )
    assert ck.environments["staging"].entry_url == "https://staging-api.chatkitty.com/v1"
    assert ck.environments["staging"].token_url == "https://staging-authorization.chatkitty.com/oauth/token"
    assert ck.auth.type == "oauth2-client-credentials"
    assert ck.auth.token_endpoint_auth_method == "client_secret_basic"
    assert ck.auth.form_fields("acme", "acmesecret") == {"username": "acme", "password": "acmesecret"}


def test_error_table(ck: Profile) -> None:
    assert sorted(ck.errors) == [400, 401, 403, 404, 405, 406, 410, 429, 500, 503]
    assert ck.errors[405].startswith("Method Not Allowed")


@pytest.mark.parametrize(
    ("type_name", "rel", "methods", "target"),
    [
        ("api-root", "application", {"GET"}, "application"),
        ("application", "users", {"POST", "GET"}, "user-page"),
        ("application", "channels", {"POST", "GET"}, "channel-page"),
        ("application", "organization", {"GET"}, "organization"),
        ("application", "messages", {"POST", "GET"}, "message-page"),
        ("application", "pushNotificationCredentials", {"POST", "GET"}, "push-notification-credential-page"),
        ("application", "find:users", {"GET"}, "user-page"),
        ("application", "find:channels", {"GET"}, "channel-page"),
        ("user", "self", {"GET", "PUT", "DELETE"}, "user"),
        ("user", "channels", {"GET"}, "channel-page"),
        ("user", "tokens", {"POST", "GET"}, "user-token-page"),
        ("channel", "self", {"GET", "DELETE"}, "channel"),
        ("channel", "messages", {"POST", "GET"}, "message-page"),
        ("channel", "members", {"POST", "GET"}, "user-page"),
        ("message", "self", {"GET", "DELETE"}, "message"),
        ("message", "channel", {"GET"}, "channel"),
        ("message", "user", {"GET"}, "user"),
        ("push-notification-credential", "self", {"GET", "DELETE"}, "push-notification-credential"),
        ("user-page", "next", {"GET"}, "user-page"),
        ("message-page", "next", {"GET"}, "message-page"),
    ],
)
def test_link_methods_and_targets(ck: Profile, type_name: str, rel: str, methods: set, target: str) -> None:  # type: ignore[type-arg]
    assert ck.link_methods(type_name, rel) == frozenset(methods)
    assert ck.link_target(type_name, rel) == target


def test_undocumented_rels_refuse_nothing(ck: Profile) -> None:
    assert ck.link_methods("application", "curies") is None
    assert ck.link_target("application", "curies") is None
    ck.check_method("application", "curies", "DELETE")


def test_delete_on_application_users_is_refused_in_strict_mode(ck: Profile) -> None:
    with pytest.raises(halkit.ProfileError, match="users.*not DELETE"):
        ck.check_method("application", "users", "DELETE")
    with pytest.warns(halkit.ProfileWarning, match="not DELETE"):
        ck.check_method("application", "users", "delete", "warn")
    ck.check_method("application", "users", "DELETE", "off")
    ck.check_method("application", "users", "post")


@pytest.mark.parametrize(
    ("type_name", "rel", "method", "answer"),
    [
        ("application", "users", "POST", "user"),
        ("application", "users", "GET", "user-page"),
        ("user", "self", "DELETE", "application"),
        ("user", "self", "PUT", "user"),
        ("user", "tokens", "POST", "user-token"),
        ("channel", "self", "DELETE", "application"),
        ("channel", "members", "POST", "channel"),
        ("message", "self", "DELETE", None),  # the Channel (docs) or a reply-thread (OpenAPI 0.0.5): inferred
        ("push-notification-credential", "self", "DELETE", "application"),
        ("application", "nonsense", "GET", None),
    ],
)
def test_response_types(ck: Profile, type_name: str, rel: str, method: str, answer: str) -> None:
    assert ck.response_type(type_name, rel, method) == answer


def test_embedded_types(ck: Profile) -> None:
    assert ck.embedded_type("user-page", "users") == "user"
    assert ck.embedded_type("channel-page", "channels") == "channel"
    assert ck.embedded_type("user-token-page", "tokens") == "user-token"
    assert ck.embedded_type("push-notification-credential-page", "credentials") == "push-notification-credential"
    assert ck.embedded_type("message-page", "messages") == "message"
    assert ck.embedded_type("user", "users") is None


def test_type_inference_along_links(ck: Profile) -> None:
    """From the entry point, every fixture reached by rels has the type the profile gives it."""
    walk = [
        ("v1-root", "application", "v1-application"),
        ("seed-application", "users", "v1-user-page"),
        ("seed-application", "channels", "v1-channel-page"),
        ("v1-application", "find:users", "v1-user-page"),
        ("v1-application", "pushNotificationCredentials", "v1-push-credential-page"),
        ("v1-user", "tokens", "v1-user-token-page"),
        ("v1-channel-public", "messages", "v1-message-page"),
        ("v1-channel-public", "members", "v1-channel-members-page"),
        ("v1-message-system-text", "channel", "v1-channel-public"),
        ("v1-message-system-text", "self", "v1-message-system-text"),
    ]
    types = {"v1-root": ck.entry_type}
    for source, rel, target in walk:
        source_type = types.get(source) or ck.infer_types(load(source))[0]
        target_type = ck.link_target(source_type, rel)
        assert target_type is not None
        types[target] = target_type
        expected = [("/_links/organization", "required-link")] if target == "v1-application" else []
        assert found(ck.validate(load(target), target_type)) == expected, (source, rel, target)
    page = load("v1-user-page")
    user_type = ck.embedded_type(types["v1-user-page"], "users")
    assert user_type == "user"
    assert all(ck.validate(user, user_type) == [] for user in page["_embedded"]["users"])


def test_seed_requires_the_organization_link_later_links_are_optional(ck: Profile) -> None:
    app = load("seed-application")
    assert ck.validate(app, "application") == []
    del app["_links"]["organization"]
    assert found(ck.validate(app, "application")) == [("/_links/organization", "required-link")]
    rules = ck.links("application")
    assert [rel for rel, rule in rules.items() if rule.required] == ["self", "users", "channels", "organization"]


def test_application_templated_links(ck: Profile) -> None:
    rules = ck.links("application")
    assert rules["find:users"].templated and rules["find:users"].variables == ("page", "size", "name")
    assert rules["find:channels"].variables == ("page", "size", "direct", "members")
    app = load("v1-application")
    app["_links"]["find:users"]["href"] = "https://api.chatkitty.com/v1/applications/1/users{?page,size}"
    violations = ck.validate(app, "application")
    assert ("/_links/find:users/href", "template-variables") in found(violations)
    message = next(v.message for v in violations if v.rule == "template-variables")
    assert "name" in message and "page, size" in message


def test_optional_properties_and_links(ck: Profile) -> None:
    user = load("v1-user")
    del user["displayName"]
    assert ck.validate(user, "user") == []  # displayName came later: optional
    user["_links"]["tokens"] = {"href": "https://api.chatkitty.com/v1/applications/1/users/1/tokens"}
    user["isGuest"] = True
    assert ck.validate(user, "user") == []
    message = load("v1-message-system-text")
    del message["id"], message["_links"]["self"]  # ephemeral message
    assert ck.validate(message, "message") == []
    message["createdTime"] = "2020-09-08T12:00:00.123Z"
    assert ck.validate(message, "message") == []


@pytest.mark.parametrize(
    ("stem", "type_name", "key", "bad"),
    [
        ("v1-channel-open", "channel", "type", "GROUP"),
        ("v1-message-system-text", "message", "type", "SYSTEM"),
        ("v1-push-credential-fcm", "push-notification-credential", "type", "GCM"),
    ],
)
def test_enums(ck: Profile, stem: str, type_name: str, key: str, bad: str) -> None:
    doc = load(stem)
    doc[key] = bad
    violations = ck.validate(doc, type_name)
    assert found(violations) == [(f"/{key}", "enum")]
    assert f'"{bad}" is not one of' in violations[0].message


def test_direct_and_private_channels_are_valid(ck: Profile) -> None:
    for kind in ("PRIVATE", "DIRECT"):
        channel = load("v1-channel-public")
        channel["type"] = kind
        assert ck.validate(channel, "channel") == []


def test_file_messages(ck: Profile) -> None:
    message = load("v1-message-system-text")
    message["type"] = "SYSTEM_FILE"
    del message["body"]
    assert found(ck.validate(message, "message")) == [("/file", "required-property")]
    message["file"] = {
        "type": "EXTERNAL",
        "url": "https://example.com/a.png",
        "name": "a.png",
        "contentType": "image/png",
        "size": 5393,
    }
    assert ck.validate(message, "message") == []
    message["file"]["type"] = "LINKED"
    assert found(ck.validate(message, "message")) == [("/file/type", "enum")]


def test_user_messages_need_a_user_link(ck: Profile) -> None:
    page = load("v1-message-page")
    text = page["_embedded"]["messages"][0]
    assert text["type"] == "TEXT"
    del text["_links"]["user"]
    violations = ck.validate(page, "message-page")
    assert found(violations) == [("/_embedded/messages/0/_links/user", "required-link")]
    assert violations[0].type == "message"
    assert "TEXT or FILE" in violations[0].message


def test_text_messages_need_a_body(ck: Profile) -> None:
    message = load("v1-message-system-text")
    del message["body"]
    violations = ck.validate(message, "message")
    assert found(violations) == [("/body", "required-property")]
    assert violations[0].message == "message.body: required property is missing"


def test_push_credentials_by_kind(ck: Profile) -> None:
    fcm = load("v1-push-credential-fcm")
    del fcm["apiKey"]
    assert found(ck.validate(fcm, "push-notification-credential")) == [("/apiKey", "required-property")]
    apns = load("v1-push-credential-apns")
    apns["isSandbox"] = "no"
    del apns["privateKey"]
    assert found(ck.validate(apns, "push-notification-credential")) == [
        ("/isSandbox", "property-type"),
        ("/privateKey", "required-property"),
    ]


@pytest.mark.parametrize(
    ("value", "ok"),
    [(2**63 - 1, True), (-(2**63), True), (2**63, False), (-(2**63) - 1, False), (1.0, True), (1.5, False)],
)
def test_ids_are_64_bit_integers(ck: Profile, value: Any, ok: bool) -> None:
    user = load("v1-user")
    user["id"] = value
    assert (ck.validate(user, "user") == []) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2020-09-08T12:00:00Z", True),
        ("2022-02-04T13:19:06.764939Z", True),
        ("2020-09-08T12:00:00+02:00", True),
        ("2020-09-08 12:00:00Z", False),
        ("2020-02-30T12:00:00Z", False),
        ("2020-09-08T24:00:00Z", False),
        ("2020-09-08T12:00:00", False),
        ("yesterday", False),
    ],
)
def test_timestamps_are_rfc3339(ck: Profile, value: str, ok: bool) -> None:
    message = load("v1-message-system-text")
    message["createdTime"] = value
    violations = ck.validate(message, "message")
    assert found(violations) == ([] if ok else [("/createdTime", "format")])


def test_page_metadata(ck: Profile) -> None:
    page = load("v1-user-page")
    page["page"] = {"size": 20}  # only size is always present
    assert ck.validate(page, "user-page") == []
    page["page"]["number"] = -1
    del page["page"]["size"]
    assert found(ck.validate(page, "user-page")) == [
        ("/page/number", "property-value"),
        ("/page/size", "required-property"),
    ]
    empty = {
        "_links": {"self": {"href": "https://api.chatkitty.com/v1/applications/1/users?page=0&size=20"}},
        "page": {"size": 20, "totalElements": 0, "totalPages": 0, "number": 0},
    }
    assert ck.validate(empty, "user-page") == []  # an empty page may leave _embedded out
    cursor = load("v1-message-page")
    cursor["page"].update(start="8184870605946882", next=8184870605946880)
    assert ck.validate(cursor, "message-page") == []


def test_all_violations_are_reported_with_readable_messages(ck: Profile) -> None:
    page = load("v1-user-page")
    users = page["_embedded"]["users"]
    users[0]["id"] = "1"
    del users[1]["name"]
    users[1]["_links"]["self"] = "https://api.chatkitty.com/v1/applications/1/users/2"
    del page["_links"]["self"]
    violations = ck.validate(page, "user-page")
    assert found(violations) == [
        ("/_embedded/users/0/id", "property-type"),
        ("/_embedded/users/1/_links/self", "link-object"),
        ("/_embedded/users/1/name", "required-property"),
        ("/_links/self", "required-link"),
    ]
    assert [v.type for v in violations] == ["user", "user", "user", "user-page"]
    messages = [v.message for v in violations]
    assert messages[0] == "user.id: expected an integer, got a string"
    assert messages[1].startswith("user._links.self: expected a link object")
    assert messages[2] == "user.name: required property is missing"
    assert messages[3] == "user-page: required link 'self' is missing"


def test_secrets_are_not_echoed_in_type_errors(ck: Profile) -> None:
    fcm = load("v1-push-credential-fcm")
    fcm["apiKey"] = ["AAAA-secret-server-key"]
    violations = ck.validate(fcm, "push-notification-credential")
    assert found(violations) == [("/apiKey", "property-type")]
    assert "secret" not in violations[0].message


def test_emulator_style_documents(ck: Profile) -> None:
    """Shapes the emulator produces from the decisions: created user, DIRECT channel, token."""
    base = "http://127.0.0.1:8080/v1/applications/52"
    user = {"id": 3, "name": "jane", "displayName": "Jane", "_links": {
        "self": {"href": f"{base}/users/3"}, "channels": {"href": f"{base}/users/3/channels"},
        "tokens": {"href": f"{base}/users/3/tokens"}, "application": {"href": base}}}  # fmt: skip
    assert ck.infer_types(user) == ["user"] and ck.validate(user, "user") == []
    direct = {
        "id": 9,
        "type": "DIRECT",
        "_links": {
            "self": {"href": f"{base}/channels/9"},
            "messages": {"href": f"{base}/channels/9/messages"},
            "application": {"href": base},
        },
    }
    assert ck.validate(direct, "channel") == []
    page = {
        "_embedded": {"users": [copy.deepcopy(user)]},
        "_links": {"self": {"href": f"{base}/users?page=0&size=25"}},
        "page": {"size": 25, "totalElements": 1, "totalPages": 1, "number": 0},
    }
    assert ck.infer_types(page) == ["user-page"]
