"""Tests for halkit.urls: RFC 3986 resolution and normalisation, scheme checks, origins, redaction."""

from __future__ import annotations

from typing import Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from halkit import urls
from halkit.exceptions import UnsafeURLError

# ----------------------------------------------------------------- resolve

RFC3986_BASE = "http://a/b/c/d;p?q"

# RFC 3986 section 5.4.1
RFC3986_NORMAL = [
    ("g:h", "g:h"),
    ("g", "http://a/b/c/g"),
    ("./g", "http://a/b/c/g"),
    ("g/", "http://a/b/c/g/"),
    ("/g", "http://a/g"),
    ("//g", "http://g"),
    ("?y", "http://a/b/c/d;p?y"),
    ("g?y", "http://a/b/c/g?y"),
    ("#s", "http://a/b/c/d;p?q#s"),
    ("g#s", "http://a/b/c/g#s"),
    ("g?y#s", "http://a/b/c/g?y#s"),
    (";x", "http://a/b/c/;x"),
    ("g;x", "http://a/b/c/g;x"),
    ("g;x?y#s", "http://a/b/c/g;x?y#s"),
    ("", "http://a/b/c/d;p?q"),
    (".", "http://a/b/c/"),
    ("./", "http://a/b/c/"),
    ("..", "http://a/b/"),
    ("../", "http://a/b/"),
    ("../g", "http://a/b/g"),
    ("../..", "http://a/"),
    ("../../", "http://a/"),
    ("../../g", "http://a/g"),
]

# RFC 3986 section 5.4.2
RFC3986_ABNORMAL = [
    ("../../../g", "http://a/g"),
    ("../../../../g", "http://a/g"),
    ("/./g", "http://a/g"),
    ("/../g", "http://a/g"),
    ("g.", "http://a/b/c/g."),
    (".g", "http://a/b/c/.g"),
    ("g..", "http://a/b/c/g.."),
    ("..g", "http://a/b/c/..g"),
    ("./../g", "http://a/b/g"),
    ("./g/.", "http://a/b/c/g/"),
    ("g/./h", "http://a/b/c/g/h"),
    ("g/../h", "http://a/b/c/h"),
    ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
    ("g;x=1/../y", "http://a/b/c/y"),
    ("g?y/./x", "http://a/b/c/g?y/./x"),
    ("g?y/../x", "http://a/b/c/g?y/../x"),
    ("g#s/./x", "http://a/b/c/g#s/./x"),
    ("g#s/../x", "http://a/b/c/g#s/../x"),
    ("http:g", "http:g"),  # strict parser; urllib.parse.urljoin gives http://a/b/c/g
]


def test_rfc3986_example_counts() -> None:
    assert (len(RFC3986_NORMAL), len(RFC3986_ABNORMAL)) == (23, 19)


@pytest.mark.parametrize(("ref", "expected"), RFC3986_NORMAL + RFC3986_ABNORMAL)
def test_resolve_rfc3986_examples(ref: str, expected: str) -> None:
    assert urls.resolve(RFC3986_BASE, ref) == expected


@pytest.mark.parametrize(
    ("base", "ref", "expected"),
    [
        # where urllib.parse.urljoin disagrees with RFC 3986
        (RFC3986_BASE, "g?", "http://a/b/c/g?"),  # urljoin drops the empty query
        (RFC3986_BASE, "#", "http://a/b/c/d;p?q#"),  # ... and the empty fragment
        ("http://a/b/c?x#frag", "", "http://a/b/c?x"),  # urljoin keeps the base fragment
        ("foo://a/b/c", "d", "foo://a/b/d"),  # urljoin only knows a list of schemes
        ("https://a/b/c", "https:g", "https:g"),
        # more of section 5.2
        ("http://a", "g", "http://a/g"),  # merge with an empty base path
        ("http://a/b/c", "//x/y/../z", "http://x/z"),
        ("http://a/b/c", "HTTPS://X/./y", "HTTPS://X/y"),
        ("http://a/b/c/", "?q=1&q=2", "http://a/b/c/?q=1&q=2"),
        ("https://api.example.com/v1/users/1", "/v1/users/2", "https://api.example.com/v1/users/2"),
        ("https://api.example.com/v1/users/", "2/messages", "https://api.example.com/v1/users/2/messages"),
        ("https://u:p@a:8443/x", "y", "https://u:p@a:8443/y"),
        ("relative/base", "g", "relative/g"),
    ],
)
def test_resolve_more(base: str, ref: str, expected: str) -> None:
    assert urls.resolve(base, ref) == expected


def test_resolve_without_base_returns_the_reference() -> None:
    assert urls.resolve(None, "/orders?page=2") == "/orders?page=2"
    assert urls.resolve(None, "g:h") == "g:h"


