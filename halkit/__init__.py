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
    UnsafeURLError,
)
from .fanout import follow_all
from .forms import Property, Template
from .link import Link, Links
from .registry import Profile, ProfileRegistry, profile, profiles
from .resource import PageIterator, Resource, parse
from .violations import Violation

if TYPE_CHECKING:  # pragma: no cover
    from .aio import AsyncClient


def __getattr__(name: str) -> Any:
    # halkit.AsyncClient loads halkit.aio (and httpx) on first use, not on `import halkit`
    if name == "AsyncClient":
        from .aio import AsyncClient

        return AsyncClient
    raise AttributeError(f"module 'halkit' has no attribute {name!r}")

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
    "UnsafeURLError",
    "Violation",
    "__version__",
    "follow_all",
    "parse",
    "profile",
    "profiles",
]
