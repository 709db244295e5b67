"""Serial numbers: batch creation (optionally each with a certificate), the serial per step, and its moves."""
import datetime as dt
import re

import psycopg
import pytest

from app import attachments, audit, db, serials
from app.errors import Forbidden, Invalid, NotFound
from app.models import CertAttachment, SerialCounter, SerialNumber
from tests.helpers.plant import TODAY, build_plant
from tests.helpers.state import entries, row_counts


def serial_row(serial_id):
    row = SerialNumber.get_by_id(serial_id)
    return row.current_step_index, row.status


# --- batch creation -----------------------------------------------------------------------------


def test_serials_are_numbered_on_from_the_prefix_at_the_first_step(plant):
    first = serials.create_serials("JOB-1", 3, "sup1")
    second = serials.create_serials("JOB-1", 2, "admin")

    assert first.serial_ids == ["SN-00001", "SN-00002", "SN-00003"]
    assert second.serial_ids == ["SN-00004", "SN-00005"]  # the counter carries on across batches
    assert (first.job_id, first.step_id, first.cert_id) == ("JOB-1", "step_001", None)
    rows = list(SerialNumber.select().order_by(SerialNumber.id))
    assert [(r.id, r.job_id, r.path_id, r.current_step_index, r.status) for r in rows] == [
        (sid, "JOB-1", "path_a", 0, "in_progress") for sid in first.serial_ids + second.serial_ids]
    created = entries("serial_created")
    assert [(e.serial_id, e.user_id, e.job_id, e.path_id, e.step_id) for e in created] == [
        (sid, "sup1", "JOB-1", "path_a", "step_001") for sid in first.serial_ids] + [
        (sid, "admin", "JOB-1", "path_a", "step_001") for sid in second.serial_ids]
    assert CertAttachment.select().count() == 0 and entries("cert_attached") == []
    assert SerialCounter.get_by_id("SN-").last == 5
    assert audit.verify().ok


def test_numbering_skips_ids_that_are_already_taken(plant):
    serials.create_serials("JOB-1", 2, "admin")
    # SN-00003 and SN-00005 arrive by import, behind the counter's back.
    SerialNumber.insert_many([{"id": sid, "job": "JOB-1", "path": "path_a"}
                              for sid in ("SN-00003", "SN-00005")]).execute()

    batch = serials.create_serials("JOB-1", 3, "admin")

    assert batch.serial_ids == ["SN-00004", "SN-00006", "SN-00007"]
    assert SerialNumber.select().count() == 7
    assert [e.serial_id for e in entries("serial_created")][-3:] == batch.serial_ids


def test_the_first_batch_of_a_prefix_continues_after_imported_numbers(plant):
    SerialNumber.insert_many([{"id": sid, "job": "JOB-1", "path": "path_a"}
                              for sid in ("LOT-007", "LOT-0042", "LOT-X9", "LOTS-100")]).execute()
    batch = serials.create_serials("JOB-1", 2, "admin", prefix="LOT-", digits=3)
    assert batch.serial_ids == ["LOT-043", "LOT-044"]
    assert serials.create_serials("JOB-1", 1, "admin").serial_ids == ["SN-00001"]  # prefixes count apart


@pytest.mark.postgres
def test_numbering_after_an_import_does_not_depend_on_the_collation(pg_cluster):
    """PostgreSQL servers often compare text by a locale that ignores punctuation, as glibc's en_US does."""
    try:
        with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE shifted TEMPLATE template0 LOCALE_PROVIDER icu "
                         "ICU_LOCALE 'en-US-u-ka-shifted' LOCALE 'C.UTF-8'")
    except psycopg.Error as error:
        pytest.skip(f"this PostgreSQL cannot make an ICU database: {error}")
    handle = db.open_database(pg_cluster.url("shifted"))
    try:
        assert handle.execute_sql("SELECT 'SN-00001' < 'SN.'").fetchone() == (False,)  # the collation at work
        build_plant()
        SerialNumber.insert_many([{"id": sid, "job": "JOB-1", "path": "path_a"}
                                  for sid in ("SN-00007", "SN-00042", "SNX-99999")]).execute()
        assert serials.create_serials("JOB-1", 2, "admin").serial_ids == ["SN-00043", "SN-00044"]
    finally:
        db.close_database()


