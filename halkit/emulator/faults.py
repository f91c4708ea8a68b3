"""Fault injection for the emulator: make chosen requests fail on purpose.

A test schedules rules on :attr:`Emulator.faults <halkit.emulator.Emulator.faults>`;
each rule names the requests it matches (method, a regular expression searched
in the path, or any callable) and how many of them it affects::

    emu.faults.status(503, path=r"/users$", times=2)        # the next 2 user-list requests
    emu.faults.rate_limit(retry_after=1, method="POST")      # 429 with Retry-After: 1
    emu.faults.drop(path=r"^/v1$")                           # close the connection, no answer
    emu.faults.stall(2.5)                                    # the next request waits 2.5 s first
    emu.faults.truncate(path=r"/users/\\d+$")                # half the body, then close
    emu.faults.expire_tokens()                               # expire every token, then serve

Every request, the token endpoint included, is checked against the rules in
the order they were added. ``stall`` and ``expire_tokens`` rules are
*non-terminal*: they act and the request goes on (so a ``stall`` followed by a
``status`` rule makes a slow error). The first matching *terminal* rule
(``status``, ``drop``, ``truncate``) decides the answer. A rule with
``times=None`` never runs out; ``skip=n`` lets the first ``n`` matching
requests through before the rule starts to act.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Mapping, Optional, Union

from ..exceptions import EmulatorError

__all__ = ["Fault", "FaultList", "ACTIONS", "TERMINAL_ACTIONS"]

#: Every fault action.
ACTIONS = frozenset({"status", "drop", "stall", "truncate", "expire_tokens"})
#: The actions that decide the answer (the others act, then the request goes on).
TERMINAL_ACTIONS = frozenset({"status", "drop", "truncate"})

Predicate = Callable[[str, str], bool]


@dataclass
class Fault:
    """One fault rule.

    :param action: one of :data:`ACTIONS`.
    :param method: match only this HTTP method (case-insensitive); ``None``: any.
    :param path: a regular expression searched in the request path (no query
        string); ``None``: any path.
    :param predicate: an extra test ``predicate(method, path) -> bool``.
    :param times: how many matching requests the rule affects; ``None``: all.
    :param skip: how many matching requests pass untouched before the rule acts.
    :param status: the status code of a ``status`` rule.
    :param retry_after: the ``Retry-After`` header of a ``status`` rule.
    :param body: the JSON body of a ``status`` rule (default: the API's natural error body).
    :param seconds: how long a ``stall`` rule waits.
    """

    action: str
    method: Optional[str] = None
    path: Optional[str] = None
    predicate: Optional[Predicate] = None
    times: Optional[int] = 1
    skip: int = 0
    status: int = 503
    retry_after: Optional[Union[int, str]] = None
    body: Optional[Mapping[str, Any]] = None
    seconds: float = 0.0
    #: How many requests this rule has acted on so far.
    triggered: int = 0
    _seen: int = field(default=0, repr=False)
    _regex: Optional["re.Pattern[str]"] = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise EmulatorError(f"unknown fault action {self.action!r}; expected one of {sorted(ACTIONS)}")
        if self.times is not None and self.times < 0:
            raise EmulatorError("times must be >= 0 or None")
        if self.skip < 0:
            raise EmulatorError("skip must be >= 0")
        if self.path is not None:
            self._regex = re.compile(self.path)

    @property
    def terminal(self) -> bool:
        """Whether this rule decides the answer (see :data:`TERMINAL_ACTIONS`)."""
        return self.action in TERMINAL_ACTIONS

    @property
    def exhausted(self) -> bool:
        """Whether the rule has acted ``times`` times already."""
        return self.times is not None and self.triggered >= self.times

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and path matches the rule (ignores counts)."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self._regex is not None and self._regex.search(path) is None:
            return False
        return self.predicate is None or bool(self.predicate(method, path))


class FaultList:
    """The thread-safe, ordered list of fault rules of one emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: List[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Append a rule and return it."""
        with self._lock:
            self._rules.append(fault)
        return fault

    def status(
        self,
        code: int,
        *,
        method: Optional[str] = None,
        path: Optional[str] = None,
        times: Optional[int] = 1,
        skip: int = 0,
        retry_after: Optional[Union[int, str]] = None,
        body: Optional[Mapping[str, Any]] = None,
    ) -> Fault:
        """Answer matching requests with ``code`` instead of serving them.

        The body (unless ``body`` is given) is the one the API gives that status
        naturally: for 401 the token endpoint's ``invalid_client`` or the API's
        ``invalid_token``/``unauthorized`` (with ``WWW-Authenticate``), for 403
        ``access_denied``, otherwise ``{error, message, timestamp}`` with ``error``
        named after the status (``ServiceUnavailableError``...).
        """
        return self.add(
            Fault(
                "status",
                method=method,
                path=path,
                times=times,
                skip=skip,
                status=code,
                retry_after=retry_after,
                body=body,
            )
        )

    def unavailable(
        self,
        *,
        method: Optional[str] = None,
        path: Optional[str] = None,
        times: Optional[int] = 1,
        skip: int = 0,
        retry_after: Optional[Union[int, str]] = None,
    ) -> Fault:
        """Answer matching requests with 503 Service Unavailable."""
        return self.status(503, method=method, path=path, times=times, skip=skip, retry_after=retry_after)

    def rate_limit(
        self,
        *,
        retry_after: Optional[Union[int, str]] = 1,
        method: Optional[str] = None,
        path: Optional[str] = None,
        times: Optional[int] = 1,
        skip: int = 0,
    ) -> Fault:
        """Answer matching requests with 429 Too Many Requests and ``Retry-After``."""
        return self.status(429, method=method, path=path, times=times, skip=skip, retry_after=retry_after)

    def drop(
        self, *, method: Optional[str] = None, path: Optional[str] = None, times: Optional[int] = 1, skip: int = 0
    ) -> Fault:
        """Close the connection of matching requests without answering."""
        return self.add(Fault("drop", method=method, path=path, times=times, skip=skip))

    def stall(
        self,
        seconds: float,
        *,
        method: Optional[str] = None,
        path: Optional[str] = None,
        times: Optional[int] = 1,
        skip: int = 0,
    ) -> Fault:
        """Wait ``seconds`` before serving matching requests (ends early when the emulator stops)."""
        return self.add(Fault("stall", method=method, path=path, times=times, skip=skip, seconds=seconds))

    def truncate(
        self, *, method: Optional[str] = None, path: Optional[str] = None, times: Optional[int] = 1, skip: int = 0
    ) -> Fault:
        """Serve matching requests, but send only half the body and close the connection."""
        return self.add(Fault("truncate", method=method, path=path, times=times, skip=skip))

    def expire_tokens(
        self, *, method: Optional[str] = None, path: Optional[str] = None, times: Optional[int] = 1, skip: int = 0
    ) -> Fault:
        """Expire every access token issued so far, then serve the matching request."""
        return self.add(Fault("expire_tokens", method=method, path=path, times=times, skip=skip))

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def take(self, method: str, path: str) -> List[Fault]:
        """Find the rules that act on this request, count them, and return them in order.

        Stops after the first terminal rule; drops exhausted rules.
        """
        if not self._rules:  # fast path, racy on purpose: a rule added now applies next time
            return []
        acting: List[Fault] = []
        with self._lock:
            for rule in self._rules:
                if rule.exhausted or not rule.matches(method, path):
                    continue
                rule._seen += 1
                if rule._seen <= rule.skip:
                    continue
                rule.triggered += 1
                acting.append(rule)
                if rule.terminal:
                    break
            self._rules = [rule for rule in self._rules if not rule.exhausted]
        return acting

    def __len__(self) -> int:
        with self._lock:
            return len(self._rules)

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._rules))

    def __repr__(self) -> str:
        return f"<FaultList of {len(self)} rule(s)>"
