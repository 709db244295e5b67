"""The Routes view's questions: the list of routes and one route whole — its newest steps and every
revision, with who made it (by name), when, why and what it changed — as plain records to show."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from app import route_history
from app.models import User
from app.route_history import RouteSummary
from app.routes import PathRecord
from app.words import CERT_KIND

_KIND = re.compile(r"\b(" + "|".join(CERT_KIND) + r")\b")


@dataclass(frozen=True)
class RevisionLine:
    """One revision of a route as its history shows it."""

    revision: int
    path_id: str
    steps: int
    jobs: int
    serials: int
    made_at: dt.datetime | None
    made_by: str | None  # user id
    made_by_name: str
    reason: str | None
    changes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RouteDetail:
    """A route as the view shows it: its newest revision (the steps a new job takes) and its history."""

    newest: PathRecord
    summary: RouteSummary
    history: list[RevisionLine]


def in_words(change: str) -> str:
    """A change as the audit entry states it, its certificate kinds in people's words:
    ``step Grind requires Calibration (was nothing)``."""
    return _KIND.sub(lambda found: CERT_KIND[found.group(1)], change)


def route_list(include_archived: bool = True) -> list[RouteSummary]:
    return route_history.list_routes(include_archived=include_archived)


def route_detail(route_id: str) -> RouteDetail:
    """``route_id`` (the route's id, or any revision's) whole, in one read. Raises NotFound."""
    history = route_history.route_history(route_id)
    newest = history[0].path
    route = newest.route_id or newest.id
    summary = next((s for s in route_history.list_routes(include_archived=True) if s.route_id == route), None)
    if summary is None:  # the list reads the same rows; kept whole should another writer race it
        summary = RouteSummary(route, newest.name, newest.id, newest.revision, len(newest.steps), newest.archived, 0)
    ids = {r.made_by for r in history if r.made_by}
    names = dict(User.select(User.id, User.name).where(User.id.in_(list(ids))).tuples()) if ids else {}
    lines = [RevisionLine(r.path.revision, r.path.id, len(r.path.steps), r.jobs, r.serials, r.made_at, r.made_by,
                          names.get(r.made_by or "", r.made_by or ""), r.reason, [in_words(c) for c in r.changes])
             for r in history]
    return RouteDetail(newest, summary, lines)
