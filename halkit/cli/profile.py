"""``halkit profile``: make profiles (``init``, ``from-openapi``, ``from-crawl``).

``init NAME`` writes a minimal working profile folder
(:func:`halkit.registry.init_profile`); ``from-openapi SPEC`` and
``from-crawl URL`` generate a draft profile (:mod:`halkit.generate`) and print
what was inferred and what is left to do. Without ``-o DIR`` the generators
only report (a dry run).
"""

from __future__ import annotations

import argparse
from typing import IO, Any, List

from ..exceptions import HalkitError
from .connect import ClientOptions, UsageError, make_client
from .errors import EXIT_OK
from .get import expand_url
from .terminal import Output

__all__ = ["add_parser", "run"]


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
               client: List[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add ``profile`` and its sub-commands.

    :param commands: the sub-parsers action.
    :param client: parent parsers with the client options (for ``from-crawl``).
    """
    parser = commands.add_parser("profile", help="make a profile: init, from-openapi, from-crawl",
                                 description=__doc__.split("\n\n", 1)[1] if __doc__ else None)
    actions = parser.add_subparsers(dest="profile_command", metavar="ACTION")
    init = actions.add_parser("init", help="write a minimal working profile folder NAME")
    init.add_argument("name", metavar="NAME", help="the profile's name (lower case, digits, '.', '_', '-')")
    init.add_argument("--entry-url", metavar="URL", help="the API's entry URL (an environment 'local')")
    init.add_argument("-C", "--directory", default=".", metavar="DIR", help="where to create the folder (default .)")
    openapi = actions.add_parser("from-openapi", help="generate a draft profile from an OpenAPI 3.x file")
    openapi.add_argument("spec", metavar="SPEC", help="the OpenAPI file (JSON or YAML)")
    openapi.add_argument("--output", "-o", metavar="DIR", help="the folder to write (default: a dry run)")
    openapi.add_argument("--name", metavar="NAME", help="the profile's name (default: the folder's)")
    openapi.add_argument("--base-uri", metavar="URI", help="the profile's base_uri")
    openapi.add_argument("--overlay", metavar="FILE", help="hand edits to apply (default: DIR/overlay.jsonc)")
    crawl = actions.add_parser("from-crawl", parents=client,
                               help="generate a draft profile by crawling a HAL API")
    crawl.add_argument("url", metavar="URL", help="the entry URL (shorthands allowed, as for get)")
    crawl.add_argument("--output", "-o", metavar="DIR", help="the folder to write (default: a dry run)")
    crawl.add_argument("--name", metavar="NAME", help="the profile's name (default: the folder's)")
    crawl.add_argument("--base-uri", metavar="URI", help="the profile's base_uri")
    crawl.add_argument("--max-resources", type=int, default=1000, metavar="N", help="fetch at most N resources (default 1000)")
    crawl.add_argument("--compare-with", metavar="PROFILE", help="a profile (name or folder) to compare the result with")
    crawl.add_argument("--probe-methods", action="store_true", help="learn each rel's methods with an OPTIONS request")
    return parser


def run(args: argparse.Namespace, stdout: IO[str]) -> int:
    """Run ``halkit profile ACTION``.

    :param args: the parsed arguments.
    :param stdout: where to report.
    :returns: the exit status.
    """
    out = Output(stdout)
    if args.profile_command == "init":
        from ..registry import init_profile

        folder = init_profile(args.name, args.directory, entry_url=args.entry_url)
        out.line(f"wrote a profile {args.name!r} in {folder}")
        out.line(f"check it with: halkit check-profiles --profile {folder}")
        return EXIT_OK
    if args.profile_command not in ("from-openapi", "from-crawl"):
        raise UsageError("halkit profile needs an action: init, from-openapi or from-crawl")
    from .. import generate

    try:
        report: Any
        if args.profile_command == "from-openapi":
            report = generate.from_openapi(args.spec, args.output, name=args.name, base_uri=args.base_uri,
                                           overlay=args.overlay)
        else:
            options = ClientOptions.from_namespace(args, url=expand_url(args.url))
            with make_client(options) as client:
                report = generate.from_crawl(client, args.output, name=args.name, base_uri=args.base_uri,
                                             max_resources=args.max_resources, compare_with=args.compare_with,
                                             probe_methods=args.probe_methods)
    except generate.GenerateError as exc:
        raise UsageError(str(exc)) from exc
    except HalkitError:
        raise
    for line in str(report).splitlines():
        out.line(line)
    return EXIT_OK
