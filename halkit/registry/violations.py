"""Profile violations, the validation modes, and the format checks profiles rely on.

A :class:`Violation` is one broken rule of a profile, found by
:meth:`halkit.Profile.validate` (or, for the ``method`` and ``undocumented``
rules, by :meth:`halkit.Profile.check_method` and
:meth:`halkit.Profile.undocumented`): where it is (a JSON pointer, RFC 6901),
which rule (a short stable code), a message a person understands, and the type
of the resource whose rule it is (for embedded resources, their own type).

Rule codes:

==================  =====================================================
``document-type``   the document (or an embedded resource) is not an object
``required-property``  a required property is missing
``property-type``   a property has the wrong JSON type
``format``          a value breaks its format (``date-time``, ``int64``...)
``enum``            a value is not one of the allowed values
``property-value``  any other property constraint (minimum, pattern...)
``required-link``   a required link relation is missing
``link-object``     ``_links`` or a link object is malformed
``templated``       a link the profile declares templated is not
``template-variables``  a templated href lacks a documented variable
``required-embedded``  a required embedded resource is missing
``embedded-type``   ``_embedded`` or an embedded value has the wrong shape
``method``          a method the profile does not document for a rel
``undocumented``    a property, rel or embedded rel the profile does not document
==================  =====================================================

``undocumented`` is a warning-level rule: :meth:`halkit.Profile.validate`
reports it only when asked (``undocumented=True``), and
:meth:`halkit.Profile.enforce` then warns about it even in strict mode.

This module imports no jsonschema: :func:`format_checker` does, when called.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict

from ..exceptions import ProfileError
from ..typing import VALIDATION_MODES  # defined once, in the leaf module

if TYPE_CHECKING:  # pragma: no cover
    from jsonschema import FormatChecker

__all__ = [
    "RULES",
    "VALIDATION_MODES",
    "WARNING_RULES",
    "Violation",
    "check_mode",
    "format_checker",
    "is_rfc3339_date_time",
]


#: Every rule code a :class:`Violation` may carry.
RULES = frozenset(
    {
        "document-type",
        "required-property",
        "property-type",
        "format",
        "enum",
        "property-value",
        "required-link",
        "link-object",
        "templated",
        "template-variables",
        "required-embedded",
        "embedded-type",
        "method",
        "undocumented",
    }
)

#: The rule codes that only ever warn (they never fail strict validation).
WARNING_RULES = frozenset({"undocumented"})


def check_mode(validation: str) -> None:
    """Refuse a validation mode that is not one of :data:`VALIDATION_MODES`.

    :param validation: the mode.
    :raises halkit.ProfileError: an unknown mode.
    """
    if validation not in VALIDATION_MODES:
        raise ProfileError(f"unknown validation mode {validation!r}; use one of {', '.join(VALIDATION_MODES)}")


@dataclass(frozen=True)
class Violation:
    """One broken rule of a profile.

    :ivar pointer: JSON pointer (RFC 6901) into the validated document,
        ``""`` for the document itself.
    :ivar rule: a short stable code, one of :data:`RULES`.
    :ivar message: a sentence for people, naming the resource type and place.
    :ivar type: the resource type whose rule is broken (for a resource
        embedded in the document, the embedded resource's type).
    """

    pointer: str
    rule: str
    message: str
    type: str

    def to_dict(self) -> Dict[str, str]:
        """Return the violation as a plain JSON-serialisable dictionary."""
        return {"pointer": self.pointer, "rule": self.rule, "message": self.message, "type": self.type}

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message} [{self.rule}]"


_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$")

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


def is_rfc3339_date_time(value: str) -> bool:
    """Tell whether ``value`` is an RFC 3339 ``date-time`` (section 5.6).

    Checks the syntax and the ranges (a real calendar date, hours below 24,
    minutes below 60, seconds up to 60 for a leap second, offsets within a day).

    :param value: the string to check.
    """
    match = _DATE_TIME.match(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    if match.group(9) is not None:
        if int(match.group(9)) > 23 or int(match.group(10)) > 59:
            return False
    return True


def _is_integer_value(instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    return isinstance(instance, float) and instance.is_integer()


def _check_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return is_rfc3339_date_time(instance)


def _check_int64(instance: object) -> bool:
    if not _is_integer_value(instance):
        return True
    return _INT64_MIN <= instance <= _INT64_MAX  # type: ignore[operator]


def _check_int32(instance: object) -> bool:
    if not _is_integer_value(instance):
        return True
    return _INT32_MIN <= instance <= _INT32_MAX  # type: ignore[operator]


def format_checker() -> "FormatChecker":
    """Build the :class:`jsonschema.FormatChecker` profiles are validated with.

    It checks ``date-time`` (RFC 3339, with no extra dependency), ``int64`` and
    ``int32`` (ranges), and nothing else: formats it does not know pass, as
    JSON Schema 2020-12 allows.
    """
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("date-time")(_check_date_time)
    checker.checks("int64")(_check_int64)
    checker.checks("int32")(_check_int32)
    return checker
