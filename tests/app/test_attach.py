"""The core rule (README, "How it works"): attach a certificate at the serial's current step."""
import datetime as dt
import time

import pytest
from peewee import SqliteDatabase

from app import attachments, audit, certificates, documents, policy, serials
from app.errors import Forbidden, Invalid, NotFound
from app.models import AuditEntry, CertAttachment, SerialNumber
from tests.helpers import documents_corpus as corpus


@pytest.fixture
def serial(plant):
    return serials.create_serials("JOB-1", 1, "admin").serial_ids[0]


def attached_entries():
    return list(AuditEntry.select().where(AuditEntry.type == "cert_attached"))


def test_attach_records_attachment_at_current_step_and_one_audit_entry(serial):
    result = attachments.attach(serial, "cert_mat01", "op1")

    assert result.created
    row = CertAttachment.get()
    assert (row.serial_id, row.cert_id, row.step_id, row.attached_by_id) == (
        serial, "cert_mat01", "step_001", "op1")
    record = result.attachment.to_json()
    assert set(record) == {"id", "serialId", "certId", "stepId", "attachedAt", "attachedBy"}
    assert record["id"].startswith("ca_") and record["stepId"] == "step_001"
    assert dt.datetime.strptime(record["attachedAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
    (entry,) = attached_entries()
    assert (entry.user_id, entry.serial_id, entry.cert_id, entry.job_id, entry.path_id, entry.step_id,
            entry.record_id) == ("op1", serial, "cert_mat01", "JOB-1", "path_a", "step_001", row.id)


def test_attaching_again_at_the_same_step_returns_the_record_and_writes_nothing(serial):
    first = attachments.attach(serial, "cert_mat01", "op1")
    again = attachments.attach(serial, "cert_mat01", "op2")

    assert not again.created
    assert again.attachment == first.attachment
    assert again.attached_by_name == "Olga Operator"
    assert CertAttachment.select().count() == 1
    assert len(attached_entries()) == 1


def test_the_same_certificate_attaches_again_at_a_later_step(serial):
    attachments.attach(serial, "cert_mat01", "op1")
    serials.advance_serial(serial, "op1")
    second = attachments.attach(serial, "cert_mat01", "op1")

    assert second.created and second.attachment.step_id == "step_002"
    assert CertAttachment.select().count() == 2
    assert len(attached_entries()) == 2


@pytest.mark.parametrize("serial_id, cert_id, error, message", [
    ("SN-404", "cert_mat01", NotFound, "SerialNumber not found: SN-404"),
    ("SN-00001", "cert_404", NotFound, "Certificate not found: cert_404"),
    ("SN-00001", "", Invalid, "Certificate id is required"),
    ("SN-00001", "cert mat", Invalid, "Certificate id may hold only printable ASCII without spaces: 'cert mat'"),
    ("SN-00001", "cert_rev", Invalid, "Certificate cert_rev is revoked, cannot attach"),
])
def test_refusals_name_the_problem_and_write_nothing(serial, serial_id, cert_id, error, message):
    before = AuditEntry.select().count()
    with pytest.raises(error) as refused:
        attachments.attach(serial_id, cert_id, "op1")
    assert str(refused.value) == message
    assert CertAttachment.select().count() == 0
    assert AuditEntry.select().count() == before


def test_an_expired_certificate_is_refused_with_its_date(serial):
    expired_on = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    with pytest.raises(Invalid, match=f"^Certificate cert_old expired on {expired_on}, cannot attach$"):
        attachments.attach(serial, "cert_old", "op1")
    assert CertAttachment.select().count() == 0


def test_a_certificate_inside_its_warning_window_still_attaches(serial):
    assert attachments.attach(serial, "cert_soon", "op1").created


def test_a_completed_serial_is_refused(serial):
    attachments.attach(serial, "cert_mat01", "op1")
    serials.advance_serial(serial, "op1")
    serials.advance_serial(serial, "op1")
    attachments.attach(serial, "cert_insp01", "op1")
    serials.complete_serial(serial, "op1")
    assert SerialNumber.get_by_id(serial).current_step_index == -1

    with pytest.raises(Invalid, match="^Serial is already completed, cannot attach cert$"):
        attachments.attach(serial, "cert_mat01", "op1")


def test_a_scrapped_serial_that_is_not_completed_can_still_be_attached_to(serial):
    serials.scrap_serial(serial, "sup1", "dropped")
    assert attachments.attach(serial, "cert_mat01", "op1").created


def test_a_serial_whose_path_is_gone_is_refused(serial, database):
    # Lose a path behind the application's back, foreign keys switched off for this connection.
    if isinstance(database, SqliteDatabase):
        database.execute_sql("PRAGMA foreign_keys=OFF")
    else:
        database.execute_sql("SET session_replication_role = replica")
    database.execute_sql("UPDATE serial SET path_id='path_gone'")
    with pytest.raises(NotFound, match="^Path not found: path_gone$"):
        attachments.attach(serial, "cert_mat01", "op1")


@pytest.mark.parametrize("user_id, error, message", [
    ("", Invalid, "User id is required"),
    ("nobody", NotFound, "User not found: nobody"),
])
def test_the_user_must_be_known(serial, user_id, error, message):
    with pytest.raises(error, match=f"^{message}$"):
        attachments.attach(serial, "cert_mat01", user_id)


def test_an_inactive_user_is_refused(serial):
    from app.models import User
    User.update(active=False).where(User.id == "op2").execute()
    with pytest.raises(Forbidden, match="^User op2 is not active$"):
        attachments.attach(serial, "cert_mat01", "op2")


def test_approval_requirement_refuses_unapproved_certificates(serial):
    with pytest.raises(Invalid, match="is not approved"):
        attachments.attach(serial, "cert_mat01", "op1", require_approved=True)


def test_attachments_of_a_certificate_oldest_first(plant):
    ids = serials.create_serials("JOB-1", 3, "admin").serial_ids
    for sid in reversed(ids):
        attachments.attach(sid, "cert_mat01", "op1")
        time.sleep(0.002)  # times keep milliseconds; within one, the serial id orders (the listing's rule)
    listed = attachments.attachments_of_certificate("cert_mat01")
    assert [a.serial_id for a in listed] == list(reversed(ids))
    assert attachments.attachments_of_certificate("cert_insp01") == []
    with pytest.raises(NotFound, match="^Certificate not found: cert_x$"):
        attachments.attachments_of_certificate("cert_x")
    assert audit.verify().ok


# ---- whether a certificate may be attached: one rule, asked by attach, the station and the office ----

PDF = corpus.pdf()
NOT_APPROVED = ("Certificate cert_mat01 is not approved (review status {}); "
                "only approved certificates may be attached")


@pytest.fixture
def approved_insp01(plant, tmp_path, monkeypatch):
    """cert_insp01 with a document a supervisor approved; the others stay pending."""
    monkeypatch.setenv("CERTLINE_DOCUMENTS", str(tmp_path / "documents"))
    documents.add_document_bytes("cert_insp01", PDF, "report.pdf", "sup1")
    documents.approve_certificate("cert_insp01", "sup1", "432100")
    return certificates.get_certificate("cert_insp01")


def test_refusal_to_attach_reads_the_plant_policy_when_not_told(approved_insp01):
    pending = certificates.get_certificate("cert_mat01")
    assert pending.review_status == "pending"
    assert certificates.refusal_to_attach(pending) is None
    assert certificates.refusal_to_attach(approved_insp01) is None

    policy.set_policy("require_approved", True, "admin", "Customer requires reviewed MTRs")
    assert certificates.refusal_to_attach(pending) == NOT_APPROVED.format("pending")
    assert certificates.refusal_to_attach(approved_insp01) is None
    # Told explicitly, the caller's word stands over the policy, both ways.
    assert certificates.refusal_to_attach(pending, require_approved=False) is None
    policy.set_policy("require_approved", False, "admin", "Back to normal")
    assert certificates.refusal_to_attach(pending, require_approved=True) == NOT_APPROVED.format("pending")


def test_refusal_to_attach_keeps_its_messages_and_their_order(plant):
    policy.set_policy("require_approved", True, "admin", "Customer requires reviewed MTRs")
    today = dt.date.today()
    revoked, expired = certificates.get_certificate("cert_rev"), certificates.get_certificate("cert_old")
    # Revoked and expired say so before the approval does; both are pending too.
    assert certificates.refusal_to_attach(revoked) == "Certificate cert_rev is revoked, cannot attach"
    assert certificates.refusal_to_attach(expired) == (
        f"Certificate cert_old expired on {(today - dt.timedelta(days=1)).isoformat()}, cannot attach")
    # The day counts: the day before its expiry the certificate was still good, the policy aside.
    assert certificates.refusal_to_attach(expired, today - dt.timedelta(days=2), require_approved=False) is None


def test_attach_refuses_with_the_same_words_as_the_rule_and_writes_nothing(serial, approved_insp01):
    policy.set_policy("require_approved", True, "admin", "Customer requires reviewed MTRs")
    before = AuditEntry.select().count()
    with pytest.raises(Invalid) as refused:
        attachments.attach(serial, "cert_mat01", "op1")
    assert str(refused.value) == certificates.refusal_to_attach(certificates.get_certificate("cert_mat01"))
    assert CertAttachment.select().count() == 0 and AuditEntry.select().count() == before
    serials.advance_serial(serial, "op1", reason="test")
    serials.advance_serial(serial, "op1", reason="test")
    assert attachments.attach(serial, "cert_insp01", "op1").created


def test_a_batch_created_with_a_certificate_obeys_the_approval_policy(approved_insp01):
    policy.set_policy("require_approved", True, "admin", "Customer requires reviewed MTRs")
    with pytest.raises(Invalid, match=r"^Certificate cert_mat01 is not approved \(review status pending\)"):
        serials.create_serials("JOB-1", 2, "admin", cert_id="cert_mat01")
    assert SerialNumber.select().count() == 0 and CertAttachment.select().count() == 0


def test_attach_reads_the_policy_at_most_once(serial, approved_insp01, database, monkeypatch):
    serials.advance_serial(serial, "op1", reason="test")
    serials.advance_serial(serial, "op1", reason="test")
    statements: list[str] = []
    # peewee's query hook sees every statement, the hand-written ones of app.db.execute too.
    monkeypatch.setattr(database, "query_hooks", [lambda event: statements.append(event.sql)])

    def policy_reads() -> int:
        return sum('FROM "policy"' in sql for sql in statements)

    assert attachments.attach(serial, "cert_soon", "op1").created  # pending: the policy decides
    assert policy_reads() == 1
    statements.clear()
    assert attachments.attach(serial, "cert_insp01", "op1").created  # approved: nothing to ask
    assert policy_reads() == 0
