"""Routes: ordered steps, each with the certificate kinds it requires; kept by administrators.

A route's steps are never changed under the serials that stand on it. Each ``path`` row is one
revision of a route, and its steps are written once: adding, removing, reordering or changing a
step writes a new revision (new ``path`` and ``step`` rows) and leaves the old one as it was. A
serial keeps the revision it was made on (``serial.path_id``), so what it must carry at each step,
and what the attach and the moves check, never shifts; a job keeps the revision it was created on,
and new jobs take the newest. Only what no serial depends on changes in place: the route's name
(all its revisions share it) and whether it is archived (not offered for new jobs).

Ids: the first revision's path and steps keep the ids they were created with (``path_a``,
``fl_saw``); revision n has ``path_a@rn`` and ``fl_saw@rn``, so a step is recognisable across
revisions by its code, the id without ``@rn``. Jobs are in app.jobs (still importable from here).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app import audit, db
from app.bounds import MAX_REASON_LENGTH, check_text, shown
from app.db import write_transaction
from app.errors import Invalid, NotFound
from app.ids import MAX_ID_LENGTH, check_id
from app.models import CERT_KINDS, Job, Path, Step
from app.records import record
from app.users import require_user

MAX_NAME_LENGTH = 200  # names of paths, steps and jobs, and a job's part: what the columns hold
MAX_STEPS = 200
ADMINS = ("admin",)
REVISION_MARK = "@r"
_REVISION_SUFFIX = re.compile(r"@r[0-9]+$")


def code_of(step_or_path_id: str) -> str:
    """The id without its revision suffix: ``fl_saw@r3`` → ``fl_saw``."""
    return _REVISION_SUFFIX.sub("", step_or_path_id)


def revision_id(code: str, revision: int) -> str:
    """The id of ``code`` in ``revision`` (the code itself in revision 1), cut to fit 64 characters."""
    if revision == 1:
        return code
    suffix = f"{REVISION_MARK}{revision}"
    return code[:MAX_ID_LENGTH - len(suffix)] + suffix


@record
class StepRecord:
    id: str
    name: str
    position: int
    requires: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return code_of(self.id)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "position": self.position, "requires": list(self.requires)}


@dataclass(frozen=True)
class PathRecord:
    """One revision of a route."""

    id: str
    name: str
    steps: list[StepRecord]
    route_id: str | None = None
    revision: int = 1
    revision_of: str | None = None
    archived: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "steps": [s.to_json() for s in self.steps],
                "routeId": self.route_id or self.id, "revision": self.revision, "revisionOf": self.revision_of,
                "archived": self.archived}


def _object(value: Any, what: str, field: str | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{what} must be a JSON object, got {type(value).__name__}", field)
    return value


def _name(value: Any, label: str, field: str) -> str:
    name = check_text(value, label, field, MAX_NAME_LENGTH)
    if not name:
        raise Invalid(f"{label} is required", field)
    return name


def _requires(value: Any, label: str) -> list[str]:
    requires = value or []
    if not isinstance(requires, list):
        raise Invalid(f"{label} requires must be a list of certificate kinds", "steps")
    unknown = [kind for kind in requires if kind not in CERT_KINDS]
    if unknown:
        raise Invalid(f"{label} requires unknown certificate kinds: {', '.join(map(shown, unknown))}", "steps")
    return list(dict.fromkeys(requires))


def _step_list(path_id: str, steps: Any) -> list[dict[str, Any]]:
    """Validated steps, in order: ``{"code", "name", "requires"}``; a step given without an id gets one."""
    if not isinstance(steps, list):
        raise Invalid(f"Path {path_id} steps must be a list of steps, got {type(steps).__name__}", "steps")
    if not steps:
        raise Invalid(f"Path {path_id} needs at least one step", "steps")
    if len(steps) > MAX_STEPS:
        raise Invalid(f"Path {path_id} has {len(steps)} steps; at most {MAX_STEPS}", "steps")
    rows = []
    for position, step in enumerate(steps):
        _object(step, f"Step {position + 1} of path {path_id}", "steps")
        given = step.get("id")
        code = code_of(check_id(given, "Step id", "steps")) if given not in (None, "") else None
        label = f"Step {code or position + 1}"
        name = check_text(step.get("name"), f"{label} name", "steps", MAX_NAME_LENGTH) or code
        if not name:
            raise Invalid(f"Step {position + 1} of path {path_id} needs a name", "steps")
        rows.append({"code": code, "name": name, "requires": _requires(step.get("requires"), label)})
    codes = [r["code"] for r in rows if r["code"]]
    if len(set(codes)) != len(codes):
        raise Invalid(f"Path {path_id} names a step twice", "steps")
    number = 0
    for row in rows:  # the steps given without an id: the route's id and a number none of its steps has
        while row["code"] is None:
            number += 1
            candidate = revision_id(f"{code_of(path_id)}.s{number}", 1)
            if candidate not in codes:
                row["code"] = candidate
                codes.append(candidate)
    return rows


def path_rows(path: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validated rows for a new route's first revision and its steps (shared by create and import)."""
    _object(path, "A path")
    path_id = check_id(path.get("id"), "Path id")
    if _REVISION_SUFFIX.search(path_id):
        raise Invalid(f"Path id may not end in {REVISION_MARK} and a number, which marks a revision: {path_id}", "id")
    name = check_text(path.get("name"), f"Path {path_id} name", "name", MAX_NAME_LENGTH)
    if not name:
        raise Invalid(f"Path {path_id} needs a name", "name")
    steps = _step_list(path_id, path.get("steps") or [])
    rows = [{"id": s["code"], "path": path_id, "position": position, "name": s["name"], "requires": s["requires"]}
            for position, s in enumerate(steps)]
    return {"id": path_id, "name": name, "route_id": path_id, "revision": 1}, rows


