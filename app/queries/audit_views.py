"""The supervisor's views' questions: a certificate by its code, a serial's report, coverage, exports."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from app import certificates, export, reports, serials
from app.certificates import CertificateRecord
from app.serials import SerialDetail


def find_certificate(code: str) -> CertificateRecord:
    """By id, or else by the issuer's number; raises the core's NotFound or Invalid (several share it)."""
    return certificates.resolve_certificate(code.strip())


@dataclass(frozen=True)
class SerialReport:
    detail: SerialDetail
    audit: list[reports.AuditRow]


def serial_report(serial_id: str) -> SerialReport:
    detail = serials.get_serial(serial_id.strip())
    return SerialReport(detail, reports.serial_audit(detail.id))


@dataclass(frozen=True)
class CoverageResult:
    spec: reports.CoverageSpec
    count: reports.CoverageCount


def coverage(job_id: str | None, serial_ids: tuple[str, ...], cert_code: str | None,
             kind: str | None) -> CoverageResult:
    """The spec with the certificate's code resolved to its id, and covered against total."""
    cert_id = find_certificate(cert_code).id if cert_code else None
    spec = reports.CoverageSpec(job_id=job_id or None, serial_ids=serial_ids or None, cert_id=cert_id,
                                kind=None if cert_id else (kind or None))
    return CoverageResult(spec, reports.coverage_count(spec))


class ExportJob:
    """Shared by the GUI (reads ``rows``, sets ``cancel``) and the worker (writes ``rows``)."""

    def __init__(self) -> None:
        self.rows = 0
        self.cancel = threading.Event()


@dataclass(frozen=True)
class ExportResult:
    path: str
    rows: int
    cancelled: bool = False


def export_csv(view: str, options: dict, destination: str, job: ExportJob) -> ExportResult:
    def progress(count: int) -> None:
        job.rows = count

    try:
        rows = export.write_csv(*export.report_table(view, **options), destination, progress,
                                job.cancel.is_set)
    except export.Cancelled:
        return ExportResult(destination, job.rows, cancelled=True)
    return ExportResult(destination, rows)


def export_pdf(view: str, options: dict, destination: str, generated_by: str) -> ExportResult:
    from app.report_pdf import Report, write_pdf  # fpdf2 loads in a third of a second: on the first export only

    title, details, total = export.report_title_and_details(view, **options)
    generated_at = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    rows = write_pdf(Report(title, details, export.COLUMNS[view], export.report_dicts(view, **options),
                            generated_by, generated_at, total=total), destination)
    return ExportResult(destination, rows)
