"""Run the ``halkit`` program in-process, for the tests of ``halkit.cli``."""

from __future__ import annotations

import io
from typing import Tuple

from halkit.cli import main


def run(*argv: str, stdin: str = "") -> Tuple[int, str, str]:
    """Run ``halkit ARGV...``; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def login(emulator: object) -> Tuple[str, ...]:
    """The credential options for an emulator."""
    return (
        "--client-id", emulator.client_id, "--client-secret", emulator.client_secret,
        "--token-url", emulator.token_url,
    )
