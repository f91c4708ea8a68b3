"""The emulator's OAuth 2.0 side, built on authlib's server classes.

- :class:`TokenEndpoint` is an :class:`authlib.oauth2.rfc6749.AuthorizationServer`
  wired to the emulator's request objects, with the client credentials grant
  (RFC 6749 section 4.4) and ``client_secret_basic`` / ``client_secret_post``
  client authentication. Errors follow RFC 6749 section 5.2.
- :class:`BearerGuard` checks ``Authorization: Bearer`` headers with authlib's
  :class:`~authlib.oauth2.rfc6749.ResourceProtector` and a
  :class:`~authlib.oauth2.rfc6750.BearerTokenValidator`, and answers failures
  the RFC 6750 way.
- :class:`TokenStore` keeps the opaque (UUID) access tokens issued.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
    ResourceProtector,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.errors import (
    InsecureTransportError,
    InvalidClientError,
    InvalidRequestError,
    MissingAuthorizationError,
    OAuth2Error,
    UnsupportedGrantTypeError,
    UnsupportedTokenTypeError,
)
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError

from .web import Headers, Response

__all__ = [
    "AccessToken",
    "BearerGuard",
    "Headers",
    "Response",
    "TokenEndpoint",
    "TokenStore",
    "MAX_TOKENS",
    "UNAUTHORIZED_DESCRIPTION",
]

#: The most access tokens kept: past it, expired ones are dropped, then the oldest half.
MAX_TOKENS = 10_000

#: The ``error_description`` of a 401 answer to a request without a bearer token.
UNAUTHORIZED_DESCRIPTION = "Full authentication is required to access this resource"

_REALM = "ChatKitty"


class AccessToken(TokenMixin):  # type: ignore[misc]
    """One issued access token (authlib's :class:`~authlib.oauth2.rfc6749.TokenMixin`)."""

    __slots__ = ("access_token", "client_id", "scope", "issued_at", "expires_at")

    def __init__(self, access_token: str, client_id: str, scope: str, issued_at: float, expires_at: float) -> None:
        self.access_token = access_token
        self.client_id = client_id
        self.scope = scope
        self.issued_at = issued_at
        self.expires_at = expires_at

    def check_client(self, client: Any) -> bool:
        """Whether ``client`` is the client the token was issued to."""
        return bool(client.get_client_id() == self.client_id)

    def get_scope(self) -> str:
        """The scope granted."""
        return self.scope

    def get_expires_in(self) -> int:
        """The lifetime the token was issued with, in seconds."""
        return int(self.expires_at - self.issued_at)

    def is_expired(self) -> bool:
        """Whether the token has expired."""
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        """Tokens are never revoked (only expired)."""
        return False

    def __repr__(self) -> str:  # never show the token itself
        return f"<AccessToken client_id={self.client_id!r} expires_at={self.expires_at}>"


class TokenStore:
    """The access tokens issued by one emulator (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: Dict[str, AccessToken] = {}
        #: Tokens issued since the start.
        self.issued = 0

    def issue(self, client_id: str, scope: str, lifetime: float) -> AccessToken:
        """Create, store and return a new token valid for ``lifetime`` seconds."""
        now = time.time()
        token = AccessToken(str(uuid.uuid4()), client_id, scope, now, now + lifetime)
        with self._lock:
            if len(self._tokens) >= MAX_TOKENS:
                self._tokens = {k: t for k, t in self._tokens.items() if not t.is_expired()}
                if len(self._tokens) >= MAX_TOKENS:  # still full: forget the oldest half
                    self._tokens = dict(list(self._tokens.items())[MAX_TOKENS // 2 :])
            self._tokens[token.access_token] = token
            self.issued += 1
        return token

    def get(self, access_token: str) -> Optional[AccessToken]:
        """The token with this value, expired or not, or ``None``."""
        return self._tokens.get(access_token)

    def expire_all(self) -> int:
        """Expire every token issued so far; return how many were still valid."""
        count = 0
        with self._lock:
            for token in self._tokens.values():
                if not token.is_expired():
                    count += 1
                token.expires_at = 0.0
        return count

    def __len__(self) -> int:
        return len(self._tokens)


class _Client(ClientMixin):  # type: ignore[misc]
    """The one confidential client the emulator knows."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> Optional[str]:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode("utf-8"), self.client_secret.encode("utf-8"))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _FormPayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, fields: Mapping[str, Sequence[str]]) -> None:
        self._data = {key: values[0] for key, values in fields.items() if values}
        self._datalist = {key: list(values) for key, values in fields.items()}

    @property
    def data(self) -> Dict[str, str]:
        return self._data

    @property
    def datalist(self) -> Dict[str, List[str]]:
        return self._datalist


class _TokenRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, uri: str, headers: Headers, fields: Mapping[str, Sequence[str]]) -> None:
        # authlib refuses plain http on hosts other than loopback (insecure_transport).
        # The emulator only speaks plain http, and serving a container or another
        # machine is its point, so its token endpoint accepts the URI it is reached at.
        secure = "https://" + uri[len("http://") :] if uri.startswith("http://") else uri
        super().__init__("POST", secure, headers=headers)
        self.uri = uri
        self.payload = _FormPayload(fields)

    @property
    def args(self) -> Dict[str, str]:
        return {}

    @property
    def form(self) -> Dict[str, str]:
        return self.payload.data  # type: ignore[no-any-return]


