"""Benchmark of issue "The supervisor's views": a certificate with 1,000,000 attachments.

    python -m tests.benchmarks.make_db            # once: bench-data/bench.sqlite3 (cert_huge: 1,000,000)
    python -m tests.benchmarks.bench_reports [--db PATH] [--cert cert_huge] [--skip-scroll] [--csv-runs 3]

In one process, off-screen, through the same worker, operations and model as the
Certificate attachments tab (ui/office/attachments.py, ui/paged_model.py):

* first page painted: from ``model.reset()`` (a new query, its count beside it) to the
  table's viewport repainted with page one; the first (cold) run and the median of 5;
* scrolling to the end: from page one on screen, the scroll bar dragged to the bottom. The
  view calls ``fetchMore`` when its scroll bar reaches the end of what is loaded; the model
  then asks for page two and for where every page starts (``attachment_page_index``), and
  puts every row in ``rowCount``; the view goes to the bottom, and the clock stops when the
  last rows are read and painted. Timed from a fresh query (``reset``) too, page one included;
* a drag through the whole table in 50 steps, each waiting for the rows in view to be painted;
* memory: the process's resident set (VmRSS) before the model and after the scrolling;
* CSV: the streamed export of every row (``office_export_csv`` in the worker), beside the
  plain ``sqlite3`` command-line shell writing the same rows (same joins, same order) to
  CSV, in turn, ``--csv-runs`` times (3); each ratio with the load average, then the medians
  (the ratio's target: 1.3x).

Each figure is printed beside its floor; the exit status is 1 if one is missed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CERTLINE_WORKSTATION", "bench-reports")

from PySide6.QtCore import QEventLoop, QModelIndex, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402

from app import reports  # noqa: E402
from app.queries import audit_views  # noqa: E402
from ui import operations  # noqa: E402
from ui.screenshots import wait_for  # noqa: E402
from tests.benchmarks.make_db import DEFAULT_PATH  # noqa: E402

FIRST_PAGE_FLOOR_MS = 150.0
SCROLL_FLOOR_S = 2.0
RSS_FLOOR_MB = 150.0
CSV_FLOOR_S = 10.0
CSV_RATIO_TARGET = 1.3  # app/raw, the median of the runs

RAW_SQL = ("SELECT a.id, a.serial_id, a.cert_id, a.step_id, a.attached_at, a.attached_by, s.job_id, st.name, u.name "
           "FROM cert_attachment a JOIN serial s ON s.id = a.serial_id JOIN step st ON st.id = a.step_id "
           "JOIN user u ON u.id = a.attached_by WHERE a.cert_id = '{cert}' "
           "ORDER BY a.attached_at, a.serial_id, a.step_id;")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait(signal, timeout_ms: int = 120_000) -> list:
    return wait_for(signal, timeout_ms)  # a large query's page may take long


def call(database, operation, *args, timeout_ms: int = 300_000):
    """Submit to the worker and run the event loop until it answers."""
    loop = QEventLoop()
    box: dict = {}

    def done(result):
        box["result"] = result
        loop.quit()

    def failed(failure):
        box["failure"] = failure
        loop.quit()

    database.submit(operation, *args, on_done=done, on_failed=failed)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    if "failure" in box:
        raise RuntimeError(box["failure"].message)
    return box["result"]


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_reports")
    parser.add_argument("--db", default=str(DEFAULT_PATH))
    parser.add_argument("--cert", default="cert_huge")
    parser.add_argument("--skip-scroll", action="store_true")
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument("--csv-runs", type=int, default=3, help="exports, each beside a raw sqlite3 one (default 3)")
    args = parser.parse_args(argv)
    if not Path(args.db).exists():
        print(f"{args.db} is missing: python -m tests.benchmarks.make_db", file=sys.stderr)
        return 2

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from ui.office.attachments import ATTACHMENT_COLUMNS
    from ui.office.common import CACHE_ROWS, MAX_PAGE_SIZE, style_table
    from ui.paged_model import PagedModel
    from ui.worker import DatabaseWorker

    print(f"load average {os.getloadavg()[0]:.2f}; {args.db}; certificate {args.cert}")
    database = DatabaseWorker(args.db)
    call(database, operations.open_database, args.db)
    query = reports.AttachmentQuery(args.cert)
    table = QTableView()  # as the Certificate attachments tab sets its table up
    style_table(table)
    table.resize(1200, 800)
    table.show()
    rss_before = rss_mb()
    model = PagedModel(database, reports.attachment_page, (query,), ATTACHMENT_COLUMNS,
                       count_operation=reports.count_attachments, count_args=(query,), start=False,
                       max_page_size=MAX_PAGE_SIZE, cache_rows=CACHE_ROWS,
                       index_operation=reports.attachment_page_index)
    table.setModel(model)
    missed = False

    first_ms = []
    for _ in range(6):
        started = time.perf_counter()
        model.reset()
        wait(model.page_loaded)
        table.viewport().repaint()
        first_ms.append((time.perf_counter() - started) * 1000)
        if model.count is None:
            wait(model.count_changed)  # not timed: the next reset should not queue behind this count
    if model.count is None:
        wait(model.count_changed)
    warm = statistics.median(first_ms[1:])
    ok = first_ms[0] < FIRST_PAGE_FLOOR_MS and warm < FIRST_PAGE_FLOOR_MS
    missed |= not ok
    print(f"first page painted     cold {first_ms[0]:8.1f} ms, median of 5 {warm:6.1f} ms   "
          f"floor {FIRST_PAGE_FLOOR_MS:.0f} ms   {verdict(ok)}   (count {model.count:,})")

    if not args.skip_scroll:
        def painted_at(row: int) -> None:
            """Wait until the row is read (its page arrives as dataChanged), then paint the view."""
            while model.row_at(row) is None:
                wait(model.dataChanged)
            table.viewport().repaint()

        def scroll_to_end() -> None:
            while model.canFetchMore(QModelIndex()):  # the view at the end of what is loaded
                model.fetchMore(QModelIndex())
                wait(model.all_reachable)
            table.scrollToBottom()
            table.viewport().repaint()  # asks for the last page
            painted_at(model.rowCount() - 1)

        started = time.perf_counter()
        scroll_to_end()
        scroll_s = time.perf_counter() - started
        ok = scroll_s < SCROLL_FLOOR_S and model.rowCount() == model.count
        missed |= not ok
        print(f"scroll to the end      {scroll_s * 1000:8.1f} ms ({model.rowCount():,} rows)   "
              f"floor {SCROLL_FLOOR_S:.0f} s   {verdict(ok)}")
        started = time.perf_counter()
        model.reset()
        wait(model.page_loaded)
        table.viewport().repaint()
        scroll_to_end()
        whole_s = time.perf_counter() - started
        ok = whole_s < SCROLL_FLOOR_S
        missed |= not ok
        print(f"  from a fresh query   {whole_s * 1000:8.1f} ms (page one, then the scroll)   "
              f"floor {SCROLL_FLOOR_S:.0f} s   {verdict(ok)}")
        started = time.perf_counter()
        bar = table.verticalScrollBar()
        for step in range(51):
            bar.setValue(bar.maximum() * step // 50)
            table.viewport().repaint()
            painted_at(table.rowAt(0))
        drag_s = time.perf_counter() - started
        print(f"drag top to bottom     {drag_s * 1000:8.1f} ms in 50 steps ({drag_s * 20:.1f} ms a step), "
              f"rows read at the last step {table.rowAt(0):,}")
        growth = rss_mb() - rss_before
        ok = growth < RSS_FLOOR_MB
        missed |= not ok
        print(f"RSS growth             {growth:8.1f} MB (from {rss_before:.0f} MB)   floor {RSS_FLOOR_MB:.0f} MB   "
              f"{verdict(ok)}")
        model.clear()

    if not args.skip_csv:
        missed |= not bench_csv(database, args.db, args.cert, args.csv_runs)
    database.stop()
    print(f"load average {os.getloadavg()[0]:.2f}")
    app.processEvents()
    return 1 if missed else 0


def bench_csv(database, db_path: str, cert_id: str, runs: int = 3) -> bool:
    """The streamed export of every row beside the sqlite3 shell writing the same, ``runs`` times in turn
    (each to a new file), so each ratio is of two runs under the same load; True if within the floors."""
    app_s, raw_s, ratios = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            target = Path(folder) / f"attachments-{run}.csv"
            started = time.perf_counter()
            result = call(database, audit_views.export_csv, "attachments", {"cert_id": cert_id}, str(target),
                          audit_views.ExportJob())
            app_s.append(time.perf_counter() - started)
            raw_target = Path(folder) / f"raw-{run}.csv"
            started = time.perf_counter()
            with open(raw_target, "w") as handle:
                subprocess.run(["sqlite3", "-readonly", "-csv", "-header", db_path, RAW_SQL.format(cert=cert_id)],
                               stdout=handle, check=True)
            raw_s.append(time.perf_counter() - started)
            ratios.append(app_s[-1] / raw_s[-1])
            raw_rows = sum(1 for _ in open(raw_target)) - 1
            size, raw_size = target.stat().st_size / 2**20, raw_target.stat().st_size / 2**20
            target.unlink()
            raw_target.unlink()
            print(f"CSV export, run {run + 1}      {app_s[-1]:8.2f} s  ({result.rows:,} rows, {size:.0f} MiB)   "
                  f"raw sqlite3 -csv {raw_s[-1]:.2f} s ({raw_rows:,} rows, {raw_size:.0f} MiB)   "
                  f"app/raw {ratios[-1]:.2f}x   load {os.getloadavg()[0]:.2f}")
            if result.rows != raw_rows:
                print(f"  rows differ: {result.rows:,} written, {raw_rows:,} by sqlite3")
                return False
    app_median, ratio = statistics.median(app_s), statistics.median(ratios)
    ok = app_median < CSV_FLOOR_S
    ratio_ok = ratio <= CSV_RATIO_TARGET
    print(f"CSV export             {app_median:8.2f} s median of {runs}   floor {CSV_FLOOR_S:.0f} s   {verdict(ok)}")
    print(f"  beside raw sqlite3   {statistics.median(raw_s):8.2f} s median; app/raw median {ratio:.2f}x "
          f"(runs {', '.join(f'{r:.2f}' for r in ratios)})   target {CSV_RATIO_TARGET}x   {verdict(ratio_ok)}")
    return ok and ratio_ok


if __name__ == "__main__":
    sys.exit(main())
