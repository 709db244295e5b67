"""The supervisor's views' questions: a certificate by its code, a serial's report, coverage.

The exports live in ``app.queries.exports``; their names are here too, as the benchmarks call them.
"""
from __future__ import annotations

from dataclasses import dataclass

from app import certificates, reports, serials
from app.certificates import CertificateRecord
from app.queries.audit_trail import resolve_names
from app.queries.exports import ExportJob, ExportResult, export_csv, export_pdf  # noqa: F401 (their old home)
from app.serials import SerialDetail
from app.words import NO_NAMES, Names, audit_sentence


def find_certificate(code: str) -> CertificateRecord:
    """By id, or else by the issuer's number; raises the core's NotFound or Invalid (several share it)."""
    return certificates.resolve_certificate(code.strip())


SERIAL_AUDIT_ROWS = 500  # a serial's history as the Serial detail shows it: the newest this many entries


@dataclass(frozen=True)
class SerialReport:
    detail: SerialDetail
    audit: list[reports.AuditRow]  # newest first
    names: Names = NO_NAMES  # of the people, steps and certificates its entries mention

    def user_name(self, user_id: str | None) -> str:
        return self.names.users.get(user_id, user_id) if user_id else ""

    def sentence(self, entry: reports.AuditRow) -> str:
        """What the entry records, as a sentence with its reason: the history's Details."""
        return audit_sentence(entry, self.names)


def serial_report(serial_id: str) -> SerialReport:
    """The serial, its route with what was attached where, and its audit entries with the names they mention."""
    detail = serials.get_serial(serial_id.strip())
    audit = reports.serial_audit(detail.id, limit=SERIAL_AUDIT_ROWS)
    return SerialReport(detail, audit, resolve_names(audit))


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
