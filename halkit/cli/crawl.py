"""``halkit crawl``: walk an API from its entry point and validate every resource (the main job)."""

from __future__ import annotations

import argparse
import time
from typing import IO, Any, List, Optional

from .connect import ClientOptions, UsageError, load_profile, make_client
from .errors import EXIT_OK, EXIT_VIOLATIONS
from .render import summary_lines
from .reports import Case, Finding, Findings
from .terminal import Output, clean, wants_color

__all__ = ["add_parser", "findings_of", "run"]


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]", common: List[argparse.ArgumentParser],
               report: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``crawl``.

    :param commands: the sub-parsers action.
    :param common: parent parsers with the client options.
    :param report: the parent parser with the report options.
    """
    crawl = commands.add_parser(
        "crawl", parents=[*common, report],
        help="crawl an API and validate every resource against a profile (the main job)",
        description="Walk the API graph breadth-first from the entry point (every GET-able, non-templated link "
        "within the API's origin, each collection page by page) and validate every resource against the profile. "
        "Without URL, start the built-in emulator and crawl that.",
    )
    crawl.add_argument("url", nargs="?", metavar="URL", help="the entry point (default: the built-in emulator)")
    crawl.add_argument("--max-resources", type=int, default=10000, metavar="N", help="stop after N resources (default 10000)")
    return crawl


def findings_of(report: Any, profile: Optional[str], *, complete: bool = True) -> Findings:
    """A crawl report as report :class:`~halkit.cli.reports.Findings`: a case per resource type.

    :param report: the :class:`halkit.crawl.CrawlReport`.
    :param profile: the profile's name.
    :param complete: False when the crawl was interrupted.
    """
    findings = Findings("crawl", profile, seconds=report.seconds, complete=complete)
    cases = {}
    for kind in sorted(set(report.resources) | set(report.embedded), key=str):
        name = str(kind or "(untyped)")
        cases[name] = Case(name, f"{profile or 'halkit'}.types")
    for problem in report.problems:
        name = str(problem.type or "(untyped)")
        case = cases.setdefault(name, Case(name, f"{profile or 'halkit'}.types"))
        level = getattr(problem, "level", "error")
        case.findings.append(Finding(problem.url, problem.type, problem.rule, problem.pointer, problem.message, level))
    findings.cases = list(cases.values())
    return findings


def _builtin_emulator(profile: Any) -> Any:
    """The built-in emulator, when it serves ``profile`` (as the emulator itself declares)."""
    from ..emulator import Emulator

    served = getattr(Emulator, "profile_name", None)
    if served is not None and profile.name != served:
        raise UsageError(
            f"without a URL, crawl uses the built-in emulator, which serves profile {served!r}; "
            f"profile {profile.name!r} needs a URL"
        )
    return Emulator()


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run ``halkit crawl``.

    :param args: the parsed arguments.
    :param stdout: the report (or the summary, with ``--report``).
    :param stderr: progress.
    :returns: the exit status.
    """
    from ..crawl import crawl
    from .app import write_report

    if args.max_resources < 1:
        raise UsageError("--max-resources must be at least 1")
    profile = load_profile(args.profile)
    if profile is None:
        raise UsageError("crawl needs --profile")
    err = Output(stderr, color=wants_color(stderr, args.color))
    emulator = None
    try:
        if args.url:
            options = ClientOptions.from_namespace(args, profile=profile)
        else:
            emulator = _builtin_emulator(profile)
            emulator.start()
            if not args.quiet:
                err.line(f"started the built-in emulator at {emulator.entry_url}")
            options = ClientOptions.from_namespace(
                args, profile=profile, url=emulator.entry_url, token=None, client_id=emulator.client_id,
                client_secret=emulator.client_secret, token_url=emulator.token_url,
            )
        client = make_client(options)
        progress = _Progress(stderr, not args.quiet)
        with client:
            report = crawl(client, max_resources=args.max_resources, progress=progress)
        progress.done()
    finally:
        if emulator is not None:
            emulator.stop()
    findings = findings_of(report, profile.name)
    document = dict(report.to_dict(), profile=profile.name)
    write_report(args, stdout, findings, json_document=document,
                 text=lambda out: out.lines(summary_lines(report, profile_name=profile.name, limit=20)))
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


class _Progress:
    """Progress on stderr: a live line on a terminal, a line every 50 resources otherwise."""

    def __init__(self, stream: IO[str], enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()
        self.started = time.monotonic()

    def __call__(self, fetched: int, queued: int) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        line = clean(f"crawled {fetched} resources, {queued} queued, {elapsed:.1f}s")
        if self.tty:
            self.stream.write("\r" + line + "   ")
            self.stream.flush()
        elif fetched % 50 == 0:
            self.stream.write(line + "\n")

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
