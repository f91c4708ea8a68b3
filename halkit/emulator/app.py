"""The emulator's WSGI application: routing, request parsing and HAL rendering.

See the package docstring (:mod:`halkit.emulator`) for the behaviour it
implements and the choices made where the ChatKitty docs are silent.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qs, urlencode, urlsplit

from .faults import FaultList
from .oauth import BearerGuard, Headers, Response, TokenEndpoint, TokenStore
from .server import DropConnection
from .store import (
    CHANNEL_TYPES,
    GROUP_TYPES,
    MAX_DIRECT_MEMBERS,
    ApiError,
    Channel,
    Credential,
    Message,
    Store,
    User,
    client_error,
    isoformat,
    not_found,
)

__all__ = ["ChatKittyApp", "EmulatorStats", "HAL_JSON", "JSON"]

#: The Content-Type of every HAL answer.
HAL_JSON = "application/hal+json;charset=UTF-8"
#: The Content-Type of error answers.
JSON = "application/json;charset=UTF-8"

_ACCEPTABLE = frozenset({"*/*", "application/*", "application/json", "application/hal+json"})


@dataclass(frozen=True)
class EmulatorStats:
    """A snapshot of an emulator's counters (see :attr:`Emulator.stats <halkit.emulator.Emulator.stats>`)."""

    #: Every request received (answered, dropped or failed by a fault).
    requests: int = 0
    #: Requests to the token endpoint.
    token_requests: int = 0
    #: Access tokens issued.
    tokens_issued: int = 0
    #: Requests under ``/v1``.
    api_requests: int = 0
    #: API requests refused with 401 (no, unknown or expired bearer token).
    unauthorized: int = 0
    #: Requests a fault rule acted on.
    faults_triggered: int = 0
    #: TCP connections accepted by the server.
    connections: int = 0
    #: Requests per path (no query string).
    by_path: Mapping[str, int] = field(default_factory=dict)
    #: Requests per ``"METHOD path"``.
    by_route: Mapping[str, int] = field(default_factory=dict)
    #: Answers per status code (dropped connections are not counted here).
    by_status: Mapping[int, int] = field(default_factory=dict)


class _Counters:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.token_requests = 0
            self.api_requests = 0
            self.unauthorized = 0
            self.faults_triggered = 0
            self.by_path: Dict[str, int] = {}
            self.by_route: Dict[str, int] = {}
            self.by_status: Dict[int, int] = {}


class _Request:
    __slots__ = ("environ", "method", "path", "_query", "_headers", "_body")

    def __init__(self, environ: Dict[str, Any]) -> None:
        self.environ = environ
        self.method: str = environ["REQUEST_METHOD"].upper()
        self.path: str = environ.get("PATH_INFO", "") or "/"
        self._query: Optional[Dict[str, List[str]]] = None
        self._headers: Optional[Headers] = None
        self._body: Optional[bytes] = None

    @property
    def query(self) -> Dict[str, List[str]]:
        if self._query is None:
            self._query = parse_qs(self.environ.get("QUERY_STRING", ""), keep_blank_values=True)
        return self._query

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            headers = Headers()
            for key, value in self.environ.items():
                if key.startswith("HTTP_"):
                    headers[key[5:].replace("_", "-").lower()] = value
            if self.environ.get("CONTENT_TYPE"):
                headers["content-type"] = self.environ["CONTENT_TYPE"]
            self._headers = headers
        return self._headers

    @property
    def body(self) -> bytes:
        if self._body is None:
            stream = self.environ.get("wsgi.input")
            length = self.environ.get("CONTENT_LENGTH") or "0"
            self._body = stream.read(int(length)) if stream is not None and int(length) > 0 else b""
        return self._body

    @property
    def content_type(self) -> str:
        return str(self.environ.get("CONTENT_TYPE", "")).split(";", 1)[0].strip().lower()


class _Part:
    __slots__ = ("name", "filename", "content_type", "data")

    def __init__(self, name: str, filename: Optional[str], content_type: str, data: bytes) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.data = data

    @property
    def text(self) -> str:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise client_error(f"form field {self.name!r} is not UTF-8 text") from None


