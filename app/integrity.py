"""``certline-cli verify``: everything that says whether the records can be trusted.

The audit chain (app.audit.verify), then what the chain alone cannot show: entries cut off
its end (the witnessed heads of app.witness), a workstation clock that ran backwards, and
stored documents whose bytes are no longer the ones recorded.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Sequence

from app import audit, db, documents, witness

# SQLite takes each entry's time from the workstation that wrote it; clocks drift a little.
DEFAULT_CLOCK_TOLERANCE_SECONDS = 2.0
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


def clock_problems(tolerance_seconds: float = DEFAULT_CLOCK_TOLERANCE_SECONDS) -> list[str]:
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
           clock_tolerance_seconds: float = DEFAULT_CLOCK_TOLERANCE_SECONDS) -> Report:
    """Check the bound database; ``quick`` skips rehashing the documents."""
    chain = audit.verify()
    problems = [problem for path in witness_files if (problem := witness.check(path))]
    problems += clock_problems(clock_tolerance_seconds)
    checked = None
    if not quick:
        checked, found = document_problems()
        problems += found
    return Report(chain, witness.chain_head(), problems, checked)
