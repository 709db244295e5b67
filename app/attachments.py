"""Attaching a certificate to a serial at its current step (seed 004), and reading attachments back (seed 000)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator

from peewee import Tuple

from app import audit
from app.certificates import get_certificate, refusal_to_attach
from app.clock import iso_utc, now_utc, today
from app.db import write_transaction
from app.errors import Invalid, NotFound
from app.ids import check_id, new_id
from app.models import CertAttachment, Path, SerialNumber, Step, User
from app.policy import get_policy
from app.users import require_user


@dataclass(frozen=True)
class AttachmentRecord:
    id: str
    serial_id: str
    cert_id: str
    step_id: str
    attached_at: dt.datetime
    attached_by: str

    def to_json(self) -> dict[str, Any]:
        """Seed 000/004's record: camelCase keys, ISO 8601 UTC with milliseconds."""
        return {"id": self.id, "serialId": self.serial_id, "certId": self.cert_id, "stepId": self.step_id,
                "attachedAt": iso_utc(self.attached_at), "attachedBy": self.attached_by}


@dataclass(frozen=True)
class AttachResult:
    attachment: AttachmentRecord
    created: bool  # False: it was attached already and nothing was written
    step_name: str
    attached_by_name: str


def _record(row: dict[str, Any]) -> AttachmentRecord:
    return AttachmentRecord(row["id"], row["serial"], row["certificate"], row["step"], row["attached_at"],
                            row["attached_by"])


def load_serial(serial_id: str) -> SerialNumber:
    """The serial, its path checked. Raises NotFound for either, with seed 004's messages."""
    serial = SerialNumber.get_or_none(SerialNumber.id == serial_id)
    if serial is None:
        raise NotFound(f"SerialNumber not found: {serial_id}")
    if not Path.select(Path.id).where(Path.id == serial.path_id).exists():
        raise NotFound(f"Path not found: {serial.path_id}")
    return serial


def step_at(serial: SerialNumber) -> Step:
    """The step a serial stands at. Raises Invalid for a completed serial."""
    if serial.current_step_index == -1:
        raise Invalid("Serial is already completed, cannot attach cert")
    step = Step.get_or_none((Step.path == serial.path_id) & (Step.position == serial.current_step_index))
    if step is None:
        raise Invalid(f"Serial {serial.id} stands at step index {serial.current_step_index}, "
                      f"which path {serial.path_id} does not have")
    return step


def attach(serial_id: str, cert_id: str, user_id: str, require_approved: bool | None = None,
           on: dt.date | None = None) -> AttachResult:
    """Attach certificate ``cert_id`` to ``serial_id`` at the serial's current step.

    Checks in DESIGN.md's order: serial, its path, certificate, completed, then the
    user's and the certificate's fitness. If the (serial, certificate, step) attachment
    exists it is returned unchanged and nothing is written; otherwise the attachment
    and one ``cert_attached`` audit entry are written in one transaction.
    ``require_approved`` defaults to the plant's ``require_approved`` policy.
    Raises NotFound, Invalid, Forbidden with the exact messages of DESIGN.md.
    """
    check_id(serial_id, "Serial id")
    with write_transaction():
        serial = load_serial(serial_id)
        check_id(cert_id, "Certificate id")
        certificate = get_certificate(cert_id)
        step = step_at(serial)
        user = require_user(user_id, action="attach certificates")
        existing = _existing(serial_id, cert_id, step.id)
        if existing:
            return AttachResult(existing, False, step.name, _user_name(existing.attached_by))
        if require_approved is None:
            require_approved = get_policy("require_approved")
        refusal = refusal_to_attach(certificate, on or today(), require_approved)
        if refusal:
            raise Invalid(refusal)
        row = {"id": new_id("ca_"), "serial": serial_id, "certificate": cert_id, "step": step.id,
               "attached_at": now_utc(), "attached_by": user.id}
        inserted = CertAttachment.insert(row).on_conflict_ignore().returning(CertAttachment.id).execute()
        if not list(inserted):
            # An identical attach won the unique index first; its record stands.
            existing = _existing(serial_id, cert_id, step.id)
            return AttachResult(existing, False, step.name, _user_name(existing.attached_by))
        audit.record("cert_attached", user.id, serial_id=serial_id, cert_id=cert_id, job_id=serial.job_id,
                     path_id=serial.path_id, step_id=step.id, record_id=row["id"], at=row["attached_at"],
                     details={"stepName": step.name, "stepIndex": step.position})
    return AttachResult(_record(row), True, step.name, user.name)


def _existing(serial_id: str, cert_id: str, step_id: str) -> AttachmentRecord | None:
    row = (CertAttachment.select()
           .where((CertAttachment.serial == serial_id) & (CertAttachment.certificate == cert_id)
                  & (CertAttachment.step == step_id))
           .dicts().first())
    return _record(row) if row else None


def _user_name(user_id: str) -> str:
    user = User.get_or_none(User.id == user_id)
    return user.name if user else user_id


def attachments_of_certificate(cert_id: str) -> list[AttachmentRecord]:
    """Every attachment of a certificate, oldest first (``attached_at``, then serial id, then step).

    Raises NotFound: ``Certificate not found: {id}``. An empty list when there are none.
    """
    return list(iter_attachments_of_certificate(cert_id))


def iter_attachments_of_certificate(cert_id: str, page_size: int = 5000) -> Iterator[AttachmentRecord]:
    """As ``attachments_of_certificate``, streamed in keyset pages so a million rows never sit in memory."""
    get_certificate(cert_id)
    a = CertAttachment
    after: tuple | None = None
    while True:
        query = a.select().where(a.certificate == cert_id)
        if after is not None:
            query = query.where(Tuple(a.attached_at, a.serial, a.step) > Tuple(*after))
        page = list(query.order_by(a.attached_at, a.serial, a.step).limit(page_size).dicts())
        for row in page:
            yield _record(row)
        if len(page) < page_size:
            return
        after = (page[-1]["attached_at"], page[-1]["serial"], page[-1]["step"])


def attachments_of_serial(serial_id: str) -> list[AttachmentRecord]:
    """Every attachment of a serial, oldest first. Raises NotFound."""
    if not SerialNumber.select().where(SerialNumber.id == serial_id).exists():
        raise NotFound(f"SerialNumber not found: {serial_id}")
    a = CertAttachment
    return [_record(row) for row in a.select().where(a.serial == serial_id).order_by(a.attached_at, a.id).dicts()]
