"""``halkit validate`` (files, directories, URLs, stdin) and ``halkit check-profiles``, run in-process."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import List

import pytest
from clirun import run

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "chatkitty"


def fixture(stem: str) -> str:
    return str(FIXTURES / f"{stem}.json")


def write(tmp_path: pathlib.Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_valid_files_exit_0() -> None:
    status, out, err = run("validate", "--profile", "chatkitty", fixture("v1-user"), fixture("seed-application"))
    assert (status, err) == (0, "")
    assert out == "2 documents valid\n"


def test_explicit_type() -> None:
    status, out, _ = run("validate", "-p", "chatkitty", "--type", "user", fixture("v1-channel-open"))
    assert status == 1
    assert "1 violation of type user\n" in out
    assert "  /_links/channels: user: required link 'channels' is missing [required-link]\n" in out


def test_violations_exit_1_with_readable_output() -> None:
    status, out, _ = run("validate", "--profile", "chatkitty", fixture("v1-application"), fixture("v1-user"))
    assert status == 1
    assert f"{fixture('v1-application')}: 1 violation of type application (inferred)" in out
    assert "  /_links/organization: application: required link 'organization' is missing [required-link]" in out
    assert out.endswith("1 of 2 documents invalid, 1 violation\n")


def test_json_output() -> None:
    status, out, _ = run("validate", "--profile", "chatkitty", "--format", "json", fixture("v1-application"))
    assert status == 1
    report = json.loads(out)
    assert report["profile"] == "chatkitty" and report["valid"] is False
    [result] = report["results"]
    assert result["type"] == "application" and result["inferred"] is True
    assert result["violations"] == [
        {
            "pointer": "/_links/organization",
            "rule": "required-link",
            "message": "application: required link 'organization' is missing",
            "type": "application",
            "level": "error",
        }
    ]


def test_stdin_json_lines(tmp_path: pathlib.Path) -> None:
    lines = "\n".join(
        json.dumps(json.loads(pathlib.Path(fixture(s)).read_text())) for s in ("v1-user", "v1-user-token", "v1-root")
    )
    lines += '\n\n{"token": 5}\n'
    status, out, _ = run("validate", "-p", "chatkitty", "-", stdin=lines)
    assert status == 1
    assert "<stdin>:5: 1 violation of type user-token (inferred)" in out
    assert "1 of 4 documents invalid" in out


def test_ambiguous_type_lists_the_possibilities(tmp_path: pathlib.Path) -> None:
    empty_page = write(tmp_path, "page.json", '{"_links": {"self": {"href": "/x"}}, "page": {"size": 0}}')
    status, out, _ = run("validate", "-p", "chatkitty", empty_page)
    assert status == 0  # valid whichever page type it is
    bad_page = write(tmp_path, "bad.json", '{"_links": {"self": {"href": "/x"}}, "page": {"size": "0"}}')
    status, out, _ = run("validate", "-p", "chatkitty", bad_page)
    assert status == 1
    assert "cannot tell the type: it could be user-page, channel-page" in out and "pass --type" in out


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["validate", "-p", "nope", "x.json"], "", "unknown profile 'nope'"),
        (["validate", "-p", "chatkitty", "--type", "users", "x.json"], "", "no type 'users'"),
        (["validate", "-p", "chatkitty", "/no/such/file.json"], "", "/no/such/file.json: cannot read"),
        (["validate", "-p", "chatkitty", "-"], "{not json", "<stdin>: invalid JSON"),
        (
            ["validate", "-p", "chatkitty", "-"],
            '{"token": "a"}\n{oops\n',
            "<stdin>: neither a JSON document nor JSON Lines: line 2",
        ),
        (["validate", "-p", "chatkitty", "-", "--format", "xml"], "", "invalid choice"),
        (["validate", "x.json"], "", "--profile"),
    ],
)
def test_usage_errors_exit_2(argv: List[str], stdin: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(*argv, stdin=stdin)
    captured = capsys.readouterr()  # argparse writes its own usage errors to sys.stderr
    assert status == 2
    assert message in err + captured.err


def test_unreadable_input_wins_over_violations(tmp_path: pathlib.Path) -> None:
    status, out, err = run("validate", "-p", "chatkitty", fixture("v1-application"), str(tmp_path / "missing.json"))
    assert status == 2
    assert "missing.json: cannot read" in err and "organization" in out


def test_profile_from_a_path() -> None:
    from halkit.registry import profile

    folder = profile("chatkitty").origin
    status, _, _ = run("validate", "-p", folder, fixture("v1-user"))
    assert status == 0


def test_profiles_and_version() -> None:
    status, out, _ = run("profiles")
    assert status == 0 and "chatkitty" in out.split()
    status, out, _ = run("--version")
    assert status == 0 and out.startswith("halkit ")
    assert run()[0] == 2


def test_check_profiles(tmp_path: pathlib.Path) -> None:
    status, out, _ = run("check-profiles")
    assert status == 0 and out.startswith("ok   chatkitty: manifest, 11 schema file(s), 14 type(s)")
    status, out, _ = run("check-profiles", "--examples", str(FIXTURES))
    assert status == 0 and out.count("\nok   ") == 19  # 18 examples + the chatkitty-2 profile
    # an example that should be valid but is not, and one expected invalid that validates
    folder = tmp_path / "chatkitty"
    folder.mkdir()
    (folder / "index.json").write_text(
        json.dumps({"a": {"type": "user", "expect": "valid"}, "b": {"type": "user-token", "expect": "broken"}})
    )
    (folder / "a.json").write_text('{"id": 1}')
    (folder / "b.json").write_text('{"token": "t"}')
    status, out, _ = run("check-profiles", "--profile", "chatkitty", "--examples", str(folder))
    assert status == 1
    assert "FAIL " in out and "a.json: expected valid user, got 4 violation(s)" in out
    assert "/name: user.name: required property is missing [required-property]" in out
    assert "b.json: expected violations (broken), but it validates as user-token" in out


def test_check_profiles_reports_a_broken_profile(tmp_path: pathlib.Path) -> None:
    (tmp_path / "profile.json").write_text("{}")
    status, out, _ = run("check-profiles", "--profile", str(tmp_path))
    assert status == 1 and "FAIL" in out and "profile.json: not a valid profile manifest" in out
    assert run("check-profiles", "--examples", str(tmp_path / "nowhere"))[0] == 2


def test_python_dash_m(tmp_path: pathlib.Path) -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "halkit", "validate", "-p", "chatkitty", fixture("v1-user")],
        capture_output=True, text=True, cwd=str(tmp_path), timeout=60,
        env={"PYTHONPATH": str(root), "PATH": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 document valid\n"


def test_pre_commit_hooks_file() -> None:
    text = (pathlib.Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text()
    assert "- id: halkit-validate" in text and "entry: halkit validate" in text
