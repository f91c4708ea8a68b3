"""Lenient and strict HAL parsing, and the per-client settings for real-world servers.

Each deviation the lenient mode accepts is checked three ways: what halkit
makes of it, the one warning that names it, and the HalFormatError strict
mode raises instead. The HTTP cases (Content-Type, Accept, redirects,
Location after POST, hrefs relative to the API root) run against a real
server on 127.0.0.1, as twin scenarios (:mod:`async_twins`): written once, run
against :class:`halkit.Client` and :class:`halkit.AsyncClient`. So does every
deviation, served to both clients; the tests of :func:`halkit.parse` alone
involve no client.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import urljoin

import async_twins
import pytest
from async_twins import Twin, io

import halkit
from halkit import HalFormatError, parse
from halkit.hal import EMBEDDED_ARRAY_REL

from realworld.compat import record_compat
from server import Request, TestServer

BASE = "https://api.example/v1/things/doc"
HAL = {"Content-Type": "application/hal+json"}

#: the fixture running a test once per client (sync, async)
twin = async_twins.twin


# -- parsing: every deviation, lenient and strict ---------------------------------
# Each check gets the resource and the URL of its document (BASE when parsed,
# https://api.example/v1/things/7 is then urljoin(BASE, "/v1/things/7")).

def _bare_single(res: halkit.Resource, url: str) -> None:
    assert res.link("self").url == urljoin(url, "/v1/things/7")
    assert res.link("up").href == "/v1/" and res.link("up").url == urljoin(url, "/v1/")
    assert not res.links.is_array("self")


def _bare_array(res: halkit.Resource, url: str) -> None:
    assert [link.url for link in res.links["item"]] == [urljoin(url, "1"), urljoin(url, "2")]
    assert res.links.is_array("item")


def _bare_mixed(res: halkit.Resource, url: str) -> None:
    assert [(link.href, link.name) for link in res.links["item"]] == [("1", None), ("2", "two")]


def _null_rel(res: halkit.Resource, url: str) -> None:
    assert list(res.links) == ["self"] and "next" not in res.links
    with pytest.raises(halkit.LinkNotFoundError):
        res.link("next")


def _null_embedded_rel(res: halkit.Resource, url: str) -> None:
    assert res.embedded_rels == ["kept"]
    with pytest.raises(halkit.LinkNotFoundError):
        res.embedded("gone")


def _null_links(res: halkit.Resource, url: str) -> None:
    assert len(res.links) == 0 and res["a"] == 1


def _null_embedded(res: halkit.Resource, url: str) -> None:
    assert res.embedded_rels == [] and res["a"] == 1


def _embedded_array(res: halkit.Resource, url: str) -> None:
    assert res.embedded_rels == [EMBEDDED_ARRAY_REL] == ["items"]
    items = res.embedded("items")
    assert [i["id"] for i in items] == [1, 2]
    assert [i.url for i in items] == [urljoin(url, "1"), urljoin(url, "2")]
    assert res.is_embedded_array("items")


def _missing_links(res: halkit.Resource, url: str) -> None:
    tokens = res.embedded("tokens")
    assert [t["token"] for t in tokens] == ["a", "b"]
    assert all(len(t.links) == 0 and t.url is None for t in tokens)


def _missing_self(res: halkit.Resource, url: str) -> None:
    child = res.embedded("owner")[0]
    assert child.url is None  # never the parent's URL
    assert child.link("avatar").url == urljoin(url, "avatar.png")


DEVIATIONS: List[Any] = [
    pytest.param({"_links": {"self": "/v1/things/7", "up": "/v1/"}}, "bare-href", "/_links/self", _bare_single,
                 id="bare-href"),
    pytest.param({"_links": {"self": {"href": "doc"}, "item": ["1", "2"]}}, "bare-href", "/_links/item/0", _bare_array,
                 id="bare-href-array"),
    pytest.param({"_links": {"item": ["1", {"href": "2", "name": "two"}]}}, "bare-href", "/_links/item/0", _bare_mixed,
                 id="bare-href-mixed-array"),
    pytest.param({"_links": {"self": {"href": "doc"}, "next": None}}, "null-rel", "/_links/next", _null_rel,
                 id="null-rel"),
    pytest.param({"_embedded": {"kept": {"_links": {"self": {"href": "k"}}}, "gone": None}}, "null-embedded",
                 "/_embedded/gone", _null_embedded_rel, id="null-embedded-rel"),
    pytest.param({"_links": None, "a": 1}, "null-embedded", "/_links", _null_links, id="null-links"),
    pytest.param({"_embedded": None, "a": 1}, "null-embedded", "/_embedded", _null_embedded, id="null-embedded"),
    pytest.param({"_embedded": [{"id": 1, "_links": {"self": {"href": "1"}}},
                                {"id": 2, "_links": {"self": {"href": "2"}}}]},
                 "embedded-array", "/_embedded", _embedded_array, id="embedded-array"),
    pytest.param({"_embedded": {"tokens": [{"token": "a"}, {"token": "b"}]}}, "missing-links",
                 "/_embedded/tokens/0", _missing_links, id="missing-links"),
    pytest.param({"_embedded": {"owner": {"_links": {"avatar": {"href": "avatar.png"}}}}}, "missing-self",
                 "/_embedded/owner/_links", _missing_self, id="missing-self"),
    pytest.param({"_links": {"self": {"href": "doc"}, "related": {"owner": {"href": "/users/1"},
                                                                   "channel": {"href": "/channels/2"}}}},
                 "link-map", "/_links/related", lambda res, url: _link_map(res, url), id="link-map"),
]

#: What the draft allows, so strict mode accepts it too (lenient mode still reports it).
ALLOWED_BY_THE_DRAFT = {"missing-links", "missing-self"}


def _link_map(res: halkit.Resource, url: str) -> None:
    # Eve's related map: named links under one rel
    assert res.link("related", name="owner").url.endswith("/users/1")
    assert [link.name for link in res.links["related"]] == ["owner", "channel"]


@pytest.mark.parametrize("doc, kind, pointer, check", DEVIATIONS)
def test_lenient_accepts_and_names_the_deviation(
    doc: Dict[str, Any], kind: str, pointer: str, check: Callable[[halkit.Resource, str], None]
) -> None:
    with record_compat() as seen:
        res = parse(doc, base_url=BASE)
        check(res, BASE)
    assert seen.kinds == [kind]
    assert seen.messages[0].endswith(f"[{kind}] at {BASE}#{pointer}")


@pytest.mark.parametrize("doc, kind, pointer, check", DEVIATIONS)
def test_strict_refuses_the_deviation(
    doc: Dict[str, Any], kind: str, pointer: str, check: Callable[[halkit.Resource, str], None]
) -> None:
    if kind in ALLOWED_BY_THE_DRAFT:
        with record_compat() as seen:
            check(parse(doc, base_url=BASE, strict=True), BASE)
        assert seen.kinds == []
        return
    with pytest.raises(HalFormatError) as info:
        parse(doc, base_url=BASE, strict=True)
    assert info.value.pointer == pointer
    with pytest.raises(HalFormatError):
        parse(json.dumps(doc), strict=True)  # the same from JSON text


@pytest.mark.parametrize("doc, kind, pointer, check", DEVIATIONS)
def test_clients_accept_or_refuse_the_deviation_served_to_them(
    twin: Twin, server: TestServer, prefix: str,
    doc: Dict[str, Any], kind: str, pointer: str, check: Callable[[halkit.Resource, str], None]
) -> None:
    """The same three ways, through a client: the document comes from a server on 127.0.0.1."""
    server.add(f"{prefix}/v1/things/doc", doc)
    url = server.url(f"{prefix}/v1/things/doc")

    async def scenario() -> None:
        with record_compat() as seen:
            res = await io(twin.client(url, retries=0).root())
            check(res, url)
        assert seen.kinds == [kind]
        assert seen.messages[0].endswith(f"[{kind}] at {url}#{pointer}")
        strict = twin.client(url, strict=True, retries=0)
        if kind in ALLOWED_BY_THE_DRAFT:
            with record_compat() as seen:
                check(await io(strict.root()), url)
            assert seen.kinds == []
            return
        with pytest.raises(HalFormatError) as info:
            await io(strict.root())
        assert info.value.pointer == pointer and url in str(info.value)

    twin.run(scenario)


def test_document_without_links_is_hal_in_both_modes() -> None:
    # The draft makes _links optional: the top-level document may leave it out.
    for strict in (False, True):
        with record_compat() as seen:
            res = parse({"name": "plain"}, base_url=BASE, strict=strict)
        assert seen.kinds == [] and len(res.links) == 0 and res.url == BASE


def test_each_kind_is_reported_once_per_parse_at_its_first_place() -> None:
    doc = {
        "_links": {"self": "/s", "a": "/a", "b": ["/b1", "/b2"], "gone": None, "also": None},
        "_embedded": [
            {"_links": {"x": "/x"}},
            {"id": 2},
            {"_embedded": [{"id": 3}]},
        ],
    }
    with record_compat() as seen:
        parse(doc)
    assert sorted(seen.kinds) == ["bare-href", "embedded-array", "missing-links", "missing-self", "null-rel"]
    where = {kind: msg.rsplit(" at ", 1)[1] for kind, msg in zip(seen.kinds, seen.messages)}
    assert where == {
        "bare-href": "/_links/self",
        "null-rel": "/_links/gone",
        "embedded-array": "/_embedded",
        "missing-self": "/_embedded/0/_links",
        "missing-links": "/_embedded/1",
    }


def test_deviations_nested_in_embedded_resources() -> None:
    doc = {"_embedded": {"a": {"_links": {"self": {"href": "a"}}, "_embedded": {"b": [
        {"_links": {"self": "b1", "next": None}}]}}}}
    with record_compat() as seen:
        res = parse(doc, base_url=BASE)
    assert sorted(seen.kinds) == ["bare-href", "null-rel"]
    b = res.embedded("a")[0].embedded("b")[0]
    assert b.url == "https://api.example/v1/things/b1"
    with pytest.raises(HalFormatError) as info:
        parse(doc, strict=True)
    assert info.value.pointer == "/_embedded/a/_embedded/b/0/_links/self"


#: Not deviations halkit knows: (document, pointer in lenient mode, pointer in strict mode).
NOT_DEVIATIONS = [
    ({"_links": {"self": 5}}, "/_links/self", "/_links/self"),
    ({"_links": {"item": ["/a", 5]}}, "/_links/item/1", "/_links/item/0"),
    ({"_links": {"self": {"title": "no href"}}}, "/_links/self", "/_links/self"),
    ({"_links": []}, "/_links", "/_links"),
    ({"_embedded": {"x": "string"}}, "/_embedded/x", "/_embedded/x"),
    ({"_embedded": ["string"]}, "/_embedded/0", "/_embedded"),
]


@pytest.mark.parametrize("doc, pointer, strict_pointer", NOT_DEVIATIONS)
def test_what_is_not_a_known_deviation_is_an_error_in_both_modes(
    doc: Dict[str, Any], pointer: str, strict_pointer: str
) -> None:
    with pytest.raises(HalFormatError) as info:
        parse(doc)
    assert info.value.pointer == pointer
    with pytest.raises(HalFormatError) as info:
        parse(doc, strict=True)
    assert info.value.pointer == strict_pointer


@pytest.mark.parametrize("doc, pointer, strict_pointer", NOT_DEVIATIONS)
def test_clients_refuse_what_is_not_a_known_deviation_in_both_modes(
    twin: Twin, server: TestServer, prefix: str, doc: Dict[str, Any], pointer: str, strict_pointer: str
) -> None:
    server.add(f"{prefix}/doc", doc)
    url = server.url(f"{prefix}/doc")

    async def scenario() -> None:
        for strict, expected in ((False, pointer), (True, strict_pointer)):
            with pytest.raises(HalFormatError) as info:
                await io(twin.client(url, strict=strict, retries=0).root())
            assert info.value.pointer == expected and url in str(info.value)

    twin.run(scenario)


def test_clients_read_deviations_nested_in_embedded_resources(twin: Twin, server: TestServer, prefix: str) -> None:
    doc = {"_embedded": {"a": {"_links": {"self": {"href": "a"}}, "_embedded": {"b": [
        {"_links": {"self": "b1", "next": None}}]}}}}
    server.add(f"{prefix}/v1/things/doc", doc)
    url = server.url(f"{prefix}/v1/things/doc")

    async def scenario() -> None:
        with record_compat() as seen:
            res = await io(twin.client(url, retries=0).root())
        assert sorted(seen.kinds) == ["bare-href", "null-rel"]
        assert res.embedded("a")[0].embedded("b")[0].url == server.url(f"{prefix}/v1/things/b1")
        with pytest.raises(HalFormatError) as info:
            await io(twin.client(url, strict=True, retries=0).root())
        assert info.value.pointer == "/_embedded/a/_embedded/b/0/_links/self"

    twin.run(scenario)


def test_embedded_resource_without_self_cannot_be_sent_to(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/page", {"_links": {"self": {"href": f"{prefix}/page"}}, "_embedded": {"x": [{"id": 1}]}})

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/page"), retries=0)
        with record_compat() as seen:
            item = (await io(client.root())).embedded("x")[0]
        assert seen.kinds == ["missing-links"]
        assert item.url is None
        with pytest.raises(halkit.HalkitError, match="no self link"):
            await io(item.delete())

    twin.run(scenario)
    assert [r.method for r in server.requests_to(f"{prefix}/page")] == ["GET"]  # nothing else was sent


# -- warnings: once per kind and client ---------------------------------------------

def test_warnings_once_per_kind_per_client(twin: Twin, server: TestServer, prefix: str) -> None:
    for n in range(3):
        server.add(f"{prefix}/d{n}", {"_links": {"self": f"{prefix}/d{n}", "next": f"{prefix}/d{n + 1}"},
                                      "_embedded": [{"_links": {"self": f"{prefix}/e{n}"}}]})
    server.add(f"{prefix}/d3", {"_links": {"self": {"href": f"{prefix}/d3"}, "prev": None}})

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/d0"), retries=0)
        with record_compat() as seen:
            res = await io(client.root())
            while "next" in res.links:
                res = await io(res.follow("next"))
        assert seen.kinds == ["bare-href", "embedded-array", "null-rel"]
        assert seen.messages[0].endswith(f"at {server.url(f'{prefix}/d0')}#/_links/self")
        assert seen.messages[2].endswith(f"at {server.url(f'{prefix}/d3')}#/_links/prev")
        with record_compat() as again:
            await io((await io(client.root())).follow("next"))
        assert again.kinds == []
        with record_compat() as other:
            await io(twin.client(server.url(f"{prefix}/d0"), retries=0).root())
        assert other.kinds == ["bare-href", "embedded-array"]

    twin.run(scenario)


def test_compatibility_warning_is_a_halkit_warning() -> None:
    assert issubclass(halkit.CompatibilityWarning, halkit.HalkitWarning)
    with pytest.warns(halkit.CompatibilityWarning, match=r"\[bare-href\]"):
        parse({"_links": {"self": "/x"}})


# -- Content-Type of responses --------------------------------------------------------

@pytest.mark.parametrize("content_type", [
    "application/hal+json", "application/hal+json; charset=utf-8", "application/json",
    "application/vnd.hal+json", "application/json; charset=UTF-8",
])
def test_json_media_types_are_hal_in_both_modes(twin: Twin, server: TestServer, prefix: str, content_type: str) -> None:
    server.add(f"{prefix}/r", json.dumps({"a": 1, "_links": {"self": {"href": f"{prefix}/r"}}}),
               headers={"Content-Type": content_type})

    async def scenario() -> None:
        for strict in (False, True):
            with record_compat() as seen:
                res = await io(twin.client(server.url(f"{prefix}/r"), strict=strict, retries=0).root())
            assert seen.kinds == [] and res["a"] == 1

    twin.run(scenario)


@pytest.mark.parametrize("content_type", ["text/plain", "text/html; charset=utf-8", "application/octet-stream", None])
def test_json_object_with_a_wrong_or_missing_content_type(
    twin: Twin, server: TestServer, prefix: str, content_type: Optional[str]
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    server.add(f"{prefix}/r", ' {"a": 1, "_links": {"self": "/x"}}', headers=headers)

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/r"), retries=0)
        with record_compat() as seen:
            res = await io(client.root())
            await io(client.root())
        assert res["a"] == 1 and res.link("self").href == "/x"
        assert seen.kinds == ["content-type", "bare-href"]
        shown = content_type.split(";")[0] if content_type else "no Content-Type"
        assert f"served JSON as {shown} [content-type]" in seen.messages[0]
        with pytest.raises(halkit.ContentTypeError) as info:
            await io(twin.client(server.url(f"{prefix}/r"), strict=True, retries=0).root())
        assert info.value.content_type == content_type

    twin.run(scenario)


@pytest.mark.parametrize("body", ["<html>hi</html>", "[1, 2]", "\"text\""])
def test_non_object_bodies_with_a_wrong_content_type_are_errors(
    twin: Twin, server: TestServer, prefix: str, body: str
) -> None:
    server.add(f"{prefix}/r", body, headers={"Content-Type": "text/html"})

    async def scenario() -> None:
        for strict in (False, True):
            with pytest.raises(halkit.ContentTypeError):
                await io(twin.client(server.url(f"{prefix}/r"), strict=strict, retries=0).root())

    twin.run(scenario)


# -- request Content-Type and Accept -----------------------------------------------------

def _only_accepts(media_type: str, prefix: str) -> Callable[[Request], Any]:
    def handler(req: Request) -> Any:
        if req.method == "GET":
            return 200, dict(HAL), {"_links": {"self": {"href": f"{prefix}/c"}}}
        if req.headers.get("content-type") != media_type:
            return 415, {"Content-Type": "application/json"}, {"error": f"send {media_type}"}
        return 201, dict(HAL), {"got": req.json(), "_links": {"self": {"href": f"{prefix}/c/1"}}}
    return handler


def test_request_content_type_per_client(twin: Twin, server: TestServer, prefix: str) -> None:
    server.handle(f"{prefix}/hal-only/c", _only_accepts("application/hal+json", f"{prefix}/hal-only"))
    server.handle(f"{prefix}/json-only/c", _only_accepts("application/json", f"{prefix}/json-only"))
    hal_only = server.url(f"{prefix}/hal-only/c")
    json_only = server.url(f"{prefix}/json-only/c")

    async def post(client: Any, body: Any) -> Any:
        return await io((await io(client.root())).post(body))

    async def scenario() -> None:
        with pytest.raises(halkit.ClientError) as info:
            await post(twin.client(hal_only, retries=0), {"a": 1})
        assert info.value.status == 415
        created = await post(twin.client(hal_only, content_type="application/hal+json", retries=0), {"a": 1})
        assert created is not None and created["got"] == {"a": 1}
        with pytest.raises(halkit.ClientError):
            await post(twin.client(json_only, content_type="application/hal+json", retries=0), {"a": 1})
        created = await post(twin.client(json_only, retries=0), {"a": 2})
        assert created is not None and created["got"] == {"a": 2}
        assert twin.client(json_only).content_type == "application/json"

    twin.run(scenario)


def test_accept_header_per_client(twin: Twin, server: TestServer, prefix: str) -> None:
    def picky(req: Request) -> Any:  # HAL only when application/hal+json comes first
        if req.headers.get("accept", "").split(",")[0].strip() == "application/hal+json":
            return 200, dict(HAL), {"hal": True, "_links": {"self": {"href": f"{prefix}/p"}}}
        return 200, {"Content-Type": "text/html"}, "<html>not HAL</html>"

    server.handle(f"{prefix}/p", picky)

    async def scenario() -> None:
        assert (await io(twin.client(server.url(f"{prefix}/p"), retries=0).root()))["hal"] is True
        assert server.requests_to(f"{prefix}/p")[-1].headers["accept"] == halkit.client.DEFAULT_ACCEPT
        json_first = "application/json, application/hal+json"
        with pytest.raises(halkit.ContentTypeError):
            await io(twin.client(server.url(f"{prefix}/p"), accept=json_first, retries=0).root())
        assert server.requests_to(f"{prefix}/p")[-1].headers["accept"] == json_first

    twin.run(scenario)


# -- hrefs relative to the API root ---------------------------------------------------

@pytest.fixture
def rooted(server: TestServer, prefix: str) -> str:
    """An API under {prefix}/api/ whose hrefs are relative to that root, not to the document."""
    api = f"{prefix}/api"
    server.add(f"{api}/", {"_links": {"self": {"href": "/"}, "books": {"href": "/books"},
                                      "book": {"href": "/books/{id}", "templated": True},
                                      "relative": {"href": "books/2"}}})
    server.add(f"{api}/books", {"_links": {"self": {"href": "/books"}},
                                "_embedded": {"books": [{"id": 1, "_links": {"self": {"href": "/books/1"},
                                                                             "author": {"href": "authors/9"}}}]}})
    server.add(f"{api}/books/1", {"id": 1, "_links": {"self": {"href": "/books/1"}}})
    server.add(f"{api}/books/2", {"id": 2, "_links": {"self": {"href": "/books/2"}}})
    server.add(f"{api}/authors/9", {"name": "nine", "_links": {"self": {"href": "/authors/9"},
                                                               "elsewhere": {"href": server.url("/x")},
                                                               "other-host": {"href": "//other.example/y"}}})
    return api


def test_relative_hrefs_default_is_the_document(twin: Twin, server: TestServer, rooted: str) -> None:
    async def scenario() -> None:
        client = twin.client(server.url(f"{rooted}/"), retries=0)
        assert client.relative_hrefs == "document"
        root = await io(client.root())
        assert root.url == server.url("/")
        assert root.link("books").url == server.url("/books")
        assert root.link("relative").url == server.url(f"{rooted}/books/2")  # RFC 3986

    twin.run(scenario)


def test_relative_hrefs_api_root(twin: Twin, server: TestServer, rooted: str) -> None:
    async def scenario() -> None:
        client = twin.client(server.url(f"{rooted}/"), relative_hrefs="api-root", retries=0)
        assert client.api_root == server.url(f"{rooted}/")
        root = await io(client.root())
        assert root.url == server.url(f"{rooted}/")
        books = await io(root.follow("books"))
        assert books.url == server.url(f"{rooted}/books")
        item = books.embedded("books")[0]
        assert item.url == server.url(f"{rooted}/books/1")
        author = await io(item.follow("author"))  # "authors/9" in a resource at /api/books/1: still the API root
        assert author["name"] == "nine" and author.url == server.url(f"{rooted}/authors/9")
        assert author.link("elsewhere").url == server.url("/x")  # absolute URLs are kept
        assert author.link("other-host").url == "http://other.example/y"  # and so are network-path references
        assert (await io(root.follow("book", id=2)))["id"] == 2
        assert (await io(root.follow("relative")))["id"] == 2
        assert client.resolve_href(server.url(f"{rooted}/books/1"), "/books/3?x=1#f") == server.url(
            f"{rooted}/books/3?x=1#f")

    twin.run(scenario)


def test_api_root_from_the_entry_url_or_given(twin: Twin, server: TestServer, rooted: str) -> None:
    async def scenario() -> None:
        no_slash = twin.client(server.url(f"{rooted}?x=1#f"), relative_hrefs="api-root")
        assert no_slash.api_root == server.url(f"{rooted}/")
        given = twin.client(server.url(f"{rooted}/books"), relative_hrefs="api-root", api_root=server.url(f"{rooted}/"))
        assert given.api_root == server.url(f"{rooted}/")
        assert (await io(given.root())).embedded("books")[0].url == server.url(f"{rooted}/books/1")
        with pytest.raises(halkit.HalkitError):
            twin.client(server.url("/"), relative_hrefs="root")
        with pytest.raises(halkit.UnsafeURLError):
            twin.client(server.url("/"), relative_hrefs="api-root", api_root="file:///etc/")

    twin.run(scenario)


# -- redirects ------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_get_follows_a_trailing_slash_redirect_with_a_relative_location(
    twin: Twin, server: TestServer, prefix: str, status: int
) -> None:
    server.add(f"{prefix}/books", None, status=status, headers={"Location": "books/"})
    server.add(f"{prefix}/books/", {"_links": {"self": {"href": "?page=1"}, "first": {"href": "1"}}})
    server.add(f"{prefix}/books/1", {"id": 1})

    async def scenario() -> None:
        res = await io(twin.client(server.url(f"{prefix}/books"), retries=0).root())
        assert res.response is not None and [r.status_code for r in res.response.history] == [status]
        assert res.url == server.url(f"{prefix}/books/?page=1")
        assert (await io(res.follow("first")))["id"] == 1  # relative to where the document really is

    twin.run(scenario)


def test_post_is_not_silently_turned_into_a_get(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/c", None, status=301, headers={"Location": "c/"}, method="POST")
    server.add(f"{prefix}/c/", {"_links": {"self": {"href": f"{prefix}/c/"}}, "list": True})

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/c/"), retries=0)
        with pytest.raises(halkit.RequestError) as info:
            await io(client.request("POST", server.url(f"{prefix}/c"), json={"a": 1}))
        assert "301" in str(info.value) and "'c/'" in str(info.value)

    twin.run(scenario)
    # requests turns the POST into a GET of the target (read, then refused by halkit); the async
    # client follows redirects hop by hop and sends nothing there. Either way no POST arrived.
    assert [r.method for r in server.requests_to(f"{prefix}/c/")] == ([] if twin.is_async else ["GET"])


@pytest.mark.parametrize("status", [307, 308])
def test_post_follows_method_preserving_redirects(twin: Twin, server: TestServer, prefix: str, status: int) -> None:
    server.add(f"{prefix}/c", None, status=status, headers={"Location": "c/"}, method="POST")
    server.handle(f"{prefix}/c/", lambda req: (201, dict(HAL), {"got": req.json(), "method": req.method}), method="POST")

    async def scenario() -> None:
        client = twin.client(server.url(f"{prefix}/c"), retries=0)
        created = await io(client.post(server.url(f"{prefix}/c"), json={"a": 1}))
        assert created is not None and created["got"] == {"a": 1} and created["method"] == "POST"

    twin.run(scenario)


def test_post_303_see_other_is_the_result(twin: Twin, server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/c", None, status=303, headers={"Location": "c/5"}, method="POST")
    server.add(f"{prefix}/c/5", {"id": 5, "_links": {"self": {"href": f"{prefix}/c/5"}}})

    async def scenario() -> None:
        res = await io(twin.client(server.url(f"{prefix}/c"), retries=0).post(server.url(f"{prefix}/c"), json={}))
        assert res is not None and res["id"] == 5 and res.url == server.url(f"{prefix}/c/5")

    twin.run(scenario)


# -- Location after POST --------------------------------------------------------------

@pytest.fixture
def collection(server: TestServer, prefix: str) -> str:
    """The URL of a collection (a client of either kind posts to it)."""
    server.add(f"{prefix}/c", {"_links": {"self": {"href": f"{prefix}/c"}}})
    server.add(f"{prefix}/c/7", {"id": 7, "_links": {"self": {"href": f"{prefix}/c/7"}}})
    return server.url(f"{prefix}/c")


async def _post_to(twin: Twin, collection: str, body: Any) -> Any:
    return await io((await io(twin.client(collection, retries=0).root())).post(body))


@pytest.mark.parametrize("status", [200, 201])
@pytest.mark.parametrize("body, content_type", [
    (None, None), ("", "application/hal+json"), ("Created", "text/plain"), ("<p>OK</p>", "text/html"),
])
def test_location_is_honoured_after_post(
    twin: Twin, server: TestServer, prefix: str, collection: str, status: int, body: Optional[str],
    content_type: Optional[str]
) -> None:
    headers = {"Location": "c/7"}  # relative to the request URL
    if content_type:
        headers["Content-Type"] = content_type
    server.add(f"{prefix}/c", body, status=status, headers=headers, method="POST")
    before = len(server.requests_to(f"{prefix}/c/7"))

    async def scenario() -> None:
        created = await _post_to(twin, collection, {"x": 1})
        assert created is not None and created["id"] == 7 and created.url == server.url(f"{prefix}/c/7")

    twin.run(scenario)
    assert len(server.requests_to(f"{prefix}/c/7")) == before + 1


@pytest.mark.parametrize("status", [200, 201])
def test_a_hal_body_after_post_is_the_result_without_another_request(
    twin: Twin, server: TestServer, prefix: str, collection: str, status: int
) -> None:
    server.add(f"{prefix}/c", {"id": 7, "from": "body", "_links": {"self": {"href": f"{prefix}/c/7"}}},
               status=status, headers={"Location": f"{prefix}/c/7", **HAL}, method="POST")
    before = len(server.requests_to(f"{prefix}/c/7"))

    async def scenario() -> None:
        created = await _post_to(twin, collection, {"x": 1})
        assert created is not None and created["from"] == "body"

    twin.run(scenario)
    assert len(server.requests_to(f"{prefix}/c/7")) == before


def test_post_200_without_location_or_body_is_none(
    twin: Twin, server: TestServer, prefix: str, collection: str
) -> None:
    server.add(f"{prefix}/c", None, status=200, method="POST")

    async def scenario() -> None:
        assert await _post_to(twin, collection, {"x": 1}) is None

    twin.run(scenario)