def test_a_batch_with_a_certificate_attaches_it_to_each_serial_at_the_first_step(plant):
    batch = serials.create_serials("JOB-1", 3, "sup1", cert_id="cert_mat01")

    assert batch.cert_id == "cert_mat01"
    rows = list(CertAttachment.select().order_by(CertAttachment.serial))
    assert [(a.serial_id, a.cert_id, a.step_id, a.attached_by_id) for a in rows] == [
        (sid, "cert_mat01", "step_001", "sup1") for sid in batch.serial_ids]
    assert len({a.id for a in rows}) == 3 and all(a.id.startswith("ca_") for a in rows)
    attached = entries("cert_attached")
    assert len(attached) == 3 and len(entries("serial_created")) == 3
    by_record = {e.record_id: e for e in attached}
    for row in rows:
        entry = by_record[row.id]
        assert (entry.serial_id, entry.cert_id, entry.step_id, entry.user_id, entry.job_id, entry.path_id) == (
            row.serial_id, "cert_mat01", "step_001", "sup1", "JOB-1", "path_a")
        assert entry.at == row.attached_at
        assert entry.details == {"stepName": "Saw", "stepIndex": 0}
    # attaching the same certificate again at the same step is the idempotent no-op
    again = attachments.attach(batch.serial_ids[0], "cert_mat01", "op1")
    assert not again.created and CertAttachment.select().count() == 3
    assert audit.verify().ok


REFUSED_BATCHES = [
    ({"job_id": "JOB-404"}, NotFound, "Job not found: JOB-404"),
    ({"cert_id": "cert_404"}, NotFound, "Certificate not found: cert_404"),
    ({"cert_id": "cert_rev"}, Invalid, "Certificate cert_rev is revoked, cannot attach"),
    ({"cert_id": "cert_old"}, Invalid,
     f"Certificate cert_old expired on {(TODAY - dt.timedelta(days=1)).isoformat()}, cannot attach"),
    ({"cert_id": "cert old"}, Invalid, "Certificate id may hold only printable ASCII without spaces: 'cert old'"),
    ({"count": 0}, Invalid, "Count must be a whole number from 1 to 100000: 0"),
    ({"count": -3}, Invalid, "Count must be a whole number from 1 to 100000: -3"),
    ({"count": 100_001}, Invalid, "Count must be a whole number from 1 to 100000: 100001"),
    ({"count": "5"}, Invalid, "Count must be a whole number from 1 to 100000: 5"),
    ({"prefix": "SN 1-"}, Invalid,
     "Serial prefix may hold letters, digits, '-', '_' and '.' (at most 32): 'SN 1-'"),
    ({"prefix": ""}, Invalid, "Serial prefix may hold letters, digits, '-', '_' and '.' (at most 32): ''"),
    ({"prefix": "-SN"}, Invalid, "Serial prefix may hold letters, digits, '-', '_' and '.' (at most 32): '-SN'"),
    ({"user_id": "op1"}, Forbidden, "User op1 (operator) may not create serials"),
]


def test_refused_batches_write_nothing_at_all(plant, subtests):
    serials.create_serials("JOB-1", 1, "admin")  # so the counter exists and must stay put
    before = row_counts()
    for kwargs, error, message in REFUSED_BATCHES:
        with subtests.test(**kwargs):
            arguments = {"job_id": "JOB-1", "count": 3, "user_id": "admin", "cert_id": "cert_mat01"} | kwargs
            with pytest.raises(error, match=f"^{re.escape(message)}$"):
                serials.create_serials(**arguments)
            assert row_counts() == before
            assert SerialCounter.get_by_id("SN-").last == 1
    assert serials.create_serials("JOB-1", 1, "admin").serial_ids == ["SN-00002"]


def test_a_certificate_in_its_warning_window_may_go_with_a_batch(plant):
    batch = serials.create_serials("JOB-1", 2, "admin", cert_id="cert_soon")
    assert CertAttachment.select().where(CertAttachment.certificate == "cert_soon").count() == 2
    assert batch.to_json()["count"] == 2


# --- the serial, per step -----------------------------------------------------------------------


