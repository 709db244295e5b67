"""What a pack cannot show as it should, each said in one sentence for people (names, not ids).

A gap: a step a serial passed whose required certificate kinds have none attached there; a serial not
completed (or, listed by hand, scrapped); a certificate revoked by now, or attached on or after its expiry date;
one with no document, or whose documents are not approved; a document whose stored file is missing (it
cannot be appended). Serials sharing a gap are said together, so a job of 1,000 serials all missing one
inspection reads as one sentence, not 1,000.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Iterable

from app.words import kinds_phrase, plural

if TYPE_CHECKING:
    from app.pack.records import Gap, PackPreview

SHOWN_SERIALS = 5


def serial_list(serial_ids: Iterable[str], shown: int = SHOWN_SERIALS) -> str:
    """``SN-1``, ``SN-1 and SN-2``, ``SN-1, SN-2, SN-3 and 4 more``."""
    ids = list(serial_ids)
    if len(ids) <= shown:
        return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"
    return f"{', '.join(ids[:shown])} and {len(ids) - shown:,} more"


def _serials(ids: list[str]) -> str:
    return f"{'serial' if len(ids) == 1 else plural(len(ids), 'serial') + ':'} {serial_list(ids)}"


def find_gaps(preview: "PackPreview") -> list["Gap"]:
    from app.pack.records import Gap

    gaps: list[Gap] = []
    missing: dict[tuple[str, str, int, tuple[str, ...]], list[str]] = {}
    standing: dict[tuple[str, str, int, int], list[str]] = {}
    scrapped: dict[tuple[str, str], list[str]] = {}
    for serial in preview.serials:
        for step in serial.steps:
            if step.state == "passed":
                held = {c.kind for c in step.certificates}
                lacking = tuple(k for k in step.requires if k not in held)
                if lacking:
                    missing.setdefault((serial.route_name, step.name, step.position, lacking), []).append(
                        serial.serial_id)
            elif step.state == "current":
                if serial.status == "scrapped":
                    scrapped.setdefault((serial.route_name, step.name), []).append(serial.serial_id)
                else:
                    standing.setdefault((serial.route_name, step.name, step.position, len(serial.steps)),
                                        []).append(serial.serial_id)
        if serial.status == "scrapped" and not any(s.state == "current" for s in serial.steps):
            scrapped.setdefault((serial.route_name, ""), []).append(serial.serial_id)
    for (route, step, position, lacking), ids in missing.items():
        gaps.append(Gap("missing", f"{route}, step {position + 1} “{step}”: no {kinds_phrase(lacking)} certificate "
                                   f"attached for {_serials(ids)}", tuple(ids)))
    for (route, step, position, count), ids in standing.items():
        verb = "is" if len(ids) == 1 else "are"
        gaps.append(Gap("not_completed", f"Not completed: {_serials(ids)} {verb} still at {route}, step "
                                         f"{position + 1} of {count} “{step}”", tuple(ids)))
    for (route, step), ids in scrapped.items():
        where = f" at {route}, “{step}”" if step else ""
        gaps.append(Gap("scrapped", f"Scrapped{where}: {_serials(ids)}", tuple(ids)))
    users = _users_of(preview)
    expired_at_use = _expired_at_use(preview)
    for cert in preview.certificates:
        ids = users.get(cert.id, [])
        behind = f"; it stands behind {_serials(ids)}"
        if cert.status == "revoked":
            gaps.append(Gap("revoked", f"Certificate {cert.words} is revoked{behind}", tuple(ids), cert.id))
        elif cert.id in expired_at_use:
            # A certificate valid when it was used is evidence still (a gauge calibrated when it measured);
            # one attached on or after its expiry date is not.
            late = expired_at_use[cert.id]
            gaps.append(Gap("expired", f"Certificate {cert.words} had expired on {cert.date_expire.isoformat()} "
                                       f"when it was attached to {_serials(late)}", tuple(late), cert.id))
        if not cert.documents:
            gaps.append(Gap("no_document", f"Certificate {cert.words} has no document: the pack cannot show it",
                            tuple(ids), cert.id))
        elif cert.review_status != "approved":
            gaps.append(Gap("not_approved", f"The documents of certificate {cert.words} are not approved "
                                            f"(nobody has signed their review)", tuple(ids), cert.id))
        for document in cert.documents:
            if not document.available:
                gaps.append(Gap("document_missing", f"Document {document.file_name} of certificate {cert.words}: "
                                                    "its stored file is missing, so it is not appended",
                                tuple(ids), cert.id))
    return gaps


def local_date(at: dt.datetime) -> dt.date:
    """The plant's calendar date of a UTC time: an expiry date is a day on the floor (app.clock.today)."""
    return at.replace(tzinfo=dt.timezone.utc).astimezone().date()


def _expired_at_use(preview: "PackPreview") -> dict[str, list[str]]:
    """For each certificate, the pack's serials it was attached to on or after its expiry date, judged as
    the attach judges it (app.certificates.refusal_to_attach on the plant's date of the attach)."""
    expiry = {c.id: c.date_expire for c in preview.certificates if c.date_expire is not None}
    found: dict[str, list[str]] = {}
    for serial in preview.serials:
        for step in serial.steps:
            for attached in step.certificates:
                until = expiry.get(attached.cert_id)
                if until is not None and local_date(attached.attached_at) >= until \
                        and serial.serial_id not in found.get(attached.cert_id, []):
                    found.setdefault(attached.cert_id, []).append(serial.serial_id)
    return found


def _users_of(preview: "PackPreview") -> dict[str, list[str]]:
    """For each certificate, the pack's serials it is attached to (by id)."""
    found: dict[str, list[str]] = {}
    for serial in preview.serials:
        for cert_id in dict.fromkeys(c.cert_id for step in serial.steps for c in step.certificates):
            found.setdefault(cert_id, []).append(serial.serial_id)
    return found
