"""Profile violations, the validation modes, and the format checks profiles rely on.

This module is kept for compatibility: everything lives in
:mod:`halkit.registry.violations`, and is re-exported here unchanged.
"""

from __future__ import annotations

from .registry.violations import (
    RULES,
    VALIDATION_MODES,
    WARNING_RULES,
    Violation,
    check_mode,
    format_checker,
    is_rfc3339_date_time,
)

__all__ = [
    "RULES",
    "VALIDATION_MODES",
    "WARNING_RULES",
    "Violation",
    "check_mode",
    "format_checker",
    "is_rfc3339_date_time",
]
