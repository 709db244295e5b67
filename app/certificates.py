"""Certificates: create, view, update, revoke, delete, and whether one may be attached.

Finding them (the list, a scanned code) is ``app.certificate_list``."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from app import audit, db
from app.bounds import (
    MAX_DATE,
    MAX_NOTE_LENGTH,
    MAX_REASON_LENGTH,
    check_date,
    check_int,
    check_json,
    check_text,
    shown,
)
from app.clock import iso_utc, today
from app.db import write_transaction
from app.errors import Invalid, NotFound
from app.ids import MAX_ID_LENGTH, check_id
from app.models import (
    CERT_KINDS,
    EN10204_TYPES,
    RESOURCE_TYPES,
    REVIEW_STATUSES,  # noqa: F401 - read here by certline-cli and the office
    VALIDITY_UNITS,
    CertAttachment,
    Certificate,
    CertificateDocument,
)
from app.policy import get_policy
from app.records import record
from app.users import require_user

MANAGERS = ("supervisor", "admin")
EDITABLE_FIELDS = (
    "name", "kind", "number", "en10204_type", "heat_lot", "resource_type", "resource_id",
    "date_release", "date_expire", "validity", "validity_unit", "warning", "note", "data",
)


@record
class CertificateRecord:
    id: str
    name: str
    kind: str
    number: str | None
    en10204_type: str | None
    heat_lot: str | None
    resource_type: str
    resource_id: str | None
    date_release: dt.date | None
    date_expire: dt.date | None
    validity: int | None
    validity_unit: str | None
    warning: int
    note: str | None
    data: dict
    status: str
    review_status: str
    approved_by: str | None = None
    approved_at: dt.datetime | None = None

    @classmethod
    def of(cls, cert: Certificate) -> "CertificateRecord":
        return cls(**{name: getattr(cert, name) for name in cls.__dataclass_fields__})

    def expiry_state(self, on: dt.date | None = None) -> str:
        """``valid``, ``expiring`` (inside its warning window) or ``expired`` on the given day."""
        return expiry_state(self.date_expire, self.warning, on or today())

    def to_json(self, on: dt.date | None = None) -> dict[str, Any]:
        """The certificate's JSON record: its fields, with dates as ISO text, and its expiry state."""
        record = asdict(self)
        for name in ("date_release", "date_expire"):
            record[name] = record[name].isoformat() if record[name] else None
        record["approved_at"] = iso_utc(self.approved_at) if self.approved_at else None
        record["expiry_state"] = self.expiry_state(on)
        return record


_RECORD_FIELDS = tuple(CertificateRecord.__dataclass_fields__)


def expiry_state(date_expire: dt.date | None, warning: int, on: dt.date) -> str:
    # The expiry date is the first day a certificate is no longer valid: a one-year
    # certificate released 2022-01-01 expires 2023-01-01.
    if date_expire is None:
        return "valid"
    if on >= date_expire:
        return "expired"
    # Days left against the window, not a warning date: no date arithmetic that could leave the calendar.
    if warning and (date_expire - on).days <= warning:
        return "expiring"
    return "valid"


def state_words(cert: CertificateRecord, on: dt.date | None = None) -> str:
    """The certificate's state on day ``on`` as one phrase a person reads at a glance.

    ``revoked``, ``expired 2026-10-19``, ``expires in 25 days`` (inside its warning window),
    ``valid until 2028-10-22``, or ``valid`` when it never expires. Every screen and the CLI
    say it this way, so the same certificate never reads two ways.
    """
    if cert.status == "revoked":
        return "revoked"
    expire = cert.date_expire
    if expire is None:
        return "valid"
    on = on or today()
    state = expiry_state(expire, cert.warning, on)
    if state == "expired":
        return f"expired {expire.isoformat()}"
    if state == "expiring":
        days = (expire - on).days
        return f"expires in {days} day{'s' if days != 1 else ''}"
    return f"valid until {expire.isoformat()}"


