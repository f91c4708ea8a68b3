"""What the sync and async clients share: reading answers and preparing requests, without I/O.

:class:`halkit.Client` (requests) and :class:`halkit.aio.AsyncClient` (httpx)
keep only their transport and their navigation seam; both call these
functions with plain values (status, headers, URL, body bytes, method) to
decide what an answer means: a document, a resource to fetch at
``Location``, nothing, or a halkit error.
"""

from __future__ import annotations

import functools
import json as _json
import warnings
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, Iterable, List, Mapping, Optional, Set, Tuple, Union

from . import urls
from .exceptions import (
    CompatibilityWarning,
    ContentTypeError,
    DeprecatedLinkWarning,
    DeprecationHeaderWarning,
    HalFormatError,
    HalkitError,
    ProfileError,
    RequestError,
    WriteSucceededError,
    error_for_status,
)
from .hal import DRAFT_ALLOWED_DEVIATIONS, check_document, decode_json, is_json_media_type, media_type
from .typing import VALIDATION_MODES

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Profile
    from .typing import Target, Variables

#: The values of ``Client(relative_hrefs=...)``.
RELATIVE_HREF_POLICIES = ("document", "api-root")

#: The default of an argument whose ``None`` means something (``deadline=None``: no bound).
USE_DEFAULT: Any = object()

#: What :func:`after_answer` says to do with an answer.
FOLLOW_LOCATION = "location"
NO_RESOURCE = "none"
READ_BODY = "body"


def looks_like_json_object(content: bytes) -> bool:
    """Whether ``content`` starts (after white space) like a JSON object.

    :param content: a response body.
    """
    return content.lstrip()[:1] == b"{"


def has_scheme_or_authority(href: str) -> bool:
    """Whether ``href`` is an absolute URI or a network-path reference (``//host/...``).

    :param href: a link's href.
    """
    if href.startswith("//"):
        return True
    scheme, sep, _ = href.partition(":")
    return bool(sep) and bool(scheme) and scheme[0].isascii() and scheme[0].isalpha() and all(
        c.isascii() and (c.isalnum() or c in "+-.") for c in scheme
    )


def resolve_href(relative_hrefs: str, api_root: str, base: Optional[str], href: str) -> str:
    """Resolve ``href``, found in a document at ``base``, by a client's ``relative_hrefs`` policy.

    :param relative_hrefs: ``"document"`` (RFC 3986, against ``base``) or ``"api-root"``
        (an href without scheme or host, against ``api_root``).
    :param api_root: the client's API root (ending with ``/``).
    :param base: the URL of the document the href is in, if known.
    :param href: the href.
    """
    if relative_hrefs == "api-root" and not has_scheme_or_authority(href):
        return urls.resolve(api_root, href.lstrip("/"))
    return urls.resolve(base, href) if base else href


def error_body(content: bytes, content_type: Optional[str]) -> Any:
    """The parsed JSON body of an error answer, or ``None`` when there is none or it is not JSON.

    :param content: the response body.
    :param content_type: its Content-Type header, if any.
    """
    if not content:
        return None
    if not is_json_media_type(media_type(content_type)):
        return None
    try:
        return _json.loads(content)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1)
def version() -> str:
    """halkit's installed version, for the User-Agent (``"0"`` when run from a source tree)."""
    import importlib.metadata  # not at import time: it costs, and only a client needs it

    try:
        return importlib.metadata.version("halkit")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0"


def absolute(entry_url: str, url: str) -> str:
    """``url`` resolved against the entry URL when it is relative (RFC 3986).

    :param entry_url: the client's entry URL.
    :param url: the URL a caller gave (``"/v1/users"``, ``"users/3"`` or absolute).
    """
    if "://" in url[:12]:
        return url
    return urls.resolve(entry_url, url)


def call_limits(timeout: Any, deadline: Any, client_timeout: Any, client_deadline: Optional[float]) -> Tuple[Any, Optional[float]]:
    """The timeout and total deadline of one call.

    :param timeout: the call's timeout, or ``None`` for the client's.
    :param deadline: the call's deadline in seconds, ``None`` for no bound, or
        :data:`USE_DEFAULT`: the client's with the client's timeout, otherwise
        :func:`halkit.transport.default_deadline` of the call's timeout.
    :param client_timeout: the client's timeout.
    :param client_deadline: the client's deadline.
    """
    if timeout is None:
        return client_timeout, (client_deadline if deadline is USE_DEFAULT else deadline)
    if deadline is USE_DEFAULT:
        from .transport import default_deadline

        deadline = default_deadline(getattr(timeout, "read", timeout))  # an httpx.Timeout: its read timeout
    return timeout, deadline


