"""What a supervisor asks: a certificate's attachments, coverage of a batch, the audit trail.

Every list is read in keyset pages (``WHERE (key) > (last key) ORDER BY key LIMIT n``),
sorted and filtered in SQL, so a certificate with a million attachments is never held
in memory and page one costs the same as page ten thousand.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple, Sequence

from peewee import JOIN, Tuple, fn

from app.certificates import get_certificate
from app.clock import iso_utc
from app.db import to_datetime
from app.errors import Invalid, NotFound
from app.models import AuditEntry, CertAttachment, Certificate, Job, SerialNumber, Step, User, database
from app.routes import steps_of

PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    after: tuple | None  # the key to pass for the next page; None when this was the last

    @property
    def last(self) -> bool:
        return self.after is None


# --- a certificate's attachments ---------------------------------------------------------------

class AttachmentRow(NamedTuple):
    """The seed's attachment record (``AttachmentRecord``'s fields first), and what the view shows beside it.

    A named tuple, not a frozen dataclass: a million-row export builds a million of them.
    """

    id: str
    serial_id: str
    cert_id: str
    step_id: str
    attached_at: dt.datetime
    attached_by: str
    job_id: str
    step_name: str
    attached_by_name: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "serialId": self.serial_id, "certId": self.cert_id, "stepId": self.step_id,
                "attachedAt": iso_utc(self.attached_at), "attachedBy": self.attached_by, "jobId": self.job_id,
                "stepName": self.step_name, "attachedByName": self.attached_by_name}


ATTACHMENT_SORTS = ("attached_at", "serial", "job", "step", "attached_by")


@dataclass(frozen=True)
class AttachmentQuery:
    cert_id: str
    text: str | None = None  # serial, job, step name or user name contains
    step_id: str | None = None
    user_id: str | None = None
    since: dt.datetime | None = None  # UTC, inclusive
    until: dt.datetime | None = None  # UTC, exclusive
    sort: str = "attached_at"
    descending: bool = False


def _attachment_select(query: AttachmentQuery):
    a, s = CertAttachment, SerialNumber
    select = (a.select(a.id, a.serial, a.certificate, a.step, a.attached_at, a.attached_by, s.job,
                       Step.name.alias("step_name"), User.name.alias("user_name"))
              .join(s, on=(a.serial == s.id))
              .switch(a).join(Step, on=(a.step == Step.id))
              .switch(a).join(User, on=(a.attached_by == User.id))
              .where(a.certificate == query.cert_id))
    if query.text:
        text = query.text.strip()
        select = select.where(a.serial.contains(text) | s.job.contains(text) | Step.name.contains(text)
                              | User.name.contains(text))
    if query.step_id:
        select = select.where(a.step == query.step_id)
    if query.user_id:
        select = select.where(a.attached_by == query.user_id)
    if query.since:
        select = select.where(a.attached_at >= query.since)
    if query.until:
        select = select.where(a.attached_at < query.until)
    return select


# Per sort, the key's fields as AttachmentRow names them. Each key ends in fields that make
# it unique, so no row is skipped or repeated between pages.
_ATTACHMENT_KEYS = {
    "attached_at": ("attached_at", "serial_id", "step_id"),
    "serial": ("serial_id", "step_id"),
    "job": ("job_id", "serial_id", "step_id"),
    "step": ("step_id", "serial_id"),
    "attached_by": ("attached_by", "attached_at", "serial_id", "step_id"),
}


def _attachment_key(sort: str) -> list:
    """The key's columns in SQL."""
    a, s = CertAttachment, SerialNumber
    columns = {"attached_at": a.attached_at, "serial_id": a.serial, "step_id": a.step, "job_id": s.job,
               "attached_by": a.attached_by}
    return [columns[name] for name in _ATTACHMENT_KEYS[sort]]


def _keyset(select, key: list, after: tuple | None, descending: bool, limit: int):
    if after is not None:
        select = select.where((Tuple(*key) < Tuple(*after)) if descending else (Tuple(*key) > Tuple(*after)))
    order = [column.desc() if descending else column.asc() for column in key]
    return select.order_by(*order).limit(limit)


