"""The corpus of bad HAL documents (tests/fixtures/bad-hal): each gives its documented outcome.

Every file is read in strict and in lenient mode, by :func:`halkit.parse` and
over HTTP by :class:`halkit.Client`: the outcome is a :class:`halkit.HalFormatError`
with the JSON pointer written in ``index.json``, or the documented lenient
outcome. Never another exception type, never a hang. The documents too big or
too deep to keep as files are built here.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import halkit
from halkit import Client, HalFormatError, parse

from server import TestServer

CORPUS = Path(__file__).parent / "fixtures" / "bad-hal"
INDEX: Dict[str, Dict[str, Any]] = {
    k: v for k, v in json.loads((CORPUS / "index.json").read_text(encoding="utf-8")).items() if not k.startswith("_")
}
HAL = {"Content-Type": "application/hal+json"}
BASE = "http://example.com/api/"

# An outcome: ("error", pointer) | ("warn", kind, pointer) | ("ok",)
Outcome = Tuple[Any, ...]


def expected(entry: Dict[str, Any], mode: str) -> Outcome:
    """The outcome ``index.json`` documents for ``mode`` (see README.md in the corpus)."""
    if entry.get("ok"):
        return ("ok",)
    if mode == "strict":
        if "strict" in entry:
            return ("ok",) if entry["strict"] == "ok" else ("error", entry["strict"]["pointer"])
        return ("error", entry.get("strict_pointer", entry["pointer"]))
    lenient = entry.get("lenient")
    if lenient == "ok":
        return ("ok",)
    if lenient is not None:
        return ("warn", lenient, entry["pointer"])
    return ("error", entry.get("lenient_pointer", entry["pointer"]))


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901: the value at ``pointer`` (KeyError/IndexError if there is none)."""
    if pointer == "":
        return document
    assert pointer.startswith("/"), pointer
    value = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


