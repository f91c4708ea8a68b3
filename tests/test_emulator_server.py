"""The emulator's transport: keep-alive, concurrency, faults, HTTP edge cases, the foreground runner."""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List

import pytest
import requests

from halkit.emulator import Emulator, Fault
from halkit.emulator.__main__ import main
from halkit.emulator.runner import run_foreground
from halkit.exceptions import HalkitError


@pytest.fixture
def bearer(emu: Emulator) -> str:
    response = requests.post(
        emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"}
    )
    emu.reset_stats()  # the tests count their own requests and connections
    return f"Bearer {response.json()['access_token']}"


@pytest.fixture
def session(emu: Emulator, bearer: str) -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False
        s.headers["Authorization"] = bearer
        yield s


def users_url(emu: Emulator) -> str:
    return emu.entry_url + "/applications/52/users"


# -- keep-alive and framing ------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(emu: Emulator, session: requests.Session) -> None:
    for _ in range(20):
        assert session.get(users_url(emu)).status_code == 200
    assert session.post(users_url(emu), json={"name": "kept"}).status_code == 200
    assert session.get(users_url(emu) + "/nope").status_code == 404
    assert emu.stats.connections == 1
    assert emu.stats.api_requests == 22


def test_separate_requests_open_separate_connections(emu: Emulator, bearer: str) -> None:
    for _ in range(3):
        requests.get(emu.entry_url, headers={"Authorization": bearer})
    assert emu.stats.connections == 3


def read_response(stream: io.BufferedReader) -> tuple:
    """Read one HTTP/1.1 response framed by Content-Length: (status line, headers, body)."""
    status = stream.readline().decode().strip()
    headers = {}
    while True:
        line = stream.readline().decode()
        if line in ("\r\n", ""):
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, stream.read(int(headers["content-length"]))


def test_raw_http11_pipelined_requests(emu: Emulator, bearer: str) -> None:
    request = f"GET /v1 HTTP/1.1\r\nHost: x\r\nAuthorization: {bearer}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", emu.port)) as sock:
        sock.sendall(request * 2)
        with sock.makefile("rb") as stream:
            for _ in range(2):
                status, headers, body = read_response(stream)
                assert status == "HTTP/1.1 200 OK"
                assert "connection" not in headers
                assert body.startswith(b'{"_links"')
    assert emu.stats.connections == 1


def test_connection_close_is_honoured(emu: Emulator, bearer: str) -> None:
    response = requests.get(emu.entry_url, headers={"Authorization": bearer, "Connection": "close"})
    assert response.status_code == 200
    assert response.headers["Connection"] == "close"