def attachment_page(query: AttachmentQuery, after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of a certificate's attachments. Raises NotFound, Invalid (unknown sort)."""
    if query.sort not in ATTACHMENT_SORTS:
        raise Invalid(f"Sort by one of {', '.join(ATTACHMENT_SORTS)}: {query.sort}")
    if after is None:
        get_certificate(query.cert_id)
    key = _attachment_key(query.sort)
    # Peewee builds the query; the rows are read as plain tuples, because its per-field
    # conversion (strptime for every timestamp) was most of the time of a million-row read.
    sql, params = _keyset(_attachment_select(query), key, after, query.descending, limit).sql()
    rows = [AttachmentRow(id_, serial, cert, step, to_datetime(at), by, job, step_name, user_name)
            for id_, serial, cert, step, at, by, job, step_name, user_name
            in database.obj.execute_sql(sql, params)]
    return Page(rows, _next_after(rows, limit, lambda row: _attachment_key_values(query.sort, row)))


def _attachment_key_values(sort: str, row: AttachmentRow) -> tuple:
    """The key's values in a row, to start the next page after it."""
    return tuple(getattr(row, name) for name in _ATTACHMENT_KEYS[sort])


def _next_after(rows: list, limit: int, key_of) -> tuple | None:
    return key_of(rows[-1]) if len(rows) == limit else None


def count_attachments(query: AttachmentQuery) -> int:
    get_certificate(query.cert_id)
    if not (query.text or query.step_id or query.user_id or query.since or query.until):
        # The common case counts straight off the (cert, attached_at, …) index.
        return CertAttachment.select().where(CertAttachment.certificate == query.cert_id).count()
    return _attachment_select(query).count()


def iter_pages(fetch, *args, page_size: int = 5000) -> Iterator[Any]:
    """Every row of a paged query, one page in memory at a time."""
    after = None
    while True:
        page = fetch(*args, after=after, limit=page_size)
        yield from page.rows
        if page.last:
            return
        after = page.after


def steps_with_attachments(cert_id: str) -> list[tuple[str, str]]:
    """(step id, step name) where this certificate was attached, for the step filter."""
    get_certificate(cert_id)
    return [(s.id, s.name) for s in Step.select(Step.id, Step.name).where(
        Step.id.in_(CertAttachment.select(CertAttachment.step).where(CertAttachment.certificate == cert_id)
                    .distinct())).order_by(Step.name)]


# --- the audit trail ---------------------------------------------------------------------------

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

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "id": self.id, "type": self.type, "at": iso_utc(self.at), "userId": self.user_id,
                "serialId": self.serial_id, "certId": self.cert_id, "jobId": self.job_id, "pathId": self.path_id,
                "stepId": self.step_id, "workstation": self.workstation, "reason": self.reason,
                "details": self.details}