def lenient_decode(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def exercise(res: halkit.Resource) -> None:
    """Touch every accessor of a parsed resource; only halkit errors may come out."""
    dict(res.properties)
    _ = res.url
    for rel in res.links:
        for link in res.links[rel]:
            try:
                link.expand(q="x")
            except halkit.TemplateError:
                pass
    for rel in res.embedded_rels:
        for child in res.embedded(rel):
            exercise(child)
    try:
        dict(res.templates)
    except HalFormatError:
        pass
    res.to_dict()


def check_outcome(outcome: Outcome, run: Any, compat: List[str]) -> Optional[halkit.Resource]:
    """Run ``run()`` and check it meets ``outcome``; ``compat`` collects CompatibilityWarning texts."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = run()
        except HalFormatError as exc:
            assert outcome[0] == "error", f"expected {outcome}, got {exc!r}"
            assert exc.pointer == outcome[1], f"pointer {exc.pointer!r} != {outcome[1]!r}: {exc}"
            return None
    others = [w for w in caught if not issubclass(w.category, halkit.CompatibilityWarning)]
    assert not others, [str(w.message) for w in others]
    compat.extend(str(w.message) for w in caught)
    assert outcome[0] != "error", f"expected HalFormatError at {outcome[1]!r}, the document was accepted"
    if outcome[0] == "warn":
        kind, pointer = outcome[1], outcome[2]
        assert any(f"[{kind}]" in m and m.endswith(f"#{pointer}") or m.endswith(f" {pointer}") for m in compat), compat
    else:
        assert compat == [], f"expected no CompatibilityWarning, got {compat}"
    return result  # type: ignore[no-any-return]


def test_the_index_lists_every_file_and_only_them() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name not in ("index.json", "README.md")}
    assert files == set(INDEX)
    assert len(files) >= 80


@pytest.mark.parametrize("name", sorted(INDEX))
def test_documented_pointers_exist(name: str) -> None:
    """The corpus itself is right: every pointer it documents names a value in the document."""
    entry = INDEX[name]
    document = lenient_decode((CORPUS / name).read_bytes())
    for mode in ("strict", "lenient"):
        outcome = expected(entry, mode)
        if outcome[0] != "ok" and document is not None:
            resolve_pointer(document, outcome[-1])


@pytest.mark.parametrize("mode", ["lenient", "strict"])
@pytest.mark.parametrize("name", sorted(INDEX))
def test_parse(name: str, mode: str) -> None:
    entry = INDEX[name]
    data = (CORPUS / name).read_bytes()
    started = time.monotonic()
    res = check_outcome(expected(entry, mode), lambda: parse(data, strict=mode == "strict", base_url=BASE), [])
    if res is not None:
        exercise(res)
        if "template_error" in entry:
            with pytest.raises(halkit.TemplateError):
                res.link(entry["template_error"]).expand(q="x")
        if "templates_error" in entry:
            with pytest.raises(HalFormatError) as info:
                dict(res.templates)
            assert info.value.pointer == entry["templates_error"]
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("mode", ["lenient", "strict"])
@pytest.mark.parametrize("name", sorted(INDEX))
def test_over_http(name: str, mode: str, server: TestServer, prefix: str) -> None:
    """The same outcome when a server sends the document; the error names the URL."""
    data = (CORPUS / name).read_bytes()
    server.add(f"{prefix}/doc", data, headers=dict(HAL))
    url = server.url(f"{prefix}/doc")
    client = Client(url, strict=mode == "strict", retries=0)
    entry = INDEX[name]
    outcome = expected(entry, mode)
    if "http" in entry:
        with pytest.raises(getattr(halkit, entry["http"])) as other:
            client.root()
        assert url in str(other.value)
    elif outcome[0] == "error":
        with pytest.raises(HalFormatError) as info:
            client.root()
        assert info.value.pointer == outcome[1]
        assert url in str(info.value)
        assert info.value.response is not None and info.value.response.status_code == 200
    else:
        res = check_outcome(outcome, client.root, [])
        assert res is not None
        exercise(res)


# -- documents built here --------------------------------------------------------------------------


def _deep_texts() -> Iterator[Tuple[str, str]]:
    depth = max(sys.getrecursionlimit() * 20, 100_000)
    yield "arrays", "[" * depth + "]" * depth
    yield "objects", '{"a":' * depth + "1" + "}" * depth
    yield "unclosed", "[" * depth
    yield "embedded", '{"_embedded":{"x":' * depth + "{}" + "}}" * depth
    yield "links", '{"_links":{"self":' * depth + '{"href":"/"}' + "}}" * depth


@pytest.mark.parametrize(("label", "text"), list(_deep_texts()), ids=[label for label, _ in _deep_texts()])
@pytest.mark.parametrize("mode", ["lenient", "strict"])
def test_json_nested_beyond_the_recursion_limit(label: str, text: str, mode: str) -> None:
    with pytest.raises(HalFormatError) as info:
        parse(text, strict=mode == "strict")
    assert info.value.pointer == ""


def _deep_embedded(levels: int) -> Dict[str, Any]:
    doc: Dict[str, Any] = {"_links": {"self": {"href": f"/n/{levels}"}}}
    for n in range(levels - 1, -1, -1):
        doc = {"_links": {"self": {"href": f"/n/{n}"}}, "_embedded": {"child": doc}}
    return doc


def test_absurdly_deep_embedded_mapping_fails_at_max_depth() -> None:
    """An already-decoded mapping 50,000 levels deep: checked without recursion, stops at MAX_DEPTH."""
    doc = _deep_embedded(50_000)
    started = time.monotonic()
    with pytest.raises(HalFormatError) as info:
        parse(doc)
    assert info.value.pointer == "/_embedded/child" * (halkit.hal.MAX_DEPTH + 1)
    assert time.monotonic() - started < 1.0


def test_deep_property_values_are_kept_and_copying_them_is_a_halkit_error() -> None:
    """Properties are not HAL: any nesting is accepted, and to_dict() of one too deep to copy says so."""
    value: Any = 1
    for _ in range(sys.getrecursionlimit() * 3):
        value = [value]
    res = parse({"_links": {"self": {"href": "/x"}}, "deep": value})
    assert res["deep"] is value
    with pytest.raises(HalFormatError):
        res.to_dict()


def test_very_large_documents_parse_in_bounded_time() -> None:
    """5 MB with 20,000 links and 20,000 embedded items: parsed and walked in well under a second each."""
    n = 20_000
    doc = {
        "_links": {"self": {"href": "/big"}, "item": [{"href": f"/items/{i}", "title": "t" * 50} for i in range(n)]},
        "_embedded": {"items": [{"_links": {"self": {"href": f"/items/{i}"}}, "id": i, "pad": "x" * 100} for i in range(n)]},
    }
    text = json.dumps(doc)
    assert len(text) > 5_000_000
    started = time.monotonic()
    res = parse(text, strict=True, base_url=BASE)
    assert len(res.links["item"]) == n
    assert [item["id"] for item in res.embedded("items")] == list(range(n))
    assert res.embedded("items")[-1].url == f"http://example.com/items/{n - 1}"
    assert time.monotonic() - started < 5.0


def test_a_bad_link_at_the_end_of_a_large_document_is_found() -> None:
    n = 20_000
    items = [{"_links": {"self": {"href": f"/items/{i}"}}, "id": i} for i in range(n)]
    items[-1]["_links"]["self"]["href"] = None
    with pytest.raises(HalFormatError) as info:
        parse(json.dumps({"_embedded": {"items": items}}))
    assert info.value.pointer == f"/_embedded/items/{n - 1}/_links/self/href"


# -- property-based: one wrong value anywhere in a valid document ----------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

VALID: Dict[str, Any] = {
    "_links": {
        "self": {"href": "/orders?page=1", "title": "Orders"},
        "next": {"href": "/orders?page=2"},
        "find": {"href": "/orders{?id}", "templated": True, "name": "by-id"},
        "curies": [{"name": "acme", "href": "https://docs.acme.com/rels/{rel}", "templated": True}],
        "acme:widgets": [{"href": "/w/1", "name": "one", "type": "application/hal+json"}, {"href": "/w/2"}],
    },
    "_embedded": {
        "orders": [
            {"_links": {"self": {"href": "/orders/1"}, "customer": {"href": "/c/1"}}, "total": 30.0},
            {"_links": {"self": {"href": "/orders/2"}},
             "_embedded": {"customer": {"_links": {"self": {"href": "/c/2"}}, "name": "Ann"}}, "total": 20},
        ],
    },
    "count": 2,
    "tags": ["a", "b"],
}


def _paths(value: Any, pointer: str = "") -> Iterator[Tuple[str, List[Any]]]:
    yield pointer, []
    if isinstance(value, dict):
        for key, child in value.items():
            yield from ((p, [key, *rest]) for p, rest in _paths(child, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from ((p, [i, *rest]) for p, rest in _paths(child, f"{pointer}/{i}"))


PATHS = [(p, route) for p, route in _paths(VALID) if route]
WRONG = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.5, "", "x", "/rel", [], {}]),
    st.lists(st.one_of(st.integers(0, 9), st.none(), st.text(max_size=3)), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(["href", "name", "templated", "_links", "x"]),
                    st.one_of(st.none(), st.integers(0, 2), st.text(max_size=3), st.booleans()), max_size=3),
)


def _mutated(route: List[Any], value: Any) -> Dict[str, Any]:
    doc = json.loads(json.dumps(VALID))
    target = doc
    for step in route[:-1]:
        target = target[step]
    target[route[-1]] = value
    return doc  # type: ignore[no-any-return]


def _related(a: str, b: str) -> bool:
    """One pointer is the other or an ancestor of it."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def test_the_valid_document_is_valid() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = parse(VALID, strict=True, base_url=BASE)
    exercise(res)


@settings(max_examples=150, deadline=None)
@given(where=st.sampled_from(PATHS), value=WRONG, strict=st.booleans())
def test_one_wrong_value_is_reported_where_it_is(where: Tuple[str, List[Any]], value: Any, strict: bool) -> None:
    """Any one value replaced: accepted, or HalFormatError with a pointer at (or around) the change.

    The same outcome for the mapping and for its JSON text; every pointer names a
    value that exists; only halkit errors come out of the accessors.
    """
    pointer, route = where
    doc = _mutated(route, value)
    outcomes = []
    for source in (doc, json.dumps(doc)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", halkit.CompatibilityWarning)
            try:
                res = parse(source, strict=strict, base_url=BASE)
            except HalFormatError as exc:
                outcomes.append(exc.pointer)
                resolve_pointer(doc, exc.pointer)
                assert _related(exc.pointer, pointer), (exc.pointer, pointer)
                continue
            outcomes.append(None)
            try:
                exercise(res)
            except halkit.HalkitError as exc:
                assert isinstance(exc, (HalFormatError, halkit.AmbiguousLinkError, halkit.LinkNotFoundError)), exc
    assert outcomes[0] == outcomes[1]


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(1, len(json.dumps(VALID)) - 1))
def test_a_truncated_document_is_a_json_error(cut: int) -> None:
    text = json.dumps(VALID)[:cut]
    with pytest.raises(HalFormatError) as info:
        parse(text)
    assert info.value.pointer == "" and "invalid JSON" in str(info.value)
