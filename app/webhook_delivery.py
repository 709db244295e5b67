"""Sending the outbox's events (app.outbox) to their subscriptions: signed, retried, in order per certificate.

Each delivery is one JSON POST of the event's body, byte for byte as written in the change's
transaction, with ``X-Certline-Event-Id``, ``-Event-Type``, ``-Event-Time`` and
``X-Certline-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the subscription's secret>``.
Any 2xx answer delivers it; anything else (another status, a redirect, no connection, no answer
within the timeout) is tried again after a delay that doubles from ``base_delay`` up to
``max_delay`` (6 h), each drawn ±20 % so that many waiting events do not all come back at once,
until ``give_up_after`` (3 days) from the change: then it is *failed*, in the log.

Order: per subscription, an event about a certificate waits while an earlier one about the same
certificate is still pending (retrying), so a receiver sees each certificate's changes in the order
they were made; other certificates go on. A subscription whose receiver cannot be reached ends its
turn at the first such failure; each subscription is worked by a thread of its own, so a receiver
that hangs or fails never holds up another subscription's deliveries.

At least once: a delivery is marked delivered only after its 2xx answer. A deliverer killed between
the two sends that event again when it runs next (receivers drop it by its event id). On PostgreSQL
several deliverers (server processes) may run at once: a delivery is claimed with ``SELECT … FOR
UPDATE SKIP LOCKED`` and its row stays locked until its answer is recorded, so no event is sent by
two of them at a time; a deliverer that dies releases its lock with its connection. On SQLite run one
deliverer per database (one server process, or one ``certline-cli webhook deliver``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from app import __version__, db
from app.db import write_transaction
from app.models import database

log = logging.getLogger("certline.webhooks")

SIGNATURE_HEADER = "X-Certline-Signature-256"
USER_AGENT = f"Certline-Webhooks/{__version__}"
MAX_ERROR = 500  # characters of a receiver's answer kept in the log
RETENTION_DAYS = 30  # finished deliveries and their events are deleted after this many days


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0  # seconds to connect, and for each read of the answer
    base_delay: float = 10.0  # seconds before the first retry; doubled each time
    max_delay: float = 6 * 3600.0
    give_up_after: float = 3 * 86400.0  # seconds from the change
    jitter: float = 0.2
    interval: float = 1.0  # how often run_delivery looks for due deliveries
    batch: int = 200  # deliveries a subscription's turn sends before the loop looks again


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=`` and the hex HMAC-SHA256 with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int, settings: Settings) -> float:
    """Seconds to wait after the ``attempts``-th failed try."""
    delay = settings.base_delay * 2 ** min(attempts - 1, 40)
    return min(settings.max_delay, delay * random.uniform(1 - settings.jitter, 1 + settings.jitter))


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status: int | None = None
    error: str | None = None
    reachable: bool = True  # False: no connection or no answer; the subscription's turn ends


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: the body is not sent on to wherever it points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=timeout) as answer:
            answer.read(65536)
            return Outcome(200 <= answer.status < 300, answer.status,
                           None if 200 <= answer.status < 300 else f"HTTP {answer.status}")
    except urllib.error.HTTPError as error:
        text = error.read(MAX_ERROR).decode("utf-8", "replace").strip()
        error.close()
        return Outcome(False, error.code, f"HTTP {error.code} {error.reason}" + (f": {text}" if text else ""))
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Outcome(False, None, f"{type(reason).__name__}: {reason}"[:MAX_ERROR], reachable=False)


# The next due delivery of a subscription whose certificate has no earlier delivery still pending.
_NEXT_SQL = (
    'SELECT d."id", d."attempts", e."id", e."type", e."at", e."body", s."url", s."secret" '
    'FROM "webhook_delivery" AS d JOIN "webhook_event" AS e ON e."seq" = d."event_seq" '
    'JOIN "webhook_subscription" AS s ON s."id" = d."subscription_id" '
    'WHERE d."subscription_id" = ? AND d."status" = ? AND d."next_attempt_at" <= ? AND s."active" = ? '
    'AND NOT EXISTS (SELECT 1 FROM "webhook_delivery" AS p WHERE p."subscription_id" = d."subscription_id" '
    'AND p."cert_id" = d."cert_id" AND p."status" = ? AND p."event_seq" < d."event_seq") '
    'ORDER BY d."event_seq" LIMIT 1')
# Asked every second: from the few subscriptions, each looked up in its own pending rows (an index), never a
# scan of the month of finished deliveries the table holds.
_DUE_SQL = ('SELECT s."id" FROM "webhook_subscription" AS s WHERE s."active" = ? AND EXISTS (SELECT 1 '
            'FROM "webhook_delivery" AS d WHERE d."subscription_id" = s."id" AND d."status" = ? '
            'AND d."next_attempt_at" <= ?) ORDER BY s."id"')
_DONE_SQL = ('UPDATE "webhook_delivery" SET "status" = ?, "attempts" = ?, "last_attempt_at" = ?, "last_status" = ?, '
             '"last_error" = ?, "delivered_at" = ?, "next_attempt_at" = ? WHERE "id" = ? AND "status" = ?')


def _send_next(sub_id: str, settings: Settings) -> Outcome | None:
    """Claim, send and record the subscription's next due delivery; None when none is due."""
    if db.is_sqlite():
        # One deliverer per SQLite database: nothing to claim, and no write lock held while waiting on a receiver.
        row = db.execute(_NEXT_SQL, (sub_id, "pending", db.now(), True, "pending")).fetchone()
        if row is None:
            return None
        outcome = _send(row, settings)
        with write_transaction():
            _record(row, outcome, settings)
        return outcome
    with database.obj.atomic():
        # The row stays locked until this transaction ends: no other deliverer sends it meanwhile.
        row = db.execute(_NEXT_SQL + ' FOR UPDATE OF d SKIP LOCKED',
                         (sub_id, "pending", db.now(), True, "pending")).fetchone()
        if row is None:
            return None
        outcome = _send(row, settings)
        _record(row, outcome, settings)
        return outcome


