"""Property-based fuzzing of the HAL parser: only HalFormatError (or a usable resource), never a hang."""

from __future__ import annotations

import json
import warnings
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import halkit
from halkit import HalkitError, parse

KEYS = st.sampled_from(["_links", "_embedded", "_templates", "href", "templated", "name", "self",
                        "next", "curies", "items", "title", "a:b", "x/y~z", "properties", "method"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(["/a", "{?x}", "/b{/c*}", "http://h/{rel}", "x{", "{x:3}"]),
)
JSONISH = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.one_of(KEYS, st.text(max_size=5)), children, max_size=5),
    max_leaves=40,
)


def _exercise(res: halkit.Resource, depth: int = 0) -> None:
    """Touch every accessor; any failure must be a HalkitError."""
    _ = dict(res.properties)
    _ = res.url
    links = res.links
    for rel in links:
        for link in links[rel]:
            _ = link.variables
            try:
                link.expand(x="1", rel="r", c=["a", "b"])
            except halkit.TemplateError:
                pass
    for rel in res.embedded_rels:
        for child in res.embedded(rel):
            if depth < 5:
                _exercise(child, depth + 1)
    try:
        for template in res.templates.values():
            try:
                template.values()
            except halkit.FormError:
                pass
    except halkit.HalFormatError:
        pass
    res.to_dict()


@given(st.dictionaries(KEYS, JSONISH, max_size=6))
def test_random_documents(doc: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", halkit.CompatibilityWarning)
        for strict in (False, True):
            try:
                res = parse(doc, strict=strict, base_url="http://example.com/a/b")
            except halkit.HalFormatError:
                continue
            try:
                _exercise(res)
            except HalkitError as exc:
                assert isinstance(exc, (halkit.HalFormatError, halkit.AmbiguousLinkError, halkit.LinkNotFoundError)), exc


@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", halkit.CompatibilityWarning)
        try:
            parse(data)
        except halkit.HalFormatError:
            pass


@given(JSONISH)
def test_random_json_text(value: Any) -> None:
    text = json.dumps(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", halkit.CompatibilityWarning)
        try:
            res = parse(text)
        except halkit.HalFormatError:
            assert not isinstance(value, dict) or "_links" in value or "_embedded" in value
            return
        assert isinstance(value, dict)
        _exercise(res)
