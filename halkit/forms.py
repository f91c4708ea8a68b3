"""HAL-FORMS (draft-amundsen-hal-forms): the ``_templates`` of a resource, and submitting them.

A :class:`Template` says how to send a state transition: ``method`` (default
``GET``, also for an empty or unrecognised one), ``contentType`` (default ``application/json``), ``target`` (default:
the resource's own URL) and its :class:`Property` list. :meth:`Template.submit`
checks the values against the properties (``required``, ``readOnly``,
``regex``, ``options``) and sends them: as a query string for ``GET``,
form-encoded for ``application/x-www-form-urlencoded``, as JSON otherwise.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Type

from . import urls
from .exceptions import CompatibilityWarning, FormError, HalFormatError, HalkitError

if TYPE_CHECKING:  # pragma: no cover
    from .resource import Resource
    from .typing import Navigator, Timeout

__all__ = ["Template", "Property", "build_templates", "PROPERTY_ATTRIBUTES"]

#: The property attributes HAL-FORMS defines (others are kept in ``extra``).
PROPERTY_ATTRIBUTES = (
    "name",
    "prompt",
    "readOnly",
    "regex",
    "required",
    "templated",
    "value",
    "type",
    "cols",
    "rows",
    "min",
    "max",
    "minLength",
    "maxLength",
    "step",
    "placeholder",
    "options",
)

#: The methods a template may name; any other (or none) means GET, as the spec says.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_TEMPLATE_KEYS = ("key", "method", "contentType", "target", "title", "properties")


class Property:
    """One HAL-FORMS property: a named input with its constraints.

    Attributes mirror the spec (``read_only`` for ``readOnly``, ``min_length``
    for ``minLength``...); ``extra`` keeps members the spec does not define.
    """

    __slots__ = (
        "name", "prompt", "read_only", "regex", "required", "templated", "value", "type",
        "cols", "rows", "min", "max", "min_length", "max_length", "step", "placeholder",
        "options", "extra",
    )

    def __init__(self, raw: Mapping[str, Any], pointer: str) -> None:
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise HalFormatError("a HAL-FORMS property needs a non-empty string 'name'", pointer)
        self.name: str = name
        self.prompt: Optional[str] = raw.get("prompt") if isinstance(raw.get("prompt"), str) else None
        self.read_only: bool = raw.get("readOnly") is True
        regex = raw.get("regex")
        self.regex: Optional[str] = regex if isinstance(regex, str) else None
        self.required: bool = raw.get("required") is True
        self.templated: bool = raw.get("templated") is True
        self.value: Any = raw.get("value")
        kind = raw.get("type")
        self.type: str = kind if isinstance(kind, str) else "text"
        self.cols: Any = raw.get("cols")
        self.rows: Any = raw.get("rows")
        self.min: Any = raw.get("min")
        self.max: Any = raw.get("max")
        self.min_length: Any = raw.get("minLength")
        self.max_length: Any = raw.get("maxLength")
        self.step: Any = raw.get("step")
        self.placeholder: Optional[str] = raw.get("placeholder") if isinstance(raw.get("placeholder"), str) else None
        self.options: Optional[Mapping[str, Any]] = raw.get("options") if isinstance(raw.get("options"), Mapping) else None
        self.extra: Mapping[str, Any] = {k: v for k, v in raw.items() if k not in PROPERTY_ATTRIBUTES}

    def check(self, value: Any, supplied: bool) -> Optional[str]:
        """The reason ``value`` is refused, or ``None`` when it is acceptable."""
        if supplied and self.read_only and value != self.value:
            return f"{self.name!r} is read-only"
        if value is None or value == "":
            return f"{self.name!r} is required" if self.required else None
        if self.regex is not None and isinstance(value, str):
            try:
                if re.fullmatch(self.regex, value) is None:
                    return f"{self.name!r} must match {self.regex!r}"
            except re.error:
                return None  # an invalid regex in the form is the server's problem
        if isinstance(value, str):
            if isinstance(self.min_length, int) and len(value) < self.min_length:
                return f"{self.name!r} must be at least {self.min_length} characters"
            if isinstance(self.max_length, int) and len(value) > self.max_length:
                return f"{self.name!r} must be at most {self.max_length} characters"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(self.min, (int, float)) and value < self.min:
                return f"{self.name!r} must be >= {self.min}"
            if isinstance(self.max, (int, float)) and value > self.max:
                return f"{self.name!r} must be <= {self.max}"
        inline = self.options.get("inline") if self.options else None
        if isinstance(inline, list) and inline:
            allowed = [o.get("value", o.get("prompt")) if isinstance(o, Mapping) else o for o in inline]
            values = value if isinstance(value, list) else [value]
            bad = [v for v in values if v not in allowed]
            if bad:
                return f"{self.name!r} must be one of {allowed}"
        return None

    def __repr__(self) -> str:
        flags = "".join(f" {f}" for f, on in (("required", self.required), ("readOnly", self.read_only)) if on)
        return f"<Property {self.name!r}{flags}>"


class Template:
    """One HAL-FORMS template.

    :ivar key: its key in ``_templates`` (``default`` for the default one).
    :ivar method: the HTTP method, upper-cased (default ``GET``).
    :ivar content_type: the request body's media type (default ``application/json``).
    :ivar target: the URL to send to (resolved), or ``None`` to use the resource's own URL.
    :ivar title: a human-readable title, or ``None``.
    :ivar properties: the :class:`Property` list, in order.
    :ivar extra: members the spec does not define.
    """

    __slots__ = ("key", "method", "content_type", "target", "title", "properties", "extra", "_nav", "_url")

    def __init__(
        self,
        key: str,
        raw: Mapping[str, Any],
        pointer: str = "",
        *,
        base: Optional[str] = None,
        url: Optional[str] = None,
        navigator: Optional["Navigator"] = None,
        strict: bool = False,
    ) -> None:
        """Build a template from its JSON object ``raw``.

        :param key: its key in ``_templates``.
        :param raw: the template object.
        :param pointer: its JSON pointer in the document (for errors).
        :param base: the URL a relative ``target`` resolves against.
        :param url: the URL of the resource it belongs to (the default target).
        :param navigator: what sends it (a :class:`~halkit.Client`).
        :param strict: warn (:class:`~halkit.CompatibilityWarning`) about what
            the spec says to ignore (a nameless property, an unknown method);
            lenient mode ignores it silently.
        """
        if not isinstance(raw, Mapping):
            raise HalFormatError("a HAL-FORMS template must be an object", pointer)
        method = raw.get("method")
        method = method.strip().upper() if isinstance(method, str) else ""
        if method not in METHODS:
            # the spec: a missing, empty or unrecognised method is GET
            if method or "method" in raw:
                _tolerated(strict, f"HAL-FORMS method {raw.get('method')!r} read as GET", f"{pointer}/method")
            method = "GET"
        content_type = raw.get("contentType", "application/json")
        if not isinstance(content_type, str):
            raise HalFormatError("'contentType' must be a string", f"{pointer}/contentType")
        target = raw.get("target")
        if target is not None and not isinstance(target, str):
            raise HalFormatError("'target' must be a string", f"{pointer}/target")
        props = raw.get("properties", [])
        if not isinstance(props, list):
            raise HalFormatError("'properties' must be an array", f"{pointer}/properties")
        self.key = key
        self.method = method
        self.content_type = content_type or "application/json"
        self.target: Optional[str] = (urls.resolve(base, target) if base else target) if target else None
        self.title: Optional[str] = raw.get("title") if isinstance(raw.get("title"), str) else None
        self.properties: List[Property] = []
        for i, p in enumerate(props):
            if not isinstance(p, Mapping):
                _bad_property(f"{pointer}/properties/{i}")
            name = p.get("name")
            if not isinstance(name, str) or not name:
                # the spec: a property without a name is ignored
                _tolerated(strict, "a HAL-FORMS property without a name was ignored", f"{pointer}/properties/{i}")
                continue
            self.properties.append(Property(p, f"{pointer}/properties/{i}"))
        self.extra: Mapping[str, Any] = {k: v for k, v in raw.items() if k not in _TEMPLATE_KEYS}
        self._nav = navigator
        self._url = url

    def property(self, name: str) -> Property:
        """The property called ``name``."""
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(name)

    def values(self, values: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
        """The values that :meth:`submit` would send: defaults, then ``values``, checked.

        :raises halkit.FormError: listing every property whose value is refused.
        """
        given: Dict[str, Any] = dict(values or {})
        given.update(kwargs)
        out: Dict[str, Any] = {}
        problems = []
        for prop in self.properties:
            supplied = prop.name in given
            value = given.pop(prop.name) if supplied else prop.value
            problem = prop.check(value, supplied)
            if problem:
                problems.append(problem)
            if value is not None:
                out[prop.name] = value
        out.update(given)  # values for properties the form does not list are sent as given
        if problems:
            raise FormError(f"HAL-FORMS template {self.key!r}: " + "; ".join(problems))
        return out

    def submit(
        self,
        values: Optional[Mapping[str, Any]] = None,
        *,
        headers: Optional[Mapping[str, str]] = None,
        timeout: "Timeout" = None,
        **kwargs: Any,
    ) -> Optional["Resource"]:
        """Send the form and return the resulting resource (``None`` for an empty answer).

        ``GET`` sends the values as a query string;
        ``application/x-www-form-urlencoded`` as a form body; anything else as JSON
        (with the template's ``contentType`` as ``Content-Type``).

        :param values: the values, as a mapping (for property names that
            collide with the keyword parameters: ``submit({"timeout": 5})``).
        :param headers: headers for this request (a ``Content-Type`` among
            them replaces the template's).
        :param timeout: this request's timeout (default: the client's).
        :param kwargs: more values.
        :raises halkit.FormError: a value is refused (see :meth:`values`); nothing is sent.
        """
        body = self.values(values, **kwargs)
        nav = self._nav
        if nav is None:
            raise HalkitError(
                "this resource was parsed without a client; use halkit.Client to navigate over HTTP"
            )
        url = self.target or self._url
        if url is None:
            raise HalkitError("this resource has no self link and was not fetched from a URL")
        hdrs = dict(headers) if headers else None
        if self.method in ("GET", "HEAD", "DELETE") and not body:
            return nav.send(None, url, self.method, headers=hdrs, timeout=timeout)
        if self.method == "GET":
            return nav.send(None, url, "GET", params=body, headers=hdrs, timeout=timeout)
        media = self.content_type.split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            return nav.send(None, url, self.method, data=body, headers=hdrs, timeout=timeout)
        if media != "application/json" and not any(k.lower() == "content-type" for k in hdrs or ()):
            hdrs = {"Content-Type": self.content_type, **(hdrs or {})}
        return nav.send(None, url, self.method, json=body, headers=hdrs, timeout=timeout)

    def __repr__(self) -> str:
        return f"<Template {self.key!r} {self.method} {self.target or '(self)'}>"


def _tolerated(strict: bool, message: str, pointer: str) -> None:
    if strict:
        warnings.warn(f"{message} at {pointer}", CompatibilityWarning, stacklevel=5)


def _bad_property(pointer: str) -> Property:
    raise HalFormatError("a HAL-FORMS property must be an object", pointer)


def build_templates(
    raw: Any,
    *,
    pointer: str,
    base: Optional[str] = None,
    url: Optional[str] = None,
    navigator: Optional["Navigator"] = None,
    strict: bool = False,
) -> Dict[str, Template]:
    """Build the templates of a resource from the JSON value of ``_templates``.

    :param raw: the value of ``_templates``.
    :param pointer: its JSON pointer.
    :param base: the URL relative targets resolve against.
    :param url: the resource's own URL (where a template without ``target`` goes).
    :param navigator: what sends the forms.
    :param strict: warn about what the spec says to ignore (see :class:`Template`).
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise HalFormatError("'_templates' must be an object", pointer)
    out: Dict[str, Template] = {}
    # a navigator may ask for its own Template subclass (the async twin's awaitable submit)
    template_class: Type[Template] = getattr(navigator, "template_class", Template)
    keys = sorted(raw, key=lambda k: k != "default")
    for key in keys:
        out[key] = template_class(
            key, raw[key], f"{pointer}/{key}", base=base, url=url, navigator=navigator, strict=strict
        )
    return out
