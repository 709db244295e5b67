"""The audit trail: every entry sealed with the hash of the one before; verify names the first that breaks."""
import datetime as dt

import pytest

from app import attachments, audit, certificates, serials, users
from app.audit import GENESIS_HASH, entry_hash
from app.models import AuditEntry, CertAttachment, Certificate, SerialNumber
from tests.helpers.state import entries, row_counts
from tests.helpers.tamper import disable_append_only


@pytest.fixture
def busy(plant):
    """A plant after a morning's work: batches, attaches, moves, edits, revocations, odd characters."""
    users.create_user("op3", "Jürgen O'Brien \"JJ\" 😀", "operator", "B-OP3", by="admin")
    first, second, third = serials.create_serials("JOB-1", 3, "sup1", cert_id="cert_mat01").serial_ids
    attachments.attach(first, "cert_soon", "op3")
    serials.advance_serial(first, "op1")
    serials.advance_serial(second, "op1")
    attachments.attach(first, "cert_mat01", "op1")  # the same certificate again, at the next step
    serials.advance_serial(first, "op1")
    attachments.attach(first, "cert_insp01", "op2")
    serials.complete_serial(first, "op1")
    serials.scrap_serial(third, "sup1", "Gefügefehler – Ausschuss")
    attachments.attach(third, "cert_insp01", "op1")
    certificates.update_certificate("cert_insp01", {"note": "Zeugnis 3.1 ✓", "data": {"hardness": [28.5, 30.0]}},
                                    "sup1", "Added the lab's values")
    certificates.create_certificate({"id": "cert_tmp", "name": "Temp", "kind": "OTHER"}, "admin")
    certificates.delete_certificate("cert_tmp", "admin", "Entered by mistake")
    return plant


def test_each_entry_carries_the_hash_of_the_one_before(busy):
    chain = list(AuditEntry.select().order_by(AuditEntry.seq).dicts())

    assert [e["seq"] for e in chain] == list(range(1, len(chain) + 1))
    assert len({e["id"] for e in chain}) == len(chain) and all(e["id"].startswith("ae_") for e in chain)
    previous = GENESIS_HASH
    for entry in chain:
        assert entry["prev_hash"] == previous
        assert entry["hash"] == entry_hash(previous, entry)  # read back from the database, it still matches
        assert entry["workstation"] == "test-station"
        previous = entry["hash"]
    types = {e["type"] for e in chain}
    assert {"user_created", "path_created", "job_created", "cert_created", "cert_revoked", "serial_created",
            "cert_attached", "serial_advanced", "serial_completed", "serial_scrapped", "cert_updated",
            "cert_deleted"} <= types


def test_verify_passes_on_a_busy_plant(busy):
    result = audit.verify()

    assert result.ok, result.problem
    assert (result.entries, result.attachments) == (AuditEntry.select().count(), CertAttachment.select().count())
    assert result.attachments == 7 and len(entries("cert_attached")) == 7
    assert result.to_json() == {"ok": True, "entries": result.entries, "attachments": 7, "problem": None,
                                "entryId": None, "seq": None}


def test_verify_on_an_empty_database(database):
    assert audit.verify() == audit.VerifyResult(True, 0, 0)


