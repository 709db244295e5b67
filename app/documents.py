"""Certificate documents: validated by their bytes, stored by their sha256, reviewed and approved.

A document is checked before anything is stored: its type is sniffed from the content,
never trusted from the extension, and its size is limited. The bytes are kept once in
the document folder under their hash; the record keeps a cleaned display name.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, Iterator

from app import audit, db
from app.clock import iso_utc
from app.db import data_dir, write_transaction
from app.document_checks import (ALLOWED_CONTENT_TYPES, DOC, DOCX, JPEG, MAX_FILE_SIZE_BYTES, PDF, PNG,  # noqa: F401
                                 Validation, macro_refusal, read_limited, sniff_content_type, validate_bytes,
                                 validate_file)
from app.errors import Forbidden, Invalid, NotFound
from app.ids import new_id
from app.models import Certificate, CertificateDocument
from app.policy import get_policy
from app.users import Locked, check_pin, require_user

EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOC: ".doc", DOCX: ".docx"}
MAX_NAME_LENGTH = 255
MANAGERS = ("supervisor", "admin")


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def clean_file_name(name: str, content_type: str) -> str:
    """A display name without any path, control or reserved characters, at most 255 characters.

    The extension shown is the one of the sniffed type, so a PNG called ``x.pdf`` shows as ``x.png``.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = _UNSAFE.sub("", base).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" .") or "document"
    extension = EXTENSIONS.get(content_type, "")
    return stem[:MAX_NAME_LENGTH - len(extension)].rstrip(" .") + extension


def document_dir() -> FilePath:
    """``CERTLINE_DOCUMENTS`` (a shared folder, say) or ``documents`` in the data directory."""
    override = os.environ.get("CERTLINE_DOCUMENTS")
    return FilePath(override) if override else data_dir() / "documents"


def _store(data: bytes, digest: str) -> str:
    """Write the bytes under their hash unless they are there already; returns the relative path."""
    relative = f"{digest[:2]}/{digest}"
    target = document_dir() / relative
    if target.exists() and target.stat().st_size == len(data):
        return relative
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written whole to a temporary name and renamed, so a crash never leaves half a document.
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        FilePath(temporary).unlink(missing_ok=True)
        raise
    return relative


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    cert_id: str
    file_name: str
    size: int
    content_type: str
    sha256: str
    storage_path: str
    uploaded_by: str
    uploaded_at: dt.datetime

    @classmethod
    def of(cls, row: CertificateDocument) -> "DocumentRecord":
        return cls(row.id, row.certificate_id, row.file_name, row.size, row.content_type, row.sha256,
                   row.storage_path, row.uploaded_by_id, row.uploaded_at)

    @property
    def path(self) -> FilePath:
        return document_dir() / self.storage_path

    def to_json(self) -> dict[str, Any]:
        """The document's metadata as it leaves Certline."""
        return {"id": self.id, "cert_id": self.cert_id, "file_name": self.file_name, "file_size": self.size,
                "content_type": self.content_type, "sha256": self.sha256, "storage_path": self.storage_path,
                "uploaded_by": self.uploaded_by, "created_at": iso_utc(self.uploaded_at)}


def stored_file_problem(document: DocumentRecord) -> str | None:
    """Why the stored file is not the document that was recorded (missing, or other bytes), or None."""
    path = document.path
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return f"Document {document.file_name} of certificate {document.cert_id}: the stored file is missing"
    except OSError as error:
        return f"Document {document.file_name} of certificate {document.cert_id}: the stored file cannot be read ({error.strerror})"
    if digest.hexdigest() != document.sha256:
        return (f"Document {document.file_name} of certificate {document.cert_id}: the stored file is not the "
                "one that was uploaded (its bytes do not match the recorded sha256); it was replaced or damaged")
    return None


def checked_path(cert_id: str, document_id: str) -> FilePath:
    """The stored file of a document, after checking that its bytes are the ones recorded.

    Raises NotFound, or Invalid with a warning when the file is missing or is not the recorded one,
    so a forgery put in its place is never shown as the document.
    """
    row = CertificateDocument.get_or_none((CertificateDocument.id == document_id)
                                          & (CertificateDocument.certificate == cert_id))
    if row is None:
        raise NotFound(f"Document not found: {document_id}")
    document = DocumentRecord.of(row)
    problem = stored_file_problem(document)
    if problem:
        raise Invalid(f"{problem}. It is not shown.")
    return document.path


def iter_documents() -> Iterator[DocumentRecord]:
    """Every document on record, in keyset pages."""
    after = ""
    while True:
        page = list(CertificateDocument.select().where(CertificateDocument.id > after)
                    .order_by(CertificateDocument.id).limit(1000))
        if not page:
            return
        yield from (DocumentRecord.of(row) for row in page)
        after = page[-1].id


def _certificate(cert_id: str) -> Certificate:
    cert = Certificate.get_or_none(Certificate.id == cert_id)
    if cert is None:
        raise NotFound(f"Certificate not found: {cert_id}")
    return cert


def add_document(cert_id: str, path: str | os.PathLike, user_id: str, name: str | None = None) -> DocumentRecord:
    """Validate a file and keep it with a certificate; audited. Nothing is stored for a refusal.

    Adding to an approved certificate takes it back to ``uploaded``. Raises NotFound, Invalid, Forbidden.
    """
    data, size = read_limited(path)
    return add_document_bytes(cert_id, data, name or os.path.basename(os.fspath(path)), user_id, size)


