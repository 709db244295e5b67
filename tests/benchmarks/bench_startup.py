"""Benchmark of issues "A product an operator PC can run" and "Closer to the floor": cold start to a focused
scan field.

    python -m tests.benchmarks.bench_startup [--runs 7] [--bundle dist/certline/certline]

Starts ``certline`` (from source: ``python -m ui.main``; and the PyInstaller bundle when
given or found in dist/) on a demo database with CERTLINE_EXIT_WHEN_READY set: it prints
"ready" once the database is open and the scan field has the focus, then quits. The time
from spawning the process to that line is compared with a bare PySide6 window (a QLineEdit
given the focus) shown by the same Python — the floor — as a ratio of medians. The runs are
interleaved (floor, source, bundle, floor, …) so that all meet the same load on a shared
machine; the load average is printed before and after. Targets: under 1.5 s, and at most 2x
the floor.

Python caches the bytecode of the modules it imports (``__pycache__``), as an installed Certline
has it (the bundle carries it compiled); the timed runs from source keep that cache in a temporary
folder (PYTHONPYCACHEPREFIX). Where this shell turns it off (PYTHONDONTWRITEBYTECODE), a further row
shows source without it, every module compiled again at each start: for comparison only.
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

from tests.benchmarks.spawned import interleaved, load, with_bytecode_cache

ROOT = Path(__file__).resolve().parents[2]
TARGET_S = 1.5
TARGET_RATIO = 2.0
FLOOR = "bare PySide6 window (floor)"
UNCACHED = "source, no bytecode cache"
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
        cached = with_bytecode_cache(environment, str(Path(folder) / "pycache"))
        source = [sys.executable, "-m", "ui.main", "--db", database]
        commands = {FLOOR: ([sys.executable, "-c", BARE], cached), "certline from source": (source, cached)}
        if Path(args.bundle).exists():
            commands["certline bundle"] = ([args.bundle, "--db", database], environment)
        if environment.get("PYTHONDONTWRITEBYTECODE"):
            commands[UNCACHED] = (source, environment)
        print(f"load average before: {load()}   cpus: {os.cpu_count()}   runs: {args.runs}")
        results = interleaved(commands, args.runs, time_to_ready)
    floor = statistics.median(results[FLOOR])
    print(f"{'start to focused scan field':<30} {'min':>7} {'median':>7} {'max':>7} {'ratio':>6}  target")
    failed = False
    for name, samples in results.items():
        median = statistics.median(samples)
        if name == FLOOR:
            verdict = "(floor)"
        elif name == UNCACHED:
            verdict = "(PYTHONDONTWRITEBYTECODE is set in this shell: for comparison)"
        else:
            missed = median >= TARGET_S or median / floor > TARGET_RATIO
            failed |= missed
            verdict = f"< {TARGET_S:g} s, <= {TARGET_RATIO:g}x {'FAIL' if missed else 'PASS'}"
        print(f"{name:<30} {min(samples):>6.3f}s {median:>6.3f}s {max(samples):>6.3f}s {median / floor:>5.2f}x  "
              f"{verdict}")
    print(f"load average after:  {load()}")
    if "certline bundle" not in results:
        print(f"(no bundle at {args.bundle}: build it with `python packaging/build.py`)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
