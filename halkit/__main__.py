"""``python -m halkit``: the ``halkit`` command line program."""

from __future__ import annotations

import sys

from .cli import main

__all__: list = []  # type: ignore[type-arg]

if __name__ == "__main__":
    sys.exit(main())
