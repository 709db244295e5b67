"""People's words for what the database stores as codes: one place, so every screen, export and
report says the same thing. A code with no word here is shown as it is, never hidden.
"""
from __future__ import annotations

from typing import Any, Iterable

SERIAL_STATUS = {"in_progress": "In progress", "completed": "Completed", "scrapped": "Scrapped"}
STEP_STATE = {"passed": "Passed", "current": "Current", "ahead": "Ahead", "completed": "Passed"}
CERT_KIND = {"MATERIAL": "Material", "PROCESS": "Process", "CALIBRATION": "Calibration", "TRAINING": "Training",
             "CONFORMANCE": "Conformance", "INSPECTION": "Inspection", "OTHER": "Other"}
CERT_STATUS = {"active": "Active", "revoked": "Revoked"}
REVIEW_STATUS = {"pending": "Waiting for documents", "uploaded": "Waiting for approval", "approved": "Approved"}
ROLE = {"operator": "Operator", "supervisor": "Supervisor", "admin": "Administrator"}
# What a certificate's review waits for, said under its review status.
REVIEW_WAITING = {"pending": "No document yet: add the scanned certificate.",
                  "uploaded": "A supervisor or administrator approves the documents with their PIN."}
DOCUMENT_TYPE = {"application/pdf": "PDF", "image/jpeg": "JPEG image", "image/png": "PNG image",
                 "application/msword": "Word document",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document"}
AUDIT_TYPE = {
    "cert_attached": "Certificate attached",
    "cert_created": "Certificate created",
    "cert_updated": "Certificate changed",
    "cert_revoked": "Certificate revoked",
    "cert_deleted": "Certificate deleted",
    "cert_approved": "Certificate approved",
    "document_added": "Document added",
    "document_removed": "Document removed",
    "serial_created": "Serial created",
    "serial_advanced": "Serial advanced",
    "serial_completed": "Serial completed",
    "serial_scrapped": "Serial scrapped",
    "job_created": "Job created",
    "path_created": "Route created",
    "user_created": "User added",
    "user_login": "Signed in",
    "sign_in_refused": "Sign-in refused",
    "user_locked": "User locked",
    "pin_set": "PIN set",
    "pin_cleared": "PIN cleared",
    "policy_changed": "Plant rule changed",
    "token_created": "API token created",
    "token_revoked": "API token revoked",
    "route_revised": "Route changed (new revision)",
    "route_renamed": "Route renamed",
    "route_archived": "Route archived",
    "route_restored": "Route restored",
    "job_closed": "Job closed",
    "user_updated": "User changed",
    "user_deactivated": "User deactivated",
    "user_reactivated": "User reactivated",
    "user_unlocked": "User unlocked",
    "labels_printed": "Labels printed",
    "plant_imported": "Plant file imported",
    "webhook_added": "Webhook added",
    "webhook_paused": "Webhook paused",
    "webhook_resumed": "Webhook resumed",
    "webhook_removed": "Webhook removed",
    "pack_made": "CoC pack made",  # "Conformance" would widen the audit trail's What column at 1024 px
    "queued_attach_held": "Offline attach held",
    "queued_attach_resolved": "Held attach resolved",
}
PURPOSE = {"sign_in": "signing in", "approve": "approving a certificate", "pin_change": "changing a PIN",
           "cli": "at certline-cli", "pack": "signing a conformance pack"}
SIGN_IN_METHOD = {"badge": "with badge", "badge+PIN": "with badge and PIN", "name+PIN": "by name and PIN",
                  "badge-offline": "with badge at a station offline",
                  "pin": "with PIN", "token": "with an API token"}
POLICY = {
    "require_approved": "only approved certificates may be attached",
    "require_badge_and_pin": "everyone signs in with badge and PIN",
    "pin_attempts": "wrong PINs before a lock",
    "pin_lock_minutes": "minutes a lock lasts",
    "allow_macro_documents": "Word documents with macros are allowed",
    "min_pin_digits_privileged": "PIN digits of supervisors and administrators",
    "clock_tolerance_seconds": "seconds of clock tolerance",
}
CERT_FIELD = {
    "name": "name", "kind": "kind", "number": "number", "en10204_type": "EN 10204 type", "heat_lot": "heat/lot",
    "resource_type": "what it certifies", "resource_id": "what it certifies (id)", "date_release": "release date",
    "date_expire": "expiry date", "validity": "validity", "validity_unit": "validity unit",
    "warning": "warning days", "note": "note", "data": "data", "status": "status",
    "review_status": "review status",
}
RESOURCE_TYPE = {"material_lot": "a material lot", "person": "a person", "equipment": "equipment",
                 "other": "other"}
VALIDITY_UNIT = {"DAY": "days", "MONTH": "months", "YEAR": "years"}
TOKEN_SCOPE = {"read": "look up", "attach": "attach", "certificates": "manage certificates",
               "documents": "manage documents"}
TOKEN_STATE = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}
WEBHOOK_EVENT = {"CERTIFICATE::CREATE": "Certificate created", "CERTIFICATE::UPDATE": "Certificate changed",
                 "CERTIFICATE::DELETE": "Certificate deleted", "CERTIFICATE::ATTACH": "Certificate attached"}
WEBHOOK_STATE = {"active": "Active", "paused": "Paused", "removed": "Removed"}
DELIVERY_STATUS = {"pending": "Waiting", "delivered": "Delivered", "failed": "Failed (given up)",
                   "cancelled": "Cancelled"}
PLANT_SECTION = {"users": ("user", "users"), "paths": ("route", "routes"), "jobs": ("job", "jobs"),
                 "certificates": ("certificate", "certificates"), "serials": ("serial", "serials")}


def word(table: dict[str, str], code: str | None) -> str:
    """``code`` in people's words; an unknown code as it is, so nothing is hidden."""
    if code is None:
        return ""
    return table.get(code, code)


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 serial``, ``2 serials``, ``1,234 entries`` (``many`` where adding an s is wrong)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def kind_phrase(kind: str) -> str:
    """A certificate of a kind as a sentence names it: ``a Material certificate``, ``an Inspection certificate``."""
    if kind == "OTHER":
        return "a certificate of the kind Other"
    name = word(CERT_KIND, kind)
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name} certificate"


def kinds_phrase(kinds: Iterable[str]) -> str:
    """``Material``, ``Material and Process``, ``Training, Process and Inspection``."""
    names = [word(CERT_KIND, k) for k in kinds]
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def coverage_sentence(covered: int, total: int, wanted: str) -> str:
    """How many serials hold ``wanted`` (``an Inspection certificate``, ``cert_mat01 — Mill test report``)."""
    lacking = total - covered
    if total == 0:
        return "There are no serials to check."
    if total == 1:
        return f"The serial holds {wanted}." if covered else f"The serial lacks {wanted}."
    if lacking == 0:
        return f"All {total:,} serials hold {wanted}."
    if covered == 0:
        return f"None of the {total:,} serials holds {wanted}."
    return f"{covered:,} of {total:,} serials hold{'s' if covered == 1 else ''} {wanted}; {lacking:,} lack{'s' if lacking == 1 else ''} it."


def __getattr__(name: str) -> Any:
    # The audit trail's sentences live in app.audit_sentences (which reads the words above); they are
    # found here too, looked up on first use so that either module may be imported first.
    if name in ("Names", "NO_NAMES", "audit_sentence"):
        from app import audit_sentences
        return getattr(audit_sentences, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
