"""The emulator's departures from the ChatKitty docs, each fixed or decided (profiles/chatkitty/README.md).

One test (or a few) per decision, over real HTTP, most of them through the
halkit client in strict mode as well, so the profile and the emulator agree.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Dict, Iterator, List

import pytest
import requests

import halkit
from halkit.emulator import Emulator

APP = "/applications/52"


class Api:
    """A bearer-authenticated session against one emulator."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.session = requests.Session()
        token = self.session.post(
            emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"}
        ).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.emu.entry_url + APP + path

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url(path), **kwargs)


@pytest.fixture
def api(emu: Emulator) -> Iterator[Api]:
    session = Api(emu)
    yield session
    session.session.close()


@pytest.fixture
def client(emu: Emulator) -> Iterator[halkit.Client]:
    with emu.client() as made:
        yield made


# -- POST on the application's messages ------------------------------------------------------------


def test_post_on_the_application_messages(api: Api) -> None:
    channel = api.url("/channels/2")
    answer = api("POST", "/messages", json={"type": "TEXT", "body": "Hello world!", "channel": {"href": channel}})
    assert answer.status_code == 200, answer.text
    message = answer.json()
    assert message["type"] == "SYSTEM_TEXT"
    assert message["_links"]["channel"]["href"] == channel
    newest = api("GET", "/channels/2/messages").json()["_embedded"]["messages"][0]
    assert newest["id"] == message["id"]
    by_id = api("POST", "/messages", json={"type": "TEXT", "body": "again", "channel": {"id": 2}})
    assert by_id.status_code == 200


def test_post_on_the_application_messages_needs_a_channel(api: Api) -> None:
    missing = api("POST", "/messages", json={"type": "TEXT", "body": "where to?"})
    assert missing.status_code == 400
    assert "channel" in missing.json()["message"]
    assert api("POST", "/messages", json={"type": "TEXT", "body": "x", "channel": {"id": 999}}).status_code == 400
    foreign = {"href": "http://x/v1/applications/7/channels/2"}
    assert api("POST", "/messages", json={"type": "TEXT", "body": "x", "channel": foreign}).status_code == 400


def test_upload_through_the_application_messages(api: Api) -> None:
    answer = api(
        "POST",
        "/messages",
        files={"file": ("a.png", b"\x89PNG", "image/png")},
        data={"channel": api.url("/channels/1"), "groupTag": "album"},
    )
    assert answer.status_code == 200, answer.text
    message = answer.json()
    assert (message["type"], message["file"]["type"], message["groupTag"]) == ("SYSTEM_FILE", "HOSTED", "album")


def test_the_client_posts_on_the_application_messages(client: halkit.Client, api: Api) -> None:
    app = client.follow("application")
    message = app.link("messages").post({"type": "TEXT", "body": "hi", "channel": {"href": api.url("/channels/1")}})
    assert message is not None and message.type == "message"
    assert message["body"] == "hi"


# -- DIRECT channels have members ---------------------------------------------------------------------


def test_direct_channels_list_members_but_refuse_new_ones(client: halkit.Client, api: Api) -> None:
    app = client.follow("application")
    direct = app.link("channels").post({"type": "DIRECT", "members": [{"href": api.url("/users/1")}, {"href": api.url("/users/2")}]})
    assert direct is not None and direct["type"] == "DIRECT"
    members = direct.follow("members")
    assert members.type == "user-page"
    assert [user["name"] for user in members.items()] == ["user1", "user2"]
    with pytest.raises(halkit.ClientError) as refused:
        direct.link("members").post({"href": api.url("/users/3")})
    assert refused.value.status == 400
    assert "cannot be added" in str(refused.value)


def test_open_channels_have_no_members(api: Api) -> None:
    open_channel = api("POST", "/channels", json={"type": "OPEN"}).json()
    assert "members" not in open_channel["_links"]
    assert api("GET", f"/channels/{open_channel['id']}/members").status_code == 404


# -- 200 or 201 for creates ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201])
def test_the_client_creates_with_either_status(status: int) -> None:
    with Emulator(created_status=status) as emu, emu.client() as client:
        app = client.follow("application")
        jane = app.link("users").post({"name": "jane", "displayName": "Jane"})
        assert jane is not None and jane.type == "user"
        assert jane["displayName"] == "Jane"
        assert jane.url == emu.entry_url + APP + "/users/51"
        assert jane.response.status_code in (200, status)  # 201: the client fetched Location
        channel = app.link("channels").post({"type": "PUBLIC", "name": "c"})
        assert channel is not None and channel.type == "channel"
        message = channel.link("messages").post({"type": "TEXT", "body": "hi"})
        assert message is not None and message.type == "message"
        token = jane.link("tokens").post({})
        assert token is not None and token.type == "user-token"
        credential = app.link("pushNotificationCredentials").post({"type": "FCM", "apiKey": "k"})
        assert credential is not None and credential.type == "push-notification-credential"