def credentials_withheld(url: str, scoped_to: Optional[AbstractSet[urls.Origin]]) -> Optional[str]:
    """Why a 401 from ``url`` got no credentials, when origin scoping kept them back.

    :param url: the URL that answered 401.
    :param scoped_to: the origins the client's credentials (or ``headers=``)
        go to, or ``None`` when it has none.
    """
    if not scoped_to:
        return None
    target = urls.origin_of(url)
    if target is None or target in scoped_to:
        return None
    allowed = ", ".join(sorted(urls.format_origin(o) for o in scoped_to))
    return (
        f"no credentials were sent: {urls.format_origin(target)} is not an origin they are scoped to "
        f"({allowed}); if it is the same server under another name, use that name in the entry URL, "
        "or pass origins=[...]"
    )


def status_error(
    method: str, url: str, status: int, content: bytes, content_type: Optional[str], response: Any,
    scoped_to: Optional[AbstractSet[urls.Origin]],
) -> HalkitError:
    """The :class:`~halkit.HTTPError` for a 4xx or 5xx answer (a 401 says when credentials were withheld).

    :param method: the request's method.
    :param url: the answer's URL.
    :param status: its status.
    :param content: its body.
    :param content_type: its Content-Type header, if any.
    :param response: the response, for the error.
    :param scoped_to: see :func:`credentials_withheld`.
    """
    error = error_for_status(status, response=response, body=error_body(content, content_type),
                             url=urls.redact(url), method=method)
    if status == 401:
        withheld = credentials_withheld(url, scoped_to)
        if withheld:
            error.args = (f"{error.args[0]}; {withheld}",) + tuple(error.args[1:])
    return error


def not_modified(method: str, url: str, sent: Iterable[str], response: Any) -> RequestError:
    """The error for a 304 Not Modified answer: to a conditional request, or from a cache in between.

    :param method: the request's method.
    :param url: the answer's URL.
    :param sent: the names of the headers the request was sent with.
    :param response: the response, for the error.
    """
    conditional = {k.lower() for k in sent} & {"if-none-match", "if-modified-since", "if-match", "if-unmodified-since"}
    if conditional:
        message = (
            f"{method} {url} answered 304 Not Modified to your conditional request: "
            "the representation you have is current, and there is no body to read"
        )
    else:
        message = (
            f"{method} {url} answered 304 Not Modified although the request was not conditional "
            "(no If-None-Match or If-Modified-Since was sent): a cache or proxy in between answered "
            "for a request it made itself; use halkit.Client(cache=True) for HTTP caching"
        )
    return RequestError(message, url=url, method=method, response=response)


def read_answer(
    method: str, status: int, url: str, location: Optional[str], reason: Optional[str], response: Any,
    build: Callable[[], Any],
) -> Tuple[Any, Optional[str]]:
    """The resource of an answer with a body, or the URL to GET instead: ``(resource, None)`` or ``(None, url)``.

    A write that succeeded never reads as a failure: when ``build`` cannot
    read the body of a 2xx answer to a write, the resource at its
    ``Location`` is to be fetched instead (with a
    :class:`~halkit.CompatibilityWarning`); the client GETs it, and if that
    cannot be read either, raises :func:`write_succeeded_error`.

    :param method: the request's method.
    :param status: the answer's status.
    :param url: the answer's URL.
    :param location: its Location header, if any.
    :param reason: its reason phrase.
    :param response: the response, for the errors.
    :param build: builds the resource from the answer (no I/O).
    :raises halkit.WriteSucceededError: the body of a successful write cannot
        be read and there is no Location.
    :raises halkit.ProfileError: the resource breaks its profile (for a
        write, the message says that the write itself succeeded).
    """
    if method == "GET" or not 200 <= status < 300:
        return build(), None
    try:
        return build(), None
    except (HalFormatError, ContentTypeError) as exc:
        if not location:
            raise write_succeeded_error(method, url, status, reason, None, exc, response) from exc
        warnings.warn(
            f"{method} {url} succeeded ({status}) but its body could not be read ({exc}); "
            f"returning the resource at its Location instead",
            CompatibilityWarning,
            stacklevel=5,
        )
        return None, urls.resolve(url, location)
    except ProfileError as exc:
        exc.args = (f"{exc} (the {method} itself succeeded: {status})",)
        raise


def write_succeeded_error(
    method: str, url: str, status: int, reason: Optional[str], location: Optional[str], problem: Exception,
    response: Any,
) -> WriteSucceededError:
    """The error for a write that succeeded but whose answer (and ``Location``, if any) cannot be read.

    :param method: the request's method.
    :param url: the answer's URL.
    :param status: its (successful) status.
    :param reason: its reason phrase.
    :param location: its Location header, if any.
    :param problem: what was wrong with the body (or with the resource at Location).
    :param response: the response.
    """
    return WriteSucceededError(
        f"{method} {url} succeeded ({status} {reason or ''}".rstrip()
        + "), so the change was made (do not simply retry it), but "
        + (f"neither its answer nor its Location {location} can be read: {problem}" if location
           else f"its answer cannot be read: {problem}"),
        status=status,
        location=location,
        url=url,
        method=method,
        response=response,
    )