def add_document_bytes(cert_id: str, data: bytes, name: str, user_id: str, size: int | None = None) -> DocumentRecord:
    # Checked before the transaction, so the write lock is not held while a parser reads the file; the
    # macro policy is read inside it, so a change of policy made meanwhile still counts.
    validation = validate_bytes(data, allow_macros=True, size=size)
    with write_transaction():
        require_user(user_id, MANAGERS, "add documents")
        cert = _certificate(cert_id)
        if not validation.valid:
            raise Invalid("; ".join(validation.errors), "file")
        if validation.macros and not get_policy("allow_macro_documents"):
            raise Invalid(macro_refusal(validation.content_type, validation.macros), "file")
        digest = hashlib.sha256(data).hexdigest()
        twin = CertificateDocument.get_or_none((CertificateDocument.certificate == cert_id)
                                               & (CertificateDocument.sha256 == digest))
        if twin is not None:
            raise Invalid(f"This document is already kept with {cert_id} as {twin.file_name}", "file")
        row = {"id": new_id("doc_"), "certificate": cert_id, "file_name": clean_file_name(name, validation.content_type),
               "size": len(data), "content_type": validation.content_type, "sha256": digest,
               "uploaded_by": user_id, "uploaded_at": db.now()}
        row["storage_path"] = _store(data, digest)
        CertificateDocument.insert(row).execute()
        _set_review_status(cert, "uploaded")
        audit.record("document_added", user_id, cert_id=cert_id, record_id=row["id"],
                     details={"file_name": row["file_name"], "file_size": row["size"],
                              "content_type": row["content_type"], "sha256": digest,
                              "review_status": {"old": cert.review_status, "new": "uploaded"}})
    return DocumentRecord.of(CertificateDocument.get_by_id(row["id"]))


def list_documents(cert_id: str) -> list[DocumentRecord]:
    """A certificate's documents, oldest first. Raises NotFound."""
    _certificate(cert_id)
    return [DocumentRecord.of(d) for d in CertificateDocument.select().where(
        CertificateDocument.certificate == cert_id).order_by(CertificateDocument.uploaded_at, CertificateDocument.id)]


def remove_document(cert_id: str, document_id: str, user_id: str, reason: str) -> DocumentRecord:
    """Take a document off a certificate, with a reason; audited.

    The bytes stay in the document folder: what an approval once covered remains evidence.
    Raises NotFound, Invalid, Forbidden.
    """
    if not (reason or "").strip():
        raise Invalid("A reason is required to remove a document", "reason")
    with write_transaction():
        require_user(user_id, MANAGERS, "remove documents")
        cert = _certificate(cert_id)
        row = CertificateDocument.get_or_none((CertificateDocument.id == document_id)
                                              & (CertificateDocument.certificate == cert_id))
        if row is None:
            raise NotFound(f"Document not found: {document_id}")
        record = DocumentRecord.of(row)
        row.delete_instance()
        remaining = CertificateDocument.select().where(CertificateDocument.certificate == cert_id).exists()
        new_status = "uploaded" if remaining else "pending"
        _set_review_status(cert, new_status)
        audit.record("document_removed", user_id, cert_id=cert_id, record_id=document_id, reason=reason.strip(),
                     details={"file_name": record.file_name, "sha256": record.sha256,
                              "review_status": {"old": cert.review_status, "new": new_status}})
    return record


def _set_review_status(cert: Certificate, status: str) -> None:
    # Any change of documents withdraws an approval: it covered the documents as they were.
    Certificate.update(review_status=status, approved_by=None, approved_at=None, updated_at=db.now()).where(
        Certificate.id == cert.id).execute()


MEANING = "approved"


def approve_certificate(cert_id: str, user_id: str, pin: str) -> dict[str, Any]:
    """A supervisor approves a certificate's documents by re-entering their PIN (21 CFR 11.50).

    The record shows the printed name, the date and time, and the meaning. Raises NotFound,
    Invalid (no documents, already approved), Forbidden (wrong PIN or role, or locked out after too many
    wrong PINs: the PIN is checked, and a wrong one counted, as at the station's sign-in).
    """
    require_user(user_id, MANAGERS, "approve certificates")
    try:
        check_pin(user_id, pin or "", purpose="approve")  # commits the count of wrong PINs on its own
    except Locked as locked:
        raise Locked(f"{locked.message}. The certificate was not approved") from None
    except Forbidden:
        raise Forbidden("Wrong PIN: the certificate was not approved") from None
    with write_transaction():
        user = require_user(user_id, MANAGERS, "approve certificates")
        cert = _certificate(cert_id)
        if cert.review_status == "pending":
            raise Invalid(f"Certificate {cert_id} has no documents to approve")
        if cert.review_status == "approved":
            raise Invalid(f"Certificate {cert_id} is already approved")
        at = db.now()
        Certificate.update(review_status="approved", approved_by=user_id, approved_at=at, updated_at=at).where(
            Certificate.id == cert_id).execute()
        documents = [d.sha256 for d in CertificateDocument.select(CertificateDocument.sha256).where(
            CertificateDocument.certificate == cert_id).order_by(CertificateDocument.id)]
        signature = {"printedName": user.name, "userId": user.id, "signedAt": iso_utc(at), "meaning": MEANING,
                     "documents": documents}
        audit.record("cert_approved", user_id, cert_id=cert_id, at=at, details=signature)
    return signature

