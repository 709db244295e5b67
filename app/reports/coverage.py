"""Coverage of a batch: how many serials hold a certificate, which lack it, and the route gaps."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from peewee import JOIN, fn

from app.certificates import get_certificate
from app.errors import Invalid, NotFound
from app.models import CertAttachment, Certificate, Job, SerialNumber, Step
from app.reports.paging import PAGE_SIZE, Page, PageIndex, keyset, next_after, page_index
from app.routes import steps_of


@dataclass(frozen=True)
class CoverageSpec:
    """Which serials (a job, or a list) must hold which certificate (one, or any of a kind)."""

    job_id: str | None = None
    serial_ids: Sequence[str] | None = None
    cert_id: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class LackingRow:
    serial_id: str
    job_id: str
    status: str
    step_id: str | None
    step_name: str | None

    def to_json(self) -> dict[str, Any]:
        return {"serialId": self.serial_id, "jobId": self.job_id, "status": self.status, "stepId": self.step_id,
                "stepName": self.step_name}


@dataclass(frozen=True)
class CoverageCount:
    covered: int
    total: int

    def to_json(self) -> dict[str, Any]:
        return {"covered": self.covered, "total": self.total, "lacking": self.total - self.covered}


def _check_spec(spec: CoverageSpec, needs_certificate: bool = True) -> None:
    if bool(spec.job_id) == bool(spec.serial_ids):
        raise Invalid("Choose a job or a list of serials")
    if spec.job_id and not Job.select().where(Job.id == spec.job_id).exists():
        raise NotFound(f"Job not found: {spec.job_id}")
    if needs_certificate:
        if bool(spec.cert_id) == bool(spec.kind):
            raise Invalid("Choose a certificate or a certificate kind")
        if spec.cert_id:
            get_certificate(spec.cert_id)


def _serials(spec: CoverageSpec):
    s = SerialNumber
    select = s.select()
    return select.where(s.job == spec.job_id) if spec.job_id else select.where(s.id.in_(list(spec.serial_ids)))


def _holds(spec: CoverageSpec):
    """EXISTS: the serial has the certificate (or one of the kind) attached, at any step."""
    a = CertAttachment
    inner = a.select(a.id).where(a.serial == SerialNumber.id)
    if spec.cert_id:
        inner = inner.where(a.certificate == spec.cert_id)
    else:
        inner = inner.join(Certificate, on=(a.certificate == Certificate.id)).where(Certificate.kind == spec.kind)
    return fn.EXISTS(inner)


def coverage_count(spec: CoverageSpec) -> CoverageCount:
    """How many of the serials hold the certificate, out of how many."""
    _check_spec(spec)
    total = _serials(spec).count()
    covered = _serials(spec).where(_holds(spec)).count()
    return CoverageCount(covered, total)


def _lacking_select(spec: CoverageSpec, *columns):
    s = SerialNumber
    select = (_serials(spec).select(*(columns or (s.id, s.job, s.status, Step.id.alias("step_id"),
                                                  Step.name.alias("step_name"))))
              .where(~_holds(spec)))
    if not columns:
        select = select.join(Step, JOIN.LEFT_OUTER,
                             on=((Step.path == s.path) & (Step.position == s.current_step_index)))
    return select


def lacking_page(spec: CoverageSpec, after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """The serials that lack the certificate, by serial id, with the step each stands at."""
    _check_spec(spec)
    rows = [LackingRow(r["id"], r["job"], r["status"], r["step_id"], r["step_name"])
            for r in keyset(_lacking_select(spec), [SerialNumber.id], after, False, limit).dicts()]
    return Page(rows, next_after(rows, limit, lambda row: (row.serial_id,)))


def lacking_page_index(spec: CoverageSpec, size: int = PAGE_SIZE) -> PageIndex:
    """Where each page of ``lacking_page`` begins."""
    _check_spec(spec)
    return page_index(lambda *columns: _lacking_select(spec, *columns), [SerialNumber.id], False, size)


@dataclass(frozen=True)
class RouteGapRow:
    serial_id: str
    step_id: str
    step_name: str
    missing: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"serialId": self.serial_id, "stepId": self.step_id, "stepName": self.step_name,
                "missing": list(self.missing)}


def route_gap_page(spec: CoverageSpec, after: tuple | None = None, limit: int = PAGE_SIZE) -> Page:
    """For each serial, the steps it has passed whose required certificate kinds are missing there."""
    _check_spec(spec, needs_certificate=False)
    s, a = SerialNumber, CertAttachment
    rows: list[RouteGapRow] = []
    steps_by_path: dict[str, list] = {}
    cursor = after
    while len(rows) < limit:
        serial_rows = list(keyset(_serials(spec).select(s.id, s.path, s.current_step_index), [s.id], cursor,
                                  False, limit).dicts())
        if not serial_rows:
            return Page(rows, None)
        held: dict[tuple[str, str], set[str]] = {}
        for serial_id, step_id, kind in (a.select(a.serial, a.step, Certificate.kind)
                                         .join(Certificate, on=(a.certificate == Certificate.id))
                                         .where(a.serial.in_([r["id"] for r in serial_rows])).tuples()):
            held.setdefault((serial_id, step_id), set()).add(kind)
        for serial in serial_rows:
            steps = steps_by_path.setdefault(serial["path"], steps_of(serial["path"]))
            passed = steps if serial["current_step_index"] == -1 else steps[:serial["current_step_index"]]
            for step in passed:
                missing = [k for k in step.requires if k not in held.get((serial["id"], step.id), set())]
                if missing:
                    rows.append(RouteGapRow(serial["id"], step.id, step.name, missing))
            cursor = (serial["id"],)
            if len(rows) >= limit:
                return Page(rows, cursor)
        if len(serial_rows) < limit:
            return Page(rows, None)
    return Page(rows, cursor)
