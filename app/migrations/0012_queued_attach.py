"""A station's offline work: attaches queued while the database was away, and where each one went.

``queued_attach`` holds one row per queue id a station sent: what the operator saw (the step, the scan
time, the station), what the core did with it (attached, or held for a supervisor because the serial
had moved on or the attach was refused) and, for a held one, how a supervisor resolved it. The queue id
is the key, so sending the same item twice finds its row and writes nothing new (app.queued_attach).

Two nullable audit columns say where and when an attach was scanned when that differs from its commit:
``scanned_at`` (ISO 8601 UTC text, as the station's clock said) and ``station`` (its name). Sealed into an
entry's hash only when set (app.audit.OPTIONAL_HASHED), so every earlier entry keeps its hash.
"""
from peewee import CharField, DateTimeField, Model, TextField


def up(migrator, db):
    class QueuedAttach(Model):
        queue_id = CharField(max_length=64, primary_key=True)
        serial_id = CharField(max_length=64, index=True)
        cert_id = CharField(max_length=64)
        step_seen = CharField(max_length=64)
        step_now = CharField(max_length=64, null=True)  # null: the serial was completed meanwhile
        user_id = CharField(max_length=64)
        scanned_at = CharField(max_length=40)
        station = CharField(max_length=120)
        received_at = DateTimeField()
        outcome = CharField(max_length=24)  # attached, already, held
        problem = TextField(null=True)  # why it was held, in the operator's and the supervisor's words
        attachment_id = CharField(max_length=64, null=True)
        resolution = CharField(max_length=16, null=True)  # attached, dismissed
        resolved_by = CharField(max_length=64, null=True)
        resolved_at = DateTimeField(null=True)
        resolution_reason = TextField(null=True)

        class Meta:
            database = db
            table_name = "queued_attach"

    db.create_tables([QueuedAttach])
    migrator.migrate(
        migrator.add_column("audit_entry", "scanned_at", CharField(max_length=40, null=True)),
        migrator.add_column("audit_entry", "station", CharField(max_length=120, null=True)),
    )