class _ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def create_token_response(self) -> Tuple[int, Dict[str, Any], List[Tuple[str, str]]]:
        """authlib's answer, without its DEBUG log line that holds the issued token."""
        token = self.generate_token(scope=self.request.payload.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


def _json_response(status: int, body: Any, headers: Sequence[Tuple[str, str]]) -> Response:
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return status, list(headers), payload


class TokenEndpoint(AuthorizationServer):  # type: ignore[misc]
    """``POST /oauth/token``: the client credentials grant, answered by authlib.

    :param client_id: the one client id accepted.
    :param client_secret: its secret.
    :param store: where issued tokens go.
    :param lifetime: the token lifetime in seconds (``expires_in``).
    :param scope: the ``scope`` of every token.
    """

    def __init__(self, client_id: str, client_secret: str, store: TokenStore, *, lifetime: float, scope: str) -> None:
        super().__init__()
        self._client = _Client(client_id, client_secret)
        self._store = store
        self._lifetime = lifetime
        self._scope = scope
        self.register_grant(_ClientCredentialsGrant)
        self.register_token_generator("default", self._generate)

    # -- authlib hooks ------------------------------------------------------

    def query_client(self, client_id: str) -> Optional[_Client]:
        """The client with this id, or ``None``."""
        if hmac.compare_digest(client_id.encode("utf-8"), self._client.client_id.encode("utf-8")):
            return self._client
        return None

    def _generate(self, grant_type: str, client: _Client, **kwargs: Any) -> Dict[str, Any]:
        token = self._store.issue(client.client_id, self._scope, self._lifetime)
        expires_in = int(self._lifetime) if float(self._lifetime).is_integer() else self._lifetime
        return {
            "access_token": token.access_token,
            "token_type": "bearer",
            "expires_in": expires_in,
            "scope": self._scope,
        }

    def save_token(self, token: Mapping[str, Any], request: Any) -> None:
        """Tokens are stored when generated; nothing more to do."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """The emulator has no signal system."""

    def create_oauth2_request(self, request: _TokenRequest) -> _TokenRequest:
        """The request objects are built by :meth:`respond` already."""
        return request

    def create_json_request(self, request: Any) -> JsonRequest:
        """Not used: the emulator has no JSON OAuth endpoints."""
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: Sequence[Tuple[str, str]]) -> Response:
        """Serialise authlib's ``(status, body, headers)`` as a JSON answer."""
        return _json_response(status, body, headers)

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        """Answer an RFC 6749 section 5.2 error, with plain descriptions."""
        if isinstance(error, InvalidClientError):
            error.description = "Bad client credentials"
        elif isinstance(error, UnsupportedGrantTypeError):
            error.description = "Only grant_type=client_credentials is supported"
        result: Response = super().handle_error_response(request, error)
        return result

    def refusal(self) -> Response:
        """The answer to bad client credentials: ``401 invalid_client`` (the natural one)."""
        error = InvalidClientError(status_code=401)
        error.description = "Bad client credentials"
        status, body, headers = error()
        return _json_response(status, body, headers)

    # -- entry point ----------------------------------------------------------

    def respond(self, uri: str, headers: Headers, fields: Optional[Mapping[str, Sequence[str]]]) -> Response:
        """Answer one token request.

        :param uri: the absolute request URI.
        :param headers: the request headers.
        :param fields: the parsed form fields, or ``None`` if the body is not a form.
        """
        try:
            if fields is None:
                raise InvalidRequestError(
                    "The request body must be application/x-www-form-urlencoded or multipart/form-data."
                )
            for name, values in fields.items():
                if len(values) > 1:
                    raise InvalidRequestError(f"Repeated parameter: {name}.")
            if not fields.get("grant_type"):
                raise InvalidRequestError("Missing 'grant_type' parameter.")
            request = _TokenRequest(uri, headers, fields)
        except (InvalidRequestError, InsecureTransportError) as error:
            return self.handle_response(*error())
        result: Response = self.create_token_response(request)
        return result


class _Validator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, store: TokenStore) -> None:
        super().__init__(realm=_REALM)
        self._store = store

    def authenticate_token(self, token_string: str) -> Optional[AccessToken]:
        return self._store.get(token_string.strip())

    def validate_token(self, token: Optional[AccessToken], scopes: Any, request: Any) -> None:
        if token is None:
            raise InvalidTokenError("Invalid access token", realm=self.realm)
        if token.is_expired():
            raise InvalidTokenError("Access token expired", realm=self.realm)
        super().validate_token(token, scopes, request)


