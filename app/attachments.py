"""Attaching a certificate to a serial at its current step, and reading attachments back.

The order of the checks and their messages are the attach rule (README, "How it works"), kept
word for word because other systems and scripts match on them.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
from dataclasses import dataclass
from typing import Any, Iterator, NamedTuple

from app import audit, db
from app.certificates import get_certificate, refusal_to_attach
from app.clock import iso_utc
from app.db import to_datetime, write_transaction
from app.errors import Invalid, NotFound
from app.ids import check_id, new_id
from app.models import Path, SerialNumber, Step, User
from app.users import require_user


class AttachmentRecord(NamedTuple):
    """One attachment as read. A named tuple rather than a dataclass: a listing builds 100,000 of them, and a
    tuple is built in C at a third of a frozen dataclass's cost (see ``_row_records``)."""

    id: str
    serial_id: str
    cert_id: str
    step_id: str
    attached_at: dt.datetime
    attached_by: str

    def to_json(self) -> dict[str, Any]:
        """The record as it leaves Certline: camelCase keys, ISO 8601 UTC with milliseconds."""
        return {"id": self.id, "serialId": self.serial_id, "certId": self.cert_id, "stepId": self.step_id,
                "attachedAt": iso_utc(self.attached_at), "attachedBy": self.attached_by}


@dataclass(frozen=True)
class AttachResult:
    attachment: AttachmentRecord
    created: bool  # False: it was attached already and nothing was written
    step_name: str
    attached_by_name: str


# The hot paths below run hand-written SQL (app.db.execute): with peewee, building the
# queries of one attach took several times longer than SQLite took to run them.
_COLUMNS = '"id", "serial_id", "cert_id", "step_id", "attached_at", "attached_by"'


def _row_record(row: tuple) -> AttachmentRecord:
    """An attachment from a row of ``_COLUMNS``."""
    return AttachmentRecord(row[0], row[1], row[2], row[3], to_datetime(row[4]), row[5])


def _row_records(rows: list[tuple]) -> list[AttachmentRecord]:
    """``_row_record`` for many rows; SQLite's usual timestamp text takes the short way."""
    try:
        return [_as_record((i, s, c, st, _fromisoformat(at), by)) for i, s, c, st, at, by in rows]
    except (TypeError, ValueError):  # PostgreSQL's datetimes, or text only peewee's formats read
        return [_row_record(row) for row in rows]


_fromisoformat = dt.datetime.fromisoformat
# The tuple's own constructor, without the named tuple's Python-level __new__ in between.
_as_record = functools.partial(tuple.__new__, AttachmentRecord)


def _serial_missing(serial_id: str) -> NotFound:
    return NotFound(f"SerialNumber not found: {serial_id}")


def _path_missing(path_id: str) -> NotFound:
    return NotFound(f"Path not found: {path_id}")


def _step_missing(serial_id: str, index: int, path_id: str) -> Invalid:
    return Invalid(f"Serial {serial_id} stands at step index {index}, which path {path_id} does not have")


_COMPLETED = "Serial is already completed, cannot attach cert"


def load_serial(serial_id: str) -> SerialNumber:
    """The serial, its path checked. Raises NotFound for either, with the attach rule's messages."""
    serial = SerialNumber.get_or_none(SerialNumber.id == serial_id)
    if serial is None:
        raise _serial_missing(serial_id)
    if not Path.select(Path.id).where(Path.id == serial.path_id).exists():
        raise _path_missing(serial.path_id)
    return serial


def step_at(serial: SerialNumber) -> Step:
    """The step a serial stands at. Raises Invalid for a completed serial."""
    if serial.current_step_index == -1:
        raise Invalid(_COMPLETED)
    step = Step.get_or_none((Step.path == serial.path_id) & (Step.position == serial.current_step_index))
    if step is None:
        raise _step_missing(serial.id, serial.current_step_index, serial.path_id)
    return step


# load_serial and step_at in one statement: the serial, whether its path exists, the step it stands at.
_TARGET_SQL = (
    'SELECT s."job_id", s."path_id", s."current_step_index", p."id", st."id", st."name", st."position" '
    'FROM "serial" AS s LEFT JOIN "path" AS p ON p."id" = s."path_id" '
    'LEFT JOIN "step" AS st ON st."path_id" = s."path_id" AND st."position" = s."current_step_index" '
    'WHERE s."id" = ?'
)
_INSERT_SQL = f'INSERT INTO "cert_attachment" ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'
_EXISTING_SQL = f'SELECT {_COLUMNS} FROM "cert_attachment" WHERE "serial_id" = ? AND "cert_id" = ? AND "step_id" = ?'


