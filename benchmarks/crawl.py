"""The crawl with workers, and its memory: ``python -m benchmarks.crawl [--users N] [--max-resources N]``.

Starts the ChatKitty emulator in its own process with ``--latency`` seconds
added to every API answer (20 ms by default, an emulator stall fault), then:

* speed: crawls it (``chatkitty`` profile) with 1 worker and with 8, each in
  a fresh interpreter, checks that both reports are identical (all but the
  seconds), and prints both times and the speed-up; then the same with the
  async crawl (:mod:`halkit.aio.crawl`, when httpx is installed; skip it
  with ``--skip-async``), whose reports must match the sync ones;
* memory: the peak RSS (``VmHWM``, which a fresh interpreter does not inherit)
  of a crawl of ``--users`` users, and with ``--memory-users`` users too;
* hostile (``--hostile``): the peak traced heap of a crawl with
  ``max_resources=12`` of pages that each link 100,000 new URLs.

Absolute times depend on the machine; the speed-up is what to compare.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any, Dict, List, Tuple

_EMULATOR = r"""
import sys, threading
from halkit.emulator import Emulator
users, latency = int(sys.argv[1]), float(sys.argv[2])
emu = Emulator(users=users, channels=2, messages_per_channel=1)
emu.start()
if latency:
    emu.faults.stall(latency, path=r"^/v1", times=None)
print(emu.entry_url, emu.token_url, emu.client_id, emu.client_secret, flush=True)
sys.stdin.read()
emu.stop()
"""

_CRAWL = r"""
import asyncio, json, sys, time
from halkit.cli.connect import ClientOptions, make_async_client, make_client
entry, token, cid, secret, workers, limit, kind = sys.argv[1:8]
options = ClientOptions(url=entry, profile="chatkitty", client_id=cid, client_secret=secret, token_url=token)
settings = dict(max_resources=int(limit), workers=int(workers))
if kind == "async":
    from halkit.aio.crawl import crawl as crawl_async
    async def main():
        async with make_async_client(options) as client:
            started = time.monotonic()
            report = await crawl_async(client, **settings)
            return report, time.monotonic() - started
    report, seconds = asyncio.run(main())
else:
    from halkit.crawl import crawl
    with make_client(options) as client:
        started = time.monotonic()
        report = crawl(client, **settings)
        seconds = time.monotonic() - started
peak = 0
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1])
out = report.to_dict()
out.pop("seconds")
print(json.dumps({"seconds": seconds, "peak_kib": peak, "report": out}), flush=True)
"""


_HOSTILE = r"""
import json, sys, threading, tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import halkit
from halkit.crawl import crawl
width = int(sys.argv[1])
pages = {}
for n in range(12):
    links = [{"href": f"/p{n}/{i}"} for i in range(width)]
    pages[f"/p{n}"] = json.dumps({"_links": {"self": {"href": f"/p{n}"}, "item": links}}).encode()
pages["/"] = json.dumps({"_links": {"self": {"href": "/"}, "page": [{"href": f"/p{n}"} for n in range(12)]}}).encode()
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        body = pages.get(self.path, b'{"_links": {}}')
        self.send_response(200)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
with halkit.Client(f"http://127.0.0.1:{server.server_address[1]}/", retries=0) as client:
    tracemalloc.start()
    report = crawl(client, max_resources=12)
    peak = tracemalloc.get_traced_memory()[1]
server.shutdown()
print(json.dumps({"peak": peak, "resources": report.total, "truncated": report.truncated}))
"""


def _emulator(users: int, latency: float) -> Tuple["subprocess.Popen[str]", List[str]]:
    process = subprocess.Popen([sys.executable, "-c", _EMULATOR, str(users), str(latency)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().split()


def _crawl(urls: List[str], workers: int, limit: int, kind: str = "sync") -> Dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _CRAWL, *urls, str(workers), str(limit), kind],
                          capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def _has_async() -> bool:
    import importlib.util

    return importlib.util.find_spec("httpx") is not None


def main() -> int:
    """Run the crawl benchmark; print the times, the speed-up and the peak memory."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crawl", description=__doc__)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--memory-users", type=int, default=100000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--max-resources", type=int, default=3000,
                        help="resources per speed run (a full crawl of 10,000 users is ~31,000)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-async", action="store_true", help="no async crawl in the speed runs")
    parser.add_argument("--memory-max-resources", type=int, default=10 ** 7,
                        help="resources per memory run (default: the whole API)")
    parser.add_argument("--hostile", action="store_true", help="only the hostile-frontier measurement")
    args = parser.parse_args()
    if args.hostile:
        done = subprocess.run([sys.executable, "-c", _HOSTILE, "100000"], capture_output=True, text=True, check=True)
        result = json.loads(done.stdout)
        print(f"hostile frontier: pages of 100,000 new URLs, max_resources=12: {result['resources']} resources, "
              f"peak traced heap {result['peak'] / 2**20:.1f} MiB")
        return 0

    same = True
    if not args.skip_speed:
        process, urls = _emulator(args.users, args.latency)
        runs = {}
        try:
            for kind in ("sync", "async") if (_has_async() and not args.skip_async) else ("sync",):
                runs[kind] = [_crawl(urls, workers, args.max_resources, kind) for workers in (1, args.workers)]
        finally:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(30)
        one = runs["sync"][0]
        print(f"crawl of {one['report']['resources']} resources ({args.users} users, "
              f"{args.latency * 1000:.0f} ms latency):")
        for kind, (one, many) in runs.items():
            same = same and one["report"] == many["report"]
            print(f"  {kind}, 1 worker:  {one['seconds']:.2f} s")
            print(f"  {kind}, {args.workers} workers: {many['seconds']:.2f} s")
            print(f"  {kind}, speed-up:  {one['seconds'] / many['seconds']:.2f}x, "
                  f"identical reports: {one['report'] == many['report']}", flush=True)
        if "async" in runs:
            twins = runs["sync"][0]["report"] == runs["async"][0]["report"]
            same = same and twins
            print(f"  async and sync reports identical: {twins}", flush=True)
    if not args.skip_memory:
        for users in (args.users, args.memory_users):
            process, urls = _emulator(users, 0.0)
            try:
                started = time.monotonic()
                full = _crawl(urls, args.workers, args.memory_max_resources)
            finally:
                assert process.stdin is not None
                process.stdin.close()
                process.wait(60)
            print(f"  crawl of {users} users: {full['report']['resources']} resources, "
                  f"peak RSS {full['peak_kib'] / 1024:.1f} MiB, {time.monotonic() - started:.1f} s", flush=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