def _parse_multipart(content_type: str, body: bytes) -> Dict[str, List[_Part]]:
    header = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
    if not message.is_multipart():
        raise client_error("malformed multipart/form-data body")
    parts: Dict[str, List[_Part]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        parts.setdefault(name, []).append(
            _Part(name, part.get_filename(), part.get_content_type(), data if isinstance(data, bytes) else b"")
        )
    return parts


def _acceptable(accept: str) -> bool:
    for media_range in accept.split(","):
        media, _, params = media_range.partition(";")
        if media.strip().lower() not in _ACCEPTABLE:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False


def _dumps(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _hal(status: int, document: Any, headers: Sequence[Tuple[str, str]] = ()) -> Response:
    return status, [("Content-Type", HAL_JSON), *headers], _dumps(document)


def _error_response(error: ApiError) -> Response:
    body = {"error": error.error, "message": error.message, "timestamp": isoformat(time.time())}
    return error.status, [("Content-Type", JSON), *error.headers], _dumps(body)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _int_param(query: Mapping[str, List[str]], name: str, default: Optional[int], minimum: int) -> Optional[int]:
    values = query.get(name)
    if not values or values[0] == "":
        return default
    text = values[0]
    if not (text.isdigit() or (text.startswith("-") and text[1:].isdigit())):
        raise client_error(f"query parameter {name!r} must be an integer")
    value = int(text)
    if value < minimum:
        raise client_error(f"query parameter {name!r} must be >= {minimum}")
    return value


def _bool_param(query: Mapping[str, List[str]], name: str) -> Optional[bool]:
    values = query.get(name)
    if not values or values[0] == "":
        return None
    text = values[0].lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise client_error(f"query parameter {name!r} must be true or false")


_Handler = Callable[..., Response]
_APP = r"/v1/applications/(?P<app>\d+)"


class ChatKittyApp:
    """The WSGI application of the emulator.

    :param store: the data.
    :param tokens: the access tokens issued.
    :param token_endpoint: answers ``POST /oauth/token``.
    :param guard: checks bearer tokens.
    :param faults: the fault rules.
    :param base_url: the server's own base URL (no trailing slash); every href starts with it.
    :param page_size: the default ``size`` of offset and cursor pages.
    :param max_page_size: the largest ``size`` honoured (larger values are clamped).
    :param application_id: the application's id (also the organization's).
    :param application_name: the application's name.
    :param application_key: the application's client-side key.
    :param stopping: set when the server stops (ends stalls early).
    """

    def __init__(
        self,
        *,
        store: Store,
        tokens: TokenStore,
        token_endpoint: TokenEndpoint,
        guard: BearerGuard,
        faults: FaultList,
        base_url: str,
        page_size: int = 20,
        max_page_size: int = 100,
        application_id: int = 52,
        application_name: str = "ChatKitty",
        application_key: str = "107a326f-bfab-4d2c-9a5a-fa79bd896929",
        stopping: Optional[threading.Event] = None,
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.token_endpoint = token_endpoint
        self.guard = guard
        self.faults = faults
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.application_id = application_id
        self.application_name = application_name
        self.application_key = application_key
        self.stopping = stopping or threading.Event()
        self.counters = _Counters()
        self.set_base_url(base_url)
        table: List[Tuple[str, Dict[str, _Handler]]] = [
            (r"/v1/?", {"GET": self._get_root}),
            (r"/v1/applications/me", {"GET": self._get_application}),
            (_APP, {"GET": self._get_application}),
            (r"/v1/organizations/(?P<org>\d+)", {"GET": self._get_organization}),
            (_APP + r"/users", {"GET": self._get_users, "POST": self._post_user}),
            (
                _APP + r"/users/(?P<user>\d+)",
                {"GET": self._get_user, "PUT": self._put_user, "DELETE": self._delete_user},
            ),
            (_APP + r"/users/(?P<user>\d+)/channels", {"GET": self._get_user_channels}),
            (_APP + r"/users/(?P<user>\d+)/tokens", {"GET": self._get_tokens, "POST": self._post_token}),
            (_APP + r"/channels", {"GET": self._get_channels, "POST": self._post_channel}),
            (_APP + r"/channels/(?P<channel>\d+)", {"GET": self._get_channel, "DELETE": self._delete_channel}),
            (
                _APP + r"/channels/(?P<channel>\d+)/members",
                {"GET": self._get_members, "POST": self._post_member},
            ),
            (
                _APP + r"/channels/(?P<channel>\d+)/messages",
                {"GET": self._get_channel_messages, "POST": self._post_message},
            ),
            (_APP + r"/messages", {"GET": self._get_messages}),
            (_APP + r"/messages/(?P<message>\d+)", {"GET": self._get_message, "DELETE": self._delete_message}),
            (
                _APP + r"/push_notification_credentials",
                {"GET": self._get_credentials, "POST": self._post_credential},
            ),
            (
                _APP + r"/push_notification_credentials/(?P<credential>\d+)",
                {"GET": self._get_credential, "DELETE": self._delete_credential},
            ),
            (_APP + r"/files/(?P<file>\d+)", {"GET": self._get_file}),
        ]
        self._routes = [(re.compile(pattern + "$"), handlers) for pattern, handlers in table]

    # -- configuration --------------------------------------------------------

    def set_base_url(self, base_url: str) -> None:
        """Set the base URL every href starts with (and re-render the constant documents)."""
        self.base_url = base_url.rstrip("/")
        self.entry_url = self.base_url + "/v1"
        self.token_url = self.base_url + "/oauth/token"
        self.app_href = f"{self.entry_url}/applications/{self.application_id}"
        self.org_href = f"{self.entry_url}/organizations/{self.application_id}"
        self._root_bytes = _dumps(
            {
                "_links": {
                    "self": {"href": self.entry_url},
                    "application": {"href": self.entry_url + "/applications/me"},
                }
            }
        )
        self._application_bytes = _dumps(self.application_document())
        self._organization_bytes = _dumps({"_links": {"self": {"href": self.org_href}}})

    # -- WSGI -------------------------------------------------------------------

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = _Request(environ)
        status, headers, payload = self.respond(request)
        start_response(f"{status} {_reason(status)}", headers)
        return [payload]

    def respond(self, request: "_Request") -> Response:
        """Answer one request (faults first, then authentication, then the route)."""
        path = request.path
        counters = self.counters
        is_token = path == "/oauth/token"
        is_api = path == "/v1" or path.startswith("/v1/")
        with counters.lock:
            counters.requests += 1
            counters.by_path[path] = counters.by_path.get(path, 0) + 1
            route_key = f"{request.method} {path}"
            counters.by_route[route_key] = counters.by_route.get(route_key, 0) + 1
            if is_token:
                counters.token_requests += 1
            elif is_api:
                counters.api_requests += 1
        truncate = False
        acting = self.faults.take(request.method, path)
        if acting:
            with counters.lock:
                counters.faults_triggered += 1
            for fault in acting:
                if fault.action == "stall":
                    self.stopping.wait(fault.seconds)
                elif fault.action == "expire_tokens":
                    self.tokens.expire_all()
                elif fault.action == "drop":
                    raise DropConnection()
                elif fault.action == "truncate":
                    truncate = True
                elif fault.action == "status":
                    response = self._fault_status(fault.status, fault.retry_after, fault.body)
                    self._count_status(response[0])
                    return response
        try:
            response = self._dispatch(request, is_token, is_api)
        except ApiError as error:
            response = _error_response(error)
        self._count_status(response[0])
        if truncate:
            status, headers, payload = response
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(payload))))
            response = status, headers, payload[: len(payload) // 2]
        return response

    def _count_status(self, status: int) -> None:
        counters = self.counters
        with counters.lock:
            counters.by_status[status] = counters.by_status.get(status, 0) + 1
            if status == 401:
                counters.unauthorized += 1

    def _fault_status(self, status: int, retry_after: Optional[Any], body: Optional[Mapping[str, Any]]) -> Response:
        headers = [("Content-Type", JSON)]
        if retry_after is not None:
            headers.append(("Retry-After", str(retry_after)))
        if body is None:
            error = "".join(word.capitalize() for word in _reason(status).replace("-", " ").split()) + "Error"
            body = {"error": error, "message": _reason(status), "timestamp": isoformat(time.time())}
        return status, headers, _dumps(body)

    def _dispatch(self, request: "_Request", is_token: bool, is_api: bool) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        if is_token:
            if method != "POST":
                raise ApiError(
                    405,
                    "MethodNotAllowedError",
                    f"Request method '{request.method}' not supported",
                    [("Allow", "POST")],
                )
            return self._token(request)
        if is_api:
            denied = self.guard.check(request.headers)
            if denied is not None:
                return denied
            accept = request.environ.get("HTTP_ACCEPT")
            if accept and not _acceptable(accept):
                raise ApiError(406, "NotAcceptableError", "Could not find acceptable representation")
        for pattern, handlers in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            handler = handlers.get(method)
            if handler is None:
                allowed = sorted(handlers)
                if "GET" in handlers:
                    allowed.append("HEAD")
                raise ApiError(
                    405,
                    "MethodNotAllowedError",
                    f"Request method '{request.method}' not supported",
                    [("Allow", ", ".join(allowed))],
                )
            params = match.groupdict()
            app_id = params.pop("app", None)
            if app_id is not None and int(app_id) != self.application_id:
                raise not_found()
            with self.store.lock:
                return handler(request, **{key: int(value) for key, value in params.items()})
        raise not_found()

    # -- token endpoint -----------------------------------------------------------

    def _token(self, request: "_Request") -> Response:
        kind = request.content_type
        fields: Optional[Dict[str, List[str]]] = None
        if kind == "application/x-www-form-urlencoded":
            try:
                fields = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                fields = None
        elif kind == "multipart/form-data":
            try:
                parts = _parse_multipart(request.environ.get("CONTENT_TYPE", ""), request.body)
                fields = {name: [part.text for part in items] for name, items in parts.items()}
            except ApiError:
                fields = None
        return self.token_endpoint.respond(self.token_url, request.headers, fields)

    # -- rendering ------------------------------------------------------------------

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

    def _application(self, status: int = 200) -> Response:
        return status, [("Content-Type", HAL_JSON)], self._application_bytes

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
        """A Channel resource (``members`` link for PUBLIC and PRIVATE channels only)."""
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
            document["file"] = message.file
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

    # -- pages ----------------------------------------------------------------------

    def _page_params(self, request: "_Request") -> Tuple[int, int]:
        page = _int_param(request.query, "page", 0, 0)
        size = _int_param(request.query, "size", self.page_size, 1)
        assert page is not None and size is not None
        return page, min(size, self.max_page_size)

    def _offset_page(
        self,
        href: str,
        collection: str,
        total: int,
        page: int,
        size: int,
        items: List[Dict[str, Any]],
        extra: Sequence[Tuple[str, str]] = (),
    ) -> Response:
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
        document = {
            "_embedded": {collection: items},
            "_links": links,
            "page": {"size": size, "totalElements": total, "totalPages": total_pages, "number": page},
        }
        return _hal(200, document)

    def _list_page(
        self,
        request: "_Request",
        href: str,
        collection: str,
        everything: Sequence[Any],
        render: Callable[[Any], Dict[str, Any]],
        extra: Sequence[Tuple[str, str]] = (),
    ) -> Response:
        page, size = self._page_params(request)
        chunk = everything[page * size : page * size + size]
        return self._offset_page(href, collection, len(everything), page, size, [render(x) for x in chunk], extra)

    def _cursor_page(self, request: "_Request", href: str, ids: List[int]) -> Response:
        query = request.query
        size = _int_param(query, "size", self.page_size, 1)
        assert size is not None
        size = min(size, self.max_page_size)
        relation = (query.get("relation") or ["SELF"])[0].upper() or "SELF"
        start = _int_param(query, "start", None, 0)
        following = _int_param(query, "next", None, 0)
        if relation == "NEXT":
            if following is None:
                raise client_error("relation=NEXT needs the 'next' query parameter")
            cursor = following if start is None else min(following, start)
        elif relation == "SELF":
            if start is None:
                start = ids[-1] if ids else None
            cursor = start if start is not None else 0
        else:
            raise client_error("query parameter 'relation' must be SELF or NEXT")
        page_ids, after = Store.cursor_slice(ids, cursor, size)

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
        messages = [self.message_document(self.store.messages[i]) for i in page_ids]
        return _hal(200, {"_embedded": {"messages": messages}, "_links": links, "page": {"size": size}})

    # -- body helpers ------------------------------------------------------------------

    @staticmethod
    def _json_object(request: "_Request", *, allow_empty: bool = False) -> Dict[str, Any]:
        kind = request.content_type
        if kind and kind != "application/json" and not kind.endswith("+json"):
            raise client_error("Content-Type must be application/json")
        raw = request.body
        if not raw.strip():
            if allow_empty:
                return {}
            raise client_error("a JSON request body is required")
        try:
            document = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise client_error("the request body is not valid JSON") from None
        if not isinstance(document, dict):
            raise client_error("the request body must be a JSON object")
        return document

    @staticmethod
    def _string(document: Mapping[str, Any], key: str, *, required: bool) -> Optional[str]:
        value = document.get(key)
        if value is None:
            if required:
                raise client_error(f"'{key}' is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise client_error(f"'{key}' must be a non-blank string")
        return value

    @staticmethod
    def _boolean(document: Mapping[str, Any], key: str) -> Optional[bool]:
        value = document.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise client_error(f"'{key}' must be a boolean")
        return value

    def _user_reference(self, reference: Any) -> int:
        """A user id from ``{"href": user_link}`` (or ``{"id": n}`` / ``{"username": name}``)."""
        if isinstance(reference, str):
            reference = {"href": reference}
        if not isinstance(reference, dict):
            raise client_error('a user reference must be an object such as {"href": user_link}')
        user: Optional[User] = None
        if "href" in reference:
            href = reference["href"]
            path = urlsplit(href).path if isinstance(href, str) else ""
            match = re.fullmatch(_APP + r"/users/(?P<user>\d+)", path)
            if match is None or int(match.group("app")) != self.application_id:
                raise client_error(f"not a user link of this application: {href!r}")
            user = self.store.get_user(int(match.group("user")))
        elif isinstance(reference.get("id"), int) and not isinstance(reference.get("id"), bool):
            user = self.store.get_user(reference["id"])
        elif isinstance(reference.get("username"), str):
            user = self.store.user_by_name(reference["username"])
        else:
            raise client_error("a user reference needs 'href' (or 'id', or 'username')")
        if user is None:
            raise client_error("the referenced user does not exist")
        return user.id

    # -- handlers: root, application, organization -----------------------------------------

    def _get_root(self, request: "_Request") -> Response:
        return 200, [("Content-Type", HAL_JSON)], self._root_bytes

    def _get_application(self, request: "_Request") -> Response:
        return self._application()

    def _get_organization(self, request: "_Request", org: int) -> Response:
        if org != self.application_id:
            raise not_found()
        return 200, [("Content-Type", HAL_JSON)], self._organization_bytes

    # -- users --------------------------------------------------------------------------------

    def _get_users(self, request: "_Request") -> Response:
        store = self.store
        href = self.app_href + "/users"
        names = request.query.get("name")
        if names and names[0]:
            found = store.user_by_name(names[0])
            return self._list_page(
                request, href, "users", [found] if found else [], self.user_document, [("name", names[0])]
            )
        page, size = self._page_params(request)
        ids = store.user_ids(page * size, size)
        items = [self.user_document(store.get_user(i)) for i in ids]  # type: ignore[arg-type]
        return self._offset_page(href, "users", store.user_count(), page, size, items)

    def _post_user(self, request: "_Request") -> Response:
        document = self._json_object(request)
        name = self._string(document, "name", required=True)
        display_name = self._string(document, "displayName", required=False)
        is_guest = self._boolean(document, "isGuest")
        assert name is not None
        user = self.store.create_user(name, display_name or name, bool(is_guest))
        rendered = self.user_document(user)
        return _hal(201, rendered, [("Location", rendered["_links"]["self"]["href"])])

    def _get_user(self, request: "_Request", user: int) -> Response:
        return _hal(200, self.user_document(self.store.require_user(user)))

    def _put_user(self, request: "_Request", user: int) -> Response:
        self.store.require_user(user)
        document = self._json_object(request)
        display_name = self._string(document, "displayName", required=False)
        is_guest = self._boolean(document, "isGuest")
        updated = self.store.update_user(user, display_name, is_guest)
        return _hal(200, self.user_document(updated))

    def _delete_user(self, request: "_Request", user: int) -> Response:
        self.store.delete_user(user)
        return self._application()

    def _get_user_channels(self, request: "_Request", user: int) -> Response:
        self.store.require_user(user)
        href = f"{self.app_href}/users/{user}/channels"
        return self._list_page(request, href, "channels", self.store.user_channels(user), self.channel_document)

    def _get_tokens(self, request: "_Request", user: int) -> Response:
        found = self.store.require_user(user)
        href = f"{self.app_href}/users/{user}/tokens"
        return self._list_page(request, href, "tokens", found.tokens, lambda token: {"token": token})

    def _post_token(self, request: "_Request", user: int) -> Response:
        self.store.require_user(user)
        self._json_object(request, allow_empty=True)
        return _hal(201, {"token": self.store.add_token(user)})

    # -- channels -----------------------------------------------------------------------------

    def _get_channels(self, request: "_Request") -> Response:
        query = request.query
        direct = _bool_param(query, "direct")
        members = [name for value in query.get("members", []) for name in value.split(",") if name]
        extra: List[Tuple[str, str]] = []
        if direct is not None:
            extra.append(("direct", "true" if direct else "false"))
        if members:
            extra.append(("members", ",".join(members)))
        found = self.store.find_channels(direct, members)
        return self._list_page(request, self.app_href + "/channels", "channels", found, self.channel_document, extra)

    def _post_channel(self, request: "_Request") -> Response:
        document = self._json_object(request)
        kind = document.get("type")
        if kind not in CHANNEL_TYPES:
            raise client_error(f"'type' must be one of {', '.join(CHANNEL_TYPES)}")
        name = self._string(document, "name", required=False)
        references = document.get("members")
        if references is not None and not isinstance(references, list):
            raise client_error("'members' must be an array of user links")
        members = [self._user_reference(reference) for reference in references or []]
        if kind == "DIRECT":
            distinct = set(members)
            if not 2 <= len(distinct) <= MAX_DIRECT_MEMBERS:
                raise client_error(f"a DIRECT channel needs 2 to {MAX_DIRECT_MEMBERS} distinct members")
        elif kind == "OPEN" and members:
            raise client_error("OPEN channels have no members")
        channel, created = self.store.create_channel(kind, name, members)
        rendered = self.channel_document(channel)
        if created:
            return _hal(201, rendered, [("Location", rendered["_links"]["self"]["href"])])
        return _hal(200, rendered)

    def _get_channel(self, request: "_Request", channel: int) -> Response:
        return _hal(200, self.channel_document(self.store.require_channel(channel)))

    def _delete_channel(self, request: "_Request", channel: int) -> Response:
        self.store.delete_channel(channel)
        return self._application()

    def _group_channel(self, channel_id: int) -> Channel:
        channel = self.store.require_channel(channel_id)
        if channel.type not in GROUP_TYPES:
            raise not_found()
        return channel

    def _get_members(self, request: "_Request", channel: int) -> Response:
        found = self._group_channel(channel)
        href = f"{self.app_href}/channels/{channel}/members"
        users = [self.store.get_user(user_id) for user_id in found.members]
        return self._list_page(request, href, "users", users, self.user_document)

    def _post_member(self, request: "_Request", channel: int) -> Response:
        found = self._group_channel(channel)
        user_id = self._user_reference(self._json_object(request))
        self.store.add_member(found, user_id)
        return _hal(200, self.channel_document(found))

    # -- messages -----------------------------------------------------------------------------

    def _get_channel_messages(self, request: "_Request", channel: int) -> Response:
        found = self.store.require_channel(channel)
        href = f"{self.app_href}/channels/{channel}/messages"
        return self._cursor_page(request, href, self.store.message_ids(found))

    def _get_messages(self, request: "_Request") -> Response:
        return self._cursor_page(request, self.app_href + "/messages", self.store.message_ids())

    def _post_message(self, request: "_Request", channel: int) -> Response:
        found = self.store.require_channel(channel)
        if request.content_type == "multipart/form-data":
            parts = _parse_multipart(request.environ.get("CONTENT_TYPE", ""), request.body)
            uploads = parts.get("file")
            if not uploads:
                raise client_error("a file upload needs a 'file' part")
            upload = uploads[0]
            tags = parts.get("groupTag")
            hosted = self.store.add_file(upload.filename or "file", upload.content_type, upload.data)
            file_document = {
                "type": "HOSTED",
                "url": f"{self.app_href}/files/{hosted.id}",
                "name": hosted.name,
                "contentType": hosted.content_type,
                "size": len(hosted.data),
            }
            message = self.store.create_message(
                found, "SYSTEM_FILE", file=file_document, group_tag=tags[0].text if tags else None
            )
        else:
            document = self._json_object(request)
            kind = document.get("type")
            if kind == "TEXT":
                body = document.get("body")
                if not isinstance(body, str) or not body:
                    raise client_error("a TEXT message needs a non-empty 'body' string")
                message = self.store.create_message(found, "SYSTEM_TEXT", body=body)
            elif kind == "FILE":
                message = self.store.create_message(
                    found,
                    "SYSTEM_FILE",
                    file=self._external_file(document.get("file")),
                    group_tag=self._string(document, "groupTag", required=False),
                )
            else:
                raise client_error("'type' must be TEXT or FILE")
        rendered = self.message_document(message)
        if message.id is None:
            return _hal(200, rendered)
        return _hal(201, rendered, [("Location", rendered["_links"]["self"]["href"])])

    @staticmethod
    def _external_file(value: Any) -> Dict[str, Any]:
        if not isinstance(value, dict):
            raise client_error("a FILE message needs a 'file' object")
        result: Dict[str, Any] = {"type": "EXTERNAL"}
        for key in ("url", "name", "contentType"):
            text = value.get(key)
            if not isinstance(text, str) or not text:
                raise client_error(f"'file.{key}' must be a non-empty string")
            result[key] = text
        size = value.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise client_error("'file.size' must be a non-negative integer")
        result["size"] = size
        return result

    def _get_message(self, request: "_Request", message: int) -> Response:
        return _hal(200, self.message_document(self.store.require_message(message)))

    def _delete_message(self, request: "_Request", message: int) -> Response:
        channel = self.store.delete_message(message)
        return _hal(200, self.channel_document(channel))

    def _get_file(self, request: "_Request", file: int) -> Response:
        hosted = self.store.files.get(file)
        if hosted is None:
            raise not_found()
        return 200, [("Content-Type", hosted.content_type)], hosted.data

    # -- push notification credentials -------------------------------------------------------

    def _get_credentials(self, request: "_Request") -> Response:
        href = self.app_href + "/push_notification_credentials"
        return self._list_page(request, href, "credentials", self.store.credential_list(), self.credential_document)

    def _post_credential(self, request: "_Request") -> Response:
        fields: Dict[str, Any]
        if request.content_type == "multipart/form-data":
            parts = _parse_multipart(request.environ.get("CONTENT_TYPE", ""), request.body)
            kind = parts["type"][0].text if parts.get("type") else None
            if kind != "APNS":
                raise client_error("a multipart credential upload must have type=APNS")
            uploads = parts.get("file")
            if not uploads or not uploads[0].data:
                raise client_error("an APNS credential upload needs a 'file' part (the .p12 certificate)")
            sandbox_text = parts["isSandbox"][0].text.lower() if parts.get("isSandbox") else "false"
            if sandbox_text not in ("true", "false"):
                raise client_error("'isSandbox' must be true or false")
            digest = Store.fingerprint(uploads[0].data)
            fields = {"certificate": f"emulated-certificate-{digest}", "privateKey": f"emulated-private-key-{digest}"}
            if sandbox_text == "true":
                fields["isSandbox"] = True
        else:
            document = self._json_object(request)
            kind = document.get("type")
            if kind == "FCM":
                fields = {"apiKey": self._string(document, "apiKey", required=True)}
            elif kind == "APNS":
                fields = {
                    "certificate": self._string(document, "certificate", required=True),
                    "privateKey": self._string(document, "privateKey", required=True),
                }
                if self._boolean(document, "isSandbox"):
                    fields["isSandbox"] = True
            else:
                raise client_error("'type' must be FCM or APNS")
        credential = self.store.add_credential(kind, fields)
        rendered = self.credential_document(credential)
        return _hal(201, rendered, [("Location", rendered["_links"]["self"]["href"])])

    def _get_credential(self, request: "_Request", credential: int) -> Response:
        return _hal(200, self.credential_document(self.store.require_credential(credential)))

    def _delete_credential(self, request: "_Request", credential: int) -> Response:
        self.store.require_credential(credential)
        del self.store.credentials[credential]
        return self._application()
