"""Backup and restore of an SQLite database and its document folder.

The copy is made with SQLite's online backup API, so stations may go on attaching while
it runs; what lands in the copy is one consistent moment of the database.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from app import audit, db, witness
from app.documents import document_dir
from app.errors import Forbidden, Invalid

DATABASE_NAME = "certline.sqlite3"
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class BackupResult:
    folder: FilePath
    schema: str
    entries: int
    documents: int

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "schema": self.schema, "auditEntries": self.entries,
                "documents": self.documents}


def _sqlite_path(url: str) -> FilePath:
    if db.is_postgres_url(url):
        raise Invalid("A PostgreSQL database is backed up with the server's own tools (pg_dump), not here")
    return FilePath(url.removeprefix("sqlite:///"))


def _sha256(path: FilePath) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_documents(source: FilePath, target: FilePath) -> int:
    """Copy content-addressed files that the target lacks; returns how many the target holds.

    Each file is written whole under a temporary name and renamed, so a copy killed half-way
    never leaves a damaged document under its real name.
    """
    count = 0
    if source.exists():
        for file in source.rglob("*"):
            if file.is_file() and not file.name.startswith(".incoming-"):
                destination = target / file.relative_to(source)
                if not destination.exists():
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    temporary = destination.with_name(f".incoming-{destination.name}")
                    shutil.copyfile(file, temporary)
                    _fsync(temporary)
                    os.replace(temporary, destination)
                count += 1
    return count


def _fsync(path: FilePath) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def backup(destination: str, url: str | None = None) -> BackupResult:
    """Copy the live database and the document folder into a new folder ``destination``."""
    url = db.resolve_url(url)
    source = _sqlite_path(url)
    if not source.exists():
        raise Invalid(f"There is no database at {source} to back up")
    folder = FilePath(destination)
    if folder.exists() and any(folder.iterdir()):
        raise Invalid(f"{folder} is not empty; back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    db.open_database(url)  # migrates it first, so the copy has today's schema
    schema = db.schema_migrations(db.database.obj)[-1]
    db.close_database()
    target = folder / DATABASE_NAME
    _sqlite_copy(source, target)
    entries = _check(target)
    documents = _copy_documents(document_dir(), folder / "documents")
    manifest = {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "schema": schema,
                "source": str(source), "auditEntries": entries, "documents": documents,
                "sha256": _sha256(target)}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2))
    return BackupResult(folder, schema, entries, documents)


def _sqlite_copy(source: FilePath, target: FilePath) -> None:
    """Copy one SQLite database over another with the online backup API (WAL and all)."""
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target, timeout=30)
    try:
        live.backup(copy, pages=4096)
    finally:
        copy.close()
        live.close()


def _check(path: FilePath) -> int:
    """Integrity of the SQLite file and of its audit chain; returns the number of audit entries."""
    raw = sqlite3.connect(path)
    try:
        (result,) = raw.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise Invalid(f"{path} is not a Certline database: {error}") from None
    finally:
        raw.close()
    if result != "ok":
        raise Invalid(f"{path} fails SQLite's integrity check: {result}")
    db.open_database(str(path), migrate=False)
    try:
        verified = audit.verify()
    finally:
        db.close_database()
    if not verified.ok:
        raise Invalid(f"The audit trail in {path} is broken at entry {verified.entry_id}: {verified.problem}")
    return verified.entries


def restore(source: str, url: str | None = None, force: bool = False) -> BackupResult:
    """Put a backup back after checking it; the database it replaces is kept beside it.

    All or nothing: the documents are restored first (they are content-addressed, so the old
    database loses nothing by gaining them), then the checked copy is renamed over the database
    in one step. Killed at any moment, the database is either the old one or the restored one,
    each with its documents. Refused while another program has the database open (a station,
    a server), unless ``force``. Raises Invalid when the backup fails a check, Forbidden when the
    database is in use.
    """
    folder = FilePath(source)
    backup_file = folder / DATABASE_NAME
    manifest_file = folder / MANIFEST_NAME
    if not backup_file.exists() or not manifest_file.exists():
        raise Invalid(f"{folder} is not a Certline backup (it needs {DATABASE_NAME} and {MANIFEST_NAME})")
    manifest = json.loads(manifest_file.read_text())
    if _sha256(backup_file) != manifest.get("sha256"):
        raise Invalid(f"{backup_file} does not match its manifest: the backup was changed or damaged")
    entries = _check(backup_file)
    _check_documents(backup_file, folder / "documents")
    target = _sqlite_path(db.resolve_url(url))
    target.parent.mkdir(parents=True, exist_ok=True)
    with _sole_user(target, force) as holder:
        documents = _copy_documents(folder / "documents", document_dir())
        incoming = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(backup_file, incoming)
        _fsync(incoming)
        if holder is not None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            kept = sqlite3.connect(target.with_name(f"{target.name}.before-restore.{stamp}"))
            try:
                holder.backup(kept)
            finally:
                kept.close()
            # The old database's WAL must not outlive it: a WAL beside the restored file would be
            # replayed into it. DELETE mode copies the WAL into the old file and removes it.
            holder.execute("PRAGMA journal_mode=DELETE")
        os.replace(incoming, target)
        _fsync_dir(target.parent)
    witness.restart(str(target), _head_of(target))
    return BackupResult(folder, manifest.get("schema", ""), entries, documents)


def _head_of(path: FilePath) -> witness.Head:
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = raw.execute('SELECT "seq", "hash" FROM "audit_entry" ORDER BY "seq" DESC LIMIT 1').fetchone()
    finally:
        raw.close()
    return witness.Head(*row) if row else witness.Head(0, audit.GENESIS_HASH)


def _check_documents(backup_file: FilePath, folder: FilePath) -> None:
    """Every document the backup's records name is in the backup, whole (its bytes match its hash)."""
    raw = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        stored = raw.execute("SELECT DISTINCT storage_path, sha256 FROM certificate_document").fetchall()
    finally:
        raw.close()
    for relative, digest in stored:
        path = folder / relative
        if not path.is_file() or _sha256(path) != digest:
            raise Invalid(f"The backup's document {relative} is missing or damaged; nothing was restored")


@contextlib.contextmanager
def _sole_user(target: FilePath, force: bool):
    """A connection holding SQLite's exclusive lock on ``target`` (None when there is no database yet).

    In WAL mode the exclusive lock is refused while any other connection has the file open, so
    a running station or server is found here rather than losing what it confirms later.
    """
    if not target.exists():
        yield None
        return
    holder = sqlite3.connect(target, timeout=0 if not force else 30, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            holder.execute("BEGIN EXCLUSIVE")
            holder.execute("ROLLBACK")  # the lock stays: exclusive locking mode keeps it until close
        except sqlite3.OperationalError:
            raise Forbidden(f"The database {target} is in use by a station, a server or another program: "
                            "stop them first, then restore (or --force after stopping them)") from None
        yield holder
    finally:
        holder.close()


def _fsync_dir(folder: FilePath) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
