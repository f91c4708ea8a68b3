"""``python -m halkit.emulator``: run the ChatKitty Platform API emulator in the foreground."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from ..exceptions import HalkitError
from .runner import add_arguments, from_arguments, run_foreground

__all__ = ["main"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), start the emulator, serve until Ctrl-C.

    :param argv: the command-line arguments, without the program name.
    :returns: the exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m halkit.emulator",
        description="Serve a local emulator of the ChatKitty Platform API (v1 HAL).",
    )
    add_arguments(parser, api_argument=True)
    args = parser.parse_args(argv)
    try:
        return run_foreground(from_arguments(args), sys.stdout)
    except HalkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
