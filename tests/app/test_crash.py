"""A batch killed mid-transaction (kill -9, as a power cut or a crash would) leaves nothing half-written."""
import os
import signal
import sqlite3
import time

import pytest

from app import audit, db, serials
from app.models import SerialCounter
from tests.helpers import workers
from tests.helpers.plant import build_plant
from tests.helpers.state import row_counts

BATCH = 50_000


def wal_size(path) -> int:
    wal = f"{path}-wal"
    return os.path.getsize(wal) if os.path.exists(wal) else 0


def holds_write_lock(path) -> bool:
    """True when another connection is inside a write transaction on the file."""
    probe = sqlite3.connect(path, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    finally:
        probe.close()


@pytest.mark.slow
def test_a_batch_killed_mid_transaction_leaves_nothing_behind(tmp_path):
    path = str(tmp_path / "certline.sqlite3")
    db.open_database(path)
    try:
        build_plant()
        serials.create_serials("JOB-1", 2, "admin", cert_id="cert_mat01")
        before = row_counts()
        counter = SerialCounter.get_by_id("SN-").last
    finally:
        db.close_database()

    worker = workers.start("batch", path, BATCH, "cert_mat01", 2048)
    try:
        assert worker.stdout.readline().strip() == "started"
        # Wait until the open transaction has spilled a few MB of uncommitted pages into the WAL.
        deadline = time.monotonic() + 30
        while wal_size(path) < 2_000_000:
            assert worker.poll() is None, worker.stderr.read()
            assert time.monotonic() < deadline, "the batch never started writing"
            time.sleep(0.02)
        assert holds_write_lock(path)  # still inside create_serials' transaction
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        out, err = worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL, err
    assert "done" not in out  # it never got past create_serials
    assert wal_size(path) >= 2_000_000  # the uncommitted frames are still there for recovery to ignore

    db.open_database(path)
    try:
        assert row_counts() == before
        assert SerialCounter.get_by_id("SN-").last == counter
        assert db.database.obj.execute_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
        result = audit.verify()
        assert result.ok, result.problem
        # The database carries on where the last committed batch left off.
        assert serials.create_serials("JOB-1", 1, "admin").serial_ids == [f"SN-{counter + 1:05d}"]
        assert audit.verify().ok
    finally:
        db.close_database()
