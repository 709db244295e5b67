"""What the station asks of the database, run in the worker thread.

Each function calls app/ and returns plain, frozen records (no model instance, no
connection), which are safe to hand to the GUI thread. Each raises app's errors, whose
message is what the operator reads.

The window imports this module before its first paint, to name what it submits: certificates,
serials and attachments (a third of the station's imports) are imported by the functions that
use them, in the worker, when first asked for, so that the start waits only for what opens the
database and signs in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app import clock, db, policy, sign_in, users, witness
from app.clock import today
from app.scan import Classified, DatabaseLookup, classify, load_gs1, read_scan

if TYPE_CHECKING:
    from app.attachments import AttachResult
    from app.certificates import CertificateRecord
    from app.serials import SerialDetail
    from app.users import UserRecord

PICKER_LIMIT = 200


@dataclass(frozen=True)
class CertificateView:
    """A certificate as the station shows it: expiry state on the day, and why it may not be attached."""

    record: CertificateRecord
    expiry: str  # valid, expiring or expired
    days_left: int | None
    refusal: str | None  # the core's message, or None when it may be attached

    @property
    def id(self) -> str:
        return self.record.id


@dataclass(frozen=True)
class AttachOutcome:
    result: AttachResult
    certificate: CertificateRecord
    serial: SerialDetail


def certificate_view(record: CertificateRecord, on: dt.date | None = None,
                     require_approved: bool | None = None) -> CertificateView:
    """``require_approved`` left out: the plant's policy, as the attach itself will read it."""
    from app import certificates

    on = on or today()
    days_left = (record.date_expire - on).days if record.date_expire else None
    return CertificateView(record, record.expiry_state(on), days_left,
                           certificates.refusal_to_attach(record, on, require_approved))


class StationLookup(DatabaseLookup):
    def certificate(self, code: str):
        record = super().certificate(code)
        return certificate_view(record) if record else None


def needs_first_run() -> bool:
    """True when the open database has no users yet: the first start asks how to begin (ui/first_run.py)."""
    return not users.list_users()


def open_database(url: str) -> str:
    """Open and migrate the database in this (the worker's) thread; the URL fit to show."""
    db.open_database(url)
    witness.remember()
    return db.describe(url)


def load_gs1_reader() -> None:
    """Import biip in the worker, after the station is ready, rather than on the first GS1 label scanned."""
    load_gs1()


def close_database() -> None:
    db.close_database()


def clock_check() -> str:
    """What to say about this workstation's clock against the database server's; "" when they agree."""
    return clock.offset_warning(db.clock_offset(), policy.get_policy("clock_tolerance_seconds"))


def read(raw: str, separator: str) -> Classified:
    """Read and classify one scan."""
    return classify(read_scan(raw, separator), StationLookup())


def load_serial(serial_id: str) -> SerialDetail:
    from app import serials

    return serials.get_serial(serial_id)


def attach(serial_id: str, cert_id: str, user_id: str) -> AttachOutcome:
    """Attach at the serial's current step (the core decides the step); the serial as it is now."""
    from app import attachments, certificates, serials

    result = attachments.attach(serial_id, cert_id, user_id)
    outcome = AttachOutcome(result, certificates.get_certificate(cert_id), serials.get_serial(serial_id))
    witness.remember()  # this station's own record of how far the chain reached
    return outcome


def find_attach(serial_id: str, cert_id: str, step_id: str) -> AttachOutcome | None:
    """An attach whose answer was lost, read back (``attachments.find_attachment``); None: it was not saved."""
    from app import attachments, certificates, serials

    record = attachments.find_attachment(serial_id, cert_id, step_id)
    if record is None:
        return None
    serial = serials.get_serial(serial_id)
    step = next(state for state in serial.steps if state.step.id == step_id)
    by = next((a.attached_by_name for a in step.attachments if a.attachment.id == record.id), record.attached_by)
    result = attachments.AttachResult(record, True, step.step.name, by)
    return AttachOutcome(result, certificates.get_certificate(cert_id), serial)


def sign_in_users() -> tuple[list[sign_in.Choice], bool]:
    """The names to pick from, and whether the plant signs in with badge and PIN only."""
    return sign_in.choices(), sign_in.badge_and_pin_required()


def begin_sign_in(badge: str | None, user_id: str | None) -> sign_in.Attempt:
    return sign_in.begin(badge=badge, user_id=user_id)


def sign_in_user(user_id: str, badge: str | None, pin: str | None) -> UserRecord:
    """Checks the rule and the PIN again and records the ``user_login``."""
    return sign_in.complete(user_id, badge, pin)


def find_certificates(text: str) -> list[CertificateView]:
    """The picker's rows: id, name or number contains ``text``; at most PICKER_LIMIT, by id."""
    from app import certificates
    from app.certificates import CertificateQuery

    query = CertificateQuery(text=text.strip() or None)
    on = today()
    approved_only = policy.get_policy("require_approved")  # once for the list, not once a row
    return [certificate_view(r, on, approved_only)
            for r in certificates.list_certificates(query, limit=PICKER_LIMIT, on=on)]
