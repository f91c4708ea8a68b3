"""Navigation scenarios run against both clients (sync and async), on a real server on 127.0.0.1."""

from __future__ import annotations

import gc
import json
import warnings
import weakref
from typing import Any, Dict, List

import async_twins
import pytest
from async_twins import Twin, collect, io, next_of

import halkit

from server import Request, TestServer, slow

HAL = {"Content-Type": "application/hal+json"}

#: the fixture running each test once per client (sync, async)
twin = async_twins.twin


def page(prefix: str, n: int, total: int, size: int = 3) -> Dict[str, Any]:
    start = n * size
    items = [
        {"id": i, "_links": {"self": {"href": f"{prefix}/items/{i}"}}}
        for i in range(start, min(start + size, total))
    ]
    links: Dict[str, Any] = {"self": {"href": f"{prefix}/items?page={n}"}}
    if start + size < total:
        links["next"] = {"href": f"{prefix}/items?page={n + 1}"}
    return {"_links": links, "_embedded": {"items": items}, "page": {"number": n}}


@pytest.fixture
def api(server: TestServer, prefix: str) -> str:
    server.add(f"{prefix}/", {
        "_links": {
            "self": {"href": f"{prefix}/"},
            "curies": [{"name": "acme", "href": "http://docs.acme/rels/{rel}", "templated": True}],
            "items": {"href": f"{prefix}/items?page=0"},
            "find": {"href": f"{prefix}/items/{{id}}", "templated": True},
            "widgets": [{"href": f"{prefix}/w/1", "name": "one"}, {"href": f"{prefix}/w/2", "name": "two"}],
            "embedded-thing": {"href": f"{prefix}/thing"},
            "acme:gadget": {"href": f"{prefix}/w/2"},
            "relative": {"href": "items/7"},
            "old": {"href": f"{prefix}/old", "deprecation": "http://docs/old"},
            "plain": {"href": f"{prefix}/plain"},
            "text": {"href": f"{prefix}/text"},
            "empty": {"href": f"{prefix}/empty"},
        },
        "_embedded": {"embedded-thing": {"name": "from cache", "_links": {"self": {"href": f"{prefix}/thing"}}}},
        "title": "root",
    })
    for n in range(4):
        server.add(f"{prefix}/items?page={n}", page(prefix, n, 10))
    for i in range(10):
        server.add(f"{prefix}/items/{i}", {"id": i, "_links": {"self": {"href": f"{prefix}/items/{i}"},
                                                                "up": {"href": f"{prefix}/"}}})
    server.add(f"{prefix}/w/1", {"w": 1})
    server.add(f"{prefix}/w/2", {"w": 2})
    server.add(f"{prefix}/thing", {"name": "from server"})
    server.add(f"{prefix}/old", {"old": True})
    server.add(f"{prefix}/plain", {"plain": True}, headers={"Content-Type": "application/json"})
    server.add(f"{prefix}/text", "hello", headers={"Content-Type": "text/plain"})
    server.add(f"{prefix}/empty", b"", headers={"Content-Type": "application/hal+json"})
    return server.url(f"{prefix}/")


def test_root_follow_templated_named_curie_relative_chain(twin: Twin, api: str, server: TestServer, prefix: str) -> None:
    async def scenario() -> None:
        client = twin.client(api)
        root = await io(client.root())
        assert root["title"] == "root" and root.url == api
        assert root.response.status_code == 200
        assert server.requests_to(f"{prefix}/")[-1].headers["accept"] == "application/hal+json, application/json;q=0.9"
        assert (await io(root.follow("find", id=4)))["id"] == 4
        assert (await io(root.follow("widgets", name="two")))["w"] == 2
        assert (await io(root.follow("widgets", index=0)))["w"] == 1
        assert (await io(root.follow("http://docs.acme/rels/gadget")))["w"] == 2
        assert (await io(root.follow("relative")))["id"] == 7
        assert (await io(root.follow("find", "up", id=2)))["title"] == "root"
        assert (await io(client.follow("find", id=3)))["id"] == 3
        assert (await io(root.link("find").follow(id=5)))["id"] == 5
        with pytest.raises(halkit.AmbiguousLinkError):
            await io(root.follow("widgets"))
        with pytest.raises(halkit.LinkNotFoundError):
            await io(root.follow("nope"))

    twin.run(scenario)


