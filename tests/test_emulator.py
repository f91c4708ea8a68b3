"""The ChatKitty emulator over real HTTP: token endpoint, bearer checks, every route and effect."""

from __future__ import annotations

import base64
import re
import time
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests

from halkit.emulator import Emulator
from halkit.exceptions import HalkitError

HAL = "application/hal+json;charset=UTF-8"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Api:
    """A bearer-authenticated requests.Session against one emulator."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.session = requests.Session()
        self.session.trust_env = False
        response = self.session.post(
            emu.token_url,
            auth=(emu.client_id, emu.client_secret),
            data={"grant_type": "client_credentials"},
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def url(self, path: str) -> str:
        if path.startswith("http"):
            return path
        return f"{self.emu.entry_url}/applications/52{path}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Dict[str, Any]:
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"] == HAL
        document: Dict[str, Any] = response.json()
        return document


@pytest.fixture(scope="module")
def _api(shared: Emulator) -> Iterator[Api]:
    api = Api(shared)
    yield api
    api.session.close()


@pytest.fixture
def api(emu: Emulator, _api: Api) -> Api:
    return _api


def walk(api: Api, url: str, collection: str) -> List[Dict[str, Any]]:
    """Follow ``next`` links from ``url``; return every embedded item."""
    items: List[Dict[str, Any]] = []
    next_url: Optional[str] = url
    while next_url:
        page = api.ok("GET", next_url)
        items.extend(page["_embedded"][collection])
        next_url = page["_links"].get("next", {}).get("href")
    return items


# -- lifecycle ---------------------------------------------------------------------------


def test_urls_before_start_raise() -> None:
    emu = Emulator()
    for name in ("base_url", "entry_url", "token_url", "port"):
        with pytest.raises(HalkitError):
            getattr(emu, name)
    assert not emu.running
    assert repr(emu) == "<Emulator stopped>"


def test_urls_and_stop_releases_port() -> None:
    emu = Emulator().start()
    port = emu.port
    try:
        assert emu.base_url == f"http://127.0.0.1:{port}"
        assert emu.entry_url == emu.base_url + "/v1"
        assert emu.token_url == emu.base_url + "/oauth/token"
        with pytest.raises(HalkitError):
            emu.start()
    finally:
        emu.stop()
    emu.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/v1", timeout=2)


def test_chosen_port_in_use_is_a_halkit_error(shared: Emulator) -> None:
    with pytest.raises(HalkitError):
        Emulator(port=shared.port).start()


def test_bad_configuration() -> None:
    with pytest.raises(HalkitError):
        Emulator(page_size=0)
    with pytest.raises(HalkitError):
        Emulator(token_lifetime=0)


# -- token endpoint ----------------------------------------------------------------------


def token(emu: Emulator, **kwargs: Any) -> requests.Response:
    return requests.post(emu.token_url, **kwargs)


def test_token_basic_and_form(emu: Emulator) -> None:
    response = token(emu, auth=("acme", "acmesecret"), data={"grant_type": "client_credentials"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", body["access_token"])
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 43200
    assert body["scope"] == "org:52:app"


def test_token_multipart_like_the_seed(emu: Emulator) -> None:
    fields = {"grant_type": (None, "client_credentials"), "username": (None, "acme"), "password": (None, "acmesecret")}
    response = token(emu, auth=("acme", "acmesecret"), files=fields)
    assert response.status_code == 200, response.text
    assert response.request.headers["Content-Type"].startswith("multipart/form-data")


def test_token_explicit_basic_header(emu: Emulator) -> None:
    header = "Basic " + base64.b64encode(b"acme:acmesecret").decode()
    response = token(emu, headers={"Authorization": header}, data={"grant_type": "client_credentials"})
    assert response.status_code == 200


def test_token_client_secret_post(emu: Emulator) -> None:
    data = {"grant_type": "client_credentials", "client_id": "acme", "client_secret": "acmesecret"}
    assert token(emu, data=data).status_code == 200


def test_tokens_are_distinct_and_counted(emu: Emulator) -> None:
    first = token(emu, auth=("acme", "acmesecret"), data={"grant_type": "client_credentials"}).json()
    second = token(emu, auth=("acme", "acmesecret"), data={"grant_type": "client_credentials"}).json()
    assert first["access_token"] != second["access_token"]
    assert emu.stats.token_requests == 2
    assert emu.stats.tokens_issued == 2


@pytest.mark.parametrize(
    "auth",
    [("acme", "wrong"), ("nobody", "acmesecret"), None],
    ids=["bad-secret", "unknown-client", "no-credentials"],
)
def test_token_bad_client_is_401_invalid_client(emu: Emulator, auth: Any) -> None:
    response = token(emu, auth=auth, data={"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert "acmesecret" not in response.text


def test_token_bad_secret_post_is_401(emu: Emulator) -> None:
    data = {"grant_type": "client_credentials", "client_id": "acme", "client_secret": "nope"}
    response = token(emu, data=data)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_token_unsupported_grant(emu: Emulator) -> None:
    response = token(emu, auth=("acme", "acmesecret"), data={"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {}},
        {
            "data": "grant_type=client_credentials&grant_type=client_credentials",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        {"json": {"grant_type": "client_credentials"}},
    ],
    ids=["missing-grant-type", "repeated-parameter", "json-body"],
)
def test_token_invalid_request(emu: Emulator, kwargs: Dict[str, Any]) -> None:
    response = token(emu, auth=("acme", "acmesecret"), **kwargs)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_endpoint_only_posts(emu: Emulator) -> None:
    response = requests.get(emu.token_url)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_custom_credentials_and_lifetime() -> None:
    with Emulator(client_id="me", client_secret="s3cret", token_lifetime=42892, users=0, channels=0) as emu:
        assert token(emu, auth=("acme", "acmesecret"), data={"grant_type": "client_credentials"}).status_code == 401
        body = token(emu, auth=("me", "s3cret"), data={"grant_type": "client_credentials"}).json()
        assert body["expires_in"] == 42892


# -- bearer tokens ------------------------------------------------------------------------


def test_no_token_is_401_unauthorized(emu: Emulator) -> None:
    response = requests.get(emu.entry_url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ChatKitty"'
    assert response.json() == {
        "error": "unauthorized",
        "error_description": "Full authentication is required to access this resource",
    }


def test_basic_auth_on_api_is_like_no_token(emu: Emulator) -> None:
    response = requests.get(emu.entry_url, auth=("acme", "acmesecret"))
    assert response.status_code == 401
    assert "error=" not in response.headers["WWW-Authenticate"]


def test_unknown_token_is_invalid_token(emu: Emulator) -> None:
    response = requests.get(emu.entry_url, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json()["error"] == "invalid_token"
    assert emu.stats.unauthorized == 1


def test_auth_comes_before_routing(emu: Emulator) -> None:
    assert requests.get(emu.entry_url + "/nowhere").status_code == 401


def test_expired_token() -> None:
    with Emulator(token_lifetime=1, users=1, channels=0) as emu:
        api = Api(emu)
        assert api.get("").status_code == 200
        time.sleep(1.1)
        response = api.get("")
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        assert response.json()["error_description"] == "Access token expired"


def test_expire_tokens_helper(emu: Emulator) -> None:
    api = Api(emu)
    assert emu.expire_tokens() >= 1
    assert api.get("").status_code == 401


# -- root, application, organization ---------------------------------------------------------


def test_root(emu: Emulator, api: Api) -> None:
    document = api.ok("GET", emu.entry_url)
    assert document == {
        "_links": {
            "self": {"href": emu.entry_url},
            "application": {"href": emu.entry_url + "/applications/me"},
        }
    }


def test_application(emu: Emulator, api: Api) -> None:
    me = api.ok("GET", emu.entry_url + "/applications/me")
    assert me == api.ok("GET", "")
    assert (me["id"], me["name"]) == (52, "ChatKitty")
    assert isinstance(me["key"], str) and me["key"]
    app = emu.entry_url + "/applications/52"
    links = me["_links"]
    assert links["self"]["href"] == app
    assert links["users"]["href"] == app + "/users"
    assert links["channels"]["href"] == app + "/channels"
    assert links["messages"]["href"] == app + "/messages"
    assert links["pushNotificationCredentials"]["href"] == app + "/push_notification_credentials"
    assert links["organization"]["href"] == emu.entry_url + "/organizations/52"
    assert links["find:users"] == {"href": app + "/users{?page,size,name}", "templated": True}
    assert links["find:channels"] == {"href": app + "/channels{?page,size,direct,members}", "templated": True}
    for rel, link in links.items():
        if not link.get("templated"):
            assert api.get(link["href"]).status_code == 200, rel


def test_organization(emu: Emulator, api: Api) -> None:
    document = api.ok("GET", emu.entry_url + "/organizations/52")
    assert document == {"_links": {"self": {"href": emu.entry_url + "/organizations/52"}}}
    assert api.get(emu.entry_url + "/organizations/7").status_code == 404


def test_other_application_is_404(emu: Emulator, api: Api) -> None:
    response = api.get(emu.entry_url + "/applications/1/users")
    assert response.status_code == 404


def test_head_is_served_without_body(emu: Emulator, api: Api) -> None:
    get = api.get("/users")
    head = api.request("HEAD", "/users")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


# -- errors ----------------------------------------------------------------------------------


def test_unknown_path_is_404_with_body(emu: Emulator, api: Api) -> None:
    response = api.get("/nothing/here")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    body = response.json()
    assert body["error"] == "ResourceNotFoundError"
    assert body["message"] == "Resource not found"
    assert ISO.match(body["timestamp"])


def test_unknown_path_outside_v1_is_404(emu: Emulator) -> None:
    assert requests.get(emu.base_url + "/").status_code == 404


def test_wrong_method_is_405_with_allow(emu: Emulator, api: Api) -> None:
    response = api.request("PATCH", "/users/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, PUT, HEAD"
    assert response.json()["error"] == "MethodNotAllowedError"
    assert api.request("PUT", "/messages").headers["Allow"] == "GET, POST, HEAD"


def test_not_acceptable(emu: Emulator, api: Api) -> None:
    assert api.get("/users", headers={"Accept": "text/html"}).status_code == 406
    assert api.get("/users", headers={"Accept": "application/json;q=0"}).status_code == 406
    assert api.get("/users", headers={"Accept": "text/html, application/hal+json"}).status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "{not json", "headers": {"Content-Type": "application/json"}},
        {"json": ["a", "list"]},
        {"json": {"displayName": "no name"}},
        {"json": {"name": 42}},
        {"json": {"name": "x", "isGuest": "yes"}},
        {"data": "name=x", "headers": {"Content-Type": "text/plain"}},
        {},
    ],
    ids=["bad-json", "not-object", "missing-name", "name-not-string", "bad-isGuest", "wrong-type", "empty"],
)
def test_bad_body_is_400_client_error(api: Api, kwargs: Dict[str, Any]) -> None:
    response = api.post("/users", **kwargs)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "ClientError"
    assert body["message"]


@pytest.mark.parametrize("query", ["page=x", "page=-1", "size=0", "size=abc"])
def test_bad_page_parameters(api: Api, query: str) -> None:
    assert api.get("/users?" + query).status_code == 400


# -- users ---------------------------------------------------------------------------------------


def user_shape(emu: Emulator, user: Dict[str, Any]) -> None:
    href = f"{emu.entry_url}/applications/52/users/{user['id']}"
    assert isinstance(user["id"], int)
    assert isinstance(user["name"], str) and isinstance(user["displayName"], str)
    assert user["_links"] == {
        "self": {"href": href},
        "channels": {"href": href + "/channels"},
        "tokens": {"href": href + "/tokens"},
        "application": {"href": f"{emu.entry_url}/applications/52"},
    }
    assert None not in user.values()


def test_users_first_page(emu: Emulator, api: Api) -> None:
    page = api.ok("GET", "/users")
    users = page["_embedded"]["users"]
    assert [user["id"] for user in users] == list(range(1, 21))
    assert users[0]["name"] == "user1"
    for user in users:
        user_shape(emu, user)
    assert page["page"] == {"size": 20, "totalElements": 50, "totalPages": 3, "number": 0}
    base = f"{emu.entry_url}/applications/52/users"
    assert list(page["_links"]) == ["first", "self", "next", "last"]
    assert page["_links"]["self"]["href"] == base + "?page=0&size=20"
    assert page["_links"]["next"]["href"] == base + "?page=1&size=20"
    assert page["_links"]["last"]["href"] == base + "?page=2&size=20"


def test_users_middle_and_last_page_links(emu: Emulator, api: Api) -> None:
    middle = api.ok("GET", "/users?page=1&size=20")
    assert list(middle["_links"]) == ["first", "prev", "self", "next", "last"]
    last = api.ok("GET", "/users?page=2&size=20")
    assert list(last["_links"]) == ["first", "prev", "self", "last"]
    assert len(last["_embedded"]["users"]) == 10


def test_single_page_has_only_self(api: Api) -> None:
    page = api.ok("GET", "/users?size=100")
    assert list(page["_links"]) == ["self"]
    assert page["page"] == {"size": 100, "totalElements": 50, "totalPages": 1, "number": 0}


def test_size_is_clamped(api: Api) -> None:
    with Emulator(users=150, channels=0) as big:
        page = Api(big).ok("GET", "/users?size=1000")
        assert page["page"]["size"] == 100
        assert len(page["_embedded"]["users"]) == 100


def test_page_past_the_end_is_empty(api: Api) -> None:
    page = api.ok("GET", "/users?page=9")
    assert page["_embedded"]["users"] == []
    assert page["page"]["number"] == 9
    assert page["_links"]["prev"]["href"].endswith("page=2&size=20")
    assert "next" not in page["_links"]


@pytest.mark.parametrize("size", [1, 7, 20, 50])
def test_walking_pages_yields_each_user_once(api: Api, size: int) -> None:
    users = walk(api, api.url(f"/users?size={size}"), "users")
    ids = [user["id"] for user in users]
    assert ids == sorted(set(ids))
    assert len(ids) == 50


def test_create_user(emu: Emulator, api: Api) -> None:
    response = api.post("/users", json={"name": "1017562554", "displayName": "Jane Doe"})
    assert response.status_code == 200
    user = response.json()
    user_shape(emu, user)
    assert user["id"] == 51
    assert "Location" not in response.headers  # 200, as the OpenAPI files say (201: test_emulator_created.py)
    assert "isGuest" not in user
    assert api.ok("GET", user["_links"]["self"]["href"]) == user
    assert api.ok("GET", "/users")["page"]["totalElements"] == 51


def test_create_guest_user_and_default_display_name(api: Api) -> None:
    user = api.ok("POST", "/users", 200, json={"name": "guest-1", "isGuest": True})
    assert user["isGuest"] is True
    assert user["displayName"] == "guest-1"


def test_duplicate_name_is_400(api: Api) -> None:
    assert api.post("/users", json={"name": "user3", "displayName": "x"}).status_code == 400
    api.ok("POST", "/users", 200, json={"name": "someone"})
    assert api.post("/users", json={"name": "someone"}).status_code == 400


def test_find_users_by_name(emu: Emulator, api: Api) -> None:
    page = api.ok("GET", "/users?name=user7")
    assert [user["id"] for user in page["_embedded"]["users"]] == [7]
    assert page["page"]["totalElements"] == 1
    assert "name=user7" in page["_links"]["self"]["href"]
    assert api.ok("GET", "/users?name=nobody")["_embedded"]["users"] == []
    assert api.ok("GET", "/users?name=user07")["_embedded"]["users"] == []


def test_get_unknown_user_is_404(api: Api) -> None:
    assert api.get("/users/999").status_code == 404
    assert api.get("/users/0").status_code == 404


def test_update_user(emu: Emulator, api: Api) -> None:
    user = api.ok("GET", "/users/1")
    user["displayName"] = "Jane Anne Doe"
    user["name"] = "ignored"
    user["isGuest"] = True
    updated = api.ok("PUT", "/users/1", json=user)
    assert updated["displayName"] == "Jane Anne Doe"
    assert updated["name"] == "user1"
    assert updated["isGuest"] is True
    assert api.ok("GET", "/users/1") == updated
    assert api.ok("PUT", "/users/1", json={"isGuest": False}).get("isGuest") is None
    assert api.put("/users/1", json={"displayName": 3}).status_code == 400
    assert api.put("/users/999", json={}).status_code == 404


def test_delete_user_returns_application(emu: Emulator, api: Api) -> None:
    document = api.ok("DELETE", "/users/5")
    assert document["id"] == 52 and "users" in document["_links"]
    assert api.get("/users/5").status_code == 410  # the docs' "Gone": removed from our servers
    assert api.delete("/users/5").status_code == 410
    page = api.ok("GET", "/users?size=100")
    assert 5 not in [user["id"] for user in page["_embedded"]["users"]]
    assert page["page"]["totalElements"] == 49
    channel = api.ok("GET", "/channels/2/members")
    assert 5 not in [user["id"] for user in channel["_embedded"]["users"]]
    assert api.ok("GET", "/users?name=user5")["_embedded"]["users"] == []
    # the name is free again
    assert api.post("/users", json={"name": "user5"}).status_code == 200


def test_user_channels(emu: Emulator, api: Api) -> None:
    user = 1
    channels = api.ok("GET", f"/users/{user}/channels?size=100")["_embedded"]["channels"]
    seen = {channel["id"] for channel in channels}
    for channel in api.ok("GET", "/channels?size=100")["_embedded"]["channels"]:
        members: List[int] = []
        if "members" in channel["_links"]:
            members = [u["id"] for u in api.ok("GET", channel["_links"]["members"]["href"])["_embedded"]["users"]]
        expected = channel["type"] in ("PUBLIC", "OPEN") or user in members
        if channel["type"] == "DIRECT":
            continue
        assert (channel["id"] in seen) == expected, channel
    assert api.get("/users/999/channels").status_code == 404


def test_user_tokens(emu: Emulator, api: Api) -> None:
    assert api.ok("GET", "/users/2/tokens")["_embedded"]["tokens"] == []
    created = [api.ok("POST", "/users/2/tokens", 200, json={})["token"] for _ in range(9)]
    created.append(api.ok("POST", "/users/2/tokens", 200)["token"])  # empty body
    assert len(set(created)) == 10
    response = api.post("/users/2/tokens", json={})
    assert response.status_code == 400
    assert "10" in response.json()["message"]
    page = api.ok("GET", "/users/2/tokens")
    assert [item["token"] for item in page["_embedded"]["tokens"]] == created
    assert page["page"] == {"size": 20, "totalElements": 10, "totalPages": 1, "number": 0}
    assert api.get("/users/999/tokens").status_code == 404


# -- channels ------------------------------------------------------------------------------------


def channel_shape(emu: Emulator, channel: Dict[str, Any]) -> None:
    href = f"{emu.entry_url}/applications/52/channels/{channel['id']}"
    assert channel["type"] in ("OPEN", "PUBLIC", "PRIVATE", "DIRECT")
    assert isinstance(channel["name"], str)
    assert ISO.match(channel["createdTime"])
    expected = {"self": {"href": href}, "messages": {"href": href + "/messages"}}
    if channel["type"] in ("PUBLIC", "PRIVATE", "DIRECT"):  # the docs: every group channel
        expected["members"] = {"href": href + "/members"}
    expected["application"] = {"href": f"{emu.entry_url}/applications/52"}
    assert channel["_links"] == expected


def test_seeded_channels(emu: Emulator, api: Api) -> None:
    page = api.ok("GET", "/channels")
    channels = page["_embedded"]["channels"]
    assert page["page"]["totalElements"] == 10
    assert {channel["type"] for channel in channels} == {"OPEN", "PUBLIC", "PRIVATE", "DIRECT"}
    for channel in channels:
        channel_shape(emu, channel)


def test_create_channels(emu: Emulator, api: Api) -> None:
    response = api.post("/channels", json={"type": "PUBLIC", "name": "Public Chat"})
    assert response.status_code == 200
    channel = response.json()
    channel_shape(emu, channel)
    assert (channel["type"], channel["name"]) == ("PUBLIC", "Public Chat")
    assert "Location" not in response.headers
    unnamed = api.ok("POST", "/channels", 200, json={"type": "PRIVATE"})
    assert re.fullmatch(r"[0-9a-f-]{36}", unnamed["name"])
    open_channel = api.ok("POST", "/channels", 200, json={"type": "OPEN", "name": "Open Chat"})
    assert "members" not in open_channel["_links"]
    assert api.ok("GET", channel["_links"]["self"]["href"]) == channel


@pytest.mark.parametrize(
    "body",
    [
        {"type": "GROUP"},
        {"name": "x"},
        {"type": "PUBLIC", "name": ""},
        {"type": "PUBLIC", "members": "user1"},
        {"type": "OPEN", "members": [{"id": 1}]},
        {"type": "DIRECT", "members": [{"id": 1}]},
        {"type": "DIRECT", "members": [{"id": n} for n in range(1, 12)]},
        {"type": "DIRECT", "members": [{"id": 1}, {"id": 999}]},
        {"type": "DIRECT", "members": [{"href": "http://example.com/v1/applications/52/channels/1"}, {"id": 2}]},
        {"type": "DIRECT", "members": [{"nothing": 1}, {"id": 2}]},
    ],
)
def test_bad_channel_bodies(api: Api, body: Dict[str, Any]) -> None:
    response = api.post("/channels", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "ClientError"


def test_direct_channel_is_unique_per_member_set(emu: Emulator, api: Api) -> None:
    members = [{"href": api.url("/users/11")}, {"href": api.url("/users/12")}]
    first = api.post("/channels", json={"type": "DIRECT", "members": members})
    assert first.status_code == 200
    channel = first.json()
    assert channel["_links"]["members"]["href"] == channel["_links"]["self"]["href"] + "/members"
    again = api.post("/channels", json={"type": "DIRECT", "members": list(reversed(members))})
    assert again.status_code == 200
    assert "Location" not in again.headers
    assert again.json() == channel
    by_other_refs = api.post("/channels", json={"type": "DIRECT", "members": [{"id": 12}, {"username": "user11"}]})
    assert by_other_refs.json()["id"] == channel["id"]
    members_page = api.ok("GET", channel["_links"]["members"]["href"])
    assert [user["id"] for user in members_page["_embedded"]["users"]] == [11, 12]
    refused = api.post(channel["_links"]["members"]["href"], json={"href": api.url("/users/13")})
    assert refused.status_code == 400  # "New users cannot be added to a direct channel"
    assert "direct" in refused.json()["message"].lower()
    three = api.ok("POST", "/channels", 200, json={"type": "DIRECT", "members": [{"id": 11}, {"id": 12}, {"id": 13}]})
    assert three["id"] != channel["id"]


def test_members(emu: Emulator, api: Api) -> None:
    channel = api.ok("POST", "/channels", 200, json={"type": "PUBLIC", "name": "Public Chat"})
    members_href = channel["_links"]["members"]["href"]
    assert api.ok("GET", members_href)["_embedded"]["users"] == []
    result = api.ok("POST", members_href, json={"href": api.url("/users/1")})
    assert result == channel
    api.ok("POST", members_href, json={"href": api.url("/users/2")})
    api.ok("POST", members_href, json={"href": api.url("/users/1")})  # idempotent
    page = api.ok("GET", members_href)
    assert [user["id"] for user in page["_embedded"]["users"]] == [1, 2]
    for user in page["_embedded"]["users"]:
        user_shape(emu, user)
    assert api.post(members_href, json={"href": api.url("/users/999")}).status_code == 400
    assert api.post(members_href, json={}).status_code == 400
    assert api.post(api.url("/channels/999/members"), json={"href": api.url("/users/1")}).status_code == 404


def test_channel_with_initial_members(api: Api) -> None:
    channel = api.ok("POST", "/channels", 200, json={"type": "PRIVATE", "members": [{"id": 3}, {"id": 4}]})
    page = api.ok("GET", channel["_links"]["members"]["href"])
    assert [user["id"] for user in page["_embedded"]["users"]] == [3, 4]


def test_find_channels(emu: Emulator, api: Api) -> None:
    direct = api.ok("GET", "/channels?direct=true&size=100")["_embedded"]["channels"]
    assert direct and {channel["type"] for channel in direct} == {"DIRECT"}
    others = api.ok("GET", "/channels?direct=false&size=100")["_embedded"]["channels"]
    assert others and "DIRECT" not in {channel["type"] for channel in others}
    assert len(direct) + len(others) == 10
    created = api.ok("POST", "/channels", 200, json={"type": "DIRECT", "members": [{"id": 40}, {"id": 41}]})
    page = api.ok("GET", "/channels?members=user40,user41")
    assert [channel["id"] for channel in page["_embedded"]["channels"]] == [created["id"]]
    assert "members=user40%2Cuser41" in page["_links"]["self"]["href"]
    repeated = api.ok("GET", "/channels?members=user40&members=user41&direct=true")
    assert [channel["id"] for channel in repeated["_embedded"]["channels"]] == [created["id"]]
    assert api.ok("GET", "/channels?members=ghost")["_embedded"]["channels"] == []
    assert api.get("/channels?direct=maybe").status_code == 400


def test_delete_channel(emu: Emulator, api: Api) -> None:
    message_ids = [m["id"] for m in api.ok("GET", "/channels/1/messages")["_embedded"]["messages"]]
    assert message_ids
    document = api.ok("DELETE", "/channels/1")
    assert document["id"] == 52
    assert api.get("/channels/1").status_code == 410
    assert api.get("/channels/1/messages").status_code == 410
    for message_id in message_ids:
        assert api.get(f"/messages/{message_id}").status_code == 410
    assert api.ok("GET", "/channels")["page"]["totalElements"] == 9


# -- messages -----------------------------------------------------------------------------------


def test_create_text_message_is_system_text(emu: Emulator, api: Api) -> None:
    response = api.post("/channels/1/messages", json={"type": "TEXT", "body": "Hello world!"})
    assert response.status_code == 200
    message = response.json()
    assert message["type"] == "SYSTEM_TEXT"
    assert message["body"] == "Hello world!"
    assert ISO.match(message["createdTime"])
    assert "Location" not in response.headers
    assert message["_links"]["channel"]["href"] == api.url("/channels/1")
    assert message["_links"]["application"]["href"] == api.url("")
    assert "user" not in message["_links"]
    assert api.ok("GET", message["_links"]["self"]["href"]) == message
    newest = api.ok("GET", "/channels/1/messages")["_embedded"]["messages"][0]
    assert newest == message


def test_create_external_file_message(api: Api) -> None:
    file = {
        "url": "https://www.chatkitty.com/images/logo.png",
        "name": "ChatKitty Logo",
        "contentType": "image/png",
        "size": 5393,
    }
    message = api.ok("POST", "/channels/1/messages", 200, json={"type": "FILE", "file": file, "groupTag": "album"})
    assert message["type"] == "SYSTEM_FILE"
    assert message["file"] == {"type": "EXTERNAL", **file}
    assert message["groupTag"] == "album"
    assert api.post("/channels/1/messages", json={"type": "FILE", "file": {"url": "x"}}).status_code == 400


def test_upload_file_message(api: Api) -> None:
    files = {"file": ("message_file.png", b"\x89PNG data", "image/png")}
    message = api.ok("POST", "/channels/1/messages", 200, files=files, data={"groupTag": "my_tag"})
    assert message["type"] == "SYSTEM_FILE"
    assert message["groupTag"] == "my_tag"
    hosted = message["file"]
    assert (hosted["type"], hosted["name"], hosted["contentType"], hosted["size"]) == (
        "HOSTED",
        "message_file.png",
        "image/png",
        9,
    )
    download = api.get(hosted["url"])
    assert download.status_code == 200
    assert download.content == b"\x89PNG data"
    assert download.headers["Content-Type"] == "image/png"
    assert api.post("/channels/1/messages", files={"other": ("a", b"b")}).status_code == 400


@pytest.mark.parametrize(
    "body", [{"type": "SYSTEM_TEXT", "body": "x"}, {"type": "TEXT"}, {"type": "TEXT", "body": 5}, {"body": "x"}]
)
def test_bad_message_bodies(api: Api, body: Dict[str, Any]) -> None:
    assert api.post("/channels/1/messages", json=body).status_code == 400


def test_open_channel_messages_are_ephemeral(emu: Emulator, api: Api) -> None:
    channel = api.ok("POST", "/channels", 200, json={"type": "OPEN"})
    response = api.post(channel["_links"]["messages"]["href"], json={"type": "TEXT", "body": "hi"})
    assert response.status_code == 200
    message = response.json()
    assert "id" not in message and "self" not in message["_links"]
    assert message["type"] == "SYSTEM_TEXT"
    assert api.ok("GET", channel["_links"]["messages"]["href"])["_embedded"]["messages"] == []


def test_seeded_messages_include_user_messages(api: Api) -> None:
    messages = api.ok("GET", "/messages?size=100")["_embedded"]["messages"]
    kinds = {message["type"] for message in messages}
    assert kinds == {"SYSTEM_TEXT", "TEXT"}
    for message in messages:
        assert ("user" in message["_links"]) == (message["type"] == "TEXT")


def test_get_and_delete_message(emu: Emulator, api: Api) -> None:
    message = api.ok("POST", "/channels/2/messages", 200, json={"type": "TEXT", "body": "bye"})
    href = message["_links"]["self"]["href"]
    channel = api.ok("DELETE", href)
    assert channel == api.ok("GET", "/channels/2")
    assert api.get(href).status_code == 410
    assert api.delete(href).status_code == 410


def test_cursor_pages_walk_every_message_once(emu: Emulator, api: Api) -> None:
    for number in range(7):
        api.ok("POST", "/channels/2/messages", 200, json={"type": "TEXT", "body": f"m{number}"})
    first = api.ok("GET", "/channels/2/messages?size=4")
    assert first["page"] == {"size": 4}
    self_href = first["_links"]["self"]["href"]
    assert "relation=SELF" in self_href and "start=" in self_href
    assert "relation=NEXT" in first["_links"]["next"]["href"]
    messages = walk(api, api.url("/channels/2/messages?size=4"), "messages")
    ids = [message["id"] for message in messages]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == len(set(ids)) == 10
    # the self link reproduces the page
    assert api.ok("GET", self_href)["_embedded"] == first["_embedded"]


def test_cursor_pages_are_stable_under_new_messages(api: Api) -> None:
    first = api.ok("GET", "/channels/2/messages?size=2")
    api.ok("POST", "/channels/2/messages", 200, json={"type": "TEXT", "body": "late"})
    second = api.ok("GET", first["_links"]["next"]["href"])
    seen = [m["id"] for m in first["_embedded"]["messages"] + second["_embedded"]["messages"]]
    assert len(seen) == 3 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("query", ["relation=NEXT", "relation=PREVIOUS&next=1", "start=abc"])
def test_bad_cursor_parameters(api: Api, query: str) -> None:
    assert api.get("/messages?" + query).status_code == 400


def test_application_messages(emu: Emulator, api: Api) -> None:
    everything = walk(api, api.url("/messages?size=5"), "messages")
    ids = [message["id"] for message in everything]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == len(set(ids))
    # 10 channels, 3 messages each, OPEN channels (4 and 8) have none
    assert len(ids) == 24


# -- push notification credentials ---------------------------------------------------------------


def test_fcm_credential(emu: Emulator, api: Api) -> None:
    response = api.post("/push_notification_credentials", json={"type": "FCM", "apiKey": "server-key"})
    assert response.status_code == 200
    credential = response.json()
    assert credential == {
        "type": "FCM",
        "apiKey": "server-key",
        "_links": {"self": {"href": api.url("/push_notification_credentials/3")}, "application": {"href": api.url("")}},
    }
    assert api.ok("GET", credential["_links"]["self"]["href"]) == credential


def test_apns_credentials(api: Api) -> None:
    uploaded = api.ok(
        "POST",
        "/push_notification_credentials",
        200,
        files={"file": ("apns.p12", b"p12 bytes", "application/x-pkcs12")},
        data={"type": "APNS", "password": "pw", "isSandbox": "true"},
    )
    assert uploaded["type"] == "APNS"
    assert uploaded["certificate"] and uploaded["privateKey"]
    assert uploaded["isSandbox"] is True
    as_json = api.ok(
        "POST",
        "/push_notification_credentials",
        200,
        json={"type": "APNS", "certificate": "cert", "privateKey": "key"},
    )
    assert (as_json["certificate"], as_json["privateKey"]) == ("cert", "key")
    assert "isSandbox" not in as_json
    page = api.ok("GET", "/push_notification_credentials")
    # the seed has one FCM and one APNS credential
    assert [c["type"] for c in page["_embedded"]["credentials"]] == ["FCM", "APNS", "APNS", "APNS"]
    assert page["page"]["totalElements"] == 4


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"type": "FCM"}},
        {"json": {"type": "GCM", "apiKey": "x"}},
        {"json": {"type": "APNS", "certificate": "c"}},
        {"files": {"file": ("a.p12", b"x")}, "data": {"type": "FCM"}},
        {"files": {"other": ("a.p12", b"x")}, "data": {"type": "APNS"}},
        {"files": {"file": ("a.p12", b"x")}, "data": {"type": "APNS", "isSandbox": "maybe"}},
    ],
)
def test_bad_credentials(api: Api, kwargs: Dict[str, Any]) -> None:
    assert api.post("/push_notification_credentials", **kwargs).status_code == 400


def test_delete_credential(api: Api) -> None:
    credential = api.ok("POST", "/push_notification_credentials", 200, json={"type": "FCM", "apiKey": "k"})
    href = credential["_links"]["self"]["href"]
    assert api.ok("DELETE", href)["id"] == 52
    assert api.get(href).status_code == 410
    remaining = api.ok("GET", "/push_notification_credentials")["_embedded"]["credentials"]
    assert [c["_links"]["self"]["href"] for c in remaining if c["_links"]["self"]["href"] == href] == []
    assert [c["type"] for c in remaining] == ["FCM", "APNS"]  # the seed's


# -- population ----------------------------------------------------------------------------------------


def test_large_population_is_cheap() -> None:
    with Emulator(users=100_000, channels=50) as emu:
        store = emu.app.store
        assert len(store._users) == 1  # seeded users are computed on demand (user 1 holds the seed's tokens)
        api = Api(emu)
        last = api.ok("GET", "/users?page=4999&size=20")
        assert [user["id"] for user in last["_embedded"]["users"]][-1] == 100_000
        assert last["page"] == {"size": 20, "totalElements": 100_000, "totalPages": 5000, "number": 4999}
        assert api.ok("GET", "/users?name=user99999")["_embedded"]["users"][0]["id"] == 99_999
        assert api.ok("GET", "/users/54321")["name"] == "user54321"


def test_seed_is_deterministic() -> None:
    with Emulator(users=30, channels=8) as one, Emulator(users=30, channels=8) as two:
        first, second = Api(one), Api(two)
        for path in ("/users?size=100", "/channels?size=100", "/messages?size=100", "/channels/1/members"):
            a = first.ok("GET", path)
            b = second.ok("GET", path)
            assert a == _rebase(b, two.base_url, one.base_url), path


def _rebase(document: Any, old: str, new: str) -> Any:
    if isinstance(document, dict):
        return {key: _rebase(value, old, new) for key, value in document.items()}
    if isinstance(document, list):
        return [_rebase(value, old, new) for value in document]
    if isinstance(document, str):
        return document.replace(old, new)
    return document


def test_tiny_populations() -> None:
    with Emulator(users=1, channels=4) as emu:
        api = Api(emu)
        channels = api.ok("GET", "/channels")["_embedded"]["channels"]
        assert "DIRECT" not in {channel["type"] for channel in channels}
    with Emulator(users=0, channels=0) as emu:
        api = Api(emu)
        page = api.ok("GET", "/users")
        assert page["page"] == {"size": 20, "totalElements": 0, "totalPages": 0, "number": 0}
        assert list(page["_links"]) == ["self"]
        assert api.ok("GET", "/messages")["_embedded"]["messages"] == []


def test_reset_restores_the_seed(emu: Emulator, api: Api) -> None:
    api.ok("DELETE", "/users/1")
    api.ok("POST", "/users", 200, json={"name": "new"})
    emu.faults.status(503)
    emu.reset()
    assert len(emu.faults) == 0
    assert api.ok("GET", "/users/1")["name"] == "user1"
    assert api.ok("GET", "/users")["page"]["totalElements"] == 50
    assert emu.stats.requests == 2
