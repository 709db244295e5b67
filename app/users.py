"""Users: who they are, what role they hold, the badge they scan and their PIN.

A PIN is a handful of digits: 10,000 of them at 4 digits, a million at 6. No hash is slow enough to
protect so few against someone who can test them offline, so scrypt is the smaller part of the defence;
what protects a PIN is that nobody gets to test it offline — on PostgreSQL the workstations' role cannot
read the digests (app.pins, app.roles), on SQLite the digest mixes in a pepper kept outside the database
file — and that testing it online locks the user after a few wrong tries (``check_pin``). Supervisors and
administrators, whose PIN approves and changes records, need at least ``min_pin_digits_privileged``
digits (6 unless the plant asks for more).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Callable

from app import audit, db, pins
from app.bounds import check_text
from app.clock import iso_utc
from app.db import write_transaction
from app.errors import Forbidden, Invalid, NotFound
from app.ids import check_id
from app.models import ROLES, User, database
from app.policy import get_policy
from app.text import look_alike_key, same_name_key, shown

PRIVILEGED_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class UserRecord:
    id: str
    name: str
    role: str
    badge: str
    has_pin: bool
    active: bool

    @classmethod
    def of(cls, user: User, has_pin: bool | None = None) -> "UserRecord":
        has_pin = pins.has_pin(user.id) if has_pin is None else has_pin
        return cls(user.id, user.name, user.role, user.badge, has_pin, user.active)

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "role": self.role, "badge": self.badge,
                "hasPin": self.has_pin, "active": self.active}


def _check_pin(pin: str, role: str) -> str:
    if role in PRIVILEGED_ROLES:
        least = get_policy("min_pin_digits_privileged")
        if not (pin.isdigit() and least <= len(pin) <= 12):
            raise Invalid(f"PIN must be {least} to 12 digits for a supervisor or administrator")
    elif not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise Invalid("PIN must be 4 to 12 digits")
    return pin


def user_row(**fields) -> dict:
    """A validated row for the user table (shared by create and import)."""
    check_id(fields["id"], "User id")
    check_id(fields["badge"], "Badge code")
    if fields["role"] not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}: {fields['role']}")
    # Bounded as every stored name is (app.bounds): text, one line, no control characters, 200 at most.
    fields["name"] = check_text(fields.get("name"), f"User {fields['id']} name", "name", 200)
    if not fields["name"]:
        raise Invalid(f"User {fields['id']} needs a name")
    pin = fields.pop("pin", None)
    # Not a column of ``user``: the caller hands it to app.pins.store after inserting the row.
    fields["pin_hash"] = pins.make_hash(_check_pin(pin, fields["role"])) if pin else None
    return fields


def check_names_free(rows: list[dict], label: Callable[[dict], str] = lambda row: "",
                     except_id: str | None = None) -> None:
    """Refuse new users whose name is, or looks like, another user's: people pick their name to sign in.

    Compared with every user in the database (inactive ones too: they may come back) and with the
    rows before in ``rows``, by ``look_alike_key``: case, width, accents written either way, spaces
    and look-alike letters of other alphabets do not make a name different. ``label(row)`` starts
    the refusal (an import names the record). ``except_id``: a user being renamed, whose present name
    does not stand in the way. Call it in the transaction that writes the rows.
    """
    taken: dict[str, tuple[str, str, bool]] = {}  # key: (id, name, in the database already)
    others = User.select(User.id, User.name).where(User.id != (except_id or "")).order_by(User.id)
    for user_id, name in others.tuples():
        taken.setdefault(look_alike_key(name), (user_id, name, True))
    for row in rows:
        key = look_alike_key(row["name"])
        if key in taken:
            other_id, other, stored = taken[key]
            if same_name_key(other) != same_name_key(row["name"]):
                problem = (f"The name '{shown(row['name'])}' looks like that of user {other_id}, '{shown(other)}' "
                           f"(a letter of another alphabet, or a digit for a letter)")
            elif stored:
                problem = f"A user named '{shown(other)}' already exists ({other_id})"
            else:
                problem = f"A user named '{shown(other)}' comes earlier in the same file ({other_id})"
            raise Invalid(f"{label(row)}{problem}; names must differ so people pick the right one", "name")
        taken[key] = (row["id"], row["name"], False)


def create_user(user_id: str, name: str, role: str, badge: str, pin: str | None = None,
                by: str | None = None) -> UserRecord:
    """Create a user; ``by`` (an admin) is recorded in the audit trail.

    Only the very first user, an administrator, is created by nobody. Raises Invalid, NotFound, Forbidden.
    """
    row = user_row(id=user_id, name=name.strip(), role=role, badge=badge, pin=pin)
    with write_transaction():
        if by is not None or User.select().exists():
            require_user(by, roles=("admin",), action="create users")
        elif role != "admin":
            raise Invalid("The first user must be an administrator")
        if User.get_or_none(User.id == user_id):
            raise Invalid(f"User already exists: {user_id}")
        if User.get_or_none(User.badge == badge):
            raise Invalid(f"Badge code already belongs to another user: {badge}")
        check_names_free([row])
        stored = row.pop("pin_hash")
        User.insert(row).execute()
        if stored:
            pins.store(user_id, stored)
        audit.record("user_created", by, details={"userId": user_id, "name": row["name"], "role": role,
                                                  "badge": badge, "hasPin": bool(pin)})
    return get_user(user_id)


def get_user(user_id: str) -> UserRecord:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound(f"User not found: {user_id}")
    return UserRecord.of(user)


def list_users(active_only: bool = False) -> list[UserRecord]:
    query = User.select().order_by(User.name, User.id)
    if active_only:
        query = query.where(User.active == True)  # noqa: E712 (peewee expression)
    with_pin = pins.users_with_pin()
    return [UserRecord.of(u, u.id in with_pin) for u in query]


def find_by_badge(badge: str) -> UserRecord | None:
    user = User.get_or_none((User.badge == badge) & (User.active == True))  # noqa: E712
    return UserRecord.of(user) if user else None


def require_user(user_id: object, roles: tuple[str, ...] = ROLES, action: str = "do this") -> User:
    """The active user behind ``user_id`` holding one of ``roles``.

    Raises Invalid (empty or malformed id), NotFound, or Forbidden (inactive, wrong role).
    """
    check_id(user_id, "User id")
    user = db.get_or_none(User, user_id)
    if user is None:
        raise NotFound(f"User not found: {user_id}")
    if not user.active:
        raise Forbidden(f"User {user_id} is not active")
    if user.role not in roles:
        raise Forbidden(f"User {user_id} ({user.role}) may not {action}")
    return user


WRONG = "Wrong user or PIN"


class Locked(Forbidden):
    """Too many wrong PINs in a row: no PIN of this user is checked until the lock ends."""


class WrongPin(Forbidden):
    """A wrong PIN, counted. Its message is ``WRONG`` whatever was wrong, for the CLI and approvals, where
    the user is only claimed; the station, whose person picked or scanned who they are, says ``for_person``."""

    def __init__(self, tries_left: int = 0, lock_minutes: int = 0):
        super().__init__(WRONG)
        self.tries_left = tries_left  # wrong PINs still allowed before the lock; 0 when none was counted
        self.lock_minutes = lock_minutes

    def for_person(self, name: str) -> str:
        """``Wrong PIN for Sara Lindqvist: 4 more tries before a 5-minute lock``."""
        if not self.tries_left:
            return f"Wrong PIN for {shown(name)}"
        tries = "1 more try" if self.tries_left == 1 else f"{self.tries_left} more tries"
        return f"Wrong PIN for {shown(name)}: {tries} before a {self.lock_minutes}-minute lock"


def _duration(seconds: float) -> str:
    """``4 min 32 s``, ``5 min`` or ``32 s``; never ``0 s`` while any time is left."""
    minutes, seconds = divmod(max(1, math.ceil(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes) + [f"{seconds} s"] * bool(seconds)
    return " ".join(parts)


def _locked(failed_pins: int, locked_until: dt.datetime | None, now: dt.datetime) -> Locked | None:
    if locked_until is None or locked_until <= now:
        return None
    wait = _duration((locked_until - now).total_seconds())
    return Locked(f"Locked after {failed_pins} wrong PINs: try again in {wait}")


def lock_of(user_id: str) -> Locked | None:
    """The refusal a PIN of this user meets now, or None when their PINs are checked."""
    user = User.get_or_none(User.id == user_id)
    return _locked(user.failed_pins, user.locked_until, pins.now()) if user else None


def check_pin(user_id: str, pin: str, purpose: str = "sign_in") -> UserRecord:
    """The user if ``pin`` is theirs; raises Forbidden otherwise (same message whatever was wrong).

    Every place a PIN is asked goes through here, so one count of wrong PINs in a row guards them all:
    after the plant's ``pin_attempts`` the user is locked for ``pin_lock_minutes`` (Locked, saying how
    long), even the right PIN is refused meanwhile, and a right PIN starts the count again. Each
    refusal is recorded (``sign_in_refused``, and ``user_locked`` when a lock starts) and committed
    before the refusal is raised, so it must not run inside another transaction, whose rollback would
    take the count back. ``purpose`` says in the audit trail what the PIN was for.
    """
    if database.obj.in_transaction():
        raise RuntimeError("check_pin commits the wrong PINs it counts: call it outside a transaction")
    user = User.get_or_none(User.id == user_id)
    if user is None or not user.active:
        raise Forbidden(WRONG)
    attempt = pins.prepare(user_id, pin)  # the slow hash, before the write lock is taken
    with write_transaction():
        outcome = pins.verify(attempt)  # compares and counts (on PostgreSQL, the server does)
        refusal = _refusal(user.id, outcome, purpose)
    if refusal is not None:
        raise refusal
    return UserRecord.of(user, True)


def _refusal(user_id: str, outcome: pins.Outcome, purpose: str) -> Forbidden | None:
    """The audit entries of a PIN checked, in the check's transaction; the refusal to raise, if any."""
    if outcome.kind == "right":
        return None
    if outcome.kind == "locked":
        audit.record("sign_in_refused", user_id, details={"purpose": purpose, "locked": True,
                                                          "lockedUntil": iso_utc(outcome.locked_until)})
        return _locked(outcome.failed_pins, outcome.locked_until, outcome.now) or Forbidden(WRONG)
    audit.record("sign_in_refused", user_id, details={"purpose": purpose, "wrongPins": outcome.failed_pins})
    if outcome.locked_until is None:
        return WrongPin(max(0, pins.attempts_allowed() - outcome.failed_pins), outcome.lock_minutes)
    audit.record("user_locked", user_id, details={"wrongPins": outcome.failed_pins, "minutes": outcome.lock_minutes,
                                                  "lockedUntil": iso_utc(outcome.locked_until)})
    return _locked(outcome.failed_pins, outcome.locked_until, outcome.now) or Forbidden(WRONG)


