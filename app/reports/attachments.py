"""A certificate's attachments: the supervisor's view, its count, its page index and its CSV rows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Iterator, NamedTuple

from app.certificates import get_certificate
from app.clock import iso_utc
from app.db import to_datetime
from app.errors import Invalid
from app.models import CertAttachment, SerialNumber, Step, User, database
from app.reports.paging import PAGE_SIZE, Page, PageIndex, keyset, next_after, page_index, rebindable


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
    sql, params = keyset(_raw_select(query), _attachment_key(query.sort), after, query.descending, limit).sql()
    rows = database.obj.execute_sql(sql, params).fetchall()
    steps: dict[str, str] = {}
    users: dict[str, str] = {}
    _add_names(rows, steps, users)
    return rows, steps, users


def _raw_select(query: AttachmentQuery):
    """The query's attachments as ``_RAW``'s columns (``keyset`` orders and pages them)."""
    a, s = CertAttachment, SerialNumber
    return _attachment_select(query, a.id, a.serial, a.step, a.attached_at, a.attached_by, s.job)


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
    return Page(rows, next_after(rows, limit, lambda row: _attachment_key_values(query.sort, row)))


ATTACHMENT_CSV_HEADER = ["id", "serialId", "certId", "stepId", "attachedAt", "attachedBy", "jobId", "stepName",
                         "attachedByName"]  # AttachmentRow.to_json's keys


def attachment_csv_rows(query: AttachmentQuery, page_size: int = 2000) -> "AttachmentCsvRows":
    """Every attachment as ``AttachmentRow.to_json`` writes it, as text: the export's fast path.

    Raises NotFound, Invalid (unknown sort) at once, before a row is read. Pages of 2,000 rows
    (about 200 KB of text) wrote a million rows ~5 % faster than pages of 5,000 or 10,000: what a
    page makes is still in the processor's cache when it is checked and written.
    """
    _check_sort(query)
    get_certificate(query.cert_id)
    return AttachmentCsvRows(query, page_size)


class AttachmentCsvRows:
    """The export's rows: tuples of text when iterated; for ``export.write_csv``, pages of lines.

    A million rows are read as they are stored and written as text, without building a record,
    a datetime and a dict for each. ``joined_pages`` goes further: each row becomes one line, its
    cells joined by commas as they are (no quoting, no defusing: ``export`` checks a whole page
    at once and has ``csv.writer`` write the rare row that needs it from ``cells``). Reading the
    rows (SQLite's join and the sqlite3 module's objects) is then about two thirds of the time.
    """

    def __init__(self, query: AttachmentQuery, page_size: int) -> None:
        self.query, self.page_size = query, page_size

    def _raw_pages(self) -> Iterator[list[tuple]]:
        """Keyset pages as stored. Peewee builds the first page's SQL and the next pages' once; each
        next page puts the last key in the comparison's parameters (``paging.rebindable``)."""
        query, size = self.query, self.page_size
        select = _raw_select(query)
        key, execute = _attachment_key(query.sort), database.obj.execute_sql
        positions = [_RAW.index(name) for name in _ATTACHMENT_KEYS[query.sort]]
        raw = execute(*keyset(select, key, None, query.descending, size).sql()).fetchall()
        if not raw:
            return
        after = [raw[-1][i] for i in positions]  # the next page starts after the key as stored: exact
        sql, params, at = rebindable(keyset(select, key, tuple(after), query.descending, size), after, [size])
        while True:
            yield raw
            if len(raw) < size:
                return
            params[at:at + len(key)] = [raw[-1][i] for i in positions]
            raw = execute(sql, params).fetchall()
            if not raw:
                return

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        cert, steps, users = self.query.cert_id, {}, {}
        for raw in self._raw_pages():
            _add_names(raw, steps, users)
            for row in raw:
                yield _csv_cells(cert, row, steps, users)

    def joined_pages(self) -> Iterator[tuple[list[str], Any]]:
        """Per page: each row's cells joined by commas, and ``cells(i)``, row i's cells as a tuple."""
        cert = self.query.cert_id
        # Plain dicts (a subclass with __missing__ costs a tenth of the page); a name is read the first
        # time a page names its id: a few dozen small queries for a million rows.
        steps: dict[str, str] = {}
        users: dict[str, str] = {}
        cert_step: dict[str, str] = {}  # "cert_id,step_id": two cells that come together
        for raw in self._raw_pages():
            if _sqlite_times(raw):  # 2024-01-15 10:30:00.123000, rearranged: the bulk of every export
                while True:
                    try:
                        lines = [f"{id_},{serial},{cert_step[step]},{at[:10]}T{at[11:23]}Z,{by},{job},{steps[step]},"
                                 f"{users[by]}" for id_, serial, step, at, by, job in raw]
                        break
                    except KeyError:
                        _add_names(raw, steps, users)
                        cert_step.update((step, f"{cert},{step}") for step in steps)
            else:
                _add_names(raw, steps, users)
                lines = [",".join(_csv_cells(cert, row, steps, users)) for row in raw]  # text, or TypeError

            def cells(index: int, raw: list[tuple] = raw) -> tuple[str, ...]:
                return _csv_cells(cert, raw[index], steps, users)

            yield lines, cells


