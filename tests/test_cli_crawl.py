"""halkit crawl: the main job, its reports and limits."""

from __future__ import annotations

import json
import pathlib
from typing import Iterator, Tuple

import pytest
from clirun import login, run

from halkit.emulator import Emulator

from server import TestServer


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(users=7, channels=3, client_secret="s3cr3t-value") as emu:
        yield emu


@pytest.fixture(params=["sync", "async"])
def client_flag(request: pytest.FixtureRequest) -> Tuple[str, ...]:
    """The crawl's client: the sync one (no flag) or the async one (``--async``); each test runs with both."""
    return ("--async",) if request.param == "async" else ()


def test_crawl_without_url_uses_the_emulator(client_flag: Tuple[str, ...]) -> None:
    code, out, err = run("crawl", *client_flag, "--profile", "chatkitty")
    assert code == 0, out + err
    assert "crawl OK" in out and "violations: 0" in out
    assert "api-root" in out and "user-page" in out
    assert "started the built-in emulator" in err


def test_crawl_json_report_against_a_url(emulator: Emulator, client_flag: Tuple[str, ...]) -> None:
    code, out, err = run(
        "crawl", *client_flag, emulator.entry_url, "--profile", "chatkitty", "--format", "json", "--quiet",
        "--client-id", emulator.client_id, "--client-secret", emulator.client_secret,
        "--token-url", emulator.token_url,
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is True and report["problems"] == []
    assert report["resources_by_type"]["user"] == 7
    assert report["resources_by_type"]["api-root"] == 1
    assert report["resources_by_type"]["push-notification-credential"] == 2
    # ChatKitty's tokens are embedded without links, as the HAL draft allows and the
    # profile documents (user-token has no links): nothing to tolerate
    assert report["compatibility"] == []
    assert report["requests"] == report["resources"] + 1  # and the token request
    assert emulator.client_secret not in out + err
    assert err == ""


def test_crawl_counts_each_url_once_and_bounds(emulator: Emulator, client_flag: Tuple[str, ...]) -> None:
    emulator.reset_stats()
    code, out, _ = run(
        "crawl", *client_flag, emulator.entry_url, "-p", "chatkitty", "--format", "json", "-q", "--max-resources", "5",
        "--client-id", emulator.client_id, "--client-secret", emulator.client_secret, "--token-url", emulator.token_url,
    )
    report = json.loads(out)
    assert report["resources"] == 5 and report["truncated"] is True
    stats = emulator.stats
    assert stats.api_requests == 5
    assert stats.token_requests == 1


def test_crawl_reports_violations(server: TestServer, prefix: str, client_flag: Tuple[str, ...]) -> None:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}}})  # no `application` link
    code, out, _ = run("crawl", *client_flag, server.url(f"{prefix}/v1"), "-p", "chatkitty", "-q")
    assert code == 1
    assert "crawl FAILED" in out and "required-link" in out and "api-root" in out


def test_crawl_reports_broken_links_without_stopping(server: TestServer, prefix: str, client_flag: Tuple[str, ...]) -> None:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}, "application": {"href": f"{prefix}/gone"}}})
    code, out, _ = run("crawl", *client_flag, server.url(f"{prefix}/v1"), "-p", "chatkitty", "-q", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert [p["rule"] for p in report["problems"]] == ["error"]
    assert "404" in report["problems"][0]["message"]


# --------------------------------------------------------------------------- scale, limits, exit statuses



def _same(a: dict, b: dict) -> None:
    a, b = dict(a), dict(b)
    a.pop("seconds"), b.pop("seconds")
    assert a == b


def test_workers_give_the_same_report(emulator: Emulator, client_flag: Tuple[str, ...]) -> None:
    reports = []
    for workers in ("1", "6"):
        code, out, err = run("crawl", *client_flag, emulator.entry_url, "-p", "chatkitty", "-q", *login(emulator),
                             "--format", "json", "--workers", workers)
        assert code == 0, err
        reports.append(json.loads(out))
    _same(reports[0], reports[1])
    # and with a limit that cuts the walk short, the same resources are chosen
    cut = []
    for workers in ("1", "6"):
        code, out, _ = run("crawl", *client_flag, emulator.entry_url, "-p", "chatkitty", "-q", *login(emulator),
                           "--format", "json", "--workers", workers, "--max-resources", "17")
        cut.append(json.loads(out))
    _same(cut[0], cut[1])
    assert cut[0]["resources"] == 17 and cut[0]["truncated"] is True


def test_max_depth(emulator: Emulator, client_flag: Tuple[str, ...]) -> None:
    code, out, _ = run("crawl", *client_flag, emulator.entry_url, "-p", "chatkitty", "-q", *login(emulator),
                       "--format", "json", "--max-depth", "1")
    report = json.loads(out)
    assert code == 0 and report["depth"] == 1 and report["truncated"] is True
    assert set(report["resources_by_type"]) == {"api-root", "application"}


def test_unreachable_entry_exits_3_after_the_report(client_flag: Tuple[str, ...]) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    code, out, err = run("crawl", *client_flag, f"http://127.0.0.1:{port}/v1", "-p", "chatkitty", "-q")
    assert code == 3
    assert "crawl FAILED" in out
    assert err == f"halkit: error: cannot reach http://127.0.0.1:{port}: connection refused " \
                  "(hint: is the API running, and is the URL's port right?)\n"


def test_wrong_secret_and_missing_credentials_exit_3(emulator: Emulator, client_flag: Tuple[str, ...]) -> None:
    code, out, err = run("crawl", *client_flag, emulator.entry_url, "-p", "chatkitty", "-q", "--client-id", "acme",
                         "--client-secret", "wrong-secret", "--token-url", emulator.token_url)
    assert code == 3 and "invalid_client" in err and "wrong-secret" not in out + err
    code, out, err = run("crawl", *client_flag, emulator.entry_url, "-p", "chatkitty", "-q")
    assert code == 3 and "401" in err


def test_a_broken_contract_exits_1_not_3(server: TestServer, prefix: str, client_flag: Tuple[str, ...]) -> None:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}, "application": {"href": f"{prefix}/gone"}}})
    code, _, err = run("crawl", *client_flag, server.url(f"{prefix}/v1"), "-p", "chatkitty", "-q")
    assert code == 1 and err == ""


