"""What the Jobs and Serials office views ask of the database, Qt-free.

The rules are app.jobs' and app.serial_batches'; this module only puts their answers in the shape a
screen shows: every job with its progress and its route's name, a job's serials a keyset page at a
time, a batch previewed as its first and last id, and a batch made with its progress shared with the
screen (``BatchProgress``, read by the GUI while the worker writes, as ``ExportJob`` is for exports).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Sequence

from app import certificates, db, jobs, route_history, serial_batches
from app.certificate_list import resolve_certificate
from app.certificates import CertificateRecord
from app.errors import Invalid
from app.jobs import JobProgress
from app.models import Path
from app.reports.paging import Page
from app.serials import Cancelled

SERIAL_PAGE = 200


@dataclass(frozen=True)
class JobRow:
    """A job as the Jobs list shows it: its progress and the name of its route (the same for every revision)."""

    progress: JobProgress
    route_name: str

    @property
    def job(self) -> jobs.JobRecord:
        return self.progress.job


def job_rows(include_closed: bool = True) -> list[JobRow]:
    """Every job (open ones only unless ``include_closed``), in id order, with progress and route name."""
    names = {path_id: name for path_id, name in Path.select(Path.id, Path.name).tuples()}
    return [JobRow(p, names.get(p.job.path_id, p.job.path_id)) for p in jobs.job_progress(None, include_closed)]


def routes_for_new_jobs() -> list[route_history.RouteSummary]:
    """The routes a new job may take (not archived), by name, each as its newest revision."""
    return route_history.list_routes(include_archived=False)


def open_jobs() -> list[jobs.JobRecord]:
    """The jobs that take new serials: those not closed, by id."""
    return jobs.list_jobs(include_closed=False)


def serial_page(job_id: str, after: tuple | None, limit: int) -> Page:
    """A page of a job's serials by id, each with the step it stands at (for ``ui.paged_model``)."""
    rows = jobs.serials_of_job(job_id, after[0] if after else "", limit)
    return Page(rows, (rows[-1].id,) if len(rows) == limit else None)


def count_serials(job_id: str) -> int:
    return db.execute('SELECT count(*) FROM "serial" WHERE "job_id" = ?', (job_id,)).fetchone()[0]


def _listed(text: str | None) -> list[tuple[int, str]] | None:
    return None if text is None else serial_batches.read_serial_list(text)


@dataclass(frozen=True)
class BatchPreview:
    first: str
    last: str
    count: int
    cert_id: str | None = None
    cert_name: str | None = None


def _certificate(code: str | None) -> CertificateRecord | None:
    """The certificate a scanned or typed code names, if it may be attached today (the batch's own rule)."""
    if not code or not code.strip():
        return None
    cert = resolve_certificate(code.strip())
    refusal = certificates.refusal_to_attach(cert)
    if refusal:
        raise Invalid(refusal, "cert")
    return cert


def preview(job_id: str, count: int | None = None, pattern: str | None = None, listed: str | None = None,
            cert_code: str | None = None) -> BatchPreview:
    """The first and last id a batch would make (by pattern and count, or from a pasted list's text) and the
    certificate it would attach, after the checks the batch itself makes; raises their Invalid or NotFound
    with the batch's own sentence."""
    ids = serial_batches.preview_batch(job_id, count, pattern, None, _listed(listed))
    cert = _certificate(cert_code)
    return BatchPreview(ids[0], ids[-1], len(ids), cert.id if cert else None, cert.name if cert else None)


class BatchProgress:
    """Shared by the GUI (reads ``done`` and ``total``, sets ``cancel``) and the worker (writes the counts)."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.cancel = threading.Event()

    def report(self, done: int, total: int) -> None:
        self.done, self.total = done, total


@dataclass(frozen=True)
class MadeBatch:
    job_id: str
    serial_ids: tuple[str, ...]  # empty when cancelled
    cert_id: str | None = None
    cert_name: str | None = None
    cancelled: bool = False


def make_batch(job_id: str, user_id: str, count: int | None, pattern: str | None, listed: str | None,
               cert_code: str | None, progress: BatchProgress | None = None) -> MadeBatch:
    """Serials for a job by pattern and count, or from a pasted list's (or a CSV file's) text, each with the
    certificate ``cert_code`` names (its id or its number) when given: ``serial_batches.create_batch``, one
    transaction. Cancelled through ``progress.cancel``, it writes nothing and says so."""
    cert = resolve_certificate(cert_code.strip()) if cert_code and cert_code.strip() else None
    shared = progress or BatchProgress()
    try:
        made = serial_batches.create_batch(job_id, user_id, count=count if listed is None else None,
                                           pattern=pattern if listed is None else None, serial_ids=_listed(listed),
                                           cert_id=cert.id if cert else None, progress=shared.report,
                                           cancelled=shared.cancel.is_set)
    except Cancelled:
        return MadeBatch(job_id, (), cert.id if cert else None, cert.name if cert else None, cancelled=True)
    return MadeBatch(job_id, tuple(made.serial_ids), made.cert_id, cert.name if cert else None)


def read_list_file(path: str) -> tuple[str, int]:
    """A CSV or text file of serial numbers (an ERP's export) as its text and the count of serials in it;
    the file's own checks (size, UTF-8, a column headed 'serial') refuse it in a sentence."""
    listed = serial_batches.read_serial_file(path)
    with open(path, "rb") as handle:  # read_serial_file checked its size and encoding
        return handle.read().decode("utf-8-sig"), len(listed)


def move(action: str, serial_ids: Sequence[str], user_id: str, reason: str | None = None) -> int:
    """Advance, complete or scrap the serials, all or nothing (``serial_batches.move_serials``); how many moved."""
    return len(serial_batches.move_serials(action, list(serial_ids), user_id, reason))
