"""Coverage as the office shows it: covered against total, said in a sentence, with the serials of a pasted
list that do not exist named (a typo would otherwise just make the total smaller)."""
from __future__ import annotations

from dataclasses import dataclass

from app import certificates, reports
from app.models import SerialNumber
from app.queries.audit_views import coverage
from app.words import coverage_sentence, kind_phrase

_CHUNK = 500


@dataclass(frozen=True)
class CoverageAnswer:
    spec: reports.CoverageSpec  # the certificate's code resolved to its id
    count: reports.CoverageCount
    wanted: str  # "an Inspection certificate", "cert_mat01 — Mill test report S355J2"
    sentence: str  # "8 of 40 serials hold an Inspection certificate; 32 lack it."
    unknown: tuple[str, ...] = ()  # serials of the list that do not exist


def _unknown(serial_ids: tuple[str, ...]) -> tuple[str, ...]:
    found: set[str] = set()
    for start in range(0, len(serial_ids), _CHUNK):
        chunk = list(serial_ids[start:start + _CHUNK])
        found.update(s for (s,) in SerialNumber.select(SerialNumber.id).where(SerialNumber.id.in_(chunk)).tuples())
    return tuple(s for s in serial_ids if s not in found)


def check_coverage(job_id: str | None, serial_ids: tuple[str, ...], cert_code: str | None,
                   kind: str | None) -> CoverageAnswer:
    """Which of a job's serials (or a list's) hold a certificate (by id or number) or any of a kind.

    Give a certificate or a kind, not both: the office's choice says which. Raises the core's NotFound
    (a certificate or job that does not exist) and Invalid.
    """
    result = coverage(job_id, serial_ids, cert_code, None if cert_code else kind)
    if result.spec.cert_id:
        cert = certificates.get_certificate(result.spec.cert_id)
        wanted = f"{cert.id} — {cert.name}"
    else:
        wanted = kind_phrase(result.spec.kind or "")
    count = result.count
    return CoverageAnswer(result.spec, count, wanted, coverage_sentence(count.covered, count.total, wanted),
                          _unknown(serial_ids) if serial_ids else ())
