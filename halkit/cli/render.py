"""Resources, responses and crawl summaries as lines of styled spans (see :mod:`halkit.cli.terminal`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, Union

from .terminal import Span

if TYPE_CHECKING:  # pragma: no cover
    from ..crawl import CrawlReport
    from ..registry import Profile
    from ..resource import Resource

__all__ = ["Line", "plural", "resource_lines", "response_head_lines", "summary_lines"]

Line = List[Union[Span, str]]


def plural(count: int, word: str, words: Optional[str] = None) -> str:
    """``"1 item"``, ``"2 items"``.

    :param count: how many.
    :param word: the singular.
    :param words: the plural (default: ``word + "s"``).
    """
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _value(value: Any, width: int = 70) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def response_head_lines(response: Any) -> List[Line]:
    """The status line and headers of a :class:`requests.Response` (``-i``).

    :param response: the response.
    """
    raw = getattr(response, "raw", None)
    version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(getattr(raw, "version", 11), "HTTP/1.1")
    style = "bold green" if response.status_code < 400 else "bold red"
    lines: List[Line] = [[(version + " ", "blue"), (f"{response.status_code} {response.reason or ''}".rstrip(), style)]]
    for name, value in response.headers.items():
        lines.append([(name, "cyan"), ": ", value])
    lines.append([])
    return lines


def resource_lines(resource: "Resource", *, profile: Optional["Profile"] = None) -> List[Line]:
    """Properties, links (methods, template variables, names, titles), embedded summaries and forms.

    :param resource: the resource.
    :param profile: the profile that knows each link's methods.
    """
    lines: List[Line] = []
    head: Line = [(resource.url or "(no url)", "bold")]
    if resource.type:
        head.append((f" ({resource.type})", "magenta"))
    lines.append(head)
    props = resource.properties
    if props:
        lines.append([("properties:", "bold")])
        width = max(len(k) for k in props)
        for key, value in props.items():
            lines.append(["  ", (key.ljust(width), "cyan"), "  ", _value(value)])
    links = resource.links
    if links:
        lines.append([("links:", "bold")])
        width = max(len(rel) for rel in links)
        for rel in links:
            methods = None
            if profile is not None and resource.type is not None:
                methods = profile.link_methods(resource.type, rel)
            for link in links[rel]:
                notes: List[str] = []
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
                line: Line = ["  ", (rel.ljust(width), "green"), "  ", (href, "blue")]
                if notes:
                    line.append((f"  [{'; '.join(notes)}]", "dim"))
                lines.append(line)
    rels = resource.embedded_rels
    if rels:
        lines.append([("embedded:", "bold")])
        for rel in rels:
            items = resource.embedded(rel)
            kinds = sorted({item.type for item in items if item.type})
            what = f" ({', '.join(kinds)})" if kinds else ""
            lines.append(["  ", (rel, "green"), f": {plural(len(items), 'item')}", (what, "magenta")])
            for item in items[:5]:
                label = next((str(item[k]) for k in ("name", "title", "id") if k in item), "")
                row: Line = ["    - ", (item.url or "(no url)", "blue")]
                if label:
                    row.append("  " + label)
                lines.append(row)
            if len(items) > 5:
                lines.append([f"    ... and {len(items) - 5} more"])
    templates = resource.templates
    if templates:
        lines.append([("forms:", "bold")])
        for key, tpl in templates.items():
            names = ", ".join(p.name + ("*" if p.required else "") for p in tpl.properties)
            lines.append(["  ", (key, "green"), f": {tpl.method} {tpl.target or '(self)'} ({names})"])
    return lines


def summary_lines(report: "CrawlReport", *, profile_name: Optional[str] = None, limit: int = 10) -> List[Line]:
    """The one-screen summary a crawl ends with.

    :param report: the crawl's report.
    :param profile_name: the profile crawled against.
    :param limit: how many problems to show (the report file has them all).
    """
    lines: List[Line] = []
    ok = report.ok
    against = f" against profile {profile_name!r}" if profile_name else ""
    lines.append([
        ("crawl OK" if ok else "crawl FAILED", "bold green" if ok else "bold red"),
        f": {plural(report.total, 'resource')}{against} in {report.seconds:.2f}s, {plural(report.requests, 'request')}",
    ])
    if report.truncated:
        lines.append(["  (stopped at a limit: --max-resources or --max-depth; the API has more)"])
    lines.append([("resources by type:", "bold")])
    kinds: Sequence[Tuple[Optional[str], int]] = sorted(report.resources.items(), key=lambda kv: str(kv[0]))
    for kind, count in kinds:
        emb = report.embedded.get(kind, 0)
        more = f" (+{emb} embedded)" if emb else ""
        lines.append([f"  {str(kind or '(untyped)'):<36} {count}{more}"])
    for kind, count in sorted(report.embedded.items(), key=lambda kv: str(kv[0])):
        if kind not in report.resources:
            lines.append([f"  {str(kind or '(untyped)'):<36} 0 (+{count} embedded)"])
    if report.compatibility:
        lines.append([("tolerated (lenient parsing):", "bold")])
        for message in report.compatibility:
            lines.append([f"  {message}"])
    if report.problems:
        lines.append([(f"violations: {len(report.problems)}", "bold red")])
        for (kind, rule), count in report.problems_by_type_and_rule().items():
            lines.append([f"  {kind:<28} ", (f"{rule:<24}", "yellow"), f" {count}"])
        lines.append([("first problems:", "bold")])
        for p in report.problems[:limit]:
            where = f"#{p.pointer}" if p.pointer else ""
            lines.append(["  ", (f"{p.url}{where}", "blue"), ": ", (f"[{p.rule}]", "yellow"), f" {p.message}"])
        if len(report.problems) > limit:
            lines.append([f"  ... and {len(report.problems) - limit} more (write them all with --report FILE)"])
    else:
        lines.append([("violations: 0", "green")])
    return lines
