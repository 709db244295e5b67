"""PostgreSQL accounts: the owner keeps the schema, the stations get only what their daily work needs.

The **owner** role (the account ``certline-cli init`` connects with) runs the migrations and owns every
table, trigger and function. A **station** role, which the workstations connect as, gets the grants in
``STATION_GRANTS`` and nothing else: attachments and the audit trail it may read and add to but never
change, delete, truncate or alter, nor switch their triggers off (that takes the owner); PIN digests it
cannot read at all (app.pins). A table a future migration adds is in no grant until it has its line
here: ``init`` applies the whole list again after every migration, to every station role it finds
(those allowed to call ``certline_pin_check``), and a test fails while any table lacks a line.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from psycopg import sql

from app.errors import Invalid

# What each table's daily work needs, written as in GRANT. Column lists keep a station from rewriting
# what only the PIN functions or nobody should: a user's id and lockout counters, a serial's job.
STATION_GRANTS: dict[str, str] = {
    "schema_migration": "SELECT",
    "user": "SELECT, INSERT, UPDATE (name, role, badge, active)",
    "user_pin": "SELECT (user_id)",  # who has a PIN, never the digest
    "path": "SELECT, INSERT, UPDATE (name, archived_at)",  # a revision's steps are never changed
    "step": "SELECT, INSERT",
    "job": "SELECT, INSERT, UPDATE (closed_at)",
    "serial": "SELECT, INSERT, UPDATE (current_step_index, status)",
    "serial_counter": "SELECT, INSERT, UPDATE (last)",
    "certificate": "SELECT, INSERT, UPDATE, DELETE",  # edited, revoked, approved; deleted while never attached
    "certificate_document": "SELECT, INSERT, DELETE",
    "policy": "SELECT, INSERT, UPDATE (value)",
    "cert_attachment": "SELECT, INSERT",  # append-only
    "audit_entry": "SELECT, INSERT",  # append-only
    "api_token": "SELECT, INSERT, UPDATE (revoked_at, revoked_by)",
    # Change events (app.outbox, app.webhooks): every write may queue some; a deliverer records its tries.
    "webhook_subscription": "SELECT, INSERT, UPDATE (active, removed_at, removed_by)",
    "webhook_event": "SELECT, INSERT, DELETE",  # never changed once written; deleted a month after delivery
    "webhook_delivery": ("SELECT, INSERT, DELETE, UPDATE (status, attempts, next_attempt_at, last_attempt_at, "
                         "last_status, last_error, delivered_at)"),
    # Attaches a station queued offline (app.queued_attach): a supervisor's resolution is the only change.
    "queued_attach": "SELECT, INSERT, UPDATE (attachment_id, resolution, resolved_by, resolved_at, resolution_reason)",
    "pack": "SELECT, INSERT",  # conformance packs made (app.pack): never changed once written
}
STATION_FUNCTIONS = ("certline_pin_salt(text)", "certline_set_pin(text, text)", "certline_pin_check(text, text)",
                     "certline_unlock_user(text)")
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def check_role_name(name: str) -> str:
    if not _ROLE_NAME.fullmatch(name or ""):
        raise Invalid(f"A station role's name is lower-case letters, digits and _ (at most 63): {name!r}",
                      "station_role")
    return name


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores, made here as psql's \\password does, so the
    password itself never travels to the server nor lands in its log."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return (f"SCRAM-SHA-256${iterations}:{encode(salt)}$"
            f"{encode(hashlib.sha256(client_key).digest())}:{encode(server_key)}")


def _run(handle, statement: sql.Composable, params: tuple = ()) -> list[tuple]:
    cursor = handle.cursor()
    cursor.execute(statement, params or None)
    return cursor.fetchall() if cursor.description else []


def setup_station_role(handle, name: str, password: str | None = None) -> str:
    """Create (if need be) the LOGIN role ``name`` and give it exactly the station's grants.

    ``handle`` is connected as the owner, who needs CREATEROLE when the role does not exist yet.
    A password sets the role's password; without one the role logs in as pg_hba.conf allows (peer, cert).
    Raises Invalid when ``name`` is the owner itself, a superuser, or a role that owns tables.
    """
    check_role_name(name)
    me = _run(handle, sql.SQL("SELECT current_user"))[0][0]
    if name == me:
        raise Invalid(f"The station role must not be the owner ({me}): give the stations an account of their own",
                      "station_role")
    found = _run(handle, sql.SQL("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s"), (name,))
    if found and any(found[0]):
        raise Invalid(f"Role {name} is a superuser or bypasses row security: it cannot be a station role",
                      "station_role")
    owned = _run(handle, sql.SQL("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                                 "WHERE r.rolname = %s AND c.relnamespace = current_schema()::regnamespace"), (name,))
    if owned[0][0]:
        raise Invalid(f"Role {name} owns tables of this database: it cannot be a station role", "station_role")
    role = sql.Identifier(name)
    with handle.atomic():
        if not found:
            _run(handle, sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                                 "NOBYPASSRLS").format(role))
        if password is not None:
            _run(handle, sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(scram_verifier(password))))
        _run(handle, sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(_run(handle, sql.SQL("SELECT current_database()"))[0][0]), role))
        grant_station(handle, name)
    return name


def station_roles(handle) -> list[str]:
    """The roles this database's owner has made stations: those that may check a PIN."""
    rows = _run(handle, sql.SQL(
        "SELECT DISTINCT r.rolname FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a "
        "JOIN pg_roles r ON r.oid = a.grantee WHERE p.oid = 'certline_pin_check(text, text)'::regprocedure "
        "AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner ORDER BY 1"))
    return [name for (name,) in rows]


def grant_station(handle, name: str) -> None:
    """Give ``name`` exactly ``STATION_GRANTS`` on the tables there are, and take away anything else."""
    role = sql.Identifier(name)
    schema_name = _run(handle, sql.SQL("SELECT current_schema()"))[0][0]
    schema = sql.Identifier(schema_name)
    tables = {table for (table,) in _run(handle, sql.SQL(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))}
    with handle.atomic():
        # A station that could create objects here could shadow what the owner's functions call.
        # PostgreSQL 15 gives PUBLIC no CREATE on the schema; older servers did, and the schema's owner takes it back.
        if _may_create(handle, name):
            _run(handle, sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(schema))
        if _may_create(handle, name):
            raise Invalid(f"Role {name} may create objects in schema {schema_name}: revoke that first "
                          "(REVOKE CREATE ON SCHEMA … FROM PUBLIC, as the schema's owner)", "station_role")
        _run(handle, sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
        _run(handle, sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema, role))
        _run(handle, sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema, role))
        for table, privileges in STATION_GRANTS.items():
            if table in tables:
                # The privileges are this module's own text; the names are quoted identifiers.
                _run(handle, sql.SQL("GRANT " + privileges + " ON TABLE {} TO {}").format(sql.Identifier(table), role))
        for function in STATION_FUNCTIONS:
            _run(handle, sql.SQL("GRANT EXECUTE ON FUNCTION " + function + " TO {}").format(role))


def _may_create(handle, name: str) -> bool:
    return _run(handle, sql.SQL("SELECT has_schema_privilege(%s, current_schema(), 'CREATE')"), (name,))[0][0]


def regrant_stations(handle) -> list[str]:
    """After a migration: every station role gets the grants again, new tables included."""
    names = station_roles(handle)
    for name in names:
        grant_station(handle, name)
    return names