def audit_page(query: AuditQuery = AuditQuery(), after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """Audit entries, newest first, filtered."""
    e = AuditEntry
    select = e.select(e.seq, e.id, e.type, e.at, e.user_id, e.serial_id, e.cert_id, e.job_id, e.path_id, e.step_id,
                      e.workstation, e.reason, e.details)
    for column, value in ((e.type, query.type), (e.user_id, query.user_id), (e.serial_id, query.serial_id),
                          (e.cert_id, query.cert_id)):
        if value:
            select = select.where(column == value)
    if query.since:
        select = select.where(e.at >= query.since)
    if query.until:
        select = select.where(e.at < query.until)
    rows = [AuditRow(**r) for r in _keyset(select, [e.seq], after, True, limit).dicts()]
    return Page(rows, _next_after(rows, limit, lambda row: (row.seq,)))


def audit_types() -> list[str]:
    return [t for (t,) in AuditEntry.select(AuditEntry.type).distinct().order_by(AuditEntry.type).tuples()]


# --- coverage ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoverageSpec:
    """Which serials (a job, or a list) must hold which certificate (one, or any of a kind)."""

    job_id: str | None = None
    serial_ids: Sequence[str] | None = None
    cert_id: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class LackingRow:
    serial_id: str
    job_id: str
    status: str
    step_id: str | None
    step_name: str | None

    def to_json(self) -> dict[str, Any]:
        return {"serialId": self.serial_id, "jobId": self.job_id, "status": self.status, "stepId": self.step_id,
                "stepName": self.step_name}


@dataclass(frozen=True)
class CoverageCount:
    covered: int
    total: int

    def to_json(self) -> dict[str, Any]:
        return {"covered": self.covered, "total": self.total, "lacking": self.total - self.covered}


def _check_spec(spec: CoverageSpec, needs_certificate: bool = True) -> None:
    if bool(spec.job_id) == bool(spec.serial_ids):
        raise Invalid("Choose a job or a list of serials")
    if spec.job_id and not Job.select().where(Job.id == spec.job_id).exists():
        raise NotFound(f"Job not found: {spec.job_id}")
    if needs_certificate:
        if bool(spec.cert_id) == bool(spec.kind):
            raise Invalid("Choose a certificate or a certificate kind")
        if spec.cert_id:
            get_certificate(spec.cert_id)


def _serials(spec: CoverageSpec):
    s = SerialNumber
    select = s.select()
    return select.where(s.job == spec.job_id) if spec.job_id else select.where(s.id.in_(list(spec.serial_ids)))


def _holds(spec: CoverageSpec):
    """EXISTS: the serial has the certificate (or one of the kind) attached, at any step."""
    a = CertAttachment
    inner = a.select(a.id).where(a.serial == SerialNumber.id)
    if spec.cert_id:
        inner = inner.where(a.certificate == spec.cert_id)
    else:
        inner = inner.join(Certificate, on=(a.certificate == Certificate.id)).where(Certificate.kind == spec.kind)
    return fn.EXISTS(inner)


def coverage_count(spec: CoverageSpec) -> CoverageCount:
    """How many of the serials hold the certificate, out of how many."""
    _check_spec(spec)
    total = _serials(spec).count()
    covered = _serials(spec).where(_holds(spec)).count()
    return CoverageCount(covered, total)


def lacking_page(spec: CoverageSpec, after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """The serials that lack the certificate, by serial id, with the step each stands at."""
    _check_spec(spec)
    s = SerialNumber
    select = (_serials(spec).select(s.id, s.job, s.status, Step.id.alias("step_id"), Step.name.alias("step_name"))
              .join(Step, JOIN.LEFT_OUTER, on=((Step.path == s.path) & (Step.position == s.current_step_index)))
              .where(~_holds(spec)))
    rows = [LackingRow(r["id"], r["job"], r["status"], r["step_id"], r["step_name"])
            for r in _keyset(select, [s.id], after, False, limit).dicts()]
    return Page(rows, _next_after(rows, limit, lambda row: (row.serial_id,)))


@dataclass(frozen=True)
class RouteGapRow:
    serial_id: str
    step_id: str
    step_name: str
    missing: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"serialId": self.serial_id, "stepId": self.step_id, "stepName": self.step_name,
                "missing": list(self.missing)}


def route_gap_page(spec: CoverageSpec, after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """For each serial, the steps it has passed whose required certificate kinds are missing there."""
    _check_spec(spec, needs_certificate=False)
    s, a = SerialNumber, CertAttachment
    rows: list[RouteGapRow] = []
    steps_by_path: dict[str, list] = {}
    cursor = after
    while len(rows) < limit:
        serial_rows = list(_keyset(_serials(spec).select(s.id, s.path, s.current_step_index), [s.id], cursor,
                                   False, limit).dicts())
        if not serial_rows:
            return Page(rows, None)
        held: dict[tuple[str, str], set[str]] = {}
        for serial_id, step_id, kind in (a.select(a.serial, a.step, Certificate.kind)
                                         .join(Certificate, on=(a.certificate == Certificate.id))
                                         .where(a.serial.in_([r["id"] for r in serial_rows])).tuples()):
            held.setdefault((serial_id, step_id), set()).add(kind)
        for serial in serial_rows:
            steps = steps_by_path.setdefault(serial["path"], steps_of(serial["path"]))
            passed = steps if serial["current_step_index"] == -1 else steps[:serial["current_step_index"]]
            for step in passed:
                missing = [k for k in step.requires if k not in held.get((serial["id"], step.id), set())]
                if missing:
                    rows.append(RouteGapRow(serial["id"], step.id, step.name, missing))
            cursor = (serial["id"],)
            if len(rows) >= limit:
                return Page(rows, cursor)
        if len(serial_rows) < limit:
            return Page(rows, None)
    return Page(rows, cursor)


# --- a serial's own audit entries --------------------------------------------------------------

def serial_audit(serial_id: str, limit: int = 500) -> list[AuditRow]:
    """The serial's audit entries, newest first."""
    if not SerialNumber.select().where(SerialNumber.id == serial_id).exists():
        raise NotFound(f"SerialNumber not found: {serial_id}")
    return audit_page(AuditQuery(serial_id=serial_id), limit=limit).rows