def test_embedded_is_used_without_a_request(twin: Twin, api: str, server: TestServer, prefix: str) -> None:
    async def scenario() -> None:
        root = await io(twin.client(api).root())
        before = len(server.requests_to(f"{prefix}/thing"))
        cached = await io(root.follow("embedded-thing"))
        assert cached["name"] == "from cache"
        assert type(cached) is type(root)  # an async resource embeds async resources
        assert len(server.requests_to(f"{prefix}/thing")) == before
        assert (await io(root.follow("embedded-thing", embedded=False)))["name"] == "from server"
        assert (await io(cached.refresh()))["name"] == "from server"
        assert len(server.requests_to(f"{prefix}/thing")) == before + 2

    twin.run(scenario)


def test_items_walks_pages_lazily(twin: Twin, api: str, server: TestServer, prefix: str) -> None:
    async def scenario() -> None:
        first = await io((await io(twin.client(api).root())).follow("items"))
        before = len(server.requests_to(f"{prefix}/items?page="))
        it = first.items()
        ids = [(await next_of(it))["id"] for _ in range(3)]
        assert ids == [0, 1, 2]
        assert len(server.requests_to(f"{prefix}/items?page=")) == before  # nothing fetched yet
        ids += [r["id"] for r in await collect(it)]
        assert ids == list(range(10))
        assert it.pages_fetched == 3
        pages = await collect(first.pages())
        assert [p["page"]["number"] for p in pages] == [0, 1, 2, 3]

    twin.run(scenario)


def test_items_resume_after_a_failed_page_and_paging_cycles_stop(twin: Twin, server: TestServer, prefix: str) -> None:
    for n in range(4):
        server.add(f"{prefix}/items?page={n}", page(prefix, n, 10))
    state = {"fail": True}

    def flaky(req: Request) -> Any:
        if state["fail"]:
            state["fail"] = False
            return 500, {}, {"error": "boom"}
        return 200, dict(HAL), page(prefix, 2, 10)

    server.handle(f"{prefix}/items?page=2", flaky, method="GET")
    cyclic = page(prefix, 0, 10)
    cyclic["_links"]["next"] = {"href": f"{prefix}/loop?page=0"}
    cyclic["_links"]["self"] = {"href": f"{prefix}/loop?page=0"}
    server.add(f"{prefix}/loop?page=0", cyclic)

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/items?page=0"), retries=0)
        it = (await io(client.root())).items("items")
        seen: List[int] = []
        with pytest.raises(halkit.ServerError):
            while True:
                seen.append((await next_of(it))["id"])
        seen += [item["id"] for item in await collect(it)]
        assert seen == list(range(10))
        loop = await io(client.get(server.url(f"{prefix}/loop?page=0")))
        with pytest.raises(halkit.HalkitError, match="already fetched"):
            await collect(loop.items("items"))

    twin.run(scenario)


def test_every_verb_on_resources_and_links(twin: Twin, server: TestServer, prefix: str) -> None:
    seen: List[Any] = []

    def echo(req: Request) -> Any:
        seen.append((req.method, req.headers.get("content-type"), req.body))
        if req.method == "HEAD":
            return 200, {"X-Ok": "1"}, None
        if req.method == "OPTIONS":
            return 204, {"Allow": "GET, POST"}, None
        if req.method == "DELETE":
            return 204, {}, None
        return 200, dict(HAL), {"method": req.method, "_links": {"self": {"href": f"{prefix}/r"}}}

    server.handle(f"{prefix}/r", echo)

    async def scenario() -> None:
        res = await io(twin.client(server.url(f"{prefix}/r")).root())
        assert res["method"] == "GET"
        assert (await io(res.post({"a": 1})))["method"] == "POST"
        assert (await io(res.put({"a": 1})))["method"] == "PUT"
        assert (await io(res.patch({"a": 1})))["method"] == "PATCH"
        assert await io(res.delete()) is None
        assert (await io(res.head())).headers["X-Ok"] == "1"
        assert (await io(res.options())).headers["Allow"] == "GET, POST"
        link = res.link("self")
        assert (await io(link.post({"b": 2})))["method"] == "POST"
        assert (await io(link.get()))["method"] == "GET"

    twin.run(scenario)
    assert [m for m, _, _ in seen] == ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "POST", "GET"]
    assert seen[1][1] == "application/json" and json.loads(seen[1][2]) == {"a": 1}


