"""The outbox: a change other systems care about becomes a change event in the change's own transaction.

``emit`` is called by ``app.audit.append`` with the entries it has just sealed, inside the writer's
transaction: a certificate created, updated (old and new value per field), revoked, deleted, or
attached to a serial. Each such entry becomes one ``webhook_event`` row and one ``webhook_delivery``
row per active subscription that takes its type — so an event exists exactly when its change was
committed (a rolled-back change takes its events with it), and none is lost between the change and
its sending. When no subscription wants an entry nothing is written: the audit trail is the record,
the outbox only what is still to be sent. The deliverer is ``app.webhooks``.

Bodies follow the certificate resource's webhooks (``CERTIFICATE::CREATE`` / ``UPDATE`` /
``DELETE``: the certificate, or ``entity_id`` and ``updated_fields`` with ``old`` and ``new``), an
attachment its record as ``certline-cli --json`` prints it, each with ``event_id``, ``event_type`` and
``event_time`` added. The text is written once, here, and sent byte for byte: that is what is signed.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from app import db
from app.clock import iso_utc
from app.ids import new_id

CREATE, UPDATE, DELETE, ATTACH = ("CERTIFICATE::CREATE", "CERTIFICATE::UPDATE", "CERTIFICATE::DELETE",
                                  "CERTIFICATE::ATTACH")
EVENT_TYPES = (CREATE, UPDATE, DELETE, ATTACH)
# Which audit entries are events. A revocation is an update of the certificate's status.
_BY_AUDIT_TYPE = {"cert_created": CREATE, "cert_updated": UPDATE, "cert_revoked": UPDATE,
                  "cert_deleted": DELETE, "cert_attached": ATTACH}
# The certificate resource's names where Certline's differ; every other field keeps its own name.
_RESOURCE_NAMES = {"id": "certificate_id", "kind": "action_type"}
_CERTIFICATE_FIELDS = ("id", "name", "kind", "number", "en10204_type", "heat_lot", "resource_type", "resource_id",
                       "date_release", "date_expire", "validity", "validity_unit", "warning", "note", "data",
                       "status", "review_status")

_SUBSCRIBERS_SQL = 'SELECT "id", "event_types" FROM "webhook_subscription" WHERE "active" = ?'
_INSERT_EVENT_SQL = ('INSERT INTO "webhook_event" ("seq", "id", "type", "cert_id", "at", "body") '
                     "VALUES (?, ?, ?, ?, ?, ?)")
_INSERT_DELIVERY_SQL = ('INSERT INTO "webhook_delivery" ("id", "event_seq", "subscription_id", "cert_id", "status", '
                        '"attempts", "next_attempt_at") VALUES (?, ?, ?, ?, ?, ?, ?)')


def certificate_body(record: dict[str, Any]) -> dict[str, Any]:
    """A certificate's JSON record (``CertificateRecord.to_json``) in the certificate resource's shape."""
    return {_RESOURCE_NAMES.get(name, name): record.get(name) for name in _CERTIFICATE_FIELDS}


def _body(entry: dict[str, Any]) -> dict[str, Any]:
    kind, details = entry["type"], entry.get("details") or {}
    if kind == "cert_created":
        return certificate_body(details)
    if kind == "cert_updated":
        changed = details.get("updated_fields") or {}
        return {"entity_id": entry["cert_id"], "reason": entry.get("reason"),
                "updated_fields": {_RESOURCE_NAMES.get(name, name): change for name, change in changed.items()}}
    if kind == "cert_revoked":
        return {"entity_id": entry["cert_id"], "reason": entry.get("reason"),
                "updated_fields": {"status": {"old": "active", "new": "revoked"}}}
    if kind == "cert_deleted":
        deleted = details.get("certificate") or {"id": entry["cert_id"]}
        return certificate_body(deleted) | {"reason": entry.get("reason")}
    return {"id": entry.get("record_id"), "serialId": entry.get("serial_id"), "certId": entry["cert_id"],
            "stepId": entry.get("step_id"), "stepName": details.get("stepName"),
            "attachedAt": iso_utc(entry["at"]), "attachedBy": entry.get("user_id")}


def event_json(event_id: str, event_type: str, at: Any, body: dict[str, Any]) -> str:
    """The text a receiver gets: the body with the event's id, type and time."""
    envelope = {"event_id": event_id, "event_type": event_type, "event_time": iso_utc(at)} | body
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def emit(entries: Iterable[dict[str, Any]]) -> int:
    """Queue the events of sealed audit ``entries`` for the subscriptions that want them; the number queued.

    Call inside the transaction that wrote the entries (``app.audit.append`` does).
    """
    wanted = [entry for entry in entries if entry["type"] in _BY_AUDIT_TYPE and entry.get("cert_id")]
    if not wanted:
        return 0
    subscribers = [(sub_id, set(json.loads(types))) for sub_id, types in db.execute(_SUBSCRIBERS_SQL, (True,))]
    if not subscribers:
        return 0
    events, deliveries = [], []
    for entry in wanted:
        event_type = _BY_AUDIT_TYPE[entry["type"]]
        takers = [sub_id for sub_id, types in subscribers if event_type in types]
        if not takers:
            continue
        event_id = new_id("ev_")
        events.append((entry["seq"], event_id, event_type, entry["cert_id"], entry["at"],
                       event_json(event_id, event_type, entry["at"], _body(entry))))
        deliveries += [(new_id("wd_"), entry["seq"], sub_id, entry["cert_id"], "pending", 0, entry["at"])
                       for sub_id in takers]
    db.executemany(_INSERT_EVENT_SQL, events)
    db.executemany(_INSERT_DELIVERY_SQL, deliveries)
    return len(events)
