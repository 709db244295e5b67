"""People's words for what the database stores as codes: one place, so every screen, export and
report says the same thing. A code with no word here is shown as it is, never hidden.
"""
from __future__ import annotations

SERIAL_STATUS = {"in_progress": "In progress", "completed": "Completed", "scrapped": "Scrapped"}
STEP_STATE = {"passed": "Passed", "current": "Current", "ahead": "Ahead", "completed": "Passed"}
CERT_KIND = {"MATERIAL": "Material", "PROCESS": "Process", "CALIBRATION": "Calibration", "TRAINING": "Training",
             "CONFORMANCE": "Conformance", "INSPECTION": "Inspection", "OTHER": "Other"}
CERT_STATUS = {"active": "Active", "revoked": "Revoked"}
REVIEW_STATUS = {"pending": "Waiting for documents", "uploaded": "Waiting for approval", "approved": "Approved"}
ROLE = {"operator": "Operator", "supervisor": "Supervisor", "admin": "Administrator"}
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
}


def word(table: dict[str, str], code: str | None) -> str:
    """``code`` in people's words; an unknown code as it is, so nothing is hidden."""
    if code is None:
        return ""
    return table.get(code, code)