def test_201_carries_location_and_200_does_not() -> None:
    for status in (200, 201):
        with Emulator(created_status=status) as emu:
            api = Api(emu)
            answer = api("POST", "/users", json={"name": "jane"})
            assert answer.status_code == status
            assert answer.headers.get("Location") == (emu.entry_url + APP + "/users/51" if status == 201 else None)
            pair = {"type": "DIRECT", "members": [{"id": 1}, {"id": 2}]}
            assert api("POST", "/channels", json=pair).status_code == status
            again = api("POST", "/channels", json=pair)
            assert again.status_code == 200 and "Location" not in again.headers  # returned, not created
    with pytest.raises(halkit.EmulatorError):
        Emulator(created_status=204)


# -- HEAD users?name= and user_sessions/active ----------------------------------------------------------


def test_head_users_by_name(api: Api) -> None:
    assert api("HEAD", "/users", params={"name": "user7"}).status_code == 200
    missing = api("HEAD", "/users", params={"name": "nobody"})
    assert missing.status_code == 404 and missing.content == b""
    assert api("GET", "/users", params={"name": "nobody"}).json()["page"]["totalElements"] == 0  # GET: a page


def test_head_active_user_session(emu: Emulator, api: Api) -> None:
    assert api("HEAD", "/user_sessions/active", params={"id": 3}).status_code == 404
    emu.set_session_active(3)
    assert api("HEAD", "/user_sessions/active", params={"id": 3}).status_code == 200
    emu.set_session_active(3, False)
    assert api("HEAD", "/user_sessions/active", params={"id": 3}).status_code == 404
    assert api("HEAD", "/user_sessions/active").status_code == 400
    wrong = api("GET", "/user_sessions/active", params={"id": 3})
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "HEAD"


# -- injected 401 and 403 look like the natural ones ------------------------------------------------------


def _shape(response: requests.Response) -> Dict[str, Any]:
    headers = {k: v for k, v in response.headers.items() if k not in ("Date", "Content-Length")}
    return {"status": response.status_code, "headers": headers, "body": response.json()}


