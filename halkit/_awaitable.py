"""One check for both twins: apply it to what the navigator returned, now or once awaited.

The shared model's navigation methods send through their navigator and
check the answer (a GET that came back empty is an error, say). With
:class:`halkit.Client` the navigator returns the answer; with the async
twin's it returns a coroutine, which :mod:`halkit.aio.model` awaits. A
method that checks the answer hands it to :func:`then`, so the check runs in
either case, written once.
"""

from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable, TypeVar

__all__ = ["then"]

T = TypeVar("T")


def then(value: Any, check: Callable[[Any], T]) -> T:
    """``check(value)``; for an awaitable ``value`` (the async twin's), an awaitable of ``check(await value)``.

    Typed for the sync model, as :class:`halkit.typing.Navigator` is: the
    async twin's overrides await what the sync methods return.
    """
    if inspect.isawaitable(value):
        return _after(value, check)  # type: ignore[return-value]
    return check(value)


async def _after(value: Awaitable[Any], check: Callable[[Any], T]) -> T:
    return check(await value)
