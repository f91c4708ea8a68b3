"""The emulator's handlers: one function per route and method of the ChatKitty v1 API.

A handler reads its request (:mod:`.web` parses it), changes or reads the
store (:mod:`.store`) and answers with the documents :mod:`.render` builds.
The store's domain errors travel up to the application, which turns them into
answers (:func:`.web.error_for`).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from .render import HalRenderer
from .store import CHANNEL_TYPES, GROUP_TYPES, MAX_DIRECT_MEMBERS, Channel, Store, User
from .web import (
    HAL_JSON,
    Handler,
    Part,
    Request,
    Response,
    bad_request,
    bool_param,
    boolean_field,
    hal_response,
    int_param,
    json_object,
    not_found,
    parse_multipart,
    string_field,
)

__all__ = ["APP_PATH", "ChatKittyHandlers"]

#: The path of the application, with its id as the ``app`` group.
APP_PATH = r"/v1/applications/(?P<app>\d+)"


class ChatKittyHandlers:
    """The handlers of the v1 API, over one store.

    Each handler is called as ``handler(request, hal, **ids)``: the request,
    the renderer for the base URL this request was made to, and the integer
    ids its path names.

    :param store: the data.
    :param page_size: the default ``size`` of offset and cursor pages.
    :param max_page_size: the largest ``size`` honoured (larger values are clamped).
    :param application_id: the application's id.
    :param created_status: the status of an answer that creates a resource: ``200``
        (the OpenAPI files' status) or ``201`` (with a ``Location`` header).
    """

    def __init__(
        self, store: Store, *, page_size: int, max_page_size: int, application_id: int, created_status: int = 200
    ) -> None:
        if created_status not in (200, 201):
            raise ValueError("created_status must be 200 or 201")
        self.store = store
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.application_id = application_id
        self.created_status = created_status

    def routes(self) -> List[Tuple[str, Dict[str, Handler]]]:
        """The route table: a path pattern and its handlers by method."""
        return [
            (r"/v1/?", {"GET": self.get_root}),
            (r"/v1/applications/me", {"GET": self.get_application}),
            (APP_PATH, {"GET": self.get_application}),
            (r"/v1/organizations/(?P<org>\d+)", {"GET": self.get_organization}),
            (APP_PATH + r"/users", {"GET": self.get_users, "POST": self.post_user}),
            (
                APP_PATH + r"/users/(?P<user>\d+)",
                {"GET": self.get_user, "PUT": self.put_user, "DELETE": self.delete_user},
            ),
            (APP_PATH + r"/users/(?P<user>\d+)/channels", {"GET": self.get_user_channels}),
            (APP_PATH + r"/users/(?P<user>\d+)/tokens", {"GET": self.get_tokens, "POST": self.post_token}),
            (APP_PATH + r"/channels", {"GET": self.get_channels, "POST": self.post_channel}),
            (APP_PATH + r"/channels/(?P<channel>\d+)", {"GET": self.get_channel, "DELETE": self.delete_channel}),
            (APP_PATH + r"/channels/(?P<channel>\d+)/members", {"GET": self.get_members, "POST": self.post_member}),
            (
                APP_PATH + r"/channels/(?P<channel>\d+)/messages",
                {"GET": self.get_channel_messages, "POST": self.post_message},
            ),
            (APP_PATH + r"/messages", {"GET": self.get_messages, "POST": self.post_application_message}),
            (APP_PATH + r"/messages/(?P<message>\d+)", {"GET": self.get_message, "DELETE": self.delete_message}),
            (
                APP_PATH + r"/push_notification_credentials",
                {"GET": self.get_credentials, "POST": self.post_credential},
            ),
            (
                APP_PATH + r"/push_notification_credentials/(?P<credential>\d+)",
                {"GET": self.get_credential, "DELETE": self.delete_credential},
            ),
            (APP_PATH + r"/files/(?P<file>\d+)", {"GET": self.get_file}),
            (APP_PATH + r"/user_sessions/active", {"HEAD": self.head_active_session}),
        ]

    # -- helpers ------------------------------------------------------------------------

    def _page_params(self, request: Request) -> Tuple[int, int]:
        page = int_param(request.query, "page", 0, 0)
        size = int_param(request.query, "size", self.page_size, 1)
        assert page is not None and size is not None
        return page, min(size, self.max_page_size)

    def _list_page(
        self,
        request: Request,
        href: str,
        collection: str,
        everything: Sequence[Any],
        render: Callable[[Any], Dict[str, Any]],
        extra: Sequence[Tuple[str, str]] = (),
    ) -> Response:
        page, size = self._page_params(request)
        chunk = everything[page * size : page * size + size]
        document = HalRenderer.offset_page(
            href, collection, [render(x) for x in chunk], total=len(everything), page=page, size=size, extra=extra
        )
        return hal_response(200, document)

    def _cursor_page(self, request: Request, hal: HalRenderer, href: str, ids: List[int]) -> Response:
        query = request.query
        size = int_param(query, "size", self.page_size, 1)
        assert size is not None
        size = min(size, self.max_page_size)
        relation = (query.get("relation") or ["SELF"])[0].upper() or "SELF"
        start = int_param(query, "start", None, 0)
        following = int_param(query, "next", None, 0)
        if relation == "NEXT":
            if following is None:
                raise bad_request("relation=NEXT needs the 'next' query parameter")
            cursor = following if start is None else min(following, start)
        elif relation == "SELF":
            if start is None:
                start = ids[-1] if ids else None
            cursor = start if start is not None else 0
        else:
            raise bad_request("query parameter 'relation' must be SELF or NEXT")
        page_ids, after = Store.cursor_slice(ids, cursor, size)
        messages = [hal.message_document(self.store.messages[i]) for i in page_ids]
        document = HalRenderer.cursor_page(
            href, messages, size=size, relation=relation, start=start, following=following, after=after
        )
        return hal_response(200, document)

    def _created(self, document: Dict[str, Any]) -> Response:
        if self.created_status == 201:
            return hal_response(201, document, [("Location", document["_links"]["self"]["href"])])
        return hal_response(200, document)

    def _user_reference(self, reference: Any) -> int:
        """A user id from ``{"href": user_link}`` (or ``{"id": n}`` / ``{"username": name}``)."""
        if isinstance(reference, str):
            reference = {"href": reference}
        if not isinstance(reference, dict):
            raise bad_request('a user reference must be an object such as {"href": user_link}')
        user: Optional[User] = None
        if "href" in reference:
            href = reference["href"]
            path = urlsplit(href).path if isinstance(href, str) else ""
            match = re.fullmatch(APP_PATH + r"/users/(?P<user>\d{1,18})", path)
            if match is None or int(match.group("app")) != self.application_id:
                raise bad_request(f"not a user link of this application: {href!r}")
            user = self.store.get_user(int(match.group("user")))
        elif isinstance(reference.get("id"), int) and not isinstance(reference.get("id"), bool):
            user = self.store.get_user(reference["id"])
        elif isinstance(reference.get("username"), str):
            user = self.store.user_by_name(reference["username"])
        else:
            raise bad_request("a user reference needs 'href' (or 'id', or 'username')")
        if user is None:
            raise bad_request("the referenced user does not exist")
        return user.id

    # -- root, application, organization -------------------------------------------------

    def get_root(self, request: Request, hal: HalRenderer) -> Response:
        """``GET /v1``."""
        return 200, [("Content-Type", HAL_JSON)], hal.root_bytes

    def get_application(self, request: Request, hal: HalRenderer) -> Response:
        """``GET /v1/applications/me`` (or ``/v1/applications/{id}``)."""
        return 200, [("Content-Type", HAL_JSON)], hal.application_bytes

    def get_organization(self, request: Request, hal: HalRenderer, org: int) -> Response:
        """``GET /v1/organizations/{id}``."""
        if org != self.application_id:
            raise not_found()
        return 200, [("Content-Type", HAL_JSON)], hal.organization_bytes

    # -- users ---------------------------------------------------------------------------

    def get_users(self, request: Request, hal: HalRenderer) -> Response:
        """A page of users, or the user named ``name``."""
        store = self.store
        href = hal.href("/users")
        names = request.query.get("name")
        if names and names[0]:
            found = store.user_by_name(names[0])
            if found is None and request.method == "HEAD":
                raise not_found("User does not exist")  # OpenAPI 0.0.5 getUserExists: 200 or 404
            return self._list_page(
                request, href, "users", [found] if found else [], hal.user_document, [("name", names[0])]
            )
        page, size = self._page_params(request)
        ids = store.user_ids(page * size, size)
        items = [hal.user_document(store.require_user(i)) for i in ids]
        document = HalRenderer.offset_page(href, "users", items, total=store.user_count(), page=page, size=size)
        return hal_response(200, document)

    def post_user(self, request: Request, hal: HalRenderer) -> Response:
        """Create a user."""
        document = json_object(request)
        name = string_field(document, "name", required=True)
        display_name = string_field(document, "displayName", required=False)
        is_guest = boolean_field(document, "isGuest")
        assert name is not None
        user = self.store.create_user(name, display_name or name, bool(is_guest))
        return self._created(hal.user_document(user))

    def get_user(self, request: Request, hal: HalRenderer, user: int) -> Response:
        """One user."""
        return hal_response(200, hal.user_document(self.store.require_user(user)))

    def put_user(self, request: Request, hal: HalRenderer, user: int) -> Response:
        """Change a user's ``displayName`` and ``isGuest``."""
        self.store.require_user(user)
        document = json_object(request)
        display_name = string_field(document, "displayName", required=False)
        is_guest = boolean_field(document, "isGuest")
        updated = self.store.update_user(user, display_name, is_guest)
        return hal_response(200, hal.user_document(updated))

    def delete_user(self, request: Request, hal: HalRenderer, user: int) -> Response:
        """Delete a user; answer the application."""
        self.store.delete_user(user)
        return self.get_application(request, hal)

    def get_user_channels(self, request: Request, hal: HalRenderer, user: int) -> Response:
        """The channels a user has joined or can join."""
        self.store.require_user(user)
        href = hal.href(f"/users/{user}/channels")
        return self._list_page(request, href, "channels", self.store.user_channels(user), hal.channel_document)

    def get_tokens(self, request: Request, hal: HalRenderer, user: int) -> Response:
        """A user's challenge tokens."""
        found = self.store.require_user(user)
        href = hal.href(f"/users/{user}/tokens")
        return self._list_page(request, href, "tokens", found.tokens, hal.token_document)

    def post_token(self, request: Request, hal: HalRenderer, user: int) -> Response:
        """Add a challenge token to a user."""
        self.store.require_user(user)
        json_object(request, allow_empty=True)
        return hal_response(self.created_status, hal.token_document(self.store.add_token(user)))

    def head_active_session(self, request: Request, hal: HalRenderer) -> Response:
        """``HEAD user_sessions/active?id=``: 200 if the user has an active chat session, else 404.

        The emulator has no chat sessions of its own: a test marks users active
        with :meth:`Emulator.set_session_active <halkit.emulator.Emulator.set_session_active>`.
        """
        user_id = int_param(request.query, "id", None, 0)
        if user_id is None:
            raise bad_request("query parameter 'id' is required")
        if user_id not in self.store.active_sessions or self.store.get_user(user_id) is None:
            raise not_found("Active user session does not exist")
        return 200, [("Content-Type", HAL_JSON)], b""

    # -- channels ------------------------------------------------------------------------

    def get_channels(self, request: Request, hal: HalRenderer) -> Response:
        """A page of channels, filtered by ``direct`` and ``members``."""
        query = request.query
        direct = bool_param(query, "direct")
        members = [name for value in query.get("members", []) for name in value.split(",") if name]
        extra: List[Tuple[str, str]] = []
        if direct is not None:
            extra.append(("direct", "true" if direct else "false"))
        if members:
            extra.append(("members", ",".join(members)))
        found = self.store.find_channels(direct, members)
        return self._list_page(request, hal.href("/channels"), "channels", found, hal.channel_document, extra)

    def post_channel(self, request: Request, hal: HalRenderer) -> Response:
        """Create a channel (or find the DIRECT channel with these members)."""
        document = json_object(request)
        kind = document.get("type")
        if kind not in CHANNEL_TYPES:
            raise bad_request(f"'type' must be one of {', '.join(CHANNEL_TYPES)}")
        name = string_field(document, "name", required=False)
        references = document.get("members")
        if references is not None and not isinstance(references, list):
            raise bad_request("'members' must be an array of user links")
        members = [self._user_reference(reference) for reference in references or []]
        if kind == "DIRECT":
            distinct = set(members)
            if not 2 <= len(distinct) <= MAX_DIRECT_MEMBERS:
                raise bad_request(f"a DIRECT channel needs 2 to {MAX_DIRECT_MEMBERS} distinct members")
        elif kind == "OPEN" and members:
            raise bad_request("OPEN channels have no members")
        channel, created = self.store.create_channel(kind, name, members)
        rendered = hal.channel_document(channel)
        if created:
            return self._created(rendered)
        return hal_response(200, rendered)

    def get_channel(self, request: Request, hal: HalRenderer, channel: int) -> Response:
        """One channel."""
        return hal_response(200, hal.channel_document(self.store.require_channel(channel)))

    def delete_channel(self, request: Request, hal: HalRenderer, channel: int) -> Response:
        """Delete a channel and its messages; answer the application."""
        self.store.delete_channel(channel)
        return self.get_application(request, hal)

    def _group_channel(self, channel_id: int) -> Channel:
        channel = self.store.require_channel(channel_id)
        if channel.type not in GROUP_TYPES:
            raise not_found()
        return channel

    def get_members(self, request: Request, hal: HalRenderer, channel: int) -> Response:
        """A page of a group channel's members."""
        found = self._group_channel(channel)
        href = hal.href(f"/channels/{channel}/members")
        users = [self.store.require_user(user_id) for user_id in found.members]
        return self._list_page(request, href, "users", users, hal.user_document)

    def post_member(self, request: Request, hal: HalRenderer, channel: int) -> Response:
        """Add a member to a group channel; answer the channel."""
        found = self._group_channel(channel)
        user_id = self._user_reference(json_object(request))
        self.store.add_member(found, user_id)
        return hal_response(200, hal.channel_document(found))

    # -- messages ------------------------------------------------------------------------

    def get_channel_messages(self, request: Request, hal: HalRenderer, channel: int) -> Response:
        """A cursor page of a channel's messages."""
        found = self.store.require_channel(channel)
        href = hal.href(f"/channels/{channel}/messages")
        return self._cursor_page(request, hal, href, self.store.message_ids(found))

    def get_messages(self, request: Request, hal: HalRenderer) -> Response:
        """A cursor page of every message."""
        return self._cursor_page(request, hal, hal.href("/messages"), self.store.message_ids())

    def post_application_message(self, request: Request, hal: HalRenderer) -> Response:
        """Send a message through the application's ``messages``: the body names its channel.

        The same bodies as a channel's ``messages``, plus ``"channel": {"href": channel_link}``
        (or ``{"id": n}``); a ``channel`` field holding the href in a multipart upload.
        """
        if request.content_type == "multipart/form-data":
            parts = parse_multipart(request.raw_content_type, request.body)
            fields = parts.get("channel")
            reference: Any = fields[0].text if fields else None
            return self._send_message(request, hal, self._channel_reference(reference), parts)
        document = json_object(request)
        return self._send_message(request, hal, self._channel_reference(document.get("channel")), None, document)

    def _channel_reference(self, reference: Any) -> Channel:
        """The channel of ``{"href": channel_link}`` (or ``{"id": n}``, or the href alone)."""
        if reference is None:
            raise bad_request("a message sent to the application's messages needs 'channel' (a channel link)")
        if isinstance(reference, str):
            reference = {"href": reference}
        if not isinstance(reference, dict):
            raise bad_request('\'channel\' must be an object such as {"href": channel_link}')
        if "href" in reference:
            href = reference["href"]
            path = urlsplit(href).path if isinstance(href, str) else ""
            match = re.fullmatch(APP_PATH + r"/channels/(?P<channel>\d{1,18})", path)
            if match is None or int(match.group("app")) != self.application_id:
                raise bad_request(f"not a channel link of this application: {href!r}")
            channel_id = int(match.group("channel"))
        elif isinstance(reference.get("id"), int) and not isinstance(reference.get("id"), bool):
            channel_id = reference["id"]
        else:
            raise bad_request("a channel reference needs 'href' (or 'id')")
        channel = self.store.channels.get(channel_id)
        if channel is None:
            raise bad_request("the referenced channel does not exist")
        return channel

    def post_message(self, request: Request, hal: HalRenderer, channel: int) -> Response:
        """Send a message to a channel: text, an external file, or an upload."""
        found = self.store.require_channel(channel)
        if request.content_type == "multipart/form-data":
            return self._send_message(request, hal, found, parse_multipart(request.raw_content_type, request.body))
        return self._send_message(request, hal, found, None, json_object(request))

    def _send_message(
        self,
        request: Request,
        hal: HalRenderer,
        found: Channel,
        parts: Optional[Dict[str, List[Part]]],
        document: Optional[Dict[str, Any]] = None,
    ) -> Response:
        if parts is not None:
            uploads = parts.get("file")
            if not uploads:
                raise bad_request("a file upload needs a 'file' part")
            upload = uploads[0]
            tags = parts.get("groupTag")
            hosted = self.store.add_file(upload.filename or "file", upload.content_type, upload.data)
            file_document = {
                "type": "HOSTED",
                "file_id": hosted.id,
                "name": hosted.name,
                "contentType": hosted.content_type,
                "size": len(hosted.data),
            }
            message = self.store.create_message(
                found, "SYSTEM_FILE", file=file_document, group_tag=tags[0].text if tags else None
            )
        else:
            assert document is not None
            kind = document.get("type")
            if kind == "TEXT":
                body = document.get("body")
                if not isinstance(body, str) or not body:
                    raise bad_request("a TEXT message needs a non-empty 'body' string")
                message = self.store.create_message(found, "SYSTEM_TEXT", body=body)
            elif kind == "FILE":
                message = self.store.create_message(
                    found,
                    "SYSTEM_FILE",
                    file=self._external_file(document.get("file")),
                    group_tag=string_field(document, "groupTag", required=False),
                )
            else:
                raise bad_request("'type' must be TEXT or FILE")
        rendered = hal.message_document(message)
        if message.id is None:
            return hal_response(200, rendered)
        return self._created(rendered)

    @staticmethod
    def _external_file(value: Any) -> Dict[str, Any]:
        if not isinstance(value, dict):
            raise bad_request("a FILE message needs a 'file' object")
        result: Dict[str, Any] = {"type": "EXTERNAL"}
        for key in ("url", "name", "contentType"):
            text = value.get(key)
            if not isinstance(text, str) or not text:
                raise bad_request(f"'file.{key}' must be a non-empty string")
            result[key] = text
        size = value.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise bad_request("'file.size' must be a non-negative integer")
        result["size"] = size
        return result

    def get_message(self, request: Request, hal: HalRenderer, message: int) -> Response:
        """One message."""
        return hal_response(200, hal.message_document(self.store.require_message(message)))

    def delete_message(self, request: Request, hal: HalRenderer, message: int) -> Response:
        """Delete a message; answer its channel."""
        channel = self.store.delete_message(message)
        return hal_response(200, hal.channel_document(channel))

    def get_file(self, request: Request, hal: HalRenderer, file: int) -> Response:
        """The contents of an uploaded file."""
        hosted = self.store.require_file(file)
        return 200, [("Content-Type", hosted.content_type)], hosted.data

    # -- push notification credentials -----------------------------------------------------

    def get_credentials(self, request: Request, hal: HalRenderer) -> Response:
        """A page of push notification credentials."""
        href = hal.href("/push_notification_credentials")
        return self._list_page(request, href, "credentials", self.store.credential_list(), hal.credential_document)

    def post_credential(self, request: Request, hal: HalRenderer) -> Response:
        """Add push notification credentials: FCM or APNS, as JSON or the docs' multipart upload."""
        fields: Dict[str, Any]
        if request.content_type == "multipart/form-data":
            parts = parse_multipart(request.raw_content_type, request.body)
            kind = _credential_type(parts["type"][0].text) if parts.get("type") else None
            if kind != "APNS":
                raise bad_request("a multipart credential upload must have type=APNS")
            uploads = parts.get("file")
            if not uploads or not uploads[0].data:
                raise bad_request("an APNS credential upload needs a 'file' part (the .p12 certificate)")
            sandbox_text = parts["isSandbox"][0].text.lower() if parts.get("isSandbox") else "false"
            if sandbox_text not in ("true", "false"):
                raise bad_request("'isSandbox' must be true or false")
            digest = Store.fingerprint(uploads[0].data)
            fields = {"certificate": f"emulated-certificate-{digest}", "privateKey": f"emulated-private-key-{digest}"}
            if sandbox_text == "true":
                fields["isSandbox"] = True
        else:
            document = json_object(request)
            kind = _credential_type(document.get("type"))
            if kind == "FCM":
                fields = {"apiKey": string_field(document, "apiKey", required=True)}
            elif kind == "APNS":
                fields = {
                    "certificate": string_field(document, "certificate", required=True),
                    "privateKey": string_field(document, "privateKey", required=True),
                }
                if boolean_field(document, "isSandbox"):
                    fields["isSandbox"] = True
            else:
                raise bad_request("'type' must be FCM or APNS")
        credential = self.store.add_credential(kind, fields)
        return self._created(hal.credential_document(credential))

    def get_credential(self, request: Request, hal: HalRenderer, credential: int) -> Response:
        """One set of push notification credentials."""
        return hal_response(200, hal.credential_document(self.store.require_credential(credential)))

    def delete_credential(self, request: Request, hal: HalRenderer, credential: int) -> Response:
        """Delete push notification credentials; answer the application."""
        self.store.delete_credential(credential)
        return self.get_application(request, hal)



def _credential_type(value: Any) -> Any:
    """The credential type as the API writes it: the docs' table spells APNS "APNs"."""
    return "APNS" if value == "APNs" else value
