"""Tests for halkit.templates: RFC 6570 URI templates (the conformance fixtures in tests/fixtures/uritemplate)."""

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
from uritemplate import URITemplate

from halkit import templates, uri
from halkit.exceptions import HalkitError, TemplateError

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
    assert templates.expand(template, variables) == expected


@pytest.mark.parametrize(("section", "template", "variables", "expected"), HALKIT_CASES, ids=_ids(HALKIT_CASES))
def test_halkit_cases(section: str, template: str, variables: Dict[str, Any], expected: str) -> None:
    assert templates.expand(template, variables) == expected


@pytest.mark.parametrize(("section", "template", "variables", "expected"), RFC_CASES + HALKIT_CASES)
def test_expansions_are_uri_text(section: str, template: str, variables: Dict[str, Any], expected: str) -> None:
    # every expansion is a valid URI reference's text, whatever the input
    assert URI_TEXT.match(templates.expand(template, variables))


def test_keyword_arguments() -> None:
    assert templates.expand("/users{/id}{?page}", id=7, page=2) == "/users/7?page=2"


def test_keyword_arguments_override_the_mapping() -> None:
    assert templates.expand("{/id}", {"id": 1}, id=2) == "/2"


def test_the_mapping_is_not_modified() -> None:
    values = {"id": 1}
    templates.expand("{/id}", values, id=2)
    assert values == {"id": 1}


def test_template_and_variables_can_be_variable_names() -> None:
    assert templates.expand("{/template,variables}", template="a", variables="b") == "/a/b"


def test_no_variables_at_all() -> None:
    assert templates.expand("/orders{?page}") == "/orders"
    assert templates.expand("/orders{?page}", None) == "/orders"


def test_any_mapping_works() -> None:
    from types import MappingProxyType

    assert templates.expand("{?a*}", {"a": MappingProxyType({"k": "v"})}) == "?k=v"
    assert templates.expand("{?a}", MappingProxyType({"a": "v"})) == "?a=v"


def test_tuples_are_lists() -> None:
    assert templates.expand("{/t*}", t=("a", "b")) == "/a/b"


def test_scalar_types() -> None:
    class Colour(str, Enum):
        RED = "red"

    class Level(IntEnum):
        HIGH = 3

    ident = UUID("12345678-1234-5678-1234-567812345678")
    assert templates.expand("{/c}", c=Colour.RED) == "/red"
    assert templates.expand("{/l}", l=Level.HIGH) == "/3"
    assert templates.expand("{/u}", u=ident) == "/12345678-1234-5678-1234-567812345678"
    assert templates.expand("{?d}", d=Decimal("1.50")) == "?d=1.50"
    assert templates.expand("{?b*}", b={"on": True, "off": False}) == "?on=true&off=false"


@pytest.mark.parametrize(
    "value",
    [b"bytes", {"a", "b"}, object(), 1 + 2j, frozenset()],
    ids=["bytes", "set", "object", "complex", "frozenset"],
)
def test_unsupported_value_types(value: Any) -> None:
    with pytest.raises(TemplateError, match=r"variable 'v' is a .*values must be str"):
        templates.expand("{v}", v=value)


def test_values_are_not_in_error_messages() -> None:
    secret = "s3cr3t-token"
    with pytest.raises(TemplateError) as caught:
        templates.expand("{v:2}", v=[secret])
    assert secret not in str(caught.value)
    with pytest.raises(TemplateError) as caught:
        templates.expand("{v}", v=[secret, [secret]])
    assert secret not in str(caught.value)


def test_variables_must_be_a_mapping() -> None:
    with pytest.raises(TemplateError, match="variables must be a mapping, not list"):
        templates.expand("{x}", [("x", 1)])  # type: ignore[arg-type]


@pytest.mark.parametrize("template", [None, 1, b"{x}", ["{x}"]])
def test_templates_must_be_str(template: Any) -> None:
    for call in (templates.expand, templates.validate, templates.variables):
        with pytest.raises(TemplateError, match="must be a str"):
            call(template)


def test_values_that_are_not_unicode() -> None:
    lone_surrogate = "\udc80"
    for template in ("{x}", "{+x}", "{?x*}", "{;x*}"):
        for value in (lone_surrogate, [lone_surrogate], {"k": lone_surrogate}, {lone_surrogate: "v"}):
            with pytest.raises(TemplateError, match="not valid Unicode") as caught:
                templates.expand(template, x=value)
            assert isinstance(caught.value.__cause__, UnicodeError)


def test_template_that_is_not_unicode() -> None:
    with pytest.raises(TemplateError, match="not valid Unicode"):
        templates.validate("/a\udc80{x}")


