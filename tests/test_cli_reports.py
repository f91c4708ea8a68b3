"""``--report FILE --format junit|sarif``: checked against the published JUnit XSD and SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import pathlib
from typing import Any, Iterator

import jsonschema
import pytest
import xmlschema
from clirun import login, run

from halkit.cli.reports import Case, Finding, Findings, junit_xml, sarif
from halkit.emulator import Emulator

from server import TestServer

SCHEMAS = pathlib.Path(__file__).resolve().parent / "fixtures" / "report-schemas"
CHATKITTY = pathlib.Path(__file__).resolve().parent / "fixtures" / "chatkitty"


@pytest.fixture(scope="module")
def junit_schema() -> Any:
    return xmlschema.XMLSchema(str(SCHEMAS / "JUnit.xsd"))


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(users=3, channels=2) as emu:
        yield emu


def _broken_api(server: TestServer, prefix: str) -> str:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}, "application": {"href": f"{prefix}/app"}}})
    server.add(f"{prefix}/app", {"_links": {"self": {"href": f"{prefix}/app"}}, "id": "nope"})
    return server.url(f"{prefix}/v1")


def test_crawl_junit_is_valid_and_fails_per_type(
    server: TestServer, prefix: str, tmp_path: pathlib.Path, junit_schema: Any
) -> None:
    target = tmp_path / "report.xml"
    code, out, _ = run("crawl", _broken_api(server, prefix), "-p", "chatkitty", "-q",
                       "--format", "junit", "--report", str(target))
    assert code == 1
    assert "crawl FAILED" in out  # the one-screen summary on the terminal
    junit_schema.validate(str(target))
    tree = junit_schema.to_dict(str(target))
    cases = {case["@name"]: case for case in tree["testcase"]}
    assert set(cases) == {"api-root", "application"}
    assert "failure" in cases["application"] and "failure" not in cases["api-root"]
    assert int(tree["@failures"]) == 1 and int(tree["@tests"]) == 2


def test_crawl_sarif_is_valid_with_a_rule_per_rule_code(
    server: TestServer, prefix: str, sarif_validator: Any
) -> None:
    code, out, _ = run("crawl", _broken_api(server, prefix), "-p", "chatkitty", "-q", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    sarif_validator.validate(log)
    run_ = log["runs"][0]
    rules = [rule["id"] for rule in run_["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules)) and "required-link" in rules
    pointers = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                for r in run_["results"] if "logicalLocations" in r["locations"][0]}
    assert "/_links/organization" in pointers and "/id" in pointers
    for result in run_["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]


def test_crawl_of_a_good_api_reports_every_type_passing(
    emulator: Emulator, tmp_path: pathlib.Path, junit_schema: Any, sarif_validator: Any
) -> None:
    xml = tmp_path / "ok.xml"
    code, _, _ = run("crawl", emulator.entry_url, "-p", "chatkitty", "-q", *login(emulator),
                     "--format", "junit", "--report", str(xml))
    assert code == 0
    junit_schema.validate(str(xml))
    tree = junit_schema.to_dict(str(xml))
    assert int(tree["@failures"]) == 0 and int(tree["@tests"]) >= 10
    code, out, _ = run("crawl", emulator.entry_url, "-p", "chatkitty", "-q", *login(emulator), "--format", "sarif")
    log = json.loads(out)
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == []


def test_validate_reports_a_case_per_document(
    tmp_path: pathlib.Path, junit_schema: Any, sarif_validator: Any
) -> None:
    files = [str(CHATKITTY / "v1-application.json"), str(CHATKITTY / "v1-user.json")]
    xml = tmp_path / "validate.xml"
    code, out, _ = run("validate", "-p", "chatkitty", *files, "--format", "junit", "--report", str(xml))
    assert code == 1 and "1 of 2 documents invalid" in out
    junit_schema.validate(str(xml))
    tree = junit_schema.to_dict(str(xml))
    assert [case["@name"] for case in tree["testcase"]] == files
    code, out, _ = run("validate", "-p", "chatkitty", *files, "--format", "sarif")
    log = json.loads(out)
    sarif_validator.validate(log)
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == files[0]


def test_hostile_strings_stay_valid_xml_and_json(junit_schema: Any, sarif_validator: Any, tmp_path: pathlib.Path) -> None:
    nasty = "a\x1b[31m<b>&\"'\x00\x7f\u202e"
    findings = Findings("crawl", "p<x>", [Case(nasty, "g", [Finding(nasty, nasty, nasty, "/" + nasty, nasty)])])
    target = tmp_path / "nasty.xml"
    target.write_text(junit_xml(findings), encoding="utf-8")
    junit_schema.validate(str(target))
    assert "\x1b" not in target.read_text(encoding="utf-8")
    sarif_validator.validate(sarif(findings))
