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

:func:`halkit.aio.crawl.crawl` is the same walk on an
:class:`~halkit.AsyncClient` (tasks instead of threads), with the same report.
Everything but fetching and waiting is shared (``_Walk``, ``_Tries``,
``_Order`` and ``_Pacer`` here do no I/O), so the two drivers cannot drift.
"""

from __future__ import annotations

import hashlib
import threading
import time
import warnings
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Protocol,
    Set,
    Tuple,
    Union,
)

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
    from .registry import Profile
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
    #: HTTP requests the client made during the crawl (its ``request_count``, token requests included).
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


class _Crawled(Protocol):
    """What the walk reads of a client, sync or async (the fetching is the driver's)."""

    @property
    def entry_url(self) -> str: ...  # pragma: no cover

    @property
    def profile(self) -> Optional["Profile"]: ...  # pragma: no cover

    @property
    def origins(self) -> AbstractSet[urls.Origin]: ...  # pragma: no cover

    @property
    def request_count(self) -> int: ...  # pragma: no cover


class _Pacer:
    """Spaces requests ``1/rate`` seconds apart across workers, and pauses them all after a 429.

    It does no waiting itself: :meth:`delay` books the next request's turn and
    says how long to wait for it (with :func:`time.sleep` in a thread, with
    :func:`asyncio.sleep` in a task).
    """

    def __init__(self, rate: Optional[float]) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.lock = threading.Lock()
        self.next_at = 0.0

    def delay(self) -> float:
        """Book the next request's turn; the seconds to wait for it."""
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next_at)
            self.next_at = at + self.interval
        return at - now

    def pause(self, seconds: float) -> None:
        """No request before ``seconds`` from now."""
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