class _GuardRequest:
    __slots__ = ("headers",)

    def __init__(self, headers: Headers) -> None:
        self.headers = headers


class BearerGuard:
    """Checks the bearer token of an API request (authlib's ResourceProtector)."""

    def __init__(self, store: TokenStore) -> None:
        self._protector = ResourceProtector()
        self._protector.register_token_validator(_Validator(store))

    @staticmethod
    def refusal(with_token: bool) -> Response:
        """The 401 answer to a request without a bearer token, or (``with_token``) with an unknown one."""
        if with_token:
            status, body, error_headers = InvalidTokenError("Invalid access token", realm=_REALM)()
            return _json_response(status, body, error_headers)
        body = {"error": "unauthorized", "error_description": UNAUTHORIZED_DESCRIPTION}
        return _json_response(
            401, body, [("Content-Type", "application/json"), ("WWW-Authenticate", f'Bearer realm="{_REALM}"')]
        )

    @staticmethod
    def forbidden() -> Response:
        """A 403 answer, the later API's ``AuthenticationError`` example (no natural 403 here)."""
        body = {"error": "access_denied", "error_description": "Access is denied"}
        return _json_response(403, body, [("Content-Type", "application/json")])

    def check(self, headers: Headers) -> Optional[Response]:
        """``None`` if the request carries a valid bearer token, else the 401 answer.

        Without a bearer token: ``WWW-Authenticate: Bearer realm="ChatKitty"``
        (no error attribute, RFC 6750 section 3.1) and the body
        ``{"error": "unauthorized", "error_description": ...}``. With an unknown
        or expired token: ``error="invalid_token"`` in both.
        """
        try:
            self._protector.validate_request(None, _GuardRequest(headers))
        except (MissingAuthorizationError, UnsupportedTokenTypeError):
            return self.refusal(False)
        except OAuth2Error as error:
            status, body, error_headers = error()
            return _json_response(status, body, error_headers)
        return None
