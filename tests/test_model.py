"""The HAL model without HTTP: parse, Resource, Link, Links, CURIEs, embedded, HAL-FORMS."""

from __future__ import annotations

import json
import warnings

import pytest

import halkit
from halkit import (
    AmbiguousLinkError,
    CompatibilityWarning,
    HalFormatError,
    LinkNotFoundError,
    TemplateError,
    parse,
)

BASE = "https://api.example.com/v1/orders/"

ORDERS = {
    "_links": {
        "self": {"href": "/orders"},
        "curies": [{"name": "ea", "href": "http://example.com/docs/rels/{rel}", "templated": True}],
        "next": {"href": "/orders?page=2"},
        "ea:find": {"href": "/orders{?id}", "templated": True},
        "ea:admin": [
            {"href": "/admins/2", "title": "Fred", "name": "fred"},
            {"href": "/admins/5", "title": "Kate", "name": "kate"},
        ],
    },
    "currentlyProcessing": 14,
    "shippedToday": 20,
    "_embedded": {
        "ea:order": [
            {
                "_links": {
                    "self": {"href": "/orders/123"},
                    "ea:basket": {"href": "/baskets/98712"},
                    "ea:customer": {"href": "/customers/7809"},
                },
                "total": 30.00,
                "currency": "USD",
                "status": "shipped",
            },
            {
                "_links": {
                    "self": {"href": "/orders/124"},
                    "ea:basket": {"href": "/baskets/97213"},
                    "ea:customer": {"href": "/customers/12369"},
                },
                "total": 20.00,
                "currency": "USD",
                "status": "processing",
            },
        ]
    },
}


@pytest.fixture
def orders() -> halkit.Resource:
    return parse(json.dumps(ORDERS), base_url="https://example.com/api/")


def test_parse_accepts_str_bytes_and_mapping() -> None:
    for doc in (json.dumps(ORDERS), json.dumps(ORDERS).encode(), ORDERS, json.dumps(ORDERS).encode("utf-16")):
        res = parse(doc)
        assert res["shippedToday"] == 20


def test_properties_exclude_reserved_and_are_read_only(orders: halkit.Resource) -> None:
    assert dict(orders.properties) == {"currentlyProcessing": 14, "shippedToday": 20}
    with pytest.raises(TypeError):
        orders.properties["x"] = 1  # type: ignore[index]
    assert "shippedToday" in orders and "_links" not in orders
    with pytest.raises(KeyError):
        orders["_links"]
    assert orders.get("missing", 5) == 5


def test_to_dict_round_trips_and_is_a_copy(orders: halkit.Resource) -> None:
    doc = orders.to_dict()
    assert doc == ORDERS
    doc["shippedToday"] = 0
    assert orders["shippedToday"] == 20


def test_relative_hrefs_resolve_against_base(orders: halkit.Resource) -> None:
    assert orders.url == "https://example.com/orders"
    assert orders.link("next").expand() == "https://example.com/orders?page=2"


def test_url_falls_back_to_where_it_was_fetched() -> None:
    res = parse({"a": 1}, base_url="http://h/x")
    assert res.url == "http://h/x"
    assert parse({"a": 1}).url is None


def test_single_vs_array_rels_are_kept(orders: halkit.Resource) -> None:
    assert not orders.links.is_array("next")
    assert orders.links.is_array("ea:admin")
    assert orders.links.to_dict() == ORDERS["_links"]


def test_link_with_several_needs_selector(orders: halkit.Resource) -> None:
    with pytest.raises(AmbiguousLinkError):
        orders.link("ea:admin")
    assert orders.link("ea:admin", name="kate").href == "/admins/5"
    assert orders.link("ea:admin", index=0).title == "Fred"
    with pytest.raises(LinkNotFoundError):
        orders.link("ea:admin", name="bob")
    with pytest.raises(LinkNotFoundError):
        orders.link("ea:admin", index=7)


