"""Crawling: walk a HAL API breadth-first and validate every resource against a profile.

:func:`crawl` starts at the client's entry point and follows every GET-able,
non-templated link (within the client's origins unless ``same_origin=False``;
each collection page by page, since ``next`` is such a link), fetching every
URL at most once (URLs are compared in normal form, :func:`halkit.urls.normalize`).
Resources are typed by the profile as they are reached (the entry type, then
each rel's target type, then embedded types) and validated; violations and
errors are collected, never raised, so one bad resource does not stop the walk.

The walk goes level by level (every URL at link depth *d* before any at
*d + 1*). Within a level, ``workers`` threads fetch concurrently, and what
each page links to is admitted in the level's order, so the report is the same
with 1 worker or 8. It is bounded: at most ``max_resources`` URLs are ever
admitted (what is over the limit is dropped at once, and the report says it
was truncated), so the queue and the set of seen URLs (8-byte digests) depend
on the limits, not on what servers link to. ``rate`` caps requests a second
across the workers, and a ``429`` answer pauses every worker for its
``Retry-After`` before the URL is tried again.
"""

from __future__ import annotations

import hashlib
import threading
import time
import warnings
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from . import urls
from .exceptions import (
    AuthError,
    CompatibilityWarning,
    HalkitError,
    ProfileError,
    RateLimitedError,
    ServerError,
    TransportError,
)

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client
    from .resource import Resource

__all__ = ["CrawlProblem", "CrawlReport", "crawl"]

#: How many times a URL answered with 429 is tried again.
RATE_LIMIT_ATTEMPTS = 3
#: The longest ``Retry-After`` a crawl waits for (seconds).
MAX_RETRY_AFTER = 60.0
#: At most this many property names, rels and embedded rels are remembered per type.
MAX_NAMES = 500


@dataclass(frozen=True)
class CrawlProblem:
    """One violation or error met during a crawl.

    :ivar url: the resource's URL.
    :ivar type: its profile type, if known.
    :ivar rule: the rule broken (a profile rule code, or ``error`` for a failed fetch).
    :ivar pointer: the JSON pointer into the document (``""`` for errors).
    :ivar message: what is wrong, for a person.
    :ivar level: ``"error"`` (fails the crawl) or ``"warning"`` (reported only).
    """

    url: str
    type: Optional[str]
    rule: str
    pointer: str
    message: str
    level: str = "error"


@dataclass
class CrawlReport:
    """What a crawl saw (filled in as the crawl goes, so a partial report is usable)."""

    #: Resources fetched and validated, by type (``None`` for untyped ones).
    resources: "Counter[Optional[str]]" = field(default_factory=Counter)
    #: Embedded resources validated as part of their parent, by type.
    embedded: "Counter[Optional[str]]" = field(default_factory=Counter)
    #: Violations and errors, in the order met (level by level, in each level's order).
    problems: List[CrawlProblem] = field(default_factory=list)
    #: HTTP requests the client made (token requests not included).
    requests: int = 0
    #: Seconds the crawl took.
    seconds: float = 0.0
    #: True when ``max_resources`` or ``max_depth`` stopped the walk before it ran out of links.
    truncated: bool = False
    #: What lenient parsing tolerated (:class:`~halkit.CompatibilityWarning` messages), once per kind.
    compatibility: List[str] = field(default_factory=list)
    #: False when the crawl was interrupted (the report holds what was seen until then).
    complete: bool = True
    #: Why the entry point could not be fetched (unreachable, authentication), if it could not.
    entry_error: Optional[str] = None
    #: The deepest link depth reached (the entry point is 0).
    depth: int = 0
    #: Per type: the property names, rels and embedded rels seen (for contract drift), at most
    #: :data:`MAX_NAMES` of each.
    shapes: Dict[str, Dict[str, Set[str]]] = field(default_factory=dict)
    #: The most URLs admitted but not yet fetched at any time (never above ``max_resources``).
    frontier_peak: int = 0
    #: The exception behind :attr:`entry_error`.
    entry_exception: Optional[BaseException] = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """No error-level violations and no errors."""
        return not any(p.level == "error" for p in self.problems)

    @property
    def total(self) -> int:
        """Resources fetched."""
        return sum(self.resources.values())

    @property
    def unreachable(self) -> bool:
        """The entry point could not be fetched: connection, timeout, 5xx or authentication failure."""
        return self.entry_error is not None

    def problems_by_type_and_rule(self) -> Dict[Tuple[str, str], int]:
        """Counts of problems per (type, rule)."""
        counts: "Counter[Tuple[str, str]]" = Counter((p.type or "?", p.rule) for p in self.problems)
        return dict(sorted(counts.items()))

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "ok": self.ok,
            "complete": self.complete,
            "resources": self.total,
            "resources_by_type": {str(k): v for k, v in sorted(self.resources.items(), key=lambda kv: str(kv[0]))},
            "embedded_by_type": {str(k): v for k, v in sorted(self.embedded.items(), key=lambda kv: str(kv[0]))},
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "truncated": self.truncated,
            "depth": self.depth,
            "frontier_peak": self.frontier_peak,
            "entry_error": self.entry_error,
            "shapes": {
                kind: {part: sorted(names) for part, names in sorted(shape.items())}
                for kind, shape in sorted(self.shapes.items())
            },
            "compatibility": list(self.compatibility),
            "violations_by_type_and_rule": [
                {"type": t, "rule": r, "count": n} for (t, r), n in self.problems_by_type_and_rule().items()
            ],
            "problems": [dict(p.__dict__) for p in self.problems],
        }


