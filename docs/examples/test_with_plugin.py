"""Tests that use halkit's pytest plugin: no conftest.py needed."""

import halkit


def test_lists_users(chatkitty_client):
    users = chatkitty_client.follow("application", "users")
    assert users["page"]["totalElements"] == 50


def test_creates_a_user(chatkitty_emulator, chatkitty_client):
    chatkitty_emulator.reset()
    app = chatkitty_client.follow("application")
    jane = app.link("users").post({"name": "jane"})
    assert jane.type == "user"
    assert jane["displayName"] == "jane"  # the emulator's default


def test_survives_an_outage(chatkitty_emulator, chatkitty_client):
    chatkitty_emulator.reset()
    chatkitty_emulator.faults.unavailable(path=r"^/v1$", times=2)
    assert chatkitty_client.root().type == "api-root"


def test_reports_a_missing_user(chatkitty_emulator, chatkitty_client):
    try:
        chatkitty_client.get(chatkitty_emulator.entry_url + "/users/999999")
    except halkit.NotFoundError as exc:
        assert exc.status == 404
    else:
        raise AssertionError("no NotFoundError")