def warn_deprecation_headers(url: str, headers: Mapping[str, str], warned: Set[Tuple[str, str]]) -> None:
    """Warn (once an origin and value) about ``Deprecation`` and ``Sunset`` headers of an answer.

    :param url: the answer's URL.
    :param headers: its headers (a case-insensitive mapping).
    :param warned: the keys already warned about (updated).
    """
    dep = headers.get("Deprecation", "")
    sunset = headers.get("Sunset", "")
    key = ("%s://%s:%d" % urls.origin(url), dep + "|" + sunset)
    if key in warned:
        return
    warned.add(key)
    parts = []
    if dep:
        parts.append(f"Deprecation: {dep}")
    if sunset:
        parts.append(f"Sunset: {sunset}")
    warnings.warn(f"{url} is deprecated ({'; '.join(parts)})", DeprecationHeaderWarning, stacklevel=4)


def prepare(
    profile: Optional["Profile"],
    validation: str,
    warned_links: Set[Tuple[str, str, str]],
    source: Optional[str],
    target: "Target",
    method: str,
    variables: Optional["Variables"],
    absolute: Callable[[str], str],
) -> Tuple[str, Optional[str]]:
    """The URL and rel of a request; warns about deprecated links and checks the method.

    :param profile: the client's profile, if any.
    :param validation: the client's validation mode.
    :param warned_links: the deprecated links already warned about (updated).
    :param source: the profile type of the resource the request starts from.
    :param target: a link, or a URL (the source's own when ``source`` is given).
    :param method: the HTTP method (upper case).
    :param variables: URI template variables.
    :param absolute: what makes a URL target absolute.
    """
    if isinstance(target, str):
        url, rel = absolute(target), ("self" if source is not None else None)
    else:
        url, rel = target.expand(variables or {}), target.rel
        if target.deprecation is not None:
            key = (target.rel, target.href, target.deprecation)
            if key not in warned_links:
                warned_links.add(key)
                warnings.warn(
                    f"link {target.rel!r} ({target.href}) is deprecated: see {target.deprecation}",
                    DeprecatedLinkWarning,
                    stacklevel=6,
                )
    if profile is not None and source is not None and rel is not None:
        profile.check_method(source, rel, method, validation, stacklevel=6)
    return url, rel


def answer_type(profile: Optional["Profile"], source: Optional[str], rel: Optional[str], method: str) -> Optional[str]:
    """The profile type of what ``method`` on ``rel`` of a ``source`` resource answers with.

    :param profile: the client's profile, if any.
    :param source: the profile type of the resource the request starts from.
    :param rel: the link relation followed.
    :param method: the HTTP method (upper case).
    """
    if profile is None or source is None or rel is None:
        return None
    if method == "GET":
        return profile.link_target(source, rel)
    return profile.response_type(source, rel, method)


def after_answer(
    method: str, status: int, url: str, location: Optional[str], content: bytes, content_type: Optional[str],
    response: Any = None,
) -> str:
    """What to do with an answer: :data:`FOLLOW_LOCATION`, :data:`NO_RESOURCE` or :data:`READ_BODY`.

    :param method: the request's method.
    :param status: the answer's status.
    :param url: the answer's URL.
    :param location: its Location header, if any.
    :param content: its body.
    :param content_type: its Content-Type header, if any.
    :param response: the response, for the error.
    :raises halkit.ContentTypeError: a GET answered with an empty body (not 204).
    """
    if (
        method != "GET"
        and location
        and status in (200, 201)
        and content.strip()
        and not is_json_media_type(media_type(content_type))
        and not looks_like_json_object(content)
    ):
        # "Created", "OK"...: the resource is at Location, not in the body.
        return FOLLOW_LOCATION
    if status == 204 or not content.strip():
        if method != "GET" and location and status in (200, 201):
            return FOLLOW_LOCATION
        if method == "GET" and status != 204:
            raise ContentTypeError(
                f"GET {url} answered {status} with an empty body",
                content_type=content_type,
                status=status,
                url=url,
                method=method,
                response=response,
            )
        return NO_RESOURCE
    return READ_BODY