class _Pacer:
    """Spaces requests ``1/rate`` seconds apart across threads, and pauses them all after a 429."""

    def __init__(self, rate: Optional[float]) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.lock = threading.Lock()
        self.next_at = 0.0

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            self.next_at = at + self.interval
        if at > now:
            time.sleep(at - now)

    def pause(self, seconds: float) -> None:
        with self.lock:
            self.next_at = max(self.next_at, time.monotonic() + seconds)


def _retry_after(exc: RateLimitedError) -> float:
    value = getattr(exc, "retry_after", None)
    if value is None and exc.response is not None:
        value = exc.response.headers.get("Retry-After")
    try:
        seconds = float(value) if value is not None else 1.0
    except (TypeError, ValueError):
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


@dataclass
class _Fetched:
    """What one fetch produced, handed from a worker to the walk."""

    url: str
    type_hint: Optional[str]
    resource: Optional["Resource"] = None
    violations: List[Any] = field(default_factory=list)
    error: Optional[HalkitError] = None


def _key(url: str) -> int:
    """The seen-set key of a URL: 8 bytes of a digest of its normal form."""
    try:
        normal = urls.normalize(url)
    except HalkitError:
        normal = url
    return int.from_bytes(hashlib.blake2b(normal.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def crawl(
    client: "Client",
    *,
    max_resources: int = 10000,
    max_depth: Optional[int] = None,
    workers: int = 1,
    rate: Optional[float] = None,
    same_origin: bool = True,
    undocumented: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
    report: Optional[CrawlReport] = None,
) -> CrawlReport:
    """Walk the API from ``client.entry_url`` breadth-first, validating as it goes.

    Resources are fetched and validated through the client's one validation
    path (:meth:`halkit.Client.get` in ``"strict"`` mode, whatever the client's
    own mode, which is left alone): every violation is collected in the
    report instead of being raised or warned, and so is every
    :class:`~halkit.CompatibilityWarning` (what lenient parsing tolerated);
    other warnings pass through.

    :param client: the client (its profile types and validates resources; without one, nothing is validated).
    :param max_resources: fetch at most this many resources.
    :param max_depth: follow links at most this many hops from the entry point (default: no limit).
    :param workers: how many requests may be in flight at once.
    :param rate: at most this many requests a second (default: no limit).
    :param same_origin: follow only links to the client's origins (default); False follows any http(s) link.
    :param undocumented: also report the property names, rels and embedded rels
        the profile does not document, as warnings (rule ``undocumented``:
        :meth:`halkit.registry.Profile.undocumented`), which do not make the report fail.
    :param progress: called as ``progress(fetched, queued)`` after each fetch (from the calling thread).
    :param report: a report to fill in (so that a caller interrupted by Ctrl-C keeps what was seen).
    :raises ValueError: a limit below 1.
    """
    if max_resources < 1 or workers < 1 or (max_depth is not None and max_depth < 0) or (rate is not None and rate <= 0):
        raise ValueError("max_resources and workers must be at least 1, max_depth at least 0, rate above 0")
    report = CrawlReport() if report is None else report
    profile = client.profile
    started = time.monotonic()
    requests_before = client.request_count
    pacer = _Pacer(rate)
    caught = warnings.catch_warnings(record=True)
    records = caught.__enter__()
    warnings.simplefilter("always", CompatibilityWarning)
    entry_type = profile.entry_type if profile is not None else None
    level: List[Tuple[str, Optional[str]]] = [(client.entry_url, entry_type)]
    seen: Set[int] = {_key(client.entry_url)}
    admitted = 1
    depth = 0
    gate = {"closed": False}

    def wanted() -> bool:
        # once nothing more can be admitted and the report says so, links are not even expanded
        return not (gate["closed"] and report.truncated)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="halkit-crawl") if workers > 1 else None
    try:
        while level:
            report.depth = depth
            nxt: List[Tuple[str, Optional[str]]] = []

            def admit(fetched: _Fetched, depth: int = depth, nxt: List[Tuple[str, Optional[str]]] = nxt) -> None:
                # called in the level's order, once per fetched URL; the resource is dropped afterwards
                nonlocal admitted
                if fetched.resource is None:
                    return
                response = fetched.resource.response
                if response is not None and response.url:
                    seen.add(_key(response.url))  # where redirects landed
                gate["closed"] = admitted >= max_resources or (max_depth is not None and depth >= max_depth)
                for link_url, target in _links_to_visit(client, fetched.resource, report, same_origin, wanted):
                    key = _key(link_url)
                    if key in seen:
                        continue
                    if gate["closed"]:
                        report.truncated = True
                        continue
                    seen.add(key)
                    admitted += 1
                    nxt.append((link_url, target))
                    gate["closed"] = admitted >= max_resources

            _walk_level(client, level, pool, pacer, report, progress, undocumented, workers, admit)
            level = nxt
            report.frontier_peak = max(report.frontier_peak, len(level))
            depth += 1
    except BaseException:
        report.complete = False
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=report.complete, cancel_futures=True)
        caught.__exit__(None, None, None)
        for record in records:
            if issubclass(record.category, CompatibilityWarning):
                report.compatibility.append(str(record.message))
            else:
                warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
        report.requests = client.request_count - requests_before
        report.seconds = time.monotonic() - started
    return report


