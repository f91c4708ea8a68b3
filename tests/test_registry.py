"""halkit.registry.hal_profile: validation, inference, the rules a client applies, undocumented names, layering."""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys
import threading
import warnings
from types import MappingProxyType
from typing import Any, Dict, Iterator, List

import pytest
from profile_files import COMMON, manifest, write_mini

import halkit
from halkit import registry
from halkit.registry import Profile, Violation, profile

from oauth_server import OAuthServer


@pytest.fixture
def mini(tmp_path: pathlib.Path) -> pathlib.Path:
    return write_mini(tmp_path)


# -- undocumented names ---------------------------------------------------------


def test_undocumented_names_with_did_you_mean() -> None:
    ck = profile("chatkitty")
    user = {
        "id": 1,
        "name": "jane",
        "displayname": "Jane",
        "_links": {
            "self": {"href": "/u/1"},
            "channels": {"href": "/u/1/c"},
            "chanels": {"href": "/u/1/c"},
            "application": {"href": "/a"},
            "curies": [{"name": "ck", "href": "/rels/{rel}", "templated": True}],
        },
    }
    found = ck.undocumented(user, "user")
    assert [(v.pointer, v.rule) for v in found] == [
        ("/_links/chanels", "undocumented"),
        ("/displayname", "undocumented"),
    ]
    assert "link relation 'chanels' is not documented; did you mean 'channels'?" in found[0].message
    assert "property 'displayname' is not documented; did you mean 'displayName'?" in found[1].message
    assert ck.validate(user, "user") == []  # off by default
    assert [v.pointer for v in ck.validate(user, "user", undocumented=True)] == ["/_links/chanels", "/displayname"]


def test_undocumented_names_in_embedded_resources_by_their_types() -> None:
    ck = profile("chatkitty")
    page = {
        "page": {"size": 1, "totalElements": 1, "totalPages": 1, "number": 0},
        "_links": {"self": {"href": "/u"}},
        "_embedded": {
            "users": [{"id": 1, "name": "n", "displayName": "d", "colour": "red", "_links": {}}],
            "usrs": [],
        },
    }
    found = [(v.pointer, v.type) for v in ck.undocumented(page, "user-page")]
    assert found == [("/_embedded/users/0/colour", "user"), ("/_embedded/usrs", "user-page")]
    assert "did you mean 'users'?" in ck.undocumented(page, "user-page")[1].message


def test_undocumented_skips_types_without_a_closed_list_of_properties(tmp_path: pathlib.Path) -> None:
    data = manifest()
    data["types"]["thing"]["schema"] = {"type": "object", "additionalProperties": {"type": "integer"}}
    p = Profile.from_data(data, {"common.json": COMMON})
    assert p.undocumented({"a": 1, "b": 2, "_links": {"self": {"href": "/"}}}, "thing") == []
    assert [v.pointer for v in p.undocumented({"anything": 1, "_links": {"slef": {"href": "/"}}}, "root")] == [
        "/_links/slef"
    ]  # no schema: properties unknown, rels still checked


def test_undocumented_names_only_ever_warn() -> None:
    ck = profile("chatkitty")
    token = {"token": "t", "tokn": "u"}
    assert ck.enforce(token, "user-token") == []  # off by default
    with pytest.warns(halkit.ProfileWarning, match="'tokn' is not documented; did you mean 'token'"):
        found = ck.enforce(token, "user-token", "strict", undocumented=True)  # strict, yet only a warning
    assert [v.rule for v in found] == ["undocumented"]
    with pytest.raises(halkit.ProfileViolationError) as info:
        with pytest.warns(halkit.ProfileWarning):
            ck.enforce({"token": 1, "tokn": "u"}, "user-token", "strict", undocumented=True)
    assert [v.rule for v in info.value.violations] == ["property-type"]  # the error lists only errors
    assert ck.enforce(token, "user-token", "off", undocumented=True) == []


# -- validating ---------------------------------------------------------------


def test_validate_a_mini_profile(mini: pathlib.Path) -> None:
    p = Profile.from_directory(mini)
    thing = {"id": 1, "_links": {"self": {"href": "/t/1"}, "search": {"href": "/t{?q}", "templated": True}}}
    assert p.validate(thing, "thing") == []
    page = {"_links": {"self": {"href": "/t"}}, "_embedded": {"things": [thing, {"id": 2**64, "_links": {}}]}}
    assert [(v.pointer, v.rule, v.type) for v in p.validate(page, "thing-list")] == [
        ("/_embedded/things/1/_links/self", "required-link", "thing"),
        ("/_embedded/things/1/id", "format", "thing"),
    ]
    page["_embedded"]["things"] = thing  # the profile says: an array
    assert [(v.pointer, v.rule) for v in p.validate(page, "thing-list")] == [("/_embedded/things", "embedded-type")]


