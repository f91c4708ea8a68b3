"""URLs (RFC 3986): resolution, normalisation, scheme checks, origins and redaction.

This module is the one place where halkit decides what a URL means:

* :func:`resolve` (RFC 3986 section 5.2, strict) and :func:`normalize`
  (sections 6.2.2 and 6.2.3);
* :func:`check_scheme`: what halkit agrees to request at all (absolute
  ``http(s)`` URLs with a host, no control characters, nothing two URL parsers
  would read differently);
* :func:`origin`: the ``(scheme, host, port)`` a request goes to, read the way
  urllib3 reads it (:func:`urllib3.util.parse_url`), since urllib3 (through
  requests or directly) is what connects. Credentials (:mod:`halkit.auth`),
  user headers, the client's allow-list and the crawl's scope all compare
  origins from this function;
* :func:`redact`: a URL fit for messages, reprs and logs.

Where parsers disagree, halkit refuses rather than guesses. A ``\\`` in the
authority is the known case: RFC 3986 reads ``http://OTHER\\@API/x`` as host
``API`` (after the userinfo ``OTHER\\``), while urllib3 (and browsers, after
WHATWG) connect to ``OTHER``; :func:`check_scheme` refuses such a URL. A
pct-encoded host (``ex%41mple.com``) is refused by :func:`origin` too:
requests decodes it before connecting, urllib3's parser does not.

**Trailing dots are significant.** ``api.example.com.`` is not the origin of
``api.example.com``: RFC 6454 and browsers compare host strings, and with DNS
search domains the two names need not resolve to the same server (``api``
and ``api.`` certainly do not). A credential scoped to one is not sent to the
other.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Any, FrozenSet, Iterable, List, NamedTuple, Optional, Tuple
from urllib.parse import quote

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from .exceptions import UnsafeURLError

__all__ = [
    "DEFAULT_PORTS",
    "Origin",
    "check_scheme",
    "format_origin",
    "is_loopback",
    "normalize",
    "origin",
    "origin_of",
    "origins",
    "redact",
    "resolve",
]

#: An origin: ``(scheme, host, port)``, scheme and host lower-case, the port explicit.
Origin = Tuple[str, str, int]

#: The schemes halkit requests, with their default ports.
DEFAULT_PORTS = {"http": 80, "https": 443}
_DEFAULT_PORTS = DEFAULT_PORTS

_UNRESERVED = "A-Za-z0-9\\-._~"
_RESERVED = ":/?#\\[\\]@!$&'()*+,;="
# A lone "%" (one that starts no pct-encoded triplet) or a character that may
# not appear in a URI at all: what reserved expansion, literals and
# normalisation encode.
_NOT_URI_CHAR = re.compile("%(?![0-9A-Fa-f]{2})|[^" + _UNRESERVED + _RESERVED + "%]")

#: A pct-encoded triplet (RFC 3986 section 2.1).
PCT_TRIPLET = re.compile("%[0-9A-Fa-f]{2}")
#: The C0 control characters and DEL: never allowed in a URL halkit requests.
CONTROL_CHARS = re.compile("[\x00-\x1f\x7f]")
_TRIPLET = PCT_TRIPLET
_CONTROL = CONTROL_CHARS


def encode_uri_chars(text: str) -> str:
    """Pct-encode (UTF-8) what a URI cannot carry; keep reserved and unreserved characters and triplets.

    :param text: a piece of URI text.
    :returns: ``text`` with every other character, and every ``%`` that starts no triplet, encoded.
    """
    if not _NOT_URI_CHAR.search(text):
        return text
    return _NOT_URI_CHAR.sub(lambda m: quote(m.group(), safe=""), text)


_encode_uri_chars = encode_uri_chars

# RFC 3986 appendix B, with the scheme restricted to the RFC's own grammar so
# that a relative path like "a b:c" is not taken for a scheme.
_URI_REFERENCE = re.compile(
    r"(?:([A-Za-z][A-Za-z0-9+.\-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?\Z",
    re.DOTALL,
)


class _Parts(NamedTuple):
    scheme: Optional[str]
    authority: Optional[str]
    path: str
    query: Optional[str]
    fragment: Optional[str]


def _split(url: str) -> _Parts:
    match = _URI_REFERENCE.match(url)
    assert match is not None  # every string matches: each group is optional
    scheme, authority, path, query, fragment = match.groups()
    return _Parts(scheme, authority, path, query, fragment)


def _join(parts: _Parts) -> str:
    """RFC 3986 section 5.3: recompose a reference."""
    out = []
    if parts.scheme is not None:
        out.append(parts.scheme + ":")
    if parts.authority is not None:
        out.append("//" + parts.authority)
    out.append(parts.path)
    if parts.query is not None:
        out.append("?" + parts.query)
    if parts.fragment is not None:
        out.append("#" + parts.fragment)
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    if "." not in path:
        return path
    output: List[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith("./"):
            path = path[2:]
        elif path.startswith("/./"):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if output:
                output.pop()
        elif path == "/..":
            path = "/"
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            cut = path.find("/", 1)
            if cut < 0:
                cut = len(path)
            output.append(path[:cut])
            path = path[cut:]
    return "".join(output)


def _require_str(url: Any, what: str) -> str:
    if not isinstance(url, str):
        raise UnsafeURLError(f"{what} must be a str, not {type(url).__name__}")
    return url


def resolve(base: Optional[str], ref: str) -> str:
    """Resolve a URI reference against a base URI (RFC 3986 section 5.2, strict).

    Unlike :func:`urllib.parse.urljoin` this works for every scheme, keeps
    empty queries and fragments (``g?`` resolves to ``.../g?``), drops the
    base's fragment, and reads ``http:g`` as an absolute URI, as the RFC does.

    :param base: the base URI (normally the URL the document came from), or
        ``None``.
    :param ref: the reference, e.g. an ``href`` from a HAL document.
    :returns: the target URI; ``ref`` unchanged when ``base`` is ``None``.
    :raises halkit.exceptions.UnsafeURLError: ``base`` or ``ref`` is not a str.
    """
    _require_str(ref, "a URI reference")
    if base is None:
        return ref
    if type(base) is str and ref.startswith(("http://", "https://")) and "/." not in ref:
        # an absolute http(s) reference without dot segments resolves to itself
        # (the common case: servers send absolute hrefs); skip the split and join
        return ref
    b = _split(_require_str(base, "a base URI"))
    r = _split(ref)
    if r.scheme is not None:
        target = _Parts(r.scheme, r.authority, _remove_dot_segments(r.path), r.query, r.fragment)
    elif r.authority is not None:
        target = _Parts(b.scheme, r.authority, _remove_dot_segments(r.path), r.query, r.fragment)
    elif not r.path:
        query = r.query if r.query is not None else b.query
        target = _Parts(b.scheme, b.authority, b.path, query, r.fragment)
    else:
        if r.path.startswith("/"):
            path = r.path
        elif b.authority is not None and not b.path:
            path = "/" + r.path
        else:
            path = b.path[: b.path.rfind("/") + 1] + r.path
        target = _Parts(b.scheme, b.authority, _remove_dot_segments(path), r.query, r.fragment)
    return _join(target)


# What makes a query parameter's value secret-shaped, by its name.
_SECRET_PARAM = re.compile(
    r"token|secret|passw|pwd|credential|signature|session|bearer|jwt|api[-_.]?key|access[-_.]?key"
    r"|^(?:key|sig|auth|authorization|code|client[-_.]?secret)$|[-_.](?:key|sig|auth)$",
    re.IGNORECASE,
)
_REDACTED = "***"


def redact(url: str) -> str:
    """``url`` fit for a message, a repr or a log line: its secrets replaced by ``***``.

    The userinfo (``user:password@``) becomes ``***@``, and so does the value
    of every query parameter whose name looks like a credential (``token``,
    ``access_token``, ``api_key``, ``apikey``, ``key``, ``sig``, ``password``,
    ``secret``, ``client_secret``, ``session``...). Everything else is kept,
    so the URL still says where the request went.

    :param url: any URL or URI reference (anything else is shown by its type).
    :returns: the redacted URL. Never raises.

    Example::

        >>> redact("https://me:hunter2@api.example.com/v1/?page=2&api_key=abc")
        'https://***@api.example.com/v1/?page=2&api_key=***'
    """
    if not isinstance(url, str):
        return f"<{type(url).__name__}>"
    parts = _split(url)
    authority = parts.authority
    if authority is not None and "@" in authority:
        authority = _REDACTED + "@" + authority.rpartition("@")[2]
    query = parts.query
    if query:
        pieces = []
        for piece in query.split("&"):
            name, eq, value = piece.partition("=")
            if eq and value and _SECRET_PARAM.search(name.replace("%5F", "_").replace("%5f", "_")):
                piece = name + "=" + _REDACTED
            pieces.append(piece)
        query = "&".join(pieces)
    return _join(_Parts(parts.scheme, authority, parts.path, query, parts.fragment))


def _redacted(url: str) -> str:
    """A URL fit for an error message: no userinfo, query or fragment, shortened, quoted."""
    parts = _split(url)
    authority = parts.authority
    if authority is not None:
        authority = authority.rpartition("@")[2]
    shown = _join(_Parts(parts.scheme, authority, parts.path, None, None))
    if len(shown) > 120:
        shown = shown[:117] + "..."
    return repr(shown)


def _host_and_port(authority: str) -> Tuple[str, str]:
    """Split ``[userinfo@]host[:port]``; IPv6 literals lose their brackets."""
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise ValueError("unclosed '[' in the host")
        rest = hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError("unexpected text after the IPv6 address")
        return hostport[1:end], rest[1:]
    host, _, port = hostport.partition(":")
    return host, port


def check_scheme(url: str) -> None:
    """Refuse a URL halkit must not request: anything but an absolute ``http(s)`` URL with a host.

    ``file:``, ``data:``, ``javascript:``, ``ftp:``... are refused, and so is
    a relative reference that was never resolved (it has no scheme), a URL
    without a host (``http:g``), a URL with control characters in it, and a
    URL with a ``\\`` in its authority (``http://OTHER\\@API/``: RFC 3986 puts
    the host after the ``@``, urllib3 and browsers before the ``\\``).

    Whatever :func:`origin` refuses is refused here too (a bad port, a host
    that parsers read differently), so a URL that passes has an origin.

    :param url: the URL about to be requested.
    :raises halkit.exceptions.UnsafeURLError: the URL is refused. The message
        never includes userinfo, query or fragment.
    """
    _require_str(url, "a URL")
    if _CONTROL.search(url):
        raise UnsafeURLError(f"refusing URL {_redacted(url)}: it contains control characters")
    parts = _split(url)
    if parts.scheme is None:
        raise UnsafeURLError(
            f"refusing URL {_redacted(url)}: it has no scheme (a relative reference that "
            "was never resolved against a base URL?); only http and https are allowed"
        )
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeURLError(f"refusing {scheme + ':'!r} URL: only http and https URLs are allowed")
    if not parts.authority or not parts.authority.rpartition("@")[2]:
        raise UnsafeURLError(f"refusing URL {_redacted(url)}: it has no host")
    if "\\" in parts.authority:
        raise UnsafeURLError(
            f"refusing URL {_redacted(url)}: a '\\\\' in its authority makes URL parsers disagree on its host"
        )
    _authority_origin(scheme, parts.authority)  # the host and port too (memoised per authority)


def origin(url: str) -> Origin:
    """The origin of an ``http(s)`` URL: ``(scheme, host, port)``, as urllib3 will connect to it.

    Scheme and host are lowercased, a non-ASCII host is IDNA-encoded (as
    requests and urllib3 send it), IPv6 hosts lose their brackets, and the
    port defaults to 80 or 443 for the scheme. A trailing dot is kept: it is
    part of the host (see the module's notes).

    :param url: an absolute http or https URL.
    :returns: e.g. ``("https", "api.example.com", 443)``.
    :raises halkit.exceptions.UnsafeURLError: the URL is not an absolute
        http(s) URL (see :func:`check_scheme`), its port is not a number from
        1 to 65535 (requests would send port 0 to the default port), or its host is one that parsers read differently
        (pct-encoded, spaces, a name IDNA refuses).
    """
    check_scheme(url)
    parts = _split(url)
    assert parts.scheme is not None and parts.authority is not None  # check_scheme did it
    return _authority_origin(parts.scheme.lower(), parts.authority)


@functools.lru_cache(maxsize=512)
def _authority_origin(scheme: str, authority: str) -> Origin:
    shown = f"{scheme}://{authority}"
    try:
        host, port_text = _host_and_port(authority)
    except ValueError as exc:
        raise UnsafeURLError(f"refusing URL {_redacted(shown)}: {exc}") from None
    if not host:
        raise UnsafeURLError(f"refusing URL {_redacted(shown)}: it has no host")
    if port_text and (not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) <= 65535):
        # (port 0: requests drops it from the URL and connects to the default port)
        raise UnsafeURLError(f"refusing URL {_redacted(shown)}: invalid port {port_text!r}")
    bracketed = authority.rpartition("@")[2].startswith("[")
    if not bracketed and ("%" in host or any(c.isspace() for c in host)):
        raise UnsafeURLError(
            f"refusing URL {_redacted(shown)}: a host with pct-encoding or spaces is read "
            "differently by requests and urllib3"
        )
    try:
        parsed = parse_url(shown)
    except (LocationParseError, ValueError):
        raise UnsafeURLError(f"refusing URL {_redacted(shown)}: its host cannot be parsed (IDNA?)") from None
    connect_host = parsed.host
    if not connect_host:
        raise UnsafeURLError(f"refusing URL {_redacted(shown)}: it has no host")
    if connect_host.startswith("[") and connect_host.endswith("]"):
        connect_host = connect_host[1:-1]
    port = parsed.port if parsed.port is not None else _DEFAULT_PORTS[scheme]
    return scheme, connect_host.lower(), port


def origin_of(url: object) -> Optional[Origin]:
    """:func:`origin`, or ``None`` for anything halkit would not request (never raises).

    :param url: anything; normally the URL of a prepared request.
    :returns: the origin, or ``None`` for a non-str, a relative reference, a
        non-http(s) URL or a URL :func:`origin` refuses.
    """
    if not isinstance(url, str):
        return None
    try:
        return origin(url)
    except UnsafeURLError:
        return None


def origins(values: Iterable[str]) -> FrozenSet[Origin]:
    """The origins of ``values``: URLs, or bare ``host[:port]`` taken as ``https``.

    :param values: e.g. ``["https://api.example.com", "files.example.com:8443"]``.
    :returns: the set of their origins.
    :raises halkit.exceptions.UnsafeURLError: a value is not a str or has no usable origin.
    """
    if isinstance(values, str):
        values = [values]
    return frozenset(
        origin(_require_str(v, "an origin") if "://" in _require_str(v, "an origin") else f"https://{v}")
        for v in values
    )


def format_origin(value: Origin) -> str:
    """An origin as ``scheme://host:port`` (IPv6 hosts in brackets).

    :param value: an origin, as :func:`origin` returns it.
    """
    scheme, host, port = value
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, without brackets) is this machine.

    ``localhost`` and its subdomains, ``127.0.0.0/8`` and ``::1``.

    :param host: a host, e.g. the second item of an :func:`origin`.
    """
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _normalise_pct(text: str) -> str:
    """Encode what a URI cannot carry, uppercase every triplet, decode unreserved ones."""
    text = _encode_uri_chars(text)
    if "%" not in text:
        return text
    return _TRIPLET.sub(_normalise_triplet, text)


def _normalise_triplet(match: "re.Match[str]") -> str:
    char = chr(int(match.group()[1:], 16))
    if char.isascii() and (char.isalnum() or char in "-._~"):
        return char
    return match.group().upper()


def normalize(url: str) -> str:
    """A normal form of ``url`` for spotting the same resource twice (e.g. cycles in a crawl).

    Applies RFC 3986 section 6.2.2 syntax-based normalisation plus the
    http(s) scheme-based rules of section 6.2.3: lowercase scheme and host;
    pct-encoding with uppercase hex, unreserved characters decoded, and
    characters a URI cannot carry (spaces, non-ASCII) encoded as UTF-8;
    dot segments removed from the path of an absolute URI; the default port
    (80 for http, 443 for https) and an empty port dropped; an empty path
    becomes ``/``; the fragment is dropped. The query keeps its order and its
    ``+`` signs (an empty query, ``?``, is kept: RFC 3986 says it differs
    from none).

    :param url: an absolute or relative URI reference.
    :returns: the normal form. Never raises for a str: unparseable ports are
        kept as they are.
    :raises halkit.exceptions.UnsafeURLError: ``url`` is not a str.
    """
    parts = _split(_require_str(url, "a URL"))
    scheme = parts.scheme.lower() if parts.scheme is not None else None
    authority = parts.authority
    path = _normalise_pct(parts.path)
    if authority is not None:
        userinfo, at, _ = authority.rpartition("@")
        try:
            host, port = _host_and_port(authority)
            bracketed = authority.rpartition("@")[2].startswith("[")
        except ValueError:
            host, port, bracketed = authority.rpartition("@")[2], "", False
        # decode first (%45 is "E"), then lowercase all but the triplets' hex
        host = _TRIPLET.sub(lambda m: m.group().upper(), _normalise_pct(host).lower())
        if bracketed:
            host = "[" + host + "]"
        if port.isascii() and port.isdigit():
            port = "" if int(port) == _DEFAULT_PORTS.get(scheme or "") else str(int(port))
        authority = (_normalise_pct(userinfo) + "@" if at else "") + host + (":" + port if port else "")
        if not path:
            path = "/"
    if scheme is not None:
        path = _remove_dot_segments(path)
    query = _normalise_pct(parts.query) if parts.query is not None else None
    return _join(_Parts(scheme, authority, path, query, None))
