"""Human-readable renderings of resources and crawl reports, for the CLI."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, List, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .crawl import CrawlReport
    from .registry import Profile
    from .resource import Resource

__all__ = ["format_resource", "format_report"]


def _value(value: Any, width: int = 70) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def format_resource(resource: "Resource", *, profile: Optional["Profile"] = None) -> str:
    """Properties, links (with methods, titles, templated) and embedded summaries of a resource."""
    lines: List[str] = []
    kind = f" ({resource.type})" if resource.type else ""
    lines.append(f"{resource.url or '(no url)'}{kind}")
    props = resource.properties
    if props:
        lines.append("properties:")
        width = max(len(k) for k in props)
        for key, value in props.items():
            lines.append(f"  {key.ljust(width)}  {_value(value)}")
    links = resource.links
    if links:
        lines.append("links:")
        width = max(len(rel) for rel in links)
        for rel in links:
            methods = None
            if profile is not None and resource.type is not None:
                methods = profile.link_methods(resource.type, rel)
            for link in links[rel]:
                notes = []
                if methods:
                    notes.append(",".join(sorted(methods)))
                if link.templated:
                    notes.append("templated: " + ", ".join(link.variables))
                if link.name:
                    notes.append(f"name={link.name}")
                if link.title:
                    notes.append(f"title={link.title!r}")
                if link.deprecation:
                    notes.append("DEPRECATED")
                href = link.href if link.templated else link.expand()
                extra = f"  [{'; '.join(notes)}]" if notes else ""
                lines.append(f"  {rel.ljust(width)}  {href}{extra}")
    rels = resource.embedded_rels
    if rels:
        lines.append("embedded:")
        for rel in rels:
            items = resource.embedded(rel)
            kinds = sorted({item.type for item in items if item.type})
            what = f" {', '.join(kinds)}" if kinds else ""
            lines.append(f"  {rel}: {len(items)}{what}")
            for item in items[:5]:
                label = next((str(item[k]) for k in ("name", "title", "id") if k in item), "")
                lines.append(f"    - {item.url or '(no url)'}  {label}".rstrip())
            if len(items) > 5:
                lines.append(f"    ... and {len(items) - 5} more")
    templates = resource.templates
    if templates:
        lines.append("forms:")
        for key, tpl in templates.items():
            names = ", ".join(p.name + ("*" if p.required else "") for p in tpl.properties)
            lines.append(f"  {key}: {tpl.method} {tpl.target or '(self)'} ({names})")
    return "\n".join(lines)


def format_report(report: "CrawlReport", *, profile_name: Optional[str] = None) -> str:
    """The summary a crawl ends with."""
    lines: List[str] = []
    status = "OK" if report.ok else "FAILED"
    against = f" against profile {profile_name!r}" if profile_name else ""
    lines.append(f"crawl {status}: {report.total} resources{against} in {report.seconds:.2f}s, {report.requests} requests")
    if report.truncated:
        lines.append("  (stopped at --max-resources; the API has more)")
    lines.append("resources by type:")
    for kind, count in sorted(report.resources.items(), key=lambda kv: str(kv[0])):
        emb = report.embedded.get(kind, 0)
        more = f" (+{emb} embedded)" if emb else ""
        lines.append(f"  {str(kind or '(untyped)'):<36} {count}{more}")
    for kind, count in sorted(report.embedded.items(), key=lambda kv: str(kv[0])):
        if kind not in report.resources:
            lines.append(f"  {str(kind or '(untyped)'):<36} 0 (+{count} embedded)")
    if report.compatibility:
        lines.append("tolerated (lenient parsing):")
        for message in report.compatibility:
            lines.append(f"  {message}")
    if report.problems:
        lines.append(f"violations: {len(report.problems)}")
        for (kind, rule), count in report.problems_by_type_and_rule().items():
            lines.append(f"  {kind:<28} {rule:<24} {count}")
        lines.append("first problems:")
        for p in report.problems[:20]:
            where = f"#{p.pointer}" if p.pointer else ""
            lines.append(f"  {p.url}{where}: [{p.rule}] {p.message}")
    else:
        lines.append("violations: 0")
    return "\n".join(lines)
