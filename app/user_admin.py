"""What administrators do to users beyond adding them (app.users): edit, deactivate, reactivate, unlock.

A user is never deleted: the audit trail names them. A deactivated user cannot sign in, act through
certline-cli, hold an API token that works, or be named on any command (``users.require_user``
refuses them everywhere). An administrator cannot deactivate or demote themselves, nor leave the
plant without an active administrator. Every change takes a reason and is audited.
"""
from __future__ import annotations

from typing import Any

from app import audit, db, pins
from app.bounds import MAX_REASON_LENGTH, check_text
from app.db import write_transaction
from app.errors import Forbidden, Invalid, NotFound
from app.ids import check_id
from app.models import ROLES, User
from app.users import PRIVILEGED_ROLES, UserRecord, _check_pin, check_names_free, get_user, lock_of, require_user

ADMINS = ("admin",)


def _reason(reason: str | None, what: str) -> str:
    text = check_text(reason, "Reason", "reason", MAX_REASON_LENGTH, multiline=True)
    if not text:
        raise Invalid(f"A reason is required to {what}", "reason")
    return text


def _target(user_id: str) -> User:
    check_id(user_id, "User id", "id")
    user = db.get_or_none(User, user_id)
    if user is None:
        raise NotFound(f"User not found: {user_id}")
    return user


def _other_active_admins(user_id: str) -> int:
    others = User.select().where((User.role == "admin") & (User.active == True) & (User.id != user_id))  # noqa: E712
    return others.count()


def update_user(user_id: str, by: str, reason: str, name: str | None = None, role: str | None = None,
                badge: str | None = None, pin: str | None = None) -> UserRecord:
    """Change a user's name, role or badge (administrators, with a reason); audited ``user_updated`` with the
    old and new value of each field changed. Giving an operator who has a PIN a supervisor's or administrator's
    role takes a new PIN of the longer kind with it (``pin``): an operator's PIN may be too short.
    Raises Invalid, NotFound, Forbidden."""
    reason = _reason(reason, "change a user")
    wanted: dict[str, Any] = {}
    if name is not None:
        wanted["name"] = check_text(name, "Name", "name", 200)
        if not wanted["name"]:
            raise Invalid("A user needs a name", "name")
    if role is not None and role not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}: {role}", "role")
    if role is not None:
        wanted["role"] = role
    if badge is not None:
        wanted["badge"] = check_id(badge, "Badge code", "badge")
    stored = pins.make_hash(_check_pin(pin, role or get_user(user_id).role)) if pin else None
    with write_transaction():
        acting = require_user(by, ADMINS, "change users")
        user = _target(user_id)
        changes = {field: {"old": getattr(user, field), "new": value} for field, value in wanted.items()
                   if getattr(user, field) != value}
        if not changes and stored is None:
            raise Invalid(f"Nothing to change: user {user_id} is like that already")
        if "role" in changes and user.role == "admin":
            if acting.id == user.id:
                raise Forbidden("You cannot take the administrator's role from yourself: ask another administrator")
            if user.active and not _other_active_admins(user.id):
                raise Invalid(f"{user_id} is the last active administrator: give another user that role first",
                              "role")
        if "name" in changes:
            check_names_free([{"id": user.id, "name": changes["name"]["new"]}], except_id=user.id)
        if "badge" in changes and User.select().where((User.badge == changes["badge"]["new"])
                                                      & (User.id != user.id)).exists():
            raise Invalid(f"Badge code already belongs to another user: {changes['badge']['new']}", "badge")
        new_role = changes.get("role", {}).get("new", user.role)
        if ("role" in changes and new_role in PRIVILEGED_ROLES and user.role not in PRIVILEGED_ROLES
                and pins.has_pin(user.id) and stored is None):
            raise Invalid(f"{user_id} has an operator's PIN, which may be too short for a {new_role}: give a new PIN "
                          "with the new role", "pin")
        if stored is not None:
            _check_pin(pin, new_role)  # the role it will have
        if changes:
            User.update({field: change["new"] for field, change in changes.items()}).where(
                User.id == user.id).execute()
            audit.record("user_updated", acting.id, reason=reason, details={"userId": user.id, "changes": changes})
        if stored is not None:
            pins.store(user.id, stored)
            audit.record("pin_set", acting.id, reason=reason, details={"userId": user.id, "hasPin": True})
    return get_user(user_id)


def deactivate_user(user_id: str, by: str, reason: str) -> UserRecord:
    """The user can no longer sign in nor act anywhere; the records they made keep their name."""
    reason = _reason(reason, "deactivate a user")
    with write_transaction():
        acting = require_user(by, ADMINS, "deactivate users")
        user = _target(user_id)
        if not user.active:
            raise Invalid(f"User {user_id} is not active already")
        if acting.id == user.id:
            raise Forbidden("You cannot deactivate yourself: ask another administrator")
        if user.role == "admin" and not _other_active_admins(user.id):
            raise Invalid(f"{user_id} is the last active administrator: the plant needs one")
        User.update(active=False).where(User.id == user.id).execute()
        audit.record("user_deactivated", acting.id, reason=reason, details={"userId": user.id})
    return get_user(user_id)


def reactivate_user(user_id: str, by: str, reason: str) -> UserRecord:
    reason = _reason(reason, "reactivate a user")
    with write_transaction():
        acting = require_user(by, ADMINS, "reactivate users")
        user = _target(user_id)
        if user.active:
            raise Invalid(f"User {user_id} is active already")
        User.update(active=True).where(User.id == user.id).execute()
        audit.record("user_reactivated", acting.id, reason=reason, details={"userId": user.id})
    return get_user(user_id)


def unlock_user(user_id: str, by: str, reason: str) -> UserRecord:
    """Lift a lock after wrong PINs before it runs out, and start the count of wrong PINs again.

    On PostgreSQL the station role may not write the lock (migration 0005): the owner's function
    ``certline_unlock_user`` does, for an administrator's command only as far as the application asks."""
    reason = _reason(reason, "unlock a user")
    with write_transaction():
        acting = require_user(by, ADMINS, "unlock users")
        user = _target(user_id)
        locked = lock_of(user.id)
        if locked is None:
            raise Invalid(f"User {user_id} is not locked")
        if db.is_sqlite():
            User.update(failed_pins=0, locked_until=None).where(User.id == user.id).execute()
        else:
            db.execute("SELECT certline_unlock_user(?)", (user.id,))
        audit.record("user_unlocked", acting.id, reason=reason,
                     details={"userId": user.id, "wrongPins": user.failed_pins})
    return get_user(user_id)


def is_locked(user_id: str) -> bool:
    """Whether the user's PINs are refused now (for a list to show a lock and offer to lift it)."""
    return lock_of(user_id) is not None