def test_get_serial_shows_each_step_with_its_attachments_and_what_is_missing(plant):
    sid = serials.create_serials("JOB-1", 1, "admin", cert_id="cert_mat01").serial_ids[0]
    attachments.attach(sid, "cert_soon", "op1")
    serials.advance_serial(sid, "op1")
    attachments.attach(sid, "cert_insp01", "op2")

    detail = serials.get_serial(sid)

    assert (detail.id, detail.job_id, detail.job_name, detail.part, detail.path_id, detail.path_name) == (
        sid, "JOB-1", "Flanges for Acme", "FL-100", "path_a", "Flange machining")
    assert (detail.status, detail.current_step_index) == ("in_progress", 1)
    assert [(s.step.id, s.state) for s in detail.steps] == [
        ("step_001", "passed"), ("step_002", "current"), ("step_003", "ahead")]
    assert detail.current_step.step.id == "step_002"
    saw, mill, inspect = detail.steps
    assert [(a.attachment.cert_id, a.cert_kind, a.attached_by_name) for a in saw.attachments] == [
        ("cert_mat01", "MATERIAL", "Ada Admin"), ("cert_soon", "TRAINING", "Olga Operator")]
    assert [(a.attachment.cert_id, a.cert_name, a.attached_by_name) for a in mill.attachments] == [
        ("cert_insp01", "Final inspection report", "Otto Operator")]
    assert inspect.attachments == []
    assert (saw.missing_kinds, mill.missing_kinds, inspect.missing_kinds) == ([], [], ["INSPECTION"])
    assert detail.to_json()["steps"][2]["missing"] == ["INSPECTION"]


def test_get_serial_of_an_unknown_serial(plant):
    with pytest.raises(NotFound, match="^SerialNumber not found: SN-404$"):
        serials.get_serial("SN-404")


def test_a_revisions_steps_are_read_once_and_never_from_another_database(plant, tmp_path):
    (first, second) = serials.create_serials("JOB-1", 2, "sup1").serial_ids
    statements: list[str] = []
    plant.query_hooks.append(lambda event: statements.append(event.sql))
    try:
        shown = serials.get_serial(first)
        statements.clear()
        assert serials.get_serial(first) == shown  # the same card, without reading the steps again
        assert serials.get_serial(second).steps[0].step == shown.steps[0].step
    finally:
        plant.query_hooks.clear()
    assert len(statements) == 4 and not any('FROM "step"' in sql for sql in statements)
    assert [s.step.name for s in shown.steps] == ["Saw", "Mill", "Inspect"]
    db.close_database()
    # Another plant, whose route revision has the same id and other steps.
    db.open_database(str(tmp_path / "other.sqlite3"))
    build_plant()
    db.execute('UPDATE "step" SET "name" = ? WHERE "id" = ?', ("Cut to length", "step_001"))
    (other,) = serials.create_serials("JOB-1", 1, "sup1").serial_ids
    assert [s.step.name for s in serials.get_serial(other).steps] == ["Cut to length", "Mill", "Inspect"]


def test_steps_read_inside_a_transaction_are_not_kept(plant):
    (serial,) = serials.create_serials("JOB-1", 1, "sup1").serial_ids
    with db.write_transaction():
        assert [s.step.name for s in serials.get_serial(serial).steps] == ["Saw", "Mill", "Inspect"]
        # Written behind Certline's back, in a transaction that could as well have been rolled back.
        db.execute('UPDATE "step" SET "name" = ? WHERE "id" = ?', ("Cut to length", "step_001"))
    assert serials.get_serial(serial).steps[0].step.name == "Cut to length"


# --- moves --------------------------------------------------------------------------------------


@pytest.fixture
def serial(plant):
    return serials.create_serials("JOB-1", 1, "admin").serial_ids[0]


def test_advance_refuses_to_leave_a_step_whose_required_kind_is_missing(serial):
    attachments.attach(serial, "cert_insp01", "op1")  # an INSPECTION does not stand in for the MATERIAL
    before = row_counts()
    for reason in (None, "", "  "):
        with pytest.raises(Invalid) as refused:
            serials.advance_serial(serial, "op1", reason)
        assert str(refused.value) == ("Step Saw (step_001) requires a MATERIAL certificate that serial SN-00001 "
                                      "does not have; attach it, or give a reason to override")
    assert serial_row(serial) == (0, "in_progress")
    assert row_counts() == before


def test_advance_with_a_reason_records_the_override(serial):
    detail = serials.advance_serial(serial, "op1", "  Material cert is in the mail  ")

    assert serial_row(serial) == (1, "in_progress")
    assert detail.current_step.step.id == "step_002"
    (entry,) = entries("serial_advanced")
    assert (entry.user_id, entry.serial_id, entry.job_id, entry.path_id, entry.step_id, entry.reason) == (
        "op1", serial, "JOB-1", "path_a", "step_002", "Material cert is in the mail")
    assert entry.details == {"from": "step_001", "fromName": "Saw", "overridden": ["MATERIAL"],
                             "to": "step_002", "toName": "Mill"}
    assert audit.verify().ok


