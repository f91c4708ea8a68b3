"""Tests for halkit.uri: RFC 6570 templates and the RFC 3986 URL helpers."""

from __future__ import annotations

import json
import re
import string
from decimal import Decimal
from enum import Enum, IntEnum
from pathlib import Path
from typing import Any, Dict, List, Tuple
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uritemplate.variable import URIVariable

from halkit import uri
from halkit.exceptions import HalkitError, TemplateError, UnsafeURLError

FIXTURES = Path(__file__).parent / "fixtures" / "uritemplate"


def _load_cases(filename: str) -> List[Tuple[str, str, Dict[str, Any], str]]:
    data = json.loads((FIXTURES / filename).read_text(encoding="utf-8"))
    cases = []
    for section, block in data.items():
        if section.startswith("_"):
            continue
        variables = block["variables"]
        if isinstance(variables, str):  # "same variables as section X"
            variables = data[variables]["variables"]
        for template, expected in block["testcases"]:
            cases.append((section, template, variables, expected))
    return cases


RFC_CASES = _load_cases("rfc6570-examples.json")
HALKIT_CASES = _load_cases("halkit-cases.json")
NEGATIVE = json.loads((FIXTURES / "negative.json").read_text(encoding="utf-8"))

# Everything an expansion may contain: unreserved, reserved, and "%" (only in triplets).
URI_TEXT = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*\Z")


def _ids(cases: List[Tuple[str, str, Dict[str, Any], str]]) -> List[str]:
    return [f"{section}: {template}" for section, template, _, _ in cases]


# ---------------------------------------------------------------- expansion


def test_the_fixtures_hold_every_rfc_example() -> None:
    # 1.2 levels 1-4 (2 + 6 + 16 + 42), 2.4.1 (5), 2.4.2 (2), 3.2.1-3.2.9 (115)
    assert len(RFC_CASES) == 188


@pytest.mark.parametrize(("section", "template", "variables", "expected"), RFC_CASES, ids=_ids(RFC_CASES))
def test_rfc6570_examples(section: str, template: str, variables: Dict[str, Any], expected: str) -> None:
    assert uri.expand(template, variables) == expected


@pytest.mark.parametrize(("section", "template", "variables", "expected"), HALKIT_CASES, ids=_ids(HALKIT_CASES))
def test_halkit_cases(section: str, template: str, variables: Dict[str, Any], expected: str) -> None:
    assert uri.expand(template, variables) == expected


@pytest.mark.parametrize(("section", "template", "variables", "expected"), RFC_CASES + HALKIT_CASES)
def test_expansions_are_uri_text(section: str, template: str, variables: Dict[str, Any], expected: str) -> None:
    # every expansion is a valid URI reference's text, whatever the input
    assert URI_TEXT.match(uri.expand(template, variables))


def test_keyword_arguments() -> None:
    assert uri.expand("/users{/id}{?page}", id=7, page=2) == "/users/7?page=2"


def test_keyword_arguments_override_the_mapping() -> None:
    assert uri.expand("{/id}", {"id": 1}, id=2) == "/2"


def test_the_mapping_is_not_modified() -> None:
    values = {"id": 1}
    uri.expand("{/id}", values, id=2)
    assert values == {"id": 1}


def test_template_and_variables_can_be_variable_names() -> None:
    assert uri.expand("{/template,variables}", template="a", variables="b") == "/a/b"


def test_no_variables_at_all() -> None:
    assert uri.expand("/orders{?page}") == "/orders"
    assert uri.expand("/orders{?page}", None) == "/orders"


def test_any_mapping_works() -> None:
    from types import MappingProxyType

    assert uri.expand("{?a*}", {"a": MappingProxyType({"k": "v"})}) == "?k=v"
    assert uri.expand("{?a}", MappingProxyType({"a": "v"})) == "?a=v"


def test_tuples_are_lists() -> None:
    assert uri.expand("{/t*}", t=("a", "b")) == "/a/b"


def test_scalar_types() -> None:
    class Colour(str, Enum):
        RED = "red"

    class Level(IntEnum):
        HIGH = 3

    ident = UUID("12345678-1234-5678-1234-567812345678")
    assert uri.expand("{/c}", c=Colour.RED) == "/red"
    assert uri.expand("{/l}", l=Level.HIGH) == "/3"
    assert uri.expand("{/u}", u=ident) == "/12345678-1234-5678-1234-567812345678"
    assert uri.expand("{?d}", d=Decimal("1.50")) == "?d=1.50"
    assert uri.expand("{?b*}", b={"on": True, "off": False}) == "?on=true&off=false"


@pytest.mark.parametrize(
    "value",
    [b"bytes", {"a", "b"}, object(), 1 + 2j, frozenset()],
    ids=["bytes", "set", "object", "complex", "frozenset"],
)
def test_unsupported_value_types(value: Any) -> None:
    with pytest.raises(TemplateError, match=r"variable 'v' is a .*values must be str"):
        uri.expand("{v}", v=value)


