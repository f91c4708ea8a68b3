"""The ``halkit`` command line program.

Sub-commands:

``crawl``
    The main job: walk an API breadth-first from its entry point and validate
    every resource against a profile. Without a URL it starts the built-in
    ChatKitty emulator and crawls that.
``get``
    Fetch a URL, follow rels, print the resource readably (or as raw HAL).
``validate``
    Check JSON documents against a profile.
``check-profiles``
    Check profile files against the meta-schemas, and their examples.
``profiles``
    List the installed profiles.
``emulate``
    Run the ChatKitty emulator in the foreground.

Credentials come from flags or environment variables (``HALKIT_TOKEN``,
``HALKIT_CLIENT_ID``, ``HALKIT_CLIENT_SECRET``, ``HALKIT_TOKEN_URL``) and are
never printed. Exit status: 0 success, 1 violations (or a failed crawl), 2
usage errors or unreadable input, 3 when an error stopped the job (one line
on stderr, no traceback).

:func:`main` takes its arguments and streams as parameters, so it runs
in-process in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from typing import IO, Any, Dict, List, Optional, Sequence

from . import __version__
from .exceptions import HalkitError
from .registry import profiles
from .validate_cli import (
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    add_check_profiles_arguments,
    add_validate_arguments,
    run_check_profiles,
    run_validate,
)

__all__ = ["build_parser", "main", "EXIT_OK", "EXIT_VIOLATIONS", "EXIT_USAGE", "EXIT_ERROR"]

#: Exit status when an error (connection, HTTP, authentication...) stopped the job.
EXIT_ERROR = 3


def _add_auth_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("authentication (values are never printed)")
    group.add_argument("--token", metavar="TOKEN", help="a static bearer token (env HALKIT_TOKEN)")
    group.add_argument("--client-id", metavar="ID", help="OAuth 2.0 client id (env HALKIT_CLIENT_ID)")
    group.add_argument("--client-secret", metavar="SECRET", help="OAuth 2.0 client secret (env HALKIT_CLIENT_SECRET)")
    group.add_argument("--token-url", metavar="URL", help="OAuth 2.0 token endpoint (env HALKIT_TOKEN_URL; default: the profile's)")
    group.add_argument("--environment", metavar="NAME", help="the profile environment whose URLs to use (e.g. production, staging)")


def _add_client_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--header", "-H", action="append", default=[], metavar="'NAME: VALUE'", help="an extra request header (repeatable)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per-request timeout (default 10)")
    parser.add_argument("--strict", action="store_true", help="parse HAL strictly (no lenient deviations)")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``halkit`` program."""
    parser = argparse.ArgumentParser(
        prog="halkit",
        description="A client and toolkit for HAL hypermedia APIs (application/hal+json).",
        epilog="Exit status: 0 ok, 1 violations, 2 usage error or unreadable input, 3 an error stopped the job.",
    )
    parser.add_argument("--version", action="version", version=f"halkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    crawl = commands.add_parser(
        "crawl",
        help="crawl an API and validate every resource against a profile (the main job)",
        description="Walk the API graph breadth-first from the entry point (every GET-able, non-templated link "
        "within the API's origin, each collection page by page) and validate every resource against the profile. "
        "Without URL, start the built-in ChatKitty emulator and crawl that.",
    )
    crawl.add_argument("url", nargs="?", metavar="URL", help="the entry point (default: the built-in emulator)")
    crawl.add_argument("--profile", "-p", required=True, metavar="NAME", help="profile name, or a profile folder")
    crawl.add_argument("--max-resources", type=int, default=10000, metavar="N", help="stop after N resources (default 10000)")
    crawl.add_argument("--format", choices=("text", "json"), default="text", help="report format (default text)")
    crawl.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    _add_auth_arguments(crawl)
    _add_client_arguments(crawl)

    get = commands.add_parser(
        "get",
        help="fetch a resource, follow rels, and print it",
        description="Fetch URL, follow the given rels in order, and print the resource: properties, links "
        "(with methods, titles, templated), embedded summaries and forms.",
    )
    get.add_argument("url", metavar="URL", help="the URL to start from")
    get.add_argument("--follow", "-f", action="append", default=[], metavar="REL", help="a rel to follow (repeatable, in order)")
    get.add_argument("--var", "-v", action="append", default=[], metavar="NAME=VALUE", help="a URI template variable (repeatable)")
    get.add_argument("--profile", "-p", metavar="NAME", help="type and validate with this profile (URL is its entry point)")
    get.add_argument("--format", choices=("text", "json"), default="text", help="output format: readable text or the raw HAL")
    _add_auth_arguments(get)
    _add_client_arguments(get)

    validate = commands.add_parser("validate", help="validate JSON documents against a profile")
    add_validate_arguments(validate)
    check = commands.add_parser("check-profiles", help="check profiles against the meta-schemas, and their examples")
    add_check_profiles_arguments(check)
    commands.add_parser("profiles", help="list the installed profiles")

    emulate = commands.add_parser("emulate", help="run a local API emulator in the foreground")
    emulate.add_argument("api", choices=("chatkitty",), help="the API to emulate")
    from .emulator.runner import add_arguments as add_emulator_arguments

    add_emulator_arguments(emulate)
    return parser