def test_missing_rel_lists_available(orders: halkit.Resource) -> None:
    with pytest.raises(LinkNotFoundError) as info:
        orders.link("widgets")
    assert "ea:find" in str(info.value) and "next" in str(info.value)
    assert isinstance(info.value, KeyError) and isinstance(info.value, halkit.HalkitError)
    assert info.value.rel == "widgets"


def test_curie_lookup_both_ways(orders: halkit.Resource) -> None:
    full = "http://example.com/docs/rels/find"
    assert orders.link(full).href == "/orders{?id}"
    assert full in orders.links
    doc = {"_links": {"curies": [{"name": "ea", "href": "http://example.com/docs/rels/{rel}", "templated": True}],
                      "http://example.com/docs/rels/widgets": {"href": "/w"}}}
    res = parse(doc)
    assert res.link("ea:widgets").href == "/w"


def test_undeclared_prefix_is_part_of_the_name() -> None:
    res = parse({"_links": {"find:users": {"href": "/u{?name}", "templated": True}}})
    assert res.link("find:users").variables == ["name"]
    assert res.links.expand_curie("find:users") == "find:users"


def test_embedded_inherit_curies_and_own_take_precedence() -> None:
    doc = {
        "_links": {"curies": [{"name": "a", "href": "http://one/{rel}", "templated": True}]},
        "_embedded": {
            "a:x": {"_links": {"self": {"href": "/x"}, "http://one/y": {"href": "/y1"}}},
            "a:z": {"_links": {
                "self": {"href": "/z"},
                "curies": [{"name": "a", "href": "http://two/{rel}", "templated": True}],
                "http://two/y": {"href": "/y2"}}},
        },
    }
    res = parse(doc)
    assert res.embedded("a:x")[0].link("a:y").href == "/y1"
    assert res.embedded("a:z")[0].link("a:y").href == "/y2"
    assert res.embedded("http://one/x")[0].link("self").href == "/x"


def test_embedded_single_and_array(orders: halkit.Resource) -> None:
    items = orders.embedded("ea:order")
    assert [i["total"] for i in items] == [30.0, 20.0]
    assert orders.is_embedded_array("ea:order")
    single = parse({"_embedded": {"one": {"a": 1, "_links": {"self": {"href": "/one"}}}}})
    assert single.embedded("one")[0]["a"] == 1 and not single.is_embedded_array("one")
    with pytest.raises(LinkNotFoundError):
        orders.embedded("nope")


def test_embedded_base_is_own_absolute_self_else_parent() -> None:
    doc = {"_embedded": {
        "a": {"_links": {"self": {"href": "http://other.example/things/1"}, "rel": {"href": "2"}}},
        "b": {"_links": {"rel": {"href": "2"}}},
        "c": {"_links": {"self": {"href": "/c/"}, "rel": {"href": "3"}}},
    }}
    with pytest.warns(CompatibilityWarning, match="missing-self"):
        res = parse(doc, base_url="https://example.com/base/doc")
    assert res.embedded("a")[0].link("rel").expand() == "http://other.example/things/2"
    assert res.embedded("b")[0].link("rel").expand() == "https://example.com/base/2"
    assert res.embedded("c")[0].link("rel").expand() == "https://example.com/c/3"


def test_link_attributes_and_extras() -> None:
    res = parse({"_links": {"x": {
        "href": "/x", "type": "application/hal+json", "deprecation": "http://d", "name": "n",
        "profile": "http://p", "title": "T", "hreflang": "en", "custom": [1, 2]}}})
    link = res.link("x")
    assert (link.type, link.deprecation, link.name, link.profile, link.title, link.hreflang) == (
        "application/hal+json", "http://d", "n", "http://p", "T", "en")
    assert link.extra == {"custom": [1, 2]}
    assert link.templated is False


