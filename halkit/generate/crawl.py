"""Infer a draft profile from a live HAL API (placeholder, filled in below)."""

from __future__ import annotations

from typing import Any

__all__ = ["crawl_profile", "from_crawl"]


def from_crawl(*args: Any, **kwargs: Any) -> Any:  # pragma: no cover
    raise NotImplementedError


def crawl_profile(*args: Any, **kwargs: Any) -> Any:  # pragma: no cover
    raise NotImplementedError
