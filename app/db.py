"""Opening the database: where it lives, how it is tuned, and its migrations.

SQLite is the embedded default (one file in the user's data directory); several
workstations share one PostgreSQL database given as a ``postgresql://`` URL.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path as FilePath
from urllib.parse import unquote

import platformdirs
from peewee import DatabaseError, OperationalError, PostgresqlDatabase, SqliteDatabase
from playhouse.migrations import Runner

from app import clock
from app.connection import PostgresDatabase, SqliteFile, drop, is_connection_lost
from app.errors import DatabaseBusy, DatabaseUnavailable, DatabaseUnreachable, SchemaTooNew
from app.models import database
from app.sql import execute, executemany, get_or_none, get_values, to_datetime  # noqa: F401 (db.execute, …)

APP_NAME = "certline"
APP_AUTHOR = "Certline"
DEFAULT_FILE_NAME = "certline.sqlite3"
MIGRATIONS_DIR = FilePath(__file__).with_name("migrations")
# Any fixed number: every writer on PostgreSQL takes this advisory lock, which
# serialises the audit hash chain across workstations.
WRITE_LOCK_KEY = 0x43455254
BUSY_MESSAGE = "The database is busy: another program has been writing for {seconds:g} s. Nothing was saved; try again."
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # FULL: an attach the operator saw confirmed survives a power cut.
    "synchronous": 2,
    # REPLACE deletes the row it replaces; with recursive triggers that delete meets the
    # append-only triggers too, so INSERT OR REPLACE cannot rewrite an attachment or audit entry.
    "recursive_triggers": 1,
    # A writer waits this long for another program's write transaction; readers never wait (WAL).
    "busy_timeout": 15000,
    "cache_size": -65536,
    # Copy the WAL back into the file every 4000 pages (16 MiB) rather than SQLite's 1000:
    # with 5 million attachments one attach dirties ~30 index pages, so the default made
    # every ~33rd attach wait 10-20 ms for a checkpoint (tests/benchmarks). Durability is
    # the same: each commit still syncs the WAL.
    "wal_autocheckpoint": 4000,
}

# Fixed-width text keeps SQLite's text order equal to time order, and replaces
# the default adapters that Python 3.12 deprecates.
sqlite3.register_adapter(dt.datetime, lambda value: value.isoformat(" ", "microseconds"))
sqlite3.register_adapter(dt.date, lambda value: value.isoformat())


def data_dir() -> FilePath:
    """``CERTLINE_DATA`` if set, else the platform's user data directory."""
    override = os.environ.get("CERTLINE_DATA")
    return FilePath(override) if override else FilePath(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def resolve_url(db: str | None = None) -> str:
    """``--db`` wins, then ``CERTLINE_DB``, then the SQLite file in the data directory."""
    return db or os.environ.get("CERTLINE_DB") or str(data_dir() / DEFAULT_FILE_NAME)


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def describe(url: str) -> str:
    """The URL without its password or options, fit for a log line or a message.

    Never raises: a mistyped port or host is shown as written, for the person to see.
    """
    if not is_postgres_url(url):
        return url
    scheme, _, rest = url.partition("://")
    authority, slash, path = rest.split("?", 1)[0].partition("/")
    user, at, address = authority.rpartition("@")
    return f"{scheme}://{user.split(':', 1)[0]}{at}{address}{slash}{path}"


def _without_password(text: str, url: str) -> str:
    """``text`` with the URL's password blanked out: the driver may quote a malformed one back."""
    if not is_postgres_url(url):
        return text
    authority = url.partition("://")[2].split("?", 1)[0].partition("/")[0]
    password = authority.rpartition("@")[0].partition(":")[2]
    options = (option.partition("=") for option in url.partition("?")[2].split("&"))
    secrets = {password, unquote(password)} | {value for name, _, value in options if name == "password"}
    for secret in sorted(secrets - {""}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def safe_message(error: BaseException, url: str) -> str:
    """The first line of ``error``, the URL's password blanked out: fit for a person or a log."""
    return _without_password(_first_line(error), url)


def _make_database(url: str):
    if is_postgres_url(url):
        # psycopg takes the URL as a connection string; Certline's own options and timeouts: app/connection.py.
        return PostgresDatabase(url)
    path = FilePath(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = SqliteFile(str(path), pragmas=SQLITE_PRAGMAS, timeout=SQLITE_PRAGMAS["busy_timeout"] / 1000)
    # The append-only tables' insert triggers call this function (migration 0007). Only Certline's
    # connections have it, so a plain sqlite3 client cannot add an attachment or audit entry at all.
    handle.register_function(_certline_writer, WRITER_FUNCTION, 0, deterministic=True)
    return handle


WRITER_FUNCTION = "certline_writer"


def _certline_writer() -> int:
    return 1


def open_database(db: str | None = None, migrate: bool = True):
    """Bind the models to the database at ``db`` (see ``resolve_url``) and migrate it.

    Raises DatabaseUnavailable with a plain message when it cannot be opened.
    """
    url = resolve_url(db)
    handle = None
    try:
        handle = _make_database(url)
        database.initialize(handle)
        handle.connect(reuse_if_open=True)
        if isinstance(handle, SqliteFile):
            handle.must_exist = True  # reconnecting later never makes an empty file where the database was
        if migrate:
            apply_migrations(handle)
    except (DatabaseError, OSError, DatabaseUnavailable) as error:
        if handle is not None:
            with contextlib.suppress(DatabaseError):  # a connection that died while opening
                handle.close()
        database.initialize(None)
        if isinstance(error, DatabaseUnavailable):
            raise
        # Unreachable (a retry may work) is told apart from refused (a retry will not).
        kind = DatabaseUnreachable if is_connection_lost(error) else DatabaseUnavailable
        raise kind(f"Cannot open the database {describe(url)}: {_without_password(_first_line(error), url)}") from error
    return handle


def test_connection(db: str) -> str:
    """Try a database without touching the one in use: a line saying what is there.

    Raises DatabaseUnavailable with a plain message when it cannot be reached.
    """
    url = resolve_url(db)
    handle = None
    try:
        if not is_postgres_url(url):
            path = FilePath(url.removeprefix("sqlite:///"))
            if not path.parent.is_dir():
                raise OSError(f"the folder {path.parent} does not exist")
            if not path.exists():
                return f"No database file at {path} yet: it will be created on the next start"
        handle = PostgresDatabase(url) if is_postgres_url(url) else SqliteDatabase(url, timeout=5)
        handle.connect()
        tables = set(handle.get_tables())
        if "schema_migration" not in tables:
            return f"Connected to {describe(url)}: no Certline data yet (it will be created)"
        applied = [row[0] for row in handle.execute_sql("SELECT name FROM schema_migration ORDER BY name")]
        return f"Connected to {describe(url)}: Certline schema {applied[-1] if applied else 'none'}"
    except (DatabaseError, OSError, ValueError) as error:
        raise DatabaseUnavailable(
            f"Cannot open the database {describe(url)}: {_without_password(_first_line(error), url)}") from error
    finally:
        if handle is not None:
            handle.close()


def close_database() -> None:
    handle = database.obj
    if handle is not None and not handle.is_closed():
        drop()  # also a connection that died inside a transaction


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def apply_migrations(handle) -> list[str]:
    """Apply pending migrations; returns the names applied.

    A database made by a newer Certline is refused before anything is written; an
    SQLite database made by an older one is first copied beside itself.
    """
    runner = Runner(handle, directory=str(MIGRATIONS_DIR))
    if isinstance(handle, PostgresqlDatabase):
        handle.execute_sql("SELECT pg_advisory_lock(%s)", (WRITE_LOCK_KEY + 1,))
        try:
            pending = _plan(runner, handle)
            if not pending:
                return []
            _may_migrate(handle, pending)
            applied = runner.up()
            from app import roles  # psycopg's SQL composition, loaded only where PostgreSQL is used

            roles.regrant_stations(handle)  # a new table is in no station's grant until then
            return applied
        finally:
            handle.execute_sql("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK_KEY + 1,))
    if not _plan(runner, handle):
        # Current schema: take no lock at all, so a reader never waits on another program's writer.
        return []
    # One process migrates at a time: the write lock is taken (IMMEDIATE) before the runner reads
    # what is pending again, so a second process waits for the first instead of failing on a stale read.
    # Foreign keys go off outside the transaction, where SqliteMigrator itself would switch them off.
    handle.pragma("foreign_keys", 0)
    try:
        with handle.atomic(lock_type="IMMEDIATE"):
            return runner.up()
    finally:
        handle.pragma("foreign_keys", 1)


def _may_migrate(handle, pending: list[str]) -> None:
    """Refuse plainly when this account (a station's) may not change the schema: only its owner migrates."""
    user, owner = handle.execute_sql(
        "SELECT current_user, tableowner FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename = 'schema_migration'").fetchone() or (None, None)
    if owner is not None and user != owner and not handle.execute_sql(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
        raise DatabaseUnavailable(
            f"This database's schema needs upgrading ({', '.join(pending)}), which only its owner ({owner}) may do; "
            f"this workstation connects as {user}. Run certline-cli init with the owner's account, then start again.")


def _plan(runner: Runner, handle) -> list[str]:
    """The names of the pending migrations, after refusing a newer schema and saving a copy before an upgrade."""
    status = runner.status()
    unknown = [m.name for m in status if m.applied and m.path is None]
    if unknown:
        known = [m.name for m in status if m.path is not None]
        raise SchemaTooNew(
            f"This database was made by a newer version of Certline (schema {unknown[-1]}); this version knows "
            f"schemas up to {known[-1]}. Update Certline on this workstation; the database was not changed."
        )
    applied = [m for m in status if m.applied]
    pending = [m for m in status if not m.applied]
    if applied and pending and isinstance(handle, SqliteDatabase):
        backup_before_migration(handle, applied[-1].name)
    return [m.name for m in pending]


def backup_before_migration(handle: SqliteDatabase, schema: str) -> FilePath:
    """A consistent copy beside the database, named after the schema it holds."""
    source = FilePath(handle.database)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = source.with_name(f"{source.name}.{schema}.{stamp}.backup")
    copy = sqlite3.connect(target)
    try:
        handle.connection().backup(copy)
    finally:
        copy.close()
    return target


def schema_migrations(handle) -> list[str]:
    """Names of the migrations this database has applied, oldest first."""
    return [m.name for m in Runner(handle, directory=str(MIGRATIONS_DIR)).status() if m.applied]


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


@contextlib.contextmanager
def write_transaction():
    """One transaction that holds the write lock from its first statement.

    On SQLite the transaction begins IMMEDIATE, so two writers queue instead of
    deadlocking; on PostgreSQL an advisory lock does the same across workstations.
    Either way the audit hash chain is extended by one writer at a time.
    """
    handle = database.obj
    if isinstance(handle, SqliteDatabase):
        try:
            with handle.atomic(lock_type="IMMEDIATE") as transaction:
                yield transaction
        except OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise DatabaseBusy(BUSY_MESSAGE.format(seconds=SQLITE_PRAGMAS["busy_timeout"] / 1000)) from error
            raise
        return
    outermost = handle.transaction_depth() == 0
    with handle.atomic() as transaction:
        if outermost:
            handle.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
        yield transaction


def now() -> dt.datetime:
    """The time a record is stamped with, naive UTC to the millisecond.

    On PostgreSQL the database server's clock, so every workstation's records share one clock
    and a workstation's clock set back cannot date a record into the past; on SQLite, where
    there is no server, this machine's (``verify`` flags times that run backwards).
    """
    handle = database.obj
    if isinstance(handle, PostgresqlDatabase):
        value = handle.execute_sql(_SERVER_NOW_SQL).fetchone()[0]
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return clock.now_utc()


_SERVER_NOW_SQL = "SELECT clock_timestamp() AT TIME ZONE 'UTC'"


def clock_offset() -> float:
    """Seconds the database server's clock is ahead of this machine's (negative: behind it); 0.0 on SQLite.

    On PostgreSQL records are stamped by the server (``now``) while a screen's "now" is this
    machine's, so a difference shows as wrong "expires in …" and "… ago". The server's time is
    set against the middle of the round trip, so a slow network is not taken for a clock that is off.
    """
    handle = database.obj
    if not isinstance(handle, PostgresqlDatabase):
        return 0.0
    before = clock.now_utc()
    server = handle.execute_sql(_SERVER_NOW_SQL).fetchone()[0]
    after = clock.now_utc()
    return (server - (before + (after - before) / 2)).total_seconds()
