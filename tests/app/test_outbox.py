"""The outbox: change events written in the change's own transaction, in the certificate webhooks' shapes."""
from __future__ import annotations

import json

import pytest
from peewee import DatabaseError

from app import attachments, certificates, db, integrity, serial_batches, serials, webhooks
from app.errors import Invalid
from app.models import WebhookDelivery, WebhookEvent
from app.outbox import ATTACH, CREATE, DELETE, UPDATE

SEED_CERTIFICATE_KEYS = {"certificate_id", "date_release", "date_expire", "name", "action_type", "resource_id",
                         "warning", "validity_unit", "validity", "note", "data"}


def events() -> list[dict]:
    """Every event in the outbox, oldest first, as its receivers get it."""
    return [json.loads(e.body) | {"_seq": e.seq} for e in WebhookEvent.select().order_by(WebhookEvent.seq)]


@pytest.fixture
def subscribed(plant):
    record, _ = webhooks.add_subscription("http://127.0.0.1:9/hook", "admin")
    return record.id


def test_no_subscription_no_events(plant):
    certificates.update_certificate("cert_mat01", {"name": "Renamed"}, "admin", "typo")
    batch = serials.create_serials("JOB-1", 3, "sup1", cert_id="cert_mat01")
    attachments.attach(batch.serial_ids[0], "cert_insp01", "op1")
    assert WebhookEvent.select().count() == 0 and WebhookDelivery.select().count() == 0


def test_each_change_is_one_event_in_the_seed_shape(subscribed):
    certificates.create_certificate({"id": "cert_new", "name": "Coating", "kind": "PROCESS",
                                     "date_release": "2026-01-01", "validity": 1, "validity_unit": "YEAR"}, "sup1")
    certificates.update_certificate("cert_new", {"name": "Coating, zinc", "kind": "INSPECTION"}, "sup1", "Typo")
    batch = serials.create_serials("JOB-1", 2, "sup1", cert_id="cert_mat01")
    attached = attachments.attach(batch.serial_ids[0], "cert_insp01", "op1")
    certificates.revoke_certificate("cert_mat01", "sup1", "Supplier recall")
    certificates.delete_certificate("cert_new", "sup1", "Entered twice")

    found = events()
    assert [e["event_type"] for e in found] == [CREATE, UPDATE, ATTACH, ATTACH, ATTACH, UPDATE, DELETE]
    created, updated, *_, revoked, deleted = found
    assert SEED_CERTIFICATE_KEYS <= set(created)
    assert (created["certificate_id"], created["action_type"], created["date_expire"]) == (
        "cert_new", "PROCESS", "2027-01-01")
    assert {"event_id", "event_time"} <= set(created) and created["event_id"].startswith("ev_")
    assert updated["entity_id"] == "cert_new" and updated["reason"] == "Typo"
    assert updated["updated_fields"] == {"name": {"old": "Coating", "new": "Coating, zinc"},
                                         "action_type": {"old": "PROCESS", "new": "INSPECTION"}}
    assert revoked["updated_fields"] == {"status": {"old": "active", "new": "revoked"}}
    assert revoked["reason"] == "Supplier recall"
    assert deleted["certificate_id"] == "cert_new" and deleted["name"] == "Coating, zinc"
    # An attachment as certline-cli --json prints it, with the step's name.
    last_attach = found[4]
    assert {k: last_attach[k] for k in ("id", "serialId", "certId", "stepId", "attachedAt", "attachedBy")} == \
        attached.attachment.to_json()
    assert last_attach["stepName"] == "Saw"
    assert {e["serialId"] for e in found[2:4]} == set(batch.serial_ids)
    # One delivery each, waiting to be sent; the event's time is its audit entry's.
    assert WebhookDelivery.select().where(WebhookDelivery.status == "pending").count() == 7
    assert integrity.verify(quick=True).ok


def test_an_attach_that_was_there_already_is_no_event(subscribed):
    serial = serials.create_serials("JOB-1", 1, "sup1").serial_ids[0]
    attachments.attach(serial, "cert_mat01", "op1")
    assert not attachments.attach(serial, "cert_mat01", "op1").created
    assert [e["event_type"] for e in events()] == [ATTACH]


