"""halkit: a client for HAL hypermedia APIs (``application/hal+json``).

Parse HAL documents into :class:`Resource` objects, navigate a live API with
:class:`Client`, authenticate with OAuth 2.0 client credentials, and validate
what you fetch against declarative JSON Schema profiles.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .auth import BearerToken, ClientCredentials, OriginScoped
from .client import Client
from .exceptions import (
    AmbiguousLinkError,
    AuthError,
    ClientError,
    CompatibilityWarning,
    ConnectError,
    ContentTypeError,
    DeprecatedLinkWarning,
    DeprecationHeaderWarning,
    EmulatorError,
    ForbiddenError,
    FormError,
    HalFormatError,
    HalkitError,
    HalkitWarning,
    HTTPError,
    InvalidProfileError,
    LinkNotFoundError,
    MethodNotAllowedError,
    NotFoundError,
    ProfileError,
    ProfileNotFoundError,
    ProfileViolationError,
    ProfileWarning,
    RateLimitedError,
    RequestError,
    ResponseTooLargeError,
    ServerError,
    TemplateError,
    TimeoutError,
    TooManyRedirectsError,
    TransportError,
    UnauthorizedError,
    UnknownVariableError,
    UnsafeURLError,
    WriteSucceededError,
)
from .forms import Property, Template
from .link import Link, Links
from .resource import PageCursor, PageIterator, Resource, parse

if TYPE_CHECKING:  # pragma: no cover
    from .aio import AsyncClient
    from .fanout import follow_all
    from .registry import Profile, ProfileRegistry, profile, profiles
    from .violations import Violation

#: Names loaded on first use, not by ``import halkit``: the profile layer (and
#: jsonschema behind it), fan-out, and the async client (httpx).
_LAZY = {
    "AsyncClient": ".aio",
    "Profile": ".registry",
    "ProfileRegistry": ".registry",
    "Violation": ".violations",
    "follow_all": ".fanout",
    "profile": ".registry",
    "profiles": ".registry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'halkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> "list[str]":
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "AmbiguousLinkError",
    "AsyncClient",
    "AuthError",
    "BearerToken",
    "Client",
    "ClientCredentials",
    "ClientError",
    "CompatibilityWarning",
    "ConnectError",
    "ContentTypeError",
    "DeprecatedLinkWarning",
    "DeprecationHeaderWarning",
    "EmulatorError",
    "ForbiddenError",
    "FormError",
    "HTTPError",
    "HalFormatError",
    "HalkitError",
    "HalkitWarning",
    "InvalidProfileError",
    "Link",
    "LinkNotFoundError",
    "Links",
    "MethodNotAllowedError",
    "NotFoundError",
    "OriginScoped",
    "PageCursor",
    "PageIterator",
    "Profile",
    "ProfileError",
    "ProfileNotFoundError",
    "ProfileRegistry",
    "ProfileViolationError",
    "ProfileWarning",
    "Property",
    "RateLimitedError",
    "RequestError",
    "Resource",
    "ResponseTooLargeError",
    "ServerError",
    "Template",
    "TemplateError",
    "TimeoutError",
    "TooManyRedirectsError",
    "TransportError",
    "UnauthorizedError",
    "UnknownVariableError",
    "UnsafeURLError",
    "Violation",
    "WriteSucceededError",
    "__version__",
    "follow_all",
    "parse",
    "profile",
    "profiles",
]
