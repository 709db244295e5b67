"""Small programs the tests run as separate OS processes: ``python -m tests.helpers.workers COMMAND ARG...``.

Each says what it has reached on a line of its own on stdout, so the test can follow it
(and, for ``race``, waits on stdin for the start signal that every worker gets at once).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def start(command: str, *args: str, stdin: bool = False) -> subprocess.Popen:
    """Start a worker process in the repository root, its stdout (and stdin) piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.workers", command, *map(str, args)],
        cwd=REPO, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )


def _say(line: str) -> None:
    print(line, flush=True)


def open_only(url: str) -> None:
    """Open (and so migrate) the database, report the migrations it has."""
    from app import db

    handle = db.open_database(url)
    _say(json.dumps(db.schema_migrations(handle)))
    db.close_database()


def race(url: str, user_id: str, pairs: str) -> None:
    """Attach each (serial, certificate) pair of the JSON list ``pairs``, after the start signal."""
    from app import attachments, db

    db.open_database(url)
    work = json.loads(pairs)
    _say("ready")
    sys.stdin.readline()
    began = time.time()
    created = sum(attachments.attach(serial_id, cert_id, user_id).created for serial_id, cert_id in work)
    ended = time.time()
    db.close_database()
    _say(json.dumps({"created": created, "began": began, "ended": ended}))


def batch(url: str, count: str, cert_id: str, cache_kib: str) -> None:
    """One big create_serials; a small page cache makes SQLite spill the open transaction into the WAL."""
    from app import db, serials

    handle = db.open_database(url)
    handle.execute_sql(f"PRAGMA cache_size = -{int(cache_kib)}")
    _say("started")
    serials.create_serials("JOB-1", int(count), "admin", cert_id=cert_id)
    _say("done")
    db.close_database()


COMMANDS = {"open": open_only, "race": race, "batch": batch}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
