"""The ``halkit`` command line program.

Sub-commands: ``validate`` (check documents against a profile), ``check-profiles``
(check profile files and examples) and ``profiles`` (list installed profiles).
:func:`main` takes its arguments and streams as parameters, so it runs
in-process in tests.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO, Optional, Sequence

from . import __version__
from .registry import profiles
from .validate_cli import (
    EXIT_OK,
    EXIT_USAGE,
    add_check_profiles_arguments,
    add_validate_arguments,
    run_check_profiles,
    run_validate,
)

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``halkit`` program."""
    parser = argparse.ArgumentParser(prog="halkit", description="A client and toolkit for HAL hypermedia APIs.")
    parser.add_argument("--version", action="version", version=f"halkit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    validate = commands.add_parser("validate", help="validate JSON documents against a profile")
    add_validate_arguments(validate)
    check = commands.add_parser("check-profiles", help="check profiles against the meta-schemas, and their examples")
    add_check_profiles_arguments(check)
    commands.add_parser("profiles", help="list the installed profiles")
    return parser


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
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "validate":
        return run_validate(args, stdin, stdout, stderr)
    if args.command == "check-profiles":
        return run_check_profiles(args, stdout, stderr)
    if args.command == "profiles":
        for name in profiles():
            stdout.write(name + "\n")
        return EXIT_OK
    parser.print_usage(stderr)
    return EXIT_USAGE
