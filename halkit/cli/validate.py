"""``halkit validate`` and ``halkit check-profiles``.

``halkit validate --profile NAME [--type TYPE] SOURCE...`` checks documents
against a profile. A SOURCE is a file (one JSON document, or JSON Lines), a
directory (every ``*.json`` below it, recursively), ``-`` (standard input), or
an ``http(s)`` URL (fetched through the same client as ``halkit get``, with
the same authentication options). Without ``--type`` each document's type is
inferred when the document makes it unambiguous; otherwise the possible types
are listed (a document valid as each of them, such as an empty page, passes).

``halkit check-profiles [--profile NAME_OR_PATH...] [--examples DIR]`` loads
profiles (every installed one by default), which checks each manifest against
halkit's profile meta-schema, each schema file against the JSON Schema 2020-12
meta-schema and every ``$ref``; with ``--examples`` it also validates example
documents: ``DIR/<profile>/index.json`` (or ``DIR/index.json``, the profile
being ``DIR``'s name) maps each example's file stem to ``{"type": ...,
"expect": "valid" | <anything else: must have violations>}``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import time
from dataclasses import dataclass, field
from typing import IO, Any, Dict, List, Optional, Sequence, Tuple

from ..exceptions import HalkitError, ProfileError
from ..registry import Profile, ProfileRegistry, default_registry, full_meta_checks
from .connect import ClientOptions, UsageError, load_profile, make_client
from .errors import EXIT_OK, EXIT_USAGE, EXIT_VIOLATIONS, describe, exit_code
from .render import plural
from .reports import Case, Finding, Findings
from .terminal import Output, wants_color

__all__ = ["add_check_profiles_parser", "add_validate_parser", "run_check_profiles", "run_validate"]


class _InputError(Exception):
    """A source that cannot be read or parsed."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Result:
    """The verdict on one document."""

    source: str
    line: Optional[int]
    type: Optional[str]
    inferred: bool
    candidates: List[str]
    violations: List[Any] = field(default_factory=list)
    ambiguous: bool = False

    def errors(self) -> List[Any]:
        """Violations at error level."""
        return [v for v in self.violations if _level(v) == "error"]

    def valid(self, fail_on: str = "error") -> bool:
        """No violation that fails at ``fail_on``, and a known type."""
        failing = self.violations if fail_on == "warning" else self.errors()
        return not failing and not self.ambiguous

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def to_dict(self, fail_on: str = "error") -> Dict[str, Any]:
        return {
            "file": self.source,
            "line": self.line,
            "type": self.type,
            "inferred": self.inferred,
            "candidates": self.candidates,
            "valid": self.valid(fail_on),
            "ambiguous": self.ambiguous,
            "violations": [dict(v.to_dict(), level=_level(v)) for v in self.violations],
        }


def _level(violation: Any) -> str:
    from ..registry.violations import WARNING_RULES

    return "warning" if violation.rule in WARNING_RULES else "error"


