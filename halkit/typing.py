"""Public type aliases and protocols: the seams between halkit's modules.

The one seam the model uses is :class:`Navigator`: a :class:`~halkit.Resource`,
a :class:`~halkit.Link` and a HAL-FORMS :class:`~halkit.Template` hold a
navigator (a :class:`halkit.Client` is one) and ask it to "send this request
from a resource of this type and give me the typed result". They call nothing
else of the client, so the model can be exercised with any object that
implements this protocol (a stub in tests, a recorder...).

:class:`AsyncNavigator` is the same seam for the async twin
(:class:`halkit.aio.AsyncClient` is one): ``send`` and ``send_raw`` are
coroutines, and it names the classes the shared model builds for it, so that
its resources, links and forms navigate with ``await``.

Like :mod:`referencing.typing`, this module holds only names for annotations;
it imports nothing of halkit at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Tuple, Type, Union

try:  # Python 3.8+
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore[assignment]

if TYPE_CHECKING:  # pragma: no cover
    import httpx
    import requests

    from .aio.model import AsyncLink, AsyncResource, AsyncTemplate
    from .link import Link
    from .resource import Resource

__all__ = [
    "AsyncNavigator",
    "JSON",
    "Files",
    "Headers",
    "HTTPCache",
    "Navigator",
    "Params",
    "Target",
    "Timeout",
    "VALIDATION_MODES",
    "Variables",
]

#: The validation modes: ``"strict"`` raises, ``"warn"`` warns, ``"off"`` does not validate.
VALIDATION_MODES = ("strict", "warn", "off")

#: A decoded JSON value (object, array, string, number, boolean or null).
JSON = Any
#: URI template variables (RFC 6570): name to value (a string, number, list or mapping).
Variables = Mapping[str, Any]
#: Request headers: name to value.
Headers = Mapping[str, str]
#: A query string as a mapping (values may be lists), as requests takes it.
Params = Mapping[str, Any]
#: Files for a multipart body, as requests takes them (``{"file": ("a.txt", b"...", "text/plain")}``).
Files = Any
#: Seconds to wait, as a number or a ``(connect, read)`` pair; ``None`` waits forever.
Timeout = Union[float, Tuple[float, float], None]
#: What a navigator sends to: a link (expanded with the variables) or a URL.
Target = Union["Link", str]


@runtime_checkable
class Navigator(Protocol):
    """Sends requests on behalf of resources, links and forms; :class:`halkit.Client` is one.

    ``source`` is the profile type of the resource the request starts from
    (``None`` when unknown or not from a resource): with it and the link's rel
    a profile-aware navigator checks the method and knows the type of the
    answer before it builds the resource.
    """

    def send(
        self,
        source: Optional[str],
        target: Target,
        method: str,
        *,
        variables: Optional[Variables] = None,
        json: JSON = None,
        data: Any = None,
        params: Optional[Params] = None,
        headers: Optional[Headers] = None,
        files: Files = None,
        timeout: Any = None,
    ) -> Optional["Resource"]:
        """Send ``method`` to ``target`` and return the resource that comes back, if any.

        :param source: the profile type of the resource the request starts from.
        :param target: a :class:`~halkit.Link` (expanded with ``variables``) or a URL
            (a URL is the source resource's own, rel ``self``, when ``source`` is given).
        :param method: the HTTP method.
        :param variables: URI template variables, for a templated link.
        :param json: a body to send as JSON.
        :param data: a body to send as it is (or form-encoded, for a mapping).
        :param params: query string parameters.
        :param headers: headers for this request.
        :param files: files for a multipart body.
        :param timeout: this request's timeout (default: the navigator's).
        :returns: the resource in (or pointed to by) the answer; ``None`` for no content.
        """
        ...  # pragma: no cover

    def send_raw(
        self,
        source: Optional[str],
        target: Target,
        method: str,
        *,
        variables: Optional[Variables] = None,
        json: JSON = None,
        data: Any = None,
        params: Optional[Params] = None,
        headers: Optional[Headers] = None,
        files: Files = None,
        timeout: Any = None,
    ) -> "requests.Response":
        """Like :meth:`send`, but return the response (for ``HEAD`` and ``OPTIONS``)."""
        ...  # pragma: no cover

    def embedded_type(self, source: Optional[str], rel: str) -> Optional[str]:
        """The profile type of what a ``source`` resource embeds under ``rel``, if known."""
        ...  # pragma: no cover

    def resolve_href(self, base: Optional[str], href: str) -> str:
        """Resolve ``href``, found in a document at ``base``, into a URL."""
        ...  # pragma: no cover


@runtime_checkable
class AsyncNavigator(Protocol):
    """:class:`Navigator` for asyncio; :class:`halkit.aio.AsyncClient` is one.

    The same calls with the same arguments, but :meth:`send` and
    :meth:`send_raw` are coroutine functions; ``embedded_type`` and
    ``resolve_href`` do no I/O and stay plain methods. The shared model
    builds the classes the navigator names (:attr:`resource_class`,
    :attr:`link_class`, :attr:`template_class`): the
    :mod:`halkit.aio.model` classes, whose navigation methods await the
    navigator's coroutines.
    """

    @property
    def resource_class(self) -> Type["AsyncResource"]:
        """The class of the resources the navigator builds (embedded ones are of the same class)."""
        ...  # pragma: no cover

    @property
    def link_class(self) -> Type["AsyncLink"]:
        """The class of the links of its resources."""
        ...  # pragma: no cover

    @property
    def template_class(self) -> Type["AsyncTemplate"]:
        """The class of the HAL-FORMS templates of its resources."""
        ...  # pragma: no cover

    async def send(
        self,
        source: Optional[str],
        target: Target,
        method: str,
        *,
        variables: Optional[Variables] = None,
        json: JSON = None,
        data: Any = None,
        params: Optional[Params] = None,
        headers: Optional[Headers] = None,
        files: Files = None,
        timeout: Any = None,
    ) -> Optional["AsyncResource"]:
        """Send ``method`` to ``target`` and return the resource that comes back, if any
        (the arguments of :meth:`Navigator.send`)."""
        ...  # pragma: no cover

    async def send_raw(
        self,
        source: Optional[str],
        target: Target,
        method: str,
        *,
        variables: Optional[Variables] = None,
        json: JSON = None,
        data: Any = None,
        params: Optional[Params] = None,
        headers: Optional[Headers] = None,
        files: Files = None,
        timeout: Any = None,
    ) -> "httpx.Response":
        """Like :meth:`send`, but return the :class:`httpx.Response` (for ``HEAD`` and ``OPTIONS``)."""
        ...  # pragma: no cover

    def embedded_type(self, source: Optional[str], rel: str) -> Optional[str]:
        """The profile type of what a ``source`` resource embeds under ``rel``, if known."""
        ...  # pragma: no cover

    def resolve_href(self, base: Optional[str], href: str) -> str:
        """Resolve ``href``, found in a document at ``base``, into a URL."""
        ...  # pragma: no cover


@runtime_checkable
class HTTPCache(Protocol):
    """A cache object as cachecontrol takes it (``Client(cache=...)``)."""

    def get(self, key: str) -> Optional[bytes]:
        """The cached bytes for ``key``, or ``None``."""
        ...  # pragma: no cover

    def set(self, key: str, value: bytes, expires: Optional[int] = None) -> None:
        """Store ``value`` under ``key``."""
        ...  # pragma: no cover

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        ...  # pragma: no cover
