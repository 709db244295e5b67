"""What a supervisor asks: a certificate's attachments, coverage of a batch, the audit trail.

Every list is read in keyset pages (``WHERE (key) > (last key) ORDER BY key LIMIT n``),
sorted and filtered in SQL, so a certificate with a million attachments is never held
in memory and page one costs the same as page ten thousand.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import islice
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


@dataclass(frozen=True)
class PageIndex:
    """Where every page of a listing begins, so a view can show page k without reading those before it."""

    total: int  # rows in the listing
    size: int  # rows per page
    afters: list[tuple]  # afters[k - 1]: the key page k starts after (page 0 starts at the beginning)

    def __post_init__(self) -> None:
        if len(self.afters) != max(self.pages - 1, 0):
            raise ValueError(f"{self.pages} pages need {max(self.pages - 1, 0)} starts, not {len(self.afters)}")

    def after(self, page: int) -> tuple | None:
        return None if page == 0 else self.afters[page - 1]

    @property
    def pages(self) -> int:
        return -(-self.total // self.size)


# --- a certificate's attachments ---------------------------------------------------------------

class AttachmentRow(NamedTuple):
    """The attachment record (``AttachmentRecord``'s fields first), and what the view shows beside it.

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


def _attachment_select(query: AttachmentQuery, *columns):
    """The attachments the query asks for, with ``columns``, joined only to what the filters and
    the sort need (every attachment has its serial, step and user: the foreign keys hold), so a
    count or a page index sorted by time runs off the (cert, attached_at, serial, step) index alone.
    """
    a, s = CertAttachment, SerialNumber
    text = (query.text or "").strip()
    select = a.select(*columns).where(a.certificate == query.cert_id)
    if text or query.sort == "job" or any(column is s.job for column in columns):  # (peewee's == builds SQL)
        select = select.join(s, on=(a.serial == s.id)).switch(a)
    if text:
        select = (select.join(Step, on=(a.step == Step.id)).switch(a)
                  .join(User, on=(a.attached_by == User.id)).switch(a)
                  .where(a.serial.contains(text) | s.job.contains(text) | Step.name.contains(text)
                         | User.name.contains(text)))
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


def _check_sort(query: AttachmentQuery) -> None:
    if query.sort not in ATTACHMENT_SORTS:
        raise Invalid(f"Sort by one of {', '.join(ATTACHMENT_SORTS)}: {query.sort}")


_RAW = ("id", "serial_id", "step_id", "attached_at", "attached_by", "job_id")  # an attachment as read


def _attachment_raw_page(query: AttachmentQuery, after: tuple | None, limit: int):
    """One page as plain tuples (``_RAW``), and the names of its steps and users.

    Peewee builds the query; the rows are read as plain tuples, because its per-field
    conversion (strptime for every timestamp) was most of the time of a million-row read.
    Step and user names are looked up once per page, not joined to every row: the joins cost
    a quarter of a million-row read, for a few dozen names.
    """
    a, s = CertAttachment, SerialNumber
    select = _attachment_select(query, a.id, a.serial, a.step, a.attached_at, a.attached_by, s.job)
    sql, params = _keyset(select, _attachment_key(query.sort), after, query.descending, limit).sql()
    rows = database.obj.execute_sql(sql, params).fetchall()
    steps = _names(Step, {row[2] for row in rows})
    users = _names(User, {row[4] for row in rows})
    return rows, steps, users


def _names(model, ids: set[str]) -> dict[str, str]:
    return dict(model.select(model.id, model.name).where(model.id.in_(list(ids))).tuples()) if ids else {}


def attachment_page(query: AttachmentQuery, after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of a certificate's attachments. Raises NotFound, Invalid (unknown sort)."""
    _check_sort(query)
    if after is None:
        get_certificate(query.cert_id)
    raw, steps, users = _attachment_raw_page(query, after, limit)
    cert = query.cert_id
    rows = [AttachmentRow(id_, serial, cert, step, to_datetime(at), by, job, steps[step], users[by])
            for id_, serial, step, at, by, job in raw]
    return Page(rows, _next_after(rows, limit, lambda row: _attachment_key_values(query.sort, row)))


ATTACHMENT_CSV_HEADER = ["id", "serialId", "certId", "stepId", "attachedAt", "attachedBy", "jobId", "stepName",
                         "attachedByName"]  # AttachmentRow.to_json's keys


def attachment_csv_rows(query: AttachmentQuery, page_size: int = 5000) -> Iterator[tuple[str, ...]]:
    """Every attachment as ``AttachmentRow.to_json`` writes it, as text: the export's fast path.

    A million rows are read as they are stored and written as text, without building a
    record, a datetime and a dict for each (that was two thirds of the export's time).
    """
    _check_sort(query)
    get_certificate(query.cert_id)
    return iter_pages(_attachment_csv_page, query, page_size=page_size)


def _attachment_csv_page(query: AttachmentQuery, after: tuple | None, limit: int) -> Page:
    raw, steps, users = _attachment_raw_page(query, after, limit)
    cert = query.cert_id
    rows = [(id_, serial, cert, step, _iso_text(at), by, job, steps[step], users[by])
            for id_, serial, step, at, by, job in raw]
    positions = [_RAW.index(name) for name in _ATTACHMENT_KEYS[query.sort]]
    # The next page starts after the key as stored, so the comparison is exact.
    return Page(rows, _next_after(raw, limit, lambda row: tuple(row[i] for i in positions)))


def _iso_text(stored: Any) -> str:
    """``iso_utc`` of a timestamp as the database gave it; SQLite's text is rearranged, not parsed."""
    if stored.__class__ is str and len(stored) == 26 and stored[10] == " ":  # 2024-01-15 10:30:00.123000
        return f"{stored[:10]}T{stored[11:23]}Z"
    return iso_utc(to_datetime(stored))


def _attachment_key_values(sort: str, row: AttachmentRow) -> tuple:
    """The key's values in a row, to start the next page after it."""
    return tuple(getattr(row, name) for name in _ATTACHMENT_KEYS[sort])


def _next_after(rows: list, limit: int, key_of) -> tuple | None:
    return key_of(rows[-1]) if len(rows) == limit else None


def count_attachments(query: AttachmentQuery) -> int:
    get_certificate(query.cert_id)
    return _attachment_select(query, CertAttachment.id).count()


def attachment_page_index(query: AttachmentQuery, size: int = PAGE_SIZE) -> PageIndex:
    """Where each page of ``attachment_page`` begins: the count and every ``size``-th key."""
    _check_sort(query)
    get_certificate(query.cert_id)
    names = _ATTACHMENT_KEYS[query.sort]
    convert = [to_datetime if name == "attached_at" else None for name in names]
    # The (cert, attached_at, serial, step) index walks the time order; the text filter needs joins.
    seekable = query.sort == "attached_at" and not (query.text or "").strip()
    return _page_index(lambda *columns: _attachment_select(query, *columns), _attachment_key(query.sort),
                       query.descending, size, convert, seekable)


def _page_index(select_of, key: list, descending: bool, size: int, convert: Sequence | None = None,
                seekable: bool = False) -> PageIndex:
    """The key of every ``size``-th row (the end of each page), and the count.

    ``select_of(*columns)`` is the listing's select with those columns, without the other
    columns or joins a row shows. Where an index yields the rows in key order (``seekable``)
    each page end is one hop from the last, ``WHERE key > end LIMIT 1 OFFSET size - 1``,
    which steps over index entries without reading them: a few thousand small queries for
    a million rows. Otherwise one pass reads the keys in order and keeps every
    ``size``-th. The count comes first, in the same transaction (one snapshot on SQLite).
    """
    if size < 1:
        raise Invalid(f"Page size must be at least 1: {size}")
    order = [column.desc() if descending else column.asc() for column in key]
    with database.obj.atomic():
        total = select_of(key[0]).count()
        ends = -(-total // size) - 1  # the pages after the first start after these
        keys: list[tuple] = []
        if seekable and ends > 0:
            keys = _hops(select_of(*key), key, descending, size, ends)
        elif ends > 0:
            keys = list(islice(select_of(*key).order_by(*order).tuples().iterator(), size - 1, ends * size, size))
    if len(keys) < ends:
        # Fewer rows than counted: on PostgreSQL each statement reads afresh, and a listing such
        # as the lacking serials shrinks when a serial gets its certificate. The index covers
        # what the keys reach; a page read later fills the rest, or shows it empty.
        total = (len(keys) + 1) * size
    if convert and any(convert):
        keys = [tuple(value if to is None else to(value) for value, to in zip(row, convert)) for row in keys]
    return PageIndex(total, size, keys)


def _hops(select, key: list, descending: bool, size: int, ends: int) -> list[tuple]:
    """Up to ``ends`` page ends, each found from the last by ``WHERE key > end … OFFSET size - 1``.

    Peewee builds the hop's SQL once; building it afresh for each of thousands of hops cost
    ten times the queries. The last end's values go back as they were read, in the
    parameters of the key comparison, which peewee places just before LIMIT and OFFSET.
    """
    execute = database.obj.execute_sql
    first = execute(*_keyset(select, key, None, descending, 1).offset(size - 1).sql()).fetchone()
    if first is None:
        return []
    keys = [tuple(first)]  # as stored, like every later one
    sql, params = _keyset(select, key, keys[0], descending, 1).offset(size - 1).sql()
    at = len(params) - 2 - len(key)
    if params[at:at + len(key)] != list(keys[0]) or params[-2:] != [1, size - 1]:
        raise RuntimeError(f"Unexpected parameters from peewee for a page hop: {params}")
    while len(keys) < ends:
        params[at:at + len(key)] = keys[-1]
        row = execute(sql, params).fetchone()
        if row is None:
            break
        keys.append(tuple(row))
    return keys


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
    rows = [AuditRow(**r) for r in _keyset(_audit_select(query), [AuditEntry.seq], after, True, limit).dicts()]
    return Page(rows, _next_after(rows, limit, lambda row: (row.seq,)))


def audit_page_index(query: AuditQuery = AuditQuery(), size: int = PAGE_SIZE) -> PageIndex:
    """Where each page of ``audit_page`` begins."""
    unfiltered = query == AuditQuery()  # then the primary key walks the order
    return _page_index(lambda *columns: _audit_select(query, *columns), [AuditEntry.seq], True, size,
                       seekable=unfiltered)


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


def _lacking_select(spec: CoverageSpec, *columns):
    s = SerialNumber
    select = (_serials(spec).select(*(columns or (s.id, s.job, s.status, Step.id.alias("step_id"),
                                                  Step.name.alias("step_name"))))
              .where(~_holds(spec)))
    if not columns:
        select = select.join(Step, JOIN.LEFT_OUTER,
                             on=((Step.path == s.path) & (Step.position == s.current_step_index)))
    return select


def lacking_page(spec: CoverageSpec, after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """The serials that lack the certificate, by serial id, with the step each stands at."""
    _check_spec(spec)
    rows = [LackingRow(r["id"], r["job"], r["status"], r["step_id"], r["step_name"])
            for r in _keyset(_lacking_select(spec), [SerialNumber.id], after, False, limit).dicts()]
    return Page(rows, _next_after(rows, limit, lambda row: (row.serial_id,)))


def lacking_page_index(spec: CoverageSpec, size: int = PAGE_SIZE) -> PageIndex:
    """Where each page of ``lacking_page`` begins."""
    _check_spec(spec)
    return _page_index(lambda *columns: _lacking_select(spec, *columns), [SerialNumber.id], False, size)


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