def read_document(
    method: str, status: int, url: str, content: bytes, content_type: Optional[str], strict: bool, response: Any
) -> Tuple[Any, List[Any], str]:
    """The JSON document of an answer, the HAL deviations found in it, and its media type.

    :param method: the request's method.
    :param status: the answer's status.
    :param url: the answer's URL.
    :param content: its body.
    :param content_type: its Content-Type header, if any.
    :param strict: parse HAL strictly.
    :param response: the response, for the errors.
    :raises halkit.ContentTypeError: the answer is not JSON.
    :raises halkit.HalFormatError: the JSON is not a HAL document.
    """
    media = media_type(content_type)
    if not is_json_media_type(media):
        if strict or not looks_like_json_object(content):
            shown = media or "no Content-Type"
            raise ContentTypeError(
                f"{method} {url} answered {status} with {shown}, not JSON"
                + (f" (body starts {content[:60]!r})" if content else " (empty body)"),
                content_type=content_type,
                status=status,
                url=url,
                method=method,
                response=response,
            )
    try:
        document = decode_json(content, strict=strict)
    except HalFormatError as exc:
        if not is_json_media_type(media):
            # not JSON by its media type, and not JSON by its content: one cause, one exception
            raise ContentTypeError(
                f"{method} {url} answered {status} with {media or 'no Content-Type'}, not JSON"
                f" (body starts {content[:60]!r})",
                content_type=content_type,
                status=status,
                url=url,
                method=method,
                response=response,
            ) from exc
        # say what came back: an HTML error page, a proxy's banner...
        exc.args = (f"{method} {url}: {exc} (body starts {content[:60]!r})",)
        exc.response = response
        raise
    try:
        deviations = check_document(document, strict=strict)
    except HalFormatError as exc:
        exc.args = (f"{method} {url}: {exc}",)
        exc.response = response
        raise
    return document, deviations, media


def document_type(
    document: Any, deviations: List[Any], type_hint: Optional[str], method: str, profile: Optional["Profile"]
) -> Tuple[Optional[str], List[Any]]:
    """The profile type of a document, and the deviations left to warn about.

    :param document: the decoded document.
    :param deviations: what :func:`halkit.hal.check_document` found.
    :param type_hint: the type the request expects, if known.
    :param method: the request's method.
    :param profile: the profile to validate with (``None`` when validation is off).
    """
    type_ = type_hint
    if type_ is None and profile is not None and method != "GET":
        # nothing says what the answer to a write is: the profile's best guess
        candidates = profile.infer_types(document)
        type_ = candidates[0] if candidates else None
    if deviations and profile is not None and type_ is not None:
        # what the HAL draft allows (embedded resources without _links or self) is the
        # profile's to rule on: it says which links each type must have
        deviations = [d for d in deviations if d[0] not in DRAFT_ALLOWED_DEVIATIONS]
    return type_, deviations


def enforce(profile: "Profile", resource: Any, type_: str, mode: str, url: str, response: Any) -> None:
    """Validate ``resource`` as a ``type_`` of ``profile`` (see :meth:`halkit.registry.Profile.enforce`).

    :param profile: the profile.
    :param resource: the resource built from the answer.
    :param type_: its profile type.
    :param mode: the validation mode.
    :param url: the answer's URL.
    :param response: the response, for the error.
    :raises halkit.ProfileError: in ``"strict"`` mode, the violations.
    """
    try:
        profile.enforce(resource, type_, mode, stacklevel=6)
    except ProfileError as exc:
        exc.args = (f"{url}: {exc}",)
        exc.resource = resource
        exc.response = response
        raise


# -- the settings both clients check the same way ------------------------------


def api_root(entry_url: str, relative_hrefs: str, root: Optional[str]) -> str:
    """The API root (ending with ``/``) of a client; checks the entry URL and ``relative_hrefs``.

    :param entry_url: the API's entry point.
    :param relative_hrefs: ``"document"`` or ``"api-root"``.
    :param root: the API root given, if any (by default the entry URL without its query).
    :raises halkit.HalkitError: an unknown ``relative_hrefs``, or a URL that is not http(s).
    """
    urls.check_scheme(entry_url)
    if relative_hrefs not in RELATIVE_HREF_POLICIES:
        raise HalkitError(f"relative_hrefs must be one of {RELATIVE_HREF_POLICIES}, not {relative_hrefs!r}")
    if root is None:
        root = entry_url.split("#", 1)[0].split("?", 1)[0]
    else:
        urls.check_scheme(root)
    return root if root.endswith("/") else root + "/"


def profile_and_mode(profile: Union["Profile", str, None], validation: Optional[str]) -> Tuple[Optional["Profile"], str]:
    """A client's profile (loaded when given by name) and validation mode.

    :param profile: a profile, the name of an installed one, or ``None``.
    :param validation: ``"strict"``, ``"warn"``, ``"off"``, or ``None`` (``"strict"`` with a profile).
    :raises halkit.HalkitError: an unknown validation mode.
    """
    if isinstance(profile, str):
        from .registry import profile as load_profile

        profile = load_profile(profile)
    if validation is None:
        validation = "strict" if profile is not None else "off"
    if validation not in VALIDATION_MODES:
        raise HalkitError(f"validation must be one of {VALIDATION_MODES}, not {validation!r}")
    return profile, validation