def _steps_taken(ids: list[str]) -> None:
    taken = [s.id for s in Step.select(Step.id).where(Step.id.in_(ids))]
    if taken:
        raise Invalid(f"Step already exists: {taken[0]}", "steps")


def create_path(path: dict[str, Any], user_id: str) -> PathRecord:
    """Create a route (its first revision) with its ordered steps. Raises Invalid, Forbidden."""
    path_row, step_rows = path_rows(path)
    with write_transaction():
        require_user(user_id, ADMINS, "create routes")
        if Path.get_or_none(Path.id == path_row["id"]) or Path.get_or_none(Path.route_id == path_row["id"]):
            raise Invalid(f"Path already exists: {path_row['id']}", "id")
        _steps_taken([r["id"] for r in step_rows])
        Path.insert(path_row).execute()
        Step.insert_many(step_rows).execute()
        # The validated shape, not the caller's dict: whatever else it held is not recorded.
        details = {"id": path_row["id"], "name": path_row["name"],
                   "steps": [{"id": r["id"], "name": r["name"], "requires": r["requires"]} for r in step_rows]}
        audit.record("path_created", user_id, path_id=path_row["id"], details=details)
    return get_path(path_row["id"])


def path_record(path: Path) -> PathRecord:
    return PathRecord(path.id, path.name, steps_of(path.id), path.route_id or path.id, path.revision,
                      path.revision_of, path.archived_at is not None)


def get_path(path_id: str) -> PathRecord:
    """One revision, by its path id. Raises NotFound."""
    path = Path.get_or_none(Path.id == path_id)
    if path is None:
        raise NotFound(f"Path not found: {path_id}")
    return path_record(path)


def steps_of(path_id: str) -> list[StepRecord]:
    return [StepRecord(s.id, s.name, s.position, list(s.requires or []))
            for s in Step.select().where(Step.path == path_id).order_by(Step.position)]


def newest_path(route_or_path_id: str) -> Path:
    """The newest revision of the route named by its id or by the id of any of its revisions. Raises NotFound."""
    check_id(route_or_path_id, "Route id")
    given = Path.get_or_none(Path.id == route_or_path_id)
    route_id = (given.route_id or given.id) if given else route_or_path_id
    newest = Path.select().where(Path.route_id == route_id).order_by(Path.revision.desc()).first()
    if newest is None:
        raise NotFound(f"Route not found: {route_or_path_id}")
    return newest


def newest_revision(route_or_path_id: str) -> PathRecord:
    return path_record(newest_path(route_or_path_id))


# ---- revisions --------------------------------------------------------------------------------------------------

def _reason(reason: str | None, what: str) -> str:
    text = check_text(reason, "Reason", "reason", MAX_REASON_LENGTH, multiline=True)
    if not text:
        raise Invalid(f"A reason is required to {what}", "reason")
    return text


