"""halkit.resource without HTTP: parse, properties, embedded resources, navigation through a stub navigator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hal_samples import ORDERS
from stub_navigator import StubNavigator

import halkit
from halkit import CompatibilityWarning, LinkNotFoundError, parse


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


def test_url_falls_back_to_where_it_was_fetched() -> None:
    res = parse({"a": 1}, base_url="http://h/x")
    assert res.url == "http://h/x"
    assert parse({"a": 1}).url is None


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


# -- navigation through the Navigator seam (no sockets) -----------------------

PAGES = {
    "http://h/users?page=1": {
        "_links": {"self": {"href": "/users?page=1"}, "next": {"href": "/users?page=2"},
                   "find": {"href": "/users{?q}", "templated": True}},
        "_embedded": {"users": [{"id": 1, "_links": {"self": {"href": "/users/1"}}},
                                {"id": 2, "_links": {"self": {"href": "/users/2"}}}]},
    },
    "http://h/users?page=2": {
        "_links": {"self": {"href": "/users?page=2"}},
        "_embedded": {"users": [{"id": 3, "_links": {"self": {"href": "/users/3"}}}]},
    },
    "http://h/users?q=ann": {"id": 9},
}


def first_page(nav: StubNavigator, type: Any = "page") -> halkit.Resource:
    return halkit.Resource(PAGES["http://h/users?page=1"], base_url="http://h/users?page=1", navigator=nav, type=type)


def test_follow_asks_the_navigator_with_the_source_type() -> None:
    nav = StubNavigator(PAGES)
    found = first_page(nav).follow("find", q="ann")
    assert found["id"] == 9
    assert nav.calls == [("send", "page", "http://h/users?q=ann", "GET", {})]


def test_follow_uses_embedded_resources_without_asking() -> None:
    nav = StubNavigator(PAGES)
    assert first_page(nav).follow("users", index=1)["id"] == 2
    assert nav.calls == []


def test_items_walk_the_pages_through_the_navigator() -> None:
    nav = StubNavigator(PAGES)
    assert [user["id"] for user in first_page(nav).items("users")] == [1, 2, 3]
    assert [call[2] for call in nav.calls] == ["http://h/users?page=2"]


def test_verbs_on_the_resource_go_to_its_own_url_as_rel_self() -> None:
    nav = StubNavigator()
    user = first_page(nav).embedded("users")[0]
    user.put({"id": 1}, headers={"If-Match": "x"})
    user.delete()
    user.head()
    assert nav.calls == [
        ("send", None, "http://h/users/1", "PUT", {"json": {"id": 1}, "headers": {"If-Match": "x"}}),
        ("send", None, "http://h/users/1", "DELETE", {}),
        ("send_raw", None, "http://h/users/1", "HEAD", {}),
    ]


def test_embedded_types_come_from_the_navigator_and_never_change() -> None:
    nav = StubNavigator(types={("page", "users"): "user"})
    page = first_page(nav)
    user = page.embedded("users")[0]
    assert page.type == "page" and user.type == "user"
    user.put({})
    assert nav.calls[0][1] == "user"
    with pytest.raises(AttributeError):
        user.type = "other"  # type: ignore[misc]


def test_a_walked_page_is_freed_by_reference_counting() -> None:
    # pages, embedded resources, links and forms point only upwards (to scopes
    # and the navigator): no reference cycles, so no cycle collector needed
    import gc
    import weakref

    nav = StubNavigator(PAGES)
    gc.collect()
    gc.disable()
    try:
        page = first_page(nav)
        for user in page.items("users"):
            user.links["self"][0].expand()
            _ = user.url, user.templates
        _ = page.links, page.url, page.embedded("users")[0].link("self")
        refs = [weakref.ref(page), weakref.ref(page.embedded("users")[0])]
        del page, user
        assert [ref() for ref in refs] == [None, None]
    finally:
        gc.enable()