def test_validate_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(halkit.ProfileError, match="no type 'users'; its types are: api-root, application"):
        profile("chatkitty").validate({}, "users")


def test_validate_accepts_mappings_and_resources() -> None:
    ck = profile("chatkitty")
    doc = {"token": "abc"}
    assert ck.validate(MappingProxyType(doc), "user-token") == []
    assert ck.validate(MappingProxyType({"token": 1}), "user-token")[0].rule == "property-type"

    class Resourceish:
        def to_dict(self) -> Dict[str, Any]:
            return {"token": 5}

    assert [v.pointer for v in ck.validate(Resourceish(), "user-token")] == ["/token"]
    from halkit.resource import parse

    assert ck.validate(parse({"token": "x", "_links": {}}), "user-token") == []


def test_documents_that_are_not_objects() -> None:
    violations = profile("chatkitty").validate([1, 2], "user")
    assert violations == [Violation("", "document-type", "user: expected a JSON object, got an array", "user")]
    assert str(violations[0]) == "/: user: expected a JSON object, got an array [document-type]"



def test_pointers_escape_slash_and_tilde(mini: pathlib.Path) -> None:
    p = Profile.from_directory(mini)
    thing = {"id": 1, "_links": {"self": {"href": "/1"}, "a/b~c": {"href": 3}}}
    assert [v.pointer for v in p.validate(thing, "thing")] == ["/_links/a~1b~0c/href"]


def test_validators_compile_once_per_type_and_are_thread_safe() -> None:
    p = Profile.from_directory(pathlib.Path(profile("chatkitty").origin))
    results: List[Any] = []

    def work() -> None:
        results.append(p.validate({"token": "t"}, "user-token"))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[]] * 8
    assert list(p._validators) == ["user-token"]  # noqa: SLF001
    first = p._validators["user-token"]  # noqa: SLF001
    p.validate({"token": "u"}, "user-token")
    assert p._validators["user-token"] is first  # noqa: SLF001


def test_no_network_refs_in_generated_schemas() -> None:
    ck = profile("chatkitty")
    text = json.dumps([ck.schema(t) for t in ck.types])
    assert "$ref" in text
    refs = {ref for t in ck.types for ref in _refs(ck.schema(t))}
    resolver = ck.registry.resolver()
    for ref in refs:
        resolver.lookup(ref)  # all resolve offline, from the profile's own registry


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_infer_types() -> None:
    ck = profile("chatkitty")
    assert ck.infer_types({"token": "x"}) == ["user-token"]
    empty_page = {"_links": {"self": {"href": "/x"}}, "page": {"size": 0}}
    assert set(ck.infer_types(empty_page)) == {
        "user-page",
        "channel-page",
        "user-token-page",
        "push-notification-credential-page",
        "message-page",
    }
    broken_user = {
        "id": "1",
        "name": "n",
        "displayName": "d",
        "_links": {"self": {"href": "/u"}, "channels": {"href": "/c"}, "application": {"href": "/a"}},
    }
    assert ck.infer_types(broken_user) == ["user"]  # the best description, even with a violation
    ranked = ck.rank_types(broken_user)
    assert ranked[0][0] == "user" and [v.pointer for v in ranked[0][1]] == ["/id"]


# -- modes --------------------------------------------------------------------


def test_enforce_modes() -> None:
    ck = profile("chatkitty")
    bad = {"token": 1}
    with pytest.raises(halkit.ProfileError, match="1 violation.*user-token.*/token") as info:
        ck.enforce(bad, "user-token")
    assert [v.pointer for v in info.value.violations] == ["/token"]
    with pytest.warns(halkit.ProfileWarning, match="/token"):
        assert len(ck.enforce(bad, "user-token", "warn")) == 1
    assert ck.enforce(bad, "user-token", "off") == []
    assert ck.enforce({"token": "t"}, "user-token") == []
    with pytest.raises(halkit.ProfileError, match="unknown validation mode 'loud'"):
        ck.enforce(bad, "user-token", "loud")


def test_strict_violations_are_profile_violation_errors() -> None:
    ck = profile("chatkitty")
    with pytest.raises(halkit.ProfileViolationError) as info:
        ck.enforce({"token": 1}, "user-token")
    assert isinstance(info.value, halkit.ProfileError) and not isinstance(info.value, halkit.InvalidProfileError)
    assert info.value.resource is None  # a plain document: nothing to keep


