"""Wrong PINs in a row and the lock they lead to, per user, shared by every station."""
from peewee import DateTimeField


def up(migrator, db):
    # Written out rather than through add_column: on SQLite a NOT NULL column added by the
    # migrator rebuilds the whole table, and this statement means the same on both databases.
    db.execute_sql('ALTER TABLE "user" ADD COLUMN "failed_pins" INTEGER NOT NULL DEFAULT 0')
    migrator.migrate(migrator.add_column("user", "locked_until", DateTimeField(null=True)))
