"""Report files for CI: JUnit XML and SARIF 2.1.0 (text and JSON come from each command).

Both are built from a :class:`Findings`: the things checked (resource types
of a crawl, documents of ``validate``) and what was wrong with each. JUnit XML
follows the Apache Ant schema (one ``testsuite``, one ``testcase`` per
checked thing, one ``failure`` listing its problems); SARIF has one rule per
rule code and the JSON pointer as each result's logical location.
"""

from __future__ import annotations

import datetime
import socket
import xml.etree.ElementTree as ET
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .. import __version__

__all__ = ["Case", "Finding", "Findings", "junit_xml", "sarif"]

#: Where SARIF consumers learn about halkit's rules.
INFORMATION_URI = "https://github.com/halkit/halkit"


@dataclass(frozen=True)
class Finding:
    """One problem: a violation, a warning, or an error met while checking.

    :ivar location: the URL or file (``file:line`` for JSON Lines) it is in.
    :ivar type: the profile type, if known.
    :ivar rule: the rule code (``error`` for a failed fetch or read).
    :ivar pointer: the JSON pointer into the document (``""`` for the whole).
    :ivar message: what is wrong, for a person.
    :ivar level: ``"error"`` or ``"warning"``.
    """

    location: str
    type: Optional[str]
    rule: str
    pointer: str
    message: str
    level: str = "error"


@dataclass
class Case:
    """One checked thing: a resource type (crawl) or a document (validate).

    :ivar name: its name in the report.
    :ivar group: what groups it (the JUnit ``classname``).
    :ivar findings: what was wrong with it.
    """

    name: str
    group: str
    findings: List[Finding] = field(default_factory=list)


@dataclass
class Findings:
    """What a command checked and found, for the report writers.

    :ivar command: ``crawl`` or ``validate``.
    :ivar profile: the profile's name.
    :ivar cases: the things checked.
    :ivar seconds: how long it took.
    :ivar complete: False when interrupted or cut short.
    """

    command: str
    profile: Optional[str]
    cases: List[Case] = field(default_factory=list)
    seconds: float = 0.0
    complete: bool = True

    @property
    def all(self) -> List[Finding]:
        """Every finding, in case order."""
        return [f for case in self.cases for f in case.findings]


def _timestamp() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def junit_xml(findings: Findings) -> str:
    """The findings as JUnit XML (Apache Ant schema): a case fails when it has an error-level finding.

    Warnings go to the case's ``system-out`` and do not fail it.

    :param findings: what to write.
    """
    failures = sum(1 for case in findings.cases if any(f.level == "error" for f in case.findings))
    name = f"halkit {findings.command}" + (f" ({findings.profile})" if findings.profile else "")
    suite = ET.Element(
        "testsuite",
        name=name,
        timestamp=_timestamp(),
        hostname=socket.gethostname() or "localhost",
        tests=str(len(findings.cases)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{findings.seconds:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="halkit.version", value=__version__)
    ET.SubElement(properties, "property", name="complete", value=str(findings.complete).lower())
    if findings.profile:
        ET.SubElement(properties, "property", name="profile", value=findings.profile)
    warnings_text: List[str] = []
    for case in findings.cases:
        element = ET.SubElement(suite, "testcase", name=case.name, classname=case.group, time="0")
        errors = [f for f in case.findings if f.level == "error"]
        if errors:
            rules = ", ".join(OrderedDict.fromkeys(f.rule for f in errors))
            failure = ET.SubElement(
                element, "failure", message=f"{len(errors)} problem(s): {rules}", type=errors[0].rule
            )
            failure.text = "\n".join(_line(f) for f in errors)
        warnings_text.extend(f"warning: {_line(f)}" for f in case.findings if f.level != "error")
    ET.SubElement(suite, "system-out").text = "\n".join(warnings_text)
    ET.SubElement(suite, "system-err").text = ""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def _line(finding: Finding) -> str:
    where = f"{finding.location}#{finding.pointer}" if finding.pointer else finding.location
    return f"{where}: [{finding.rule}] {finding.message}"


def sarif(findings: Findings) -> Dict[str, Any]:
    """The findings as a SARIF 2.1.0 log: one rule per rule code, the JSON pointer as logical location.

    :param findings: what to write.
    """
    rules: "OrderedDict[str, Dict[str, Any]]" = OrderedDict()
    results: List[Dict[str, Any]] = []
    for finding in findings.all:
        if finding.rule not in rules:
            rules[finding.rule] = {
                "id": finding.rule,
                "name": _rule_name(finding.rule),
                "shortDescription": {"text": _rule_text(finding.rule)},
                "defaultConfiguration": {"level": finding.level},
            }
        location: Dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": finding.location}}}
        if finding.pointer:
            location["logicalLocations"] = [
                {"fullyQualifiedName": finding.pointer, "kind": "member"},
            ]
        result: Dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": list(rules).index(finding.rule),
            "level": finding.level,
            "message": {"text": finding.message},
            "locations": [location],
            "properties": {"jsonPointer": finding.pointer, "type": finding.type},
        }
        results.append(result)
    run: Dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "halkit",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": list(rules.values()),
            }
        },
        "results": results,
        "invocations": [{"executionSuccessful": findings.complete, "commandLine": f"halkit {findings.command}"}],
        "properties": {"profile": findings.profile, "checked": len(findings.cases)},
    }
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }


def _rule_name(rule: str) -> str:
    return "".join(part.capitalize() for part in rule.replace("_", "-").split("-")) or "Rule"


def _rule_text(rule: str) -> str:
    if rule == "error":
        return "the resource could not be fetched or read"
    return f"profile rule {rule}"
