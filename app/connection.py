"""How a workstation reaches its database, and what it does when the database goes away.

PostgreSQL settings are the URL's query parameters, so one string carries them wherever a
database is named (``--db``, ``CERTLINE_DB``, the Settings tab). libpq's own parameters pass
through (``sslmode``, ``sslrootcert``, ``connect_timeout``, ``keepalives_idle``, …); three are
Certline's and are taken out before libpq sees the URL:

- ``password_file``: a file whose first line is the password, read at every connect, so the
  password is never in the URL nor in the settings file;
- ``keyring``: a service name in the OS keyring (the optional ``keyring`` package) holding the
  password for the URL's user;
- ``statement_timeout``: the server's ``statement_timeout`` for this session (``30s``, ``500ms``,
  ``0`` for none).

Every wait on the network is bounded: a connect by ``connect_timeout``, a dead connection by TCP
keepalives and ``tcp_user_timeout``, a statement by ``statement_timeout``. The defaults below
apply where the URL does not say otherwise.
"""
from __future__ import annotations

import errno
import getpass
import os
import sqlite3
from typing import Iterator
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from peewee import PostgresqlDatabase, SqliteDatabase

from app.errors import DatabaseBusy, DatabaseUnavailable, DatabaseUnreachable, SchemaTooNew
from app.models import database

CERTLINE_OPTIONS = ("password_file", "keyring", "statement_timeout")
DEFAULT_STATEMENT_TIMEOUT = "30s"
# Seconds to give up reaching the server: a connect, or a connection whose packets go unanswered.
DEFAULT_REACH_SECONDS = 5
KEEPALIVES = {"keepalives": "1", "keepalives_idle": "5", "keepalives_interval": "2", "keepalives_count": "3"}
# What the Settings tab offers and the README documents, beside the URL itself.
SETTABLE = ("sslmode", "sslrootcert", "password_file", "keyring", "connect_timeout", "statement_timeout",
            "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# SQLSTATEs that mean the session is gone: the 08 class (connection exceptions) and the server shutting down.
_LOST_STATES = ("57P01", "57P02", "57P03")
# SQLite's words for a file it can no longer reach (a share unmounted, a disk gone), as opposed to a bad query.
_SQLITE_LOST = ("unable to open database file", "disk i/o error")

_reach_seconds = DEFAULT_REACH_SECONDS


def set_reach_seconds(seconds: float) -> float:
    """How long connections opened from now on wait for an unreachable server (``certline-cli --timeout``);
    returns the previous value."""
    global _reach_seconds
    previous, _reach_seconds = _reach_seconds, max(1, int(round(seconds)))
    return previous


def split_options(url: str) -> tuple[str, dict[str, str]]:
    """A ``postgresql://`` URL's base and its query parameters, in order."""
    base, _, query = url.partition("?")
    return base, dict(parse_qsl(query, keep_blank_values=True))


def join_options(base: str, options: dict[str, str]) -> str:
    """The URL back from ``split_options``'s parts; empty values are left out."""
    kept = {name: value for name, value in options.items() if value != ""}
    return base + ("?" + urlencode(kept, quote_via=quote, safe="/") if kept else "")


def defaults() -> dict[str, str]:
    """The libpq parameters a station connects with unless its URL sets them."""
    return {"connect_timeout": str(_reach_seconds), **KEEPALIVES,
            "tcp_user_timeout": str(_reach_seconds * 2000), "application_name": "certline"}


class PostgresDatabase(PostgresqlDatabase):
    """peewee's PostgreSQL database with Certline's own URL parameters and bounded waits."""

    def __init__(self, url: str):
        base, options = split_options(url)
        self.password_file = options.pop("password_file", "") or None
        self.keyring_service = options.pop("keyring", "") or None
        self.statement_timeout = options.pop("statement_timeout", DEFAULT_STATEMENT_TIMEOUT) or "0"
        self.user = unquote(urlsplit(base).username or "") or getpass.getuser()
        super().__init__(join_options(base, {**defaults(), **options}))

    def _connect(self):
        params = dict(self.connect_params)
        secret = self.password()
        if secret is not None:
            params["password"] = secret  # read now, passed to libpq, kept nowhere
        conn = self._adapter.connect(self, **params)
        conn.autocommit = True  # as peewee's own: it begins transactions itself
        return conn

    def _initialize_connection(self, conn) -> None:
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (self.statement_timeout,))

    def password(self) -> str | None:
        if self.password_file:
            return read_password_file(self.password_file)
        if self.keyring_service:
            return keyring_password(self.keyring_service, self.user)
        return None