def test_resolve_rejects_non_strings() -> None:
    with pytest.raises(UnsafeURLError, match="must be a str"):
        urls.resolve("http://a/", None)  # type: ignore[arg-type]
    with pytest.raises(UnsafeURLError, match="must be a str"):
        urls.resolve(b"http://a/", "g")  # type: ignore[arg-type]


_url_text = st.text(alphabet="ab:/?#.;=@%2F[]19 é", max_size=20)


@settings(max_examples=200, deadline=None)
@given(base=_url_text, ref=_url_text)
def test_resolve_never_raises_and_is_stable(base: str, ref: str) -> None:
    target = urls.resolve("http://h" + ("/" + base if not base.startswith("/") else base), ref)
    # the target is absolute: resolving it against anything is stable from then on
    again = urls.resolve("http://other/x", target)
    assert urls.resolve(None, again) == again
    assert urls.resolve("http://other/x", again) == again


# ----------------------------------------------------------------- check_scheme


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://example.com/a?b#c",
        "HTTP://EXAMPLE.COM/",
        "HtTpS://example.com:8443",
        "http://127.0.0.1:1/",
        "http://[::1]:8080/x",
        "http://user:pass@example.com/",
    ],
)
def test_check_scheme_accepts_http_and_https(url: str) -> None:
    urls.check_scheme(url)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("file:///etc/passwd", "'file:' URL"),
        ("data:text/plain,hi", "'data:' URL"),
        ("javascript:alert(1)", "'javascript:' URL"),
        ("JavaScript:alert(1)", "'javascript:' URL"),
        ("ftp://example.com/x", "'ftp:' URL"),
        ("gopher://example.com", "'gopher:' URL"),
        ("/relative/path", "no scheme"),
        ("relative", "no scheme"),
        ("//example.com/x", "no scheme"),
        ("", "no scheme"),
        (" http://example.com", "no scheme"),
        ("http:g", "no host"),
        ("http:///x", "no host"),
        ("https://user@/x", "no host"),
        ("java\tscript:alert(1)", "control characters"),
        ("http://example.com/\r\nHost: evil", "control characters"),
        ("http://example.com/\x00", "control characters"),
        # what origin() refuses, check_scheme refuses: a URL that passes has an origin
        ("http://127.0.0.1:0/", "invalid port"),
        ("http://example.com:65536/", "invalid port"),
        ("http://ex%41mple.com/", "read differently"),
        ("http://[::1/", "unclosed '['"),
    ],
)
def test_check_scheme_refuses(url: str, fragment: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        urls.check_scheme(url)
    assert fragment in str(caught.value)


def test_check_scheme_messages_hide_credentials_and_queries() -> None:
    with pytest.raises(UnsafeURLError) as caught:
        urls.check_scheme("http://user:hunter2@/p?token=abc123#x")
    message = str(caught.value)
    assert "hunter2" not in message and "abc123" not in message
    with pytest.raises(UnsafeURLError) as caught:
        urls.check_scheme("ftp://user:hunter2@host/?token=abc123")
    assert "hunter2" not in str(caught.value) and "abc123" not in str(caught.value)
    with pytest.raises(UnsafeURLError) as caught:
        urls.check_scheme("/orders?api_key=abc123")
    assert "abc123" not in str(caught.value) and "/orders" in str(caught.value)


def test_check_scheme_rejects_non_strings() -> None:
    with pytest.raises(UnsafeURLError, match="must be a str"):
        urls.check_scheme(None)  # type: ignore[arg-type]


# ----------------------------------------------------------------- origin


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com", ("http", "example.com", 80)),
        ("https://example.com/a", ("https", "example.com", 443)),
        ("HTTPS://API.Example.COM:443/x", ("https", "api.example.com", 443)),
        ("http://example.com:8080", ("http", "example.com", 8080)),
        ("http://example.com:/", ("http", "example.com", 80)),
        ("https://example.com:80", ("https", "example.com", 80)),
        ("http://user:p@ss@Example.com:81/", ("http", "example.com", 81)),
        ("http://[::1]/", ("http", "::1", 80)),
        ("http://[FE80::1]:9000/", ("http", "fe80::1", 9000)),
        ("http://example.com:0080", ("http", "example.com", 80)),
    ],
)
def test_origin(url: str, expected: Tuple[str, str, int]) -> None:
    assert urls.origin(url) == expected


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://example.com", "'ftp:' URL"),
        ("/relative", "no scheme"),
        ("http://example.com:http/", "invalid port"),
        ("http://example.com:65536/", "invalid port"),
        ("http://example.com:-1/", "invalid port"),
        ("http://127.0.0.1:0/", "invalid port"),
        ("http://127.0.0.1:000/", "invalid port"),
        ("http://example.com:８０/", "invalid port"),
        ("http://[::1/", "unclosed '['"),
        ("http://[::1]x/", "after the IPv6 address"),
        ("http://:80/", "no host"),
    ],
)
def test_origin_refuses(url: str, fragment: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        urls.origin(url)
    assert fragment in str(caught.value)


def test_same_origin_comparison() -> None:
    assert urls.origin("https://API.example.com/a") == urls.origin("https://api.example.com:443/b?c")
    assert urls.origin("http://example.com/") != urls.origin("https://example.com/")
    assert urls.origin("http://example.com/") != urls.origin("http://example.com:8080/")


# ----------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:/a", "http://example.com/a"),
        ("http://example.com:0080/a", "http://example.com/a"),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com?x=1", "http://example.com/?x=1"),
        ("http://example.com/a#frag", "http://example.com/a"),
        ("http://example.com/a#", "http://example.com/a"),
        ("http://example.com/%7euser/%7Ename", "http://example.com/~user/~name"),
        ("http://example.com/a%2fb", "http://example.com/a%2Fb"),
        ("http://example.com/%41%42%2d%5F%2E", "http://example.com/AB-_."),
        ("http://example.com/a?q=%3d&r=%7e", "http://example.com/a?q=%3D&r=~"),
        ("http://example.com/a?b=2&a=1", "http://example.com/a?b=2&a=1"),
        ("http://example.com/a?q=a+b", "http://example.com/a?q=a+b"),
        ("http://example.com/?", "http://example.com/?"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/a/%2E%2E/c", "http://example.com/c"),
        ("http://example.com/caf\u00e9 x", "http://example.com/caf%C3%A9%20x"),
        ("http://example.com/50%", "http://example.com/50%25"),
        ("http://User:P%61ss@Example.com/", "http://User:Pass@example.com/"),
        ("http://%45xample.com/", "http://example.com/"),
        ("http://[FE80::1]:80/", "http://[fe80::1]/"),
        ("http://[FE80::1]:8080", "http://[fe80::1]:8080/"),
        ("http://example.com:http/", "http://example.com:http/"),
        ("HTTPS://a", "https://a/"),
        ("/relative/./path?x#y", "/relative/./path?x"),
        ("mailto:Joe@Example.COM", "mailto:Joe@Example.COM"),
        ("urn:%7eexample", "urn:~example"),
        ("", ""),
    ],
)
def test_normalize(url: str, expected: str) -> None:
    assert urls.normalize(url) == expected