@pytest.mark.parametrize("value", ["true", 1, None, "yes"])
def test_templated_only_when_json_true(value: object) -> None:
    res = parse({"_links": {"x": {"href": "/x{?a}", "templated": value}}})
    assert res.link("x").templated is False
    assert res.link("x").variables == []
    assert res.link("x").expand(a=1) == "/x{?a}"


def test_templated_expand_then_resolve() -> None:
    res = parse({"_links": {"find": {"href": "users{?name,page}", "templated": True}}}, base_url="http://h/api/v1/")
    link = res.link("find")
    assert link.variables == ["name", "page"]
    assert link.expand(name="a b", page=2) == "http://h/api/v1/users?name=a%20b&page=2"
    assert link.expand({"name": "x"}) == "http://h/api/v1/users?name=x"


def test_malformed_template_is_template_error() -> None:
    res = parse({"_links": {"x": {"href": "/x{?a", "templated": True}}})
    with pytest.raises(TemplateError):
        res.link("x").expand(a=1)


@pytest.mark.parametrize(
    "doc, pointer",
    [
        ([], ""),
        ("x", ""),
        ({"_links": []}, "/_links"),
        ({"_links": {"a": 5}}, "/_links/a"),
        ({"_links": {"a": {"title": "no href"}}}, "/_links/a"),
        ({"_links": {"a": {"href": 5}}}, "/_links/a/href"),
        ({"_links": {"a": [{"href": "/x"}, 7]}}, "/_links/a/1"),
        ({"_links": {"a/b~c": {"nohref": 1}}}, "/_links/a~1b~0c"),
        ({"_embedded": 5}, "/_embedded"),
        ({"_embedded": {"x": 5}}, "/_embedded/x"),
        ({"_embedded": {"x": [{}, "s"]}}, "/_embedded/x/1"),
        ({"_embedded": {"x": [{"_links": {"self": {}}}]}}, "/_embedded/x/0/_links/self"),
        ({"_links": {"curies": [{"href": "http://x/{rel}", "templated": True}]}}, "/_links/curies/0"),
    ],
)
def test_malformed_documents_name_the_pointer(doc: object, pointer: str) -> None:
    with pytest.raises(HalFormatError) as info:
        parse(doc if isinstance(doc, dict) else json.dumps(doc))
    assert info.value.pointer == pointer


def test_invalid_json_and_non_json() -> None:
    for text in ("{", "", "NaN", '{"a": NaN}', '{"a": Infinity}', b"\xff\xfe\x00"):
        with pytest.raises(HalFormatError):
            parse(text)
    with pytest.raises(HalFormatError):
        parse(42)  # type: ignore[arg-type]


def test_deep_nesting() -> None:
    deep = "[" * 100000 + "]" * 100000
    with pytest.raises(HalFormatError):
        parse('{"a": ' + deep + "}")
    doc: dict = {}
    cur = doc
    for _ in range(200):
        nxt: dict = {}
        cur["_embedded"] = {"x": nxt}
        cur = nxt
    with pytest.raises(HalFormatError) as info:
        parse(doc)
    assert info.value.pointer.startswith("/_embedded/x/_embedded/x")


def test_duplicate_keys_refused_in_strict_mode_only() -> None:
    text = '{"a": 1, "a": 2}'
    assert parse(text)["a"] == 2
    with pytest.raises(HalFormatError):
        parse(text, strict=True)


LENIENT_CASES = [
    ({"_links": {"self": "/a"}}, "bare-href"),
    ({"_links": {"item": ["/a", "/b"]}}, "bare-href"),
    ({"_links": {"self": {"href": "/a"}, "gone": None}}, "null-rel"),
    ({"_embedded": {"x": None}}, "null-embedded"),
    ({"_embedded": [{"a": 1, "_links": {"self": {"href": "/1"}}}, {"a": 2, "_links": {"self": {"href": "/2"}}}]},
     "embedded-array"),
]


