"""halkit.exceptions: the server's own words in messages, from the common error shapes."""

from __future__ import annotations

from typing import Any

import pytest

from halkit.exceptions import MAX_SERVER_WORDS, error_for_status, server_words


@pytest.mark.parametrize("body, expected", [
    ({"type": "https://e/probs/x", "title": "Out of credit", "detail": "Balance is 30"}, "Out of credit; Balance is 30"),
    ({"detail": "Not found."}, "Not found."),
    ({"message": "nope"}, "nope"),
    ({"error": "invalid_client", "error_description": "Bad client credentials"}, "invalid_client; Bad client credentials"),
    ({"error": {"message": "quota exceeded", "code": 7}}, "quota exceeded"),
    ({"name": ["This field is required."], "non_field_errors": ["Bad pair."]}, "name: This field is required.; Bad pair."),
    ({"_status": "ERR", "_issues": {"email": "value 'x' is not unique"}}, "email: value 'x' is not unique"),
    ({"errors": [{"field": "age", "defaultMessage": "must be >= 0"}, "second"]}, "age: must be >= 0; second"),
    ({"title": "Bad", "invalid-params": [{"name": "age", "reason": "x"}]}, "Bad; age: x"),
    ({"status": 500}, None),
    ("plain text", "plain text"),
    (None, None),
])
def test_common_error_shapes(body: Any, expected: Any) -> None:
    assert server_words(body) == expected


def test_words_are_cut_and_free_of_secrets() -> None:
    words = server_words({"detail": "x" * 1000})
    assert words is not None and len(words) == MAX_SERVER_WORDS and words.endswith("…")
    leaky = server_words({"detail": "token Bearer abcdefghijklmnopqrstuvwxyz rejected", "password": ["hunter22 is weak"]})
    assert leaky == "token Bearer [redacted] rejected"


def test_the_message_names_method_url_status_and_words() -> None:
    err = error_for_status(400, body={"name": ["required"]}, url="http://h/x", method="POST")
    assert str(err) == "POST http://h/x answered 400: name: required"