def set_pin(user_id: str, new_pin: str, by: str, old_pin: str | None = None,
            reason: str | None = None) -> UserRecord:
    """Give ``user_id`` the PIN ``new_pin``: an administrator ``by`` sets or resets anyone's, any other user
    changes only their own and proves ``old_pin`` first (through ``check_pin``, so wrong tries count
    towards the lock and are recorded). Audited ``pin_set`` in the transaction that stores it; the entry
    says only that the user has a PIN. Raises Invalid, NotFound, Forbidden (Locked)."""
    acting = require_user(by, action="set PINs")
    check_id(user_id, "User id")
    target = db.get_or_none(User, user_id)
    if target is None:
        raise NotFound(f"User not found: {user_id}")
    _check_pin(new_pin or "", target.role)  # a bad new PIN costs no try of the old one
    if acting.role != "admin":
        if acting.id != target.id:
            raise Forbidden(f"User {by} ({acting.role}) may change only their own PIN")
        if old_pin is None:
            raise Forbidden("Changing your PIN takes your present PIN")
        check_pin(acting.id, old_pin, purpose="pin_change")  # commits its count before refusing
    stored = pins.make_hash(new_pin)  # the slow hash, before the write lock is taken
    with write_transaction():
        acting = require_user(by, action="set PINs")  # as it is now, under the lock
        if acting.role != "admin" and acting.id != user_id:
            raise Forbidden(f"User {by} ({acting.role}) may change only their own PIN")
        target = User.get_by_id(user_id)
        _check_pin(new_pin, target.role)  # the role may have changed meanwhile
        pins.store(user_id, stored)
        audit.record("pin_set", acting.id, reason=(reason or "").strip() or None,
                     details={"userId": user_id, "hasPin": True})
    return get_user(user_id)


def clear_pin(user_id: str, by: str, reason: str) -> UserRecord:
    """Take ``user_id``'s PIN away (administrators, with a reason; audited ``pin_cleared``). Without a PIN
    the user signs in by badge only, unless the plant requires badge and PIN. Raises Invalid, NotFound,
    Forbidden."""
    if not (reason or "").strip():
        raise Invalid("A reason is required to clear a PIN", "reason")
    with write_transaction():
        require_user(by, roles=("admin",), action="clear PINs")
        if db.get_or_none(User, user_id) is None:
            raise NotFound(f"User not found: {user_id}")
        if not pins.has_pin(user_id):
            raise Invalid(f"User {user_id} has no PIN to clear")
        pins.store(user_id, None)
        audit.record("pin_cleared", by, reason=reason.strip(), details={"userId": user_id, "hasPin": False})
    return get_user(user_id)


def record_login(user_id: str, method: str | None = None) -> None:
    """A ``user_login`` entry: who signed in at which workstation, when, and how (``badge``, ``badge+PIN``…)."""
    with write_transaction():
        user = require_user(user_id, action="sign in")
        details = {"name": user.name, "role": user.role} | ({"method": method} if method else {})
        audit.record("user_login", user.id, details=details)