def middle_entry(type="cert_attached"):
    """An entry of ``type`` with entries after it."""
    found = entries(type)
    entry = found[len(found) // 2]
    assert AuditEntry.select().where(AuditEntry.seq > entry.seq).exists()
    return entry


ALTERATIONS = {
    "user": {"user_id": "op2"},
    "reason": {"reason": "nothing happened"},
    "time": {"at": "shift"},
    "details": {"details": {"stepIndex": 0, "stepName": "Mill"}},
    "serial": {"serial_id": "SN-00002"},
    "type": {"type": "serial_created"},
}


def test_verify_names_the_first_altered_entry(busy, database, subtests):
    disable_append_only(database)
    target = middle_entry()
    original = AuditEntry.select().where(AuditEntry.seq == target.seq).dicts().get()
    for alteration, change in ALTERATIONS.items():
        with subtests.test(alteration=alteration):
            if change.get("at") == "shift":
                change = {"at": target.at + dt.timedelta(seconds=1)}
            AuditEntry.update(change).where(AuditEntry.seq == target.seq).execute()

            result = audit.verify()

            assert not result.ok
            assert (result.entry_id, result.seq) == (target.id, target.seq)
            assert result.problem == "its content does not match its hash (altered after it was written)"
            assert result.entries == target.seq - 1  # the entries before it were checked and found sound
            AuditEntry.update(original).where(AuditEntry.seq == target.seq).execute()
            assert audit.verify().ok  # put back as it was, it matches its seal again


def test_an_entry_sealed_again_breaks_the_link_of_the_next(busy, database):
    disable_append_only(database)
    target = middle_entry()
    row = AuditEntry.select().where(AuditEntry.seq == target.seq).dicts().get()
    row["user_id"] = "op2"
    AuditEntry.update(user_id="op2", hash=entry_hash(row["prev_hash"], row)).where(
        AuditEntry.seq == target.seq).execute()
    following = AuditEntry.get(AuditEntry.seq == target.seq + 1)

    result = audit.verify()

    assert not result.ok
    assert (result.entry_id, result.seq) == (following.id, following.seq)
    assert result.problem == "its link to the previous entry does not match"


def test_a_deleted_entry_leaves_a_gap_that_verify_finds(busy, database):
    disable_append_only(database)
    target = middle_entry("serial_advanced")
    AuditEntry.delete().where(AuditEntry.seq == target.seq).execute()
    following = AuditEntry.get(AuditEntry.seq == target.seq + 1)

    result = audit.verify()

    assert not result.ok
    assert (result.entry_id, result.seq) == (following.id, following.seq)
    assert result.problem == f"entry {target.seq} is missing: the chain jumps to {target.seq + 1}"


def test_the_first_entry_deleted_is_found_too(busy, database):
    disable_append_only(database)
    AuditEntry.delete().where(AuditEntry.seq == 1).execute()
    result = audit.verify()
    assert (result.ok, result.seq, result.problem) == (False, 2, "entry 1 is missing: the chain jumps to 2")


def test_verify_finds_an_altered_attachment(busy, database, subtests):
    disable_append_only(database)
    target = CertAttachment.get(CertAttachment.serial == "SN-00001", CertAttachment.certificate == "cert_soon")
    original = CertAttachment.select().where(CertAttachment.id == target.id).dicts().get()
    for change in ({"attached_by": "op2"}, {"step": "step_002"}, {"serial": "SN-00003"},
                   {"attached_at": dt.datetime(2020, 1, 1)}):
        with subtests.test(change=repr(change)):
            CertAttachment.update(change).where(CertAttachment.id == target.id).execute()

            result = audit.verify()

            assert not result.ok
            assert result.problem == f"attachment {target.id} does not match the cert_attached entry that recorded it"
            assert result.entries == AuditEntry.select().count()  # the chain itself is intact
            CertAttachment.update(original).where(CertAttachment.id == target.id).execute()
            assert audit.verify().ok


def test_verify_finds_an_attachment_written_without_its_audit_entry(busy):
    # Inserting needs no trigger switched off: the append-only tables accept new rows.
    CertAttachment.insert(id="ca_forged", serial="SN-00002", certificate="cert_insp01", step="step_002",
                          attached_at=dt.datetime(2024, 1, 15, 10, 30), attached_by="op1").execute()
    result = audit.verify()
    assert not result.ok
    assert result.problem == "attachment ca_forged does not match the cert_attached entry that recorded it"


def test_verify_finds_a_deleted_attachment(busy, database):
    disable_append_only(database)
    CertAttachment.delete().where(CertAttachment.id == CertAttachment.select().first().id).execute()
    result = audit.verify()
    assert not result.ok
    assert result.problem == "7 cert_attached entries but 6 attachments"


def test_verify_finds_an_attachment_whose_last_entry_was_cut_off(busy, database):
    serial = serials.create_serials("JOB-1", 1, "admin").serial_ids[0]
    attachments.attach(serial, "cert_mat01", "op1")
    disable_append_only(database)
    last = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert last.type == "cert_attached"
    AuditEntry.delete().where(AuditEntry.seq == last.seq).execute()

    result = audit.verify()

    assert not result.ok
    assert result.problem == f"attachment {last.record_id} does not match the cert_attached entry that recorded it"


def test_a_change_is_undone_when_its_audit_entry_cannot_be_written(plant, monkeypatch):
    serial = serials.create_serials("JOB-1", 1, "admin").serial_ids[0]
    before = row_counts()

    def broken(entries):
        raise OSError("disk full")

    monkeypatch.setattr(audit, "append", broken)
    for change in (lambda: attachments.attach(serial, "cert_mat01", "op1"),
                   lambda: serials.advance_serial(serial, "op1", "Override"),
                   lambda: serials.create_serials("JOB-1", 5, "admin", cert_id="cert_mat01"),
                   lambda: certificates.revoke_certificate("cert_mat01", "sup1", "Withdrawn"),
                   lambda: certificates.update_certificate("cert_mat01", {"name": "x"}, "sup1", "Typo")):
        with pytest.raises(OSError, match="disk full"):
            change()
    monkeypatch.undo()

    assert row_counts() == before
    assert (SerialNumber.get_by_id(serial).current_step_index, Certificate.get_by_id("cert_mat01").status,
            Certificate.get_by_id("cert_mat01").name) == (0, "active", "Mill test report 42CrMo4")
    assert serials.create_serials("JOB-1", 1, "admin").serial_ids == ["SN-00002"]  # the counter was rolled back too
    assert audit.verify().ok
