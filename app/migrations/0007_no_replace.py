"""INSERT OR REPLACE cannot rewrite an attachment or an audit entry, whoever connects.

SQLite's REPLACE deletes the row it replaces without firing DELETE triggers unless the
connection turned ``recursive_triggers`` on, which Certline does and a plain sqlite3 client
does not. These triggers refuse any insert whose key is taken, before REPLACE gets there.
(PostgreSQL has no REPLACE; its ON CONFLICT DO UPDATE meets the UPDATE trigger.)
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
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {KEYS[table]}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: a row with this key exists, REPLACE refused'); END")


def up(migrator, db):
    if isinstance(db, SqliteDatabase):
        for table in KEYS:
            db.execute_sql(trigger_sql(table))


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        for table in KEYS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {table}_no_replace")
