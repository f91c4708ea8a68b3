"""halkit.forms without HTTP: HAL-FORMS templates, properties, values, and submitting through a stub navigator."""

from __future__ import annotations

import pytest
from stub_navigator import StubNavigator

import halkit
from halkit import HalFormatError, parse

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
    ({"a": {"properties": {}}}, "/_templates/a/properties"),
    ({"a": {"properties": [5]}}, "/_templates/a/properties/0"),
])
def test_malformed_hal_forms(templates: object, pointer: str) -> None:
    res = parse({"_templates": templates})
    with pytest.raises(HalFormatError) as info:
        _ = res.templates
    assert info.value.pointer == pointer


def test_submit_sends_through_the_navigator() -> None:
    nav = StubNavigator()
    res = halkit.Resource(FORM_DOC, base_url="http://h/people/1", navigator=nav, type="person")
    res.template().submit(q="ann")
    res.template("edit").submit(name="Ann")
    res.template("upload").submit(a="1")
    assert nav.calls == [
        ("send", None, "http://h/people", "GET", {"params": {"q": "ann"}}),
        ("send", None, "http://h/people/1", "PUT", {"json": {"name": "Ann", "id": "1"}}),
        ("send", None, "http://h/people/1", "POST", {"data": {"a": "1"}}),
    ]


@pytest.mark.parametrize("method", [None, "", "  ", "FETCH", 5])
def test_a_missing_empty_or_unknown_method_is_get(method: object) -> None:
    raw = {} if method is None else {"method": method}
    assert parse({"_templates": {"default": raw}}).template().method == "GET"
    if method is not None:
        with pytest.warns(halkit.CompatibilityWarning, match="read as GET"):
            assert parse({"_templates": {"default": raw}}, strict=True).template().method == "GET"


def test_nameless_properties_are_ignored() -> None:
    doc = {"_templates": {"default": {"properties": [{"prompt": "no name"}, {"name": ""}, {"name": "q"}]},
                          "other": {"method": "POST"}}}
    res = parse(doc)
    assert [p.name for p in res.template().properties] == ["q"] and res.template("other").method == "POST"
    with pytest.warns(halkit.CompatibilityWarning, match="without a name was ignored"):
        assert [p.name for p in parse(doc, strict=True).template().properties] == ["q"]


def test_submit_takes_headers_and_timeout_for_the_request() -> None:
    nav = StubNavigator()
    doc = {**FORM_DOC, "_templates": {**FORM_DOC["_templates"],  # type: ignore[dict-item]
                                       "vendor": {"method": "PATCH", "contentType": "application/merge-patch+json",
                                                  "properties": [{"name": "headers"}]}}}
    res = halkit.Resource(doc, base_url="http://h/people/1", navigator=nav)
    res.template().submit(q="ann", headers={"X-Trace": "1"}, timeout=2.5)
    res.template("edit").submit({"name": "Ann"}, timeout=(1, 5))
    res.template("upload").submit(headers={"If-Match": "v"})
    res.template("vendor").submit({"headers": "a property"}, headers={"X-Trace": "2"})
    res.template("vendor").submit(headers={"content-TYPE": "application/json"})
    assert [call[4] for call in nav.calls] == [
        {"params": {"q": "ann"}, "headers": {"X-Trace": "1"}, "timeout": 2.5},
        {"json": {"name": "Ann", "id": "1"}, "timeout": (1, 5)},
        {"data": {}, "headers": {"If-Match": "v"}},
        {"json": {"headers": "a property"},
         "headers": {"Content-Type": "application/merge-patch+json", "X-Trace": "2"}},
        {"json": {}, "headers": {"content-TYPE": "application/json"}},
    ]
