"""Plant-wide policies, kept in the database so every workstation and the CLI obey the same rule."""
from __future__ import annotations

from typing import Any

from app import audit, db
from app.db import write_transaction
from app.errors import Invalid
from app.models import Policy
from app.users import require_user

# Each policy, its default, and what it means.
POLICIES: dict[str, tuple[Any, str]] = {
    "require_approved": (False, "only certificates whose documents a supervisor approved may be attached"),
}


def get_policy(key: str) -> Any:
    """The policy's value, or its default when nobody has set it."""
    default, _ = POLICIES[key]
    row = db.get_or_none(Policy, key)
    return default if row is None else row.value


def set_policy(key: str, value: Any, user_id: str, reason: str) -> Any:
    """Change a policy (administrators, with a reason; audited). Raises Invalid, Forbidden."""
    if key not in POLICIES:
        raise Invalid(f"Unknown policy: {key}. Known: {', '.join(POLICIES)}")
    default, _ = POLICIES[key]
    if type(value) is not type(default):
        raise Invalid(f"Policy {key} takes a {type(default).__name__}, got {value!r}")
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
