"""On SQLite, only Certline adds attachments and audit entries, and never over a row that exists.

SQLite's REPLACE deletes the row it replaces without firing DELETE triggers unless the
connection turned ``recursive_triggers`` on, which Certline does and a plain sqlite3 client
does not. These triggers refuse any insert whose key is taken, before REPLACE gets there.
They also call ``certline_writer()``, a function only Certline's own connections register
(app.db): a plain sqlite3 client cannot even prepare an insert into these tables, so it can
neither rewrite a record nor append a forged one. (A program that registers the function
itself can; ``verify`` and the witnessed heads are the answer to that. PostgreSQL has no
REPLACE, and there the station role's grants and the triggers do this work.)
"""
from peewee import SqliteDatabase

# Each table, and what makes a row the same row: its primary key or its unique key.
KEYS = {
    "cert_attachment": ("id = NEW.id OR (serial_id = NEW.serial_id AND cert_id = NEW.cert_id "
                        "AND step_id = NEW.step_id)"),
    "audit_entry": "id = NEW.id OR seq = NEW.seq",
}


def trigger_sql(table: str) -> str:
    return (f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN certline_writer() IS NOT 1 OR EXISTS (SELECT 1 FROM {table} WHERE {KEYS[table]}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: a row with this key exists, REPLACE refused'); END")


def up(migrator, db):
    if isinstance(db, SqliteDatabase):
        for table in KEYS:
            db.execute_sql(trigger_sql(table))


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        for table in KEYS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_no_replace")
