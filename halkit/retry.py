"""Retries: urllib3's :class:`~urllib3.util.retry.Retry`, bounded in total time.

A client's own session mounts an :class:`~requests.adapters.HTTPAdapter`
with :func:`default_retry`; both transport paths (``Session.send`` and the
fast urllib3 path) use the adapter's ``max_retries``, so retries behave the
same whichever path a request takes. Each call's total deadline (see
:class:`halkit.transport.Request`) is visible to every retry through
:data:`call_deadline`, so neither a backoff nor a ``Retry-After`` wait ever
sleeps past it.
"""

from __future__ import annotations

import contextvars
import time
from typing import Any, Dict, Optional

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

__all__ = ["IDEMPOTENT_METHODS", "HalkitRetry", "call_deadline", "default_retry"]

#: Methods retried automatically on connection errors and 429/502/503/504.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

#: The ``time.monotonic()`` by which the current call must end, or ``None``
#: (set by the transports for the duration of one call, per thread).
call_deadline: "contextvars.ContextVar[Optional[float]]" = contextvars.ContextVar("halkit_call_deadline", default=None)


class HalkitRetry(Retry):
    """urllib3's :class:`~urllib3.util.retry.Retry`, bounded in total time too.

    :param max_retry_after: the longest ``Retry-After`` wait honoured, in
        seconds; a server asking for more gets no retry (the answer, e.g. a
        429, is raised at once as :class:`~halkit.RateLimitedError`).
    :param deadline: the most time, in seconds from the first failure, that
        retrying may take, waits included; when the next wait would pass it,
        the last answer (or error) is given instead. The call's own total
        deadline (:data:`call_deadline`) bounds it as well.

    Every other argument is urllib3's.
    """

    def __init__(self, *args: Any, max_retry_after: float = 30.0, deadline: float = 60.0,
                 _started: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after
        self.deadline = deadline
        self._started = _started

    def new(self, **kw: Any) -> "HalkitRetry":
        """A copy with ``kw`` changed (urllib3 calls this for every retry)."""
        kw.setdefault("max_retry_after", self.max_retry_after)
        kw.setdefault("deadline", self.deadline)
        kw.setdefault("_started", self._started)
        return super().new(**kw)  # type: ignore[no-any-return]

    def increment(self, method: Optional[str] = None, url: Optional[str] = None, response: Any = None,
                  error: Optional[Exception] = None, _pool: Any = None, _stacktrace: Any = None) -> "HalkitRetry":
        """Count one failure; refuse a retry whose wait would pass either deadline."""
        now = time.monotonic()
        started = self._started if (self.history and self._started is not None) else now
        end = started + self.deadline
        call_end = call_deadline.get()
        if call_end is not None and call_end < end:
            end = call_end
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
            if wait is not None and (wait > self.max_retry_after or now + wait > end):
                raise MaxRetryError(_pool, url or "", error or ResponseError(f"Retry-After {wait:.0f}s is too long"))
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        new._started = started
        if now + new.get_backoff_time() > end:
            raise MaxRetryError(_pool, url or "", error or ResponseError("retry deadline passed"))
        return new  # type: ignore[no-any-return]


def default_retry(total: int = 3, *, max_retry_after: float = 30.0, deadline: float = 60.0) -> Retry:
    """The retry policy of a client's own session (a :class:`HalkitRetry`).

    Idempotent methods only (POST and PATCH are never retried); connection
    errors and 429/502/503/504; exponential backoff with jitter;
    ``Retry-After`` (seconds or an HTTP date) honoured up to
    ``max_retry_after``; at most ``total`` retries within ``deadline`` seconds
    (and within the call's total deadline).

    :param total: the most retries.
    :param max_retry_after: the longest ``Retry-After`` honoured, in seconds.
    :param deadline: the most seconds retrying may take, from the first failure.
    :returns: the retry policy, for ``HTTPAdapter(max_retries=...)``.
    """
    kwargs: Dict[str, Any] = dict(
        total=total,
        connect=total,
        read=total,
        status=total,
        other=0,
        backoff_factor=0.2,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=IDEMPOTENT_METHODS,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
        max_retry_after=max_retry_after,
        deadline=deadline,
    )
    try:
        return HalkitRetry(backoff_jitter=0.1, backoff_max=10.0, **kwargs)
    except TypeError:  # urllib3 < 2: no jitter, no backoff_max, maybe no `other`
        kwargs.pop("other")
        return HalkitRetry(**kwargs)
