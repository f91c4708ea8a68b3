"""``halkit.cli.terminal`` and ``halkit.cli.errors``: harmless server strings, colour, one-line errors."""

from __future__ import annotations

import io
import json

import pytest

from halkit import exceptions as exc
from halkit.cli.errors import describe, exit_code
from halkit.cli.terminal import Output, clean, clean_json


def test_clean_escapes_every_control_character() -> None:
    assert clean("a\x1b[31mb\x07c\r\n\x9b\u202e\x00") == "a\\x1b[31mb\\x07c\\x0d\\x0a\\x9b\\u202e\\x00"
    assert clean("plain é ✓") == "plain é ✓"
    assert clean(42) == "42"


def test_clean_json_stays_json() -> None:
    value = {"k\x1b": "v\x9b\u202e\x07"}
    text = clean_json(value)
    assert json.loads(text) == value
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text


def test_output_plain_and_coloured() -> None:
    plain = io.StringIO()
    Output(plain).line(("a\x1b]0;x\x07", "red"), "b")
    assert plain.getvalue() == "a\\x1b]0;x\\x07b\n"
    pytest.importorskip("rich")
    coloured = io.StringIO()
    Output(coloured, color=True).line(("a\x1b]0;x\x07", "red"), "[bold]b[/bold]")
    text = coloured.getvalue()
    assert "\x1b[31m" in text and "\x07" not in text and "\x1b]" not in text
    assert "[bold]b[/bold]" in text  # server text is never rich markup


@pytest.mark.parametrize(("error", "code"), [
    (exc.ConnectError("x"), 3),
    (exc.TimeoutError("x"), 3),
    (exc.AuthError("x", error="invalid_client"), 3),
    (exc.UnauthorizedError("x", status=401), 3),
    (exc.ForbiddenError("x", status=403), 3),
    (exc.ServerError("x", status=503), 3),
    (exc.NotFoundError("x", status=404), 1),
    (exc.HalFormatError("x"), 1),
    (exc.ProfileNotFoundError("x"), 2),
    (exc.TemplateError("x"), 2),
    (exc.LinkNotFoundError("x"), 2),
    (KeyboardInterrupt(), 130),
])
def test_exit_codes(error: BaseException, code: int) -> None:
    assert exit_code(error) == code


def test_descriptions_are_one_line_without_library_text() -> None:
    import urllib3

    inner = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")  # type: ignore[arg-type]
    inner.__cause__ = ConnectionRefusedError(111, "Connection refused")
    error = exc.ConnectError("HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded", url="http://127.0.0.1:1/v1")
    error.__cause__ = inner
    text = describe(error)
    assert text == "cannot reach http://127.0.0.1:1: connection refused (hint: is the API running, and is the URL's port right?)"
    assert "timeout" in describe(exc.TimeoutError("slow", url="https://api.example.com/v1"))
    auth = exc.AuthError("refused", error="invalid_client", description="bad secret")
    line = describe(auth, token_url="https://auth.example.com/oauth/token", api_url="http://127.0.0.1:8765/v1")
    assert "invalid_client" in line and "--token-url" in line and "\n" not in line
