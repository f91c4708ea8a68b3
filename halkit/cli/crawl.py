"""``halkit crawl``: walk an API from its entry point and validate every resource (the main job)."""

from __future__ import annotations

import argparse
import time
from typing import IO, Any, Dict, List, Optional

from .connect import ClientOptions, UsageError, load_profile, make_async_client, make_client, require_async
from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREACHABLE, EXIT_VIOLATIONS, describe
from .render import summary_lines
from .reports import Case, Finding, Findings
from .terminal import Output, clean, wants_color

__all__ = ["DEFAULT_WORKERS", "add_diff_parser", "add_parser", "findings_of", "run", "run_diff"]

#: ``--workers`` by default: a few requests in flight, polite to small servers.
DEFAULT_WORKERS = 4


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
    crawl.add_argument("--max-resources", type=int, default=10000, metavar="N", help="fetch at most N resources (default 10000)")
    crawl.add_argument("--max-depth", type=int, metavar="N", help="follow links at most N hops from the entry point")
    crawl.add_argument("--workers", "-w", type=int, default=DEFAULT_WORKERS, metavar="N",
                       help=f"fetch up to N resources at once (default {DEFAULT_WORKERS})")
    crawl.add_argument("--rate", type=float, metavar="R", help="at most R requests a second (default: no limit)")
    crawl.add_argument("--any-origin", action="store_true", help="follow links to other origins too (default: same origin)")
    crawl.add_argument("--async", dest="use_async", action="store_true",
                       help="crawl with the async client (asyncio, httpx; needs pip install 'halkit[async]'): "
                       "the same report and exit status")
    crawl.add_argument("--baseline", metavar="FILE",
                       help="a previous crawl's JSON report: show the drift, and fail only on new violations")
    return crawl


def add_diff_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
                    common: List[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``diff``.

    :param commands: the sub-parsers action.
    :param common: parent parsers with the output options.
    """
    diff = commands.add_parser(
        "diff", parents=common,
        help="show the contract drift between two crawl reports (JSON)",
        description="Compare two crawl reports written by 'halkit crawl --format json': new and vanished types "
        "and rels, types whose property sets changed, new and fixed violations. Exit 1 only on new violations.",
    )
    diff.add_argument("baseline", metavar="BASELINE", help="the earlier report")
    diff.add_argument("current", metavar="CURRENT", help="the later report")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    return diff


def run_diff(args: argparse.Namespace, stdout: IO[str]) -> int:
    """Run ``halkit diff``.

    :param args: the parsed arguments.
    :param stdout: the drift.
    :returns: 1 when there are new violations, else 0.
    """
    from .drift import compare, drift_lines, load_report

    drift = compare(load_report(args.baseline), load_report(args.current))
    out = Output(stdout, color=wants_color(stdout, args.color))
    if args.format == "json":
        out.json(drift.to_dict())
    else:
        out.lines(drift_lines(drift, against=args.baseline))
    return EXIT_VIOLATIONS if drift.new_violations else EXIT_OK


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
    :param stderr: progress, and the error line when the API cannot be reached.
    :returns: the exit status.
    """
    from ..crawl import CrawlReport, crawl
    from .drift import compare, drift_lines, load_report
    from .reports import write_report

    if args.max_resources < 1 or args.workers < 1:
        raise UsageError("--max-resources and --workers must be at least 1")
    if args.max_depth is not None and args.max_depth < 0:
        raise UsageError("--max-depth must be at least 0")
    if args.rate is not None and args.rate <= 0:
        raise UsageError("--rate must be above 0")
    use_async = bool(getattr(args, "use_async", False))
    if use_async:
        require_async()
    profile = load_profile(args.profile)
    if profile is None:
        raise UsageError("crawl needs --profile")
    baseline = load_report(args.baseline) if args.baseline else None
    err = Output(stderr, color=wants_color(stderr, args.color))
    report = CrawlReport()
    emulator = None
    interrupted = False
    progress = _Progress(stderr, not args.quiet, report)
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
        settings: Dict[str, Any] = dict(
            max_resources=args.max_resources, max_depth=args.max_depth, workers=args.workers, rate=args.rate,
            same_origin=not args.any_origin, undocumented=True, progress=progress, report=report,
        )
        if use_async:
            import asyncio

            asyncio.run(_crawl_async(make_async_client(options), settings))
        else:
            with make_client(options) as client:
                crawl(client, **settings)
    except KeyboardInterrupt:
        interrupted = True
        report.complete = False  # also when Ctrl-C came before the walk began
    finally:
        progress.done()
        if emulator is not None:
            emulator.stop()
    findings = findings_of(report, profile.name, complete=not interrupted)
    document = dict(report.to_dict(), profile=profile.name)
    drift = compare(baseline, document) if baseline is not None else None
    if drift is not None:
        document["drift"] = drift.to_dict()

    def text(out: Output) -> None:
        out.lines(summary_lines(report, profile_name=profile.name, limit=20))
        if drift is not None:
            out.lines(drift_lines(drift, against=args.baseline))
        if interrupted:
            out.line(("interrupted: the report holds what was crawled until then", "bold yellow"))

    write_report(args, stdout, findings, json_document=document, text=text)
    if interrupted:
        err.line("halkit: interrupted")
        return EXIT_INTERRUPTED
    if report.unreachable:
        cause = report.entry_exception
        line = describe(cause, token_url=options.token_url, api_url=options.url) if cause else report.entry_error
        err.line(f"halkit: error: {line}")
        return EXIT_UNREACHABLE
    if drift is not None:
        return EXIT_VIOLATIONS if drift.new_violations else EXIT_OK
    passed = report.ok if args.fail_on == "error" else not report.problems
    return EXIT_OK if passed else EXIT_VIOLATIONS


async def _crawl_async(client: Any, settings: Dict[str, Any]) -> None:
    """:func:`halkit.aio.crawl.crawl` with ``settings``; the client is closed afterwards."""
    from ..aio.crawl import crawl

    async with client:
        await crawl(client, **settings)


class _Progress:
    """Progress on stderr: a live line on a terminal (rate, queue, violations), a plain line every 500 otherwise."""

    EVERY = 500

    def __init__(self, stream: IO[str], enabled: bool, report: Any) -> None:
        self.stream = stream
        self.enabled = enabled
        self.report = report
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()
        self.started = time.monotonic()
        self.shown = 0.0
        self.written = False

    def __call__(self, fetched: int, queued: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty and now - self.shown < 0.1:
            return
        if not self.tty and fetched % self.EVERY:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-9)
        violations = sum(1 for p in self.report.problems if p.level == "error")
        line = clean(f"crawled {fetched} resources ({fetched / elapsed:.0f}/s), {queued} queued in this level, "
                     f"{violations} violations, {elapsed:.1f}s")
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()
            self.written = True
        else:
            self.stream.write(line + "\n")

    def done(self) -> None:
        if self.written:
            self.stream.write("\n")
            self.written = False
