"""Benchmark of issue "Closer to the floor": one certline-cli call that reads a serial.

    python -m tests.benchmarks.bench_cli [--runs 20] [--db PATH] [--from-source]

Times, from spawning the process to its exit, ``certline-cli --db DEMO serial SN-00001`` (the installed
script beside this Python; with --from-source, or where there is none, ``python -m app.cli`` in this checkout) and, interleaved with it so both meet the same load,
``python -c pass``: the floor, what any Python program pays before its first line. A demo database is made
in a temporary folder unless --db names one that holds SN-00001. Prints min and median of each, the ratio
and the target (under 0.15 s, judged on the minimum: the machine is shared, and the minimum is the run the
other programs disturbed least), with the load average before and after. Exit status 1 if it is missed.

Python caches the bytecode of the modules it imports (``__pycache__``), as an installed Certline has it; the
timed runs keep that cache in a temporary folder (PYTHONPYCACHEPREFIX). Where this shell turns it off
(PYTHONDONTWRITEBYTECODE, as some sandboxes and CI images do), every run would compile Certline's modules
from source again: a further row shows that case, for comparison only.
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
TARGET_S = 0.15
SERIAL = "SN-00001"


def wall(command: list[str], environment: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=environment, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def cli_command(from_source: bool) -> list[str]:
    script = Path(sys.executable).with_name("certline-cli")
    return [str(script)] if script.exists() and not from_source else [sys.executable, "-m", "app.cli"]


CLI = f"certline-cli serial {SERIAL}"
UNCACHED = f"{CLI}, no bytecode cache"


def run(database: str, runs: int, environment: dict[str, str], from_source: bool) -> int:
    cli = cli_command(from_source) + ["--db", database, "serial", SERIAL]
    with tempfile.TemporaryDirectory(prefix="certline-cli-pycache-") as cache:
        cached = with_bytecode_cache(environment, cache)
        commands = {"python -c pass (floor)": ([sys.executable, "-c", "pass"], cached), CLI: (cli, cached)}
        if environment.get("PYTHONDONTWRITEBYTECODE"):
            commands[UNCACHED] = (cli, environment)
        print(f"load average before: {load()}   cpus: {os.cpu_count()}   runs: {runs}   cli: {' '.join(cli[:3])}")
        samples = interleaved(commands, runs, wall)
    floor = min(samples["python -c pass (floor)"])
    print(f"{'one process, spawn to exit':<48} {'min':>8} {'median':>8} {'ratio':>7}  target")
    missed = False
    for name, values in samples.items():
        best = min(values)
        if name.endswith("(floor)"):
            verdict = "(floor)"
        elif name == UNCACHED:
            verdict = "(PYTHONDONTWRITEBYTECODE is set in this shell: for comparison)"
        else:
            missed = best >= TARGET_S
            verdict = f"< {TARGET_S:g} s {'FAIL' if missed else 'PASS'}"
        print(f"{name:<48} {best * 1000:>6.1f}ms {statistics.median(values) * 1000:>6.1f}ms "
              f"{best / floor:>6.1f}x  {verdict}")
    print(f"load average after:  {load()}")
    return 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", help="a database holding SN-00001 (default: a fresh demo plant)")
    parser.add_argument("--from-source", action="store_true",
                        help="time python -m app.cli in this checkout, not the installed script (another checkout)")
    args = parser.parse_args(argv)
    if args.db:
        return run(args.db, args.runs, dict(os.environ), args.from_source)
    with tempfile.TemporaryDirectory(prefix="certline-cli-bench-") as folder:
        database = str(Path(folder) / "demo.sqlite3")
        environment = dict(os.environ, CERTLINE_DATA=folder)  # the witness file the call keeps lands here too
        subprocess.run([sys.executable, "-m", "app.cli", "demo", "--db", database], check=True,
                       capture_output=True, cwd=ROOT, env=environment)
        return run(database, args.runs, environment, args.from_source)


if __name__ == "__main__":
    sys.exit(main())