def test_advance_with_the_required_certificate_needs_no_reason(serial):
    attachments.attach(serial, "cert_mat01", "op1")
    serials.advance_serial(serial, "op2")
    serials.advance_serial(serial, "op2")  # step_002 requires nothing

    assert serial_row(serial) == (2, "in_progress")
    first, second = entries("serial_advanced")
    assert (first.reason, first.details) == (None, {"from": "step_001", "fromName": "Saw", "to": "step_002",
                                                    "toName": "Mill"})
    assert (second.step_id, second.details["from"]) == ("step_003", "step_002")
    with pytest.raises(Invalid, match=r"^Serial SN-00001 is at the last step \(Inspect\); complete it instead$"):
        serials.advance_serial(serial, "op1", "Skip")
    assert serial_row(serial) == (2, "in_progress")


def test_complete_only_at_the_last_step(serial):
    attachments.attach(serial, "cert_mat01", "op1")
    with pytest.raises(Invalid, match="^Serial SN-00001 is at step Saw, not the last step of its route; "
                                      "advance it first$"):
        serials.complete_serial(serial, "op1")
    assert serial_row(serial) == (0, "in_progress")
    serials.advance_serial(serial, "op1")
    serials.advance_serial(serial, "op1")
    with pytest.raises(Invalid, match="^Step Inspect \\(step_003\\) requires a INSPECTION certificate"):
        serials.complete_serial(serial, "op1")
    assert entries("serial_completed") == []

    attachments.attach(serial, "cert_insp01", "op1")
    detail = serials.complete_serial(serial, "op2")

    assert serial_row(serial) == (-1, "completed")
    assert (detail.status, detail.current_step_index, detail.current_step) == ("completed", -1, None)
    assert [s.state for s in detail.steps] == ["passed", "passed", "passed"]
    (entry,) = entries("serial_completed")
    assert (entry.user_id, entry.serial_id, entry.step_id, entry.reason) == ("op2", serial, "step_003", None)
    assert audit.verify().ok


def test_complete_with_an_override_reason(serial):
    serials.advance_serial(serial, "op1", "Override 1")
    serials.advance_serial(serial, "op1")
    serials.complete_serial(serial, "sup1", "Inspected by the customer")
    assert serial_row(serial) == (-1, "completed")
    (entry,) = entries("serial_completed")
    assert (entry.reason, entry.details["overridden"]) == ("Inspected by the customer", ["INSPECTION"])


def test_scrap_keeps_the_step_index(serial):
    serials.advance_serial(serial, "op1", "Override")
    with pytest.raises(Forbidden, match=r"^User op1 \(operator\) may not scrap serials$"):
        serials.scrap_serial(serial, "op1", "Cracked")
    assert serial_row(serial) == (1, "in_progress")

    detail = serials.scrap_serial(serial, "sup1", "Cracked")

    assert serial_row(serial) == (1, "scrapped")
    assert (detail.status, detail.current_step.step.id) == ("scrapped", "step_002")
    (entry,) = entries("serial_scrapped")
    assert (entry.user_id, entry.serial_id, entry.reason, entry.details) == (
        "sup1", serial, "Cracked", {"stepIndex": 1})


@pytest.mark.parametrize("move", [serials.advance_serial, serials.complete_serial, serials.scrap_serial])
def test_scrapped_and_completed_serials_cannot_move(plant, move):
    scrapped, completed = serials.create_serials("JOB-1", 2, "admin").serial_ids
    serials.scrap_serial(scrapped, "sup1", "Dropped")
    for _ in range(2):
        serials.advance_serial(completed, "sup1", "Override")
    serials.complete_serial(completed, "sup1", "Override")
    before = row_counts()
    action = move.__name__.removesuffix("_serial")

    with pytest.raises(Invalid, match=f"^Serial {scrapped} is scrapped, cannot {action}$"):
        move(scrapped, "sup1", "Try")
    with pytest.raises(Invalid, match=f"^Serial {completed} is already completed, cannot {action}$"):
        move(completed, "sup1", "Try")

    assert row_counts() == before
    assert serial_row(scrapped) == (0, "scrapped")
    assert serial_row(completed) == (-1, "completed")


def test_moves_need_a_known_serial_and_user(serial):
    with pytest.raises(NotFound, match="^SerialNumber not found: SN-404$"):
        serials.advance_serial("SN-404", "op1")
    with pytest.raises(NotFound, match="^User not found: ghost$"):
        serials.advance_serial(serial, "ghost", "Reason")
    with pytest.raises(Invalid, match="^Serial id is required$"):
        serials.complete_serial("", "op1")
    assert serial_row(serial) == (0, "in_progress")
