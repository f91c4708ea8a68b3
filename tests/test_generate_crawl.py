"""halkit.generate.crawl: a draft profile from a live HAL API (a scripted server and the emulator)."""

from __future__ import annotations

import io
import json
import pathlib
from typing import Any, Dict, Iterator, Tuple

import pytest
import requests

import halkit
from halkit import Client
from halkit.auth import BearerToken
from halkit.cli import main as cli_main
from halkit.emulator import Emulator
from halkit.generate import TODO, GenerateError, crawl_profile, from_crawl
from halkit.generate.crawl import path_pattern

from server import TestServer


@pytest.mark.parametrize(
    "url, pattern",
    [
        ("http://h/v1/applications/52/users/7?page=1", "/v1/applications/{id}/users/{id}"),
        ("http://h/v1", "/v1"),
        ("http://h/", "/"),
        ("http://h/files/3f2504e0-4f89-11d3-9a0c-0305e82c3301/raw", "/files/{id}/raw"),
        ("http://h/tokens/abcdef0123456789abcd", "/tokens/{id}"),
        ("http://h/applications/me", "/applications/me"),
    ],
)
def test_path_patterns(url: str, pattern: str) -> None:
    assert path_pattern(url) == pattern


def _api(server: TestServer, p: str) -> str:
    base = server.url(p)
    server.add(
        p + "/",
        {
            "_links": {
                "self": {"href": base + "/"},
                "things": {"href": base + "/things"},
                "search": {"href": base + "/things{?q,page}", "templated": True},
                "elsewhere": {"href": "https://elsewhere.example/x"},
                "broken": {"href": base + "/missing"},
            }
        },
    )
    one = {
        "id": 1,
        "name": "a",
        "when": "2020-01-01T00:00:00Z",
        "_links": {"self": {"href": base + "/things/1"}, "owner": {"href": base + "/owners/9"}},
    }
    two = {
        "id": 2,
        "name": "b",
        "when": "2020-01-02T00:00:00Z",
        "extra": True,
        "_links": {"self": {"href": base + "/things/2"}},
    }
    server.add(
        p + "/things",
        {"_embedded": {"things": [one, two]}, "page": {"size": 2}, "_links": {"self": {"href": base + "/things"}}},
    )
    server.add(p + "/things/1", one)
    server.add(p + "/things/2", two)
    server.add(p + "/owners/9", {"name": "x", "_links": {"self": {"href": base + "/owners/9"}}})
    return base + "/"


def test_a_small_api(server: TestServer, prefix: str) -> None:
    entry = _api(server, prefix)
    files, report = crawl_profile(entry, name="small")
    types = files["profile.json"]["types"]
    assert sorted(types) == ["owner", "root", "thing", "thing-page"]
    assert files["profile.json"]["entry"] == {
        "type": "root",
        "default_environment": "default",
        "environments": {"default": {"entry_url": entry, "description": "Where the crawl started."}},
    }
    thing = files["schemas.json"]["$defs"]["thing"]
    assert thing["required"] == ["id", "name", "when"]
    assert thing["properties"]["id"] == {"type": "integer", "description": "In 4 of 4 resources."}
    assert thing["properties"]["when"]["format"] == "date-time"
    assert thing["properties"]["extra"] == {
        "type": "boolean",
        "description": "In 2 of 4 resources.",
    }  # each seen embedded and fetched
    links = types["thing"]["links"]
    assert links["self"]["required"] is True and links["self"]["target"] == "thing"
    assert links["owner"] == {
        "required": False,
        "target": "owner",
        "description": "Led to owner (2 of 2 links); in 2 of 4 resources.",
    }
    assert types["thing-page"]["embedded"]["things"]["type"] == "thing"
    assert types["thing-page"]["embedded"]["things"]["array"] is True
    root = types["root"]["links"]
    assert root["search"]["templated"] is True and root["search"]["variables"] == ["page", "q"]
    for rel in ("search", "elsewhere", "broken"):
        assert root[rel]["target"] is None and root[rel]["description"].startswith(TODO), rel
    assert report.stats["resources fetched"] == 5 and report.stats["errors"] == 1
    assert report.stats["fetched resources invalid against the inferred profile"] == 0
    assert any("/missing" in note for note in report.notes)
    assert {where for where, _ in report.todos} >= {
        "profile.json#/types/root/links/search",
        "profile.json#/types/root/links/elsewhere",
        "profile.json#/types/root/links/broken",
        "profile.json#/auth",
    }
    text = str(report)
    assert "thing owner -> owner (in 2 of 4 resources)" in text


def test_the_limit_truncates_and_still_gives_a_profile(server: TestServer, prefix: str) -> None:
    files, report = crawl_profile(_api(server, prefix), max_resources=1)
    assert report.stats["truncated"] is True and report.stats["resources fetched"] == 1
    assert files["profile.json"]["types"]["root"]["links"]["things"]["target"] is None


def test_no_resource_at_the_entry(server: TestServer, prefix: str) -> None:
    server.add(prefix + "/nothing", {"error": "no"}, status=404, headers={"Content-Type": "application/json"})
    with pytest.raises(GenerateError, match="gave no HAL resource"):
        crawl_profile(server.url(prefix + "/nothing"))


