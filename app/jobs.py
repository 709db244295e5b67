"""Jobs: a batch of one part that follows one revision of a route; kept by supervisors.

A new job takes the newest revision of the route it names and keeps it: its serials are made on
that revision, whatever edits come later (app.routes). A job says how many pieces it is for
(``quantity``): a batch of serials that would take it past that is refused (app.serials), scrapped
serials not counted, since a scrapped piece is made again. A closed job takes no new serials; the
ones it has go on along their route. A GTIN and a lot, when given, go on its labels (GS1 AI 01, 10).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from app import audit, db
from app.bounds import check_int, check_text
from app.clock import iso_utc
from app.db import to_datetime, write_transaction
from app.errors import Invalid, NotFound
from app.ids import check_id
from app.models import Job, Path
from app.routes import MAX_NAME_LENGTH, _object, _reason, newest_path
from app.users import require_user

MAX_QUANTITY = 1_000_000  # ten batches of serials (app.serials.MAX_BATCH)
MANAGERS = ("supervisor", "admin")
# GS1's character set 82, which AI 10 (batch or lot) may hold, up to 20 characters.
_LOT = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


@dataclass(frozen=True)
class JobRecord:
    id: str
    name: str
    part: str
    path_id: str
    quantity: int
    route_id: str | None = None
    revision: int = 1
    gtin: str | None = None
    lot: str | None = None
    closed_at: dt.datetime | None = None
    created_at: dt.datetime | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "part": self.part, "path": self.path_id, "quantity": self.quantity,
                "routeId": self.route_id or self.path_id, "revision": self.revision, "gtin": self.gtin,
                "lot": self.lot, "closed": self.closed,
                "closedAt": iso_utc(self.closed_at) if self.closed_at else None,
                "createdAt": iso_utc(self.created_at) if self.created_at else None}


def check_gtin(value: Any) -> str | None:
    """A GTIN-8, -12, -13 or -14 with a right check digit, as the 14 digits AI 01 carries; None when empty."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) in (8, 12, 13, 14)):
        raise Invalid(f"GTIN must be 8, 12, 13 or 14 digits: {text[:40]}", "gtin")
    digits = text.zfill(14)
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[:13]))
    if (10 - total % 10) % 10 != int(digits[13]):
        raise Invalid(f"GTIN {text} has a wrong check digit", "gtin")
    return digits


