"""The Certificates view's questions: a page of the list, what expires soon, and one certificate's
detail — its fields, documents, approval and history — as plain records the screen only shows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app import certificates, documents, reports
from app.certificate_list import CertificateQuery, certificate_page, count_certificates
from app.certificates import CertificateRecord
from app.models import AuditEntry, Certificate, User
from app.reports import Page
from app.audit_sentences import Names, audit_sentence

EXPIRING_DAYS = 30
HISTORY_LIMIT = 1000  # entries the form's history tab lists
HISTORY_SHOWN = 200  # entries the detail pane lists, newest first
# A certificate's own story; its attachments (a million, for some) are the Attachments view's.
OWN_EVENTS = ("cert_created", "cert_updated", "cert_revoked", "document_added", "document_removed",
              "cert_approved")


def page(query: CertificateQuery, after: tuple | None, limit: int) -> Page:
    """A page of the list for the paged table model, starting after the key of the last row shown."""
    rows, following = certificate_page(query, after, limit)
    return Page(rows, following)


def expiring_query(days: int = EXPIRING_DAYS) -> CertificateQuery:
    """Active certificates that expire within ``days``, soonest first: the list's *Expiring soon*."""
    return CertificateQuery(status="active", expires_within_days=days, sort="date_expire")


def expiring(days: int = EXPIRING_DAYS) -> list[CertificateRecord]:
    return certificate_page(expiring_query(days), None, 100)[0]


def expiring_count(days: int = EXPIRING_DAYS) -> int:
    return count_certificates(expiring_query(days))


# --- one certificate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """Who approved a certificate's documents, when (naive UTC) and what the signature means."""

    cert_id: str
    user_id: str
    user_name: str
    at: dt.datetime
    meaning: str
    documents: int  # how many documents the signature covered


def approval(cert_id: str) -> Approval | None:
    """The approval in force, or None while the certificate waits for documents or for approval.

    Raises NotFound. An approval stands only as long as the documents it covered: any change of
    documents withdraws it (``app.documents``), so the certificate's own row says whether one stands.
    """
    record = certificates.get_certificate(cert_id)
    if record.review_status != "approved" or not record.approved_by or record.approved_at is None:
        return None
    user = User.get_or_none(User.id == record.approved_by)
    signature = (AuditEntry.select(AuditEntry.details)
                 .where(AuditEntry.cert_id == cert_id, AuditEntry.type == "cert_approved")
                 .order_by(AuditEntry.seq.desc()).first())
    details = signature.details if signature is not None and isinstance(signature.details, dict) else {}
    return Approval(cert_id, record.approved_by, user.name if user else record.approved_by,
                    record.approved_at, str(details.get("meaning") or documents.MEANING),
                    len(details.get("documents") or ()))


@dataclass(frozen=True)
class CertificateDetail:
    """What the detail pane shows of one certificate, read in one go."""

    record: CertificateRecord
    documents: list[documents.DocumentRecord]
    approval: Approval | None
    user_names: dict[str, str] = field(default_factory=dict)  # of those who added its documents

    def user_name(self, user_id: str | None) -> str:
        return self.user_names.get(user_id, user_id) if user_id else ""


def detail(cert_id: str) -> CertificateDetail:
    """The certificate, its documents (oldest first) and its approval. Raises NotFound."""
    record = certificates.get_certificate(cert_id)
    found = documents.list_documents(cert_id)
    return CertificateDetail(record, found, approval(cert_id), _names({d.uploaded_by for d in found}))


def _names(user_ids: set[str]) -> dict[str, str]:
    ids = sorted(i for i in user_ids if i)
    return dict(User.select(User.id, User.name).where(User.id.in_(ids)).tuples()) if ids else {}


@dataclass(frozen=True)
class HistoryLine:
    """One change of a certificate, in words: when (naive UTC), what kind of change, by whom, and why."""

    at: dt.datetime
    type: str
    user_id: str | None
    user_name: str
    sentence: str
    reason: str


def history_lines(cert_id: str, limit: int = HISTORY_SHOWN) -> list[HistoryLine]:
    """The certificate's own changes, newest first, each as a sentence (``app.words.audit_sentence``).

    Attachments are left out: they are the Attachments view's, and a certificate may have a million.
    """
    e = AuditEntry
    rows = [reports.AuditRow(**row) for row in
            e.select(e.seq, e.id, e.type, e.at, e.user_id, e.serial_id, e.cert_id, e.job_id, e.path_id, e.step_id,
                     e.workstation, e.reason, e.details, e.record_id)
            .where(e.cert_id == cert_id, e.type.in_(OWN_EVENTS)).order_by(e.seq.desc()).limit(limit).dicts()]
    users = _names({row.user_id for row in rows if row.user_id})
    cert = Certificate.get_or_none(Certificate.id == cert_id)
    names = Names(users=users, certificates={cert_id: cert.name} if cert else {})
    return [HistoryLine(row.at, row.type, row.user_id, names.user(row.user_id),
                        audit_sentence(row, names, reason=False), row.reason or "") for row in rows]


def history(cert_id: str) -> list[reports.AuditRow]:
    """Every audit entry of the certificate as stored, newest first (the form's history tab), at most
    ``HISTORY_LIMIT``."""
    rows: list[reports.AuditRow] = []
    after = None
    while True:
        found = reports.audit_page(reports.AuditQuery(cert_id=cert_id), after=after)
        rows.extend(found.rows)
        if found.last or len(rows) >= HISTORY_LIMIT:
            return rows
        after = found.after