class _Walk:
    """One crawl, without its I/O: the limits, the levels, the seen set and frontier, pacing, the report.

    The drivers (:func:`crawl` with threads, :func:`halkit.aio.crawl.crawl`
    with tasks) only fetch and wait. For each of :meth:`levels` they fetch
    every URL of the level (:class:`_Tries` says when and what came of it),
    at most ``workers`` at a time, and hand each result to :meth:`take` in
    the level's order (:class:`_Order` puts concurrent results back in it).
    As a context manager, the walk collects :class:`~halkit.CompatibilityWarning`
    and, on the way out, the request count and the time; an exception
    (Ctrl-C, a cancelled task) marks the report incomplete.
    """

    def __init__(self, client: _Crawled, max_resources: int, max_depth: Optional[int], workers: int,
                 rate: Optional[float], same_origin: bool, undocumented: bool,
                 progress: Optional[Callable[[int, int], None]], report: Optional[CrawlReport]) -> None:
        if max_resources < 1 or workers < 1 or (max_depth is not None and max_depth < 0) or (rate is not None and rate <= 0):
            raise ValueError("max_resources and workers must be at least 1, max_depth at least 0, rate above 0")
        self.client = client
        self.report = CrawlReport() if report is None else report
        self.max_resources, self.max_depth, self.workers = max_resources, max_depth, workers
        self.same_origin, self.undocumented, self.progress = same_origin, undocumented, progress
        self.pacer = _Pacer(rate)
        entry_type = client.profile.entry_type if client.profile is not None else None
        #: The level being fetched, and what it admits for the next one.
        self.level: List[Tuple[str, Optional[str]]] = [(client.entry_url, entry_type)]
        self.next: List[Tuple[str, Optional[str]]] = []
        #: How many of the level's results were taken.
        self.recorded = 0
        self.seen: Set[int] = {_key(client.entry_url)}
        self.admitted = 1
        #: Nothing more can be admitted (a limit is reached).
        self.closed = False
        self._started = 0.0
        self._requests_before = 0
        self._caught = warnings.catch_warnings(record=True)
        self._records: List[warnings.WarningMessage] = []

    def __enter__(self) -> "_Walk":
        self._started = time.monotonic()
        self._requests_before = self.client.request_count
        self._records = self._caught.__enter__() or []
        warnings.simplefilter("always", CompatibilityWarning)
        return self

    def __exit__(self, kind: Optional[type], exc: Optional[BaseException], tb: Any) -> None:
        report = self.report
        if kind is not None:
            report.complete = False
        self._caught.__exit__(None, None, None)
        for record in self._records:
            if issubclass(record.category, CompatibilityWarning):
                report.compatibility.append(str(record.message))
            else:
                warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
        report.requests = self.client.request_count - self._requests_before
        report.seconds = time.monotonic() - self._started

    def levels(self) -> Iterator[List[Tuple[str, Optional[str]]]]:
        """The levels, one by one: each is made of what the one before admitted while it was taken."""
        depth = 0
        while self.level:
            self.report.depth = depth
            self.next, self.recorded = [], 0
            yield self.level
            self.level = self.next
            self.report.frontier_peak = max(self.report.frontier_peak, len(self.level))
            depth += 1

    def take(self, fetched: _Fetched) -> None:
        """Record a result and admit what it links to; called in the level's order, once per URL."""
        report = self.report
        _record(fetched, report, entry=(report.total == 0 and report.depth == 0))
        self._admit(fetched)  # the resource is let go afterwards
        self.recorded += 1
        if self.progress is not None:
            self.progress(report.total, len(self.level) - self.recorded)

    def _wanted(self) -> bool:
        # once nothing more can be admitted and the report says so, links are not even expanded
        return not (self.closed and self.report.truncated)

    def _admit(self, fetched: _Fetched) -> None:
        if fetched.resource is None:
            return
        report, limit = self.report, self.max_resources
        landed = str(getattr(fetched.resource.response, "url", None) or "")
        if landed:
            self.seen.add(_key(landed))  # where redirects landed
        self.closed = self.admitted >= limit or (self.max_depth is not None and report.depth >= self.max_depth)
        for link_url, target in _links_to_visit(self.client, fetched.resource, report, self.same_origin, self._wanted):
            key = _key(link_url)
            if key in self.seen:
                continue
            if self.closed:
                report.truncated = True
                continue
            self.seen.add(key)
            self.admitted += 1
            self.next.append((link_url, target))
            self.closed = self.admitted >= limit

    def with_undocumented(self, fetched: _Fetched) -> _Fetched:
        """``fetched``, with the names its profile does not document when the crawl reports them."""
        profile, resource = self.client.profile, fetched.resource
        if self.undocumented and profile is not None and resource is not None and resource.type is not None:
            try:
                fetched.violations.extend(profile.undocumented(resource, resource.type))
            except HalkitError as exc:  # pragma: no cover - a profile that cannot say
                fetched.violations.append(CrawlProblem(fetched.url, resource.type, "error", "", str(exc)))
        return fetched


class _Tries:
    """The attempts at one URL, without the I/O: how long to wait before each, and what they came to.

    A driver loops while :attr:`result` is ``None``: it waits :meth:`delay`
    seconds, GETs the URL (``client.get(url, type=hint, validation="strict")``)
    and hands :meth:`settle` the resource or the :class:`~halkit.HalkitError`
    the GET raised. A 429 pauses every worker for its ``Retry-After`` and the
    URL is tried again, at most :data:`RATE_LIMIT_ATTEMPTS` times in all.
    """

    def __init__(self, walk: _Walk, url: str, hint: Optional[str]) -> None:
        self.walk, self.url, self.hint = walk, url, hint
        self.attempts = 0
        #: What fetching the URL came to, once it is settled.
        self.result: Optional[_Fetched] = None

    def delay(self) -> float:
        """The seconds to wait before the next attempt."""
        self.attempts += 1
        return self.walk.pacer.delay()

    def settle(self, got: Union["Resource", HalkitError]) -> None:
        """What an attempt got: a resource, or the error the GET raised."""
        url, hint = self.url, self.hint
        if isinstance(got, RateLimitedError) and self.attempts < RATE_LIMIT_ATTEMPTS:
            self.walk.pacer.pause(_retry_after(got))
            return
        found = getattr(got, "resource", None) if isinstance(got, ProfileError) else None
        if found is not None:  # the resource, with its violations
            fetched = _Fetched(url, hint, found, list(getattr(got, "violations", []) or []))
        elif isinstance(got, HalkitError):
            fetched = _Fetched(url, hint, error=got)
        else:
            fetched = _Fetched(url, hint, got)
        self.result = self.walk.with_undocumented(fetched)