def _changes(old: list[StepRecord], new: list[dict[str, Any]]) -> list[str]:
    """What a revision changed, in a few words per step, for the history and the audit entry."""
    before = {s.code: s for s in old}
    after = {s["code"]: (position, s) for position, s in enumerate(new)}
    changes = [f"removed step {s.name} ({code})" for code, s in before.items() if code not in after]
    for code, (position, step) in after.items():
        was = before.get(code)
        if was is None:
            changes.append(f"added step {step['name']} ({code}) at {position + 1}")
            continue
        if was.name != step["name"]:
            changes.append(f"renamed step {code}: {was.name} → {step['name']}")
        if was.requires != step["requires"]:
            changes.append(f"step {step['name']} requires {', '.join(step['requires']) or 'nothing'} "
                           f"(was {', '.join(was.requires) or 'nothing'})")
    kept_old = [s.code for s in old if s.code in after]
    kept_new = [s["code"] for s in new if s["code"] in before]
    if kept_old != kept_new:
        changes.append("order: " + ", ".join(after[code][1]["name"] for code in kept_new))
    return changes


def revise_route(route_id: str, steps: list[dict[str, Any]], user_id: str, reason: str) -> PathRecord:
    """Write a new revision of a route with ``steps`` (``{"id"?, "name", "requires"}`` in order; a step's
    id, with or without its ``@rn``, carries it over; a step without one is new). Old revisions, and the
    serials and jobs on them, keep their steps. Raises Invalid (nothing changed, archived), NotFound, Forbidden."""
    reason = _reason(reason, "change a route")
    rows = _step_list(route_id, steps)
    with write_transaction():
        require_user(user_id, ADMINS, "change routes")
        newest = newest_path(route_id)
        route = newest.route_id or newest.id
        if newest.archived_at is not None:
            raise Invalid(f"Route {route} is archived: restore it before changing it")
        old = steps_of(newest.id)
        if [(s.code, s.name, s.requires) for s in old] == [(r["code"], r["name"], r["requires"]) for r in rows]:
            raise Invalid(f"Nothing to change: these are the steps of revision {newest.revision}", "steps")
        revision = newest.revision + 1
        new_id = revision_id(route, revision)
        if Path.get_or_none(Path.id == new_id):
            raise Invalid(f"Path already exists: {new_id}")
        step_rows = [{"id": revision_id(r["code"], revision), "path": new_id, "position": position,
                      "name": r["name"], "requires": r["requires"]} for position, r in enumerate(rows)]
        if len({r["id"] for r in step_rows}) != len(step_rows):
            raise Invalid(f"Route {route}: two step ids are the same once cut to {MAX_ID_LENGTH} characters", "steps")
        _steps_taken([r["id"] for r in step_rows])
        Path.insert(id=new_id, name=newest.name, route_id=route, revision=revision, revision_of=newest.id).execute()
        Step.insert_many(step_rows).execute()
        details = {"id": new_id, "routeId": route, "revision": revision, "revisionOf": newest.id, "name": newest.name,
                   "steps": [{"id": r["id"], "name": r["name"], "requires": r["requires"]} for r in step_rows],
                   "changes": _changes(old, rows)}
        audit.record("route_revised", user_id, path_id=new_id, reason=reason, details=details)
    return get_path(new_id)


def _step_index(steps: list[StepRecord], step: str | int) -> int:
    """A step of the newest revision by its id, its code, or its position counted from 1."""
    for index, record in enumerate(steps):
        if step in (record.id, record.code):
            return index
    if isinstance(step, int) or (isinstance(step, str) and step.isdigit()):
        if 1 <= int(step) <= len(steps):
            return int(step) - 1
    raise NotFound(f"Step not found on this route: {step}")


def _as_input(steps: list[StepRecord]) -> list[dict[str, Any]]:
    return [{"id": s.code, "name": s.name, "requires": list(s.requires)} for s in steps]


def add_step(route_id: str, name: str, requires: list[str], user_id: str, reason: str,
             position: int | None = None, step_id: str | None = None) -> PathRecord:
    """A new revision with a step added at ``position`` (from 1; the end when None)."""
    steps = _as_input(newest_revision(route_id).steps)
    at = len(steps) if position is None else position - 1
    if not 0 <= at <= len(steps):
        raise Invalid(f"Position must be from 1 to {len(steps) + 1}: {position}", "position")
    steps.insert(at, {"id": step_id, "name": name, "requires": requires})
    return revise_route(route_id, steps, user_id, reason)