def test_normalize_identifies_the_same_resource() -> None:
    variants = [
        "http://example.com/a/b?x=1",
        "HTTP://EXAMPLE.com:80/a/b?x=1#top",
        "http://example.com/a/./b?x=1",
        "http://example.com/a/c/../b?x=%31",
        "http://Example.com/%61/b?x=1",
    ]
    assert len({urls.normalize(v) for v in variants}) == 1
    assert urls.normalize("http://example.com/a?x=1&y=2") != urls.normalize("http://example.com/a?y=2&x=1")


def test_normalize_rejects_non_strings() -> None:
    with pytest.raises(UnsafeURLError, match="must be a str"):
        urls.normalize(42)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(url=st.text(alphabet="hHtTpPsS:/?#.;=@%2fF[]19aA é~", max_size=30))
def test_normalize_is_idempotent(url: str) -> None:
    once = urls.normalize(url)
    assert urls.normalize(once) == once


# ------------------------------------------------ one origin parser, agreeing with urllib3


@pytest.mark.parametrize(
    "url",
    [
        "http://OTHER\\@API/x",
        "http://127.0.0.1:1\\@127.0.0.1:2/",
        "https://api.example.com\\.evil.example/",
        "http://user\\:pass@api/",
    ],
)
def test_a_backslash_in_the_authority_is_refused(url: str) -> None:
    # RFC 3986 reads the host after the last "@"; urllib3 (and WHATWG) stop the
    # authority at the backslash and connect to what precedes it.
    with pytest.raises(UnsafeURLError, match="disagree"):
        urls.check_scheme(url)
    with pytest.raises(UnsafeURLError):
        urls.origin(url)
    assert urls.origin_of(url) is None


def test_a_backslash_in_the_path_is_fine() -> None:
    assert urls.origin("http://api.example.com/a\\b") == ("http", "api.example.com", 80)


@pytest.mark.parametrize("url", ["http://ex%41mple.com/", "http://api%2ecom.evil/", "http://a b.com/"])
def test_hosts_that_requests_and_urllib3_read_differently_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError, match="read"):
        urls.origin(url)