def test_created_with_location_and_no_content(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/c", {"_links": {"self": {"href": f"{prefix}/c"}}})
    server.add(f"{prefix}/c", "Created", status=201, headers={"Location": f"{prefix}/c/9", "Content-Type": "text/plain"},
               method="POST")
    server.add(f"{prefix}/c/9", {"id": 9})
    server.add(f"{prefix}/c", None, status=204, method="PUT")

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/c"))
        root = await io(client.root())
        created = await io(root.post({"x": 1}))
        assert created["id"] == 9 and created.url == server.url(f"{prefix}/c/9")
        assert await io(root.put({"x": 2})) is None
        assert (await io(client.post(server.url(f"{prefix}/c"), {"x": 3})))["id"] == 9

    twin.run(scenario)


def test_hal_forms_submit(twin: Twin, server: TestServer, prefix: str) -> None:
    got: List[Any] = []

    def create(req: Request) -> Any:
        got.append((req.method, req.path, req.headers.get("content-type"), req.body))
        return 201, dict(HAL), {"id": 1, "name": json.loads(req.body)["name"]}

    server.add(f"{prefix}/f", {
        "_links": {"self": {"href": f"{prefix}/f"}},
        "_templates": {"default": {
            "method": "POST", "target": f"{prefix}/f/new",
            "properties": [{"name": "name", "required": True}, {"name": "kind", "value": "person"}],
        }},
    })
    server.handle(f"{prefix}/f/new", create, method="POST")

    async def scenario() -> None:
        res = await io(twin.client(server.url(f"{prefix}/f")).root())
        form = res.template()
        with pytest.raises(halkit.FormError):
            await io(form.submit())  # checked before anything is sent
        created = await io(form.submit(name="jane"))
        assert created["name"] == "jane"

    twin.run(scenario)
    assert len(got) == 2 or len(got) == 1
    assert got[-1][:3] == ("POST", f"{prefix}/f/new", "application/json")
    assert json.loads(got[-1][3]) == {"name": "jane", "kind": "person"}


def test_errors_and_lenient_and_strict_parsing(twin: Twin, api: str, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/gone", {"title": "Gone", "detail": "no such thing"}, status=404,
               headers={"Content-Type": "application/problem+json"})

    async def scenario() -> None:
        client = twin.client(api)
        root = await io(client.root())
        with pytest.raises(halkit.NotFoundError) as info:
            await io(client.get(server.url(f"{prefix}/gone")))
        assert info.value.status == 404 and info.value.detail == "no such thing"
        with pytest.raises(halkit.ContentTypeError):
            await io(root.follow("text"))
        with pytest.raises(halkit.ContentTypeError):
            await io(root.follow("empty"))
        assert (await io(root.follow("plain")))["plain"] is True  # application/json is JSON too
        strict = twin.client(api, strict=True)
        with pytest.raises(halkit.HalFormatError):
            await io(strict.get(server.url(f"{prefix}/bare")))
        lenient = await io(client.get(server.url(f"{prefix}/bare")))
        assert lenient.link("next").url == server.url(f"{prefix}/w/1")
        with pytest.warns(halkit.DeprecatedLinkWarning):
            await io(root.follow("old"))

    server.add(f"{prefix}/bare", {"_links": {"next": f"{prefix}/w/1"}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", halkit.CompatibilityWarning)
        twin.run(scenario)


def test_relative_hrefs_api_root(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/api/", {"_links": {"self": {"href": "/"}, "books": {"href": "/books/3"}}})
    server.add(f"{prefix}/api/books/3", {"id": 3})

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/api/"), relative_hrefs="api-root")
        book = await io((await io(client.root())).follow("books"))
        assert book["id"] == 3 and book.url == server.url(f"{prefix}/api/books/3")

    twin.run(scenario)


def test_follow_all_keeps_order_bounds_and_reports(twin: Twin, api: str, server: TestServer, prefix: str) -> None:
    async def scenario() -> None:
        first = await io((await io(twin.client(api).root())).follow("items"))
        items = first.embedded("items")
        full = await twin.follow_all(items, max_workers=2)
        assert [r["id"] for r in full] == [0, 1, 2]
        links = [item.link("self") for item in items]
        assert [r["id"] for r in await twin.follow_all(links)] == [0, 1, 2]
        with pytest.raises(halkit.HalkitError):
            await twin.follow_all(items, max_workers=0)
        with pytest.raises(halkit.HalkitError):
            await twin.follow_all(["not a resource"])
        missing = list(full) + [first]  # the page has no "up" link: a LinkNotFoundError in place
        got = await twin.follow_all(missing, "up", return_exceptions=True)
        assert [type(g).__name__ for g in got] == ["Resource" if not twin.is_async else "AsyncResource"] * 3 + [
            "LinkNotFoundError"
        ]
        with pytest.raises(halkit.LinkNotFoundError):
            await twin.follow_all(missing, "up")

    twin.run(scenario)


def test_parsed_resources_cannot_navigate(twin: Twin) -> None:
    doc = halkit.parse({"_links": {"self": {"href": "http://x/"}}})

    async def scenario() -> None:
        with pytest.raises(halkit.HalkitError, match="without a client"):
            await io(doc.follow("self", embedded=False))

    twin.run(scenario)


def test_http_caching(twin: Twin, server: TestServer, prefix: str) -> None:
    """cache=True: cachecontrol for the sync client, hishel (RFC 9111) for the async one."""
    pytest.importorskip("anysqlite" if twin.is_async else "cachecontrol")
    server.add(f"{prefix}/c", {"n": 1}, headers={**HAL, "Cache-Control": "max-age=60"})

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/c"), cache=True)
        assert (await io(client.root()))["n"] == 1
        assert (await io(client.root()))["n"] == 1

    twin.run(scenario)
    assert len(server.requests_to(f"{prefix}/c")) == 1


# -- one model, two twins: what they share behaves the same ---------------------


def test_hal_forms_submit_takes_headers_and_timeout(twin: Twin, server: TestServer, prefix: str) -> None:
    got: List[Any] = []

    def record(req: Request) -> Any:
        got.append((req.method, req.path, dict(req.headers), req.body))
        return 200, dict(HAL), {"ok": True}

    server.add(f"{prefix}/f", {
        "_links": {"self": {"href": f"{prefix}/f"}},
        "_templates": {
            "default": {"method": "POST", "target": f"{prefix}/f/new", "properties": [{"name": "name"}]},
            "search": {"method": "GET", "target": f"{prefix}/f/find", "properties": [{"name": "q"}]},
            "xml": {"method": "PUT", "contentType": "application/vnd.x+json", "target": f"{prefix}/f/x",
                    "properties": [{"name": "timeout"}]},
            "slow": {"method": "DELETE", "target": f"{prefix}/f/slow"},
        },
    })
    for path in ("/f/new", "/f/find?q=ann", "/f/x"):
        server.handle(f"{prefix}{path}", record)
    server.handle(f"{prefix}/f/slow", slow(1.0, (204, {}, None)))

    async def scenario() -> None:
        res = await io(twin.client(server.url(f"{prefix}/f"), retries=0).root())
        assert (await io(res.template().submit(name="jane", headers={"If-Match": '"v1"'}, timeout=5)))["ok"]
        await io(res.template("search").submit(q="ann", headers={"X-Trace": "1"}))
        # a property called timeout goes in the values mapping; the form's contentType stays unless replaced
        await io(res.template("xml").submit({"timeout": 3}, headers={"X-Trace": "2"}))
        await io(res.template("xml").submit({"timeout": 4}, headers={"content-type": "application/json"}))
        with pytest.raises(halkit.TimeoutError):
            await io(res.template("slow").submit(timeout=0.2))

    twin.run(scenario)
    (post, find, put, put2) = got
    assert post[:2] == ("POST", f"{prefix}/f/new") and post[2]["if-match"] == '"v1"'
    assert json.loads(post[3]) == {"name": "jane"}
    assert find[:2] == ("GET", f"{prefix}/f/find?q=ann") and find[2]["x-trace"] == "1"
    assert put[2]["x-trace"] == "2" and put[2]["content-type"] == "application/vnd.x+json"
    assert json.loads(put[3]) == {"timeout": 3}
    assert put2[2]["content-type"] == "application/json" and json.loads(put2[3]) == {"timeout": 4}


def test_items_of_a_rel_no_page_embeds_is_an_error_for_both(twin: Twin, api: str, prefix: str) -> None:
    async def scenario() -> None:
        first = await io((await io(twin.client(api).root())).follow("items"))
        with pytest.raises(halkit.LinkNotFoundError) as info:
            await collect(first.items("item"))  # a typo of "items" is not an empty collection
        assert info.value.available == ["items"]

    twin.run(scenario)


def test_a_next_link_back_to_a_redirected_or_embedded_page_is_a_cycle(
    twin: Twin, server: TestServer, prefix: str
) -> None:
    # /start redirects to page 0; page 1 links back to /start: the URL asked for counts, not only the final one
    server.add(f"{prefix}/start", None, status=302, headers={"Location": f"{prefix}/p?n=0"})
    def doc(self: str, next: str, n: int) -> Dict[str, Any]:
        return {"_links": {"self": {"href": self}, "next": {"href": next}},
                "_embedded": {"items": [{"id": n, "_links": {"self": {"href": f"{prefix}/i/{n}"}}}]}}

    server.add(f"{prefix}/p?n=0", doc(f"{prefix}/p?n=0", f"{prefix}/p?n=1", 0))
    server.add(f"{prefix}/p?n=1", doc(f"{prefix}/p?n=1", f"{prefix}/start", 1))
    # a root embeds the first page (known only by its self link); page 1 links back to it
    server.add(f"{prefix}/root", {"_links": {"self": {"href": f"{prefix}/root"}},
                                  "_embedded": {"page": doc(f"{prefix}/e?n=0", f"{prefix}/e?n=1", 0)}})
    server.add(f"{prefix}/e?n=1", doc(f"{prefix}/e?n=1", f"{prefix}/e?n=0", 1))

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/start"))
        redirected = await io(client.root())
        embedded = (await io(client.get(server.url(f"{prefix}/root")))).embedded("page")[0]
        for start in (redirected, embedded):
            ids: List[int] = []
            it = start.items("items")
            with pytest.raises(halkit.HalkitError, match="already fetched"):
                while True:
                    ids.append((await next_of(it))["id"])
            assert ids == [0, 1] and it.pages_fetched == 1  # no item twice
            pages = start.pages()
            with pytest.raises(halkit.HalkitError, match="already fetched"):
                while True:
                    ids.append((await next_of(pages)).embedded("items")[0]["id"])
            assert ids == [0, 1, 0, 1]

    twin.run(scenario)


def test_walked_pages_are_freed_by_reference_counting(twin: Twin, api: str) -> None:
    # a page fetched over HTTP, its links and embedded items touched, is freed as
    # soon as the walk moves on, for both iterators: nothing on the walking path is a cycle
    async def scenario() -> None:
        first = await io((await io(twin.client(api).root())).follow("items"))
        gc.collect()
        gc.disable()
        try:
            it = first.items()
            del first
            refs: List[Any] = []
            for _ in range(10):
                item = await next_of(it)
                _ = item.links["self"][0].url, item.url, item.templates
                if it.page is not None and not any(ref() is it.page for ref in refs):
                    refs.append(weakref.ref(it.page))
            assert await collect(it) == []
            del item
            assert len(refs) == 4 and it.page is None
            assert [ref() for ref in refs] == [None] * 4
        finally:
            gc.enable()

    twin.run(scenario)


def test_verbs_of_a_templated_link_take_the_variables_the_same_way(twin: Twin, server: TestServer, prefix: str) -> None:
    seen: List[Any] = []

    def echo(req: Request) -> Any:
        seen.append((req.method, req.path, req.body))
        if req.method in ("HEAD", "OPTIONS", "DELETE"):
            return 204, {}, None
        return 200, dict(HAL), {"method": req.method}

    server.add(f"{prefix}/", {"_links": {"self": {"href": f"{prefix}/"},
                                         "thing": {"href": f"{prefix}/things/{{id}}", "templated": True}}})
    for n in range(1, 9):
        server.handle(f"{prefix}/things/{n}", echo)

    async def scenario() -> None:
        link = (await io(twin.client(server.url(f"{prefix}/")).root())).link("thing")
        await io(link.post({"a": 1}, {"id": 1}))  # variables, positionally, after the body
        await io(link.put({"a": 2}, variables={"id": 2}))
        await io(link.patch({"a": 3}, id=3))
        assert await io(link.delete({"id": 4})) is None
        await io(link.head({"id": 5}))
        await io(link.options({"id": 6}, headers={"X": "1"}))
        await io(link.request("POST", {"id": 7}, json={"a": 7}))
        await io(link.follow({"id": 8}))

    twin.run(scenario)
    assert [(m, p.rsplit("/", 1)[1]) for m, p, _ in seen] == [
        ("POST", "1"), ("PUT", "2"), ("PATCH", "3"), ("DELETE", "4"), ("HEAD", "5"), ("OPTIONS", "6"),
        ("POST", "7"), ("GET", "8"),
    ]
    assert [json.loads(body) for _, _, body in seen if body] == [{"a": 1}, {"a": 2}, {"a": 3}, {"a": 7}]


@pytest.mark.parametrize("name", ["AsyncLink", "AsyncResource", "AsyncTemplate"])
def test_each_awaitable_method_takes_the_positional_arguments_of_its_sync_twin(name: str) -> None:
    # the async classes override only navigation; an override must not drop a
    # positional parameter or a keyword of the sync method (keywords may pass through **kwargs)
    import inspect

    aio = pytest.importorskip("halkit.aio")
    cls = getattr(aio, name)
    sync = cls.__mro__[1]
    overrides = [m for m, f in vars(cls).items() if inspect.iscoroutinefunction(f) and not m.startswith("_")]
    assert overrides
    for method in overrides:
        theirs = inspect.signature(getattr(sync, method)).parameters
        ours = inspect.signature(getattr(cls, method)).parameters
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        assert [(p.name, p.kind, p.default) for p in theirs.values() if p.kind in positional] == [
            (p.name, p.kind, p.default) for p in ours.values() if p.kind in positional
        ], method
        open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in ours.values())
        for p in theirs.values():
            if p.kind is inspect.Parameter.KEYWORD_ONLY:
                assert p.name in ours or open_ended, (method, p.name)
            if p.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
                assert any(q.kind is p.kind for q in ours.values()), (method, p.name)


def test_a_get_answered_with_no_content_is_an_error_for_both(twin: Twin, server: TestServer, prefix: str) -> None:
    # the model's own checks of an answer run for the async twin too (after the await)
    state = {"empty": False}

    def maybe_empty(req: Request) -> Any:
        if state["empty"]:
            return 204, {}, None
        return 200, dict(HAL), {"_links": {"self": {"href": f"{prefix}/x"}, "empty": {"href": f"{prefix}/e"}}}

    server.handle(f"{prefix}/x", maybe_empty)
    server.add(f"{prefix}/e", None, status=204)

    async def scenario() -> None:
        res = await io(twin.client(server.url(f"{prefix}/x")).root())
        for call in (lambda: res.link("empty").follow(), lambda: res.follow("empty"), lambda: res.link("empty").get()):
            with pytest.raises(halkit.ContentTypeError, match="no content"):
                await io(call())
        state["empty"] = True
        with pytest.raises(halkit.ContentTypeError, match="no content"):
            await io(res.refresh())

    twin.run(scenario)