def test_values_are_not_in_error_messages() -> None:
    secret = "s3cr3t-token"
    with pytest.raises(TemplateError) as caught:
        uri.expand("{v:2}", v=[secret])
    assert secret not in str(caught.value)
    with pytest.raises(TemplateError) as caught:
        uri.expand("{v}", v=[secret, [secret]])
    assert secret not in str(caught.value)


def test_variables_must_be_a_mapping() -> None:
    with pytest.raises(TemplateError, match="variables must be a mapping, not list"):
        uri.expand("{x}", [("x", 1)])  # type: ignore[arg-type]


@pytest.mark.parametrize("template", [None, 1, b"{x}", ["{x}"]])
def test_templates_must_be_str(template: Any) -> None:
    for call in (uri.expand, uri.validate, uri.variables):
        with pytest.raises(TemplateError, match="must be a str"):
            call(template)


def test_values_that_are_not_unicode() -> None:
    lone_surrogate = "\udc80"
    for template in ("{x}", "{+x}", "{?x*}", "{;x*}"):
        for value in (lone_surrogate, [lone_surrogate], {"k": lone_surrogate}, {lone_surrogate: "v"}):
            with pytest.raises(TemplateError, match="not valid Unicode") as caught:
                uri.expand(template, x=value)
            assert isinstance(caught.value.__cause__, UnicodeError)


def test_template_that_is_not_unicode() -> None:
    with pytest.raises(TemplateError, match="not valid Unicode"):
        uri.validate("/a\udc80{x}")


def test_long_templates_are_shortened_in_messages() -> None:
    template = "/" + "a" * 500 + "{x:0}"
    with pytest.raises(TemplateError) as caught:
        uri.validate(template)
    assert len(str(caught.value)) < 400
    assert "..." in str(caught.value)


# ------------------------------------------- the fast path agrees with uritemplate


_OPS = ["", "+", "#", ".", "/", ";", "?", "&"]


@settings(max_examples=200, deadline=None)
@given(
    op=st.sampled_from(_OPS),
    value=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)
def test_string_fast_path_agrees_with_uritemplate(op: str, value: str) -> None:
    # halkit expands plain strings itself (the hot path); everywhere the RFC
    # and uritemplate agree (non-reserved operators, and reserved ones when
    # the value holds no "%"), the two must give the same text.
    if op in "+#" and op and "%" in value:
        value = value.replace("%", "")
    engine = URIVariable(op + "v")
    assert uri.expand("{" + op + "v}", v=value) == engine.expand({"v": value})[op + "v"]


@settings(max_examples=200, deadline=None)
@given(
    op=st.sampled_from(_OPS),
    explode=st.booleans(),
    value=st.one_of(
        st.lists(st.text(alphabet=string.ascii_letters + " /;,=&?", min_size=1, max_size=5), min_size=1, max_size=4),
        st.dictionaries(
            st.text(alphabet=string.ascii_letters, min_size=1, max_size=4),
            st.text(alphabet=string.ascii_letters + " /;,=&?", min_size=1, max_size=5),
            min_size=1,
            max_size=4,
        ),
    ),
)
def test_composites_agree_with_uritemplate_when_it_follows_the_rfc(op: str, explode: bool, value: Any) -> None:
    # Non-empty members, no "%", and a one-key (or sorted) map: where uritemplate
    # is right, halkit's normalising layer must not change its answer.
    if isinstance(value, dict):
        value = dict(sorted(value.items()))
    expr = "{" + op + "v" + ("*" if explode else "") + "}"
    assert uri.expand(expr, v=value) == URIVariable(expr[1:-1]).expand({"v": value})[expr[1:-1]]


# ---------------------------------------------------------------- malformed


@pytest.mark.parametrize(("template", "fragment"), NEGATIVE["malformed"])
def test_malformed_templates(template: str, fragment: str) -> None:
    for call in (uri.validate, uri.variables, uri.expand):
        with pytest.raises(TemplateError) as caught:
            call(template)
        message = str(caught.value)
        assert fragment in message
        assert repr(template) in message


@pytest.mark.parametrize(("template", "variables", "fragment"), NEGATIVE["expansion"])
def test_expansion_errors(template: str, variables: Dict[str, Any], fragment: str) -> None:
    uri.validate(template)  # well-formed...
    with pytest.raises(TemplateError, match=re.escape(fragment)) as caught:
        uri.expand(template, variables)  # ...but not with these values
    assert repr(template) in str(caught.value)


def test_template_error_is_catchable_as_value_error_and_halkit_error() -> None:
    with pytest.raises(ValueError):
        uri.validate("{")
    with pytest.raises(HalkitError):
        uri.validate("{")