def test_a_rolled_back_change_leaves_no_event(subscribed):
    serial = serials.create_serials("JOB-1", 1, "sup1").serial_ids[0]
    with pytest.raises(RuntimeError):
        with db.write_transaction():
            attachments.attach(serial, "cert_mat01", "op1")
            certificates.update_certificate("cert_insp01", {"name": "Renamed"}, "sup1", "why")
            assert len(events()) == 2  # written, inside the transaction
            raise RuntimeError("the caller's transaction fails after the change")
    # A batch cancelled after its first chunk rolls back the attachments and events it had written.
    chunks = []
    with pytest.raises(serials.Cancelled):
        serial_batches.create_batch("JOB-1", "sup1", count=3000, pattern="SN-RB-{n:05}", cert_id="cert_mat01",
                                    progress=lambda done, total: chunks.append(done),
                                    cancelled=lambda: bool(chunks))
    assert chunks and events() == [] and WebhookDelivery.select().count() == 0
    # A refused change writes none either.
    with pytest.raises(Invalid):
        certificates.revoke_certificate("cert_rev", "sup1", "twice")
    assert events() == []


def test_subscriptions_take_only_their_types_and_paused_ones_nothing(plant):
    updates, _ = webhooks.add_subscription("http://127.0.0.1:9/a", "admin", [UPDATE])
    paused, _ = webhooks.add_subscription("http://127.0.0.1:9/b", "admin")
    webhooks.set_active(paused.id, False, "admin")
    certificates.update_certificate("cert_insp01", {"warning": 5}, "sup1", "policy")
    attachments.attach(serials.create_serials("JOB-1", 1, "sup1").serial_ids[0], "cert_mat01", "op1")
    assert [e["event_type"] for e in events()] == [UPDATE]
    assert [d.subscription_id for d in WebhookDelivery.select()] == [updates.id]
    webhooks.set_active(paused.id, True, "admin")
    certificates.update_certificate("cert_insp01", {"warning": 6}, "sup1", "policy")
    assert sorted(d.subscription_id for d in WebhookDelivery.select()) == sorted([updates.id, updates.id, paused.id])
    record, cancelled = webhooks.remove_subscription(updates.id, "admin")
    assert record.state == "removed" and cancelled == 2
    certificates.update_certificate("cert_insp01", {"warning": 7}, "sup1", "policy")
    assert WebhookDelivery.select().where(WebhookDelivery.subscription == updates.id,
                                          WebhookDelivery.status == "pending").count() == 0


def test_an_event_once_written_never_changes(subscribed):
    certificates.update_certificate("cert_insp01", {"warning": 5}, "sup1", "policy")
    with pytest.raises(DatabaseError, match="append-only|permission denied"):  # the station role may not try
        with db.database.obj.atomic():
            db.execute('UPDATE "webhook_event" SET "body" = ?', ('{"forged": true}',))
    assert "forged" not in WebhookEvent.get().body


def test_only_an_administrator_manages_webhooks_and_bad_input_is_named(plant):
    with pytest.raises(Exception, match="may not manage webhooks"):
        webhooks.add_subscription("https://erp.example/hook", "sup1")
    for url, words in (("ftp://erp.example/x", "starts with http"), ("https://u:p@erp.example/", "no user or"),
                       ("", "needs the URL"), ("https://erp.example/a b", "without spaces"),
                       ("https://erp.example:99999999/", "Not a URL")):
        with pytest.raises(Invalid, match=words):
            webhooks.add_subscription(url, "admin")
    with pytest.raises(Invalid, match="Unknown event type CERT::X"):
        webhooks.add_subscription("https://erp.example/", "admin", ["CERT::X"])
    with pytest.raises(Invalid, match="16 to 200"):
        webhooks.add_subscription("https://erp.example/", "admin", secret="short")
    record, secret = webhooks.add_subscription("https://erp.example/", "admin")
    assert secret.startswith("whsec_") and len(secret) > 40 and "secret" not in record.to_json()
    assert record.event_types == [CREATE, UPDATE, DELETE, ATTACH]
