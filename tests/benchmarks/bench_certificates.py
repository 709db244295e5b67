"""Benchmark of issue "Certificates and their documents": the list filter and storing a document.

    python -m tests.benchmarks.make_db                     # once: bench-data/bench.sqlite3 (20,000 certificates)
    python -m tests.benchmarks.bench_certificates [--db PATH]

* filter keystroke: what the certificate list asks of the database on each key typed into
  its filter — the first page (``app.queries.certificates.page``, read by key) and the count —
  for every prefix of a few things people type (a name, an id, an issuer number); p50/p95
  against the 50 ms floor, beside the same two SELECTs on a plain sqlite3 connection;
* first page: the list opened sorted by each of its columns, no filter (median of 5 each);
* scrolling: every page of the whole list sorted by name, each read after the one before
  (the key of its last row), as the table asks while it is scrolled to the end; the last
  page must cost about what the first does (an OFFSET would read all the rows before it);
* document: a 10 MiB PDF validated by its bytes, hashed, written to the document folder
  (fsync) and recorded with its audit entry (``add_document_bytes``) on a fresh SQLite
  database with synchronous=FULL; against the 300 ms floor, beside the raw work
  (sha256 + write + fsync) as the floor.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path as FilePath

os.environ.setdefault("CERTLINE_WORKSTATION", "bench-certificates")

from app import certificates, db, documents  # noqa: E402
from app.certificates import CertificateQuery  # noqa: E402
from app.queries import certificates as queries  # noqa: E402
from tests.benchmarks.make_db import DEFAULT_PATH  # noqa: E402
from tests.helpers import documents_corpus as corpus  # noqa: E402
from tests.helpers.plant import build_plant  # noqa: E402

PAGE = 200
TYPED = ("Material certificate 1234", "cert_01234", "N-0001234", "calibration")
KEYSTROKE_FLOOR_MS = 50.0
DOCUMENT_FLOOR_MS = 300.0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def bench_keystrokes(path: str) -> tuple[list[float], list[float]]:
    db.open_database(path)
    raw = sqlite3.connect(path)
    app_ms, raw_ms = [], []
    try:
        for text in TYPED:
            for end in range(1, len(text) + 1):
                typed = text[:end]
                started = time.perf_counter()
                query = CertificateQuery(text=typed)
                queries.page(query, None, PAGE)
                certificates.count_certificates(query)
                app_ms.append((time.perf_counter() - started) * 1000)
                pattern = f"%{typed}%"
                started = time.perf_counter()
                raw.execute("SELECT * FROM certificate WHERE id LIKE ? OR name LIKE ? OR number LIKE ? "
                            "ORDER BY id LIMIT ?", (pattern, pattern, pattern, PAGE)).fetchall()
                raw.execute("SELECT count(*) FROM certificate WHERE id LIKE ? OR name LIKE ? OR number LIKE ?",
                            (pattern, pattern, pattern)).fetchone()
                raw_ms.append((time.perf_counter() - started) * 1000)
    finally:
        raw.close()
        db.close_database()
    return app_ms, raw_ms


SORTS = ("id", "name", "kind", "number", "date_expire", "status", "review_status")


def bench_first_pages(path: str) -> dict[str, float]:
    """The median time of page one in each sort the list offers, no filter."""
    db.open_database(path)
    try:
        medians = {}
        for sort in SORTS:
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                queries.page(CertificateQuery(sort=sort), None, PAGE)
                runs.append((time.perf_counter() - started) * 1000)
            medians[sort] = statistics.median(runs)
        return medians
    finally:
        db.close_database()


def bench_scroll(path: str) -> list[float]:
    """Each page's time, reading the whole list sorted by name page after page."""
    db.open_database(path)
    try:
        times, after = [], None
        query = CertificateQuery(sort="name")
        while True:
            started = time.perf_counter()
            page = queries.page(query, after, PAGE)
            times.append((time.perf_counter() - started) * 1000)
            if page.after is None:
                return times
            after = page.after
    finally:
        db.close_database()


def bench_document(runs: int = 10) -> tuple[list[float], list[float]]:
    app_ms, raw_ms = [], []
    with tempfile.TemporaryDirectory(prefix="certline-bench-docs-") as folder:
        os.environ["CERTLINE_DOCUMENTS"] = str(FilePath(folder) / "documents")
        db.open_database(str(FilePath(folder) / "docs.sqlite3"))
        try:
            build_plant()
            size = documents.MAX_FILE_SIZE_BYTES
            for run in range(runs):
                # Distinct bytes each time, else the content-addressed store would skip the write.
                data = corpus.pdf(size=size, noise=random.Random())  # a real PDF, as incompressible as a scan
                started = time.perf_counter()
                documents.add_document_bytes("cert_mat01", data, f"mill test report {run}.pdf", "sup1")
                app_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()

                digest = hashlib.sha256(data).hexdigest()
                target = FilePath(folder) / f"raw-{digest}"
                with open(target, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                raw_ms.append((time.perf_counter() - started) * 1000)
        finally:
            db.close_database()
    return app_ms, raw_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(DEFAULT_PATH), help="the benchmark database (make_db makes it)")
    args = parser.parse_args(argv)
    if not FilePath(args.db).exists():
        print(f"{args.db} does not exist; run: python -m tests.benchmarks.make_db", file=sys.stderr)
        return 2
    db.open_database(args.db)
    total = certificates.count_certificates()
    db.close_database()
    keys_app, keys_raw = bench_keystrokes(args.db)
    first_pages = bench_first_pages(args.db)
    scroll = bench_scroll(args.db)
    doc_app, doc_raw = bench_document()
    print(f"certificates in {args.db}: {total:,}; {len(keys_app)} keystrokes; 10 documents of 10 MiB")
    print(f"{'operation':<34} {'p50':>9} {'p95':>9} {'raw p95':>9} {'ratio':>6} {'floor':>9}  result")
    rows = [("filter keystroke (page + count)", keys_app, keys_raw, KEYSTROKE_FLOOR_MS),
            ("10 MiB document validated+stored", doc_app, doc_raw, DOCUMENT_FLOOR_MS)]
    failed = False
    for name, app_ms, raw_ms, floor in rows:
        p50, p95, raw95 = percentile(app_ms, 0.5), percentile(app_ms, 0.95), percentile(raw_ms, 0.95)
        ok = p95 < floor
        failed |= not ok
        print(f"{name:<34} {p50:>7.1f}ms {p95:>7.1f}ms {raw95:>7.1f}ms {p95 / raw95:>5.1f}x {floor:>7.0f}ms  "
              f"{'PASS' if ok else 'FAIL'}")
    print(f"mean keystroke {statistics.mean(keys_app):.1f} ms")
    print("first page (median of 5), by sort: "
          + ", ".join(f"{sort} {ms:.1f} ms" for sort, ms in first_pages.items()))
    print(f"scrolling sorted by name: {len(scroll)} pages of {PAGE}; first {scroll[0]:.1f} ms, "
          f"median {statistics.median(scroll):.1f} ms, last {scroll[-1]:.1f} ms, all {sum(scroll) / 1000:.2f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
