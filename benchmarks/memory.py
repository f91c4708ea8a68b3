"""One memory run, in a fresh interpreter: walk every user, print the walk's peak RSS.

``python -m benchmarks.memory BASE_URL [halkit|requests]`` prints
``<users walked> <sum of ids> <peak RSS in KiB>``. Nothing is kept from one
page to the next, so the peak should not depend on how many users there are.

The peak is the ``VmHWM`` of this process's own address space (Linux,
``/proc/self/status``), which starts afresh at ``exec``. ``ru_maxrss`` does
not: Linux carries the high-water mark of the forked copy of the parent
into it, so a child of a large benchmark process reported the parent's peak
(the "52.3 MiB both" of an earlier README). ``ru_maxrss`` is used only where
``/proc`` is missing.
"""

from __future__ import annotations

import resource
import sys


def peak_rss_kib() -> int:
    """This process's peak resident set size, in KiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:  # pragma: no cover - not Linux
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux, bytes on macOS


def walk_requests(base: str) -> "tuple[int, int]":
    """The same walk with raw requests (a page at a time), for comparison."""
    import requests

    from .workloads import fetch_token

    count = total = 0
    with requests.Session() as s:
        headers = {"Authorization": "Bearer " + fetch_token(base, s)}
        root = s.get(f"{base}/v1", headers=headers).json()
        app = s.get(root["_links"]["application"]["href"], headers=headers).json()
        page = s.get(app["_links"]["users"]["href"], headers=headers).json()
        while True:
            for user in page["_embedded"]["users"]:
                count += 1
                total += user["id"]
            nxt = page["_links"].get("next")
            if nxt is None:
                break
            page = s.get(nxt["href"], headers=headers).json()
    return count, total


def main() -> int:
    """Walk all users of the server at ``argv[1]``; print the count, the id sum and the peak RSS."""
    import halkit
    from halkit.auth import ClientCredentials

    from .server import CLIENT_ID, CLIENT_SECRET

    base = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "requests":
        count, total = walk_requests(base)
        print(count, total, peak_rss_kib(), flush=True)
        return 0
    count = total = 0
    auth = ClientCredentials(f"{base}/oauth/token", CLIENT_ID, CLIENT_SECRET)
    with halkit.Client(f"{base}/v1", auth=auth) as client:
        for user in client.root().follow("application").follow("users").items("users"):
            count += 1
            total += user["id"]
    print(count, total, peak_rss_kib(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