def test_injected_401_looks_like_a_natural_one(emu: Emulator, api: Api) -> None:
    natural_bad_token = _shape(requests.get(emu.entry_url, headers={"Authorization": "Bearer nope"}))
    natural_no_token = _shape(requests.get(emu.entry_url))
    natural_bad_client = _shape(
        requests.post(emu.token_url, auth=(emu.client_id, "wrong"), data={"grant_type": "client_credentials"})
    )
    emu.faults.status(401, times=3)
    assert _shape(api("GET", emu.entry_url)) == natural_bad_token
    assert _shape(requests.get(emu.entry_url)) == natural_no_token
    injected = requests.post(emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"})
    assert _shape(injected) == natural_bad_client


def test_injected_403_has_the_documented_body(emu: Emulator, api: Api) -> None:
    emu.faults.status(403)
    answer = api("GET", "/users")
    assert answer.status_code == 403
    assert answer.json() == {"error": "access_denied", "error_description": "Access is denied"}


def test_injected_errors_are_named_after_their_status(emu: Emulator, api: Api) -> None:
    emu.faults.status(500)
    emu.faults.status(503)
    assert api("GET", "/users").json()["error"] == "InternalServerError"
    assert api("GET", "/users").json()["error"] == "ServiceUnavailableError"


def test_the_client_renews_its_token_after_an_injected_401(emu: Emulator, client: halkit.Client) -> None:
    client.follow("application")
    emu.faults.status(401, path=r"/users$")
    assert client.follow("application", "users")["page"]["totalElements"] == 50
    assert emu.stats.token_requests == 2


# -- 410 Gone ------------------------------------------------------------------------------------------


def test_deleted_resources_are_gone(client: halkit.Client, api: Api) -> None:
    app = client.follow("application")
    user = app.link("users").post({"name": "short-lived"})
    assert user is not None
    url = user.url
    user.delete()
    with pytest.raises(halkit.ClientError) as gone:
        client.get(url)
    assert gone.value.status == 410
    assert api("GET", "/users/99999").status_code == 404  # never existed: 404


# -- push credentials: APNs, multipart ------------------------------------------------------------------


def test_apns_spelling_is_accepted(api: Api) -> None:
    answer = api("POST", "/push_notification_credentials", json={"type": "APNs", "certificate": "c", "privateKey": "k"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["type"] == "APNS"
    upload = api(
        "POST",
        "/push_notification_credentials",
        files={"file": ("apns.p12", b"p12", "application/x-pkcs12")},
        data={"type": "APNs", "password": "pw"},
    )
    assert upload.status_code == 200, upload.text


def test_the_profile_accepts_apns_spelling() -> None:
    links = {"self": {"href": "https://x/1"}, "application": {"href": "https://x"}}
    document = {"type": "APNs", "certificate": "c", "privateKey": "k", "_links": links}
    assert halkit.profile("chatkitty").validate(document, "push-notification-credential") == []


def _accepts_files() -> bool:
    return "files" in inspect.signature(halkit.Link.request).parameters


@pytest.mark.skipif(not _accepts_files(), reason="the client's files= lands with the navigation work")
def test_the_client_uploads_multipart_as_the_docs_describe(client: halkit.Client) -> None:
    app = client.follow("application")
    credential = app.link("pushNotificationCredentials").post(
        data={"type": "APNS", "password": "pw", "isSandbox": "true"},
        files={"file": ("apns.p12", b"p12 data", "application/x-pkcs12")},
    )
    assert credential is not None and credential.type == "push-notification-credential"
    assert credential["isSandbox"] is True
    channel = app.follow("channels").items()
    first = next(iter(channel))
    message = first.link("messages").post(data={"groupTag": "album"}, files={"file": ("a.png", b"png", "image/png")})
    assert message is not None and message["file"]["type"] == "HOSTED" and message["file"]["size"] == 3


# -- the ReplyThread of OpenAPI 0.0.5, and the docs' Channel --------------------------------------------


def test_delete_on_a_message_may_answer_a_channel_or_a_reply_thread(client: halkit.Client) -> None:
    ck = halkit.profile("chatkitty")
    assert ck.response_type("message", "self", "DELETE") is None  # either: the client infers it
    message = client.follow("application", "messages").items()
    first = next(iter(message))
    channel = first.delete()
    assert channel is not None and channel.type == "channel"  # the docs' answer, which the emulator gives
    thread = {
        "id": 67528,
        "type": "MAIN",
        "_links": {"self": {"href": "https://x/v1/applications/1/threads/67528"}, "application": {"href": "https://x/v1/applications/1"}},
    }
    assert ck.infer_types(thread) == ["reply-thread"]
    assert ck.validate(thread, "reply-thread") == []


def test_files_need_every_documented_property() -> None:
    ck = halkit.profile("chatkitty")
    message: Dict[str, Any] = {
        "type": "SYSTEM_FILE",
        "file": {"type": "EXTERNAL", "url": "https://x/a.png", "name": "a", "contentType": "image/png", "size": 1},
        "_links": {"channel": {"href": "https://x/c"}, "application": {"href": "https://x"}},
    }
    assert ck.validate(message, "message") == []
    for key in ("name", "contentType", "size"):
        broken = json.loads(json.dumps(message))
        del broken["file"][key]
        assert [v.pointer for v in ck.validate(broken, "message")] == [f"/file/{key}"]
    message["file"]["size"] = -1
    assert [v.pointer for v in ck.validate(message, "message")] == ["/file/size"]


def test_channel_creator_and_message_user_are_typed() -> None:
    ck = halkit.profile("chatkitty")
    links = {"self": {"href": "https://x/c/1"}, "messages": {"href": "https://x/c/1/m"}, "application": {"href": "https://x"}}
    channel: Dict[str, Any] = {"id": 1, "type": "PUBLIC", "name": "c", "creator": {"id": 1, "name": "jane"}, "_links": links}
    assert ck.validate(channel, "channel") == []
    channel["creator"] = {"id": "one"}
    problems: List[str] = [v.pointer for v in ck.validate(channel, "channel")]
    assert problems and all(p.startswith("/creator") for p in problems)
    message: Dict[str, Any] = {
        "type": "SYSTEM_TEXT",
        "body": "hi",
        "user": {"id": 2, "name": "john", "displayName": "John"},
        "_links": {"channel": {"href": "https://x/c/1"}, "application": {"href": "https://x"}},
    }
    assert ck.validate(message, "message") == []
    message["user"] = "john"
    assert [v.pointer for v in ck.validate(message, "message")] == ["/user"]
