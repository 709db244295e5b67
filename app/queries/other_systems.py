"""The Other systems view's questions: API tokens with their holders' names and states, webhook
subscriptions with how many of their deliveries are failing, and one subscription's delivery log.

The rules are ``app.tokens`` and ``app.webhooks``; this only gathers what the screen shows in one read.
"""
from __future__ import annotations

from dataclasses import dataclass

from app import clock, db, tokens, users, webhooks
from app.tokens import TokenRecord
from app.users import UserRecord
from app.webhooks import LogLine, SubscriptionRecord

LOG_LINES = 200  # the newest deliveries of a subscription the screen shows; certline-cli webhook log has all


@dataclass(frozen=True)
class TokenRow:
    record: TokenRecord
    state: str  # active, expired, revoked: as the token is judged now
    holder: str  # the name of the user it acts as


@dataclass(frozen=True)
class SubscriptionRow:
    record: SubscriptionRecord
    failing: int  # deliveries tried and not delivered: being retried, or given up


def token_rows() -> list[TokenRow]:
    """Every token, newest first, with its holder's name."""
    names = {user.id: user.name for user in users.list_users()}
    now = clock.now_utc()
    return [TokenRow(t, t.state(now), names.get(t.user_id, t.user_id)) for t in tokens.list_tokens()]


def token_holders() -> list[UserRecord]:
    """The users a token may be made for: the active ones."""
    return users.list_users(active_only=True)


_FAILING_SQL = ('SELECT "subscription_id", COUNT(*) FROM "webhook_delivery" WHERE "status" = ? '
                'OR ("status" = ? AND "attempts" > ?) GROUP BY "subscription_id"')


def subscription_rows() -> list[SubscriptionRow]:
    """The subscriptions not removed, oldest first, with their failing deliveries counted."""
    failing = dict(db.execute(_FAILING_SQL, ("failed", "pending", 0)).fetchall())
    return [SubscriptionRow(s, int(failing.get(s.id, 0))) for s in webhooks.list_subscriptions()]


def delivery_lines(sub_id: str) -> list[LogLine]:
    """The subscription's newest deliveries first."""
    return webhooks.delivery_log(sub_id, limit=LOG_LINES)
