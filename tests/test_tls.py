"""HTTPS on 127.0.0.1: the fast transport honours requests' TLS settings (verify, CA bundles).

The certificates are made for the test with the ``openssl`` command (skipped without it).
"""

from __future__ import annotations

import json
import pathlib
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator

import pytest
import requests

import halkit

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def _openssl(*args: str, cwd: pathlib.Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    d = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=halkit test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign", cwd=d)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "cert.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    return {"ca": str(d / "ca.pem"), "cert": str(d / "cert.pem"), "key": str(d / "key.pem")}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({
            "path": self.path, "auth": self.headers.get("Authorization"),
            "_links": {"self": {"href": self.path}, "next": {"href": "/b"}},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def https_url(certs: Dict[str, str]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs["cert"], certs["key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/a"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_ca_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests lets these override a session's `verify`: each test sets what it needs
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def test_untrusted_certificate_is_a_clear_error(https_url: str) -> None:
    with pytest.raises(halkit.ConnectError, match="TLS") as info:
        halkit.Client(https_url, retries=0).root()
    assert info.value.url == https_url


def test_session_verify_is_honoured_on_the_fast_path(https_url: str, certs: Dict[str, str]) -> None:
    session = requests.Session()
    session.verify = certs["ca"]
    client = halkit.Client(https_url, session=session, auth="tok")
    root = client.root()
    assert (root["path"], root["auth"]) == ("/a", "Bearer tok")
    assert root.follow("next")["path"] == "/b"
    assert client.transport.fast_sends == 2 and client.transport.slow_sends == 0


def test_ca_bundle_from_the_environment(https_url: str, certs: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certs["ca"])
    client = halkit.Client(https_url)
    assert client.root().follow("next")["path"] == "/b"
    assert client.transport.fast_sends == 2


def test_verify_off_does_not_leak_into_other_clients(https_url: str) -> None:
    import urllib3

    session = requests.Session()
    session.verify = False
    with pytest.warns(urllib3.exceptions.InsecureRequestWarning):
        assert halkit.Client(https_url, session=session).root()["path"] == "/a"
    with pytest.raises(halkit.ConnectError):
        halkit.Client(https_url, retries=0).root()


def test_fast_and_slow_paths_agree(https_url: str, certs: Dict[str, str]) -> None:
    docs = []
    for fast in (True, False):
        session = requests.Session()
        session.verify = certs["ca"]
        if not fast:
            session.hooks["response"].append(lambda r, *a, **k: r)  # a hook: requests' own path
        client = halkit.Client(https_url, session=session)
        docs.append(client.root().to_dict())
        assert (client.transport.fast_sends > 0) is fast
    assert docs[0] == docs[1]


# -- the async client: halkit's pool and asyncio network backend over TLS ------------------


def test_async_untrusted_certificate_is_a_clear_error(https_url: str) -> None:
    import asyncio

    async def main() -> None:
        async with halkit.AsyncClient(https_url, retries=0) as client:
            await client.root()

    with pytest.raises(halkit.ConnectError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
        asyncio.run(main())


def test_async_pool_over_tls_reuses_its_connection(https_url: str, certs: Dict[str, str]) -> None:
    import asyncio

    from halkit.aio.pool import PoolTransport

    pool = PoolTransport(ssl.create_default_context(cafile=certs["ca"]))

    async def main() -> Any:
        async with halkit.AsyncClient(https_url, transport=pool, auth="tok") as client:
            root = await client.root()
            nxt = await root.follow("next")
            tls = root.response.extensions["network_stream"].get_extra_info("ssl_object")
            same = root.response.extensions["network_stream"] is nxt.response.extensions["network_stream"]
            await pool.aclose()
            return root["path"], root["auth"], nxt["path"], tls is not None, same

    assert asyncio.run(main()) == ("/a", "Bearer tok", "/b", True, True)


def test_async_session_with_its_own_verify(https_url: str, certs: Dict[str, str]) -> None:
    import asyncio

    import httpx

    async def main() -> Any:
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=certs["ca"])) as mine:
            client = halkit.AsyncClient(https_url, session=mine)
            return (await (await client.root()).follow("next"))["path"]

    assert asyncio.run(main()) == "/b"
