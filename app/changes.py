"""What other workstations changed since a mark: the audit trail read as a feed of changes.

Every change writes an audit entry in its own transaction (app.audit), so the trail's ``seq`` is the
mark: ``since(seq)`` names what was committed after it, and a change that was rolled back was never
there. Screens keep the last seq they have seen and ask what came after it.

A ``ChangeFeed`` watches on a connection of its own, never the one the screens' database worker uses,
so a check never queues behind a scan nor a scan behind a check:

- On PostgreSQL it LISTENs: a trigger on ``audit_entry`` (migration 0009) sends ``pg_notify('certline',
  …)`` from the writing transaction, which PostgreSQL delivers only once that transaction commits. The
  connection waits on its socket (no polling); after a reconnect it reads the trail since its mark, so
  nothing committed while it was away is missed.
- On SQLite, where nothing can be told, it asks once a second whether the file changed
  (``PRAGMA data_version``: a number kept in shared memory, changed by another connection's commit; no
  table is read) and reads ``since`` only when it did.
"""
from __future__ import annotations

import json
import logging
import select
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, Callable

from app import clock, db
from app.connection import PostgresDatabase

log = logging.getLogger(__name__)

CHANNEL = "certline"
PAGE = 500  # changes read at a time
MOST_PER_POLL = 20 * PAGE  # then the screens hear of them and the feed reads on at once
POLL_SECONDS = 1.0  # SQLite: how often the file is asked whether it changed
IDLE_CHECK_SECONDS = 30.0  # PostgreSQL: a quiet connection is asked for the head this often, so a dead one is found
RETRY_SECONDS = (1.0, 2.0, 5.0)  # waits between reconnects, the last one repeated

_COLUMNS = '"seq", "type", "serial_id", "cert_id", "job_id", "user_id"'
_SINCE_SQL = f'SELECT {_COLUMNS} FROM "audit_entry" WHERE "seq" > ? ORDER BY "seq" LIMIT ?'
_HEAD_SQL = 'SELECT max("seq") FROM "audit_entry"'


@dataclass(frozen=True)
class Change:
    """One committed change, as its audit entry names it."""

    seq: int
    type: str  # the audit entry's type: cert_attached, serial_advanced, …
    serial_id: str | None = None
    cert_id: str | None = None
    job_id: str | None = None
    user_id: str | None = None

    @classmethod
    def from_payload(cls, text: str) -> "Change":
        """A change from the JSON the PostgreSQL trigger sends."""
        data = json.loads(text)
        return cls(int(data["seq"]), str(data["type"]), data.get("serial_id"), data.get("cert_id"),
                   data.get("job_id"), data.get("user_id"))


def head() -> int:
    """The seq of the newest entry on the bound database; 0 for an empty trail."""
    return db.execute(_HEAD_SQL).fetchone()[0] or 0


def since(seq: int, limit: int = PAGE) -> list[Change]:
    """What was committed after ``seq`` on the bound database, oldest first, at most ``limit``."""
    return [Change(*row) for row in db.execute(_SINCE_SQL, (seq, max(1, min(limit, MOST_PER_POLL)))).fetchall()]


# What a coverage answer (app.reports.coverage) is made of: the serials, where they stand, what they hold.
_SERIAL_CHANGES = ("cert_attached", "serial_created", "serial_advanced", "serial_completed", "serial_scrapped")
_CERTIFICATE_CHANGES = ("cert_created", "cert_updated", "cert_deleted")


def in_audit_query(change: Change, query: Any) -> bool:
    """Whether the audit trail filtered by ``query`` (an app.reports.AuditQuery) lists this new entry."""
    for name in ("type", "user_id", "serial_id", "cert_id"):
        wanted = getattr(query, name)
        if wanted is not None and getattr(change, name) != wanted:
            return False
    return query.until is None or query.until > clock.now_utc()  # a new entry is dated now


def may_change_coverage(change: Change, spec: Any) -> bool:
    """Whether this change may alter the coverage answer for ``spec`` (an app.reports.CoverageSpec)."""
    if change.type == "plant_imported":
        return True
    if change.type in _SERIAL_CHANGES:
        if spec.serial_ids:
            return change.serial_id in spec.serial_ids
        return spec.job_id is None or change.job_id == spec.job_id
    if change.type in _CERTIFICATE_CHANGES:  # a kind changed, a certificate made or deleted
        return spec.kind is not None or change.cert_id == spec.cert_id
    return False


