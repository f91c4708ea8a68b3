"""halkit.link without HTTP: links, rels, CURIEs, templates, and sending through a stub navigator."""

from __future__ import annotations

import json

import pytest
from hal_samples import ORDERS
from stub_navigator import StubNavigator

import halkit
from halkit import AmbiguousLinkError, LinkNotFoundError, TemplateError, parse


@pytest.fixture
def orders() -> halkit.Resource:
    return parse(json.dumps(ORDERS), base_url="https://example.com/api/")


def test_relative_hrefs_resolve_against_base(orders: halkit.Resource) -> None:
    assert orders.url == "https://example.com/orders"
    assert orders.link("next").expand() == "https://example.com/orders?page=2"


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


# -- sending through the Navigator seam (no sockets) --------------------------


def test_link_verbs_ask_the_navigator() -> None:
    nav = StubNavigator({"http://h/a/1": {"id": 1}})
    res = halkit.Resource({"_links": {"item": {"href": "/a/{id}", "templated": True}}},
                          base_url="http://h/x", navigator=nav, type="t")
    link = res.link("item")
    assert link.follow(id=1)["id"] == 1
    link.post({"x": 1}, id=2)
    link.options(id=3)
    assert nav.calls == [
        ("send", "t", "http://h/a/1", "GET", {}),
        ("send", "t", "http://h/a/2", "POST", {"json": {"x": 1}}),
        ("send_raw", "t", "http://h/a/3", "OPTIONS", {}),
    ]


def test_a_link_keeps_no_reference_to_its_resource() -> None:
    import gc
    import weakref

    gc.disable()
    try:
        res = halkit.Resource({"_links": {"a": {"href": "/a"}}}, base_url="http://h/", navigator=StubNavigator())
        link = res.link("a")
        ref = weakref.ref(res)
        del res
        assert ref() is None
        assert link.url == "http://h/a"
    finally:
        gc.enable()


# -- strict signatures ---------------------------------------------------------


def _find() -> halkit.Link:
    res = halkit.Resource({"_links": {"find": {"href": "/users{?name,page}", "templated": True},
                                      "users": {"href": "/users"}}},
                          base_url="http://h/", navigator=StubNavigator())
    return res.link("find")


def test_a_variable_the_template_does_not_declare_is_refused_before_sending() -> None:
    link = _find()
    nav = link._nav  # the stub
    with pytest.raises(halkit.UnknownVariableError) as info:
        link.follow(nmae="user3")
    assert "'nmae'" in str(info.value) and "'name', 'page'" in str(info.value)
    assert isinstance(info.value, TypeError) and isinstance(info.value, TemplateError)
    assert info.value.unknown == ["nmae"] and info.value.declared == ["name", "page"]
    assert nav.calls == []  # type: ignore[union-attr]


def test_a_plain_link_takes_no_variables_and_points_to_params() -> None:
    res = halkit.Resource({"_links": {"users": {"href": "/users"}}}, base_url="http://h/", navigator=StubNavigator())
    with pytest.raises(halkit.UnknownVariableError, match="not templated.*params="):
        res.link("users").get(size=5)
    res.link("users").get(params={"size": 5})
    assert res.navigator.calls == [("send", None, "http://h/users", "GET", {"params": {"size": 5}})]  # type: ignore[union-attr]


def test_request_options_are_keywords_and_colliding_variables_go_in_a_mapping() -> None:
    nav = StubNavigator()
    res = halkit.Resource({"_links": {"q": {"href": "/q{?params,headers}", "templated": True}}},
                          base_url="http://h/", navigator=nav)
    link = res.link("q")
    link.get({"params": 1, "headers": 2}, params={"x": "y"}, headers={"A": "b"}, timeout=3)
    link.post({"a": 1}, {"params": 7}, files={"f": b"x"}, data={"k": "v"})
    assert nav.calls == [
        ("send", None, "http://h/q?params=1&headers=2", "GET", {"params": {"x": "y"}, "headers": {"A": "b"}, "timeout": 3}),
        ("send", None, "http://h/q?params=7", "POST", {"json": {"a": 1}, "data": {"k": "v"}, "files": {"f": b"x"}}),
    ]


def test_an_unknown_keyword_of_a_resource_verb_is_a_type_error() -> None:
    res = halkit.Resource({"_links": {"self": {"href": "/x"}}}, base_url="http://h/", navigator=StubNavigator())
    with pytest.raises(TypeError):
        res.post({}, timout=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        res.head(size=1)  # type: ignore[call-arg]


def test_a_get_answered_with_no_content_is_a_content_type_error() -> None:
    class NoContent(StubNavigator):
        def send(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            return None

    res = halkit.Resource({"_links": {"a": {"href": "/a"}}}, base_url="http://h/", navigator=NoContent())
    with pytest.raises(halkit.ContentTypeError, match="no content"):
        res.link("a").follow()