def test_interrupted_crawl_writes_the_partial_report(
    emulator: Emulator, tmp_path: "pathlib.Path", monkeypatch: pytest.MonkeyPatch, client_flag: Tuple[str, ...]) -> None:
    from halkit.cli import crawl as cli_crawl

    real = cli_crawl._Progress.__call__

    def interrupt(self: object, fetched: int, queued: int) -> None:
        real(self, fetched, queued)  # type: ignore[arg-type]
        if fetched == 5:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli_crawl._Progress, "__call__", interrupt)
    target = tmp_path / "partial.json"
    code, out, err = run("crawl", *client_flag, emulator.entry_url, "-p", "chatkitty", "-q", *login(emulator),
                         "--format", "json", "--report", str(target), "--workers", "3")
    assert code == 130
    report = json.loads(target.read_text())
    assert report["complete"] is False and report["resources"] == 5
    assert "interrupted" in out and "halkit: interrupted" in err


def test_plain_progress_lines(emulator: Emulator) -> None:
    code, _, err = run("crawl", emulator.entry_url, "-p", "chatkitty", *login(emulator))
    assert code == 0 and "\r" not in err and "\x1b" not in err


# --------------------------------------------------------------------------- drift


def test_baseline_and_diff(server: TestServer, prefix: str, tmp_path: "pathlib.Path") -> None:
    root = {"_links": {"self": {"href": f"{prefix}/v1"}, "application": {"href": f"{prefix}/app"}}}
    app = {"_links": {"self": {"href": f"{prefix}/app"}, "organization": {"href": f"{prefix}/org"},
                      "users": {"href": f"{prefix}/gone"}},
           "id": 52, "name": "x", "key": "k", "created": "2020-01-01T00:00:00Z", "properties": {}}
    server.add(f"{prefix}/v1", root)
    server.add(f"{prefix}/app", app)
    url = server.url(f"{prefix}/v1")
    baseline = tmp_path / "baseline.json"
    code, _, _ = run("crawl", url, "-p", "chatkitty", "-q", "--format", "json", "--report", str(baseline),
                     "--max-depth", "1")
    assert code == 1  # a link to /gone: the baseline has violations already
    # the same violations: the build passes with a baseline
    code, out, _ = run("crawl", url, "-p", "chatkitty", "-q", "--baseline", str(baseline), "--max-depth", "1")
    assert code == 0, out
    assert "drift: none" in out
    # the API changes: a property appears, one vanishes (a new violation), a rel vanishes
    changed = dict(app, extra=1)
    del changed["key"]
    changed["_links"] = {k: v for k, v in app["_links"].items() if k != "users"}
    server.add(f"{prefix}/app", changed)
    current = tmp_path / "current.json"
    code, out, _ = run("crawl", url, "-p", "chatkitty", "-q", "--baseline", str(baseline), "--max-depth", "1",
                       "--format", "json", "--report", str(current))
    assert code == 1
    assert "application: vanished rels users" in out and "added extra; removed key" in out
    assert "new violations" in out
    code, out, _ = run("diff", str(baseline), str(current), "--format", "json")
    drift = json.loads(out)
    assert code == 1
    assert drift["vanished_rels"] == {"application": ["users"]}
    assert drift["properties"] == {"application": {"added": ["extra"], "removed": ["key"]}}
    assert sorted(v["rule"] for v in drift["new_violations"]) == ["required-link", "required-property"]
    assert run("diff", str(baseline), str(baseline))[0] == 0
    code, _, err = run("diff", str(baseline), str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read" in err


def test_undocumented_names_are_warnings(server: TestServer, prefix: str) -> None:
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}, "aplication": {"href": f"{prefix}/v1"}},
                                "colour": "blue"})
    url = server.url(f"{prefix}/v1")
    code, out, _ = run("crawl", url, "-p", "chatkitty", "-q", "--max-depth", "0", "--format", "json")
    report = json.loads(out)
    warnings = [p for p in report["problems"] if p["level"] == "warning"]
    assert [p["rule"] for p in warnings] == ["undocumented"]
    assert "did you mean 'application'?" in warnings[0]["message"]
    assert code == 1  # the missing `application` link is a violation; warnings alone would pass
    errors = [p for p in report["problems"] if p["level"] == "error"]
    assert [p["rule"] for p in errors] == ["required-link"]
    server.add(f"{prefix}/ok", {"_links": {"self": {"href": f"{prefix}/ok"}, "application": {"href": f"{prefix}/ok"},
                                           "colour": {"href": f"{prefix}/ok"}}})
    ok = server.url(f"{prefix}/ok")
    code, out, _ = run("crawl", ok, "-p", "chatkitty", "-q", "--max-depth", "0")
    assert code == 0 and "warnings: 1" in out and "colour" in out
    code, _, _ = run("crawl", ok, "-p", "chatkitty", "-q", "--max-depth", "0", "--fail-on", "warning")
    assert code == 1


