"""Contract drift: what changed between two crawls (``halkit diff``, ``halkit crawl --baseline``).

Both sides are crawl reports as ``halkit crawl --format json`` writes them.
Drift is: rels (links and embedded) that appeared or vanished per type,
types whose property sets changed, types that appeared or vanished, and
violations that are new. Violations are compared by type, rule and JSON
pointer with array indices generalised (``/_embedded/users/3/name`` is
``/_embedded/users/*/name``), so the same broken rule on other items is not new.
Only new violations fail the build.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Set, Tuple

from .connect import UsageError
from .render import Line, plural

__all__ = ["Drift", "compare", "drift_lines", "load_report"]

_INDEX = re.compile(r"/\d+(?=/|$)")


def _violation_key(problem: Mapping[str, Any]) -> Tuple[str, str, str]:
    return (str(problem.get("type")), str(problem.get("rule")), _INDEX.sub("/*", str(problem.get("pointer", ""))))


@dataclass
class Drift:
    """What changed from a baseline crawl to this one.

    :ivar new_types: types seen now, not before; :ivar vanished_types: the reverse.
    :ivar new_rels: per type, rels (``_links`` and ``_embedded``) seen now, not before.
    :ivar vanished_rels: per type, rels seen before, not now.
    :ivar properties: per type whose property set changed, (added, removed).
    :ivar new_violations: (type, rule, pointer) of violations not in the baseline, with a count.
    :ivar fixed_violations: those of the baseline no longer seen.
    """

    new_types: List[str] = field(default_factory=list)
    vanished_types: List[str] = field(default_factory=list)
    new_rels: Dict[str, List[str]] = field(default_factory=dict)
    vanished_rels: Dict[str, List[str]] = field(default_factory=dict)
    properties: Dict[str, Tuple[List[str], List[str]]] = field(default_factory=dict)
    new_violations: Dict[Tuple[str, str, str], int] = field(default_factory=dict)
    fixed_violations: List[Tuple[str, str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Anything at all changed."""
        return any((self.new_types, self.vanished_types, self.new_rels, self.vanished_rels, self.properties,
                    self.new_violations, self.fixed_violations))

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-friendly form."""
        return {
            "new_types": self.new_types,
            "vanished_types": self.vanished_types,
            "new_rels": self.new_rels,
            "vanished_rels": self.vanished_rels,
            "properties": {t: {"added": a, "removed": r} for t, (a, r) in self.properties.items()},
            "new_violations": [
                {"type": t, "rule": r, "pointer": p, "count": n} for (t, r, p), n in self.new_violations.items()
            ],
            "fixed_violations": [{"type": t, "rule": r, "pointer": p} for t, r, p in self.fixed_violations],
        }


def load_report(path: str) -> Dict[str, Any]:
    """Read a crawl report written by ``halkit crawl --format json``.

    :param path: the file.
    :raises UsageError: unreadable, or not a crawl report.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, dict) or "resources_by_type" not in data:
        raise UsageError(f"{path}: not a crawl report (write one with halkit crawl --format json)")
    return data


def _shapes(report: Mapping[str, Any]) -> Dict[str, Dict[str, Set[str]]]:
    out: Dict[str, Dict[str, Set[str]]] = {}
    for kind, shape in (report.get("shapes") or {}).items():
        out[kind] = {part: set(shape.get(part, [])) for part in ("properties", "rels", "embedded")}
    return out


def _types(report: Mapping[str, Any]) -> Set[str]:
    return set(report.get("resources_by_type") or {}) | set(report.get("embedded_by_type") or {})


def compare(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> Drift:
    """The drift from ``baseline`` to ``current`` (two JSON crawl reports).

    :param baseline: the earlier report.
    :param current: this one.
    """
    drift = Drift()
    old_types, new_types = _types(baseline), _types(current)
    drift.new_types = sorted(new_types - old_types)
    drift.vanished_types = sorted(old_types - new_types)
    old_shapes, new_shapes = _shapes(baseline), _shapes(current)
    for kind in sorted(set(old_shapes) & set(new_shapes)):
        old, new = old_shapes[kind], new_shapes[kind]
        old_rels = old["rels"] | {f"_embedded/{r}" for r in old["embedded"]}
        new_rels = new["rels"] | {f"_embedded/{r}" for r in new["embedded"]}
        if new_rels - old_rels:
            drift.new_rels[kind] = sorted(new_rels - old_rels)
        if old_rels - new_rels:
            drift.vanished_rels[kind] = sorted(old_rels - new_rels)
        added, removed = sorted(new["properties"] - old["properties"]), sorted(old["properties"] - new["properties"])
        if added or removed:
            drift.properties[kind] = (added, removed)
    old_keys = {_violation_key(p) for p in baseline.get("problems") or [] if p.get("level", "error") == "error"}
    seen: Set[Tuple[str, str, str]] = set()
    for problem in current.get("problems") or []:
        if problem.get("level", "error") != "error":
            continue
        key = _violation_key(problem)
        seen.add(key)
        if key not in old_keys:
            drift.new_violations[key] = drift.new_violations.get(key, 0) + 1
    drift.fixed_violations = sorted(old_keys - seen)
    return drift


def drift_lines(drift: Drift, *, against: str = "the baseline") -> List[Line]:
    """The drift for people.

    :param drift: what changed.
    :param against: how to name the baseline.
    """
    if not drift.changed:
        return [[("drift: none", "green"), f" (the contract is the same as {against})"]]
    lines: List[Line] = [[("drift", "bold"), f" against {against}:"]]
    if drift.new_types:
        lines.append(["  new types: ", ", ".join(drift.new_types)])
    if drift.vanished_types:
        lines.append(["  vanished types: ", (", ".join(drift.vanished_types), "yellow")])
    for kind, rels in drift.new_rels.items():
        lines.append([f"  {kind}: new rels ", ", ".join(rels)])
    for kind, rels in drift.vanished_rels.items():
        lines.append([f"  {kind}: vanished rels ", (", ".join(rels), "yellow")])
    for kind, (added, removed) in drift.properties.items():
        parts = []
        if added:
            parts.append("added " + ", ".join(added))
        if removed:
            parts.append("removed " + ", ".join(removed))
        lines.append([f"  {kind}: properties ", "; ".join(parts)])
    if drift.new_violations:
        total = sum(drift.new_violations.values())
        lines.append([(f"  new violations: {total}", "bold red")])
        for (kind, rule, pointer), count in sorted(drift.new_violations.items()):
            lines.append([f"    {kind} ", (f"[{rule}]", "yellow"), f" {pointer or '/'} x{count}"])
    if drift.fixed_violations:
        lines.append([("  fixed: ", "green"), plural(len(drift.fixed_violations), "violation kind")])
    return lines
