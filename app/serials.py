"""Serial numbers: batch creation for a job, the serial with its attachments per step, and its moves."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from peewee import fn

from app import audit, db
from app.attachments import AttachmentRecord, _as_record, _path_missing, _serial_missing, load_serial, step_at
from app.certificates import get_certificate, refusal_to_attach
from app.clock import iso_utc, today
from app.db import to_datetime, write_transaction
from app.errors import Invalid, NotFound
from app.ids import MAX_ID_LENGTH, check_id, new_id
from app.models import CertAttachment, Certificate, Job, SerialCounter, SerialNumber, Step, User
from app.records import record
from app.routes import StepRecord
from app.users import require_user

MAX_BATCH = 100_000
MANAGERS = ("supervisor", "admin")
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")


@record
class StepAttachment:
    attachment: AttachmentRecord
    cert_name: str
    cert_kind: str
    cert_status: str
    attached_by_name: str
    # Saved in an offline station's local queue, not yet in the database: shown on that station's card only.
    queued: bool = False

    def to_json(self) -> dict[str, Any]:
        return self.attachment.to_json() | {"certName": self.cert_name, "certKind": self.cert_kind,
                                            "certStatus": self.cert_status, "attachedByName": self.attached_by_name}


@record
class StepState:
    step: StepRecord
    state: str  # "passed", "current" or "ahead"
    attachments: list[StepAttachment] = field(default_factory=list)

    @property
    def missing_kinds(self) -> list[str]:
        """Certificate kinds this step requires that no attachment here provides."""
        present = {a.cert_kind for a in self.attachments if not a.queued}
        return [kind for kind in self.step.requires if kind not in present]

    def to_json(self) -> dict[str, Any]:
        return self.step.to_json() | {"state": self.state, "missing": self.missing_kinds,
                                      "attachments": [a.to_json() for a in self.attachments]}


@record
class SerialDetail:
    id: str
    job_id: str
    job_name: str
    part: str
    path_id: str
    path_name: str
    status: str
    current_step_index: int
    created_at: dt.datetime
    steps: list[StepState]
    route_id: str | None = None  # the route, and which of its revisions this serial was made on (app.routes)
    revision: int = 1

    @property
    def current_step(self) -> StepState | None:
        return next((s for s in self.steps if s.state == "current"), None)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "jobId": self.job_id, "jobName": self.job_name, "part": self.part,
                "pathId": self.path_id, "pathName": self.path_name, "routeId": self.route_id or self.path_id,
                "revision": self.revision, "status": self.status,
                "currentStepIndex": self.current_step_index, "createdAt": iso_utc(self.created_at),
                "steps": [s.to_json() for s in self.steps]}


def _state(position: int, current: int) -> str:
    if current == -1 or position < current:
        return "passed"
    return "current" if position == current else "ahead"


# get_serial runs on every scan at a station: three hand-written statements (app.db.execute)
# instead of six peewee queries, whose building cost more than running them.
_SERIAL_SQL = (
    'SELECT s."id", s."job_id", s."path_id", s."current_step_index", s."status", s."created_at", '
    'p."id", p."name", j."id", j."name", j."part", p."route_id", p."revision" '
    'FROM "serial" AS s LEFT JOIN "path" AS p ON p."id" = s."path_id" LEFT JOIN "job" AS j ON j."id" = s."job_id" '
    'WHERE s."id" = ?'
)
_ATTACHED_SQL = (
    'SELECT a."id", a."serial_id", a."cert_id", a."step_id", a."attached_at", a."attached_by", '
    'c."name", c."kind", c."status", u."name" '
    'FROM "cert_attachment" AS a JOIN "certificate" AS c ON c."id" = a."cert_id" '
    'JOIN "user" AS u ON u."id" = a."attached_by" '
    'WHERE a."serial_id" = ? ORDER BY a."attached_at", a."id"'
)
_STEPS_SQL = 'SELECT "id", "name", "position", "requires" FROM "step" WHERE "path_id" = ? ORDER BY "position"'


# A route revision's steps, read once per database opened. They never change: editing a route adds a
# revision (app.routes), a station's PostgreSQL role may only add steps (app.roles), and a step changed
# behind Certline's back is named by `certline-cli verify`. Reading them again on every scan was a tenth
# of get_serial.
_revision_steps: dict[str, tuple[StepRecord, ...]] = {}
_steps_read_from: list[Any] = [None]  # the database handle they were read from


def revision_steps(path_id: str) -> tuple[StepRecord, ...]:
    """The steps of route revision ``path_id`` in order (none for an unknown one)."""
    handle = db.database.obj
    if _steps_read_from[0] is not handle:
        _revision_steps.clear()
        _steps_read_from[0] = handle
    steps = _revision_steps.get(path_id)
    if steps is None:
        steps = tuple(StepRecord(step_id, name, position, list(Step.requires.python_value(requires) or ()))
                      for step_id, name, position, requires in db.execute(_STEPS_SQL, (path_id,)).fetchall())
        # Kept once committed: a revision's steps are written in its own transaction, and one still open
        # here could yet be rolled back.
        if steps and not handle.in_transaction():
            _revision_steps[path_id] = steps
    return steps


def get_serial(serial_id: str) -> SerialDetail:
    """The serial, its job and route, and per step the certificates attached there. Raises NotFound."""
    row = db.execute(_SERIAL_SQL, (serial_id,)).fetchone()
    if row is None:
        raise _serial_missing(serial_id)
    _, job_id, path_id, index, status, created_at, path_found, path_name, job_found, job_name, part, route, rev = row
    if path_found is None:
        raise _path_missing(path_id)
    if job_found is None:
        raise Job.DoesNotExist(f"Job not found: {job_id}")
    by_step: dict[str, list[StepAttachment]] = {}
    for a in db.execute(_ATTACHED_SQL, (serial_id,)).fetchall():
        record = _as_record((a[0], a[1], a[2], a[3], to_datetime(a[4]), a[5]))
        by_step.setdefault(a[3], []).append(StepAttachment(record, a[6], a[7], a[8], a[9]))
    steps = [StepState(step, _state(step.position, index), by_step.get(step.id, []))
             for step in revision_steps(path_id)]
    return SerialDetail(serial_id, job_id, job_name, part, path_id, path_name, status, index,
                        to_datetime(created_at), steps, route, rev or 1)


@dataclass(frozen=True)
class BatchResult:
    job_id: str
    serial_ids: list[str]
    cert_id: str | None
    step_id: str

    def to_json(self) -> dict[str, Any]:
        return {"jobId": self.job_id, "count": len(self.serial_ids), "serialIds": self.serial_ids,
                "certId": self.cert_id, "stepId": self.step_id}


_INSERT_SERIAL_SQL = ('INSERT INTO "serial" ("id", "job_id", "path_id", "current_step_index", "status", "created_at") '
                      'VALUES (?, ?, ?, ?, ?, ?)')
_INSERT_ATTACHMENT_SQL = ('INSERT INTO "cert_attachment" ("id", "serial_id", "cert_id", "step_id", "attached_at", '
                          '"attached_by") VALUES (?, ?, ?, ?, ?, ?)')


def create_serials(job_id: str, count: int, user_id: str, cert_id: str | None = None, prefix: str = "SN-",
                   digits: int = 5, on: dt.date | None = None) -> BatchResult:
    """Create ``count`` serials for a job at the first step of its route, numbered on from ``prefix``.

    With ``cert_id``, that certificate is attached to each at creation, each attachment
    audited. One transaction: every serial and attachment, or none. The job must be open and
    have room for them (``serials_counted``). Raises NotFound (job, certificate), Invalid (count,
    prefix, job closed or full, certificate not attachable), Forbidden.
    """
    if not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise Invalid(f"Count must be a whole number from 1 to {MAX_BATCH}: {count}")
    if not _PREFIX.fullmatch(prefix):
        raise Invalid(f"Serial prefix may hold letters, digits, '-', '_' and '.' (at most 32): {prefix!r}")
    with write_transaction():
        user, job, first_step = batch_target(job_id, user_id, count, cert_id, on)
        ids = _next_serial_ids(prefix, digits, count)
        write_batch(job, first_step, ids, user.id, cert_id)
    return BatchResult(job.id, ids, cert_id, first_step.id)


def batch_target(job_id: str, user_id: str, count: int, cert_id: str | None,
                 on: dt.date | None = None) -> tuple[User, Job, Step]:
    """The checks of every batch, in its transaction: who, which job (open, with room for ``count``),
    the first step of its route, the certificate fit to attach. Raises NotFound, Invalid, Forbidden."""
    user = require_user(user_id, MANAGERS, "create serials")
    job = Job.get_or_none(Job.id == job_id)
    if job is None:
        raise NotFound(f"Job not found: {job_id}")
    check_room(job, count)
    first_step = Step.get_or_none((Step.path == job.path_id) & (Step.position == 0))
    if first_step is None:
        raise Invalid(f"Path {job.path_id} has no steps")
    if cert_id is not None:
        check_id(cert_id, "Certificate id")
        refusal = refusal_to_attach(get_certificate(cert_id), on or today())
        if refusal:
            raise Invalid(refusal)
    return user, job, first_step


def check_room(job: Job, count: int) -> None:
    """Refuse a batch of ``count`` for a closed job, or one that would take it past its quantity."""
    if job.closed_at is not None:
        raise Invalid(f"Job {job.id} is closed: it takes no new serials")
    made = serials_counted(job)
    if count > job.quantity - made:
        raise Invalid(f"Job {job.id} is for {job.quantity} pieces and has {made} serials (scrapped ones not "
                      f"counted): {count} more would make {made + count}; at most {max(0, job.quantity - made)} "
                      "more", "count")


def serials_counted(job: Job) -> int:
    """The serials a job has that count towards its quantity: all but the scrapped ones."""
    return db.execute('SELECT count(*) FROM "serial" WHERE "job_id" = ? AND "status" <> ?',
                      (job.id, "scrapped")).fetchone()[0]


def write_batch(job: Job, first_step: Step, ids: list[str], user_id: str, cert_id: str | None,
                chunk: int | None = None, progress=None, cancelled=None) -> None:
    """Insert serials at the first step, each with its certificate and audit entries, in the caller's
    transaction: executemany, ``chunk`` rows at a time. Before each chunk ``cancelled()`` may say stop
    (raising ``Cancelled`` rolls the caller's transaction back); after each ``progress(done, total)``."""
    now = db.now()
    details = {"stepName": first_step.name, "stepIndex": 0}
    size = chunk or len(ids)
    for start in range(0, len(ids), size):
        if cancelled is not None and cancelled():
            raise Cancelled("Cancelled: no serial was created")
        part = ids[start:start + size]
        attachment_ids = [new_id("ca_") for _ in part] if cert_id else []
        db.executemany(_INSERT_SERIAL_SQL, [(sid, job.id, job.path_id, 0, "in_progress", now) for sid in part])
        db.executemany(_INSERT_ATTACHMENT_SQL, [(aid, sid, cert_id, first_step.id, now, user_id)
                                                for aid, sid in zip(attachment_ids, part)])
        created = audit.new_entry("serial_created", user_id, job_id=job.id, path_id=job.path_id,
                                  step_id=first_step.id, at=now)
        entries = [audit.like(created, serial_id=sid) for sid in part]
        if cert_id:
            attached = audit.new_entry("cert_attached", user_id, cert_id=cert_id, job_id=job.id, path_id=job.path_id,
                                       step_id=first_step.id, at=now, details=details)
            entries += [audit.like(attached, serial_id=sid, record_id=aid) for aid, sid in zip(attachment_ids, part)]
        audit.append(entries)
        if progress is not None:
            progress(min(start + size, len(ids)), len(ids))
    if cancelled is not None and cancelled():
        raise Cancelled("Cancelled: no serial was created")


class Cancelled(Invalid):
    """The person cancelled a batch: its transaction is rolled back, nothing is written."""


def _next_serial_ids(prefix: str, digits: int, count: int) -> list[str]:
    """``count`` unused ids after the prefix's counter, skipping any taken by an import."""
    counter = SerialCounter.get_or_none(SerialCounter.prefix == prefix)
    last = counter.last if counter else _highest_number(prefix)
    ids: list[str] = []
    while len(ids) < count:
        candidates = [f"{prefix}{n:0{digits}d}" for n in range(last + 1, last + 1 + count - len(ids))]
        last += len(candidates)
        if len(candidates[-1]) > MAX_ID_LENGTH:
            raise Invalid(f"Serial ids after {prefix} would exceed {MAX_ID_LENGTH} characters")
        taken: set[str] = set()
        for start in range(0, len(candidates), 1000):
            chunk = candidates[start:start + 1000]
            taken.update(row[0] for row in db.execute(
                f'SELECT "id" FROM "serial" WHERE "id" IN ({", ".join("?" * len(chunk))})', chunk))
        ids += [c for c in candidates if c not in taken]
    SerialCounter.insert(prefix=prefix, last=last).on_conflict(
        conflict_target=[SerialCounter.prefix], update={SerialCounter.last: last}).execute()
    return ids


def _highest_number(prefix: str) -> int:
    # Runs once per prefix; later batches read the counter. The id's first characters are
    # compared exactly, not as a range: a range follows the database's collation, and one that
    # ignores punctuation (glibc's en_US, common on PostgreSQL servers) puts SN-00001 outside ["SN-", "SN.").
    highest = 0
    query = SerialNumber.select(SerialNumber.id).where(fn.SUBSTR(SerialNumber.id, 1, len(prefix)) == prefix)
    if db.is_sqlite():
        # SQLite compares this text byte by byte, so there the range is exact too, and it lets the
        # primary key's index find the ids instead of reading all of them (100 ms at 1M serials).
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        query = query.where((SerialNumber.id >= prefix) & (SerialNumber.id < upper))
    for s in query:
        tail = s.id[len(prefix):]
        if tail.isdigit():
            highest = max(highest, int(tail))
    return highest


def _movable(serial_id: str, user_id: str, action: str) -> tuple[SerialNumber, User]:
    check_id(serial_id, "Serial id")
    user = require_user(user_id, action=action)
    serial = load_serial(serial_id)
    if serial.status == "scrapped":
        raise Invalid(f"Serial {serial_id} is scrapped, cannot {action}")
    if serial.current_step_index == -1:
        raise Invalid(f"Serial {serial_id} is already completed, cannot {action}")
    return serial, user


def _missing_kinds(serial_id: str, step: Step) -> list[str]:
    present = {c.kind for c in Certificate.select(Certificate.kind).join(
        CertAttachment, on=(CertAttachment.certificate == Certificate.id))
        .where((CertAttachment.serial == serial_id) & (CertAttachment.step == step.id))}
    return [kind for kind in (step.requires or []) if kind not in present]


def _leave_step(serial: SerialNumber, step: Step, reason: str | None) -> dict[str, Any]:
    """Refuse to leave a step whose required certificate kinds are missing, unless overridden with a reason."""
    missing = _missing_kinds(serial.id, step)
    if missing and not (reason or "").strip():
        raise Invalid(f"Step {step.name} ({step.id}) requires a {', '.join(missing)} certificate that serial "
                      f"{serial.id} does not have; attach it, or give a reason to override", "reason")
    return {"from": step.id, "fromName": step.name, "overridden": missing} if missing else {
        "from": step.id, "fromName": step.name}


def advance_serial(serial_id: str, user_id: str, reason: str | None = None) -> SerialDetail:
    """Move a serial to the next step of its route. Raises NotFound, Invalid, Forbidden."""
    with write_transaction():
        serial, user = _movable(serial_id, user_id, "advance")
        step = step_at(serial)
        following = Step.get_or_none((Step.path == serial.path_id) & (Step.position == step.position + 1))
        if following is None:
            raise Invalid(f"Serial {serial_id} is at the last step ({step.name}); complete it instead")
        details = _leave_step(serial, step, reason) | {"to": following.id, "toName": following.name}
        SerialNumber.update(current_step_index=following.position).where(SerialNumber.id == serial_id).execute()
        audit.record("serial_advanced", user.id, serial_id=serial_id, job_id=serial.job_id, path_id=serial.path_id,
                     step_id=following.id, reason=(reason or "").strip() or None, details=details)
    return get_serial(serial_id)


def complete_serial(serial_id: str, user_id: str, reason: str | None = None) -> SerialDetail:
    """Complete a serial standing at the last step of its route (its index becomes -1)."""
    with write_transaction():
        serial, user = _movable(serial_id, user_id, "complete")
        step = step_at(serial)
        if Step.select().where((Step.path == serial.path_id) & (Step.position > step.position)).exists():
            raise Invalid(f"Serial {serial_id} is at step {step.name}, not the last step of its route; "
                          "advance it first")
        details = _leave_step(serial, step, reason)
        SerialNumber.update(current_step_index=-1, status="completed").where(SerialNumber.id == serial_id).execute()
        audit.record("serial_completed", user.id, serial_id=serial_id, job_id=serial.job_id, path_id=serial.path_id,
                     step_id=step.id, reason=(reason or "").strip() or None, details=details)
    return get_serial(serial_id)


def scrap_serial(serial_id: str, user_id: str, reason: str | None = None) -> SerialDetail:
    """Scrap a serial; it keeps its step index. Raises NotFound, Invalid, Forbidden."""
    with write_transaction():
        serial, user = _movable(serial_id, user_id, "scrap")
        require_user(user_id, MANAGERS, "scrap serials")
        SerialNumber.update(status="scrapped").where(SerialNumber.id == serial_id).execute()
        audit.record("serial_scrapped", user.id, serial_id=serial_id, job_id=serial.job_id, path_id=serial.path_id,
                     reason=(reason or "").strip() or None, details={"stepIndex": serial.current_step_index})
    return get_serial(serial_id)


