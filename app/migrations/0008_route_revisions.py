"""Route revisions, jobs that close and carry label data, and unlocking a user.

A route's steps are never changed under the serials that stand on it: each edit writes a new
``path`` row (a revision) with new step rows, and ``route_id`` ties the revisions of one route
together (every existing path is revision 1 of its own route). A job gains its GTIN and lot for
labels and the time it was closed. On PostgreSQL the station role may not write a user's lock
(migration 0005), so an administrator's unlock goes through ``certline_unlock_user``, a function
of the owner like the PIN functions.
"""
from peewee import CharField, DateTimeField, SqliteDatabase


def up(migrator, db):
    # Written out for the NOT NULL column, as 0004 does: the same statement on both databases, no rebuild.
    db.execute_sql('ALTER TABLE "path" ADD COLUMN "revision" INTEGER NOT NULL DEFAULT 1')
    migrator.migrate(
        migrator.add_column("path", "route_id", CharField(max_length=64, null=True)),
        migrator.add_column("path", "revision_of", CharField(max_length=64, null=True)),
        migrator.add_column("path", "archived_at", DateTimeField(null=True)),
        migrator.add_column("job", "gtin", CharField(max_length=14, null=True)),
        migrator.add_column("job", "lot", CharField(max_length=20, null=True)),
        migrator.add_column("job", "closed_at", DateTimeField(null=True)),
    )
    db.execute_sql('UPDATE "path" SET "route_id" = "id"')
    db.execute_sql('CREATE INDEX "path_route_id" ON "path" ("route_id")')
    if isinstance(db, SqliteDatabase):
        return
    schema = db.execute_sql("SELECT current_schema()").fetchone()[0]
    db.execute_sql(
        "CREATE FUNCTION certline_unlock_user(p_user text) RETURNS boolean LANGUAGE sql "
        f"SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$ "
        'UPDATE "user" SET failed_pins = 0, locked_until = NULL WHERE id = p_user '
        "AND (failed_pins <> 0 OR locked_until IS NOT NULL) RETURNING true $$")
    db.execute_sql("REVOKE ALL ON FUNCTION certline_unlock_user(text) FROM PUBLIC")
