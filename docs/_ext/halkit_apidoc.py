"""Keep the API reference complete and free of duplicates.

halkit's public names are documented once, under the ``halkit`` package
(``halkit.Client``, not ``halkit.client.Client``), on ``api/halkit.rst``;
autodoc adds the defining module's name as the canonical alias, so references
to either name resolve. The module pages (``automodule`` with ``:members:``)
then skip:

* the objects the ``halkit`` package exports (documented there), and
* objects a module merely re-exports from another module that has its own
  page (``halkit_api_modules`` in ``conf.py``): they are documented there.

Once every page is read, every name in ``halkit.__all__`` must have been
documented: a new public name that nobody added to the reference is a warning,
so ``-W`` fails the build.

It also re-aligns two-column simple tables in docstrings whose first column
is wider than its ``====`` border (see :func:`_widen_simple_tables`).
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Dict, List, Optional

from sphinx.application import Sphinx
from sphinx.util import logging

__all__ = ["setup"]

logger = logging.getLogger(__name__)

_current_module: Optional[str] = None


def _exported_ids() -> Dict[int, str]:
    import halkit

    return {id(getattr(halkit, name)): name for name in halkit.__all__ if name != "__version__"}


def _note_module(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: List[str]) -> None:
    global _current_module
    if what == "module":
        _current_module = name
    _widen_simple_tables(lines)


_BORDER = re.compile(r"^(\s*)(=+)(\s{2,})(=+)\s*$")


def _widen_simple_tables(lines: List[str]) -> None:
    """Re-align two-column simple tables whose first column overflows its border.

    docutils rejects a simple table when a first-column cell is wider than the
    ``====`` above it ("Text in column margin"). A docstring written that way
    is perfectly readable, so its table is re-laid out here, in place, instead
    of failing the build; well-formed tables are left exactly as they are.
    """
    i = 0
    while i < len(lines):
        top = _BORDER.match(lines[i])
        if top is None:
            i += 1
            continue
        indent, first = top.group(1), len(top.group(2))
        end = next((j for j in range(i + 1, len(lines)) if _BORDER.match(lines[j])), None)
        if end is None:
            return
        rows = lines[i + 1 : end]
        cells = []
        for row in rows:
            body = row[len(indent) :]
            head, sep, rest = body.partition("  ")
            cells.append((head, rest.strip()) if sep else (body.strip(), ""))
        width = max([first] + [len(head) for head, _ in cells])
        if width > first:
            second = len(top.group(4))
            border = f"{indent}{'=' * width}  {'=' * second}"
            lines[i] = border
            lines[end] = border
            for k, (head, rest) in enumerate(cells):
                lines[i + 1 + k] = f"{indent}{head.ljust(width)}  {rest}".rstrip()
        i = end + 1


def _skip(app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any) -> Optional[bool]:
    if what != "module" or _current_module is None or _current_module == "halkit":
        return None
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) in _exported_ids():
        return True
    home = getattr(obj, "__module__", None)
    if (
        (inspect.isclass(obj) or inspect.isfunction(obj))
        and isinstance(home, str)
        and home != _current_module
        and home in app.config.halkit_api_modules
    ):
        return True
    return None


def _check_complete(app: Sphinx, env: Any) -> None:
    import halkit

    documented = set(env.get_domain("py").objects)
    missing = [
        name for name in halkit.__all__ if name != "__version__" and f"halkit.{name}" not in documented
    ]
    if missing:
        logger.warning("halkit exports names the API reference does not document: %s", ", ".join(missing))


def setup(app: Sphinx) -> Dict[str, Any]:
    """Connect the handlers."""
    app.add_config_value("halkit_api_modules", [], "env")
    app.connect("autodoc-process-docstring", _note_module)
    app.connect("autodoc-skip-member", _skip)
    app.connect("env-check-consistency", _check_complete)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
