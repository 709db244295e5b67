"""On PostgreSQL every audit entry tells the listening workstations, from its own transaction.

The trigger sends ``pg_notify('certline', {"seq", "type", "serial_id", "cert_id", "job_id", "user_id"})``
for each entry inserted. PostgreSQL holds a notification until the transaction that sent it commits and
drops it when it rolls back, so a screen hears of a change only once it is really there (app.changes).
SQLite has no such thing; there the screens ask the file once a second instead.
"""
from peewee import SqliteDatabase

FUNCTION_BODY = (" BEGIN PERFORM pg_notify('certline', json_build_object('seq', NEW.seq, 'type', NEW.type, "
                 "'serial_id', NEW.serial_id, 'cert_id', NEW.cert_id, 'job_id', NEW.job_id, "
                 "'user_id', NEW.user_id)::text); RETURN NULL; END; ")


def up(migrator, db):
    if isinstance(db, SqliteDatabase):
        return
    # psycopg reads the text for placeholders: this body has no % to double.
    db.execute_sql("CREATE OR REPLACE FUNCTION certline_notify_change() RETURNS trigger AS $$"
                   + FUNCTION_BODY + "$$ LANGUAGE plpgsql")
    db.execute_sql("CREATE TRIGGER audit_entry_notify AFTER INSERT ON audit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION certline_notify_change()")


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        return
    db.execute_sql("DROP TRIGGER IF EXISTS audit_entry_notify ON audit_entry")
    db.execute_sql("DROP FUNCTION IF EXISTS certline_notify_change()")
