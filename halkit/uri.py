"""Compatibility shim: :mod:`halkit.templates` (RFC 6570) and :mod:`halkit.urls` (RFC 3986).

``halkit.uri`` keeps exporting what it always did; new code imports from the
two modules that hold the code.
"""

from __future__ import annotations

from .templates import TEMPLATE_CACHE_SIZE, expand, validate, variables
from .urls import check_scheme, normalize, origin, resolve

__all__ = [
    "expand",
    "variables",
    "validate",
    "resolve",
    "origin",
    "check_scheme",
    "normalize",
]

# kept importable for code that read it from here
TEMPLATE_CACHE_SIZE = TEMPLATE_CACHE_SIZE