# -- the emulator, against the hand-written chatkitty profile ---------------------------------


@pytest.fixture(scope="module")
def emulator_client() -> Iterator[Tuple[Emulator, Client]]:
    with Emulator(users=6, channels=8, messages_per_channel=3, page_size=4) as emu:
        session = requests.Session()
        session.trust_env = False
        token = session.post(
            emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"}
        ).json()["access_token"]
        session.close()
        with Client(emu.entry_url, auth=BearerToken(token, origins=[emu.entry_url])) as client:
            yield emu, client


@pytest.fixture(scope="module")
def crawled(
    emulator_client: Tuple[Emulator, Client], tmp_path_factory: pytest.TempPathFactory
) -> Tuple[pathlib.Path, Any]:
    out = tmp_path_factory.mktemp("crawl") / "chatkitty-crawled"
    report = from_crawl(emulator_client[1], out, compare_with="chatkitty")
    return out, report


def test_the_emulator_crawl_gives_a_valid_profile(crawled: Tuple[pathlib.Path, Any]) -> None:
    out, report = crawled
    assert report.name == "chatkitty-crawled" and report.files == ["profile.json", "schemas.json"]
    stdout, stderr = io.StringIO(), io.StringIO()
    assert cli_main(["check-profiles", "--profile", str(out)], stdout=stdout, stderr=stderr) == 0, stdout.getvalue()
    profile = halkit.profile(str(out))
    assert profile.entry_type == "root"
    assert report.stats["errors"] == 0 and report.stats["truncated"] is False
    assert report.stats["fetched resources invalid against the inferred profile"] == 0


def test_the_emulator_crawl_is_deterministic(
    emulator_client: Tuple[Emulator, Client], crawled: Tuple[pathlib.Path, Any], tmp_path: pathlib.Path
) -> None:
    again = from_crawl(emulator_client[1], tmp_path / "chatkitty-crawled")
    for name in again.files:
        assert (tmp_path / "chatkitty-crawled" / name).read_bytes() == (crawled[0] / name).read_bytes()


def test_the_crawl_matches_the_hand_written_profile(crawled: Tuple[pathlib.Path, Any]) -> None:
    rows = crawled[1].tables["comparison"]
    header, *body, total = rows
    assert header[:3] == ["reference type", "inferred as", "resources"]
    by_type: Dict[str, Any] = {row[0]: row for row in body}
    # every hand-written type is found, under a name read from the URLs
    assert total[1] == "13/13 types"
    assert by_type["user"][1] == "user" and by_type["user-token"][1] == "token"
    assert by_type["user-page"][1] == "user-page" and by_type["message-page"][1] == "message-page"
    # every rel both name leads to the same type, but the templated find:* links (not followed)
    same, common = (int(n) for n in total[7].split("/"))
    assert same == common - 2 and by_type["application"][7] == "6/8"
    # the crawl names no rel and no property the hand-written profile lacks
    assert total[3].endswith("(+0)") and total[5].endswith("(+0)")
    text = str(crawled[1])
    assert "comparison:" in text and "api-root" in text


def test_a_url_instead_of_a_client(emulator_client: Tuple[Emulator, Client]) -> None:
    # without a token the emulator answers 401 at the entry: nothing to infer, and the error says so
    with pytest.raises(GenerateError, match="401"):
        from_crawl(emulator_client[0].entry_url, None)


def test_dry_run(server: TestServer, prefix: str) -> None:
    report = from_crawl(_api(server, prefix), None, name="x")
    assert report.out_dir is None and report.files == ["profile.json", "schemas.json"]
    assert json.loads(json.dumps(report.to_dict()))["name"] == "x"


def test_probing_methods_with_options(emulator_client: Tuple[Emulator, Client], tmp_path: pathlib.Path) -> None:
    report = from_crawl(emulator_client[1], tmp_path / "probed", probe_methods=True, compare_with="chatkitty")
    types = json.loads((tmp_path / "probed" / "profile.json").read_text())["types"]
    assert types["application"]["links"]["users"]["methods"] == ["GET", "POST"]
    assert types["user"]["links"]["self"]["methods"] == ["GET", "PUT", "DELETE"]
    assert types["root"]["links"]["self"]["methods"] == ["GET"]
    assert "methods" not in types["application"]["links"]["find:users"]  # templated: never followed, never probed
    assert 0 < report.stats["OPTIONS probes"] <= report.stats["link relations"]
    assert "profile.json#/types" not in {where for where, _ in report.todos}
    rows = {row[0]: row for row in report.tables["comparison"]}
    assert rows["reference type"][8] == "methods same"
    # application messages: the emulator allows GET only where the hand-written profile documents POST too
    assert rows["user"][8] == "4/4" and rows["application"][8] == "7/8"
    # a page's URL is its collection's, which takes POST: the server allows more than the
    # hand-written profile documents for a page's self/next/... rels
    assert rows["user-page"][8] == "0/5" and types["user-page"]["links"]["next"]["methods"] == ["GET", "POST"]
    text = str(report)
    assert "inferred (methods)" in text
