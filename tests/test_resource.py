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


def test_follow_checks_variables_across_the_chain_and_takes_a_trailing_mapping() -> None:
    nav = StubNavigator(PAGES)
    page = first_page(nav)
    with pytest.raises(halkit.UnknownVariableError, match="'nmae'"):
        page.follow("find", nmae="ann")
    with pytest.raises(halkit.UnknownVariableError):
        page.follow("next", size=5)  # a plain link: query parameters go in params=
    assert nav.calls == []
    assert page.follow("find", {"q": "ann"})["id"] == 9
    page.follow("next", params={"size": 5}, headers={"X": "1"})
    assert nav.calls[-1] == ("send", "page", "http://h/users?page=2", "GET", {"params": {"size": 5}, "headers": {"X": "1"}})


def test_items_of_a_rel_the_page_does_not_embed_is_an_error_naming_what_it_embeds() -> None:
    nav = StubNavigator(PAGES)
    with pytest.raises(LinkNotFoundError) as info:
        list(first_page(nav).items("user"))
    assert "users" in str(info.value) and info.value.available == ["users"]
    assert nav.calls == []  # nothing fetched for a typo
    with pytest.raises(LinkNotFoundError):
        first_page(nav).embedded("user")


def test_a_page_that_embeds_nothing_yields_nothing() -> None:
    empty = halkit.Resource({"_links": {"self": {"href": "/users"}}}, base_url="http://h/users", navigator=StubNavigator())
    assert list(empty.items("users")) == [] and empty.embedded("users") == []
    assert list(halkit.Resource({"_embedded": {}}, base_url="http://h/").items("users")) == []


def test_the_model_over_a_real_client_on_the_in_memory_transport() -> None:
    # halkit.Client as the navigator, halkit.transport.MockTransport underneath: no sockets
    from halkit.transport import MockTransport, make_response

    sent = []

    def answer(request: Any) -> Any:
        sent.append((request.method, request.url, request.params))
        url = request.url.split("?")[0]
        doc = PAGES.get(request.url) or PAGES.get(url + "?page=1") or {"id": 9}
        return make_response(request, json=doc)

    with halkit.Client("http://h/users?page=1", transport=MockTransport(answer), retries=0) as client:
        page = client.root()
        assert [user["id"] for user in page.items("users")] == [1, 2, 3]
        assert page.follow("find", q="ann")["id"] == 9
        page.link("next").get(params={"size": 2})
        with pytest.raises(halkit.UnknownVariableError):
            page.follow("next", size=2)
    assert [method for method, _, _ in sent] == ["GET"] * 4
    assert sent[-1] == ("GET", "http://h/users?page=2", {"size": 2})


# -- the I/O-free halves both twins drive: PageCursor and FollowChain -----------


def test_the_page_cursor_walks_without_io_and_resumes_after_a_failed_fetch() -> None:
    nav = StubNavigator(PAGES)
    cursor = halkit.PageCursor(first_page(nav), "users")
    assert [cursor.take()["id"], cursor.take()["id"], cursor.take()] == [1, 2, None]  # type: ignore[index]
    link = cursor.next_link()
    assert link is not None and link.url == "http://h/users?page=2" and nav.calls == []
    # a fetch that fails changes nothing: the same link again, the page held kept
    assert cursor.next_link() == link and cursor.take() is None and cursor.pages_fetched == 0
    page = cursor.advance(link.follow())
    assert cursor.page is page and cursor.pages_fetched == 1
    assert [cursor.take()["id"], cursor.take()] == [3, None]  # type: ignore[index]
    assert cursor.next_link() is None and cursor.page is None
    assert cursor.take() is None and cursor.next_link() is None  # over, and stays over


def test_the_page_cursor_refuses_a_link_back_to_a_page_already_fetched() -> None:
    pages = dict(PAGES)
    pages["http://h/users?page=2"] = {**PAGES["http://h/users?page=2"], "_links": {"next": {"href": "/users?page=1"}}}
    nav = StubNavigator(pages)
    cursor = halkit.PageCursor(first_page(nav))  # rel left out: each page's only embedded rel
    while cursor.take() is not None:
        pass
    cursor.advance(cursor.next_link().follow())  # type: ignore[union-attr]
    with pytest.raises(halkit.HalkitError, match="already fetched"):
        cursor.next_link()
    with pytest.raises(halkit.HalkitError, match="already fetched"):
        list(first_page(nav).pages())
    assert isinstance(first_page(nav).items(), halkit.PageCursor)


