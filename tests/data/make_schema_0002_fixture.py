"""Makes tests/data/schema-0002.sqlite3: a plant as Certline's schema 0002 stored it.

Run once from the repository root when the fixture must be remade:
``python -m tests.data.make_schema_0002_fixture``. The test of migrations opens a copy.
"""
from pathlib import Path

from playhouse.migrations import Runner

from app import audit, db, plant_file
from app.clock import now_utc
from app.models import CertAttachment

HERE = Path(__file__).parent
TARGET = HERE / "schema-0002.sqlite3"


def main() -> None:
    TARGET.unlink(missing_ok=True)
    handle = db.open_database(str(TARGET), migrate=False)
    Runner(handle, directory=str(db.MIGRATIONS_DIR)).up(target="0002_append_only")
    plant_file.import_plant(HERE / "plant.json", "admin")
    # Today's attach reads columns schema 0002 lacks, so the attachment is written as 0002's code wrote it.
    at = now_utc()
    with db.write_transaction():
        CertAttachment.insert(id="ca_fixture0001", serial="SN-00001", certificate="cert_mat01", step="step_001",
                              attached_at=at, attached_by="op1").execute()
        audit.record("cert_attached", "op1", serial_id="SN-00001", cert_id="cert_mat01", job_id="JOB-1",
                     path_id="path_a", step_id="step_001", record_id="ca_fixture0001", at=at,
                     details={"stepName": "Saw", "stepIndex": 0})
    handle.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    handle.execute_sql("PRAGMA journal_mode=DELETE")
    db.close_database()
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
