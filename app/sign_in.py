"""How a person may sign in at a station: the plant's rule, in one place.

A badge is something the person carries; a name picked from the station's list is not, so a
picked name is always followed by the PIN, and someone without a PIN signs in with the badge
only. The plant may require badge and PIN of everyone (policy ``require_badge_and_pin``):
then names cannot be picked, and a badge without a PIN behind it is refused. The station asks
here at every step, so a policy changed at another workstation holds at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from app import audit
from app.errors import Forbidden, Invalid
from app.policy import get_policy
from app.users import (
    UserRecord,
    WrongPin,
    check_pin,
    find_by_badge,
    get_user,
    list_users,
    lock_of,
    record_login,
    require_user,
)


@dataclass(frozen=True)
class Choice:
    """One name in the station's list, and how that person signs in."""

    user: UserRecord
    by_name: bool  # picking the name, then typing the PIN, signs them in
    note: str  # how, in a few words: "PIN", "badge only", "badge and PIN"


@dataclass(frozen=True)
class Attempt:
    """A sign-in under way: who, by which badge (None: the name was picked), and whether a PIN follows."""

    user: UserRecord
    badge: str | None
    needs_pin: bool

    @property
    def method(self) -> str:
        return ("badge" if self.badge else "name") + ("+PIN" if self.needs_pin else "")


def badge_and_pin_required() -> bool:
    return bool(get_policy("require_badge_and_pin"))


def choices() -> list[Choice]:
    """The active users, by name, each with how they sign in under today's policy."""
    strict = badge_and_pin_required()
    rows = []
    for user in list_users(active_only=True):
        if strict:
            rows.append(Choice(user, False, "badge and PIN" if user.has_pin else "no PIN yet"))
        else:
            rows.append(Choice(user, user.has_pin, "PIN" if user.has_pin else "badge only"))
    return rows


def begin(badge: str | None = None, user_id: str | None = None) -> Attempt:
    """Start signing in by a badge scanned, or by a name picked (its user id).

    Raises Forbidden with the sentence the person reads: a name without a PIN ("scan your badge"),
    names refused under badge and PIN, a badge without a PIN under badge and PIN ("ask an
    administrator"), a user locked out after wrong PINs (how long), a badge no active user holds.
    """
    audit.set_auth(None)  # the last person's sign-in no longer vouches for what is written next
    attempt = _attempt(badge, user_id)
    locked = lock_of(attempt.user.id) if attempt.needs_pin else None
    if locked is not None:
        raise locked  # said now, before anyone types a PIN in vain
    return attempt


def _attempt(badge: str | None, user_id: str | None) -> Attempt:
    strict = badge_and_pin_required()
    if badge is not None:
        user = find_by_badge(badge)
        if user is None:
            raise Forbidden(f"Unknown badge: {badge}")
        if strict and not user.has_pin:
            raise Forbidden(f"{user.name}: this plant signs in with badge and PIN, and you have no PIN yet. "
                            "Ask an administrator for a PIN.")
        return Attempt(user, badge, strict or user.has_pin)
    if user_id is not None:
        user = UserRecord.of(require_user(user_id, action="sign in"))
        if strict:
            raise Forbidden("This plant signs in with badge and PIN: scan your badge, then type your PIN.")
        if not user.has_pin:
            raise Forbidden(f"{user.name} signs in with the badge only: scan your badge.")
        return Attempt(user, None, True)
    raise Invalid("Scan a badge or pick a name to sign in")


OFFLINE_BADGE = "badge-offline"


def begin_offline_session() -> None:
    """A badge-only user signs in at a station whose database is away, as last known on the station: nothing
    can be recorded now, so what is queued from here on says so (``badge-offline``) when it is sent."""
    audit.set_auth(OFFLINE_BADGE)


def session_method() -> str | None:
    """How the person signed in at this station, carried by what the station queues while offline."""
    return audit.current_auth()


def complete(user_id: str, badge: str | None, pin: str | None) -> UserRecord:
    """Sign in ``user_id`` by ``badge`` (or by name when None) and ``pin``; records ``user_login``.

    The rule is asked again, as the policy may have changed since ``begin``; the PIN is checked,
    counted and, while the user is locked out, refused and recorded by ``app.users.check_pin``.
    Raises Forbidden (Locked) with the person's sentence; a wrong PIN names the user and the tries left.
    """
    attempt = _attempt(badge, None if badge is not None else user_id)
    if attempt.user.id != user_id:
        raise Forbidden(f"Badge {badge} is not {user_id}'s")
    if attempt.needs_pin:
        if not pin:
            raise Forbidden("Type your PIN")
        try:
            check_pin(user_id, pin, purpose="sign_in")
        except WrongPin as wrong:
            # The person at the station named themselves by badge or name: say whose PIN, and how many tries are left.
            raise Forbidden(wrong.for_person(attempt.user.name)) from None
    audit.set_auth(attempt.method)  # this station's entries say how the person signed in, until the next one
    record_login(user_id, attempt.method)
    return get_user(user_id)
