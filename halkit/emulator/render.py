"""The emulator's HAL rendering: the store's objects as ChatKitty v1 documents.

A :class:`HalRenderer` is bound to one base URL (every href it writes starts
with it); it builds plain JSON documents and knows neither requests nor the
store's rules.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlencode

from .store import GROUP_TYPES, Channel, Credential, Message, User, isoformat
from .web import dumps

__all__ = ["HalRenderer"]


class HalRenderer:
    """Renders the API's resources with absolute hrefs under one base URL.

    :param base_url: ``scheme://host[:port]`` (a trailing slash is dropped).
    :param application_id: the application's id (also its organization's).
    :param application_name: the application's name.
    :param application_key: the application's client-side key.
    """

    def __init__(
        self, base_url: str, *, application_id: int, application_name: str, application_key: str
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.application_id = application_id
        self.application_name = application_name
        self.application_key = application_key
        #: The API root, ``{base_url}/v1``.
        self.entry_url = self.base_url + "/v1"
        #: The token endpoint, ``{base_url}/oauth/token``.
        self.token_url = self.base_url + "/oauth/token"
        #: The application's href.
        self.app_href = f"{self.entry_url}/applications/{application_id}"
        #: The organization's href.
        self.org_href = f"{self.entry_url}/organizations/{application_id}"
        #: The constant documents, serialised once.
        self.root_bytes = dumps(self.root_document())
        self.application_bytes = dumps(self.application_document())
        self.organization_bytes = dumps({"_links": {"self": {"href": self.org_href}}})

    # -- hrefs ------------------------------------------------------------------------

    def href(self, path: str) -> str:
        """The href of ``path``, relative to the application (``"/users"``...)."""
        return self.app_href + path

    # -- resources --------------------------------------------------------------------

    def root_document(self) -> Dict[str, Any]:
        """The API root: links ``self`` and ``application``."""
        return {
            "_links": {
                "self": {"href": self.entry_url},
                "application": {"href": self.entry_url + "/applications/me"},
            }
        }

    def application_document(self) -> Dict[str, Any]:
        """The Application resource."""
        app = self.app_href
        return {
            "id": self.application_id,
            "name": self.application_name,
            "key": self.application_key,
            "_links": {
                "self": {"href": app},
                "users": {"href": app + "/users"},
                "channels": {"href": app + "/channels"},
                "messages": {"href": app + "/messages"},
                "pushNotificationCredentials": {"href": app + "/push_notification_credentials"},
                "organization": {"href": self.org_href},
                "find:users": {"href": app + "/users{?page,size,name}", "templated": True},
                "find:channels": {"href": app + "/channels{?page,size,direct,members}", "templated": True},
            },
        }

    def user_document(self, user: User) -> Dict[str, Any]:
        """A User resource."""
        href = f"{self.app_href}/users/{user.id}"
        document: Dict[str, Any] = {"id": user.id, "name": user.name, "displayName": user.display_name}
        if user.is_guest:
            document["isGuest"] = True
        document["_links"] = {
            "self": {"href": href},
            "channels": {"href": href + "/channels"},
            "tokens": {"href": href + "/tokens"},
            "application": {"href": self.app_href},
        }
        return document

    def channel_document(self, channel: Channel) -> Dict[str, Any]:
        """A Channel resource (a ``members`` link for group channels only)."""
        href = f"{self.app_href}/channels/{channel.id}"
        links: Dict[str, Any] = {"self": {"href": href}, "messages": {"href": href + "/messages"}}
        if channel.type in GROUP_TYPES:
            links["members"] = {"href": href + "/members"}
        links["application"] = {"href": self.app_href}
        return {
            "id": channel.id,
            "type": channel.type,
            "name": channel.name,
            "createdTime": isoformat(channel.created),
            "_links": links,
        }

    def message_document(self, message: Message) -> Dict[str, Any]:
        """A Message resource (no ``id`` nor ``self`` link when it is ephemeral)."""
        document: Dict[str, Any] = {}
        if message.id is not None:
            document["id"] = message.id
        document["type"] = message.type
        if message.body is not None:
            document["body"] = message.body
        if message.file is not None:
            file = message.file
            if "file_id" in file:  # an upload: served back by the emulator, at this base URL
                hosted = {"type": file["type"], "url": f"{self.app_href}/files/{file['file_id']}"}
                hosted.update((key, value) for key, value in file.items() if key not in ("type", "file_id"))
                file = hosted
            document["file"] = file
        if message.group_tag is not None:
            document["groupTag"] = message.group_tag
        document["createdTime"] = isoformat(message.created)
        links: Dict[str, Any] = {}
        if message.id is not None:
            links["self"] = {"href": f"{self.app_href}/messages/{message.id}"}
        if message.user_id is not None:
            links["user"] = {"href": f"{self.app_href}/users/{message.user_id}"}
        links["channel"] = {"href": f"{self.app_href}/channels/{message.channel_id}"}
        links["application"] = {"href": self.app_href}
        document["_links"] = links
        return document

    def credential_document(self, credential: Credential) -> Dict[str, Any]:
        """A push notification credential resource."""
        document: Dict[str, Any] = {"type": credential.type}
        document.update(credential.fields)
        document["_links"] = {
            "self": {"href": f"{self.app_href}/push_notification_credentials/{credential.id}"},
            "application": {"href": self.app_href},
        }
        return document

    @staticmethod
    def token_document(token: str) -> Dict[str, Any]:
        """A user token, the docs' shape: ``{"token": ...}`` and no links."""
        return {"token": token}

    # -- pages ------------------------------------------------------------------------

    @staticmethod
    def offset_page(
        href: str,
        collection: str,
        items: List[Dict[str, Any]],
        *,
        total: int,
        page: int,
        size: int,
        extra: Sequence[Tuple[str, str]] = (),
    ) -> Dict[str, Any]:
        """An offset page the way Spring HATEOAS writes one.

        :param href: the collection's href, without query.
        :param collection: the ``_embedded`` key.
        :param items: the rendered items of this page.
        :param total: how many items the collection holds.
        :param page: the page number (zero-based).
        :param size: the page size.
        :param extra: query parameters every page link keeps (a filter).
        """
        total_pages = -(-total // size)
        suffix = ("&" + urlencode(extra)) if extra else ""

        def link(number: int) -> Dict[str, str]:
            return {"href": f"{href}?page={number}&size={size}{suffix}"}

        links: Dict[str, Any] = {}
        if total_pages > 1:
            links["first"] = link(0)
        if page > 0 and total_pages > 0:
            links["prev"] = link(min(page - 1, total_pages - 1))
        links["self"] = link(page)
        if page + 1 < total_pages:
            links["next"] = link(page + 1)
        if total_pages > 1:
            links["last"] = link(total_pages - 1)
        return {
            "_embedded": {collection: items},
            "_links": links,
            "page": {"size": size, "totalElements": total, "totalPages": total_pages, "number": page},
        }

    @staticmethod
    def cursor_page(
        href: str,
        messages: List[Dict[str, Any]],
        *,
        size: int,
        relation: str,
        start: Optional[int],
        following: Optional[int],
        after: Optional[int],
    ) -> Dict[str, Any]:
        """A cursor page of messages, newest first.

        :param href: the collection's href, without query.
        :param messages: the rendered messages of this page.
        :param size: the page size.
        :param relation: ``SELF`` or ``NEXT`` (this page's ``relation``).
        :param start: the newest message id when the first page was served.
        :param following: the ``next`` cursor this page was asked with (``NEXT`` pages).
        :param after: the cursor of the next (older) page, or ``None`` at the end.
        """

        def link(rel: str, next_cursor: Optional[int]) -> Dict[str, str]:
            params: List[Tuple[str, Any]] = []
            if start is not None:
                params.append(("start", start))
            if next_cursor is not None:
                params.append(("next", next_cursor))
            params += [("size", size), ("relation", rel)]
            return {"href": href + "?" + urlencode(params)}

        links = {"self": link(relation, following if relation == "NEXT" else None)}
        if after is not None:
            links["next"] = link("NEXT", after)
        return {"_embedded": {"messages": messages}, "_links": links, "page": {"size": size}}
