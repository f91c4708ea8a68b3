"""One memory run, in a fresh process: walk every user with halkit, print the peak RSS.

``python -m benchmarks.memory BASE_URL`` prints ``<users walked> <sum of ids> <peak RSS in KiB>``.
Nothing is kept from one page to the next, so the peak should not depend on
how many users there are.
"""

from __future__ import annotations

import resource
import sys


def main() -> int:
    """Walk all users of the server at ``argv[1]``; print the count, the id sum and the peak RSS."""
    import halkit
    from halkit.auth import ClientCredentials

    from .server import CLIENT_ID, CLIENT_SECRET

    base = sys.argv[1]
    count = total = 0
    auth = ClientCredentials(f"{base}/oauth/token", CLIENT_ID, CLIENT_SECRET)
    with halkit.Client(f"{base}/v1", auth=auth) as client:
        for user in client.root().follow("application").follow("users").items("users"):
            count += 1
            total += user["id"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(count, total, peak, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