def test_non_ascii_hosts_are_compared_as_they_are_sent() -> None:
    # requests and urllib3 send the IDNA form: the origin is that form, so an
    # allow-list written either way matches the prepared request's URL
    assert urls.origin("https://Bücher.de/x") == ("https", "xn--bcher-kva.de", 443)
    assert urls.origin("https://xn--bcher-kva.de/") == urls.origin("https://bücher.de/")


def test_trailing_dots_are_part_of_the_host() -> None:
    # RFC 6454 compares host strings; with DNS search domains "api" and "api."
    # are different names. halkit.auth uses this same rule (it used to strip the dot).
    assert urls.origin("http://Example.COM./x") == ("http", "example.com.", 80)
    assert urls.origin("http://example.com./") != urls.origin("http://example.com/")


_HOSTILE_AUTHORITIES = [
    "api.example.com",
    "user:pass@api.example.com",
    "a@b@api.example.com:81",
    "[::1]:8080",
    "API.Example.com.:443",
    "xn--bcher-kva.de",
    "127.0.0.1:1",
    "example.com:0080",
    "example.com:",
    "a.com#@b.com",
    "a.com?@b.com",
    "a.com/@b.com",
    "a.com;@b.com",
    "[fe80::1%25eth0]",
]


@pytest.mark.parametrize("authority", _HOSTILE_AUTHORITIES)
@pytest.mark.parametrize("scheme", ["http", "HTTPS"])
def test_origin_agrees_with_urllib3_and_requests(scheme: str, authority: str) -> None:
    import requests
    from urllib3.util import parse_url

    url = f"{scheme}://{authority}/x"
    got = urls.origin_of(url)
    assert got is not None
    parsed = parse_url(url)
    assert parsed.host is not None
    port = parsed.port if parsed.port is not None else urls.DEFAULT_PORTS[scheme.lower()]
    assert got == (scheme.lower(), parsed.host.strip("[]").lower(), port)
    # and the prepared request (what the auth hooks see) has the same origin
    prepared = requests.Request("GET", url).prepare()
    assert urls.origin_of(prepared.url) == got


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab.:@[]\\/%?#1 \u00fc", max_size=16))
def test_origin_never_disagrees_with_urllib3(authority: str) -> None:
    from urllib3.util import parse_url

    url = f"http://{authority}/"
    got = urls.origin_of(url)
    if got is None:
        return  # refused: nothing is sent, so nothing can disagree
    parsed = parse_url(url)
    assert parsed.host is not None
    assert got[1] == parsed.host.strip("[]").lower()
    assert got[2] == (parsed.port if parsed.port is not None else 80)


def test_origins_and_format_origin() -> None:
    assert urls.origins(["https://api.example.com", "files.example.com:8443", "http://[::1]:80"]) == {
        ("https", "api.example.com", 443),
        ("https", "files.example.com", 8443),
        ("http", "::1", 80),
    }
    assert urls.origins("https://a.example") == {("https", "a.example", 443)}
    assert urls.format_origin(("http", "::1", 80)) == "http://[::1]:80"
    assert urls.format_origin(("https", "a.example", 443)) == "https://a.example:443"
    with pytest.raises(UnsafeURLError):
        urls.origins(["ftp://a.example"])


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("LOCALHOST.", True), ("a.localhost", True), ("127.0.0.9", True), ("::1", True),
     ("localhost.example.com", False), ("10.0.0.1", False), ("example.com", False)],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert urls.is_loopback(host) is loopback


# ----------------------------------------------------------------- redact


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://me:hunter2@api.example.com/v1/", "https://***@api.example.com/v1/"),
        ("https://apikey@api.example.com/", "https://***@api.example.com/"),
        ("https://a@b@api.example.com/", "https://***@api.example.com/"),
        ("https://api.example.com/?page=2&size=5", "https://api.example.com/?page=2&size=5"),
        (
            "https://h/?access_token=t1&api_key=k1&apikey=k2&key=k3&sig=s1&client_secret=c1&password=p1&q=ok",
            "https://h/?access_token=***&api_key=***&apikey=***&key=***&sig=***&client_secret=***&password=***&q=ok",
        ),
        ("https://h/?X-Amz-Signature=abc&X-Amz-Credential=def", "https://h/?X-Amz-Signature=***&X-Amz-Credential=***"),
        ("https://h/p#frag", "https://h/p#frag"),
        ("/relative?token=abc", "/relative?token=***"),
    ],
)
def test_redact(url: str, expected: str) -> None:
    assert urls.redact(url) == expected


def test_redact_never_raises() -> None:
    assert urls.redact(None) == "<NoneType>"  # type: ignore[arg-type]
    assert urls.redact("") == ""
    assert urls.redact("http://[::1") == "http://[::1"


def test_public_api() -> None:
    assert urls.__all__ == sorted(urls.__all__)
    for name in urls.__all__:
        if name[0].islower():
            assert getattr(urls, name).__doc__
