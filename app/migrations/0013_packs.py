"""Conformance packs made: one row per pack, for the office's "is this the pack we sent?".

Each row names the file's sha256 (what ``sha256sum`` of the PDF a customer holds gives), the contents
hash printed in the pack (the same for two packs of the same evidence signed at different times), who
made it and when, for whom (customer, order reference) and what it covers. The audit entry
``pack_made`` written in the same transaction says the same; the row is what a list reads quickly.
A pack once made stays made: UPDATE and DELETE are refused by the database, as for the audit trail.
"""
from peewee import BigIntegerField, CharField, DateTimeField, IntegerField, Model, SqliteDatabase, TextField


def up(migrator, db):
    class Pack(Model):
        id = CharField(max_length=64, primary_key=True)
        file_sha256 = CharField(max_length=64, index=True)
        contents_hash = CharField(max_length=64, index=True)
        made_at = DateTimeField(index=True)
        made_by = CharField(max_length=64)
        serial_count = IntegerField()
        certificate_count = IntegerField()
        document_count = IntegerField()
        page_count = IntegerField()
        gap_count = IntegerField()
        plant = CharField(max_length=200)
        customer = CharField(max_length=200)
        order_ref = CharField(max_length=200)
        selection = CharField(max_length=200)
        file_name = CharField(max_length=255)
        chain_seq = BigIntegerField()  # the audit entry the pack cites
        audit_seq = BigIntegerField()  # its own pack_made entry
        reason = TextField(null=True)

        class Meta:
            database = db
            table_name = "pack"

    db.create_tables([Pack])
    if isinstance(db, SqliteDatabase):
        for operation in ("UPDATE", "DELETE"):
            db.execute_sql(f"CREATE TRIGGER pack_no_{operation.lower()} BEFORE {operation} ON pack "
                           f"BEGIN SELECT RAISE(ABORT, 'pack is append-only: {operation} refused'); END")
        return
    # certline_append_only (migration 0002) raises naming the table and the operation.
    db.execute_sql("CREATE TRIGGER pack_append_only BEFORE UPDATE OR DELETE ON pack "
                   "FOR EACH ROW EXECUTE FUNCTION certline_append_only()")


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "pack"')
