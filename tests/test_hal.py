"""halkit.hal: JSON decoding, the document checks (with JSON pointers), strict and lenient parsing."""

from __future__ import annotations

import json
import warnings

import pytest

from halkit import CompatibilityWarning, HalFormatError, parse


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