def add_validate_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]", common: List[argparse.ArgumentParser],
                        report: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``validate``.

    :param commands: the sub-parsers action.
    :param common: parent parsers with the client options (used for URLs).
    :param report: the parent parser with the report options.
    """
    parser = commands.add_parser(
        "validate", parents=[*common, report],
        help="validate JSON documents (files, directories, URLs) against a profile",
        description="Validate documents against a profile. A SOURCE is a file (JSON or JSON Lines), a "
        "directory (every *.json below it), '-' for standard input, or an http(s) URL (fetched like "
        "'halkit get', with the same authentication options).",
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="files, directories, URLs, or '-'")
    parser.add_argument("--type", "-t", metavar="TYPE", help="the resource type (inferred when omitted)")
    return parser


def add_check_profiles_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    """Add ``check-profiles``.

    :param commands: the sub-parsers action.
    """
    parser = commands.add_parser("check-profiles", help="check profiles against the meta-schemas, and their examples")
    parser.add_argument(
        "--profile", "-p", action="append", dest="profiles", metavar="NAME",
        help="a profile name or folder (repeatable; default: all installed)",
    )
    parser.add_argument("--examples", metavar="DIR", help="validate the examples under DIR (see the docs)")
    return parser


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


def _validate(profile: Profile, document: Any, type: str) -> List[Any]:
    # undocumented names are reported as warnings: they fail only with --fail-on warning
    return list(profile.validate(document, type, undocumented=True))


def _check(profile: Profile, document: Any, source: str, line: Optional[int], type: Optional[str]) -> Result:
    if type is not None:
        return Result(source, line, type, False, [type], _validate(profile, document, type))
    candidates = profile.infer_types(document)
    if len(candidates) == 1:
        return Result(source, line, candidates[0], True, candidates, _validate(profile, document, candidates[0]))
    if candidates and not [v for v in profile.validate(document, candidates[0]) if _level(v) == "error"]:
        # valid as each of several types (an empty page, say): valid all the same
        return Result(source, line, None, True, candidates, [])
    return Result(source, line, None, True, candidates, [], ambiguous=True)


def _expand(sources: Sequence[str]) -> List[str]:
    """Directories become their ``*.json`` files (recursively, sorted); the rest stays."""
    out: List[str] = []
    for source in sources:
        if source != "-" and not _is_url(source) and os.path.isdir(source):
            found = sorted(str(p) for p in pathlib.Path(source).rglob("*.json") if p.is_file())
            if not found:
                raise _InputError(f"{source}: no *.json file in this directory")
            out.extend(found)
        else:
            out.append(source)
    return out


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def findings_of(results: Sequence[Result], errors: Sequence[str], profile: Optional[str],
                seconds: float) -> Findings:
    """The validation results as report :class:`~halkit.cli.reports.Findings` (a case per document).

    :param results: the documents' verdicts.
    :param errors: the sources that could not be read.
    :param profile: the profile's name.
    :param seconds: how long it took.
    """
    findings = Findings("validate", profile, seconds=seconds)
    for result in results:
        case = Case(result.where(), result.type or "(unknown type)")
        for v in result.violations:
            case.findings.append(Finding(result.where(), v.type, v.rule, v.pointer, v.message, _level(v)))
        if result.ambiguous:
            case.findings.append(Finding(result.where(), None, "ambiguous-type", "",
                                         f"cannot tell the type: it could be {', '.join(result.candidates)}"))
        findings.cases.append(case)
    for message in errors:
        source = message.split(": ", 1)[0]
        findings.cases.append(Case(source, "(unreadable)", [Finding(source, None, "error", "", message)]))
    return findings


def run_validate(args: argparse.Namespace, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> int:
    """Run ``halkit validate``.

    :param args: the parsed arguments.
    :param stdin: read for the source ``-``.
    :param stdout: the report (or the summary, with ``--report``).
    :param stderr: unreadable sources.
    :returns: the exit status.
    """
    from .reports import write_report

    started = time.monotonic()
    profile = load_profile(args.profile)
    if profile is None:
        raise UsageError("validate needs --profile")
    if args.type is not None:
        profile.definition(args.type)
    results: List[Result] = []
    errors: List[str] = []
    code = EXIT_OK
    client: Any = None
    try:
        try:
            sources = _expand(args.sources)
        except _InputError as exc:
            raise UsageError(str(exc)) from exc
        for source in sources:
            label = "<stdin>" if source == "-" else source
            try:
                if _is_url(source):
                    if client is None:
                        client = make_client(ClientOptions.from_namespace(args, url=source, profile=profile))
                    try:
                        resource = client.get(source)
                    except HalkitError as exc:
                        raise _InputError(f"{source}: {describe(exc)}", exit_code(exc)) from exc
                    documents: List[Tuple[Optional[int], Any]] = [(None, resource.to_dict())]
                else:
                    documents = _documents(_read(source, stdin), label)
            except _InputError as exc:
                errors.append(str(exc))
                code = max(code, exc.code)
                continue
            results.extend(_check(profile, document, label, line, args.type) for line, document in documents)
    finally:
        if client is not None:
            client.close()
    err = Output(stderr, color=wants_color(stderr, args.color))
    for message in errors:
        err.line(("halkit validate: ", "bold red"), message)
    fail_on = args.fail_on
    findings = findings_of(results, errors, profile.name, time.monotonic() - started)
    document = {
        "profile": profile.name,
        "valid": not errors and all(r.valid(fail_on) for r in results),
        "results": [r.to_dict(fail_on) for r in results],
        "errors": errors,
    }
    write_report(args, stdout, findings, json_document=document,
                 text=lambda out: _write_text(results, errors, out, fail_on))
    if code:
        return code
    return EXIT_OK if all(r.valid(fail_on) for r in results) else EXIT_VIOLATIONS


def _write_text(results: Sequence[Result], errors: Sequence[str], out: Output, fail_on: str) -> None:
    bad = 0
    count = 0
    for result in results:
        if result.ambiguous:
            bad += 1
            out.line((result.where(), "blue"),
                     f": cannot tell the type: it could be {', '.join(result.candidates)}; pass --type")
            continue
        if result.violations:
            if not result.valid(fail_on):
                bad += 1
            count += len(result.errors())
            inferred = " (inferred)" if result.inferred else ""
            errs, warns = len(result.errors()), len(result.violations) - len(result.errors())
            what = plural(errs, "violation") + (f", {plural(warns, 'warning')}" if warns else "")
            out.line((result.where(), "blue"), f": {what} of type {result.type}{inferred}")
            for violation in result.violations:
                tag = "" if _level(violation) == "error" else "warning: "
                out.line(f"  {violation.pointer or '/'}: {tag}{violation.message} ", (f"[{violation.rule}]", "yellow"))
    total = len(results)
    unreadable = f"; {plural(len(errors), 'source')} could not be read" if errors else ""
    if bad:
        out.line((f"{bad} of {plural(total, 'document')} invalid", "bold red"),
                 f", {plural(count, 'violation')}{unreadable}")
    elif errors:
        out.line((f"{plural(total, 'document')} checked", "bold"), unreadable)
    else:
        out.line((f"{plural(total, 'document')} valid", "bold green"))


def _example_sets(root: pathlib.Path) -> List[Tuple[str, pathlib.Path]]:
    if root.joinpath("index.json").is_file():
        return [(root.name, root)]
    return sorted(
        (child.name, child) for child in root.iterdir() if child.is_dir() and child.joinpath("index.json").is_file()
    )


def run_check_profiles(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run ``halkit check-profiles``.

    :param args: the parsed arguments.
    :param stdout: the report.
    :param stderr: usage errors.
    :returns: the exit status (0, 1 or 2).
    """
    with full_meta_checks():  # no remembered meta-schema verdicts: every file is checked
        return _check_profiles(args, default_registry().uncached(), stdout)