class ChangeFeed:
    """Changes after a mark, on a connection of its own; ``wait`` blocks until some come or time is up.

    One thread uses it; any thread may ``stop`` it, which wakes a ``wait`` at once.
    """

    def __init__(self, url: str, poll_seconds: float = POLL_SECONDS):
        self.url = db.resolve_url(url)
        self.postgres = db.is_postgres_url(self.url)
        self.poll_seconds = poll_seconds
        self.mark: int | None = None  # the last seq handed out; None until the first connection
        self._connection: Any = None
        self._data_version: int | None = None
        self._behind = False  # the last read filled MOST_PER_POLL: read on without waiting
        self._last_heard = 0.0
        self._stopped = threading.Event()
        # A socket pair, not a pipe: Windows' select() takes sockets only.
        self._wake_read, self._wake_write = socket.socketpair()

    # --- connecting ------------------------------------------------------------------------------

    def open(self) -> int:
        """Connect (again); returns the mark. The first connection marks the trail's head: what came
        before it is not news. A reconnect keeps the mark, so ``wait`` reads what it missed."""
        self.close_connection()
        if self.postgres:
            # As the station connects (app.connection): its password file or keyring, connect timeout and
            # keepalives, so a connection that waits in silence notices a dead peer by itself. Autocommit.
            connection = PostgresDatabase(self.url)._connect()
            connection.execute(f"LISTEN {CHANNEL}")
        else:
            path = FilePath(self.url.removeprefix("sqlite:///"))
            # mode=rw: never create a file the station did not make; isolation_level None: no read
            # transaction stays open between checks (it would hold back the WAL's checkpoints).
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=1.0,
                                         isolation_level=None, check_same_thread=False)
        self._connection = connection
        # SQLite: the file's version before the head is read, so a commit in between still counts as news.
        self._data_version = None if self.postgres else connection.execute("PRAGMA data_version").fetchone()[0]
        if self.mark is None:
            self.mark = self._read_head()
        self._behind = True  # after (re)connecting, read since the mark once
        self._last_heard = time.monotonic()
        return self.mark

    def close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a connection that died cannot be closed cleanly either
                log.debug("closing the change feed's connection failed", exc_info=True)

    def stop(self) -> None:
        """Wake a ``wait`` and make every later one return at once; from any thread."""
        if not self._stopped.is_set():
            self._stopped.set()
            try:
                self._wake_write.send(b"x")
            except OSError:
                pass  # closed already: nothing waits

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less once stopped."""
        self._stopped.wait(seconds)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def close(self) -> None:
        self.close_connection()
        self._wake_read.close()
        self._wake_write.close()

    # --- reading ---------------------------------------------------------------------------------

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.postgres:
            return self._connection.execute(sql.replace("?", "%s"), params).fetchall()
        return self._connection.execute(sql, params).fetchall()

    def _read_head(self) -> int:
        return self._query(_HEAD_SQL)[0][0] or 0

    def _read_since(self) -> list[Change]:
        """Pages after the mark, up to MOST_PER_POLL; the mark moves to the last."""
        found: list[Change] = []
        while len(found) < MOST_PER_POLL:
            page = [Change(*row) for row in self._query(_SINCE_SQL, (self.mark, PAGE))]
            found += page
            if page:
                self.mark = page[-1].seq
            if len(page) < PAGE:
                break
        self._behind = len(found) >= MOST_PER_POLL
        return found

    def wait(self, timeout: float | None = None) -> list[Change]:
        """What was committed since the last call, oldest first; [] after ``timeout`` (a poll's
        interval by default) or once stopped. Connects when not connected; a lost connection raises
        the driver's error and is reconnected by the next call."""
        if self.stopped:
            return []
        if self._connection is None:
            self.open()
        if self._behind:
            return self._read_since()
        timeout = self.poll_seconds if timeout is None else timeout
        if self.postgres:
            return self._wait_postgres(timeout)
        return self._wait_sqlite(timeout)

    def _wait_sqlite(self, timeout: float) -> list[Change]:
        version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            found = self._read_since()
            if found:
                return found
        self.pause(timeout)
        return []

    def _wait_postgres(self, timeout: float) -> list[Change]:
        connection = self._connection
        readable, _, _ = select.select([connection.fileno(), self._wake_read], [], [], timeout)
        if self._wake_read in readable:
            return []
        found: list[Change] = []
        for notify in connection.notifies(timeout=0):
            try:
                change = Change.from_payload(notify.payload)
            except (ValueError, KeyError, TypeError):
                log.warning("unreadable change notice on %s: %r", CHANNEL, notify.payload)
                continue
            if self.mark is None or change.seq > self.mark:
                found.append(change)
        if found:
            self._last_heard = time.monotonic()
            if self.mark is not None and found[0].seq != self.mark + 1:
                # A gap (a notice lost while the queue was full, or this reader was slow): the trail says it.
                return self._read_since()
            self.mark = found[-1].seq
            return found
        if time.monotonic() - self._last_heard > IDLE_CHECK_SECONDS:
            # A connection a firewall cut in silence is found here; the read also covers a notice lost.
            self._last_heard = time.monotonic()
            if self._read_head() != self.mark:
                return self._read_since()
        return []


def watch(feed: ChangeFeed, deliver: Callable[[list[Change]], None]) -> None:
    """Hand every batch of changes to ``deliver`` until ``feed.stop()``; reconnects after a lost
    connection (waits of RETRY_SECONDS), quietly: the screens say when the database is unreachable."""
    failures = 0
    try:
        while not feed.stopped:
            try:
                found = feed.wait()
            except Exception as error:  # noqa: BLE001 - the database went away: wait, then connect again
                feed.close_connection()
                pause = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                (log.info if failures == 1 else log.debug)(
                    "the change feed lost its database connection (%s); retrying in %g s", type(error).__name__, pause)
                feed.pause(pause)
                continue
            failures = 0
            if found:
                deliver(found)
    finally:
        feed.close()
