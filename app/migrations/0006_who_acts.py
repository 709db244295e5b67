"""Who acts, proven: API tokens for scripts, and per audit entry the operating-system account,
how the user was authenticated and by which token.

The three audit columns are nullable and sealed into an entry's hash only when set
(app.audit.entry_hash), so every entry written before this migration keeps its hash.
"""
from peewee import CharField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class User(Model):
        id = CharField(max_length=64, primary_key=True)

        class Meta:
            database = db
            table_name = "user"

    class ApiToken(Model):
        id = CharField(max_length=64, primary_key=True)
        user = ForeignKeyField(User, on_delete="RESTRICT")
        name = CharField(max_length=100)
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        created_by = CharField(max_length=64)
        expires_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        revoked_by = CharField(max_length=64, null=True)

        class Meta:
            database = db
            table_name = "api_token"

    db.create_tables([ApiToken])
    # Nullable columns: SQLite adds them with ALTER TABLE, without rebuilding the append-only table.
    migrator.migrate(
        migrator.add_column("audit_entry", "os_account", CharField(max_length=200, null=True)),
        migrator.add_column("audit_entry", "auth", CharField(max_length=32, null=True)),
        migrator.add_column("audit_entry", "token_id", CharField(max_length=64, null=True)),
    )
