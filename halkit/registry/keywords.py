"""The ``x-halkit-*`` vocabulary of generated type schemas, and halkit's custom keywords.

The schema compiler (:mod:`halkit.registry.compiler`) writes two kinds of
``x-halkit-*`` members into the schemas it generates:

* annotations (:data:`X_TYPE`, :data:`X_RULE`, ...), which jsonschema and every
  other JSON Schema tool ignore, and which tell :mod:`halkit.registry.explain`
  which profile rule an error breaks;
* custom keywords (:data:`KEYWORDS`), which validate. Each is defined here
  ONCE, as a :class:`Keyword`: the jsonschema keyword function (given to
  :func:`jsonschema.validators.extend`), the predicate the fast check
  (:mod:`halkit.registry.fastcheck`) compiles, and how an error of the keyword
  becomes a :class:`~halkit.Violation`. Both validation paths call the same
  ``missing`` function, and ``tests/test_fastcheck.py`` holds them to the same
  verdict on every instance it tries (the differential test is the contract).

Adding a keyword means adding one :class:`Keyword` to :data:`KEYWORDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, Iterator, List, Mapping, Sequence, Union

import jsonschema.exceptions

from ..exceptions import TemplateError
from ..hal import pointer_of
from ..uri import variables
from .violations import Violation

__all__ = [
    "KEYWORDS",
    "X_CONDITION",
    "X_EXPECT",
    "X_REQUIRED_EMBEDDED",
    "X_REQUIRED_LINKS",
    "X_REQUIRED_RULE",
    "X_RULE",
    "X_TYPE",
    "X_VARIABLES",
    "Keyword",
    "template_variables",
]

#: Annotation: the type a generated schema checks.
X_TYPE = "x-halkit-type"
#: Annotation: the rule code an error at this schema node breaks.
X_RULE = "x-halkit-rule"
#: Annotation: the rule code of a ``required`` error (a code, or name to code).
X_REQUIRED_RULE = "x-halkit-required-rule"
#: Annotation: the required rels a missing ``_links`` stands for.
X_REQUIRED_LINKS = "x-halkit-required-links"
#: Annotation: the required embedded rels a missing ``_embedded`` stands for.
X_REQUIRED_EMBEDDED = "x-halkit-required-embedded"
#: Annotation: what the node expects, in words ("a link object ...").
X_EXPECT = "x-halkit-expect"
#: Annotation: the condition of a conditionally required link, in words.
X_CONDITION = "x-halkit-condition"
#: Keyword: the variables a templated link object's href must declare.
X_VARIABLES = "x-halkit-template-variables"

PathSegment = Union[str, int]

#: A compiled predicate: ``True`` when the instance satisfies the keyword.
Predicate = Callable[[Any], bool]


@dataclass(frozen=True)
class Keyword:
    """One custom keyword, defined once for both validation paths.

    :ivar name: the keyword (an ``x-halkit-*`` name).
    :ivar missing: ``missing(value, instance)`` returns what the instance
        lacks (an empty list: it satisfies the keyword). Both paths call it.
    :ivar accepts: tells whether a keyword value is one :attr:`missing` handles;
        a schema with another value is left to jsonschema alone.
    :ivar describe: ``describe(value, instance, missing, label)`` writes the
        violation message (``label`` names the place, such as ``user._links.find``).
    :ivar rule: the rule code of its violations.
    :ivar at: the member of the instance the violation points at (``""``: the instance).
    """

    name: str
    missing: Callable[[Any, Any], List[str]]
    accepts: Callable[[Any], bool]
    describe: Callable[[Any, Any, List[str], str], str]
    rule: str
    at: str = ""

    def jsonschema_keyword(
        self, validator: Any, value: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[jsonschema.exceptions.ValidationError]:
        """The jsonschema keyword function (for :func:`jsonschema.validators.extend`)."""
        lacking = self.missing(value, instance)
        if lacking:
            yield jsonschema.exceptions.ValidationError(f"{self.name}: lacks {', '.join(lacking)}")

    def predicate(self, value: Any) -> Predicate:
        """Compile the keyword's value into a predicate for the fast check.

        :param value: the keyword's value in a schema.
        :raises ValueError: a value :attr:`accepts` refuses.
        """
        if not self.accepts(value):
            raise ValueError(f"{self.name}: unsupported value")
        missing = self.missing

        def satisfied(instance: Any) -> bool:
            return not missing(value, instance)

        return satisfied

    def violations(
        self, error: jsonschema.exceptions.ValidationError, path: Sequence[PathSegment], label: str, type_name: str
    ) -> List[Violation]:
        """Turn a jsonschema error of this keyword into violations.

        :param error: the error.
        :param path: its absolute path in the validated document.
        :param label: the place, for the message.
        :param type_name: the type whose rule it is.
        """
        lacking = self.missing(error.validator_value, error.instance)
        message = self.describe(error.validator_value, error.instance, lacking, label)
        where = [*path, self.at] if self.at else list(path)
        return [Violation(pointer_of(where), self.rule, message, type_name)]


def template_variables(href: str) -> FrozenSet[str]:
    """Return the names of the variables of a URI template (RFC 6570).

    :param href: the template.
    :raises halkit.TemplateError: the template is malformed.
    """
    return frozenset(variables(href))


def _present_variables(href: str) -> FrozenSet[str]:
    try:
        return template_variables(href)
    except TemplateError:
        return frozenset()


def _missing_template_variables(expected: Any, instance: Any) -> List[str]:
    if not isinstance(instance, dict) or instance.get("templated") is not True:
        return []
    href = instance.get("href")
    if not isinstance(href, str):
        return []
    present = _present_variables(href)
    return [name for name in expected if name not in present]


def _describe_template_variables(expected: Any, instance: Any, missing: List[str], label: str) -> str:
    href = instance.get("href", "") if isinstance(instance, dict) else ""
    present = sorted(_present_variables(href)) if isinstance(href, str) else []
    return (
        f"{label}: the URI template lacks the documented variable(s) {', '.join(missing)}"
        f" (it has {', '.join(present) if present else 'none'})"
    )


#: The custom keywords, by name.
KEYWORDS: Mapping[str, Keyword] = {
    X_VARIABLES: Keyword(
        name=X_VARIABLES,
        missing=_missing_template_variables,
        accepts=lambda value: isinstance(value, list) and all(isinstance(name, str) for name in value),
        describe=_describe_template_variables,
        rule="template-variables",
        at="href",
    ),
}