def _fetch_one(client: "Client", url: str, type_hint: Optional[str], pacer: _Pacer, undocumented: bool) -> _Fetched:
    """Fetch and validate one URL (in a worker thread); never raises a HalkitError."""
    fetched = _fetch_validated(client, url, type_hint, pacer)
    profile = client.profile
    resource = fetched.resource
    if undocumented and profile is not None and resource is not None and resource.type is not None:
        try:
            fetched.violations.extend(profile.undocumented(resource, resource.type))
        except HalkitError as exc:  # pragma: no cover - a profile that cannot say
            fetched.violations.append(CrawlProblem(url, resource.type, "error", "", str(exc)))
    return fetched


def _fetch_validated(client: "Client", url: str, type_hint: Optional[str], pacer: _Pacer) -> _Fetched:
    for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
        pacer.wait()
        try:
            resource = client.get(url, type=type_hint, validation="strict")
        except ProfileError as exc:
            found = getattr(exc, "resource", None)
            if found is None:
                return _Fetched(url, type_hint, error=exc)
            return _Fetched(url, type_hint, found, list(getattr(exc, "violations", []) or []))
        except RateLimitedError as exc:
            if attempt == RATE_LIMIT_ATTEMPTS:
                return _Fetched(url, type_hint, error=exc)
            pacer.pause(_retry_after(exc))
            continue
        except HalkitError as exc:
            return _Fetched(url, type_hint, error=exc)
        return _Fetched(url, type_hint, resource)
    raise AssertionError("unreachable")  # pragma: no cover


