"""The transport seam: how :class:`halkit.Client` sends a request and reads the answer.

A :class:`Transport` has two methods, ``send(request) -> requests.Response``
(the body read and capped) and ``close()``, as httpx's transports do. The
client builds a :class:`Request` value for each call and hands it to its
transport (``halkit.Client(transport=...)`` passes one):

* :class:`SessionTransport` (the default): requests' own path, or the
  fast urllib3 path when nothing would notice the difference;
* :class:`RequestsTransport`: always ``Session.send`` (everything that hooks
  into requests sees every request);
* :class:`Urllib3Transport`: the fast path alone;
* :class:`MockTransport`: answers from a function, in memory, for tests.

Retries live beside them, in :mod:`halkit.retry`. Every body read on a call's
behalf is capped (after decompression) and every call can have a total
deadline (connect, reads, redirects and retries together).
"""

from __future__ import annotations

from ._base import DEFAULT_MAX_BODY_SIZE, Request, TimeoutLike, Transport
from ._errors import map_error
from ._mock import MockTransport, make_response
from ._session import (
    DEADLINE_FACTOR,
    RequestsTransport,
    SessionTransport,
    Urllib3Transport,
    default_deadline,
    nothing_patched,
)

__all__ = [
    "DEADLINE_FACTOR",
    "DEFAULT_MAX_BODY_SIZE",
    "MockTransport",
    "Request",
    "RequestsTransport",
    "SessionTransport",
    "TimeoutLike",
    "Transport",
    "Urllib3Transport",
    "default_deadline",
    "make_response",
    "map_error",
    "nothing_patched",
]
