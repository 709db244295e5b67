"""What a conformance pack for a selection of serials holds: read from the database as plain values.

A selection is a job (its serials that were not scrapped: a scrapped part does not ship), a list of
serials (a shipment, scanned or pasted: order and repeats do not matter, the pack lists them by id), or
one serial. The same selection on an unchanged database reads the same values in the same order, which
is what lets the same pack be made twice (app.pack.make).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Iterable, Sequence

from app import db
from app.certificates import CertificateRecord, state_words
from app.clock import today
from app.document_checks import JPEG, PDF, PNG
from app.documents import document_dir
from app.errors import Invalid, NotFound
from app.ids import check_id
from app.models import CertAttachment, Certificate, CertificateDocument, Job, Path, SerialNumber, User
from app.pack.gaps import find_gaps
from app.pack.records import (IMAGE, LISTED, PAGES, AttachedCert, PackCertificate, PackDocument, PackPreview,
                              RouteStep, SerialEntry)
from app.routes import steps_of
from app.users import require_user

MAKERS = ("supervisor", "admin")
MAX_SERIALS = 20_000
_CHUNK = 500  # ids in one IN (...): well inside SQLite's and PostgreSQL's limits
PACK_AUDIT_TYPE = "pack_made"
_EVIDENCE_HEAD_SQL = ('SELECT "seq", "hash" FROM "audit_entry" WHERE "type" <> ? ORDER BY "seq" DESC LIMIT 1')


def evidence_head() -> tuple[int, str]:
    """The newest audit entry that is not a pack made: the state of the evidence a pack cites.

    A pack made does not change the evidence, so it does not move this position: a second pack of the
    same serials from an unchanged database cites the same entry and comes out the same.
    """
    row = db.execute(_EVIDENCE_HEAD_SQL, (PACK_AUDIT_TYPE,)).fetchone()
    return (row[0], row[1]) if row else (0, "0" * 64)


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start:start + _CHUNK])


def _selected(job: str | None, serials: Sequence[str] | str | None) -> tuple[str, list[SerialNumber], list[str]]:
    """The selection's words, its serial rows by id, and a job's scrapped serials left out."""
    if isinstance(serials, str):
        serials = [serials]
    listed = [s.strip() for s in serials or () if s and s.strip()]
    if (job is None) == (not listed):
        raise Invalid("Choose the serials of the pack: a job, a list of serials, or one serial")
    if job is not None:
        check_id(job, "Job id")
        if not Job.select().where(Job.id == job).exists():
            raise NotFound(f"Job not found: {job}")
        rows = list(SerialNumber.select().where(SerialNumber.job == job).order_by(SerialNumber.id))
        kept = [r for r in rows if r.status != "scrapped"]
        if not kept:
            raise Invalid(f"Job {job} has no serials to ship" + (" (all were scrapped)" if rows else ""))
        return f"job {job}", kept, [r.id for r in rows if r.status == "scrapped"]
    wanted = sorted(set(listed))
    for serial_id in wanted:
        check_id(serial_id, "Serial id")
    found: dict[str, SerialNumber] = {}
    for chunk in _chunks(wanted):
        found |= {r.id: r for r in SerialNumber.select().where(SerialNumber.id.in_(chunk))}
    unknown = [s for s in wanted if s not in found]
    if unknown:
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise NotFound(f"SerialNumber not found: {', '.join(unknown[:10])}{more}")
    words = f"serial {wanted[0]}" if len(wanted) == 1 else f"{len(wanted)} listed serials"
    return words, [found[s] for s in wanted], []


def _how(content_type: str) -> str:
    if content_type == PDF:
        return PAGES
    return IMAGE if content_type in (JPEG, PNG) else LISTED


def _user_names(ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for chunk in _chunks(sorted(ids)):
        names |= dict(User.select(User.id, User.name).where(User.id.in_(chunk)).tuples())
    return names


def read_pack(user_id: str, job: str | None = None, serials: Sequence[str] | str | None = None,
              on: dt.date | None = None) -> PackPreview:
    """The pack a selection makes, gaps included, as ``user_id`` (a supervisor or administrator) would make it.

    Raises Invalid (no selection, too many serials), NotFound (a job or serial), Forbidden (an operator).
    """
    require_user(user_id, MAKERS, "make conformance packs")
    on = on or today()
    chain_seq, chain_hash = evidence_head()  # read first: what follows is at least this recent
    words, rows, scrapped = _selected(job, serials)
    if len(rows) > MAX_SERIALS:
        raise Invalid(f"A pack holds at most {MAX_SERIALS:,} serials; this selection has {len(rows):,}")
    jobs = {j.id: j for j in Job.select().where(Job.id.in_(sorted({r.job_id for r in rows})))}
    routes = dict(Path.select(Path.id, Path.name).where(Path.id.in_(sorted({r.path_id for r in rows}))).tuples())
    steps = {path_id: steps_of(path_id) for path_id in sorted(routes)}
    a = CertAttachment
    held: dict[tuple[str, str], list[tuple]] = {}
    for chunk in _chunks([r.id for r in rows]):
        for serial_id, step_id, cert_id, by, at in (a.select(a.serial, a.step, a.certificate, a.attached_by,
                                                             a.attached_at).where(a.serial.in_(chunk)).tuples()):
            held.setdefault((serial_id, step_id), []).append((at, cert_id, by))
    cert_ids = sorted({c for found in held.values() for _, c, _ in found})
    certs: dict[str, Certificate] = {}
    for chunk in _chunks(cert_ids):
        certs |= {c.id: c for c in Certificate.select().where(Certificate.id.in_(chunk))}
    documents: dict[str, list[CertificateDocument]] = {}
    for chunk in _chunks(cert_ids):
        for d in (CertificateDocument.select().where(CertificateDocument.certificate.in_(chunk))
                  .order_by(CertificateDocument.uploaded_at, CertificateDocument.id)):
            documents.setdefault(d.certificate_id, []).append(d)
    names = _user_names({by for found in held.values() for _, _, by in found}
                        | {d.uploaded_by_id for docs in documents.values() for d in docs}
                        | {c.approved_by for c in certs.values() if c.approved_by})
    entries, uses = [], Counter()
    for row in rows:
        path_steps = steps[row.path_id]
        current = len(path_steps) if row.current_step_index == -1 else row.current_step_index
        route = []
        for step in path_steps:
            found = sorted(held.get((row.id, step.id), []))
            uses.update({cert_id for _, cert_id, _ in found})
            state = "passed" if step.position < current else "current" if step.position == current else "ahead"
            route.append(RouteStep(step.id, step.name, step.position, tuple(step.requires), state, tuple(
                AttachedCert(cert_id, certs[cert_id].kind, certs[cert_id].number, by, names.get(by, by), at)
                for at, cert_id, by in found)))
        job_row = jobs[row.job_id]
        entries.append(SerialEntry(row.id, row.job_id, job_row.part, routes[row.path_id], row.status, tuple(route)))
    pack_certs, all_documents = [], []
    folder = document_dir()
    for cert_id in cert_ids:
        cert = certs[cert_id]
        docs = tuple(PackDocument(d.id, cert_id, d.file_name, d.content_type, d.size, d.sha256, d.storage_path,
                                  names.get(d.uploaded_by_id, d.uploaded_by_id), d.uploaded_at, _how(d.content_type),
                                  _available(folder / d.storage_path, d.size))
                     for d in documents.get(cert_id, ()))
        all_documents.extend(docs)
        pack_certs.append(PackCertificate(
            cert.id, cert.name, cert.kind, cert.number, cert.en10204_type, cert.heat_lot, cert.resource_type,
            cert.resource_id, cert.date_release, cert.date_expire, cert.status, cert.review_status,
            names.get(cert.approved_by, cert.approved_by) if cert.approved_by else None, cert.approved_at,
            state_words(CertificateRecord.of(cert), on), uses[cert_id], docs))
    parts = tuple(sorted(Counter(e.part for e in entries).items()))
    preview = PackPreview(words, tuple(entries), tuple(pack_certs), (), parts, tuple(scrapped), chain_seq,
                          chain_hash, on, tuple(all_documents))
    return PackPreview(**{**preview.__dict__, "gaps": tuple(find_gaps(preview))})


def _available(path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False

