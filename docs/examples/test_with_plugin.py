"""Tests that use halkit's pytest plugin: no conftest.py needed."""

import pytest

import halkit
from halkit.emulator import Fault


def test_lists_users(chatkitty):
    with chatkitty.client() as client:
        users = client.follow("application", "users")
        assert users["page"]["totalElements"] == 50


def test_creates_a_user(chatkitty):
    with chatkitty.client() as client:
        jane = client.follow("application").link("users").post({"name": "jane"})
        assert jane.type == "user"
        assert jane["displayName"] == "jane"  # the emulator's default


def test_starts_from_the_seed_again(chatkitty):
    with chatkitty.client() as client:  # jane is gone: each test gets a fresh state
        assert client.follow("application", "users")["page"]["totalElements"] == 50


@pytest.mark.chatkitty(users=3, faults=lambda faults: faults.unavailable(path=r"/users$", times=2))
def test_survives_an_outage(chatkitty):
    with chatkitty.client() as client:
        assert client.follow("application", "users")["page"]["totalElements"] == 3  # retried twice
    assert chatkitty.stats.by_status[503] == 2


@pytest.mark.chatkitty(faults=[Fault("status", status=404, path=r"/users/1$")])
def test_reports_a_missing_user(chatkitty):
    with chatkitty.client() as client:
        with pytest.raises(halkit.NotFoundError) as missing:
            client.get(chatkitty.entry_url + "/applications/52/users/1")
        assert missing.value.status == 404
