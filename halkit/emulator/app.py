"""The emulator's WSGI application: counters, faults, authentication, dispatch.

It ties the layers together: :mod:`.web` parses requests and routes them,
:mod:`.handlers` answers them from the :mod:`.store`, and :mod:`.render`
writes the HAL. Domain errors of the store become answers here
(:func:`.web.error_for`). See the package docstring (:mod:`halkit.emulator`)
for the behaviour it implements and the choices made where the ChatKitty docs
are silent.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional
from urllib.parse import parse_qs

from .faults import FaultList
from .handlers import ChatKittyHandlers
from .oauth import BearerGuard, TokenEndpoint, TokenStore
from .render import HalRenderer
from .server import DropConnection, _printable
from .store import Store, StoreError, isoformat
from .web import (
    HAL_JSON,
    JSON,
    MAX_ID_DIGITS,
    ApiError,
    Request,
    Response,
    Router,
    acceptable,
    bad_request,
    dumps,
    error_for,
    error_response,
    method_not_allowed,
    not_found,
    parse_multipart,
    reason,
)

__all__ = ["ChatKittyApp", "EmulatorStats", "HAL_JSON", "JSON", "MAX_COUNTED_PATHS", "OTHER_PATHS"]

#: How many distinct paths (and ``"METHOD path"`` routes) the counters name; the rest
#: are counted together under :data:`OTHER_PATHS`, so a client cannot grow them without bound.
MAX_COUNTED_PATHS = 1000
#: The key that counts the requests to paths past :data:`MAX_COUNTED_PATHS`.
OTHER_PATHS = "(other)"

#: A ``Host`` header: a name or an IPv4 address, or a bracketed IPv6 address; an optional port.
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252}))(?::[0-9]{1,5})?")
logger = logging.getLogger("halkit.emulator")

#: How many base URLs the application keeps a renderer for (the cache is emptied when full).
_MAX_RENDERERS = 32


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
    #: Requests per path (no query string); past :data:`MAX_COUNTED_PATHS` distinct
    #: paths, the others are counted under :data:`OTHER_PATHS`.
    by_path: Mapping[str, int] = field(default_factory=dict)
    #: Requests per ``"METHOD path"`` (bounded the same way).
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


class ChatKittyApp:
    """The WSGI application of the emulator.

    :param store: the data.
    :param tokens: the access tokens issued.
    :param token_endpoint: answers ``POST /oauth/token``.
    :param guard: checks bearer tokens.
    :param faults: the fault rules.
    :param base_url: the server's own base URL (no trailing slash): the hrefs of answers to
        requests without a ``Host`` header start with it (and every href, if ``fixed_base_url``).
    :param fixed_base_url: write every href under ``base_url`` whatever the request's ``Host``
        (a public URL in front of the emulator); by default hrefs follow the ``Host`` header.
    :param page_size: the default ``size`` of offset and cursor pages.
    :param max_page_size: the largest ``size`` honoured (larger values are clamped).
    :param application_id: the application's id (also the organization's).
    :param application_name: the application's name.
    :param application_key: the application's client-side key.
    :param stopping: set when the server stops (ends stalls early).
    :param created_status: the status of answers that create a resource (200 or 201).
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
        fixed_base_url: bool = False,
        page_size: int = 20,
        max_page_size: int = 100,
        application_id: int = 52,
        application_name: str = "ChatKitty",
        application_key: str = "107a326f-bfab-4d2c-9a5a-fa79bd896929",
        stopping: Optional[threading.Event] = None,
        created_status: int = 200,
    ) -> None:
        self.tokens = tokens
        self.token_endpoint = token_endpoint
        self.guard = guard
        self.faults = faults
        self.application_id = application_id
        self.application_name = application_name
        self.application_key = application_key
        self.stopping = stopping or threading.Event()
        self.counters = _Counters()
        #: The handlers of the API routes.
        self.handlers = ChatKittyHandlers(
            store,
            page_size=page_size,
            max_page_size=max_page_size,
            application_id=application_id,
            created_status=created_status,
        )
        self.router = Router(self.handlers.routes())
        self.fixed_base_url = fixed_base_url
        self._renderers: Dict[str, HalRenderer] = {}
        self._renderers_lock = threading.Lock()
        self.set_base_url(base_url)

    # -- configuration --------------------------------------------------------

    @property
    def store(self) -> Store:
        """The data the handlers serve."""
        return self.handlers.store

    @store.setter
    def store(self, store: Store) -> None:
        self.handlers.store = store

    def set_base_url(self, base_url: str) -> None:
        """Set the default base URL (see ``base_url`` and ``fixed_base_url``)."""
        self.renderer = self._renderer(base_url)
        with self._renderers_lock:
            self._renderers.clear()
        self.base_url = self.renderer.base_url
        self.entry_url = self.renderer.entry_url
        self.token_url = self.renderer.token_url
        self.app_href = self.renderer.app_href

    def _renderer(self, base_url: str) -> HalRenderer:
        return HalRenderer(
            base_url,
            application_id=self.application_id,
            application_name=self.application_name,
            application_key=self.application_key,
        )

    def renderer_for(self, request: Request) -> HalRenderer:
        """The renderer for the base URL this request was made to (its ``Host``).

        :raises ApiError: (400) for a ``Host`` header that is not ``host[:port]``.
        """
        host = request.environ.get("HTTP_HOST")
        if self.fixed_base_url or not host:
            return self.renderer
        renderer = self._renderers.get(host)
        if renderer is None:
            if len(host) > 262 or _HOST.fullmatch(host) is None:
                raise bad_request("invalid Host header")
            renderer = self._renderer("http://" + host.lower())
            with self._renderers_lock:
                if len(self._renderers) >= _MAX_RENDERERS:
                    self._renderers.clear()
                self._renderers[host] = renderer
        return renderer

    # -- WSGI -------------------------------------------------------------------

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        status, headers, payload = self.respond(request)
        start_response(f"{status} {reason(status)}", headers)
        return [payload]

    def respond(self, request: Request) -> Response:
        """Answer one request (faults first, then authentication, then the route)."""
        path = request.path
        counters = self.counters
        is_token = path == "/oauth/token"
        is_api = path == "/v1" or path.startswith("/v1/")
        with counters.lock:
            counters.requests += 1
            by_path, by_route = counters.by_path, counters.by_route
            key = path if path in by_path or len(by_path) < MAX_COUNTED_PATHS else OTHER_PATHS
            by_path[key] = by_path.get(key, 0) + 1
            route_key = f"{request.method} {path}"
            if route_key not in by_route and len(by_route) >= MAX_COUNTED_PATHS:
                route_key = OTHER_PATHS
            by_route[route_key] = by_route.get(route_key, 0) + 1
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
                    response = self._fault_status(request, is_token, fault.status, fault.retry_after, fault.body)
                    self._count_status(response[0])
                    return response
        try:
            response = self._dispatch(request, self.renderer_for(request), is_token, is_api)
        except ApiError as error:
            response = error_response(error)
        except Exception:  # a bug: answer 500 rather than drop the connection
            logger.exception("the emulator failed to answer %s %s", request.method, _printable(path))
            response = error_response(ApiError(500, "InternalServerError", "Internal server error"))
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

    def _fault_status(
        self,
        request: Request,
        is_token: bool,
        status: int,
        retry_after: Optional[Any],
        body: Optional[Mapping[str, Any]],
    ) -> Response:
        """An injected error: shaped like the natural answer with that status, where there is one.

        401: the token endpoint's ``invalid_client``, or the API's ``invalid_token``
        (with a bearer token) or ``unauthorized`` (without); 403: ``access_denied``;
        others: the API's ``{error, message, timestamp}``, ``error`` named after the
        status (``ServiceUnavailableError``, ``InternalServerError``...).
        """
        if body is None and status == 401:
            if is_token:
                response = self.token_endpoint.refusal()
            else:
                authorization = str(request.headers.get("authorization") or "")
                response = self.guard.refusal(authorization[:7].lower() == "bearer ")
        elif body is None and status == 403:
            response = self.guard.forbidden()
        else:
            if body is None:
                phrase = reason(status)
                error = "".join(word.capitalize() for word in phrase.replace("-", " ").split())
                error = error if error.endswith("Error") else error + "Error"
                body = {"error": error, "message": phrase, "timestamp": isoformat(time.time())}
            response = status, [("Content-Type", JSON)], dumps(body)
        if retry_after is not None:
            response[1].append(("Retry-After", str(retry_after)))
        return response

    def _dispatch(self, request: Request, hal: HalRenderer, is_token: bool, is_api: bool) -> Response:
        if is_token:
            if request.method not in ("POST",):
                raise method_not_allowed(request.method, ["POST"])
            return self._token(request, hal.token_url)
        if is_api:
            denied = self.guard.check(request.headers)
            if denied is not None:
                return denied
            accept = request.environ.get("HTTP_ACCEPT")
            if accept and not acceptable(accept):
                raise ApiError(406, "NotAcceptableError", "Could not find acceptable representation")
        handler, params = self.router.resolve(request.method, request.path)
        if any(len(value) > MAX_ID_DIGITS or not value.isascii() for value in params.values()):
            raise bad_request("an id in the path is out of range (ids are 64-bit integers)")
        app_id = params.pop("app", None)
        if app_id is not None and int(app_id) != self.application_id:
            raise not_found()
        ids = {key: int(value) for key, value in params.items()}
        with self.store.lock:
            try:
                return handler(request, hal, **ids)
            except StoreError as error:
                raise error_for(error) from None

    # -- token endpoint -----------------------------------------------------------

    def _token(self, request: Request, token_url: str) -> Response:
        kind = request.content_type
        fields: Optional[Dict[str, List[str]]] = None
        if kind == "application/x-www-form-urlencoded":
            try:
                fields = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                fields = None
        elif kind == "multipart/form-data":
            try:
                parts = parse_multipart(request.raw_content_type, request.body)
                fields = {name: [part.text for part in items] for name, items in parts.items()}
            except ApiError:
                fields = None
        return self.token_endpoint.respond(token_url, request.headers, fields)
