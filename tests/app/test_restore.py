"""Restore is all or nothing: killed at any moment, the database is the old one or the restored
one, each with its documents; and it refuses while another program has the database open."""
from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import audit, backup, db, documents
from app.errors import Forbidden
from tests.helpers import documents_corpus as corpus
from tests.helpers.plant import build_plant

ROOT = Path(__file__).parents[2]


def _plant_with_documents(path: Path, count: int) -> int:
    """A plant whose certificate holds ``count`` documents of 200 KiB; returns its audit entries."""
    db.open_database(str(path))
    build_plant()
    rng = random.Random(count)
    for number in range(count):
        documents.add_document_bytes("cert_mat01", corpus.png(extra=rng.randbytes(200 * 1024)), f"scan-{number}.png",
                                     "admin")
    entries = audit.verify().entries
    db.close_database()
    return entries


def _state(path: Path, document_folder: Path) -> tuple[int, list[str]]:
    """The audit entries of the database at ``path``, and its documents that are missing or damaged."""
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = raw.execute("SELECT storage_path, sha256 FROM certificate_document").fetchall()
    finally:
        raw.close()
    broken = [relative for relative, digest in stored
              if not (document_folder / relative).is_file()
              or hashlib.sha256((document_folder / relative).read_bytes()).hexdigest() != digest]
    db.open_database(str(path), migrate=False)
    try:
        verified = audit.verify()
        assert verified.ok, verified.problem
        return verified.entries, broken
    finally:
        db.close_database()


@pytest.fixture
def backup_and_live(tmp_path, monkeypatch):
    """A backup with 40 documents, and a live database without them, each with its own document folder."""
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "source-documents"))
    restored_entries = _plant_with_documents(tmp_path / "source.sqlite3", 40)
    backup.backup(str(tmp_path / "backup"), str(tmp_path / "source.sqlite3"))
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "documents"))
    old_entries = _plant_with_documents(tmp_path / "pristine.sqlite3", 0)
    return tmp_path, old_entries, restored_entries


@pytest.mark.slow
def test_a_restore_killed_at_any_moment_leaves_a_whole_database_with_its_documents(backup_and_live):
    folder, old_entries, restored_entries = backup_and_live
    live, document_folder = folder / "live.sqlite3", folder / "documents"
    def start() -> subprocess.Popen:
        live.write_bytes((folder / "pristine.sqlite3").read_bytes())
        return subprocess.Popen([sys.executable, "-m", "app.cli", "restore", str(folder / "backup"),
                                 "--db", str(live)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=os.environ.copy())

    # How long a whole restore takes here and now (a loaded machine can take five times as long as a quiet
    # one): the kills are spread over that time, from the process's start to just past its end.
    began = time.perf_counter()
    assert start().wait() == 0
    whole = time.perf_counter() - began
    outcomes = []
    for trial in range(20):
        restore = start()
        time.sleep(whole * 1.1 * (trial + 0.5) / 20)
        restore.send_signal(signal.SIGKILL)
        restore.wait()
        entries, broken = _state(live, document_folder)
        assert entries in (old_entries, restored_entries), f"trial {trial}: {entries} entries"
        assert broken == [], f"trial {trial}: the database names documents that are not there: {broken}"
        outcomes.append(entries == restored_entries)
    # The kills must have landed on both sides of the swap for the test to mean anything.
    assert any(outcomes) and not all(outcomes), outcomes


def test_a_restore_brings_back_the_records_and_their_documents(backup_and_live):
    folder, old_entries, restored_entries = backup_and_live
    live = folder / "live.sqlite3"
    live.write_bytes((folder / "pristine.sqlite3").read_bytes())
    result = backup.restore(str(folder / "backup"), str(live))
    assert result.entries == restored_entries
    assert _state(live, folder / "documents") == (restored_entries, [])
    kept = list(folder.glob("live.sqlite3.before-restore.*"))
    assert len(kept) == 1 and _state(kept[0], folder / "documents")[0] == old_entries
    assert not list(folder.glob("live.sqlite3-wal")) or (folder / "live.sqlite3-wal").stat().st_size == 0


def test_a_restore_refuses_while_a_station_has_the_database_open(backup_and_live):
    folder, old_entries, _ = backup_and_live
    live = folder / "live.sqlite3"
    live.write_bytes((folder / "pristine.sqlite3").read_bytes())
    station = sqlite3.connect(live)  # a station's connection, as it stands between two scans
    station.execute("SELECT count(*) FROM serial").fetchone()
    try:
        with pytest.raises(Forbidden, match="in use by a station"):
            backup.restore(str(folder / "backup"), str(live))
    finally:
        station.close()
    assert _state(live, folder / "documents")[0] == old_entries


def test_a_damaged_document_in_the_backup_stops_the_restore_before_anything_changes(backup_and_live):
    folder, old_entries, _ = backup_and_live
    live = folder / "live.sqlite3"
    live.write_bytes((folder / "pristine.sqlite3").read_bytes())
    victim = next(p for p in (folder / "backup" / "documents").rglob("*") if p.is_file())
    victim.write_bytes(b"x" * victim.stat().st_size)
    with pytest.raises(Exception, match="missing or damaged"):
        backup.restore(str(folder / "backup"), str(live))
    assert _state(live, folder / "documents")[0] == old_entries
    assert not any(path.is_file() for path in (folder / "documents").rglob("*"))
