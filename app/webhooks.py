"""Webhooks: other systems' subscriptions to Certline's change events, and their delivery log.

An administrator adds a subscription (``certline-cli webhook add``; an office screen may follow): a
URL, the event types it takes (``app.outbox.EVENT_TYPES``) and a secret that signs every request
(HMAC-SHA256 over the raw body, ``app.webhook_delivery.sign``). Certline makes the secret and shows
it once; it is kept in the database as it is, because signing needs the secret itself, not a hash
of it: anyone who can read ``webhook_subscription`` (the database's owner, the station roles, a
dump) can read it, and no screen, listing, log or audit entry ever shows it again. A subscription
may be paused (no new events are queued for it, those queued wait) and removed (its queued events
are cancelled; its log stays). Delivery itself is ``app.webhook_delivery``; ``deliver_once`` and
``run_delivery`` are found here too.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import urlsplit

from app import audit, db
from app.clock import iso_utc
from app.db import write_transaction
from app.errors import Invalid, NotFound
from app.ids import check_id, new_id
from app.models import WebhookSubscription
from app.outbox import EVENT_TYPES
from app.users import require_user
from app.webhook_delivery import (  # noqa: F401 - found here too
    SIGNATURE_HEADER,
    Settings,
    deliver_once,
    prune,
    run_delivery,
    sign,
)

ADMINS = ("admin",)
MAX_URL = 2000
MIN_SECRET = 16
STATUSES = ("pending", "delivered", "failed", "cancelled")


@dataclass(frozen=True)
class SubscriptionRecord:
    id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: dt.datetime
    created_by: str
    removed_at: dt.datetime | None

    @classmethod
    def of(cls, row: WebhookSubscription) -> "SubscriptionRecord":
        return cls(row.id, row.url, list(row.event_types), bool(row.active), db.to_datetime(row.created_at),
                   row.created_by, db.to_datetime(row.removed_at) if row.removed_at else None)

    @property
    def state(self) -> str:
        return "removed" if self.removed_at else "active" if self.active else "paused"

    def to_json(self) -> dict[str, Any]:
        """Never the secret."""
        return {"id": self.id, "url": self.url, "eventTypes": self.event_types, "state": self.state,
                "createdAt": iso_utc(self.created_at), "createdBy": self.created_by,
                "removedAt": iso_utc(self.removed_at) if self.removed_at else None}


def check_url(url: Any) -> str:
    """An http(s) URL with a host, on one line, without a password in it. Raises Invalid naming it."""
    if not isinstance(url, str) or not url.strip():
        raise Invalid("A webhook needs the URL to send events to", "url")
    url = url.strip()
    if len(url) > MAX_URL or not url.isprintable() or " " in url:
        raise Invalid(f"A webhook's URL is at most {MAX_URL} printable characters without spaces", "url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise Invalid(f"Not a URL: {url}", "url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"A webhook's URL starts with http:// or https:// and names a host: {url}", "url")
    if parts.username or parts.password:
        raise Invalid("Put no user or password in a webhook's URL: the signature proves who sent the event",
                      "url")
    return url


def check_event_types(event_types: Sequence[str] | None) -> list[str]:
    """The event types asked for, in the outbox's order; all of them when none are named."""
    if not event_types:
        return list(EVENT_TYPES)
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise Invalid(f"Unknown event type {', '.join(unknown)}; the types are {', '.join(EVENT_TYPES)}",
                      "event_types")
    return [name for name in EVENT_TYPES if name in event_types]


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def add_subscription(url: str, by: str, event_types: Sequence[str] | None = None,
                     secret: str | None = None) -> tuple[SubscriptionRecord, str]:
    """A new subscription, added by the administrator ``by``: its record and its secret (given, or made here).

    Events of changes committed from now on are queued for it. Raises Invalid, NotFound, Forbidden.
    """
    url, types = check_url(url), check_event_types(event_types)
    if secret is None:
        secret = new_secret()
    elif not isinstance(secret, str) or len(secret) < MIN_SECRET or len(secret) > 200 or not secret.isprintable():
        raise Invalid(f"A webhook's secret is {MIN_SECRET} to 200 printable characters", "secret")
    with write_transaction():
        require_user(by, ADMINS, "manage webhooks")
        sub_id, now = new_id("wh_"), db.now()
        WebhookSubscription.insert(id=sub_id, url=url, event_types=types, secret=secret, active=True,
                                   created_at=now, created_by=by).execute()
        audit.record("webhook_added", by, details={"subscriptionId": sub_id, "url": url, "eventTypes": types})
        record = _get(sub_id)
    return record, secret


def _get(sub_id: str) -> SubscriptionRecord:
    check_id(sub_id, "Webhook id")
    row = db.get_or_none(WebhookSubscription, sub_id)
    if row is None:
        raise NotFound(f"Webhook not found: {sub_id}")
    return SubscriptionRecord.of(row)


