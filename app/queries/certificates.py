"""The Certificates view's questions: a page of the list, the ones expiring soon, one's history and state."""
from __future__ import annotations

from app import certificates, documents, reports
from app.certificates import CertificateQuery, CertificateRecord

EXPIRING_DAYS = 30
HISTORY_LIMIT = 1000


def page(query: CertificateQuery, after: tuple | None, limit: int) -> reports.Page:
    """A page of the list for the paged table model; ``after`` holds how many rows came before."""
    offset = after[0] if after else 0
    rows = certificates.list_certificates(query, limit=limit, offset=offset)
    return reports.Page(rows, (offset + len(rows),) if len(rows) == limit else None)


def expiring(days: int = EXPIRING_DAYS) -> list[CertificateRecord]:
    query = CertificateQuery(status="active", expires_within_days=days, sort="date_expire")
    return certificates.list_certificates(query, limit=100)


def history(cert_id: str) -> list[reports.AuditRow]:
    rows: list[reports.AuditRow] = []
    after = None
    while True:
        found = reports.audit_page(reports.AuditQuery(cert_id=cert_id), after=after)
        rows.extend(found.rows)
        if found.last or len(rows) >= HISTORY_LIMIT:
            return rows
        after = found.after


def _signature(cert_id: str) -> dict | None:
    found = reports.audit_page(reports.AuditQuery(cert_id=cert_id, type="cert_approved"), limit=1)
    return dict(found.rows[0].details) if found.rows else None


def document_state(cert_id: str) -> tuple[CertificateRecord, list[documents.DocumentRecord], dict | None]:
    record = certificates.get_certificate(cert_id)
    signature = _signature(cert_id) if record.review_status == "approved" else None
    return record, documents.list_documents(cert_id), signature
