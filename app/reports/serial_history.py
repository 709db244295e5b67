"""A serial's own audit entries, newest first: its history in the office's serial view."""
from __future__ import annotations

from app.errors import NotFound
from app.models import SerialNumber
from app.reports.audit_trail import AuditQuery, AuditRow, audit_page


def serial_audit(serial_id: str, limit: int = 500) -> list[AuditRow]:
    """The serial's audit entries, newest first."""
    if not SerialNumber.select().where(SerialNumber.id == serial_id).exists():
        raise NotFound(f"SerialNumber not found: {serial_id}")
    return audit_page(AuditQuery(serial_id=serial_id), limit=limit).rows
