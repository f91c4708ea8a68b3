"""halkit.registry.violations (and the halkit.violations shim): violations, rule codes, modes, formats."""

from __future__ import annotations

import json

import pytest

import halkit
from halkit import registry
from halkit.registry import Violation
from halkit.violations import check_mode, format_checker, is_rfc3339_date_time


def test_violation_is_frozen_and_serialisable() -> None:
    violation = Violation("/a", "enum", "x.a: bad", "x")
    with pytest.raises(AttributeError):
        violation.rule = "other"  # type: ignore[misc]
    assert violation.to_dict() == {"pointer": "/a", "rule": "enum", "message": "x.a: bad", "type": "x"}
    assert json.dumps(violation.to_dict())


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1985-04-12T23:20:50.52Z", True),
        ("1996-12-19T16:39:57-08:00", True),
        ("1990-12-31T23:59:60Z", True),
        ("2020-09-08t12:00:00z", True),
        ("2021-02-29T00:00:00Z", False),
        ("2020-09-08T12:60:00Z", False),
        ("2020-09-08T12:00:00+24:00", False),
        ("2020-09-08", False),
        ("", False),
    ],
)
def test_rfc3339(value: str, ok: bool) -> None:
    assert is_rfc3339_date_time(value) is ok


def test_format_checker_ignores_other_types_and_formats() -> None:
    checker = format_checker()
    assert checker.conforms(12, "date-time") and checker.conforms("x", "int64")
    assert checker.conforms("not an email", "email")
    assert not checker.conforms(2**31, "int32") and checker.conforms(2**31 - 1, "int32")
    assert checker.conforms(True, "int64")


def test_modes_and_rules() -> None:
    assert halkit.violations.VALIDATION_MODES == ("strict", "warn", "off")
    for mode in ("strict", "warn", "off"):
        check_mode(mode)
    with pytest.raises(halkit.ProfileError, match="unknown validation mode 'loud'; use one of strict, warn, off"):
        check_mode("loud")
    assert halkit.violations.WARNING_RULES <= halkit.violations.RULES
    assert {"method", "undocumented"} <= halkit.violations.RULES
    assert halkit.violations.Violation is registry.violations.Violation  # one class, two import paths