def test_enforce_names_the_resource_and_keeps_it() -> None:
    ck = profile("chatkitty")

    class Fetched:
        url = "http://127.0.0.1/v1/tokens/1"
        document = MappingProxyType({"token": 1})

    fetched = Fetched()
    with pytest.raises(halkit.ProfileViolationError, match=r"^http://127.0.0.1/v1/tokens/1: 1 violation") as info:
        ck.enforce(fetched, "user-token")
    assert info.value.resource is fetched
    with pytest.warns(halkit.ProfileWarning, match=r"^http://127.0.0.1/v1/tokens/1: 1 violation"):
        ck.enforce(fetched, "user-token", "warn")


def test_documents_are_read_through_the_document_protocol() -> None:
    ck = profile("chatkitty")

    class Holder:
        document = MappingProxyType({"token": "t"})

    assert isinstance(Holder(), registry.HasDocument)
    assert ck.validate(Holder(), "user-token") == []


@pytest.mark.parametrize("method", ["DELETE", "delete", "PUT"])
def test_check_method_modes(method: str) -> None:
    ck = profile("chatkitty")
    with pytest.raises(halkit.ProfileViolationError, match="documents GET, POST for rel 'users' of application") as info:
        ck.check_method("application", "users", method)
    assert [(v.pointer, v.rule) for v in info.value.violations] == [("/_links/users", "method")]
    with pytest.warns(halkit.ProfileWarning, match="nothing was sent"):
        ck.check_method("application", "users", method, "warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ck.check_method("application", "users", method, "off")


@pytest.mark.parametrize("validation", ["strict", "warn"])
def test_check_method_always_allows_head_and_options_and_documented_methods(validation: str) -> None:
    ck = profile("chatkitty")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("HEAD", "options", "GET", "post"):
            ck.check_method("application", "users", method, validation)
        ck.check_method("application", "no-such-rel", "DELETE", validation)  # undocumented: nothing to refuse
    with pytest.raises(halkit.ProfileError, match="unknown validation mode"):
        ck.check_method("application", "users", "GET", "loud")



# -- layering ------------------------------------------------------------------


REGISTRY_DIR = pathlib.Path(registry.__file__).parent


def test_import_halkit_loads_no_jsonschema() -> None:
    code = (
        "import sys, halkit, halkit.registry, halkit.violations; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jsonschema', 'referencing')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    code = "import sys, halkit; halkit.profile('chatkitty'); print('jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


@pytest.mark.parametrize("module", sorted(path.name for path in REGISTRY_DIR.glob("*.py")))
def test_the_registry_imports_no_http_layer_at_module_level(module: str) -> None:
    tree = ast.parse((REGISTRY_DIR / module).read_text(encoding="utf-8"))
    imported = set()
    for node in tree.body:  # module level only (Profile.client imports inside the method)
        if isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    for forbidden in ("..client", "..resource", "..auth", "..link", "..forms", "..transport", "requests"):
        assert forbidden not in imported, (module, forbidden)


def test_no_generic_module_names_chatkitty() -> None:
    for path in REGISTRY_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # the code, docstrings aside (they may use the shipped profile as an example)
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                    body.pop(0)
        assert "chatkitty" not in ast.unparse(tree).lower(), path.name



# -- clients ------------------------------------------------------------------


def test_client_from_the_profile_sends_the_seed_token_request() -> None:
    ck = profile("chatkitty")
    with OAuthServer(require_password_fields=True, protected=True) as server:
        client = halkit.Client.from_profile(
            ck,
            "acme", "acmesecret", entry_url=server.url("/api/root"), token_url=server.token_url, validation="off"
        )
        try:
            assert client.entry_url == server.url("/api/root")
            assert client.profile is ck and client.validation == "off"
            client.get(server.url("/api/anything"))
        finally:
            client.close()
        assert len(server.token_requests) == 1
        form = server.token_requests[0].form
        assert form["grant_type"] == ["client_credentials"]
        assert form["username"] == ["acme"] and form["password"] == ["acmesecret"]
        assert "acmesecret" not in repr(client)


def test_client_defaults_and_errors() -> None:
    ck = profile("chatkitty")
    client = halkit.Client.from_profile(ck, environment="staging")
    try:
        assert client.entry_url == "https://staging-api.chatkitty.com/v1"
        assert client.validation == "strict"
    finally:
        client.close()
    with pytest.raises(halkit.ProfileError, match="no environment 'qa'; its environments are: production, staging"):
        halkit.Client.from_profile(ck, "a", "b", environment="qa")
    with pytest.raises(halkit.ProfileError, match="both client_id and client_secret"):
        halkit.Client.from_profile(ck, "a")

