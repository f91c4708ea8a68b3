"""A Sphinx directive that renders the ``halkit`` command line reference from its parser.

``.. halkit-cli::`` calls :func:`halkit.cli.build_parser` and emits, for the
program and then for every sub-command (recursively), a section with the
sub-command's one-line help and its ``--help`` output as a literal block. The
reference is therefore generated from the argument parser: a new option shows
up in the documentation the next time it is built.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, Dict, List, Tuple

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__all__ = ["HalkitCliDirective", "setup"]

_WIDTH = 88


def _help(parser: argparse.ArgumentParser) -> str:
    """The parser's ``--help`` text at a fixed width, whatever the terminal."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(_WIDTH)
    try:
        return parser.format_help().rstrip() + "\n"
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def _subcommands(parser: argparse.ArgumentParser) -> List[Tuple[str, str, argparse.ArgumentParser]]:
    """(name, one-line help, parser) for each sub-command of ``parser``, in order."""
    out = []
    for action in parser._actions:  # argparse has no public API for this
        if isinstance(action, argparse._SubParsersAction):
            helps: Dict[str, str] = {
                choice.dest: choice.help or "" for choice in action._choices_actions
            }
            for name, sub in action.choices.items():
                out.append((name, helps.get(name, ""), sub))
    return out


class HalkitCliDirective(SphinxDirective):
    """``.. halkit-cli::``: the reference of the ``halkit`` program, one section per command."""

    has_content = False
    required_arguments = 0

    def run(self) -> List[nodes.Node]:
        from halkit.cli import build_parser

        self.env.note_dependency(__file__)
        parser = build_parser()
        result: List[nodes.Node] = [self._literal(_help(parser))]
        for name, summary, sub in _subcommands(parser):
            result.append(self._section(parser.prog, name, summary, sub))
        return result

    def _literal(self, text: str) -> nodes.literal_block:
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return block

    def _section(self, prog: str, name: str, summary: str, parser: argparse.ArgumentParser) -> nodes.section:
        title = f"{prog} {name}"
        section = nodes.section(ids=[nodes.make_id(f"cli-{prog}-{name}")], names=[nodes.fully_normalize_name(title)])
        section += nodes.title(title, "", nodes.literal(title, title))
        if summary:
            section += nodes.paragraph(summary, summary[:1].upper() + summary[1:] + ".")
        section += self._literal(_help(parser))
        for sub_name, sub_summary, sub in _subcommands(parser):
            section += self._section(f"{prog} {name}", sub_name, sub_summary, sub)
        return section


def setup(app: Sphinx) -> Dict[str, Any]:
    """Register the directive."""
    app.add_directive("halkit-cli", HalkitCliDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
