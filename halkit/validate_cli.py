"""The ``halkit validate`` and ``halkit check-profiles`` commands.

``halkit validate --profile NAME [--type TYPE] [--format text|json] FILE...``
checks documents against a profile. A FILE holds one JSON document or JSON
Lines (one document per line); ``-`` reads standard input. Without ``--type``
each document's type is inferred when the document makes it unambiguous;
otherwise the possible types are listed (a document valid as each of them,
such as an empty page, passes; one invalid as each of them fails). Exit
status: 0 all valid, 1 some violation (or an undecidable type), 2 usage error
or unreadable input.

``halkit check-profiles [--profile NAME_OR_PATH...] [--examples DIR]`` loads
profiles (every installed one by default), which checks each manifest against
halkit's profile meta-schema, each schema file against the JSON Schema 2020-12
meta-schema and every ``$ref``; with ``--examples`` it also validates example
documents: ``DIR/<profile>/index.json`` (or ``DIR/index.json``, the profile
being ``DIR``'s name) maps each example's file stem to ``{"type": ..., "expect":
"valid" | <anything else: must have violations>}``. Exit status: 0 all good, 1
a problem, 2 usage error.

Both commands are functions of their arguments and streams, for testing
in-process; :mod:`halkit.cli` wires them into the ``halkit`` program.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from dataclasses import dataclass, field
from typing import IO, Any, Dict, List, Optional, Sequence, Tuple

from .exceptions import ProfileError
from .registry import Profile, default_registry
from .violations import Violation

__all__ = [
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_VIOLATIONS",
    "add_check_profiles_arguments",
    "add_validate_arguments",
    "run_check_profiles",
    "run_validate",
]

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2


class _InputError(Exception):
    """A file that cannot be read or parsed."""


@dataclass
class _Result:
    source: str
    line: Optional[int]
    type: Optional[str]
    inferred: bool
    candidates: List[str]
    violations: List[Violation] = field(default_factory=list)
    ambiguous: bool = False

    @property
    def valid(self) -> bool:
        return not self.violations and not self.ambiguous

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def to_dict(self) -> Dict[str, Any]:
        return {
            "file": self.source,
            "line": self.line,
            "type": self.type,
            "inferred": self.inferred,
            "candidates": self.candidates,
            "valid": self.valid,
            "ambiguous": self.ambiguous,
            "violations": [v.to_dict() for v in self.violations],
        }


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``halkit validate`` to ``parser``.

    :param parser: the (sub)parser.
    """
    parser.add_argument("--profile", "-p", required=True, metavar="NAME", help="profile name, or a profile folder")
    parser.add_argument("--type", "-t", metavar="TYPE", help="the resource type (inferred when omitted)")
    parser.add_argument(
        "--format", "-f", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="JSON or JSON Lines files; '-' for stdin")