def _send(row: tuple, settings: Settings) -> Outcome:
    _, attempts, event_id, event_type, at, body, url, secret = row
    raw = body.encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Certline-Event-Id": event_id,
               "X-Certline-Event-Type": event_type, "X-Certline-Event-Time": _iso(at),
               "X-Certline-Delivery-Attempt": str(attempts + 1), SIGNATURE_HEADER: sign(secret, raw)}
    outcome = post(url, raw, headers, settings.timeout)
    if not outcome.delivered:
        log.warning("Webhook %s: event %s not delivered (try %d): %s", url, event_id, attempts + 1, outcome.error)
    return outcome


def _iso(value: Any) -> str:
    return db.to_datetime(value).isoformat(timespec="milliseconds") + "Z"


def _record(row: tuple, outcome: Outcome, settings: Settings) -> None:
    delivery_id, attempts, at = row[0], row[1] + 1, db.to_datetime(row[4])
    now = db.now()
    if outcome.delivered:
        status, next_at, delivered_at = "delivered", now, now
    elif (now - at).total_seconds() >= settings.give_up_after:
        status, next_at, delivered_at = "failed", now, None
    else:
        status, next_at, delivered_at = "pending", now + dt.timedelta(seconds=backoff(attempts, settings)), None
    db.execute(_DONE_SQL, (status, attempts, now, outcome.status, outcome.error, delivered_at, next_at,
                           delivery_id, "pending"))


def drain(sub_id: str, settings: Settings = Settings(), stop: threading.Event | None = None) -> tuple[int, int]:
    """Send a subscription's due deliveries, in order, until none is due, ``settings.batch`` are sent, or its
    receiver cannot be reached. Returns (delivered, failed) counts."""
    delivered = failed = 0
    while (stop is None or not stop.is_set()) and delivered + failed < settings.batch:
        outcome = _send_next(sub_id, settings)
        if outcome is None:
            break
        if outcome.delivered:
            delivered += 1
            continue
        failed += 1
        if not outcome.reachable:
            break
    return delivered, failed


def _due_subscriptions() -> list[str]:
    return [sub_id for (sub_id,) in db.execute(_DUE_SQL, (True, "pending", db.now())).fetchall()]


def _in_own_connection(function, *args):
    """Run ``function`` on this thread's own connection, closed afterwards."""
    try:
        return function(*args)
    finally:
        database.obj.close()


def deliver_once(settings: Settings = Settings()) -> tuple[int, int]:
    """One pass: every subscription with due deliveries is worked on its own thread until none is due.
    Returns (delivered, failed) counts. The database must be open (``app.db.open_database``)."""
    due = _due_subscriptions()
    if not due:
        return 0, 0
    with ThreadPoolExecutor(max_workers=min(8, len(due)), thread_name_prefix="webhook") as pool:
        results = list(pool.map(lambda sub_id: _in_own_connection(drain, sub_id, settings), due))
    return sum(r[0] for r in results), sum(r[1] for r in results)


def run_delivery(stop: threading.Event, settings: Settings = Settings()) -> None:
    """Deliver until ``stop`` is set: each subscription with due deliveries gets a thread while it has work,
    so a slow receiver delays nobody else. For ``certline-server`` and ``certline-cli webhook deliver``:
    run it on a thread of its own once the database is open; set ``stop`` and join the thread to end it."""
    workers: dict[str, threading.Thread] = {}
    last_prune = 0.0
    try:
        while not stop.is_set():
            try:
                for sub_id in _due_subscriptions():
                    if sub_id not in workers or not workers[sub_id].is_alive():
                        workers[sub_id] = threading.Thread(target=_worker, args=(sub_id, settings, stop),
                                                           name=f"webhook-{sub_id}", daemon=True)
                        workers[sub_id].start()
                now = time.monotonic()
                if now - last_prune > 3600:
                    prune()
                    last_prune = now
            except Exception:  # noqa: BLE001 - a database gone for a while: log it, try again
                log.exception("Webhook delivery: looking for due deliveries failed")
                database.obj.close()
            stop.wait(settings.interval)
    finally:
        for worker in workers.values():
            worker.join(settings.timeout + 5)
        database.obj.close()


def _worker(sub_id: str, settings: Settings, stop: threading.Event) -> None:
    try:
        _in_own_connection(drain, sub_id, settings, stop)
    except Exception:  # noqa: BLE001 - this subscription's turn ends; the loop starts another later
        log.exception("Webhook delivery for %s failed", sub_id)


def prune(days: int = RETENTION_DAYS) -> int:
    """Delete finished deliveries (and then their events) of changes older than ``days``; the number deleted."""
    cutoff = db.now() - dt.timedelta(days=days)
    with write_transaction():
        deleted = db.execute(
            'DELETE FROM "webhook_delivery" WHERE "status" <> ? AND "event_seq" IN '
            '(SELECT "seq" FROM "webhook_event" WHERE "at" < ?)', ("pending", cutoff)).rowcount
        db.execute('DELETE FROM "webhook_event" WHERE "at" < ? AND NOT EXISTS (SELECT 1 FROM "webhook_delivery" '
                   'AS d WHERE d."event_seq" = "webhook_event"."seq")', (cutoff,))
    return deleted
