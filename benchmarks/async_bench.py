"""The async twin's benchmarks: ``python -m benchmarks.async_bench [--quick] [--only W1 W2 W3 fanout]``.

Beside the sync ones (:mod:`benchmarks.__main__`), against the same loopback
server (:mod:`benchmarks.server`, in a separate process):

* W1 to W3 with :class:`halkit.AsyncClient` against raw :class:`httpx.AsyncClient`
  code doing the same work by hand (token, GETs, ``.json()``), alternating
  which runs first; the medians and their ratio (target: halkit within 1.1x
  of raw httpx, or faster);
* fan-out: following the ``self`` link of 100 items on one page, the server
  adding 20 ms to each answer: one by one (sync), sync
  :func:`halkit.follow_all` and async :func:`halkit.aio.follow_all` at the
  same concurrency (8, then 32). Targets: async at least 10x faster than one
  by one (at 32 in flight), and no slower than the sync fan-out at equal
  concurrency (within 10%, the noise of a shared machine).

Absolute times depend on the machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

from .__main__ import serve, timed
from .server import CLIENT_ID, CLIENT_SECRET

#: halkit / raw httpx, at most.
TARGET_RATIO = 1.10
#: async fan-out against one by one, at least.
TARGET_SPEEDUP = 10.0


# -- raw httpx ---------------------------------------------------------------------


async def _raw_token(base: str, client: Any) -> str:
    reply = await client.post(f"{base}/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET),
                              data={"grant_type": "client_credentials"})
    reply.raise_for_status()
    token: str = reply.json()["access_token"]
    return token


async def raw_w1(base: str, **_: Any) -> List[int]:
    """Token, root, application, users, then every page via ``next``."""
    import httpx

    async with httpx.AsyncClient() as s:
        headers = {"Authorization": "Bearer " + await _raw_token(base, s)}
        root = (await s.get(f"{base}/v1", headers=headers)).json()
        app = (await s.get(root["_links"]["application"]["href"], headers=headers)).json()
        page = (await s.get(app["_links"]["users"]["href"], headers=headers)).json()
        ids: List[int] = []
        while True:
            ids.extend(user["id"] for user in page["_embedded"]["users"])
            nxt = page["_links"].get("next")
            if nxt is None:
                break
            page = (await s.get(nxt["href"], headers=headers)).json()
    return ids


async def raw_w2(base: str, *, token: str, **_: Any) -> List[int]:
    """Follow ``next`` along the chain."""
    import httpx

    async with httpx.AsyncClient() as s:
        headers = {"Authorization": "Bearer " + token}
        doc = (await s.get(f"{base}/v1/chain/0", headers=headers)).json()
        seen = [doc["n"]]
        while "next" in doc["_links"]:
            doc = (await s.get(doc["_links"]["next"]["href"], headers=headers)).json()
            seen.append(doc["n"])
    return seen


async def raw_w3(base: str, *, token: str, repeat: int, **_: Any) -> List[int]:
    """GET the same resource ``repeat`` times."""
    import httpx

    async with httpx.AsyncClient() as s:
        headers = {"Authorization": "Bearer " + token}
        url = f"{base}/v1/applications/52/users/7"
        return [(await s.get(url, headers=headers)).json()["id"] for _ in range(repeat)]


# -- halkit.AsyncClient --------------------------------------------------------------


async def halkit_w1(base: str, **_: Any) -> List[int]:
    """Token, root, application, users, then every page via ``next`` (one page at a time)."""
    import halkit
    from halkit.auth import ClientCredentials

    auth = ClientCredentials(f"{base}/oauth/token", CLIENT_ID, CLIENT_SECRET)
    async with halkit.AsyncClient(f"{base}/v1", auth=auth) as client:
        users = await (await (await client.root()).follow("application")).follow("users")
        return [user["id"] async for user in users.items("users")]


async def halkit_w2(base: str, *, token: str, **_: Any) -> List[int]:
    """Follow ``next`` along the chain."""
    import halkit

    async with halkit.AsyncClient(f"{base}/v1", auth=token) as client:
        resource = await client.get(f"{base}/v1/chain/0")
        seen = [resource["n"]]
        while "next" in resource.links:
            resource = await resource.follow("next")
            seen.append(resource["n"])
    return seen


async def halkit_w3(base: str, *, token: str, repeat: int, **_: Any) -> List[int]:
    """GET the same resource ``repeat`` times."""
    import halkit

    url = f"{base}/v1/applications/52/users/7"
    async with halkit.AsyncClient(f"{base}/v1", auth=token) as client:
        return [(await client.get(url))["id"] for _ in range(repeat)]


RAW: Dict[str, Callable[..., Awaitable[List[int]]]] = {"W1": raw_w1, "W2": raw_w2, "W3": raw_w3}
HALKIT: Dict[str, Callable[..., Awaitable[List[int]]]] = {"W1": halkit_w1, "W2": halkit_w2, "W3": halkit_w3}


def compare(name: str, base: str, runs: int, expected: List[int], **kwargs: Any) -> Dict[str, Any]:
    """Alternate halkit and raw httpx runs of one workload (each in its own loop); the medians."""
    raw_fn, halkit_fn = RAW[name], HALKIT[name]
    times: Dict[str, List[float]] = {"raw": [], "halkit": []}
    cpu: Dict[str, List[float]] = {"raw": [], "halkit": []}
    for fn in (raw_fn, halkit_fn):  # warm-up
        if asyncio.run(fn(base, **kwargs)) != expected:
            raise SystemExit(f"{name}: {fn.__name__} read something else")
    for i in range(runs):
        order = (("raw", raw_fn), ("halkit", halkit_fn))
        for label, fn in order if i % 2 == 0 else order[::-1]:
            started = time.process_time()
            seconds, result = timed(asyncio.run, fn(base, **kwargs))
            cpu[label].append(time.process_time() - started)
            if result != expected:
                raise SystemExit(f"{name}: {label} read something else ({len(result)} items)")
            times[label].append(seconds)
    raw, hk = statistics.median(times["raw"]), statistics.median(times["halkit"])
    # CPU time of this process too: on a shared machine it varies less than wall time
    cpu_ratio = statistics.median(cpu["halkit"]) / statistics.median(cpu["raw"])
    return {"workload": name, "raw": raw, "halkit": hk, "ratio": hk / raw, "cpu_ratio": cpu_ratio, "runs": runs}


def fanout(items: int, latency: float, concurrency: List[int], rounds: int = 3) -> Dict[str, float]:
    """Following every item's ``self`` on one page: one by one, sync follow_all, async follow_all, raw httpx.

    Every side runs in a client of its own, first one untimed round (so that
    each starts with the connections its pool keeps), then ``rounds`` timed
    rounds; the medians. One by one is timed once, sync and async.
    """
    import requests

    import halkit
    import halkit.aio

    from . import workloads

    out: Dict[str, float] = {"items": float(items)}
    with serve(users=items, latency=latency) as base:
        s = requests.Session()
        token = workloads.fetch_token(base, s)
        s.close()
        page_url = f"{base}/v1/applications/52/users?page=0&size={items}"
        with halkit.Client(f"{base}/v1", auth=token) as client:
            users = client.get(page_url).embedded("users")
            users[0].follow("self", embedded=False)  # open a connection first
            out["serial"], one_by_one = timed(lambda: [u.follow("self", embedded=False) for u in users])
        expected = [r["id"] for r in one_by_one]

        def sync_fan(n: int) -> float:
            with halkit.Client(f"{base}/v1", auth=token) as client:
                users = client.get(page_url).embedded("users")
                halkit.follow_all(users, "self", max_workers=n)
                times = []
                for _ in range(rounds):
                    seconds, got = timed(halkit.follow_all, users, "self", max_workers=n)
                    if [r["id"] for r in got] != expected:
                        raise SystemExit("sync fan-out read something else")
                    times.append(seconds)
            return statistics.median(times)

        async def async_serial() -> float:
            async with halkit.AsyncClient(f"{base}/v1", auth=token) as aclient:
                ausers = (await aclient.get(page_url)).embedded("users")
                await ausers[0].follow("self", embedded=False)
                start = time.perf_counter()
                got = [await u.follow("self", embedded=False) for u in ausers]
                seconds = time.perf_counter() - start
            if [r["id"] for r in got] != expected:
                raise SystemExit("async one by one read something else")
            return seconds

        async def async_fan(n: int) -> float:
            async with halkit.AsyncClient(f"{base}/v1", auth=token) as aclient:
                ausers = (await aclient.get(page_url)).embedded("users")
                await halkit.aio.follow_all(ausers, "self", max_workers=n)
                times = []
                for _ in range(rounds):
                    seconds, got = await _atimed(halkit.aio.follow_all(ausers, "self", max_workers=n))
                    if [r["id"] for r in got] != expected:
                        raise SystemExit("async fan-out read something else")
                    times.append(seconds)
            return statistics.median(times)

        async def raw_fan(n: int) -> float:
            import httpx

            headers = {"Authorization": "Bearer " + token}
            async with httpx.AsyncClient() as raw:
                doc = (await raw.get(page_url, headers=headers)).json()
                hrefs = [u["_links"]["self"]["href"] for u in doc["_embedded"]["users"]]
                gate = asyncio.Semaphore(n)

                async def one(href: str) -> int:
                    async with gate:
                        return int((await raw.get(href, headers=headers)).json()["id"])

                await asyncio.gather(*(one(h) for h in hrefs))
                times = []
                for _ in range(rounds):
                    seconds, got = await _atimed(asyncio.gather(*(one(h) for h in hrefs)))
                    if list(got) != expected:
                        raise SystemExit("raw httpx fan-out read something else")
                    times.append(seconds)
            return statistics.median(times)

        out["async_serial"] = asyncio.run(async_serial())
        for n in concurrency:
            out[f"sync{n}"] = sync_fan(n)
            out[f"async{n}"] = asyncio.run(async_fan(n))
            out[f"raw{n}"] = asyncio.run(raw_fan(n))
    return out


async def _atimed(awaitable: Awaitable[Any]) -> Any:
    start = time.perf_counter()
    result = await awaitable
    return time.perf_counter() - start, result


#: The async workloads' names (as ``python -m benchmarks --only`` takes them).
ASYNC_WORKLOADS = ("async-W1", "async-W2", "async-W3", "async-fanout")


def run(base: str, token: str, chosen: Set[str], runs: int, users: int, repeat: int,
        chain: int = 200) -> Tuple[List[Dict[str, Any]], List[str]]:
    """Run the chosen async workloads against the server at ``base``; print each line; the rows and the misses.

    :param chosen: names from :data:`ASYNC_WORKLOADS`.
    """
    rows: List[Dict[str, Any]] = []
    failures: List[str] = []
    try:
        import httpx  # noqa: F401
    except ImportError:
        print("  async: skipped, httpx is not installed (pip install 'halkit[async]')")
        return rows, failures
    plan = {
        "W1": (list(range(1, users + 1)), {}),
        "W2": (list(range(chain + 1)), {"token": token}),
        "W3": ([7] * repeat, {"token": token, "repeat": repeat}),
    }
    for name in ("W1", "W2", "W3"):
        if f"async-{name}" not in chosen:
            continue
        expected, kwargs = plan[name]
        row = compare(name, base, runs, expected, **kwargs)
        rows.append(row)
        print(f"  async {name}: raw httpx {row['raw'] * 1000:8.1f} ms   halkit.AsyncClient {row['halkit'] * 1000:8.1f} ms"
              f"   ratio {row['ratio']:.2f}x (target <= {TARGET_RATIO:.2f}x; CPU time {row['cpu_ratio']:.2f}x)",
              flush=True)
        if row["ratio"] > TARGET_RATIO:
            failures.append(f"async {name} {row['ratio']:.2f}x raw httpx")
    if "async-fanout" in chosen:
        fan = fanout(100, 0.020, [8, 32])
        print(f"  async fan-out: {fan['items']:.0f} links, 20 ms latency: one by one {fan['serial'] * 1000:.0f} ms "
              f"(sync), {fan['async_serial'] * 1000:.0f} ms (async)")
        for n in (8, 32):
            speedup = fan["async_serial"] / fan[f"async{n}"]
            print(f"    max_workers={n}: sync follow_all {fan[f'sync{n}'] * 1000:.0f} ms, "
                  f"async follow_all {fan[f'async{n}'] * 1000:.0f} ms, raw httpx gather {fan[f'raw{n}'] * 1000:.0f} ms "
                  f"(async {speedup:.1f}x one by one; {fan[f'async{n}'] / fan[f'sync{n}']:.2f}x the sync fan-out)",
                  flush=True)
            if fan[f"async{n}"] > fan[f"sync{n}"] * 1.10:
                failures.append(f"async fan-out slower than sync at {n}")
        if fan["async_serial"] / fan["async32"] < TARGET_SPEEDUP:
            failures.append(f"async fan-out only {fan['async_serial'] / fan['async32']:.1f}x one by one")
    return rows, failures


def table(rows: List[Dict[str, Any]]) -> None:
    """Print the async rows as a Markdown table."""
    if not rows:
        return
    print()
    print("| workload | raw httpx (median) | halkit.AsyncClient (median) | ratio | CPU ratio | target |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['workload']} | {row['raw'] * 1000:.1f} ms | {row['halkit'] * 1000:.1f} ms | "
              f"{row['ratio']:.2f}x | {row['cpu_ratio']:.2f}x | <= {TARGET_RATIO:.2f}x |")


def main(argv: Optional[List[str]] = None) -> int:
    """Run only the async benchmarks (``python -m benchmarks`` runs them too); exit status 1 if a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.async_bench")
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller workloads")
    parser.add_argument("--only", nargs="*", default=None, help="workloads to run: W1 W2 W3 fanout")
    args = parser.parse_args(argv)
    chosen = {f"async-{n}" for n in (args.only or ["W1", "W2", "W3", "fanout"])}
    runs = 3 if args.quick else 7
    users = 2000 if args.quick else 10000
    repeat = 100 if args.quick else 500
    with serve(users) as base:
        import requests

        from . import workloads

        s = requests.Session()
        token = workloads.fetch_token(base, s)
        s.close()
        rows, failures = run(base, token, chosen, runs, users, repeat)
    table(rows)
    if failures:
        print("\nMISSED: " + "; ".join(failures))
        return 1
    print("\nall async targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
