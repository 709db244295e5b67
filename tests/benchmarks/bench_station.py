"""Benchmark of the operator station: scan-to-card time, from the Enter key event to the card painted.

    python -m tests.benchmarks.make_db                     # once: bench-data/bench.sqlite3
    python -m tests.benchmarks.bench_station [--db PATH] [--scans 300]

Opens the real station window off-screen at 1280x800 on the benchmark database, signs in
with an operator's badge through the scan field, then scans random serials: the keys of
each serial id and Enter go into the scan field as QTest key events, and the time runs
from the moment the scan field handles the Enter key event (``ScanField.terminated_at``)
to the first paint of the serial's card (``StationWindow.card_painted``). In between:
the scan crosses to the database worker thread, is read and classified
(``app.scan``), the serial is loaded with its route and attachments
(``app.serials.get_serial``), comes back to the GUI thread, and the card is built and
painted. The target is p95 under 50 ms. The run reads only; the file is not changed.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.screenshots import wait_for  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DB = REPO / "bench-data" / "bench.sqlite3"
TARGET_MS = 50.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def sample(path: Path, count: int, seed: int) -> tuple[str, list[str], int]:
    """An operator badge without a PIN, ``count`` random serial ids, and how many serials there are."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT badge FROM user WHERE role = 'operator' AND active AND id NOT IN (SELECT user_id FROM user_pin) "
                          "ORDER BY id LIMIT 1").fetchone()
        if row is None:
            raise SystemExit("The database has no active operator without a PIN to sign in with")
        top = con.execute("SELECT max(rowid) FROM serial").fetchone()[0] or 0
        total = con.execute("SELECT count(*) FROM serial").fetchone()[0]
        rng = random.Random(seed)
        ids: list[str] = []
        while len(ids) < count and top:
            rowids = [rng.randint(1, top) for _ in range(count - len(ids))]
            marks = ",".join("?" * len(rowids))
            ids += [r[0] for r in con.execute(f"SELECT id FROM serial WHERE rowid IN ({marks})", rowids)]
        rng.shuffle(ids)
        return row[0], ids[:count], total
    finally:
        con.close()


def warm(path: Path) -> float:
    """Read the file once so that the OS page cache holds it, as on a station that has run a while."""
    started = time.perf_counter()
    for name in (path, path.with_name(path.name + "-wal")):
        if name.exists():
            with open(name, "rb") as handle:
                while handle.read(16 * 1024 * 1024):
                    pass
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_station",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20, help="scans before timing starts")
    parser.add_argument("--seed", type=int, default=4711)
    parser.add_argument("--no-warm", action="store_true", help="do not read the file into the page cache first")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"No benchmark database at {args.db}: make it with  python -m tests.benchmarks.make_db  "
              f"(or give --db PATH)", file=sys.stderr)
        return 2

    from app.db import describe
    from ui.settings import StationSettings
    from ui.station import StationWindow

    badge, serial_ids, total = sample(args.db, args.scans + args.warmup, args.seed)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    print(f"station benchmark on {describe(str(args.db))}: {total:,} serials; "
          f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"load {load[0]:.2f}")
    if not args.no_warm:
        print(f"page cache warmed in {warm(args.db):.1f} s")

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = StationWindow(str(args.db), StationSettings(sounds=False, result_seconds=5))
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    wait_for(window.users_loaded, 60_000)
    QTest.keyClicks(window.scan_field, badge)
    QTest.keyClick(window.scan_field, Qt.Key.Key_Return)
    wait_for(window.signed_in)

    handled: list[float] = []
    window.scan_handled.connect(lambda kind: handled.append(time.perf_counter()))
    painted_ms: list[float] = []
    handled_ms: list[float] = []
    steps_shown: list[int] = []
    for number, serial_id in enumerate(serial_ids):
        handled.clear()
        QTest.keyClicks(window.scan_field, serial_id)
        QTest.keyClick(window.scan_field, Qt.Key.Key_Return)
        (elapsed,) = wait_for(window.card_painted)
        if number < args.warmup:
            continue
        if window.serial is None or window.serial.id != serial_id:
            print(f"scan of {serial_id} showed {window.serial.id if window.serial else 'nothing'}", file=sys.stderr)
            return 1
        painted_ms.append(elapsed * 1000)
        handled_ms.append((handled[0] - window.scan_field.terminated_at) * 1000 if handled else float("nan"))
        steps_shown.append(sum(len(s.attachments) for s in window.serial.steps))
    window.close()
    app.processEvents()

    p50, p95 = statistics.median(painted_ms), percentile(painted_ms, 0.95)
    print(f"{len(painted_ms)} scans of random serials (average {statistics.mean(steps_shown):.1f} attachments "
          f"on a card, at most {max(steps_shown)})")
    print(f"  read, classified and loaded (Enter -> card built): p50 {statistics.median(handled_ms):6.1f} ms   "
          f"p95 {percentile(handled_ms, 0.95):6.1f} ms")
    print(f"  scan-to-card (Enter -> card painted):              p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   "
          f"max {max(painted_ms):6.1f} ms")
    verdict = "met" if p95 < TARGET_MS else "MISSED"
    print(f"  target: p95 under {TARGET_MS:.0f} ms -> {verdict} ({p95:.1f} ms)")
    return 0 if p95 < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
