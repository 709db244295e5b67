"""What live screens cost the station: its attach time and its idle CPU, with the change watcher and without.

    python -m tests.benchmarks.bench_live [--attaches 150] [--idle 30] [--rounds 2] [--postgres]

Makes the demo plant in a temporary SQLite file (and, with ``--postgres``, in a throwaway PostgreSQL
cluster started with initdb/pg_ctl), then runs the real station off-screen in a child process per
measurement, alternately with the watcher switched off (``LiveCard`` never starts it) and on:

- attach: a serial and a certificate scanned into the scan field, then Enter; the time runs from the
  Enter key event to the banner's answer (``result_shown``), p50 and p95 over ``--attaches`` attaches;
- idle: the station signed in with SN-00001 on its card, left alone for ``--idle`` seconds; the
  process's CPU time over that span (every thread: the GUI, the database worker and the watcher),
  and on Linux the watcher thread's own (/proc/self/task).

The figures depend on what else runs on the machine: the load average is printed beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CERTIFICATES = ("cert_cal01", "cert_cal02", "cert_proc01", "cert_proc02", "cert_insp01", "cert_coc01")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def child(url: str, live: bool, attaches: int, idle: float, start: int) -> dict:
    """One station, in this process: the measurements as a dict."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui.screenshots import wait_for
    from ui.settings import StationSettings
    from ui.station import StationWindow
    from ui.station.live import LiveCard

    if not live:
        LiveCard._on_database_opened = lambda self, description: None  # the station as it was before
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = StationWindow(url, StationSettings(sounds=False, result_seconds=5))
    window.resize(1280, 800)
    window.show()
    wait_for(window.users_loaded, 60_000)

    def scan(code: str, signal) -> list:
        QTest.keyClicks(window.scan_field, code)
        QTest.keyClick(window.scan_field, Qt.Key.Key_Return)
        return wait_for(signal)

    scan("B-OP1", window.signed_in)
    if live:
        deadline = time.monotonic() + 10
        while window.live_card.watcher is None or window.live_card.watcher.mark is None:
            idle_for(0.01)
            if time.monotonic() > deadline:
                raise SystemExit("the watcher did not start")
    times: list[float] = []
    answers: dict[str, int] = {}
    pairs = [(f"SN-{n:05d}", cert) for cert in CERTIFICATES for n in range(6, 201)]
    for serial_id, cert_id in pairs[start:]:  # each run its own pairs: every attach writes
        if len(times) >= attaches:
            break
        scan(serial_id, window.serial_loaded)
        QTest.keyClicks(window.scan_field, cert_id)
        QTest.keyClick(window.scan_field, Qt.Key.Key_Return)
        wait_for(window.scan_handled)
        if window.certificate is None:
            continue  # refused as scanned (expired, not approved): nothing to time
        QTest.keyClick(window.scan_field, Qt.Key.Key_Return)
        state, _text = wait_for(window.result_shown)
        elapsed = (time.perf_counter() - window.scan_field.terminated_at) * 1000
        answers[state] = answers.get(state, 0) + 1
        if state == "attached":
            times.append(elapsed)
    cpu_ms = None
    if idle:
        scan("SN-00001", window.serial_loaded)
        idle_for(2.0)  # settle: the last answers painted, the banner's timer run out
        cpu, threads, wall = time.process_time(), thread_cpu(), time.monotonic()
        idle_for(idle)
        span = time.monotonic() - wall
        cpu_ms = (time.process_time() - cpu) * 1000 / span
        after = thread_cpu()
        watcher_ms = sum(after[t] - threads.get(t, 0) for t in after if t.startswith("certline-chang")) * 1000 / span
    window.close()
    app.processEvents()
    return {"live": live, "attach_ms": times, "answers": answers, "idle_cpu_ms_per_s": cpu_ms,
            "watcher_cpu_ms_per_s": watcher_ms if idle else None}


def idle_for(seconds: float) -> None:
    """The event loop as the application runs it. (QTest.qWait keeps Python's GIL while it waits, so the
    watcher's thread would run only when the window's own Python code happens to let it.)"""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def thread_cpu() -> dict[str, float]:
    """CPU seconds of each of this process's threads by name (Linux: /proc, to the nanosecond); {} elsewhere."""
    found: dict[str, float] = {}
    for task in Path("/proc/self/task").glob("*"):
        try:
            name = (task / "comm").read_text().strip()
            ran_ns = int((task / "schedstat").read_text().split()[0])  # time on a CPU; stat's ticks are 10 ms
        except (OSError, ValueError, IndexError):
            continue
        found[name] = found.get(name, 0.0) + ran_ns / 1e9
    return found


def make_plant(url: str) -> None:
    from app import db, demo

    db.open_database(url)
    demo.fill_demo()
    db.close_database()


def run(url: str, live: bool, attaches: int, idle: float, start: int) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_live", "--child", url,
                           "--live" if live else "--off", "--attaches", str(attaches), "--idle", str(idle),
                           "--start", str(start)],
                          cwd=REPO, capture_output=True, text=True, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_live", description=__doc__.split("\n")[0])
    parser.add_argument("--attaches", type=int, default=150)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds left alone, in the first round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL cluster")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--live", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--off", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.live, args.attaches, args.idle, args.start)))
        return 0

    cluster = None
    with tempfile.TemporaryDirectory(prefix="certline-bench-live-") as folder:
        os.environ["CERTLINE_DATA"] = folder  # witness files and logs out of the user's data directory
        backends = [("SQLite", str(Path(folder) / "demo.sqlite3"))]
        try:
            if args.postgres:
                from tests.helpers.postgres import Cluster

                cluster = Cluster()
                cluster.start()
                backends.append(("PostgreSQL", cluster.create_database()))
            print(f"live screens benchmark: {args.attaches} attaches a run, {args.rounds} rounds, idle {args.idle:g} s; "
                  f"load {os.getloadavg()[0]:.2f}")
            for name, url in backends:
                make_plant(url)
                results: dict[bool, list[dict]] = {False: [], True: []}
                for number in range(args.rounds):
                    for live in (False, True):  # alternately, so a change of load touches both alike
                        # Each run attaches pairs of its own (a certificate a serial does not hold yet).
                        start = (2 * number + live) * args.attaches * 3 // 2
                        results[live].append(run(url, live, args.attaches, args.idle if number == 0 else 0, start))
                for live in (False, True):
                    times = [t for result in results[live] for t in result["attach_ms"]]
                    idle = [r["idle_cpu_ms_per_s"] for r in results[live] if r["idle_cpu_ms_per_s"] is not None]
                    own = [r["watcher_cpu_ms_per_s"] for r in results[live] if r["watcher_cpu_ms_per_s"] is not None]
                    print(f"  {name:10} watcher {'on ' if live else 'off'}: attach p50 {statistics.median(times):6.2f} ms"
                          f"  p95 {percentile(times, 0.95):6.2f} ms  (n={len(times)})"
                          + (f"   idle: process {idle[0]:.2f} ms CPU a second" if idle else "")
                          + (f", the watcher's thread {own[0]:.3f} ms" if idle and live else ""))
            print(f"load {os.getloadavg()[0]:.2f}")
        finally:
            if cluster is not None:
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