def get_subscription(sub_id: str) -> SubscriptionRecord:
    return _get(sub_id)


def list_subscriptions(include_removed: bool = False) -> list[SubscriptionRecord]:
    query = WebhookSubscription.select().order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    if not include_removed:
        query = query.where(WebhookSubscription.removed_at.is_null())
    return [SubscriptionRecord.of(row) for row in query]


def set_active(sub_id: str, active: bool, by: str) -> SubscriptionRecord:
    """Pause (nothing new is queued, queued events wait) or resume a subscription."""
    with write_transaction():
        require_user(by, ADMINS, "manage webhooks")
        record = _get(sub_id)
        if record.removed_at:
            raise Invalid(f"Webhook {sub_id} was removed; add it again instead")
        if record.active == active:
            return record
        WebhookSubscription.update(active=active).where(WebhookSubscription.id == sub_id).execute()
        audit.record("webhook_resumed" if active else "webhook_paused", by,
                     details={"subscriptionId": sub_id, "url": record.url})
        return _get(sub_id)


def remove_subscription(sub_id: str, by: str) -> tuple[SubscriptionRecord, int]:
    """No more events for it; those still queued are cancelled (the number is returned). Its log stays."""
    with write_transaction():
        require_user(by, ADMINS, "manage webhooks")
        record = _get(sub_id)
        if record.removed_at:
            raise Invalid(f"Webhook {sub_id} was removed already")
        WebhookSubscription.update(active=False, removed_at=db.now(), removed_by=by).where(
            WebhookSubscription.id == sub_id).execute()
        cancelled = db.execute('UPDATE "webhook_delivery" SET "status" = ? WHERE "subscription_id" = ? '
                               'AND "status" = ?', ("cancelled", sub_id, "pending")).rowcount
        audit.record("webhook_removed", by, details={"subscriptionId": sub_id, "url": record.url,
                                                     "cancelled": cancelled})
        return _get(sub_id), cancelled


@dataclass(frozen=True)
class LogLine:
    """One event for one subscription, as the delivery log shows it."""

    id: str
    subscription_id: str
    event_id: str
    event_type: str
    cert_id: str
    event_at: dt.datetime
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None  # None once delivered, given up or cancelled
    last_attempt_at: dt.datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        stamp = lambda value: iso_utc(value) if value else None  # noqa: E731
        return {"id": self.id, "subscriptionId": self.subscription_id, "eventId": self.event_id,
                "eventType": self.event_type, "certId": self.cert_id, "eventTime": stamp(self.event_at),
                "status": self.status, "attempts": self.attempts, "nextAttemptAt": stamp(self.next_attempt_at),
                "lastAttemptAt": stamp(self.last_attempt_at), "lastStatus": self.last_status,
                "lastError": self.last_error, "deliveredAt": stamp(self.delivered_at)}


_LOG_SQL = ('SELECT d."id", d."subscription_id", e."id", e."type", d."cert_id", e."at", d."status", d."attempts", '
            'd."next_attempt_at", d."last_attempt_at", d."last_status", d."last_error", d."delivered_at" '
            'FROM "webhook_delivery" AS d JOIN "webhook_event" AS e ON e."seq" = d."event_seq"')


def delivery_log(sub_id: str | None = None, status: str | None = None, cert_id: str | None = None,
                 limit: int = 50) -> list[LogLine]:
    """The newest deliveries first, of one subscription, status or certificate if asked."""
    if status is not None and status not in STATUSES:
        raise Invalid(f"Status is one of {', '.join(STATUSES)}: {status}", "status")
    if not isinstance(limit, int) or not 1 <= limit <= 100_000:
        raise Invalid("The log's limit is 1 to 100000 lines", "limit")
    if sub_id is not None:
        _get(sub_id)
    where, params = [], []
    for column, value in (('d."subscription_id"', sub_id), ('d."status"', status), ('d."cert_id"', cert_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = _LOG_SQL + (" WHERE " + " AND ".join(where) if where else "") + ' ORDER BY d."event_seq" DESC, d."id" LIMIT ?'
    lines = []
    for row in db.execute(sql, (*params, limit)).fetchall():
        times = [db.to_datetime(value) if value else None for value in (row[5], row[8], row[9], row[12])]
        lines.append(LogLine(row[0], row[1], row[2], row[3], row[4], times[0], row[6], row[7],
                             times[1] if row[6] == "pending" else None, times[2], row[10], row[11], times[3]))
    return lines


def event_body(event_id: str) -> str:
    """The JSON an event was (or will be) sent as."""
    row = db.execute('SELECT "body" FROM "webhook_event" WHERE "id" = ?', (event_id,)).fetchone()
    if row is None:
        raise NotFound(f"Event not found: {event_id}")
    return row[0]
