"""Making a conformance pack: a supervisor's signature over the evidence for a selection of serials.

The supervisor (or administrator) signs with their PIN, as a certificate's approval is signed
(app.documents.approve_certificate): the pack prints their name, the time and the meaning, "certified
conforming". Operators may not make one. A pack with gaps is made only with a reason, printed in it
beside the gaps.

The pack cites the evidence as it stood: the newest audit entry that is not itself a pack made
(app.pack.contents.evidence_head) when it was read. Should anything the pack shows be recorded while
it is being drawn — an entry about its serials, certificates, their documents, its job, routes or
steps, a user's name, or a serial added to its job — it is read and drawn again (twice at most) rather
than kept; entries about anything else (a sign-in at another station) leave it as it is. Given
``expected`` (the digest of the preview a supervisor looked at), a pack whose contents are no longer
what was shown is refused, never signed unseen.

The file is written whole beside its destination and renamed into place only after the ``pack_made``
entry and the ``pack`` row are committed, so a pack that exists has its entry. The destination is
checked before anything is drawn (a folder, a file that cannot be replaced); should the rename still
fail, the signed pack is kept beside it and the refusal says where.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, Sequence

from app import audit, db
from app.bounds import MAX_REASON_LENGTH, check_text
from app.clock import iso_utc
from app.db import write_transaction
from app.documents import document_dir
from app.errors import Forbidden, Invalid
from app.ids import new_id
from app.models import AuditEntry, SerialNumber, Step
from app.pack.assemble import assemble, load
from app.pack.contents import MAKERS, PACK_AUDIT_TYPE, read_pack
from app.pack.drawing import Facts
from app.pack.records import PackPreview
from app.pack.store import Pack
from app.users import Locked, check_pin, require_user
from app.words import ROLE

MEANING = "certified conforming"
DEFAULT_STATEMENT = ("We certify that the parts listed above were made, inspected and tested as the order, its "
                     "drawings and specifications require, and that they conform to them. The evidence for each "
                     "serial — its route, the certificates attached at each step and their documents — follows "
                     "in this pack.")
MAX_FIELD = 200
MAX_STATEMENT = 4_000
_ATTEMPTS = 3
CHANGED_SINCE_SHOWN = "The records changed since you looked: Show what is in it again. Nothing was made"


@dataclass(frozen=True)
class PackResult:
    """A pack made: where it is, its fingerprints, and what it holds."""

    path: str
    sha256: str  # of the file, as sha256sum gives it; the office lists packs by it
    contents_hash: str  # printed in the pack; the same for the same evidence signed at another time
    pages: int
    drawn_pages: int  # certificate of conformance, routes, certificates, manifest
    appended_pages: int  # the documents' pages
    serial_count: int
    certificate_count: int
    document_count: int
    gaps: tuple[str, ...]
    chain_seq: int
    chain_hash: str
    signed_by: str  # printed name
    signed_at: dt.datetime
    pack_id: str
    audit_seq: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "contentsHash": self.contents_hash, "pages": self.pages,
                "drawnPages": self.drawn_pages, "appendedPages": self.appended_pages,
                "serialCount": self.serial_count, "certificateCount": self.certificate_count,
                "documentCount": self.document_count, "gaps": list(self.gaps), "chainSeq": self.chain_seq,
                "chainHash": self.chain_hash, "signedBy": self.signed_by, "signedAt": iso_utc(self.signed_at),
                "packId": self.pack_id, "auditSeq": self.audit_seq}


def _typed(value: Any, label: str, field: str, limit: int = MAX_FIELD, multiline: bool = False) -> str:
    text = check_text(value, label, field, limit, multiline=multiline)
    if not text:
        raise Invalid(f"{label} is required: it is printed on the certificate of conformance", field)
    return text


def gaps_refusal(preview: PackPreview) -> str:
    """Why a pack with gaps is not made without a reason, with the gaps listed."""
    count = len(preview.gaps)
    lines = "\n".join(f"- {gap.sentence}" for gap in preview.gaps)
    return (f"This pack has {count} gap{'s' if count != 1 else ''}; it is made only with a reason, which is "
            f"printed in it beside them:\n{lines}")


class _HashingFile:
    """A file written through, hashed on the way: the pack is not read back to learn its sha256."""

    def __init__(self, handle) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def write(self, data) -> int:
        self.digest.update(data)
        return self.handle.write(data)

    def tell(self) -> int:
        return self.handle.tell()

    def flush(self) -> None:
        self.handle.flush()


def make_pack(user_id: str, pin: str, out: str | os.PathLike, *, job: str | None = None,
              serials: Sequence[str] | str | None = None, plant: str, customer: str, order_ref: str,
              statement: str = DEFAULT_STATEMENT, reason: str | None = None,
              expected: str | None = None) -> PackResult:
    """Make the pack of a job's serials, listed serials or one serial, signed by ``user_id`` with ``pin``,
    and write it to ``out``. Audited (``pack_made``: who, which serials, the file's sha256). ``expected``:
    the ``digest()`` of the preview shown; the pack is refused when what it would hold is not that.

    Raises Invalid (a field missing, gaps without a reason, a document whose stored bytes changed, the
    records changed since they were shown, a destination that cannot be written), NotFound (job,
    serial), Forbidden (an operator; a wrong PIN), Locked.
    """
    require_user(user_id, MAKERS, "make conformance packs")
    plant = _typed(plant, "Plant", "plant")
    customer = _typed(customer, "Customer", "customer")
    order_ref = _typed(order_ref, "Customer order reference", "order_ref")
    statement = _typed(statement, "Statement", "statement", MAX_STATEMENT, multiline=True)
    reason = check_text(reason, "Reason", "reason", MAX_REASON_LENGTH, multiline=True)
    preview = _read(user_id, job, serials, reason, expected)
    target = FilePath(out)
    _check_target(target)
    try:
        signer = check_pin(user_id, pin or "", purpose="pack")  # commits the count of wrong PINs on its own
    except Locked as locked:
        raise Locked(f"{locked.message}. The pack was not made") from None
    except Forbidden:
        raise Forbidden("Wrong PIN: the pack was not made") from None
    for _ in range(_ATTEMPTS):
        made = _make_once(preview, target, user_id, signer.name, signer.role, plant, customer, order_ref,
                          statement, reason if preview.gaps else None, job)
        if made is not None:
            return made
        preview = _read(user_id, job, serials, reason, expected)
    raise Invalid("The records of these serials kept changing while the pack was being made; nothing was kept: "
                  "make it again")


def _read(user_id: str, job: str | None, serials, reason: str | None, expected: str | None) -> PackPreview:
    preview = read_pack(user_id, job, serials)
    if expected is not None and preview.digest() != expected:
        raise Invalid(CHANGED_SINCE_SHOWN, "preview")
    if preview.gaps and not reason:
        raise Invalid(gaps_refusal(preview), "reason")
    return preview


def _check_target(target: FilePath) -> None:
    """Refuse, before anything is drawn or signed, a destination the finished pack could not replace."""
    if target.is_dir():
        raise Invalid(f"{target} is a folder: choose a file name for the pack. Nothing was made", "out")
    if target.exists():
        try:
            open(target, "r+b").close()  # what a viewer holding it open (Windows) or a read-only file refuses
        except OSError as error:
            raise Invalid(f"Cannot replace {target}: {error.strerror or error} (is it open in another program?). "
                          "Nothing was made", "out") from None


def _changed_since(preview: PackPreview, job: str | None) -> bool:
    """Whether anything the pack shows was recorded after the position it cites (read under the write lock):
    entries about other serials, certificates or users leave the pack as it is."""
    serial_ids, cert_ids = set(preview.serial_ids), {c.id for c in preview.certificates}
    step_ids = {step.step_id for s in preview.serials for step in s.steps}
    e = AuditEntry
    newer = (e.select(e.type, e.serial_id, e.cert_id, e.job_id, e.path_id, e.step_id, e.details)
             .where((e.seq > preview.chain_seq) & (e.type != PACK_AUDIT_TYPE)).tuples())
    paths: set[str] | None = None
    for kind, serial_id, cert_id, job_id, path_id, step_id, details in newer:
        if serial_id in serial_ids or cert_id in cert_ids or step_id in step_ids or (job and job_id == job):
            return True
        if kind == "user_updated" and isinstance(details, dict) and "name" in (details.get("changes") or {}):
            return True  # a name the pack prints (who attached, uploaded, approved) may be the one changed
        if path_id and not serial_id:
            if paths is None:
                paths = {p for (p,) in Step.select(Step.path).where(Step.id.in_(sorted(step_ids))).tuples()}
            if path_id in paths:
                return True
    if job is not None:  # serials added to a job are not audited one by one: the job's list is asked again
        shipping = tuple(SerialNumber.select(SerialNumber.id).where(
            (SerialNumber.job == job) & (SerialNumber.status != "scrapped")).order_by(SerialNumber.id).tuples())
        if tuple(s for (s,) in shipping) != preview.serial_ids:
            return True
    return False


def _make_once(preview: PackPreview, target: FilePath, user_id: str, name: str, role: str, plant: str,
               customer: str, order_ref: str, statement: str, reason: str | None,
               job: str | None) -> PackResult | None:
    signed_at = db.now()
    facts = Facts(plant, customer, order_ref, statement, reason, name, user_id, ROLE.get(role, role), MEANING,
                  iso_utc(signed_at), "")
    folder = document_dir()
    loaded = [load(document, folder / document.storage_path) for document in preview.documents if document.available]
    partial = target.with_name(target.name + ".partial")
    try:
        with open(partial, "wb") as handle:
            hashing = _HashingFile(handle)
            assembled = assemble(preview, facts, loaded, hashing)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise Invalid(f"Cannot write {target}: {error.strerror or error}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    manifest, layout = assembled.manifest, assembled.layout
    sha256 = hashing.digest.hexdigest()
    try:
        with write_transaction():
            require_user(user_id, MAKERS, "make conformance packs")  # as the user is now, under the lock
            if _changed_since(preview, job):
                partial.unlink(missing_ok=True)
                return None
            entry = audit.record(PACK_AUDIT_TYPE, user_id, job_id=job, reason=reason, details={
                "fileSha256": sha256, "contentsHash": manifest["contentsHash"], "fileName": target.name,
                "serialIds": list(preview.serial_ids), "serialCount": preview.quantity,
                "certificates": len(preview.certificates), "documents": len(loaded), "pages": layout.total,
                "gaps": [gap.sentence for gap in preview.gaps], "plant": plant, "customer": customer,
                "orderRef": order_ref, "selection": preview.selection, "printedName": name, "meaning": MEANING,
                "signedAt": iso_utc(signed_at), "chainSeq": preview.chain_seq, "chainHash": preview.chain_hash})
            row = {"id": new_id("pk_"), "file_sha256": sha256, "contents_hash": manifest["contentsHash"],
                   "made_at": entry["at"], "made_by": user_id, "serial_count": preview.quantity,
                   "certificate_count": len(preview.certificates), "document_count": len(loaded),
                   "page_count": layout.total, "gap_count": len(preview.gaps), "plant": plant,
                   "customer": customer, "order_ref": order_ref, "selection": preview.selection,
                   "file_name": target.name[:255], "chain_seq": preview.chain_seq, "audit_seq": entry["seq"],
                   "reason": reason}
            Pack.insert(row).execute()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    try:
        os.replace(partial, target)
    except OSError as error:
        # Signed, audited and listed: the partial file is that pack, so it is kept, never deleted.
        raise Invalid(f"The pack was made and signed (audit entry {entry['seq']:,}, sha256 {sha256}) but could "
                      f"not be put at {target}: {error.strerror or error}. The signed pack is kept as {partial}: "
                      f"rename it to {target.name}", "out") from None
    return PackResult(str(target), sha256, manifest["contentsHash"], layout.total, layout.total - layout.appended,
                      layout.appended, preview.quantity, len(preview.certificates), len(loaded),
                      tuple(gap.sentence for gap in preview.gaps), preview.chain_seq, preview.chain_hash, name,
                      signed_at, row["id"], entry["seq"])