def remove_step(route_id: str, step: str | int, user_id: str, reason: str) -> PathRecord:
    current = newest_revision(route_id).steps
    steps = _as_input(current)
    del steps[_step_index(current, step)]
    return revise_route(route_id, steps, user_id, reason)


def move_step(route_id: str, step: str | int, position: int, user_id: str, reason: str) -> PathRecord:
    """A new revision with the step moved to ``position`` (from 1)."""
    current = newest_revision(route_id).steps
    steps = _as_input(current)
    if not isinstance(position, int) or not 1 <= position <= len(steps):
        raise Invalid(f"Position must be from 1 to {len(steps)}: {position}", "position")
    steps.insert(position - 1, steps.pop(_step_index(current, step)))
    return revise_route(route_id, steps, user_id, reason)


def change_step(route_id: str, step: str | int, user_id: str, reason: str, name: str | None = None,
                requires: list[str] | None = None) -> PathRecord:
    """A new revision with one step's name or required kinds changed."""
    current = newest_revision(route_id).steps
    steps = _as_input(current)
    index = _step_index(current, step)
    if name is not None:
        steps[index]["name"] = name
    if requires is not None:
        steps[index]["requires"] = requires
    return revise_route(route_id, steps, user_id, reason)


# ---- name and archive: the route as a whole ---------------------------------------------------------------------

def rename_route(route_id: str, name: str, user_id: str, reason: str) -> PathRecord:
    """Give the route (every revision: they are one route) a new name. Serials depend on its steps, not its name."""
    reason = _reason(reason, "rename a route")
    name = _name(name, "Route name", "name")
    with write_transaction():
        require_user(user_id, ADMINS, "rename routes")
        newest = newest_path(route_id)
        route = newest.route_id or newest.id
        if newest.name == name:
            raise Invalid(f"Route {route} is called {name} already", "name")
        Path.update(name=name).where(Path.route_id == route).execute()
        audit.record("route_renamed", user_id, path_id=newest.id, reason=reason,
                     details={"routeId": route, "name": {"old": newest.name, "new": name}})
    return get_path(newest.id)


def archive_route(route_id: str, user_id: str, reason: str) -> PathRecord:
    """Stop offering a route for new jobs. Refused while an open job uses any of its revisions."""
    reason = _reason(reason, "archive a route")
    with write_transaction():
        require_user(user_id, ADMINS, "archive routes")
        newest = newest_path(route_id)
        route = newest.route_id or newest.id
        if newest.archived_at is not None:
            raise Invalid(f"Route {route} is archived already")
        revisions = Path.select(Path.id).where(Path.route_id == route)
        open_jobs = [j.id for j in Job.select(Job.id).where(Job.path.in_(revisions) & Job.closed_at.is_null())
                     .order_by(Job.id).limit(6)]
        if open_jobs:
            named = ", ".join(open_jobs[:5]) + (" and more" if len(open_jobs) > 5 else "")
            raise Invalid(f"Route {route} is used by open jobs ({named}): close them before archiving it")
        Path.update(archived_at=db.now()).where(Path.route_id == route).execute()
        audit.record("route_archived", user_id, path_id=newest.id, reason=reason, details={"routeId": route})
    return get_path(newest.id)


def restore_route(route_id: str, user_id: str, reason: str) -> PathRecord:
    """Offer an archived route for new jobs again."""
    reason = _reason(reason, "restore a route")
    with write_transaction():
        require_user(user_id, ADMINS, "restore routes")
        newest = newest_path(route_id)
        route = newest.route_id or newest.id
        if newest.archived_at is None:
            raise Invalid(f"Route {route} is not archived")
        Path.update(archived_at=None).where(Path.route_id == route).execute()
        audit.record("route_restored", user_id, path_id=newest.id, reason=reason, details={"routeId": route})
    return get_path(newest.id)


_JOBS = ("JobRecord", "MAX_QUANTITY", "job_row", "create_job", "get_job", "list_jobs")


def __getattr__(name: str) -> Any:
    # Jobs moved to app.jobs, which imports this module; the old names still answer here.
    if name in _JOBS:
        from app import jobs

        return getattr(jobs, name)
    raise AttributeError(f"module 'app.routes' has no attribute {name!r}")
