"""The Users view's question: every user with what an administrator acts on — role, badge, whether
they have a PIN, are active, are locked after wrong PINs (and for how long) — in one read."""
from __future__ import annotations

from dataclasses import dataclass

from app import pins, users
from app.models import User
from app.users import UserRecord


@dataclass(frozen=True)
class UserRow:
    record: UserRecord
    lock: str | None  # the sentence a PIN of theirs meets now ("Locked after 5 wrong PINs: …"), None when not locked

    @property
    def locked(self) -> bool:
        return self.lock is not None


def user_rows() -> list[UserRow]:
    """Every user, active or not, by name."""
    records = users.list_users()
    now = pins.now()
    locks = {user_id: (failed, until) for user_id, failed, until in
             User.select(User.id, User.failed_pins, User.locked_until)
             .where(User.locked_until.is_null(False) & (User.locked_until > now)).tuples()}
    rows = []
    for record in records:
        lock = users._locked(*locks[record.id], now) if record.id in locks else None
        rows.append(UserRow(record, lock.message if lock is not None else None))
    return rows