def _check_profiles(args: argparse.Namespace, registry: ProfileRegistry, stdout: IO[str]) -> int:
    names = list(args.profiles or registry.names())
    if not names:
        raise UsageError("no profile is installed")
    out = Output(stdout)
    problems = 0
    loaded: Dict[str, Profile] = {}
    for name in names:
        try:
            profile = registry.get(name)
        except ProfileError as exc:
            problems += 1
            out.line(f"FAIL {name}: {exc}")
            continue
        loaded[profile.name] = profile
        out.line(
            f"ok   {profile.name}: manifest, {len(profile.schema_files)} schema file(s), "
            f"{len(profile.types)} type(s) ({profile.origin})"
        )
    if args.examples is not None:
        root = pathlib.Path(args.examples)
        if not root.is_dir():
            raise UsageError(f"{root}: no such directory")
        for profile_name, folder in _example_sets(root):
            target = loaded.get(profile_name)
            if target is None:
                try:
                    target = registry.get(profile_name)
                except ProfileError as exc:
                    problems += 1
                    out.line(f"FAIL {folder}: examples for profile {profile_name!r}: {exc}")
                    continue
            problems += _check_examples(target, folder, out)
    return EXIT_VIOLATIONS if problems else EXIT_OK


def _check_examples(profile: Profile, folder: pathlib.Path, out: Output) -> int:
    try:
        index = json.loads(folder.joinpath("index.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        out.line(f"FAIL {folder / 'index.json'}: {exc}")
        return 1
    problems = 0
    for stem, meta in sorted(index.items()):
        path = folder / f"{stem}.json"
        label = os.fspath(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            violations = [v for v in profile.validate(document, meta["type"]) if _level(v) == "error"]
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ProfileError) as exc:
            problems += 1
            out.line(f"FAIL {label}: {exc}")
            continue
        expect = meta.get("expect", "valid")
        if expect == "valid" and violations:
            problems += 1
            out.line(f"FAIL {label}: expected valid {meta['type']}, got {len(violations)} violation(s)")
            for violation in violations:
                out.line(f"       {violation}")
        elif expect != "valid" and not violations:
            problems += 1
            out.line(f"FAIL {label}: expected violations ({expect}), but it validates as {meta['type']}")
        else:
            detail = "valid" if not violations else f"{len(violations)} violation(s), as expected ({expect})"
            out.line(f"ok   {label}: {meta['type']}: {detail}")
    return problems
