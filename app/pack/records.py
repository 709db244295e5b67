"""The plain values a conformance pack is made of: what the office dialog shows before anything is made,
and what the PDF prints. No database access here; app.pack.contents fills them."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from app.clock import iso_utc

# How a document goes into the pack: its PDF pages merged as they are, an image placed on a page of its
# own, or (DOC, DOCX) listed with its hash only, never rendered.
PAGES, IMAGE, LISTED = "pages", "image", "listed"


@dataclass(frozen=True)
class AttachedCert:
    """One certificate attached to a serial at a step."""

    cert_id: str
    kind: str
    number: str | None
    attached_by: str  # user id
    attached_by_name: str
    attached_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {"certId": self.cert_id, "kind": self.kind, "number": self.number, "attachedBy": self.attached_by,
                "attachedByName": self.attached_by_name, "attachedAt": iso_utc(self.attached_at)}


@dataclass(frozen=True)
class RouteStep:
    step_id: str
    name: str
    position: int  # 0-based
    requires: tuple[str, ...]
    state: str  # passed, current, ahead (app.words.STEP_STATE)
    certificates: tuple[AttachedCert, ...]

    def to_json(self) -> dict[str, Any]:
        return {"stepId": self.step_id, "name": self.name, "position": self.position, "requires": list(self.requires),
                "state": self.state, "certificates": [c.to_json() for c in self.certificates]}


@dataclass(frozen=True)
class SerialEntry:
    serial_id: str
    job_id: str
    part: str
    route_name: str
    status: str  # in_progress, completed, scrapped
    steps: tuple[RouteStep, ...]

    def to_json(self) -> dict[str, Any]:
        return {"serialId": self.serial_id, "jobId": self.job_id, "part": self.part, "routeName": self.route_name,
                "status": self.status, "steps": [s.to_json() for s in self.steps]}


@dataclass(frozen=True)
class PackDocument:
    id: str
    cert_id: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    storage_path: str
    uploaded_by_name: str
    uploaded_at: dt.datetime
    how: str  # PAGES, IMAGE or LISTED
    available: bool  # the stored file is there (its bytes are checked against sha256 when the pack is made)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "certId": self.cert_id, "fileName": self.file_name, "contentType": self.content_type,
                "size": self.size, "sha256": self.sha256, "uploadedByName": self.uploaded_by_name,
                "uploadedAt": iso_utc(self.uploaded_at), "how": self.how, "available": self.available}


@dataclass(frozen=True)
class PackCertificate:
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
    status: str
    review_status: str
    approved_by_name: str | None
    approved_at: dt.datetime | None
    state: str  # app.certificates.state_words on the day the pack is made: "valid until 2027-01-01", "revoked"
    serial_count: int  # how many of the pack's serials it stands behind
    documents: tuple[PackDocument, ...]

    @property
    def title(self) -> str:
        """``cert_mat01 — Mill test report (HT-4711)``: a certificate's heading in the pack, beside the id
        the route tables print."""
        return f"{self.id} — {self.name}" + (f" ({self.number})" if self.number else "")

    @property
    def words(self) -> str:
        """``“Mill test report” (HT-4711)``: how people name a certificate in a sentence."""
        return f"“{self.name}”" + (f" ({self.number})" if self.number else "")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "number": self.number,
                "en10204Type": self.en10204_type, "heatLot": self.heat_lot, "resourceType": self.resource_type,
                "resourceId": self.resource_id,
                "dateRelease": self.date_release.isoformat() if self.date_release else None,
                "dateExpire": self.date_expire.isoformat() if self.date_expire else None,
                "status": self.status, "reviewStatus": self.review_status, "approvedByName": self.approved_by_name,
                "approvedAt": iso_utc(self.approved_at) if self.approved_at else None, "state": self.state,
                "serialCount": self.serial_count, "documents": [d.to_json() for d in self.documents]}


@dataclass(frozen=True)
class Gap:
    """Something the pack cannot show as it should, said for people (names, not ids)."""

    kind: str  # missing, not_completed, scrapped, revoked, expired, no_document, not_approved, document_missing
    sentence: str  # short enough for a screen: a long list of serials ends "and N more"
    serial_ids: tuple[str, ...] = ()  # every serial it concerns (the PDF prints them all)
    cert_id: str | None = None
    step_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "sentence": self.sentence, "serialIds": list(self.serial_ids),
                "certId": self.cert_id, "stepId": self.step_id}


@dataclass(frozen=True)
class PackPreview:
    """Everything a pack for this selection would hold, and what is missing, before anything is made."""

    selection: str  # "job JOB-1", "3 listed serials", "serial SN-00001"
    serials: tuple[SerialEntry, ...]
    certificates: tuple[PackCertificate, ...]  # each used once, by id
    gaps: tuple[Gap, ...]
    parts: tuple[tuple[str, int], ...]  # (part number, serials of it)
    scrapped_left_out: tuple[str, ...]  # a job's scrapped serials, which do not ship
    chain_seq: int  # the evidence the pack cites: the newest audit entry that is not a pack made
    chain_hash: str
    made_on: dt.date  # the day expiry was judged on
    documents: tuple[PackDocument, ...] = field(default=())  # every document, in the order appended

    @property
    def quantity(self) -> int:
        return len(self.serials)

    @property
    def serial_ids(self) -> tuple[str, ...]:
        return tuple(s.serial_id for s in self.serials)

    def to_json(self) -> dict[str, Any]:
        return {"selection": self.selection, "quantity": self.quantity, "parts": [list(p) for p in self.parts],
                "serials": [s.to_json() for s in self.serials],
                "certificates": [c.to_json() for c in self.certificates], "gaps": [g.to_json() for g in self.gaps],
                "scrappedLeftOut": list(self.scrapped_left_out), "chainSeq": self.chain_seq,
                "chainHash": self.chain_hash, "madeOn": self.made_on.isoformat()}

    def digest(self) -> str:
        """sha256 of what the preview shows, without the audit position (which any entry anywhere moves):
        what a pack is made from must be what was looked at (app.pack.make's ``expected``)."""
        shown = {k: v for k, v in self.to_json().items() if k not in ("chainSeq", "chainHash")}
        return hashlib.sha256(json.dumps(shown, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