def check_lot(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not _LOT.fullmatch(text):
        raise Invalid(f"Lot must be 1 to 20 letters, digits or GS1's punctuation (no spaces): {text[:40]}", "lot")
    return text


def job_row(job: dict[str, Any]) -> dict[str, Any]:
    """A validated row for the job table (shared by create and import). Raises Invalid naming the field.

    ``path`` (or ``route``) names the route; create_job replaces it by the route's newest revision.
    """
    _object(job, "A job")
    job_id = check_id(job.get("id"), "Job id", "id")
    quantity = check_int(job.get("quantity"), f"Job {job_id} quantity", "quantity", 1, MAX_QUANTITY)
    if quantity is None:
        raise Invalid(f"Job {job_id} needs a quantity", "quantity")
    route = job.get("path") if job.get("path") not in (None, "") else job.get("route")
    return {"id": job_id, "name": check_text(job.get("name"), f"Job {job_id} name", "name", MAX_NAME_LENGTH) or job_id,
            "part": check_text(job.get("part"), f"Job {job_id} part", "part", MAX_NAME_LENGTH) or "",
            "path": check_id(route, "Job path", "path"), "quantity": quantity,
            "gtin": check_gtin(job.get("gtin")), "lot": check_lot(job.get("lot"))}


def create_job(job: dict[str, Any], user_id: str) -> JobRecord:
    """Create a job on the newest revision of a route that is not archived. Raises Invalid, NotFound, Forbidden."""
    row = job_row(job)
    with write_transaction():
        require_user(user_id, MANAGERS, "create jobs")
        path = newest_path(row["path"])
        if path.archived_at is not None:
            raise Invalid(f"Route {path.route_id or path.id} is archived: it takes no new jobs", "path")
        row["path"] = path.id
        if Job.get_or_none(Job.id == row["id"]):
            raise Invalid(f"Job already exists: {row['id']}", "id")
        Job.insert(row | {"created_at": db.now()}).execute()
        audit.record("job_created", user_id, job_id=row["id"], path_id=row["path"], details=row)
    return get_job(row["id"])


def close_job(job_id: str, user_id: str, reason: str) -> JobRecord:
    """No new serials on this job from now on; those it has go on. Raises Invalid, NotFound, Forbidden."""
    reason = _reason(reason, "close a job")
    with write_transaction():
        require_user(user_id, MANAGERS, "close jobs")
        job = _job(job_id)
        if job.closed_at is not None:
            raise Invalid(f"Job {job_id} is closed already (since {iso_utc(job.closed_at)})")
        Job.update(closed_at=db.now()).where(Job.id == job_id).execute()
        audit.record("job_closed", user_id, job_id=job_id, path_id=job.path_id, reason=reason)
    return get_job(job_id)


def _job(job_id: str) -> Job:
    check_id(job_id, "Job id")
    job = Job.get_or_none(Job.id == job_id)
    if job is None:
        raise NotFound(f"Job not found: {job_id}")
    return job


def _record(job: Job, path: Path | None = None) -> JobRecord:
    path = path or Path.get_or_none(Path.id == job.path_id)
    return JobRecord(job.id, job.name, job.part, job.path_id, job.quantity, path.route_id if path else None,
                     path.revision if path else 1, job.gtin, job.lot, job.closed_at, job.created_at)


def get_job(job_id: str) -> JobRecord:
    return _record(_job(job_id))


def list_jobs(include_closed: bool = True) -> list[JobRecord]:
    paths = {p.id: p for p in Path.select()}
    query = Job.select().order_by(Job.id)
    if not include_closed:
        query = query.where(Job.closed_at.is_null())
    return [_record(j, paths.get(j.path_id)) for j in query]


# ---- progress ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobProgress:
    """How far a job's serials have gone: counts by status, and the serials in progress per step."""

    job: JobRecord
    in_progress: int = 0
    completed: int = 0
    scrapped: int = 0
    at_step: list[tuple[str, str, int]] = field(default_factory=list)  # (step id, name, in progress there)

    @property
    def made(self) -> int:
        return self.in_progress + self.completed + self.scrapped

    @property
    def room(self) -> int:
        """Serials the job may still get: its quantity less those made that are not scrapped."""
        return max(0, self.job.quantity - self.in_progress - self.completed)

    def to_json(self) -> dict[str, Any]:
        return self.job.to_json() | {"serials": self.made, "inProgress": self.in_progress, "completed": self.completed,
                                     "scrapped": self.scrapped, "room": self.room,
                                     "atStep": [{"stepId": s, "stepName": n, "count": c} for s, n, c in self.at_step]}


_COUNTS_SQL = ('SELECT "job_id", "status", "current_step_index", count(*) FROM "serial" {where} '
               'GROUP BY "job_id", "status", "current_step_index"')
_STEPS_SQL = 'SELECT "path_id", "position", "id", "name" FROM "step" ORDER BY "path_id", "position"'


def job_progress(job_id: str | None = None, include_closed: bool = True) -> list[JobProgress]:
    """Progress of one job (``job_id``) or of every job, in job id order."""
    jobs = [get_job(job_id)] if job_id is not None else list_jobs(include_closed)
    where, params = ('WHERE "job_id" = ?', (job_id,)) if job_id is not None else ("", ())
    counts: dict[str, dict[tuple[str, int], int]] = {}
    for job, status, index, count in db.execute(_COUNTS_SQL.format(where=where), params).fetchall():
        counts.setdefault(job, {})[(status, index)] = count
    steps: dict[str, list[tuple[int, str, str]]] = {}
    for path_id, position, step_id, name in db.execute(_STEPS_SQL).fetchall():
        steps.setdefault(path_id, []).append((position, step_id, name))
    found = []
    for job in jobs:
        mine = counts.get(job.id, {})
        total = {status: sum(c for (s, _), c in mine.items() if s == status)
                 for status in ("in_progress", "completed", "scrapped")}
        at_step = [(step_id, name, mine.get(("in_progress", position), 0))
                   for position, step_id, name in steps.get(job.path_id, [])]
        found.append(JobProgress(job, total["in_progress"], total["completed"], total["scrapped"], at_step))
    return found


@dataclass(frozen=True)
class JobSerial:
    id: str
    status: str
    step_index: int
    step_id: str | None
    step_name: str | None
    created_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "currentStepIndex": self.step_index, "stepId": self.step_id,
                "stepName": self.step_name, "createdAt": iso_utc(self.created_at)}


_SERIALS_SQL = ('SELECT s."id", s."status", s."current_step_index", st."id", st."name", s."created_at" '
                'FROM "serial" AS s LEFT JOIN "step" AS st ON st."path_id" = s."path_id" '
                'AND st."position" = s."current_step_index" WHERE s."job_id" = ? AND s."id" > ? '
                'ORDER BY s."id" LIMIT ?')


def serials_of_job(job_id: str, after: str = "", limit: int = 200) -> list[JobSerial]:
    """A page of a job's serials by id (keyset: pass the last id seen as ``after``), with the step each stands at."""
    _job(job_id)
    rows = db.execute(_SERIALS_SQL, (job_id, after, max(1, min(limit, 10_000)))).fetchall()
    return [JobSerial(r[0], r[1], r[2], r[3], r[4], to_datetime(r[5])) for r in rows]