def add_check_profiles_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``halkit check-profiles`` to ``parser``.

    :param parser: the (sub)parser.
    """
    parser.add_argument(
        "--profile",
        "-p",
        action="append",
        dest="profiles",
        metavar="NAME",
        help="a profile name or folder (repeatable; default: all installed)",
    )
    parser.add_argument("--examples", metavar="DIR", help="validate the examples under DIR (see the module docs)")


def _read(source: str, stdin: IO[str]) -> str:
    if source == "-":
        return stdin.read()
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _InputError(f"{source}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc


def _documents(text: str, source: str) -> List[Tuple[Optional[int], Any]]:
    """Parse one JSON document, or JSON Lines."""
    try:
        return [(None, json.loads(text))]
    except json.JSONDecodeError as whole:
        lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
        if len(lines) < 2:
            raise _InputError(
                f"{source}: invalid JSON: {whole.msg} (line {whole.lineno}, column {whole.colno})"
            ) from whole
        documents: List[Tuple[Optional[int], Any]] = []
        for number, line in lines:
            try:
                documents.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise _InputError(
                    f"{source}: neither a JSON document nor JSON Lines: line {number}: {exc.msg} (column {exc.colno})"
                ) from exc
        return documents


def _check(profile: Profile, document: Any, source: str, line: Optional[int], type: Optional[str]) -> _Result:
    if type is not None:
        return _Result(source, line, type, False, [type], profile.validate(document, type))
    candidates = profile.infer_types(document)
    if len(candidates) == 1:
        return _Result(source, line, candidates[0], True, candidates, profile.validate(document, candidates[0]))
    if candidates and not profile.validate(document, candidates[0]):
        # valid as each of several types (an empty page, say): valid all the same
        return _Result(source, line, None, True, candidates, [])
    return _Result(source, line, None, True, candidates, [], ambiguous=True)


def _load_profile(name: str) -> Profile:
    return default_registry().get(name)


def run_validate(args: argparse.Namespace, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    """Run ``halkit validate`` with parsed arguments.

    :param args: from a parser set up by :func:`add_validate_arguments`.
    :param stdin: read for the file ``-``.
    :param stdout: the report.
    :param stderr: usage errors and unreadable inputs.
    :returns: the exit status (0, 1 or 2).
    """
    try:
        profile = _load_profile(args.profile)
        if args.type is not None:
            profile.definition(args.type)
    except ProfileError as exc:
        stderr.write(f"halkit validate: {exc}\n")
        return EXIT_USAGE
    results: List[_Result] = []
    errors: List[str] = []
    for source in args.files:
        try:
            documents = _documents(_read(source, stdin), "<stdin>" if source == "-" else source)
        except _InputError as exc:
            errors.append(str(exc))
            continue
        label = "<stdin>" if source == "-" else source
        results.extend(_check(profile, document, label, line, args.type) for line, document in documents)
    for message in errors:
        stderr.write(f"halkit validate: {message}\n")
    if args.format == "json":
        json.dump(
            {
                "profile": profile.name,
                "valid": not errors and all(r.valid for r in results),
                "results": [r.to_dict() for r in results],
                "errors": errors,
            },
            stdout,
            indent=2,
        )
        stdout.write("\n")
    else:
        _write_text(results, stdout)
    if errors:
        return EXIT_USAGE
    return EXIT_OK if all(r.valid for r in results) else EXIT_VIOLATIONS


def _write_text(results: Sequence[_Result], out: IO[str]) -> None:
    bad = 0
    count = 0
    for result in results:
        if result.ambiguous:
            bad += 1
            out.write(
                f"{result.where()}: cannot tell the type: it could be {', '.join(result.candidates)}; pass --type\n"
            )
            continue
        if result.violations:
            bad += 1
            count += len(result.violations)
            inferred = " (inferred)" if result.inferred else ""
            out.write(f"{result.where()}: {len(result.violations)} violation(s) of type {result.type}{inferred}\n")
            for violation in result.violations:
                out.write(f"  {violation.pointer or '/'}: {violation.message} [{violation.rule}]\n")
    total = len(results)
    if bad:
        out.write(f"{bad} of {total} document(s) invalid, {count} violation(s)\n")
    else:
        out.write(f"{total} document(s) valid\n")


def _example_sets(root: pathlib.Path) -> List[Tuple[str, pathlib.Path]]:
    if root.joinpath("index.json").is_file():
        return [(root.name, root)]
    return sorted(
        (child.name, child) for child in root.iterdir() if child.is_dir() and child.joinpath("index.json").is_file()
    )


def run_check_profiles(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run ``halkit check-profiles`` with parsed arguments.

    :param args: from a parser set up by :func:`add_check_profiles_arguments`.
    :param stdout: the report.
    :param stderr: usage errors.
    :returns: the exit status (0, 1 or 2).
    """
    registry = default_registry()
    names = list(args.profiles or registry.names())
    if not names:
        stderr.write("halkit check-profiles: no profile is installed\n")
        return EXIT_USAGE
    problems = 0
    loaded: Dict[str, Profile] = {}
    for name in names:
        try:
            profile = registry.get(name)
        except ProfileError as exc:
            problems += 1
            stdout.write(f"FAIL {name}: {exc}\n")
            continue
        loaded[profile.name] = profile
        stdout.write(
            f"ok   {profile.name}: manifest, {len(profile.schema_files)} schema file(s), "
            f"{len(profile.types)} type(s) ({profile.origin})\n"
        )
    if args.examples is not None:
        root = pathlib.Path(args.examples)
        if not root.is_dir():
            stderr.write(f"halkit check-profiles: {root}: no such directory\n")
            return EXIT_USAGE
        for profile_name, folder in _example_sets(root):
            target = loaded.get(profile_name)
            if target is None:
                try:
                    target = registry.get(profile_name)
                except ProfileError as exc:
                    problems += 1
                    stdout.write(f"FAIL {folder}: examples for profile {profile_name!r}: {exc}\n")
                    continue
            problems += _check_examples(target, folder, stdout)
    return EXIT_VIOLATIONS if problems else EXIT_OK


def _check_examples(profile: Profile, folder: pathlib.Path, out: IO[str]) -> int:
    try:
        index = json.loads(folder.joinpath("index.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        out.write(f"FAIL {folder / 'index.json'}: {exc}\n")
        return 1
    problems = 0
    for stem, meta in sorted(index.items()):
        path = folder / f"{stem}.json"
        label = os.fspath(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            violations = profile.validate(document, meta["type"])
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ProfileError) as exc:
            problems += 1
            out.write(f"FAIL {label}: {exc}\n")
            continue
        expect = meta.get("expect", "valid")
        if expect == "valid" and violations:
            problems += 1
            out.write(f"FAIL {label}: expected valid {meta['type']}, got {len(violations)} violation(s)\n")
            for violation in violations:
                out.write(f"       {violation}\n")
        elif expect != "valid" and not violations:
            problems += 1
            out.write(f"FAIL {label}: expected violations ({expect}), but it validates as {meta['type']}\n")
        else:
            detail = "valid" if not violations else f"{len(violations)} violation(s), as expected ({expect})"
            out.write(f"ok   {label}: {meta['type']}: {detail}\n")
    return problems


def main(argv: Optional[Sequence[str]] = None) -> int:  # pragma: no cover - convenience entry point
    """Run ``halkit validate`` alone (``python -m halkit.validate_cli``).

    :param argv: the arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(prog="halkit validate")
    add_validate_arguments(parser)
    return run_validate(parser.parse_args(argv), sys.stdin, sys.stdout, sys.stderr)
