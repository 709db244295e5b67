"""Administrators edit, deactivate, reactivate and unlock users; a deactivated user is refused everywhere."""
from __future__ import annotations

import pytest

from app import db, integrity, serials, sign_in, tokens, user_admin, users
from app.errors import Forbidden, Invalid, NotFound
from app.models import User
from tests.helpers.state import entries, row_counts

REASON = "Left the company"


def _verified() -> None:
    report = integrity.verify(quick=True)
    assert report.ok, report.problems


def test_a_deactivated_user_is_refused_at_sign_in_on_commands_and_by_token(plant):
    token, secret = tokens.create_token("sup1", "ERP", "admin")
    user_admin.deactivate_user("sup1", "admin", REASON)
    user_admin.deactivate_user("op2", "admin", REASON)
    assert entries("user_deactivated")[-1].details == {"userId": "op2"}
    assert users.get_user("sup1").active is False and User.select().count() == 4  # never deleted
    with pytest.raises(Forbidden, match="^Unknown badge: B-SUP1$"):
        sign_in.begin(badge="B-SUP1")
    with pytest.raises(Forbidden, match="^Unknown badge: B-OP2$"):  # a badge-only user too
        sign_in.begin(badge="B-OP2")
    with pytest.raises(Forbidden, match="^User sup1 is not active$"):
        sign_in.begin(user_id="sup1")
    assert "sup1" not in [c.user.id for c in sign_in.choices()]
    with pytest.raises(Forbidden, match="^Wrong user or PIN$"):
        users.check_pin("sup1", "432100")
    with pytest.raises(Forbidden, match="^User sup1 is not active$"):
        serials.create_serials("JOB-1", 1, "sup1")
    with pytest.raises(Forbidden, match="^API token .* belongs to sup1, who is no longer active$"):
        tokens.authenticate(secret)
    assert row_counts()["serial"] == 0  # certline-cli: tests/app/test_cli_setup.py

    user_admin.reactivate_user("sup1", "admin", "Came back")
    assert sign_in.begin(badge="B-SUP1").user.id == "sup1"
    _verified()


def test_an_administrator_cannot_deactivate_or_demote_themselves(plant):
    """So the plant always keeps an active administrator: the one acting is one."""
    before = row_counts()
    with pytest.raises(Forbidden, match="^You cannot deactivate yourself: ask another administrator$"):
        user_admin.deactivate_user("admin", "admin", REASON)
    with pytest.raises(Forbidden, match="^You cannot take the administrator's role from yourself"):
        user_admin.update_user("admin", "admin", REASON, role="supervisor")
    assert row_counts() == before
    users.create_user("admin2", "Adam Second", "admin", "B-ADM2", pin="975310", by="admin")
    assert user_admin.update_user("admin", "admin2", "Moves to quality", role="supervisor").role == "supervisor"
    with pytest.raises(Forbidden, match=r"^User admin \(supervisor\) may not deactivate users$"):
        user_admin.deactivate_user("admin2", "admin", REASON)
    _verified()


@pytest.mark.parametrize("user", ["sup1", "op1"])
def test_only_administrators_change_users(plant, user):
    before = row_counts()
    for attempt in (lambda: user_admin.update_user("op2", user, REASON, name="Otto Other"),
                    lambda: user_admin.deactivate_user("op2", user, REASON),
                    lambda: user_admin.reactivate_user("op2", user, REASON),
                    lambda: user_admin.unlock_user("op2", user, REASON)):
        with pytest.raises(Forbidden, match=f"^User {user} \\((supervisor|operator)\\) may not "):
            attempt()
    assert row_counts() == before


def test_name_role_and_badge_are_edited_with_a_reason_and_recorded(plant):
    changed = user_admin.update_user("op1", "admin", "Married", name="Olga Smith", badge="B-OP1-NEW")
    assert (changed.name, changed.badge) == ("Olga Smith", "B-OP1-NEW")
    assert entries("user_updated")[-1].details == {"userId": "op1", "changes": {
        "name": {"old": "Olga Operator", "new": "Olga Smith"}, "badge": {"old": "B-OP1", "new": "B-OP1-NEW"}}}
    assert entries("user_updated")[-1].reason == "Married"
    assert sign_in.begin(badge="B-OP1-NEW").user.id == "op1"
    before = row_counts()
    cases = [
        (dict(name="Otto Operator"), Invalid, "A user named 'Otto Operator' already exists (op2)"),
        (dict(name="0tto Operator"), Invalid, "The name '0tto Operator' looks like that of user op2"),
        (dict(badge="B-SUP1"), Invalid, "Badge code already belongs to another user: B-SUP1"),
        (dict(role="wizard"), Invalid, "Role must be one of operator, supervisor, admin: wizard"),
        (dict(name="Olga Smith"), Invalid, "Nothing to change: user op1 is like that already"),
        (dict(role="supervisor"), Invalid, "op1 has an operator's PIN, which may be too short for a supervisor"),
        (dict(role="supervisor", pin="1234"), Invalid, "PIN must be 6 to 12 digits for a supervisor"),
    ]
    for changes, error, message in cases:
        with pytest.raises(error) as refused:
            user_admin.update_user("op1", "admin", "Because", **changes)
        assert refused.value.message.startswith(message), refused.value.message
    with pytest.raises(Invalid, match="^A reason is required to change a user$"):
        user_admin.update_user("op1", "admin", "", name="X Y")
    with pytest.raises(NotFound, match="^User not found: op9$"):
        user_admin.update_user("op9", "admin", "Because", name="X Y")
    assert row_counts() == before
    promoted = user_admin.update_user("op1", "admin", "Team lead now", role="supervisor", pin="24681357")
    assert promoted.role == "supervisor" and users.check_pin("op1", "24681357").id == "op1"
    assert [e.type for e in entries()[-2:]] == ["user_updated", "pin_set"]
    _verified()


def test_a_locked_user_is_unlocked_by_an_administrator_with_a_reason(plant):
    for _ in range(5):
        with pytest.raises(Forbidden):
            users.check_pin("op1", "0000")
    with pytest.raises(users.Locked):
        users.check_pin("op1", "1234")
    assert user_admin.is_locked("op1")
    with pytest.raises(Forbidden, match=r"^User sup1 \(supervisor\) may not unlock users$"):
        user_admin.unlock_user("op1", "sup1", "Forgot")
    unlocked = user_admin.unlock_user("op1", "admin", "Typed with gloves on; identity checked")
    assert unlocked.id == "op1" and not user_admin.is_locked("op1")
    assert entries("user_unlocked")[-1].details == {"userId": "op1", "wrongPins": 5}
    assert users.check_pin("op1", "1234").id == "op1"
    with pytest.raises(Invalid, match="^User op1 is not locked$"):
        user_admin.unlock_user("op1", "admin", "Again")
    _verified()


def test_a_user_made_inactive_or_renamed_behind_certlines_back_is_named(plant, database):
    user_admin.deactivate_user("op2", "admin", REASON)
    _verified()
    database.execute_sql("UPDATE \"user\" SET active = %s WHERE id = 'op2'" % ("1" if db.is_sqlite() else "true"))
    problems = integrity.verify(quick=True).problems
    assert any(p.startswith("user op2: active is true, the audit trail says false at #") for p in problems), problems