def test_http10_client_gets_connection_close(emu: Emulator, bearer: str) -> None:
    with socket.create_connection(("127.0.0.1", emu.port)) as sock:
        sock.sendall(f"GET /v1 HTTP/1.0\r\nAuthorization: {bearer}\r\n\r\n".encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"Connection: close" in head
    assert body.startswith(b'{"_links"')


def test_chunked_request_body(emu: Emulator, bearer: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": '
        yield b'"chunky"}'

    response = requests.post(
        users_url(emu), data=chunks(), headers={"Authorization": bearer, "Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "chunky"


def test_expect_100_continue(emu: Emulator, bearer: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", emu.port)
    body = b'{"name": "expecting"}'
    connection.request(
        "POST",
        "/v1/applications/52/users",
        body=body,
        headers={"Authorization": bearer, "Content-Type": "application/json", "Expect": "100-continue"},
    )
    response = connection.getresponse()
    assert response.status == 200
    response.read()
    connection.close()


def test_malformed_request_line(emu: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", emu.port)) as sock:
        sock.sendall(b"NOT A REQUEST HTTP/1.1\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 400")


def test_too_large_body(emu: Emulator, bearer: str) -> None:
    with socket.create_connection(("127.0.0.1", emu.port)) as sock:
        sock.sendall(
            f"POST /v1/applications/52/users HTTP/1.1\r\nHost: x\r\nAuthorization: {bearer}\r\n"
            f"Content-Length: {10**9}\r\n\r\n".encode()
        )
        assert sock.recv(1024).startswith(b"HTTP/1.1 413")


def test_percent_encoded_path(emu: Emulator, session: requests.Session) -> None:
    assert session.get(emu.entry_url + "/applications/52/users/%31").json()["id"] == 1


# -- concurrency -------------------------------------------------------------------------------------


def test_concurrent_creates_are_consistent(emu: Emulator, bearer: str) -> None:
    def create(worker: int) -> List[int]:
        ids = []
        with requests.Session() as s:
            s.trust_env = False
            s.headers["Authorization"] = bearer
            for number in range(15):
                response = s.post(users_url(emu), json={"name": f"w{worker}-{number}"})
                assert response.status_code == 200
                ids.append(response.json()["id"])
        return ids

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(create, range(6)))
    ids = [user_id for chunk in results for user_id in chunk]
    assert len(ids) == len(set(ids)) == 90
    listing = requests.get(users_url(emu) + "?size=100&page=0", headers={"Authorization": bearer}).json()
    assert listing["page"]["totalElements"] == 140
    assert emu.stats.connections == 7
    assert emu.stats.by_status[200] >= 90


def test_concurrent_tokens_and_duplicate_names(emu: Emulator, bearer: str) -> None:
    def create(_: int) -> int:
        return requests.post(users_url(emu), json={"name": "race"}, headers={"Authorization": bearer}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(create, range(8)))
    assert statuses == [200] + [400] * 7


# -- faults ----------------------------------------------------------------------------------------------


def test_status_fault_with_count_and_path(emu: Emulator, session: requests.Session) -> None:
    emu.faults.status(503, path=r"/users$", times=2)
    assert session.get(emu.entry_url).status_code == 200  # other path untouched
    first = session.get(users_url(emu))
    assert first.status_code == 503
    assert first.json()["error"] == "ServiceUnavailableError"
    assert session.get(users_url(emu)).status_code == 503
    assert session.get(users_url(emu)).status_code == 200
    assert len(emu.faults) == 0
    assert emu.stats.faults_triggered == 2


def test_rate_limit_fault(emu: Emulator, session: requests.Session) -> None:
    emu.faults.rate_limit(retry_after=3, method="POST")
    assert session.get(users_url(emu)).status_code == 200
    response = session.post(users_url(emu), json={"name": "limited"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert session.post(users_url(emu), json={"name": "limited"}).status_code == 200


def test_fault_skip_and_unlimited(emu: Emulator, session: requests.Session) -> None:
    rule = emu.faults.status(500, path="^/v1$", skip=1, times=None)
    statuses = [session.get(emu.entry_url).status_code for _ in range(4)]
    assert statuses == [200, 500, 500, 500]
    assert rule.triggered == 3
    emu.faults.clear()
    assert session.get(emu.entry_url).status_code == 200


def test_fault_custom_body_and_predicate(emu: Emulator, session: requests.Session) -> None:
    emu.faults.add(Fault("status", status=418, body={"error": "teapot"}, predicate=lambda m, p: "users" in p))
    assert session.get(emu.entry_url).status_code == 200
    response = session.get(users_url(emu))
    assert (response.status_code, response.json()) == (418, {"error": "teapot"})


def test_fault_on_token_endpoint(emu: Emulator) -> None:
    emu.faults.unavailable(path="^/oauth/token$", retry_after="1")
    response = requests.post(emu.token_url, auth=("acme", "acmesecret"), data={"grant_type": "client_credentials"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"


def test_drop_fault(emu: Emulator, session: requests.Session) -> None:
    emu.faults.drop(path="^/v1$")
    with pytest.raises(requests.ConnectionError):
        session.get(emu.entry_url)
    assert session.get(emu.entry_url).status_code == 200


def test_stall_fault(emu: Emulator, session: requests.Session) -> None:
    emu.faults.stall(0.3)
    started = time.perf_counter()
    assert session.get(emu.entry_url).status_code == 200
    assert time.perf_counter() - started >= 0.3
    emu.faults.stall(5)
    with pytest.raises(requests.Timeout):
        session.get(emu.entry_url, timeout=0.2)


def test_stall_then_status(emu: Emulator, session: requests.Session) -> None:
    emu.faults.stall(0.2)
    emu.faults.status(502)
    started = time.perf_counter()
    assert session.get(emu.entry_url).status_code == 502
    assert time.perf_counter() - started >= 0.2


def test_truncate_fault(emu: Emulator, bearer: str) -> None:
    emu.faults.truncate(path=r"/users$")
    connection = http.client.HTTPConnection("127.0.0.1", emu.port)
    connection.request("GET", "/v1/applications/52/users", headers={"Authorization": bearer})
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Connection") == "close"
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    connection.close()


def test_expire_tokens_fault(emu: Emulator) -> None:
    token = requests.post(emu.token_url, auth=("acme", "acmesecret"), data={"grant_type": "client_credentials"}).json()[
        "access_token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(emu.entry_url, headers=headers).status_code == 200
    emu.faults.expire_tokens(path="^/v1$")
    response = requests.get(emu.entry_url, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_bad_fault_rules() -> None:
    with pytest.raises(HalkitError):
        Fault("explode")
    with pytest.raises(HalkitError):
        Fault("status", times=-1)
    with pytest.raises(HalkitError):
        Fault("status", skip=-1)


def test_stop_ends_stalls_and_idle_connections() -> None:
    emu = Emulator(users=1, channels=0).start()
    token = requests.post(emu.token_url, auth=("acme", "acmesecret"), data={"grant_type": "client_credentials"}).json()[
        "access_token"
    ]
    idle = requests.Session()
    idle.trust_env = False
    assert idle.get(emu.entry_url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    emu.faults.stall(30)
    errors: List[BaseException] = []

    def stalled() -> None:
        try:
            requests.get(emu.entry_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        except requests.RequestException as exc:
            errors.append(exc)

    thread = threading.Thread(target=stalled)
    thread.start()
    time.sleep(0.2)
    emu.stop()
    thread.join(10)
    assert not thread.is_alive()  # the 30 s stall ended with the server
    assert emu.open_connections == 0
    idle.close()


# -- stats -----------------------------------------------------------------------------------------------


def test_stats_by_path_route_and_status(emu: Emulator, session: requests.Session) -> None:
    session.get(users_url(emu) + "?page=1")
    session.get(users_url(emu) + "/1")
    session.delete(users_url(emu) + "/999")
    stats = emu.stats
    assert stats.requests == 3
    assert stats.by_path["/v1/applications/52/users"] == 1
    assert stats.by_route["DELETE /v1/applications/52/users/999"] == 1
    assert stats.by_status == {200: 2, 404: 1}
    emu.reset_stats()
    stats = emu.stats
    assert (stats.requests, stats.connections, stats.by_path) == (0, 0, {})


# -- foreground runner and __main__ ------------------------------------------------------------------


def test_run_foreground_prints_and_stops() -> None:
    emu = Emulator(users=1, channels=0)
    out = io.StringIO()
    ready = threading.Event()
    result: List[int] = []
    thread = threading.Thread(target=lambda: result.append(run_foreground(emu, out, ready=ready)))
    thread.start()
    assert ready.wait(5)
    text = out.getvalue()
    for line in (emu.base_url, emu.entry_url, emu.token_url, "acme", "acmesecret"):
        assert line in text
    assert requests.get(emu.entry_url).status_code == 401
    emu.stop()
    thread.join(5)
    assert result == [0]


def test_main_parses_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake(emulator: Emulator, stdout: object) -> int:
        seen["emulator"] = emulator
        return 0

    monkeypatch.setattr("halkit.emulator.__main__.run_foreground", fake)
    assert (
        main(["--users", "3", "--channels", "0", "--token-lifetime", "5", "--client-id", "x", "--client-secret", "y"])
        == 0
    )
    emulator = seen["emulator"]
    assert isinstance(emulator, Emulator)
    assert (emulator.client_id, emulator.client_secret, emulator.token_lifetime) == ("x", "y", 5)
    assert emulator.app.store.user_count() == 3


def test_main_api_name_is_optional_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: List[Emulator] = []

    def fake(emulator: Emulator, stdout: object) -> int:
        seen.append(emulator)
        return 0

    monkeypatch.setattr("halkit.emulator.__main__.run_foreground", fake)
    assert main(["chatkitty", "--quiet"]) == 0
    assert main(["--public-url", "http://chatkitty:8080", "--created-status", "201"]) == 0
    assert not seen[0].log_requests and seen[1].log_requests
    assert seen[1].public_url == "http://chatkitty:8080"
    assert seen[1].app.handlers.created_status == 201
    with pytest.raises(SystemExit):
        main(["nochat"])


def test_run_foreground_prints_export_lines_and_an_access_log() -> None:
    emu = Emulator(users=1, channels=0, client_secret="it's secret")
    emu.log_requests = True  # what from_arguments sets without --quiet
    out = io.StringIO()
    ready = threading.Event()
    thread = threading.Thread(target=run_foreground, args=(emu, out), kwargs={"ready": ready})
    thread.start()
    assert ready.wait(5)
    entry_url = emu.entry_url
    token = requests.post(emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"})
    requests.get(entry_url + "/applications/52/users?page=0", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    emu.stop()
    thread.join(5)
    lines = out.getvalue().splitlines()
    exports = [line for line in lines if line.startswith("export ")]
    assert exports == [
        f"export HALKIT_ENTRY_URL={entry_url}",
        f"export HALKIT_TOKEN_URL={entry_url[:-3]}/oauth/token",
        "export HALKIT_CLIENT_ID=acme",
        "export HALKIT_CLIENT_SECRET='it'\"'\"'s secret'",  # quoted for the shell
    ]
    log = [line for line in lines if not line.startswith(("export ", "#"))]
    assert len(log) == 2
    assert log[0].endswith("ms") and " POST /oauth/token 200 " in log[0]
    assert " GET /v1/applications/52/users?page=0 200 " in log[1]
    assert token.json()["access_token"] not in out.getvalue()


def test_run_foreground_quiet_has_no_access_log() -> None:
    emu = Emulator(users=1, channels=0)
    out = io.StringIO()
    ready = threading.Event()
    thread = threading.Thread(target=run_foreground, args=(emu, out), kwargs={"ready": ready, "quiet": True})
    thread.start()
    assert ready.wait(5)
    requests.get(emu.entry_url)
    emu.stop()
    thread.join(5)
    assert all(line.startswith(("export ", "#")) for line in out.getvalue().splitlines())


def test_main_reports_a_busy_port(shared: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", str(shared.port), "--users", "0", "--channels", "0"]) == 1
    assert "cannot listen" in capsys.readouterr().err
