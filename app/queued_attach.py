"""Attaches a station queued while the database was away: sent later, attached only where the operator saw the
serial, otherwise held for a supervisor.

The operator saw the serial at a step and put the part down. If the serial still stands at that step when the
queued attach arrives, it is attached there, by the attach rule itself (``app.attachments.attach``), and its
``cert_attached`` entry carries the scan time and the station beside the commit time. If the serial moved on
meanwhile (another station advanced it), or the attach rule now refuses it (the certificate was revoked, the
serial completed), nothing is attached: the item is held in ``queued_attach`` for a supervisor, with both
steps, and audited (``queued_attach_held``). Nothing is ever put on a step the operator did not see.

Each item carries a queue id made by the station; the row keyed by it is written in the same transaction as
the attachment or the hold, so sending an item again (its answer was lost, the station was killed before it
marked it sent) finds the row and writes nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from app import attachments, audit, db
from app.bounds import MAX_REASON_LENGTH, check_text
from app.db import write_transaction
from app.errors import CertlineError, Invalid, NotFound
from app.ids import check_id
from app.models import Certificate, QueuedAttach, Step, User
from app.serials import MANAGERS
from app.users import require_user
from app.words import SIGN_IN_METHOD

HELD, ATTACHED, ALREADY = "held", "attached", "already"
_QUEUE_ID = re.compile(r"[0-9a-f]{32}")
_SCANNED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_STATION_LENGTH = 120


@dataclass(frozen=True)
class QueuedItem:
    """One attach as the station queued it."""

    queue_id: str  # uuid4 hex, made by the station
    serial_id: str
    cert_id: str
    step_seen: str  # the step the serial stood at on the operator's screen
    user_id: str
    scanned_at: str  # ISO 8601 UTC with milliseconds, by the station's clock
    station: str
    # How the operator had signed in at the station (badge, badge+PIN, badge-offline…): the entries written
    # when it is sent say this, not how whoever is signed in at the sending moment did. None: not known.
    auth: str | None = None


@dataclass(frozen=True)
class SendResult:
    queue_id: str
    outcome: str  # attached, already (it was there before), held
    step_seen: str
    step_now: str | None  # None: the serial was completed
    problem: str | None = None  # why it was held
    attachment_id: str | None = None
    repeated: bool = False  # the queue id had been sent before: its first answer, nothing written


def _checked(item: QueuedItem) -> QueuedItem:
    if not isinstance(item.queue_id, str) or not _QUEUE_ID.fullmatch(item.queue_id):
        raise Invalid(f"Queue id must be 32 hexadecimal digits, got {item.queue_id!r}")
    for value, what in ((item.serial_id, "Serial id"), (item.cert_id, "Certificate id"),
                        (item.step_seen, "Step id"), (item.user_id, "User id")):
        check_id(value, what)
    if not isinstance(item.scanned_at, str) or not _SCANNED_AT.fullmatch(item.scanned_at):
        raise Invalid(f"Scan time must be ISO 8601 UTC with milliseconds, got {item.scanned_at!r}")
    if not isinstance(item.station, str) or not item.station.strip() or len(item.station) > _STATION_LENGTH:
        raise Invalid(f"Station name must be 1 to {_STATION_LENGTH} characters")
    if item.auth is not None and item.auth not in SIGN_IN_METHOD:
        raise Invalid(f"Sign-in method must be one of {', '.join(SIGN_IN_METHOD)}, got {item.auth!r}")
    return item


def _result(row: QueuedAttach, repeated: bool) -> SendResult:
    return SendResult(row.queue_id, row.outcome, row.step_seen, row.step_now, row.problem, row.attachment_id,
                      repeated)


_WHERE_SQL = ('SELECT s."current_step_index", st."id" FROM "serial" AS s LEFT JOIN "step" AS st '
              'ON st."path_id" = s."path_id" AND st."position" = s."current_step_index" WHERE s."id" = ?')


def send(item: QueuedItem) -> SendResult:
    """Attach ``item`` at the step the operator saw if the serial still stands there; else hold it.

    Idempotent on the queue id. Raises only for an item that is not well formed (Invalid); every answer of the
    attach rule is an outcome: attached, already, or held with the rule's message.
    """
    _checked(item)
    with audit.acting(item.auth), write_transaction():
        row = QueuedAttach.get_or_none(QueuedAttach.queue_id == item.queue_id)
        if row is not None:
            return _result(row, repeated=True)
        where = db.execute(_WHERE_SQL, (item.serial_id,)).fetchone()
        step_now = where[1] if where else None
        outcome, problem, attachment_id = HELD, None, None
        if where is None:
            problem = f"SerialNumber not found: {item.serial_id}"
        elif where[0] == -1:
            problem = "It was completed before this was sent"
        elif step_now != item.step_seen:
            # Short: the office lists it beside the serial and both steps, and the trail beside its sentence.
            problem = f"It had moved on to {_step_name(step_now)}"
        else:
            try:
                # The serial stands where the operator saw it, read under the write lock: the rule attaches there.
                result = attachments.attach(item.serial_id, item.cert_id, item.user_id, audit_fields={
                    "scanned_at": item.scanned_at, "station": item.station,
                    "details": {"queueId": item.queue_id}})
            except CertlineError as error:
                problem = error.message
            else:
                outcome = ATTACHED if result.created else ALREADY
                attachment_id = result.attachment.id
        row = QueuedAttach.create(
            queue_id=item.queue_id, serial_id=item.serial_id, cert_id=item.cert_id, step_seen=item.step_seen,
            step_now=step_now, user_id=item.user_id, scanned_at=item.scanned_at, station=item.station,
            received_at=db.now(), outcome=outcome, problem=problem, attachment_id=attachment_id)
        if outcome == HELD:
            audit.record("queued_attach_held", item.user_id if _user_exists(item.user_id) else None,
                         serial_id=item.serial_id, cert_id=item.cert_id, step_id=item.step_seen,
                         scanned_at=item.scanned_at, station=item.station, reason=problem,
                         details={"queueId": item.queue_id, "stepSeen": item.step_seen, "stepNow": step_now})
    return _result(row, repeated=False)


def _user_exists(user_id: str) -> bool:
    return db.get_or_none(User, user_id) is not None


def _step_name(step_id: str | None) -> str:
    # Read by supervisors in the office: the step's name; the ids stay in the entry's details.
    if step_id is None:
        return "no step (completed)"
    step = db.get_or_none(Step, step_id)
    return step.name if step else step_id


@dataclass(frozen=True)
class HeldItem:
    """A queued attach waiting for a supervisor, as the office lists it."""

    queue_id: str
    serial_id: str
    cert_id: str
    cert_number: str  # the certificate as people know it: its number (or id) and name
    cert_name: str
    step_seen: str
    step_seen_name: str
    step_now: str | None
    step_now_name: str
    user_id: str
    user_name: str
    scanned_at: str
    station: str
    received_at: dt.datetime
    problem: str


def held(limit: int = 1000) -> list[HeldItem]:
    """Items held for a supervisor and not yet resolved, oldest scan first."""
    rows = (QueuedAttach.select().where((QueuedAttach.outcome == HELD) & QueuedAttach.resolution.is_null())
            .order_by(QueuedAttach.scanned_at, QueuedAttach.queue_id).limit(limit))
    steps = {s.id: s.name for s in Step.select(Step.id, Step.name)}
    names = {u.id: u.name for u in User.select(User.id, User.name)}
    rows = list(rows)
    certs = {c.id: (c.number or c.id, c.name) for c in Certificate.select(
        Certificate.id, Certificate.number, Certificate.name).where(Certificate.id.in_({r.cert_id for r in rows}))}
    return [HeldItem(r.queue_id, r.serial_id, r.cert_id, *certs.get(r.cert_id, (r.cert_id, "")), r.step_seen,
                     steps.get(r.step_seen, r.step_seen), r.step_now, steps.get(r.step_now, "completed") if r.step_now else "completed", r.user_id,
                     names.get(r.user_id, r.user_id), r.scanned_at, r.station, db.to_datetime(r.received_at),
                     r.problem or "") for r in rows]


def resolve(queue_id: str, decision: str, user_id: str, reason: str) -> QueuedAttach:
    """A supervisor's answer to a held item: ``attach`` it at the serial's current step, or ``dismiss`` it.

    Both take a reason and are audited (``queued_attach_resolved``); an attach also writes its
    ``cert_attached`` entry, with the reason, the scan time and the station. Raises Invalid, NotFound, Forbidden.
    """
    if decision not in ("attach", "dismiss"):
        raise Invalid(f"Decision must be attach or dismiss, got {decision!r}")
    reason = check_text(reason, "Reason", "reason", MAX_REASON_LENGTH, multiline=True) or ""
    if not reason.strip():
        raise Invalid(f"A reason is required to {decision} a held attach", "reason")
    with write_transaction():
        require_user(user_id, MANAGERS, action="resolve held attaches")
        row = QueuedAttach.get_or_none(QueuedAttach.queue_id == queue_id)
        if row is None or row.outcome != HELD:
            raise NotFound(f"Held attach not found: {queue_id}")
        if row.resolution is not None:
            raise Invalid(f"Held attach {queue_id} was already resolved ({row.resolution}) by {row.resolved_by}")
        attachment_id = None
        if decision == "attach":
            result = attachments.attach(row.serial_id, row.cert_id, user_id, audit_fields={
                "scanned_at": row.scanned_at, "station": row.station, "reason": reason,
                "details": {"queueId": queue_id, "stepSeen": row.step_seen, "scannedBy": row.user_id}})
            attachment_id = result.attachment.id
        now = db.now()
        (QueuedAttach.update(resolution="attached" if decision == "attach" else "dismissed", resolved_by=user_id,
                             resolved_at=now, resolution_reason=reason,
                             attachment_id=attachment_id or row.attachment_id)
         .where(QueuedAttach.queue_id == queue_id).execute())
        audit.record("queued_attach_resolved", user_id, serial_id=row.serial_id, cert_id=row.cert_id,
                     step_id=row.step_seen, reason=reason, at=now,
                     details={"queueId": queue_id, "decision": decision, "attachmentId": attachment_id})
    return QueuedAttach.get(QueuedAttach.queue_id == queue_id)
