"""The audit trail as the office reads it: each page's entries with the names of the people, steps,
routes and certificates they mention, and each entry as a sentence.

Names are looked up once a page, a few ``IN (…)`` queries on primary keys for the ids of all its
rows, never once per row, so a page costs about what the bare keyset page costs.
"""
from __future__ import annotations

from typing import Any, Iterable

from app import certificates, db, reports
from app.errors import NotFound
from app.models import AuditEntry, Certificate, Path, Step, User
from app.reports import AuditQuery, AuditRow, Page
from app.audit_sentences import Names, audit_sentence
from app.words import AUDIT_TYPE, word

# Entries whose details name another user (the one the entry is about, besides the one who acted).
_SUBJECT_USER = ("user_created", "pin_set", "pin_cleared", "token_created", "token_revoked", "user_updated",
                 "user_deactivated", "user_reactivated", "user_unlocked")
_ROUTE = ("route_revised", "route_archived", "route_restored")
_CHUNK = 500  # ids per IN (…): well under SQLite's and PostgreSQL's limits on parameters


class AuditLine:
    """An audit entry (its fields read through, as ``line.seq``, ``line.details``) with what the office
    shows of it: who by name, what in words, and the sentence (without the reason, which the view shows
    in a column of its own). It wraps the row rather than copying its seventeen fields, and words its
    sentence when first asked: a page grows to 10,000 rows while scrolling, and a view shows thirty.
    """

    __slots__ = ("entry", "names", "user_name", "what", "_sentence")

    def __init__(self, entry: AuditRow, names: Names):
        self.entry, self.names = entry, names
        self.user_name = names.users.get(entry.user_id or "")
        self.what = word(AUDIT_TYPE, entry.type)
        self._sentence: str | None = None

    @property
    def sentence(self) -> str:
        if self._sentence is None:
            self._sentence = audit_sentence(self.entry, self.names, reason=False)
        return self._sentence

    def __getattr__(self, name: str) -> Any:  # only for names not in __slots__
        return getattr(self.entry, name)

    def __repr__(self) -> str:
        return f"AuditLine(#{self.entry.seq} {self.entry.type})"


def _details(row: AuditRow) -> dict[str, Any]:
    return row.details if isinstance(row.details, dict) else {}


def _lookup(model: Any, ids: set[Any]) -> dict[str, str]:
    """id -> name of the rows of ``model`` with these ids. Written out: peewee takes longer to build an
    ``IN`` of 200 parameters than the database takes to answer it."""
    found: dict[str, str] = {}
    wanted = sorted(i for i in ids if isinstance(i, str) and i)
    table = model._meta.table_name
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        sql = f'SELECT "id", "name" FROM "{table}" WHERE "id" IN ({", ".join("?" for _ in chunk)})'
        found.update(db.execute(sql, chunk).fetchall())
    return found


def resolve_names(rows: Iterable[AuditRow]) -> Names:
    """The names of every user, certificate, step and route the entries mention, in at most five queries."""
    rows = list(rows)
    user_ids, cert_ids, step_ids, path_ids = set(), set(), set(), set()
    positions: set[tuple[str, int]] = set()
    for row in rows:
        details = _details(row)
        user_ids.add(row.user_id)
        cert_ids.add(row.cert_id)
        if row.type in _SUBJECT_USER:
            user_ids.add(details.get("userId"))
        if row.type == "cert_attached" and not details.get("stepName"):
            step_ids.add(row.step_id)
        elif row.type == "serial_created" and row.step_id:
            step_ids.add(row.step_id)
        elif row.type in ("serial_advanced", "serial_completed"):
            if not details.get("toName"):
                step_ids.update((details.get("to"), row.step_id))
            if not details.get("fromName"):
                step_ids.add(details.get("from"))
        elif row.type == "queued_attach_held":
            step_ids.update((row.step_id, details.get("stepSeen")))
        elif row.type == "job_created":
            path_ids.add(details.get("path") or row.path_id)
        elif row.type in _ROUTE:
            path_ids.add(row.path_id)
        index = details.get("stepIndex")
        if row.type in ("serial_scrapped", "serial_created") and row.path_id and isinstance(index, int):
            positions.add((row.path_id, index))
    steps_at: dict[tuple[str, int], str] = {}
    if positions:
        routes = sorted({path for path, _ in positions})
        indexes = sorted({index for _, index in positions})
        query = Step.select(Step.path, Step.position, Step.name).where(
            Step.path.in_(routes) & Step.position.in_(indexes))
        steps_at = {(path, position): name for path, position, name in query.tuples()
                    if (path, position) in positions}
    return Names(users=_lookup(User, user_ids), certificates=_lookup(Certificate, cert_ids),
                 steps=_lookup(Step, step_ids), paths=_lookup(Path, path_ids), steps_at=steps_at)


def lines(rows: list[AuditRow]) -> list[AuditLine]:
    """The rows with the names they mention (looked up here, in the worker) and their sentences."""
    names = resolve_names(rows)
    return [AuditLine(row, names) for row in rows]


def audit_page(query: AuditQuery = AuditQuery(), after: tuple | None = None,
               limit: int = reports.PAGE_SIZE) -> Page:
    """``reports.audit_page`` with names and sentences: what the audit trail view pages through."""
    page = reports.audit_page(query, after, limit)
    return Page(lines(page.rows), page.after)


def audit_types() -> list[tuple[str, str]]:
    """(word, type) of every type the trail holds, in the order of the words."""
    return sorted((word(AUDIT_TYPE, kind), kind) for kind in reports.audit_types())


def certificate_filter(code: str) -> str:
    """The certificate id the trail is filtered by, from an id or an issuer's number. A certificate since
    deleted is still found by its id, as its entries stay; raises NotFound for a code nothing matches."""
    code = code.strip()
    try:
        return certificates.resolve_certificate(code).id
    except NotFound:
        if AuditEntry.select().where(AuditEntry.cert_id == code).exists():
            return code
        raise
