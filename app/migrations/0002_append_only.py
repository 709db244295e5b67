"""Attachments and audit entries become append-only, enforced by the database itself."""
from peewee import SqliteDatabase

APPEND_ONLY_TABLES = ("cert_attachment", "audit_entry")


# `certline-cli verify` compares the triggers in the database with these texts.
SQLITE_OPERATIONS = ("UPDATE", "DELETE")
POSTGRES_FUNCTION_BODY = " BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END; "


def sqlite_trigger_sql(table: str, operation: str) -> str:
    return (f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END")


def up(migrator, db):
    if isinstance(db, SqliteDatabase):
        for table in APPEND_ONLY_TABLES:
            for operation in SQLITE_OPERATIONS:
                db.execute_sql(sqlite_trigger_sql(table, operation))
        return
    # psycopg reads the text for placeholders, so a literal % is written %%.
    db.execute_sql(
        "CREATE OR REPLACE FUNCTION certline_append_only() RETURNS trigger AS $$"
        + POSTGRES_FUNCTION_BODY.replace("%", "%%") + "$$ LANGUAGE plpgsql"
    )
    for table in APPEND_ONLY_TABLES:
        db.execute_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION certline_append_only()"
        )
        db.execute_sql(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION certline_append_only()"
        )
