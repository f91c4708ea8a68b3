"""Run halkit's benchmarks against raw ``requests``: ``python -m benchmarks [--quick]``.

Starts its own loopback server (:mod:`benchmarks.server`, in a separate
process), then for each workload alternates a halkit run and a raw-requests
run (raw first on even rounds, halkit first on odd ones), checks that both
read the same thing, and prints the medians and their ratio
(halkit / raw requests: below 1.0 means halkit is faster).

Workloads:

* W1: token, root, ``application``, ``users``, then every page via ``next``
  (10,000 users, 20 a page: 503 requests); W1v is the same with the
  ``chatkitty`` profile validating every resource.
* W2: following ``next`` along a 200-hop chain.
* W3: a GET of the same resource, 500 times.
* memory: peak RSS of a fresh interpreter walking 100,000 users, against
  10,000 (halkit, and raw requests for comparison); see :mod:`benchmarks.memory`.
* requests: the exact number of requests W1 makes, and the number of token
  requests when 8 threads share one client.
* fan-out: ``halkit.fanout.follow_all`` against one-by-one, with 20 ms of
  latency added to each answer.
* async-W1 to async-W3 and async-fanout: :class:`halkit.AsyncClient` against
  raw :class:`httpx.AsyncClient`, and the async fan-out against one by one and
  the sync fan-out (see :mod:`benchmarks.async_bench`); skipped when httpx is
  not installed.

Absolute times depend on the machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from . import workloads

TARGETS = {"W1": 0.70, "W1v": 0.80, "W2": 0.50, "W3": 0.50}
#: The most the walk's peak RSS may grow from the small walk to the large one.
MEMORY_GROWTH = 0.02


@contextmanager
def serve(users: int, chain: int = 200, latency: float = 0.0) -> Iterator[str]:
    """Run :mod:`benchmarks.server` in a child process; yield its base URL."""
    env = dict(os.environ)
    for key in list(env):
        if key.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            del env[key]
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", "--users", str(users), "--chain", str(chain), "--latency", str(latency)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()


def stats(base: str, reset: bool = False) -> Dict[str, int]:
    """The server's counters (and zero them afterwards when ``reset``)."""
    with urllib.request.urlopen(f"{base}/_stats") as reply:  # noqa: S310 - loopback only
        data: Dict[str, int] = json.loads(reply.read())
    if reset:
        urllib.request.urlopen(urllib.request.Request(f"{base}/_reset", data=b"", method="POST")).read()  # noqa: S310
    return data


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def compare(name: str, base: str, runs: int, expected: List[int], **kwargs: Any) -> Dict[str, Any]:
    """Alternate halkit and raw runs of one workload; check both results; the medians."""
    raw_fn, halkit_fn = workloads.RAW[name], workloads.HALKIT[name]
    times: Dict[str, List[float]] = {"raw": [], "halkit": []}
    halkit_kwargs = dict(kwargs)
    raw_kwargs = {k: v for k, v in kwargs.items() if k != "profile"}
    # one warm-up of each (imports, profile loading, the server's caches)
    for fn, kw in ((raw_fn, raw_kwargs), (halkit_fn, halkit_kwargs)):
        result = fn(base, **kw)
        if result != expected:
            raise SystemExit(f"{name}: {fn.__name__} read {len(result)} items, not the {len(expected)} expected")
    for i in range(runs):
        order = (("raw", raw_fn, raw_kwargs), ("halkit", halkit_fn, halkit_kwargs))
        for label, fn, kw in order if i % 2 == 0 else order[::-1]:
            seconds, result = timed(fn, base, **kw)
            if result != expected:
                raise SystemExit(f"{name}: {label} read something else ({len(result)} items)")
            times[label].append(seconds)
    raw, hk = statistics.median(times["raw"]), statistics.median(times["halkit"])
    return {"workload": name, "raw": raw, "halkit": hk, "ratio": hk / raw, "runs": runs}


