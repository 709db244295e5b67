"""Opening older and newer databases, and backup/restore of a live one (SQLite)."""
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app import audit, backup, db, serials
from app.errors import Invalid, SchemaTooNew
from app.models import CertAttachment, Certificate

FIXTURE = Path(__file__).parent.parent / "data" / "schema-0002.sqlite3"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_database_of_the_previous_schema_is_backed_up_then_migrated(tmp_path):
    path = tmp_path / "old.sqlite3"
    shutil.copy(FIXTURE, path)

    handle = db.open_database(str(path))
    try:
        assert db.schema_migrations(handle)[-1] == sorted(p.stem for p in db.MIGRATIONS_DIR.glob("0*.py"))[-1]
        assert Certificate.get_by_id("cert_mat01").approved_by is None
        assert CertAttachment.select().count() == 1
        assert audit.verify().ok
        assert serials.get_serial("SN-00001").steps[0].attachments[0].attachment.id == "ca_fixture0001"
    finally:
        db.close_database()
    (copy,) = tmp_path.glob("old.sqlite3.0002_append_only.*.backup")
    raw = sqlite3.connect(copy)
    try:  # the copy holds the database as schema 0002 left it
        assert raw.execute("SELECT name FROM schema_migration ORDER BY name").fetchall() == [
            ("0001_initial",), ("0002_append_only",)]
        assert "approved_by" not in {row[1] for row in raw.execute("PRAGMA table_info(certificate)")}
        assert raw.execute("SELECT id FROM cert_attachment").fetchall() == [("ca_fixture0001",)]
    finally:
        raw.close()


def test_a_database_of_a_newer_version_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "new.sqlite3"
    db.open_database(str(path))
    db.close_database()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO schema_migration (name, applied) VALUES ('0099_from_the_future', '2030-01-01')")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    before = sha256(path)

    with pytest.raises(SchemaTooNew, match=r"^This database was made by a newer version of Certline "
                                           r"\(schema 0099_from_the_future\).*the database was not changed\.$"):
        db.open_database(str(path))

    assert sha256(path) == before
    assert db.database.obj is None


WRITER = textwrap.dedent("""
    import sys, time
    from app import attachments, db, serials
    db.open_database(sys.argv[1])
    ids = serials.create_serials("JOB-1", 2000, "admin").serial_ids
    print("ready", flush=True)
    for sid in ids:
        attachments.attach(sid, "cert_mat01", "op1")
        time.sleep(0.001)  # an attach takes well under a millisecond now; keep writing for seconds
""")


@pytest.mark.slow
def test_backup_of_a_database_being_written_restores_to_a_verified_database(tmp_path, monkeypatch):
    from tests.helpers.plant import build_plant

    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "documents"))
    live = tmp_path / "live.sqlite3"
    db.open_database(str(live))
    build_plant()
    db.close_database()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live)], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parents[2])
    try:
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.3)  # let attaches flow while the copy is made
        result = backup.backup(str(tmp_path / "backup"), str(live))
        assert writer.poll() is None, "the writer should still be attaching during the backup"
    finally:
        writer.wait(timeout=120)
        writer.stdout.close()
    assert writer.returncode == 0
    assert result.entries > 0

    restored = tmp_path / "restored.sqlite3"
    backup.restore(str(tmp_path / "backup"), str(restored))
    raw = sqlite3.connect(restored)
    assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    raw.close()
    db.open_database(str(restored))
    try:
        verified = audit.verify()
        assert verified.ok and verified.entries == result.entries
        assert 0 < CertAttachment.select().count() < 2000
    finally:
        db.close_database()


def test_a_damaged_backup_is_refused_and_the_database_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "documents"))
    live = tmp_path / "live.sqlite3"
    db.open_database(str(live))
    db.close_database()
    backup.backup(str(tmp_path / "backup"), str(live))
    with open(tmp_path / "backup" / "certline.sqlite3", "r+b") as handle:
        handle.seek(200)
        handle.write(b"garbage")
    before = sha256(live)
    with pytest.raises(Invalid, match="does not match its manifest"):
        backup.restore(str(tmp_path / "backup"), str(live))
    assert sha256(live) == before


def test_backup_refuses_a_folder_that_is_not_empty_and_postgres(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    live = tmp_path / "live.sqlite3"
    db.open_database(str(live))
    db.close_database()
    with pytest.raises(Invalid, match="is not empty"):
        backup.backup(str(tmp_path / "busy"), str(live))
    with pytest.raises(Invalid, match="pg_dump"):
        backup.backup(str(tmp_path / "pg"), "postgresql://x@127.0.0.1:1/none")
