"""halkit's pytest plugin, used the way another project's test suite uses it (pytester, no conftest.py)."""

from __future__ import annotations

import pytest

#: Run the suites in a subprocess-free pytester session, with only the installed plugins.
ARGS = ("-p", "no:cacheprovider", "-W", "error")


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_suite=source)
    return pytester.runpytest(*ARGS, *args)


def test_each_test_gets_a_fresh_seeded_state(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_creates_a_user(chatkitty):
            with chatkitty.client() as client:
                users = client.follow("application").link("users")
                assert users.post({"name": "jane"})["name"] == "jane"
                assert client.follow("application", "users")["page"]["totalElements"] == 51

        def test_sees_the_seed_again(chatkitty):
            with chatkitty.client() as client:
                assert client.follow("application", "users")["page"]["totalElements"] == 50
            assert chatkitty.stats.token_requests == 1  # the counters were reset too

        def test_one_server_for_the_session(chatkitty, request):
            ports = request.config.cache_ports = getattr(request.config, "cache_ports", set())
            ports.add(chatkitty.port)

        def test_still_one_server(chatkitty, request):
            assert request.config.cache_ports == {chatkitty.port}
        """,
    )
    result.assert_outcomes(passed=4)


def test_the_marker_seeds_and_injects_faults(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from halkit.emulator import Fault

        @pytest.mark.chatkitty(users=3, channels=2)
        def test_small_seed(chatkitty):
            with chatkitty.client() as client:
                app = client.follow("application")
                assert app.follow("users")["page"]["totalElements"] == 3
                assert app.follow("channels")["page"]["totalElements"] == 2

        @pytest.mark.chatkitty(faults=lambda faults: faults.unavailable(path=r"/users$", times=2))
        def test_faults_from_a_callable(chatkitty):
            with chatkitty.client() as client:
                assert client.follow("application", "users")["page"]["totalElements"] == 50  # retried
            assert chatkitty.stats.by_status[503] == 2

        FAULTS = [Fault("status", status=429, path=r"/channels$", retry_after=0)]

        @pytest.mark.chatkitty(faults=FAULTS)
        def test_faults_from_a_list(chatkitty):
            with chatkitty.client() as client:
                client.follow("application", "channels")
            assert chatkitty.stats.by_status[429] == 1

        @pytest.mark.chatkitty(faults=FAULTS)
        def test_the_same_rules_count_afresh(chatkitty):
            with chatkitty.client() as client:
                client.follow("application", "channels")
            assert chatkitty.stats.by_status[429] == 1

        def test_unmarked_is_back_to_normal(chatkitty):
            assert len(chatkitty.faults) == 0
            with chatkitty.client() as client:
                assert client.follow("application", "users")["page"]["totalElements"] == 50
        """,
    )
    result.assert_outcomes(passed=5)


def test_options_change_the_seed(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_seed(chatkitty, chatkitty_session):
            for emulator in (chatkitty, chatkitty_session):
                with emulator.client() as client:
                    assert client.follow("application", "users")["page"]["totalElements"] == 7
        """,
        "--chatkitty-users",
        "7",
    )
    result.assert_outcomes(passed=1)


def test_the_session_fixture_keeps_state(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_first(chatkitty_session):
            with chatkitty_session.client() as client:
                client.follow("application").link("users").post({"name": "kept"})

        def test_second(chatkitty_session, chatkitty):
            assert chatkitty_session is not chatkitty  # resetting one never touches the other
            with chatkitty_session.client() as client:
                assert client.follow("application", "users")["page"]["totalElements"] == 51
        """,
    )
    result.assert_outcomes(passed=2)


def test_the_old_fixture_names_still_work(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_old_names(chatkitty_emulator, chatkitty_client, chatkitty_session):
            assert chatkitty_emulator is chatkitty_session
            chatkitty_emulator.reset()
            users = chatkitty_client.follow("application", "users")
            assert users.type == "user-page" and users["page"]["totalElements"] == 50
            assert chatkitty_client.validation == "strict"
        """,
    )
    result.assert_outcomes(passed=1)


def test_a_bad_marker_is_an_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.chatkitty(user=3)
        def test_typo(chatkitty):
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown keyword(s) user*"])


def test_the_plugin_is_documented_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--chatkitty-users=N*"])
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["*@pytest.mark.chatkitty(users=None*"])


def test_nothing_starts_without_a_fixture(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import threading

        def test_no_emulator():
            assert not [t for t in threading.enumerate() if t.name == "halkit-emulator"]
        """,
    )
    result.assert_outcomes(passed=1)
