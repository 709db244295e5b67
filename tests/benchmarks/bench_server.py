"""certline-server's cost: the same operations over HTTP and in-process, on the benchmark database.

    python -m tests.benchmarks.make_db                  # once: bench-data/bench.sqlite3
    python -m tests.benchmarks.bench_server [--db PATH] [--attaches 400] [--per-client 60] [--list-runs 3]

* attach: a fresh (serial, certificate) pair each time, i.e. a new attachment and its audit entry committed
  with synchronous=FULL. Over HTTP: ``POST /api/serials/{id}/attach-cert`` to a ``certline-server`` process
  (uvicorn, its default database threads, no access log), timed by the client from sending the request to
  the whole answer, on a kept-alive connection (``http.client``: a thin client, so its own cost stays out of
  the figure); with 1 client, then 16 clients at once, each on its own connection. In-process:
  ``app.attachments.attach`` in 1 thread, then 16 threads.
* list: ``cert_big``'s 100,000 attachments. Over HTTP: ``GET /api/certs/cert_big/attachments``, to the last
  byte, then parsed and counted (not timed). In-process: the server's own pages as JSON without HTTP
  (``app.server.streaming``), and ``app.attachments.attachments_of_certificate`` (records, no JSON).

* the million: a certificate with 1,000,000 attachments (made in a SQLite file of its own by one INSERT …
  SELECT per table, as tests/server makes its 200,000), listed over HTTP by a ``certline-server --threads 1``
  to a client that keeps nothing; the server's peak resident memory (VmHWM) before and after, against the
  bound tests/server holds the 200,000 to: 20 MiB, plus SQLite's page cache of the one connection.
  ``--no-million`` leaves it out (it takes about half a minute).

Ratio = HTTP / in-process: what the server adds. Targets: attach p95 under 5 ms with one client; the
100,000-attachment list under 1 s. The run adds valid attachments (as bench_core does) to random in-progress
serials and ordinary certificates; cert_big is only read. Exit status 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path as FilePath

os.environ.setdefault("CERTLINE_WORKSTATION", "bench-server")

from app import attachments, tokens  # noqa: E402
from app import db as app_db  # noqa: E402
from app.server import streaming  # noqa: E402
from tests.benchmarks.bench_core import pct, pick_attach_pairs  # noqa: E402
from tests.benchmarks.make_db import BIG_COUNT, BIG_ID, DEFAULT_PATH  # noqa: E402

REPO = FilePath(__file__).resolve().parents[2]
TOKEN_USER, ATTACH_USER = "admin", "op01"  # an administrator's token acts for an operator
TARGET_ATTACH_P95 = 0.005
TARGET_LIST = 1.0
PEER = "the open-source peer on this machine kind: 14.2 ms p95 to record one result, 9.3 s to list 100,000"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, db: str, log: FilePath, threads: int | None = None):
        self.port = free_port()
        self.log = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.server.main", "--db", db, "--port", str(self.port), "--no-access-log",
             "--log-level", "warning"] + (["--threads", str(threads)] if threads else []), cwd=REPO,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"certline-server did not start; see {log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


class Client:
    """One kept-alive connection; ``request`` returns (seconds, status, body)."""

    def __init__(self, port: int, secret: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[float, int, bytes]:
        payload = json.dumps(body).encode() if body is not None else None
        start = time.perf_counter()
        self.connection.request(method, path, body=payload, headers=self.headers)
        answer = self.connection.getresponse()
        data = answer.read()
        return time.perf_counter() - start, answer.status, data


def http_attaches(port: int, secret: str, pairs: list[tuple[str, str]], clients: int) -> list[float]:
    chunks = [pairs[i::clients] for i in range(clients)]
    start = threading.Barrier(clients)

    def run(chunk: list[tuple[str, str]]) -> list[float]:
        client = Client(port, secret)
        client.request("GET", f"/api/serials/{chunk[0][0]}")  # the connection made before timing
        start.wait()
        times = []
        for serial, cert in chunk:
            seconds, status, data = client.request("POST", f"/api/serials/{serial}/attach-cert",
                                                   {"certId": cert, "userId": ATTACH_USER})
            if status != 200:
                raise SystemExit(f"attach {serial} {cert}: {status} {data[:200]!r}")
            times.append(seconds)
        return times

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        return [t for times in pool.map(run, chunks) for t in times]


def local_attaches(pairs: list[tuple[str, str]], threads: int) -> list[float]:
    chunks = [pairs[i::threads] for i in range(threads)]
    start = threading.Barrier(threads)

    def run(chunk: list[tuple[str, str]]) -> list[float]:
        times = []
        start.wait()
        for serial, cert in chunk:
            began = time.perf_counter()
            attachments.attach(serial, cert, ATTACH_USER)
            times.append(time.perf_counter() - began)
        app_db.close_database()  # this thread's connection
        return times

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return [t for times in pool.map(run, chunks) for t in times]


def http_list(port: int, secret: str) -> float:
    seconds, status, data = Client(port, secret).request("GET", f"/api/certs/{BIG_ID}/attachments")
    listed = json.loads(data)
    if status != 200 or len(listed) != BIG_COUNT:
        raise SystemExit(f"the list of {BIG_ID}: {status}, {len(listed)} rows")
    return seconds


def local_json_list() -> float:
    start = time.perf_counter()
    rows = streaming._open(BIG_ID)
    parts, last = [], False
    while not last:
        chunk, last = streaming._page(rows)
        parts.append(chunk)
    body = b"[" + b",".join(part for part in parts if part) + b"]"
    seconds = time.perf_counter() - start
    assert len(json.loads(body)) == BIG_COUNT
    return seconds


def local_records_list() -> float:
    start = time.perf_counter()
    found = attachments.attachments_of_certificate(BIG_ID)
    seconds = time.perf_counter() - start
    assert len(found) == BIG_COUNT
    return seconds


MILLION = 1_000_000
MEMORY_BOUND = 20 * 1024 * 1024  # as tests/server/test_server_processes.py
SQLITE_CACHE = -app_db.SQLITE_PRAGMAS["cache_size"] * 1024


def peak_rss(pid: int) -> int:
    for text in FilePath(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("VmHWM:"):
            return int(text.split()[1]) * 1024
    raise SystemExit("no VmHWM in /proc: the million's memory is measured on Linux")


def streamed(port: int, secret: str, path: str) -> tuple[float, int, int]:
    """(seconds, rows, bytes) of a list read to its end and kept nowhere."""
    client = Client(port, secret)
    start = time.perf_counter()
    client.connection.request("GET", path, headers=client.headers)
    answer = client.connection.getresponse()
    if answer.status != 200 or answer.getheader("content-length") is not None:
        raise SystemExit(f"{path}: {answer.status}, content-length {answer.getheader('content-length')}")
    rows, size, tail, first = 0, 0, b"", b""
    while chunk := answer.read(1 << 16):
        first = first or chunk[:2]
        window = tail + chunk
        rows += window.count(b'"serialId":')
        tail = window[-10:]  # shorter than the marker: a marker split between two reads is counted once
        size += len(chunk)
    if (first, tail[-2:]) != (b"[{", b"}]"):
        raise SystemExit(f"{path}: not one JSON array of objects")
    return time.perf_counter() - start, rows, size


def million(workdir: FilePath) -> tuple[float, int, int, int]:
    """(seconds, rows, bytes, the server's peak memory growth) for the list of a certificate of 1,000,000."""
    from app import certificates
    from tests.helpers.plant import build_plant
    from tests.server.conftest import bulk_attachments
    path = str(workdir / "million.sqlite3")
    app_db.open_database(path)
    try:
        build_plant()
        certificates.create_certificate({"id": "cert_heat", "name": "Mill test report, heat 24-0815",
                                         "kind": "MATERIAL", "number": "H24-0815"}, "admin")
        bulk_attachments("cert_mat01", 10_000, "SN-W")
        bulk_attachments("cert_heat", MILLION)
        _, secret = tokens.create_token("sup1", "bench_server million", "admin", scopes="read")
    finally:
        app_db.close_database()
    server = Server(path, workdir / "million-server.log", threads=1)
    try:
        for _ in range(2):  # warm: a list of two pages
            streamed(server.port, secret, "/api/certs/cert_mat01/attachments")
        before = peak_rss(server.process.pid)
        seconds, rows, size = streamed(server.port, secret, "/api/certs/cert_heat/attachments")
        grown = peak_rss(server.process.pid) - before
    finally:
        server.stop()
    if rows != MILLION:
        raise SystemExit(f"the million's list had {rows} rows")
    return seconds, rows, size, grown


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def line(name: str, http: list[float], local: list[float], target: str = "") -> None:
    h50, h95, l50, l95 = pct(http, 0.5), pct(http, 0.95), pct(local, 0.5), pct(local, 0.95)
    print(f"{name:<34} {ms(h50):>10} {ms(h95):>10}   {ms(l50):>10} {ms(l95):>10}   {h50 / l50:5.1f}x {h95 / l95:5.1f}x"
          f"   {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_server", description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=str(DEFAULT_PATH), help=f"default: {DEFAULT_PATH}")
    parser.add_argument("--attaches", type=int, default=400, help="attaches with one client (and in one thread)")
    parser.add_argument("--per-client", type=int, default=60, help="attaches per client of 16 (and per thread)")
    parser.add_argument("--list-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--no-million", action="store_true", help="leave out the list of 1,000,000")
    args = parser.parse_args(argv)
    if not FilePath(args.db).exists():
        raise SystemExit(f"No benchmark database at {args.db}: python -m tests.benchmarks.make_db first")
    app_db.open_database(args.db)  # migrates it first, where this version's schema is newer
    _, secret = tokens.create_token(TOKEN_USER, "bench_server", TOKEN_USER, expires_days=1, scopes="read,attach")
    raw = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rng = random.Random(args.seed)
    pairs = pick_attach_pairs(raw, rng, 2 * (args.attaches + 16 * args.per_client) + 40)
    raw.close()
    take = lambda n: [pairs.pop() for _ in range(n)]  # noqa: E731
    print(f"certline-server vs in-process, {args.db}; load average {os.getloadavg()[0]:.2f}; seed {args.seed}")
    local_attaches(take(20), 1)  # warm the file's pages and the code
    server = Server(args.db, FilePath("/tmp") / f"bench_server-{os.getpid()}.log")
    try:
        http_attaches(server.port, secret, take(20), 1)
        http_one = http_attaches(server.port, secret, take(args.attaches), 1)
        local_one = local_attaches(take(args.attaches), 1)
        started = time.perf_counter()
        http_many = http_attaches(server.port, secret, take(16 * args.per_client), 16)
        http_rate = len(http_many) / (time.perf_counter() - started)
        started = time.perf_counter()
        local_many = local_attaches(take(16 * args.per_client), 16)
        local_rate = len(local_many) / (time.perf_counter() - started)
        http_lists = [http_list(server.port, secret) for _ in range(args.list_runs)]
    finally:
        server.stop()
    json_lists = [local_json_list() for _ in range(args.list_runs)]
    record_lists = [local_records_list() for _ in range(args.list_runs)]
    print(f"\n{'':<34} {'HTTP p50':>10} {'p95':>10}   {'in-proc p50':>10} {'p95':>10}   ratio p50/p95")
    attach_p95 = pct(http_one, 0.95)
    list_p50 = pct(http_lists, 0.5)
    line("attach, 1 client", http_one, local_one,
         f"target p95 < 5 ms: {'ok' if attach_p95 < TARGET_ATTACH_P95 else 'MISSED'}")
    line("attach, 16 clients at once", http_many, local_many,
         f"{http_rate:.0f}/s over HTTP, {local_rate:.0f}/s in-process")
    line(f"list {BIG_COUNT:,} attachments (JSON)", http_lists, json_lists,
         f"target < 1 s: {'ok' if list_p50 < TARGET_LIST else 'MISSED'}")
    print(f"{'  in-process as records, no JSON':<34} {'':>10} {'':>10}   {ms(pct(record_lists, 0.5)):>10} "
          f"{ms(pct(record_lists, 0.95)):>10}")
    grown, bound = 0, MEMORY_BOUND + SQLITE_CACHE
    if not args.no_million:
        app_db.close_database()
        with tempfile.TemporaryDirectory(prefix="bench_server-") as workdir:
            seconds, rows, size, grown = million(FilePath(workdir))
        print(f"{f'list {rows:,} attachments (JSON)':<34} {ms(seconds):>10}   {size / 2**20:.0f} MiB sent; the server's "
              f"peak memory grew {grown / 2**20:.1f} MiB, bound {bound / 2**20:.0f} MiB "
              f"(20 + SQLite's page cache): {'ok' if grown < bound else 'MISSED'}")
    print(f"\nFor scale, {PEER}. Load average {os.getloadavg()[0]:.2f}.")
    return 0 if attach_p95 < TARGET_ATTACH_P95 and list_p50 < TARGET_LIST and grown < bound else 1


if __name__ == "__main__":
    sys.exit(main())
