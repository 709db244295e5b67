"""Benchmark of issue "A product an operator PC can run": cold start to a focused scan field.

    python -m tests.benchmarks.bench_startup [--runs 7] [--bundle dist/certline/certline]

Starts ``certline`` (from source: ``python -m ui.main``; and the PyInstaller bundle when
given or found in dist/) on a demo database with CERTLINE_EXIT_WHEN_READY set: it prints
"ready" once the database is open and the scan field has the focus, then quits. The time
from spawning the process to that line is compared with a bare PySide6 window (a QLineEdit
given the focus) shown by the same Python — the floor — as a ratio. Target: under 1.5 s.
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

ROOT = Path(__file__).resolve().parents[2]
TARGET_S = 1.5
BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
app = QApplication(sys.argv)
field = QLineEdit(); field.resize(1280, 800); field.show(); field.activateWindow(); field.setFocus()
def ready():
    app.processEvents(); print("ready", flush=True); app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""


def time_to_ready(command: list[str], environment: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = process.stdout.readline().strip()
    elapsed = time.perf_counter() - started
    process.wait(timeout=60)
    process.stdout.close()
    if line != "ready":
        raise SystemExit(f"{command[0]} did not report ready (got {line!r})")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--bundle", default=str(ROOT / "dist" / "certline" / "certline"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="certline-startup-") as folder:
        database = str(Path(folder) / "demo.sqlite3")
        environment = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                           CERTLINE_DATA=folder, CERTLINE_EXIT_WHEN_READY="1")
        subprocess.run([sys.executable, "-m", "app.cli", "demo", "--db", database], env=environment, check=True,
                       capture_output=True, cwd=ROOT)
        commands = {"bare PySide6 window (floor)": [sys.executable, "-c", BARE],
                    "certline from source": [sys.executable, "-m", "ui.main", "--db", database]}
        if Path(args.bundle).exists():
            commands["certline bundle"] = [args.bundle, "--db", database]
        results = {}
        for name, command in commands.items():
            time_to_ready(command, environment)  # warm the OS file cache once
            results[name] = [time_to_ready(command, environment) for _ in range(args.runs)]
    floor = statistics.median(results["bare PySide6 window (floor)"])
    print(f"{'start to focused scan field':<30} {'median':>8} {'max':>8} {'ratio':>6}  target")
    failed = False
    for name, samples in results.items():
        median = statistics.median(samples)
        verdict = "" if name.startswith("bare") else ("PASS" if median < TARGET_S else "FAIL")
        failed |= verdict == "FAIL"
        print(f"{name:<30} {median:>7.2f}s {max(samples):>7.2f}s {median / floor:>5.1f}x  "
              f"{'< 1.5 s ' + verdict if verdict else '(floor)'}")
    if "certline bundle" not in results:
        print(f"(no bundle at {args.bundle}: build it with `python packaging/build.py`)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
