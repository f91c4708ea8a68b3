"""Hostile clients against the emulator: every malformed request gets a 4xx, bounded in memory and time.

Each test plays the client over a raw socket on 127.0.0.1 (issue 14, item 15).
"""

from __future__ import annotations

import logging
import socket
from typing import Iterator, Tuple

import pytest
import requests

from halkit.emulator import Emulator
from halkit.emulator import app as emulator_app

USERS = "/v1/applications/52/users"


@pytest.fixture
def token(emu: Emulator) -> str:
    response = requests.post(
        emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"}
    )
    return str(response.json()["access_token"])


def exchange(port: int, data: bytes, *, close_write: bool = False) -> Tuple[int, bytes, bytes]:
    """Send ``data`` (the socket stays open unless ``close_write``), read one answer: status, head, body.

    The read waits at most 10 s: a server that waits for more input fails the test
    instead of hanging it.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed without an answer: {received!r}"
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
            0,
        )
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    status = int(head.split(b" ", 2)[1])
    return status, head, body


def post_head(token: str, extra: str) -> bytes:
    return (
        f"POST {USERS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    ).encode()


# -- framing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [b"-5", b"-0x10", b"+5", b"0x5", b" ", b"5 5", b"FFFFFFFFFFFFFFFFFFFF", b"\xff"])
def test_malformed_chunk_size_is_400_at_once(emu: Emulator, size: bytes) -> None:
    # unauthenticated, and the socket stays open: the answer must not wait for more input
    request = f"POST {USERS} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode() + size + b"\r\n"
    status, head, _ = exchange(emu.port, request)
    assert status == 400
    assert b"Connection: close" in head


def test_chunk_without_crlf_after_data_is_400(emu: Emulator, token: str) -> None:
    status, _, _ = exchange(emu.port, post_head(token, "Transfer-Encoding: chunked\r\n") + b"2\r\n{}XX0\r\n\r\n")
    assert status == 400


def test_endless_trailers_are_400(emu: Emulator, token: str) -> None:
    trailers = b"".join(b"X-Trailer-%d: y\r\n" % n for n in range(100))
    status, _, _ = exchange(emu.port, post_head(token, "Transfer-Encoding: chunked\r\n") + b"0\r\n" + trailers)
    assert status == 400


def test_chunked_body_over_the_limit_is_413_without_reading_it(emu: Emulator) -> None:
    request = f"POST {USERS} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode() + b"1000001\r\n"
    status, _, _ = exchange(emu.port, request)  # 16 MiB + 1 announced, nothing sent
    assert status == 413


def test_content_length_and_chunked_together_are_400(emu: Emulator, token: str) -> None:
    extra = "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"
    status, _, _ = exchange(emu.port, post_head(token, extra) + b"2\r\n{}\r\n0\r\n\r\n")
    assert status == 400


@pytest.mark.parametrize("value", ["-1", "+2", "0x2", "2, 3", " ", "１"])
def test_malformed_content_length_is_400(emu: Emulator, token: str, value: str) -> None:
    status, _, _ = exchange(emu.port, post_head(token, f"Content-Length: {value}\r\n") + b"{}")
    assert status == 400


def test_huge_content_length_is_413(emu: Emulator, token: str) -> None:
    status, _, _ = exchange(emu.port, post_head(token, f"Content-Length: {'9' * 5000}\r\n"))
    assert status == 413


def test_unknown_transfer_coding_is_refused(emu: Emulator, token: str) -> None:
    status, _, _ = exchange(emu.port, post_head(token, "Transfer-Encoding: gzip, chunked\r\n") + b"0\r\n\r\n")
    assert status == 501  # RFC 9112 section 6.1: a coding the server does not understand


def test_a_request_that_never_completes_gets_408() -> None:
    with Emulator(request_timeout=0.3) as emu:
        request = f"POST {USERS} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{{".encode()
        status, head, _ = exchange(emu.port, request)  # 1 byte of 100, then silence
        assert status == 408
        assert b"Connection: close" in head


def test_slow_headers_get_408() -> None:
    with Emulator(request_timeout=0.3) as emu:
        status, _, _ = exchange(emu.port, b"GET /v1 HTTP/1.1\r\nHost: x\r\n")  # no blank line
        assert status == 408


def test_keep_alive_waits_longer_than_the_request_deadline() -> None:
    # the request deadline starts with the request line: an idle connection is not cut at 0.3 s
    with Emulator(request_timeout=0.3, idle_timeout=30) as emu, socket.create_connection(("127.0.0.1", emu.port)) as s:
        s.settimeout(10)
        s.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(65536).startswith(b"HTTP/1.1 404")
        emu.wait(0.6)  # idle for longer than the request deadline
        s.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(65536).startswith(b"HTTP/1.1 404")


# -- bodies, paths and queries ----------------------------------------------------------------------


def test_deep_json_is_400(emu: Emulator, token: str) -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    status, _, answer = exchange(emu.port, post_head(token, f"Content-Length: {len(body)}\r\n") + body)
    assert status == 400
    assert b"ClientError" in answer


def test_deep_json_object_is_400(emu: Emulator, token: str) -> None:
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    status, _, _ = exchange(emu.port, post_head(token, f"Content-Length: {len(body)}\r\n") + body)
    assert status == 400


def test_a_5000_digit_number_in_json_is_400(emu: Emulator, token: str) -> None:
    body = b'{"type": "DIRECT", "members": [{"id": ' + b"7" * 5000 + b"}]}"
    request = post_head(token, f"Content-Length: {len(body)}\r\n").replace(b"/users", b"/channels") + body
    status, _, _ = exchange(emu.port, request)
    assert status == 400


@pytest.mark.parametrize(
    "path",
    [
        "/v1/applications/52/users/" + "9" * 5000,
        "/v1/applications/" + "5" * 5000,
        "/v1/applications/52/channels/" + "1" * 20 + "/messages",
        "/v1/applications/52/users?page=" + "1" * 5000,
        "/v1/applications/52/messages?start=" + "3" * 5000,
    ],
)
def test_a_long_id_is_400(emu: Emulator, token: str, path: str) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    status, _, body = exchange(emu.port, request)
    assert status == 400
    assert b"ClientError" in body


def test_deeply_nested_multipart_is_400(emu: Emulator, token: str) -> None:
    body = '--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n'
    body += "Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    body += "".join(f"--b{n}\r\nContent-Type: multipart/mixed; boundary=b{n + 1}\r\n\r\n" for n in range(5000))
    head = (
        f"POST /v1/applications/52/channels/1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    status, _, answer = exchange(emu.port, head.encode() + body.encode())
    assert status == 400
    assert b"multipart" in answer


@pytest.mark.parametrize("host", ["a b", "x\x01y", "[::1", "host:port", "-" * 300, "@evil"])
def test_malformed_host_is_400(emu: Emulator, host: str) -> None:
    request = f"GET /v1 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode("latin-1")
    status, _, _ = exchange(emu.port, request)
    assert status == 400


def test_a_failing_handler_answers_500_and_keeps_serving(
    emu: Emulator, token: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(emu.app.store, "user_count", broken)
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        with caplog.at_level(logging.ERROR, logger="halkit.emulator"):
            failed = session.get(emu.entry_url + "/applications/52/users")
        assert failed.status_code == 500
        assert failed.json()["error"] == "InternalServerError"
        assert session.get(emu.entry_url).status_code == 200  # same connection, still served
    assert any("failed to answer" in record.getMessage() for record in caplog.records)


# -- secrets and bounded state -----------------------------------------------------------------------


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def test_issued_tokens_are_never_logged(emu: Emulator, debug_logs: pytest.LogCaptureFixture) -> None:
    tokens = []
    for _ in range(3):
        answer = requests.post(
            emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"}
        )
        tokens.append(answer.json()["access_token"])
    for token in tokens:
        requests.get(emu.entry_url, headers={"Authorization": f"Bearer {token}"})
    requests.get(emu.entry_url, headers={"Authorization": "Bearer not-a-token"})
    lines = [f"{record.name} {record.getMessage()}" for record in debug_logs.records]
    assert lines, "nothing was logged at DEBUG: the test would prove nothing"
    for token in tokens + [emu.client_secret]:
        assert not [line for line in lines if token in line]


def test_the_access_log_holds_no_secret() -> None:
    lines: list = []
    with Emulator(access_log=lines.append) as emu:
        answer = requests.post(
            emu.token_url, auth=(emu.client_id, emu.client_secret), data={"grant_type": "client_credentials"}
        )
        token = answer.json()["access_token"]
        requests.get(emu.entry_url, headers={"Authorization": f"Bearer {token}"})
        exchange(emu.port, b"GET /\x1b[31mred HTTP/1.1\r\nHost: x\r\n\r\n")  # raw: an escape sequence
    assert len(lines) == 3
    assert "POST /oauth/token 200" in lines[0]
    assert "GET /v1 200" in lines[1]
    assert "\x1b" not in lines[2] and "\\x1b[31mred 404" in lines[2]
    assert not [line for line in lines if token in line or emu.client_secret in line]


def test_per_path_counters_are_bounded(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emulator_app, "MAX_COUNTED_PATHS", 20)
    with requests.Session() as session:
        for number in range(60):
            session.get(f"{emu.entry_url}/nowhere/{number}")
    stats = emu.stats
    assert len(stats.by_path) <= 21 and len(stats.by_route) <= 21
    assert stats.by_path[emulator_app.OTHER_PATHS] >= 40
    assert sum(stats.by_path.values()) == stats.requests == 60


def test_renderers_per_host_are_bounded(emu: Emulator) -> None:
    with requests.Session() as session:
        for number in range(100):
            assert session.get(emu.base_url + "/nowhere", headers={"Host": f"h{number}"}).status_code == 404
    assert len(emu.app._renderers) <= emulator_app._MAX_RENDERERS


def _upload(emu: Emulator, token: str, body: bytes, boundary: str = "XyZ") -> requests.Response:
    return requests.post(
        emu.entry_url + "/applications/52/channels/1/messages",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": f'multipart/form-data; boundary="{boundary}"'},
    )


def test_multipart_the_way_browsers_send_it(emu: Emulator, token: str) -> None:
    body = (
        b"preamble to ignore\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''caf%C3%A9.png\r\n"
        b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"groupTag\"\r\n\r\n"
        b"album\r\n--XyZ--\r\nepilogue"
    )
    answer = _upload(emu, token, body)
    assert answer.status_code == 200, answer.text
    file = answer.json()["file"]
    assert (file["name"], file["contentType"], file["size"]) == ("café.png", "image/png", 6)  # the CRLF before a boundary is not data
    assert answer.json()["groupTag"] == "album"


@pytest.mark.parametrize(
    "body",
    [
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\ndata",  # no closing boundary
        b"--XyZ junk\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--XyZ--",  # text after a boundary
        b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"" + b"x" * 9000 + b"\r\n\r\nx\r\n--XyZ--",  # headers
        b"".join(b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n" for _ in range(1001)) + b"--XyZ--",
    ],
)
def test_malformed_multipart_is_400(emu: Emulator, token: str, body: bytes) -> None:
    answer = _upload(emu, token, body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "ClientError"


def test_multipart_without_a_boundary_is_400(emu: Emulator, token: str) -> None:
    answer = requests.post(
        emu.entry_url + "/applications/52/channels/1/messages",
        data=b"--x--",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data"},
    )
    assert answer.status_code == 400