def attach(serial_id: str, cert_id: str, user_id: str, require_approved: bool | None = None,
           on: dt.date | None = None, audit_fields: dict[str, Any] | None = None) -> AttachResult:
    """Attach certificate ``cert_id`` to ``serial_id`` at the serial's current step.

    Checks in the attach rule's order: serial, its path, certificate, completed, then the
    user's and the certificate's fitness. If the (serial, certificate, step) attachment
    exists it is returned unchanged and nothing is written; otherwise the attachment
    and one ``cert_attached`` audit entry are written in one transaction.
    ``require_approved`` defaults to the plant's ``require_approved`` policy (``refusal_to_attach``).
    ``audit_fields``: more for the ``cert_attached`` entry (a queued attach's ``scanned_at``, ``station``,
    ``reason``; a ``details`` dict is merged into the entry's details).
    Raises NotFound, Invalid, Forbidden with the rule's messages, word for word (README, "How it works").
    """
    check_id(serial_id, "Serial id")
    with write_transaction():
        target = db.execute(_TARGET_SQL, (serial_id,)).fetchone()
        if target is None:
            raise _serial_missing(serial_id)
        job_id, path_id, index, path_found, step_id, step_name, step_position = target
        if path_found is None:
            raise _path_missing(path_id)
        check_id(cert_id, "Certificate id")
        certificate = get_certificate(cert_id)
        if index == -1:
            raise Invalid(_COMPLETED)
        if step_id is None:
            raise _step_missing(serial_id, index, path_id)
        user = require_user(user_id, action="attach certificates")
        existing = _existing(serial_id, cert_id, step_id)
        if existing:
            return AttachResult(existing, False, step_name, _user_name(existing.attached_by))
        refusal = refusal_to_attach(certificate, on, require_approved)  # reads the policy when not told
        if refusal:
            raise Invalid(refusal)
        record = AttachmentRecord(new_id("ca_"), serial_id, cert_id, step_id, db.now(), user.id)
        inserted = db.execute(_INSERT_SQL, (record.id, serial_id, cert_id, step_id, record.attached_at, user.id))
        if inserted.rowcount != 1:
            # An identical attach won the unique index first; its record stands.
            existing = _existing(serial_id, cert_id, step_id)
            return AttachResult(existing, False, step_name, _user_name(existing.attached_by))
        extra = dict(audit_fields or {})
        details = {"stepName": step_name, "stepIndex": step_position} | extra.pop("details", {})
        audit.record("cert_attached", user.id, serial_id=serial_id, cert_id=cert_id, job_id=job_id,
                     path_id=path_id, step_id=step_id, record_id=record.id, at=record.attached_at,
                     details=details, **extra)
    return AttachResult(record, True, step_name, user.name)


def _existing(serial_id: str, cert_id: str, step_id: str) -> AttachmentRecord | None:
    row = db.execute(_EXISTING_SQL, (serial_id, cert_id, step_id)).fetchone()
    return _row_record(row) if row else None


_AUDITED_SQL = 'SELECT 1 FROM "audit_entry" WHERE "type" = \'cert_attached\' AND "record_id" = ?'


def find_attachment(serial_id: str, cert_id: str, step_id: str) -> AttachmentRecord | None:
    """The attachment of ``cert_id`` to ``serial_id`` at ``step_id``, or None: how an attach whose answer was
    lost (the connection died after it was sent) is settled, by what the database holds, never by guessing.

    The attachment and its ``cert_attached`` entry are written in one transaction, so both are there or
    neither; a row without its entry was written behind Certline's back and is refused, not reported saved.
    """
    record = _existing(serial_id, cert_id, step_id)
    if record is not None and db.execute(_AUDITED_SQL, (record.id,)).fetchone() is None:
        raise Invalid(f"Attachment {record.id} has no cert_attached audit entry: run certline-cli verify")
    return record


def _user_name(user_id: str) -> str:
    user = db.get_or_none(User, user_id)
    return user.name if user else user_id


_OF_CERTIFICATE_SQL = f'SELECT {_COLUMNS} FROM "cert_attachment" WHERE "cert_id" = ?'
_IN_ORDER = ' ORDER BY "attached_at", "serial_id", "step_id"'
_AFTER = ' AND ("attached_at", "serial_id", "step_id") > (?, ?, ?)'


def attachments_of_certificate(cert_id: str) -> list[AttachmentRecord]:
    """Every attachment of a certificate, oldest first (``attached_at``, then serial id, then step).

    Raises NotFound: ``Certificate not found: {id}``. An empty list when there are none.
    """
    get_certificate(cert_id)
    # One query: the list holds every row anyway, so pages would only add round trips.
    with _collector_paused():
        return _row_records(db.execute(_OF_CERTIFICATE_SQL + _IN_ORDER, (cert_id,)).fetchall())


@contextlib.contextmanager
def _collector_paused():
    """Building 100,000 records would run Python's cycle collector hundreds of times over
    objects that hold no cycles (10-15 % of the listing); it runs again right after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def iter_attachments_of_certificate(cert_id: str, page_size: int = 5000) -> Iterator[AttachmentRecord]:
    """As ``attachments_of_certificate``, streamed in keyset pages so a million rows never sit in memory."""
    for page in attachment_pages(cert_id, page_size):
        yield from _row_records(page)


def attachment_pages(cert_id: str, page_size: int = 5000) -> Iterator[list[tuple]]:
    """``iter_attachments_of_certificate``'s keyset pages as the rows are stored (``_COLUMNS``), for a listing
    that writes them out as they come (certline-server) without a record and a datetime for each row.

    Raises NotFound before the first page: ``Certificate not found: {id}``.
    """
    get_certificate(cert_id)
    return _pages(cert_id, page_size)


def _pages(cert_id: str, page_size: int) -> Iterator[list[tuple]]:
    first, following = (_OF_CERTIFICATE_SQL + _IN_ORDER + " LIMIT ?",
                        _OF_CERTIFICATE_SQL + _AFTER + _IN_ORDER + " LIMIT ?")
    page = db.execute(first, (cert_id, page_size)).fetchall()
    while True:
        yield page
        if len(page) < page_size:
            return
        # The last row's values as stored, so the comparison matches the index exactly.
        last = page[-1]
        page = db.execute(following, (cert_id, last[4], last[1], last[3], page_size)).fetchall()


def attachments_of_serial(serial_id: str) -> list[AttachmentRecord]:
    """Every attachment of a serial, oldest first. Raises NotFound."""
    if db.execute('SELECT 1 FROM "serial" WHERE "id" = ?', (serial_id,)).fetchone() is None:
        raise _serial_missing(serial_id)
    rows = db.execute(f'SELECT {_COLUMNS} FROM "cert_attachment" WHERE "serial_id" = ? ORDER BY "attached_at", "id"',
                      (serial_id,)).fetchall()
    return _row_records(rows)