def test_pages_follow_the_first_of_several_next_links_as_items_does() -> None:
    doc = {**PAGES["http://h/users?page=1"]}
    doc["_links"] = {**doc["_links"], "next": [{"href": "/users?page=2"}, {"href": "/users?page=3"}]}
    nav = StubNavigator(PAGES)
    first = halkit.Resource(doc, base_url="http://h/users?page=1", navigator=nav)
    assert [len(p.embedded("users")) for p in first.pages()] == [2, 1]
    assert [u["id"] for u in first.items()] == [1, 2, 3]


def test_the_follow_chain_reads_the_arguments_once() -> None:
    from halkit.resource import FollowChain

    chain = FollowChain(("find", "up", {"q": "ann"}), variables={"rels": 1}, rels=2, headers={"X": "1"})
    assert chain.rels == ("find", "up") and chain.values == {"q": "ann", "rels": 2}
    with pytest.raises(TypeError, match="at least one rel"):
        FollowChain(({"q": "ann"},))
    with pytest.raises(TypeError, match="not 5"):
        FollowChain(("find", 5))
    nav = StubNavigator(PAGES)
    page = first_page(nav)
    chain = FollowChain(("users",), index=1)
    assert chain.hop(page, 0)["id"] == 2 and nav.calls == []  # embedded: no request
    assert FollowChain(("find",), q="ann").hop(page, 0)["id"] == 9
    with pytest.raises(halkit.UnknownVariableError, match="rels"):
        page.follow("find", rels="x")  # a variable, like any other (not a clash with follow(*rels))


# -- the async twin's iterator over the same model (no sockets) -----------------


class AsyncStubNavigator(StubNavigator):
    """:class:`StubNavigator` as an :class:`halkit.typing.AsyncNavigator`: coroutines, async model classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        aio = pytest.importorskip("halkit.aio")
        self.resource_class, self.link_class, self.template_class = aio.AsyncResource, aio.AsyncLink, aio.AsyncTemplate

    async def send(self, source: Any, target: Any, method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        found = StubNavigator.send(self, source, target, method, **kwargs)
        url = self.calls[-1][2]
        return None if found is None else self.resource_class(self.documents.get(url, {}), base_url=url, navigator=self)

    async def send_raw(self, source: Any, target: Any, method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        return StubNavigator.send_raw(self, source, target, method, **kwargs)


def async_first_page(nav: AsyncStubNavigator) -> Any:
    return nav.resource_class(PAGES["http://h/users?page=1"], base_url="http://h/users?page=1", navigator=nav, type="page")


def test_the_async_iterator_is_the_same_cursor() -> None:
    import asyncio

    from halkit.typing import AsyncNavigator

    nav = AsyncStubNavigator(PAGES)
    assert isinstance(nav, AsyncNavigator)
    page = async_first_page(nav)
    assert page.navigator is nav

    async def walk() -> Any:
        it = page.items("users")
        assert isinstance(it, halkit.PageCursor)
        ids = [user["id"] async for user in it]
        return ids, it.pages_fetched, [len(p.embedded("users")) async for p in page.pages()]

    assert asyncio.run(walk()) == ([1, 2, 3], 1, [2, 1])
    assert [call[2] for call in nav.calls] == ["http://h/users?page=2"] * 2


def test_an_async_walked_page_is_freed_by_reference_counting() -> None:
    # the same as for the sync iterator: the async one holds one page, and nothing is a cycle
    import asyncio
    import gc
    import weakref

    nav = AsyncStubNavigator(PAGES)

    async def walk() -> None:
        page = async_first_page(nav)
        it = page.items("users")
        del page
        refs = []
        async for user in it:
            user.links["self"][0].expand()
            _ = user.url, user.templates
            if it.page is not None and not any(ref() is it.page for ref in refs):
                refs.append(weakref.ref(it.page))
        del user
        assert len(refs) == 2 and it.page is None
        assert [ref() for ref in refs] == [None, None]

    gc.collect()
    gc.disable()
    try:
        asyncio.run(walk())
    finally:
        gc.enable()