def add_validity(start: dt.date, validity: int, unit: str) -> dt.date:
    """``start`` moved on by ``validity`` days, months or years (end of month clamped).

    Raises ValueError when the result lies outside the calendar (as ``date`` itself does).
    """
    if unit == "DAY":
        try:
            return start + dt.timedelta(days=validity)
        except OverflowError:
            raise ValueError(f"{validity} days from {start} leave the calendar") from None
    months = validity * (12 if unit == "YEAR" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ValueError(f"{validity} {unit} from {start} leave the calendar")
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


# The longest validity per unit: a hundred years, however it is counted.
MAX_VALIDITY = {"DAY": 36_500, "MONTH": 1_200, "YEAR": 100}
UNIT_WORDS = {"DAY": "day", "MONTH": "month", "YEAR": "year"}
MAX_WARNING_DAYS = 3_650
MAX_NAME_LENGTH = 200
MAX_CODE_LENGTH = 64  # heat / lot and resource id, as the columns hold them
MAX_ROWS = 2**31 - 1  # a limit or offset of a listing: what both databases take


def _counted(number: int, unit: str) -> str:
    return f"{number} {UNIT_WORDS[unit]}{'' if number == 1 else 's'}"


def _one_of(value: Any, choices: tuple[str, ...], label: str, field: str) -> None:
    if value not in choices:
        raise Invalid(f"{label} must be one of {', '.join(choices)}: {shown(value)}", field)


def _expiry_from_validity(release: dt.date, validity: int, unit: str) -> dt.date:
    try:
        expire = add_validity(release, validity, unit)
    except ValueError:
        expire = None
    if expire is None or expire > MAX_DATE:
        raise Invalid(f"A validity of {_counted(validity, unit)} from the release date {release} ends after "
                      f"{MAX_DATE}, the last date Certline keeps", "validity")
    return expire


def certificate_row(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise certificate fields; raises Invalid naming the field at fault.

    Every value is checked against its bounds and the expiry worked out here, before anything
    is written: a row this returns reads back on every screen (bounds in ``app.bounds``).
    """
    row = dict(fields)
    check_id(row.get("id"), "Certificate id", "id")
    row["name"] = check_text(row.get("name"), "Name", "name", MAX_NAME_LENGTH)
    if not row["name"]:
        raise Invalid("Name is required", "name")
    _one_of(row.get("kind"), CERT_KINDS, "Kind", "kind")
    row["number"] = check_text(row.get("number"), "Certificate number", "number", MAX_ID_LENGTH)
    if row["number"] is not None:
        check_id(row["number"], "Certificate number", "number")
    row["en10204_type"] = check_text(row.get("en10204_type"), "EN 10204 type", "en10204_type", MAX_CODE_LENGTH)
    row["heat_lot"] = check_text(row.get("heat_lot"), "Heat / lot", "heat_lot", MAX_CODE_LENGTH)
    if row["kind"] == "MATERIAL":
        if row["en10204_type"] is not None:
            _one_of(row["en10204_type"], EN10204_TYPES, "EN 10204 type", "en10204_type")
    elif row["en10204_type"] is not None:
        raise Invalid("EN 10204 type applies to material certificates only", "en10204_type")
    row["resource_type"] = row.get("resource_type") or "other"
    _one_of(row["resource_type"], RESOURCE_TYPES, "Resource type", "resource_type")
    row["resource_id"] = check_text(row.get("resource_id"), "Resource id", "resource_id", MAX_CODE_LENGTH)
    row["date_release"] = check_date(row.get("date_release"), "Release date", "date_release")
    row["date_expire"] = check_date(row.get("date_expire"), "Expiry date", "date_expire")
    # Any whole number here; its bound depends on the unit, checked below.
    row["validity"] = check_int(row.get("validity"), "Validity", "validity", 1, None)
    row["validity_unit"] = check_text(row.get("validity_unit"), "Validity unit", "validity_unit", MAX_CODE_LENGTH)
    if (row["validity"] is None) != (row["validity_unit"] is None):
        raise Invalid("Validity and its unit go together: give both or neither", "validity_unit")
    unit = row["validity_unit"]
    if unit is not None:
        _one_of(unit, VALIDITY_UNITS, "Validity unit", "validity_unit")
        if row["validity"] > MAX_VALIDITY[unit]:
            raise Invalid(f"Validity must be at most {_counted(MAX_VALIDITY[unit], unit)}: {shown(row['validity'])}",
                          "validity")
    if row["date_expire"] is None and row["validity"] is not None:
        if row["date_release"] is None:
            raise Invalid("A release date is needed to work out the expiry from the validity", "date_release")
        row["date_expire"] = _expiry_from_validity(row["date_release"], row["validity"], unit)
    if row["date_release"] and row["date_expire"] and row["date_expire"] <= row["date_release"]:
        raise Invalid(f"Expiry date {row['date_expire']} must be after the release date {row['date_release']}",
                      "date_expire")
    row["warning"] = check_int(row.get("warning"), "Warning days", "warning", 0, MAX_WARNING_DAYS, " days") or 0
    row["note"] = check_text(row.get("note"), "Note", "note", MAX_NOTE_LENGTH, multiline=True)
    row["data"] = row.get("data") or {}
    if not isinstance(row["data"], dict):
        raise Invalid("Data must be a JSON object", "data")
    row["data"] = check_json(row["data"], "Data", "data")
    return row


def _get(cert_id: str) -> Certificate:
    cert = db.get_or_none(Certificate, cert_id)
    if cert is None:
        raise NotFound(f"Certificate not found: {cert_id}")
    return cert


def get_certificate(cert_id: str) -> CertificateRecord:
    """Raises NotFound: ``Certificate not found: {id}``."""
    values = db.get_values(Certificate, cert_id, _RECORD_FIELDS)  # on every attach: no model instance between
    if values is None:
        raise NotFound(f"Certificate not found: {cert_id}")
    return CertificateRecord(**values)


def create_certificate(fields: dict[str, Any], user_id: str) -> CertificateRecord:
    """Register a certificate. Raises Invalid (a field, or the id taken), Forbidden."""
    row = certificate_row({name: fields.get(name) for name in ("id", *EDITABLE_FIELDS)})
    with write_transaction():
        require_user(user_id, MANAGERS, "create certificates")
        if Certificate.get_or_none(Certificate.id == row["id"]):
            raise Invalid(f"Certificate already exists: {row['id']}", "id")
        now = db.now()
        Certificate.insert(row | {"status": "active", "review_status": "pending",
                                  "created_at": now, "updated_at": now}).execute()
        record = _read_back(row["id"])
        audit.record("cert_created", user_id, cert_id=record.id, details=record.to_json())
    return record


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def update_certificate(cert_id: str, changes: dict[str, Any], user_id: str, reason: str) -> CertificateRecord:
    """Change fields of a certificate; the audit entry keeps old and new value per field.

    Raises NotFound, Invalid (unknown field, bad value, no reason), Forbidden.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise Invalid(f"These fields cannot be changed: {', '.join(unknown)}")
    reason = _require_reason(reason, "update a certificate")
    with write_transaction():
        require_user(user_id, MANAGERS, "update certificates")
        cert = _get(cert_id)
        old = CertificateRecord.of(cert)
        merged = asdict(old) | changes
        if ("date_expire" not in changes and merged.get("validity") is not None
                and {"validity", "validity_unit", "date_release"} & set(changes)):
            merged["date_expire"] = None  # derive again from the new validity; an explicit expiry stays
        row = certificate_row(merged)
        updated = {
            name: {"old": _json_value(getattr(old, name)), "new": _json_value(row[name])}
            for name in EDITABLE_FIELDS
            if row[name] != getattr(old, name)
        }
        if not updated:
            return old
        Certificate.update({name: row[name] for name in updated} | {"updated_at": db.now()}).where(
            Certificate.id == cert_id).execute()
        record = _read_back(cert_id)
        audit.record("cert_updated", user_id, cert_id=cert_id, reason=reason,
                     details={"entity_id": cert_id, "updated_fields": updated})
    return record


def _read_back(cert_id: str) -> CertificateRecord:
    """The certificate just written, read as every screen reads it, before the write commits.

    ``certificate_row`` keeps values inside their bounds; should one still not read back (its
    state, its JSON), the error comes here and the write rolls back instead of being saved.
    """
    record = get_certificate(cert_id)
    record.to_json()
    state_words(record)
    return record


def revoke_certificate(cert_id: str, user_id: str, reason: str) -> CertificateRecord:
    """No new attachments from now on; existing ones stay. Raises NotFound, Invalid, Forbidden."""
    reason = _require_reason(reason, "revoke a certificate")
    with write_transaction():
        require_user(user_id, MANAGERS, "revoke certificates")
        cert = _get(cert_id)
        if cert.status == "revoked":
            raise Invalid(f"Certificate {cert_id} is already revoked")
        Certificate.update(status="revoked", updated_at=db.now()).where(Certificate.id == cert_id).execute()
        audit.record("cert_revoked", user_id, cert_id=cert_id, reason=reason)
    return get_certificate(cert_id)


@dataclass(frozen=True)
class DeletePlan:
    """What deleting a certificate takes with it, shown before anything is deleted: its documents."""

    certificate: CertificateRecord
    documents: list[dict[str, Any]]
    deleted: bool

    def to_json(self) -> dict[str, Any]:
        return {"certificate": self.certificate.to_json(), "documents": self.documents, "deleted": self.deleted}


def delete_certificate(cert_id: str, user_id: str, reason: str, force: bool = False) -> DeletePlan:
    """Delete a certificate that was never attached.

    With documents and without ``force`` nothing is deleted: the plan lists what would go.
    Raises NotFound, Invalid (attachments exist: revoke instead; no reason), Forbidden.
    """
    reason = _require_reason(reason, "delete a certificate")
    with write_transaction():
        require_user(user_id, MANAGERS, "delete certificates")
        cert = _get(cert_id)
        attached = CertAttachment.select().where(CertAttachment.certificate == cert_id).count()
        if attached:
            raise Invalid(
                f"Certificate {cert_id} has {attached} attachment{'s' if attached != 1 else ''} and cannot be "
                "deleted: attachments are permanent. Revoke it instead."
            )
        record = CertificateRecord.of(cert)
        documents = [
            {"id": d.id, "file_name": d.file_name, "size": d.size, "content_type": d.content_type}
            for d in CertificateDocument.select().where(CertificateDocument.certificate == cert_id)
            .order_by(CertificateDocument.uploaded_at)
        ]
        if documents and not force:
            return DeletePlan(record, documents, deleted=False)
        CertificateDocument.delete().where(CertificateDocument.certificate == cert_id).execute()
        cert.delete_instance()
        audit.record("cert_deleted", user_id, cert_id=cert_id, reason=reason,
                     details={"certificate": record.to_json(), "documents": documents})
    return DeletePlan(record, documents, deleted=True)


def _require_reason(reason: str | None, action: str) -> str:
    reason = check_text(reason, "Reason", "reason", MAX_REASON_LENGTH, multiline=True)
    if not reason:
        raise Invalid(f"A reason is required to {action}", "reason")
    return reason


def refusal_to_attach(cert: CertificateRecord, on: dt.date | None = None,
                      require_approved: bool | None = None) -> str | None:
    """Why ``cert`` may not be attached on day ``on`` (today when not given), or None when it may.

    The one rule that the attach itself, the station's list and scans and the office all ask,
    so a screen never offers what the attach would refuse. ``require_approved`` left out means
    the plant's policy, read here (only when the certificate passed the cheaper checks); a caller
    asking about many certificates at once reads the policy once and passes it.
    """
    if cert.status == "revoked":
        return f"Certificate {cert.id} is revoked, cannot attach"
    if cert.date_expire is not None and expiry_state(cert.date_expire, cert.warning, on or today()) == "expired":
        return f"Certificate {cert.id} expired on {cert.date_expire.isoformat()}, cannot attach"
    if require_approved is None and cert.review_status != "approved":
        require_approved = get_policy("require_approved")
    if require_approved and cert.review_status != "approved":
        return (f"Certificate {cert.id} is not approved (review status {cert.review_status}); "
                "only approved certificates may be attached")
    return None


# Finding certificates (the list, a scanned code) lives in app.certificate_list, which builds on
# this module's records; its names are still found here, for the callers that ask this module.
_FOUND_IN_LIST = ("SORTABLE_FIELDS", "CertificateQuery", "list_certificates", "count_certificates",
                  "resolve_certificate", "find_by_code", "AMBIGUOUS_LISTED")


def __getattr__(name: str) -> Any:
    if name in _FOUND_IN_LIST:
        from app import certificate_list
        return getattr(certificate_list, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
