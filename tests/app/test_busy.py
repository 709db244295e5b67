"""Busy, not broken: on SQLite a reader never waits on another program's writer, and a writer
that cannot get the lock says so in a sentence, with nothing saved."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from app import attachments, audit, db, serials
from app.errors import DatabaseBusy
from tests.helpers.plant import build_plant


@pytest.fixture
def plant_file(tmp_path):
    url = str(tmp_path / "busy.sqlite3")
    db.open_database(url)
    build_plant()
    serials.create_serials("JOB-1", 2, "admin")
    db.close_database()
    yield url
    db.close_database()


@pytest.fixture
def other_writer(plant_file):
    """Another program in the middle of a write transaction, holding SQLite's write lock."""
    raw = sqlite3.connect(plant_file, isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")
    raw.execute("UPDATE policy SET value = value WHERE 0")
    yield raw
    raw.execute("ROLLBACK")
    raw.close()


def test_a_reader_opens_and_reads_while_another_program_writes(plant_file, other_writer):
    started = time.perf_counter()
    db.open_database(plant_file)
    detail = serials.get_serial("SN-00001")
    verified = audit.verify()
    elapsed = time.perf_counter() - started
    assert detail.id == "SN-00001"
    assert verified.ok
    # Waiting for the writer would take the whole busy timeout (15 s); not waiting takes milliseconds.
    assert elapsed < 2.0


def test_a_read_only_command_answers_while_another_program_writes(plant_file, other_writer):
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "app.cli", "serial", "SN-00001", "--db", plant_file],
                          capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "SN-00001" in done.stdout
    assert elapsed < 10.0  # the interpreter's start included; the busy timeout alone is 15 s


def test_a_writer_that_cannot_get_the_lock_says_so_and_saves_nothing(plant_file, other_writer, monkeypatch):
    monkeypatch.setitem(db.SQLITE_PRAGMAS, "busy_timeout", 300)
    db.open_database(plant_file)
    entries = audit.verify().entries
    with pytest.raises(DatabaseBusy) as refused:
        attachments.attach("SN-00001", "cert_mat01", "op1")
    assert str(refused.value) == ("The database is busy: another program has been writing for 0.3 s. "
                                  "Nothing was saved; try again.")
    other_writer.execute("ROLLBACK")
    other_writer.execute("BEGIN")  # the fixture's ROLLBACK at the end needs an open transaction
    assert attachments.attachments_of_serial("SN-00001") == []
    assert audit.verify().entries == entries


def test_the_cli_prints_the_busy_sentence_and_exits_5(plant_file, other_writer):
    env_code = ("import sys; from app import db; db.SQLITE_PRAGMAS['busy_timeout'] = 300; "
                "from app.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", env_code, "attach", "SN-00001", "cert_mat01", "--db", plant_file,
                           "--user", "op1"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "CERTLINE_PIN": "1234"})  # op1's (tests/helpers/plant.py)
    assert done.returncode == 5
    assert "The database is busy" in done.stderr
    assert "Traceback" not in done.stderr
