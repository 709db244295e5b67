"""Routes for lists and history: each route as its newest revision, and every revision with why it was made."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peewee import fn

from app import db
from app.clock import iso_utc
from app.models import AuditEntry, Job, Path, SerialNumber
from app.routes import PathRecord, newest_path, path_record


@dataclass(frozen=True)
class RouteSummary:
    route_id: str
    name: str
    path_id: str  # the newest revision: what a new job takes
    revision: int
    steps: int
    archived: bool
    open_jobs: int

    def to_json(self) -> dict[str, Any]:
        return {"routeId": self.route_id, "name": self.name, "pathId": self.path_id, "revision": self.revision,
                "steps": self.steps, "archived": self.archived, "openJobs": self.open_jobs}


@dataclass(frozen=True)
class Revision:
    path: PathRecord
    jobs: int
    serials: int
    made_at: Any = None  # when, by whom and why, from the audit entry that made it
    made_by: str | None = None
    reason: str | None = None
    changes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.path.to_json() | {"jobs": self.jobs, "serials": self.serials, "changes": self.changes,
                                      "madeAt": iso_utc(self.made_at) if self.made_at else None,
                                      "madeBy": self.made_by, "reason": self.reason}


def list_routes(include_archived: bool = False) -> list[RouteSummary]:
    """Every route by name, as its newest revision; archived ones only when asked."""
    newest: dict[str, Path] = {}
    for path in Path.select().order_by(Path.revision):
        newest[path.route_id or path.id] = path
    steps = dict(db.execute('SELECT "path_id", count(*) FROM "step" GROUP BY "path_id"').fetchall())
    open_jobs: dict[str, int] = {}
    for route, count in db.execute('SELECT p."route_id", count(*) FROM "job" AS j JOIN "path" AS p ON p."id" = '
                                   'j."path_id" WHERE j."closed_at" IS NULL GROUP BY p."route_id"').fetchall():
        open_jobs[route] = count
    found = [RouteSummary(route, p.name, p.id, p.revision, steps.get(p.id, 0), p.archived_at is not None,
                          open_jobs.get(route, 0))
             for route, p in newest.items() if include_archived or p.archived_at is None]
    return sorted(found, key=lambda r: (r.name.casefold(), r.route_id))


def route_history(route_id: str) -> list[Revision]:
    """Every revision of a route, newest first, with its jobs and serials and why it was made."""
    route = newest_path(route_id)
    paths = list(Path.select().where(Path.route_id == (route.route_id or route.id)).order_by(Path.revision.desc()))
    ids = [p.id for p in paths]
    jobs = dict(Job.select(Job.path, fn.COUNT(Job.id)).where(Job.path.in_(ids)).group_by(Job.path).tuples())
    serials = dict(SerialNumber.select(SerialNumber.path, fn.COUNT(SerialNumber.id))
                   .where(SerialNumber.path.in_(ids)).group_by(SerialNumber.path).tuples())
    made = {e.path_id: e for e in AuditEntry.select().where(
        AuditEntry.path_id.in_(ids) & AuditEntry.type.in_(("path_created", "route_revised")))}
    history = []
    for path in paths:
        entry = made.get(path.id)
        history.append(Revision(path_record(path), jobs.get(path.id, 0), serials.get(path.id, 0),
                                entry.at if entry else None, entry.user_id if entry else None,
                                entry.reason if entry else None,
                                list((entry.details or {}).get("changes", [])) if entry else []))
    return history
