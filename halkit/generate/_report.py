"""What a profile generator could and could not infer: :class:`Report`.

Private module: the public names are re-exported by :mod:`halkit.generate`.
"""

from __future__ import annotations

import json
import os
import pathlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from ..exceptions import HalkitError

__all__ = ["GenerateError", "Report", "TODO", "write_files"]

#: The marker that starts every description holding something a generator could not infer.
TODO = "TODO:"


class GenerateError(HalkitError):
    """A profile cannot be generated (an unreadable source, or a result that is not a valid profile)."""


@dataclass
class Report:
    """What a generator inferred, what it left as TODO, and its measurements.

    ``str(report)`` is the text a command line prints; :meth:`to_dict` gives
    the same as JSON-ready data.
    """

    #: What the profile was generated from (a file path or an entry URL).
    source: str
    #: The profile's name.
    name: str = ""
    #: The folder written, if any.
    out_dir: Optional[str] = None
    #: The files written (or that would be), by name.
    files: List[str] = field(default_factory=list)
    #: What was inferred, one line each, grouped by topic: ``(topic, message)``.
    inferred: List[Tuple[str, str]] = field(default_factory=list)
    #: What could not be inferred: ``(JSON pointer into the output, message)``;
    #: each is also marked :data:`TODO` in the output.
    todos: List[Tuple[str, str]] = field(default_factory=list)
    #: Facts about the source that are not the generator's doing (inconsistencies, skipped parts).
    notes: List[str] = field(default_factory=list)
    #: Counts, by name (coverage, examples checked, resources seen...).
    stats: Dict[str, Any] = field(default_factory=dict)
    #: Longer tables (e.g. per type), each a list of rows whose first row is the header.
    tables: Dict[str, List[List[str]]] = field(default_factory=dict)

    def infer(self, topic: str, message: str) -> None:
        """Record something inferred.

        :param topic: a short group name (``types``, ``links``...).
        :param message: what was inferred.
        """
        self.inferred.append((topic, message))

    def todo(self, pointer: str, message: str) -> None:
        """Record something left as TODO.

        :param pointer: where it is in the output (file and JSON pointer).
        :param message: what is missing and why.
        """
        self.todos.append((pointer, message))

    def to_dict(self) -> Dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "source": self.source,
            "name": self.name,
            "out_dir": self.out_dir,
            "files": list(self.files),
            "inferred": [{"topic": t, "message": m} for t, m in self.inferred],
            "todos": [{"where": p, "message": m} for p, m in self.todos],
            "notes": list(self.notes),
            "stats": dict(self.stats),
            "tables": {k: [list(r) for r in v] for k, v in self.tables.items()},
        }

    def __str__(self) -> str:
        lines = [f"profile {self.name!r} from {self.source}"]
        if self.out_dir is not None:
            lines.append(f"written to {self.out_dir}: {', '.join(self.files)}")
        if self.stats:
            lines.append("")
            lines.append("measurements:")
            lines.extend(f"  {key}: {value}" for key, value in self.stats.items())
        topics: Dict[str, List[str]] = {}
        for topic, message in self.inferred:
            topics.setdefault(topic, []).append(message)
        for topic, messages in topics.items():
            lines.append("")
            lines.append(f"inferred ({topic}): {len(messages)}")
            lines.extend(f"  {m}" for m in messages)
        for title, rows in self.tables.items():
            lines.append("")
            lines.append(f"{title}:")
            lines.extend("  " + line for line in _table(rows))
        if self.notes:
            lines.append("")
            lines.append(f"notes: {len(self.notes)}")
            lines.extend(f"  {n}" for n in self.notes)
        lines.append("")
        lines.append(f"could not infer ({TODO} in the output): {len(self.todos)}")
        lines.extend(f"  {p}: {m}" for p, m in self.todos)
        return "\n".join(lines) + "\n"


def _table(rows: List[List[str]]) -> List[str]:
    if not rows:
        return []
    widths = [max(len(str(row[i])) if i < len(row) else 0 for row in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append(" | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return out


def dumps(data: Any) -> str:
    """Serialise JSON deterministically (sorted keys, two-space indent, final newline)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_files(out_dir: Union[str, "os.PathLike[str]"], files: Mapping[str, Any]) -> List[str]:
    """Write generated JSON files into ``out_dir`` (created if needed); return their names.

    :param out_dir: the folder.
    :param files: file name to JSON data.
    """
    folder = pathlib.Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for file_name in sorted(files):
        (folder / file_name).write_text(dumps(files[file_name]), encoding="utf-8")
    return sorted(files)
