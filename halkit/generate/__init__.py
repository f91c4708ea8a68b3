"""Profiles without hand-writing: generate a draft profile from an OpenAPI document or a live API.

Two routes, each a function that writes a profile folder and returns a
:class:`Report` (``print(report)`` shows what was inferred and what is left
as ``TODO:`` in the output):

* :func:`from_openapi` (:mod:`halkit.generate.openapi`): from an OpenAPI 3.0
  or 3.1 document, its schemas, operations and examples;
* :func:`from_crawl` (:mod:`halkit.generate.crawl`): from what a walk of a live
  HAL API sees, with the number of resources that support each statement.

Both outputs pass ``halkit check-profiles`` as written. See
:doc:`/generating-profiles`.
"""

from __future__ import annotations

from ._report import TODO, GenerateError, Report
from .crawl import crawl_profile, from_crawl
from .openapi import OVERLAY_FILE, apply_overlay, from_openapi, generate, merge_patch

__all__ = [
    "OVERLAY_FILE",
    "TODO",
    "GenerateError",
    "Report",
    "apply_overlay",
    "crawl_profile",
    "from_crawl",
    "from_openapi",
    "generate",
    "merge_patch",
]