class _Order:
    """Concurrent fetches of a level, taken in the level's order (by :meth:`_Walk.take`).

    At most ``window`` results are in flight or waiting for their turn, so a
    level holds at most that many resources at once, whatever its size. The
    driver starts fetches with :meth:`start`, waits for any of them to end,
    and hands those to :meth:`finish`; the handles are whatever its
    ``submit`` returns, with a ``result()`` method (a
    :class:`concurrent.futures.Future`, an :class:`asyncio.Task`).
    """

    def __init__(self, walk: _Walk, window: int) -> None:
        self.walk, self.window = walk, window
        #: The fetches in flight (handle -> position in the level).
        self.pending: Dict[Any, int] = {}
        self.waiting: Dict[int, _Fetched] = {}
        self.position = 0

    @property
    def done(self) -> bool:
        """Every result of the level was taken."""
        return self.walk.recorded >= len(self.walk.level)

    def start(self, submit: Callable[[str, Optional[str]], Any]) -> List[Any]:
        """Start what the window allows with ``submit(url, hint)``; every fetch in flight."""
        level = self.walk.level
        while self.position < len(level) and self.position - self.walk.recorded < self.window:
            url, hint = level[self.position]
            self.pending[submit(url, hint)] = self.position
            self.position += 1
        return list(self.pending)

    def finish(self, ended: Iterable[Any]) -> None:
        """Take the results of fetches that ended, and of those waiting for them, in the level's order."""
        for handle in ended:
            self.waiting[self.pending.pop(handle)] = handle.result()
        walk = self.walk
        while walk.recorded in self.waiting:
            walk.take(self.waiting.pop(walk.recorded))


# -- the sync driver: worker threads ----------------------------------------------------------------------------


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
    other warnings pass through. :func:`halkit.aio.crawl.crawl` is the same
    walk on an :class:`~halkit.AsyncClient`.

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
    walk = _Walk(client, max_resources, max_depth, workers, rate, same_origin, undocumented, progress, report)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="halkit-crawl") if workers > 1 else None
    try:
        with walk:
            for level in walk.levels():
                if pool is None:
                    for url, hint in level:
                        walk.take(_fetch(client, walk, url, hint))
                else:
                    _fetch_level(client, walk, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=walk.report.complete, cancel_futures=True)
    return walk.report


def _fetch_level(client: "Client", walk: _Walk, pool: ThreadPoolExecutor) -> None:
    """Fetch a level with the pool's threads, taking the results in the level's order."""
    order = _Order(walk, 2 * walk.workers)
    while not order.done:
        in_flight = order.start(lambda url, hint: pool.submit(_fetch, client, walk, url, hint))
        order.finish(wait(in_flight, return_when=FIRST_COMPLETED).done)


def _fetch(client: "Client", walk: _Walk, url: str, hint: Optional[str]) -> _Fetched:
    """Fetch and validate one URL (in a worker thread); never raises a HalkitError."""
    tries = _Tries(walk, url, hint)
    while tries.result is None:
        time.sleep(tries.delay())
        tries.settle(_get(client, url, hint))
    return tries.result


def _get(client: "Client", url: str, hint: Optional[str]) -> Union["Resource", HalkitError]:
    try:
        return client.get(url, type=hint, validation="strict")
    except HalkitError as exc:
        return exc


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
    client: _Crawled, resource: "Resource", report: CrawlReport, same_origin: bool = True,
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