def count_requests(base: str, profile: Any) -> Dict[str, int]:
    """The requests W1 makes, and the token requests of 8 threads sharing one client."""
    import halkit
    from halkit.auth import ClientCredentials

    from .server import CLIENT_ID, CLIENT_SECRET

    stats(base, reset=True)
    workloads.halkit_w1(base, profile=profile)
    w1 = stats(base, reset=True)
    auth = ClientCredentials(f"{base}/oauth/token", CLIENT_ID, CLIENT_SECRET)
    errors: List[BaseException] = []
    with halkit.Client(f"{base}/v1", auth=auth) as client:
        barrier = threading.Barrier(8)

        def work(n: int) -> None:
            try:
                barrier.wait()
                for k in range(25):
                    client.get(f"{base}/v1/applications/52/users/{n * 25 + k + 1}")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    auth.close()
    if errors:
        raise SystemExit(f"threads failed: {errors[0]!r}")
    threaded = stats(base, reset=True)
    return {
        "w1_total": w1.get("total", 0) + w1.get("token", 0),
        "w1_token": w1.get("token", 0),
        "w1_401": w1.get("401", 0),
        "threads_total": threaded.get("total", 0),
        "threads_token": threaded.get("token", 0),
    }


def memory(small: int, large: int, side: str = "halkit") -> Dict[str, int]:
    """Peak RSS (KiB) of a fresh interpreter walking ``small`` users, then ``large`` (one server each)."""
    out: Dict[str, int] = {}
    for users in (small, large):
        with serve(users) as base:
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.memory", base, side],
                capture_output=True, text=True, check=True,
                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            )
        count, total, peak = (int(x) for x in proc.stdout.split())
        if count != users or total != users * (users + 1) // 2:
            raise SystemExit(f"memory run walked {count} users, not {users}")
        out[str(users)] = peak
    return out


def fanout(users: int, latency: float) -> Dict[str, float]:
    """Following every item's ``self`` on one page: one by one, then with follow_all."""
    import requests

    import halkit
    from halkit.fanout import follow_all

    with serve(users=users, latency=latency) as base:
        s = requests.Session()
        token = workloads.fetch_token(base, s)
        s.close()
        with halkit.Client(f"{base}/v1", auth=token) as client:
            page = client.get(f"{base}/v1/applications/52/users?page=0&size={users}")
            items = page.embedded("users")
            client.get(f"{base}/v1")  # open a connection first, for both
            serial, one_by_one = timed(lambda: [item.follow("self", embedded=False) for item in items])
            parallel, together = timed(follow_all, items, "self", max_workers=8)
    if [r["id"] for r in one_by_one] != [r["id"] for r in together]:
        raise SystemExit("fan-out results differ from one-by-one results")
    return {"serial": serial, "fanout": parallel, "speedup": serial / parallel, "items": float(len(items))}


def _profile_name() -> Optional[str]:
    try:
        from halkit.registry import profile

        profile("chatkitty")
    except Exception:  # noqa: BLE001 - not installed yet: skip W1v
        return None
    return "chatkitty"


