"""Recording halkit's compatibility warnings explicitly (the suite turns warnings into errors)."""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from typing import Iterator, List

import halkit

_KIND = re.compile(r"\[([a-z][a-z-]*)\](?: at |$)")


class Recorded:
    """The warnings seen inside :func:`record_compat`."""

    def __init__(self, caught: List[warnings.WarningMessage]) -> None:
        self._caught = caught

    @property
    def records(self) -> List[warnings.WarningMessage]:
        """The :class:`halkit.CompatibilityWarning` records so far."""
        return [w for w in self._caught if issubclass(w.category, halkit.CompatibilityWarning)]

    @property
    def messages(self) -> List[str]:
        return [str(w.message) for w in self.records]

    @property
    def kinds(self) -> List[str]:
        """The deviation kind of each warning, in order (``[kind]`` in its message)."""
        out = []
        for message in self.messages:
            match = _KIND.search(message)
            assert match is not None, f"a compatibility warning names no kind: {message}"
            out.append(match.group(1))
        return out


@contextmanager
def record_compat() -> Iterator[Recorded]:
    """Record every warning in the block; fail on any that is not a :class:`halkit.CompatibilityWarning`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield Recorded(caught)
    for w in caught:
        if issubclass(w.category, halkit.CompatibilityWarning):
            continue
        # any other warning fails the test, as pytest's filterwarnings=error would
        raise AssertionError(f"unexpected {w.category.__name__}: {w.message}")