def _add_names(raw: list[tuple], steps: dict[str, str], users: dict[str, str]) -> None:
    """The names of the page's steps and users not yet known; KeyError if one is missing (a broken foreign key)."""
    for names, model, column in ((steps, Step, _RAW.index("step_id")), (users, User, _RAW.index("attached_by"))):
        wanted = {row[column] for row in raw} - names.keys()
        names.update(_names(model, wanted))
        if not wanted <= names.keys():
            raise KeyError(sorted(wanted - names.keys())[0])


def _csv_cells(cert: str, row: tuple, steps: dict[str, str], users: dict[str, str]) -> tuple[str, ...]:
    id_, serial, step, at, by, job = row
    return (id_, serial, cert, step, _iso_text(at), by, job, steps[step], users[by])


_TIME = itemgetter(_RAW.index("attached_at"))


def _sqlite_times(raw: list[tuple]) -> bool:
    """True if every time in the page is SQLite's text as peewee writes it (what ``_iso_text`` rearranges)."""
    times = list(map(_TIME, raw))
    try:
        joined = "".join(times)  # PostgreSQL's datetimes refuse
    except TypeError:
        return False
    # 26 characters each (no offset, microseconds written), so each one's 11th is every 26th from the 11th.
    return min(map(len, times)) == 26 and len(joined) == 26 * len(times) and joined[10::26].count(" ") == len(times)


def _iso_text(stored: Any) -> str:
    """``iso_utc`` of a timestamp as the database gave it; SQLite's text is rearranged, not parsed."""
    if stored.__class__ is str and len(stored) == 26 and stored[10] == " ":  # 2024-01-15 10:30:00.123000
        return f"{stored[:10]}T{stored[11:23]}Z"
    return iso_utc(to_datetime(stored))


def _attachment_key_values(sort: str, row: AttachmentRow) -> tuple:
    """The key's values in a row, to start the next page after it."""
    return tuple(getattr(row, name) for name in _ATTACHMENT_KEYS[sort])


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
    return page_index(lambda *columns: _attachment_select(query, *columns), _attachment_key(query.sort),
                      query.descending, size, convert, seekable)


def steps_with_attachments(cert_id: str) -> list[tuple[str, str]]:
    """(step id, step name) where this certificate was attached, for the step filter."""
    get_certificate(cert_id)
    return [(s.id, s.name) for s in Step.select(Step.id, Step.name).where(
        Step.id.in_(CertAttachment.select(CertAttachment.step).where(CertAttachment.certificate == cert_id)
                    .distinct())).order_by(Step.name)]