def read_password_file(path: str) -> str:
    """The first line of ``path``. A file other accounts may read is refused, as libpq refuses such a .pgpass."""
    try:
        if os.name == "posix" and os.stat(path).st_mode & 0o077:
            raise DatabaseUnavailable(f"The password file {path} may be read by other accounts: chmod 600 it")
        with open(path, encoding="utf-8") as handle:
            password = handle.readline().rstrip("\r\n")
    except OSError as error:
        raise DatabaseUnavailable(f"Cannot read the password file {path}: {error.strerror}") from None
    if not password:
        raise DatabaseUnavailable(f"The password file {path} is empty")
    return password


def keyring_password(service: str, user: str) -> str:
    """The password the OS keyring keeps for ``user`` under ``service`` (``keyring set SERVICE USER``)."""
    try:
        import keyring  # optional: only plants that keep the password there install it
    except ImportError:
        raise DatabaseUnavailable("keyring= in the database URL needs the keyring package "
                                  "(pip install keyring); or use password_file=") from None
    try:
        password = keyring.get_password(service, user)
    except Exception as error:  # noqa: BLE001 - each keyring backend raises its own
        raise DatabaseUnavailable(f"The OS keyring did not answer for {service}/{user}: {error}") from None
    if not password:
        raise DatabaseUnavailable(f"The OS keyring holds no password for {user} under {service}: "
                                  f"keyring set {service} {user}")
    return password


class SqliteFile(SqliteDatabase):
    """Once opened, a database file is never made anew: a share that came back empty is not the database."""

    must_exist = False

    def _connect(self):
        if self.must_exist and not os.path.exists(self.database):
            raise DatabaseUnreachable(f"The database file {self.database} cannot be reached")
        return super()._connect()


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, what it wraps (peewee keeps the driver's error as ``orig``) and its causes."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__, getattr(current, "orig", None)]  # type: ignore[list-item]


def is_connection_lost(error: BaseException) -> bool:
    """True when ``error`` says the database could not be reached, rather than refused the request.

    Such an error during a write leaves its outcome unknown: read it back once reconnected.
    """
    for cause in _causes(error):
        if isinstance(cause, (SchemaTooNew, DatabaseBusy)):
            return False
        if isinstance(cause, DatabaseUnreachable):
            return True
        driver = {kind.__name__ for kind in type(cause).__mro__ if kind.__module__.startswith("psycopg")}
        if driver & {"OperationalError", "InterfaceError"}:  # ConnectionTimeout, AdminShutdown, … among them
            state = getattr(cause, "sqlstate", None)
            if state is None or state.startswith("08") or state in _LOST_STATES:
                return True
        if isinstance(cause, sqlite3.Error) and str(cause).lower().startswith(_SQLITE_LOST):
            return True
        if isinstance(cause, OSError) and cause.errno in (errno.EIO, errno.ENOTCONN, errno.ESTALE, errno.ENOENT):
            return True
    return False


def reason(error: BaseException) -> str:
    """The first line of what the driver said, for a log line or a tool tip."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def ping() -> None:
    """One cheap round trip on this thread's connection; raises DatabaseUnreachable when it fails.

    On SQLite the file is looked for by its path too: an open file stays readable after its share
    vanished, but nothing written there would reach anyone.
    """
    handle = database.obj
    if handle is None:
        raise DatabaseUnreachable("The database is not open")
    try:
        if isinstance(handle, SqliteDatabase):
            try:
                os.stat(handle.database)
            except OSError as error:
                raise DatabaseUnreachable(f"The database file {handle.database} cannot be reached: "
                                          f"{error.strerror}") from error
            handle.execute_sql("PRAGMA schema_version").fetchone()
        else:
            handle.execute_sql("SELECT 1").fetchone()
    except DatabaseUnreachable:
        raise
    except Exception as error:
        if is_connection_lost(error):
            raise DatabaseUnreachable(f"The database cannot be reached: {reason(error)}") from error
        raise


def drop() -> None:
    """Forget this thread's connection, dead or alive, without waiting on it."""
    handle = database.obj
    if handle is None:
        return
    try:
        handle.close()
    except Exception:  # noqa: BLE001 - a dead connection, or a transaction left open by the failure
        try:
            handle.connection().close()
        except Exception:  # noqa: BLE001
            pass
        handle.dispose()


def reconnect() -> None:
    """Close this thread's (dead) connection and open a new one; raises DatabaseUnreachable until it works."""
    drop()
    handle = database.obj
    if handle is None:
        raise DatabaseUnreachable("The database is not open")
    try:
        handle.connect()
    except DatabaseUnreachable:
        raise
    except Exception as error:
        if is_connection_lost(error):
            raise DatabaseUnreachable(f"The database cannot be reached: {reason(error)}") from error
        raise
    ping()
