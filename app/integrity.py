"""``certline-cli verify``: everything that says whether the records can be trusted.

The audit chain (app.audit.verify), then what the chain alone cannot show: append-only
triggers dropped or switched off, entries cut off its end (the witnessed heads of
app.witness), records that no longer say what the trail says they are (app.replay), a
workstation clock that ran backwards, and stored documents whose bytes are no longer the
ones recorded.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass, field
from typing import Any, Sequence

from app import audit, db, documents, policy, replay, witness

_TIMES_SQL = 'SELECT "seq", "at" FROM "audit_entry" WHERE "seq" > ? ORDER BY "seq" LIMIT 5000'


@dataclass(frozen=True)
class Report:
    chain: audit.VerifyResult
    head: witness.Head
    problems: list[str] = field(default_factory=list)
    documents_checked: int | None = None  # None: skipped (--quick)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    def to_json(self) -> dict[str, Any]:
        return {**self.chain.to_json(), "ok": self.ok, "head": {"seq": self.head.seq, "hash": self.head.hash},
                "problems": self.problems, "documentsChecked": self.documents_checked}


def clock_problems(tolerance_seconds: float) -> list[str]:
    """Entries whose time is earlier than the entry before them by more than the tolerance."""
    problems, after, previous = [], 0, None
    tolerance = dt.timedelta(seconds=tolerance_seconds)
    while True:
        page = db.execute(_TIMES_SQL, (after,)).fetchall()
        if not page:
            return problems
        for seq, at in page:
            at = db.to_datetime(at)
            if previous is not None and at < previous[1] - tolerance:
                problems.append(f"entry #{seq} is dated {at.isoformat(sep=' ', timespec='milliseconds')} UTC, "
                                f"{(previous[1] - at).total_seconds():g} s before entry #{previous[0]} "
                                f"({previous[1].isoformat(sep=' ', timespec='milliseconds')} UTC): "
                                "a workstation's clock ran backwards")
            previous = (seq, at)
        after = page[-1][0]


def _migration(name: str):
    """A migration module by file name (they start with digits, so they are not imported by name)."""
    path = db.MIGRATIONS_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"certline_migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trigger_problems() -> list[str]:
    """Append-only triggers that are missing, changed or switched off."""
    append_only, no_replace = _migration("0002_append_only"), _migration("0007_no_replace")
    if db.is_sqlite():
        expected = {f"{table}_no_{op.lower()}": append_only.sqlite_trigger_sql(table, op)
                    for table in append_only.APPEND_ONLY_TABLES for op in append_only.SQLITE_OPERATIONS}
        expected |= {f"{table}_no_replace": no_replace.trigger_sql(table) for table in no_replace.KEYS}
        held = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
        return [f"trigger {name}: {'missing' if name not in held else 'changed'}; the append-only rule is not "
                "enforced by the database" for name, sql in expected.items() if held.get(name) != sql]
    problems = []
    held = dict(db.execute("SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE NOT t.tgisinternal").fetchall())
    for table in append_only.APPEND_ONLY_TABLES:
        for name in (f"{table}_append_only", f"{table}_no_truncate"):
            if name not in held:
                problems.append(f"trigger {name}: missing; the append-only rule is not enforced by the database")
            elif held[name] != "O":
                problems.append(f"trigger {name}: switched off (ALTER TABLE … DISABLE TRIGGER)")
    body = db.execute("SELECT prosrc FROM pg_proc WHERE proname = 'certline_append_only'").fetchone()
    if body is None or body[0] != append_only.POSTGRES_FUNCTION_BODY:
        problems.append("function certline_append_only: missing or changed; the append-only triggers may "
                        "refuse nothing")
    return problems


def document_problems() -> tuple[int, list[str]]:
    """How many stored documents were rehashed, and those whose file is missing or other bytes."""
    checked, problems = 0, []
    for document in documents.iter_documents():
        checked += 1
        problem = documents.stored_file_problem(document)
        if problem:
            problems.append(problem)
    return checked, problems


def verify(witness_files: Sequence[str] = (), quick: bool = False,
           clock_tolerance_seconds: float | None = None) -> Report:
    """Check the bound database; ``quick`` skips rehashing the documents.

    ``clock_tolerance_seconds`` defaults to the plant's policy (SQLite takes each entry's time from
    the workstation that wrote it, and clocks drift a little).
    """
    if clock_tolerance_seconds is None:
        clock_tolerance_seconds = policy.get_policy("clock_tolerance_seconds")
    chain = audit.verify()
    problems = trigger_problems()
    problems += [problem for path in witness_files if (problem := witness.check(path))]
    problems += replay.problems()
    problems += clock_problems(clock_tolerance_seconds)
    checked = None
    if not quick:
        checked, found = document_problems()
        problems += found
    return Report(chain, witness.chain_head(), problems, checked)
