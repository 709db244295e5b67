"""One Peewee model per entity of the plant (README, "How it works"), bound at start-up through ``database``.

The tables themselves are created by the numbered migrations in ``app/migrations``;
these models describe the current schema for the code that reads and writes it.
"""
import json

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from app.clock import now_utc

database = DatabaseProxy()

ROLES = ("operator", "supervisor", "admin")
CERT_KINDS = ("MATERIAL", "PROCESS", "CALIBRATION", "TRAINING", "CONFORMANCE", "INSPECTION", "OTHER")
EN10204_TYPES = ("2.1", "2.2", "3.1", "3.2")
RESOURCE_TYPES = ("material_lot", "person", "equipment", "other")
VALIDITY_UNITS = ("DAY", "MONTH", "YEAR")
CERT_STATUSES = ("active", "revoked")
REVIEW_STATUSES = ("pending", "uploaded", "approved")
SERIAL_STATUSES = ("in_progress", "completed", "scrapped")


class JSONField(TextField):
    """JSON kept as text, so SQLite and PostgreSQL store it the same way."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


def _id_field(**kwargs) -> CharField:
    return CharField(max_length=64, **kwargs)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class User(BaseModel):
    id = _id_field(primary_key=True)
    name = CharField(max_length=200)
    role = CharField(max_length=16)
    badge = _id_field(unique=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=now_utc)
    # Wrong PINs in a row, and until when no PIN of this user is checked (app.users.check_pin).
    # On PostgreSQL only the owner's PIN functions may write them (app.pins).
    failed_pins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)


class UserPin(BaseModel):
    """A user's PIN as ``scheme$salt$digest`` (app.pins); on PostgreSQL out of the station role's reach."""

    user_id = CharField(max_length=64, primary_key=True)
    pin_hash = CharField(max_length=200)

    class Meta:
        table_name = "user_pin"


class Path(BaseModel):
    """One revision of a route: its steps never change once written (app.routes).

    ``route_id`` names the route every revision shares (the first revision's id); ``revision``
    counts from 1; ``revision_of`` is the revision this one replaced. Since schema 0008.
    """

    id = _id_field(primary_key=True)
    name = CharField(max_length=200)
    route_id = CharField(max_length=64, null=True, index=True)
    revision = IntegerField(default=1)
    revision_of = CharField(max_length=64, null=True)
    archived_at = DateTimeField(null=True)


class Step(BaseModel):
    id = _id_field(primary_key=True)
    path = ForeignKeyField(Path, backref="steps", on_delete="RESTRICT")
    position = IntegerField()
    name = CharField(max_length=200)
    requires = JSONField(default=list)

    class Meta:
        indexes = ((("path", "position"), True),)


class Job(BaseModel):
    id = _id_field(primary_key=True)
    name = CharField(max_length=200)
    part = CharField(max_length=200)
    path = ForeignKeyField(Path, on_delete="RESTRICT")
    quantity = IntegerField()
    created_at = DateTimeField(default=now_utc)
    # Since schema 0008: what a label carries besides the serial (GS1 AI 01 and 10), and when the
    # job was closed to new serials.
    gtin = CharField(max_length=14, null=True)
    lot = CharField(max_length=20, null=True)
    closed_at = DateTimeField(null=True)


class SerialNumber(BaseModel):
    id = _id_field(primary_key=True)
    job = ForeignKeyField(Job, backref="serials", on_delete="RESTRICT")
    path = ForeignKeyField(Path, on_delete="RESTRICT")
    current_step_index = IntegerField(default=0)
    status = CharField(max_length=16, default="in_progress")
    created_at = DateTimeField(default=now_utc)

    class Meta:
        table_name = "serial"


class SerialCounter(BaseModel):
    """The last number handed out per serial prefix, so a batch never scans a million ids."""

    prefix = CharField(max_length=32, primary_key=True)
    last = BigIntegerField()


class Certificate(BaseModel):
    id = _id_field(primary_key=True)
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
    data = JSONField(default=dict)
    status = CharField(max_length=16, default="active")
    review_status = CharField(max_length=16, default="pending")
    approved_by = CharField(max_length=64, null=True)
    approved_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now_utc)
    updated_at = DateTimeField(default=now_utc)


class Policy(BaseModel):
    """A plant-wide rule every workstation obeys alike (JSON value), e.g. ``require_approved``."""

    key = CharField(max_length=64, primary_key=True)
    value = JSONField()


class CertificateDocument(BaseModel):
    id = _id_field(primary_key=True)
    certificate = ForeignKeyField(Certificate, backref="documents", on_delete="RESTRICT")
    file_name = CharField(max_length=255)
    size = BigIntegerField()
    content_type = CharField(max_length=120)
    sha256 = CharField(max_length=64, index=True)
    storage_path = CharField(max_length=512)
    uploaded_by = ForeignKeyField(User, on_delete="RESTRICT")
    uploaded_at = DateTimeField(default=now_utc)


class CertAttachment(BaseModel):
    id = _id_field(primary_key=True)
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


class AuditEntry(BaseModel):
    """Append-only and hash-chained: ``seq`` orders the chain, ``hash`` seals each entry."""

    seq = BigIntegerField(primary_key=True)
    id = _id_field(unique=True)
    type = CharField(max_length=32)
    at = DateTimeField()
    user_id = CharField(max_length=64, null=True, index=True)
    serial_id = CharField(max_length=64, null=True, index=True)
    cert_id = CharField(max_length=64, null=True, index=True)
    job_id = CharField(max_length=64, null=True)
    path_id = CharField(max_length=64, null=True)
    step_id = CharField(max_length=64, null=True)
    # The attachment or document the entry created, so verify can match records to entries.
    record_id = CharField(max_length=64, null=True, index=True)
    workstation = CharField(max_length=120, null=True)
    reason = TextField(null=True)
    details = JSONField(default=dict)
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)
    # Since schema 0006 (null before): the process's OS account and host, how the user was
    # authenticated, and the API token used, if any. Sealed only when set (app.audit).
    os_account = CharField(max_length=200, null=True)
    auth = CharField(max_length=32, null=True)
    token_id = CharField(max_length=64, null=True)
    # Since schema 0012: for an attach a station queued while offline, when it was scanned (ISO 8601 UTC
    # text) and at which station; ``at`` stays the commit time. Sealed only when set (app.audit).
    scanned_at = CharField(max_length=40, null=True)
    station = CharField(max_length=120, null=True)

    class Meta:
        table_name = "audit_entry"


ALL_MODELS = (
    User,
    UserPin,
    Path,
    Step,
    Job,
    SerialNumber,
    SerialCounter,
    Certificate,
    Policy,
    CertificateDocument,
    CertAttachment,
    AuditEntry,
)


class ApiToken(BaseModel):
    """A script's credential (app.tokens): only the sha256 of the secret is kept."""

    id = _id_field(primary_key=True)
    user = ForeignKeyField(User, on_delete="RESTRICT")
    name = CharField(max_length=100)
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField()
    created_by = CharField(max_length=64)
    expires_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    revoked_by = CharField(max_length=64, null=True)
    # Since schema 0011: what the token may do through certline-server, comma-separated (app.tokens.SCOPES).
    scopes = CharField(max_length=200, default="read")

    class Meta:
        table_name = "api_token"


ALL_MODELS += (ApiToken,)


class WebhookSubscription(BaseModel):
    """Another system's URL, the change events it takes and the secret that signs them (app.webhooks)."""

    id = _id_field(primary_key=True)
    url = CharField(max_length=2000)
    event_types = JSONField()
    secret = CharField(max_length=200)
    active = BooleanField(default=True)
    created_at = DateTimeField()
    created_by = CharField(max_length=64)
    removed_at = DateTimeField(null=True)
    removed_by = CharField(max_length=64, null=True)

    class Meta:
        table_name = "webhook_subscription"


class WebhookEvent(BaseModel):
    """A change event in the outbox (app.outbox): ``seq`` is its audit entry's, ``body`` the JSON sent."""

    seq = BigIntegerField(primary_key=True)
    id = _id_field(unique=True)
    type = CharField(max_length=40)
    cert_id = CharField(max_length=64)
    at = DateTimeField()
    body = TextField()

    class Meta:
        table_name = "webhook_event"


class WebhookDelivery(BaseModel):
    """One event for one subscription: its state, tries and last error (the delivery log)."""

    id = _id_field(primary_key=True)
    event = ForeignKeyField(WebhookEvent, column_name="event_seq", on_delete="RESTRICT")
    subscription = ForeignKeyField(WebhookSubscription, on_delete="RESTRICT")
    cert_id = CharField(max_length=64)
    status = CharField(max_length=16)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField()
    last_attempt_at = DateTimeField(null=True)
    last_status = IntegerField(null=True)
    last_error = TextField(null=True)
    delivered_at = DateTimeField(null=True)

    class Meta:
        table_name = "webhook_delivery"


ALL_MODELS += (WebhookSubscription, WebhookEvent, WebhookDelivery)


class QueuedAttach(BaseModel):
    """An attach a station queued offline and sent later, and what became of it (app.queued_attach)."""

    queue_id = _id_field(primary_key=True)
    serial_id = _id_field(index=True)
    cert_id = _id_field()
    step_seen = _id_field()
    step_now = _id_field(null=True)
    user_id = _id_field()
    scanned_at = CharField(max_length=40)
    station = CharField(max_length=120)
    received_at = DateTimeField()
    outcome = CharField(max_length=24)
    problem = TextField(null=True)
    attachment_id = _id_field(null=True)
    resolution = CharField(max_length=16, null=True)
    resolved_by = _id_field(null=True)
    resolved_at = DateTimeField(null=True)
    resolution_reason = TextField(null=True)

    class Meta:
        table_name = "queued_attach"


ALL_MODELS += (QueuedAttach,)