def test_long_templates_are_shortened_in_messages() -> None:
    template = "/" + "a" * 500 + "{x:0}"
    with pytest.raises(TemplateError) as caught:
        templates.validate(template)
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
    assert templates.expand("{" + op + "v}", v=value) == URITemplate("{" + op + "v}").expand({"v": value})


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
    assert templates.expand(expr, v=value) == URITemplate(expr).expand({"v": value})


# ---------------------------------------------------------------- malformed


@pytest.mark.parametrize(("template", "fragment"), NEGATIVE["malformed"])
def test_malformed_templates(template: str, fragment: str) -> None:
    for call in (templates.validate, templates.variables, templates.expand):
        with pytest.raises(TemplateError) as caught:
            call(template)
        message = str(caught.value)
        assert fragment in message
        assert repr(template) in message


@pytest.mark.parametrize(("template", "variables", "fragment"), NEGATIVE["expansion"])
def test_expansion_errors(template: str, variables: Dict[str, Any], fragment: str) -> None:
    templates.validate(template)  # well-formed...
    with pytest.raises(TemplateError, match=re.escape(fragment)) as caught:
        templates.expand(template, variables)  # ...but not with these values
    assert repr(template) in str(caught.value)


def test_template_error_is_catchable_as_value_error_and_halkit_error() -> None:
    with pytest.raises(ValueError):
        templates.validate("{")
    with pytest.raises(HalkitError):
        templates.validate("{")


def test_error_positions() -> None:
    with pytest.raises(TemplateError, match="at position 9"):
        templates.validate("/a/{x}/b/{")
    with pytest.raises(TemplateError, match="stray '}' at position 6"):
        templates.validate("/a{x}/}")
    with pytest.raises(TemplateError, match=r"'\$' in variable name '\$y' at position 4"):
        templates.validate("{?x,$y}")


def test_valid_edge_templates() -> None:
    for template in ["", "/", "{x:9999}", "{x:1}", "{a.b.c}", "{a_b}", "{%20}", "{_}", "{x,y*,z:3}", "{Ab9}"]:
        templates.validate(template)


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
    assert templates.variables(template) == names


def test_variables_returns_a_new_list() -> None:
    first = templates.variables("{x,y}")
    first.append("mutated")
    assert templates.variables("{x,y}") == ["x", "y"]


def test_parsed_templates_are_cached() -> None:
    template = "/cache-probe{/id}{?q}"
    before = templates._parse.cache_info()
    templates.validate(template)
    templates.expand(template, id=1)
    templates.variables(template)
    after = templates._parse.cache_info()
    assert after.misses == before.misses + 1
    assert after.hits == before.hits + 2
    assert after.maxsize == templates.TEMPLATE_CACHE_SIZE


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
    templates.validate(template)  # built from valid pieces
    try:
        result = templates.expand(template, values)
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
    result = templates.expand(template, values)
    assert URI_TEXT.match(result)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30), values=st.dictionaries(st.text(max_size=5), _value, max_size=3))
def test_random_text_raises_only_template_error(text: str, values: Dict[str, Any]) -> None:
    for call in (templates.validate, templates.variables):
        try:
            call(text)
        except TemplateError:
            pass
    try:
        templates.expand(text, values)
    except TemplateError:
        pass


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="{}+#./;?&=,!@|*:0123456789aZ_%- ", max_size=20))
def test_brace_soup_raises_only_template_error(text: str) -> None:
    try:
        templates.expand(text, {"a": "1", "aZ": ["x"], "_": {"k": "v"}})
    except TemplateError:
        pass


def test_uritemplate_is_used_through_its_public_api_only() -> None:
    source = Path(templates.__file__).read_text(encoding="utf-8")
    lines = [line.strip() for line in source.splitlines()]
    imports = [line for line in lines if "uritemplate" in line and line.startswith(("import ", "from "))]
    assert imports == ["from uritemplate import URITemplate"]


def test_public_api() -> None:
    assert sorted(templates.__all__) == ["expand", "validate", "variables"]
    for name in templates.__all__:
        assert getattr(templates, name).__doc__


def test_the_uri_shim_keeps_its_names() -> None:
    assert sorted(uri.__all__) == sorted(
        ["expand", "variables", "validate", "resolve", "origin", "check_scheme", "normalize"]
    )
    for name in uri.__all__:
        assert getattr(uri, name).__doc__
    assert uri.expand is templates.expand


def test_import_halkit_loads_uritemplate_only_when_a_list_or_map_is_expanded() -> None:
    import subprocess
    import sys

    code = (
        "import sys, halkit.templates as t\n"
        "print('uritemplate' in sys.modules)\n"
        "t.expand('/a{/id}{?q}', id=1, q='x')\n"
        "print('uritemplate' in sys.modules)\n"
        "t.expand('/a{?tags*}', tags=['a', 'b'])\n"
        "print('uritemplate' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "True"]
