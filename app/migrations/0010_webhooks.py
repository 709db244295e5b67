"""Change events for other systems: webhook subscriptions, the outbox of events and the delivery log.

An event is written in the transaction of the change it tells of (app.outbox), one delivery row per
subscription that wants it; the deliverer (app.webhooks) works through the delivery rows. An event's
body is what its receivers get signed, so once written it never changes: UPDATE is refused by the
database (delivered events may be deleted after a while, to keep the table small).
"""
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)


def sqlite_trigger_sql() -> str:
    return ("CREATE TRIGGER webhook_event_no_update BEFORE UPDATE ON webhook_event "
            "BEGIN SELECT RAISE(ABORT, 'webhook_event is append-only: UPDATE refused'); END")


def up(migrator, db):
    class Subscription(Model):
        id = CharField(max_length=64, primary_key=True)
        url = CharField(max_length=2000)
        event_types = TextField()  # a JSON list
        secret = CharField(max_length=200)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        created_by = CharField(max_length=64)
        removed_at = DateTimeField(null=True)
        removed_by = CharField(max_length=64, null=True)

        class Meta:
            database = db
            table_name = "webhook_subscription"

    class Event(Model):
        # The seq of the audit entry the event tells of: unique, and in commit order (app.outbox).
        seq = BigIntegerField(primary_key=True)
        id = CharField(max_length=64, unique=True)
        type = CharField(max_length=40)
        cert_id = CharField(max_length=64)
        at = DateTimeField()
        body = TextField()  # the JSON sent, byte for byte

        class Meta:
            database = db
            table_name = "webhook_event"

    class Delivery(Model):
        # Not an auto-increment key: a station role may insert without a sequence grant.
        id = CharField(max_length=64, primary_key=True)
        event = ForeignKeyField(Event, column_name="event_seq", on_delete="RESTRICT")
        subscription = ForeignKeyField(Subscription, on_delete="RESTRICT")
        cert_id = CharField(max_length=64)
        status = CharField(max_length=16)  # pending, delivered, failed (given up), cancelled
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        last_attempt_at = DateTimeField(null=True)
        last_status = IntegerField(null=True)
        last_error = TextField(null=True)
        delivered_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "webhook_delivery"
            indexes = (
                (("subscription", "status", "event"), False),  # the next due, in order
                (("subscription", "cert_id", "status", "event"), False),  # an earlier one still pending?
            )

    db.create_tables([Subscription, Event, Delivery])
    if isinstance(db, SqliteDatabase):
        db.execute_sql(sqlite_trigger_sql())
        return
    # certline_append_only (migration 0002) raises naming the table and the operation.
    db.execute_sql("CREATE TRIGGER webhook_event_no_update BEFORE UPDATE ON webhook_event "
                   "FOR EACH ROW EXECUTE FUNCTION certline_append_only()")


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "webhook_delivery"')
    db.execute_sql('DROP TABLE IF EXISTS "webhook_event"')
    db.execute_sql('DROP TABLE IF EXISTS "webhook_subscription"')
