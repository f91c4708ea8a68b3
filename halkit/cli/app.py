"""The ``halkit`` program: the parser, the dispatch, and one error path for every command."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import IO, Optional, Sequence

from .. import __version__
from .connect import UsageError
from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, describe, exit_code
from .reports import REPORT_FORMATS
from .terminal import COLOR_CHOICES, clean

__all__ = ["build_parser", "main"]



def _output_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("output")
    group.add_argument("--color", "--colour", choices=COLOR_CHOICES, default="auto",
                       help="colour the output: auto (on a terminal, unless NO_COLOR is set), always, never")
    group.add_argument("--verbose", "-v", action="store_true", help="say more (for get: the request and response headers)")
    group.add_argument("--quiet", "-q", action="store_true", help="no progress on standard error")
    return parent


def _client_parent(profile_required: bool = False) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--profile", "-p", required=profile_required, metavar="NAME",
                        help="profile name, or a profile folder")
    group = parent.add_argument_group("authentication (values are never printed)")
    group.add_argument("--token", metavar="TOKEN", help="a static bearer token (env HALKIT_TOKEN)")
    group.add_argument("--client-id", metavar="ID", help="OAuth 2.0 client id (env HALKIT_CLIENT_ID)")
    group.add_argument("--client-secret", metavar="SECRET", help="OAuth 2.0 client secret (env HALKIT_CLIENT_SECRET)")
    group.add_argument("--token-url", metavar="URL",
                       help="OAuth 2.0 token endpoint (env HALKIT_TOKEN_URL; default: the profile environment's)")
    group.add_argument("--environment", metavar="NAME", help="the profile environment whose URLs to use (e.g. staging)")
    group.add_argument("--insecure-http", action="store_true", default=None,
                       help="allow sending client credentials to a plain http:// token endpoint off loopback")
    http = parent.add_argument_group("HTTP")
    http.add_argument("--header", "-H", action="append", default=[], metavar="'NAME: VALUE'",
                      help="an extra request header (repeatable); sent to every origin the client talks to")
    http.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per-request timeout (default 10)")
    http.add_argument("--strict", action="store_true", default=None, help="parse HAL strictly (no lenient deviations)")
    http.add_argument("--content-type", metavar="TYPE", help="the media type of request bodies (default application/json)")
    return parent


def _report_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("reports")
    group.add_argument("--format", choices=REPORT_FORMATS, default="text",
                       help="report format: text (default), json, junit (JUnit XML) or sarif (SARIF 2.1.0)")
    group.add_argument("--report", metavar="FILE",
                       help="write the report to FILE and a one-screen summary to the terminal")
    group.add_argument("--fail-on", choices=("error", "warning"), default="error",
                       help="what fails the run: violations (error, default) or warnings too")
    return parent


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``halkit`` program."""
    from ..emulator.runner import add_arguments as add_emulator_arguments
    from . import completion, crawl, get, profile, validate

    parser = argparse.ArgumentParser(
        prog="halkit",
        description="A client and toolkit for HAL hypermedia APIs (application/hal+json).",
        epilog="Exit status: 0 ok, 1 contract broken (violations), 2 usage error, "
        "3 API unreachable or authentication failed, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"halkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    output = _output_parent()
    crawl.add_parser(commands, [_client_parent(profile_required=True), output], _report_parent())
    crawl.add_diff_parser(commands, [output])
    get.add_parser(commands, [_client_parent(), output])
    validate.add_validate_parser(commands, [_client_parent(profile_required=True), output], _report_parent())
    validate.add_check_profiles_parser(commands)
    commands.add_parser("profiles", help="list the installed profiles")
    profile.add_parser(commands, [_client_parent(), output])
    emulate = commands.add_parser("emulate", help="run the built-in API emulator in the foreground")
    add_emulator_arguments(emulate, api_argument=True)
    completion.add_parser(commands)
    return parser


def _emulate(args: argparse.Namespace, stdout: IO[str]) -> int:
    from ..emulator.runner import from_arguments, run_foreground

    return run_foreground(from_arguments(args), stdout)  # type: ignore[arg-type]


def main(
    argv: Optional[Sequence[str]] = None,
    *,
    stdin: Optional[IO[str]] = None,
    stdout: Optional[IO[str]] = None,
    stderr: Optional[IO[str]] = None,
) -> int:
    """Run the ``halkit`` program.

    :param argv: the arguments (default: ``sys.argv[1:]``).
    :param stdin: standard input (default: :data:`sys.stdin`).
    :param stdout: standard output (default: :data:`sys.stdout`).
    :param stderr: standard error (default: :data:`sys.stderr`).
    :returns: the exit status.
    """
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args, extra = parser.parse_known_args(argv)
            if extra and getattr(args, "command", None) == "get" and not any(e.startswith("-") for e in extra):
                args.items = [*args.items, *extra]  # request items after options, as httpie takes them
            elif extra:
                parser.error("unrecognized arguments: " + " ".join(extra))
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_usage(stderr)
        return EXIT_USAGE
    try:
        return _dispatch(args, stdin, stdout, stderr)
    except KeyboardInterrupt:
        stderr.write("halkit: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - every error ends as one line and an exit status
        from ..exceptions import HalkitError

        if not isinstance(exc, (HalkitError, OSError)):
            raise
        api_url = getattr(args, "url", None)
        stderr.write(f"halkit: error: {describe(exc, token_url=_token_url(args), api_url=api_url)}\n")
        return exit_code(exc)


def _dispatch(args: argparse.Namespace, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    from . import completion, crawl, get, profile, validate

    if args.command == "profile":
        return profile.run(args, stdout)
    if args.command == "crawl":
        return crawl.run(args, stdout, stderr)
    if args.command == "diff":
        return crawl.run_diff(args, stdout)
    if args.command == "get":
        return get.run(args, stdin, stdout, stderr)
    if args.command == "validate":
        return validate.run_validate(args, stdin, stdout, stderr)
    if args.command == "check-profiles":
        return validate.run_check_profiles(args, stdout, stderr)
    if args.command == "profiles":
        from ..registry import profiles

        for name in profiles():
            stdout.write(clean(name) + "\n")
        return EXIT_OK
    if args.command == "emulate":
        return _emulate(args, stdout)
    if args.command == "completion":
        return completion.run(args, build_parser(), stdout)
    raise UsageError(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses it first


def _token_url(args: argparse.Namespace) -> Optional[str]:
    """The token endpoint the command used, for authentication hints."""
    import os

    url = getattr(args, "token_url", None) or os.environ.get("HALKIT_TOKEN_URL")
    if url or not getattr(args, "profile", None):
        return url
    try:
        from .connect import load_profile

        profile = load_profile(args.profile)
        return profile.environment(getattr(args, "environment", None)).token_url if profile is not None else None
    except Exception:  # noqa: BLE001 - only a hint
        return None