def test_error_positions() -> None:
    with pytest.raises(TemplateError, match="at position 9"):
        uri.validate("/a/{x}/b/{")
    with pytest.raises(TemplateError, match="stray '}' at position 6"):
        uri.validate("/a{x}/}")
    with pytest.raises(TemplateError, match=r"'\$' in variable name '\$y' at position 4"):
        uri.validate("{?x,$y}")


def test_valid_edge_templates() -> None:
    for template in ["", "/", "{x:9999}", "{x:1}", "{a.b.c}", "{a_b}", "{%20}", "{_}", "{x,y*,z:3}", "{Ab9}"]:
        uri.validate(template)


# ---------------------------------------------------------------- variables


@pytest.mark.parametrize(
    ("template", "names"),
    [
        ("", []),
        ("/static", []),
        ("{x}", ["x"]),
        ("/users{/id}{?page,size}", ["id", "page", "size"]),
        ("{b,a}{a}{+c}{b:2}{#d*}", ["b", "a", "c", "d"]),
        ("{?list*}{&keys,list:3}", ["list", "keys"]),
        ("/lookup{?Stra%C3%9Fe,last.name}", ["Stra%C3%9Fe", "last.name"]),
    ],
)
def test_variables(template: str, names: List[str]) -> None:
    assert uri.variables(template) == names


def test_variables_returns_a_new_list() -> None:
    first = uri.variables("{x,y}")
    first.append("mutated")
    assert uri.variables("{x,y}") == ["x", "y"]


def test_parsed_templates_are_cached() -> None:
    template = "/cache-probe{/id}{?q}"
    before = uri._parse.cache_info()
    uri.validate(template)
    uri.expand(template, id=1)
    uri.variables(template)
    after = uri._parse.cache_info()
    assert after.misses == before.misses + 1
    assert after.hits == before.hits + 2
    assert after.maxsize == uri.TEMPLATE_CACHE_SIZE


# ----------------------------------------------------- property tests (templates)

_varname = st.from_regex(r"[A-Za-z0-9_]{1,4}(\.[A-Za-z0-9_]{1,3})?", fullmatch=True)
_modifier = st.sampled_from(["", "*", ":1", ":3", ":9999"])
_varspec = st.tuples(_varname, _modifier).map("".join)
_expression = st.tuples(st.sampled_from(_OPS), st.lists(_varspec, min_size=1, max_size=3)).map(
    lambda parts: "{" + parts[0] + ",".join(parts[1]) + "}"
)
_literal = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="{}"), max_size=6)
_template = st.lists(st.one_of(_literal, _expression), max_size=5).map("".join)
_scalar = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
)
_value = st.one_of(
    _scalar,
    st.lists(_scalar, max_size=4),
    st.dictionaries(st.text(max_size=4), _scalar, max_size=4),
    st.binary(max_size=3),
    st.lists(st.lists(st.text(max_size=2), max_size=2), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(template=_template, values=st.dictionaries(_varname, _value, max_size=6))
def test_expand_raises_only_template_error(template: str, values: Dict[str, Any]) -> None:
    uri.validate(template)  # built from valid pieces
    try:
        result = uri.expand(template, values)
    except TemplateError:
        return
    assert URI_TEXT.match(result)


@settings(max_examples=200, deadline=None)
@given(
    template=_template,
    values=st.dictionaries(
        _varname,
        st.one_of(
            st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
            st.integers(),
            st.lists(st.text(alphabet=string.printable, max_size=3), max_size=3),
        ),
        max_size=6,
    ),
)
def test_valid_values_never_fail(template: str, values: Dict[str, Any]) -> None:
    # no prefixes on composites here: strip them from the template
    template = re.sub(r":[0-9]+", "", template) if any(isinstance(v, list) for v in values.values()) else template
    result = uri.expand(template, values)
    assert URI_TEXT.match(result)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30), values=st.dictionaries(st.text(max_size=5), _value, max_size=3))
def test_random_text_raises_only_template_error(text: str, values: Dict[str, Any]) -> None:
    for call in (uri.validate, uri.variables):
        try:
            call(text)
        except TemplateError:
            pass
    try:
        uri.expand(text, values)
    except TemplateError:
        pass


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="{}+#./;?&=,!@|*:0123456789aZ_%- ", max_size=20))
def test_brace_soup_raises_only_template_error(text: str) -> None:
    try:
        uri.expand(text, {"a": "1", "aZ": ["x"], "_": {"k": "v"}})
    except TemplateError:
        pass


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
    assert uri.resolve(RFC3986_BASE, ref) == expected


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
    assert uri.resolve(base, ref) == expected


def test_resolve_without_base_returns_the_reference() -> None:
    assert uri.resolve(None, "/orders?page=2") == "/orders?page=2"
    assert uri.resolve(None, "g:h") == "g:h"


