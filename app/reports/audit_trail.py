"""The audit trail as the supervisor reads it: newest first, filtered, in keyset pages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from app.certificate_list import resolve_certificate
from app.clock import iso_utc
from app.errors import NotFound
from app.models import AuditEntry
from app.reports.paging import PAGE_SIZE, Page, PageIndex, keyset, next_after, page_index


@dataclass(frozen=True)
class AuditQuery:
    type: str | None = None
    user_id: str | None = None
    serial_id: str | None = None
    cert_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    seq: int
    id: str
    type: str
    at: dt.datetime
    user_id: str | None
    serial_id: str | None
    cert_id: str | None
    job_id: str | None
    path_id: str | None
    step_id: str | None
    workstation: str | None
    reason: str | None
    details: dict = field(default_factory=dict)
    record_id: str | None = None
    os_account: str | None = None  # account@host of the process that wrote it
    auth: str | None = None  # how the user proved who they were: badge, badge+PIN, name+PIN, pin, token…
    token_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "id": self.id, "type": self.type, "at": iso_utc(self.at), "userId": self.user_id,
                "serialId": self.serial_id, "certId": self.cert_id, "jobId": self.job_id, "pathId": self.path_id,
                "stepId": self.step_id, "workstation": self.workstation, "reason": self.reason,
                "details": self.details, "recordId": self.record_id, "osAccount": self.os_account,
                "auth": self.auth, "tokenId": self.token_id}


def audit_cert_id(code: str) -> str:
    """The certificate an audit-trail filter means by ``code``: by id or issuer number, as a scan is
    read (``resolve_certificate``; a number several share is refused). A certificate since deleted
    is still found by its id, as its entries stay. Raises NotFound when nothing has that code.
    """
    code = code.strip()
    try:
        return resolve_certificate(code).id
    except NotFound:
        if AuditEntry.select().where(AuditEntry.cert_id == code).exists():
            return code
        raise


def _audit_select(query: AuditQuery, *columns):
    e = AuditEntry
    select = e.select(*(columns or (e.seq, e.id, e.type, e.at, e.user_id, e.serial_id, e.cert_id, e.job_id,
                                    e.path_id, e.step_id, e.workstation, e.reason, e.details, e.record_id,
                                    e.os_account, e.auth, e.token_id)))
    for column, value in ((e.type, query.type), (e.user_id, query.user_id), (e.serial_id, query.serial_id),
                          (e.cert_id, query.cert_id)):
        if value:
            select = select.where(column == value)
    if query.since:
        select = select.where(e.at >= query.since)
    if query.until:
        select = select.where(e.at < query.until)
    return select


def audit_page(query: AuditQuery = AuditQuery(), after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """Audit entries, newest first, filtered."""
    rows = [AuditRow(**r) for r in keyset(_audit_select(query), [AuditEntry.seq], after, True, limit).dicts()]
    return Page(rows, next_after(rows, limit, lambda row: (row.seq,)))


def audit_page_index(query: AuditQuery = AuditQuery(), size: int = PAGE_SIZE) -> PageIndex:
    """Where each page of ``audit_page`` begins."""
    unfiltered = query == AuditQuery()  # then the primary key walks the order
    return page_index(lambda *columns: _audit_select(query, *columns), [AuditEntry.seq], True, size,
                      seekable=unfiltered)


def audit_types() -> list[str]:
    return [t for (t,) in AuditEntry.select(AuditEntry.type).distinct().order_by(AuditEntry.type).tuples()]
