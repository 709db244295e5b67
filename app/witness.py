"""The chain's head, witnessed outside the database.

The audit chain shows any entry changed in place, but not entries cut off its end: a shorter
chain is still a valid chain. So every station, server and CLI call keeps the latest head it
saw in its own data directory, exports print it, and ``verify --witness FILE`` compares: a
database that ends before a head someone saw has lost entries, and one whose entry at that
place has another hash was rewritten.
"""
from __future__ import annotations

import hashlib
import logging
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path as FilePath

from app import audit, db
from app.clock import iso_utc, now_utc

log = logging.getLogger(__name__)
_AT_SQL = 'SELECT "hash" FROM "audit_entry" WHERE "seq" = ?'


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:16]}"


def chain_head() -> Head:
    """The last entry of the bound database's chain (#0 when it is empty)."""
    return Head(*audit.chain_head())


def _database_name(name: str | None = None) -> str:
    """A database as a stable name (the bound one by default): a PostgreSQL URL without its password,
    or a file's full path."""
    name = name or db.database.obj.database
    return db.describe(name) if db.is_postgres_url(name) else os.path.abspath(name)


def witness_file(database: str | None = None) -> FilePath:
    """Where this workstation keeps the head it saw of ``database`` (the bound one by default)."""
    key = hashlib.sha256(_database_name(database).encode()).hexdigest()[:16]
    return db.data_dir() / "witness" / f"{key}.json"


def remember(head: Head | None = None) -> Head:
    """Write the bound database's head (or ``head``) to this workstation's witness file.

    A head older than the one already kept is not written back: the witness only moves forward.
    """
    head = head or chain_head()
    target = witness_file()
    kept = read(target) if target.exists() else None
    if kept is not None and kept.seq >= head.seq:
        return kept
    _write(target, _database_name(), head)
    return head


def restart(database: str, head: Head) -> None:
    """After a restore on this workstation: its witness starts again from the restored head.

    A restore deliberately goes back in time; the heads other stations and printed reports
    witnessed still show what it took away.
    """
    _write(witness_file(database), _database_name(database), head)


def _write(target: FilePath, database: str, head: Head) -> None:
    # The witness is kept beside the work, never in its way: the record it witnesses is already
    # committed, so a full disk or a read-only folder is logged rather than failing that work.
    text = json.dumps({"database": database, "seq": head.seq, "hash": head.hash, "seenAt": iso_utc(now_utc())})
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".witness-")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except OSError as error:
        log.warning("Could not keep the audit trail's head in %s: %s", target, error)


_WRITTEN = re.compile(r"#?(\d+)[:=]([0-9a-f]{64})")


def read(path: str | os.PathLike) -> Head | None:
    """The head in a witness file, or written out as ``SEQ:SHA256`` (copied from a printed report); else None."""
    written = _WRITTEN.fullmatch(str(path).strip())
    if written and not FilePath(path).exists():
        return Head(int(written[1]), written[2])
    try:
        data = json.loads(FilePath(path).read_text())
        return Head(int(data["seq"]), str(data["hash"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check(path: str | os.PathLike) -> str | None:
    """What the bound database lacks compared with the witness file at ``path``, or None."""
    witnessed = read(path)
    if witnessed is None:
        return f"{path} is not a witness file, nor a head written as SEQ:SHA256"
    if witnessed.seq == 0:
        return None
    row = db.execute(_AT_SQL, (witnessed.seq,)).fetchone()
    if row is None:
        last = chain_head().seq
        return (f"entries after #{last} are missing: {path} saw the chain reach #{witnessed.seq} "
                f"({witnessed.hash[:16]})")
    if row[0] != witnessed.hash:
        return (f"entry #{witnessed.seq} is not the one {path} saw: the chain was rewritten from there "
                "or before")
    return None
