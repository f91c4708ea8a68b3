"""Crawling: walk a HAL API breadth-first and validate every resource against a profile.

:func:`crawl` starts at the client's entry point and follows every GET-able,
non-templated link within the client's origins (each collection page by page,
since ``next`` is such a link), fetching every URL at most once (URLs are
compared in normal form, :func:`halkit.uri.normalize`). Resources are typed by
the profile as they are reached (the entry type, then each rel's target type,
then embedded types) and validated; violations and errors are collected, never
raised, so one bad resource does not stop the walk.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Optional, Set, Tuple

from . import uri
from .exceptions import CompatibilityWarning, HalkitError, ProfileError

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client
    from .resource import Resource

__all__ = ["crawl", "CrawlReport", "CrawlProblem"]


@dataclass(frozen=True)
class CrawlProblem:
    """One violation or error met during a crawl.

    :ivar url: the resource's URL.
    :ivar type: its profile type, if known.
    :ivar rule: the rule broken (a profile rule code, or ``error`` for a failed fetch).
    :ivar pointer: the JSON pointer into the document (``""`` for errors).
    :ivar message: what is wrong, for a person.
    """

    url: str
    type: Optional[str]
    rule: str
    pointer: str
    message: str


@dataclass
class CrawlReport:
    """What a crawl saw."""

    #: Resources fetched and validated, by type (``None`` for untyped ones).
    resources: "Counter[Optional[str]]" = field(default_factory=Counter)
    #: Embedded resources validated as part of their parent, by type.
    embedded: "Counter[Optional[str]]" = field(default_factory=Counter)
    #: Violations and errors, in the order met.
    problems: List[CrawlProblem] = field(default_factory=list)
    #: HTTP requests the client made (token requests not included).
    requests: int = 0
    #: Seconds the crawl took.
    seconds: float = 0.0
    #: True when ``max_resources`` stopped the walk before the queue was empty.
    truncated: bool = False
    #: What lenient parsing tolerated (:class:`~halkit.CompatibilityWarning` messages), once per kind.
    compatibility: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No violations and no errors."""
        return not self.problems

    @property
    def total(self) -> int:
        """Resources fetched."""
        return sum(self.resources.values())

    def problems_by_type_and_rule(self) -> Dict[Tuple[str, str], int]:
        """Counts of problems per (type, rule)."""
        counts: "Counter[Tuple[str, str]]" = Counter((p.type or "?", p.rule) for p in self.problems)
        return dict(sorted(counts.items()))

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "ok": self.ok,
            "resources": self.total,
            "resources_by_type": {str(k): v for k, v in sorted(self.resources.items(), key=lambda kv: str(kv[0]))},
            "embedded_by_type": {str(k): v for k, v in sorted(self.embedded.items(), key=lambda kv: str(kv[0]))},
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "truncated": self.truncated,
            "compatibility": list(self.compatibility),
            "violations_by_type_and_rule": [
                {"type": t, "rule": r, "count": n} for (t, r), n in self.problems_by_type_and_rule().items()
            ],
            "problems": [p.__dict__ for p in self.problems],
        }


def crawl(
    client: "Client",
    *,
    max_resources: int = 10000,
    progress: Optional[Callable[[int, int], None]] = None,
) -> CrawlReport:
    """Walk the API from ``client.entry_url`` breadth-first, validating as it goes.

    Resources are fetched and validated through the client's one validation
    path (:meth:`halkit.Client.get` in ``"strict"`` mode, whatever the client's
    own mode, which is left alone): every violation is collected in the
    report instead of being raised or warned, and so is
    every :class:`~halkit.CompatibilityWarning` (what lenient parsing
    tolerated); other warnings pass through.

    :param client: the client (its profile types and validates resources; without one, nothing is validated).
    :param max_resources: stop after fetching this many resources.
    :param progress: called as ``progress(fetched, queued)`` after each fetch.
    """
    report = CrawlReport()
    profile = client.profile
    started = time.monotonic()
    requests_before = client.request_count
    caught = warnings.catch_warnings(record=True)
    records = caught.__enter__()
    warnings.simplefilter("always", CompatibilityWarning)
    entry_type = profile.entry_type if profile is not None else None
    queue: Deque[Tuple[str, Optional[str]]] = deque([(client.entry_url, entry_type)])
    seen: Set[str] = {uri.normalize(client.entry_url)}
    try:
        while queue:
            if report.total >= max_resources:
                report.truncated = True
                break
            url, type_hint = queue.popleft()
            violations: List[Any] = []
            try:
                resource = client.get(url, type=type_hint, validation="strict")
            except ProfileError as exc:
                found = getattr(exc, "resource", None)
                if found is None:
                    report.resources[type_hint] += 1
                    report.problems.append(CrawlProblem(url, type_hint, "error", "", str(exc)))
                    continue
                resource, violations = found, exc.violations
            except HalkitError as exc:
                report.resources[type_hint] += 1
                report.problems.append(CrawlProblem(url, type_hint, "error", "", str(exc)))
                continue
            report.resources[resource.type] += 1
            if resource.response is not None and resource.response.url:
                seen.add(uri.normalize(resource.response.url))  # where redirects landed
            for v in violations:
                report.problems.append(CrawlProblem(url, resource.type, v.rule, v.pointer, v.message))
            for link_url, target in _links_to_visit(client, resource, report):
                key = uri.normalize(link_url)
                if key not in seen:
                    seen.add(key)
                    queue.append((link_url, target))
            if progress is not None:
                progress(report.total, len(queue))
    finally:
        caught.__exit__(None, None, None)
        for record in records:
            if issubclass(record.category, CompatibilityWarning):
                report.compatibility.append(str(record.message))
            else:
                warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    report.requests = client.request_count - requests_before
    report.seconds = time.monotonic() - started
    return report


def _links_to_visit(client: "Client", resource: "Resource", report: CrawlReport) -> List[Tuple[str, Optional[str]]]:
    """The GET-able, non-templated links of a resource and of everything it embeds."""
    out: List[Tuple[str, Optional[str]]] = []
    profile = client.profile
    stack = [(resource, True)]
    while stack:
        res, top = stack.pop()
        if not top:
            report.embedded[res.type] += 1
        try:
            links = res.links
            embedded = [(rel, res.embedded(rel)) for rel in res.embedded_rels]
        except HalkitError as exc:
            report.problems.append(CrawlProblem(res.url or "?", res.type, "error", "", str(exc)))
            continue
        for _rel, items in embedded:
            stack.extend((item, False) for item in items)
        for rel in links:
            if rel == "curies":
                continue
            target = None
            if profile is not None and res.type is not None:
                target = profile.link_target(res.type, rel)
                methods = profile.link_methods(res.type, rel)
                if methods is not None and "GET" not in methods:
                    continue
            for link in links[rel]:
                if link.templated:
                    continue
                try:
                    url = link.expand()
                    uri.check_scheme(url)
                except HalkitError:
                    continue
                if uri.origin(url) not in client.origins:
                    continue
                out.append((url, target))
    return out
