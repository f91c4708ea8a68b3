"""Meta-schema checks, once per content.

Loading a profile checks its manifest against halkit's meta-schema and every
schema against the JSON Schema 2020-12 meta-schema. jsonschema's checks
against 2020-12 (its ``$dynamicRef`` resolution) are slow: most of the time
a large profile takes to load. The verdict depends on the content alone, so
:func:`meta_problems` remembers it by a digest of the content:

* the digests of the shipped profiles' files (:mod:`halkit.registry._verified`),
  recorded when they were built and kept current by a test that runs the
  full check on every shipped profile (``tests/test_metacheck.py``);
* the digests of the documents that passed the full check in this process.

A document whose digest is known valid is not checked again; any other
document, a user's profile in particular, gets the full check, so the check
is exactly as strict as without the cache. Only plain JSON (``dict`` with
``str`` keys, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``) has a
digest: anything else is always checked. Inside :func:`full_checks` (which
``halkit check-profiles`` uses) every document gets the full check.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import threading
from typing import Any, Callable, Iterator, List, Optional, Sequence, Set, Tuple

from ..hal import pointer_of
from ._verified import SHIPPED

__all__ = ["SCHEMA_KIND", "digest", "full_checks", "meta_problems", "schema_problems"]

#: the kind of a schema document (checked against JSON Schema 2020-12)
SCHEMA_KIND = "schema-2020-12"

_FULL: "contextvars.ContextVar[bool]" = contextvars.ContextVar("halkit_full_meta_checks", default=False)
_PASSED: Set[str] = set()
_LOCK = threading.Lock()
_PLAIN_SCALARS = (str, int, float, bool, type(None))


def _is_plain(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            for key, item in node.items():
                if type(key) is not str:
                    return False
                stack.append(item)
        elif kind is list:
            stack.extend(node)
        elif kind not in _PLAIN_SCALARS:
            return False
    return True


def digest(kind: str, contents: Any) -> Optional[str]:
    """Return the digest of a document checked as ``kind``, or ``None`` when it is not plain JSON.

    :param kind: what the document is checked as: :data:`SCHEMA_KIND`, or
        :func:`halkit.registry.manifest.manifest_kind` (which names the
        digest of halkit's meta-schema, so a new meta-schema checks every
        manifest again).
    :param contents: the parsed document.
    """
    if not _is_plain(contents):
        return None
    try:
        text = json.dumps(contents, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (ValueError, RecursionError):
        return None
    return hashlib.sha256(f"{kind}\n{text}".encode("utf-8", "surrogatepass")).hexdigest()


@contextlib.contextmanager
def full_checks() -> Iterator[None]:
    """Within this block, every document gets the full meta-schema check (no remembered verdicts).

    ``halkit check-profiles`` loads profiles inside it. Exported as
    :func:`halkit.registry.full_meta_checks`::

        with halkit.registry.full_meta_checks():
            halkit.Profile.from_directory("profiles/mine")

    :returns: a context manager (thread- and task-local: a :mod:`contextvars` variable).
    """
    token = _FULL.set(True)
    try:
        yield
    finally:
        _FULL.reset(token)


def meta_problems(
    kind: str, validator: Callable[[], Any], contents: Any, prefix: Sequence[Any] = ()
) -> List[Tuple[str, str]]:
    """Return the meta-schema problems of a document, ``[]`` at once when its content is known valid.

    :param kind: as for :func:`digest`.
    :param validator: builds the jsonschema validator of the meta-schema (called only when checking).
    :param contents: the parsed document.
    :param prefix: the path of ``contents`` in its file (for the pointers).
    :returns: ``(pointer, message)`` of each problem, as :func:`schema_problems`.
    """
    full = _FULL.get()
    key = digest(kind, contents)
    if key is not None and not full and (key in SHIPPED or key in _PASSED):
        return []
    problems = schema_problems(validator(), contents, prefix)
    if key is not None and not problems:
        with _LOCK:
            _PASSED.add(key)
    return problems


def schema_problems(validator: Any, instance: Any, prefix: Sequence[Any] = ()) -> List[Tuple[str, str]]:
    """Return ``(pointer, message)`` for each error of a jsonschema validator, sorted.

    :param validator: a jsonschema validator.
    :param instance: the instance to check.
    :param prefix: the path of ``instance`` in its file (for the pointers).
    """
    errors = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [(pointer_of([*prefix, *error.absolute_path]), error.message) for error in errors]