def test_resolve_rejects_non_strings() -> None:
    with pytest.raises(UnsafeURLError, match="must be a str"):
        uri.resolve("http://a/", None)  # type: ignore[arg-type]
    with pytest.raises(UnsafeURLError, match="must be a str"):
        uri.resolve(b"http://a/", "g")  # type: ignore[arg-type]


_url_text = st.text(alphabet="ab:/?#.;=@%2F[]19 é", max_size=20)


@settings(max_examples=200, deadline=None)
@given(base=_url_text, ref=_url_text)
def test_resolve_never_raises_and_is_stable(base: str, ref: str) -> None:
    target = uri.resolve("http://h" + ("/" + base if not base.startswith("/") else base), ref)
    # the target is absolute: resolving it against anything is stable from then on
    again = uri.resolve("http://other/x", target)
    assert uri.resolve(None, again) == again
    assert uri.resolve("http://other/x", again) == again


# ----------------------------------------------------------------- check_scheme


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://example.com/a?b#c",
        "HTTP://EXAMPLE.COM/",
        "HtTpS://example.com:8443",
        "http://127.0.0.1:0/",
        "http://[::1]:8080/x",
        "http://user:pass@example.com/",
    ],
)
def test_check_scheme_accepts_http_and_https(url: str) -> None:
    uri.check_scheme(url)


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
    ],
)
def test_check_scheme_refuses(url: str, fragment: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        uri.check_scheme(url)
    assert fragment in str(caught.value)


def test_check_scheme_messages_hide_credentials_and_queries() -> None:
    with pytest.raises(UnsafeURLError) as caught:
        uri.check_scheme("http://user:hunter2@/p?token=abc123#x")
    message = str(caught.value)
    assert "hunter2" not in message and "abc123" not in message
    with pytest.raises(UnsafeURLError) as caught:
        uri.check_scheme("ftp://user:hunter2@host/?token=abc123")
    assert "hunter2" not in str(caught.value) and "abc123" not in str(caught.value)
    with pytest.raises(UnsafeURLError) as caught:
        uri.check_scheme("/orders?api_key=abc123")
    assert "abc123" not in str(caught.value) and "/orders" in str(caught.value)


def test_check_scheme_rejects_non_strings() -> None:
    with pytest.raises(UnsafeURLError, match="must be a str"):
        uri.check_scheme(None)  # type: ignore[arg-type]


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
        ("http://127.0.0.1:0/", ("http", "127.0.0.1", 0)),
        ("http://example.com:0080", ("http", "example.com", 80)),
    ],
)
def test_origin(url: str, expected: Tuple[str, str, int]) -> None:
    assert uri.origin(url) == expected


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://example.com", "'ftp:' URL"),
        ("/relative", "no scheme"),
        ("http://example.com:http/", "invalid port"),
        ("http://example.com:65536/", "invalid port"),
        ("http://example.com:-1/", "invalid port"),
        ("http://example.com:８０/", "invalid port"),
        ("http://[::1/", "unclosed '['"),
        ("http://[::1]x/", "after the IPv6 address"),
        ("http://:80/", "no host"),
    ],
)
def test_origin_refuses(url: str, fragment: str) -> None:
    with pytest.raises(UnsafeURLError) as caught:
        uri.origin(url)
    assert fragment in str(caught.value)


def test_same_origin_comparison() -> None:
    assert uri.origin("https://API.example.com/a") == uri.origin("https://api.example.com:443/b?c")
    assert uri.origin("http://example.com/") != uri.origin("https://example.com/")
    assert uri.origin("http://example.com/") != uri.origin("http://example.com:8080/")


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
    assert uri.normalize(url) == expected


def test_normalize_identifies_the_same_resource() -> None:
    variants = [
        "http://example.com/a/b?x=1",
        "HTTP://EXAMPLE.com:80/a/b?x=1#top",
        "http://example.com/a/./b?x=1",
        "http://example.com/a/c/../b?x=%31",
        "http://Example.com/%61/b?x=1",
    ]
    assert len({uri.normalize(v) for v in variants}) == 1
    assert uri.normalize("http://example.com/a?x=1&y=2") != uri.normalize("http://example.com/a?y=2&x=1")


def test_normalize_rejects_non_strings() -> None:
    with pytest.raises(UnsafeURLError, match="must be a str"):
        uri.normalize(42)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(url=st.text(alphabet="hHtTpPsS:/?#.;=@%2fF[]19aA é~", max_size=30))
def test_normalize_is_idempotent(url: str) -> None:
    once = uri.normalize(url)
    assert uri.normalize(once) == once


def test_public_api() -> None:
    assert sorted(uri.__all__) == sorted(
        ["expand", "variables", "validate", "resolve", "origin", "check_scheme", "normalize"]
    )
    for name in uri.__all__:
        assert getattr(uri, name).__doc__
