"""The station's durable local queue: attaches taken while the database could not be reached.

A SQLite file in the station's data directory, one per database the station works on. Every enqueue is
its own transaction with ``synchronous=FULL`` in rollback-journal mode, so SQLite has fsynced the file
(and the journal) before ``enqueue`` returns: an operator told *Saved on this station* may pull the plug
or the station may be killed, and the item is there at the next start. Items are sent in the order they
were taken (``seq``); an item is marked sent only after the database answered for it, and sending is
idempotent on its queue id (app.queued_attach), so a crash between the two sends it again harmlessly.

Qt-free, and independent of the central database's connection: plain ``sqlite3``, one connection per
call, so the station's window and its worker thread may both use it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from app import db
from app.clock import iso_utc
from app import queued_attach
from app.attachments import AttachmentRecord
from app.queued_attach import QueuedItem, SendResult
from app.serials import SerialDetail, StepAttachment

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queued (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id TEXT NOT NULL UNIQUE,
    serial_id TEXT NOT NULL,
    cert_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    step_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    station TEXT NOT NULL,
    sent_at TEXT,
    outcome TEXT,
    problem TEXT,
    auth TEXT
)
"""


@dataclass(frozen=True)
class Queued:
    """One item of the local queue."""

    seq: int
    item: QueuedItem
    step_name: str
    outcome: str | None = None  # None while waiting; attached, already or held once sent
    problem: str | None = None


def queue_file(database: str) -> Path:
    """Where this workstation queues attaches for ``database`` (a URL or a file path)."""
    name = db.describe(database) if db.is_postgres_url(database) else str(Path(database).resolve())
    key = hashlib.sha256(name.encode()).hexdigest()[:16]
    return db.data_dir() / "offline" / f"queue-{key}.sqlite3"


def scan_time(now: dt.datetime | None = None) -> str:
    """This station's clock now, as a queued item records its scan: ISO 8601 UTC with milliseconds."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return iso_utc(now.astimezone(dt.timezone.utc).replace(tzinfo=None))


class OfflineQueue:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as conn:
            conn.executescript(_SCHEMA)
            # A queue written before items carried the sign-in method (kept across an upgrade, waiting).
            if "auth" not in {column[1] for column in conn.execute("PRAGMA table_info(queued)")}:
                conn.execute("ALTER TABLE queued ADD COLUMN auth TEXT")

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            # DELETE journal + FULL: a commit returns after the journal and the file are on the disk.
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("PRAGMA synchronous=FULL")
            yield conn
        finally:
            conn.close()

    def enqueue(self, serial_id: str, cert_id: str, step_id: str, step_name: str, user_id: str, station: str,
                scanned_at: str | None = None, auth: str | None = None) -> tuple[Queued, bool]:
        """Queue an attach; returns it and whether it is new. The same serial, certificate and step still
        waiting is returned as it is (a double scan queues once)."""
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT * FROM queued WHERE serial_id = ? AND cert_id = ? AND step_id = ? "
                                   "AND sent_at IS NULL", (serial_id, cert_id, step_id)).fetchone()
                if row is not None:
                    conn.execute("ROLLBACK")
                    return _queued(row), False
                conn.execute("INSERT INTO queued (queue_id, serial_id, cert_id, step_id, step_name, user_id, "
                             "scanned_at, station, auth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (uuid.uuid4().hex, serial_id, cert_id, step_id, step_name, user_id,
                              scanned_at or scan_time(), station, auth))
                row = conn.execute("SELECT * FROM queued WHERE seq = last_insert_rowid()").fetchone()
                conn.execute("COMMIT")  # fsynced before this returns (synchronous=FULL)
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return _queued(row), True

    def waiting(self) -> list[Queued]:
        """Items not yet sent, oldest first."""
        with self._connection() as conn:
            return [_queued(r) for r in conn.execute("SELECT * FROM queued WHERE sent_at IS NULL ORDER BY seq")]

    def count_waiting(self) -> int:
        with self._connection() as conn:
            return conn.execute("SELECT count(*) FROM queued WHERE sent_at IS NULL").fetchone()[0]

    def sent(self) -> list[Queued]:
        """Items sent, with what the database did with each, oldest first."""
        with self._connection() as conn:
            return [_queued(r) for r in conn.execute("SELECT * FROM queued WHERE sent_at IS NOT NULL ORDER BY seq")]

    def mark_sent(self, queue_id: str, outcome: str, problem: str | None = None) -> None:
        """The database answered for ``queue_id``: it is no longer waiting (kept, as the station's record)."""
        with self._connection() as conn:
            conn.execute("UPDATE queued SET sent_at = ?, outcome = ?, problem = ? WHERE queue_id = ?",
                         (scan_time(), outcome, problem, queue_id))


def _queued(row: tuple) -> Queued:
    (seq, queue_id, serial_id, cert_id, step_id, step_name, user_id, scanned_at, station, _sent_at, outcome,
     problem, auth) = row
    return Queued(seq, QueuedItem(queue_id, serial_id, cert_id, step_id, user_id, scanned_at, station, auth),
                  step_name, outcome, problem)


def with_queued(serial: SerialDetail, waiting: Iterable[Queued], certificate: Callable[[str], Any],
                user_names: Mapping[str, str]) -> SerialDetail:
    """``serial`` as an offline station shows it: each attach still waiting in its queue for this serial added
    at the step the operator saw, marked ``queued`` (never counted as attached: the step still needs its kind).
    ``certificate(id)`` is the station's cached record of a certificate, or None."""
    mine = [q.item for q in waiting if q.item.serial_id == serial.id]
    if not mine:
        return serial
    steps = []
    for step in serial.steps:
        added = []
        for item in (i for i in mine if i.step_seen == step.step.id):
            cert = certificate(item.cert_id)
            at = dt.datetime.strptime(item.scanned_at, "%Y-%m-%dT%H:%M:%S.%fZ")
            added.append(StepAttachment(AttachmentRecord(item.queue_id, item.serial_id, item.cert_id, item.step_seen,
                                                         at, item.user_id),
                                        cert.name if cert else item.cert_id, cert.kind if cert else "",
                                        cert.status if cert else "", user_names.get(item.user_id, item.user_id),
                                        queued=True))
        steps.append(dataclasses.replace(step, attachments=[*step.attachments, *added]) if added else step)
    return dataclasses.replace(serial, steps=steps)


def send_waiting(queue: OfflineQueue) -> list[tuple[Queued, SendResult]]:
    """Send every waiting item to the bound database, oldest first, each marked sent once answered.

    A connection lost on the way leaves the rest waiting (raised to the caller); an item whose answer was
    lost is sent again next time and found by its queue id, so nothing is attached twice.
    """
    sent = []
    for queued in queue.waiting():
        result = queued_attach.send(queued.item)
        queue.mark_sent(queued.item.queue_id, result.outcome, result.problem)
        sent.append((queued, result))
    return sent