@pytest.mark.parametrize("doc, kind", LENIENT_CASES)
def test_lenient_mode_accepts_and_warns(doc: dict, kind: str) -> None:
    with pytest.warns(CompatibilityWarning, match=kind):
        res = parse(doc)
    with pytest.raises(HalFormatError):
        parse(doc, strict=True)
    if kind == "bare-href":
        rel = next(iter(doc["_links"]))
        assert res.links[rel][0].href == "/a"
    if kind == "null-rel":
        assert "gone" not in res.links
    if kind == "embedded-array":
        assert [r["a"] for r in res.embedded("items")] == [1, 2]


def test_lenient_warns_once_per_kind_per_parse() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parse({"_links": {"a": "/a", "b": "/b", "c": None}})
    kinds = sorted(str(w.message).split("[")[1].split("]")[0] for w in caught)
    assert kinds == ["bare-href", "null-rel"]


def test_resource_without_links_is_usable() -> None:
    res = parse({"name": "plain json"})
    assert res["name"] == "plain json"
    assert len(res.links) == 0
    with pytest.raises(LinkNotFoundError) as info:
        res.link("self")
    assert "no links" in str(info.value)


def test_navigation_without_client_is_a_halkit_error(orders: halkit.Resource) -> None:
    with pytest.raises(halkit.HalkitError):
        orders.follow("next")
    with pytest.raises(halkit.HalkitError):
        orders.link("next").follow()


# -- HAL-FORMS ---------------------------------------------------------------

FORM_DOC = {
    "_links": {"self": {"href": "/people/1"}},
    "_templates": {
        "edit": {
            "method": "put",
            "properties": [
                {"name": "name", "required": True, "prompt": "Name", "regex": "[A-Z].*", "maxLength": 20},
                {"name": "id", "readOnly": True, "value": "1"},
                {"name": "colour", "options": {"inline": ["red", "green"]}, "x-custom": 1},
            ],
        },
        "default": {"title": "Search", "target": "/people", "properties": [{"name": "q"}]},
        "upload": {"method": "POST", "contentType": "application/x-www-form-urlencoded", "properties": []},
    },
}


def test_hal_forms_defaults_and_attributes() -> None:
    res = parse(FORM_DOC, base_url="http://h/people/1")
    assert list(res.templates) == ["default", "edit", "upload"]
    default = res.template()
    assert default.method == "GET" and default.content_type == "application/json"
    assert default.target == "http://h/people" and default.title == "Search"
    edit = res.template("edit")
    assert edit.method == "PUT" and edit.target is None
    name = edit.property("name")
    assert name.required and name.prompt == "Name" and name.regex == "[A-Z].*" and name.max_length == 20
    assert edit.property("id").read_only and edit.property("id").value == "1"
    assert edit.property("colour").extra == {"x-custom": 1}
    assert res.template("upload").content_type == "application/x-www-form-urlencoded"
    assert "_templates" not in res.properties


def test_hal_forms_values_are_checked() -> None:
    edit = parse(FORM_DOC).template("edit")
    assert edit.values(name="Ann", colour="red") == {"name": "Ann", "id": "1", "colour": "red"}
    for bad in ({}, {"name": "ann"}, {"name": "Ann", "id": "2"}, {"name": "Ann", "colour": "blue"}, {"name": "A" * 30}):
        with pytest.raises(halkit.FormError):
            edit.values(bad)


@pytest.mark.parametrize("templates, pointer", [
    ([], "/_templates"),
    ({"a": []}, "/_templates/a"),
    ({"a": {"method": 5}}, "/_templates/a/method"),
    ({"a": {"properties": {}}}, "/_templates/a/properties"),
    ({"a": {"properties": [{"prompt": "no name"}]}}, "/_templates/a/properties/0"),
])
def test_malformed_hal_forms(templates: object, pointer: str) -> None:
    res = parse({"_templates": templates})
    with pytest.raises(HalFormatError) as info:
        _ = res.templates
    assert info.value.pointer == pointer
