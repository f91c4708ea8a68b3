"""The ``halkit`` command line program (``halkit``, ``python -m halkit``).

Commands: ``crawl`` (walk an API and validate every resource: the main job),
``get`` (fetch or send, follow rels, print for people), ``validate`` (files,
directories, URLs), ``check-profiles``, ``profiles``, ``emulate`` and
``completion``.

Modules: :mod:`~halkit.cli.app` (parser, dispatch, the one error path),
:mod:`~halkit.cli.connect` (the one profile loader and the one client factory,
shared with the pytest plugin; no argparse), :mod:`~halkit.cli.crawl`,
:mod:`~halkit.cli.get`, :mod:`~halkit.cli.validate`,
:mod:`~halkit.cli.completion`, :mod:`~halkit.cli.render` (resources and
summaries for people), :mod:`~halkit.cli.reports` (JUnit XML, SARIF),
:mod:`~halkit.cli.terminal` (control characters, colour) and
:mod:`~halkit.cli.errors` (exit statuses and one-line errors).

Exit statuses, the same for every command:

=====  ==================================================================
``0``  all good
``1``  the contract is broken (violations, broken links, bodies that are not HAL)
``2``  usage error (options, unknown profile, unreadable input)
``3``  the API could not be reached, or authentication failed
``130``  interrupted, after writing the partial report
=====  ==================================================================

:func:`main` takes its arguments and streams as parameters, so it runs
in-process in tests. Importing this package does not import :mod:`argparse`
code paths beyond the standard library: :func:`main` and :func:`build_parser`
load :mod:`halkit.cli.app` on first call.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Optional, Sequence

from .connect import ClientOptions, UsageError, load_profile, make_async_client, make_client
from .errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, EXIT_VIOLATIONS

if TYPE_CHECKING:  # pragma: no cover
    import argparse

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
    "EXIT_VIOLATIONS",
    "ClientOptions",
    "UsageError",
    "build_parser",
    "load_profile",
    "main",
    "make_async_client",
    "make_client",
]


def build_parser() -> "argparse.ArgumentParser":
    """Return the argument parser of the ``halkit`` program."""
    from .app import build_parser as build

    return build()


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
    from .app import main as run

    return run(argv, stdin=stdin, stdout=stdout, stderr=stderr)
