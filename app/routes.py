"""Routes (paths of steps) and the jobs whose serials follow them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app import audit
from app.db import write_transaction
from app.errors import Invalid, NotFound
from app.ids import check_id
from app.models import CERT_KINDS, Job, Path, Step
from app.users import require_user


@dataclass(frozen=True)
class StepRecord:
    id: str
    name: str
    position: int
    requires: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "position": self.position, "requires": list(self.requires)}


@dataclass(frozen=True)
class PathRecord:
    id: str
    name: str
    steps: list[StepRecord]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "steps": [s.to_json() for s in self.steps]}


@dataclass(frozen=True)
class JobRecord:
    id: str
    name: str
    part: str
    path_id: str
    quantity: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "part": self.part, "path": self.path_id, "quantity": self.quantity}


def path_rows(path: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validated rows for a path and its steps, from the plant file's shape."""
    check_id(path.get("id"), "Path id")
    if not str(path.get("name") or "").strip():
        raise Invalid(f"Path {path['id']} needs a name")
    steps = path.get("steps") or []
    if not steps:
        raise Invalid(f"Path {path['id']} needs at least one step")
    rows = []
    for position, step in enumerate(steps):
        check_id(step.get("id"), "Step id")
        requires = list(step.get("requires") or [])
        unknown = [kind for kind in requires if kind not in CERT_KINDS]
        if unknown:
            raise Invalid(f"Step {step['id']} requires unknown certificate kinds: {', '.join(map(str, unknown))}")
        rows.append({"id": step["id"], "path": path["id"], "position": position,
                     "name": str(step.get("name") or step["id"]).strip(), "requires": requires})
    if len({r["id"] for r in rows}) != len(rows):
        raise Invalid(f"Path {path['id']} names a step twice")
    return {"id": path["id"], "name": str(path["name"]).strip()}, rows


def create_path(path: dict[str, Any], user_id: str) -> PathRecord:
    """Create a route with its ordered steps. Raises Invalid, Forbidden."""
    path_row, step_rows = path_rows(path)
    with write_transaction():
        require_user(user_id, ("admin",), "create routes")
        if Path.get_or_none(Path.id == path_row["id"]):
            raise Invalid(f"Path already exists: {path_row['id']}")
        taken = [s.id for s in Step.select(Step.id).where(Step.id.in_([r["id"] for r in step_rows]))]
        if taken:
            raise Invalid(f"Step already exists: {taken[0]}")
        Path.insert(path_row).execute()
        Step.insert_many(step_rows).execute()
        audit.record("path_created", user_id, path_id=path_row["id"], details=path)
    return get_path(path_row["id"])


def get_path(path_id: str) -> PathRecord:
    path = Path.get_or_none(Path.id == path_id)
    if path is None:
        raise NotFound(f"Path not found: {path_id}")
    return PathRecord(path.id, path.name, steps_of(path_id))


def steps_of(path_id: str) -> list[StepRecord]:
    return [StepRecord(s.id, s.name, s.position, list(s.requires or []))
            for s in Step.select().where(Step.path == path_id).order_by(Step.position)]


def job_row(job: dict[str, Any]) -> dict[str, Any]:
    check_id(job.get("id"), "Job id")
    try:
        quantity = int(job.get("quantity") or 0)
    except (TypeError, ValueError):
        raise Invalid(f"Job {job['id']} quantity must be a whole number: {job.get('quantity')}") from None
    if quantity < 0:
        raise Invalid(f"Job {job['id']} quantity cannot be negative")
    return {"id": job["id"], "name": str(job.get("name") or job["id"]).strip(),
            "part": str(job.get("part") or "").strip(), "path": check_id(job.get("path"), "Job path"),
            "quantity": quantity}


def create_job(job: dict[str, Any], user_id: str) -> JobRecord:
    """Create a job on an existing route. Raises Invalid, NotFound, Forbidden."""
    row = job_row(job)
    with write_transaction():
        require_user(user_id, ("supervisor", "admin"), "create jobs")
        get_path(row["path"])
        if Job.get_or_none(Job.id == row["id"]):
            raise Invalid(f"Job already exists: {row['id']}")
        Job.insert(row).execute()
        audit.record("job_created", user_id, job_id=row["id"], path_id=row["path"], details=row)
    return get_job(row["id"])


def get_job(job_id: str) -> JobRecord:
    job = Job.get_or_none(Job.id == job_id)
    if job is None:
        raise NotFound(f"Job not found: {job_id}")
    return JobRecord(job.id, job.name, job.part, job.path_id, job.quantity)


def list_jobs() -> list[JobRecord]:
    return [JobRecord(j.id, j.name, j.part, j.path_id, j.quantity) for j in Job.select().order_by(Job.id)]
