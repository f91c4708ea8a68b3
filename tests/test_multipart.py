"""Multipart uploads through links (files= and data=, as requests builds them), against the emulator.

The ChatKitty docs upload a file message and an APNs credential as
``multipart/form-data``; halkit sends them through the links the API gives,
and the answers are typed and validated by the chatkitty profile.
"""

from __future__ import annotations

from typing import Iterator

import pytest

import halkit
from halkit.emulator import Emulator


@pytest.fixture
def app(emu: Emulator) -> Iterator[halkit.Resource]:
    client = halkit.Client.from_profile(
        "chatkitty", emu.client_id, emu.client_secret, entry_url=emu.entry_url, token_url=emu.token_url
    )
    with client:
        yield client.follow("application")


def test_a_file_message_is_uploaded_as_multipart(app: halkit.Resource) -> None:
    channel = app.follow("channels").embedded("channels")[0]
    message = channel.link("messages").post(
        files={"file": ("message_file.png", b"\x89PNG data", "image/png")}, data={"groupTag": "my_tag"}
    )
    assert message is not None and message.type == "message"
    assert message.response is not None and message.response.status_code in (200, 201)  # the emulator may answer either
    sent = message.response.request
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")  # type: ignore[union-attr]
    assert message["type"] == "SYSTEM_FILE" and message["groupTag"] == "my_tag"
    assert (message["file"]["type"], message["file"]["name"], message["file"]["size"]) == ("HOSTED", "message_file.png", 9)


def test_an_apns_credential_is_uploaded_as_multipart(app: halkit.Resource) -> None:
    credential = app.link("pushNotificationCredentials").post(
        files={"file": ("apns.p12", b"p12 bytes", "application/x-pkcs12")},
        data={"type": "APNS", "password": "pw", "isSandbox": "true"},
        timeout=30,
    )
    assert credential is not None and credential.type == "push-notification-credential"
    assert credential["type"] == "APNS" and credential["isSandbox"] is True
    assert credential.response is not None and "pw" not in repr(credential)
