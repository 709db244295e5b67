"""Routes (paths of steps) and the jobs whose serials follow them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app import audit
from app.bounds import check_int, check_text, shown
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


MAX_NAME_LENGTH = 200  # names of paths, steps and jobs, and a job's part: what the columns hold
MAX_STEPS = 200
MAX_QUANTITY = 1_000_000  # ten batches of serials (app.serials.MAX_BATCH)


def _object(value: Any, what: str, field: str | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{what} must be a JSON object, got {type(value).__name__}", field)
    return value


def path_rows(path: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validated rows for a path and its steps, from the plant file's shape."""
    _object(path, "A path")
    path_id = check_id(path.get("id"), "Path id")
    name = check_text(path.get("name"), f"Path {path_id} name", "name", MAX_NAME_LENGTH)
    if not name:
        raise Invalid(f"Path {path_id} needs a name", "name")
    steps = path.get("steps") or []
    if not isinstance(steps, list):
        raise Invalid(f"Path {path_id} steps must be a list of steps, got {type(steps).__name__}", "steps")
    if not steps:
        raise Invalid(f"Path {path_id} needs at least one step", "steps")
    if len(steps) > MAX_STEPS:
        raise Invalid(f"Path {path_id} has {len(steps)} steps; at most {MAX_STEPS}", "steps")
    rows = []
    for position, step in enumerate(steps):
        _object(step, f"Step {position + 1} of path {path_id}", "steps")
        step_id = check_id(step.get("id"), "Step id", "steps")
        requires = step.get("requires") or []
        if not isinstance(requires, list):
            raise Invalid(f"Step {step_id} requires must be a list of certificate kinds", "steps")
        unknown = [kind for kind in requires if kind not in CERT_KINDS]
        if unknown:
            raise Invalid(f"Step {step_id} requires unknown certificate kinds: {', '.join(map(shown, unknown))}",
                          "steps")
        step_name = check_text(step.get("name"), f"Step {step_id} name", "steps", MAX_NAME_LENGTH) or step_id
        rows.append({"id": step_id, "path": path_id, "position": position, "name": step_name,
                     "requires": list(dict.fromkeys(requires))})
    if len({r["id"] for r in rows}) != len(rows):
        raise Invalid(f"Path {path_id} names a step twice", "steps")
    return {"id": path_id, "name": name}, rows


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
        # The validated shape, not the caller's dict: whatever else it held is not recorded.
        details = path_row | {"steps": [{"id": r["id"], "name": r["name"], "requires": r["requires"]}
                                        for r in step_rows]}
        audit.record("path_created", user_id, path_id=path_row["id"], details=details)
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
    """A validated row for the job table (shared by create and import). Raises Invalid naming the field."""
    _object(job, "A job")
    job_id = check_id(job.get("id"), "Job id", "id")
    quantity = check_int(job.get("quantity"), f"Job {job_id} quantity", "quantity", 1, MAX_QUANTITY)
    if quantity is None:
        raise Invalid(f"Job {job_id} needs a quantity", "quantity")
    return {"id": job_id, "name": check_text(job.get("name"), f"Job {job_id} name", "name", MAX_NAME_LENGTH) or job_id,
            "part": check_text(job.get("part"), f"Job {job_id} part", "part", MAX_NAME_LENGTH) or "",
            "path": check_id(job.get("path"), "Job path", "path"), "quantity": quantity}


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