def test_crawl_output_cannot_drive_the_terminal(server: TestServer, prefix: str) -> None:
    esc = "\x1b]0;owned\x07\x1b[2J"
    server.add(f"{prefix}/v1", {"_links": {"self": {"href": f"{prefix}/v1"}, "application": {"href": f"{prefix}/x"},
                                           f"rel{esc}": {"href": f"{prefix}/v1"}}, f"p{esc}": 1})
    server.add(f"{prefix}/x", {"title": f"gone{esc}", "detail": f"really{esc}"}, status=404,
               headers={"Content-Type": "application/problem+json"})
    for color in ("never", "always"):
        code, out, err = run("crawl", server.url(f"{prefix}/v1"), "-p", "chatkitty", "--color", color)
        assert code == 1
        assert "]0;owned" in out  # shown, escaped
        for text in (out, err):
            assert "\x07" not in text and "\x1b]" not in text and "\x1b[2J" not in text


class _Tty:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def test_progress_on_a_terminal_shows_rate_queue_and_violations() -> None:
    from halkit.cli.crawl import _Progress
    from halkit.crawl import CrawlProblem, CrawlReport

    report = CrawlReport()
    report.problems.append(CrawlProblem("u", "t", "r", "", "m"))
    tty = _Tty()
    progress = _Progress(tty, True, report)  # type: ignore[arg-type]
    progress(3, 7)
    progress.done()
    assert tty.text.startswith("\rcrawled 3 resources (") and "/s), 7 queued" in tty.text
    assert "1 violations" in tty.text and tty.text.endswith("\n")


# --------------------------------------------------------------------------- --async


def test_sync_and_async_crawls_write_the_same_report(emulator: Emulator) -> None:
    reports = []
    for flag in ((), ("--async",)):
        code, out, err = run("crawl", *flag, emulator.entry_url, "-p", "chatkitty", "-q", *login(emulator),
                             "--format", "json", "--workers", "3")
        assert code == 0, err
        reports.append(json.loads(out))
    _same(reports[0], reports[1])
    assert reports[0]["requests"] == reports[0]["resources"] + 1  # both count the token request


def test_async_without_httpx_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "httpx", None)  # import httpx fails, as when it is not installed
    for name in [name for name in sys.modules if name == "halkit.aio" or name.startswith("halkit.aio.")]:
        monkeypatch.delitem(sys.modules, name)
    code, out, err = run("crawl", "--async", "--profile", "chatkitty")
    assert code == 2 and out == ""
    assert err.startswith("halkit: error: the async client needs httpx") and "pip install 'halkit[async]'" in err
    assert "started the built-in emulator" not in err  # refused before anything starts