def main(argv: Optional[List[str]] = None) -> int:
    """Run everything and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and a smaller memory check")
    parser.add_argument("--runs", type=int, default=None, help="runs of each side per workload (default 7, quick 3)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="workloads to run: W1 W1v W2 W3 memory requests fanout, async-W1 async-W2 async-W3 "
                             "async-fanout (or async for all four)")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 7)
    from . import async_bench

    chosen = set(args.only or ["W1", "W1v", "W2", "W3", "memory", "requests", "fanout", "async"])
    if "async" in chosen:
        chosen |= set(async_bench.ASYNC_WORKLOADS)
    async_rows: List[Dict[str, Any]] = []
    users, chain, repeat = 10000, 200, 500
    profile = _profile_name()
    import requests

    import halkit

    print(f"halkit {halkit.__version__}, requests {requests.__version__}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs; {runs} runs of each side, medians")
    rows: List[Dict[str, Any]] = []
    failures: List[str] = []
    with serve(users, chain) as base:
        s = requests.Session()
        token = workloads.fetch_token(base, s)
        s.close()
        plan = [
            ("W1", list(range(1, users + 1)), {}),
            ("W1v", list(range(1, users + 1)), {"profile": profile}),
            ("W2", list(range(chain + 1)), {"token": token}),
            ("W3", [7] * repeat, {"token": token, "repeat": repeat}),
        ]
        for name, expected, kwargs in plan:
            if name not in chosen:
                continue
            if name == "W1v" and profile is None:
                print("W1v: skipped, the chatkitty profile is not available")
                continue
            row = compare(name, base, runs, expected, **kwargs)
            rows.append(row)
            print(f"  {name}: raw {row['raw'] * 1000:8.1f} ms   halkit {row['halkit'] * 1000:8.1f} ms   "
                  f"ratio {row['ratio']:.2f}x (target <= {TARGETS[name]:.2f}x)", flush=True)
            if row["ratio"] > TARGETS[name]:
                failures.append(f"{name} ratio {row['ratio']:.2f}x over {TARGETS[name]:.2f}x")
        if "requests" in chosen:
            counts = count_requests(base, None)
            print(f"  requests: W1 made {counts['w1_total']} ({counts['w1_token']} token, {counts['w1_401']} refused); "
                  f"8 threads x 25 GETs made {counts['threads_total']} API requests and {counts['threads_token']} token request(s)")
            if counts["w1_total"] != 503 or counts["w1_token"] != 1 or counts["w1_401"]:
                failures.append(f"W1 made {counts['w1_total']} requests, not 503")
            if counts["threads_token"] != 1 or counts["threads_total"] != 200:
                failures.append("8 threads: not exactly 200 API requests and 1 token request")
        if chosen & set(async_bench.ASYNC_WORKLOADS):
            async_rows, async_failures = async_bench.run(base, token, chosen, runs, users, repeat, chain)
            failures.extend(async_failures)
    if "memory" in chosen:
        small, large = (2000, 20000) if args.quick else (10000, 100000)
        for side in ("halkit", "requests"):
            peaks = memory(small, large, side)
            growth = peaks[str(large)] / peaks[str(small)] - 1
            target = f", target within {MEMORY_GROWTH * 100:.0f}%" if side == "halkit" else ""
            print(f"  memory ({side}): peak RSS {peaks[str(small)] / 1024:.1f} MiB walking {small} users, "
                  f"{peaks[str(large)] / 1024:.1f} MiB walking {large} ({growth * 100:+.1f}%{target})", flush=True)
            if side == "halkit" and growth > MEMORY_GROWTH:
                failures.append(f"memory grew {growth * 100:.1f}%")
    if "fanout" in chosen:
        try:
            fan = fanout(20, 0.020)
        except ImportError:
            print("  fan-out: skipped, halkit.fanout is not available")
        else:
            print(f"  fan-out: {fan['items']:.0f} links, 20 ms latency: one by one {fan['serial'] * 1000:.0f} ms, "
                  f"follow_all(max_workers=8) {fan['fanout'] * 1000:.0f} ms ({fan['speedup']:.1f}x, target >= 4x)")
            if fan["speedup"] < 4:
                failures.append(f"fan-out only {fan['speedup']:.1f}x")
    print()
    print("| workload | raw requests (median) | halkit (median) | ratio | target |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['workload']} | {row['raw'] * 1000:.1f} ms | {row['halkit'] * 1000:.1f} ms | "
              f"{row['ratio']:.2f}x | <= {TARGETS[row['workload']]:.2f}x |")
    async_bench.table(async_rows)
    if failures:
        print("\nMISSED: " + "; ".join(failures))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
