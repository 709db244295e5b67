"""Plant-wide policies, kept in the database so every workstation and the CLI obey the same rule."""
from __future__ import annotations

from typing import Any

from app import audit, db
from app.db import write_transaction
from app.errors import Invalid
from app.models import Policy

# Each policy, its default, and what it means.
POLICIES: dict[str, tuple[Any, str]] = {
    "require_approved": (False, "only certificates whose documents a supervisor approved may be attached"),
    "require_badge_and_pin": (False, "everyone signs in with badge and PIN; picking a name is refused"),
    "pin_attempts": (5, "wrong PINs in a row before the user is locked out"),
    "pin_lock_minutes": (5, "minutes a user stays locked out after that many wrong PINs"),
    "allow_macro_documents": (False, "Word documents (DOC, DOCX) with macros may be added to certificates"),
    "min_pin_digits_privileged": (6, "digits a supervisor's or administrator's PIN has at least (when it is set)"),
    "clock_tolerance_seconds": (2, "seconds a record's time may run behind the one before it (SQLite: each "
                                   "workstation's clock), or a workstation's clock differ from the database "
                                   "server's, before verify or the station says so"),
}
# The sane range of each number: fewer than 3 tries locks out people who merely mistype, more than 20
# makes guessing a 4-digit PIN quick; a lock longer than a day would outlast the reason for it.
# A supervisor's or administrator's PIN approves and changes records: never fewer than 6 digits.
BOUNDS: dict[str, tuple[int, int]] = {"pin_attempts": (3, 20), "pin_lock_minutes": (1, 24 * 60),
                                      "min_pin_digits_privileged": (6, 12), "clock_tolerance_seconds": (1, 3600)}


def get_policy(key: str) -> Any:
    """The policy's value, or its default when nobody has set it."""
    default, _ = POLICIES[key]
    row = db.get_or_none(Policy, key)
    return default if row is None else row.value


def get_policies() -> dict[str, Any]:
    """Every policy's value, in the order of ``POLICIES``."""
    return {key: get_policy(key) for key in POLICIES}


def check_value(key: str, value: Any) -> Any:
    """``value`` if the policy ``key`` may take it; raises Invalid with the reason otherwise."""
    if key not in POLICIES:
        raise Invalid(f"Unknown policy: {key}. Known: {', '.join(POLICIES)}")
    default, _ = POLICIES[key]
    if type(value) is not type(default):
        raise Invalid(f"Policy {key} takes a {type(default).__name__}, got {value!r}")
    low, high = BOUNDS.get(key, (value, value))
    if not low <= value <= high:
        raise Invalid(f"Policy {key} must be from {low} to {high}, got {value}")
    return value


def set_policy(key: str, value: Any, user_id: str, reason: str) -> Any:
    """Change a policy (administrators, with a reason; audited). Raises Invalid, Forbidden."""
    from app.users import require_user  # app.users reads policies itself

    check_value(key, value)
    if not (reason or "").strip():
        raise Invalid("A reason is required to change a policy", "reason")
    with write_transaction():
        require_user(user_id, ("admin",), "change policies")
        old = get_policy(key)
        Policy.insert(key=key, value=value).on_conflict(conflict_target=[Policy.key],
                                                        update={Policy.value: value}).execute()
        audit.record("policy_changed", user_id, reason=reason.strip(),
                     details={"policy": key, "old": old, "new": value})
    return value