def _headers(values: Sequence[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise _UsageError(f"--header {value!r}: expected 'Name: value'")
        out[name.strip()] = rest.strip()
    return out


def _variables(values: Sequence[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise _UsageError(f"--var {value!r}: expected NAME=VALUE")
        out[name] = rest
    return out


class _UsageError(Exception):
    pass


def _env(args: argparse.Namespace, attr: str, env: str) -> Optional[str]:
    value = getattr(args, attr, None)
    return value if value else os.environ.get(env) or None


def _make_client(args: argparse.Namespace, url: str, profile: Any) -> Any:
    """A client for ``url`` with the credentials the flags and environment give."""
    from .auth import ClientCredentials
    from .client import Client

    headers = _headers(args.header)
    token = _env(args, "token", "HALKIT_TOKEN")
    client_id = _env(args, "client_id", "HALKIT_CLIENT_ID")
    client_secret = _env(args, "client_secret", "HALKIT_CLIENT_SECRET")
    token_url = _env(args, "token_url", "HALKIT_TOKEN_URL")
    common: Dict[str, Any] = dict(headers=headers, timeout=args.timeout, strict=args.strict)
    if token and (client_id or client_secret):
        raise _UsageError("give either --token or --client-id/--client-secret, not both")
    if client_id or client_secret:
        if not (client_id and client_secret):
            raise _UsageError("--client-id and --client-secret go together")
        if profile is not None:
            return profile.client(
                client_id, client_secret, environment=args.environment, entry_url=url,
                token_url=token_url, validation="off", **common,
            )
        if not token_url:
            raise _UsageError("--token-url (or HALKIT_TOKEN_URL) is needed for client credentials without a profile")
        auth = ClientCredentials(token_url, client_id, client_secret)
        return Client(url, auth=auth, **common)
    return Client(url, auth=token, profile=profile, validation="off", **common)


def _load_profile(name: Optional[str]) -> Any:
    if not name:
        return None
    from .registry import profile

    return profile(name)


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
        line = f"crawled {fetched} resources, {queued} queued, {elapsed:.1f}s"
        if self.tty:
            self.stream.write("\r" + line + "   ")
            self.stream.flush()
        elif fetched % 50 == 0:
            self.stream.write(line + "\n")

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _run_crawl(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from .crawl import crawl
    from .display import format_report

    if args.max_resources < 1:
        raise _UsageError("--max-resources must be at least 1")
    profile = _load_profile(args.profile)
    emulator = None
    try:
        if args.url:
            client = _make_client(args, args.url, profile)
        else:
            if profile.name != "chatkitty":
                raise _UsageError(f"without a URL, crawl uses the built-in ChatKitty emulator; profile {profile.name!r} needs a URL")
            from .emulator import Emulator

            emulator = Emulator()
            emulator.start()
            if not args.quiet:
                stderr.write(f"started the built-in ChatKitty emulator at {emulator.entry_url}\n")
            client = profile.client(
                emulator.client_id, emulator.client_secret, entry_url=emulator.entry_url,
                token_url=emulator.token_url, validation="off",
                headers=_headers(args.header), timeout=args.timeout, strict=args.strict,
            )
        progress = _Progress(stderr, not args.quiet)
        with client:
            report = crawl(client, max_resources=args.max_resources, progress=progress)
        progress.done()
    finally:
        if emulator is not None:
            emulator.stop()
    if args.format == "json":
        out = report.to_dict()
        out["profile"] = profile.name
        stdout.write(json.dumps(out, indent=2, default=str) + "\n")
    else:
        stdout.write(format_report(report, profile_name=profile.name) + "\n")
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def _run_get(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    from .display import format_resource

    profile = _load_profile(args.profile)
    variables = _variables(args.var)
    client = _make_client(args, args.url, profile)
    with client:
        resource = client.root()
        if args.follow:
            resource = resource.follow(*args.follow, variables=variables)
        violations: List[Any] = []
        if profile is not None and resource.type is not None:
            violations = profile.validate(resource, resource.type)
        if args.format == "json":
            stdout.write(json.dumps(resource.to_dict(), indent=2) + "\n")
        else:
            stdout.write(format_resource(resource, profile=profile) + "\n")
        for v in violations:
            stderr.write(f"violation: {v}\n")
    return EXIT_VIOLATIONS if violations else EXIT_OK


def _run_emulate(args: argparse.Namespace, stdout: IO[str]) -> int:
    from .emulator.runner import from_arguments, run_foreground

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
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command == "crawl":
            return _run_crawl(args, stdout, stderr)
        if args.command == "get":
            return _run_get(args, stdout, stderr)
        if args.command == "validate":
            return run_validate(args, stdin, stdout, stderr)
        if args.command == "check-profiles":
            return run_check_profiles(args, stdout, stderr)
        if args.command == "profiles":
            for name in profiles():
                stdout.write(name + "\n")
            return EXIT_OK
        if args.command == "emulate":
            return _run_emulate(args, stdout)
    except _UsageError as exc:
        stderr.write(f"halkit: error: {exc}\n")
        return EXIT_USAGE
    except HalkitError as exc:
        stderr.write(f"halkit: error: {_one_line(exc)}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        stderr.write("halkit: interrupted\n")
        return 130
    parser.print_usage(stderr)
    return EXIT_USAGE


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