def _walk_level(client: "Client", level: List[Tuple[str, Optional[str]]], pool: Optional[ThreadPoolExecutor],
                pacer: _Pacer, report: CrawlReport, progress: Optional[Callable[[int, int], None]],
                undocumented: bool, workers: int, admit: Callable[[_Fetched], None]) -> None:
    """Fetch a level; record and ``admit`` each result in the level's order, then let it go.

    At most ``2 * workers`` results are in flight or waiting for their turn, so
    a level holds at most that many resources at once, whatever its size.
    """
    recorded = 0

    def take(fetched: _Fetched) -> None:
        nonlocal recorded
        _record(fetched, report, entry=(report.total == 0 and report.depth == 0))
        admit(fetched)
        recorded += 1
        if progress is not None:
            progress(report.total, len(level) - recorded)

    if pool is None:
        for url, hint in level:
            take(_fetch_one(client, url, hint, pacer, undocumented))
        return
    limit = workers * 2
    pending: Dict["Future[_Fetched]", int] = {}
    waiting: Dict[int, _Fetched] = {}
    position = 0
    while recorded < len(level):
        while position < len(level) and position - recorded < limit:
            url, hint = level[position]
            pending[pool.submit(_fetch_one, client, url, hint, pacer, undocumented)] = position
            position += 1
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            waiting[pending.pop(future)] = future.result()
        while recorded in waiting:
            take(waiting.pop(recorded))


def _record(fetched: _Fetched, report: CrawlReport, *, entry: bool) -> None:
    if fetched.resource is None:
        error = fetched.error
        report.resources[fetched.type_hint] += 1
        report.problems.append(CrawlProblem(fetched.url, fetched.type_hint, "error", "", str(error)))
        if entry and isinstance(error, (TransportError, AuthError, ServerError)):
            report.entry_error = str(error)
            report.entry_exception = error
        return
    resource = fetched.resource
    report.resources[resource.type] += 1
    from .registry.violations import WARNING_RULES

    for v in fetched.violations:
        level = "warning" if v.rule in WARNING_RULES else getattr(v, "level", "error")
        report.problems.append(CrawlProblem(fetched.url, resource.type, v.rule, v.pointer, v.message, level))


def _remember_shape(report: CrawlReport, kind: str, properties: Any, links: Any, embedded: List[str]) -> None:
    shape = report.shapes.setdefault(kind, {"properties": set(), "rels": set(), "embedded": set()})
    for part, names in (("properties", properties), ("rels", links), ("embedded", embedded)):
        known = shape[part]
        for name in names:
            if len(known) >= MAX_NAMES:
                break
            known.add(str(name))


def _links_to_visit(
    client: "Client", resource: "Resource", report: CrawlReport, same_origin: bool = True,
    wanted: Callable[[], bool] = lambda: True,
) -> Iterator[Tuple[str, Optional[str]]]:
    """The GET-able, non-templated links of a resource and of everything it embeds (lazily).

    Every embedded resource is counted and its shape remembered; links are
    expanded only while ``wanted()`` is true.
    """
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
        if res.type is not None:
            _remember_shape(report, res.type, res.properties, links, [rel for rel, _ in embedded])
        for _rel, items in reversed(embedded):
            stack.extend((item, False) for item in reversed(items))
        for rel in links:
            if rel == "curies" or not wanted():
                continue
            target = None
            if profile is not None and res.type is not None:
                target = profile.link_target(res.type, rel)
                methods = profile.link_methods(res.type, rel)
                if methods is not None and "GET" not in methods:
                    continue
            for link in links[rel]:
                if not wanted():
                    break
                if link.templated:
                    continue
                try:
                    url = link.expand()
                    urls.check_scheme(url)
                except HalkitError:
                    continue
                if same_origin and urls.origin(url) not in client.origins:
                    continue
                yield url, target
