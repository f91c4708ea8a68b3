"""Navigating a live HAL API: a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import warnings
from typing import Any, Dict

import pytest
import requests

import halkit
from halkit import Client

from server import Request, TestServer

HAL = {"Content-Type": "application/hal+json"}


def page(server: TestServer, prefix: str, n: int, total: int, size: int = 3) -> Dict[str, Any]:
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
def api(server: TestServer, prefix: str) -> Client:
    server.add(f"{prefix}/", {
        "_links": {
            "self": {"href": f"{prefix}/"},
            "items": {"href": f"{prefix}/items?page=0"},
            "find": {"href": f"{prefix}/items/{{id}}", "templated": True},
            "widgets": [{"href": f"{prefix}/w/1", "name": "one"}, {"href": f"{prefix}/w/2", "name": "two"}],
            "embedded-thing": {"href": f"{prefix}/thing"},
            "relative": {"href": "items/7"},
            "old": {"href": f"{prefix}/old", "deprecation": "http://docs/old"},
            "plain": {"href": f"{prefix}/plain"},
            "text": {"href": f"{prefix}/text"},
        },
        "_embedded": {"embedded-thing": {"name": "from cache", "_links": {"self": {"href": f"{prefix}/thing"}}}},
        "title": "root",
    })
    for n in range(4):
        server.add(f"{prefix}/items?page={n}", page(server, prefix, n, 10))
    for i in range(10):
        server.add(f"{prefix}/items/{i}", {"id": i, "_links": {"self": {"href": f"{prefix}/items/{i}"},
                                                                "up": {"href": f"{prefix}/"}}})
    server.add(f"{prefix}/w/1", {"w": 1})
    server.add(f"{prefix}/w/2", {"w": 2})
    server.add(f"{prefix}/thing", {"name": "from server"})
    server.add(f"{prefix}/old", {"old": True})
    server.add(f"{prefix}/plain", {"plain": True}, headers={"Content-Type": "application/json"})
    server.add(f"{prefix}/text", "hello", headers={"Content-Type": "text/plain"})
    return Client(server.url(f"{prefix}/"))


def test_root_and_default_headers(api: Client, server: TestServer, prefix: str) -> None:
    root = api.root()
    assert root["title"] == "root"
    req = server.requests_to(f"{prefix}/")[-1]
    assert req.headers["accept"] == "application/hal+json, application/json;q=0.9"
    assert root.response is not None and root.response.status_code == 200
    assert root.url == server.url(f"{prefix}/")


def test_follow_by_get_and_templated(api: Client, server: TestServer, prefix: str) -> None:
    root = api.root()
    item = root.follow("find", id=4)
    assert item["id"] == 4
    assert root.follow("widgets", name="two")["w"] == 2
    assert root.follow("widgets", index=0)["w"] == 1
    with pytest.raises(halkit.AmbiguousLinkError):
        root.follow("widgets")
    with pytest.raises(halkit.LinkNotFoundError):
        root.follow("nope")


def test_follow_relative_href(api: Client, server: TestServer, prefix: str) -> None:
    assert api.root().follow("relative")["id"] == 7


def test_follow_chain(api: Client, server: TestServer, prefix: str) -> None:
    got = api.root().follow("find", "up", id=2)
    assert got["title"] == "root"


def test_follow_prefers_embedded_without_request(api: Client, server: TestServer, prefix: str) -> None:
    root = api.root()
    before = len(server.requests_to(f"{prefix}/thing"))
    assert root.follow("embedded-thing")["name"] == "from cache"
    assert len(server.requests_to(f"{prefix}/thing")) == before
    assert root.follow("embedded-thing", embedded=False)["name"] == "from server"
    assert len(server.requests_to(f"{prefix}/thing")) == before + 1


def test_items_walks_pages_lazily(api: Client, server: TestServer, prefix: str) -> None:
    root = api.root()
    first = root.follow("items")
    before = len(server.requests_to(f"{prefix}/items?page="))
    it = first.items()
    ids = [next(it)["id"] for _ in range(3)]
    assert ids == [0, 1, 2]
    assert len(server.requests_to(f"{prefix}/items?page=")) == before  # nothing fetched yet
    ids += [r["id"] for r in it]
    assert ids == list(range(10))
    assert it.pages_fetched == 3
    assert len(server.requests_to(f"{prefix}/items?page=")) == before + 3


def test_walked_pages_are_freed_by_reference_counting(api: Client) -> None:
    # a page fetched over HTTP, its links and embedded items touched, is freed
    # as soon as the walk moves on: nothing on the walking path is a cycle
    import gc
    import weakref

    first = api.root().follow("items")
    gc.collect()
    gc.disable()
    try:
        it = first.items()
        del first
        refs = []
        for item in it:
            _ = item.links["self"][0].url, item.url
            if it.page is not None and not any(ref() is it.page for ref in refs):
                refs.append(weakref.ref(it.page))
        del item
        assert len(refs) == 4
        assert [ref() for ref in refs] == [None] * 4
    finally:
        gc.enable()


def test_items_resumes_after_a_failed_page(server: TestServer, prefix: str) -> None:
    for n in range(4):
        server.add(f"{prefix}/items?page={n}", page(server, prefix, n, 10))
    state = {"fail": True}

    def flaky(req: Request) -> Any:
        if state["fail"]:
            state["fail"] = False
            return 500, {}, {"error": "boom"}
        return 200, dict(HAL), page(server, prefix, 2, 10)

    server.handle(f"{prefix}/items?page=2", flaky, method="GET")
    client = Client(server.url(f"{prefix}/items?page=0"), retries=0)
    it = client.root().items("items")
    seen = []
    with pytest.raises(halkit.ServerError):
        for item in it:
            seen.append(item["id"])
    seen += [item["id"] for item in it]
    assert seen == list(range(10))


def test_every_verb(server: TestServer, prefix: str) -> None:
    seen = []

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
    client = Client(server.url(f"{prefix}/r"))
    res = client.root()
    assert res["method"] == "GET"
    assert res.post({"a": 1})["method"] == "POST"
    assert res.put({"a": 1})["method"] == "PUT"
    assert res.patch({"a": 1})["method"] == "PATCH"
    assert res.delete() is None
    assert res.head().headers["X-Ok"] == "1"
    assert res.options().headers["Allow"] == "GET, POST"
    link = res.link("self")
    assert link.post({"b": 2})["method"] == "POST"
    assert [m for m, _, _ in seen] == ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "POST"]
    post = seen[1]
    assert post[1] == "application/json" and json.loads(post[2]) == {"a": 1}


def test_created_with_location(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/c", {"_links": {"self": {"href": f"{prefix}/c"}}})
    server.add(f"{prefix}/c", None, status=201, headers={"Location": f"{prefix}/c/9"}, method="POST")
    server.add(f"{prefix}/c/9", {"id": 9})
    server.add(f"{prefix}/b", {"_links": {"self": {"href": f"{prefix}/b"}}})
    server.add(f"{prefix}/b", {"id": 10, "_links": {"self": {"href": f"{prefix}/b/10"}}}, status=201,
               headers={"Location": f"{prefix}/b/10", **HAL}, method="POST")
    client = Client(server.url(f"{prefix}/c"))
    created = client.root().post({"x": 1})
    assert created is not None and created["id"] == 9
    assert created.url == server.url(f"{prefix}/c/9")
    before = len(server.requests_to(f"{prefix}/b/10"))
    body = Client(server.url(f"{prefix}/b")).root().post({})
    assert body is not None and body["id"] == 10
    assert len(server.requests_to(f"{prefix}/b/10")) == before  # the body was the resource


def test_http_errors_carry_status_response_and_problem(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/p", {"type": "https://e/probs/out-of-credit", "title": "You do not have enough credit.",
                               "detail": "Your balance is 30.", "instance": "/account/1/msgs/abc", "balance": 30},
               status=403, headers={"Content-Type": "application/problem+json"})
    server.add(f"{prefix}/missing", {"error": "ResourceNotFoundError", "message": "Resource not found"}, status=404)
    server.add(f"{prefix}/boom", "oops", status=500, headers={"Content-Type": "text/plain"})
    client = Client(server.url(f"{prefix}/p"), retries=0)
    with pytest.raises(halkit.ForbiddenError) as info:
        client.root()
    err = info.value
    assert err.status == 403 and err.response is not None
    assert err.problem_type == "https://e/probs/out-of-credit" and err.detail == "Your balance is 30."
    assert err.title == "You do not have enough credit." and err.instance == "/account/1/msgs/abc"
    assert err.body["balance"] == 30
    with pytest.raises(halkit.NotFoundError) as nf:
        client.get(server.url(f"{prefix}/missing"))
    assert "Resource not found" in str(nf.value)
    with pytest.raises(halkit.ServerError) as se:
        client.get(server.url(f"{prefix}/boom"))
    assert se.value.status == 500 and se.value.body is None
    assert isinstance(se.value, halkit.HTTPError) and isinstance(se.value, halkit.HalkitError)


def test_deprecated_link_warns_once(api: Client) -> None:
    root = api.root()
    with pytest.warns(halkit.DeprecatedLinkWarning, match="http://docs/old"):
        root.follow("old")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        root.follow("old")
        api.root().follow("old")


def test_plain_json_and_non_json(api: Client) -> None:
    root = api.root()
    plain = root.follow("plain")
    assert plain["plain"] is True and len(plain.links) == 0
    with pytest.raises(halkit.ContentTypeError) as info:
        root.follow("text")
    assert "text/plain" in str(info.value)
    assert info.value.content_type == "text/plain"


def test_user_session_is_used_with_its_hooks(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/s", {"ok": 1})
    session = requests.Session()
    seen = []
    session.hooks["response"].append(lambda r, *a, **k: seen.append(r.url))
    session.headers["X-From-Session"] = "yes"
    client = Client(server.url(f"{prefix}/s"), session=session, headers={"X-Extra": "1"})
    client.root()
    assert seen == [server.url(f"{prefix}/s")]
    req = server.requests_to(f"{prefix}/s")[-1]
    assert req.headers["x-from-session"] == "yes" and req.headers["x-extra"] == "1"
    client.close()
    assert session.hooks["response"]  # closing the client leaves the user's session alone


def test_redirects_and_relative_base(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/old-home", None, status=301, headers={"Location": f"{prefix}/new/home/"})
    server.add(f"{prefix}/new/home/", {"_links": {"next": {"href": "child"}}})
    server.add(f"{prefix}/new/home/child", {"ok": True})
    res = Client(server.url(f"{prefix}/old-home")).root()
    assert res.url == server.url(f"{prefix}/new/home/")
    assert res.follow("next")["ok"] is True


def test_connection_errors_become_halkit_errors() -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = Client(f"http://127.0.0.1:{port}/", retries=0, timeout=2)
    with pytest.raises(halkit.ConnectError) as info:
        client.root()
    assert info.value.url == f"http://127.0.0.1:{port}/"
    assert info.value.__cause__ is not None


def test_timeout_is_default_and_mapped(server: TestServer, prefix: str) -> None:
    from server import slow

    server.handle(f"{prefix}/slow", slow(1.0, (200, {}, {"a": 1})))
    assert Client(server.url("/")).timeout == halkit.client.DEFAULT_TIMEOUT
    client = Client(server.url(f"{prefix}/slow"), timeout=0.2, retries=0)
    with pytest.raises(halkit.TimeoutError):
        client.root()


def test_unsafe_schemes_refused_before_io() -> None:
    for url in ("file:///etc/passwd", "ftp://x/y", "javascript:alert(1)", "data:,x"):
        with pytest.raises(halkit.UnsafeURLError):
            Client(url)
    res_client = Client("http://127.0.0.1:9/")
    doc = halkit.Resource({"_links": {"evil": {"href": "file:///etc/passwd"}}}, base_url="http://127.0.0.1:9/", client=res_client)
    with pytest.raises(halkit.UnsafeURLError):
        doc.follow("evil")


def test_body_size_cap(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/big", {"data": "x" * 5000})
    client = Client(server.url(f"{prefix}/big"), max_body_size=1000)
    with pytest.raises(halkit.ResponseTooLargeError) as info:
        client.root()
    assert info.value.limit == 1000


def test_malformed_hal_from_server(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/bad", {"_links": {"self": 5}})
    with pytest.raises(halkit.HalFormatError) as info:
        Client(server.url(f"{prefix}/bad")).root()
    assert info.value.pointer == "/_links/self"
    assert prefix in str(info.value)


def test_hal_forms_submit_over_http(server: TestServer, prefix: str) -> None:
    got = []

    def record(req: Request) -> Any:
        got.append((req.method, req.path, req.headers.get("content-type"), req.body))
        return 200, dict(HAL), {"ok": req.method}

    server.handle(f"{prefix}/people", record)
    server.handle(f"{prefix}/people?q=ann", record)
    server.add(f"{prefix}/form", {
        "_links": {"self": {"href": f"{prefix}/form"}},
        "_templates": {
            "default": {"method": "GET", "target": f"{prefix}/people", "properties": [{"name": "q", "required": True}]},
            "create": {"method": "POST", "target": "people", "properties": [{"name": "name", "required": True}]},
            "form": {"method": "PUT", "target": "people", "contentType": "application/x-www-form-urlencoded",
                     "properties": [{"name": "name"}]},
        },
    })
    res = Client(server.url(f"{prefix}/form")).root()
    assert res.template().submit(q="ann")["ok"] == "GET"
    assert res.template("create").submit({"name": "Bo"})["ok"] == "POST"
    assert res.template("form").submit(name="Cy")["ok"] == "PUT"
    with pytest.raises(halkit.FormError):
        res.template("create").submit()
    assert got[0][:2] == ("GET", f"{prefix}/people?q=ann")
    assert got[1][0] == "POST" and got[1][2] == "application/json" and json.loads(got[1][3]) == {"name": "Bo"}
    assert got[2][0] == "PUT" and got[2][2] == "application/x-www-form-urlencoded" and got[2][3] == b"name=Cy"
    assert len(got) == 3  # the refused submit sent nothing


# -- one validation path: the profile's enforce and check_method -----------------------------


def test_violations_raise_in_strict_mode_with_the_resource(server: TestServer, prefix: str) -> None:
    from tiny_profile import tiny_api, tiny_profile

    with Client(tiny_api(server, prefix), profile=tiny_profile()) as client:
        root = client.root()
        assert root.type == "root"
        with pytest.raises(halkit.ProfileError) as info:
            root.follow("items")
    assert [v.rule for v in info.value.violations] == ["required-property"]
    assert info.value.resource.type == "item" and info.value.resource["id"] == 1  # type: ignore[attr-defined]
    assert str(info.value).startswith(server.url(f"{prefix}/items/1") + ": ")


def test_violations_warn_in_warn_mode(server: TestServer, prefix: str) -> None:
    from tiny_profile import tiny_api, tiny_profile

    with Client(tiny_api(server, prefix), profile=tiny_profile(), validation="warn") as client:
        with pytest.warns(halkit.ProfileWarning, match="required"):
            item = client.root().follow("items")
    assert item.type == "item"


def test_undocumented_methods_are_refused_before_sending(server: TestServer, prefix: str) -> None:
    from tiny_profile import tiny_api, tiny_profile

    with Client(tiny_api(server, prefix), profile=tiny_profile(), validation="off") as client:
        item = client.root().follow("items")
    with Client(tiny_api(server, prefix), profile=tiny_profile()) as client:
        root = client.root()
        before = len(server.log)
        with pytest.raises(halkit.ProfileError, match="nothing was sent"):
            root.link("items").put({})
        assert len(server.log) == before
    with Client(tiny_api(server, prefix), profile=tiny_profile(), validation="warn") as client:
        typed = client.get(item.url or "", type="item", validation="off")
        before = len(server.log)
        with pytest.warns(halkit.ProfileWarning, match="documents DELETE, GET for rel 'self' of item, not PUT"):
            with pytest.raises(halkit.HTTPError):
                typed.put({"name": "x"})  # warned, then sent all the same
        assert len(server.log) == before + 1


def test_the_answers_type_is_decided_before_the_resource_is_built(server: TestServer, prefix: str) -> None:
    from tiny_profile import tiny_api, tiny_profile

    server.add(f"{prefix}/items/1", {"name": "new", "_links": {"self": {"href": f"{prefix}/items/1"}}},
               method="POST", status=201)
    url = tiny_api(server, prefix)
    server.add(f"{prefix}/items/1", {"name": "new", "_links": {"self": {"href": f"{prefix}/items/1"}}},
               method="POST", status=201)
    with Client(url, profile=tiny_profile()) as client:
        root = client.root()
        created = root.link("items").post({"name": "new"})  # the profile: POST on items answers an item
        assert created is not None and created.type == "item"
        inferred = client.post(server.url(f"{prefix}/items/1"), {"name": "new"})  # no rel: inferred
        assert inferred is not None and inferred.type == "item"
        with pytest.raises(AttributeError):
            inferred.type = "root"  # type: ignore[misc]


def test_from_profile_builds_the_client_the_profile_describes(server: TestServer, prefix: str) -> None:
    from tiny_profile import tiny_api, tiny_profile

    profile = tiny_profile()
    with Client.from_profile(profile, entry_url=tiny_api(server, prefix), validation="warn") as client:
        assert client.profile is profile and client.validation == "warn"
        assert client.root().type == "root"
    with Client.from_profile("chatkitty", environment="staging") as client:
        assert client.entry_url == "https://staging-api.chatkitty.com/v1" and client.validation == "strict"
    with pytest.raises(halkit.ProfileError, match="both client_id and client_secret"):
        Client.from_profile(profile, "a")
    with pytest.raises(halkit.ProfileError, match="unknown validation mode"):
        Client.from_profile(profile, validation="loud")
