"""The workloads, each written twice: with halkit and with raw ``requests``.

Every function takes the server's base URL and returns what it read (ids or
counters), so the runner can check that both sides did the same work.
"""

from __future__ import annotations

from typing import Any, Dict, List

import requests

from .server import CLIENT_ID, CLIENT_SECRET

__all__ = [
    "HALKIT",
    "RAW",
    "fetch_token",
]


def fetch_token(base: str, session: requests.Session) -> str:
    """The client credentials grant by hand, as a raw requests user would write it."""
    reply = session.post(
        f"{base}/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET), data={"grant_type": "client_credentials"}
    )
    reply.raise_for_status()
    token: str = reply.json()["access_token"]
    return token


# -- raw requests ------------------------------------------------------------------


def raw_w1(base: str, **_: Any) -> List[int]:
    """Token, root, application, users, then every page via ``next``."""
    s = requests.Session()
    headers = {"Authorization": "Bearer " + fetch_token(base, s)}
    root = s.get(f"{base}/v1", headers=headers).json()
    app = s.get(root["_links"]["application"]["href"], headers=headers).json()
    page = s.get(app["_links"]["users"]["href"], headers=headers).json()
    ids: List[int] = []
    while True:
        ids.extend(user["id"] for user in page["_embedded"]["users"])
        nxt = page["_links"].get("next")
        if nxt is None:
            break
        page = s.get(nxt["href"], headers=headers).json()
    s.close()
    return ids


def raw_w2(base: str, *, token: str, **_: Any) -> List[int]:
    """Follow ``next`` along the chain."""
    s = requests.Session()
    headers = {"Authorization": "Bearer " + token}
    doc = s.get(f"{base}/v1/chain/0", headers=headers).json()
    seen = [doc["n"]]
    while "next" in doc["_links"]:
        doc = s.get(doc["_links"]["next"]["href"], headers=headers).json()
        seen.append(doc["n"])
    s.close()
    return seen


def raw_w3(base: str, *, token: str, repeat: int, **_: Any) -> List[int]:
    """GET the same resource ``repeat`` times."""
    s = requests.Session()
    headers = {"Authorization": "Bearer " + token}
    url = f"{base}/v1/applications/52/users/7"
    ids = [s.get(url, headers=headers).json()["id"] for _ in range(repeat)]
    s.close()
    return ids


# -- halkit ------------------------------------------------------------------------


def halkit_w1(base: str, *, profile: Any = None, **_: Any) -> List[int]:
    """Token, root, application, users, then every page via ``next`` (one page at a time)."""
    import halkit
    from halkit.auth import ClientCredentials

    auth = ClientCredentials(f"{base}/oauth/token", CLIENT_ID, CLIENT_SECRET)
    with halkit.Client(f"{base}/v1", auth=auth, profile=profile) as client:
        users = client.root().follow("application").follow("users")
        ids = [user["id"] for user in users.items("users")]
    auth.close()
    return ids


def halkit_w2(base: str, *, token: str, **_: Any) -> List[int]:
    """Follow ``next`` along the chain."""
    import halkit

    with halkit.Client(f"{base}/v1", auth=token) as client:
        resource = client.get(f"{base}/v1/chain/0")
        seen = [resource["n"]]
        while "next" in resource.links:
            resource = resource.follow("next")
            seen.append(resource["n"])
    return seen


def halkit_w3(base: str, *, token: str, repeat: int, **_: Any) -> List[int]:
    """GET the same resource ``repeat`` times."""
    import halkit

    url = f"{base}/v1/applications/52/users/7"
    with halkit.Client(f"{base}/v1", auth=token) as client:
        return [client.get(url)["id"] for _ in range(repeat)]


RAW: Dict[str, Any] = {"W1": raw_w1, "W1v": raw_w1, "W2": raw_w2, "W3": raw_w3}
HALKIT: Dict[str, Any] = {"W1": halkit_w1, "W1v": halkit_w1, "W2": halkit_w2, "W3": halkit_w3}
