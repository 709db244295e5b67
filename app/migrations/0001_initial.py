"""The first schema: every entity of the plant (README, "How it works")."""

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        id = CharField(max_length=64, primary_key=True)
        name = CharField(max_length=200)
        role = CharField(max_length=16)
        badge = CharField(max_length=64, unique=True)
        pin_hash = CharField(max_length=200, null=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()

    class Path(Base):
        id = CharField(max_length=64, primary_key=True)
        name = CharField(max_length=200)

    class Step(Base):
        id = CharField(max_length=64, primary_key=True)
        path = ForeignKeyField(Path, on_delete="RESTRICT")
        position = IntegerField()
        name = CharField(max_length=200)
        requires = TextField(default="[]")

        class Meta:
            indexes = ((("path", "position"), True),)

    class Job(Base):
        id = CharField(max_length=64, primary_key=True)
        name = CharField(max_length=200)
        part = CharField(max_length=200)
        path = ForeignKeyField(Path, on_delete="RESTRICT")
        quantity = IntegerField()
        created_at = DateTimeField()

    class SerialNumber(Base):
        id = CharField(max_length=64, primary_key=True)
        job = ForeignKeyField(Job, on_delete="RESTRICT")
        path = ForeignKeyField(Path, on_delete="RESTRICT")
        current_step_index = IntegerField(default=0)
        status = CharField(max_length=16, default="in_progress")
        created_at = DateTimeField()

        class Meta:
            table_name = "serial"

    class SerialCounter(Base):
        prefix = CharField(max_length=32, primary_key=True)
        last = BigIntegerField()

    class Certificate(Base):
        id = CharField(max_length=64, primary_key=True)
        name = CharField(max_length=200)
        kind = CharField(max_length=16)
        number = CharField(max_length=64, null=True, index=True)
        en10204_type = CharField(max_length=4, null=True)
        heat_lot = CharField(max_length=64, null=True)
        resource_type = CharField(max_length=16, default="other")
        resource_id = CharField(max_length=64, null=True)
        date_release = DateField(null=True)
        date_expire = DateField(null=True)
        validity = IntegerField(null=True)
        validity_unit = CharField(max_length=8, null=True)
        warning = IntegerField(default=0)
        note = TextField(null=True)
        data = TextField(default="{}")
        status = CharField(max_length=16, default="active")
        review_status = CharField(max_length=16, default="pending")
        created_at = DateTimeField()
        updated_at = DateTimeField()

    class CertificateDocument(Base):
        id = CharField(max_length=64, primary_key=True)
        certificate = ForeignKeyField(Certificate, on_delete="RESTRICT")
        file_name = CharField(max_length=255)
        size = BigIntegerField()
        content_type = CharField(max_length=120)
        sha256 = CharField(max_length=64, index=True)
        storage_path = CharField(max_length=512)
        uploaded_by = ForeignKeyField(User, on_delete="RESTRICT")
        uploaded_at = DateTimeField()

    class CertAttachment(Base):
        id = CharField(max_length=64, primary_key=True)
        serial = ForeignKeyField(SerialNumber, on_delete="RESTRICT")
        certificate = ForeignKeyField(Certificate, column_name="cert_id", on_delete="RESTRICT")
        step = ForeignKeyField(Step, on_delete="RESTRICT")
        attached_at = DateTimeField()
        attached_by = ForeignKeyField(User, column_name="attached_by", on_delete="RESTRICT")

        class Meta:
            table_name = "cert_attachment"
            indexes = (
                (("serial", "certificate", "step"), True),
                (("certificate", "attached_at", "serial", "step"), False),
            )

    class AuditEntry(Base):
        seq = BigIntegerField(primary_key=True)
        id = CharField(max_length=64, unique=True)
        type = CharField(max_length=32)
        at = DateTimeField()
        user_id = CharField(max_length=64, null=True, index=True)
        serial_id = CharField(max_length=64, null=True, index=True)
        cert_id = CharField(max_length=64, null=True, index=True)
        job_id = CharField(max_length=64, null=True)
        path_id = CharField(max_length=64, null=True)
        step_id = CharField(max_length=64, null=True)
        record_id = CharField(max_length=64, null=True, index=True)
        workstation = CharField(max_length=120, null=True)
        reason = TextField(null=True)
        details = TextField(default="{}")
        prev_hash = CharField(max_length=64)
        hash = CharField(max_length=64)

        class Meta:
            table_name = "audit_entry"

    db.create_tables(
        [User, Path, Step, Job, SerialNumber, SerialCounter, Certificate,
         CertificateDocument, CertAttachment, AuditEntry]
    )
